/**
 * A small, read-only PDF object reader: just enough to find a page's content
 * streams (and the form XObjects they draw) and inflate them, so that the
 * ruling lines of tables can be read without pdfjs's operator list, which
 * costs as much as the text extraction itself (it builds every glyph).
 *
 * It understands classic xref tables, xref streams, object streams and the
 * FlateDecode filter with PNG/TIFF predictors. Anything else (other filters,
 * encryption, a damaged xref with nothing to recover) makes it give up with
 * an exception, and the caller falls back to pdfjs's operator list.
 */
import { inflateSync, constants as zlibConstants } from 'node:zlib';

export class PdfName {
  constructor(readonly name: string) {}
}
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}
export type PdfDict = Map<string, PdfValue>;
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    /** Offset of the first byte of the (encoded) stream data in the file. */
    readonly start: number,
    /** Offset just past the last byte of the stream data. */
    readonly end: number,
    /** The bytes the stream lives in (the file, or a decoded object stream). */
    readonly bytes: Uint8Array,
  ) {}
}
export type PdfValue =
  | number
  | boolean
  | null
  | string
  | PdfName
  | PdfRef
  | PdfValue[]
  | PdfDict
  | PdfStream;

export class Unsupported extends Error {}

// Character classes of the PDF syntax.
const WS = new Uint8Array(256);
for (const c of [0, 9, 10, 12, 13, 32]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;

function isRegular(c: number): boolean {
  return WS[c] === 0 && DELIM[c] === 0;
}

/** A lexer/parser of PDF objects over a byte array. */
export class ObjParser {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos;
  }

  skipWs(): void {
    const b = this.bytes;
    const n = b.length;
    let p = this.pos;
    for (;;) {
      while (p < n && WS[b[p]] === 1) p++;
      if (p < n && b[p] === 0x25 /* % */) {
        while (p < n && b[p] !== 10 && b[p] !== 13) p++;
        continue;
      }
      break;
    }
    this.pos = p;
  }

  /** The next regular token (keyword or number) as a string, without consuming. */
  peekWord(): string {
    this.skipWs();
    const at = this.pos;
    const word = this.readWord();
    this.pos = at;
    return word;
  }

  readWord(): string {
    this.skipWs();
    const b = this.bytes;
    const s = this.pos;
    let p = s;
    while (p < b.length && isRegular(b[p])) p++;
    this.pos = p;
    return latin1(b, s, p);
  }

  /** Parses one object; `a b R` references are recognized. */
  parse(depth = 0): PdfValue {
    if (depth > 64) throw new Unsupported('nesting too deep');
    this.skipWs();
    const b = this.bytes;
    if (this.pos >= b.length) throw new Unsupported('unexpected end of data');
    const c = b[this.pos];
    switch (c) {
      case 0x2f /* / */: {
        let p = this.pos + 1;
        const s = p;
        while (p < b.length && isRegular(b[p])) p++;
        this.pos = p;
        let name = latin1(b, s, p);
        if (name.includes('#')) {
          name = name.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
        }
        return new PdfName(name);
      }
      case 0x28 /* ( */:
        return this.readLiteralString();
      case 0x3c /* < */: {
        if (b[this.pos + 1] === 0x3c) {
          this.pos += 2;
          const dict: PdfDict = new Map();
          for (;;) {
            this.skipWs();
            if (this.pos >= b.length) throw new Unsupported('unterminated dictionary');
            if (b[this.pos] === 0x3e && b[this.pos + 1] === 0x3e) {
              this.pos += 2;
              break;
            }
            const key = this.parse(depth + 1);
            if (!(key instanceof PdfName)) throw new Unsupported('dictionary key is not a name');
            const value = this.parse(depth + 1);
            dict.set(key.name, value);
          }
          return dict;
        }
        const end = b.indexOf(0x3e, this.pos);
        if (end < 0) throw new Unsupported('unterminated hex string');
        const s = latin1(b, this.pos + 1, end);
        this.pos = end + 1;
        return s;
      }
      case 0x5b /* [ */: {
        this.pos++;
        const arr: PdfValue[] = [];
        for (;;) {
          this.skipWs();
          if (this.pos >= b.length) throw new Unsupported('unterminated array');
          if (b[this.pos] === 0x5d) {
            this.pos++;
            break;
          }
          arr.push(this.parse(depth + 1));
        }
        return arr;
      }
      default: {
        const word = this.readWord();
        if (word === '') {
          this.pos++;
          throw new Unsupported(`unexpected character ${String.fromCharCode(c)}`);
        }
        if (word === 'true') return true;
        if (word === 'false') return false;
        if (word === 'null') return null;
        const num = Number(word);
        if (Number.isNaN(num)) throw new Unsupported(`unexpected keyword ${word}`);
        // `num gen R`?
        if (Number.isInteger(num) && num >= 0) {
          const save = this.pos;
          const w2 = this.readWord();
          if (/^\d+$/.test(w2)) {
            const w3 = this.readWord();
            if (w3 === 'R') return new PdfRef(num, Number(w2));
          }
          this.pos = save;
        }
        return num;
      }
    }
  }

  private readLiteralString(): string {
    const b = this.bytes;
    let p = this.pos + 1;
    let depth = 1;
    const s = p;
    while (p < b.length) {
      const c = b[p];
      if (c === 0x5c) p += 2;
      else {
        if (c === 0x28) depth++;
        else if (c === 0x29 && --depth === 0) break;
        p++;
      }
    }
    if (depth !== 0) throw new Unsupported('unterminated string');
    this.pos = p + 1;
    return latin1(b, s, p);
  }
}

export function latin1(b: Uint8Array, s: number, e: number): string {
  if (e - s < 64) {
    let out = '';
    for (let i = s; i < e; i++) out += String.fromCharCode(b[i]);
    return out;
  }
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
}

interface XrefEntry {
  /** 1: at a file offset; 2: inside an object stream. */
  type: 1 | 2;
  offset: number; // type 1: file offset; type 2: object stream number
  index: number; // type 2: index within the object stream
}

const MAX_DECODED = 64 * 1024 * 1024;

/** A decoded object stream: object number → index, index → offset. */
interface ObjStream {
  bytes: Uint8Array;
  offsets: Map<number, number>;
  byIndex: number[];
}

/** A PDF file's objects, resolved lazily. */
export class PdfFile {
  private readonly xref = new Map<number, XrefEntry>();
  private readonly cache = new Map<number, PdfValue>();
  private readonly objStreams = new Map<number, ObjStream>();
  trailer: PdfDict = new Map();

  constructor(readonly bytes: Uint8Array) {
    try {
      this.readXrefChain();
    } catch {
      this.xref.clear();
      this.trailer = new Map();
    }
    if (this.xref.size === 0) this.scanObjects();
    if (this.trailer.has('Encrypt')) throw new Unsupported('encrypted');
  }

  get(v: PdfValue | undefined): PdfValue | undefined {
    let guard = 0;
    while (v instanceof PdfRef) {
      if (++guard > 32) throw new Unsupported('reference loop');
      v = this.object(v.num);
    }
    return v;
  }

  dict(v: PdfValue | undefined): PdfDict | undefined {
    const r = this.get(v);
    if (r instanceof Map) return r;
    if (r instanceof PdfStream) return r.dict;
    return undefined;
  }

  object(num: number): PdfValue | undefined {
    if (this.cache.has(num)) return this.cache.get(num);
    const e = this.xref.get(num);
    let v: PdfValue | undefined;
    if (!e) v = undefined;
    else if (e.type === 1) v = this.readIndirect(this.bytes, e.offset, num);
    else v = this.readFromObjStream(e.offset, e.index);
    this.cache.set(num, v ?? null);
    return v;
  }

  /** The decoded bytes of a stream (FlateDecode only, with predictors). */
  decode(s: PdfStream): Uint8Array {
    let data = s.bytes.subarray(s.start, s.end);
    const filters = this.get(s.dict.get('Filter'));
    const params = this.get(s.dict.get('DecodeParms'));
    const fl = filters === undefined || filters === null ? [] : Array.isArray(filters) ? filters : [filters];
    const pl = Array.isArray(params) ? params : [params];
    fl.forEach((f, i) => {
      const name = this.get(f);
      if (!(name instanceof PdfName)) throw new Unsupported('bad filter');
      if (name.name !== 'FlateDecode' && name.name !== 'Fl') throw new Unsupported(`filter ${name.name}`);
      data = inflate(data);
      const p = this.dict(pl[i] ?? undefined);
      if (p) data = unpredict(data, p, this);
    });
    return data;
  }

  // --- xref -----------------------------------------------------------------

  private readXrefChain(): void {
    const b = this.bytes;
    const tail = latin1(b, Math.max(0, b.length - 2048), b.length);
    const m = /startxref\s+(\d+)\s*%%EOF[\s\S]*$/.exec(tail) ?? /startxref\s+(\d+)/.exec(tail);
    if (!m) throw new Unsupported('no startxref');
    let offset = Number(m[1]);
    const seen = new Set<number>();
    let first = true;
    while (offset >= 0 && offset < b.length && !seen.has(offset)) {
      seen.add(offset);
      const p = new ObjParser(b, offset);
      p.skipWs();
      let trailer: PdfDict;
      if (p.peekWord() === 'xref') {
        p.readWord();
        trailer = this.readXrefTable(p);
        const stm = trailer.get('XRefStm');
        if (typeof stm === 'number') this.readXrefStream(stm);
      } else {
        trailer = this.readXrefStream(offset);
      }
      if (first) {
        this.trailer = trailer;
        first = false;
      }
      const prev = trailer.get('Prev');
      offset = typeof prev === 'number' ? prev : -1;
    }
    if (!this.trailer.has('Root')) throw new Unsupported('no trailer');
  }

  /**
   * A classic xref table. Its syntax is rigid (subsection headers of two
   * integers, entries of offset, generation and n/f): anything else (bytes
   * overwritten or inserted by damage) makes it give up, and the objects are
   * found by scanning the file instead. (Reading on over garbage would not
   * end: a delimiter is an empty word that does not advance.)
   */
  private readXrefTable(p: ObjParser): PdfDict {
    const b = this.bytes;
    const digits = (w: string): number => {
      if (!/^\d{1,10}$/.test(w)) throw new Unsupported('damaged xref table');
      return Number(w);
    };
    for (;;) {
      const w = p.peekWord();
      if (w === 'trailer') {
        p.readWord();
        const t = p.parse();
        if (!(t instanceof Map)) throw new Unsupported('bad trailer');
        return t;
      }
      const start = digits(p.readWord());
      const count = digits(p.readWord());
      // An entry takes 20 bytes (at least 6 when sloppily written).
      if (count * 6 > b.length - p.pos) throw new Unsupported('xref subsection longer than the file');
      for (let i = 0; i < count; i++) {
        const off = digits(p.readWord());
        digits(p.readWord()); // generation
        const kind = p.readWord();
        if (kind !== 'n' && kind !== 'f') throw new Unsupported('damaged xref entry');
        const num = start + i;
        if (kind === 'n' && off > 0 && !this.xref.has(num)) this.xref.set(num, { type: 1, offset: off, index: 0 });
        else if (kind === 'f' && !this.xref.has(num)) this.xref.set(num, { type: 1, offset: -1, index: 0 });
      }
    }
  }

  private readXrefStream(offset: number): PdfDict {
    const s = this.readIndirect(this.bytes, offset, undefined);
    if (!(s instanceof PdfStream)) throw new Unsupported('bad xref stream');
    const w = this.get(s.dict.get('W'));
    if (!Array.isArray(w) || w.length < 3) throw new Unsupported('bad xref stream');
    const [w0, w1, w2] = w.map((x) => Number(this.get(x)));
    const size = Number(this.get(s.dict.get('Size')));
    const index = this.get(s.dict.get('Index'));
    const ranges: number[] = Array.isArray(index) ? index.map((x) => Number(this.get(x))) : [0, size];
    const rec = w0 + w1 + w2;
    if (![w0, w1, w2].every((x) => Number.isInteger(x) && x >= 0 && x <= 8) || rec === 0) throw new Unsupported('bad xref stream widths');
    if (!ranges.every((x) => Number.isInteger(x) && x >= 0)) throw new Unsupported('bad xref stream index');
    const data = this.decode(s);
    let p = 0;
    const field = (len: number, def: number): number => {
      if (len === 0) return def;
      let v = 0;
      for (let i = 0; i < len; i++) v = v * 256 + data[p++];
      return v;
    };
    for (let r = 0; r + 1 < ranges.length && p + rec <= data.length; r += 2) {
      for (let i = 0; i < ranges[r + 1]; i++) {
        if (p + rec > data.length) break;
        const type = field(w0, 1);
        const f1 = field(w1, 0);
        const f2 = field(w2, 0);
        const num = ranges[r] + i;
        if (this.xref.has(num)) continue;
        if (type === 1) this.xref.set(num, { type: 1, offset: f1, index: 0 });
        else if (type === 2) this.xref.set(num, { type: 2, offset: f1, index: f2 });
        else this.xref.set(num, { type: 1, offset: -1, index: 0 });
      }
    }
    return s.dict;
  }

  /** Without a usable xref: find every `n g obj` in the file (last one wins). */
  private scanObjects(): void {
    const text = latin1(this.bytes, 0, this.bytes.length);
    const re = /(\d{1,9})\s+(\d{1,5})\s+obj\b/g;
    let m: RegExpExecArray | null;
    let trailerAt = -1;
    while ((m = re.exec(text))) {
      const before = m.index > 0 ? text.charCodeAt(m.index - 1) : 10;
      if (before >= 0x30 && before <= 0x39) continue;
      this.xref.set(Number(m[1]), { type: 1, offset: m.index, index: 0 });
    }
    for (let i = text.lastIndexOf('trailer'); i >= 0; i = text.lastIndexOf('trailer', i - 1)) {
      trailerAt = i;
      try {
        const t = new ObjParser(this.bytes, i + 7).parse();
        if (t instanceof Map && t.has('Root')) {
          this.trailer = t;
          break;
        }
      } catch {
        /* try an earlier one */
      }
    }
    if (trailerAt < 0 || !this.trailer.has('Root')) {
      // An xref stream's dictionary carries the trailer keys.
      for (const [num] of this.xref) {
        const d = this.dict(new PdfRef(num, 0));
        if (d && (d.get('Type') as PdfName | undefined)?.name === 'XRef' && d.has('Root')) {
          this.trailer = d;
          break;
        }
      }
    }
    // Objects inside object streams.
    for (const [num, e] of [...this.xref]) {
      if (e.type !== 1) continue;
      let os: ObjStream;
      try {
        const v = this.object(num);
        if (!(v instanceof PdfStream) || (v.dict.get('Type') as PdfName | undefined)?.name !== 'ObjStm') continue;
        os = this.objStream(num);
      } catch {
        continue; // a damaged object (stream): the others may still serve
      }
      for (const [inner, idx] of os.offsets) {
        if (!this.xref.has(inner)) this.xref.set(inner, { type: 2, offset: num, index: idx });
      }
    }
  }

  // --- objects --------------------------------------------------------------

  private readIndirect(bytes: Uint8Array, offset: number, expect: number | undefined): PdfValue | undefined {
    if (offset < 0 || offset >= bytes.length) return undefined;
    const p = new ObjParser(bytes, offset);
    const num = Number(p.readWord());
    p.readWord();
    if (p.readWord() !== 'obj') throw new Unsupported('bad object header');
    if (expect !== undefined && num !== expect) throw new Unsupported('xref points to the wrong object');
    const v = p.parse();
    if (v instanceof Map && p.peekWord() === 'stream') {
      p.readWord();
      // The data starts after CRLF or LF.
      let s = p.pos;
      if (bytes[s] === 13) s++;
      if (bytes[s] === 10) s++;
      let len = v.get('Length');
      if (len instanceof PdfRef) len = this.get(len);
      let end = -1;
      if (typeof len === 'number' && len >= 0 && s + len <= bytes.length) {
        const after = latin1(bytes, s + len, Math.min(bytes.length, s + len + 12));
        if (/^\s*endstream/.test(after)) end = s + len;
      }
      if (end < 0) {
        const i = indexOf(bytes, 'endstream', s);
        if (i < 0) throw new Unsupported('unterminated stream');
        end = i;
        while (end > s && (bytes[end - 1] === 10 || bytes[end - 1] === 13)) end--;
      }
      return new PdfStream(v, s, end, bytes);
    }
    return v;
  }

  private objStream(num: number): ObjStream {
    let os = this.objStreams.get(num);
    if (os) return os;
    const s = this.object(num);
    if (!(s instanceof PdfStream)) throw new Unsupported('bad object stream');
    const data = this.decode(s);
    const n = Number(this.get(s.dict.get('N')));
    const first = Number(this.get(s.dict.get('First')));
    // N pairs of integers, each at least 4 bytes ("1 0 "), before First.
    if (!Number.isInteger(n) || n < 0 || !Number.isInteger(first) || first < 0 || n * 4 > data.length) {
      throw new Unsupported('bad object stream header');
    }
    const p = new ObjParser(data, 0);
    const offsets = new Map<number, number>();
    const byIndex: number[] = [];
    for (let i = 0; i < n; i++) {
      const w1 = p.readWord();
      const w2 = p.readWord();
      if (!/^\d+$/.test(w1) || !/^\d+$/.test(w2)) throw new Unsupported('bad object stream header');
      offsets.set(Number(w1), i);
      byIndex.push(first + Number(w2));
    }
    os = { bytes: data, offsets, byIndex };
    this.objStreams.set(num, os);
    return os;
  }

  private readFromObjStream(streamNum: number, index: number): PdfValue | undefined {
    const os = this.objStream(streamNum);
    const at = os.byIndex[index];
    if (at === undefined) return undefined;
    return new ObjParser(os.bytes, at).parse();
  }
}

function indexOf(bytes: Uint8Array, needle: string, from: number): number {
  const first = needle.charCodeAt(0);
  outer: for (let i = bytes.indexOf(first, from); i >= 0; i = bytes.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (bytes[i + j] !== needle.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}

function inflate(data: Uint8Array): Uint8Array {
  try {
    return inflateSync(data, { maxOutputLength: MAX_DECODED });
  } catch {
    // Truncated or slightly damaged streams: keep what inflates.
    try {
      return inflateSync(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: MAX_DECODED });
    } catch {
      throw new Unsupported('damaged Flate stream');
    }
  }
}

function unpredict(data: Uint8Array, params: PdfDict, file: PdfFile): Uint8Array {
  const predictor = Number(file.get(params.get('Predictor')) ?? 1);
  if (!(predictor > 1)) return data;
  const colors = Number(file.get(params.get('Colors')) ?? 1) || 1;
  const bpc = Number(file.get(params.get('BitsPerComponent')) ?? 8) || 8;
  const columns = Number(file.get(params.get('Columns')) ?? 1) || 1;
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLen = Math.ceil((colors * bpc * columns) / 8);
  if (predictor === 2) {
    if (bpc !== 8) throw new Unsupported('TIFF predictor with bpc != 8');
    const out = new Uint8Array(data);
    for (let r = 0; r < out.length; r += rowLen) {
      for (let i = bpp; i < rowLen && r + i < out.length; i++) out[r + i] = (out[r + i] + out[r + i - bpp]) & 0xff;
    }
    return out;
  }
  // PNG predictors: each row starts with its filter type.
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = new Uint8Array(rows * rowLen);
  const prev = new Uint8Array(rowLen);
  for (let r = 0; r < rows; r++) {
    const src = r * (rowLen + 1);
    const type = data[src];
    const row = out.subarray(r * rowLen, (r + 1) * rowLen);
    for (let i = 0; i < rowLen; i++) {
      const x = data[src + 1 + i];
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      let v: number;
      switch (type) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4: {
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new Unsupported('bad PNG predictor');
      }
      row[i] = v & 0xff;
    }
    prev.set(row);
  }
  return out;
}
