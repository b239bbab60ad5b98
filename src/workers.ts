import { Worker } from 'node:worker_threads';
import { builtScript } from './built-script.js';
import { failedDocument, type SourceInfo } from './pipeline.js';
import { documentRows, type DocumentRows } from './store/rows.js';

/**
 * A pool of worker threads running the pipeline on documents. A document
 * that takes longer than the time limit is abandoned: its worker is ended
 * and replaced, and the document comes back failed with the reason.
 */

interface Task {
  id: number;
  path: string;
  bytes: Uint8Array;
  docId?: string;
  source?: SourceInfo;
  resolve: (rows: DocumentRows) => void;
}

interface Slot {
  worker: Worker;
  /** Sent to the worker, in the order it reads them: the first is the one being read. */
  tasks: Task[];
  /** The time limit of the first task. */
  timer?: NodeJS.Timeout;
}

/**
 * Documents handed to a worker ahead of the one it reads: it starts the next
 * as soon as it posts a result, instead of idling until the main thread,
 * busy writing the previous document, gets to that message.
 */
const TASKS_PER_WORKER = 2;

/**
 * The most memory (MB) a worker's JavaScript heap may take. Far above what
 * any disclosure needs (reading a text document peaks at about 40 MB of
 * heap; a 33-page PDF at 52 MB, the same joined ten times over, 330 pages,
 * at 58 MB), so only a runaway document reaches it, and it is then refused
 * with that reason instead of taking the machine's memory.
 *
 * Giving V8 a limit also changes how it sizes the heap: without one it lets
 * a worker's old generation grow to some 90 MB before its first full
 * collection, with one it collects early and stays near 60 MB. That
 * difference was most of why a run of 10,000 documents peaked higher than
 * one of 1,000. (So it was measured at 1024; at 2048 V8 sized the heap as
 * with no limit.)
 */
export const WORKER_HEAP_MB = 1024;

export interface WorkerPoolOptions {
  /** A document taking longer is abandoned and recorded as failed. */
  timeLimitMs: number;
  /** A document needing a larger heap is abandoned and recorded as failed (default WORKER_HEAP_MB). */
  heapLimitMb?: number;
  /** The worker script (tests give one of their own). */
  script?: URL;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private readonly timeLimitMs: number;
  private readonly heapLimitMb: number;
  private readonly script: URL;
  private nextId = 0;
  private closed = false;

  constructor(
    readonly size: number,
    options: WorkerPoolOptions,
  ) {
    this.timeLimitMs = options.timeLimitMs;
    this.heapLimitMb = options.heapLimitMb ?? WORKER_HEAP_MB;
    this.script = options.script ?? builtScript('ingest-worker.js');
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(this.script, {
      resourceLimits: { maxOldGenerationSizeMb: this.heapLimitMb },
      // a worker inherits the process's flags, and refuses --input-type (a caller run by `node -e`)
      execArgv: process.execArgv.filter((flag) => !flag.startsWith('--input-type')),
    });
    const slot: Slot = { worker, tasks: [] };
    slot.worker.on('message', ({ id, rows }: { id: number; rows: DocumentRows }) => {
      if (slot.tasks[0]?.id === id) this.finish(slot, rows);
    });
    slot.worker.on('error', (error: Error & { code?: string }) => {
      // the worker ended: that document fails, the pool goes on with a new worker
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        const reason = `reading this file needed more than ${this.heapLimitMb} MB of memory and was abandoned (a damaged or unusually large document?)`;
        this.abandon(slot, reason, 'memory-limit');
      } else {
        this.abandon(slot, `yusuan could not read this file (internal error: ${error.message}); please report it with the file`, 'internal-error');
      }
    });
    slot.worker.unref();
    return slot;
  }

  private finish(slot: Slot, rows: DocumentRows): void {
    clearTimeout(slot.timer);
    const task = slot.tasks.shift()!;
    this.startClock(slot);
    task.resolve(rows);
    this.pump();
  }

  /** The first task's time limit runs from when the worker turns to it. */
  private startClock(slot: Slot): void {
    slot.timer = undefined;
    if (slot.tasks.length === 0) return;
    slot.timer = setTimeout(() => {
      const seconds = this.timeLimitMs / 1000;
      this.abandon(slot, `reading this file took longer than ${seconds} s and was abandoned (a damaged or unusually large document?)`, 'time-limit');
    }, this.timeLimitMs);
  }

  /**
   * Ends a worker that hangs or crashed: the document it was reading fails,
   * those queued behind it go back to the front of the line. Its slot gets a
   * new worker before anything else is handed out, so that no other
   * document waits on the one that is stuck.
   */
  private abandon(slot: Slot, reason: string, rule: string): void {
    clearTimeout(slot.timer);
    const [task, ...queued] = slot.tasks;
    slot.tasks = [];
    void slot.worker.terminate();
    this.waiting.unshift(...queued);
    const index = this.slots.indexOf(slot);
    if (index >= 0 && !this.closed) this.slots[index] = this.spawn();
    else if (index >= 0) this.slots.splice(index, 1);
    if (task) task.resolve(failedResult(task, reason, rule));
    if (!this.closed) this.pump();
  }

  private pump(): void {
    for (let depth = 1; depth <= TASKS_PER_WORKER; depth++) {
      // every worker gets one document before any gets a second, and a second only while
      // more wait than there are workers: the last ones of a run go to whichever worker is
      // free, not behind a slow one
      if (depth > 1 && this.waiting.length <= this.slots.length) return;
      for (const slot of this.slots) {
        if (slot.tasks.length >= depth || this.waiting.length === 0) continue;
        const task = this.waiting.shift()!;
        slot.tasks.push(task);
        if (slot.tasks.length === 1) this.startClock(slot);
        // a copy the worker owns: the caller's buffer may be a view into a shared pool
        const bytes = new Uint8Array(task.bytes); // copies (Buffer#slice would not)
        slot.worker.postMessage({ id: task.id, path: task.path, bytes, docId: task.docId, source: task.source }, [bytes.buffer]);
      }
    }
  }

  /** The rows the store writes for the document (see rows.ts). */
  run(bytes: Uint8Array, path: string, docId?: string, source?: SourceInfo): Promise<DocumentRows> {
    return new Promise((resolve) => {
      this.waiting.push({ id: this.nextId++, path, bytes, docId, source, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

const failedResult = (task: Task, reason: string, rule: string) =>
  documentRows({ ...failedDocument(task.path, task.bytes, reason, rule, 'extract', task.docId), source: task.source });
