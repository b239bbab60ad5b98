import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestInto, ROOT, SEEDS, tempDir } from './helpers/run.js';

const BIN = join(ROOT, 'bin', 'yusuan.js');
const yusuan = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });

/** A query without end: counts the rows of a recursive CTE that never stops. */
const ENDLESS = 'WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r';

describe('yusuan query is bounded', () => {
  let db: string;
  beforeAll(async () => {
    db = join(tempDir(), 'seeds.sqlite');
    await ingestInto(db, [SEEDS]);
  });

  it('stops a query running longer than --timeout, and says so', () => {
    const started = Date.now();
    const run = yusuan('query', '--db', db, '--timeout', '2', ENDLESS);
    const seconds = (Date.now() - started) / 1000;
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('yusuan query: stopped after 2 s (--timeout); what was printed is not the whole result\n');
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(seconds).toBeLessThan(15);
  }, 30_000);

  it('prints at most --max-rows rows of the aligned table (1000 by default), and says there are more', () => {
    const three = yusuan('query', '--db', db, '--max-rows', '3', 'SELECT seq FROM items WHERE doc_key = 1 ORDER BY seq');
    expect(three.status, three.stderr).toBe(0);
    expect(three.stdout).toBe('seq\n---\n  0\n  1\n  2\n(the first 3 rows; the query gives more: --max-rows N shows more, --csv writes them all)\n');
    const all = yusuan('query', '--db', db, 'SELECT seq FROM items');
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(2 + 1000 + 1);
    expect(all.stdout).toMatch(/\(the first 1000 rows; /);
    const few = yusuan('query', '--db', db, '--max-rows', '3', 'SELECT count(*) AS n FROM items');
    expect(few.stdout).toBe('n\n----\n1009\n(1 row)\n');
  });

  it('writes every row as CSV', () => {
    const csv = yusuan('query', '--db', db, '--csv', 'SELECT seq FROM items');
    expect(csv.status).toBe(0);
    expect(csv.stdout.split('\r\n')).toHaveLength(1 + 1009 + 1);
  });

  it('refuses a bad --timeout, and a statement that writes, as usage errors', () => {
    expect(yusuan('query', '--db', db, '--timeout', '0', 'SELECT 1').status).toBe(2);
    const write = yusuan('query', '--db', db, 'DELETE FROM items');
    expect(write.status).toBe(2);
    expect(write.stderr).toMatch(/query only reads/);
  });
});
