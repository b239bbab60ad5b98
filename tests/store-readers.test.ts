import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestInto, ROOT, SEEDS, tempDir } from './helpers/run.js';

const BIN = join(ROOT, 'bin', 'yusuan.js');

function yusuan(args: string[], as?: 'nobody') {
  const [command, prefix] = as ? ['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath]] : [process.execPath, []];
  const r = spawnSync(command, [...prefix, BIN, ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Root writes wherever it likes, whatever the permissions, so a folder
 * read-only to it is not one to test in: the readers run as nobody, to
 * whom a folder of mode 555 is read-only indeed.
 */
const canDropToNobody = process.getuid?.() === 0 && spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'true']).status === 0;

/** What every reader is asked, with what it must print. */
const READS: [args: (db: string) => string[], expected: RegExp][] = [
  [(db) => ['query', '--db', db, '--csv', 'SELECT count(*) AS n FROM line_items'], /^n\r\n1009\r\n$/],
  [(db) => ['export', '--db', db, '--dataset', 'documents'], /000_313ba343419bd952\.txt/],
  [(db) => ['validate', '--db', db], /5 document\(s\): 5 ok, 0 read in part, 0 failed; 0 check error\(s\), 15 rounding/],
];

describe('readers never write', () => {
  let store: string;

  beforeAll(async () => {
    store = join(tempDir(), 'seeds.sqlite');
    await ingestInto(store, [SEEDS]);
  });

  it('leave no file beside a store in a writable folder', () => {
    const dir = tempDir();
    const db = join(dir, 'store.sqlite');
    copyFileSync(store, db);
    for (const [args, expected] of READS) {
      const r = yusuan(args(db));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(expected);
      expect(readdirSync(dir), args(db)[0]).toEqual(['store.sqlite']);
    }
  });

  describe.skipIf(!canDropToNobody)('in a folder read-only to the reader (run as nobody)', () => {
    const dirs: string[] = [];
    afterAll(() => {
      for (const dir of dirs) chmodSync(dir, 0o755);
    });

    const readOnlyCopy = (walMode: boolean) => {
      const dir = tempDir();
      const db = join(dir, 'store.sqlite');
      copyFileSync(store, db);
      if (walMode) {
        // as a writer that could not leave WAL mode (another connection was open) leaves it: the mode is in the file
        const conn = new Database(db);
        conn.pragma('journal_mode = WAL');
        conn.close();
        expect(readFileSync(db)[18]).toBe(2);
      }
      chmodSync(dir, 0o555);
      dirs.push(dir);
      return { dir, db };
    };

    it.each([
      ['as an ingest leaves it', false],
      ['in WAL mode', true],
    ])('read a store %s, and leave no file', (_, walMode) => {
      const { dir, db } = readOnlyCopy(walMode);
      const bytes = readFileSync(db);
      // the folder really is read-only to nobody
      expect(spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'touch', join(dir, 'x')]).status).not.toBe(0);
      for (const [args, expected] of READS) {
        const r = yusuan(args(db), 'nobody');
        expect(r.status, `${args(db)[0]}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(expected);
      }
      expect(readdirSync(dir)).toEqual(['store.sqlite']);
      expect(readFileSync(db).equals(bytes)).toBe(true);
    });
  });
});

describe('a writer', () => {
  it("refuses another program's SQLite file, and leaves it as it was", () => {
    const dir = tempDir();
    const db = join(dir, 'other.sqlite');
    const conn = new Database(db);
    conn.exec("CREATE TABLE contacts (name TEXT, phone TEXT); INSERT INTO contacts VALUES ('张三', '123')");
    conn.close();
    const bytes = readFileSync(db);
    const r = yusuan(['ingest', SEEDS, '--db', db]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`yusuan ingest: ${db} is a SQLite database of another program, not a yusuan store (it has no yusuan schema version); it was left as it is: give --db a new file, or a database yusuan made\n`);
    expect(readFileSync(db).equals(bytes)).toBe(true);
    expect(readdirSync(dir)).toEqual(['other.sqlite']);
  });

  it('refuses a file that is not SQLite at all in one line', () => {
    const db = join(tempDir(), 'notes.sqlite');
    writeFileSync(db, 'these are my notes, not a database\n'.repeat(200));
    const r = yusuan(['ingest', SEEDS, '--db', db]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`yusuan ingest: ${db} is not a SQLite database: give --db a new file, or a database yusuan made\n`);
    expect(readFileSync(db, 'utf8')).toBe('these are my notes, not a database\n'.repeat(200));
  });
});
