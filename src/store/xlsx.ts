import ExcelJS from 'exceljs';
import type Database from 'better-sqlite3';
import { DATASETS, datasetRows, type Dataset, type Field } from './datasets.js';

/**
 * `export --format xlsx --out FILE.xlsx`: every dataset as a sheet of one
 * Excel workbook (exceljs, streamed: a sheet is written as its rows come).
 *
 * Each cell has its column's type, which a CSV cannot say: codes and every
 * other text column are text cells (`010`, `2010301` keep their digits, and
 * a text beginning `=` `+` `-` `@` is a text cell, never a formula: written
 * as it is, without the CSV's `'`), amounts (`*_yuan`) are numbers shown
 * with two decimals, integers (`*_fen` among them) are numbers. A sheet
 * holds at most 1,048,575 rows under its header (Excel's limit): a larger
 * dataset goes on in sheets `line_items (2)`, `line_items (3)` …
 */

export interface XlsxSheet {
  dataset: string;
  sheet: string;
  rows: number;
}

/** Rows of a sheet under its header row (Excel allows 1,048,576 rows in all). */
export const SHEET_ROWS = 1_048_575;

type CellKind = 'text' | 'yuan' | 'integer';

const kindOf = (field: Field | undefined): CellKind => (field?.fen ? 'yuan' : field?.type === 'integer' ? 'integer' : 'text');

/** A stored value as the cell of its column: null for no value (an empty cell). */
export function cellValue(value: unknown, kind: CellKind): string | number | null {
  if (value === null || value === undefined || value === '') return null;
  switch (kind) {
    case 'yuan':
      // exact 元 text ('-12.50') → the double nearest it, which Excel shows as 12.50 with the 0.00 format
      return Number(value);
    case 'integer': {
      const big = typeof value === 'bigint' ? value : BigInt(value as number | string);
      // an integer a spreadsheet number cannot hold exactly stays text, exact
      return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString();
    }
    default:
      return String(value);
  }
}

const sheetName = (dataset: string, part: number) => (part === 1 ? dataset : `${dataset} (${part})`);

/** Writes the datasets as sheets of one workbook at `path`; resolves to the sheets written. */
export async function exportXlsx(db: Database.Database, path: string, datasets: Dataset[] = Object.values(DATASETS)): Promise<XlsxSheet[]> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false });
  const sheets: XlsxSheet[] = [];
  for (const dataset of datasets) {
    const fields = new Map(dataset.fields.map((f) => [f.name, f]));
    const kinds = dataset.columns.map((c) => kindOf(fields.get(c)));
    const newSheet = (part: number) => {
      const worksheet = workbook.addWorksheet(sheetName(dataset.name, part), { views: [{ state: 'frozen', ySplit: 1 }] });
      worksheet.columns = dataset.columns.map((c, i) => ({
        header: c,
        key: c,
        width: Math.min(40, Math.max(10, c.length + 2)),
        style: kinds[i] === 'yuan' ? { numFmt: '0.00' } : kinds[i] === 'text' ? { numFmt: '@' } : {},
      }));
      const sheet = { dataset: dataset.name, sheet: sheetName(dataset.name, part), rows: 0 };
      sheets.push(sheet);
      return { worksheet, sheet };
    };
    let part = 1;
    let current = newSheet(part);
    for (const row of datasetRows(db, dataset, { safeIntegers: true })) {
      if (current.sheet.rows === SHEET_ROWS) {
        current.worksheet.commit();
        current = newSheet(++part);
      }
      current.worksheet.addRow(row.map((v, i) => cellValue(v, kinds[i]))).commit();
      current.sheet.rows++;
    }
    current.worksheet.commit();
  }
  await workbook.commit();
  return sheets;
}
