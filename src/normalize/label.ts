/**
 * Label normalization of the contract (SCHEMA.md "Label normalization"):
 * NFKC, all whitespace removed, leading enumerators stripped repeatedly.
 */

const CHINESE_NUMERAL = '[一二三四五六七八九十百零〇两]+';
const LEADING_ENUMERATORS = [
  new RegExp(`^${CHINESE_NUMERAL}、`), // 一、 … 二十六、
  new RegExp(`^\\(${CHINESE_NUMERAL}\\)`), // (一) after NFKC turned （一） into (一)
  /^\d+[.、]/, // 1. / 1、
  /^其中:/, // 其中： after NFKC
];

/**
 * Text NFKC leaves unchanged: ASCII, CJK unified ideographs and the CJK
 * punctuation that has no compatibility form (、。“”‘’《》「」『』【】).
 * Checking for it first spares the normalization of most cells (a hot path).
 */
const NFKC_STABLE = /^[\x00-\x7f\u4e00-\u9fff\u3001\u3002\u2018\u2019\u201c\u201d\u300a-\u3011]*$/;

export function nfkc(text: string): string {
  return NFKC_STABLE.test(text) ? text : text.normalize('NFKC');
}

/** NFKC plus removal of every whitespace character (incl. U+3000, NBSP). */
export function compact(text: string): string {
  return nfkc(text).replace(/\s+/gu, '');
}

export function normalizeLabel(text: string): string {
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
  return label;
}
