import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processBytes } from '../src/pipeline.js';
import { writeDataPackage } from '../src/store/datapackage.js';
import { DATASETS } from '../src/store/datasets.js';
import { mergeStores } from '../src/store/merge.js';
import { SCHEMA_VERSION } from '../src/store/schema.js';
import { Store } from '../src/store/store.js';
import { parseCsv } from './helpers/gold.js';
import { exportRows, ingestInto, query, ROOT, SEEDS, tempDb, tempDir } from './helpers/run.js';

/**
 * Schema v7 (issue 13, store side): a document of which one standard table
 * cannot be read is stored as `partial` — everything read, like an ok one,
 * and the table not read in the tables dataset with its reason — and every
 * document carries its headline figures.
 */

const SEED_000 = join(SEEDS, '000_313ba343419bd952.txt');
const SEED_001 = join(SEEDS, '001_d16636ba0dd022c8.txt');
const TABLE_6 = '部门预算一般公共预算财政拨款基本支出表';
/** Line 1226 of seed 000 is table 6's 单位 cell. */
const UNIT_LINE = 1225;

const seedLines = () => readFileSync(SEED_000, 'utf8').split('\n');
/** Seed 000 with table 6 declaring a unit yusuan does not know: that table cannot be read, the eight others can. */
const partialSeed = () => seedLines().map((l, i) => (i === UNIT_LINE ? '\t单位：万美元' : l)).join('\n');

function yusuan(...args: string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'yusuan.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A line item's content, without the document it belongs to. */
const content = (r: Record<string, string>) => {
  // item_no numbers a document's items: the partial one's come one table short
  const { doc_id: _id, source_file: _file, item_no: _no, ...rest } = r;
  return JSON.stringify(rest);
};

describe('a document read in part', async () => {
  it('edits the seed where the test thinks: table 6, its unit line', () => {
    const lines = seedLines();
    expect(lines[1222]).toBe(`[bookmark: _Toc_2_2_0000000006]${TABLE_6}`);
    expect(lines[UNIT_LINE]).toBe('\t单位：万元');
  });

  const dir = tempDir();
  const partialPath = join(dir, 'partial.txt');
  writeFileSync(partialPath, partialSeed());
  const db = tempDb();
  const summary = await ingestInto(db, [partialPath, SEED_000]);
  const docs = exportRows(db, 'documents');
  const partialDoc = docs.find((d) => d.source_file === 'partial.txt')!;
  const okDoc = docs.find((d) => d.source_file === '000_313ba343419bd952.txt')!;

  it('is what the pipeline gives: partial, table 6 unreadable, the others read', async () => {
    const result = await processBytes(Buffer.from(partialSeed()), partialPath);
    expect(result.status).toBe('partial');
    expect(result.tables.map((t) => [t.number, t.status])).toEqual([
      [1, 'read'], [2, 'read'], [3, 'read'], [4, 'read'], [5, 'read'], [6, 'unreadable'], [7, 'published_empty'], [8, 'published_empty'], [9, 'read'],
    ]);
  });

  it('stores the documents row as partial, with a reason naming the table', () => {
    expect(partialDoc.status).toBe('partial');
    expect(partialDoc.error).toMatch(new RegExp(`table 6 \\(${TABLE_6}\\).*万美元`));
    expect(okDoc).toMatchObject({ status: 'ok', error: '' });
    expect(query(db, "SELECT status FROM documents WHERE source_file = 'partial.txt'")).toEqual([{ status: 'partial' }]);
  });

  it('counts and lists it in the ingest summary, with its reason', () => {
    expect(summary).toMatchObject({ ok: 1, partial: 1, failed: 0, unreadableTables: 1 });
    const outcome = summary.outcomes.find((o) => o.path === partialPath)!;
    expect(outcome).toMatchObject({ status: 'partial', tables: 8, unreadableTables: 1, lineItems: 155 });
    expect(outcome.error).toBe(partialDoc.error);
    // seed 000 has 200 line items, 45 of them in table 6
    expect(summary.lineItems).toBe(355);
    expect(summary.partialTables).toEqual({ read: 8, lineItems: 155 });
  });

  it('has the line items of its other tables in line_items, the same as the whole document has', () => {
    const items = exportRows(db);
    const ofPartial = items.filter((r) => r.source_file === 'partial.txt');
    const ofWhole = items.filter((r) => r.source_file === '000_313ba343419bd952.txt');
    expect(ofWhole).toHaveLength(200);
    expect(ofPartial).toHaveLength(155);
    expect(ofPartial.some((r) => r.table_kind === 'general_budget_basic_expenditure')).toBe(false);
    expect(ofPartial.map(content)).toEqual(ofWhole.filter((r) => r.table_kind !== 'general_budget_basic_expenditure').map(content));
    expect(new Set(ofPartial.map((r) => r.table_kind))).toEqual(
      new Set(['revenue_expenditure_summary', 'revenue', 'expenditure', 'fiscal_summary', 'general_budget_expenditure', 'three_public']),
    );
  });

  it('has its checks and facts, as an ok document has', () => {
    const [{ checks }] = query<{ checks: number }>(db, "SELECT count(*) AS checks FROM checks_dataset WHERE source_file = 'partial.txt'");
    expect(checks).toBeGreaterThan(100);
    const [{ facts }] = query<{ facts: number }>(db, "SELECT count(*) AS facts FROM facts_dataset WHERE source_file = 'partial.txt'");
    expect(facts).toBeGreaterThan(0);
    const [{ projects }] = query<{ projects: number }>(db, "SELECT count(*) AS projects FROM projects_dataset WHERE source_file = 'partial.txt'");
    const [{ whole }] = query<{ whole: number }>(db, "SELECT count(*) AS whole FROM projects_dataset WHERE source_file = '000_313ba343419bd952.txt'");
    expect(projects).toBe(whole);
  });

  it('lists every table found in the tables dataset, table 6 as unreadable with the reason', () => {
    const tables = exportRows(db, 'tables').filter((t) => t.source_file === 'partial.txt');
    expect(tables.map((t) => [t.table_no, t.table_kind, t.status, t.line_items])).toEqual([
      ['1', 'revenue_expenditure_summary', 'read', '9'],
      ['2', 'revenue', 'read', '51'],
      ['3', 'expenditure', 'read', '37'],
      ['4', 'fiscal_summary', 'read', '15'],
      ['5', 'general_budget_expenditure', 'read', '37'],
      ['6', 'general_budget_basic_expenditure', 'unreadable', '0'],
      ['7', 'gov_fund_expenditure', 'published_empty', '0'],
      ['8', 'soe_capital_expenditure', 'published_empty', '0'],
      ['9', 'three_public', 'read', '6'],
    ]);
    const six = tables[5];
    expect(six).toMatchObject({ title: TABLE_6, department_code: '435', department_name: '秦皇岛市海港区数据和政务服务局', fiscal_year: '2025', source_ref: 'L1223' });
    expect(six.reason).toMatch(/万美元.*not one yusuan knows/);
    expect(tables.filter((t) => t.status !== 'unreadable').every((t) => t.unit === '万元' && t.reason === '')).toBe(true);
    expect(tables[6].empty_note).toMatch(/空表列示/);
    expect(Object.keys(tables[0]).slice(0, 13)).toEqual([
      'doc_id', 'source_file', 'department_code', 'department_name', 'fiscal_year', 'table_kind', 'table_no', 'title', 'status', 'reason', 'unit', 'line_items', 'source_ref',
    ]);
  });

  it('counts the tables read and not read in the documents dataset', () => {
    expect(partialDoc).toMatchObject({ tables: '9', tables_read: '8', tables_unreadable: '1', line_items: '155' });
    expect(okDoc).toMatchObject({ tables: '9', tables_read: '9', tables_unreadable: '0', line_items: '200' });
  });

  it('has the headline figures read from the document, as printed in seed 000 (万元 → 元); none of the table not read', () => {
    // table 1 收入总计 2085.50; table 3 合计 2085.50 | 1089.50 | 996.00; table 5 合计 2085.50; table 9 “三公”经费小计 0.26
    const expected = {
      revenue_total_yuan: '20855000.00',
      expenditure_total_yuan: '20855000.00',
      basic_yuan: '10895000.00',
      project_yuan: '9960000.00',
      general_budget_yuan: '20855000.00',
      personnel_yuan: '',
      public_yuan: '',
      three_public_yuan: '2600.00',
    };
    expect(partialDoc).toMatchObject(expected);
    // the whole seed has table 6 too: 合计 958.97 人员经费, 130.53 公用经费
    expect(okDoc).toMatchObject({ ...expected, personnel_yuan: '9589700.00', public_yuan: '1305300.00' });
    // stored as integer 分
    const [fen] = query<Record<string, number | null>>(
      db,
      "SELECT revenue_total_fen, basic_fen, personnel_fen, three_public_fen FROM documents WHERE source_file = 'partial.txt'",
    );
    expect(fen).toEqual({ revenue_total_fen: 2085500000, basic_fen: 1089500000, personnel_fen: null, three_public_fen: 260000 });
  });

  it('department_years takes its figures from the chosen document, preferring the one read in full', () => {
    const [year] = query<Record<string, string | number>>(db, "SELECT * FROM department_years WHERE department_code = '435'");
    expect(year).toMatchObject({
      source_file: '000_313ba343419bd952.txt',
      documents: 2,
      // (v3) the views' amounts are numbers
      revenue_total_yuan: 20855000,
      basic_yuan: 10895000,
      personnel_yuan: 9589700,
      public_yuan: 1305300,
      three_public_yuan: 2600,
      personnel_fen: 958970000,
    });
    expect(year.chosen_because).toMatch(/fewest validation errors, then fewest tables not read, then most line items/);
    const [department] = query<{ documents: number }>(db, "SELECT documents FROM departments WHERE department_code = '435'");
    expect(department.documents).toBe(2);
  });

  it('stores unit_name and code_source at the end of the line items, as the pipeline gives them', async () => {
    const columns = DATASETS.line_items.columns;
    // v2 appended them after source_ref; v3's columns come after them
    expect(columns.slice(columns.indexOf('source_ref'), columns.indexOf('source_ref') + 3)).toEqual(['source_ref', 'unit_name', 'code_source']);
    expect(columns.indexOf('source_ref')).toBe(17);
    const result = await processBytes(Buffer.from(partialSeed()), partialPath);
    const fromPipeline = result.normalized!.tables.flatMap((t) => t.items.map((i) => `${i.unitName}|${i.codeSource}`));
    const stored = exportRows(db).filter((r) => r.source_file === 'partial.txt').map((r) => `${r.unit_name}|${r.code_source}`);
    expect(stored).toEqual(fromPipeline);
    expect(stored.some((s) => s !== '|')).toBe(true);
  });

  it('is left as it is by a second ingest, like an ok document', async () => {
    const again = await ingestInto(db, [partialPath]);
    expect(again).toMatchObject({ unchanged: 1, partial: 0 });
  });

  it('travels through a merge with its status, headline figures, tables and line items', () => {
    const target = tempDb();
    mergeStores([db], target);
    for (const dataset of ['documents', 'tables', 'line_items']) {
      const strip = (rows: Record<string, string>[]) => rows.map(({ ingested_at: _at, ...r }) => JSON.stringify(r));
      expect(strip(exportRows(target, dataset)), dataset).toEqual(strip(exportRows(db, dataset)));
    }
    expect(mergeStores([db], target)).toMatchObject({ copied: 0, skipped: 2 });
  });

  it('is in the data package: a tables resource', async () => {
    const out = tempDir();
    const store = Store.open(db, { readonly: true });
    try {
      await writeDataPackage(store.db, out, [DATASETS.documents, DATASETS.tables]);
    } finally {
      store.close();
    }
    const descriptor = JSON.parse(readFileSync(join(out, 'datapackage.json'), 'utf8')) as { resources: { name: string; rows: number }[] };
    expect(descriptor.resources).toEqual([expect.objectContaining({ name: 'documents', rows: 2 }), expect.objectContaining({ name: 'tables', rows: 18 })]);
    const rows = parseCsv(readFileSync(join(out, 'tables.csv'), 'utf8'));
    expect(rows.filter((r) => r.status === 'unreadable').map((r) => [r.source_file, r.table_kind])).toEqual([['partial.txt', 'general_budget_basic_expenditure']]);
  });

  it('yusuan ingest lists it among the files to look at; yusuan validate shows the tables and exits 1', () => {
    const cliDb = join(tempDir(), 'cli.sqlite');
    const run = yusuan('ingest', partialPath, SEED_001, '--db', cliDb, '--workers', '0');
    expect(run.status).toBe(0); // nothing failed
    expect(run.stdout).toMatch(/ok\s+1 document\(s\), 9 table\(s\), 207 line item\(s\)/);
    expect(run.stdout).toMatch(/partial\s+1 document\(s\), 8 table\(s\) read and 1 not, 155 line item\(s\)/);
    expect(run.stdout).toMatch(/read in part[^\n]*\n\s+\S*partial\.txt: table 6 \(部门预算一般公共预算财政拨款基本支出表\) could not be read: .*万美元/);

    const validate = yusuan('validate', '--db', cliDb);
    expect(validate.status).toBe(1);
    expect(validate.stdout).toMatch(/partial\.txt: \d+ ok, 0 rounding, 0 error \(partial: not every table was read\)\n {2}tables\s+read 1 2 3 4 5 9; empty 7 8; unreadable 6\n/);
    expect(validate.stdout).toMatch(/ {2}table 6 \(部门预算一般公共预算财政拨款基本支出表\) not read: the unit "万美元" is not one yusuan knows/);
    expect(validate.stdout).toMatch(/001_d16636ba0dd022c8\.txt: \d+ ok, 0 rounding, 0 error\n {2}tables\s+read 1 2 3 4 5 6 9; empty 7 8\n/);
    expect(validate.stdout).toMatch(/2 document\(s\): 1 ok, 1 read in part, 0 failed; 0 check error\(s\)/);
    const json = JSON.parse(yusuan('validate', '--db', cliDb, '--json').stdout) as { sourceFile: string; status: string; tables: { tableNo: number; status: string; reason: string }[] }[];
    const partial = json.find((d) => d.sourceFile === 'partial.txt')!;
    expect(partial.status).toBe('partial');
    expect(partial.tables.filter((t) => t.status === 'unreadable').map((t) => t.tableNo)).toEqual([6]);

    const export_ = parseCsv(yusuan('export', '--db', cliDb, '--dataset', 'tables').stdout);
    expect(export_).toHaveLength(18);
  });

  it('yusuan validate exits 0 when every document was read in full and no check fails, 1 when one failed', () => {
    const okDb = join(tempDir(), 'ok.sqlite');
    yusuan('ingest', SEED_001, '--db', okDb, '--workers', '0');
    expect(yusuan('validate', '--db', okDb).status).toBe(0);
    const emptyFile = join(dir, 'empty.txt');
    writeFileSync(emptyFile, '');
    yusuan('ingest', emptyFile, '--db', okDb, '--workers', '0');
    const run = yusuan('validate', '--db', okDb);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('empty.txt: failed: the file is empty');
  });

  it('is in a store of schema version 8', () => {
    expect(SCHEMA_VERSION).toBe(8);
    expect(query(db, "SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: '8' }]);
  });
});
