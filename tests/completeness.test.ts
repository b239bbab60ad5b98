import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extract } from '../src/extract/index.js';
import { processBytes, processExtracted, sha256 } from '../src/pipeline.js';
import { ROOT } from './helpers/run.js';

/** A document that lacks tables it requires is partial, with the reason, never ok. */
describe('completeness is checked, not assumed', () => {
  it('a seed cut after its first table is partial, naming the tables not found and where it ends', async () => {
    const lines = readFileSync(join(ROOT, 'corpus/seeds/000_313ba343419bd952.txt'), 'utf8').split('\n');
    // line 230 of the seed is the title of its second table (部门预算收入总表)
    expect(lines[229]).toMatch(/部门预算收入总表/);
    const cut = lines.slice(0, 229).join('\n');
    const result = await processBytes(new TextEncoder().encode(cut), 'cut.txt');
    expect(result.status).toBe('partial');
    expect(result.tables.map((t) => [t.number, t.status])).toEqual([[1, 'read']]);
    expect(result.error).toMatch(/^tables 2, 3, 4, 5, 6, 9 were not found \(every budget disclosure publishes it\); the last table read ends at line \d+: is the file cut\?$/);
  });

  it('a real PDF that lost its pages after the third is partial', async () => {
    const file = join(ROOT, 'corpus/national/zj-hz-qxj-2026-dept.pdf');
    const bytes = new Uint8Array(readFileSync(file));
    const extracted = await extract(bytes, 'zj-hz-qxj-2026-dept.pdf');
    // 杭州市气象局's tables 1–3 stand on pages 11–13 (headline-gold.csv: rev:15 exp:17; the TOC is earlier)
    const firstTable = extracted.blocks.findIndex((b) => b.kind === 'paragraph' && /表4：/.test(b.text) && (b.ref.page ?? 0) > 10);
    expect(firstTable).toBeGreaterThan(0);
    extracted.blocks = extracted.blocks.slice(0, firstTable);
    const result = await processExtracted(extracted, file, bytes.length, sha256(bytes));
    expect(result.status).toBe('partial');
    expect(result.tables.map((t) => t.number)).toEqual([1, 2, 3]);
    expect(result.error).toMatch(/^tables 4, 5, 6, 9 were not found .*is the file cut\?$/);
  });

  it('does not ask for a fund table that the document has no money of', async () => {
    // 重庆市水利局 publishes no 国有资本经营 table, and its table 4 has no such amounts: ok (headline-gold.csv)
    const bytes = new Uint8Array(readFileSync(join(ROOT, 'corpus/national/cq-sj-slj-2026-dept.pdf')));
    const result = await processBytes(bytes, 'cq-sj-slj-2026-dept.pdf');
    expect(result.tables.some((t) => t.kind === 'soe_capital_expenditure')).toBe(false);
    expect(result.status).toBe('ok');
  });
});
