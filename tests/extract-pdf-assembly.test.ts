/**
 * How the PDF extractor assembles cells from text items: the faults a
 * table's text can reach it with, one synthetic PDF each
 * (tests/fixtures/pdf-assembly/make-fixtures.mjs), and the cells it must
 * give for them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Block, ExtractedDocument, Paragraph, Table } from '../src/ir.js';
import { pdfExtractor } from '../src/extract/pdf.js';

const ROOT = join(import.meta.dirname, '..');
const FIX = join(ROOT, 'tests/fixtures/pdf-assembly');

const tables = (blocks: Block[]): Table[] => blocks.filter((b): b is Table => b.kind === 'table');
const paragraphs = (blocks: Block[]): string[] => blocks.filter((b): b is Paragraph => b.kind === 'paragraph').map((p) => p.text);
const texts = (t: Table): string[][] => t.rows.map((r) => r.cells.map((c) => c.text));

const cache = new Map<string, Promise<ExtractedDocument>>();
function extract(path: string): Promise<ExtractedDocument> {
  let p = cache.get(path);
  if (!p) {
    p = pdfExtractor.extract(new Uint8Array(readFileSync(path)), path.split('/').pop()!);
    cache.set(path, p);
  }
  return p;
}
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
});
