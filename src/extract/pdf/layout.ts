/**
 * One page's layout: runs + ruling lines → tables and paragraph lines in
 * reading order (top to bottom).
 */
import { findGrids, gridContains, gridRows, type Box, type Grid } from './grid.js';
import type { Rules } from './rules.js';
import { streamTables } from './stream.js';
import { groupLines, isSpace, joinLine, midY, sliceRun, tidy, WIDE_GAP, type Run } from './text.js';

export interface PlacedTable {
  kind: 'table';
  top: number;
  bottom: number;
  x0: number;
  /** Column borders, left to right (columns + 1 values). */
  xs: number[];
  rows: string[][];
  /** Each cell's box [x0, y0, x1, y1] in the page frame, parallel to rows. */
  boxes: Box[][];
}

export interface PlacedLine {
  kind: 'line';
  text: string;
  top: number;
  bottom: number;
  x0: number;
  x1: number;
  size: number;
}

export type Placed = PlacedTable | PlacedLine;

/** A gap this wide (in ems) separates two paragraphs on one line. */
const PARAGRAPH_GAP = 3;

/** Drops runs drawn twice at the same place (fake bold, shadows). */
export function dedupe(runs: Run[]): Run[] {
  const seen = new Map<string, Run[]>();
  const out: Run[] = [];
  for (const r of runs) {
    const key = r.text;
    const list = seen.get(key);
    if (list && list.some((o) => Math.abs(o.x0 - r.x0) < 0.25 * r.size && Math.abs(o.base - r.base) < 0.25 * r.size)) continue;
    if (list) list.push(r);
    else seen.set(key, [r]);
    out.push(r);
  }
  return out;
}

/**
 * A line whose glyphs straddle a grid's bottom border: the last line of a
 * wrapped cell of the last row, run over the border (北京's 护 of
 * 水利工程运行与维护 at a page's foot). Text below a table never touches its
 * border; this line is the table's.
 */
function overhangs(g: Grid, r: Run): boolean {
  const bottom = g.ys[g.ys.length - 1];
  return r.base > bottom && r.base - 0.88 * r.size < bottom - 0.2 * r.size && r.x0 >= g.xs[0] - 1 && r.x1 <= g.xs[g.xs.length - 1] + 1;
}

/**
 * Splits runs by the grid they fall in: characters are assigned by their
 * centre, so a run that sticks out of a table is cut at its edge.
 */
function partition(runs: Run[], grids: Grid[]): { inGrid: Run[][]; free: Run[] } {
  const inGrid: Run[][] = grids.map(() => []);
  const free: Run[] = [];
  for (const r of runs) {
    const y = midY(r);
    const candidates = grids.map((g, i) => (gridContains(g, r.x0, y, 2) || gridContains(g, r.x1, y, 2) || overhangs(g, r) ? i : -1)).filter((i) => i >= 0);
    if (!candidates.length) {
      free.push(r);
      continue;
    }
    // Per character: which grid (or none).
    let start = 0;
    let cur = -2;
    const flush = (end: number): void => {
      if (end <= start) return;
      const piece = sliceRun(r, start, end);
      if (/\S/.test(piece.text)) (cur >= 0 ? inGrid[cur] : free).push(piece);
    };
    for (let i = 0; i < r.text.length; i++) {
      const cx = (r.edges[i] + r.edges[i + 1]) / 2;
      let gi = -1;
      for (const c of candidates) if (gridContains(grids[c], cx, y, 1) || (overhangs(grids[c], r) && cx >= grids[c].xs[0] && cx <= grids[c].xs[grids[c].xs.length - 1])) gi = c;
      if (isSpace(r.text[i]) && cur !== -2) gi = cur;
      if (gi !== cur) {
        if (cur !== -2) flush(i);
        start = i;
        cur = gi;
      }
    }
    flush(r.text.length);
  }
  return { inGrid, free };
}

/** Splits one visual line into paragraph segments at very wide gaps. */
function segments(line: Run[]): Run[][] {
  const out: Run[][] = [];
  let cur: Run[] = [];
  for (const r of line) {
    const prev = cur[cur.length - 1];
    if (prev && r.x0 - prev.x1 > PARAGRAPH_GAP * Math.max(prev.size, r.size)) {
      out.push(cur);
      cur = [];
    }
    cur.push(r);
  }
  if (cur.length) out.push(cur);
  return out;
}

function lineOf(runs: Run[]): PlacedLine {
  const size = Math.max(...runs.map((r) => r.size));
  return {
    kind: 'line',
    text: tidy(joinLine(runs)),
    top: Math.min(...runs.map((r) => r.base - r.size)),
    bottom: Math.max(...runs.map((r) => r.base)),
    x0: Math.min(...runs.map((r) => r.x0)),
    x1: Math.max(...runs.map((r) => r.x1)),
    size,
  };
}

/**
 * Whether a page may hold a table: some line has two pieces of text set
 * apart by a gap (table cells are; the lines of running text are not).
 * Pages without one skip reading ruling lines.
 */
export function mayHoldTable(lines: Run[][]): boolean {
  for (const line of lines) {
    for (let i = 1; i < line.length; i++) {
      if (line[i].x0 - line[i - 1].x1 >= 0.6 * Math.min(line[i].size, line[i - 1].size)) return true;
    }
    // pdfjs may have made one item of two cells, with spaces between.
    for (const r of line) if (/\S\s{2,}\S/.test(r.text)) return true;
  }
  return false;
}

/**
 * The page's visual lines as text (sourceLines). Pieces set apart by more
 * than pdfjs's own word break (0.6 em: the gap between two cells) keep a
 * space between them, an amount and the next column's label too.
 */
export function pageText(lines: Run[][]): string {
  return lines
    .map((l) => tidy(joinLine(l.map(wideSpaces), 0.6)))
    .filter(Boolean)
    .join('\n');
}

/** A run whose spaces as wide as a cell gap (pdfjs's one-item cells) are em spaces, which tidy keeps. */
function wideSpaces(r: Run): Run {
  if (r.text.indexOf(' ') < 0) return r;
  let text = '';
  for (let i = 0; i < r.text.length; i++) {
    const ch = r.text[i];
    text += ch === ' ' && r.edges[i + 1] - r.edges[i] >= 0.6 * r.size ? WIDE_GAP : ch;
  }
  return { ...r, text };
}

/** Lays out a page's (deduplicated) runs, given its ruling lines. */
export function layoutPage(runs: Run[], rules: Rules): Placed[] {
  const grids = rules.h.length && rules.v.length ? findGrids(rules.h, rules.v) : [];
  const items: Placed[] = [];
  const { inGrid, free } = partition(runs, grids);
  grids.forEach((g, i) => {
    if (!inGrid[i].length) return;
    const rows = gridRows(g, inGrid[i]);
    if (!rows.length) return;
    items.push({
      kind: 'table',
      top: g.ys[0],
      bottom: g.ys[g.ys.length - 1],
      x0: g.xs[0],
      xs: g.xs,
      rows: rows.map((r) => r.cells),
      boxes: rows.map((r) => r.boxes),
    });
  });
  // Text outside ruled tables: unruled tables first, the rest are lines.
  const freeLines = groupLines(free);
  const { tables, rest } = streamTables(freeLines);
  for (const t of tables) items.push({ kind: 'table', top: t.top, bottom: t.bottom, x0: t.x0, xs: t.xs, rows: t.rows, boxes: t.boxes });
  for (const line of rest) for (const seg of segments(line)) {
    const l = lineOf(seg);
    if (l.text) items.push(l);
  }
  items.sort((a, b) => a.top - b.top || a.x0 - b.x0);
  return items;
}
