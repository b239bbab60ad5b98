import { nfkc } from '../../normalize/label.js';

/**
 * The 指标值 of a performance indicator, parsed where it is a comparison
 * with a number and a unit (`≥95%`, `≤320万元`, `10000套`, `≥95 百分比`,
 * `≤500元/人/天`). Anything else (`比上年有所提高`, `2025年12月31日前`,
 * `≥100 按规定时间发放`) keeps only its published text: a number is given
 * only when the whole cell is a comparator, a number and a known unit.
 */

export type Comparator = '≥' | '≤' | '>' | '<' | '=';

export interface ParsedTarget {
  comparator?: Comparator;
  /** The number as a decimal string, without separators: `95`, `0.1`, `4348.46`. */
  number?: string;
  /** The unit as published after NFKC (`%`, `万元`, `百分比`, `元/人/天`); '' when the number stands alone. */
  unit?: string;
}

/** Comparator spellings (after NFKC) → the canonical sign. */
export const COMPARATOR_ALIASES: ReadonlyArray<readonly [spelling: string, comparator: Comparator]> = [
  ['≥', '≥'],
  ['≧', '≥'],
  ['>=', '≥'],
  ['大于等于', '≥'],
  ['不低于', '≥'],
  ['不少于', '≥'],
  ['≤', '≤'],
  ['≦', '≤'],
  ['<=', '≤'],
  ['小于等于', '≤'],
  ['不高于', '≤'],
  ['不超过', '≤'],
  ['>', '>'],
  ['大于', '>'],
  ['<', '<'],
  ['小于', '<'],
  ['=', '='],
  ['等于', '='],
];

/**
 * Units an indicator value may carry. A compound unit is these joined by `/`
 * (`元/人/天`, `箱/月`). Longer spellings first where one is a prefix of another.
 */
export const INDICATOR_UNITS: readonly string[] = [
  '%', '‰', '百分比', '百分点',
  '亿元', '千元', '万元', '元', '万',
  '人次', '万人', '人', '名', '户', '家', '个', '项', '件', '套', '台', '辆', '部', '册', '本', '份', '张', '篇', '页',
  '批次', '批', '次', '场', '期', '组', '条', '类', '箱', '所', '座', '处', '点', '块', '株', '亩', '吨',
  '平方米', '平米', '立方米', '公里', '千米', '米',
  '个工作日', '工作日', '小时', '分钟', '天', '日', '周', '月', '年', '季度',
  '分',
];

const UNIT_SET = new Set(INDICATOR_UNITS);
const NUMBER = /^(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?/;

function isUnit(text: string): boolean {
  if (text === '') return true;
  return text.split('/').every((part) => UNIT_SET.has(part));
}

export function parseTarget(published: string): ParsedTarget {
  let rest = nfkc(published).replace(/\s+/gu, ' ').trim();
  let comparator: Comparator | undefined;
  for (const [spelling, sign] of COMPARATOR_ALIASES) {
    if (rest.startsWith(spelling)) {
      comparator = sign;
      rest = rest.slice(spelling.length).trim();
      break;
    }
  }
  const m = NUMBER.exec(rest);
  if (!m) return {};
  const unit = rest.slice(m[0].length).replace(/\s+/g, '');
  if (!isUnit(unit)) return {};
  const number = `${m[1].replace(/,/g, '')}${m[2] ?? ''}`;
  return comparator ? { comparator, number, unit } : { number, unit };
}
