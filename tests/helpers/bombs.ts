import { writeFileSync } from 'node:fs';
import { constants, deflateRawSync } from 'node:zlib';
import { zipBytes, zipEntry, type ZipEntry } from './zip.js';

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



const CONTENT_TYPES = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ' +
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
);
const RELS = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
);


/** A minimal .docx (content types, relationships, the main part) with the given main part. */
function docxParts(main: ZipEntry): ZipEntry[] {
  return [zipEntry('[Content_Types].xml', CONTENT_TYPES), zipEntry('_rels/.rels', RELS), main];
}

/** A .docx whose main part is this XML. */
export function writeDocx(path: string, documentXml: string): number {
  return writeZip(path, docxParts(zipEntry('word/document.xml', documentXml)));
}

/**
 * A .docx whose word/document.xml inflates to `size` bytes while its headers
 * say it holds 4 KB (so no check of the headers sees it).
 */
export function writeDocxBomb(path: string, size: number): number {
  return writeZip(path, docxParts({ name: 'word/document.xml', body: deflateBomb(size), method: 8, size: 4096, crc: 0x12345678 }));
}

function writeZip(path: string, entries: ZipEntry[]): number {
  const file = zipBytes(entries);
  writeFileSync(path, file);
  return file.length;
}
