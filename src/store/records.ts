import { formatRef, type SourceRef } from '../ir.js';
import { formatYuan } from '../normalize/amount.js';
import type { DisclosureTables } from '../recognize/disclosure.js';

/**
 * The disclosure's other tables (projects, indicators, procurement, assets,
 * institutions), declared once: each column's SQLite type, how it is read
 * from the extracted records, and its dataset description. The store's
 * tables, inserts and dataset views are all made from these declarations.
 */

export type ColumnKind = 'text' | 'integer' | 'fen';

export interface RecordColumn<T> {
  /** The stored column; a `fen` column `x_fen` is exported as `x_yuan`. */
  name: string;
  kind: ColumnKind;
  description: string;
  value: (record: T) => string | number | bigint | undefined;
  required?: boolean;
}

export interface RecordTable<T extends { ref: SourceRef }> {
  /** The SQLite table and the dataset's name. */
  name: string;
  description: string;
  columns: RecordColumn<T>[];
  records: (tables: DisclosureTables) => T[];
  /** Columns that identify a row within a document. */
  key?: string[];
}

const text = <T>(name: string, description: string, value: (r: T) => string | undefined, required = false): RecordColumn<T> => ({
  name,
  kind: 'text',
  description,
  value,
  required,
});
const fen = <T>(name: string, description: string, value: (r: T) => bigint | undefined): RecordColumn<T> => ({ name, kind: 'fen', description, value });

/** Fund sources of a procurement row, by the header texts that name them. */
const PROCUREMENT_SOURCES: [column: string, description: string, headers: string[]][] = [
  ['general_budget_fen', '一般公共预算拨款', ['一般公共预算拨款', '一般公共预算']],
  ['gov_fund_fen', '政府性基金预算拨款', ['基金预算拨款', '政府性基金预算拨款', '政府性基金']],
  ['soe_capital_fen', '国有资本经营预算拨款', ['国有资本经营预算拨款', '国有资本经营预算']],
  ['special_account_fen', '财政专户核拨', ['财政专户核拨', '财政专户管理资金', '财政专户']],
  ['unit_funds_fen', '单位资金', ['单位资金']],
  ['carryover_fen', '上年结转结余 / 财政拨款结转', ['上年结转结余', '财政拨款结转', '上年结转', '非财政拨款结转结余']],
];

type Project = DisclosureTables['projects'][number];
type Indicator = DisclosureTables['indicators'][number];
type Procurement = DisclosureTables['procurement'][number];
type Asset = DisclosureTables['assets'][number];
type Institution = DisclosureTables['institutions'][number];

const projects: RecordTable<Project> = {
  name: 'projects',
  description: 'projects of the performance-target tables (项目绩效目标表): budget, funds, purpose, spending plan, goals',
  records: (t) => t.projects,
  key: ['project_code', 'project_name'],
  columns: [
    text('project_code', '项目编码; empty when the layout has none', (r) => r.projectCode),
    text('project_name', '项目名称 as published', (r) => r.projectName, true),
    fen('budget_fen', '预算数', (r) => r.budgetFen),
    fen('fiscal_funds_fen', '其中：财政资金', (r) => r.fiscalFundsFen),
    fen('other_funds_fen', '其他资金', (r) => r.otherFundsFen),
    text('unit', 'the unit the table declared (万元, 元)', (r) => r.unit),
    text('purpose', '资金用途', (r) => r.purpose),
    text('spending_plan', '资金支出计划 as published, JSON: [{period, value, percent}]', (r) => JSON.stringify(r.spendingPlan)),
    text('goals', '绩效目标', (r) => r.goals),
  ],
};

const indicators: RecordTable<Indicator> = {
  name: 'indicators',
  description: 'performance indicators of each project (一级/二级/三级指标), targets as published and parsed',
  records: (t) => t.indicators,
  columns: [
    text('project_code', '项目编码 of the project; empty when none', (r) => r.projectCode),
    text('project_name', '项目名称 of the project', (r) => r.projectName),
    text('level1', '一级指标', (r) => r.level1),
    text('level2', '二级指标', (r) => r.level2),
    text('level3', '三级指标', (r) => r.level3),
    text('description', '绩效指标描述', (r) => r.description),
    text('target', '指标值 as published (≥95%, 比上年有所提高)', (r) => r.target),
    text('comparator', 'the target\'s comparator (≥ ≤ > < =), where one is written', (r) => r.comparator),
    text('number', 'the target\'s number, where it has one', (r) => r.number),
    text('target_unit', 'the target\'s unit (%, 万元, 套 …)', (r) => r.unit),
    text('basis', '指标值确定依据', (r) => r.basis),
  ],
};

const procurement: RecordTable<Procurement> = {
  name: 'procurement',
  description: 'the government procurement budget (部门政府采购预算), items with their totals and subtotals marked',
  records: (t) => t.procurement,
  columns: [
    text('row_kind', 'item, or total (合计) / subtotal (小计)', (r) => r.kind, true),
    text('project_name', '政府采购项目来源: 项目名称 (for totals, their label)', (r) => r.projectName),
    fen('project_budget_fen', '项目预算资金', (r) => r.projectBudgetFen),
    text('item_name', '采购物品名称', (r) => r.itemName),
    text('catalog_code', '政府采购目录序号 (C08020100)', (r) => r.catalogCode),
    text('unit', '计量单位', (r) => r.unit),
    text('quantity', '数量 as published', (r) => r.quantity),
    fen('unit_price_fen', '单价', (r) => r.unitPriceFen),
    fen('amount_fen', '政府采购金额 合计', (r) => r.amountFen),
    ...PROCUREMENT_SOURCES.map(([column, description, headers]) =>
      fen<Procurement>(column, `of which ${description}`, (r) => {
        const hits = headers.filter((h) => r.sourcesFen[h] !== undefined);
        return hits.length === 0 ? undefined : hits.reduce((sum, h) => sum + r.sourcesFen[h], 0n);
      }),
    ),
    text('other_sources', 'fund sources under other headers, JSON {header: 元}', (r) => {
      const known = new Set(PROCUREMENT_SOURCES.flatMap(([, , headers]) => headers));
      const other = Object.entries(r.sourcesFen).filter(([h]) => !known.has(h));
      return other.length === 0 ? '' : JSON.stringify(Object.fromEntries(other.map(([h, v]) => [h, formatYuan(v)])));
    }),
    fen('sme_reserved_fen', '预留中小微企业份额', (r) => r.smeReservedFen),
    text('source_unit', 'the unit the table declared', (r) => r.sourceUnit),
  ],
};

const assets: RecordTable<Asset> = {
  name: 'assets',
  description: 'fixed assets held (部门固定资产占用情况表)',
  records: (t) => t.assets,
  key: ['as_of', 'item'],
  columns: [
    text('as_of', '截止时间 (YYYY-MM-DD)', (r) => r.asOf),
    text('item', 'the row, normalized (资产总额, 房屋(平方米) …)', (r) => r.item, true),
    text('quantity', '数量 as published', (r) => r.quantity),
    fen('value_fen', '价值', (r) => r.valueFen),
    text('source_unit', 'the unit of 价值 as declared', (r) => r.sourceUnit),
  ],
};

const institutions: RecordTable<Institution> = {
  name: 'institutions',
  description: 'the units a department contains (部门机构设置情况)',
  records: (t) => t.institutions,
  key: ['unit_name'],
  columns: [
    text('unit_name', '单位名称', (r) => r.unitName, true),
    text('unit_type', '单位性质 (行政, 事业 …)', (r) => r.unitType),
    text('unit_rank', '单位规格 (正科级 …)', (r) => r.unitRank),
    text('funding', '经费保障形式', (r) => r.funding),
  ],
};

// the tables differ in their record type; the store treats them alike
export const RECORD_TABLES: RecordTable<any>[] = [projects, indicators, procurement, assets, institutions];

/** The exported name of a stored column: `budget_fen` → `budget_yuan`. */
export const exportedName = (column: { name: string; kind: ColumnKind }) => (column.kind === 'fen' ? column.name.replace(/_fen$/, '_yuan') : column.name);

export function createTableSql(table: RecordTable<{ ref: SourceRef }>): string {
  const columns = table.columns.map((c) => `  ${c.name} ${c.kind === 'text' ? "TEXT NOT NULL DEFAULT ''" : 'INTEGER'}`);
  return `CREATE TABLE IF NOT EXISTS ${table.name} (
  doc_key INTEGER NOT NULL REFERENCES documents(doc_key) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
${columns.join(',\n')},
  source_ref TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (doc_key, seq)
) WITHOUT ROWID;`;
}

/** The columns of an insert into a record table after doc_key, in the order of recordValues (after seq). */
export function insertColumns(table: RecordTable<{ ref: SourceRef }>): string[] {
  return ['seq', ...table.columns.map((c) => c.name), 'source_ref'];
}

/** The values of one record, after seq (see insertColumns). */
export function recordValues<T extends { ref: SourceRef }>(table: RecordTable<T>, record: T): unknown[] {
  return [...table.columns.map((c) => c.value(record) ?? (c.kind === 'text' ? '' : null)), formatRef(record.ref)];
}

/** The dataset view of a record table: the common columns, then its own, amounts as 元, then (v3) each amount's exact 分. */
export function datasetViewSql(table: RecordTable<{ ref: SourceRef }>, yuanSql: (fen: string) => string): string {
  const own = table.columns.map((c) => (c.kind === 'fen' ? `${yuanSql(`r.${c.name}`)} AS ${exportedName(c)}` : `r.${c.name}`));
  const fen = table.columns.filter((c) => c.kind === 'fen').map((c) => `, r.${c.name}`);
  return `DROP VIEW IF EXISTS ${table.name}_dataset;
CREATE VIEW ${table.name}_dataset AS
SELECT d.doc_id, d.source_file, d.department_code, d.fiscal_year, r.source_ref, ${own.join(', ')}, r.seq AS row_no${fen.join('')}
FROM ${table.name} r JOIN documents d ON d.doc_key = r.doc_key WHERE d.status IN ('ok', 'partial');`;
}
