import { isUtf8, transcode } from 'node:buffer';
import { DocumentError, type Block, type Cell, type ExtractedDocument, type Message, type Paragraph, type Row, type Table } from '../ir.js';
import { utf16WithoutBom } from './encoding.js';
import type { Extractor } from './extractor.js';

/**
 * Text conversions of disclosures come in two layouts:
 *
 * - txt-cells, "one cell a line": a table row is a block of consecutive lines
 *   each starting with TAB (one cell a line, a lone TAB for an empty cell),
 *   rows separated by a blank line; other lines are paragraphs. A line without
 *   TAB straight after a cell line continues that cell (a cell holding a line
 *   break).
 * - txt-tabs, "tab-separated": one row a line, cells split by TAB; lines
 *   without TAB are paragraphs.
 */

const textDecoder = (label: string) => new TextDecoder(label, { fatal: true });

/**
 * UTF-8 without BOM as TextDecoder's fatal decoding reads it, undefined when
 * the bytes are not valid UTF-8. Several times faster for Chinese text: Node
 * 20 builds a string from UTF-8 slowly, while transcoding to UTF-16 and
 * reading that is little more than a copy.
 */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  return isUtf8(bytes) ? transcode(bytes, 'utf8', 'utf16le').toString('utf16le') : undefined;
}

/** Decodes UTF-8 (with or without BOM), UTF-16 (with BOM, or without when its zero bytes show it), or GB18030/GBK. */
export function decodeText(bytes: Uint8Array): { text: string; encoding: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: textDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8' };
  }
  for (const [b0, b1, encoding] of [[0xff, 0xfe, 'utf-16le'], [0xfe, 0xff, 'utf-16be']] as const) {
    if (bytes[0] !== b0 || bytes[1] !== b1) continue;
    try {
      return { text: textDecoder(encoding).decode(bytes.subarray(2)), encoding };
    } catch {
      throw new DocumentError(`the file starts as ${encoding.toUpperCase()} text but is not valid ${encoding.toUpperCase()}; re-save it as UTF-8`, 'text-encoding');
    }
  }
  const utf16 = utf16WithoutBom(bytes);
  if (utf16) {
    try {
      return { text: textDecoder(utf16).decode(bytes), encoding: utf16 };
    } catch {
      throw new DocumentError(`the file reads as ${utf16.toUpperCase()} text without a byte order mark, but is not valid ${utf16.toUpperCase()}; re-save it as UTF-8`, 'text-encoding');
    }
  }
  const utf8 = decodeUtf8(bytes);
  if (utf8 !== undefined) return { text: utf8, encoding: 'utf-8' };
  // not UTF-8: most Chinese government text files that are not UTF-8 are GBK/GB18030
  try {
    return { text: textDecoder('gb18030').decode(bytes), encoding: 'gb18030' };
  } catch {
    throw new DocumentError('the text is neither UTF-8 nor GB18030/GBK encoded; re-save it as UTF-8', 'text-encoding');
  }
}

/** True when the bytes look like binary data rather than text. */
export function looksBinary(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192);
  if (head[0] === 0xff && head[1] === 0xfe) return false;
  if (head[0] === 0xfe && head[1] === 0xff) return false;
  // its zero bytes are the high halves of ASCII characters: binary when what they spell is control characters
  const utf16 = utf16WithoutBom(head);
  if (utf16) {
    const text = new TextDecoder(utf16).decode(head.subarray(0, head.length & ~1));
    const control = text.match(/[\u0000-\u0008\u000E-\u001F]/g)?.length ?? 0;
    return control > text.length / 20;
  }
  if (head.indexOf(0) >= 0) return true;
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i];
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  return control > head.length / 20;
}

export type TextLayout = 'txt-cells' | 'txt-tabs';

/**
 * Chooses the layout from the content: in txt-cells nearly every TAB line is
 * a single cell (leading TAB, at most trailing TABs after the text), in
 * txt-tabs TABs stand between cells.
 */
export function detectLayout(lines: string[]): TextLayout {
  let cellLines = 0;
  let tabRows = 0;
  for (const line of lines) {
    if (!line.includes('\t')) continue;
    if (cellLines + tabRows >= 500) break; // plenty to tell
    if (/^\t[^\t]*\t*$/.test(line)) cellLines++;
    else tabRows++;
  }
  return cellLines > tabRows ? 'txt-cells' : 'txt-tabs';
}

const stripTrailingTabs = (s: string) => (s.endsWith('\t') ? s.replace(/\t+$/, '') : s);

function cellsLayout(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let table: Table | undefined;
  let row: Row | undefined;
  const endRow = () => {
    if (!row) return;
    if (!table) {
      table = { kind: 'table', rows: [], ref: row.ref };
      blocks.push(table);
    }
    table.rows.push(row);
    row = undefined;
  };
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.startsWith('\t')) {
      const cell: Cell = { text: stripTrailingTabs(raw.slice(1)), ref: { line } };
      if (!row) row = { cells: [], ref: { line } };
      row.cells.push(cell);
      return;
    }
    if (raw.trim() === '') {
      endRow();
      return;
    }
    if (row && row.cells.length > 0 && lines[index - 1]?.startsWith('\t')) {
      // a cell whose text holds a line break continues on a line without TAB
      const last = row.cells[row.cells.length - 1];
      last.text = `${last.text}\n${stripTrailingTabs(raw)}`;
      return;
    }
    endRow();
    table = undefined;
    blocks.push({ kind: 'paragraph', text: raw.trim(), ref: { line } });
  });
  endRow();
  return blocks;
}

function tabsLayout(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let table: Table | undefined;
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.includes('\t')) {
      const cells = raw.split('\t').map((text) => ({ text, ref: { line } }));
      if (!table) {
        table = { kind: 'table', rows: [], ref: { line } };
        blocks.push(table);
      }
      table.rows.push({ cells, ref: { line } });
      return;
    }
    if (raw.trim() === '') return;
    table = undefined;
    const paragraph: Paragraph = { kind: 'paragraph', text: raw.trim(), ref: { line } };
    blocks.push(paragraph);
  });
  return blocks;
}

export function extractText(bytes: Uint8Array): ExtractedDocument {
  if (bytes.length === 0) throw new DocumentError('the file is empty', 'empty-file');
  if (looksBinary(bytes)) {
    throw new DocumentError('the file is binary data, not a text, PDF, Word or web-page document', 'binary-file');
  }
  const { text } = decodeText(bytes);
  if (text.trim() === '') throw new DocumentError('the file holds no text (only blank lines)', 'empty-file');
  // splitting on a string is faster than on a pattern, and does the same where there is no CR
  const lines = text.includes('\r') ? text.split(/\r\n|\n|\r/) : text.split('\n');
  const format = detectLayout(lines);
  const blocks = format === 'txt-cells' ? cellsLayout(lines) : tabsLayout(lines);
  return { format, blocks, messages: cutShort(text, lines), sourceLines: lines };
}

/**
 * A text that ends inside a table row, without a final line break, was
 * most likely cut short (a download broken off): what is missing after it
 * cannot be known, so it is said.
 */
function cutShort(text: string, lines: string[]): Message[] {
  if (/[\r\n]$/.test(text)) return [];
  const last = lines.length;
  if (!lines[last - 1].includes('\t')) return [];
  return [
    {
      severity: 'warning',
      stage: 'extract',
      rule: 'text-cut',
      text: `the text ends inside a table row (line ${last}) without a final line break: the file is probably cut short, and what followed is missing; download it again`,
      ref: { line: last },
    },
  ];
}

export const textExtractor: Extractor = {
  format: ['txt-cells', 'txt-tabs'],
  // the fallback: anything the other extractors did not claim is tried as text
  sniff: () => true,
  extract: async (bytes) => extractText(bytes),
};
