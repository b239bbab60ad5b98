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
import { isSpace, joinLine, joinLines, sliceRun, tidy, type Run } from './text.js';

/** Chunks of a line are separated by gaps at least this wide (ems). */
const CHUNK_GAP = 0.5;
/** Whitespace inside one pdfjs item separates chunks from this width (ems). */
const INNER_GAP = 1.0;
/** Lines of one table are at most this far apart (ems), or 1.5 row pitches. */
const ROW_GAP = 2.5;
/** Lines that are document metadata, never table rows. */
const META = /^(编制(部门|单位)|填报(部门|单位)|单位名称|部门名称|金额单位|单位|预算年度|年度)\s*[:：]/;
const NUMBER = /^[-+]?[\d,]*\d(\.\d+)?%?$/;
/** Text that starts a new row rather than continuing a wrapped cell. */
const ROW_START = /^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、](?!\d)|其中[:：])/;

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
      // Widths inside an item are estimates: ask for a clearly wide gap, or
      // the space of `栏次 1`.
      const wide = r.edges[j] - r.edges[i] >= INNER_GAP * r.size;
      if (wide || (/^\s*栏次$/.test(r.text.slice(start, i)) && /^\d/.test(r.text.slice(j)))) {
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
  const isMeta = (l: LineInfo): boolean => l.chunks.some((c) => META.test(c.text));
  const candidate = info.map((l) => l.chunks.length >= 2 && !isMeta(l));
  // Lines of a table are close: within a few ems, or (sparse tables, rows
  // set far apart) within the usual gap between two table lines.
  const gaps: number[] = [];
  for (let k = 1; k < info.length; k++) if (candidate[k] && candidate[k - 1]) gaps.push(info[k].top - info[k - 1].bottom);
  gaps.sort((a, b) => a - b);
  const usual = gaps.length ? gaps[gaps.length >> 1] : 0;
  const near = (a: number, b: number): boolean => {
    const gap = info[b].top - info[a].bottom;
    return gap <= Math.max(ROW_GAP * info[a].size, 1.3 * usual);
  };
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
      if (candidate[j + 1] && near(j, j + 1)) {
        j++;
        continue;
      }
      // Up to three one-piece lines (wrapped cells, label-only rows) may
      // sit inside, when a table line follows them.
      let k = j + 1;
      while (k < info.length && k <= j + 3 && !candidate[k] && !isMeta(info[k]) && near(k - 1, k) && info[k].size <= info[j].size + 0.5) k++;
      if (k > j + 1 && k < info.length && candidate[k] && near(k - 1, k)) j = k;
      else break;
    }
    // Header lines just above the first table line (one-piece lines of a
    // multi-line header), up to a title (larger type) or the metadata.
    while (
      i > 0 &&
      !used.has(i - 1) &&
      !candidate[i - 1] &&
      !isMeta(info[i - 1]) &&
      info[i - 1].size <= info[i].size + 0.5 &&
      near(i - 1, i) &&
      info[i - 1].chunks.length > 0
    )
      i--;
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
  // Cells are short; sentences split at a gap are running text.
  const lengths = region.flatMap((l) => l.chunks.map((c) => [...c.text].length)).sort((a, b) => a - b);
  if (lengths[lengths.length >> 1] > 16) return null;
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
    // Chunks of the header line right above the data standing alone in a
    // gap: columns empty in every data row. (Header lines further up hold
    // the headers spanning several columns.)
    const firstData = region.indexOf(dataLines[0]);
    const header = firstData > 0 ? region[firstData - 1] : undefined;
    for (const c of header?.chunks ?? []) {
      if (!spans.some(([a, b]) => c.x1 > a && c.x0 < b)) spans.push([c.x0, c.x1]);
    }
    spans.sort((a, b) => a[0] - b[0]);
  }
  if (spans.length < 2) return null;
  const xs = [Math.min(x0, spans[0][0]) - 1];
  for (let k = 0; k + 1 < spans.length; k++) xs.push(borderBetween(spans[k], spans[k + 1], dataChunks));
  xs.push(Math.max(x1, spans[spans.length - 1][1]) + 1);

  // Cells of each line.
  const lineCells = region.map((l) => {
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
    return cells.map((c) => tidy(c.join(' ')));
  });
  // Rows: lines much closer together than the rows holding numbers are the
  // wrapped lines of one row (a cell's text, or a row whose numbers sit
  // between the lines of its label), as long as they do not collide.
  const numericLine = lineCells.map((cells) => cells.some((t) => t !== '' && isNumeric(t)));
  const pitches: number[] = [];
  let last = -1;
  region.forEach((l, k) => {
    if (!numericLine[k]) return;
    if (last >= 0 && k === last + 1) pitches.push(l.top - region[last].top);
    last = k;
  });
  pitches.sort((a, b) => a - b);
  const pitch = pitches.length ? pitches[pitches.length >> 1] : Infinity;
  const rows: { cells: string[][]; bottom: number; top: number }[] = [];
  region.forEach((l, k) => {
    const texts = lineCells[k];
    const prev = rows[rows.length - 1];
    const wrapped =
      prev !== undefined &&
      l.top - prev.top < 3 * l.size &&
      l.top - region[k - 1].top < 0.7 * pitch &&
      texts.every((t, c) => {
        if (t === '' || prev.cells[c].length === 0) return true;
        const before = prev.cells[c][prev.cells[c].length - 1];
        return !isNumeric(t) && !isNumeric(before) && !ROW_START.test(t);
      });
    if (wrapped) {
      texts.forEach((t, c) => {
        if (t) prev.cells[c].push(t);
      });
      prev.bottom = l.bottom;
    } else rows.push({ cells: texts.map((t) => (t ? [t] : [])), bottom: l.bottom, top: l.top });
  });
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
  // A chunk over both anchors spans columns (a title, a merged cell): no help.
  const blocks = chunks
    .filter((c) => c.x1 > lo && c.x0 < hi && !(c.x0 <= lo && c.x1 >= hi))
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

