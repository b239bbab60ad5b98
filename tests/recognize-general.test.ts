import { describe, expect, it } from 'vitest';
import { measureOfPath, periodSuffix, readColumn, threePublicItem } from '../src/recognize/columns.js';
import { isAnyTableTitle, readTitle } from '../src/recognize/titles.js';
import { processBytes } from '../src/pipeline.js';
import { extractFacts } from '../src/recognize/facts.js';

/**
 * Recognition by meaning: titles as printed by departments of many
 * provinces, with the kind a person reads in each (tests/reference/national
 * says which table of each document is which); headers by their concepts.
 */

describe('titles by what they say', () => {
  it.each([
    // 北京: 预算01表 …
    ['预算01表 收支总表', 'revenue_expenditure_summary'],
    ['预算02表收入总表', 'revenue'],
    ['预算03表 支出预算总表', 'expenditure'],
    ['预算04表 财政拨款收支预算总表', 'fiscal_summary'],
    ['预算05表一般公共预算支出表', 'general_budget_expenditure'],
    ['预算06表 一般公共预算基本支出表', 'general_budget_basic_expenditure'],
    ['预算07表 政府性基金预算财政拨款支出表', 'gov_fund_expenditure'],
    ['预算08表 国有资本经营预算财政拨款支出表', 'soe_capital_expenditure'],
    ['预算09表 财政拨款“三公”经费支出表', 'three_public'],
    // 中央: 部门公开表1 on the line above
    ['部门收支总表', 'revenue_expenditure_summary'],
    ['财政拨款预算“三公”经费支出表', 'three_public'],
    // 重庆: 2026年…总体情况表, …情况表
    ['2026年部门收支总体情况表', 'revenue_expenditure_summary'],
    ['2026年财政拨款收支总体情况表', 'fiscal_summary'],
    ['2026年一般公共预算基本支出情况表', 'general_budget_basic_expenditure'],
    ['2026年政府性基金预算支出情况表', 'gov_fund_expenditure'],
    // 福建 泉州: 2026年度…预算表
    ['2026年度收支预算总表', 'revenue_expenditure_summary'],
    ['2026年度一般公共预算拨款支出预算表', 'general_budget_expenditure'],
    ['2026年度一般公共预算基本支出经济分类情况表', 'general_budget_basic_expenditure'],
    ['2026年度一般公共预算“三公”经费支出预算表', 'three_public'],
    // 广东 深圳: qualifiers in brackets
    ['一般公共预算支出表（按功能分类）', 'general_budget_expenditure'],
    // 吉林 长春: 本年…, (预算表N) after the title
    ['五、本年一般公共预算支出表', 'general_budget_expenditure'],
    ['十、本年国有资本经营预算支出明细表', 'soe_capital_expenditure'],
    ['收支总表（预算表1）', 'revenue_expenditure_summary'],
    // 江苏: 公开01表 on the line above; 三公 with 会议费、培训费
    ['一般公共预算“三公”经费、会议费、培训费支出表', 'three_public'],
    ['十一、国有资本经营预算支出预算表', 'soe_capital_expenditure'],
    // 上海: 预算单位 scope
    ['2026年预算单位财务收支预算总表', 'revenue_expenditure_summary'],
    ['2026年预算单位一般公共预算基本支出部门预算经济分类预算表', 'general_budget_basic_expenditure'],
    ['2026年单位“三公”经费和机关运行经费预算表', 'three_public'],
    // 陕西 西安: 部门综合预算, classification qualifiers
    ['2019年部门综合预算收支总表', 'revenue_expenditure_summary'],
    ['2019年部门综合预算一般公共预算支出明细表（按支出功能分类科目）', 'general_budget_expenditure'],
    ['2019年部门综合预算一般公共预算基本支出明细表（按支出经济分类科目）', 'general_budget_basic_expenditure'],
    ['2019年部门综合预算政府性基金收支总表', 'gov_fund_expenditure'],
    ['2022年部门综合预算一般公共预算支出明细表（按支出功能分类科目-不含上年结转）', 'general_budget_expenditure'],
    // 浙江 杭州: 表1：2026年市级部门…
    ['表1：2026年市级部门收支预算总表', 'revenue_expenditure_summary'],
    ['表9：2026年市级部门国有资本经营预算支出预算表', 'soe_capital_expenditure'],
    // 河北 (the seeds' template)
    ['部门预算一般公共预算财政拨款基本支出表', 'general_budget_basic_expenditure'],
    ['部门预算政府基金预算财政拨款支出表', 'gov_fund_expenditure'],
  ])('%s is %s', (title, kind) => {
    expect(readTitle(title)?.kind).toBe(kind);
  });

  it.each([
    // not one of the nine: other tables of a disclosure
    '预算10表 政府采购预算明细表',
    '基本支出总表',
    '项目支出总表',
    '九、项目支出表',
    '财政拨款支出表（功能科目）',
    '十二、一般公共预算机关运行经费支出预算表',
    // 基本支出 by function class (西安's 表7) is not table 6
    '2019年部门综合预算一般公共预算基本支出明细表（按支出功能分类科目）',
    // a section about a table, a contents line, a part title, a note
    '一、关于部门收支总表的说明',
    '收支总表情况说明',
    '一、收支预算总表............................10',
    '2026年度部门预算表',
    '注:本部门2024年无“三公”经费和机关运行经费预算，故本表为空表。',
  ])('%s is none of the nine', (title) => {
    expect(readTitle(title)).toBeUndefined();
  });

  it('ranks the table a document means above another it prints of the same kind', () => {
    // 泉州: 八、一般公共预算支出经济分类情况表 beside 九、…基本支出经济分类情况表 (table 6)
    expect(readTitle('2026年度一般公共预算基本支出经济分类情况表')!.rank).toBeGreaterThan(readTitle('2026年度一般公共预算支出经济分类情况表')!.rank);
    // 深圳's 一般公共预算支出表（按经济分类） is table 6 where nothing says 基本支出
    expect(readTitle('一般公共预算支出表（按经济分类）')).toMatchObject({ kind: 'general_budget_basic_expenditure', rank: 1 });
  });

  it.each([
    // the 部门决算 template: 公开01表 … on the line above, or numbered before the title
    ['公开01表 收入支出决算总表', 'revenue_expenditure_summary'],
    ['2023年度部门决算收支总表', 'revenue_expenditure_summary'],
    ['收入支出决算表', 'revenue_expenditure_summary'],
    ['2022年度部门收入决算表', 'revenue'],
    ['表3：支出决算表', 'expenditure'],
    ['部门决算财政拨款收支总表', 'fiscal_summary'],
    ['财政拨款收入支出决算总表（公开04表）', 'fiscal_summary'],
    ['一般公共预算财政拨款支出决算表', 'general_budget_expenditure'],
    ['一般公共预算财政拨款基本支出决算明细表', 'general_budget_basic_expenditure'],
    ['政府性基金预算财政拨款收入支出决算表', 'gov_fund_expenditure'],
    ['国有资本经营预算财政拨款支出决算表', 'soe_capital_expenditure'],
    ['一般公共预算财政拨款“三公”经费支出决算表', 'three_public'],
    ['“三公”经费支出决算情况表', 'three_public'],
  ])('the final account’s %s is %s', (title, kind) => {
    expect(readTitle(title)).toMatchObject({ kind, final: true });
  });

  it.each(['财政拨款支出决算明细表', '一般公共预算财政拨款项目支出决算表', '政府性基金预算财政拨款“三公”经费支出决算表', '三、支出决算情况说明'])('the final account’s %s is none of the nine', (title) => {
    expect(readTitle(title)).toBeUndefined();
  });

  it('tells final accounts (决算) from budgets', () => {
    expect(readTitle('收入支出决算总表')).toMatchObject({ kind: 'revenue_expenditure_summary', final: true });
    expect(readTitle('预算01表 收支总表')).toMatchObject({ final: false });
  });

  it('knows a title of some other table, which ends the section above it', () => {
    expect(isAnyTableTitle('项目支出表(预算表9)')).toBe(true);
    expect(isAnyTableTitle('单位：万元')).toBe(false);
    expect(isAnyTableTitle('注：本表反映部门本年度的总收支。')).toBe(false);
  });
});

describe('headers by role', () => {
  it.each([
    // [path, kind, side, measure]
    [['项目', '预算数'], 'revenue_expenditure_summary', 'revenue', 'amount'],
    [['收入', '2026年预算数'], 'revenue_expenditure_summary', 'revenue', 'amount'],
    [['财政拨款收入', '预算数'], 'fiscal_summary', 'revenue', 'amount'],
    [['合计'], 'fiscal_summary', 'expenditure', 'total'],
    [['一般公共预算财政拨款'], 'fiscal_summary', 'expenditure', 'general_budget'],
    [['本年收入', '小计'], 'revenue', 'revenue', 'current_year_subtotal'],
    [['本年收入', '一般公共预算资金'], 'revenue', 'revenue', 'general_budget'],
    [['上年结转结余', '小计'], 'revenue', 'revenue', 'carryover'],
    [['上年结转结余', '一般公共预算资金'], 'revenue', 'revenue', 'carryover_general_budget'],
    [['收入预算', '财政拨款收入'], 'revenue', 'revenue', 'fiscal_appropriation'],
    [['预算数', '基本支出', '小计'], 'general_budget_expenditure', 'expenditure', 'basic'],
    [['预算数', '基本支出', '人员经费'], 'general_budget_expenditure', 'expenditure', 'personnel'],
    [['基本支出', '日常公用支出'], 'expenditure', 'expenditure', 'public'],
    [['预算数', '项目支出', '扣除基建项目后预算数'], 'general_budget_expenditure', 'expenditure', 'project_excluding_capital_construction'],
    [['本年一般公共预算基本支出', '合计'], 'general_budget_basic_expenditure', 'expenditure', 'total'],
    [['当年预算', '小计'], 'expenditure', 'expenditure', 'current_year_subtotal'],
    [['2026年政府采购项目', '小计'], 'expenditure', 'expenditure', 'procurement'],
  ] as const)('%j in %s (%s) is %s', (path, kind, side, measure) => {
    expect(readColumn([...path])).toMatchObject({ role: 'amount' });
    expect(measureOfPath([...path], kind, side, 2026)).toBe(measure);
  });

  it('gives comparison columns their own measure, never the year amount', () => {
    expect(measureOfPath(['2025年执行数', '执行数'], 'general_budget_expenditure', 'expenditure', 2026)).toBe('total_prior_actual');
    expect(measureOfPath(['2025年预算数'], 'revenue_expenditure_summary', 'revenue', 2026)).toBe('amount_prior_budget');
    expect(measureOfPath(['2026年预算数比2025年执行数', '增减额'], 'general_budget_expenditure', 'expenditure', 2026)).toBe('total_change');
    expect(measureOfPath(['上年', '合计'], 'expenditure', 'expenditure', 2026)).toBe('total_prior_budget');
    expect(measureOfPath(['2026年预算数'], 'revenue_expenditure_summary', 'revenue', 2026)).toBe('amount');
  });

  it('places no column it does not know', () => {
    expect(measureOfPath(['奇异经费'], 'expenditure', 'expenditure', 2026)).toBeUndefined();
    expect(readColumn(['增减(%)'])).toEqual({ role: 'ignored' });
  });

  it('reads codes, labels, units and periods', () => {
    expect(readColumn(['功能分类科目编码'])).toEqual({ role: 'code' });
    expect(readColumn(['科目编码', '款'])).toEqual({ role: 'code', part: 1 });
    expect(readColumn(['部门经济科目名称'])).toMatchObject({ role: 'label', economic: true });
    expect(readColumn(['预算单位'])).toEqual({ role: 'unit' });
    expect(readColumn(['年度'])).toEqual({ role: 'period' });
    expect(periodSuffix('2025年', 2026)).toBe('_prior_budget');
    expect(periodSuffix('2026年', 2026)).toBe('');
    expect(periodSuffix('增减变化金额', 2026)).toBe('_change');
  });

  it('names the "三公" items of a transposed table', () => {
    expect(threePublicItem(['“三公”经费财政拨款预算总额'])).toBe('“三公”经费小计');
    expect(threePublicItem(['2025年“三公”经费预算数', '合计'])).toBe('“三公”经费小计');
    // a bare 合计 may count 会议费 and 培训费 in
    expect(threePublicItem(['合计'])).toBe('合计');
    expect(threePublicItem(['公务用车购置及运行维护费', '小计', '一般公共预算'])).toBe('公务用车购置及运维费');
    expect(threePublicItem(['因公出国（境）费用'])).toBe('因公出国(境)费');
  });
});

describe('identities decide between readings', () => {
  const grid = (rows: string[][]) =>
    ['部门预算收入总表', '单位：万元', ...rows.map((r) => r.join('\t'))].join('\n');
  const header = [
    ['单位名称', '总计', '部门预算', ''],
    ['', '', '合计', '一般公共预算拨款'],
  ];
  it('a column printed twice (总计 beside 部门预算/合计) is read once', async () => {
    const text = grid([...header, ['合计', '10.00', '10.00', '10.00'], ['某局', '10.00', '10.00', '10.00']]);
    const result = await processBytes(new TextEncoder().encode(text), 'twice.txt');
    const table = result.normalized!.tables.find((t) => t.kind === 'revenue')!;
    // 10.00 万元 = 100 000 元 = 10 000 000 分
    expect(table.items.filter((i) => i.measure === 'total').map((i) => [i.label, i.amountFen])).toEqual([
      ['合计', 10000000n],
      ['某局', 10000000n],
    ]);
    expect(result.messages.some((m) => m.rule === 'column-left-out' && /repeats column 2/.test(m.text))).toBe(true);
  });
  it('two columns read alike that hold different numbers make the table unreadable', async () => {
    const text = grid([...header, ['合计', '12.00', '10.00', '10.00']]);
    const result = await processBytes(new TextEncoder().encode(text), 'differ.txt');
    expect(result.status).toBe('failed');
    expect(result.tables.map((t) => [t.number, t.status])).toEqual([[2, 'unreadable']]);
    expect(result.error).toMatch(/headed alike \("部门预算\/合计"\) and hold different numbers/);
  });
});

describe('a file without tables', () => {
  it('says when it holds only the narrative', async () => {
    const text = '2026年某县教育局部门预算情况说明\n一、部门预算收支总体情况\n2026年收入预算1,234.56万元，支出预算1,234.56万元。\n';
    const result = await processBytes(new TextEncoder().encode(text), 'narrative.txt');
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/only the narrative \(情况说明\)/);
  });
});

describe('narrative figures', () => {
  it('in a final account, a figure the text calls a budget is not the tables’ actual', () => {
    const text = '公务接待费预算为5.80万元，支出决算为0.90万元。基本支出11073.11万元。';
    const names = (phase: 'budget' | 'final') => extractFacts([{ text, ref: { page: 1 } }], phase).map((f) => [f.name, f.published]);
    expect(names('budget')).toEqual([
      ['three_public_reception', '5.80万元'],
      ['basic_total', '11073.11万元'],
    ]);
    expect(names('final')).toEqual([['basic_total', '11073.11万元']]);
  });

  it('a qualified 人员经费 (临聘人员经费) is a part, not the 人员经费 total', () => {
    const names = (text: string) => extractFacts([{ text, ref: { page: 1 } }]).map((f) => [f.name, f.published]);
    expect(names('主要用于信访局临聘人员经费15.56万元。')).toEqual([]);
    expect(names('基本支出1208.20万元，其中：人员经费997.20万元、公用经费211.00万元。')).toEqual([
      ['basic_total', '1208.20万元'],
      ['personnel_total', '997.20万元'],
      ['public_total', '211.00万元'],
    ]);
  });
});

describe('final accounts (决算): the actual is the figure, the budget beside it a comparison', () => {
  it('names a final account’s budget columns apart from its actual', () => {
    expect(measureOfPath(['决算数', '合计'], 'three_public', 'expenditure', 2024, 'final')).toBe('total');
    expect(measureOfPath(['预算数', '合计'], 'three_public', 'expenditure', 2024, 'final')).toBe('total_budgeted');
    expect(measureOfPath(['全年预算数'], 'general_budget_expenditure', 'expenditure', 2024, 'final')).toBe('total_budgeted');
    expect(measureOfPath(['调整预算数'], 'general_budget_expenditure', 'expenditure', 2024, 'final')).toBe('total_budgeted');
    expect(measureOfPath(['年初预算数', '基本支出'], 'general_budget_expenditure', 'expenditure', 2024, 'final')).toBe('basic_initial_budgeted');
    expect(measureOfPath(['上年决算数'], 'expenditure', 'expenditure', 2024, 'final')).toBe('total_prior_actual');
    expect(measureOfPath(['2023年'], 'expenditure', 'expenditure', 2024, 'final')).toBe('total_prior_actual');
    // 一般公共预算 names a fund, not the budget figure
    expect(measureOfPath(['一般公共预算财政拨款'], 'fiscal_summary', 'expenditure', 2024, 'final')).toBe('general_budget');
    // in a budget, 预算数 is the year's own amount
    expect(measureOfPath(['预算数', '合计'], 'three_public', 'expenditure', 2024, 'budget')).toBe('total');
    expect(measureOfPath(['本年决算数'], 'expenditure', 'expenditure', 2024, 'final')).toBe('total');
    expect(measureOfPath(['2024年决算数', '基本支出'], 'expenditure', 'expenditure', 2024, 'final')).toBe('basic');
    expect(periodSuffix('2024年预算数', 2024, 'final')).toBe('_budgeted');
    expect(periodSuffix('2024年决算数', 2024, 'final')).toBe('');
  });

  // the central template of 部门决算 (财政部's, followed by departments at every level): 公开06表 in three column
  // groups with one total per group, the last merged over two groups; 公开09表 transposed, 预算数 | 决算数
  const finalAccount = [
    '某县民政局2024年度部门决算',
    '一般公共预算财政拨款基本支出决算表',
    '金额单位：万元',
    ['人员经费', '', '', '公用经费', '', '', '', '', ''],
    ['科目代码', '科目名称', '决算数', '科目代码', '科目名称', '决算数', '科目代码', '科目名称', '决算数'],
    ['301', '工资福利支出', '80.00', '302', '商品和服务支出', '15.00', '310', '资本性支出', '5.00'],
    ['303', '对个人和家庭的补助', '20.00', '', '', '', '', '', ''],
    ['人员经费合计', '', '100.00', '公用经费合计', '', '', '', '', '20.00'],
    '一般公共预算财政拨款“三公”经费支出决算表',
    '金额单位：万元',
    ['预算数', '', '', '', '', '', '决算数', '', '', '', '', ''],
    ['合计', '因公出国（境）费', '公务用车购置及运行维护费', '', '', '公务接待费', '合计', '因公出国（境）费', '公务用车购置及运行维护费', '', '', '公务接待费'],
    ['', '', '小计', '公务用车购置费', '公务用车运行维护费', '', '', '', '小计', '公务用车购置费', '公务用车运行维护费', ''],
    ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
    ['10.00', '2.00', '6.00', '', '6.00', '2.00', '8.01', '1.50', '5.00', '', '5.00', '1.50'],
  ]
    .map((l) => (typeof l === 'string' ? l : l.join('\t')))
    .join('\n');

  it('reads a final account’s tables, the actual as the figure', async () => {
    const result = await processBytes(new TextEncoder().encode(finalAccount), 'final.txt');
    expect(result.normalized!.phase).toBe('final');
    expect(result.recognized!.fiscalYear).toBe(2024);
    expect(result.tables.map((t) => [t.number, t.status])).toEqual([
      [6, 'read'],
      [9, 'read'],
    ]);
    const items = (kind: string) => result.normalized!.tables.find((t) => t.kind === kind)!.items.map((i) => [i.label, i.measure, i.amountFen]);
    // 公用经费合计 stands under the second group's code, its amount in the third group's column: one row
    expect(items('general_budget_basic_expenditure').filter(([label]) => /合计/.test(String(label)))).toEqual([
      // 100.00 万元 = 1 000 000 元 = 100 000 000 分
      ['人员经费合计', 'personnel', 100000000n],
      ['公用经费合计', 'public', 20000000n],
    ]);
    expect(items('three_public').filter(([label]) => label === '合计')).toEqual([
      ['合计', 'total_budgeted', 10000000n],
      ['合计', 'total', 8010000n],
    ]);
    // 8.01 万元 as printed (a 合计 over the three items only), not 1.50 + 5.00 + 1.50
    expect(result.headlines.threePublicFen).toBe(8010000n);
    expect(result.headlines.personnelFen).toBe(100000000n);
    expect(result.headlines.publicFen).toBe(20000000n);
  });

  it('reads a budget’s 预算数 as the year’s own amount', async () => {
    const budget = finalAccount.replace(/决算/g, '预算');
    const result = await processBytes(new TextEncoder().encode(budget), 'budget.txt');
    expect(result.normalized!.phase).toBe('budget');
    // two groups headed alike (预算数 | 预算数): their 合计s differ, so the table cannot be read rather than mixed
    expect(result.tables.find((t) => t.number === 9)?.status).toBe('unreadable');
  });
});

describe('a final account beside the budget of the same year', () => {
  it('department_years keeps the budget’s figures', async () => {
    const { ingestInto, query, tempDb } = await import('./helpers/run.js');
    const { writeFileSync } = await import('node:fs');
    const { join, dirname } = await import('node:path');
    const db = tempDb();
    const table = (title: string, total: string) =>
      [title, '部门：某县民政局', '金额单位：万元', ['项目', '', '本年支出合计', '基本支出', '项目支出'], ['科目代码', '科目名称', '', '', ''], ['合计', '', total, total, ''], ['208', '社会保障和就业支出', total, total, '']]
        .map((l) => (typeof l === 'string' ? l : l.join('\t')))
        .join('\n');
    const dir = dirname(db);
    writeFileSync(join(dir, 'budget.txt'), '某县民政局2024年部门预算\n' + table('支出预算表', '10.00'));
    writeFileSync(join(dir, 'final.txt'), '某县民政局2024年度部门决算\n' + table('支出决算表', '12.00'));
    await ingestInto(db, [join(dir, 'budget.txt'), join(dir, 'final.txt')]);
    expect(query(db, 'SELECT source_file, phase, fiscal_year FROM documents_dataset ORDER BY source_file')).toEqual([
      { source_file: 'budget.txt', phase: 'budget', fiscal_year: 2024 },
      { source_file: 'final.txt', phase: 'final', fiscal_year: 2024 },
    ]);
    // 10.00 万元, the budget's, not the final account's 12.00
    expect(query(db, 'SELECT source_file, expenditure_total_yuan FROM department_years')).toEqual([{ source_file: 'budget.txt', expenditure_total_yuan: 100000 }]);
  });
});

describe('a table printed in two halves side by side (its columns go on where its title is repeated)', () => {
  const doc = (lines: (string | string[])[]) => new TextEncoder().encode(lines.map((l) => (typeof l === 'string' ? l : l.join('\t'))).join('\n'));
  const left = (rows: string[][]) => ['收入总表', '单位：万元', ['科目编码', '科目名称', '合计', '本年收入'], ...rows];
  const right = (rows: string[][]) => ['收入总表', '单位：万元', ['科目编码', '科目名称', '上年结转结余', '其他收入'], ...rows];
  const read = async (lines: (string | string[])[]) => {
    const result = await processBytes(doc(lines), 'halves.txt');
    return { result, items: result.normalized!.tables.find((t) => t.kind === 'revenue')?.items.map((i) => [i.code || i.label, i.measure, i.amountFen]) };
  };

  it('joins the halves row by row, the right half’s repeated codes and names left out', async () => {
    const { result, items } = await read([
      ...left([
        ['', '合计', '12.00', '10.00'],
        ['201', '一般公共服务支出', '12.00', '10.00'],
      ]),
      ...right([
        ['', '合计', '1.50', '0.50'],
        ['201', '一般公共服务支出', '1.50', '0.50'],
      ]),
    ]);
    expect(result.tables.map((t) => [t.number, t.status])).toEqual([[2, 'read']]);
    // 12.00 万元 = 12 000 000 分
    expect(items).toEqual([
      ['合计', 'total', 12000000n],
      ['合计', 'current_year_subtotal', 10000000n],
      ['合计', 'carryover', 1500000n],
      ['合计', 'other', 500000n],
      ['201', 'total', 12000000n],
      ['201', 'current_year_subtotal', 10000000n],
      ['201', 'carryover', 1500000n],
      ['201', 'other', 500000n],
    ]);
    expect(result.messages.some((m) => m.rule === 'table-halves')).toBe(true);
  });

  it('joins halves without labels (a table of one row, its total) by position', async () => {
    const { items } = await read([
      '收入总表',
      ['合计', '本年收入'],
      ['12.00', '10.00'],
      '收入总表',
      '单位：万元',
      ['上年结转结余', '其他收入'],
      ['1.50', '0.50'],
    ]);
    expect(items).toEqual([
      ['合计', 'total', 12000000n],
      ['合计', 'current_year_subtotal', 10000000n],
      ['合计', 'carryover', 1500000n],
      ['合计', 'other', 500000n],
    ]);
  });

  it('a continuation that repeats the header is appended below, not beside', async () => {
    const { items } = await read([...left([['201', '一般公共服务支出', '12.00', '10.00']]), ...left([['205', '教育支出', '3.00', '3.00']])]);
    expect(items).toEqual([
      ['201', 'total', 12000000n],
      ['201', 'current_year_subtotal', 10000000n],
      ['205', 'total', 3000000n],
      ['205', 'current_year_subtotal', 3000000n],
    ]);
  });

  it('halves whose rows do not line up make the table unreadable, never a number in another row', async () => {
    const { result } = await read([
      ...left([
        ['201', '一般公共服务支出', '12.00', '10.00'],
        ['205', '教育支出', '3.00', '3.00'],
      ]),
      ...right([
        ['205', '教育支出', '1.50', '0.50'],
        ['201', '一般公共服务支出', '1.50', '0.50'],
      ]),
    ]);
    expect(result.tables.map((t) => [t.number, t.status])).toEqual([[2, 'unreadable']]);
    expect(result.tables[0].reason).toMatch(/two halves side by side.*row 1 of the left half \(201\|一般公共服务支出\) is not row 1 of the right \(205\|教育支出\)/);
  });
});

describe('two tables whose titles read as one kind', () => {
  it('the one coded in the kind’s classification is the standard table (一般公共预算…支出决算明细表 by economic class before the one by function)', async () => {
    const grid = (title: string, rows: string[][]) => [title, '单位：万元', ['科目编码', '科目名称', '合计', '基本支出', '项目支出'], ...rows].map((l) => (typeof l === 'string' ? l : l.join('\t')));
    const text = [
      ...grid('一般公共预算财政拨款支出决算明细表', [
        ['', '合计', '10.00', '8.00', '2.00'],
        ['301', '工资福利支出', '6.00', '6.00', ''],
        ['302', '商品和服务支出', '4.00', '2.00', '2.00'],
        ['30201', '办公费', '4.00', '2.00', '2.00'],
      ]),
      ...grid('一般公共预算财政拨款支出决算表', [
        ['', '合计', '10.00', '8.00', '2.00'],
        ['201', '一般公共服务支出', '10.00', '8.00', '2.00'],
        ['20101', '人大事务', '10.00', '8.00', '2.00'],
        ['2010101', '行政运行', '10.00', '8.00', '2.00'],
      ]),
    ].join('\n');
    const result = await processBytes(new TextEncoder().encode(text), 'two-readings.txt');
    expect(result.tables.map((t) => [t.number, t.title])).toEqual([[5, '一般公共预算财政拨款支出决算表']]);
    expect(result.messages.some((m) => m.rule === 'table-left-out' && m.text.startsWith('"一般公共预算财政拨款支出决算明细表"'))).toBe(true);
  });
});

describe('the year of a final account', () => {
  it('is the year its cover names, with or without a scope word', async () => {
    const table = ['收入支出决算总表', '金额单位：万元', ['项目', '金额', '项目', '金额'].join('\t'), ['本年收入合计', '1.00', '本年支出合计', '1.00'].join('\t')].join('\n');
    for (const cover of ['某县中医医院2023年度决算', '某县民政局2023年度部门决算']) {
      const result = await processBytes(new TextEncoder().encode(`${cover}\n${table}`), 'cover.txt');
      expect([cover, result.recognized!.fiscalYear, result.normalized!.phase]).toEqual([cover, 2023, 'final']);
    }
  });

  it('a final account whose titles name no phase is one by its cover; a budget’s cover keeps it a budget', async () => {
    const table = ['收入支出总表', '金额单位：万元', ['项目', '金额', '项目', '金额'].join('\t'), ['本年收入合计', '1.00', '本年支出合计', '1.00'].join('\t')].join('\n');
    const phase = async (cover: string) => (await processBytes(new TextEncoder().encode(`${cover}\n${table}`), 'cover.txt')).normalized!.phase;
    expect(await phase('某县民政局2023年度部门决算')).toBe('final');
    expect(await phase('某县民政局2025年部门预算')).toBe('budget');
  });
});
