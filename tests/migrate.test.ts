import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PIPELINE_VERSION } from '../src/pipeline.js';
import { MIGRATIONS, OLDEST_MIGRATABLE, stepsFrom } from '../src/store/migrate.js';
import { SCHEMA_VERSION } from '../src/store/schema.js';
import { Store } from '../src/store/store.js';
import { ingestInto, query, ROOT, SEEDS, tempDir } from './helpers/run.js';

const BIN = join(ROOT, 'bin', 'yusuan.js');
const V6 = join(ROOT, 'tests', 'fixtures', 'store-v6', 'seeds-v6.sqlite');

const yusuan = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });

/** The schema's text and the rows of documents and budget_tables. */
function contents(db: string) {
  const conn = new Database(db, { readonly: true });
  try {
    return {
      schema: conn.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all(),
      documents: conn.prepare('SELECT * FROM documents ORDER BY doc_key').all(),
      tables: conn.prepare('SELECT * FROM budget_tables ORDER BY doc_key, table_kind').all(),
    };
  } finally {
    conn.close();
  }
}

function copyOfV6(): string {
  const db = join(tempDir(), 'old.sqlite');
  copyFileSync(V6, db);
  return db;
}

const schemaVersion = (db: string) => {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();
  } finally {
    conn.close();
  }
};

describe('migration steps', () => {
  it('lead from every version since the oldest to this one (a bump of SCHEMA_VERSION needs its step)', () => {
    expect(OLDEST_MIGRATABLE).toBe(6);
    const steps = stepsFrom(OLDEST_MIGRATABLE);
    expect(steps.map((s) => s.from)).toEqual(Array.from({ length: SCHEMA_VERSION - OLDEST_MIGRATABLE }, (_, i) => OLDEST_MIGRATABLE + i));
    expect(() => stepsFrom(6, MIGRATIONS.filter((s) => s.from !== 6))).toThrow(/no migration step from schema 6 to 7/);
  });
});

describe('a store of schema 6', () => {
  it('is refused by readers with the exact command that upgrades it, and left as it was', () => {
    const db = copyOfV6();
    const bytes = readFileSync(db);
    const run = yusuan('query', '--db', db, 'SELECT count(*) FROM documents');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${db} is a store of schema 6, and this yusuan reads schema ${SCHEMA_VERSION}: upgrade it with \`yusuan migrate --db ${db}\``);
    expect(() => Store.open(db, { readonly: true })).toThrow(`upgrade it with \`yusuan migrate --db ${db}\``);
    expect(readFileSync(db).equals(bytes)).toBe(true);
  });

  it('is upgraded by `yusuan migrate` from its rows: headline figures from its line items, its tables read', () => {
    const db = copyOfV6();
    const run = yusuan('migrate', '--db', db);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${db}: upgraded from schema 6 to ${SCHEMA_VERSION}\n`);
    expect(schemaVersion(db)).toBe(String(SCHEMA_VERSION));
    expect(query(db, 'SELECT source_file, status, pipeline_version FROM documents ORDER BY source_file')).toEqual([
      { source_file: '000_313ba343419bd952.txt', status: 'ok', pipeline_version: '0.1.0' },
      { source_file: '004_bd07757d433d15de.txt', status: 'ok', pipeline_version: '0.1.0' },
      { source_file: 'truncated.docx', status: 'failed', pipeline_version: '0.1.0' },
    ]);
    // schema 8's PDF boxes are not known without the sources: empty, as for a text document
    expect(query(db, 'SELECT count(*) AS items, count(DISTINCT box) AS boxes, max(box) AS box FROM items')).toEqual([{ items: expect.any(Number), boxes: 1, box: '' }]);
    expect((query(db, 'SELECT count(*) AS n FROM items') as { n: number }[])[0].n).toBeGreaterThan(0);
    // the figures as the documents print them (table 1 收入总计, the 合计 rows of tables 3, 5, 6, 9)
    expect(
      query(
        db,
        `SELECT revenue_total_yuan, expenditure_total_yuan, basic_yuan, project_yuan, general_budget_yuan, personnel_yuan, public_yuan, three_public_yuan
         FROM documents_dataset ORDER BY source_file`,
      ),
    ).toEqual([
      {
        revenue_total_yuan: 20855000, expenditure_total_yuan: 20855000, basic_yuan: 10895000, project_yuan: 9960000,
        general_budget_yuan: 20855000, personnel_yuan: 9589700, public_yuan: 1305300, three_public_yuan: 2600,
      },
      {
        revenue_total_yuan: 7463300, expenditure_total_yuan: 7463300, basic_yuan: 2042500, project_yuan: 5420800,
        general_budget_yuan: 7463300, personnel_yuan: 1912400, public_yuan: 130000, three_public_yuan: null,
      },
      {
        revenue_total_yuan: null, expenditure_total_yuan: null, basic_yuan: null, project_yuan: null,
        general_budget_yuan: null, personnel_yuan: null, public_yuan: null, three_public_yuan: null,
      },
    ]);
    expect(query(db, 'SELECT status, count(*) AS n FROM budget_tables GROUP BY status ORDER BY status')).toEqual([
      { status: 'published_empty', n: 5 },
      { status: 'read', n: 13 },
    ]);
    expect(query(db, "SELECT count(*) AS n, sum(unit_name = '' AND code_source = '') AS blank FROM line_items")).toEqual([{ n: 406, blank: 406 }]);
    expect(query(db, 'SELECT count(*) AS n FROM department_years')).toEqual([{ n: 2 }]);
    // and again: nothing to do
    expect(yusuan('migrate', '--db', db).stdout).toBe(`${db} is already at schema ${SCHEMA_VERSION}\n`);
  });

  it('is upgraded by an ingest into it, which then reads its documents again with this pipeline', async () => {
    const db = copyOfV6();
    const seed = join(SEEDS, '000_313ba343419bd952.txt');
    const summary = await ingestInto(db, [seed]);
    expect(summary.upgradedFrom).toBe(6);
    expect(summary.ok).toBe(1);
    expect(summary.unchanged).toBe(0);
    expect(query(db, 'SELECT source_file, pipeline_version FROM documents ORDER BY source_file')).toEqual([
      { source_file: '000_313ba343419bd952.txt', pipeline_version: PIPELINE_VERSION },
      { source_file: '004_bd07757d433d15de.txt', pipeline_version: '0.1.0' },
      { source_file: 'truncated.docx', pipeline_version: '0.1.0' },
    ]);
  });

  it('is upgraded by `yusuan ingest`, whose summary says so; a second ingest has nothing to upgrade', () => {
    const db = copyOfV6();
    const seed = join(SEEDS, '000_313ba343419bd952.txt');
    const first = yusuan('ingest', seed, '--db', db, '--workers', '0');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(`  (${db} was a store of an older yusuan, schema 6: upgraded in place from its rows; its documents are read again when their files are ingested)\n`);
    const second = yusuan('ingest', seed, '--db', db, '--workers', '0');
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('was a store of an older yusuan');
  });

  it('is upgraded all or nothing: a step that fails leaves it at schema 6, whole', () => {
    const db = copyOfV6();
    // a store damaged so that the step fails half-way (the headline figures read its line items)
    const conn = new Database(db);
    conn.exec('DROP VIEW line_items; DROP VIEW department_years; DROP VIEW documents_dataset; ALTER TABLE items RENAME TO items_elsewhere');
    conn.close();
    const before = contents(db);
    expect(before.documents).toHaveLength(3);
    expect(() => Store.open(db)).toThrow(/no such table: items/);
    expect(schemaVersion(db)).toBe('6');
    expect(contents(db)).toEqual(before);
  });
});
