import { compact } from '../normalize/label.js';
import type { TableKind } from './kinds.js';

/**
 * Titles by what they say. Every province prints the nine tables under its
 * own titles: numbered (预算01表, 公开01表, 表1：, 部门公开表1, （预算表1）,
 * 一、), dated (2026年度), scoped (部门, 单位, 预算单位, 市级部门, 部门综合预算,
 * 本年) and worded differently (收支总表 ≈ 收支总体情况表 ≈ 收支预算总表 ≈
 * 财务收支预算总表). A title is reduced to its core — what is left once
 * numbering, year, scope and qualifiers are stripped — and the core is
 * matched against the kinds' concepts below. The concepts are data: a new
 * wording is a new alternative in a pattern, not a branch.
 */

export interface TitleReading {
  kind: TableKind;
  /**
   * How well the title names the kind, higher is better: when a document
   * prints two tables that read as one kind (西安's 一般公共预算支出明细表
   * 按经济分类 beside its 基本支出明细表 按经济分类), the higher one is the
   * standard table and the other is left out.
   */
  rank: number;
  /** The core the kind was read from. */
  core: string;
  /** 决算 (final accounts) rather than 预算. */
  final: boolean;
}

/** Numbering before or after a title: 预算01表, 公开01表, 部门公开表1, 表1, 附表1, 表一, 一、, (一), 1., 5．, 表1- */
const NUMBERING_BEFORE =
  /^(?:(?:部门|单位)?(?:预算|公开|部门公开|单位公开)?(?:附)?表[0-9一二三四五六七八九十]+(?:[-—－:：、.．]|表)?|(?:预算|公开)[0-9]+表|[0-9]{1,2}[.．、](?!\d)|[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d{1,2}(?=\d{4}年))/;
const NUMBERING_AFTER = /(?:\((?:预算|公开)?表[0-9一二三四五六七八九十]+\)|(?:预算|公开)[0-9]+表|表[0-9]+)$/;
/** Years, scope and phase words that say nothing of the kind. */
const YEAR = /^(?:\d{4}年?度?|[〇零一二三四五六七八九]{4}年度?)/;
const SCOPE =
  /^(?:本年度?|本级|市级|区级|县级|省级|市本级|部门综合预算|综合预算|部门预算|单位预算|部门决算|单位决算|预算单位|部门\(单位\)|单位\(部门\)|部门|单位|财务|\d{4}年?度?)/;
/** A continued table's title: (续), (续表), 续表, 续. */
const CONTINUED = /(?:\(续表?\)|续表|\(续\d*\))$/;
/** Words that make a line something else than a table's title: a section about a table, a contents line. */
const NOT_A_TITLE = /说明|目录|详见|情况分析|绩效|采购|购买服务|\.{3}|…|·{3}|_{3}|[,，。;；!！?？]|^注|^备注/;

export interface TitleParts {
  /** The core: numbering, years, scope words and the qualifier stripped. */
  core: string;
  /** A parenthetical qualifier, e.g. 按功能分类 or 按支出经济分类科目-不含上年结转. */
  qualifier: string;
  continued: boolean;
}

/** A title's parts, after NFKC, without whitespace and quotes. */
export function titleParts(text: string): TitleParts {
  let t = compact(text.replace(/\[bookmark:[^\]]*\]/g, '')).replace(/["'“”‘’〝〞「」『』]/g, '');
  const continued = CONTINUED.test(t);
  t = t.replace(CONTINUED, '');
  for (let before = ''; before !== t; ) {
    before = t;
    t = t.replace(NUMBERING_BEFORE, '').replace(NUMBERING_AFTER, '').replace(YEAR, '').replace(SCOPE, '');
  }
  let qualifier = '';
  const q = /\(([^()]*)\)$/.exec(t);
  if (q) {
    qualifier = q[1];
    t = t.slice(0, q.index);
  }
  return { core: t, qualifier, continued };
}

/** Which classification a title says its rows follow: 功能分类 or 经济分类. */
const classificationOf = (text: string): 'function' | 'economic' | '' =>
  /经济分类|经济科目/.test(text) ? 'economic' : /功能分类|功能科目/.test(text) ? 'function' : '';

/** Middle words a core may carry between its concepts: 预算, 财政拨款, 拨款, 情况, 明细. */
const FILL = '(?:预算|决算|财政拨款|拨款|安排的|资金)*';
const TAIL = `(?:预算|决算|情况|明细|总体情况|汇总|总)*表$`;

interface TitleConcept {
  kind: TableKind;
  pattern: RegExp;
  /** The rank of a match; by classification where the kind depends on it (tables 5 and 6). */
  rank: (classification: 'function' | 'economic' | '') => number;
}

const always = (rank: number) => () => rank;

/**
 * The kinds' title concepts, tried in order: the first that matches decides
 * (三公 before 一般公共预算, 财政拨款收支 before 收支).
 */
const TITLE_CONCEPTS: TitleConcept[] = [
  { kind: 'three_public', pattern: new RegExp(`^(?:一般公共预算|财政拨款|预算)*${FILL}三公经费.*表$`), rank: always(1) },
  { kind: 'gov_fund_expenditure', pattern: new RegExp(`^${FILL}政府性?基金${FILL}(?:收入)?(?:收支|支出|收入支出)${FILL}(?:功能分类)?${TAIL}`), rank: always(1) },
  { kind: 'soe_capital_expenditure', pattern: new RegExp(`^${FILL}国有资本经营${FILL}(?:收支|支出|收入支出)${FILL}(?:功能分类)?${TAIL}`), rank: always(1) },
  { kind: 'fiscal_summary', pattern: new RegExp(`^财政拨款${FILL}(?:收支|收入支出)${FILL}总(?:体情况)?${TAIL}`), rank: always(1) },
  { kind: 'revenue_expenditure_summary', pattern: new RegExp(`^(?:财务)?(?:收支|收入支出)${FILL}总(?:体情况)?${TAIL}|^(?:收支|收入支出)决算(?:情况)?表$`), rank: always(1) },
  { kind: 'revenue', pattern: new RegExp(`^收入${FILL}(?:总(?:体情况)?)?${TAIL}`), rank: always(1) },
  { kind: 'expenditure', pattern: new RegExp(`^支出${FILL}(?:总(?:体情况)?)?${TAIL}`), rank: always(1) },
  {
    kind: 'general_budget_basic_expenditure',
    pattern: new RegExp(`^一般公共预算${FILL}基本支出(?:部门预算)?(?:经济分类)?${TAIL}`),
    // 基本支出 by function (西安's 表7) is not table 6; by economic class, or unqualified, it is
    rank: (c) => (c === 'function' ? 0 : 3),
  },
  {
    kind: 'general_budget_basic_expenditure',
    pattern: new RegExp(`^一般公共预算${FILL}支出(?:部门预算)?经济分类${TAIL}`),
    rank: always(2),
  },
  {
    kind: 'general_budget_expenditure',
    pattern: new RegExp(`^一般公共预算${FILL}支出(?:功能分类)?${TAIL}`),
    // 一般公共预算支出表 by economic class (深圳's 表8) is read as table 6 when there is no 基本支出 table
    rank: (c) => (c === 'economic' ? 0 : 3),
  },
];

/** 深圳's 一般公共预算支出表（按经济分类）: table 6 by its rows, when no table says 基本支出. */
const ECONOMIC_GENERAL_BUDGET = new RegExp(`^一般公共预算${FILL}支出${TAIL}`);

/** The kind a line of text announces as a title, or undefined. */
export function readTitle(text: string): TitleReading | undefined {
  // every title of the nine tables names a 表; most lines are rejected here
  if (text.length > 80 || !text.includes('表')) return undefined;
  const whole = compact(text);
  if (NOT_A_TITLE.test(whole)) return undefined;
  const { core, qualifier } = titleParts(text);
  // (部门决算收支总表: the scope word says it)
  const final = /决算/.test(whole);
  const classification = classificationOf(qualifier) || classificationOf(core);
  for (const concept of TITLE_CONCEPTS) {
    if (!concept.pattern.test(core)) continue;
    const rank = concept.rank(classification);
    if (rank > 0) return { kind: concept.kind, rank, core, final };
    break;
  }
  if (classification === 'economic' && ECONOMIC_GENERAL_BUDGET.test(core)) {
    return { kind: 'general_budget_basic_expenditure', rank: 1, core, final };
  }
  return undefined;
}

/** A unit's (单位预算) rather than a department's title: 2025年单位…, 预算单位…. */
export function isUnitTitle(text: string): boolean {
  let t = compact(text).replace(NUMBERING_BEFORE, '');
  for (let before = ''; before !== t; ) {
    before = t;
    t = t.replace(NUMBERING_BEFORE, '').replace(YEAR, '').replace(/^(?:本年度?|本级|市级|区级|县级|省级)/, '');
  }
  return /^(?:预算)?单位/.test(t);
}

/**
 * Whether a line is the title of some table, standard or not (项目支出表(预算表9),
 * 政府采购预算明细表): what ends the section of the table above it.
 */
export function isAnyTableTitle(text: string): boolean {
  const whole = compact(text);
  if (whole.length > 50 || whole.length < 3 || /[,，。;；:：!！?？]/.test(whole) || /\.{3}|…/.test(whole)) return false;
  return /表$/.test(titleParts(text).core);
}
