import { compact } from '../normalize/label.js';
import type { ColumnRole, Side, TableKind } from './kinds.js';

/**
 * Headers by role. A column's header is a path of texts — its parents
 * (本年收入, 基本支出, 上年结转结余 …) and its own leaf — and each text is
 * read for its concept from the vocabulary below, never as an exact string
 * of one province. The vocabulary is data: a new wording is a new
 * alternative in a pattern.
 */

/** What a header text may say about a column that holds no amounts. */
const ROW_NUMBER = /^(?:序号|栏次|行次|\*+|编号)$/;
const IGNORED = /^(?:备注|说明|单位:?万?元)$|%|百分比|比例$|率$/;
/** A column saying which period a row is (年度: 2025年 | 2026年 | 增减变化金额): the rows of a table printed per year. */
const PERIOD = /^(?:年度|年份|时间)$/;
const UNIT = /^(?:预算)?(?:部门\(单位\)|单位|部门)(?:名称|编码|代码)?$|^预算单位$|^单位名称$/;
const CODE_PART: Record<string, number> = { 类: 0, 款: 1, 项: 2 };
const CODE = /(?:编码|代码)$/;
const LABEL = /(?:名称|科目|^项目|^科目|类别|^收入|^支出)(?:\(按大类\))?$/;
const ECONOMIC_LABEL = /经济(?:分类)?(?:科目)?/;

/**
 * Leaves that say "the amount" and nothing more: the column's concept is
 * then its parent's (基本支出/小计 is basic), or the table's own amount
 * where no parent says more.
 */
const GENERIC_AMOUNT =
  /^(?:合计|总计|小计|金额|预算数|预算金额|决算数|决算|本年决算数?|当年决算数?|年度决算数?|预算|本年预算|当年预算|编制预算|部门预算|全年预算数?|调整后?预算数?|决算金额|支出预算|收入预算|合计数|总额|本年|支出总计|收入总计|本年支出合计|本年收入合计|本年收入|本年支出|预算安排|年初预算数?|本年预算数)$/;

/** Concepts of amount columns → measure keys (docs/SCHEMA.md). */
const MEASURE_CONCEPTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^基本支出(?:小计|合计)?$/, 'basic'],
  [/^人员(?:经费|支出)(?:支出)?$/, 'personnel'],
  [/^(?:日常)?公用(?:经费|支出)(?:支出)?$/, 'public'],
  [/^项目支出(?:总数|小计|合计)?$|^专项业务经费(?:支出)?$/, 'project'],
  [/^(?:事业单位)?经营支出$/, 'operating'],
  [/^上[缴解]上级支出$/, 'remit_to_superior'],
  [/^对附属单位补助支出$/, 'subsidy_to_affiliates'],
  [/^财政拨款(?:收入|资金)?$/, 'fiscal_appropriation'],
  [/^(?:一般)?公共预算(?:财政)?(?:拨款)?(?:资金|收入)?$|^一般公共预算(?:财政拨款|拨款收入)$/, 'general_budget'],
  [/^政府性?基金(?:预算)?(?:财政)?(?:拨款)?(?:资金|收入)?$/, 'gov_fund'],
  [/^国有资本经营(?:预算)?(?:财政)?(?:拨款)?(?:资金|收入)?$/, 'soe_capital'],
  [/^财政专户(?:管理)?(?:资金)?(?:收入)?$/, 'fiscal_special_account'],
  [/^单位资金$/, 'unit_funds'],
  [/^事业收入$/, 'business'],
  [/^(?:事业单位)?经营收入$/, 'operating'],
  [/^上级补助收入$/, 'superior_subsidy'],
  [/^(?:对)?附属单位上缴收入$/, 'affiliated_remittance'],
  [/^用事业基金弥补收支差额$/, 'business_fund_drawdown'],
  [/^使用非财政拨款结余$/, 'non_fiscal_balance_drawdown'],
  [/^其他(?:收入)?$/, 'other'],
  [/^上年(?:结转|结余)(?:结余|结转|资金)?$|^上年结余[、,]?结转$|^年初结转和结余$/, 'carryover'],
  [/^上年实户资金余额$/, 'prior_account_balance'],
  [/^编制预算$/, 'new_budget'],
  [/^专项资金列入部门预算(?:的)?项目$/, 'of_which_special_funds'],
  [/^政府采购(?:项目)?(?:小计)?$/, 'procurement'],
  [/预留给中小企业/, 'procurement_reserved_for_sme'],
  [/预留给小型、?微型企业/, 'procurement_reserved_for_small_micro'],
  [/^年末结转和结余$/, 'closing_balance'],
];

/** Parents that group their children under a prefix: 上年结转结余/一般公共预算资金 is carryover_general_budget. */
const GROUPS: ReadonlyArray<readonly [RegExp, string]> = [[/^上年(?:结转|结余)(?:结余|结转|资金)?$|^上年结余[、,]?结转$/, 'carryover']];
/** Parents under which 小计 is the current year's subtotal. */
const CURRENT_YEAR = /^(?:本年收入|当年预算)$/;
/** Leaves that qualify their parent's concept: 项目支出/扣除基建项目后预算数 is project_excluding_capital_construction. */
const MODIFIERS: ReadonlyArray<readonly [RegExp, string]> = [[/扣除(?:中央)?基建(?:项目|投资)(?:后(?:预算数|执行数)?)?\)?$/, 'excluding_capital_construction']];

/** budget (预算): the amounts are the year's budget; final (决算): they are the year's actual, beside the budget they compare with. */
export type Phase = 'budget' | 'final';

/** Suffixes of the measures of comparison columns (docs/SCHEMA.md, "Comparison columns"). */
export type ComparisonSuffix = '' | '_prior_budget' | '_prior_actual' | '_change' | '_budgeted' | '_initial_budgeted';

/** A header text that names the budget figure (预算数, 全年预算数, 调整预算数, 年初预算): in a final account, the plan the actual is compared with. */
const BUDGET_FIGURE = /^(?:本年|当年|全年|调整后?|年初|年度)?预算(?:数|金额|安排数?)?$/;

/**
 * A comparison column: last year's budget or outturn, or the change; never
 * the year's own amount. In a final account (决算) the year's own amount is
 * the actual (决算数); a column of the year's budget (预算数) is a
 * comparison too: `_budgeted` (`_initial_budgeted` for 年初预算数).
 */
export function comparisonOf(path: string[], fiscalYear: number | undefined, phase: Phase = 'budget'): ComparisonSuffix {
  const text = path.join('/');
  if (/增减|增长|变动|比上年|同比|增幅/.test(text)) return '_change';
  const priorYear = /(\d{4})年/.exec(text);
  // a budget prints the year's outturn (执行数) only for the year before
  if (phase === 'budget' && /执行数|执行/.test(text)) return '_prior_actual';
  const prior = /上年(?:预算|执行|决算)|上年度|(?:^|\/)上年(?:$|\/)/.test(text) || (fiscalYear !== undefined && priorYear !== null && Number(priorYear[1]) < fiscalYear);
  if (prior) {
    // a final account compares with last year's actual where it says nothing more (上年, 2023年)
    if (phase === 'final') return /预算/.test(text) && !/决算/.test(text) ? '_prior_budget' : '_prior_actual';
    return /决算|实际/.test(text) ? '_prior_actual' : '_prior_budget';
  }
  if (phase === 'final') {
    const budget = path.map(headerText).find((t) => BUDGET_FIGURE.test(t));
    if (budget !== undefined && !path.some((t) => /决算|实际|执行/.test(t))) return /年初/.test(budget) ? '_initial_budgeted' : '_budgeted';
  }
  return '';
}

/** A header text as read: compact, without 其中:, a leading year or quotes. */
export function headerText(text: string): string {
  return compact(text)
    .replace(/^其中[:：]?/, '')
    .replace(/^(?:\d{4}年度?)(?=.)/, '')
    .replace(/["“”]/g, '');
}

/** The transposed "三公" table (one row, its items as columns): header path → the row label it stands for. */
const THREE_PUBLIC_ITEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/三公经费(?:财政拨款)?(?:预算)?(?:合计|小计|总额|总计)?$/, '“三公”经费小计'],
  // a bare 合计 may count 会议费 and 培训费 in (西安, 江苏): not the "三公" subtotal
  [/^(?:合计|总计)$/, '合计'],
  [/因公出国\(境\)(?:费用?|经费)?$/, '因公出国(境)费'],
  [/公务接待费$/, '公务接待费'],
  [/公务用车购置及运[行维]*(?:护)?费\/小计$|^公务用车购置及运[行维]*(?:护)?费$|公务用车(?:购置及运行维护费|购置及运维费)\/(?:小计|合计)$/, '公务用车购置及运维费'],
  [/(?:公务用车)?购置(?:经)?费$/, '公务用车购置费'],
  [/(?:公务用车)?运行(?:维护)?(?:经)?费?$/, '公务用车运行维护费'],
  [/^机关运行经费(?:预算数)?$/, '机关运行经费'],
  [/^会议费$/, '会议费'],
  [/^培训费$/, '培训费'],
];

export interface KindColumns {
  sides: Side[];
  /** The measure of a column that says only "the amount", per side. */
  amount: Partial<Record<Side, string>>;
  /** The table may be printed transposed (its items as columns). */
  transposed?: boolean;
}

/** Per kind: its sides and what its plain amount column is called. */
export const KIND_COLUMNS: Record<TableKind, KindColumns> = {
  revenue_expenditure_summary: { sides: ['revenue', 'expenditure'], amount: { revenue: 'amount', expenditure: 'amount' } },
  revenue: { sides: ['revenue'], amount: { revenue: 'total' } },
  expenditure: { sides: ['expenditure'], amount: { expenditure: 'total' } },
  fiscal_summary: { sides: ['revenue', 'expenditure'], amount: { revenue: 'amount', expenditure: 'total' } },
  general_budget_expenditure: { sides: ['expenditure'], amount: { expenditure: 'total' } },
  general_budget_basic_expenditure: { sides: ['expenditure'], amount: { expenditure: 'total' } },
  gov_fund_expenditure: { sides: ['expenditure'], amount: { expenditure: 'total' } },
  soe_capital_expenditure: { sides: ['expenditure'], amount: { expenditure: 'total' } },
  three_public: { sides: ['expenditure'], amount: { expenditure: 'total' }, transposed: true },
};

export interface ColumnLayout {
  columns: (ColumnRole | undefined)[];
  columnNumbers: (number | undefined)[];
  rowNoPosition?: number;
}

/**
 * Each column's header path: the texts of the header cells above it, the
 * column's own last. A merged header cell stands in the first column it
 * covers, so a parent is the nearest text at or left of the column (within
 * the span of the row above's parent).
 */
export function headerPaths(rows: string[][], width: number): string[][] {
  const paths: string[][] = [];
  for (let p = 0; p < width; p++) {
    let leafRow = -1;
    rows.forEach((row, r) => {
      if ((row[p] ?? '') !== '') leafRow = r;
    });
    if (leafRow < 0) {
      paths.push([]);
      continue;
    }
    const path: string[] = [];
    for (let r = 0; r < leafRow; r++) {
      for (let q = p; q >= 0; q--) {
        if ((rows[r][q] ?? '') !== '') {
          path.push(rows[r][q]);
          break;
        }
      }
    }
    path.push(rows[leafRow][p]);
    paths.push(path);
  }
  return paths;
}

/** The measure a header path names on a side, or undefined when the vocabulary has no concept for it. */
export function measureOfPath(path: string[], kind: TableKind, side: Side, fiscalYear?: number, phase: Phase = 'budget'): string | undefined {
  const suffix = comparisonOf(path, fiscalYear, phase);
  const twoSided = KIND_COLUMNS[kind].sides.length > 1;
  // a two-sided table's 收入 / 支出 parents name the side, not the measure
  const texts = path
    .map(headerText)
    .filter((t, i, all) => t !== '' && !PLAIN_WORDS.test(t) && !(i < all.length - 1 && (LABEL_WORDS.test(t) || (twoSided && SIDE_WORDS.test(t)))));
  let concept: string | undefined;
  let group = '';
  let currentYear = false;
  const modifier = MODIFIERS.find(([pattern]) => texts.some((t) => pattern.test(t)));
  if (modifier && modifier[0].test(texts.at(-1) ?? '')) texts.pop();
  const modified = (key: string) => (modifier ? `${key.replace(/_(?:prior_budget|prior_actual|change|budgeted|initial_budgeted)$/, '')}_${modifier[1]}${suffix}` : key);
  // from the leaf up: the first text with a concept of its own decides; parents may group it
  for (let i = texts.length - 1; i >= 0; i--) {
    const text = texts[i];
    if (COMPARISON_WORDS.test(text)) continue;
    const hit = MEASURE_CONCEPTS.find(([pattern]) => pattern.test(text));
    if (hit) {
      if (concept === undefined) concept = hit[1];
      else if (GROUPS.some(([pattern]) => pattern.test(text))) group ||= hit[1];
      continue;
    }
    if (GENERIC_AMOUNT.test(text) || CURRENT_YEAR.test(text)) {
      if (CURRENT_YEAR.test(text) && concept === undefined) currentYear = true;
      continue;
    }
    if (isSubject(text, kind)) continue;
    // a text the vocabulary does not know, where it would decide: not a column yusuan can place
    if (concept === undefined) return undefined;
  }
  if (group !== '' && group !== concept) return modified(concept === undefined ? group + suffix : `${group}_${concept}${suffix}`);
  if (concept === undefined) {
    // 本年收入/小计, 当年预算/小计: the year's own, without the balance carried over
    if (currentYear && !KIND_COLUMNS[kind].amount[side]?.startsWith('amount')) return modified(`current_year_subtotal${suffix}`);
    const amount = KIND_COLUMNS[kind].amount[side];
    return amount === undefined ? undefined : modified(amount + suffix);
  }
  return modified(concept + suffix);
}

const PLAIN_WORDS = /^(?:收入|支出|收入项目|支出项目|项目|科目)$/;
const SIDE_WORDS = /^(?:本年)?(?:财政拨款)?(?:收入|支出)$/;
/** A label or code header that a merged cell carried into an amount column's path. */
const LABEL_WORDS = /^(?:科目名称|科目编码|科目代码|功能分类科目|经济分类科目)$/;
const COMPARISON_WORDS = /^上年(?:预算|执行|决算)|增减|增长|变动|比上年|同比|增幅|^执行数$|^预算数?比|比\d{4}年|^上年$|^当年$|^\d{4}年?(?:预算|执行|决算)?数?$/;

/** Parents that only restate what the table is (一般公共预算支出, 本年政府性基金预算支出, 部门预算支出经济分类科目). */
function isSubject(text: string, kind: TableKind): boolean {
  if (/^(?:本年|当年)?(?:一般公共预算|政府性?基金(?:预算)?|国有资本经营(?:预算)?|财政拨款)?(?:基本)?(?:支出|收入)(?:预算|决算)?(?:数)?$/.test(text)) return true;
  if (/^(?:本年|当年)?(?:一般公共预算|政府性基金预算|国有资本经营预算)(?:基本支出|支出)?$/.test(text)) return true;
  if (kind === 'three_public' && /三公/.test(text)) return true;
  return /^(?:功能分类|经济分类|部门预算)?(?:科目)?$/.test(text) || /^(?:预算数|决算数|金额|部门预算|单位预算)$/.test(text);
}

export type ColumnReading = { role: 'period' } | { role: 'row-number' } | { role: 'ignored' } | { role: 'unit' } | { role: 'code'; part?: number } | { role: 'label'; economic: boolean; header: string } | { role: 'amount'; path: string[] };

/** What one column is, from its header path. */
export function readColumn(path: string[]): ColumnReading | undefined {
  const leaf = headerText(path.at(-1) ?? '');
  if (leaf === '') return undefined;
  if (ROW_NUMBER.test(leaf)) return { role: 'row-number' };
  if (PERIOD.test(leaf)) return { role: 'period' };
  if (IGNORED.test(leaf)) return { role: 'ignored' };
  if (UNIT.test(leaf)) return { role: 'unit' };
  if (leaf in CODE_PART) return { role: 'code', part: CODE_PART[leaf] };
  if (CODE.test(leaf)) return { role: 'code' };
  if (LABEL.test(leaf) && !/支出$|收入$/.test(leaf.replace(/^(?:收入|支出)(?:项目)?$/, ''))) {
    const header = path.map(headerText).join('/');
    return { role: 'label', economic: ECONOMIC_LABEL.test(header), header };
  }
  return { role: 'amount', path: path.map(compact) };
}

/** The transposed "三公" table: the row label a column stands for, from its header path (the most specific text, from the leaf up). */
export function threePublicItem(path: string[]): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const text = headerText(path[i]);
    const hit = THREE_PUBLIC_ITEMS.find(([pattern]) => pattern.test(text));
    // 合计 under “三公”经费预算数 is the "三公" subtotal
    if (hit && hit[1] === '合计' && path.slice(0, i).some((t) => /三公/.test(t))) return '“三公”经费小计';
    if (hit) return hit[1];
  }
  return undefined;
}

/** The texts of a header path that are not its "三公" item: what says the measure (一般公共预算, 2025年). */
export const withoutThreePublicItem = (path: string[]) => path.filter((t) => threePublicItem([t]) === undefined);

/**
 * A row's period, where a column says it (年度: 2025年 | 2026年 | 增减变化金额):
 * the measure suffix of the row's amounts, as comparisonOf gives for a column.
 */
export function periodSuffix(text: string, fiscalYear: number | undefined, phase: Phase = 'budget'): string | undefined {
  const t = compact(text);
  if (t === '') return '';
  if (/增减|变化|变动|增长/.test(t)) return '_change';
  const year = /^(\d{4})年?(?:度)?(?:预算数?|执行数?|决算数?)?$/.exec(t);
  if (!year) return /^(?:上年|上年度)/.test(t) ? (phase === 'final' && !/预算/.test(t) ? '_prior_actual' : '_prior_budget') : /^(?:本年|当年|本年度)/.test(t) ? '' : undefined;
  if (fiscalYear === undefined || Number(year[1]) === fiscalYear) return phase === 'final' && /预算/.test(t) ? '_budgeted' : '';
  if (Number(year[1]) > fiscalYear) return undefined;
  if (phase === 'final') return /预算/.test(t) ? '_prior_budget' : '_prior_actual';
  return /执行|决算/.test(t) ? '_prior_actual' : '_prior_budget';
}
