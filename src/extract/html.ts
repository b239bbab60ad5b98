/**
 * HTML pages (budget tables published as web pages, Excel/Word "save as web
 * page" exports). Decoding: BOM, then a charset declared in the first 2 KB
 * (`<meta charset>`, `<meta http-equiv=Content-Type>`, `<?xml encoding>`),
 * then strict UTF-8, else GB18030. GBK and GB2312 are read as GB18030, their
 * superset. The document itself is read by html-grid.ts.
 */
import { DocumentError, type ExtractedDocument, type Message } from '../ir.js';
import { utf16WithoutBom } from './encoding.js';
import type { Extractor } from './extractor.js';
import { htmlToBlocks } from './html-grid.js';

const PRESCAN_BYTES = 2048;

/** Charset labels that name GB2312 or one of its supersets. */
const GB_LABELS = new Set([
  'gb2312', 'gbk', 'gb18030', 'x-gbk', 'cp936', 'ms936', 'windows-936', 'gb_2312', 'gb_2312-80',
  'csgb2312', 'csiso58gb231280', 'chinese', 'iso-ir-58', 'euc-cn', 'x-euc-cn',
]);
const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'x-unicode20utf8']);
/** A page that says UTF-16 in a meta tag is, by the HTML standard, read as UTF-8. */
const UTF16_LABELS = new Set(['utf-16', 'utf-16le', 'utf-16be', 'unicode', 'ucs-2']);

export interface DecodedHtml {
  text: string;
  /** The encoding used, as a TextDecoder name. */
  encoding: string;
  messages: Message[];
}

function latin1(bytes: Uint8Array, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(end, bytes.byteLength)).toString('latin1');
}

function bom(bytes: Uint8Array): { encoding: string; length: number } | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  if (bytes[0] === 0x84 && bytes[1] === 0x31 && bytes[2] === 0x95 && bytes[3] === 0x33) {
    return { encoding: 'gb18030', length: 4 };
  }
  return undefined;
}

/** The charset label declared in the first bytes, lower-cased, if any. */
export function declaredCharset(bytes: Uint8Array): string | undefined {
  const head = latin1(bytes, PRESCAN_BYTES);
  const xml = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)/i.exec(head);
  if (xml) return xml[1].toLowerCase();
  // Both <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">.
  const re = /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)/gi;
  for (let m = re.exec(head); m; m = re.exec(head)) {
    // Skip meta tags inside comments: a '<!--' before the match without a closing '-->'.
    const before = head.slice(0, m.index);
    if (before.lastIndexOf('<!--') > before.lastIndexOf('-->')) continue;
    return m[1].toLowerCase();
  }
  return undefined;
}

function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function strictGb18030(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('gb18030', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function hasNonAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return true;
  return false;
}

function decodeWith(encoding: string, bytes: Uint8Array): string {
  return new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes);
}

function canDecode(label: string): string | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

/**
 * Decodes an HTML file. Throws DocumentError for an empty file and for bytes
 * that no supported encoding reads as text.
 */
export function decodeHtml(bytes: Uint8Array): DecodedHtml {
  const messages: Message[] = [];
  const warn = (rule: string, text: string): void => {
    messages.push({ severity: 'warning', stage: 'extract', rule, text });
  };
  if (bytes.byteLength === 0) {
    throw new DocumentError('the HTML file is empty', 'html-empty');
  }

  let encoding: string;
  let body = bytes;
  const b = bom(bytes);
  const declared = b ? undefined : declaredCharset(bytes);
  if (b) {
    encoding = b.encoding;
    body = bytes.subarray(b.length);
  } else if (utf16WithoutBom(bytes)) {
    encoding = utf16WithoutBom(bytes)!;
  } else if (declared && GB_LABELS.has(declared)) {
    // Pages that declare GB2312 but were saved as UTF-8 are common; UTF-8
    // text with Chinese in it is practically never also meant as GBK.
    if (hasNonAscii(bytes) && strictUtf8(bytes) !== undefined) {
      encoding = 'utf-8';
      warn(
        'html-charset-mismatch',
        `the page declares charset ${declared} but is written in UTF-8; it was read as UTF-8`,
      );
    } else {
      encoding = 'gb18030';
    }
  } else if (declared && (UTF8_LABELS.has(declared) || UTF16_LABELS.has(declared))) {
    if (strictUtf8(bytes) !== undefined) {
      encoding = 'utf-8';
    } else {
      encoding = 'gb18030';
      warn(
        'html-charset-mismatch',
        `the page declares charset ${declared} but is not valid UTF-8; it was read as GB18030`,
      );
    }
  } else if (declared && canDecode(declared) && strictUtf8(bytes) === undefined) {
    encoding = canDecode(declared)!;
    // A Chinese page declaring a Western single-byte charset is mislabelled
    // GBK far more often than it is Western text.
    if (/^(windows-125\d|iso-8859-\d+|us-ascii|ascii)$/.test(declared) || encoding === 'windows-1252') {
      if (strictGb18030(bytes) !== undefined) {
        warn(
          'html-charset-mismatch',
          `the page declares charset ${declared} but reads as Chinese GB18030; it was read as GB18030`,
        );
        encoding = 'gb18030';
      }
    }
  } else {
    if (declared && !canDecode(declared)) {
      warn('html-unknown-charset', `the page declares an unknown charset "${declared}"; the encoding was guessed`);
    }
    encoding = strictUtf8(bytes) !== undefined ? 'utf-8' : 'gb18030';
  }

  const text = decodeWith(encoding, body);
  const bad = (text.match(/\uFFFD/g) ?? []).length;
  // Control characters other than tab, newlines and form feed never occur in text.
  const control = (text.match(/[\u0000-\u0008\u000B\u000E-\u001A\u001C-\u001F\u007F]/g) ?? []).length;
  if (bad + control > Math.max(16, text.length * 0.02)) {
    throw new DocumentError(
      `the HTML file is not readable text (${bad + control} undecodable or control characters read as ${encoding}); ` +
        'it may be damaged or not an HTML page',
      'html-undecodable',
    );
  }
  if (bad > 0) {
    warn('html-decode-errors', `${bad} character(s) could not be decoded as ${encoding} and were replaced by �`);
  }
  if (!text.trim()) {
    throw new DocumentError('the HTML file is empty', 'html-empty');
  }
  return { text, encoding, messages };
}

/** The first ~1 KB as text, good enough to look for tags. */
function headText(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 1024);
  const b = bom(head);
  if (b && b.encoding.startsWith('utf-16')) return decodeWith(b.encoding, head.subarray(b.length));
  const u16 = utf16WithoutBom(head);
  if (u16) return decodeWith(u16, head);
  return latin1(head, head.length);
}

/**
 * A page that opens <html> and never closes it was most likely cut short
 * (a download broken off): the parser closes what is open without a word,
 * so a table cut in its header would pass for one published empty.
 */
function cutShort(text: string): Message[] {
  if (!/<html[\s>]/i.test(text) || /<\/html\s*>/i.test(text)) return [];
  return [
    {
      severity: 'warning',
      stage: 'extract',
      rule: 'html-cut',
      text: 'the page opens <html> but never closes it (no </html>): the file is probably cut short, and what followed is missing; download it again',
    },
  ];
}

export const htmlExtractor: Extractor = {
  format: 'html',

  sniff(bytes: Uint8Array): boolean {
    return /<html|<!doctype\s+html|<table|<body/i.test(headText(bytes));
  },

  async extract(bytes: Uint8Array): Promise<ExtractedDocument> {
    const decoded = decodeHtml(bytes);
    const { blocks, sourceLines, messages } = await htmlToBlocks(decoded.text);
    return {
      format: 'html',
      blocks,
      messages: [...decoded.messages, ...cutShort(decoded.text), ...messages],
      sourceLines,
    };
  },
};
