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
  const seed = join(ROOT, 'corpus', 'seeds', '000_313ba343419bd952.txt');
  const runs: Record<string, Run> = {};

  beforeAll(() => {
    // small on disk: what makes them bombs is the ratio
    expect(writePdfBomb(pdf, GIB)).toBeLessThan(1.2 * 1024 * 1024);
    expect(writeDocxBomb(docx, GIB)).toBeLessThan(1.2 * 1024 * 1024);
    runs.two = ingestInChild([pdf, docx, seed], 2);
    runs.zero = ingestInChild([pdf, docx, seed], 0);
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
    // outcomes: 'all' lists the seed too
    expect(byPath(seed)).toMatchObject({ status: 'ok' });
  });

  it.each(['two', 'zero'])('with %s workers: the peak RSS of the run stays under 1 GB', (mode) => {
    expect(runs[mode].maxRssMb).toBeGreaterThan(30);
    expect(runs[mode].maxRssMb).toBeLessThan(1000);
  });
});
