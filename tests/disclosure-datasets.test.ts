import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv, REFERENCE, stem } from './helpers/gold.js';
import { exportRows, ingestInto, query, SEEDS, tempDb, tempDir } from './helpers/run.js';

describe('the other datasets of the seeds', async () => {
  const db = tempDb();
  await ingestInto(db, [SEEDS]);
  const codeOf = new Map(exportRows(db, 'documents').map((d) => [d.doc_id, d.department_code]));

  it('projects reproduce gold-projects.csv exactly', () => {
    const key = (r: Record<string, string>) =>
      [r.department_code, r.project_code, r.budget_yuan, r.fiscal_funds_yuan, r.other_funds_yuan].join('|');
    const gold = parseCsv(readFileSync(join(REFERENCE, 'gold-projects.csv'), 'utf8')).map(key).sort();
    const got = exportRows(db, 'projects')
      .map((r) => ({ ...r, department_code: codeOf.get(r.doc_id)! }))
      .map(key)
      .sort();
    expect(got).toEqual(gold);
  });

  it.each([
    ['indicators', { '000': 46, '001': 57, '002': 35, '003': 64, '004': 108 }],
    ['procurement', { '000': 7, '001': 8, '002': 9, '003': 0, '004': 0 }],
    ['assets', { '000': 6, '001': 6, '002': 6, '003': 7, '004': 6 }],
    ['institutions', { '000': 1, '001': 1, '002': 1, '003': 3, '004': 2 }],
  ] as const)('%s: every table row of every seed', (dataset, counts) => {
    // counts from reading the seeds: indicator rows of the 绩效目标表, rows of 部门政府采购预算 (合计, 小计 and items),
    // of 部门固定资产占用情况表 and of 部门机构设置情况
    const rows = exportRows(db, dataset);
    for (const [seed, n] of Object.entries(counts)) {
      expect(rows.filter((r) => stem(r.source_file).startsWith(seed)), `${dataset} of ${seed}`).toHaveLength(n);
    }
    expect(rows.every((r) => r.source_ref !== '')).toBe(true);
  });

  it('marks the totals of the procurement table', () => {
    const rows = exportRows(db, 'procurement').filter((r) => r.source_file.startsWith('000'));
    expect(rows.map((r) => r.row_kind)).toEqual(['total', 'subtotal', 'item', 'item', 'item', 'item', 'item']);
    expect(rows[0]).toMatchObject({ amount_yuan: '7766100.00', general_budget_yuan: '7766100.00' });
    expect(rows.find((r) => r.catalog_code === 'C08020100')).toMatchObject({ item_name: '暖气生产和分配服务', amount_yuan: '650200.00' });
  });

  it('parses indicator targets where it can', () => {
    const rows = exportRows(db, 'indicators');
    expect(rows.find((r) => r.target === '≥100000件')).toMatchObject({ comparator: '≥', number: '100000', target_unit: '件' });
    expect(rows.find((r) => r.target === '≤320万元')).toMatchObject({ comparator: '≤', number: '320', target_unit: '万元' });
    expect(rows.find((r) => r.target === '比上年有所提高')).toMatchObject({ comparator: '', number: '' });
  });

  it('states 机关运行经费 and the "三公" total from the text, and checks them against tables 6 and 9', () => {
    const facts = exportRows(db, 'facts');
    for (const seed of ['000', '001', '002', '003', '004']) {
      const of = (name: string) => facts.find((f) => f.source_file.startsWith(seed) && f.name === name);
      expect(of('admin_cost')?.sentence, seed).toMatch(/机关运行经费/);
      expect(of('three_public_total')?.sentence, seed).toMatch(/“三公”经费/);
    }
    const checks = query<{ source_file: string; label: string; severity: string }>(
      db,
      "SELECT source_file, label, severity FROM checks_dataset WHERE rule = 'narrative' AND label IN ('admin_cost', 'three_public_total')",
    );
    expect(checks).toHaveLength(10);
    expect(checks.every((c) => c.severity === 'ok')).toBe(true);
  });
});

describe('a document that disagrees with itself', () => {
  it('is reported when the text states another 机关运行经费 than table 6', async () => {
    const dir = tempDir();
    const text = readFileSync(join(SEEDS, '000_313ba343419bd952.txt'), 'utf8');
    expect(text).toContain('机关运行经费共计安排130.53万元');
    writeFileSync(join(dir, 'disagrees.txt'), text.replace('机关运行经费共计安排130.53万元', '机关运行经费共计安排150.53万元'));
    const db = tempDb();
    await ingestInto(db, [dir]);
    const [check] = query<{ severity: string; expected_yuan: number; actual_yuan: number; table_kind: string }>(
      db,
      "SELECT severity, expected_yuan, actual_yuan, table_kind FROM checks_dataset WHERE rule = 'narrative' AND label = 'admin_cost'",
    );
    expect(check).toEqual({ severity: 'error', expected_yuan: 1305300, actual_yuan: 1505300, table_kind: 'general_budget_basic_expenditure' });
  });
});
