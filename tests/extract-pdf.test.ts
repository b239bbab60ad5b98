import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DocumentError, type Block, type ExtractedDocument, type Paragraph, type Table } from '../src/ir.js';
import { pdfExtractor } from '../src/extract/pdf.js';
import { extractPdf } from './helpers/pdf.js';
import { ContentRuleReader } from '../src/extract/pdf/rules.js';

/* --------------------------------------------------------------- helpers */

const ROOT = join(import.meta.dirname, '..');
// the real PDFs (copied from ../shared/real) and their expected rows (tests/reference, copied from ../shared/gold-real)
const REAL = join(ROOT, 'corpus', 'real');
const GOLD = join(ROOT, 'tests', 'reference', 'gold-real');
const BAD = join(ROOT, 'tests/fixtures/pdf-bad');
const HEBEI = join(ROOT, 'corpus/fixtures/pdf');

const tables = (blocks: Block[]): Table[] => blocks.filter((b): b is Table => b.kind === 'table');
const paragraphs = (blocks: Block[]): Paragraph[] => blocks.filter((b): b is Paragraph => b.kind === 'paragraph');
const texts = (t: Table): string[][] => t.rows.map((r) => r.cells.map((c) => c.text));
/** Every table row, with the page it is on. */
const rowsOf = (doc: ExtractedDocument): { page: number | undefined; cells: string[] }[] =>
  tables(doc.blocks).flatMap((t) => t.rows.map((r) => ({ page: r.ref.page, cells: r.cells.map((c) => c.text) })));
const hasRow = (doc: ExtractedDocument, cells: string[], page?: number): boolean =>
  rowsOf(doc).some((r) => (page === undefined || r.page === page) && JSON.stringify(r.cells) === JSON.stringify(cells));
const paraOn = (doc: ExtractedDocument, text: string, page: number): boolean =>
  paragraphs(doc.blocks).some((p) => p.text === text && p.ref.page === page);

const extractFile = extractPdf;
const real = (name: string): Promise<ExtractedDocument> => extractFile(join(REAL, `sh-putuo-${name}-dept.pdf`));

async function rejection(p: Promise<unknown>): Promise<DocumentError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DocumentError) return err;
    throw new Error(`expected a DocumentError, got ${String(err)}`);
  }
  throw new Error('expected a DocumentError, but extraction succeeded');
}

/** Every text the document shows: paragraphs and cells. */
const allText = (doc: ExtractedDocument): string[] => [
  ...paragraphs(doc.blocks).map((p) => p.text),
  ...rowsOf(doc).flatMap((r) => r.cells),
];

/** The label normalization of the dataset contract (SCHEMA.md). */
function normLabel(s: string): string {
  let t = s.normalize('NFKC').replace(/\s+/g, '');
  for (let i = 0; i < 5; i++) t = t.replace(/^([一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+[.、]|其中:)/, '');
  return t;
}

/* ----------------------------------------------------------------- sniff */

describe('sniff', () => {
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
  it('claims bytes that start with %PDF-, also after a BOM or blank lines', () => {
    expect(pdfExtractor.sniff(bytes('%PDF-1.7\n%âãÏÓ'), 'a.pdf')).toBe(true);
    expect(pdfExtractor.sniff(bytes('\uFEFF%PDF-1.4\n'), 'a.bin')).toBe(true);
    expect(pdfExtractor.sniff(bytes('\r\n\r\n   %PDF-1.5'), 'a')).toBe(true);
  });
  it('does not claim other files, whatever their name', () => {
    expect(pdfExtractor.sniff(bytes('<html><body>%PDF</body></html>'), 'a.pdf')).toBe(false);
    expect(pdfExtractor.sniff(bytes('PK\u0003\u0004word/document.xml'), 'a.pdf')).toBe(false);
    expect(pdfExtractor.sniff(bytes('部门预算收支总表\n%PDF'), 'a.pdf')).toBe(false);
    expect(pdfExtractor.sniff(new Uint8Array(0), 'a.pdf')).toBe(false);
    // The signature must come early, not somewhere in the middle.
    expect(pdfExtractor.sniff(bytes(' '.repeat(2000) + '%PDF-1.7'), 'a.pdf')).toBe(false);
  });
});

/* ------------------------------------------------------ real Shanghai PDFs */

describe('real Shanghai PDFs', () => {
  it('reads every page, keeps a page text per page and decodes all text', async () => {
    for (const [name, pages] of [
      ['commerce-2025', 26],
      ['govoffice-2025', 22],
      ['wanli-2024', 33],
    ] as const) {
      const doc = await real(name);
      expect(doc.format).toBe('pdf');
      expect(doc.pages).toBe(pages);
      expect(doc.sourceLines).toHaveLength(pages);
      expect(doc.messages.filter((m) => m.severity === 'error')).toEqual([]);
      for (const t of allText(doc)) expect(t).not.toMatch(/[\uFFFD\uE000-\uF8FF\u0000-\u0008]/);
      // Every block knows its page.
      for (const b of doc.blocks) expect(b.ref.page).toBeGreaterThanOrEqual(1);
      for (const r of rowsOf(doc)) expect(r.page).toBeGreaterThanOrEqual(1);
    }
  });

  it('commerce: split 类/款/项 codes, amounts with separators in their own columns', async () => {
    const doc = await real('commerce-2025');
    // 收入预算总表 (page 10): header rows with merged cells, then data.
    expect(hasRow(doc, ['项目', '', '', '', '收入预算', '', '', '', ''], 10)).toBe(true);
    expect(
      hasRow(doc, ['功能分类科目编码', '', '', '功能分类科目名称', '合计', '财政拨款收入', '事业收入', '事业单位经营收入', '其他收入'], 10),
    ).toBe(true);
    expect(hasRow(doc, ['类', '款', '项', '', '', '', '', '', ''], 10)).toBe(true);
    expect(hasRow(doc, ['201', '13', '01', '行政运行', '9,389,913.00', '9,389,913.00', '', '', ''], 10)).toBe(true);
    expect(hasRow(doc, ['201', '', '', '一般公共服务支出', '21,601,733.00', '21,601,733.00', '', '', ''], 10)).toBe(true);
    // Continued on page 11 as a new table; the merged 合计 label in the first column.
    expect(hasRow(doc, ['208', '05', '06', '机关事业单位职业年金缴费支出', '705,443.00', '705,443.00', '', '', ''], 11)).toBe(true);
    expect(hasRow(doc, ['合计', '', '', '', '371,514,655.00', '371,514,655.00', '', '', ''], 11)).toBe(true);
    const p10 = tables(doc.blocks).filter((t) => t.ref.page === 10);
    const p11 = tables(doc.blocks).filter((t) => t.ref.page === 11);
    expect(p10).toHaveLength(1);
    expect(p11).toHaveLength(1);
    // 支出预算总表: empty cells keep their place.
    expect(hasRow(doc, ['201', '13', '02', '一般行政管理事务', '4,545,000.00', '', '4,545,000.00'], 12)).toBe(true);
    // Economic classification: 类/款 only; the header 编码 wrapped over two lines.
    expect(hasRow(doc, ['部门预算经济分类科目编码', '', '经济分类科目名称', '合计', '人员经费', '公用经费'], 19)).toBe(true);
    expect(hasRow(doc, ['301', '01', '基本工资', '1,952,616.00', '1,952,616.00', ''], 19)).toBe(true);
    expect(hasRow(doc, ['合计', '', '', '19,830,655.00', '18,120,593.00', '1,710,062.00'], 20)).toBe(true);
  });

  it('commerce: two-sided summary tables, one item holding two cells is split at the border', async () => {
    const doc = await real('commerce-2025');
    expect(hasRow(doc, ['本年收入', '', '本年支出', ''], 9)).toBe(true);
    expect(hasRow(doc, ['一、财政拨款收入', '371,514,655.00', '一、一般公共服务支出', '21,601,733.00'], 9)).toBe(true);
    expect(hasRow(doc, ['收入总计', '371,514,655.00', '支出总计', '371,514,655.00'], 9)).toBe(true);
    // pdfjs gives "371,514,655.00 一、一般公共服务支出" as one item on page 14.
    expect(
      hasRow(doc, ['一、一般公共预算资金', '371,514,655.00', '一、一般公共服务支出', '21,601,733.00', '21,601,733.00', '', ''], 14),
    ).toBe(true);
    expect(hasRow(doc, ['', '', '四、卫生健康支出', '881,803.00', '881,803.00', '', ''], 14)).toBe(true);
  });

  it('commerce: the one-row 三公 table in 万元, with multi-line and merged header cells', async () => {
    const doc = await real('commerce-2025');
    const t = tables(doc.blocks).filter((x) => x.ref.page === 21);
    expect(t).toHaveLength(1);
    expect(texts(t[0])).toEqual([
      ['“三公”经费预算数', '', '', '', '', '', '机关运行经费预算数'],
      ['合计', '因公出国(境)费', '公务接待费', '公务用车购置及运行费', '', '', ''],
      ['', '', '', '小计', '购置费', '运行费', ''],
      ['1.00', '', '1.00', '', '', '', '171.01'],
    ]);
    expect(paraOn(doc, '单位:万元', 21)).toBe(true);
  });

  it('commerce: titles, department, unit and notes are paragraphs in reading order', async () => {
    const doc = await real('commerce-2025');
    const p9 = doc.blocks.filter((b) => b.ref.page === 9);
    expect(p9.map((b) => (b.kind === 'paragraph' ? b.text : 'TABLE'))).toEqual([
      '2025年部门财务收支预算总表',
      '编制部门：上海市普陀区商务委员会',
      '单位：元',
      'TABLE',
    ]);
    expect(paraOn(doc, '注:本部门2025年无政府性基金预算财政拨款安排的预算，故本表为空表。', 17)).toBe(true);
    // The empty table is still a table, its header and 合计 row kept.
    expect(hasRow(doc, ['合计', '', '', '', '', '', ''], 17)).toBe(true);
    // Wrapped narrative lines are one paragraph.
    expect(
      paragraphs(doc.blocks).some(
        (p) => p.ref.page === 7 && p.text.includes('比2024年预算执行数增加24,558.18万元；事业收入0万元'),
      ),
    ).toBe(true);
  });

  it('wanli: a continuation page holding only the merged 合计 row keeps the columns of the table it continues', async () => {
    const doc = await real('wanli-2024');
    expect(hasRow(doc, ['合计', '', '', '', '156,211,123', '156,211,123', '0', '0', '0'], 15)).toBe(true);
    expect(hasRow(doc, ['合计', '', '', '', '156,211,123', '99,706,020', '56,505,103'], 20)).toBe(true);
    expect(hasRow(doc, ['47.91', '0', '1.35', '46.56', '25', '21.56', '443.18'], 31)).toBe(true);
    expect(hasRow(doc, ['一、财政拨款收入', '156,211,123', '一、一般公共服务支出', '2,932,700'], 10)).toBe(true);
  });

  it('govoffice: amounts with cents, the summary table', async () => {
    const doc = await real('govoffice-2025');
    expect(hasRow(doc, ['一、财政拨款收入', '91,016,775.35', '一、一般公共服务支出', '82,096,797.42'], 8)).toBe(true);
    expect(hasRow(doc, ['四、其他收入', '', '', ''], 8)).toBe(true);
  });

  it('amounts come out whole: one number per cell, never split or glued', async () => {
    for (const name of ['commerce-2025', 'govoffice-2025', 'wanli-2024']) {
      const doc = await real(name);
      const cells = rowsOf(doc).flatMap((r) => r.cells);
      const amounts = cells.filter((c) => /\d{1,3}(,\d{3})+/.test(c));
      expect(amounts.length).toBeGreaterThan(50);
      for (const c of amounts) expect(c).toMatch(/^-?\d{1,3}(,\d{3})*(\.\d{2})?$/);
    }
  });

  // Every line item of the gold files is in some table row: the label (as
  // normalized by the contract) and the amount (in the table's unit) side
  // by side. For the 三公 table, whose labels are the column headers, the
  // amount alone.
  for (const name of ['commerce-2025', 'govoffice-2025', 'wanli-2024']) {
    it(`${name}: every gold line item has its label and amount in one row`, async () => {
      const doc = await real(name);
      const rows = rowsOf(doc).map((r) => r.cells);
      const gold = readFileSync(join(GOLD, `sh-putuo-${name}-dept.csv`), 'utf8').trim().split('\n').slice(1);
      expect(gold.length).toBeGreaterThan(100);
      const missing: string[] = [];
      for (const line of gold) {
        const f = line.split(',');
        const [kind, label, amount, unit] = [f[3], f[8], f[10], f[11]];
        const scale = unit === '万元' ? 10000 : 1;
        const fen = Math.round(Number(amount) * 100);
        const found = rows.some((cells) => {
          const amountHere = cells.some((c) => {
            const v = c.replace(/,/g, '');
            return /^-?\d+(\.\d+)?$/.test(v) && Math.round(Number(v) * scale * 100) === fen;
          });
          return amountHere && (kind === 'three_public' || cells.some((c) => normLabel(c) === label));
        });
        if (!found) missing.push(line);
      }
      expect(missing).toEqual([]);
    });
  }
});

/* --------------------------------------------------- LibreOffice Hebei PDFs */

describe.skipIf(!existsSync(join(HEBEI, '000_313ba343419bd952.pdf')))('LibreOffice PDFs of the Hebei seeds', () => {
  it('keeps the 序号 column and the 栏次 row, one cell per grid column', async () => {
    const doc = await extractFile(join(HEBEI, '000_313ba343419bd952.pdf'));
    const rows = rowsOf(doc);
    const lanci = rows.filter((r) => r.cells[0] === '栏次' && r.cells.length === 13);
    expect(lanci.length).toBeGreaterThan(0);
    expect(lanci[0].cells).toEqual(['栏次', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
    expect(rows.some((r) => JSON.stringify(r.cells) === JSON.stringify(['4', '2010301', '行政运行', '857.61', '857.61', '857.61', '', '', '', '', '', '', '']))).toBe(true);
    // The page-number footers (—1—) are gone.
    expect(paragraphs(doc.blocks).some((p) => /^[—-]\s*\d+\s*[—-]$/.test(p.text))).toBe(false);
    // Autospace between Chinese and digits is not a space.
    expect(paragraphs(doc.blocks).some((p) => p.text === '435秦皇岛市海港区数据和政务服务局')).toBe(true);
  });
});

/* ---------------------------------------------------- synthetic documents */

describe('synthetic PDFs', () => {
  const RULED_P1 = [
    ['项目', '', '', '', '支出预算', '', ''],
    ['功能分类科目编码', '', '', '功能分类科目名称', '合计', '基本支出', '项目支出'],
    ['类', '款', '项', '', '', '', ''],
    ['201', '', '', '一般公共服务支出', '21,601,733.00', '12,291,733.00', '9,310,000.00'],
    ['201', '13', '', '商贸事务', '21,601,733.00', '12,291,733.00', '9,310,000.00'],
    ['201', '13', '01', '行政运行', '9,389,913.00', '9,389,913.00', ''],
    ['208', '05', '05', '机关事业单位基本养老保险缴费支出', '1,410,886.00', '1,410,886.00', ''],
  ];
  const RULED_P2 = [['合计', '', '', '', '371,514,655.00', '19,830,655.00', '351,684,000.00']];

  it('ruled table: merged headers, wrapped cell, split item, continuation, page numbers dropped', async () => {
    const doc = await extractFile(join(BAD, 'ruled-table.pdf'));
    expect(doc.pages).toBe(2);
    expect(doc.blocks.map((b) => (b.kind === 'paragraph' ? `P${b.ref.page}:${b.text}` : `T${b.ref.page}`))).toEqual([
      'P1:2025年部门支出预算总表',
      'P1:编制部门：上海市普陀区测试委员会',
      'P1:单位：元',
      'T1',
      'T2',
      'P2:注：本表为测试表。',
    ]);
    const [t1, t2] = tables(doc.blocks);
    expect(texts(t1)).toEqual(RULED_P1);
    expect(texts(t2)).toEqual(RULED_P2);
    for (const r of t1.rows) for (const c of r.cells) expect(c.ref).toEqual({ page: 1, box: expect.any(Array) });
    for (const r of t2.rows) expect(r.ref).toEqual({ page: 2 });
    // The page texts keep everything, page numbers included.
    expect(doc.sourceLines?.[0]).toContain('- 1 -');
    expect(doc.sourceLines?.[0]).toContain('9,389,913.00');
  });

  it('a PDF whose streams are encrypted (owner password only) reads the same, through pdfjs operators', async () => {
    const bytes = new Uint8Array(readFileSync(join(BAD, 'owner-password-only.pdf')));
    // The direct content reader cannot read it ...
    expect(() => new ContentRuleReader(bytes)).toThrow();
    // ... and the result is the same as for the unencrypted file.
    const doc = await extractFile(join(BAD, 'owner-password-only.pdf'));
    const [t1, t2] = tables(doc.blocks);
    expect(texts(t1)).toEqual(RULED_P1);
    expect(texts(t2)).toEqual(RULED_P2);
  });

  it('a table drawn through a scaled form XObject', async () => {
    const doc = await extractFile(join(BAD, 'form-xobject.pdf'));
    const t = tables(doc.blocks);
    expect(t).toHaveLength(1);
    expect(texts(t[0])).toEqual(RULED_P1);
  });

  it('a page turned by /Rotate whose text reads sideways', async () => {
    const doc = await extractFile(join(BAD, 'rotated.pdf'));
    const [t1, t2] = tables(doc.blocks);
    expect(texts(t1)).toEqual(RULED_P1);
    expect(texts(t2)).toEqual(RULED_P2);
    expect(paraOn(doc, '2025年部门支出预算总表', 1)).toBe(true);
  });

  it('the direct content reader finds the ruling lines of a page', () => {
    const reader = new ContentRuleReader(new Uint8Array(readFileSync(join(BAD, 'ruled-table.pdf'))));
    // Objects: 1 catalog, 2 pages, 3 font, 4 content, 5 page 1, 6 content, 7 page 2.
    const rules = [5, 7].map((num) => reader.pageRules({ num, gen: 0 }));
    expect(rules[0].h.length).toBeGreaterThanOrEqual(7);
    expect(rules[1].h).toHaveLength(2);
    expect(rules[1].v).toHaveLength(5);
    expect(rules[1].h.map((h) => h.y).sort()).toEqual([780, 800]);
  });

  it('unruled table: columns from the 栏次 row and the alignment of the data', async () => {
    const doc = await extractFile(join(BAD, 'unruled-table.pdf'));
    const t = tables(doc.blocks);
    expect(t).toHaveLength(1);
    expect(texts(t[0])).toEqual([
      ['序号', '科目编码', '科目名称', '合计', '基本支出', '项目支出'],
      ['栏次', '1', '2', '3', '4', '5'],
      ['1', '', '合计', '2085.50', '1089.50', '996.00'],
      ['2', '201', '一般公共服务支出', '1853.61', '857.61', '996.00'],
      ['3', '2010301', '行政运行', '857.61', '857.61', ''],
      ['4', '2010302', '一般行政管理事务', '246.00', '', '246.00'],
    ]);
    expect(paragraphs(doc.blocks).map((p) => p.text)).toEqual(['部门预算支出总表', '预算年度：2025', '单位：万元', '注：本表为无框线测试表。']);
  });

  it('running headers are kept once, page-number footers dropped', async () => {
    const doc = await extractFile(join(BAD, 'running-header.pdf'));
    expect(doc.blocks.map((b) => `${b.ref.page}:${b.kind === 'paragraph' ? b.text : 'T'}`)).toEqual([
      '1:上海市测试区2025年区级部门预算',
      '1:第1部分 正文内容。',
      '2:第2部分 正文内容。',
      '3:第3部分 正文内容。',
    ]);
    expect(doc.sourceLines?.[2]).toContain('第3页 共3页');
  });

  it('does not touch the caller’s bytes', async () => {
    const bytes = new Uint8Array(readFileSync(join(BAD, 'ruled-table.pdf')));
    const copy = bytes.slice();
    await pdfExtractor.extract(bytes, 'ruled-table.pdf');
    expect(bytes.byteLength).toBe(copy.byteLength);
    expect(Buffer.from(bytes).equals(Buffer.from(copy))).toBe(true);
  });
});

/* ----------------------------------------------------------------- errors */

describe('unreadable PDFs', () => {
  it('password-protected', async () => {
    const err = await rejection(pdfExtractor.extract(new Uint8Array(readFileSync(join(BAD, 'encrypted.pdf'))), 'encrypted.pdf'));
    expect(err.rule).toBe('pdf-encrypted');
    expect(err.message).toMatch(/password-protected/);
  });

  it('no text layer (a scan)', async () => {
    const err = await rejection(pdfExtractor.extract(new Uint8Array(readFileSync(join(BAD, 'scanned.pdf'))), 'scanned.pdf'));
    expect(err.rule).toBe('pdf-no-text');
    expect(err.message).toMatch(/scan/);
    expect(err.message).toMatch(/OCR/);
  });

  it('text that cannot be decoded: control characters, or no Chinese at all', async () => {
    for (const f of ['undecodable.pdf', 'undecodable-letters.pdf']) {
      const err = await rejection(pdfExtractor.extract(new Uint8Array(readFileSync(join(BAD, f))), f));
      expect(err.rule).toBe('pdf-undecodable');
      expect(err.message).toMatch(/decoded|mapping/);
    }
  });

  it('damaged: truncated, garbage after the signature, not a PDF at all', async () => {
    const realBytes = readFileSync(join(REAL, 'sh-putuo-commerce-2025-dept.pdf'));
    const truncated = new Uint8Array(realBytes.subarray(0, 100_000));
    const garbage = new Uint8Array(4096);
    let x = 12345;
    for (let i = 0; i < garbage.length; i++) garbage[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    garbage.set(new TextEncoder().encode('%PDF-1.7\n'));
    for (const [bytes, name] of [
      [truncated, 'truncated.pdf'],
      [garbage, 'garbage.pdf'],
      [new TextEncoder().encode('this is not a pdf'), 'text.pdf'],
      [new Uint8Array(0), 'empty.pdf'],
    ] as const) {
      const err = await rejection(pdfExtractor.extract(bytes, name));
      expect(err.rule, name).toBe('pdf-corrupt');
      expect(err.message.length).toBeGreaterThan(20);
    }
  });
});

describe('damaged PDFs that pdfjs repairs', () => {
  it('an xref table with random bytes inside: the objects are found by a scan, the text reads as before', async () => {
    // Random bytes inserted into running-header.pdf's xref table. Our object
    // reader used to read on over them for ever (a delimiter is an empty word
    // that does not advance): a hang in the fuzz.
    const bytes = new Uint8Array(readFileSync(join(BAD, 'xref-random-bytes.pdf')));
    const reader = new ContentRuleReader(bytes);
    expect(reader.pageRules({ num: 5, gen: 0 })).toEqual({ h: [], v: [] }); // page 1: text only
    const damaged = await pdfExtractor.extract(bytes, 'xref-random-bytes.pdf');
    expect(damaged.blocks).toEqual((await extractFile(join(BAD, 'running-header.pdf'))).blocks);
  });
});
