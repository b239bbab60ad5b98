import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bySourceFile, diffRows, loadGold, REFERENCE, stem } from './helpers/gold.js';
import { exportRows, ingestInto, query, ROOT, tempDb } from './helpers/run.js';

describe('the real Shanghai PDFs reproduce gold-real exactly', async () => {
  const db = tempDb();
  const summary = await ingestInto(db, [join(ROOT, 'corpus/real')]);
  const rows = bySourceFile(exportRows(db));
  const gold = loadGold(join(REFERENCE, 'gold-real'));

  it('reads all three', () => {
    expect(summary.outcomes.map((o) => o.error)).toEqual(['', '', '']);
    expect([...rows.keys()].map(stem).sort()).toEqual([...gold.keys()].sort());
  });

  for (const [name, expected] of gold) {
    it(`${name}: every gold row, nothing more`, () => {
      const got = [...rows.entries()].find(([file]) => stem(file) === name)![1];
      const diff = diffRows(expected, got);
      expect(diff.missing).toEqual([]);
      expect(diff.extra).toEqual([]);
      expect(new Set(got.map((r) => `${r.department_name}|${r.fiscal_year}|${r.department_code}`))).toEqual(
        new Set([`${expected[0].department_name}|${expected[0].fiscal_year}|`]),
      );
      expect(got.every((r) => /^p\d+$/.test(r.source_ref))).toBe(true);
    });
  }

  it('reports the documents\' own contradictions, not extraction errors', () => {
    const errors = query<{ source_file: string; rule: string }>(db, "SELECT source_file, rule FROM checks_dataset WHERE severity = 'error'");
    // 万里街道's "三公" table holds amounts under a note calling it empty: a real flaw, reported
    expect(errors).toEqual([{ source_file: 'sh-putuo-wanli-2024-dept.pdf', rule: 'empty-note' }]);
  });
});
