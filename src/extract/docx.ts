/**
 * Word .docx files: mammoth turns the document into HTML (merged cells kept
 * as colspan/rowspan, header rows as <thead>), html-grid.ts reads that.
 *
 * Before mammoth sees the file, the zip's central directory is read here
 * (sizes and names only, nothing is inflated) to refuse damaged files,
 * zips that are not Word documents and zip bombs with a readable reason.
 */
import { createRequire } from 'node:module';
import { crc32, inflateRawSync } from 'node:zlib';
import { DocumentError, type ExtractedDocument, type Message } from '../ir.js';
import type { Extractor } from './extractor.js';
import { htmlToBlocks, MAX_NESTING } from './html-grid.js';

/** Refuse documents whose parts add up to more than this, uncompressed. */
export const MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024;
/**
 * Refuse a document one of whose XML parts inflates to more than this (a
 * disclosure's main part is a few MB), measured while inflating: the
 * headers' sizes are the file's word, and a bomb understates them.
 */
export const MAX_PART_BYTES = 64 * 1024 * 1024;
/**
 * Deflate cannot compress better than about 1032:1; an entry that claims
 * more (and is big enough to matter) is a zip bomb or a lie.
 */
export const MAX_RATIO = 1000;
const RATIO_MIN_SIZE = 1024 * 1024;

const MAIN_PART = 'word/document.xml';

/** mammoth, required the first time a Word file is read (100 ms): a thread reading text never loads it. */
const requireModule = createRequire(import.meta.url);
let mammothModule: typeof import('mammoth') | undefined;

export interface ZipEntry {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  /** 0 stored, 8 deflated. */
  method: number;
  /** Offset of the entry's local header. */
  localOffset: number;
  crc: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CDH_SIG = 0x02014b50;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The entries of a zip's central directory, or undefined when there is no
 * readable central directory (not a zip, truncated, damaged).
 */
export function readCentralDirectory(bytes: Uint8Array): ZipEntry[] | undefined {
  const dv = view(bytes);
  const len = bytes.byteLength;
  if (len < 22) return undefined;
  // The end-of-central-directory record: 22 bytes plus a comment of up to 64 KB.
  let eocd = -1;
  for (let i = len - 22; i >= Math.max(0, len - 22 - 0xffff); i--) {
    if (dv.getUint32(i, true) === EOCD_SIG && i + 22 + dv.getUint16(i + 20, true) <= len) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== ZIP64_LOCATOR_SIG) return undefined;
    const z64 = Number(dv.getBigUint64(loc + 8, true));
    if (z64 < 0 || z64 + 56 > len || dv.getUint32(z64, true) !== ZIP64_EOCD_SIG) return undefined;
    count = Number(dv.getBigUint64(z64 + 32, true));
    cdSize = Number(dv.getBigUint64(z64 + 40, true));
    cdOffset = Number(dv.getBigUint64(z64 + 48, true));
  }
  if (cdOffset + cdSize > len) {
    // Data prepended to the zip (self-extractors): the directory sits right before the EOCD.
    cdOffset = eocd - cdSize;
    if (cdOffset < 0) return undefined;
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  const end = cdOffset + cdSize;
  const decoder = new TextDecoder('utf-8');
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || dv.getUint32(p, true) !== CDH_SIG) return undefined;
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let uncompressedSize = dv.getUint32(p + 24, true);
    let localOffset = dv.getUint32(p + 42, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    if (p + 46 + nameLen + extraLen + commentLen > end) return undefined;
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information: the 64-bit sizes, in order, for the fields that are 0xFFFFFFFF.
    let q = p + 46 + nameLen;
    const extraEnd = q + extraLen;
    while (q + 4 <= extraEnd) {
      const id = dv.getUint16(q, true);
      const size = dv.getUint16(q + 2, true);
      if (id === 0x0001) {
        let r = q + 4;
        if (uncompressedSize === 0xffffffff && r + 8 <= q + 4 + size) {
          uncompressedSize = Number(dv.getBigUint64(r, true));
          r += 8;
        }
        if (compressedSize === 0xffffffff && r + 8 <= q + 4 + size) {
          compressedSize = Number(dv.getBigUint64(r, true));
          r += 8;
        }
        if (localOffset === 0xffffffff && r + 8 <= q + 4 + size) {
          localOffset = Number(dv.getBigUint64(r, true));
        }
      }
      q += 4 + size;
    }
    entries.push({ name, compressedSize, uncompressedSize, method, localOffset, crc });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP_MAGIC = [0x50, 0x4b, 0x05, 0x06];
const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

function containsAscii(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(text, 0, 'latin1');
}
function containsUtf16(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(Buffer.from(text, 'utf16le'));
}

/** An OLE2 compound file that is a Word 97–2003 document. */
function isLegacyDoc(bytes: Uint8Array, fileName: string): boolean {
  return startsWith(bytes, OLE_MAGIC) && (containsUtf16(bytes, 'WordDocument') || /\.(doc|dot)$/i.test(fileName));
}
/** An OLE2 compound file holding an encrypted OOXML package (a password-protected .docx). */
function isEncryptedOoxml(bytes: Uint8Array, fileName: string): boolean {
  return startsWith(bytes, OLE_MAGIC) && /\.docx$|\.docm$/i.test(fileName) && containsUtf16(bytes, 'EncryptedPackage');
}

/**
 * What the zip and XML libraries under mammoth say went wrong, in words for
 * the person who has to find a better copy of the file: JSZip calls a size
 * mismatch a "Bug :", xmldom prefixes a tab and suffixes a position it does
 * not know ("@#[line:undefined,col:undefined]").
 */
export function plainReason(detail: string): string {
  if (/size mismatch|crc32|corrupted zip|invalid (?:stored|distance|code|block)|unexpected end of|end of (?:data|central)/i.test(detail)) {
    return 'its compressed contents are corrupt';
  }
  const xml = /\[xmldom (?:error|fatalError)\]\s*(.*?)\s*(?:@#\[line:[^\]]*\])?\s*$/s.exec(detail);
  if (xml) return `its XML is malformed: ${xml[1].replace(/\s+/g, ' ').trim()}`;
  const text = detail.replace(/^Bug\s*:\s*/i, '').replace(/\s+/g, ' ').trim();
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

/** Checks the zip before mammoth opens it; throws DocumentError with the reason. */
export function checkDocxZip(bytes: Uint8Array, fileName: string): ZipEntry[] {
  if (isEncryptedOoxml(bytes, fileName)) {
    throw new DocumentError(
      'the .docx file is password-protected; save it again without a password',
      'docx-encrypted',
    );
  }
  if (startsWith(bytes, OLE_MAGIC)) {
    throw new DocumentError('old .doc format; save as .docx', 'doc-legacy');
  }
  const entries = startsWith(bytes, ZIP_MAGIC) || startsWith(bytes, EMPTY_ZIP_MAGIC) ? readCentralDirectory(bytes) : undefined;
  if (!entries) {
    throw new DocumentError('the .docx file is damaged or not a Word document', 'docx-corrupt');
  }
  let total = 0;
  for (const e of entries) {
    total += e.uncompressedSize;
    const absurd =
      e.uncompressedSize > RATIO_MIN_SIZE && e.uncompressedSize > MAX_RATIO * Math.max(1, e.compressedSize);
    if (absurd) {
      throw new DocumentError(
        `the .docx file is not safe to open: its part ${e.name} claims to expand ` +
          `${e.compressedSize} bytes into ${e.uncompressedSize} bytes`,
        'docx-too-large',
      );
    }
  }
  if (total > MAX_UNCOMPRESSED_BYTES) {
    throw new DocumentError(
      `the .docx file is too large to open: its parts add up to ${Math.round(total / 1048576)} MB ` +
        `uncompressed (the limit is ${MAX_UNCOMPRESSED_BYTES / 1048576} MB)`,
      'docx-too-large',
    );
  }
  if (!entries.some((e) => e.name === MAIN_PART)) {
    throw new DocumentError(
      'the file is a zip archive but not a Word document (it has no word/document.xml)',
      'docx-not-word',
    );
  }
  return entries;
}

/** The stored (possibly compressed) bytes of an entry, found through its local header. */
function entryData(bytes: Uint8Array, e: ZipEntry): Uint8Array | undefined {
  const dv = view(bytes);
  const at = e.localOffset;
  if (at + 30 > bytes.byteLength || dv.getUint32(at, true) !== 0x04034b50) return undefined;
  const start = at + 30 + dv.getUint16(at + 26, true) + dv.getUint16(at + 28, true);
  if (start + e.compressedSize > bytes.byteLength) return undefined;
  return bytes.subarray(start, start + e.compressedSize);
}

/** Thrown when a part inflates past its ceiling. */
class PartTooLarge extends Error {}

function inflateEntry(bytes: Uint8Array, e: ZipEntry, ceiling = MAX_PART_BYTES): Buffer | undefined {
  const data = entryData(bytes, e);
  if (!data) return undefined;
  try {
    if (e.method === 0) return Buffer.from(data);
    // the output is bounded by the ceiling, never by the size the headers claim
    if (e.method === 8) return inflateRawSync(data, { maxOutputLength: ceiling + 1 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new PartTooLarge();
    // damaged: leave it to mammoth to report
  }
  return undefined;
}

/** The parts mammoth reads: XML and relationships (images and other media it never inflates). */
const isXmlPart = (name: string) => /\.(?:xml|rels)$/i.test(name);

/**
 * Inflates every XML part, counting, before mammoth (whose zip library
 * trusts the headers) does: a part or the parts together inflating past
 * the limits are refused, naming the limit. Returns the main part.
 */
function measureParts(bytes: Uint8Array, entries: ZipEntry[]): Buffer | undefined {
  let total = 0;
  let main: Buffer | undefined;
  for (const e of entries) {
    if (!isXmlPart(e.name)) continue;
    const ceiling = Math.min(MAX_PART_BYTES, MAX_UNCOMPRESSED_BYTES - total);
    let inflated: Buffer | undefined;
    try {
      inflated = inflateEntry(bytes, e, ceiling);
    } catch (err) {
      if (!(err instanceof PartTooLarge)) throw err;
      throw new DocumentError(
        ceiling === MAX_PART_BYTES
          ? `the .docx file is not safe to open: its part ${e.name} inflates to more than ${MAX_PART_BYTES / 1048576} MB, the limit for one part ` +
              `(its headers say ${e.uncompressedSize} bytes; a damaged file or a zip bomb)`
          : `the .docx file is too large to open: its parts inflate to more than ${MAX_UNCOMPRESSED_BYTES / 1048576} MB together, the limit for one document`,
        'docx-too-large',
      );
    }
    if (!inflated) continue;
    if (inflated.length > ceiling) {
      throw new DocumentError(`the .docx file is not safe to open: its part ${e.name} is more than ${MAX_PART_BYTES / 1048576} MB, the limit for one part`, 'docx-too-large');
    }
    total += inflated.length;
    // a main part of another size than its headers say is damaged: left to mammoth to report, as it reads the headers
    if (e.name === MAIN_PART && inflated.length === e.uncompressedSize) main = inflated;
  }
  return main;
}

/** A new zip with the same entries, one of them replaced (stored: it is read back at once, compressing it would be waste). */
function rewriteZip(bytes: Uint8Array, entries: ZipEntry[], name: string, content: Buffer): Buffer | undefined {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const replace = e.name === name;
    const data = replace ? content : entryData(bytes, e);
    if (!data) return undefined;
    const crc = replace ? crc32(content) : e.crc;
    // Names are written as UTF-8; sizes and CRC go in the headers (no data descriptor).
    const flags = 0x0800;
    const nameBytes = Buffer.from(e.name, 'utf8');
    const size = replace ? content.length : e.uncompressedSize;
    if (size > 0xfffffffe || data.length > 0xfffffffe || offset > 0xfffffffe) return undefined;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(replace ? 0 : e.method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(replace ? 0 : e.method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  eocd.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  if (entries.length > 0xfffe) return undefined;
  return Buffer.concat([...locals, cd, eocd]);
}

/**
 * mammoth ignores w:gridBefore (a row that starts some grid columns in, common
 * in files converted from PDF), which shifts that row's cells to the left and
 * throws off vMerge. Write the skipped columns out as empty cells instead.
 */
export function fillGridBefore(xml: string): { xml: string; rows: number } {
  let rows = 0;
  const out = xml.replace(
    /(<w:trPr\b[^>]*(?<!\/)>)((?:(?!<\/w:trPr>)[\s\S])*?)<\/w:trPr>/g,
    (whole: string, open: string, inner: string) => {
      const m = /<w:gridBefore\b[^>]*\bw:val\s*=\s*["'](\d+)["']/.exec(inner);
      const n = m ? Math.min(Number(m[1]), 1000) : 0;
      if (!n) return whole;
      rows++;
      const cleaned = inner.replace(/<w:(gridBefore|wBefore)\b[^>]*\/>/g, '');
      return `${open}${cleaned}</w:trPr>${'<w:tc><w:p/></w:tc>'.repeat(n)}`;
    },
  );
  return { xml: out, rows };
}

/**
 * The name of the root element of an XML text when that element is never
 * closed (the text breaks off: a part cut short), else undefined.
 *
 * mammoth's XML parser (xmldom) does not stop at such a text: it takes an
 * element whose end tag appears nowhere after it for an empty one, so the
 * root ends at once and every later tag is refused ("Only one element can
 * be added") and its text piled onto one node, whose child list is rebuilt
 * on each addition: minutes for a main part of a megabyte, to end with an
 * error anyway.
 */
export function unclosedRoot(xml: string): string | undefined {
  // The root element: the first tag that is not a declaration, comment or doctype.
  const root = /<(?![?!])([^\s/>]+)/.exec(xml);
  if (!root) return undefined;
  const tagEnd = xml.indexOf('>', root.index);
  if (tagEnd < 0) return root[1]; // cut inside the root's start tag
  if (xml[tagEnd - 1] === '/') return undefined; // an empty root (<root/>)
  let end = xml.length;
  while (end > 0 && /\s/.test(xml[end - 1])) end--;
  const close = `</${root[1]}`;
  const at = xml.lastIndexOf(close);
  // After the end tag: only white space, comments, processing instructions.
  if (at > root.index && /^\s*>(?:\s|<!--[\s\S]*?-->|<\?[\s\S]*?\?>)*$/.test(xml.slice(at + close.length, end))) return undefined;
  return root[1];
}

/**
 * How deep the elements of an XML text nest, up to just past `limit`:
 * start tags in, end tags out, empty elements neither (the text is
 * well-formed XML, or mammoth refuses it anyway).
 */
export function xmlDepth(xml: string, limit = MAX_NESTING): number {
  let depth = 0;
  let deepest = 0;
  const tag = /<(\/?)([^\s/>!?][^>]*?)?(\/?)>|<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    if (m[2] === undefined) continue; // a comment, CDATA, a declaration
    if (m[1]) depth--;
    else if (!m[3]) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    }
  }
  return deepest;
}

/** An XML part in UTF-16 (rare, but allowed): left to mammoth. */
function isUtf16(raw: Buffer): boolean {
  return raw.length >= 2 && ((raw[0] === 0xff && raw[1] === 0xfe) || (raw[0] === 0xfe && raw[1] === 0xff) || raw[0] === 0 || raw[1] === 0);
}

/**
 * Layout-only elements of the main part, with everything in them: borders,
 * widths, heights, alignment, spacing, fonts, sizes, colours, shading. None
 * of them shows in mammoth's HTML (it reads alignment, font and size into its
 * model, for style maps we do not use), yet parsing them (xmldom builds a
 * node and its attributes for each) was half of its time: a generated table
 * has five border elements and several sizes per cell.
 */
const LAYOUT_ELEMENTS = ['sz', 'szCs', 'rFonts', 'lang', 'kern', 'color', 'shd', 'jc', 'vAlign', 'tcW', 'tblW', 'spacing', 'trHeight', 'cantSplit', 'snapToGrid'];
const LAYOUT_CONTAINERS = ['tcBorders', 'tblBorders', 'pBdr', 'tcMar', 'tblCellMar'];
const LAYOUT = new RegExp(
  String.raw`<w:(?:${LAYOUT_ELEMENTS.join('|')})(?:\s[^>]*)?/>|<w:(${LAYOUT_CONTAINERS.join('|')})(?:\s[^>]*)?>[\s\S]*?</w:\1>|<w:(?:${LAYOUT_CONTAINERS.join('|')})(?:\s[^>]*)?/>`,
  'g',
);

/** The main part without its layout-only elements (see LAYOUT_ELEMENTS): the same text, tables and styles for mammoth. */
export function withoutLayout(xml: string): string {
  return xml.replace(LAYOUT, '');
}

/**
 * The document as mammoth gets it: the main part with w:gridBefore rows
 * filled (see fillGridBefore) and without layout, in a zip made anew.
 */
function preparedForMammoth(bytes: Uint8Array, entries: ZipEntry[], raw: Buffer | undefined): { bytes: Uint8Array; rows: number } {
  if (!raw || isUtf16(raw)) return { bytes, rows: 0 };
  let xml = raw.toString('utf8');
  let rows = 0;
  if (xml.includes('gridBefore')) ({ xml, rows } = fillGridBefore(xml));
  xml = withoutLayout(xml);
  const rebuilt = rewriteZip(bytes, entries, MAIN_PART, Buffer.from(xml, 'utf8'));
  return rebuilt ? { bytes: new Uint8Array(rebuilt), rows } : { bytes, rows: 0 };
}

function mammothMessages(raw: { type: string; message: string }[]): Message[] {
  const seen = new Set<string>();
  const out: Message[] = [];
  for (const m of raw) {
    if (seen.has(m.message)) continue;
    seen.add(m.message);
    // Styles mammoth has no mapping for, and images, change nothing about the text: info only.
    const style = /^Unrecognised \w+ style/i.test(m.message);
    const image = /image|a:blip|imagedata/i.test(m.message);
    out.push({
      severity: style || image ? 'info' : 'warning',
      stage: 'extract',
      rule: style ? 'docx-unmapped-style' : image ? 'docx-image' : 'docx-conversion',
      text: `Word conversion: ${m.message}`,
    });
  }
  return out;
}

export const docxExtractor: Extractor = {
  format: 'docx',

  sniff(bytes: Uint8Array, fileName: string): boolean {
    if (isLegacyDoc(bytes, fileName) || isEncryptedOoxml(bytes, fileName)) return true;
    if (!startsWith(bytes, ZIP_MAGIC)) return false;
    const entries = readCentralDirectory(bytes);
    if (entries) return entries.some((e) => e.name === MAIN_PART);
    // No readable directory (truncated download): the names are also in the
    // local headers. Claim it so that extract can say it is damaged.
    return containsAscii(bytes, MAIN_PART);
  },

  async extract(bytes: Uint8Array, fileName: string): Promise<ExtractedDocument> {
    const entries = checkDocxZip(bytes, fileName);
    const mainXml = measureParts(bytes, entries);
    const unclosed = mainXml && !isUtf16(mainXml) ? unclosedRoot(mainXml.toString('utf8')) : undefined;
    if (unclosed) {
      throw new DocumentError(
        `the .docx file is damaged: its text (${MAIN_PART}) breaks off before the end (the ${unclosed} element is never closed), ` +
          'so the file was cut short or saved incompletely; download it again, or open it in Word and save it again',
        'docx-corrupt',
      );
    }
    // mammoth reads XML by recursion: a part nested 100,000 deep would take it past the stack
    if (mainXml && !isUtf16(mainXml) && xmlDepth(mainXml.toString('utf8')) > MAX_NESTING) {
      throw new DocumentError(
        `the .docx file nests the elements of its text (${MAIN_PART}) more than ${MAX_NESTING} deep (a Word document nests a few dozen deep), ` +
          'so it was not read: it is damaged, or generated by something that is not an editor',
        'too-deep',
      );
    }
    const fixed = preparedForMammoth(bytes, entries, mainXml);
    const buffer = Buffer.from(fixed.bytes.buffer, fixed.bytes.byteOffset, fixed.bytes.byteLength);
    // outside the try: a library that cannot be loaded is not a damaged file
    const mammoth = (mammothModule ??= requireModule('mammoth') as typeof import('mammoth'));
    let result: { value: string; messages: { type: string; message: string }[] };
    try {
      result = await mammoth.convertToHtml(
        { buffer },
        {
          // Images are irrelevant here; do not base64 them into the HTML.
          convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })),
          // an image linked by path or URL is never opened: a document names what it likes (/dev/zero, /etc/…)
          externalFileAccess: false,
        },
      );
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      if (/main document part/i.test(detail)) {
        throw new DocumentError(
          'the file is a zip archive but not a Word document (it has no main document part)',
          'docx-not-word',
        );
      }
      throw new DocumentError(`the .docx file is damaged or not a Word document (${plainReason(detail)})`, 'docx-corrupt');
    }
    const { blocks, sourceLines, messages } = await htmlToBlocks(result.value, {
      // Footnote and endnote markers ([1]) would glue onto amounts; the notes
      // themselves stay, as paragraphs at the end. Drop their ↑ back-links too.
      drop: [
        'sup:has(> a[href^="#footnote-"])',
        'sup:has(> a[href^="#endnote-"])',
        'a[href^="#footnote-ref-"]',
        'a[href^="#endnote-ref-"]',
      ],
    });
    const own: Message[] = [];
    if (fixed.rows > 0) {
      own.push({
        severity: 'info',
        stage: 'extract',
        rule: 'docx-grid-before',
        text: `${fixed.rows} table row(s) start some columns in (w:gridBefore); empty cells were put in front to keep the columns aligned.`,
      });
    }
    return {
      format: 'docx',
      blocks,
      messages: [...mammothMessages(result.messages), ...own, ...messages],
      sourceLines,
    };
  },
};
