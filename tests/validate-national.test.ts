import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LineItem, NormalizedDocument, NormalizedTable } from '../src/normalize/line-items.js';
import { processBytes } from '../src/pipeline.js';
import type { Side, TableKind } from '../src/recognize/kinds.js';
import { validate, type Check } from '../src/validate/checks.js';
import { outlineReadings } from '../src/validate/identities.js';
import { ROOT } from './helpers/run.js';

/**
 * Validation of the national sample (corpus/national, 10 provinces): an
 * `error` check only where the document itself is inconsistent. Each
 * expected error below was checked by hand against the PDF; a document's
 * own flaws are in tests/reference/national/headline-gold.csv's notes too.
 * Keys: `rule table_kind code-or-label measure`.
 */

const key = (c: Check) => `${c.rule} ${c.tableKind} ${c.code || c.label} ${c.measure}`;

/** The errors that are the documents' own, per budget. */
const DOCUMENT_FLAWS: Record<string, string[]> = {
  'bj-sj-czj-2026-dept': [],
  'bj-sj-jmrhb-2026-dept': [
    // 预算01表 and 预算04表 (p1, p6): the 类 printed, 6,770.499100 + 8.400000 + 275.300856 + 145.104512 +
    // 47.005200 = 7,246.309668, against 本年支出合计 / 本年支出 9,151.309668: 1,905.00 万元 stands under no 类
    'summary-expenditure revenue_expenditure_summary 本年支出合计 amount',
    'summary-expenditure fiscal_summary 本年支出 total',
  ],
  'bj-sj-shwj-2026-dept': [],
  'cn-gj-xfj-2026-dept': [],
  'fj-qz-bgs-2026-dept': [],
  'fj-qz-bgs-2026-unit': [],
  'fj-qz-jcbzzx-2026-unit': [],
  'gd-sz-sthjj-2026-dept': [],
  'gd-sz-tjj-2026-dept': [],
  'gd-sz-zjj-2026-dept': [],
  'jl-cc-xfj-2026-dept': [
    // 支出总表 (p8): 2014002 一般行政管理事务 合计 458.00, 当年预算 小计 0.00, 项目支出 458.00 —
    // and 2014099 其他信访事务支出 16.56 / 0.00 / 16.56 (table 5, p10, prints their 小计 right)
    'row-identity expenditure 2014002 total',
    'row-identity expenditure 2014002 current_year_subtotal',
    'row-identity expenditure 2014099 total',
    'row-identity expenditure 2014099 current_year_subtotal',
    // … so 20140 信访事务's 小计 1,378.41 is not the sum of its 项' 小计 (903.85 + 0.00 + 0.00)
    'hierarchy expenditure 20140 current_year_subtotal',
    // 本年一般公共预算基本支出表 (p11): 301 工资福利支出 911.21, its 款 add up to 920.96
    // (297.50 + 179.46 + 194.78 + 105.80 + 32.65 + 3.36 + 93.27 + 4.40 + 9.74), in each of 合计, 小计, 人员经费
    'hierarchy general_budget_basic_expenditure 301 total',
    'hierarchy general_budget_basic_expenditure 301 current_year_subtotal',
    'hierarchy general_budget_basic_expenditure 301 personnel',
    // … and 302 商品和服务支出 211.00 against 221.37 (30208 printed twice: 取暖费 23.37 and 物业管理费 36.18)
    'hierarchy general_budget_basic_expenditure 302 total',
    'hierarchy general_budget_basic_expenditure 302 current_year_subtotal',
    'hierarchy general_budget_basic_expenditure 302 public',
    // the text: "2026年预算支出1682.76元" — 元 for 万元 (the table: 1,682.76 万元)
    'narrative expenditure expenditure_total text',
  ],
  'js-suz-shujj-2026-dept': [],
  'js-suz-sjj-2026-dept': [],
  'js-suz-zrzyj-2026-unit': [
    // 公开07表 一般公共预算支出表 (p19–20): 222 粮油物资储备支出 388.25 is printed, but 合计 9,078.52 =
    // 465.60 + 7,095.13 + 1,517.79 leaves it out (in 合计 and in 项目支出), and table 4 has no 222 at all
    'total-of-classes general_budget_expenditure 合计 total',
    'total-of-classes general_budget_expenditure 合计 project',
    'cross-table fiscal_summary 222 total',
    'likely-wrong-cell general_budget_expenditure 222 total',
  ],
  'js-wx-fgw-2025-dept': [],
  'js-wx-jtj-2026-unit': [],
  'js-wx-yjj-2026-dept': [],
  'sh-sj-wlzfzd-2026-unit': [],
  'sh-sj-ybzx-2026-unit': [
    // 财务收支预算总表 (p7) prints the 7,099,698 line as 一、一般公共服务支出; tables 2 and 3 have it as 208
    // 社会保障和就业支出 (the gold's "label slip")
    'cross-table revenue_expenditure_summary 201 amount',
    'cross-table revenue_expenditure_summary 201 amount',
    'cross-table revenue_expenditure_summary 208 amount',
    'cross-table revenue_expenditure_summary 208 amount',
    'likely-wrong-cell revenue_expenditure_summary 201 amount',
  ],
  'sh-sj-zjrcpj-2026-unit': [],
  'sn-xa-ajj-2019-dept': [
    // 表13 (p32), the 2018年 columns: 合计 counts the "三公" only and 小计 only 公务接待 —
    // 合计 24.08 ≠ 2.86 + 4.32 会议 + 29.79 培训, 小计 2.86 ≠ 2.86 + 21.22 用车 — in the 合计 row,
    // the department's row 125 and 125001; 125002–125004 print no 小计, their 合计 leaves out 会议费 and 培训费
    'three-public-sum three_public 合计 total_prior_budget',
    'three-public-sum three_public “三公”经费小计 total_prior_budget',
    'three-public-sum three_public 合计 total_prior_budget',
    'three-public-sum three_public “三公”经费小计 total_prior_budget',
    'three-public-sum three_public 合计 total_prior_budget',
    'three-public-sum three_public “三公”经费小计 total_prior_budget',
    'three-public-sum three_public 合计 total_prior_budget',
    'three-public-sum three_public 合计 total_prior_budget',
    'three-public-sum three_public 合计 total_prior_budget',
    // 表3 支出总表 (p5): 合计 3,695.91 spends 上年实户资金余额 40.93 and 上年结转 11.61, which 表1 (p3)
    // carries forward as 结转下年 52.54: its 本年支出合计 is 3,643.37
    'cross-table revenue_expenditure_summary 本年支出合计 amount',
  ],
  'sn-xa-bgt-2026-dept': [],
  'sn-xa-zjj-2022-dept': [],
  'zj-hz-gaj-2026-dept': [],
  'zj-hz-qxj-2026-dept': [],
  'zj-hz-sfj-2026-dept': [],
  // the final accounts (决算): their tables read like a budget's, the actual (决算数) the figure
  'cn-gj-xfj-2024-final': [],
  'gd-fs-gdjtj-2019-final': [],
};

/**
 * Errors that are not the documents' but the reading's, in stages other
 * than validation: listed so that a fix there shows here (remove them then).
 */
const READING_FLAWS: Record<string, string[]> = {};

/**
 * Documents whose checks are not yet verified by hand: 重庆's PDFs, which
 * the extractor read wrongly until this session's last change (each digit a
 * text item of its own). Their tables now read and their headline figures
 * equal the gold (tests/national.test.ts), but their 3–4 remaining error
 * checks each (table 1 against table 4's 一般公共预算资金, the narrative's
 * 基本支出) have not been traced to the document yet.
 */
const NOT_READ_YET = new Set(['cq-sj-kjj-2026-dept', 'cq-sj-slj-2026-dept', 'cq-sj-sww-2026-dept']);

/** Rounding the documents own to (the gold's notes): told as rounding, never as an error. */
const DOCUMENT_ROUNDING: Record<string, string[]> = {
  // the gold's notes: 公开05表 合计 13,733.80 against 基本 10,234.37 + 项目 3,499.42 = 13,733.79;
  // 公开09表 决算数 合计 46.21 against 4.69 + 40.61 + 0.90 = 46.20
  'cn-gj-xfj-2024-final': ['row-identity general_budget_expenditure 合计 total', 'three-public-sum three_public 合计 total'],
  // 表1: 1,668.14 + 其他收入 0.01 = 1,668.15 against 本年收入合计 1,668.14; 本年支出合计 1,668.14 + 年末结转和结余 0.01 against 总计 1,668.14
  'gd-fs-gdjtj-2019-final': ['summary-revenue revenue_expenditure_summary 本年收入合计 amount', 'summary-expenditure revenue_expenditure_summary 总计 amount'],
  // 表3: 人员 2,906.80 + 公用 838.27 + 项目 2,131.61 = 5,876.68 against 合计 5,876.67
  'zj-hz-qxj-2026-dept': ['row-identity expenditure 合计 total'],
  'zj-hz-gaj-2026-dept': [
    // 表5: 基本 293,191.86 + 项目 77,027.38 = 370,219.24 against 合计 370,219.25
    'row-identity general_budget_expenditure 合计 total',
    // 表1: 373,795.79 + 18,536.88 + 8,059.10 = 400,391.77 against 本年收入合计 400,391.78 (财政拨款 over 一般公共预算 and 政府性基金)
    'summary-revenue revenue_expenditure_summary 本年收入合计 amount',
    // 表4: 373,795.79 + 4,023.45 = 377,819.24 against 收入总计 377,819.25
    'summary-revenue fiscal_summary 收入总计 amount',
  ],
};

const national = (id: string) => join(ROOT, 'corpus/national', `${id}.pdf`);

describe('validation of the national sample: errors only where the document is inconsistent', () => {
  it.each(Object.keys(DOCUMENT_FLAWS))('%s', async (id) => {
    const bytes = readFileSync(national(id));
    const r = await processBytes(bytes, national(id));
    expect(r.status).not.toBe('failed');
    const errors = r.checks.filter((c) => c.severity === 'error').map(key).sort();
    expect(errors).toEqual([...DOCUMENT_FLAWS[id], ...(READING_FLAWS[id] ?? [])].sort());
    const rounding = new Set(r.checks.filter((c) => c.severity === 'rounding').map(key));
    for (const k of DOCUMENT_ROUNDING[id] ?? []) expect(rounding).toContain(k);
  });

  it('covers every document of the sample, budgets and final accounts', () => {
    const manifest = readFileSync(join(ROOT, 'tests/reference/national/headline-gold.csv'), 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0])
      .filter((id) => id !== '');
    expect(manifest.filter((id) => !NOT_READ_YET.has(id)).sort()).toEqual(Object.keys(DOCUMENT_FLAWS).sort());
  });
});

/* ---------- the mechanisms, on small tables ---------- */

let refLine = 0;

function row(side: Side, code: string, label: string, amounts: Record<string, string>, more: Partial<LineItem> = {}): LineItem[] {
  return Object.entries(amounts).map(([measure, yuan]) => ({
    side,
    rowNo: '',
    code,
    codeScheme: code === '' ? '' : code.startsWith('3') ? 'economic' : 'function',
    codeLevel: code === '' ? undefined : (code.length - 1) / 2,
    parentCode: code.length > 3 ? code.slice(0, -2) : '',
    label,
    measure,
    amountFen: BigInt(yuan.replace('.', '')),
    decimals: 2,
    ref: { line: ++refLine },
    unitName: '',
    codeSource: code === '' ? '' : 'published',
    outline: 0,
    ...more,
  }));
}

const NUMBERS: Record<TableKind, number> = {
  revenue_expenditure_summary: 1,
  revenue: 2,
  expenditure: 3,
  fiscal_summary: 4,
  general_budget_expenditure: 5,
  general_budget_basic_expenditure: 6,
  gov_fund_expenditure: 7,
  soe_capital_expenditure: 8,
  three_public: 9,
};

function table(kind: TableKind, items: LineItem[][], extra: Partial<NormalizedTable> = {}): NormalizedTable {
  const flat = items.flat();
  return {
    kind,
    number: NUMBERS[kind],
    title: kind,
    unit: '元',
    publishedEmpty: false,
    measures: [...new Set(flat.filter((i) => i.side === 'expenditure' || kind === 'revenue').map((i) => i.measure))],
    ref: { line: 1 },
    items: flat,
    ...extra,
  };
}

const docOf = (...tables: NormalizedTable[]): NormalizedDocument => ({
  budgetScope: 'department',
  phase: 'budget',
  departmentCode: '',
  departmentName: '测试部门',
  fiscalYear: 2026,
  tables,
  unreadable: [],
  messages: [],
});

const errorsOf = (...tables: NormalizedTable[]) => validate(docOf(...tables)).filter((c) => c.severity === 'error');
const checksOf = (...tables: NormalizedTable[]) => validate(docOf(...tables));

describe('row identities: the measures tree, read as the table prints it', () => {
  it('基本支出 printed only as 人员支出 and 日常公用支出 (杭州): total = personnel + public + project', () => {
    const t = table('expenditure', [
      row('expenditure', '', '合计', { total: '100.00', personnel: '50.00', public: '20.00', project: '30.00' }),
      row('expenditure', '201', '一般公共服务支出', { total: '100.00', personnel: '50.00', public: '20.00', project: '30.00' }),
    ]);
    expect(errorsOf(t)).toEqual([]);
    const identity = checksOf(t).find((c) => c.rule === 'row-identity' && c.label === '合计');
    expect(identity).toMatchObject({ severity: 'ok', measure: 'total', expectedFen: 10000n });
  });

  it('经营支出 added in (河北) or printed beside (深圳): the reading that holds is taken, a wrong total is still an error', () => {
    const added = table('expenditure', [row('expenditure', '', '合计', { total: '110.00', basic: '60.00', project: '40.00', operating: '10.00' })]);
    const beside = table('expenditure', [row('expenditure', '', '合计', { total: '100.00', basic: '60.00', project: '40.00', operating: '15.00' })]);
    const wrong = table('expenditure', [row('expenditure', '', '合计', { total: '120.00', basic: '60.00', project: '40.00', operating: '10.00' })]);
    expect(errorsOf(added)).toEqual([]);
    expect(errorsOf(beside)).toEqual([]);
    expect(errorsOf(wrong).map((c) => c.label)).toEqual(['合计']);
  });

  it('合计 | 当年预算 (小计, 基本, 项目) | 上年结转结余 (小计, 基本, 项目) (长春)', () => {
    const cells = { total: '150.00', current_year_subtotal: '100.00', basic: '60.00', project: '40.00', carryover: '50.00', carryover_basic: '20.00', carryover_project: '30.00' };
    const t = table('expenditure', [row('expenditure', '', '总计', cells)]);
    expect(errorsOf(t)).toEqual([]);
    const parents = checksOf(t).filter((c) => c.rule === 'row-identity').map((c) => c.measure);
    expect(new Set(parents)).toEqual(new Set(['total', 'current_year_subtotal', 'carryover']));
    // a 小计 printed 0.00 over printed parts is the document's flaw, and the cell named
    const flawed = table('expenditure', [row('expenditure', '', '总计', { ...cells, current_year_subtotal: '0.00' })]);
    expect(errorsOf(flawed).map((c) => `${c.rule} ${c.measure}`)).toEqual([
      'row-identity total',
      'row-identity current_year_subtotal',
      'likely-wrong-cell current_year_subtotal',
    ]);
  });

  it('收入总表 with 一般公共预算 under 本年收入 and 上年结转 by fund (北京)', () => {
    const t = table('revenue', [
      row('revenue', '', '合计', { total: '105.00', current_year_subtotal: '100.00', general_budget: '100.00', carryover: '5.00', carryover_general_budget: '5.00' }),
    ]);
    expect(errorsOf(t)).toEqual([]);
  });

  it('收入总表 by source with no 小计 (深圳): total = Σ sources + carryover; 经营收入 alone is not 经营支出', () => {
    const t = table('revenue', [
      row('revenue', '', '合计', { total: '130.00', general_budget: '80.00', gov_fund: '10.00', operating: '20.00', other: '15.00', carryover: '5.00' }),
    ]);
    expect(errorsOf(t)).toEqual([]);
  });

  it('comparison columns are never terms of a sum', () => {
    const t = table('general_budget_expenditure', [
      row('expenditure', '', '合计', { total_prior_actual: '999.00', total: '100.00', basic: '60.00', project: '40.00', total_change: '-899.00' }),
    ]);
    expect(errorsOf(t)).toEqual([]);
  });
});

describe('summary tables: revenue items nested by outline, totals by role', () => {
  const summary = (revenue: LineItem[][]) =>
    table('revenue_expenditure_summary', [
      ...revenue,
      row('expenditure', '201', '一般公共服务支出', { amount: '100.00' }, { codeSource: 'list', outline: 1 }),
      row('expenditure', '', '本年支出合计', { amount: '100.00' }),
      row('expenditure', '', '支出总计', { amount: '100.00' }),
    ]);

  it('一、财政拨款 over 1.一般公共预算 and 2.政府性基金: the top level is summed, not every row', () => {
    const t = summary([
      row('revenue', '', '财政拨款', { amount: '90.00' }, { outline: 1 }),
      row('revenue', '', '一般公共预算拨款', { amount: '80.00' }, { outline: 2 }),
      row('revenue', '', '政府性基金预算拨款', { amount: '10.00' }, { outline: 2 }),
      row('revenue', '', '事业收入', { amount: '10.00' }, { outline: 1 }),
      row('revenue', '', '本年收入合计', { amount: '100.00' }),
      row('revenue', '', '收入总计', { amount: '100.00' }),
    ]);
    expect(errorsOf(t)).toEqual([]);
    expect(checksOf(t).find((c) => c.label === '本年收入合计')).toMatchObject({ severity: 'ok', expectedFen: 10000n });
  });

  it('unnumbered rows under a numbered one (杭州: 一、财政拨款 / 一般公共预算 / 政府性基金)', () => {
    const t = summary([
      row('revenue', '', '财政拨款', { amount: '90.00' }, { outline: 1 }),
      row('revenue', '', '一般公共预算', { amount: '80.00' }),
      row('revenue', '', '政府性基金预算', { amount: '10.00' }),
      row('revenue', '', '其他收入', { amount: '10.00' }, { outline: 1 }),
      row('revenue', '', '本年收入合计', { amount: '100.00' }),
      row('revenue', '', '收入总计', { amount: '100.00' }),
    ]);
    expect(errorsOf(t)).toEqual([]);
  });

  it('the grand total printed as 合计 at the top (重庆), balances carried over by role (西安: 上年实户资金余额, 上年结转 over 财政拨款资金结转)', () => {
    const top = table('revenue_expenditure_summary', [
      row('revenue', '', '合计', { amount: '100.00' }),
      row('expenditure', '', '合计', { amount: '100.00' }),
      row('revenue', '', '一般公共预算资金', { amount: '70.00' }, { outline: 1 }),
      row('expenditure', '201', '一般公共服务支出', { amount: '100.00' }, { codeSource: 'list', outline: 1 }),
      row('revenue', '', '其他收入资金', { amount: '30.00' }, { outline: 1 }),
    ]);
    expect(errorsOf(top)).toEqual([]);
    expect(checksOf(top).filter((c) => c.rule.startsWith('summary-')).map((c) => c.severity)).toEqual(['ok', 'ok', 'ok']);
    const balances = summary([
      row('revenue', '', '一般公共预算拨款收入', { amount: '90.00' }, { outline: 1 }),
      row('revenue', '', '本年收入合计', { amount: '90.00' }),
      row('revenue', '', '上年实户资金余额', { amount: '4.00' }),
      row('revenue', '', '上年结转', { amount: '6.00' }),
      row('revenue', '', '财政拨款资金结转', { amount: '6.00' }),
      row('revenue', '', '收入总计', { amount: '100.00' }),
    ]);
    expect(errorsOf(balances)).toEqual([]);
  });

  it('outline readings: roots, leaves, all', () => {
    // 部门预算 (一、) over 财政拨款 ((一)) over 一般公共预算拨款 ((1)) over an unnumbered 其中 row
    expect(outlineReadings([1, 2, 3, 0, 2])).toEqual({ roots: [0], leaves: [3, 4], all: [0, 1, 2, 3, 4] });
    // 深圳: an unnumbered 财政拨款 opening the list, over 1. rows
    expect(outlineReadings([0, 2, 2])).toEqual({ roots: [0], leaves: [1, 2], all: [0, 1, 2] });
    // 杭州: unnumbered rows under a numbered one, then its numbered siblings
    expect(outlineReadings([1, 0, 0, 1, 1])).toEqual({ roots: [0, 3, 4], leaves: [1, 2, 3, 4], all: [0, 1, 2, 3, 4] });
  });
});

describe('预算单位 blocks: codes repeat per unit', () => {
  it('a unit block is summed on its own, also where only its first row names the unit (深圳)', () => {
    const t = table('expenditure', [
      row('expenditure', '', '合计', { total: '300.00' }),
      row('expenditure', '', '合计', { total: '100.00' }, { unitName: '甲单位' }),
      row('expenditure', '201', '一般公共服务支出', { total: '100.00' }),
      row('expenditure', '20101', '人大事务', { total: '100.00' }),
      row('expenditure', '', '合计', { total: '200.00' }, { unitName: '乙单位' }),
      row('expenditure', '201', '一般公共服务支出', { total: '200.00' }),
      row('expenditure', '20101', '人大事务', { total: '200.00' }),
    ]);
    expect(errorsOf(t)).toEqual([]);
    const ofClasses = checksOf(t).filter((c) => c.rule === 'total-of-classes');
    expect(ofClasses.map((c) => c.severity)).toEqual(['ok', 'ok']);
  });

  it('a row coded as no classification (125001 西安市…局) heads its unit’s block', () => {
    const t = table('general_budget_expenditure', [
      row('expenditure', '', '合计', { total: '300.00' }),
      row('expenditure', '125001', '甲局', { total: '100.00' }),
      row('expenditure', '208', '社会保障和就业支出', { total: '100.00' }),
      row('expenditure', '05', '行政事业单位离退休', { total: '100.00' }),
      row('expenditure', '2080505', '机关事业单位基本养老保险缴费支出', { total: '100.00' }),
      row('expenditure', '125002', '乙中心', { total: '200.00' }),
      row('expenditure', '208', '社会保障和就业支出', { total: '200.00' }),
      row('expenditure', '2080505', '机关事业单位基本养老保险缴费支出', { total: '200.00' }),
    ]);
    expect(errorsOf(t)).toEqual([]);
  });

  it('a table whose rows are units, without 类 (北京 收入总表), is no evidence against table 1’s 类', () => {
    const summary = table('revenue_expenditure_summary', [
      row('expenditure', '201', '一般公共服务支出', { amount: '100.00' }, { codeSource: 'list' }),
      row('expenditure', '', '本年支出合计', { amount: '100.00' }),
    ]);
    const revenue = table('revenue', [
      row('revenue', '', '015', { total: '100.00', general_budget: '100.00' }, { unitName: '015' }),
      row('revenue', '', '合计', { total: '100.00', general_budget: '100.00' }),
    ]);
    expect(errorsOf(summary, revenue)).toEqual([]);
    expect(checksOf(summary, revenue).filter((c) => c.rule === 'cross-table')).toEqual([]);
  });
});

describe('other readings', () => {
  it('the "三公" table by role: 因公出国(境)费用, 公务用车购置及运行费, a blank subtotal standing for its parts', () => {
    const t = table('three_public', [
      row('expenditure', '', '合计', { total: '30.00' }),
      row('expenditure', '', '因公出国(境)费用', { total: '5.00' }, { outline: 2 }),
      row('expenditure', '', '公务接待费', { total: '5.00' }, { outline: 2 }),
      row('expenditure', '', '公务用车购置费', { total: '12.00' }, { outline: 3 }),
      row('expenditure', '', '公务用车运行费', { total: '8.00' }, { outline: 3 }),
    ]);
    expect(errorsOf(t)).toEqual([]);
    expect(checksOf(t).find((c) => c.rule === 'three-public-sum')).toMatchObject({ label: '合计', severity: 'ok', expectedFen: 3000n });
  });

  it('a code printed twice (the 项 with its 款’s code) is read as the identity allows', () => {
    const t = table('expenditure', [
      row('expenditure', '219', '援助其他地区支出', { total: '502.00' }),
      row('expenditure', '21999', '其他支出', { total: '502.00' }),
      row('expenditure', '21999', '其他支出', { total: '502.00' }),
    ]);
    expect(errorsOf(t)).toEqual([]);
  });

  it('zeros under a note calling the table empty agree with it; amounts do not', () => {
    const zeros = table('gov_fund_expenditure', [row('expenditure', '', '合计', { total: '0.00', basic: '0.00', project: '0.00' })], {
      emptyNote: '本单位没有使用政府性基金预算拨款安排的支出。',
      publishedEmpty: true,
    });
    const amounts = table('three_public', [row('expenditure', '', '公务接待费', { total: '1.00' })], { emptyNote: '本表为空表。' });
    expect(errorsOf(zeros)).toEqual([]);
    expect(errorsOf(amounts).map((c) => c.rule)).toEqual(['empty-note']);
  });

  it('table 4 against the funds’ tables on their bases: the year’s appropriation only, the balance carried over apart (国家信访局)', () => {
    const fiscal = table('fiscal_summary', [
      row('revenue', '', '本年收入', { amount: '100.00' }, { outline: 1 }),
      row('revenue', '', '一般公共预算拨款', { amount: '100.00' }, { outline: 2 }),
      row('revenue', '', '上年结转', { amount: '20.00' }, { outline: 1 }),
      row('revenue', '', '收入总计', { amount: '120.00' }),
      row('expenditure', '', '本年支出', { total: '120.00' }, { outline: 1 }),
      row('expenditure', '201', '一般公共服务支出', { total: '120.00' }, { codeSource: 'list', outline: 2 }),
      row('expenditure', '', '支出总计', { total: '120.00' }),
    ]);
    const general = table('general_budget_expenditure', [
      row('expenditure', '', '合计', { total: '100.00', basic: '60.00', project: '40.00' }),
      row('expenditure', '201', '一般公共服务支出', { total: '100.00', basic: '60.00', project: '40.00' }),
    ]);
    expect(errorsOf(fiscal, general)).toEqual([]);
    // on the same basis the 类 are compared
    const same = table('general_budget_expenditure', [
      row('expenditure', '', '合计', { total: '120.00', basic: '60.00', project: '60.00' }),
      row('expenditure', '201', '一般公共服务支出', { total: '110.00', basic: '60.00', project: '50.00' }),
      row('expenditure', '205', '教育支出', { total: '10.00', project: '10.00' }),
    ]);
    expect(errorsOf(fiscal, same).map((c) => `${c.rule} ${c.code}`)).toEqual(['cross-table 201', 'cross-table 205']);
  });
});

describe('final accounts (决算)', () => {
  const finalDoc = (...tables: NormalizedTable[]): NormalizedDocument => ({ ...docOf(...tables), phase: 'final' });

  it('table 6 printed as two groups with one total each (人员经费合计 | 公用经费合计) and no 合计: their sum is table 5’s 基本支出', () => {
    const basic = (publicTotal: string) =>
      table('general_budget_basic_expenditure', [
        row('expenditure', '301', '工资福利支出', { personnel: '80.00' }),
        row('expenditure', '302', '商品和服务支出', { public: '20.00' }),
        row('expenditure', '', '人员经费合计', { personnel: '80.00' }),
        row('expenditure', '', '公用经费合计', { public: publicTotal }),
      ]);
    const general = table('general_budget_expenditure', [row('expenditure', '', '合计', { total: '130.00', basic: '100.00', project: '30.00' })]);
    const across = (t: NormalizedTable) => validate(finalDoc(t, general)).filter((c) => c.rule === 'cross-table');
    expect(across(basic('20.00')).map((c) => [c.severity, c.measure, c.expectedFen])).toEqual([['ok', 'basic', 10000n]]);
    expect(across(basic('25.00')).map((c) => [c.severity, c.label])).toEqual([['error', '合计']]);
  });

  it('each group total of table 6 (人员经费合计, 公用经费合计) is the sum of the 类 in its measure', () => {
    const basic = (personnelTotal: string) =>
      table('general_budget_basic_expenditure', [
        row('expenditure', '301', '工资福利支出', { personnel: '60.00' }),
        row('expenditure', '303', '对个人和家庭的补助', { personnel: '20.00' }),
        row('expenditure', '302', '商品和服务支出', { public: '20.00' }),
        row('expenditure', '', '人员经费合计', { personnel: personnelTotal }),
        row('expenditure', '', '公用经费合计', { public: '20.00' }),
      ]);
    const groups = (t: NormalizedTable) => validate(finalDoc(t)).filter((c) => c.rule === 'total-of-classes').map((c) => [c.label, c.severity, c.expectedFen]);
    expect(groups(basic('80.00'))).toEqual([
      ['人员经费合计', 'ok', 8000n],
      ['公用经费合计', 'ok', 2000n],
    ]);
    expect(groups(basic('85.00'))[0]).toEqual(['人员经费合计', 'error', 8000n]);
  });

  it('a final account’s revenue by function class is not its spending: table 1’s 类 are not compared with table 2’s', () => {
    const summary = table('revenue_expenditure_summary', [
      row('revenue', '', '本年收入合计', { amount: '100.00' }),
      row('expenditure', '201', '一般公共服务支出', { amount: '80.00' }, { codeSource: 'list' }),
      row('expenditure', '', '本年支出合计', { amount: '80.00' }),
    ]);
    const revenue = table('revenue', [
      row('revenue', '', '合计', { total: '100.00' }),
      row('revenue', '201', '一般公共服务支出', { total: '100.00' }),
    ]);
    const across = (doc: NormalizedDocument) => validate(doc).filter((c) => c.rule === 'cross-table' && c.code === '201');
    // in a budget the revenue by class is what it plans to spend on each
    expect(across(docOf(summary, revenue)).map((c) => c.severity)).toEqual(['error']);
    expect(across(finalDoc(summary, revenue))).toEqual([]);
  });
});
