import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { builtScript } from '../built-script.js';

/**
 * Checkpoints of the write-ahead log in a thread of their own.
 *
 * In WAL mode a commit appends pages to the log; a checkpoint copies them
 * into the database file and syncs both to disk, after which the log starts
 * over. Done by the writer (SQLite's automatic checkpoint), that copy and its
 * two fsyncs took 0.7–0.8 ms a document of the single writer's time, most of
 * it waiting on the disk (measured: 700 ms a checkpoint of 64 MB, 200 ms of
 * it CPU). Here another connection, in a worker thread, copies the log every
 * CHECKPOINT_EVERY_MS while the writer goes on. The log can start over only
 * once everything in it is copied, which a checkpointer running beside a
 * busy writer seldom sees; so once the log is RESTART_FRAMES long the writer
 * copies the little that is left itself, after a commit, and its next commit
 * starts the log over.
 *
 * Durability is SQLite's own: a checkpoint syncs the log before copying it and
 * the database before the log is reused, whichever connection runs it.
 */

/** Indexes into the flags shared with the checkpoint thread. */
export const CheckpointFlag = {
  /** Set by the writer: the thread should close its connection and end. */
  Stop: 0,
  /** Set by the thread: the log is long enough to be started over. */
  RestartWanted: 1,
  /** Set by the thread once its connection is closed. */
  Closed: 2,
} as const;

export interface CheckpointWorkerData {
  path: string;
  flags: Int32Array;
  everyMs: number;
  restartFrames: number;
}

/** Pages in the log (4 KB each: 64 MB) before it is started over; SQLite's own default is 1,000. */
export const RESTART_FRAMES = 16384;
const CHECKPOINT_EVERY_MS = 100;

export interface CheckpointOptions {
  /** How often the thread copies the log (default 100 ms). */
  everyMs?: number;
  /** The log's length in pages at which it is started over (default RESTART_FRAMES). */
  restartFrames?: number;
}

/** How long closing waits for a checkpoint in progress to end. */
const CLOSE_WAIT_MS = 60_000;

export class BackgroundCheckpoints {
  private readonly flags = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  private failed = false;

  constructor(
    private readonly db: Database.Database,
    path: string,
    options: CheckpointOptions = {},
  ) {
    const workerData: CheckpointWorkerData = {
      path,
      flags: this.flags,
      everyMs: options.everyMs ?? CHECKPOINT_EVERY_MS,
      restartFrames: options.restartFrames ?? RESTART_FRAMES,
    };
    db.pragma('wal_autocheckpoint = 0');
    // without the thread, the writer checkpoints as before: nothing is lost, it is only slower
    let worker: Worker;
    try {
      worker = new Worker(builtScript('store/checkpoint-worker.js'), { workerData });
    } catch {
      this.fallBack();
      return;
    }
    worker.on('error', () => this.fallBack());
    worker.on('exit', () => {
      if (Atomics.load(this.flags, CheckpointFlag.Stop) === 0) this.fallBack();
    });
    worker.unref();
  }

  private fallBack(): void {
    if (this.failed || !this.db.open) return;
    this.failed = true;
    this.db.pragma(`wal_autocheckpoint = ${RESTART_FRAMES}`);
  }

  /** After each commit of the writer: copies the rest of a long log, so that the next commit starts it over. */
  afterCommit(): void {
    if (Atomics.load(this.flags, CheckpointFlag.RestartWanted) === 0) return;
    const [result] = this.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    if (result.busy === 0 && result.checkpointed === result.log) Atomics.store(this.flags, CheckpointFlag.RestartWanted, 0);
  }

  /**
   * Ends the thread and waits until its connection is closed: the writer's
   * connection must be the last to close, for SQLite then copies what is left
   * of the log into the database file and removes the log.
   */
  close(): void {
    Atomics.store(this.flags, CheckpointFlag.Stop, 1);
    Atomics.notify(this.flags, CheckpointFlag.Stop);
    if (!this.failed) Atomics.wait(this.flags, CheckpointFlag.Closed, 0, CLOSE_WAIT_MS);
  }
}
