import { parentPort } from 'node:worker_threads';
import { processBytes } from './pipeline.js';

/**
 * A worker thread of the ingest: runs the CPU-bound stages (extract →
 * recognize → normalize → validate) on one document at a time and posts the
 * result back; the main thread is the single writer to SQLite.
 */
parentPort!.on('message', async ({ id, path, bytes, docId }: { id: number; path: string; bytes: Uint8Array; docId?: string }) => {
  const result = await processBytes(new Uint8Array(bytes), path, docId);
  // the recognized tables are an intermediate the store does not need: not worth cloning back
  result.recognized = undefined;
  parentPort!.postMessage({ id, result });
});
