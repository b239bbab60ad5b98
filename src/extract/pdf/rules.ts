/**
 * Ruling lines of a page: the horizontal and vertical strokes (or thin filled
 * rectangles) that draw table borders, in PDF user space.
 *
 * Two sources, same result:
 *  - `contentRules` reads the page's content streams itself (objects.ts) and
 *    interprets only the path, colour and state operators. Cheap.
 *  - `operatorListRules` walks pdfjs's operator list. Costs about as much as
 *    the text extraction; used when the content cannot be read directly
 *    (unusual filters, encryption, a damaged file that pdfjs repaired).
 */
import { PdfFile, PdfName, PdfRef, PdfStream, Unsupported, type PdfDict } from './objects.js';

export interface HRule {
  y: number;
  x0: number;
  x1: number;
}
export interface VRule {
  x: number;
  y0: number;
  y1: number;
}
export interface Rules {
  h: HRule[];
  v: VRule[];
}

export type Matrix = [number, number, number, number, number, number];

/** m1 applied first, then m2. */
export function mul(m1: readonly number[], m2: readonly number[]): Matrix {
  return [
    m1[0] * m2[0] + m1[1] * m2[2],
    m1[0] * m2[1] + m1[1] * m2[3],
    m1[2] * m2[0] + m1[3] * m2[2],
    m1[2] * m2[1] + m1[3] * m2[3],
    m1[4] * m2[0] + m1[5] * m2[2] + m2[4],
    m1[4] * m2[1] + m1[5] * m2[3] + m2[5],
  ];
}

/** A rectangle thinner than this (points) is a line when filled. */
const THIN = 3;
/** Coordinates this close count as the same (points). */
const AXIS_TOL = 0.6;

/**
 * Collects path segments and turns painted ones into rules. Points are
 * stored already transformed to user space.
 */
class PathSink {
  readonly rules: Rules = { h: [], v: [] };
  /** Flat list of subpaths: x, y pairs; NaN pair marks a curve point. */
  private subpaths: { pts: number[]; closed: boolean }[] = [];
  private cur: { pts: number[]; closed: boolean } | null = null;

  moveTo(x: number, y: number): void {
    this.cur = { pts: [x, y], closed: false };
    this.subpaths.push(this.cur);
  }
  lineTo(x: number, y: number): void {
    if (!this.cur) this.moveTo(x, y);
    else {
      const pts = this.cur.pts;
      pts[pts.length] = x;
      pts[pts.length] = y;
    }
  }
  curveTo(x: number, y: number): void {
    // A curve breaks straightness: store a marker, then the end point.
    if (!this.cur) this.moveTo(x, y);
    else {
      const pts = this.cur.pts;
      pts[pts.length] = NaN;
      pts[pts.length] = NaN;
      pts[pts.length] = x;
      pts[pts.length] = y;
    }
  }
  close(): void {
    if (this.cur) {
      this.cur.closed = true;
      const [x, y] = this.cur.pts;
      this.cur = { pts: [x, y], closed: false };
      this.subpaths.push(this.cur);
    }
  }
  rect(ctm: Matrix, x: number, y: number, w: number, h: number): void {
    const p = (px: number, py: number): [number, number] => [
      ctm[0] * px + ctm[2] * py + ctm[4],
      ctm[1] * px + ctm[3] * py + ctm[5],
    ];
    const a = p(x, y);
    const b = p(x + w, y);
    const c = p(x + w, y + h);
    const d = p(x, y + h);
    this.cur = { pts: [...a, ...b, ...c, ...d], closed: true };
    this.subpaths.push(this.cur);
    this.cur = null;
  }
  discard(): void {
    this.subpaths = [];
    this.cur = null;
  }

  paint(stroke: boolean, fill: boolean): void {
    for (const sp of this.subpaths) {
      const pts = sp.pts;
      if (pts.length < 4) continue;
      if (stroke) {
        const n = pts.length;
        for (let i = 0; i + 3 < n; i += 2) this.edge(pts[i], pts[i + 1], pts[i + 2], pts[i + 3]);
        if (sp.closed) this.edge(pts[n - 2], pts[n - 1], pts[0], pts[1]);
      }
      if (fill && !stroke) this.fillRect(pts);
    }
    this.discard();
  }

  private edge(x0: number, y0: number, x1: number, y1: number): void {
    if (Number.isNaN(x0) || Number.isNaN(x1)) return;
    if (Math.abs(y0 - y1) <= AXIS_TOL && Math.abs(x1 - x0) > AXIS_TOL) {
      this.rules.h.push({ y: (y0 + y1) / 2, x0: Math.min(x0, x1), x1: Math.max(x0, x1) });
    } else if (Math.abs(x0 - x1) <= AXIS_TOL && Math.abs(y1 - y0) > AXIS_TOL) {
      this.rules.v.push({ x: (x0 + x1) / 2, y0: Math.min(y0, y1), y1: Math.max(y0, y1) });
    }
  }

  /**
   * A filled thin shape with two long axis-aligned sides is a line: a
   * rectangle, or the trapezoid some generators fill for each border piece
   * (its ends cut at 45° where it meets the next one, a corner at
   * (x0, y0), (x1, y0), (x1 - t, y0 + t), (x0 + t, y0 + t)).
   */
  private fillRect(pts: number[]): void {
    if (pts.length > 10) return;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < pts.length; i += 2) {
      const x = pts[i];
      const y = pts[i + 1];
      if (Number.isNaN(x)) return;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    const w = x1 - x0;
    const h = y1 - y0;
    const horizontal = h <= THIN && w > h && w > 1;
    const vertical = !horizontal && w <= THIN && h > w && h > 1;
    if (!horizontal && !vertical) return;
    // Every point on one of the two long sides (a rectangle's corners, or
    // a trapezoid's); other shapes (a triangle, a tick) are not lines.
    const tol = AXIS_TOL + 1e-6;
    for (let i = 0; i < pts.length; i += 2) {
      const v = horizontal ? pts[i + 1] : pts[i];
      const lo = horizontal ? y0 : x0;
      const hi = horizontal ? y1 : x1;
      if (Math.abs(v - lo) > tol && Math.abs(v - hi) > tol) return;
    }
    if (horizontal) this.rules.h.push({ y: (y0 + y1) / 2, x0, x1 });
    else this.rules.v.push({ x: (x0 + x1) / 2, y0, y1 });
  }
}

// --- reading content streams directly ---------------------------------------

const WS = new Uint8Array(256);
for (const c of [0, 9, 10, 12, 13, 32]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;

interface GState {
  ctm: Matrix;
  strokeWhite: boolean;
  fillWhite: boolean;
}

const MAX_FORM_DEPTH = 8;
const MAX_OPERANDS = 32;
const MAX_CONTENT_BYTES = 32 * 1024 * 1024;

/** Reads the ruling lines of the page whose object is `ref`. */
export class ContentRuleReader {
  private readonly file: PdfFile;
  private readonly decoded = new Map<PdfStream, Uint8Array>();

  constructor(bytes: Uint8Array) {
    this.file = new PdfFile(bytes);
  }

  pageRules(ref: { num: number; gen: number }): Rules {
    const f = this.file;
    const page = f.dict(new PdfRef(ref.num, ref.gen));
    if (!page) throw new Unsupported('page object not found');
    const type = f.get(page.get('Type'));
    if (type instanceof PdfName && type.name !== 'Page') throw new Unsupported('not a page object');
    let resources: PdfDict | undefined;
    for (let d: PdfDict | undefined = page, i = 0; d && i < 64; d = f.dict(d.get('Parent')), i++) {
      resources = f.dict(d.get('Resources'));
      if (resources) break;
    }
    const contents = f.get(page.get('Contents'));
    const streams: PdfStream[] = [];
    const list = Array.isArray(contents) ? contents : contents === undefined || contents === null ? [] : [contents];
    for (const c of list) {
      const s = f.get(c);
      if (s instanceof PdfStream) streams.push(s);
      else if (s !== null && s !== undefined) throw new Unsupported('bad page contents');
    }
    const sink = new PathSink();
    // Content streams of one page are one stream split at token boundaries.
    const parts = streams.map((s) => this.decodeStream(s));
    const total = parts.reduce((n, p) => n + p.length + 1, 0);
    const joined = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
      joined[at++] = 10;
    }
    this.run(joined, resources, { ctm: [1, 0, 0, 1, 0, 0], strokeWhite: false, fillWhite: false }, sink, 0);
    return sink.rules;
  }

  private decodeStream(s: PdfStream): Uint8Array {
    let d = this.decoded.get(s);
    if (!d) {
      d = this.file.decode(s);
      if (d.length > MAX_CONTENT_BYTES) throw new Unsupported('content too large');
      this.decoded.set(s, d);
    }
    return d;
  }

  private run(b: Uint8Array, resources: PdfDict | undefined, gs0: GState, sink: PathSink, depth: number): void {
    const n = b.length;
    let gs: GState = { ...gs0 };
    const stack: GState[] = [];
    // Operand stack: numbers (NaN for anything else); the last name apart.
    // (No Array.push here: pdfjs's legacy build polyfills it, slowly.)
    const nums = new Float64Array(MAX_OPERANDS);
    let nOps = 0;
    let lastName: string | null = null;
    const pushNum = (v: number): void => {
      if (nOps === MAX_OPERANDS) {
        nums.copyWithin(0, 1);
        nOps--;
      }
      nums[nOps++] = v;
    };
    let p = 0;
    const num = (i: number): number => (i <= nOps ? nums[nOps - i] : NaN);
    const tx = (x: number, y: number): [number, number] => {
      const m = gs.ctm;
      return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
    };
    while (p < n) {
      const c = b[p];
      if (WS[c]) {
        p++;
        continue;
      }
      if (c === 0x25) {
        while (p < n && b[p] !== 10 && b[p] !== 13) p++;
        continue;
      }
      if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e) {
        const s = p;
        p++;
        while (p < n && ((b[p] >= 0x30 && b[p] <= 0x39) || b[p] === 0x2e)) p++;
        let v = 0;
        // Fast decimal parse.
        let i = s;
        let neg = false;
        if (b[i] === 0x2d) {
          neg = true;
          i++;
        } else if (b[i] === 0x2b) i++;
        let frac = 0;
        let scale = 1;
        for (; i < p; i++) {
          const d = b[i];
          if (d === 0x2e) {
            if (frac) break;
            frac = 1;
            continue;
          }
          if (frac) {
            scale /= 10;
            v += (d - 0x30) * scale;
          } else v = v * 10 + (d - 0x30);
        }
        pushNum(neg ? -v : v);
        continue;
      }
      if (c === 0x2f) {
        const s = ++p;
        while (p < n && !WS[b[p]] && !DELIM[b[p]]) p++;
        let name = '';
        for (let i = s; i < p; i++) name += String.fromCharCode(b[i]);
        lastName = name;
        pushNum(NaN);
        continue;
      }
      if (c === 0x28) {
        p = skipString(b, p);
        pushNum(NaN);
        continue;
      }
      if (c === 0x3c) {
        if (b[p + 1] === 0x3c) p = skipDict(b, p);
        else {
          const e = b.indexOf(0x3e, p);
          p = e < 0 ? n : e + 1;
        }
        pushNum(NaN);
        continue;
      }
      if (c === 0x5b) {
        p = skipArray(b, p);
        pushNum(NaN);
        continue;
      }
      if (DELIM[c]) {
        p++;
        continue;
      }
      // An operator.
      const s = p;
      while (p < n && !WS[b[p]] && !DELIM[b[p]]) p++;
      const len = p - s;
      const o0 = b[s];
      const o1 = len > 1 ? b[s + 1] : 0;
      const o2 = len > 2 ? b[s + 2] : 0;
      if (len === 1) {
        switch (o0) {
          case 0x71 /* q */:
            stack.push(gs);
            gs = { ...gs };
            break;
          case 0x51 /* Q */:
            gs = stack.pop() ?? gs;
            break;
          case 0x6d /* m */: {
            const [x, y] = tx(num(2), num(1));
            sink.moveTo(x, y);
            break;
          }
          case 0x6c /* l */: {
            const [x, y] = tx(num(2), num(1));
            sink.lineTo(x, y);
            break;
          }
          case 0x63 /* c */: {
            const [x, y] = tx(num(2), num(1));
            sink.curveTo(x, y);
            break;
          }
          case 0x76 /* v */:
          case 0x79 /* y */: {
            const [x, y] = tx(num(2), num(1));
            sink.curveTo(x, y);
            break;
          }
          case 0x68 /* h */:
            sink.close();
            break;
          case 0x53 /* S */:
            if (gs.strokeWhite) sink.discard();
            else sink.paint(true, false);
            break;
          case 0x73 /* s */:
            sink.close();
            if (gs.strokeWhite) sink.discard();
            else sink.paint(true, false);
            break;
          case 0x66 /* f */:
          case 0x46 /* F */:
            if (gs.fillWhite) sink.discard();
            else sink.paint(false, true);
            break;
          case 0x42 /* B */:
          case 0x62 /* b */:
            if (o0 === 0x62) sink.close();
            if (gs.strokeWhite) sink.paint(false, !gs.fillWhite);
            else sink.paint(true, false);
            break;
          case 0x6e /* n */:
            sink.discard();
            break;
          case 0x67 /* g */:
            gs.fillWhite = num(1) >= 0.97;
            break;
          case 0x47 /* G */:
            gs.strokeWhite = num(1) >= 0.97;
            break;
          case 0x6b /* k */:
            gs.fillWhite = num(4) <= 0.03 && num(3) <= 0.03 && num(2) <= 0.03 && num(1) <= 0.03;
            break;
          case 0x4b /* K */:
            gs.strokeWhite = num(4) <= 0.03 && num(3) <= 0.03 && num(2) <= 0.03 && num(1) <= 0.03;
            break;
          case 0x77 /* w */:
            break;
        }
      } else if (len === 2) {
        if (o0 === 0x63 && o1 === 0x6d /* cm */) {
          const m: Matrix = [num(6), num(5), num(4), num(3), num(2), num(1)];
          if (m.every((v) => Number.isFinite(v))) gs.ctm = mul(m, gs.ctm);
        } else if (o0 === 0x72 && o1 === 0x65 /* re */) {
          sink.rect(gs.ctm, num(4), num(3), num(2), num(1));
        } else if (o0 === 0x66 && o1 === 0x2a /* f* */) {
          if (gs.fillWhite) sink.discard();
          else sink.paint(false, true);
        } else if ((o0 === 0x42 || o0 === 0x62) && o1 === 0x2a /* B* b* */) {
          if (o0 === 0x62) sink.close();
          if (gs.strokeWhite) sink.paint(false, !gs.fillWhite);
          else sink.paint(true, false);
        } else if (o0 === 0x72 && o1 === 0x67 /* rg */) {
          gs.fillWhite = num(3) >= 0.97 && num(2) >= 0.97 && num(1) >= 0.97;
        } else if (o0 === 0x52 && o1 === 0x47 /* RG */) {
          gs.strokeWhite = num(3) >= 0.97 && num(2) >= 0.97 && num(1) >= 0.97;
        } else if (o0 === 0x73 && o1 === 0x63 /* sc */) {
          gs.fillWhite = isWhiteComponents(nums, nOps);
        } else if (o0 === 0x53 && o1 === 0x43 /* SC */) {
          gs.strokeWhite = isWhiteComponents(nums, nOps);
        } else if (o0 === 0x44 && o1 === 0x6f /* Do */) {
          if (lastName !== null && depth < MAX_FORM_DEPTH) this.drawForm(lastName, resources, gs, sink, depth);
        } else if (o0 === 0x42 && o1 === 0x49 /* BI */) {
          p = skipInlineImage(b, p);
        }
      } else if (len === 3) {
        if (o0 === 0x73 && o1 === 0x63 && o2 === 0x6e /* scn */) gs.fillWhite = isWhiteComponents(nums, nOps);
        else if (o0 === 0x53 && o1 === 0x43 && o2 === 0x4e /* SCN */) gs.strokeWhite = isWhiteComponents(nums, nOps);
      }
      nOps = 0;
      lastName = null;
    }
  }

  private drawForm(name: string, resources: PdfDict | undefined, gs: GState, sink: PathSink, depth: number): void {
    const f = this.file;
    const xobjects = f.dict(resources?.get('XObject'));
    const xo = f.get(xobjects?.get(name));
    if (!(xo instanceof PdfStream)) return;
    const subtype = f.get(xo.dict.get('Subtype'));
    if (!(subtype instanceof PdfName) || subtype.name !== 'Form') return;
    const matrix = f.get(xo.dict.get('Matrix'));
    let ctm = gs.ctm;
    if (Array.isArray(matrix) && matrix.length === 6) {
      const m = matrix.map((v) => Number(f.get(v))) as Matrix;
      if (m.every((v) => Number.isFinite(v))) ctm = mul(m, ctm);
    }
    const formResources = f.dict(xo.dict.get('Resources')) ?? resources;
    this.run(this.decodeStream(xo), formResources, { ...gs, ctm }, sink, depth + 1);
  }
}

function isWhiteComponents(stack: Float64Array, n: number): boolean {
  const v: number[] = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(stack[i])) v[v.length] = stack[i];
  if (v.length === 1) return v[0] >= 0.97;
  if (v.length === 3) return v.every((x) => x >= 0.97);
  if (v.length === 4) return v.every((x) => x <= 0.03);
  return false;
}

function skipString(b: Uint8Array, p: number): number {
  let depth = 0;
  const n = b.length;
  for (; p < n; p++) {
    const c = b[p];
    if (c === 0x5c) p++;
    else if (c === 0x28) depth++;
    else if (c === 0x29 && --depth === 0) return p + 1;
  }
  return n;
}

function skipDict(b: Uint8Array, p: number): number {
  let depth = 0;
  const n = b.length;
  while (p < n) {
    const c = b[p];
    if (c === 0x3c && b[p + 1] === 0x3c) {
      depth++;
      p += 2;
    } else if (c === 0x3e && b[p + 1] === 0x3e) {
      depth--;
      p += 2;
      if (depth === 0) return p;
    } else if (c === 0x28) p = skipString(b, p);
    else p++;
  }
  return n;
}

function skipArray(b: Uint8Array, p: number): number {
  let depth = 0;
  const n = b.length;
  while (p < n) {
    const c = b[p];
    if (c === 0x5b) {
      depth++;
      p++;
    } else if (c === 0x5d) {
      p++;
      if (--depth === 0) return p;
    } else if (c === 0x28) p = skipString(b, p);
    else if (c === 0x3c && b[p + 1] !== 0x3c) {
      const e = b.indexOf(0x3e, p);
      p = e < 0 ? n : e + 1;
    } else p++;
  }
  return n;
}

/** After `BI`: skip the inline image's dictionary and data up to `EI`. */
function skipInlineImage(b: Uint8Array, p: number): number {
  const n = b.length;
  // Find " ID" then the data, ended by whitespace + "EI" + whitespace/end.
  let i = p;
  for (; i + 2 < n; i++) {
    if (b[i] === 0x49 && b[i + 1] === 0x44 && WS[b[i - 1]] && (WS[b[i + 2]] || i + 2 === n)) break;
  }
  for (i += 3; i + 1 < n; i++) {
    if (b[i] === 0x45 && b[i + 1] === 0x49 && WS[b[i - 1]] && (i + 2 >= n || WS[b[i + 2]] || DELIM[b[i + 2]])) {
      return i + 2;
    }
  }
  return n;
}

// --- pdfjs operator list ----------------------------------------------------

/** The subset of pdfjs's OPS table used here. */
export interface OpsTable {
  [name: string]: number;
}

/**
 * Rules from a pdfjs operator list (pdfjs 5: `constructPath` carries the
 * painting operator, a flat path with DrawOPS codes, and a bounding box).
 */
export function operatorListRules(fnArray: number[], argsArray: unknown[], OPS: OpsTable): Rules {
  const sink = new PathSink();
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  let strokeWhite = false;
  let fillWhite = false;
  const stack: { ctm: Matrix; strokeWhite: boolean; fillWhite: boolean }[] = [];
  const formStack: Matrix[] = [];
  const paintKind = new Map<number, [boolean, boolean]>([
    [OPS.stroke, [true, false]],
    [OPS.closeStroke, [true, false]],
    [OPS.fill, [false, true]],
    [OPS.eoFill, [false, true]],
    [OPS.fillStroke, [true, true]],
    [OPS.eoFillStroke, [true, true]],
    [OPS.closeFillStroke, [true, true]],
    [OPS.closeEOFillStroke, [true, true]],
  ]);
  const isWhiteHex = (v: unknown): boolean => {
    if (typeof v === 'string' && /^#[0-9a-f]{6}$/i.test(v)) {
      return [1, 3, 5].every((i) => parseInt(v.slice(i, i + 2), 16) >= 247);
    }
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const a = Array.from(v as ArrayLike<number>);
      return a.length >= 3 && a.slice(0, 3).every((x) => x >= 247);
    }
    return false;
  };
  for (let i = 0; i < fnArray.length; i++) {
    const fn = fnArray[i];
    const args = argsArray[i] as unknown[] | null;
    switch (fn) {
      case OPS.save:
        stack.push({ ctm, strokeWhite, fillWhite });
        break;
      case OPS.restore: {
        const s = stack.pop();
        if (s) ({ ctm, strokeWhite, fillWhite } = s);
        break;
      }
      case OPS.transform:
        if (args) ctm = mul(args as number[], ctm);
        break;
      case OPS.paintFormXObjectBegin: {
        formStack.push(ctm);
        const m = args?.[0] as number[] | null | undefined;
        if (m && m.length === 6) ctm = mul(Array.from(m), ctm);
        break;
      }
      case OPS.paintFormXObjectEnd:
        ctm = formStack.pop() ?? ctm;
        break;
      case OPS.setStrokeRGBColor:
        strokeWhite = isWhiteHex(args?.[0] ?? args);
        break;
      case OPS.setFillRGBColor:
        fillWhite = isWhiteHex(args?.[0] ?? args);
        break;
      case OPS.constructPath: {
        if (!args) break;
        const op = args[0] as number;
        const data = (args[1] as ArrayLike<number>[] | null)?.[0];
        const kind = paintKind.get(op);
        if (!kind || !data) break;
        const [stroke, fill] = kind;
        if ((stroke && strokeWhite) || (!stroke && fill && fillWhite)) break;
        const t = (x: number, y: number): [number, number] => [
          ctm[0] * x + ctm[2] * y + ctm[4],
          ctm[1] * x + ctm[3] * y + ctm[5],
        ];
        for (let k = 0; k < data.length; ) {
          const code = data[k++];
          if (code === 0) {
            const [x, y] = t(data[k++], data[k++]);
            sink.moveTo(x, y);
          } else if (code === 1) {
            const [x, y] = t(data[k++], data[k++]);
            sink.lineTo(x, y);
          } else if (code === 2) {
            k += 4;
            const [x, y] = t(data[k++], data[k++]);
            sink.curveTo(x, y);
          } else if (code === 3) {
            k += 2;
            const [x, y] = t(data[k++], data[k++]);
            sink.curveTo(x, y);
          } else if (code === 4) {
            sink.close();
          } else break;
        }
        if (op === OPS.closeStroke || op === OPS.closeFillStroke || op === OPS.closeEOFillStroke) sink.close();
        sink.paint(stroke, fill);
        break;
      }
    }
  }
  return sink.rules;
}

