/**
 * Ruled tables: ruling lines → grids of cells (with merged cells) → rows.
 *
 * All coordinates are page coordinates with y growing downwards.
 */
import type { HRule, VRule } from './rules.js';
import { groupLines, isSpace, isWideChar, joinLine, joinLines, midY, sameClass, sliceRun, tidy, type Run } from './text.js';

/** Rules closer than this (points) are the same line. */
const SNAP = 2;
/** Collinear rules with gaps up to this are joined. */
const JOIN_GAP = 2.5;
/** Rules shorter than this are ignored (ticks, dots). */
const MIN_RULE = 4;
/** Grid lines closer than this are merged (double borders). */
const MIN_BAND = 3;

export interface Grid {
  /** Column borders, left to right. */
  xs: number[];
  /** Row borders, top to bottom. */
  ys: number[];
  /**
   * anchor[r][c]: the index (r * nc + c) of the top-left grid cell of the
   * merged cell that covers (r, c).
   */
  anchor: Int32Array;
  h: HRule[];
  v: VRule[];
}

export function nCols(g: Grid): number {
  return g.xs.length - 1;
}
export function nRows(g: Grid): number {
  return g.ys.length - 1;
}

/** Merges collinear, touching rules. */
function mergeH(rules: HRule[]): HRule[] {
  const sorted = [...rules].sort((a, b) => a.y - b.y || a.x0 - b.x0);
  const out: HRule[] = [];
  let group: HRule[] = [];
  const flush = (): void => {
    if (!group.length) return;
    const y = group.reduce((s, r) => s + r.y, 0) / group.length;
    group.sort((a, b) => a.x0 - b.x0);
    let cur = { y, x0: group[0].x0, x1: group[0].x1 };
    for (const r of group.slice(1)) {
      if (r.x0 <= cur.x1 + JOIN_GAP) cur.x1 = Math.max(cur.x1, r.x1);
      else {
        out.push(cur);
        cur = { y, x0: r.x0, x1: r.x1 };
      }
    }
    out.push(cur);
    group = [];
  };
  for (const r of sorted) {
    if (group.length && r.y - group[0].y > SNAP) flush();
    group.push(r);
  }
  flush();
  return out.filter((r) => r.x1 - r.x0 >= MIN_RULE);
}

function mergeV(rules: VRule[]): VRule[] {
  return mergeH(rules.map((r) => ({ y: r.x, x0: r.y0, x1: r.y1 }))).map((r) => ({ x: r.y, y0: r.x0, y1: r.x1 }));
}

/** Cluster sorted values that are within `tol` of the cluster's first. */
function cluster(values: number[], tol: number): number[] {
  const s = [...values].sort((a, b) => a - b);
  const out: number[] = [];
  let group: number[] = [];
  for (const v of s) {
    if (group.length && v - group[0] > tol) {
      out.push(group.reduce((a, b) => a + b, 0) / group.length);
      group = [];
    }
    group.push(v);
  }
  if (group.length) out.push(group.reduce((a, b) => a + b, 0) / group.length);
  return out;
}

/** Finds the ruled grids of a page. */
export function findGrids(hRaw: HRule[], vRaw: VRule[]): Grid[] {
  const h = mergeH(hRaw);
  const v = mergeV(vRaw);
  if (h.length < 2 || v.length < 1) return [];
  // Connected components of crossing/touching rules.
  const parent = new Int32Array(h.length + v.length).map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const tol = SNAP + 1;
  for (let i = 0; i < h.length; i++) {
    for (let j = 0; j < v.length; j++) {
      const a = h[i];
      const b = v[j];
      if (b.x >= a.x0 - tol && b.x <= a.x1 + tol && a.y >= b.y0 - tol && a.y <= b.y1 + tol) {
        const ri = find(i);
        const rj = find(h.length + j);
        if (ri !== rj) parent[ri] = rj;
      }
    }
  }
  const comps = new Map<number, { h: HRule[]; v: VRule[] }>();
  h.forEach((r, i) => {
    const k = find(i);
    if (!comps.has(k)) comps.set(k, { h: [], v: [] });
    comps.get(k)!.h.push(r);
  });
  v.forEach((r, j) => {
    const k = find(h.length + j);
    if (!comps.has(k)) comps.set(k, { h: [], v: [] });
    comps.get(k)!.v.push(r);
  });
  const grids: Grid[] = [];
  for (const c of comps.values()) {
    if (c.h.length < 2 || c.v.length < 1) continue;
    const g = buildGrid(c.h, c.v);
    if (g) grids.push(g);
  }
  return grids;
}

function buildGrid(h: HRule[], v: VRule[]): Grid | null {
  let xs = cluster(v.map((r) => r.x), MIN_BAND);
  let ys = cluster(h.map((r) => r.y), MIN_BAND);
  // Open sides: horizontal rules that run past the outermost verticals
  // (tables drawn without left/right borders) still bound the table.
  const hx0 = Math.min(...h.map((r) => r.x0));
  const hx1 = Math.max(...h.map((r) => r.x1));
  if (hx0 < xs[0] - MIN_BAND * 2) xs = [hx0, ...xs];
  if (hx1 > xs[xs.length - 1] + MIN_BAND * 2) xs = [...xs, hx1];
  const vy0 = Math.min(...v.map((r) => r.y0));
  const vy1 = Math.max(...v.map((r) => r.y1));
  if (vy0 < ys[0] - MIN_BAND * 2) ys = [vy0, ...ys];
  if (vy1 > ys[ys.length - 1] + MIN_BAND * 2) ys = [...ys, vy1];
  const nc = xs.length - 1;
  const nr = ys.length - 1;
  if (nc < 2 || nr < 1) return null;
  // Virtual rules for the open sides, so that those edges count as borders.
  const vAll = [...v];
  const hAll = [...h];
  if (!v.some((r) => Math.abs(r.x - xs[0]) <= SNAP)) vAll.push({ x: xs[0], y0: ys[0], y1: ys[nr] });
  if (!v.some((r) => Math.abs(r.x - xs[nc]) <= SNAP)) vAll.push({ x: xs[nc], y0: ys[0], y1: ys[nr] });
  if (!h.some((r) => Math.abs(r.y - ys[0]) <= SNAP)) hAll.push({ y: ys[0], x0: xs[0], x1: xs[nc] });
  if (!h.some((r) => Math.abs(r.y - ys[nr]) <= SNAP)) hAll.push({ y: ys[nr], x0: xs[0], x1: xs[nc] });

  const covers = (a0: number, a1: number, b0: number, b1: number): boolean => {
    // Does [b0, b1] cover most of [a0, a1]?
    const ov = Math.min(a1, b1) - Math.max(a0, b0);
    return ov >= 0.6 * (a1 - a0);
  };
  const vBorder = (r: number, k: number): boolean => {
    const x = xs[k];
    for (const s of vAll) if (Math.abs(s.x - x) <= MIN_BAND && covers(ys[r], ys[r + 1], s.y0, s.y1)) return true;
    return false;
  };
  const hBorder = (k: number, c: number): boolean => {
    const y = ys[k];
    for (const s of hAll) if (Math.abs(s.y - y) <= MIN_BAND && covers(xs[c], xs[c + 1], s.x0, s.x1)) return true;
    return false;
  };
  // Union cells not separated by a border.
  const parent = new Int32Array(nr * nc).map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return;
    // Keep the smaller index (top-left) as the root.
    if (ra < rb) parent[rb] = ra;
    else parent[ra] = rb;
  };
  for (let r = 0; r < nr; r++) {
    for (let c = 0; c < nc; c++) {
      if (c + 1 < nc && !vBorder(r, c + 1)) union(r * nc + c, r * nc + c + 1);
      if (r + 1 < nr && !hBorder(r + 1, c)) union(r * nc + c, (r + 1) * nc + c);
    }
  }
  // The anchor of a region: its topmost row, then leftmost column.
  const best = new Map<number, number>();
  for (let i = 0; i < nr * nc; i++) {
    const root = find(i);
    const cur = best.get(root);
    if (cur === undefined) best.set(root, i);
    else {
      const [r0, c0] = [Math.floor(cur / nc), cur % nc];
      const [r1, c1] = [Math.floor(i / nc), i % nc];
      if (r1 < r0 || (r1 === r0 && c1 < c0)) best.set(root, i);
    }
  }
  const anchor = new Int32Array(nr * nc);
  for (let i = 0; i < nr * nc; i++) anchor[i] = best.get(find(i))!;
  // A grid that is one box (a frame around text) is not a table.
  if (new Set(anchor).size < 2) return null;
  return { xs, ys, anchor, h, v };
}

/** Index of the band [bounds[i], bounds[i+1]) containing v, or -1. */
function band(bounds: number[], v: number): number {
  const n = bounds.length - 1;
  if (v < bounds[0] || v > bounds[n]) return -1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (bounds[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function gridContains(g: Grid, x: number, y: number, slack = 1): boolean {
  return x >= g.xs[0] - slack && x <= g.xs[g.xs.length - 1] + slack && y >= g.ys[0] - slack && y <= g.ys[g.ys.length - 1] + slack;
}

/**
 * Splits a run at column borders where it crosses them. pdfjs sometimes
 * makes one item of the texts of two adjacent cells (`371,514,655.00 一、…`);
 * such a run is cut at the border, on a character boundary where the text
 * itself breaks (a space, or digits meeting letters). A run that crosses a
 * border without such a break (text overflowing its cell) stays whole and
 * goes to the column holding most of it.
 */
export function splitAtColumns(r: Run, xs: number[]): { run: Run; col: number }[] {
  const n = r.text.length;
  const nc = xs.length - 1;
  const colOf = (i: number): number => {
    const cx = (r.edges[i] + r.edges[i + 1]) / 2;
    const b = band(xs, Math.min(Math.max(cx, xs[0]), xs[nc]));
    return b < 0 ? 0 : Math.min(b, nc - 1);
  };
  const first = colOf(0);
  const last = colOf(n - 1);
  if (first === last) return [{ run: r, col: first }];
  // Candidate cuts: where the column changes, moved to a natural break.
  const cuts: number[] = [];
  let prevCol = first;
  for (let i = 1; i < n; i++) {
    const c = colOf(i);
    if (c === prevCol) continue;
    const border = xs[Math.max(prevCol, Math.min(c, prevCol + 1))];
    let bestJ = -1;
    let bestD = Infinity;
    for (let j = Math.max(1, i - 2); j <= Math.min(n - 1, i + 2); j++) {
      const a = r.text[j - 1];
      const b = r.text[j];
      const d = Math.abs(r.edges[j] - border);
      const natural = isSpace(a) || isSpace(b) || (!sameClass(a, b) && d <= 0.6 * r.size);
      if (natural && d < bestD) {
        bestD = d;
        bestJ = j;
      }
    }
    if (bestJ > 0 && !cuts.includes(bestJ)) cuts.push(bestJ);
    prevCol = c;
  }
  if (!cuts.length) {
    // An amount glued to a label (one string) that runs over the border
    // further than the break can be placed by estimate (an amount wider than
    // its cell): cut where they meet when each lies mostly in a column of
    // its own. An amount is written with a decimal point or separators (a
    // year, 2026年, is not one).
    const cut = amountBreak(r.text);
    if (cut > 0 && majority(r, xs, 0, cut) !== majority(r, xs, cut, n)) cuts.push(cut);
  }
  cuts.sort((a, b) => a - b);
  const out: { run: Run; col: number }[] = [];
  let start = 0;
  for (const cut of [...cuts, n]) {
    if (cut <= start) continue;
    const piece = sliceRun(r, start, cut);
    // The column holding most of the piece's width.
    const share = new Map<number, number>();
    for (let i = start; i < cut; i++) {
      if (isSpace(r.text[i])) continue;
      const c = colOf(i);
      share.set(c, (share.get(c) ?? 0) + (r.edges[i + 1] - r.edges[i]));
    }
    let col = colOf(start);
    let bestW = -1;
    for (const [c, w] of share) {
      if (w > bestW || (w === bestW && c < col)) {
        bestW = w;
        col = c;
      }
    }
    out.push({ run: piece, col });
    start = cut;
  }
  return out;
}

const AMOUNT = /^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$|^[-+]?\d+\.\d+$/;

/** Where an amount and Chinese text meet in `t` (one of them the whole of one side), or -1. */
function amountBreak(t: string): number {
  for (let i = 1; i < t.length; i++) {
    const a = t[i - 1];
    const b = t[i];
    const numToWide = /[\d.]/.test(a) && isWideChar(b);
    const wideToNum = isWideChar(a) && /\d/.test(b);
    if (!numToWide && !wideToNum) continue;
    if ((numToWide && AMOUNT.test(t.slice(0, i).trim())) || (wideToNum && AMOUNT.test(t.slice(i).trim()))) return i;
  }
  return -1;
}

/** The column holding most of characters [from, to) of a run. */
function majority(r: Run, xs: number[], from: number, to: number): number {
  const nc = xs.length - 1;
  const share = new Float64Array(nc);
  for (let i = from; i < to; i++) {
    if (isSpace(r.text[i])) continue;
    const cx = (r.edges[i] + r.edges[i + 1]) / 2;
    const b = band(xs, Math.min(Math.max(cx, xs[0]), xs[nc]));
    share[b < 0 ? 0 : Math.min(b, nc - 1)] += r.edges[i + 1] - r.edges[i];
  }
  let best = 0;
  for (let c = 1; c < nc; c++) if (share[c] > share[best]) best = c;
  return best;
}

export type Box = [number, number, number, number];

/** A run (or the piece of one in one column) and the grid row and column it stands in. */
interface Piece {
  run: Run;
  row: number;
  col: number;
}

/**
 * A wrapped cell whose last line runs over its bottom border (Excel prints
 * a wrapped cell taller than its row this way: 北京's 31007-信息网络及软件购置更
 * | 新, 2130306-水利工程运行与维 | 护) has that line in the row below by its
 * position. It is the cell above's when the line straddles the border
 * between them, stands above the own line of the row it fell in, and
 * follows, one line's height below, a line of the cell above that fills
 * the cell to its right border (the line that wrapped).
 */
function reattachWrapped(pieces: Piece[], g: Grid, lastCol: Int32Array): void {
  const nc = nCols(g);
  for (const p of pieces) {
    if (p.row === 0) continue;
    const { run } = p;
    const border = g.ys[p.row];
    // glyphs reach about 0.88 em above the baseline
    if (!(run.base - 0.88 * run.size < border - 0.2 * run.size && run.base > border)) continue;
    // the row's own line is lower (a tight grid whose every line touches the border above has none lower)
    const mates = pieces.filter((q) => q.row === p.row && q !== p);
    if (!mates.some((q) => q.run.base >= run.base + 0.3 * run.size)) continue;
    if (!mates.every((q) => q.run.base >= run.base + 0.3 * run.size || Math.abs(q.run.base - run.base) < 0.2 * run.size)) continue;
    const above = pieces.find((q) => {
      if (q.row !== p.row - 1 || q.col !== p.col) return false;
      const gap = run.base - q.run.base;
      if (gap < 0.9 * run.size || gap > 1.6 * run.size) return false;
      const right = g.xs[lastCol[g.anchor[q.row * nc + q.col]] + 1];
      return q.run.x1 >= right - 1.5 * q.run.size;
    });
    if (above) p.row = above.row;
  }
}

/**
 * The cells' texts of a grid, one row per row band (empty rows dropped),
 * and each cell's box: the merged cell's where it is the merge's anchor
 * (top-left), its own grid cell's otherwise.
 */
export function gridRows(g: Grid, runs: Run[]): { cells: string[]; boxes: Box[]; top: number }[] {
  const nc = nCols(g);
  const nr = nRows(g);
  // The last row and column each merged cell covers.
  const lastRow = new Int32Array(nr * nc);
  const lastCol = new Int32Array(nr * nc);
  for (let i = 0; i < nr * nc; i++) {
    const a = g.anchor[i];
    lastRow[a] = Math.max(lastRow[a], Math.floor(i / nc));
    lastCol[a] = Math.max(lastCol[a], i % nc);
  }
  const pieces: Piece[] = [];
  for (const r of runs) {
    const rowBand = band(g.ys, midY(r));
    const row = rowBand < 0 ? (midY(r) < g.ys[0] ? 0 : nr - 1) : rowBand;
    for (const { run, col } of splitAtColumns(r, g.xs)) pieces.push({ run, row, col });
  }
  reattachWrapped(pieces, g, lastCol);
  const inCell = new Map<number, Run[]>();
  const put = (at: number, run: Run) => {
    let list = inCell.get(at);
    if (!list) inCell.set(at, (list = []));
    list.push(run);
  };
  const flushRight: { run: Run; a: number; last: number }[] = [];
  for (const { run, row, col } of pieces) {
    const a = g.anchor[row * nc + col];
    const last = lastCol[a];
    if (last > a % nc && AMOUNT.test(run.text.trim()) && run.x1 >= g.xs[last + 1] - 1.5 * run.size && run.x0 >= g.xs[last] - 1.5 * run.size) flushRight.push({ run, a, last });
    else put(a, run);
  }
  // an amount set flush right in a cell merged over columns stands in the last column it covers where
  // the merge is one row's (a rule left out: 北京's 合 计 row, its 合计 amount in the cell of
  // 部门支出经济分类科目 and 合计): where other rows print that column's amounts in a cell of its own
  // beside a cell of the first column's that holds none
  const holdsAmount = (i: number) => (inCell.get(i) ?? []).some((r) => AMOUNT.test(r.text.trim()));
  const own = (r: number, c: number) => g.anchor[r * nc + c] === r * nc + c;
  for (const { run, a, last } of flushRight) {
    const first = a % nc;
    const row = Math.floor(a / nc);
    let apart = false;
    for (let r = 0; r < nr && !apart; r++) apart = r !== row && own(r, first) && own(r, last) && holdsAmount(r * nc + last) && !holdsAmount(r * nc + first);
    put(apart ? row * nc + last : a, run);
  }
  const rows: { cells: string[]; boxes: Box[]; top: number }[] = [];
  for (let r = 0; r < nr; r++) {
    const cells: string[] = [];
    let any = false;
    for (let c = 0; c < nc; c++) {
      const i = r * nc + c;
      // (a covered position holds text only where an amount was placed in it)
      const list = inCell.get(i);
      const text = list ? tidy(joinLines(groupLines(list).map((l) => joinLine(l)))) : '';
      if (text) any = true;
      cells.push(text);
    }
    if (!any) continue;
    const boxes: Box[] = [];
    for (let c = 0; c < nc; c++) {
      const i = r * nc + c;
      boxes.push(g.anchor[i] === i ? [g.xs[c], g.ys[r], g.xs[lastCol[i] + 1], g.ys[lastRow[i] + 1]] : [g.xs[c], g.ys[r], g.xs[c + 1], g.ys[r + 1]]);
    }
    rows.push({ cells, boxes, top: g.ys[r] });
  }
  return rows;
}
