/**
 * What a PDF's streams decode to, measured before pdf.js sees the file.
 *
 * pdf.js inflates FlateDecode (and LZW) streams itself, into typed arrays
 * that live outside the JavaScript heap: a worker's heap limit does not hold
 * them, and a 1 MB file whose content stream inflates to 1 GiB took 2.2 GB.
 * So every compressed stream of the file is found by its `stream` keyword
 * (not through the cross-reference table, which a damaged file may not
 * have: pdf.js then finds the objects by scanning too), and inflated here
 * by zlib with a ceiling on its output; a stream or a file decoding to more
 * than the limits is refused before pdf.js is handed it. No file is too
 * small to be measured: filters chain ([/FlateDecode /FlateDecode]), and
 * their ratios multiply.
 *
 * Image streams are left out: pdf.js decodes them only for an operator
 * list, and then no more pixels than `maxImageSize` (see pdf.ts).
 * Encrypted streams cannot be measured (their bytes are not deflate data
 * until decrypted): pdf.js decodes those under the worker's limits only.
 */
import { inflateSync, constants as zlib } from 'node:zlib';
import { DocumentError } from '../ir.js';

/** One stream decoding to more than this is refused (the national sample's largest: 1 MB). */
export const MAX_STREAM_BYTES = 64 * 1024 * 1024;
/** All streams of a file, decoded, beyond this: refused (the national sample's largest document: 7 MB in all). */
export const MAX_DECODED_BYTES = 256 * 1024 * 1024;

const MB = 1024 * 1024;

export interface StreamLimits {
  stream: number;
  total: number;
}

interface FoundStream {
  /** Offset of the stream's first data byte. */
  start: number;
  /** Offset just past its data (before `endstream`, or the end of the file). */
  end: number;
  /** The object's number, when found: for the reason. */
  object?: string;
  filters: string[];
  image: boolean;
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** The filter names of a stream dictionary, in order, with their abbreviations spelt out. */
function filtersOf(dict: string): string[] {
  const m = /\/Filter\s*(\[[^\]]*\]|\/[A-Za-z0-9]+)/.exec(dict);
  if (!m) return [];
  const names = m[1].match(/\/[A-Za-z0-9]+/g) ?? [];
  const full: Record<string, string> = { Fl: 'FlateDecode', LZW: 'LZWDecode', AHx: 'ASCIIHexDecode', A85: 'ASCII85Decode', RL: 'RunLengthDecode' };
  return names.map((n) => full[n.slice(1)] ?? n.slice(1));
}

/** Every `stream … endstream` of the file with its dictionary's filters, found by scanning. */
export function findStreams(bytes: Uint8Array): FoundStream[] {
  const text = latin1(bytes);
  const found: FoundStream[] = [];
  const keyword = /stream(\r\n|\n|\r)/g;
  let previousEnd = 0;
  for (let m = keyword.exec(text); m; m = keyword.exec(text)) {
    const at = m.index;
    // `endstream` followed by a newline is not a start; nor is a stream keyword inside the previous stream's data
    if (at >= 3 && text.startsWith('end', at - 3)) continue;
    if (at < previousEnd) continue;
    // its dictionary: back to the object's start (`N G obj`), at most 16 KB back
    const head = text.slice(Math.max(previousEnd, at - 16384), at);
    const obj = head.lastIndexOf(' obj');
    const dict = obj >= 0 ? head.slice(obj) : head;
    if (!/>>\s*$/.test(dict)) continue; // `stream` as a word of some text, not a stream
    const objectNumber = obj >= 0 ? /(\d+)\s+\d+\s*$/.exec(head.slice(Math.max(0, obj - 24), obj))?.[1] : undefined;
    const start = at + m[0].length;
    const endAt = text.indexOf('endstream', start);
    const end = endAt < 0 ? text.length : endAt;
    found.push({ start, end, object: objectNumber, filters: filtersOf(dict), image: /\/Subtype\s*\/Image\b/.test(dict) });
    previousEnd = end;
    keyword.lastIndex = end;
  }
  return found;
}

/** Thrown inside decode when the output would pass the ceiling. */
class TooLarge extends Error {}

/**
 * LZW as the PDF filter defines it (9–12-bit codes, early change), the
 * output's length only up to `ceiling` bytes, the bytes themselves only
 * when `keep` (another filter follows).
 */
function lzwDecode(data: Uint8Array, ceiling: number, keep: boolean): Uint8Array | number {
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Int32Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    length[i] = 1;
  }
  let next = 258;
  let width = 9;
  let previous = -1;
  let total = 0;
  let out = new Uint8Array(keep ? 65536 : 0);
  let bits = 0;
  let buffer = 0;
  const emit = (code: number) => {
    const start = total;
    total += length[code];
    if (total > ceiling) throw new TooLarge();
    if (!keep) return;
    if (total > out.length) {
      const grown = new Uint8Array(Math.min(ceiling, Math.max(total, out.length * 2)));
      grown.set(out.subarray(0, start));
      out = grown;
    }
    for (let c = code, k = total - 1; c >= 0 && k >= start; c = prefix[c], k--) out[k] = suffix[c];
  };
  const result = () => (keep ? out.slice(0, total) : total);
  const first = (code: number) => {
    let c = code;
    while (prefix[c] >= 0) c = prefix[c];
    return suffix[c];
  };
  for (let i = 0; i < data.length; i++) {
    buffer = ((buffer << 8) | data[i]) & 0xffffff;
    bits += 8;
    while (bits >= width) {
      const code = (buffer >> (bits - width)) & ((1 << width) - 1);
      bits -= width;
      if (code === 256) {
        next = 258;
        width = 9;
        previous = -1;
        continue;
      }
      if (code === 257) return result();
      if (previous < 0) {
        if (code > 255) return result(); // damaged: pdf.js stops too
        emit(code);
        previous = code;
        continue;
      }
      let entry: number;
      if (code < next) {
        entry = code;
        if (next < 4096) {
          prefix[next] = previous;
          suffix[next] = first(code);
          length[next] = length[previous] + 1;
          next++;
        }
      } else {
        if (next >= 4096) return result();
        prefix[next] = previous;
        suffix[next] = first(previous);
        length[next] = length[previous] + 1;
        entry = next++;
      }
      emit(entry);
      previous = entry;
      if (next + 1 >= 1 << width && width < 12) width++;
    }
  }
  return result();
}

/** ASCIIHexDecode: hex digits to bytes, white space skipped, up to `>`. */
function asciiHexDecode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array((data.length >> 1) + 1);
  let n = 0;
  let high = -1;
  for (const c of data) {
    if (c === 0x3e) break; // >
    const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 55 : c >= 0x61 && c <= 0x66 ? c - 87 : -1;
    if (v < 0) continue;
    if (high < 0) high = v;
    else {
      out[n++] = (high << 4) | v;
      high = -1;
    }
  }
  if (high >= 0) out[n++] = high << 4;
  return out.subarray(0, n);
}

/** ASCII85Decode: groups of five characters to four bytes, `z` for four zeros, up to `~>`. */
function ascii85Decode(data: Uint8Array, ceiling: number): Uint8Array {
  // z spells four bytes: at most four times the input, never more than the ceiling
  const out = new Uint8Array(Math.min(data.length * 4, ceiling) + 8);
  let n = 0;
  let group = 0;
  let count = 0;
  for (const c of data) {
    if (c === 0x7e) break; // ~
    if (n + 4 > ceiling) throw new TooLarge();
    if (c === 0x7a && count === 0) {
      n += 4; // z: four zero bytes (the array is zero already)
      continue;
    }
    if (c < 0x21 || c > 0x75) continue;
    group = group * 85 + (c - 0x21);
    if (++count === 5) {
      for (let k = 3; k >= 0; k--) out[n + k] = (group >>> (8 * (3 - k))) & 0xff;
      n += 4;
      group = 0;
      count = 0;
    }
  }
  if (count > 1) {
    for (let k = count; k < 5; k++) group = group * 85 + 84;
    for (let k = 0; k < count - 1; k++) out[n + k] = (group >>> (8 * (3 - k))) & 0xff;
    n += count - 1;
  }
  return out.subarray(0, n);
}

/**
 * The decoded length of a stream's data through its filters, up to
 * `ceiling`; TooLarge beyond. Hex and base-85 text are decoded (they only
 * shrink, but hide what follows them); run-length expands at most 128:1;
 * an image codec ends the measure (see maxImageSize).
 */
function decodedLength(data: Uint8Array, filters: string[], ceiling: number): number {
  let current: Uint8Array = data;
  for (let i = 0; i < filters.length; i++) {
    const last = i === filters.length - 1;
    const filter = filters[i];
    if (filter === 'FlateDecode') {
      try {
        // a stream cut short is read as far as it goes, as pdf.js does
        current = inflateSync(current, { maxOutputLength: ceiling + 1, finishFlush: zlib.Z_SYNC_FLUSH });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new TooLarge();
        return current === data ? 0 : current.length; // not deflate data (damaged, or encrypted): pdf.js finds no more
      }
      if (current.length > ceiling) throw new TooLarge();
    } else if (filter === 'LZWDecode') {
      const decoded = lzwDecode(current, ceiling, !last);
      if (typeof decoded === 'number') return decoded;
      current = decoded;
    } else if (filter === 'ASCIIHexDecode') {
      current = asciiHexDecode(current);
    } else if (filter === 'ASCII85Decode') {
      current = ascii85Decode(current, ceiling);
    } else if (filter === 'RunLengthDecode') {
      if (current.length * 128 > ceiling) throw new TooLarge();
      return current.length * 128;
    } else {
      return current.length; // image codecs (DCT, JPX, JBIG2, CCITT): bounded by maxImageSize
    }
  }
  return current.length;
}

/**
 * Refuses a PDF whose streams decode to more than the limits, with a reason
 * that names the limit and the stream.
 */
export function checkDecodedSizes(bytes: Uint8Array, limits: StreamLimits = { stream: MAX_STREAM_BYTES, total: MAX_DECODED_BYTES }): void {
  let total = 0;
  for (const s of findStreams(bytes)) {
    if (s.image || s.filters.length === 0) continue;
    const ceiling = Math.min(limits.stream, limits.total - total);
    const name = s.object ? `stream ${s.object}` : `the stream at byte ${s.start}`;
    try {
      total += decodedLength(bytes.subarray(s.start, s.end), s.filters, ceiling);
    } catch (e) {
      if (!(e instanceof TooLarge)) throw e;
      if (ceiling === limits.stream) {
        throw new DocumentError(
          `the PDF is not safe to read: its ${name} decodes to more than ${limits.stream / MB} MB, the limit for one stream ` +
            '(a page of a budget disclosure decodes to a few MB; this is a damaged file or a "zip bomb")',
          'pdf-too-large',
        );
      }
      throw new DocumentError(
        `the PDF is not safe to read: its streams decode to more than ${limits.total / MB} MB together, the limit for one document ` +
          '(a budget disclosure decodes to some tens of MB; this is a damaged file or a "zip bomb")',
        'pdf-too-large',
      );
    }
  }
}
