import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { csvRow, neutralizeFormula, parseCsv } from '../src/store/csv.js';
import { DATASETS, datasetCsv } from '../src/store/datasets.js';
import { Store } from '../src/store/store.js';
import { exportXlsx } from '../src/store/xlsx.js';
import { ingestInto, ROOT, SEEDS, tempDb, tempDir } from './helpers/run.js';

const FORMULA = '=HYPERLINK("http://example.com/x","点击")';

describe('cells a spreadsheet would take for formulas', () => {
  it.each([
    ['=1+2', "'=1+2"],
    ['+cmd|calc', "'+cmd|calc"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['-12.50', '-12.50'],
    ['+5%', '+5%'],
    ['一般公共服务支出', '一般公共服务支出'],
    ['2010301', '2010301'],
  ])('%j → %j', (text, safe) => {
    expect(neutralizeFormula(text)).toBe(safe);
  });

  it('are neutralized in text columns only: a negative amount stays a number', () => {
    expect(csvRow(['=1+2', '-12.50', '-3'], [true, false, false])).toBe("'=1+2,-12.50,-3\r\n");
  });
});

describe('the xlsx export', () => {
  const db = tempDb();
  const path = join(tempDir(), 'yusuan.xlsx');
  const workbook = new ExcelJS.Workbook();
  let csv: Record<string, string>[];

  beforeAll(async () => {
    await ingestInto(db, [join(SEEDS, '000_313ba343419bd952.txt'), join(SEEDS, '003_4966aa1e14abadbe.txt')]);
    // a department code with a leading zero, and a label a spreadsheet would run as a formula
    const writable = Store.open(db);
    writable.db.prepare("UPDATE documents SET department_code = '0435' WHERE department_code = '435'").run();
    writable.db.prepare("UPDATE items SET label = ? WHERE seq = 0 AND doc_key = (SELECT min(doc_key) FROM documents)").run(FORMULA);
    writable.db.prepare("UPDATE items SET amount_fen = -1250 WHERE seq = 1 AND doc_key = (SELECT min(doc_key) FROM documents)").run();
    writable.close();
    const store = Store.open(db, { readonly: true });
    try {
      await exportXlsx(store.db, path);
      csv = parseCsv([...datasetCsv(store.db, DATASETS.line_items)].join(''));
    } finally {
      store.close();
    }
    await workbook.xlsx.readFile(path);
  });

  it('has a sheet per dataset, each with the dataset\'s columns as its header', () => {
    expect(workbook.worksheets.map((w) => w.name)).toEqual(Object.keys(DATASETS));
    for (const sheet of workbook.worksheets) expect((sheet.getRow(1).values as unknown[]).slice(1), sheet.name).toEqual(DATASETS[sheet.name].columns);
  });

  it('writes codes as text, amounts and integers as numbers', () => {
    const sheet = workbook.getWorksheet('line_items')!;
    const columns = DATASETS.line_items.columns;
    const at = (row: number, column: string) => sheet.getRow(row).getCell(columns.indexOf(column) + 1).value;
    expect(sheet.rowCount - 1).toBe(csv.length);
    const total = csv.findIndex((r) => r.department_code === '0435' && r.table_kind === 'revenue_expenditure_summary' && r.side === 'revenue' && r.label === '收入总计');
    expect(total).toBeGreaterThanOrEqual(0);
    const row = total + 2;
    expect(at(row, 'department_code')).toBe('0435');
    expect(at(row, 'amount_yuan')).toBe(20855000);
    expect(at(row, 'amount_fen')).toBe(2085500000);
    expect(at(row, 'fiscal_year')).toBe(2025);
    expect(sheet.getRow(row).getCell(columns.indexOf('amount_yuan') + 1).numFmt).toBe('0.00');
    const withCode = csv.findIndex((r) => r.code === '2010301');
    expect(at(withCode + 2, 'code')).toBe('2010301');
    // 003 is in 元 with 分: 7780957.46
    const jingxing = csv.findIndex((r) => r.department_code === '431' && r.label === '收入总计' && r.side === 'revenue');
    expect(at(jingxing + 2, 'amount_yuan')).toBe(7780957.46);
  });

  it('keeps a formula-leading text a text cell (never a formula), and a negative amount a number', () => {
    const sheet = workbook.getWorksheet('line_items')!;
    const columns = DATASETS.line_items.columns;
    const formulaRow = csv.findIndex((r) => r.label === `'${FORMULA}`);
    expect(formulaRow).toBeGreaterThanOrEqual(0); // the CSV neutralized it
    const cell = sheet.getRow(formulaRow + 2).getCell(columns.indexOf('label') + 1);
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.value).toBe(FORMULA);
    const negative = csv.findIndex((r) => r.amount_yuan === '-12.50');
    expect(negative).toBeGreaterThanOrEqual(0);
    expect(sheet.getRow(negative + 2).getCell(columns.indexOf('amount_yuan') + 1).value).toBe(-12.5);
    // and no cell of the file is a formula
    let formulas = 0;
    for (const ws of workbook.worksheets) ws.eachRow((r) => r.eachCell((c) => void (c.type === ExcelJS.ValueType.Formula && formulas++)));
    expect(formulas).toBe(0);
  });

  it('is what `yusuan export --format xlsx --out FILE` writes (the built command)', async () => {
    const out = join(tempDir(), 'cli.xlsx');
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'yusuan.js'), 'export', '--db', db, '--format', 'xlsx', '--out', out], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^line_items: \d+ row\(s\)$/m);
    const again = new ExcelJS.Workbook();
    await again.xlsx.readFile(out);
    expect(again.getWorksheet('line_items')!.rowCount).toBe(workbook.getWorksheet('line_items')!.rowCount);
    const missing = spawnSync(process.execPath, [join(ROOT, 'bin', 'yusuan.js'), 'export', '--db', db, '--format', 'xlsx'], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--format xlsx needs --out FILE\.xlsx/);
  });
});
