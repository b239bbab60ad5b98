import { crc32, deflateRawSync } from 'node:zlib';

/** One entry of a zip as written: its stored bytes and what its headers say of them. */
export interface ZipEntry {
  name: string;
  /** The bytes stored: raw deflate (method 8) or the content itself (method 0). */
  body: Uint8Array;
  method: 0 | 8;
  crc: number;
  /** The uncompressed size the local header states. */
  size: number;
  /** The uncompressed size the central directory states, when it is to differ (a lying header). */
  centralSize?: number;
}

/** An entry holding this content, deflated or stored, with its true CRC and size. */
export function zipEntry(name: string, content: string | Uint8Array, deflate = true): ZipEntry {
  const raw = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  return { name, body: deflate ? deflateRawSync(raw) : raw, method: deflate ? 8 : 0, crc: crc32(raw), size: raw.length };
}

/** A minimal zip (no zip64, UTF-8 names) of these entries, written exactly as they say, lies included. */
export function zipBytes(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.body.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(e.crc, 16);
    central.writeUInt32LE(e.body.length, 20);
    central.writeUInt32LE(e.centralSize ?? e.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(e.body));
    centrals.push(central, name);
    offset += local.length + name.length + e.body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}
