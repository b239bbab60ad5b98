import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.js';
import { ingestInto, SEEDS, tempDb } from './helpers/run.js';

/**
 * Views change without a schema version (they hold no data), and a writer
 * makes them anew in the file; a reader cannot write, so a store last
 * written by an older yusuan of the same schema would show that yusuan's
 * views — amounts as text, say. A reader gets this yusuan's views for its
 * own connection.
 */
describe('a reader sees the views of this yusuan, whoever wrote the file', () => {
  let db: string;
  beforeAll(async () => {
    db = tempDb();
    await ingestInto(db, [join(SEEDS, '000_313ba343419bd952.txt')], { workers: 0 });
    // what an older yusuan of schema 7 left in the file: amounts as text
    const old = new Database(db);
    old.exec(`DROP VIEW line_items;
      CREATE VIEW line_items AS SELECT d.doc_id, printf('%.2f', i.amount_fen / 100.0) AS amount_yuan
      FROM items i JOIN documents d ON d.doc_key = i.doc_key;`);
    old.close();
  });

  it('the file really holds the old view (the test is not empty)', () => {
    const raw = new Database(db, { readonly: true });
    const types = raw.prepare('SELECT DISTINCT typeof(amount_yuan) AS t FROM line_items').all() as { t: string }[];
    raw.close();
    expect(types).toEqual([{ t: 'text' }]);
  });

  it('a read-only Store compares amounts as numbers', () => {
    const store = Store.open(db, { readonly: true });
    try {
      const types = store.db.prepare('SELECT DISTINCT typeof(amount_yuan) AS t FROM line_items').all() as { t: string }[];
      expect(types).toEqual([{ t: 'real' }]);
      // as text, '99…' sorts above '371…'; as numbers it does not
      const { over } = store.db.prepare('SELECT count(*) AS over FROM line_items WHERE amount_yuan > 1000000000').get() as { over: number };
      expect(over).toBe(0);
      const { max_fen } = store.db.prepare('SELECT max(amount_fen) AS max_fen FROM line_items').get() as { max_fen: number };
      expect(max_fen).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  });
});
