import Database from 'better-sqlite3';
import { workerData } from 'node:worker_threads';
import { CheckpointFlag, type CheckpointWorkerData } from './checkpoints.js';

/** The checkpoint thread of a store being written (see checkpoints.ts). */
const { path, flags, everyMs, restartFrames } = workerData as CheckpointWorkerData;

const db = new Database(path, { fileMustExist: true });
try {
  // a checkpoint syncs the log before copying it and the database before the log is reused
  db.pragma('synchronous = NORMAL');
  while (Atomics.load(flags, CheckpointFlag.Stop) === 0) {
    Atomics.wait(flags, CheckpointFlag.Stop, 0, everyMs);
    // PASSIVE: copies what it can without waiting on the writer (and without its busy handler)
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    if (log >= restartFrames) Atomics.store(flags, CheckpointFlag.RestartWanted, 1);
  }
} finally {
  db.close();
  Atomics.store(flags, CheckpointFlag.Closed, 1);
  Atomics.notify(flags, CheckpointFlag.Closed);
}
