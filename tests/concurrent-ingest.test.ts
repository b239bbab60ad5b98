import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { query, ROOT, tempDir } from './helpers/run.js';

const BIN = join(ROOT, 'bin', 'yusuan.js');
const DOCUMENTS = 500;

/** Runs a command to its end, without blocking the other one started beside it. */
function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('two ingests into one store at once', () => {
  it('wait for each other and lose nothing: each of half of a 500-document corpus, all 500 stored', async () => {
    const work = tempDir('yusuan-concurrent-');
    const corpus = join(work, 'corpus');
    const made = spawnSync(process.execPath, [join(ROOT, 'scripts', 'synth-corpus.mjs'), '--out', corpus, '--count', String(DOCUMENTS), '--seed', '16', '--formats', 'txt'], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const halves = [join(work, 'first'), join(work, 'second')];
    for (const half of halves) mkdirSync(half);
    const files = readdirSync(corpus).filter((f) => f.endsWith('.txt')).sort();
    expect(files).toHaveLength(DOCUMENTS);
    files.forEach((f, i) => renameSync(join(corpus, f), join(halves[i % 2], f)));

    // a new store: both create its schema at the same moment, too
    const db = join(work, 'one.sqlite');
    const runs = await Promise.all(halves.map((half) => run([BIN, 'ingest', half, '--db', db, '--workers', '1'])));
    for (const r of runs) {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/ok\s+250 document\(s\)/);
      expect(r.stdout).toMatch(/failed\s+0 document\(s\)/);
    }
    expect(query(db, 'SELECT status, count(*) AS n FROM documents GROUP BY status')).toEqual([{ status: 'ok', n: DOCUMENTS }]);
    expect(query(db, 'SELECT count(DISTINCT source_file) AS n FROM documents')).toEqual([{ n: DOCUMENTS }]);
    // every document whole: none without its line items
    expect(query(db, 'SELECT count(*) AS n FROM documents d WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.doc_key = d.doc_key)')).toEqual([{ n: 0 }]);
  }, 240_000);
});
