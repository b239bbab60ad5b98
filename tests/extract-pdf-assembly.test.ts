/**
 * How the PDF extractor assembles cells from text items: the faults a
 * table's text can reach it with, one synthetic PDF each
 * (tests/fixtures/pdf-assembly/make-fixtures.mjs), and the cells it must
 * give for them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Block, ExtractedDocument, Paragraph, Table } from '../src/ir.js';
import { extractPdf } from './helpers/pdf.js';

const ROOT = join(import.meta.dirname, '..');
const FIX = join(ROOT, 'tests/fixtures/pdf-assembly');
const BAD = join(ROOT, 'tests/fixtures/pdf-bad');

const tables = (blocks: Block[]): Table[] => blocks.filter((b): b is Table => b.kind === 'table');
const paragraphs = (blocks: Block[]): string[] => blocks.filter((b): b is Paragraph => b.kind === 'paragraph').map((p) => p.text);
const texts = (t: Table): string[][] => t.rows.map((r) => r.cells.map((c) => c.text));

const extract = extractPdf;
const fixture = (name: string): Promise<ExtractedDocument> => extract(join(FIX, name));

/** The two-sided summary every fixture of it shows (项目 | 预算数 | 项目 | 预算数). */
const SUMMARY = [
  ['项目', '预算数', '项目', '预算数'],
  ['一、财政拨款', '9,433.72', '一、一般公共服务支出', '3,478.72'],
  ['1.一般公共预算拨款', '9,433.72', '统计信息事务', '3,478.72'],
  ['二、单位资金', '0.00', '二、教育支出', '193.00'],
  ['', '', '三、社会保障和就业支出', '562.39'],
  ['', '', '四、住房保障支出', '5,199.61'],
  ['本年收入合计', '9,433.72', '本年支出合计', '9,433.72'],
];

describe('a table whose grid is not found (d)', () => {
  it('borders filled as trapezoids (mitred corners, no piece a rectangle) are ruling lines', async () => {
    const doc = await fixture('trapezoid-borders.pdf');
    const t = tables(doc.blocks);
    expect(t).toHaveLength(1);
    expect(texts(t[0])).toEqual(SUMMARY);
    expect(paragraphs(doc.blocks)).toEqual(['收支总表', '单位：万元', '注：本表为测试表。']);
  });

  it('a table of two columns without rules (项目 | 预算数) is a table, not a paragraph per cell', async () => {
    const doc = await fixture('two-column.pdf');
    const t = tables(doc.blocks);
    expect(t).toHaveLength(1);
    expect(texts(t[0])).toEqual([
      ['项目', '预算数'],
      ['合计', '32.56'],
      ['1.因公出国（境）费', '16.80'],
      ['2.公务接待费', '11.56'],
      ['3.公务用车购置及运行维护费', '4.20'],
      ['其中：公务用车购置费', '0.00'],
      ['公务用车运行维护费', '4.20'],
    ]);
    expect(paragraphs(doc.blocks)).toEqual(['"三公"经费支出表', '单位：万元', '注：本表为两栏测试表。']);
  });
});

describe('an amount glued to the label of the next column (a)', () => {
  it('is cut where the label lines up with the next column, one string or two with a quarter-em gap', async () => {
    const doc = await fixture('glued-amounts.pdf');
    const t = tables(doc.blocks);
    expect(t).toHaveLength(1);
    expect(texts(t[0])).toEqual(SUMMARY);
    // No cell holds an amount and Chinese text together.
    for (const row of texts(t[0])) for (const cell of row) expect(cell).not.toMatch(/\d[\u4e00-\u9fff]/);
  });
});

describe('an amount wider than its ruled cell, glued to the next label (a)', () => {
  it('is cut where amount and label meet when each lies mostly in a column of its own; a header wider than its cell stays whole', async () => {
    const doc = await fixture('overflowing-amount.pdf');
    expect(texts(tables(doc.blocks)[0])).toEqual([
      ['项目', '2026年预算数', '项目', '预算数'],
      ['一、财政拨款', '12,345,678.90', '一、一般公共服务支出', '3,478.72'],
      ['二、单位资金', '0.00', '二、教育支出', '193.00'],
      ['三、其他收入', '9,433.72', '三、住房保障支出', '5,199.61'],
    ]);
  });
});

describe('headers and wrapped labels of a table without rules (b, c)', () => {
  const EXPECTED = [
    ['科目编码', '科目名称', '2026年预算数', '', '', '专项业务经费支出'],
    ['', '', '合计', '基本支出', '项目支出', ''],
    ['', '合计', '2,085.50', '1,089.50', '996.00', '120.00'],
    ['201', '一般公共服务支出', '1,853.61', '857.61', '996.00', '120.00'],
    ['2010301', '行政运行（含机关服务中心）', '857.61', '857.61', '', ''],
    ['2010302', '一般行政管理事务', '246.00', '', '246.00', '120.00'],
    ['2080505', '机关事业单位基本养老保险缴费支出', '231.89', '231.89', '', ''],
  ];

  it('a header over two columns stays whole, in the first of them; a header wider than its numbers stays over them', async () => {
    const doc = await fixture('header-fragments.pdf');
    const t = tables(doc.blocks);
    expect(t).toHaveLength(1);
    expect(texts(t[0]).slice(0, 2)).toEqual(EXPECTED.slice(0, 2));
  });

  it('the continuation of the last row’s wrapped label joins its cell; the note under the table stays a paragraph', async () => {
    const doc = await fixture('header-fragments.pdf');
    expect(texts(tables(doc.blocks)[0])).toEqual(EXPECTED);
    expect(paragraphs(doc.blocks)).toEqual(['一般公共预算支出表', '单位：万元', '注：本表为无框线测试表。']);
  });
});

describe('headers centred in cells wider than their text, without rules (b)', () => {
  it('a header in the gap beside a column with none over it heads that column; one with no such column is an empty column', async () => {
    const doc = await fixture('centred-headers.pdf');
    const t = tables(doc.blocks);
    expect(t).toHaveLength(1);
    expect(texts(t[0])).toEqual([
      ['序号', '会议名称', '时间', '人数', '金额', '备注'],
      ['1', '年度工作会议', '2026年3月', '120', '6.00', ''],
      ['2', '业务培训交流会议', '2026年6月', '80', '3.20', ''],
      ['3', '专题研讨会议', '2026年9月', '45', '1.35', ''],
    ]);
  });
});

describe('glyphs whose claimed advance overruns the next glyph (a)', () => {
  it('digits shown one by one, each claiming an em but placed 0.45 em apart, join in x order in their cell', async () => {
    const doc = await fixture('wide-digits.pdf');
    const t = tables(doc.blocks);
    expect(t).toHaveLength(1);
    expect(texts(t[0])).toEqual([
      ['项目', '合计', '基本支出'],
      ['合计', '154,304.22', '5,362.42'],
      ['科学技术支出', '147,502.38', '3,770.98'],
      ['教育支出', '7.09', '7.09'],
    ]);
  });
});

describe('cell boxes', () => {
  type Box = [number, number, number, number];
  const close = (a: Box | undefined, b: Box): void => {
    expect(a).toBeDefined();
    a!.forEach((v, i) => expect(Math.abs(v - b[i]), `box ${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBeLessThan(0.5));
  };

  it('a ruled cell’s box is its (merged) grid cell, in points from the top left of the page', async () => {
    const doc = await extract(join(BAD, 'ruled-table.pdf'));
    const [t1, t2] = tables(doc.blocks);
    // 项目, merged over the four code and name columns of the first header row.
    close(t1.rows[0].cells[0].ref.box, [50, 102, 300, 122]);
    // The cells it covers have their own grid cells.
    close(t1.rows[0].cells[1].ref.box, [80, 102, 110, 122]);
    // 行政运行's amount 9,389,913.00: third body row, 合计 column.
    const row = t1.rows.find((r) => r.cells[3].text === '行政运行')!;
    close(row.cells[4].ref.box, [300, 202, 380, 222]);
    // The continuation page's row, put back in the first page's columns.
    close(t2.rows[0].cells[4].ref.box, [300, 42, 380, 62]);
    for (const r of [...t1.rows, ...t2.rows]) for (const c of r.cells) expect(c.ref.page).toBe(r.ref.page);
  });

  it('on a page turned by /Rotate the box is where the cell is shown, not where its text runs', async () => {
    const doc = await extract(join(BAD, 'rotated.pdf'));
    const t1 = tables(doc.blocks)[0];
    // Page 1 is shown turned a quarter clockwise: x = the unturned y, y = x.
    close(t1.rows[0].cells[0].ref.box, [720, 50, 740, 300]);
  });

  it('a cell of a table without rules: its column between the borders found, its row’s lines', async () => {
    const doc = await fixture('glued-amounts.pdf');
    const t = tables(doc.blocks)[0];
    const [x0, y0, x1, y1] = t.rows[1].cells[1].ref.box!;
    // 9,433.72 (ends at x 230, baseline 120 from the top, 10 pt type).
    expect(x0).toBeLessThan(190);
    expect(x1).toBeGreaterThanOrEqual(230);
    expect(x1).toBeLessThanOrEqual(232.5);
    expect(y0).toBeLessThanOrEqual(110);
    expect(y1).toBeGreaterThanOrEqual(120);
    // Its neighbour, the label, starts at the border.
    expect(t.rows[1].cells[2].ref.box![0]).toBe(x1);
  });
});

describe('page texts (what trace shows around a number)', () => {
  it('keep an amount apart from the next column’s label when a cell gap separates them', async () => {
    const ruled = await fixture('trapezoid-borders.pdf');
    // pdfjs makes one item of 9,433.72 and the label 0.6 em after it, with a space inside.
    expect(ruled.sourceLines?.[0].split('\n')).toContain('一、财政拨款 9,433.72 一、一般公共服务支出 3,478.72');
    const two = await fixture('two-column.pdf');
    expect(two.sourceLines?.[0].split('\n')).toContain('1.因公出国（境）费 16.80');
    // A word processor's autospace (a quarter em) is still no space.
    const glued = await fixture('glued-amounts.pdf');
    expect(glued.sourceLines?.[0].split('\n')).toContain('1.一般公共预算拨款 9,433.72统计信息事务 3,478.72');
  });
});

describe('wrapped cells that run over their row (c), a rule left out in one row', () => {
  it('a wrapped label’s last line below its row’s border is its cell’s, not the next row’s; a flush-right amount in a merged cell is its last column’s', async () => {
    const doc = await fixture('overflowing-wraps.pdf');
    const t = tables(doc.blocks);
    expect(t).toHaveLength(1);
    expect(texts(t[0])).toEqual([
      ['支出功能分类科目', '部门支出经济分类科目', '合计', '基本支出', '项目支出'],
      // the rule between 部门支出经济分类科目 and 合计 is not drawn in this row
      ['合计', '', '20.00', '10.00', '10.00'],
      ['2130306-水利工程运行与维护', '30201-办公费', '10.00', '10.00', ''],
      ['2130306-水利工程运行与维护', '31007-信息网络及软件购置更新', '5.00', '', '5.00'],
      // after a full line above, a row's own short label stays its own
      ['2130399-其他水利支出', '30226-劳务费', '3.00', '', '3.00'],
      // the last row's wrap runs over the table's bottom border
      ['2130306-水利工程运行与维护', '30227-委托业务费', '2.00', '', '2.00'],
    ]);
    expect(paragraphs(doc.blocks)).toEqual(['支出总表', '金额单位：万元', '注：本表为测试表。']);
  });

  it('a cell merged over columns in the table’s own layout keeps its flush-right amount where it begins', async () => {
    const doc = await fixture('merged-amounts.pdf');
    // no row prints an amount in the last column on its own: the merge is the table's, not a rule left out
    expect(texts(tables(doc.blocks)[0])).toEqual([
      ['项目名称', '', '其中：财政资金', '其他资金'],
      ['资金支出计划', '6月底', '12月底', ''],
      ['金额', '1.00', '4.00', ''],
    ]);
  });
});
