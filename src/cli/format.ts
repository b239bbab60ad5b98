/** Terminal output helpers: aligned tables with CJK-aware widths, progress lines. */

const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u;

/** Display width of a string in a terminal: CJK characters take two columns. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += WIDE.test(ch) ? 2 : 1;
  return width;
}

const pad = (text: string, width: number, right: boolean) => {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
};

/** An aligned text table; numeric columns right-aligned. */
export function alignedTable(columns: string[], rows: unknown[][]): string {
  const cells = rows.map((row) => row.map((v) => (v === null || v === undefined ? '' : String(v))));
  const numeric = columns.map((_, i) => cells.length > 0 && cells.every((r) => r[i] === '' || /^-?\d+(\.\d+)?$/.test(r[i])));
  const widths = columns.map((c, i) => Math.max(displayWidth(c), ...cells.map((r) => displayWidth(r[i]))));
  const line = (values: string[], header = false) =>
    values.map((v, i) => pad(v, widths[i], !header && numeric[i])).join('  ').trimEnd();
  return [line(columns, true), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map((r) => line(r))].join('\n');
}

/**
 * Progress on stderr for long runs: a rewritten line on a terminal, a line
 * every few seconds otherwise. Silent for runs that finish within a second.
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  let lastPrint = 0;
  return ({ done, total, elapsedMs }: { done: number; total: number; elapsedMs: number }) => {
    const now = performance.now();
    const interval = stream.isTTY ? 200 : 5000;
    if (elapsedMs < 1000 || (now - lastPrint < interval && done < total)) return;
    lastPrint = now;
    const rate = done / (elapsedMs / 1000);
    const eta = rate > 0 ? (total - done) / rate : 0;
    const text = `[${done}/${total}] ${((100 * done) / total).toFixed(0)}%  ${rate.toFixed(1)} documents/s  ETA ${eta.toFixed(0)} s`;
    if (stream.isTTY) stream.write(`\r${text}${done === total ? '\n' : ''}`);
    else stream.write(`${text}\n`);
  };
}
