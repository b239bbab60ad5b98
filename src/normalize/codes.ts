/**
 * Classification codes: 功能分类 (function, 2xx) and 部门经济分类 (economic,
 * 3xx). A code's level follows from its length (类 3, 款 5, 项 7 digits), its
 * parent from dropping the last two digits.
 */

import { compact } from './label.js';

export type CodeScheme = 'function' | 'economic';

/**
 * 支出功能分类 类 of the 政府收支分类科目 (the Ministry of Finance's annual
 * list), by name, including names used in earlier years, so that the
 * expenditure side of tables 1 and 4 (labels without codes) gets its 类 code
 * from data, not from a guess.
 */
export const FUNCTION_CLASSES: ReadonlyArray<readonly [code: string, names: readonly string[]]> = [
  ['201', ['一般公共服务支出']],
  ['202', ['外交支出']],
  ['203', ['国防支出']],
  ['204', ['公共安全支出']],
  ['205', ['教育支出']],
  ['206', ['科学技术支出']],
  ['207', ['文化旅游体育与传媒支出', '文化体育与传媒支出']],
  ['208', ['社会保障和就业支出']],
  ['209', ['社会保险基金支出']],
  ['210', ['卫生健康支出', '医疗卫生与计划生育支出', '医疗卫生支出']],
  ['211', ['节能环保支出']],
  ['212', ['城乡社区支出']],
  ['213', ['农林水支出']],
  ['214', ['交通运输支出']],
  ['215', ['资源勘探工业信息等支出', '资源勘探信息等支出', '资源勘探电力信息等支出']],
  ['216', ['商业服务业等支出']],
  ['217', ['金融支出']],
  ['219', ['援助其他地区支出']],
  ['220', ['自然资源海洋气象等支出', '国土海洋气象等支出']],
  ['221', ['住房保障支出']],
  ['222', ['粮油物资储备支出']],
  ['223', ['国有资本经营预算支出']],
  ['224', ['灾害防治及应急管理支出']],
  ['227', ['预备费']],
  ['229', ['其他支出']],
  ['230', ['转移性支出']],
  ['231', ['债务还本支出']],
  ['232', ['债务付息支出']],
  ['233', ['债务发行费用支出']],
  ['234', ['抗疫特别国债安排的支出']],
];

const CLASS_BY_NAME = new Map<string, string>(FUNCTION_CLASSES.flatMap(([code, names]) => names.map((n) => [n, code] as const)));

/** The 类 code of a normalized function-class label, e.g. 一般公共服务支出 → 201. */
export function functionClassCode(label: string): string | undefined {
  return CLASS_BY_NAME.get(label);
}

export interface CodeInfo {
  code: string;
  level: 1 | 2 | 3 | undefined;
  parent: string;
}

/** Digits of a code cell (`2010301`, `201 03 01` → `2010301`); '' when the cell has none. */
export function cleanCode(text: string): string {
  // the same as compact (NFKC, no whitespace), which spares the normalization of plain digits
  return compact(text);
}

export function codeInfo(code: string): CodeInfo {
  const level = code.length === 3 ? 1 : code.length === 5 ? 2 : code.length === 7 ? 3 : undefined;
  const parent = level === 2 || level === 3 ? code.slice(0, -2) : '';
  return { code, level, parent };
}

export const isClassificationCode = (code: string) => /^\d{3}(\d{2}){0,2}$/.test(code);
