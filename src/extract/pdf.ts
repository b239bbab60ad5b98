/**
 * PDF files, read with pdfjs-dist (legacy build, no worker thread, no
 * canvas, no network: cMaps and standard fonts come from the installed
 * package).
 *
 * Per page: pdfjs's text items become runs with estimated character
 * positions (pdf/text.ts); the page's ruling lines are read from its content
 * stream (pdf/objects.ts, pdf/rules.ts — pdfjs's operator list only as a
 * fallback, it costs as much as the text itself); ruled tables become grids
 * with merged cells (pdf/grid.ts), text outside them is searched for
 * unruled tables by alignment (pdf/stream.ts), the rest are paragraphs.
 * Running headers and footers (page numbers, lines repeated in the margins)
 * are dropped; wrapped narrative lines are joined into paragraphs.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Pdfjs from 'pdfjs-dist/legacy/build/pdf.mjs';
import {
  DocumentError,
  type Block,
  type Cell,
  type ExtractedDocument,
  type Message,
  type Paragraph,
  type Row,
  type Table,
} from '../ir.js';
import type { Extractor } from './extractor.js';
import type { Box } from './pdf/grid.js';
import { dedupe, layoutPage, mayHoldTable, pageText, type Placed, type PlacedLine, type PlacedTable } from './pdf/layout.js';
import { ContentRuleReader, mul, operatorListRules, type Rules } from './pdf/rules.js';
import { groupLines, runsFromItems } from './pdf/text.js';
import { checkDecodedSizes } from './pdf-limits.js';

const pdfjsDir = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const CMAP_URL = path.join(pdfjsDir, 'cmaps') + path.sep;
const STANDARD_FONT_URL = path.join(pdfjsDir, 'standard_fonts') + path.sep;

/**
 * pdfjs-dist, loaded on the first PDF (text-only runs never pay for it).
 *
 * pdfjs runs its "worker" in this thread when there is no Worker (Node):
 * it is handed the worker module directly, so that nothing is fetched or
 * resolved at run time.
 *
 * The legacy build installs core-js polyfills that replace native built-ins
 * for the whole process: on Node 20 a spec-conformance probe forces a
 * JavaScript Array.prototype.push, 2–3× slower than the native one, for every
 * array of every stage. The natives are put back once pdfjs is loaded (they
 * differ only on arrays with a non-writable length, which pdfjs does not use).
 */
let loaded: Promise<typeof Pdfjs> | undefined;
export function loadPdfjs(): Promise<typeof Pdfjs> {
  loaded ??= (async () => {
    const natives = { push: Array.prototype.push, stringify: JSON.stringify, parse: JSON.parse };
    try {
      const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
      const g = globalThis as { pdfjsWorker?: unknown };
      // @ts-expect-error -- the worker module has no type declarations.
      g.pdfjsWorker ??= await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
      return pdfjs;
    } finally {
      Array.prototype.push = natives.push;
      JSON.stringify = natives.stringify;
      JSON.parse = natives.parse;
    }
  })();
  return loaded;
}

/** Disclosures run to tens of pages; a document of thousands is something else (or a trap). */
export const MAX_PAGES = 1000;
/**
 * Images are decoded (for an operator list only) up to this many pixels: a
 * scanned A4 page at 300 dpi has 8.7 million; 4 bytes a pixel keeps one
 * image's pixels under 100 MB.
 */
export const MAX_IMAGE_PIXELS = 25_000_000;

/**
 * The messages of the PDFs being read in this thread. pdf.js leaves some
 * of its own promises without a handler: when the file is damaged one of
 * them rejects, and Node would end the process (ERR_UNHANDLED_REJECTION,
 * the whole run lost with `--workers 0`) or the worker thread (the
 * document an "internal error"). Such a rejection is a damaged file's,
 * and becomes a warning of the documents being read; anything else that
 * no one handled stays fatal, as Node has it.
 */
const reading = new Set<Message[]>();
let listening = false;
const PDFJS_EXCEPTIONS = /^(?:XRefEntryException|XRefParseException|FormatError|UnknownErrorException|InvalidPDFException|MissingPDFException|UnexpectedResponseException|PasswordException|AbortException|ParserEOFException|MissingDataException)$/;

function fromPdfjs(reason: unknown): boolean {
  const e = reason as { name?: unknown; stack?: unknown } | null;
  return (typeof e?.name === 'string' && PDFJS_EXCEPTIONS.test(e.name)) || (typeof e?.stack === 'string' && /pdfjs-dist[\\/]/.test(e.stack));
}

function catchStrayRejections(): void {
  if (listening) return;
  listening = true;
  process.on('unhandledRejection', (reason) => {
    if (!fromPdfjs(reason)) throw reason;
    const detail = (reason as Error).message ?? String(reason);
    for (const messages of reading) {
      messages.push({
        severity: 'warning',
        stage: 'extract',
        rule: 'pdf-damaged',
        text: `The PDF is damaged: pdf.js met an error it read past (${detail}); some of its content may be missing.`,
      });
    }
  });
}

const MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-

function findMagic(bytes: Uint8Array, limit = 1024): number {
  const end = Math.min(bytes.length - MAGIC.length, limit);
  outer: for (let i = 0; i <= end; i++) {
    for (let k = 0; k < MAGIC.length; k++) if (bytes[i + k] !== MAGIC[k]) continue outer;
    return i;
  }
  return -1;
}

/** Characters that mean the text layer could not be decoded. */
function isBadChar(code: number): boolean {
  return (
    code === 0xfffd ||
    (code >= 0xe000 && code <= 0xf8ff) ||
    (code < 0x20 && code !== 9 && code !== 10 && code !== 13) ||
    (code >= 0xf0000 && code <= 0x10ffff)
  );
}

interface TextStats {
  chars: number;
  bad: number;
  cjk: number;
}

function textStats(s: string): TextStats {
  let chars = 0;
  let bad = 0;
  let cjk = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 32 || c === 10 || c === 9 || c === 13) continue;
    chars++;
    if (isBadChar(c)) bad++;
    else if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf)) cjk++;
  }
  return { chars, bad, cjk };
}

const UNDECODABLE_MESSAGE =
  'The PDF text cannot be decoded: its fonts carry no usable mapping to characters, so the text comes out as ' +
  'unreadable symbols. Ask the publisher for a PDF with selectable text, or convert it with OCR first.';

function pageNumberLike(text: string): boolean {
  const t = text.replace(/\s+/g, '');
  return (
    /^[-—–－~·•]*\d{1,4}[-—–－~·•]*$/.test(t) ||
    /^第\d{1,4}页(,?共\d{1,4}页)?$/.test(t) ||
    /^共\d{1,4}页,?第\d{1,4}页$/.test(t) ||
    /^\d{1,4}\/\d{1,4}$/.test(t) ||
    /^(page)?\d{1,4}(of\d{1,4})?$/i.test(t)
  );
}

interface PageResult {
  page: number;
  height: number;
  items: Placed[];
  /** Maps a point of the page frame back to the page as rendered (viewport). */
  toPage: (x: number, y: number) => [number, number];
}

/** Removes page numbers and running headers/footers. */
function dropMargins(pages: PageResult[]): void {
  const key = (t: string): string => t.replace(/\s+/g, '').replace(/\d+/g, '#');
  const inMargin = (l: PlacedLine, h: number): boolean => l.bottom < 0.08 * h || l.top > 0.92 * h;
  const counts = new Map<string, number>();
  for (const p of pages) {
    const seen = new Set<string>();
    for (const it of p.items) {
      if (it.kind === 'line' && inMargin(it, p.height)) seen.add(key(it.text));
    }
    for (const k of seen) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const repeatMin = Math.max(3, Math.ceil(pages.length * 0.3));
  // A repeated line is kept where it first appears (it may be a title that
  // a long table repeats on every page), dropped after.
  const kept = new Set<string>();
  for (const p of pages) {
    p.items = p.items.filter((it) => {
      if (it.kind !== 'line' || !inMargin(it, p.height)) return true;
      if (pageNumberLike(it.text)) return false;
      const k = key(it.text);
      if ((counts.get(k) ?? 0) < repeatMin) return true;
      if (kept.has(k)) return false;
      kept.add(k);
      return true;
    });
  }
}

/**
 * A table continued from the previous page whose rows there happen to lack
 * some column borders (e.g. only a merged 合计 row is left) has fewer
 * columns than the table it continues; when its borders are a subset of
 * that table's, its cells are put back in that table's columns.
 */
function alignContinuations(pages: PageResult[]): void {
  let prev: PlacedTable | null = null;
  for (const p of pages) {
    const first = p.items.find((i): i is PlacedTable => i.kind === 'table');
    if (first && prev && first.xs.length < prev.xs.length) {
      const tol = 2.5;
      const map = first.xs.map((x) => prev!.xs.findIndex((px) => Math.abs(px - x) <= tol));
      const ends = map[0] === 0 && map[map.length - 1] === prev.xs.length - 1;
      if (ends && map.every((m, k) => m >= 0 && (k === 0 || m > map[k - 1]))) {
        const n = prev.xs.length - 1;
        first.rows = first.rows.map((cells) => {
          const out: string[] = new Array(n).fill('');
          cells.forEach((t, k) => (out[map[k]] = t));
          return out;
        });
        const xs = prev.xs;
        first.boxes = first.boxes.map((boxes) => {
          const [, y0, , y1] = boxes[0];
          const out: Box[] = [];
          for (let m = 0; m < n; m++) out.push([xs[m], y0, xs[m + 1], y1]);
          boxes.forEach((b, k) => (out[map[k]] = b));
          return out;
        });
        first.xs = prev.xs;
      }
    }
    const tables = p.items.filter((i): i is PlacedTable => i.kind === 'table');
    if (tables.length) prev = tables[tables.length - 1];
  }
}

/**
 * Joins wrapped narrative lines into paragraphs: a line continues the one
 * above when that one runs to (near) the right edge of the page's text, the
 * font is the same, the line spacing is tight and it is not indented.
 */
/**
 * The text block of a page: its left edge, and the right edge of full lines
 * (long lines reaching the same right margin: justified text), when two
 * lines show it.
 */
function textBlock(items: Placed[]): { left: number; right: number; maxEnd: number; size: number } {
  const lines = items.filter((i): i is PlacedLine => i.kind === 'line');
  const left = lines.length ? Math.min(...lines.map((l) => l.x0)) : 0;
  const span = lines.length ? Math.max(...lines.map((l) => l.x1)) - left : 0;
  const long = lines.filter((l) => l.x1 - l.x0 >= 0.5 * span);
  const maxEnd = long.length ? Math.max(...long.map((l) => l.x1)) : Infinity;
  const size = long.length ? long[0].size : 0;
  const right = long.filter((l) => l.x1 >= maxEnd - l.size).length >= 2 ? maxEnd : Infinity;
  return { left, right, maxEnd, size };
}

/**
 * The right margin of the document's text: the one most pages show. Used
 * for a page with a single full line.
 */
function documentRight(pages: PageResult[]): number {
  const rights = pages.map((p) => textBlock(p.items).right).filter(Number.isFinite).sort((a, b) => a - b);
  return rights.length ? rights[rights.length >> 1] : Infinity;
}

/** A box of the page frame, on the page as rendered, rounded to 0.01 pt. */
function pageBox(b: Box, toPage: PageResult['toPage']): [number, number, number, number] {
  const [ax, ay] = toPage(b[0], b[1]);
  const [bx, by] = toPage(b[2], b[3]);
  const r = (v: number): number => Math.round(v * 100) / 100;
  return [r(Math.min(ax, bx)), r(Math.min(ay, by)), r(Math.max(ax, bx)), r(Math.max(ay, by))];
}

function paragraphs(items: Placed[], page: number, docRight: number, toPage: PageResult['toPage']): Block[] {
  const block = textBlock(items);
  const left = block.left;
  let right = block.right;
  if (!Number.isFinite(right) && Number.isFinite(docRight) && Math.abs(block.maxEnd - docRight) <= block.size) right = block.maxEnd;
  const out: Block[] = [];
  let prev: PlacedLine | null = null;
  let para: Paragraph | null = null;
  for (const it of items) {
    if (it.kind === 'table') {
      const rows: Row[] = it.rows.map((cells, r) => ({
        cells: cells.map((text, c): Cell => ({ text, ref: { page, box: pageBox(it.boxes[r][c], toPage) } })),
        ref: { page },
      }));
      const table: Table = { kind: 'table', rows, ref: { page } };
      out.push(table);
      prev = null;
      para = null;
      continue;
    }
    const continues =
      prev !== null &&
      para !== null &&
      Math.abs(it.size - prev.size) < 0.5 &&
      it.top - prev.bottom < 1.3 * it.size &&
      it.top > prev.bottom - 0.3 * it.size &&
      prev.x1 + firstWordWidth(it.text, it.size) >= right - it.size &&
      prev.x0 <= left + 3 * prev.size &&
      it.x0 <= prev.x0 + 0.5 * it.size &&
      !/[…．.·]{3,}\s*\d*$/.test(prev.text) &&
      !ENUMERATOR.test(it.text);
    if (continues && para) {
      para.text = joinText(para.text, it.text);
    } else {
      para = { kind: 'paragraph', text: it.text, ref: { page } };
      out.push(para);
    }
    prev = it;
  }
  return out;
}

/**
 * The width of a line's first word (a run of digits/Latin, or one Chinese
 * character): if it would have fitted at the end of the line above, that
 * line ended a paragraph.
 */
function firstWordWidth(text: string, size: number): number {
  const m = /^[A-Za-z0-9.,%+\-/:;()]+/.exec(text);
  if (m) return m[0].length * 0.5 * size;
  return size;
}

/** A line starting like this begins a new paragraph (list items, notes). */
const ENUMERATOR =
  /^\s*(\d{1,3}\s*[.．、)）](?!\d{1,2}(?!\d))|[（(]\s*\d{1,3}\s*[)）]|[一二三四五六七八九十百]+\s*[、.．]|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十百\d]+[章节部分条]|[①-⑳]|注\s*[:：0-9]|附[件表])/;

function joinText(a: string, b: string): string {
  const wide = (ch: string | undefined): boolean => ch !== undefined && /[\u2E80-\u9FFF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF\u2018-\u201F\u2014\u2026]/.test(ch);
  if (wide(a[a.length - 1]) || wide(b[0]) || a.endsWith('-')) return a + b;
  return a + ' ' + b;
}

interface PdfjsError {
  name?: string;
  message?: string;
}

function loadError(err: unknown): DocumentError {
  const e = err as PdfjsError;
  if (e?.name === 'PasswordException') {
    return new DocumentError(
      'The PDF is password-protected: it cannot be opened without its password. Ask the publisher for an unprotected copy, or remove the password (e.g. with qpdf --decrypt) and try again.',
      'pdf-encrypted',
    );
  }
  return new DocumentError(
    `The file is not a readable PDF (${e?.message ?? String(err)}): it is probably damaged or incompletely downloaded. Download it again from the source.`,
    'pdf-corrupt',
  );
}

export const pdfExtractor: Extractor = {
  format: 'pdf',

  sniff(bytes: Uint8Array): boolean {
    return findMagic(bytes) >= 0;
  },

  async extract(bytes: Uint8Array): Promise<ExtractedDocument> {
    if (findMagic(bytes) < 0) {
      throw new DocumentError('The file is not a PDF: it does not start with the PDF signature "%PDF-".', 'pdf-corrupt');
    }
    // before pdf.js: it would decode a stream bomb into memory no limit holds
    checkDecodedSizes(bytes.subarray(findMagic(bytes)));
    const pdfjs = await loadPdfjs();
    catchStrayRejections();
    const messages: Message[] = [];
    reading.add(messages);
    try {
      return await readPdf(pdfjs, bytes, messages);
    } finally {
      reading.delete(messages);
    }
  },
};

/**
 * How yusuan opens a PDF with pdfjs, for reading and for drawing (trace
 * --png): no eval, no system fonts, no fetches, CMaps and fonts from the
 * installed package, images bounded. pdfjs takes ownership of (detaches)
 * the buffer it is given: it gets a copy.
 */
export function pdfjsParameters(bytes: Uint8Array, { stopAtErrors }: { stopAtErrors: boolean }) {
  return {
    data: bytes.slice(),
    cMapUrl: CMAP_URL,
    cMapPacked: true,
    standardFontDataUrl: STANDARD_FONT_URL,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    useWasm: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    maxImageSize: MAX_IMAGE_PIXELS,
    stopAtErrors,
    verbosity: 0,
  };
}

/** A page whose content pdfjs could not give: that page is missing from the result, said so. */
function pageUnreadable(messages: Message[], sourceLines: string[], page: number, err: unknown): void {
  messages.push({
    severity: 'error',
    stage: 'extract',
    rule: 'pdf-page-unreadable',
    text: `Page ${page} could not be read (${(err as Error).message}); its content is missing from the result.`,
    ref: { page },
  });
  sourceLines.push('');
}

async function readPdf(pdfjs: typeof Pdfjs, bytes: Uint8Array, messages: Message[]): Promise<ExtractedDocument> {
  {
    // an error in a page's content fails that page (reported, the document partial) instead of
    // ending its text where the error is, silently
    const task = pdfjs.getDocument(pdfjsParameters(bytes, { stopAtErrors: true }));
    let doc: Pdfjs.PDFDocumentProxy;
    try {
      doc = await task.promise;
    } catch (err) {
      await task.destroy().catch(() => {});
      throw loadError(err);
    }
    try {
      let reader: ContentRuleReader | null = null;
      try {
        reader = new ContentRuleReader(bytes.subarray(Math.max(0, findMagic(bytes))));
      } catch {
        reader = null; // encrypted or unreadable structure: use pdfjs's operator list
      }
      const results: PageResult[] = [];
      const sourceLines: string[] = [];
      const all: TextStats = { chars: 0, bad: 0, cjk: 0 };
      const noText: number[] = [];
      if (doc.numPages > MAX_PAGES) {
        throw new DocumentError(
          `the PDF has ${doc.numPages} pages, more than the ${MAX_PAGES} a budget disclosure plausibly has; it was not read`,
          'pdf-too-many-pages',
        );
      }
      for (let p = 1; p <= doc.numPages; p++) {
        let page: Pdfjs.PDFPageProxy;
        try {
          page = await doc.getPage(p);
        } catch (err) {
          pageUnreadable(messages, sourceLines, p, err);
          continue;
        }
        try {
          const viewport = page.getViewport({ scale: 1 });
          let content: Awaited<ReturnType<Pdfjs.PDFPageProxy['getTextContent']>>;
          try {
            content = await page.getTextContent();
          } catch (err) {
            // an error in the page's content (pdf.js stops at it: stopAtErrors) costs that page, said so
            pageUnreadable(messages, sourceLines, p, err);
            continue;
          }
          const frame = upright(content.items, viewport.transform, viewport.width, viewport.height);
          const runs = runsFromItems(content.items, frame.transform);
          const raw = runs.map((r) => r.text).join('');
          const st = textStats(raw);
          all.chars += st.chars;
          all.bad += st.bad;
          all.cjk += st.cjk;
          if (st.chars >= 20 && st.bad > 0.1 * st.chars) {
            throw new DocumentError(`${UNDECODABLE_MESSAGE} (page ${p})`, 'pdf-undecodable', { page: p });
          }
          if (!runs.length) {
            noText.push(p);
            sourceLines.push('');
            results.push({ page: p, height: frame.height, items: [], toPage: frame.toPage });
            continue;
          }
          const unique = dedupe(runs);
          const lines = groupLines(unique);
          sourceLines.push(pageText(lines));
          let rules: Rules = { h: [], v: [] };
          if (mayHoldTable(lines)) {
            let read: Rules | null = null;
            if (reader) {
              try {
                read = reader.pageRules(page.ref as { num: number; gen: number });
              } catch {
                read = null;
              }
            }
            if (!read) {
              const ol = await page.getOperatorList();
              read = operatorListRules(ol.fnArray, ol.argsArray, pdfjs.OPS as unknown as Record<string, number>);
            }
            rules = toViewport(read, frame.transform);
          }
          results.push({ page: p, height: frame.height, items: layoutPage(unique, rules), toPage: frame.toPage });
        } finally {
          page.cleanup();
        }
      }
      const unreadable = messages.filter((m) => m.rule === 'pdf-page-unreadable');
      if (doc.numPages > 0 && unreadable.length === doc.numPages) {
        const first = /\((.*)\); its content/.exec(unreadable[0].text)?.[1] ?? 'unknown error';
        throw new DocumentError(
          `The PDF is damaged: ${doc.numPages > 1 ? `none of its ${doc.numPages} pages could be read` : 'its only page could not be read'} (pdf.js: ${first}), ` +
            'so there is no text to read. Download it again from the source, or repair it (e.g. with qpdf) and try again.',
          'pdf-corrupt',
        );
      }
      if (all.chars === 0) {
        throw new DocumentError(
          'The PDF has no text layer: it is probably a scan (pictures of pages). Run it through OCR to get a PDF with text, or find the original document.',
          'pdf-no-text',
        );
      }
      if (all.bad > 0.02 * all.chars) {
        throw new DocumentError(UNDECODABLE_MESSAGE, 'pdf-undecodable');
      }
      if (all.chars >= 50 && all.cjk === 0) {
        throw new DocumentError(
          'The PDF text contains no Chinese characters at all: its fonts most likely carry no usable mapping to characters ' +
            '(the text comes out as other symbols), or this is not a Chinese budget document. Ask the publisher for a PDF with ' +
            'selectable text, or convert it with OCR first.',
          'pdf-undecodable',
        );
      }
      if (noText.length) {
        messages.push({
          severity: 'warning',
          stage: 'extract',
          rule: 'pdf-page-no-text',
          text: `Page${noText.length > 1 ? 's' : ''} ${noText.join(', ')} ha${noText.length > 1 ? 've' : 's'} no text layer (scanned or blank); anything shown there is not in the result.`,
          ref: { page: noText[0] },
        });
      }
      dropMargins(results);
      alignContinuations(results);
      const blocks: Block[] = [];
      const docRight = documentRight(results);
      for (const r of results) blocks.push(...paragraphs(r.items, r.page, docRight, r.toPage));
      return { format: 'pdf', blocks, messages, pages: doc.numPages, sourceLines };
    } catch (err) {
      // pdf.js's complaints about the file (bad streams, xref, numbers) mean a damaged PDF;
      // errors of the language itself are yusuan's bugs and stay internal errors
      if (err instanceof DocumentError || err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError) throw err;
      throw loadError(err);
    } finally {
      await doc.destroy().catch(() => {});
    }
  }
}

/**
 * The page frame in which most text runs left to right: the viewport (y
 * down, the page's /Rotate applied), turned by a quarter turn or more when
 * the text is sideways in it (a landscape table set on a portrait page, or
 * a page rotated by /Rotate whose content was not).
 */
function upright(
  items: readonly unknown[],
  vt: number[],
  width: number,
  height: number,
): { transform: number[]; height: number; toPage: (x: number, y: number) => [number, number] } {
  const votes = [0, 0, 0, 0];
  for (const raw of items) {
    const it = raw as { str?: string; transform?: number[] };
    if (!it.transform || !it.str || !it.str.trim()) continue;
    const t = it.transform;
    const dx = t[0] * vt[0] + t[1] * vt[2];
    const dy = t[0] * vt[1] + t[1] * vt[3];
    const q = ((Math.round(Math.atan2(dy, dx) / (Math.PI / 2)) % 4) + 4) % 4;
    votes[q] += it.str.length;
  }
  const q = votes.indexOf(Math.max(...votes));
  if (q === 0) return { transform: vt, height, toPage: (x, y) => [x, y] };
  // Turn direction q (0: →, 1: ↓, 2: ←, 3: ↑ in y-down space) into →.
  const turn = [
    [1, 0, 0, 1],
    [0, -1, 1, 0],
    [-1, 0, 0, -1],
    [0, 1, -1, 0],
  ][q];
  const corners = [
    [0, 0],
    [width, 0],
    [0, height],
    [width, height],
  ].map(([x, y]) => [turn[0] * x + turn[2] * y, turn[1] * x + turn[3] * y]);
  const minX = Math.min(...corners.map((c) => c[0]));
  const minY = Math.min(...corners.map((c) => c[1]));
  const maxY = Math.max(...corners.map((c) => c[1]));
  const m = mul(vt, [turn[0], turn[1], turn[2], turn[3], -minX, -minY]);
  // The frame is the viewport turned (an orthogonal matrix: its inverse is
  // its transpose) and shifted.
  const toPage = (x: number, y: number): [number, number] => {
    const ux = x + minX;
    const uy = y + minY;
    return [turn[0] * ux + turn[1] * uy, turn[2] * ux + turn[3] * uy];
  };
  return { transform: m, height: maxY - minY, toPage };
}

/** Maps rules from PDF user space to the page frame (y down). */
function toViewport(rules: Rules, vt: number[]): Rules {
  const t = (x: number, y: number): [number, number] => [vt[0] * x + vt[2] * y + vt[4], vt[1] * x + vt[3] * y + vt[5]];
  const out: Rules = { h: [], v: [] };
  const add = (ax: number, ay: number, bx: number, by: number): void => {
    const [x0, y0] = t(ax, ay);
    const [x1, y1] = t(bx, by);
    if (Math.abs(y0 - y1) < 0.5) out.h.push({ y: (y0 + y1) / 2, x0: Math.min(x0, x1), x1: Math.max(x0, x1) });
    else if (Math.abs(x0 - x1) < 0.5) out.v.push({ x: (x0 + x1) / 2, y0: Math.min(y0, y1), y1: Math.max(y0, y1) });
  };
  for (const h of rules.h) add(h.x0, h.y, h.x1, h.y);
  for (const v of rules.v) add(v.x, v.y0, v.x, v.y1);
  return out;
}
