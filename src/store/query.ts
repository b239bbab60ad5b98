import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { builtScript } from '../built-script.js';
import { alignedTable } from '../cli/format.js';
import { csvLine } from './csv.js';

/**
 * `yusuan query`: a user's SELECT over the store, bounded in time, rows and
 * memory. SQLite here has no progress handler to stop a statement with, so
 * the statement runs in a process of its own (query-child.ts), killed when
 * its time is up: a runaway query (a recursive CTE without end) stops
 * whatever it is doing.
 */

export interface QueryOptions {
  db: string;
  sql: string;
  csv: boolean;
  /** Rows of the aligned table at most; CSV writes them all. */
  maxRows: number;
  timeoutMs: number;
}

/** SQLite's memory for the query, at most (sorts larger than this go to temporary files). */
export const QUERY_MEMORY_BYTES = 1024 * 1024 * 1024;

/** What the child writes at most in one write to stdout. */
const CHUNK = 64 * 1024;

/** Runs the statement and writes its rows to stdout (fd 1): the aligned table, up to maxRows, or CSV. */
export function writeQueryRows(statement: Database.Statement, options: Pick<QueryOptions, 'csv' | 'maxRows'>): void {
  const columns = statement.columns().map((c) => c.name);
  const rows = statement.raw(true).iterate() as IterableIterator<unknown[]>;
  if (options.csv) {
    let chunk = csvLine(columns);
    for (const row of rows) {
      chunk += csvLine(row);
      if (chunk.length >= CHUNK) {
        writeSync(1, chunk);
        chunk = '';
      }
    }
    writeSync(1, chunk);
    return;
  }
  const shown: unknown[][] = [];
  let more = false;
  for (const row of rows) {
    if (shown.length === options.maxRows) {
      more = true;
      break;
    }
    shown.push(row);
  }
  const count = more
    ? `(the first ${shown.length} rows; the query gives more: --max-rows N shows more, --csv writes them all)`
    : `(${shown.length} row${shown.length === 1 ? '' : 's'})`;
  writeSync(1, `${alignedTable(columns, shown)}\n${count}\n`);
}

/**
 * Runs the query in a child process; resolves to its exit status. After
 * timeoutMs the child is killed and the status is 1, with a line saying so.
 */
export function runQueryWithin(options: QueryOptions): Promise<number> {
  const script = fileURLToPath(builtScript('store/query-child.js'));
  const child = spawn(process.execPath, [script, JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (timedOut) {
        process.stderr.write(`yusuan query: stopped after ${options.timeoutMs / 1000} s (--timeout); what was printed is not the whole result\n`);
        resolve(1);
      } else resolve(code ?? 1);
    });
  });
}
