import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRegion } from '../src/normalize/department.js';
import { loadGold } from './helpers/gold.js';
import { ingestInto, query, ROOT, SEEDS, tempDb, tempDir } from './helpers/run.js';

describe('regions from department names', () => {
  it.each([
    ['秦皇岛市海港区数据和政务服务局', '秦皇岛市海港区', '数据和政务服务局'],
    ['井陉县数据和政务服务局', '井陉县', '数据和政务服务局'],
    ['上海市普陀区商务委员会', '上海市普陀区', '商务委员会'],
    ['河北省石家庄市井陉县教育局', '河北省石家庄市井陉县', '教育局'],
    ['行政审批部门', '', '行政审批部门'],
    ['社区服务中心', '', '社区服务中心'],
    ['开发区管理委员会', '', '开发区管理委员会'],
  ])('%s → %s + %s', (name, region, rest) => {
    expect(parseRegion(name)).toMatchObject({ region, rest });
  });
});

describe('departments across years', async () => {
  const dir = tempDir();
  // the same department a year later: seed 000 with its year moved on
  const nextYear = readFileSync(join(SEEDS, '000_313ba343419bd952.txt'), 'utf8').replaceAll('预算年度：2025', '预算年度：2026');
  writeFileSync(join(dir, 'haigang-data-2026.txt'), nextYear);
  const manifest = join(dir, 'manifest.csv');
  writeFileSync(
    manifest,
    'file,region,source_url,published_date\n004_bd07757d433d15de.txt,秦皇岛市山海关区,https://example.gov.cn/shg/630.html,2023-02-10\nhaigang-data-2026.txt,,https://example.gov.cn/hg/435-2026.html,2026-01-20\n',
  );
  const db = tempDb();
  await ingestInto(db, [SEEDS, join(ROOT, 'corpus/fixtures/html'), dir], { manifest });
  const gold = loadGold();
  const goldTotal = (name: string) =>
    gold.get(name)!.find((r) => r.table_kind === 'revenue_expenditure_summary' && r.side === 'revenue' && r.label === '收入总计')!.amount_yuan;

  it('links the documents of one department over the years', () => {
    const [dept] = query<{ documents: number; years: number; first_year: number; last_year: number; region: string }>(
      db,
      "SELECT * FROM departments WHERE department_code = '435'",
    );
    expect(dept).toMatchObject({ documents: 3, years: 2, first_year: 2025, last_year: 2026, region: '秦皇岛市海港区' });
  });

  it('gives one row per department and year, saying which document it uses and why', () => {
    const rows = query<Record<string, string | number>>(db, "SELECT * FROM department_years WHERE department_code = '435' ORDER BY fiscal_year");
    expect(rows.map((r) => r.fiscal_year)).toEqual([2025, 2026]);
    // (v3) a number in the view, the gold's exact text in 分 beside it
    expect(rows[0]).toMatchObject({ documents: 2, revenue_total_yuan: Number(goldTotal('000_313ba343419bd952')) });
    expect(rows[0].revenue_total_fen).toBe(Number(goldTotal('000_313ba343419bd952').replace('.', '')));
    expect(rows[0].chosen_because).toMatch(/chosen among 2 documents: fewest validation errors/);
    expect(rows[1]).toMatchObject({ documents: 1, source_file: 'haigang-data-2026.txt', chosen_because: 'the only document for this department and year' });
    const keys = query<{ n: number }>(db, 'SELECT count(*) AS n FROM (SELECT department_key, fiscal_year FROM department_years GROUP BY 1, 2 HAVING count(*) > 1)');
    expect(keys[0].n).toBe(0);
  });

  it('records what the manifest says of a file', () => {
    const [doc] = query<Record<string, string>>(db, "SELECT region, source_url, published_date, department_key FROM documents WHERE source_file = '004_bd07757d433d15de.txt'");
    expect(doc).toEqual({ region: '秦皇岛市山海关区', source_url: 'https://example.gov.cn/shg/630.html', published_date: '2023-02-10', department_key: '山海关区|630|行政审批部门' });
    const [next] = query<Record<string, string>>(db, "SELECT region, published_date FROM documents WHERE source_file = 'haigang-data-2026.txt'");
    expect(next).toEqual({ region: '秦皇岛市海港区', published_date: '2026-01-20' });
  });
});
