import { describe, expect, it } from 'vitest';
import { bySourceFile, diffRows, loadGold, stem } from './helpers/gold.js';
import { exportRows, ingestInto, SEEDS, tempDb } from './helpers/run.js';

describe('the seeds of corpus/ reproduce the gold files exactly', async () => {
  const db = tempDb();
  const summary = await ingestInto(db, [SEEDS]);
  const rows = bySourceFile(exportRows(db));
  const gold = loadGold();

  it('reads all five seeds without failure', () => {
    expect(summary.failed).toBe(0);
    expect(summary.ok).toBe(5);
    expect([...rows.keys()].map(stem).sort()).toEqual([...gold.keys()].sort());
  });

  for (const [name, expected] of gold) {
    it(`${name}: every gold row, nothing more`, () => {
      const got = [...rows.entries()].find(([file]) => stem(file) === name)?.[1] ?? [];
      const diff = diffRows(expected, got);
      expect(diff.missing).toEqual([]);
      expect(diff.extra).toEqual([]);
      expect(got[0].department_code).toBe(expected[0].department_code);
      expect(got.every((r) => r.fiscal_year === expected[0].fiscal_year)).toBe(true);
    });
  }

  it('fills the provenance and hierarchy columns', () => {
    const all = [...rows.values()].flat();
    expect(all.every((r) => /^[0-9a-f]{64}$/.test(r.doc_id))).toBe(true);
    expect(all.every((r) => /^L\d+$/.test(r.source_ref))).toBe(true);
    expect(all.every((r) => r.source_format === 'txt-cells' || r.source_format === 'txt-tabs')).toBe(true);
    const item = all.find((r) => r.code === '2010301' && r.table_kind === 'revenue')!;
    expect(item).toMatchObject({ code_level: '3', parent_code: '20103', code_scheme: 'function' });
    const klass = all.find((r) => r.code === '201' && r.table_kind === 'revenue')!;
    expect(klass).toMatchObject({ code_level: '1', parent_code: '' });
    expect(all.find((r) => r.source_file.startsWith('004'))!.source_format).toBe('txt-tabs');
    expect(all.find((r) => r.source_file.startsWith('000'))!.department_name).toBe('秦皇岛市海港区数据和政务服务局');
  });
});
