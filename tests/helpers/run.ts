import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingest, type IngestOptions, type IngestSummary } from '../../src/ingest.js';
import { writeDataPackage } from '../../src/store/datapackage.js';
import { DATASETS, datasetCsv } from '../../src/store/datasets.js';
import { Store } from '../../src/store/store.js';
import { parseCsv } from './gold.js';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const SEEDS = join(ROOT, 'corpus', 'seeds');

export function tempDir(prefix = 'yusuan-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function tempDb(): string {
  return join(tempDir(), 'test.sqlite');
}

/** A dataset of a store, as the CSV export writes it, parsed back. */
export function exportRows(db: string, dataset = 'line_items'): Record<string, string>[] {
  const store = Store.open(db, { readonly: true });
  try {
    return parseCsv([...datasetCsv(store.db, DATASETS[dataset])].join(''));
  } finally {
    store.close();
  }
}

export async function ingestInto(db: string, paths: string[], options: Partial<IngestOptions> = {}): Promise<IngestSummary> {
  return ingest(paths, { db, concurrency: 2, ...options });
}

export function query<T = Record<string, unknown>>(db: string, sql: string, ...params: unknown[]): T[] {
  const store = Store.open(db, { readonly: true });
  try {
    return store.db.prepare(sql).all(...params) as T[];
  } finally {
    store.close();
  }
}

/** The folder of a data package exported from the seeds and the HTML and DOCX fixtures (for the datapackage tests). */
export async function sampleDataPackage(): Promise<string> {
  const db = tempDb();
  await ingestInto(db, [SEEDS, join(ROOT, 'corpus/fixtures/html'), join(ROOT, 'corpus/fixtures/docx')]);
  const dir = tempDir();
  const store = Store.open(db, { readonly: true });
  try {
    await writeDataPackage(store.db, dir);
  } finally {
    store.close();
  }
  return dir;
}
