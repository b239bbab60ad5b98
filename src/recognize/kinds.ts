import type { CodeScheme } from '../normalize/codes.js';

/**
 * The nine standard tables of a 部门预算 disclosure (SCHEMA.md "table_kind
 * and measure keys"), as data: their numbers, code schemes and the role of
 * each column by 栏次 number. Their titles are read by titles.ts, their
 * headers by columns.ts.
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
