import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bySourceFile, diffRows, loadGold, stem } from './helpers/gold.js';
import { exportRows, ingestInto, ROOT, tempDb } from './helpers/run.js';

/**
 * Format parity: every rendition of a seed (DOCX, PDF and HTML made by
 * scripts/fixtures, and variants "made by other hands": unmerged headers,
 * landscape pages, other fonts, GB18030/GBK) reproduces that seed's gold file.
 */
const FOLDERS = ['corpus/fixtures/docx', 'corpus/fixtures/html', 'corpus/fixtures/pdf', 'tests/fixtures/variants'];
const REF_PATTERN: Record<string, RegExp> = { docx: /^t\d+r\d+$/, html: /^t\d+r\d+$/, pdf: /^p\d+$/, 'txt-cells': /^L\d+$/, 'txt-tabs': /^L\d+$/ };

const files = FOLDERS.flatMap((folder) =>
  existsSync(join(ROOT, folder)) ? readdirSync(join(ROOT, folder)).map((f) => join(ROOT, folder, f)) : [],
);

describe('renditions of the seeds reproduce the gold files', async () => {
  const db = tempDb();
  const summary = await ingestInto(db, files);
  const rows = bySourceFile(exportRows(db));
  const gold = loadGold();

  it('covers DOCX, HTML and the variants of every seed', () => {
    const formats = new Set([...rows.values()].map((r) => r[0].source_format));
    for (const f of ['docx', 'html']) expect(formats).toContain(f);
    for (const name of gold.keys()) {
      expect(files.filter((f) => f.endsWith('.docx') && stem(f) === name)).not.toHaveLength(0);
      expect(files.filter((f) => f.endsWith('.html') && stem(f) === name)).not.toHaveLength(0);
    }
  });

  for (const file of files) {
    const name = file.slice(ROOT.length);
    it(`${name}: exactly its seed's gold rows`, () => {
      const outcome = summary.outcomes.find((o) => o.path === file)!;
      expect(outcome.error).toBe('');
      expect(outcome.status).toBe('ok');
      const got = [...rows.entries()].find(([source]) => file.endsWith(`/${source}`))![1];
      const expected = gold.get(stem(file))!;
      const diff = diffRows(expected, got);
      expect(diff.missing).toEqual([]);
      expect(diff.extra).toEqual([]);
      expect(new Set(got.map((r) => r.department_code))).toEqual(new Set([expected[0].department_code]));
      expect(got.every((r) => REF_PATTERN[r.source_format].test(r.source_ref))).toBe(true);
    });
  }
});
