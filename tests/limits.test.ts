import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeDocxBomb, writePdfBomb } from './helpers/bombs.js';
import { ROOT, tempDir } from './helpers/run.js';

/**
 * Issue 16, item 2: memory limits that hold. Decompression bombs (made
 * here, about 1 MB on disk each, 1 GiB inflated) are ingested as the command
 * line does, in a child process whose peak RSS is measured; each is refused
 * with a reason naming the limit, the run ends with its summary, and the
 * peak stays under 1 GB with 2 workers and with `--workers 0`.
 */

const GIB = 1024 * 1024 * 1024;

interface Run {
  maxRssMb: number;
  outcomes: { path: string; status: string; error: string }[];
  status: number | null;
  stderr: string;
}

/** ingest() of dist/ (as `npm test` builds it) in a child node, with its peak RSS (main thread and workers: one process). */
function ingestInChild(files: string[], workers: number): Run {
  const db = join(tempDir(), 'limits.sqlite');
  const script = `
    const { ingest } = await import(${JSON.stringify(join(ROOT, 'dist', 'ingest.js'))});
    const summary = await ingest(${JSON.stringify(files)}, { db: ${JSON.stringify(db)}, workers: ${workers}, timeLimitMs: 120000 });
    process.stdout.write(JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024, outcomes: summary.outcomes.map(({ path, status, error }) => ({ path, status, error })) }));
  `;
  const file = join(tempDir(), 'ingest.mjs');
  writeFileSync(file, script);
  const run = spawnSync(process.execPath, [file], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
  if (!run.stdout.startsWith('{')) return { maxRssMb: NaN, outcomes: [], status: run.status, stderr: run.stderr };
  return { ...JSON.parse(run.stdout), status: run.status, stderr: run.stderr };
}

describe('decompression bombs are refused by their limits, and the run stays small', () => {
  const dir = tempDir('yusuan-bombs-');
  const pdf = join(dir, 'stream-bomb.pdf');
  const docx = join(dir, 'understated-part.docx');
  // a second one in the same run, 3 MB inflating to 3 GiB: limits per document do not add up
  const pdf3 = join(dir, 'stream-bomb-3g.pdf');
  const seed = join(ROOT, 'corpus', 'seeds', '000_313ba343419bd952.txt');
  const runs: Record<string, Run> = {};

  beforeAll(() => {
    // small on disk: what makes them bombs is the ratio
    expect(writePdfBomb(pdf, GIB)).toBeLessThan(1.2 * 1024 * 1024);
    expect(writeDocxBomb(docx, GIB)).toBeLessThan(1.2 * 1024 * 1024);
    expect(writePdfBomb(pdf3, 3 * GIB)).toBeLessThan(3.5 * 1024 * 1024);
    runs.two = ingestInChild([pdf, docx, pdf3, seed], 2);
    runs.zero = ingestInChild([pdf, docx, pdf3, seed], 0);
  }, 600_000);

  it.each(['two', 'zero'])('with %s workers: each bomb failed, naming the limit; the seed beside them was read', (mode) => {
    const run = runs[mode];
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const byPath = (p: string) => run.outcomes.find((o) => o.path === p);
    expect(byPath(pdf)).toMatchObject({ status: 'failed' });
    expect(byPath(pdf)!.error).toBe(
      'the PDF is not safe to read: its stream 5 decodes to more than 64 MB, the limit for one stream ' +
        '(a page of a budget disclosure decodes to a few MB; this is a damaged file or a "zip bomb")',
    );
    expect(byPath(docx)).toMatchObject({ status: 'failed' });
    expect(byPath(docx)!.error).toBe(
      'the .docx file is not safe to open: its part word/document.xml inflates to more than 64 MB, the limit for one part ' +
        '(its headers say 4096 bytes; a damaged file or a zip bomb)',
    );
    expect(byPath(pdf3)!.error).toBe(byPath(pdf)!.error);
    // outcomes: 'all' lists the seed too
    expect(byPath(seed)).toMatchObject({ status: 'ok' });
  });

  it.each(['two', 'zero'])('with %s workers: the peak RSS of the run stays under 1 GB', (mode) => {
    expect(runs[mode].maxRssMb).toBeGreaterThan(30);
    expect(runs[mode].maxRssMb).toBeLessThan(1000);
  });
});

describe('PDF streams are measured through their filters', () => {
  const pdfWith = (dict: string, data: Buffer) =>
    new Uint8Array(Buffer.concat([Buffer.from(`%PDF-1.4\n7 0 obj\n<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream\nendobj\n%%EOF\n')]));
  const limits = { stream: 8 * 1024 * 1024, total: 12 * 1024 * 1024 };

  /** LZW (PDF's: 9–12-bit codes, early change) of `runs` runs of one byte value, each as long as the table allows. */
  function lzwRuns(tables: number): Buffer {
    const codes: number[] = [];
    for (let t = 0; t < tables; t++) {
      codes.push(256);
      // byte 0x20, then codes 258, 259, … each one byte longer than the last
      codes.push(0x20);
      for (let code = 258; code < 4094; code++) codes.push(code);
    }
    codes.push(257);
    const bytes: number[] = [];
    let acc = 0;
    let bits = 0;
    let next = 258;
    let width = 9;
    for (const code of codes) {
      acc = (acc << width) | code;
      bits += width;
      while (bits >= 8) {
        bytes.push((acc >> (bits - 8)) & 0xff);
        bits -= 8;
      }
      acc &= (1 << bits) - 1;
      if (code === 256) {
        next = 258;
        width = 9;
        continue;
      }
      if (code === 257) break;
      if (code !== 0x20 || next > 258) next++;
      else next = 258;
      if (next + 1 >= 1 << width && width < 12) width++;
    }
    if (bits > 0) bytes.push((acc << (8 - bits)) & 0xff);
    return Buffer.from(bytes);
  }

  it('a double-deflated stream is measured through both filters', async () => {
    const { checkDecodedSizes } = await import('../src/extract/pdf-limits.js');
    const { deflateSync } = await import('node:zlib');
    const once = deflateSync(Buffer.alloc(9 * 1024 * 1024, 0x20));
    const twice = deflateSync(once);
    expect(twice.length).toBeLessThan(2000);
    expect(() => checkDecodedSizes(pdfWith('/Filter [/FlateDecode /Fl]', twice), limits)).toThrow(
      'the PDF is not safe to read: its stream 7 decodes to more than 8 MB, the limit for one stream',
    );
    // the same under the limit passes
    expect(() => checkDecodedSizes(pdfWith('/Filter [/FlateDecode /Fl]', deflateSync(deflateSync(Buffer.alloc(1024 * 1024, 0x20)))), limits)).not.toThrow();
  });

  it('an LZW stream is measured by its codes', async () => {
    const { checkDecodedSizes } = await import('../src/extract/pdf-limits.js');
    // one full table spells 1 + 2 + … + 3837 bytes = 7.4 MB; two tables pass the 8 MB limit
    expect(() => checkDecodedSizes(pdfWith('/Filter /LZWDecode', lzwRuns(1)), limits)).not.toThrow();
    expect(() => checkDecodedSizes(pdfWith('/Filter /LZWDecode', lzwRuns(2)), limits)).toThrow(/its stream 7 decodes to more than 8 MB/);
  });
});

describe('PDF streams behind text encodings', () => {
  it('a deflate bomb written as hex or base-85 text is measured through the encoding', async () => {
    const { checkDecodedSizes } = await import('../src/extract/pdf-limits.js');
    const { deflateSync } = await import('node:zlib');
    const limits = { stream: 8 * 1024 * 1024, total: 12 * 1024 * 1024 };
    const deflated = deflateSync(Buffer.alloc(9 * 1024 * 1024, 0x20));
    const hex = Buffer.from(`${deflated.toString('hex')}>`, 'latin1');
    // base 85 by hand: each 4 bytes → 5 digits '!' + d (the deflate output is not a multiple of 4: pad and say so in the length)
    const padded = Buffer.concat([deflated, Buffer.alloc((4 - (deflated.length % 4)) % 4)]);
    let a85 = '';
    for (let i = 0; i < padded.length; i += 4) {
      let v = padded.readUInt32BE(i);
      const digits: string[] = [];
      for (let k = 0; k < 5; k++) {
        digits.unshift(String.fromCharCode(0x21 + (v % 85)));
        v = Math.floor(v / 85);
      }
      a85 += digits.join('');
    }
    const pdfWith = (filters: string, data: Buffer) =>
      new Uint8Array(Buffer.concat([Buffer.from(`%PDF-1.4\n3 0 obj\n<< /Filter ${filters} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream\nendobj\n')]));
    expect(() => checkDecodedSizes(pdfWith('[/AHx /Fl]', hex), limits)).toThrow(/its stream 3 decodes to more than 8 MB/);
    expect(() => checkDecodedSizes(pdfWith('[/ASCII85Decode /FlateDecode]', Buffer.from(`${a85}~>`, 'latin1')), limits)).toThrow(/its stream 3 decodes to more than 8 MB/);
  });
});
