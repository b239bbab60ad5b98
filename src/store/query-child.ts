import { writeQueryRows, QUERY_MEMORY_BYTES, type QueryOptions } from './query.js';
import { Store, StoreError } from './store.js';

/** The process running one `yusuan query` (see query.ts): killed by its parent when its time is up. */
const options = JSON.parse(process.argv[2]) as QueryOptions;

function run(): number {
  let store: Store;
  try {
    store = Store.open(options.db, { readonly: true });
  } catch (e) {
    process.stderr.write(`yusuan query: ${e instanceof StoreError ? e.message : `cannot open the database ${options.db}: ${(e as Error).message}`}\n`);
    return 1;
  }
  try {
    store.db.pragma(`hard_heap_limit = ${QUERY_MEMORY_BYTES}`);
    const statement = store.db.prepare(options.sql);
    if (!statement.reader) throw new Error('query only reads: use a SELECT (or WITH … SELECT) statement');
    writeQueryRows(statement, options);
    return 0;
  } catch (e) {
    const error = e as { code?: string; message: string };
    if (error.code === 'EPIPE') return 0; // `yusuan query … | head`
    const why = error.code === 'SQLITE_NOMEM' ? `it needs more than ${QUERY_MEMORY_BYTES / 2 ** 30} GB of memory` : error.message;
    process.stderr.write(`yusuan query: the query failed: ${why}\n`);
    return 1;
  } finally {
    store.close();
  }
}

process.exitCode = run();
