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
import { isSpace, isWideChar, joinLine, joinLines, sliceRun, tidy, trimRun, type Run } from './text.js';

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
  /** Each cell's box: its column's borders, its row's extent (page frame). */
  boxes: [number, number, number, number][][];
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
    // One-piece lines right under the last table line may continue its
    // cells (a label wrapped in the last row); regionTable decides.
    let t = j + 1;
    while (t < info.length && t <= j + 3 && !candidate[t] && !isMeta(info[t]) && info[t].size <= info[j].size + 0.5 && wrapGap(info[t - 1], info[t])) t++;
    const found = regionTable(region, info.slice(j + 1, t));
    if (found) {
      tables.push(found.table);
      for (let k = i; k <= j + found.tail; k++) used.add(k);
      j += found.tail;
    }
    i = j + 1;
  }
  return { tables, rest: lines.filter((_, k) => !used.has(k)) };
}

/** Line b is set as closely under line a as the wrapped lines of one cell are. */
function wrapGap(a: LineInfo, b: LineInfo): boolean {
  const gap = b.top - a.bottom;
  return gap < 0.6 * Math.min(a.size, b.size) && gap > -0.3 * b.size;
}

function regionTable(region: LineInfo[], tail: LineInfo[]): { table: StreamTable; tail: number } | null {
  const multi = region.filter((l) => l.chunks.length >= 2);
  if (multi.length < 3) return null;
  splitGlued(region);
  const dataLines = region.filter((l) => l.chunks.some((c) => isNumeric(c.text)));
  if (dataLines.length < 2 || !(region.some((l) => l.chunks.length >= 3) || twoColumns(region))) return null;
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
  const firstData = region.indexOf(dataLines[0]);
  if (lanci) {
    spans = lanci.chunks.map((c) => [c.x0, c.x1]);
  } else {
    spans = mergeSpans(dataChunks.map((c) => [c.x0, c.x1] as [number, number]));
    // Chunks of the header line right above the data standing alone in a
    // gap: the header of a column next to it that has none over it (a
    // header centred in a wide cell over text set to one side), else a
    // column empty in every data row. (Header lines further up hold the
    // headers spanning several columns.)
    const header = firstData > 0 ? region[firstData - 1] : undefined;
    const over = (c: Chunk, [a, b]: [number, number]): boolean => c.x1 > a && c.x0 < b;
    const alone = (header?.chunks ?? []).filter((c) => !spans.some((sp) => over(c, sp)));
    const headed = spans.map((sp) => (header?.chunks ?? []).some((c) => over(c, sp)));
    const empty: [number, number][] = [];
    for (const c of alone) {
      const right = spans.findIndex(([a]) => a >= c.x1);
      const left = right < 0 ? spans.length - 1 : right - 1;
      // Its neighbours with no header, and no other header chunk between.
      const free = [left, right].filter(
        (k) => k >= 0 && !headed[k] && !alone.some((o) => o !== c && (k === left ? o.x0 >= spans[k][1] && o.x1 <= c.x0 : o.x0 >= c.x1 && o.x1 <= spans[k][0])),
      );
      const gap = (k: number): number => (k === left ? c.x0 - spans[k][1] : spans[k][0] - c.x1);
      const k = free.sort((a, b) => gap(a) - gap(b))[0];
      if (k === undefined) empty.push([c.x0, c.x1]);
      else headed[k] = true;
    }
    spans.push(...empty);
    spans.sort((a, b) => a[0] - b[0]);
  }
  if (spans.length < 2) return null;
  const xs = [Math.min(x0, spans[0][0]) - 1];
  for (let k = 0; k + 1 < spans.length; k++) xs.push(borderBetween(spans[k], spans[k + 1], dataChunks));
  xs.push(Math.max(x1, spans[spans.length - 1][1]) + 1);
  const nc = xs.length - 1;
  const colAt = (x: number): number => {
    const col = xs.findIndex((b, k) => k < nc && x >= b && x < xs[k + 1]);
    return col >= 0 ? col : x < xs[0] ? 0 : nc - 1;
  };
  // Numbers are right-aligned: their right edge is in their column; text
  // (and a header over several columns) starts in its column.
  const place = (r: Run, text: string): number => colAt(isNumeric(text) ? r.x1 - 0.1 : r.x0 + 0.1);
  // What the data rows hold in each column, for placing the header.
  const extent: [number, number][] = xs.slice(1).map(() => [Infinity, -Infinity]);
  for (const l of dataLines) {
    for (const c of l.chunks) {
      for (const r of c.runs) {
        const k = place(r, tidy(r.text));
        extent[k][0] = Math.min(extent[k][0], r.x0);
        extent[k][1] = Math.max(extent[k][1], r.x1);
      }
    }
  }

  // Cells of each line.
  const cellsOf = (l: LineInfo, isHeader: boolean): string[] => {
    const cells: string[][] = xs.slice(1).map(() => []);
    for (const c of l.chunks) {
      // A header chunk is one header: kept whole, and where it runs over a
      // column border, put in the column whose data it stands over (a
      // header centred over its column and wider than the numbers under
      // it), or the first of those it spans.
      if (isHeader && colAt(c.x0 + 0.1) !== colAt(c.x1 - 0.1)) {
        const over: number[] = [];
        for (let k = colAt(c.x0 + 0.1); k <= colAt(c.x1 - 0.1); k++) if (c.x0 < extent[k][1] && c.x1 > extent[k][0]) over.push(k);
        cells[over.length ? over[0] : colAt((c.x0 + c.x1) / 2)].push(c.text);
        continue;
      }
      for (const r of c.runs) {
        for (const { run } of splitAtColumns(r, xs)) {
          const text = tidy(run.text);
          if (text) cells[place(run, text)].push(text);
        }
      }
    }
    return cells.map((c) => tidy(c.join(' ')));
  };
  const lineCells = region.map((l, k) => cellsOf(l, k < firstData && l !== lanci));
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
  const rows: { cells: string[][]; bottom: number; top: number; size: number }[] = [];
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
    } else rows.push({ cells: texts.map((t) => (t ? [t] : [])), bottom: l.bottom, top: l.top, size: l.size });
  });
  // Lines under the last row continue its cells when each of their pieces
  // lies inside the box of a column where that row has text (and is not a
  // number, nor starts a row of its own).
  let used = 0;
  let above = region[region.length - 1];
  for (const l of tail) {
    const row = rows[rows.length - 1];
    const fits = l.chunks.every((c) => {
      const k = colAt(c.x0 + 0.1);
      const cell = row.cells[k];
      return (
        colAt(c.x1 - 0.1) === k &&
        cell.length > 0 &&
        !isNumeric(cell[cell.length - 1]) &&
        !isNumeric(c.text) &&
        !ROW_START.test(c.text) &&
        c.x0 >= xs[k] &&
        c.x1 <= xs[k + 1] + 0.5 * l.size
      );
    });
    if (!fits || l.top - above.top >= 0.7 * pitch) break;
    for (const c of l.chunks) row.cells[colAt(c.x0 + 0.1)].push(c.text);
    row.bottom = l.bottom;
    above = l;
    used++;
  }
  return {
    table: {
      top: region[0].top,
      bottom: above.bottom,
      x0: xs[0],
      xs,
      rows: rows.map((r) => r.cells.map((c) => tidy(joinLines(c)))),
      boxes: rows.map((r) => xs.slice(1).map((x, c): [number, number, number, number] => [xs[c], r.top, x, r.bottom + 0.25 * r.size])),
    },
    tail: used,
  };
}

/**
 * A table of two columns, labels and amounts (a 三公 table set as 项目 |
 * 预算数): at least three lines of a label and an amount whose right edges
 * line up. (Tables of contents — a title, leader dots, a page number — are
 * not: their numbers are small whole numbers.)
 */
function twoColumns(region: LineInfo[]): boolean {
  const ends: number[] = [];
  for (const l of region) {
    if (l.chunks.length !== 2) continue;
    const [a, b] = l.chunks;
    if (isNumeric(a.text) || !isNumeric(b.text) || !/[.,]/.test(b.text) || /[.…·．]{3,}$/.test(a.text)) continue;
    ends.push(b.x1);
  }
  if (ends.length < 3) return false;
  ends.sort((a, b) => a - b);
  const mid = ends[ends.length >> 1];
  const size = region[0].size;
  return ends.filter((e) => Math.abs(e - mid) <= 0.5 * size).length >= 3;
}

/** Digits and their punctuation, as amounts are written. */
const AMOUNT_CHAR = /[\d,.%]/;

/**
 * Splits chunks that hold the texts of two columns set too close together
 * to be told apart by the gap (an amount right-aligned against the label of
 * the next column, 9,433.72一、一般公共服务支出; or shown by one string): at a
 * space, between two runs, or where an amount meets Chinese text, when the
 * part after the break starts where other lines of the table start a piece
 * (the next column's left edge), or the amount before it ends where other
 * lines' amounts end (its column's right edge). A break that lines up with
 * nothing is inside one cell (2026年预算数, 合 计) and stays.
 */
function splitGlued(region: LineInfo[]): void {
  const size = Math.min(...region.map((l) => l.size));
  const tol = 0.5 * size;
  // Where other lines' pieces start, and where their amounts end.
  const starts = region.map((l) => l.chunks.map((c) => c.x0));
  const ends = region.map((l) => l.chunks.filter((c) => isNumeric(c.text)).map((c) => c.x1));
  const seen = (sets: number[][], self: number, x: number): boolean => {
    let n = 0;
    for (let k = 0; k < sets.length && n < 2; k++) if (k !== self && sets[k].some((v) => Math.abs(v - x) <= tol)) n++;
    return n >= 2;
  };
  region.forEach((l, li) => {
    if (!l.chunks.some(mayBeGlued)) return;
    const out: Chunk[] = [];
    for (const c of l.chunks) {
      if (!mayBeGlued(c)) {
        out.push(c);
        continue;
      }
      let rest = c;
      for (;;) {
        const cut = breaks(rest).find(
          (b) => b.left.text && b.right.text && (seen(starts, li, b.right.x0) || (isNumeric(b.left.text) && seen(ends, li, b.left.x1))),
        );
        if (!cut) break;
        out.push(cut.left);
        rest = cut.right;
      }
      out.push(rest);
    }
    l.chunks = out;
  });
}

/** A chunk with a break inside: several runs, a space, or an amount next to Chinese text. */
function mayBeGlued(c: Chunk): boolean {
  if (c.runs.length > 1) return true;
  const t = c.runs[0].text;
  for (let i = 1; i < t.length; i++) if (isBreak(t[i - 1], t[i])) return true;
  return false;
}

function isBreak(a: string, b: string): boolean {
  return isSpace(b) || (AMOUNT_CHAR.test(a) && isWideChar(b)) || (isWideChar(a) && /\d/.test(b));
}

function chunkOf(runs: Run[]): Chunk {
  const kept = runs.map(trimRun).filter((r): r is Run => r !== null);
  if (!kept.length) return { runs: [], x0: 0, x1: 0, text: '' };
  return { runs: kept, x0: kept[0].x0, x1: Math.max(...kept.map((r) => r.x1)), text: tidy(joinLine(kept)) };
}

/** The ways a chunk can be cut in two, left to right. */
function breaks(c: Chunk): { left: Chunk; right: Chunk }[] {
  const out: { left: Chunk; right: Chunk }[] = [];
  c.runs.forEach((r, k) => {
    if (k > 0) out.push({ left: chunkOf(c.runs.slice(0, k)), right: chunkOf(c.runs.slice(k)) });
    for (let i = 1; i < r.text.length; i++) {
      if (!isBreak(r.text[i - 1], r.text[i]) || isSpace(r.text[i - 1])) continue;
      let j = i;
      while (j < r.text.length && isSpace(r.text[j])) j++;
      if (j >= r.text.length) continue;
      out.push({
        left: chunkOf([...c.runs.slice(0, k), sliceRun(r, 0, i)]),
        right: chunkOf([sliceRun(r, j, r.text.length), ...c.runs.slice(k + 1)]),
      });
    }
  });
  return out;
}

function mergeSpans(spans: [number, number][]): [number, number][] {
  const s = [...spans].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const sp of s) {
    const last = out[out.length - 1];
    if (last && sp[0] < last[1]) last[1] = Math.max(last[1], sp[1]);
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

