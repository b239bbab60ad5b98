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
export type ColumnRole =
  | { side: Side; role: 'label' }
  | { side: Side; role: 'code' }
  | { side: Side; role: 'measure'; measure: string };

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
}

const label = (side: Side): ColumnRole => ({ side, role: 'label' });
const code = (side: Side): ColumnRole => ({ side, role: 'code' });
const measures = (side: Side, ...keys: string[]): ColumnRole[] => keys.map((measure) => ({ side, role: 'measure', measure }));

export const TABLE_SPECS: Record<TableKind, TableSpec> = {
  revenue_expenditure_summary: {
    kind: 'revenue_expenditure_summary',
    number: 1,
    codeScheme: 'function',
    codesFromLabels: true,
    numberedColumns: [label('revenue'), ...measures('revenue', 'amount'), label('expenditure'), ...measures('expenditure', 'amount')],
  },
  revenue: {
    kind: 'revenue',
    number: 2,
    codeScheme: 'function',
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
    numberedColumns: [code('expenditure'), label('expenditure'), ...measures('expenditure', 'total', 'basic', 'project')],
  },
  general_budget_basic_expenditure: {
    kind: 'general_budget_basic_expenditure',
    number: 6,
    codeScheme: 'economic',
    numberedColumns: [code('expenditure'), label('expenditure'), ...measures('expenditure', 'total', 'personnel', 'public')],
  },
  gov_fund_expenditure: {
    kind: 'gov_fund_expenditure',
    number: 7,
    codeScheme: 'function',
    numberedColumns: [code('expenditure'), label('expenditure'), ...measures('expenditure', 'total', 'basic', 'project')],
  },
  soe_capital_expenditure: {
    kind: 'soe_capital_expenditure',
    number: 8,
    codeScheme: 'function',
    numberedColumns: [code('expenditure'), label('expenditure'), ...measures('expenditure', 'total', 'basic', 'project')],
  },
  three_public: {
    kind: 'three_public',
    number: 9,
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
];

export const ALL_KINDS = Object.keys(TABLE_SPECS) as TableKind[];
