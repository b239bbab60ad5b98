import { parentPort } from 'node:worker_threads';
import { failedDocument, processToRows, type SourceInfo } from './pipeline.js';
import { documentRows, type DocumentRows } from './store/rows.js';

/**
 * A worker thread of the ingest: runs the CPU-bound stages (extract →
 * recognize → normalize → validate) on one document at a time and posts
 * back the rows the store writes for it; the main thread is the single
 * writer to SQLite.
 */
type Request = { id: number; path: string; bytes: Uint8Array; docId?: string; source?: SourceInfo };

// documents are read one at a time, in the order sent: the pool sends the next
// before this one is done, and times the first of those it sent
const queue: Request[] = [];
let reading = false;

async function readQueued(): Promise<void> {
  reading = true;
  for (let request = queue.shift(); request; request = queue.shift()) {
    const { id, path, bytes, docId, source } = request;
    // rows, not the whole result: cloning the result's object graph back would cost the writer more than writing it
    let rows: DocumentRows;
    try {
      // the bytes were transferred to this thread: no copy (a 200 MB file would be held twice)
      rows = await processToRows(bytes, path, docId, source);
    } catch (e) {
      // processToRows catches what the pipeline throws; this is for what escapes it, still the document's reason
      const reason = `yusuan could not read this file (internal error: ${(e as Error)?.message ?? String(e)}); please report it with the file`;
      rows = documentRows({ ...failedDocument(path, bytes, reason, 'internal-error', 'internal', docId), source });
    }
    parentPort!.postMessage({ id, rows });
  }
  reading = false;
}

parentPort!.on('message', (request: Request) => {
  queue.push(request);
  if (!reading) void readQueued();
});
