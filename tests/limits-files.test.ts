import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsPath, nameFromBytes, shownPath } from '../src/file-names.js';
import { listFiles } from '../src/ingest.js';
import { readDocumentFile } from '../src/read-file.js';
import { ingestInto, query, SEEDS, tempDb, tempDir } from './helpers/run.js';

const SEED_000 = join(SEEDS, '000_313ba343419bd952.txt');

/** Issue 16, items 2 and 6: files are judged by type and size before they are opened or read. */
describe('reading files: type and size before a byte is read', () => {
  it('refuses a FIFO named on the command line at once, instead of waiting for a writer', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'pipe.txt');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(dir, 'good.txt'), '部门预算收支总表\n');
    const started = performance.now();
    const summary = await ingestInto(tempDb(), [fifo, join(dir, 'good.txt')]);
    expect(performance.now() - started).toBeLessThan(20_000);
    const pipe = summary.outcomes.find((o) => o.path === fifo)!;
    expect(pipe.status).toBe('failed');
    expect(pipe.error).toBe('the path is a FIFO (named pipe), not a regular file; yusuan reads documents from files only, so it was not opened');
    // the run went on to the next file
    expect(summary.outcomes.find((o) => o.path.endsWith('good.txt'))!.error).toMatch(/no standard budget table/);
  });

  it('refuses the zero device by its type (reading it would never end)', () => {
    expect(readDocumentFile('/dev/zero')).toEqual({
      reason: 'the path is a character device, not a regular file; yusuan reads documents from files only, so it was not opened',
      rule: 'not-a-file',
    });
  });

  it('refuses a 1.9 GB sparse file by its size, without reading it', () => {
    const file = join(tempDir(), 'sparse.pdf');
    writeFileSync(file, '%PDF-1.4\n');
    truncateSync(file, 1900 * 1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const read = readDocumentFile(file);
    expect(read).toEqual({
      reason: 'the file is 1900 MB, larger than 200 MB, more than a budget disclosure plausibly is; it was not read',
      rule: 'file-too-large',
    });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it('reads a regular file whole', () => {
    const read = readDocumentFile(SEED_000);
    expect('bytes' in read && read.bytes.length).toBe(43_194); // wc -c
  });
});

describe('file names that are not UTF-8', () => {
  // 部门 in GBK: B2 BF C3 C5 (none of it valid UTF-8); é in Latin-1: E9
  const gbk = Buffer.from([0xb2, 0xbf, 0xc3, 0xc5]);

  it('keep their bytes through a string, and are shown with each such byte escaped', () => {
    const name = nameFromBytes(Buffer.concat([Buffer.from('预算'), gbk, Buffer.from('.txt')]));
    expect(shownPath(name)).toBe('预算\\xB2\\xBF\\xC3\\xC5.txt');
    expect(fsPath(name)).toEqual(Buffer.concat([Buffer.from('预算'), gbk, Buffer.from('.txt')]));
    // GBK that happens to be valid UTF-8 (预 is D4 A4, U+0524 in UTF-8) cannot be told apart: only the invalid bytes are escaped
    expect(shownPath(nameFromBytes(Buffer.from([0xd4, 0xa4, 0xcb, 0xe3])))).toBe('\u0524\\xCB\\xE3');
    // a UTF-8 name is left as it is
    expect(nameFromBytes(Buffer.from('部门预算.txt'))).toBe('部门预算.txt');
    expect(fsPath('部门预算.txt')).toBe('部门预算.txt');
    expect(shownPath(nameFromBytes(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x68, 0x74, 0x6d, 0x6c])))).toBe('caf\\xE9.html');
  });

  it('files named in GBK and Latin-1 in a folder are read and stored under the escaped name', async () => {
    const dir = tempDir();
    const gbkName = Buffer.concat([Buffer.from(join(dir, '/')), gbk, Buffer.from('.txt')]);
    const latin1Name = Buffer.concat([Buffer.from(join(dir, '/')), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from('.txt')]);
    copyFileSync(SEED_000, gbkName);
    copyFileSync(SEED_000, latin1Name);
    // the second has the same bytes as the first: make it differ
    writeFileSync(latin1Name, '部门预算收支总表\n');
    expect(readdirSync(dir)).toHaveLength(2);
    const files = await listFiles([dir]);
    expect(files.map(shownPath).sort()).toEqual([join(dir, '\\xB2\\xBF\\xC3\\xC5.txt'), join(dir, 'caf\\xE9.txt')]);
    const db = tempDb();
    const summary = await ingestInto(db, [dir]);
    const byName = (n: string) => summary.outcomes.find((o) => o.path === join(dir, n))!;
    expect(byName('\\xB2\\xBF\\xC3\\xC5.txt')).toMatchObject({ status: 'ok', lineItems: 200 });
    expect(byName('caf\\xE9.txt').error).toMatch(/no standard budget table/);
    expect(query(db, 'SELECT source_file, status FROM documents ORDER BY source_file')).toEqual([
      { source_file: '\\xB2\\xBF\\xC3\\xC5.txt', status: 'ok' },
      { source_file: 'caf\\xE9.txt', status: 'failed' },
    ]);
  });
});
