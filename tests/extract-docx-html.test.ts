import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { zipBytes, zipEntry } from './helpers/zip.js';
import { DocumentError, type Block, type ExtractedDocument, type Paragraph, type Table } from '../src/ir.js';
import { checkDocxZip, docxExtractor, plainReason, readCentralDirectory, unclosedRoot, withoutLayout } from '../src/extract/docx.js';
import { decodeHtml, htmlExtractor } from '../src/extract/html.js';
import { expandGrid } from '../src/extract/html-grid.js';

/* --------------------------------------------------------------- helpers */

const ROOT = join(import.meta.dirname, '..');
const BAD = join(ROOT, 'tests/fixtures/docx-html-bad');

const tables = (blocks: Block[]): Table[] => blocks.filter((b): b is Table => b.kind === 'table');
const paragraphs = (blocks: Block[]): Paragraph[] => blocks.filter((b): b is Paragraph => b.kind === 'paragraph');
const texts = (t: Table): string[][] => t.rows.map((r) => r.cells.map((c) => c.text));
/** The blocks as a compact outline: `P:text` or `T:rows`. */
const outline = (blocks: Block[]): string[] =>
  blocks.map((b) => (b.kind === 'paragraph' ? `P:${b.text}` : `T:${b.rows.length}`));

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

async function html(s: string | Uint8Array): Promise<ExtractedDocument> {
  return htmlExtractor.extract(typeof s === 'string' ? utf8(s) : s, 'page.html');
}

async function rejection(p: Promise<unknown>): Promise<DocumentError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DocumentError);
    return err as DocumentError;
  }
  throw new Error('expected the promise to reject');
}

interface ZipInput {
  name: string;
  data: string | Uint8Array;
  deflate?: boolean;
  /** Written to the central directory instead of the real sizes. */
  claimUncompressed?: number;
}

/** A zip of these entries (tests/helpers/zip.ts). */
function zip(entries: ZipInput[]): Uint8Array {
  return new Uint8Array(zipBytes(entries.map((e) => ({ ...zipEntry(e.name, e.data, e.deflate ?? false), centralSize: e.claimUncompressed }))));
}

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

function docxParts(bodyXml: string): ZipInput[] {
  return [
    {
      name: '[Content_Types].xml',
      data:
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
        '</Types>',
    },
    {
      name: '_rels/.rels',
      data:
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
        '</Relationships>',
    },
    {
      name: 'word/document.xml',
      deflate: true,
      data: `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="${W}"><w:body>${bodyXml}</w:body></w:document>`,
    },
  ];
}
const docx = (bodyXml: string): Uint8Array => zip(docxParts(bodyXml));

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const wp = (text: string, style?: string): string =>
  `<w:p>${style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : ''}<w:r><w:t xml:space="preserve">${esc(text)}</w:t></w:r></w:p>`;
/** A table cell: text (or several paragraphs), optional gridSpan / vMerge ('restart' | 'continue'). */
const wtc = (text: string | string[], opts: { span?: number; vmerge?: 'restart' | 'continue' } = {}): string => {
  const pr =
    (opts.span ? `<w:gridSpan w:val="${opts.span}"/>` : '') +
    (opts.vmerge === 'restart' ? '<w:vMerge w:val="restart"/>' : opts.vmerge === 'continue' ? '<w:vMerge/>' : '');
  const paras = (Array.isArray(text) ? text : [text]).map((t) => wp(t)).join('') || '<w:p/>';
  return `<w:tc>${pr ? `<w:tcPr>${pr}</w:tcPr>` : ''}${paras}</w:tc>`;
};
const wtr = (cells: string[], header = false): string =>
  `<w:tr>${header ? '<w:trPr><w:tblHeader/></w:trPr>' : ''}${cells.join('')}</w:tr>`;
const wtbl = (cols: number, rows: string[]): string =>
  `<w:tbl><w:tblGrid>${'<w:gridCol w:w="1000"/>'.repeat(cols)}</w:tblGrid>${rows.join('')}</w:tbl>`;

/* ------------------------------------------------------------ grid math */

describe('expandGrid', () => {
  const c = (text: string, colspan = 1, rowspan = 1) => ({ text, colspan, rowspan });

  it('puts the text top-left and empties every covered position', () => {
    expect(
      expandGrid([
        [c('A', 2, 2), c('B')],
        [c('C')],
        [c('D'), c('E'), c('F')],
      ]),
    ).toEqual([
      ['A', '', 'B'],
      ['', '', 'C'],
      ['D', 'E', 'F'],
    ]);
  });

  it('pads short rows, cuts rowspans at the last row, spans 0 = rest of table', () => {
    expect(expandGrid([[c('A', 1, 5), c('B', 3)], [c('C')]])).toEqual([
      ['A', 'B', '', ''],
      ['', 'C', '', ''],
    ]);
    expect(expandGrid([[c('A', 1, Infinity), c('B')], [c('C')], [c('D')]])).toEqual([
      ['A', 'B'],
      ['', 'C'],
      ['', 'D'],
    ]);
  });
});

/* ---------------------------------------------------------------- HTML */

const BUDGET_HTML = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>不要读我</title>
<style>td { color: red }</style><script>var x = "<table><tr><td>no</td></tr></table>";</script></head>
<body>
<h2>部门预算收支总表</h2>
<p>单位：万元</p>
<table border="1">
  <tr><th rowspan="2">序号</th><th colspan="2">收入</th><th colspan="2">支出</th></tr>
  <tr><th>项 目</th><th>预算数</th><th>项 目</th><th>预算数</th></tr>
  <tr><td>栏次</td><td>1</td><td>2</td><td>3</td><td>4</td></tr>
  <tr><td>1</td><td>一、一般公共预算拨款收入</td><td>2085.50</td><td>一、一般公共服务支出</td><td>1853.61</td></tr>
  <tr><td rowspan="2" colspan="2">合并</td><td>7.00</td><td>八、社会保障和就业支出</td><td>97.93</td></tr>
  <tr><td>8.00</td></tr>
</table>
<div>中间的说明<br>第二行</div>
<ul><li>列表一</li><li>列表二</li></ul>
<table><tr><td>栏次</td><td>1</td></tr><tr><td>1</td><td>5.00</td></tr></table>
<p>结尾</p>
</body></html>`;

describe('HTML extractor', () => {
  it('expands colspan and rowspan so that every row has one cell per grid column', async () => {
    const doc = await html(BUDGET_HTML);
    const [t] = tables(doc.blocks);
    expect(texts(t)).toEqual([
      ['序号', '收入', '', '支出', ''],
      ['', '项 目', '预算数', '项 目', '预算数'],
      ['栏次', '1', '2', '3', '4'],
      ['1', '一、一般公共预算拨款收入', '2085.50', '一、一般公共服务支出', '1853.61'],
      ['合并', '', '7.00', '八、社会保障和就业支出', '97.93'],
      // rowspan+colspan from above covers the first two columns; the short row is padded.
      ['', '', '8.00', '', ''],
    ]);
  });

  it('keeps paragraphs and tables in document order, skipping head, script and style', async () => {
    const doc = await html(BUDGET_HTML);
    expect(outline(doc.blocks)).toEqual([
      'P:部门预算收支总表',
      'P:单位：万元',
      'T:6',
      'P:中间的说明',
      'P:第二行',
      'P:列表一',
      'P:列表二',
      'T:2',
      'P:结尾',
    ]);
    expect(doc.format).toBe('html');
  });

  it('gives rows and cells {table, row} refs and paragraphs their line in sourceLines', async () => {
    const doc = await html(BUDGET_HTML);
    const [t1, t2] = tables(doc.blocks);
    expect(t1.ref).toEqual({ table: 1 });
    expect(t1.rows.map((r) => r.ref)).toEqual([1, 2, 3, 4, 5, 6].map((row) => ({ table: 1, row })));
    expect(t1.rows[3].cells[4]).toEqual({ text: '1853.61', ref: { table: 1, row: 4 } });
    expect(t2.rows[1].cells[1].ref).toEqual({ table: 2, row: 2 });
    expect(doc.sourceLines).toHaveLength(2 + 6 + 4 + 2 + 1);
    expect(doc.sourceLines?.[5]).toBe('1 | 一、一般公共预算拨款收入 | 2085.50 | 一、一般公共服务支出 | 1853.61');
    for (const p of paragraphs(doc.blocks)) {
      expect(doc.sourceLines?.[p.ref.line! - 1]).toBe(p.text);
    }
    expect(paragraphs(doc.blocks).map((p) => p.ref.line)).toEqual([1, 2, 9, 10, 11, 12, 15]);
  });

  it('reads cell text: <br> and paragraphs as \\n, &nbsp; as space, formatting newlines collapsed', async () => {
    const doc = await html(`<table>
      <tr><td><p>第一段</p>
        <p>第二段</p></td><td>上<br/>下</td><td>&nbsp;12.50&nbsp;</td></tr>
      <tr><td>一般公共
          服务支出</td><td>Total
          amount</td><td>项  目</td></tr></table>`);
    expect(texts(tables(doc.blocks)[0])).toEqual([
      ['第一段\n第二段', '上\n下', '12.50'],
      ['一般公共服务支出', 'Total amount', '项  目'],
    ]);
    expect(doc.sourceLines?.[0]).toBe('第一段 第二段 | 上 下 | 12.50');
  });

  it('flattens a small nested table into its cell, and unwraps page-layout tables', async () => {
    const nested = await html(
      '<table><tr><td>a</td><td><table><tr><td>x</td><td>y</td></tr></table></td></tr><tr><td>b</td><td>c</td></tr></table>',
    );
    expect(tables(nested.blocks).map(texts)).toEqual([
      [
        ['a', 'x y'],
        ['b', 'c'],
      ],
    ]);

    const layout = await html(`<table width="100%"><tr><td><h1>标题</h1>
      <table><tr><td>栏次</td><td>1</td></tr><tr><td>1</td><td>9.00</td></tr></table>
      <p>注：说明</p></td></tr><tr><td>页脚</td></tr></table>`);
    expect(outline(layout.blocks)).toEqual(['P:标题', 'T:2', 'P:注：说明', 'P:页脚']);
    expect(tables(layout.blocks)[0].rows[1].ref).toEqual({ table: 1, row: 2 });
    expect(layout.messages.map((m) => m.rule)).toContain('layout-table');

    // A data table with a 2×2 table in one cell stays a data table.
    const inCell = await html(`<table><tr><td>栏次</td><td>1</td></tr>
      <tr><td><table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table></td><td>1.00</td></tr>
      <tr><td>2</td><td>2.00</td></tr></table>`);
    expect(tables(inCell.blocks).map(texts)).toEqual([
      [
        ['栏次', '1'],
        ['a b\nc d', '1.00'],
        ['2', '2.00'],
      ],
    ]);

    const box = await html('<table><tr><td>部门预算公开表</td></tr></table><p>x</p>');
    expect(outline(box.blocks)).toEqual(['P:部门预算公开表', 'P:x']);
  });

  it('drops rows hidden with display:none (Excel exports) and reads <caption> as a paragraph', async () => {
    const doc = await html(`<table><caption>表一</caption>
      <tr><td>栏次</td><td>1</td></tr><tr><td>1</td><td>2.00</td></tr>
      <tr height=0 style='display:none'><td width=72></td><td width=80></td><td></td></tr></table>`);
    expect(outline(doc.blocks)).toEqual(['P:表一', 'T:2']);
    expect(texts(tables(doc.blocks)[0])).toEqual([
      ['栏次', '1'],
      ['1', '2.00'],
    ]);
  });

  it('decodes GB18030/GBK declared in a meta tag', async () => {
    const page =
      '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>' +
      '<body><p>部门预算</p><table><tr><td>一般公共服务支出</td><td>1853.61</td></tr><tr><td>合计</td><td>1</td></tr></table></body></html>';
    const bytes = new Uint8Array(iconv.encode(page, 'gb18030'));
    expect(decodeHtml(bytes).encoding).toBe('gb18030');
    const doc = await html(bytes);
    expect(paragraphs(doc.blocks)[0].text).toBe('部门预算');
    expect(tables(doc.blocks)[0].rows[0].cells[0].text).toBe('一般公共服务支出');
    expect(doc.messages).toEqual([]);
  });

  it('decodes GB18030 without any declaration (not valid UTF-8)', async () => {
    // A character outside GBK (4-byte GB18030) too: 𠀀 U+20000.
    const page = '<table><tr><td>社会保障和就业支出𠀀</td><td>97.93</td></tr><tr><td>a</td><td>b</td></tr></table>';
    const bytes = new Uint8Array(iconv.encode(page, 'gb18030'));
    expect(decodeHtml(bytes).encoding).toBe('gb18030');
    const doc = await html(bytes);
    expect(tables(doc.blocks)[0].rows[0].cells[0].text).toBe('社会保障和就业支出𠀀');
  });

  it('reads UTF-8 without declaration, honours a BOM, and catches a page mislabelled as gb2312', async () => {
    expect(decodeHtml(utf8('<p>预算</p>')).encoding).toBe('utf-8');
    const utf16 = new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<p>预算</p>', 'utf16le')]));
    const d16 = decodeHtml(utf16);
    expect([d16.encoding, d16.text]).toEqual(['utf-16le', '<p>预算</p>']);

    const mislabelled = utf8('<meta charset="gb2312"><p>一般公共服务支出</p>');
    const decoded = decodeHtml(mislabelled);
    expect(decoded.encoding).toBe('utf-8');
    expect(decoded.messages.map((m) => m.rule)).toEqual(['html-charset-mismatch']);
    expect(paragraphs((await html(mislabelled)).blocks)[0].text).toBe('一般公共服务支出');
  });

  it('a page without a table gives paragraphs and no Table', async () => {
    const doc = await html('<html><body><h1>2025年部门预算公开</h1><p>本部门无政府性基金预算。</p></body></html>');
    expect(tables(doc.blocks)).toEqual([]);
    expect(paragraphs(doc.blocks).map((p) => p.text)).toEqual(['2025年部门预算公开', '本部门无政府性基金预算。']);
  });

  it('refuses empty and binary files with a DocumentError', async () => {
    expect((await rejection(html(new Uint8Array(0)))).rule).toBe('html-empty');
    expect((await rejection(html(utf8('  \n\t ')))).rule).toBe('html-empty');
    const binary = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
    const err = await rejection(html(binary));
    expect(err.rule).toBe('html-undecodable');
    expect(err.message).toMatch(/not readable text/);
  });

  it('sniffs HTML by content', () => {
    expect(htmlExtractor.sniff(utf8('<!DOCTYPE HTML><html>'), 'x.bin')).toBe(true);
    expect(htmlExtractor.sniff(utf8('\n<TABLE border=1><tr>'), 'x')).toBe(true);
    expect(htmlExtractor.sniff(new Uint8Array(iconv.encode('<body>预算</body>', 'gb18030')), 'x')).toBe(true);
    expect(htmlExtractor.sniff(utf8('序号\t收入\n栏次\t1\n'), 'x.html')).toBe(false);
    expect(htmlExtractor.sniff(docx(wp('x')), 'x.html')).toBe(false);
  });
});

/* ---------------------------------------------------------------- DOCX */

describe('DOCX extractor', () => {
  const budget = docx(
    wp('部门预算收支总表', 'Title') +
      wp('单位：万元') +
      wtbl(5, [
        wtr([wtc('序号', { vmerge: 'restart' }), wtc('收入', { span: 2 }), wtc('支出', { span: 2 })], true),
        wtr([wtc('', { vmerge: 'continue' }), wtc('项 目'), wtc('预算数'), wtc('项 目'), wtc('预算数')], true),
        wtr(['栏次', '1', '2', '3', '4'].map((t) => wtc(t))),
        wtr([wtc('1'), wtc(['一、一般公共', '预算拨款收入']), wtc('2085.50'), wtc('一、一般公共服务支出'), wtc('1853.61')]),
        wtr([wtc('合并', { span: 2, vmerge: 'restart' }), wtc('7.00'), wtc('八、社会保障和就业支出'), wtc('97.93')]),
        wtr([wtc('', { span: 2, vmerge: 'continue' }), wtc('8.00')]),
      ]) +
      wp('注：以上为示例'),
  );

  it('sniffs a zip with word/document.xml, not other zips', () => {
    expect(docxExtractor.sniff(budget, 'a.bin')).toBe(true);
    expect(docxExtractor.sniff(zip([{ name: 'xl/workbook.xml', data: '<x/>' }]), 'a.docx')).toBe(false);
    expect(docxExtractor.sniff(utf8('<html><table>'), 'a.docx')).toBe(false);
    expect(readCentralDirectory(budget)?.map((e) => e.name)).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'word/document.xml',
    ]);
  });

  it('keeps gridSpan and vMerge as merges and expands them to the grid', async () => {
    const doc = await docxExtractor.extract(budget, 'budget.docx');
    expect(doc.format).toBe('docx');
    expect(outline(doc.blocks)).toEqual(['P:部门预算收支总表', 'P:单位：万元', 'T:6', 'P:注：以上为示例']);
    expect(texts(tables(doc.blocks)[0])).toEqual([
      ['序号', '收入', '', '支出', ''],
      ['', '项 目', '预算数', '项 目', '预算数'],
      ['栏次', '1', '2', '3', '4'],
      ['1', '一、一般公共\n预算拨款收入', '2085.50', '一、一般公共服务支出', '1853.61'],
      ['合并', '', '7.00', '八、社会保障和就业支出', '97.93'],
      ['', '', '8.00', '', ''],
    ]);
    expect(tables(doc.blocks)[0].rows[5].cells[2].ref).toEqual({ table: 1, row: 6 });
    expect(doc.sourceLines?.[0]).toBe('部门预算收支总表');
  });

  it('keeps rows that start some columns in (w:gridBefore) aligned, vMerge included', async () => {
    const gapped = docx(
      wtbl(3, [
        wtr([wtc('栏次'), wtc('1', { vmerge: 'restart' }), wtc('2')]),
        '<w:tr><w:trPr><w:gridBefore w:val="1"/><w:wBefore w:w="1000" w:type="dxa"/></w:trPr>' +
          wtc('', { vmerge: 'continue' }) +
          wtc('9.00') +
          '</w:tr>',
        wtr([wtc('1'), wtc('3.00'), wtc('4.00')]),
      ]),
    );
    const doc = await docxExtractor.extract(gapped, 'g.docx');
    expect(texts(tables(doc.blocks)[0])).toEqual([
      ['栏次', '1', '2'],
      ['', '', '9.00'],
      ['1', '3.00', '4.00'],
    ]);
    expect(doc.messages.map((m) => m.rule)).toContain('docx-grid-before');
  });

  it("passes mammoth's messages on as extract messages", async () => {
    const doc = await docxExtractor.extract(budget, 'budget.docx');
    const m = doc.messages.find((x) => x.rule === 'docx-unmapped-style');
    expect(m).toMatchObject({ severity: 'info', stage: 'extract' });
    expect(m?.text).toContain('Title');
  });

  it('drops footnote markers that would glue onto amounts', async () => {
    const withNote = zip([
      ...docxParts(
        wtbl(2, [
          wtr([wtc('栏次'), wtc('1')]),
          wtr([
            wtc('1'),
            '<w:tc><w:p><w:r><w:t>12.00</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p></w:tc>',
          ]),
        ]),
      ).map((p) =>
        p.name === '[Content_Types].xml'
          ? { ...p, data: (p.data as string).replace('</Types>', '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>') }
          : p,
      ),
      {
        name: 'word/_rels/document.xml.rels',
        data:
          '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>',
      },
      {
        name: 'word/footnotes.xml',
        data: `<?xml version="1.0" encoding="UTF-8"?><w:footnotes xmlns:w="${W}"><w:footnote w:id="1">${wp('含上年结转')}</w:footnote></w:footnotes>`,
      },
    ]);
    const doc = await docxExtractor.extract(withNote, 'n.docx');
    expect(texts(tables(doc.blocks)[0])[1]).toEqual(['1', '12.00']);
    expect(paragraphs(doc.blocks).map((p) => p.text)).toEqual(['含上年结转']);
  });

  it('refuses a file that is not a zip', async () => {
    const err = await rejection(docxExtractor.extract(utf8('this is not a word file'), 'x.docx'));
    expect(err.rule).toBe('docx-corrupt');
    expect(err.message).toBe('the .docx file is damaged or not a Word document');
  });

  it('refuses a truncated .docx as damaged (and still sniffs it as docx)', async () => {
    const cut = budget.subarray(0, budget.length - 40);
    expect(docxExtractor.sniff(cut, 'x')).toBe(true);
    expect((await rejection(docxExtractor.extract(cut, 'x.docx'))).rule).toBe('docx-corrupt');
  });

  it('refuses a .docx whose main part breaks off (cut short inside the zip) as damaged, with a reason', async () => {
    // mammoth's XML parser would read on past the cut for minutes (a hang in the fuzz), then fail anyway.
    const parts = docxParts(wp('x').repeat(2000));
    const main = parts.find((p) => p.name === 'word/document.xml')!;
    for (const cut of [main.data.length - 20, main.data.length - 1, Math.floor(main.data.length / 2), 120]) {
      const err = await rejection(docxExtractor.extract(zip(parts.map((p) => (p === main ? { ...p, data: p.data.slice(0, cut) } : p))), 'x.docx'));
      expect(err.rule, String(cut)).toBe('docx-corrupt');
      expect(err.message).toMatch(/breaks off before the end \(the w:document element is never closed\).*save it again/);
    }
    // The whole part, with white space, a comment or an empty root, still reads.
    const end = zip(parts.map((p) => (p === main ? { ...p, data: `${p.data}\r\n<!-- saved -->\n` } : p)));
    expect(paragraphs((await docxExtractor.extract(end, 'x.docx')).blocks)).toHaveLength(2000);
    expect(unclosedRoot('<?xml version="1.0"?><w:document xmlns:w="x"/>')).toBeUndefined();
    expect(unclosedRoot('<?xml version="1.0"?><!-- a --><w:document a="x"><w:body/></w:document >\n')).toBeUndefined();
    expect(unclosedRoot('<?xml version="1.0"?><w:document><w:body></w:body></w:document')).toBe('w:document');
  });

  it('hands mammoth the main part without layout, keeping what it reads', () => {
    const cell =
      '<w:tc><w:tcPr><w:tcW w:w="1200" w:type="dxa"/><w:gridSpan w:val="2"/><w:vMerge w:val="restart"/>' +
      '<w:tcBorders><w:top w:val="single" w:sz="4"/><w:left w:val="single"/></w:tcBorders><w:shd w:fill="FFFFFF"/><w:vAlign w:val="center"/></w:tcPr>' +
      '<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:spacing w:before="0"/><w:jc w:val="center"/><w:rPr><w:del w:id="1"/><w:sz w:val="20"/></w:rPr></w:pPr>' +
      '<w:r><w:rPr><w:rFonts w:ascii="SimSun"/><w:b/><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr><w:t xml:space="preserve">合计 </w:t></w:r></w:p></w:tc>';
    const row = `<w:tr><w:trPr><w:tblHeader/><w:trHeight w:val="300"/><w:cantSplit/></w:trPr>${cell}</w:tr>`;
    expect(withoutLayout(row)).toBe(
      '<w:tr><w:trPr><w:tblHeader/></w:trPr><w:tc><w:tcPr><w:gridSpan w:val="2"/><w:vMerge w:val="restart"/></w:tcPr>' +
        '<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:rPr><w:del w:id="1"/></w:rPr></w:pPr>' +
        '<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">合计 </w:t></w:r></w:p></w:tc></w:tr>',
    );
    // elements whose names only begin like a layout one stay
    expect(withoutLayout('<w:szX/><w:jcFoo w:val="1"/><w:spacingBefore/>')).toBe('<w:szX/><w:jcFoo w:val="1"/><w:spacingBefore/>');
  });

  it('refuses a zip that is not a Word document', async () => {
    const err = await rejection(docxExtractor.extract(zip([{ name: 'readme.txt', data: 'hi' }]), 'x.docx'));
    expect(err.rule).toBe('docx-not-word');
    expect(err.message).toMatch(/not a Word document/);
  });

  it('refuses an old binary .doc with advice, and sniffs it', async () => {
    const ole = new Uint8Array(2048);
    ole.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    ole.set(Buffer.from('WordDocument', 'utf16le'), 1024);
    expect(docxExtractor.sniff(ole, 'x.bin')).toBe(true);
    const err = await rejection(docxExtractor.extract(ole, 'x.doc'));
    expect(err.rule).toBe('doc-legacy');
    expect(err.message).toBe('old .doc format; save as .docx');
    // Some other OLE file (an .xls) is not claimed.
    const xls = new Uint8Array(2048);
    xls.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    expect(docxExtractor.sniff(xls, 'x.xls')).toBe(false);
  });

  it('refuses zip bombs from the central directory, before inflating anything', async () => {
    const total = zip([
      ...docxParts(wp('x')),
      // Each part alone is plausible (ratio about 700:1); together they are too big.
      { name: 'word/media/a.bin', data: 'a'.repeat(150_000), claimUncompressed: 100 * 1024 * 1024 },
      { name: 'word/media/b.bin', data: 'b'.repeat(160_000), claimUncompressed: 110 * 1024 * 1024 },
    ]);
    const e1 = await rejection(docxExtractor.extract(total, 'x.docx'));
    expect(e1.rule).toBe('docx-too-large');
    expect(e1.message).toMatch(/210 MB/);

    // 50 MB is under the total limit, but 50 MB out of a few hundred bytes is not a real file.
    const ratio = zip([...docxParts(wp('x')), { name: 'word/media/c.bin', data: 'c'.repeat(300), claimUncompressed: 50 * 1024 * 1024 }]);
    const e2 = await rejection(docxExtractor.extract(ratio, 'x.docx'));
    expect(e2.rule).toBe('docx-too-large');
    expect(e2.message).toMatch(/word\/media\/c\.bin/);

    // Same parts, honest sizes: accepted.
    expect(checkDocxZip(docx(wp('x')), 'x.docx').length).toBe(3);
  });
});

/* ------------------------------------------------- bad inputs on disk */

describe('bad inputs in tests/fixtures/docx-html-bad', () => {
  const expected: Record<string, string> = {
    'not-a-zip.docx': 'docx-corrupt',
    'truncated.docx': 'docx-corrupt',
    'cut-document-xml.docx': 'docx-corrupt',
    'not-word.docx': 'docx-not-word',
    'legacy.doc': 'doc-legacy',
    'bomb.docx': 'docx-too-large',
    'empty.html': 'html-empty',
    'binary.html': 'html-undecodable',
  };
  for (const [file, rule] of Object.entries(expected)) {
    it(`${file} → ${rule}`, async () => {
      const bytes = new Uint8Array(readFileSync(join(BAD, file)));
      const extractor = file.endsWith('.html') ? htmlExtractor : docxExtractor;
      const err = await rejection(extractor.extract(bytes, file));
      expect(err.rule).toBe(rule);
    });
  }
  it('no-table.html gives blocks with no Table', async () => {
    const doc = await htmlExtractor.extract(new Uint8Array(readFileSync(join(BAD, 'no-table.html'))), 'no-table.html');
    expect(doc.blocks.length).toBeGreaterThan(0);
    expect(tables(doc.blocks)).toEqual([]);
  });
});

/* ---------------------------------------------- generated fixtures */

/** Seed text → rows of cells: cells layout (TAB-prefixed lines, blank line between rows) or tab layout. */
function isCellsLayout(text: string): boolean {
  const lines = text.replace(/\r/g, '').split('\n');
  return lines.filter((l) => l.startsWith('\t')).length > lines.filter((l) => /\S\t/.test(l)).length;
}

function seedTables(text: string): string[][][] {
  const lines = text.replace(/\r/g, '').split('\n');
  const cellsLayout = isCellsLayout(text);
  const out: string[][][] = [];
  let table: string[][] = [];
  const end = () => {
    if (table.length) out.push(table);
    table = [];
  };
  if (cellsLayout) {
    let row: string[] = [];
    for (const l of lines) {
      if (l.startsWith('\t')) row.push(l.slice(1));
      else {
        if (row.length) table.push(row);
        row = [];
        if (l.trim()) end();
      }
    }
    if (row.length) table.push(row);
  } else {
    for (const l of lines) {
      if (l.includes('\t')) table.push(l.split('\t'));
      else if (l.trim()) end();
    }
  }
  end();
  return out;
}

const AMOUNT = /^-?[\d,]+\.\d+$/;
const squash = (s: string): string => s.replace(/\s+/g, '');

/** Rows that follow a 栏次 row in their table and hold at least one amount. */
function dataRows(rows: string[][]): { width: number; row: string[] }[] {
  const out: { width: number; row: string[] }[] = [];
  let width = 0;
  for (const row of rows) {
    if (squash(row[0] ?? '') === '栏次') {
      width = row.length;
      continue;
    }
    if (width && row.some((c) => AMOUNT.test(c.trim()))) out.push({ width, row });
  }
  return out;
}

/** The row just above each 栏次 row. */
function headRows(rows: string[][]): string[][] {
  return rows.filter((_, i) => i + 1 < rows.length && squash(rows[i + 1][0] ?? '') === '栏次');
}

function fixtureFiles(): { file: string; seed: string }[] {
  const dirs = ['corpus/fixtures/docx', 'corpus/fixtures/html', 'tests/fixtures/variants'].map((d) => join(ROOT, d));
  const seedDir = join(ROOT, 'corpus', 'seeds');
  const seeds = readdirSync(seedDir);
  const out: { file: string; seed: string }[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!/\.(docx|html?)$/i.test(name)) continue;
      const id = /^(\d{3}_[0-9a-f]+)/.exec(basename(name, extname(name)))?.[1];
      const seed = seeds.find((s) => id && s.startsWith(id));
      if (seed) out.push({ file: join(dir, name), seed: join(seedDir, seed) });
    }
  }
  return out;
}

const FIXTURES = fixtureFiles();

describe('generated fixtures against their seeds', () => {
  it('has the fixtures of every seed (DOCX, HTML and variants)', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(14);
  });

  for (const { file, seed } of FIXTURES) {
    it(`${file.slice(ROOT.length + 1)}: every data row lines up with the 栏次 row and the seed`, async () => {
      const bytes = new Uint8Array(readFileSync(file));
      const extractor = /\.docx$/i.test(file) ? docxExtractor : htmlExtractor;
      expect(extractor.sniff(bytes, basename(file))).toBe(true);
      const doc = await extractor.extract(bytes, basename(file));

      const irRows = tables(doc.blocks).flatMap((t) => dataRows(texts(t)));
      const seedRows = seedTables(readFileSync(seed, 'utf8')).flatMap(dataRows);
      expect(seedRows.length).toBeGreaterThan(0);
      expect(irRows.length).toBeGreaterThan(0);

      // As many cells as the 栏次 row: the grid is aligned.
      for (const { width, row } of irRows) expect(row.length).toBe(width);

      // Each seed data row appears in the IR with every amount in the same column.
      const key = (row: string[]) => row.map((c) => squash(c)).join('|').replace(/\|+$/, '');
      const irKeys = new Set(irRows.map(({ row }) => key(row)));
      const missing = seedRows.filter(({ row }) => !irKeys.has(key(row))).map(({ row }) => row.join(' | '));
      expect(missing).toEqual([]);
      // And nothing in the IR that the seed does not have.
      const seedKeys = new Set(seedRows.map(({ row }) => key(row)));
      const extra = irRows.filter(({ row }) => !seedKeys.has(key(row))).map(({ row }) => row.join(' | '));
      expect(extra).toEqual([]);

      // The header row right above 栏次 is merged from above (序号 rowspan=2, …): in a
      // cells-layout seed it is written out with '' in the covered positions, so must the
      // IR be. (Tab-layout seeds shift header cells; 'unmerged' variants repeat the text.)
      if (!isCellsLayout(readFileSync(seed, 'utf8')) || /\.unmerged\./.test(file)) return;
      const irHeads = new Set(tables(doc.blocks).flatMap((t) => headRows(texts(t))).map(key));
      const seedHeads = seedTables(readFileSync(seed, 'utf8')).flatMap(headRows);
      expect(seedHeads.length).toBeGreaterThan(0);
      expect(seedHeads.filter((row) => !irHeads.has(key(row))).map((row) => row.join(' | '))).toEqual([]);
    });
  }
});

describe('no extractor reaches out', () => {
  it('fetches nothing a web page or a Word file names (stylesheets, scripts, frames, linked images), nor opens a local file it names', async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end('x');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const page = await html(
        `<html><head><base href="${url}/"><link rel="stylesheet" href="${url}/a.css"><script src="${url}/b.js"></script></head>` +
          `<body><img src="${url}/c.png"><iframe src="${url}/d.html"></iframe><object data="${url}/e.swf"></object>` +
          `<p>部门预算收支总表</p><table><tr><td>项目</td><td>预算数</td></tr><tr><td>合计</td><td>1.00</td></tr></table></body></html>`,
      );
      expect(tables(page.blocks)).toHaveLength(1);
      // an image linked (not embedded) by URL, one by a local path, a hyperlink; the path is a named
      // pipe, so that opening it shows: a writer can open a pipe without waiting only while a reader has it open
      const pipe = join(mkdtempSync(join(tmpdir(), 'yusuan-pipe-')), 'image.png');
      execFileSync('mkfifo', [pipe]);
      const R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
      const image = (id: string) =>
        `<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">` +
        `<wp:docPr id="1" name="p"/><a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">` +
        `<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">` +
        `<pic:blipFill><a:blip r:link="${id}" xmlns:r="${R}"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`;
      const parts = docxParts(
        image('rId8') + image('rId9') + `<w:p><w:hyperlink r:id="rId10" xmlns:r="${R}"><w:r><w:t>链接</w:t></w:r></w:hyperlink></w:p>` + wp('部门预算收支总表'),
      );
      parts.push({
        name: 'word/_rels/document.xml.rels',
        data:
          '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          `<Relationship Id="rId8" Type="${R}/image" Target="${url}/f.png" TargetMode="External"/>` +
          `<Relationship Id="rId9" Type="${R}/image" Target="file://${pipe}" TargetMode="External"/>` +
          `<Relationship Id="rId10" Type="${R}/hyperlink" Target="${url}/g.html" TargetMode="External"/>` +
          '</Relationships>',
      });
      let done = false;
      const reading = docxExtractor.extract(zip(parts), 'linked.docx').finally(() => (done = true));
      let pipeOpened = false;
      for (const deadline = Date.now() + 2000; !done && !pipeOpened && Date.now() < deadline; await new Promise((r) => setTimeout(r, 10))) {
        try {
          closeSync(openSync(pipe, constants.O_WRONLY | constants.O_NONBLOCK)); // the reader then sees the end: nothing hangs
          pipeOpened = true;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e; // ENXIO: nobody reads it
        }
      }
      const word = await reading;
      expect(pipeOpened).toBe(false);
      expect(paragraphs(word.blocks).map((p) => p.text)).toContain('部门预算收支总表');
      // anything on its way would have arrived by now
      await new Promise((done) => setTimeout(done, 200));
      expect(requests).toEqual([]);
    } finally {
      server.close();
    }
  }, 30_000);
});

describe('DOCX damage, in words', () => {
  it('says what is wrong with a damaged .docx without the libraries\' jargon', async () => {
    const parts = docxParts(wp('部门预算收支总表'));
    const main = parts.find((p) => p.name === 'word/document.xml')!;
    const probe = async (changed: ZipInput[]) => (await rejection(docxExtractor.extract(zip(changed), 'x.docx'))).message;
    // the sizes in the zip's directory do not match the contents: JSZip says "Bug : uncompressed data size mismatch"
    const sizes = await probe(parts.map((p) => (p === main ? { ...p, claimUncompressed: Buffer.byteLength(p.data) - 1 } : p)));
    expect(sizes).toBe('the .docx file is damaged or not a Word document (its compressed contents are corrupt)');
    // an entity XML does not define: xmldom says "[xmldom error]\tentity not found:&bogus;\n@#[line:undefined,col:undefined]"
    const entity = await probe(parts.map((p) => (p === main ? { ...p, data: String(p.data).replace('部门', '&bogus;') } : p)));
    expect(entity).toBe('the .docx file is damaged or not a Word document (its XML is malformed: entity not found:&bogus;)');
    expect(plainReason('Bug : something else\n happened')).toBe('something else happened');
    expect(plainReason('x'.repeat(300))).toHaveLength(160);
  });
});

describe('format libraries load when needed', () => {
  it('reads a text disclosure without loading mammoth or cheerio, and needs them for a page and a Word file', () => {
    // a child process in which loading either library fails: by require() (mammoth) or import() (cheerio)
    const blocked = JSON.stringify(['mammoth', 'cheerio']);
    const script = `
      import Module from 'node:module';
      const load = Module._load;
      Module._load = function (request, ...rest) {
        if (${blocked}.includes(request)) throw new Error('loaded ' + request);
        return load.call(this, request, ...rest);
      };
      Module.register('data:text/javascript,' + encodeURIComponent(
        'export async function resolve(s, c, next) { if (${blocked}.includes(s)) throw new Error("loaded " + s); return next(s, c); }'));
      const { processFile } = await import(${JSON.stringify(join(ROOT, 'dist/pipeline.js'))});
      const read = async (path) => { const r = await processFile(path); return r.status === 'ok' ? 'ok' : r.error; };
      const paths = process.argv.slice(1);
      console.log(JSON.stringify(await Promise.all(paths.map(read))));
    `;
    const files = ['corpus/seeds/000_313ba343419bd952.txt', 'corpus/fixtures/html/000_313ba343419bd952.html', 'corpus/fixtures/docx/000_313ba343419bd952.docx'];
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, ...files.map((f) => join(ROOT, f))], { encoding: 'utf8' });
    const [text, page, word] = JSON.parse(out) as string[];
    expect(text).toBe('ok');
    expect(page).toContain('loaded cheerio');
    expect(word).toContain('loaded mammoth');
  });
});
