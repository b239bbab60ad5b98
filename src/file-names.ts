/**
 * File names that are not UTF-8 (GBK names from a Chinese Windows zip,
 * Latin-1 names): a name is a string of bytes on Linux, and Node decodes it
 * as UTF-8, each invalid byte becoming U+FFFD — a name that no longer names
 * the file. Names read from a folder keep their bytes instead: each byte
 * that is not part of valid UTF-8 becomes a lone surrogate U+DC80–U+DCFF
 * (Python's "surrogateescape"), which valid UTF-8 never decodes to, so the
 * string maps back to the same bytes for the file system. Where a name is
 * shown or stored, each such byte is written \xNN.
 */

const ESCAPE_BASE = 0xdc00;

/** The length of the valid UTF-8 sequence at `i`, 0 when the byte there starts none. */
function sequenceLength(b: Uint8Array, i: number): number {
  const lead = b[i];
  if (lead < 0x80) return 1;
  const cont = (k: number) => i + k < b.length && (b[i + k] & 0xc0) === 0x80;
  if (lead >= 0xc2 && lead <= 0xdf) return cont(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const second = b[i + 1];
    if (lead === 0xe0 && second < 0xa0) return 0; // overlong
    if (lead === 0xed && second >= 0xa0) return 0; // a surrogate
    return 3;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const second = b[i + 1];
    if (lead === 0xf0 && second < 0x90) return 0; // overlong
    if (lead === 0xf4 && second >= 0x90) return 0; // beyond U+10FFFF
    return 4;
  }
  return 0;
}

/** A name's bytes as a string: UTF-8 decoded, each byte that is not valid UTF-8 as a lone surrogate. */
export function nameFromBytes(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n === 0) {
      out += String.fromCharCode(ESCAPE_BASE + bytes[i]);
      i++;
    } else {
      out += Buffer.from(bytes.subarray(i, i + n)).toString('utf8');
      i += n;
    }
  }
  return out;
}

const ESCAPED = /[\udc80-\udcff]/;

/** Whether a path holds bytes that are not UTF-8 (see nameFromBytes). */
export function hasEscapedBytes(path: string): boolean {
  return ESCAPED.test(path);
}

/** The path for the file system: the same string, or its original bytes when it holds escaped ones. */
export function fsPath(path: string): string | Buffer {
  if (!hasEscapedBytes(path)) return path;
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of path) {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && code >= 0xdc80 && code <= 0xdcff) {
      if (run) parts.push(Buffer.from(run, 'utf8'));
      run = '';
      parts.push(Buffer.from([code - ESCAPE_BASE]));
    } else {
      run += ch;
    }
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** The path as shown and stored: each byte that is not UTF-8 written \xNN. */
export function shownPath(path: string): string {
  if (!hasEscapedBytes(path)) return path;
  return path.replace(/[\udc80-\udcff]/g, (ch) => `\\x${(ch.charCodeAt(0) - ESCAPE_BASE).toString(16).toUpperCase().padStart(2, '0')}`);
}
