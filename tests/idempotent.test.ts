import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportRows, ingestInto, query, SEEDS, tempDb, tempDir } from './helpers/run.js';

describe('re-running an ingest', () => {
  it('leaves the same rows, and says the documents were unchanged', async () => {
    const db = tempDb();
    const first = await ingestInto(db, [SEEDS]);
    const before = exportRows(db);
    const second = await ingestInto(db, [SEEDS]);
    const after = exportRows(db);
    expect(first.ok).toBe(5);
    expect(second.unchanged).toBe(5);
    expect(second.ok).toBe(0);
    expect(after).toEqual(before);
    expect(query<{ n: number }>(db, 'SELECT count(*) AS n FROM documents')[0].n).toBe(5);
  });

  it('with --force reads again and still leaves the same rows', async () => {
    const db = tempDb();
    await ingestInto(db, [SEEDS]);
    const before = exportRows(db);
    const again = await ingestInto(db, [SEEDS], { force: true });
    expect(again.ok).toBe(5);
    expect(exportRows(db)).toEqual(before);
  });

  it('stores a file present twice under two names once', async () => {
    const dir = tempDir();
    const seed = join(SEEDS, '004_bd07757d433d15de.txt');
    copyFileSync(seed, join(dir, 'a.txt'));
    copyFileSync(seed, join(dir, 'b.txt'));
    const db = tempDb();
    const summary = await ingestInto(db, [dir]);
    expect(summary.ok).toBe(1);
    expect(summary.outcomes.find((o) => o.path.endsWith('b.txt'))?.duplicateOf).toMatch(/a\.txt$/);
    expect(new Set(exportRows(db).map((r) => r.source_file))).toEqual(new Set(['a.txt']));
  });
});
