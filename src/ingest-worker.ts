import { parentPort } from 'node:worker_threads';
import { processToRows, type SourceInfo } from './pipeline.js';

/**
 * A worker thread of the ingest: runs the CPU-bound stages (extract →
 * recognize → normalize → validate) on one document at a time and posts the
 * result back; the main thread is the single writer to SQLite.
 */
type Request = { id: number; path: string; bytes: Uint8Array; docId?: string; source?: SourceInfo };

parentPort!.on('message', async ({ id, path, bytes, docId, source }: Request) => {
  // rows, not the whole result: cloning the result's object graph back would cost the writer more than writing it
  const rows = await processToRows(new Uint8Array(bytes), path, docId, source);
  parentPort!.postMessage({ id, rows });
});
