/** RFC 4180 CSV: comma-separated, CRLF line ends, fields quoted when they hold `,` `"` CR or LF. */

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'bigint' ? value.toString() : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (values: unknown[]) => `${values.map(csvField).join(',')}\r\n`;
