/**
 * Label normalization of the contract (SCHEMA.md "Label normalization"):
 * NFKC, all whitespace removed, leading enumerators stripped repeatedly.
 */

const CHINESE_NUMERAL = '[一二三四五六七八九十百零〇两]+';
const LEADING_ENUMERATORS = [
  new RegExp(`^${CHINESE_NUMERAL}、`), // 一、 … 二十六、
  new RegExp(`^\\(${CHINESE_NUMERAL}\\)`), // (一) after NFKC turned （一） into (一)
  /^\d+[.、](?!\d)/, // 1. / 1、 (not 1.5)
  /^\(\d+\)/, // (1) after NFKC (schema v2)
  /^其中:/, // 其中： after NFKC
];

/**
 * Text NFKC leaves unchanged: ASCII, CJK unified ideographs and the CJK
 * punctuation that has no compatibility form (、。“”‘’《》「」『』【】).
 * Checking for it first spares the normalization of most cells (a hot path).
 */
const NFKC_STABLE = /^[\x00-\x7f\u4e00-\u9fff\u3001\u3002\u2018\u2019\u201c\u201d\u300a-\u3011]*$/;

/**
 * Text `compact` leaves unchanged: NFKC-stable as above and without
 * whitespace (TAB … CR and space are the only whitespace in those ranges).
 * Numbers and plain Chinese labels, most cells, pass this test.
 */
const COMPACT_STABLE = /^[\x00-\x08\x0e-\x1f\x21-\x7f\u4e00-\u9fff\u3001\u3002\u2018\u2019\u201c\u201d\u300a-\u3011]*$/;

/**
 * A copy of the text that refers to nothing else. A cell's text is a slice
 * of its document's whole text, and V8 keeps the whole text alive for as
 * long as the slice is (and so does the result, which may be the text
 * itself).
 */
const detached = (text: string): string => (text.length < 13 ? text : JSON.parse(JSON.stringify(text)));

/**
 * A string function with its results remembered: the stages normalize the
 * same cells (headers, labels, sentences with full-width punctuation) many
 * times over, and String#normalize is slow. The memory is bounded: it
 * starts over when full. What it keeps is copied: a remembered slice kept
 * its whole document alive until the memory started over, long enough to
 * reach V8's old generation. In a long ingest those documents were two
 * thirds of what a worker promoted there (48 KB a document; 17 KB without),
 * and so of the memory a run peaks at.
 */
function memoized(fn: (text: string) => string, limit = 5_000): (text: string) => string {
  const results = new Map<string, string>();
  return (text) => {
    let result = results.get(text);
    if (result === undefined) {
      result = fn(text);
      if (results.size >= limit) results.clear();
      const key = detached(text);
      result = result === text ? key : detached(result);
      results.set(key, result);
    }
    return result;
  };
}

const nfkcOfUnstable = memoized((text) => text.normalize('NFKC'));

export function nfkc(text: string): string {
  return NFKC_STABLE.test(text) ? text : nfkcOfUnstable(text);
}

// NFKC here, not through nfkc(): its memory would keep a second copy of every text compacted
const compactOfUnstable = memoized((text) => (NFKC_STABLE.test(text) ? text : text.normalize('NFKC')).replace(/\s+/gu, ''));

/** NFKC plus removal of every whitespace character (incl. U+3000, NBSP). */
export function compact(text: string): string {
  return COMPACT_STABLE.test(text) ? text : compactOfUnstable(text);
}

/** compact, then leading enumerators (`一、`, `(一)`, `1.`, `其中:`) stripped repeatedly. */
export const normalizeLabel = memoized((text: string): string => {
  let label = compact(text);
  for (let changed = true; changed; ) {
    changed = false;
    for (const pattern of LEADING_ENUMERATORS) {
      const next = label.replace(pattern, '');
      if (next !== label) {
        label = next;
        changed = true;
      }
    }
  }
  // 总计： (schema v2): a trailing colon is the print's, not the label's
  return label.endsWith(':') && label.length > 1 ? label.slice(0, -1) : label;
});
