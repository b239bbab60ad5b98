/** RFC 4180 CSV: comma-separated, CRLF line ends, fields quoted when they hold `,` `"` CR or LF. */


export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'bigint' ? value.toString() : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A text that a spreadsheet would take for a formula: it begins = + - @ (or a tab or CR before one), and is not a plain number. */
const FORMULA_LEADING = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(?:\.\d+)?%?$/;

/**
 * A text cell as a spreadsheet may safely open it: one that would be read as
 * a formula (`=HYPERLINK(…)`, `@SUM(…)`, `+cmd|…`) gets a leading `'`, the
 * mark spreadsheets themselves use for "text, not a formula" (as OWASP
 * advises for CSV injection). Plain numbers written as text (`-1`, `+5%`)
 * are left as they are, and so is every cell of a number column: a negative
 * amount `-12.50` stays a number.
 */
export function neutralizeFormula(text: string): string {
  return FORMULA_LEADING.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

export const csvLine = (values: unknown[]) => `${values.map(csvField).join(',')}\r\n`;

/** A CSV line of a dataset row: the cells of the columns marked in `text` are neutralized against formulas (neutralizeFormula). */
export const csvRow = (values: unknown[], text: readonly boolean[]) =>
  `${values.map((v, i) => csvField(text[i] && typeof v === 'string' ? neutralizeFormula(v) : v)).join(',')}\r\n`;

/** Reads RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF, a BOM) into records by header. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const src = text.replace(/^\ufeff/, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}
