import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS, datasetCsv } from '../src/store/datasets.js';
import { exportParquet } from '../src/store/parquet.js';
import { Store } from '../src/store/store.js';
import { ingestInto, query, ROOT, SEEDS, tempDb, tempDir } from './helpers/run.js';

/**
 * Amounts that SQL gets right, in SQLite and in DuckDB over the Parquet and
 * CSV exports: the queries of issue 14 and every example query of the
 * README, run against answers worked out by hand from the seeds' gold files
 * (tests/reference/gold). The corpus: the five seeds, seed 000 once more
 * under another name (the same department and year twice: department_years
 * must count it once), seed 000 a year later, and a file that is no budget.
 */

const SEED_000 = readFileSync(join(SEEDS, '000_313ba343419bd952.txt'), 'utf8');

/** The SQL blocks of the README's "Example queries", in order. */
function readmeQueries(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Example queries'), readme.indexOf('## How it works'));
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1].trim());
}

/** A value as the test compares it: numbers of any engine (REAL, DECIMAL, BIGINT, HUGEINT) as JS numbers. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object') return Number(String(value));
  return value;
}
const plainRows = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));

const HAIGANG_DATA = '秦皇岛市海港区数据和政务服务局';

/** The answers of the README's queries after the DuckDB setup block, in order, by hand from the gold files. */
const README_ANSWERS: Record<string, unknown>[][] = [
  // amounts over 10 000 000 元: 000 has 33 (three times), 001 30, 002 43
  [{ items: 172, largest_yuan: 21431400, total_fen: 305352960000, total_yuan: '3053529600.00' }],
  // 收入总计 of table 1
  [
    { department_code: '431', department_name: '井陉县数据和政务服务局', fiscal_year: 2025, amount_yuan: 7780957.46 },
    { department_code: '434', department_name: '秦皇岛市海港区人民政府办公室', fiscal_year: 2024, amount_yuan: 14176900 },
    { department_code: '435', department_name: HAIGANG_DATA, fiscal_year: 2025, amount_yuan: 20855000 },
    { department_code: '435', department_name: HAIGANG_DATA, fiscal_year: 2025, amount_yuan: 20855000 },
    { department_code: '435', department_name: HAIGANG_DATA, fiscal_year: 2026, amount_yuan: 20855000 },
    { department_code: '630', department_name: '行政审批部门', fiscal_year: 2023, amount_yuan: 7463300 },
    { department_code: '980', department_name: '秦皇岛市海港区发展服务中心', fiscal_year: 2025, amount_yuan: 21431400 },
  ],
  // seed 000 and its copy a year later: table 3's 合计, the "三公" 小计
  [
    { fiscal_year: 2025, expenditure_total_yuan: 20855000, basic_yuan: 10895000, project_yuan: 9960000, three_public_yuan: 2600, change_yuan: null },
    { fiscal_year: 2026, expenditure_total_yuan: 20855000, basic_yuan: 10895000, project_yuan: 9960000, three_public_yuan: 2600, change_yuan: 0 },
  ],
  // 2025, 类 totals of table 3 in 万元: 海港区 = 000 (once) + 002; 井陉县 = 003
  [
    { region: '井陉县', code: '201', label: '一般公共服务支出', wan_yuan: '660.43' },
    { region: '井陉县', code: '208', label: '社会保障和就业支出', wan_yuan: '54.37' },
    { region: '井陉县', code: '221', label: '住房保障支出', wan_yuan: '40.33' },
    { region: '井陉县', code: '210', label: '卫生健康支出', wan_yuan: '22.98' },
    { region: '秦皇岛市海港区', code: '201', label: '一般公共服务支出', wan_yuan: '3954.40' },
    { region: '秦皇岛市海港区', code: '208', label: '社会保障和就业支出', wan_yuan: '115.81' },
    { region: '秦皇岛市海港区', code: '221', label: '住房保障支出', wan_yuan: '90.08' },
    { region: '秦皇岛市海港区', code: '210', label: '卫生健康支出', wan_yuan: '68.35' },
  ],
  // table 6's 合计: 人员经费, 公用经费
  [
    { department_name: '井陉县数据和政务服务局', fiscal_year: 2025, personnel_yuan: 4781965.46, public_yuan: 303000 },
    { department_name: '秦皇岛市海港区人民政府办公室', fiscal_year: 2024, personnel_yuan: 7724800, public_yuan: 1118100 },
    { department_name: '秦皇岛市海港区发展服务中心', fiscal_year: 2025, personnel_yuan: 1754600, public_yuan: 55800 },
    { department_name: HAIGANG_DATA, fiscal_year: 2025, personnel_yuan: 9589700, public_yuan: 1305300 },
    { department_name: HAIGANG_DATA, fiscal_year: 2026, personnel_yuan: 9589700, public_yuan: 1305300 },
    { department_name: '行政审批部门', fiscal_year: 2023, personnel_yuan: 1912400, public_yuan: 130000 },
  ],
  // as numbers, 21431400 > 20855000 > 14176900 > 7780957.46 > 7463300 (as text, 7… came first)
  [
    { department_name: '秦皇岛市海港区发展服务中心', fiscal_year: 2025, expenditure_total_yuan: 21431400 },
    { department_name: HAIGANG_DATA, fiscal_year: 2025, expenditure_total_yuan: 20855000 },
    { department_name: HAIGANG_DATA, fiscal_year: 2026, expenditure_total_yuan: 20855000 },
  ],
  // the seeds' checks hold (or are within rounding); the file that is no budget failed; no table is unreadable
  [],
  [{ source_file: 'not-a-budget.txt', error: 'no standard budget table (部门预算收支总表 … "三公"经费支出表) was found in this file' }],
  [],
];

describe('amounts that SQL gets right', () => {
  const db = tempDb();
  const out = tempDir('yusuan-sql-numbers-');
  let duck: DuckDBInstance;
  const blocks = readmeQueries();
  const [duckdbSetup, ...queryBlocks] = blocks;
  const queries = queryBlocks.flatMap((block) => block.split(/;\s*\n/).map((q) => q.replace(/;\s*$/, '').trim()).filter(Boolean));

  beforeAll(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'haigang-data-copy.txt'), `${SEED_000}\n`);
    writeFileSync(join(dir, 'haigang-data-2026.txt'), SEED_000.replaceAll('预算年度：2025', '预算年度：2026'));
    writeFileSync(join(dir, 'not-a-budget.txt'), '这不是预算文件。\n');
    await ingestInto(db, [SEEDS, dir]);
    const store = Store.open(db, { readonly: true });
    try {
      await exportParquet(store.db, out);
      writeFileSync(join(out, 'line_items.csv'), [...datasetCsv(store.db, DATASETS.line_items)].join(''));
    } finally {
      store.close();
    }
    duck = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
    const connection = await duck.connect();
    try {
      await connection.run(duckdbSetup.replaceAll("'out/", `'${out}/`));
    } finally {
      connection.closeSync();
    }
  });
  afterAll(() => duck?.closeSync());

  const inDuckdb = async (sql: string) => {
    const connection = await duck.connect();
    try {
      return plainRows((await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[]);
    } finally {
      connection.closeSync();
    }
  };
  const inSqlite = (sql: string) => plainRows(query<Record<string, unknown>>(db, sql));

  it('the README has a DuckDB setup and the example queries this test knows the answers of', () => {
    expect(duckdbSetup).toMatch(/^-- DuckDB/);
    expect(queries).toHaveLength(README_ANSWERS.length);
  });

  it('issue 14: amounts compare, sort and sum as numbers in the SQLite views', () => {
    expect(inSqlite('SELECT count(*) AS n FROM line_items WHERE amount_yuan > 1000000000')).toEqual([{ n: 0 }]);
    expect(inSqlite('SELECT max(amount_yuan) AS m, min(amount_yuan) AS lo FROM line_items')).toEqual([{ m: 21431400, lo: 0 }]);
    // the five seeds' gold amounts sum to 3256223763.54 元, seed 000's to 962150600.00 (here three times)
    expect(inSqlite('SELECT sum(amount_fen) AS fen, count(*) AS n FROM line_items')).toEqual([{ fen: 518052496354, n: 1409 }]);
    expect(inSqlite('SELECT revenue_total_yuan AS r FROM department_years ORDER BY revenue_total_yuan DESC').map((r) => r.r)).toEqual([
      21431400, 20855000, 20855000, 14176900, 7780957.46, 7463300,
    ]);
    // sums over checks are exact integers of 分, and the amounts numbers
    expect(
      inSqlite(`SELECT typeof(sum(expected_fen)) AS e, typeof(sum(difference_fen)) AS d, typeof(max(expected_yuan)) AS y FROM checks_dataset`),
    ).toEqual([{ e: 'integer', d: 'integer', y: 'real' }]);
    expect(inSqlite("SELECT typeof(amount_yuan) AS y, typeof(amount_fen) AS f FROM line_items LIMIT 1")).toEqual([{ y: 'real', f: 'integer' }]);
  });

  it('every view and dataset with an amount in 元 carries it exactly in 分 too', () => {
    for (const dataset of Object.values(DATASETS)) {
      for (const f of dataset.fields.filter((x) => x.name.endsWith('_yuan'))) expect(dataset.columns, `${dataset.name}.${f.name}`).toContain(f.name.replace(/_yuan$/, '_fen'));
    }
  });

  it('issue 14: the same in DuckDB over the Parquet export', async () => {
    const items = `read_parquet('${out}/line_items/**/*.parquet', hive_partitioning = true)`;
    expect(await inDuckdb(`SELECT count(*) AS n FROM ${items} WHERE amount_yuan > 1000000000`)).toEqual([{ n: 0 }]);
    expect(await inDuckdb(`SELECT max(amount_yuan) AS m, sum(amount_fen) AS fen, sum(amount_yuan)::VARCHAR AS yuan FROM ${items}`)).toEqual([
      { m: 21431400, fen: 518052496354, yuan: '5180524963.54' },
    ]);
    const years = `read_parquet('${out}/department_years/**/*.parquet', hive_partitioning = true)`;
    expect((await inDuckdb(`SELECT revenue_total_yuan AS r FROM ${years} ORDER BY r DESC`)).map((r) => r.r)).toEqual([
      21431400, 20855000, 20855000, 14176900, 7780957.46, 7463300,
    ]);
  });

  it('issue 14: the same in DuckDB over the CSV export', async () => {
    const csv = `read_csv('${out}/line_items.csv')`;
    expect(await inDuckdb(`SELECT count(*) AS n FROM ${csv} WHERE amount_yuan > 10000000`)).toEqual([{ n: 172 }]);
    expect(await inDuckdb(`SELECT max(amount_yuan) AS m, sum(amount_fen) AS fen FROM ${csv}`)).toEqual([{ m: 21431400, fen: 518052496354 }]);
  });

  README_ANSWERS.forEach((answer, i) => {
    it(`README example query ${i + 1}, in SQLite and in DuckDB over Parquet`, async () => {
      const sql = queries[i];
      expect(inSqlite(sql), sql).toEqual(answer);
      expect(await inDuckdb(sql), sql).toEqual(answer);
    });
  });
});
