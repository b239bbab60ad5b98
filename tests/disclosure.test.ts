import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extract } from '../src/extract/index.js';
import { formatRef, type Block, type Cell, type ExtractedDocument, type SourceRef } from '../src/ir.js';
import { formatYuan } from '../src/normalize/amount.js';
import { extractDisclosureTables, parseTarget, type DisclosureTables } from '../src/recognize/disclosure.js';
import { parseCsv, REFERENCE, stem } from './helpers/gold.js';

/**
 * The disclosure's tables beyond the nine standard ones: project
 * performance-target tables and their indicators, 部门政府采购预算,
 * 部门固定资产占用情况表, 部门机构设置情况.
 */

const ROOT = join(import.meta.dirname, '..');
const SEEDS = join(ROOT, 'corpus/seeds');
const seedFiles = readdirSync(SEEDS).filter((f) => f.endsWith('.txt')).sort();
const seedPath = (prefix: string) => join(SEEDS, seedFiles.find((f) => f.startsWith(prefix))!);

async function extractFile(path: string): Promise<ExtractedDocument> {
  return extract(new Uint8Array(readFileSync(path)), path);
}

async function tablesOf(path: string): Promise<DisclosureTables> {
  return extractDisclosureTables((await extractFile(path)).blocks);
}

/** The records without their positions, which differ by format by design. */
function withoutRefs(t: DisclosureTables) {
  const strip = <T extends { ref: SourceRef }>(rows: T[]) => rows.map(({ ref: _ref, ...rest }) => rest);
  return {
    projects: strip(t.projects),
    indicators: strip(t.indicators),
    procurement: strip(t.procurement),
    assets: strip(t.assets),
    institutions: strip(t.institutions),
  };
}

/** Every string NFKC-normalized and without whitespace (PDF text drops and inserts spaces and line breaks). */
function compacted<T>(value: T): T {
  if (typeof value === 'string') return value.normalize('NFKC').replace(/\s+/gu, '') as T;
  if (Array.isArray(value)) return value.map(compacted) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compacted(v)])) as T;
  }
  return value;
}

const seeds = new Map<string, DisclosureTables>();
for (const file of seedFiles) seeds.set(stem(file), await tablesOf(join(SEEDS, file)));
const seed = (prefix: string) => [...seeds.entries()].find(([name]) => name.startsWith(prefix))![1];

/* ------------------------------------------------------------ gold projects */

describe('projects reproduce tests/reference/gold-projects.csv', () => {
  // the department code of each seed, as the gold file has it (the number
  // prefix of the seed's department line, e.g. `435秦皇岛市海港区数据和政务服务局`)
  const DEPARTMENT: Record<string, string> = { '000': '435', '001': '434', '002': '980', '003': '431', '004': '630' };
  const gold = parseCsv(readFileSync(join(REFERENCE, 'gold-projects.csv'), 'utf8'));
  const KEY = ['department_code', 'project_code', 'budget_yuan', 'fiscal_funds_yuan', 'other_funds_yuan'];
  const yuan = (fen: bigint | undefined) => (fen === undefined ? '' : formatYuan(fen));

  const got: Record<string, string>[] = [];
  for (const [name, t] of seeds) {
    for (const p of t.projects) {
      got.push({
        department_code: DEPARTMENT[name.slice(0, 3)],
        project_code: p.projectCode,
        project_name: p.projectName,
        budget_yuan: yuan(p.budgetFen),
        fiscal_funds_yuan: yuan(p.fiscalFundsFen),
        other_funds_yuan: yuan(p.otherFundsFen),
      });
    }
  }
  const lines = (rows: Record<string, string>[], key: string[]) => rows.map((r) => key.map((k) => r[k]).join(',')).sort();

  it('exactly the gold rows on department, code and amounts', () => {
    expect(gold).toHaveLength(23);
    expect(lines(got, KEY)).toEqual(lines(gold, KEY));
  });

  it('with the project names as published', () => {
    expect(lines(got, [...KEY, 'project_name'])).toEqual(lines(gold, [...KEY, 'project_name']));
  });

  it('004 (2023 layout: no 项目编码, no 预算 rows) has no project records, as the gold file', () => {
    expect(gold.filter((r) => r.department_code === '630')).toHaveLength(0);
    expect(seed('004').projects).toHaveLength(0);
  });
});

/* ------------------------------------------------------------ counts */

describe('records per seed', () => {
  /*
   * Counted by reading the seeds (line numbers of corpus/seeds/*.txt):
   * - projects: the `N、…绩效目标表` titles with a 项目编码/预算数 block:
   *   000 L1683–L2218 (6), 001 L1636–L2214 (6), 002 L1492–L1872 (5),
   *   003 L1752–L2392 (6); 004's twelve titles (L468–L622) have neither.
   * - indicators: the rows under each `一级指标 | 二级指标 …` header, a row
   *   split into fragments counted once: 000 7+7+8+7+7+10 = 46,
   *   001 9+11+6+9+14+8 = 57, 002 7×5 = 35, 003 22+6+14+6+7+9 = 64,
   *   004 9×12 = 108.
   * - procurement: 000 合计, 本级小计 and 5 items (L2376–L2472) = 7;
   *   001 合计, 小计, 6 items (L2348–L2460) = 8; 002 合计, 小计, 7 items
   *   (L1997–L2125) = 9; 003 (one blank row, L2531, `注：无政府采购预算，空表列示`)
   *   and 004 (header only, L646–L651) = 0.
   * - assets: 资产总额 and items 1–4 with 其中：办公用房 = 6; 003 adds
   *   `5、无形资产` (L2584) = 7.
   * - institutions: 000 L1622, 001 L1571, 002 L1446 (1 each); 003
   *   L1668–L1678 (3); 004 L387–L388 (2).
   */
  const COUNTS: Record<string, [projects: number, indicators: number, procurement: number, assets: number, institutions: number]> = {
    '000': [6, 46, 7, 6, 1],
    '001': [6, 57, 8, 6, 1],
    '002': [5, 35, 9, 6, 1],
    '003': [6, 64, 0, 7, 3],
    '004': [0, 108, 0, 6, 2],
  };
  for (const [prefix, [projects, indicators, procurement, assets, institutions]] of Object.entries(COUNTS)) {
    it(`${prefix}: ${projects} projects, ${indicators} indicators, ${procurement} procurement rows, ${assets} asset rows, ${institutions} institutions`, () => {
      const t = seed(prefix);
      expect(t.projects).toHaveLength(projects);
      expect(t.indicators).toHaveLength(indicators);
      expect(t.procurement).toHaveLength(procurement);
      expect(t.assets).toHaveLength(assets);
      expect(t.institutions).toHaveLength(institutions);
      expect(t.messages).toEqual([]);
    });
  }

  it('indicators per project of 000', () => {
    const per = new Map<string, number>();
    for (const i of seed('000').indicators) per.set(i.projectCode, (per.get(i.projectCode) ?? 0) + 1);
    expect([...per.values()]).toEqual([7, 7, 8, 7, 7, 10]);
    expect([...per.keys()]).toEqual(seed('000').projects.map((p) => p.projectCode));
  });
});

/* ------------------------------------------------------------ records of the text seeds */

describe('records of the text seeds', () => {
  it('a project: code, name, amounts, unit, purpose, spending plan, goals, ref (000 L1686–L1714)', () => {
    expect(seed('000').projects[0]).toEqual({
      projectCode: '13030225P000025100017',
      projectName: '办事大厅购买服务费（RY)',
      budgetFen: 246000000n,
      fiscalFundsFen: 246000000n,
      otherFundsFen: undefined,
      unit: '万元',
      purpose: '支付办事大厅购买项目服务费',
      spendingPlan: [
        { period: '3月底', value: '61.50', percent: false },
        { period: '6月底', value: '123.00', percent: false },
        { period: '10月底', value: '205.00', percent: false },
        { period: '12月底', value: '246.00', percent: false },
      ],
      goals: '1.保障业务运行有效，促进工作效率',
      ref: { line: 1691 },
    });
  });

  it('a unit of 元 and a spending plan in percent with blanks (003)', () => {
    const p = seed('003').projects[0];
    expect(p.unit).toBe('元');
    expect(p.budgetFen).toBe(64000000n);
    expect(p.spendingPlan.map((e) => [e.value, e.percent])).toEqual([
      ['', false],
      ['', false],
      ['', false],
      ['100%', true],
    ]);
  });

  it('goals continued below their cell in the text layout (001 L1667–L1670)', () => {
    expect(seed('001').projects[0].goals).toBe(
      '1.通过对固定电话的统一管理，保障全区固定电话正常安装、使用\n2.通过对固定电话的维护，使单位沟通更为便捷，百姓办事更为通畅\n3.通过对固定电话的统一管理，以节约办公经费',
    );
  });

  it('an indicator row split into fragments of 3 + 1 + 2 cells is one indicator (000 L1735–L1741)', () => {
    const i = seed('000').indicators[1];
    expect(i).toEqual({
      projectCode: '13030225P000025100017',
      projectName: '办事大厅购买服务费（RY)',
      level1: '产出指标', // carried down from L1727
      level2: '质量指标',
      level3: '各项工作任务完成达标率',
      description: '各项工作任务完成达标率',
      target: '100%',
      basis: '专纪【2021】73号、海政常纪【2021】1号',
      number: '100',
      unit: '%',
      ref: { line: 1735 },
    });
  });

  it('fragments of 5 + 1 cells (000 L2335–L2341) and 4 + 2 (000 L2164–L2169)', () => {
    const last = seed('000').indicators.at(-1)!;
    expect([last.level1, last.level3, last.target, last.basis]).toEqual(['满意度指标', '服务对象满意度', '≥95%', '满意度调查']);
    const network = seed('000').indicators.find((i) => i.level3 === '网络的正常运行比率')!;
    expect([network.level1, network.level2, network.description, network.target]).toEqual([
      '产出指标',
      '质量指标',
      '电子政务外网、审批专网、办事大厅网络的正常运行比率',
      '100%',
    ]);
  });

  it('004 indicators: no code, the name from the title, targets like `≥95 百分比`', () => {
    const i = seed('004').indicators[0];
    expect(i).toMatchObject({
      projectCode: '',
      projectName: '城市道路挖掘修复审批',
      level1: '产出指标',
      level3: '综合业务管理工作完成率',
      target: '≥95 百分比',
      comparator: '≥',
      number: '95',
      unit: '百分比',
      basis: '年度工作计划',
    });
    // level1 merged over the rows below it
    expect(seed('004').indicators.slice(0, 4).map((x) => x.level1)).toEqual(['产出指标', '产出指标', '产出指标', '产出指标']);
    expect(new Set(seed('004').indicators.map((x) => x.projectName)).size).toBe(12);
  });

  it('procurement rows: total, subtotal and items with their fund sources (000 L2376–L2408)', () => {
    const [total, subtotal, item] = seed('000').procurement;
    expect(total).toMatchObject({ kind: 'total', projectName: '合计', amountFen: 776610000n, sourcesFen: { 一般公共预算拨款: 776610000n } });
    expect(subtotal).toMatchObject({ kind: 'subtotal', projectName: '秦皇岛市海港区数据和政务服务局本级小计', amountFen: 776610000n });
    expect(item).toEqual({
      kind: 'item',
      projectName: '公用经费一',
      projectBudgetFen: 105770000n,
      itemName: '暖气生产和分配服务',
      catalogCode: 'C08020100',
      unit: '项',
      quantity: '1',
      unitPriceFen: 65020000n,
      amountFen: 65020000n,
      sourcesFen: { 一般公共预算拨款: 65020000n },
      smeReservedFen: 65020000n,
      sourceUnit: '万元',
      ref: { line: 2408 },
    });
  });

  it('a blank 预留中小微企业份额 is absent, a published 0.00 is zero (001 L2380, 002 L2029)', () => {
    const phone = seed('001').procurement.find((r) => r.itemName === '基础电信服务')!;
    expect(phone.smeReservedFen).toBeUndefined();
    expect(phone.amountFen).toBe(149000000n);
    const paper = seed('002').procurement.find((r) => r.itemName === '复印纸')!;
    expect(paper.unitPriceFen).toBe(0n);
    expect(paper.quantity).toBe('200');
    expect(paper.amountFen).toBe(340000n);
  });

  it('fixed assets: as-of date, normalized items, quantities, values (000 L2494–L2521)', () => {
    expect(seed('000').assets.map(({ ref: _r, ...a }) => a)).toEqual([
      { asOf: '2024-12-31', item: '资产总额', quantity: '', valueFen: 198480000n, sourceUnit: '万元' },
      { asOf: '2024-12-31', item: '房屋(平方米)', quantity: '', valueFen: undefined, sourceUnit: '万元' },
      { asOf: '2024-12-31', item: '办公用房(平方米)', quantity: '', valueFen: undefined, sourceUnit: '万元' },
      { asOf: '2024-12-31', item: '车辆(台、辆)', quantity: '', valueFen: undefined, sourceUnit: '万元' },
      { asOf: '2024-12-31', item: '单价在20万元以上的设备', quantity: '', valueFen: undefined, sourceUnit: '万元' },
      { asOf: '2024-12-31', item: '其他固定资产', quantity: '624', valueFen: 198480000n, sourceUnit: '万元' },
    ]);
    expect(seed('003').assets.find((a) => a.item === '车辆(台、辆)')).toMatchObject({ quantity: '1', valueFen: 15500000n, sourceUnit: '元' });
    expect(seed('004').assets[0]).toMatchObject({ asOf: '2022-12-31', item: '资产总额', valueFen: 133390000n });
  });

  it('institutions (003 L1663–L1678)', () => {
    expect(seed('003').institutions.map(({ ref: _r, ...i }) => i)).toEqual([
      { unitName: '井陉县数据和政务服务局', unitType: '行政', unitRank: '正科级', funding: '财政拨款' },
      { unitName: '井陉县行政审批服务中心', unitType: '事业', unitRank: '股级', funding: '财政性资金基本保证' },
      { unitName: '井陉县公共资源交易中心', unitType: '事业', unitRank: '股级', funding: '财政性资金基本保证' },
    ]);
    expect(formatRef(seed('003').institutions[0].ref)).toBe('L1668');
  });
});

/* ------------------------------------------------------------ renditions */

describe('every rendition gives the records of its text seed', async () => {
  const folders = ['corpus/fixtures/docx', 'corpus/fixtures/html', 'corpus/fixtures/pdf', 'tests/fixtures/variants'];
  const files = folders.flatMap((folder) =>
    existsSync(join(ROOT, folder)) ? readdirSync(join(ROOT, folder)).map((f) => join(ROOT, folder, f)) : [],
  );
  const docxHtml = files.filter((f) => !f.endsWith('.pdf'));
  const pdfs = files.filter((f) => f.endsWith('.pdf'));

  it('the DOCX and HTML renditions of all five seeds are here', () => {
    expect(seeds.size).toBe(5);
    for (const name of seeds.keys()) {
      expect(existsSync(join(ROOT, 'corpus/fixtures/docx', `${name}.docx`))).toBe(true);
      expect(existsSync(join(ROOT, 'corpus/fixtures/html', `${name}.html`))).toBe(true);
    }
  });

  for (const file of docxHtml) {
    it(`${file.slice(ROOT.length + 1)}: the same records as the text seed`, async () => {
      const doc = await extractFile(file);
      const t = extractDisclosureTables(doc.blocks);
      const expected = seeds.get(stem(file))!;
      expect(withoutRefs(t)).toEqual(withoutRefs(expected));
      expect(t.messages).toEqual([]);
      const refs = [...t.projects, ...t.indicators, ...t.procurement, ...t.assets, ...t.institutions].map((r) => formatRef(r.ref));
      const pattern = doc.format === 'docx' || doc.format === 'html' ? /^t\d+r\d+$/ : /^L\d+$/;
      for (const ref of refs) expect(ref).toMatch(pattern);
    });
  }

  // PDF text loses and inserts spaces and line breaks, so strings are compared without whitespace
  const pdfTables = new Map<string, DisclosureTables>();
  for (const file of pdfs) pdfTables.set(file, extractDisclosureTables((await extractFile(file)).blocks));
  for (const file of pdfs) {
    it(`${file.slice(ROOT.length + 1)}: the same records as the text seed (whitespace aside)`, () => {
      const t = pdfTables.get(file)!;
      expect(compacted(withoutRefs(t))).toEqual(compacted(withoutRefs(seeds.get(stem(file))!)));
      for (const r of [...t.projects, ...t.indicators, ...t.procurement, ...t.assets, ...t.institutions]) expect(formatRef(r.ref)).toMatch(/^p\d+$/);
    });
  }
});

/* ------------------------------------------------------------ indicator values */

describe('parseTarget', () => {
  it.each([
    ['≥95%', { comparator: '≥', number: '95', unit: '%' }],
    ['≤320万元', { comparator: '≤', number: '320', unit: '万元' }],
    ['10000套', { number: '10000', unit: '套' }],
    ['≥95 百分比', { comparator: '≥', number: '95', unit: '百分比' }],
    ['100％', { number: '100', unit: '%' }],
    ['≤500元/人/天', { comparator: '≤', number: '500', unit: '元/人/天' }],
    ['≤0.1‰', { comparator: '≤', number: '0.1', unit: '‰' }],
    ['≤4348.46元/人/月', { comparator: '≤', number: '4348.46', unit: '元/人/月' }],
    ['>3个', { comparator: '>', number: '3', unit: '个' }],
    ['<5天', { comparator: '<', number: '5', unit: '天' }],
    ['=100%', { comparator: '=', number: '100', unit: '%' }],
    ['12', { number: '12', unit: '' }],
  ])('%s', (text, expected) => {
    expect(parseTarget(text)).toEqual(expected);
  });

  it.each(['比上年有所提高', '效果较好', '全年', '2025年12月31日前', '≥100 按规定时间发放', ''])('%s has no number', (text) => {
    expect(parseTarget(text)).toEqual({});
  });

  it('indicators carry the parsed value (000: ≤320万元, 比上年有所提高)', () => {
    const cost = seed('000').indicators.find((i) => i.target === '≤320万元')!;
    expect([cost.comparator, cost.number, cost.unit]).toEqual(['≤', '320', '万元']);
    const better = seed('000').indicators.find((i) => i.target === '比上年有所提高')!;
    expect(better.number).toBeUndefined();
    expect(better.comparator).toBeUndefined();
  });
});

/* ------------------------------------------------------------ synthetic layouts */

let line = 0;
const cell = (text: string): Cell => ({ text, ref: { line: ++line } });
const para = (text: string): Block => ({ kind: 'paragraph', text, ref: { line: ++line } });
const table = (...rows: string[][]): Block => ({
  kind: 'table',
  ref: { line: line + 1 },
  rows: rows.map((r) => {
    const cells = r.map(cell);
    return { cells, ref: cells[0].ref };
  }),
});

describe('recognition by title and header text, not position', () => {
  const INSTITUTIONS = table(['单位名称', '单位性质', '单位规格', '经费保障形式'], ['某局本级', '行政', '正科级', '财政拨款']);
  const ASSETS = [para('部门固定资产占用情况表'), para('截止时间：2023年6月30日'), table(['项目', '数量', '价值（金额单位：元）'], ['资产总额', '', '1,234.50'])];
  const PROJECT = [
    para('（一）某项目绩效目标表'),
    para('单位：千元'),
    table(
      ['项目编码', 'X1', '项目名称', '某项目'],
      ['预算规模及资金用途', '预算数', '12.5', '其中：财政资金', '10', '其他资金', '2.5'],
      ['一级指标', '二级指标', '三级指标', '绩效指标描述', '指标值', '指标值确定依据'],
      ['产出指标', '数量指标', '甲', '甲的描述', '≥3次', '计划'],
    ),
  ];

  it('tables in another order, with other enumerators and units, are found', () => {
    const t = extractDisclosureTables([...ASSETS, ...PROJECT, para('机构设置：'), INSTITUTIONS]);
    expect(t.assets.map(({ ref: _r, ...a }) => a)).toEqual([{ asOf: '2023-06-30', item: '资产总额', quantity: '', valueFen: 123450n, sourceUnit: '元' }]);
    expect(t.projects).toHaveLength(1);
    expect(t.projects[0]).toMatchObject({ projectCode: 'X1', projectName: '某项目', budgetFen: 1250000n, fiscalFundsFen: 1000000n, otherFundsFen: 250000n, unit: '千元' });
    expect(t.indicators.map((i) => [i.projectCode, i.level3, i.number])).toEqual([['X1', '甲', '3']]);
    expect(t.institutions.map((i) => i.unitName)).toEqual(['某局本级']);
    expect(t.messages).toEqual([]);
  });

  it('a table of contents line or a narrative paragraph is not a table', () => {
    const t = extractDisclosureTables([para('部门机构设置情况'), para('部门固定资产占用情况表\t20'), para('本部门无政府采购预算。')]);
    expect(withoutRefs(t)).toEqual({ projects: [], indicators: [], procurement: [], assets: [], institutions: [] });
  });
});

describe('messages', () => {
  it('a money cell that is not a number is a warning with its ref; the record stays', () => {
    const blocks = [
      para('1、某项目绩效目标表'),
      para('单位：万元'),
      table(['项目编码', 'X2', '项目名称', '某项目'], ['预算规模及资金用途', '预算数', '约12万', '其中：财政资金', '12.00', '其他资金', '']),
    ];
    const t = extractDisclosureTables(blocks);
    expect(t.projects[0]).toMatchObject({ projectCode: 'X2', budgetFen: undefined, fiscalFundsFen: 12000000n, otherFundsFen: undefined });
    expect(t.messages).toHaveLength(1);
    expect(t.messages[0]).toMatchObject({ severity: 'warning', rule: 'non-numeric-amount' });
    const badCell = (blocks[2] as { rows: { cells: Cell[] }[] }).rows[1].cells[2];
    expect(t.messages[0].ref).toEqual(badCell.ref);
  });

  it('amounts without a known unit are an error, never a guess', () => {
    const t = extractDisclosureTables([
      para('1、某项目绩效目标表'),
      para('单位：万美元'),
      table(['项目编码', 'X3', '项目名称', '某项目'], ['预算规模及资金用途', '预算数', '5', '其中：财政资金', '5', '其他资金', '']),
    ]);
    expect(t.projects[0].budgetFen).toBeUndefined();
    expect(t.projects[0].unit).toBeUndefined();
    expect(t.messages.map((m) => [m.severity, m.rule])).toContainEqual(['error', 'unknown-unit']);
  });

  it('fragments that cannot fill a row are kept padded, with a warning', () => {
    const t = extractDisclosureTables([
      para('1、某项目绩效目标表'),
      table(
        ['一级指标', '二级指标', '三级指标', '绩效指标描述', '指标值', '指标值确定依据'],
        ['产出指标', '数量指标', '甲'],
        ['产出指标', '质量指标', '乙', '乙的描述', '100%', '计划'],
      ),
    ]);
    expect(t.indicators.map((i) => [i.level3, i.description, i.target])).toEqual([
      ['甲', '', ''],
      ['乙', '乙的描述', '100%'],
    ]);
    expect(t.messages.map((m) => m.rule)).toEqual(['row-fragments']);
  });
});
