import type { CodeScheme } from '../normalize/codes.js';

/**
 * The nine standard tables of a 部门预算 disclosure (SCHEMA.md "table_kind
 * and measure keys"), as data: titles per province and the role of each
 * column. A new province is new entries here, not new branches in the code.
 */

export type TableKind =
  | 'revenue_expenditure_summary'
  | 'revenue'
  | 'expenditure'
  | 'fiscal_summary'
  | 'general_budget_expenditure'
  | 'general_budget_basic_expenditure'
  | 'gov_fund_expenditure'
  | 'soe_capital_expenditure'
  | 'three_public';

export type Side = 'revenue' | 'expenditure';

/** What one column of a table holds. */
export type ColumnRole = (
  | { side: Side; role: 'label' }
  /** The whole code, or one part of a code split over 类 / 款 / 项 columns (part 0, 1, 2). */
  | { side: Side; role: 'code'; part?: number }
  | { side: Side; role: 'measure'; measure: string }
  /** A table transposed into one row: the column is a row of its own (Shanghai's "三公" table). */
  | { side: Side; role: 'labelled-measure'; label: string; measure: string }
  /** The 预算单位 a row belongs to, in tables printed with one block of rows per unit. */
  | { side: Side; role: 'unit' }
  /** The period a row is of (年度: 2025年 | 2026年 | 增减): its amounts' measures take the period's suffix. */
  | { side: Side; role: 'period' }
  /** A second classification of the row: its text is the label only where the kept label cell is empty (合 计). */
  | { side: Side; role: 'alt-label' }
) & {
  /**
   * Which record of the row the column belongs to, where a row holds more
   * than one (a two-column-group table: 人员经费 codes, names, amounts |
   * 公用经费 codes, names, amounts). 0 when absent.
   */
  block?: number;
};

/**
 * How to read a table that does not number its columns: header texts
 * (compact, without a leading year) → roles. Tables with two sides list
 * the revenue side first; the expenditure side starts at its label column.
 */
export interface HeaderSpec {
  sides: Partial<Record<Side, { labels: string[]; measures: Record<string, string> }>>;
  /**
   * Transposed tables: the path of header texts of a column (parents joined
   * by `/`, then the column's own text; the most specific match wins) → the
   * label of the row it stands for, with measure `total`.
   */
  transposed?: Record<string, string>;
}

export interface TableSpec {
  kind: TableKind;
  /** The table's number in the standard set (1–9), for messages. */
  number: number;
  /** The scheme of the codes in its code column or of its 类 labels. */
  codeScheme?: CodeScheme;
  /** Tables 1 and 4: the expenditure labels are 类 names, coded from the list. */
  codesFromLabels?: boolean;
  /**
   * Column roles by 栏次 number (1-based) for layouts that number their
   * columns (the Hebei template and its relatives).
   */
  numberedColumns: ColumnRole[];
  /** Column roles from header texts, for layouts without a 栏次 row. */
  headers: HeaderSpec;
}

const label = (side: Side): ColumnRole => ({ side, role: 'label' });
const code = (side: Side): ColumnRole => ({ side, role: 'code' });
const measures = (side: Side, ...keys: string[]): ColumnRole[] => keys.map((measure) => ({ side, role: 'measure', measure }));

const FUNCTION_LABELS = ['功能分类科目名称', '科目名称', '项目'];

const BASIC_PROJECT_HEADERS: HeaderSpec = {
  sides: { expenditure: { labels: FUNCTION_LABELS, measures: { 合计: 'total', 基本支出: 'basic', 项目支出: 'project' } } },
};

/** Header texts of the columns a classification code is split over. */
export const CODE_PART_HEADERS: Record<string, number> = { 类: 0, 款: 1, 项: 2 };
/** Header texts of a column holding the whole code. */
export const CODE_HEADERS = ['功能分类科目编码', '经济分类科目编码', '部门预算经济分类科目编码', '科目编码', '编码'];

export const TABLE_SPECS: Record<TableKind, TableSpec> = {
  revenue_expenditure_summary: {
    kind: 'revenue_expenditure_summary',
    number: 1,
    codeScheme: 'function',
    codesFromLabels: true,
    headers: {
      sides: {
        revenue: { labels: ['项目', '收入项目'], measures: { 预算数: 'amount', 金额: 'amount' } },
        expenditure: {
          labels: ['项目', '支出项目'],
          measures: { 预算数: 'amount', 金额: 'amount', 合计: 'amount', 人员经费: 'personnel', 公用经费: 'public', 项目支出: 'project' },
        },
      },
    },
    numberedColumns: [label('revenue'), ...measures('revenue', 'amount'), label('expenditure'), ...measures('expenditure', 'amount')],
  },
  revenue: {
    kind: 'revenue',
    number: 2,
    codeScheme: 'function',
    headers: {
      sides: {
        revenue: {
          labels: FUNCTION_LABELS,
          measures: {
            合计: 'total',
            小计: 'current_year_subtotal',
            财政拨款收入: 'fiscal_appropriation',
            财政拨款: 'fiscal_appropriation',
            财政专户收入: 'fiscal_special_account',
            财政专户管理资金收入: 'fiscal_special_account',
            事业收入: 'business',
            事业单位经营收入: 'operating',
            经营收入: 'operating',
            上级补助收入: 'superior_subsidy',
            附属单位上缴收入: 'affiliated_remittance',
            其他收入: 'other',
            上年结转: 'carryover',
            上年结转结余: 'carryover',
          },
        },
      },
    },
    numberedColumns: [
      code('revenue'),
      label('revenue'),
      ...measures(
        'revenue',
        'total',
        'current_year_subtotal',
        'fiscal_appropriation',
        'fiscal_special_account',
        'business',
        'operating',
        'superior_subsidy',
        'affiliated_remittance',
        'other',
        'carryover',
      ),
    ],
  },
  expenditure: {
    kind: 'expenditure',
    number: 3,
    codeScheme: 'function',
    headers: {
      sides: {
        expenditure: {
          labels: FUNCTION_LABELS,
          measures: {
            合计: 'total',
            基本支出: 'basic',
            项目支出: 'project',
            经营支出: 'operating',
            事业单位经营支出: 'operating',
            上缴上级支出: 'remit_to_superior',
            上解上级支出: 'remit_to_superior',
            对附属单位补助支出: 'subsidy_to_affiliates',
          },
        },
      },
    },
    numberedColumns: [
      code('expenditure'),
      label('expenditure'),
      ...measures('expenditure', 'total', 'basic', 'project', 'operating', 'remit_to_superior', 'subsidy_to_affiliates'),
    ],
  },
  fiscal_summary: {
    kind: 'fiscal_summary',
    number: 4,
    codeScheme: 'function',
    codesFromLabels: true,
    headers: {
      sides: {
        revenue: { labels: ['项目', '收入项目'], measures: { 预算数: 'amount', 金额: 'amount' } },
        expenditure: {
          labels: ['项目', '支出项目'],
          measures: {
            合计: 'total',
            一般公共预算: 'general_budget',
            一般公共预算财政拨款: 'general_budget',
            政府性基金预算: 'gov_fund',
            政府性基金预算财政拨款: 'gov_fund',
            国有资本经营预算: 'soe_capital',
            国有资本经营预算财政拨款: 'soe_capital',
          },
        },
      },
    },
    numberedColumns: [
      label('revenue'),
      ...measures('revenue', 'amount'),
      label('expenditure'),
      ...measures('expenditure', 'total', 'general_budget', 'gov_fund', 'soe_capital'),
    ],
  },
  general_budget_expenditure: {
    kind: 'general_budget_expenditure',
    number: 5,
    codeScheme: 'function',
    headers: BASIC_PROJECT_HEADERS,
    numberedColumns: [code('expenditure'), label('expenditure'), ...measures('expenditure', 'total', 'basic', 'project')],
  },
  general_budget_basic_expenditure: {
    kind: 'general_budget_basic_expenditure',
    number: 6,
    codeScheme: 'economic',
    headers: {
      sides: {
        expenditure: { labels: ['经济分类科目名称', '科目名称', '项目'], measures: { 合计: 'total', 人员经费: 'personnel', 公用经费: 'public' } },
      },
    },
    numberedColumns: [code('expenditure'), label('expenditure'), ...measures('expenditure', 'total', 'personnel', 'public')],
  },
  gov_fund_expenditure: {
    kind: 'gov_fund_expenditure',
    number: 7,
    codeScheme: 'function',
    headers: BASIC_PROJECT_HEADERS,
    numberedColumns: [code('expenditure'), label('expenditure'), ...measures('expenditure', 'total', 'basic', 'project')],
  },
  soe_capital_expenditure: {
    kind: 'soe_capital_expenditure',
    number: 8,
    codeScheme: 'function',
    headers: BASIC_PROJECT_HEADERS,
    numberedColumns: [code('expenditure'), label('expenditure'), ...measures('expenditure', 'total', 'basic', 'project')],
  },
  three_public: {
    kind: 'three_public',
    number: 9,
    headers: {
      sides: { expenditure: { labels: ['项目'], measures: { 合计: 'total' } } },
      transposed: {
        '“三公”经费预算数/合计': '“三公”经费小计',
        合计: '“三公”经费小计',
        '因公出国(境)费': '因公出国(境)费',
        公务接待费: '公务接待费',
        '公务用车购置及运行费/小计': '公务用车购置及运维费',
        '公务用车购置及运行维护费/小计': '公务用车购置及运维费',
        '公务用车购置及运维费/小计': '公务用车购置及运维费',
        公务用车购置及运行费: '公务用车购置及运维费',
        购置费: '公务用车购置费',
        公务用车购置费: '公务用车购置费',
        运行费: '公务用车运行维护费',
        运行维护费: '公务用车运行维护费',
        公务用车运行维护费: '公务用车运行维护费',
        机关运行经费预算数: '机关运行经费',
        机关运行经费: '机关运行经费',
      },
    },
    numberedColumns: [label('expenditure'), ...measures('expenditure', 'total', 'general_budget', 'gov_fund', 'soe_capital')],
  },
};

/**
 * Published titles, after title normalization (NFKC, no whitespace, no
 * quotes, no leading year `2025年`, no trailing `(续)`).
 */
export const TITLES: ReadonlyArray<readonly [title: string, kind: TableKind]> = [
  // Hebei and the national template
  ['部门预算收支总表', 'revenue_expenditure_summary'],
  ['部门预算收入总表', 'revenue'],
  ['部门预算支出总表', 'expenditure'],
  ['部门预算财政拨款收支总表', 'fiscal_summary'],
  ['部门预算一般公共预算财政拨款支出表', 'general_budget_expenditure'],
  ['部门预算一般公共预算财政拨款基本支出表', 'general_budget_basic_expenditure'],
  ['部门预算政府性基金预算财政拨款支出表', 'gov_fund_expenditure'],
  ['部门预算政府基金预算财政拨款支出表', 'gov_fund_expenditure'],
  ['部门预算国有资本经营预算财政拨款支出表', 'soe_capital_expenditure'],
  ['部门预算财政拨款三公经费支出表', 'three_public'],
  // Shanghai: 2025年部门财务收支预算总表 (部门, 单位 or 预算单位)
  ...(['部门', '单位', '预算单位'] as const).flatMap((who) =>
    (
      [
        ['财务收支预算总表', 'revenue_expenditure_summary'],
        ['收入预算总表', 'revenue'],
        ['支出预算总表', 'expenditure'],
        ['财政拨款收支预算总表', 'fiscal_summary'],
        ['一般公共预算支出功能分类预算表', 'general_budget_expenditure'],
        ['政府性基金预算支出功能分类预算表', 'gov_fund_expenditure'],
        ['国有资本经营预算支出功能分类预算表', 'soe_capital_expenditure'],
        ['一般公共预算基本支出部门预算经济分类预算表', 'general_budget_basic_expenditure'],
        ['三公经费和机关运行经费预算表', 'three_public'],
      ] as const
    ).map(([title, kind]) => [`${who}${title}`, kind] as const),
  ),
];

export const ALL_KINDS = Object.keys(TABLE_SPECS) as TableKind[];
