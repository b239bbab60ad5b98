/**
 * Text runs: pdfjs text items placed on the page (top-left origin, y down),
 * with an estimate of every character's left edge, and the small text
 * utilities shared by the layout code.
 */

/** A piece of text on one baseline, in page coordinates (y grows downwards). */
export interface Run {
  text: string;
  x0: number;
  x1: number;
  /** Baseline. */
  base: number;
  /** Font size (em). */
  size: number;
  /**
   * Left edge of each character, plus the right edge of the last one
   * (length text.length + 1). Estimated from the item's width: full-width
   * characters count one em, the others half.
   */
  edges: number[];
}

/** Vertical middle of a run's glyphs. */
export function midY(r: { base: number; size: number }): number {
  return r.base - 0.35 * r.size;
}

/** CJK ideographs, kana, hangul, CJK and full-width punctuation. */
export function isWide(code: number): boolean {
  return (
    (code >= 0x2e80 && code <= 0x9fff) ||
    (code >= 0xac00 && code <= 0xd7af) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x2018 && code <= 0x201f) ||
    code === 0x2014 ||
    code === 0x2026 ||
    code === 0x2015 ||
    code >= 0x20000
  );
}

export function isWideChar(ch: string | undefined): boolean {
  return ch !== undefined && ch.length > 0 && isWide(ch.codePointAt(0)!);
}

/** Characters that make up numbers: digits and their punctuation. */
export function isNumChar(ch: string | undefined): boolean {
  return ch !== undefined && /[0-9.,%()\-+]/.test(ch);
}

export function isSpace(ch: string | undefined): boolean {
  return ch !== undefined && /\s/.test(ch);
}

/** Character classes for "is there a natural break between these two". */
function charClass(ch: string): number {
  if (/\s/.test(ch)) return 0;
  if (/[0-9.,%]/.test(ch)) return 1;
  if (isWideChar(ch)) return 2;
  return 3;
}

export function sameClass(a: string, b: string): boolean {
  return charClass(a) === charClass(b);
}

export type Matrix = readonly number[];

/** pdfjs text item (the parts used here). */
export interface PdfjsTextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
}

/**
 * Turns pdfjs text items into runs, in viewport coordinates given by `vt`
 * (pdfjs's viewport transform at scale 1).
 */
export function runsFromItems(items: readonly unknown[], vt: Matrix): Run[] {
  const runs: Run[] = [];
  // The last run's newest item, for glyphs whose claimed advance overruns
  // the next item's position (see below): where it starts in the run's
  // edges, its left edge, its claimed right edge.
  let tailFrom = -1;
  let tailX0 = 0;
  let tailX1 = 0;
  for (const raw of items) {
    const it = raw as PdfjsTextItem;
    if (typeof it.str !== 'string' || !it.transform) continue;
    const str = it.str;
    if (str.length === 0 || !/\S/.test(str)) continue;
    const t = it.transform;
    // The item's matrix mapped into viewport space.
    const m0 = t[0] * vt[0] + t[1] * vt[2];
    const m1 = t[0] * vt[1] + t[1] * vt[3];
    const m2 = t[2] * vt[0] + t[3] * vt[2];
    const m3 = t[2] * vt[1] + t[3] * vt[3];
    const x = t[4] * vt[0] + t[5] * vt[2] + vt[4];
    const y = t[4] * vt[1] + t[5] * vt[3] + vt[5];
    let size = Math.hypot(m2, m3);
    if (!(size > 0)) size = Math.hypot(m0, m1) || 10;
    const chars = Array.from(str);
    const weights = chars.map((c) => (isWide(c.codePointAt(0)!) ? 1 : 0.5));
    const total = weights.reduce((a, b) => a + b, 0);
    const horizontal = Math.abs(m1) <= 0.2 * Math.abs(m0) && m0 > 0;
    let width: number;
    if (horizontal) {
      // pdfjs gives the advance in user-space units; scale with the viewport.
      const sx = Math.hypot(vt[0], vt[1]);
      width = Number.isFinite(it.width) && it.width > 0 ? it.width * sx : total * size;
      // A width far beyond what the characters could take is bogus.
      if (width > total * size * 4 + size) width = total * size;
    } else {
      // Rotated text: keep it where it starts, one em per character.
      width = total * size;
    }
    let unit = total > 0 ? width / total : 0;
    // Spaces inside an item stand for gaps of any width (pdfjs puts one
    // where the text jumps ahead): give them the width the visible
    // characters leave over.
    let spaceW = -1;
    let spaces = 0;
    let visible = 0;
    for (let i = 0; i < chars.length; i++) {
      if (chars[i] === ' ') spaces++;
      else visible += weights[i];
    }
    if (spaces > 0 && horizontal) {
      const left = width - visible * size;
      if (left >= 0.15 * size * spaces) {
        spaceW = left / spaces;
        unit = size;
      }
    }
    // Edges per UTF-16 code unit, so that string indices line up.
    const edges: number[] = new Array(str.length + 1);
    let acc = x;
    let at = 0;
    for (let i = 0; i < chars.length; i++) {
      for (let k = 0; k < chars[i].length; k++) edges[at++] = acc;
      acc += spaceW >= 0 && chars[i] === ' ' ? spaceW : weights[i] * unit;
    }
    edges[at] = acc;
    // Glyphs shown one by one, each placed by its own position but claiming
    // an advance (the font's /Widths) far wider than the step to the next:
    // the claimed extents overlap, and the glyphs of one number would fall
    // into different lines or cells. They are joined into one run, each
    // item ending where the next begins (its position, not its width), the
    // last one given the width its characters would take.
    const prev = runs.length ? runs[runs.length - 1] : undefined;
    if (
      horizontal &&
      prev &&
      tailFrom >= 0 &&
      Math.abs(prev.size - size) <= 0.02 * size &&
      Math.abs(prev.base - y) <= 0.15 * size &&
      x > tailX0 + 0.25 * size &&
      x > tailX0 + 0.25 * (tailX1 - tailX0) &&
      tailX1 > x + 0.25 * size
    ) {
      const k = (x - tailX0) / (prev.edges[prev.edges.length - 1] - tailX0 || 1);
      const pe = prev.edges;
      for (let i = tailFrom; i < pe.length; i++) pe[i] = tailX0 + (pe[i] - tailX0) * k;
      pe.pop();
      const from = pe.length;
      const natural = Math.min(width, total * size);
      for (let i = 0; i < edges.length; i++) pe.push(x + (edges[i] - x) * (natural / (width || 1)));
      prev.text += str;
      prev.x1 = pe[pe.length - 1];
      tailFrom = from;
      tailX0 = x;
      tailX1 = x + width;
      continue;
    }
    runs[runs.length] = { text: str, x0: x, x1: x + width, base: y, size, edges };
    if (horizontal) {
      tailFrom = 0;
      tailX0 = x;
      tailX1 = x + width;
    } else tailFrom = -1;
  }
  return runs;
}

/** A part of a run: characters [from, to). */
export function sliceRun(r: Run, from: number, to: number): Run {
  return {
    text: r.text.slice(from, to),
    x0: r.edges[from],
    x1: r.edges[to],
    base: r.base,
    size: r.size,
    edges: r.edges.slice(from, to + 1),
  };
}

/** Trims whitespace off a run's ends (keeping the edges consistent). */
export function trimRun(r: Run): Run | null {
  let a = 0;
  let b = r.text.length;
  while (a < b && isSpace(r.text[a])) a++;
  while (b > a && isSpace(r.text[b - 1])) b--;
  if (a >= b) return null;
  return a === 0 && b === r.text.length ? r : sliceRun(r, a, b);
}

/**
 * What joinLine puts for a gap wider than a word space (over 1.5 em): an em
 * space, which tidy turns into a plain one but, unlike a word processor's
 * autospace, never drops: an amount and the label of the next column
 * (`1668.14  一、一般公共服务支出`) stay apart.
 */
export const WIDE_GAP = '\u2003';

/**
 * Joins runs of one visual line (sorted by x): no space between wide
 * characters or across tight gaps, one space between Latin/digit words set
 * apart, and between any two pieces further apart than `wide` ems.
 */
export function joinLine(runs: readonly Run[], wide = 1.5): string {
  let out = '';
  let prev: Run | null = null;
  for (const r of runs) {
    if (prev) {
      const em = Math.max(prev.size, r.size);
      const gap = r.x0 - prev.x1;
      const a = out[out.length - 1];
      const b = r.text[0];
      if (isSpace(a) || isSpace(b)) {
        // already separated
      } else if (gap > wide * em) out += WIDE_GAP;
      else if (gap > 0.2 * em && !isWideChar(a) && !isWideChar(b)) out += ' ';
    }
    out += r.text;
    prev = r;
  }
  return out;
}

/** A line starting a numbered item (`2.`, `（二）`) inside a cell. */
const ITEM_START = /^(\d{1,2}[.．、](?!\d)|[（(][一二三四五六七八九十\d]{1,3}[)）])/;

/** Joins the lines of one cell or paragraph. */
export function joinLines(lines: readonly string[]): string {
  let out = '';
  for (const l of lines) {
    if (!l) continue;
    if (out && ((!isWideChar(out[out.length - 1]) && !isWideChar(l[0]) && !/[-/]$/.test(out)) || ITEM_START.test(l))) out += ' ';
    out += l;
  }
  return out;
}

const WIDE_CLASS = '\\u2E80-\\u9FFF\\uF900-\\uFAFF\\uFE30-\\uFE4F\\uFF00-\\uFF60\\u2018-\\u201F';
/**
 * A space between a Chinese character and a Latin letter or digit: the
 * gap word processors put between scripts ("autospace"), which pdfjs reads
 * as a space (`2025 年`, `435 秦皇岛`). The DOCX/HTML of the same document
 * has none.
 */
const AUTOSPACE = new RegExp(`(?<=[${WIDE_CLASS}]) (?=[A-Za-z0-9])|(?<=[A-Za-z0-9%]) (?=[${WIDE_CLASS}])`, 'g');

/** Collapses whitespace runs to one space, drops autospaces (not wide gaps), trims. */
export function tidy(s: string): string {
  if (s.indexOf(WIDE_GAP) < 0) return s.replace(/\s+/g, ' ').replace(AUTOSPACE, '').trim();
  return s
    .replace(/\s+/g, (m) => (m.indexOf(WIDE_GAP) >= 0 ? WIDE_GAP : ' '))
    .replace(AUTOSPACE, '')
    .replace(/\u2003/g, ' ')
    .trim();
}

/**
 * Groups runs into visual lines: runs whose vertical middles are within
 * half an em of the line's. Returns lines top to bottom, runs left to right.
 */
export function groupLines<T extends Run>(runs: readonly T[]): T[][] {
  const sorted = [...runs].sort((a, b) => midY(a) - midY(b) || a.x0 - b.x0);
  const lines: { y: number; size: number; runs: T[] }[] = [];
  for (const r of sorted) {
    const y = midY(r);
    let line = lines.length ? lines[lines.length - 1] : undefined;
    if (line && Math.abs(y - line.y) <= 0.5 * Math.min(line.size, r.size) && !overlapsAny(line.runs, r)) {
      line.runs.push(r);
      // Keep the line's middle at the first (usually dominant) run's.
    } else {
      // A run may belong to an earlier line when lines interleave slightly.
      line = undefined;
      for (let i = lines.length - 2; i >= 0 && i >= lines.length - 3; i--) {
        const l = lines[i];
        if (Math.abs(y - l.y) <= 0.5 * Math.min(l.size, r.size) && !overlapsAny(l.runs, r)) {
          line = l;
          break;
        }
      }
      if (line) line.runs.push(r);
      else lines.push({ y, size: r.size, runs: [r] });
    }
  }
  for (const l of lines) l.runs.sort((a, b) => a.x0 - b.x0);
  return lines.map((l) => l.runs);
}

function overlapsAny(runs: readonly Run[], r: Run): boolean {
  for (const o of runs) {
    const ov = Math.min(o.x1, r.x1) - Math.max(o.x0, r.x0);
    if (ov > 0.5 * Math.min(o.x1 - o.x0, r.x1 - r.x0) && ov > 0.3 * r.size) return true;
  }
  return false;
}
