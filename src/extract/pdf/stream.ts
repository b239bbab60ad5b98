/**
 * Tables without ruling lines, found from text alignment.
 *
 * A table is a run of consecutive lines split into several chunks by wide
 * gaps, with numbers in some of them. Its columns come from
 *  - the 栏次 row (`栏次 1 2 3 …`) when there is one: each number sits over
 *    its column;
 *  - otherwise the x-extents of the chunks of the lines holding numbers
 *    (data rows never span columns), plus header chunks standing alone in
 *    a gap (a column that is empty in every data row).
 * Borders go in the middle of the widest empty gap between two columns.
 */
import { splitAtColumns } from './grid.js';
import { isSpace, joinLine, joinLines, groupLines, sliceRun, tidy, type Run } from './text.js';

/** Chunks of a line are separated by gaps at least this wide (ems). */
const CHUNK_GAP = 1.0;
/** Lines that are document metadata, never table rows. */
const META = /^(编制(部门|单位)|填报(部门|单位)|单位名称|部门名称|金额单位|单位|预算年度|年度)\s*[:：]/;
const NUMBER = /^[-+]?[\d,]*\d(\.\d+)?%?$/;

interface Chunk {
  runs: Run[];
  x0: number;
  x1: number;
  text: string;
}

export interface StreamTable {
  top: number;
  bottom: number;
  x0: number;
  xs: number[];
  rows: string[][];
}

/** Splits runs at wide whitespace inside them too. */
function splitWide(r: Run): Run[] {
  const out: Run[] = [];
  let start = 0;
  let i = 0;
  const n = r.text.length;
  while (i < n) {
    if (isSpace(r.text[i])) {
      let j = i;
      while (j < n && isSpace(r.text[j])) j++;
      if (r.edges[j] - r.edges[i] >= CHUNK_GAP * r.size) {
        if (i > start) out.push(sliceRun(r, start, i));
        start = j;
      }
      i = j;
    } else i++;
  }
  if (start < n) out.push(sliceRun(r, start, n));
  return out;
}

function chunksOf(line: Run[]): Chunk[] {
  const chunks: Chunk[] = [];
  for (const r0 of line) {
    for (const r of splitWide(r0)) {
      const prev = chunks[chunks.length - 1];
      if (prev && r.x0 - prev.x1 < CHUNK_GAP * Math.max(r.size, prev.runs[0].size)) {
        prev.runs.push(r);
        prev.x1 = Math.max(prev.x1, r.x1);
      } else chunks.push({ runs: [r], x0: r.x0, x1: r.x1, text: '' });
    }
  }
  for (const c of chunks) c.text = tidy(joinLine(c.runs));
  return chunks.filter((c) => c.text);
}

function isNumeric(text: string): boolean {
  return NUMBER.test(text.replace(/\s/g, ''));
}

interface LineInfo {
  runs: Run[];
  chunks: Chunk[];
  top: number;
  bottom: number;
  size: number;
}

export function streamTables(lines: Run[][]): { tables: StreamTable[]; rest: Run[][] } {
  const info: LineInfo[] = lines.map((runs) => ({
    runs,
    chunks: chunksOf(runs),
    top: Math.min(...runs.map((r) => r.base - r.size)),
    bottom: Math.max(...runs.map((r) => r.base)),
    size: Math.max(...runs.map((r) => r.size)),
  }));
  const candidate = info.map((l) => l.chunks.length >= 2 && !META.test(l.chunks[0].text));
  const tables: StreamTable[] = [];
  const used = new Set<number>();
  let i = 0;
  while (i < info.length) {
    if (!candidate[i]) {
      i++;
      continue;
    }
    // Grow a region of candidate lines; a single non-candidate line may
    // sit inside (a label-only row, a wrapped cell) if another follows.
    let j = i;
    while (j + 1 < info.length) {
      const gap = info[j + 1].top - info[j].bottom;
      if (gap > 2.5 * info[j].size) break;
      if (candidate[j + 1]) j++;
      else if (
        j + 2 < info.length &&
        candidate[j + 2] &&
        !META.test(info[j + 1].chunks[0]?.text ?? '') &&
        info[j + 2].top - info[j + 1].bottom <= 2.5 * info[j + 1].size
      )
        j += 2;
      else break;
    }
    const region = info.slice(i, j + 1);
    const t = regionTable(region);
    if (t) {
      tables.push(t);
      for (let k = i; k <= j; k++) used.add(k);
    }
    i = j + 1;
  }
  return { tables, rest: lines.filter((_, k) => !used.has(k)) };
}

function regionTable(region: LineInfo[]): StreamTable | null {
  const multi = region.filter((l) => l.chunks.length >= 2);
  const dataLines = region.filter((l) => l.chunks.some((c) => isNumeric(c.text)));
  if (multi.length < 3 || dataLines.length < 2 || !region.some((l) => l.chunks.length >= 3)) return null;
  const x0 = Math.min(...region.map((l) => l.chunks[0]?.x0 ?? Infinity));
  const x1 = Math.max(...region.map((l) => l.chunks[l.chunks.length - 1]?.x1 ?? -Infinity));
  const dataChunks = dataLines.flatMap((l) => l.chunks);

  // Column anchors: [from, to] extents.
  let spans: [number, number][];
  const lanci = region.find(
    (l) => l.chunks.length >= 3 && l.chunks[0].text.replace(/\s/g, '') === '栏次' && l.chunks.slice(1).every((c) => /^\d+$/.test(c.text)),
  );
  if (lanci) {
    spans = lanci.chunks.map((c) => [c.x0, c.x1]);
  } else {
    spans = mergeSpans(dataChunks.map((c) => [c.x0, c.x1] as [number, number]));
    // Header chunks alone in a gap: columns empty in every data row.
    for (const l of region) {
      if (dataLines.includes(l)) continue;
      for (const c of l.chunks) {
        if (!spans.some(([a, b]) => c.x1 > a && c.x0 < b)) spans.push([c.x0, c.x1]);
      }
    }
    spans.sort((a, b) => a[0] - b[0]);
  }
  if (spans.length < 2) return null;
  const xs = [Math.min(x0, spans[0][0]) - 1];
  for (let k = 0; k + 1 < spans.length; k++) xs.push(borderBetween(spans[k], spans[k + 1], dataChunks));
  xs.push(Math.max(x1, spans[spans.length - 1][1]) + 1);

  // Rows: one per line, wrapped text merged into the row above.
  const rows: { cells: string[][]; numeric: boolean[]; bottom: number; size: number }[] = [];
  for (const l of region) {
    const cells: string[][] = xs.slice(1).map(() => []);
    for (const c of l.chunks) {
      for (const r of c.runs) {
        for (const { run } of splitAtColumns(r, xs)) {
          const text = tidy(run.text);
          if (!text) continue;
          // Numbers are right-aligned: their right edge is in their column;
          // text (and a header over several columns) starts in its column.
          const x = isNumeric(text) ? run.x1 - 0.1 : run.x0 + 0.1;
          let col = xs.findIndex((b, k) => k + 1 < xs.length && x >= b && x < xs[k + 1]);
          if (col < 0) col = x < xs[0] ? 0 : xs.length - 2;
          cells[col].push(text);
        }
      }
    }
    const texts = cells.map((c) => tidy(c.join(' ')));
    const numeric = texts.map((t) => t !== '' && isNumeric(t));
    const prev = rows[rows.length - 1];
    const wrapped =
      prev &&
      !numeric.some(Boolean) &&
      l.top - prev.bottom < 0.6 * l.size &&
      texts.every((t, k) => t === '' || (prev.cells[k].length > 0 && !prev.numeric[k]));
    if (wrapped) {
      texts.forEach((t, k) => {
        if (t) prev.cells[k].push(t);
      });
      prev.bottom = l.bottom;
    } else rows.push({ cells: texts.map((t) => (t ? [t] : [])), numeric, bottom: l.bottom, size: l.size });
  }
  return {
    top: region[0].top,
    bottom: region[region.length - 1].bottom,
    x0: xs[0],
    xs,
    rows: rows.map((r) => r.cells.map((c) => tidy(joinLines(c)))),
  };
}

function mergeSpans(spans: [number, number][]): [number, number][] {
  const s = [...spans].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const sp of s) {
    const last = out[out.length - 1];
    if (last && sp[0] <= last[1] + 1) last[1] = Math.max(last[1], sp[1]);
    else out.push([sp[0], sp[1]]);
  }
  return out;
}

/** The middle of the widest gap free of data chunks between two columns. */
function borderBetween(a: [number, number], b: [number, number], chunks: Chunk[]): number {
  const lo = (a[0] + a[1]) / 2;
  const hi = (b[0] + b[1]) / 2;
  const blocks = chunks
    .filter((c) => c.x1 > lo && c.x0 < hi)
    .map((c) => [Math.max(lo, c.x0), Math.min(hi, c.x1)] as [number, number]);
  const merged = mergeSpans(blocks);
  let best: [number, number] | null = null;
  let cur = lo;
  for (const [s, e] of [...merged, [hi, hi] as [number, number]]) {
    if (s > cur && (!best || s - cur > best[1] - best[0])) best = [cur, s];
    cur = Math.max(cur, e);
  }
  return best ? (best[0] + best[1]) / 2 : (a[1] + b[0]) / 2;
}

export { groupLines };
