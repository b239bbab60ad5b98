import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
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

  it("keeps only the outcomes worth telling when asked, with the same counts as when it keeps all", async () => {
    const dir = tempDir();
    for (const name of readdirSync(SEEDS)) copyFileSync(join(SEEDS, name), join(dir, name));
    copyFileSync(join(SEEDS, '000_313ba343419bd952.txt'), join(dir, 'copy.txt'));
    writeFileSync(join(dir, 'broken.txt'), 'not a budget disclosure');
    const all = await ingestInto(tempDb(), [dir]);
    const notable = await ingestInto(tempDb(), [dir], { outcomes: 'notable' });
    const counts = ({ outcomes, elapsedMs, ...rest }: typeof all) => rest;
    expect(counts(notable)).toEqual(counts(all));
    expect(all).toMatchObject({ files: 7, ok: 5, failed: 1, unchanged: 1, duplicates: 1 });
    expect(all.checks.rounding).toBeGreaterThan(0); // 004's published rounding
    const worthTelling = all.outcomes.filter(
      (o) => o.status === 'failed' || o.duplicateOf !== undefined || (o.checks && o.checks.error > 0) || o.warnings > 0,
    );
    expect(notable.outcomes.map((o) => o.path)).toEqual(worthTelling.map((o) => o.path));
    // 004 differs from itself only by its published rounding: not a thing to look at
    expect(notable.outcomes.map((o) => o.path.split('/').pop())).toEqual(['broken.txt', 'copy.txt']);
  });
});
