/**
 * UTF-16 without a byte order mark (Windows "Unicode" text saved by some
 * tools): many zero bytes, all on the same side of each pair — the high
 * bytes of ASCII characters; Chinese text has few zeros but ASCII digits,
 * spaces and tabs between its characters. Returns the encoding, or
 * undefined.
 */
export function utf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 8) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero > pairs * 0.3 && evenZero < pairs * 0.05) return 'utf-16le';
  if (evenZero > pairs * 0.3 && oddZero < pairs * 0.05) return 'utf-16be';
  return undefined;
}
