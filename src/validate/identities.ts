/**
 * The identities validation checks, as data: which measures are sums of
 * which (the measures' tree), and how rows printed without codes nest (the
 * outline of their labels). Nothing here names a province: a layout is
 * read for the measures it prints, and where it admits several readings the
 * identities decide between them (checks.ts).
 */

/**
 * A term of a decomposition: a measure; optional (`x?`) where some layouts
 * print it beside the others without adding it in; weak (`x~`) where the
 * same key names another concept on the other side (`operating`: 经营收入
 * among the sources, 经营支出 beside 基本 and 项目), so that the term alone
 * does not make its decomposition apply.
 */
export interface TermSpec {
  measure: string;
  optional: boolean;
  weak?: boolean;
}

const term = (spec: string): TermSpec => ({ measure: spec.replace(/[?~]$/, ''), optional: spec.endsWith('?'), weak: spec.endsWith('~') || undefined });

/**
 * The sources of the year's funds: 财政拨款 (一般公共预算, 政府性基金,
 * 国有资本经营), 财政专户, and the unit's own funds (单位资金: 事业收入,
 * 经营收入, 上级补助, 附属单位上缴, 其他).
 */
const SOURCES = ['fiscal_appropriation', 'fiscal_special_account', 'unit_funds'];
/** What the year's spending is made of: 基本支出 + 项目支出, and where printed 经营支出, 上缴上级 and 对附属单位补助 (added in by some templates, printed beside by others: 深圳's 事业单位经营支出). */
const SPENDING = ['basic', 'project', 'operating?', 'remit_to_superior?', 'subsidy_to_affiliates?'];

/** What the year's own is topped up with: the balances carried over (weak: a total is read as a sum only where the year's own part is printed). */
const BALANCES = ['carryover~', 'prior_account_balance~', 'business_fund_drawdown?', 'non_fiscal_balance_drawdown?'];

/**
 * Parent → its alternative decompositions. A total is checked against each
 * decomposition the table prints at least one required term of; a term the
 * table has no column for is replaced by its own decompositions (人员 +
 * 公用 for an unprinted 基本支出), or counts as nothing. `x?` is optional.
 * Measures with a suffix (`_prior_budget`, `_prior_actual`, `_change`, `_budgeted`,
 * `_excluding_capital_construction`), `of_which_*` and `procurement*` are in
 * no decomposition: they are never terms of a sum.
 */
const YEAR_TREE: Record<string, string[][]> = {
  // 合计 = 本年 + 上年结转 (+ 上年实户资金余额; 用事业基金弥补收支差额 and 使用非财政拨款结余 where a template adds them in);
  // where the table prints 本年小计, its parts + 上年结转 too (the same where it does not: checked once)
  total: [['current_year_subtotal', ...BALANCES], [...SPENDING, ...BALANCES], [...SOURCES, ...BALANCES]],
  // the year's own: by what it is spent on, by where it comes from, or 编制预算 (长春: 当年编制预算 is the year's subtotal)
  current_year_subtotal: [SPENDING, SOURCES, ['new_budget']],
  new_budget: [SPENDING, SOURCES],
  basic: [['personnel', 'public']],
  fiscal_appropriation: [['general_budget', 'gov_fund', 'soe_capital']],
  unit_funds: [['business', 'operating~', 'superior_subsidy', 'affiliated_remittance', 'other']],
};

/**
 * The balance carried over is made of the same parts as the year's own
 * (长春: 上年结转结余 小计 | 基本支出 | 项目支出, or | 一般公共预算 | 政府性基金 …):
 * `carryover` decomposes as `current_year_subtotal` does, each part prefixed.
 */
function withCarryover(tree: Record<string, string[][]>): Record<string, TermSpec[][]> {
  const out: Record<string, TermSpec[][]> = {};
  const prefixed = (d: string[]) => d.map((t) => `carryover_${t}`);
  for (const [parent, decompositions] of Object.entries(tree)) {
    out[parent] = decompositions.map((d) => d.map(term));
    if (parent === 'total' || parent === 'new_budget') continue;
    const name = parent === 'current_year_subtotal' ? 'carryover' : `carryover_${parent}`;
    out[name] = decompositions.filter((d) => !d.includes('new_budget')).map((d) => prefixed(d).map(term));
  }
  // the summary tables' plain amount is a total like any other (长春's 收支总表: 合计 | 编制预算 | 上年结转)
  out.amount = out.total;
  return out;
}

export const MEASURE_TREE: Readonly<Record<string, TermSpec[][]>> = withCarryover(YEAR_TREE);

/** A decomposition as a table prints it: the columns its terms resolve to. */
export interface Identity {
  parent: string;
  terms: TermSpec[];
  /** `total = basic + [operating]`, for messages. */
  what: string;
  /** The required terms' `total = basic + project`: the message of a row printing none of the optional ones. */
  requiredWhat: string;
}

/** Measures that are never a term of a sum, nor a parent: comparisons, modifiers, "of which" columns. */
export const isYearMeasure = (measure: string) => !/_prior_budget$|_prior_actual$|_change$|_budgeted$|_excluding_|^of_which_|^procurement/.test(measure);

/**
 * The decompositions of `measure` over a table's columns: each a list of
 * column terms (a term without a column replaced by its own decomposition;
 * where it has several the table prints, each is an identity of its own).
 * Undefined-free: a decomposition with no required term printed is none.
 */
function expand(terms: TermSpec[], columns: ReadonlySet<string>, depth: number): TermSpec[][] {
  let results: TermSpec[][] = [[]];
  for (const t of terms) {
    let options: TermSpec[][];
    if (columns.has(t.measure)) options = [[t]];
    else {
      options =
        depth > 6
          ? []
          : resolveTerms(t.measure, columns, depth + 1).map((d) => d.map((sub) => ({ measure: sub.measure, optional: sub.optional || t.optional, weak: sub.weak || t.weak || undefined })));
      // not printed, nor any of its parts: it counts as nothing
      if (options.length === 0) options = [[]];
    }
    const next: TermSpec[][] = [];
    for (const r of results) for (const o of options) next.push([...r, ...o]);
    results = next;
  }
  return results;
}

function resolveTerms(measure: string, columns: ReadonlySet<string>, depth: number): TermSpec[][] {
  const out: TermSpec[][] = [];
  const seen = new Set<string>();
  for (const decomposition of MEASURE_TREE[measure] ?? []) {
    for (const terms of expand(decomposition, columns, depth)) {
      // a decomposition applies where the table prints at least one of its required terms
      if (!terms.some((t) => !t.optional && !t.weak)) continue;
      const key = terms.map((t) => `${t.measure}${t.optional ? '?' : ''}`).join('+');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(terms);
    }
  }
  return out;
}

const identityCache = new Map<string, Identity[]>();
const identitiesBySet = new WeakMap<ReadonlySet<string>, Identity[]>();

/** Every identity a table with these columns holds, per parent column printed. Cached: the same few column sets come up for every document. */
export function identitiesOf(columns: ReadonlySet<string>): Identity[] {
  const known = identitiesBySet.get(columns);
  if (known) return known;
  const key = [...columns].sort().join(',');
  const cached = identityCache.get(key);
  if (cached) {
    identitiesBySet.set(columns, cached);
    return cached;
  }
  const out: Identity[] = [];
  for (const parent of Object.keys(MEASURE_TREE)) {
    if (!columns.has(parent)) continue;
    for (const terms of resolveTerms(parent, columns, 0)) {
      out.push({
        parent,
        terms,
        what: `${parent} = ${terms.map((t) => (t.optional ? `[${t.measure}]` : t.measure)).join(' + ')}`,
        requiredWhat: `${parent} = ${terms.filter((t) => !t.optional).map((t) => t.measure).join(' + ')}`,
      });
    }
  }
  identityCache.set(key, out);
  identitiesBySet.set(columns, out);
  return out;
}

/**
 * Outline: a row's depth among the rows of a list printed without codes,
 * from its label's enumerator (一、 1; （一） / 1. 2; (1) 3). An
 * unnumbered row (0) is a child of the numbered row before it (财政拨款 over
 * 一般公共预算, 政府性基金 in 杭州), a sibling of the unnumbered row before it,
 * and at the top where it opens the list (深圳's 财政拨款 over 1.一般公共预算拨款).
 */
export function outlineDepths(outlines: number[]): number[] {
  const depths: number[] = [];
  for (let i = 0; i < outlines.length; i++) {
    const o = outlines[i];
    if (o > 0) depths.push(o);
    else if (i === 0) depths.push(0);
    else depths.push(outlines[i - 1] > 0 ? depths[i - 1] + 0.5 : depths[i - 1]);
  }
  return depths;
}

/** The readings of a list of rows nested by outline: its top-level rows, its leaves, every row. Indexes into the list. */
export function outlineReadings(outlines: number[]): { roots: number[]; leaves: number[]; all: number[] } {
  const depths = outlineDepths(outlines);
  const roots: number[] = [];
  const leaves: number[] = [];
  let top = Infinity;
  for (let i = 0; i < depths.length; i++) {
    // a root: no row before it is shallower
    if (depths[i] <= top) {
      roots.push(i);
      top = depths[i];
    }
    if (i === depths.length - 1 || depths[i + 1] <= depths[i]) leaves.push(i);
  }
  return { roots, leaves, all: depths.map((_, i) => i) };
}

const partsCache = new Map<string, TermSpec[][]>();
const partsBySet = new WeakMap<ReadonlySet<string>, Map<string, TermSpec[][]>>();

/**
 * What a measure is made of over a table's columns, whether or not the table
 * prints it: the decompositions its parts' columns allow (a table 5 printing
 * 人员经费 and 公用经费 but no 基本支出 column has its 基本支出 as their sum).
 */
export function partsOf(measure: string, columns: ReadonlySet<string>): TermSpec[][] {
  let bySet = partsBySet.get(columns);
  if (!bySet) partsBySet.set(columns, (bySet = new Map()));
  let parts = bySet.get(measure);
  if (parts) return parts;
  const key = `${measure}|${[...columns].sort().join(',')}`;
  parts = partsCache.get(key);
  if (!parts) partsCache.set(key, (parts = resolveTerms(measure, columns, 0)));
  bySet.set(measure, parts);
  return parts;
}
