import { writeFileSync } from 'node:fs';
import { constants, deflateRawSync } from 'node:zlib';

/**
 * Decompression bombs, made at test time, small on disk: a deflate stream
 * that inflates to `size` bytes of one byte value, built from one
 * sync-flushed block of 1 MiB repeated (each copy refers back only to the
 * same byte, so repeating it is valid deflate) and a final empty block.
 */
const MIB = 1024 * 1024;

export function deflateBomb(size: number, byte = 0x20): Buffer {
  const block = deflateRawSync(Buffer.alloc(MIB, byte), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const blocks = Math.ceil(size / MIB);
  // a final block of fixed Huffman codes holding only its end (0x03 0x00)
  return Buffer.concat([...Array.from({ length: blocks }, () => block), Buffer.from([0x03, 0x00])]);
}

/** The zlib wrapper pdf.js's FlateDecode reads: header, raw deflate, Adler-32 of the output. */
function zlibWrap(raw: Buffer, size: number, byte: number): Buffer {
  // Adler-32 of `size` copies of one byte: a = 1 + size·byte, b = Σ a (mod 65521)
  const M = 65521n;
  const n = BigInt(size);
  const c = BigInt(byte);
  const a = (1n + n * c) % M;
  const b = (n + c * ((n * (n + 1n)) / 2n)) % M;
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(Number((b << 16n) | a));
  return Buffer.concat([Buffer.from([0x78, 0xda]), raw, trailer]);
}

/** A one-page PDF with a line of text, whose second content stream inflates to `size` bytes of spaces. */
export function writePdfBomb(path: string, size: number): number {
  const bomb = zlibWrap(deflateBomb(size, 0x20), Math.ceil(size / MIB) * MIB, 0x20);
  const text = Buffer.from('BT /F1 12 Tf 72 720 Td (Budget) Tj ET\n', 'latin1');
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 6 0 R >> >> /Contents [4 0 R 5 0 R] >>'),
    Buffer.concat([Buffer.from(`<< /Length ${text.length} >>\nstream\n`), text, Buffer.from('\nendstream')]),
    Buffer.concat([Buffer.from(`<< /Length ${bomb.length} /Filter /FlateDecode >>\nstream\n`), bomb, Buffer.from('\nendstream')]),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  const offsets: number[] = [];
  let at = parts[0].length;
  objects.forEach((body, i) => {
    offsets.push(at);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    parts.push(obj);
    at += obj.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`));
  const file = Buffer.concat(parts);
  writeFileSync(path, file);
  return file.length;
}

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

interface ZipPart {
  name: string;
  /** Raw deflate data. */
  data: Buffer;
  /** The size the headers claim. */
  size: number;
  crc: number;
}

const CONTENT_TYPES = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ' +
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
);
const RELS = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
);

const part = (name: string, content: Buffer): ZipPart => ({ name, data: deflateRawSync(content), size: content.length, crc: crc32(content) });

/** A minimal .docx (content types, relationships, the main part) with the given main part. */
function docxParts(main: ZipPart): ZipPart[] {
  return [part('[Content_Types].xml', CONTENT_TYPES), part('_rels/.rels', RELS), main];
}

/** A .docx whose main part is this XML. */
export function writeDocx(path: string, documentXml: string): number {
  return writeZip(path, docxParts(part('word/document.xml', Buffer.from(documentXml, 'utf8'))));
}

/**
 * A .docx whose word/document.xml inflates to `size` bytes while its headers
 * say it holds 4 KB (so no check of the headers sees it).
 */
export function writeDocxBomb(path: string, size: number): number {
  return writeZip(path, docxParts({ name: 'word/document.xml', data: deflateBomb(size), size: 4096, crc: 0x12345678 }));
}

function writeZip(path: string, entries: ZipPart[]): number {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(e.crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  const file = Buffer.concat([...locals, cd, eocd]);
  writeFileSync(path, file);
  return file.length;
}
