import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../src/store/datasets.js';
import { exportParquet, hivePathValue, parquetType, type ParquetExport } from '../src/store/parquet.js';
import { Store } from '../src/store/store.js';
import { ingestInto, SEEDS, tempDb, tempDir } from './helpers/run.js';

const amountColumns = (columns: string[]) => columns.filter((c) => c.endsWith('_yuan'));

const ESCAPED_REGION = '井陉县/乙:丙%';

describe('parquet export', () => {
  let db: string;
  let out: string;
  let written: ParquetExport[];
  let duck: DuckDBInstance;

  beforeAll(async () => {
    db = tempDb();
    await ingestInto(db, [SEEDS]);
    // one document without a fiscal year, so the default partition is exercised
    const store = Store.open(db);
    store.db.prepare('UPDATE documents SET fiscal_year = NULL WHERE doc_id = (SELECT min(doc_id) FROM documents)').run();
    // and a region with characters Hive escapes in a folder name (004's region is not known: '')
    store.db.prepare("UPDATE documents SET region = ? WHERE source_file LIKE '003_%'").run(ESCAPED_REGION);
    store.close();
    out = tempDir('yusuan-parquet-test-');
    const source = Store.open(db, { readonly: true });
    try {
      written = await exportParquet(source.db, out);
    } finally {
      source.close();
    }
    duck = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
  });

  afterAll(() => duck?.closeSync());

  const read = async (sql: string) => {
    const connection = await duck.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJS();
    } finally {
      connection.closeSync();
    }
  };

  it('writes every dataset, partitioned Hive-style by fiscal year and region', () => {
    expect(written.map((w) => w.dataset).sort()).toEqual(Object.keys(DATASETS).sort());
    expect(written.map((w) => w.dataset)).toEqual(expect.arrayContaining(['departments', 'department_years']));
    for (const w of written) {
      expect(w.files.length, w.dataset).toBeGreaterThan(0);
      for (const file of w.files) {
        expect(existsSync(file)).toBe(true);
        // a dataset without years (departments) is one file
        const layout = DATASETS[w.dataset].columns.includes('fiscal_year') ? 'fiscal_year=(\\d{4}|__HIVE_DEFAULT_PARTITION__)/region=[^/]+/[^/]+' : 'data_0';
        expect(relative(out, file)).toMatch(new RegExp(`^${w.dataset}/${layout}\\.parquet$`));
      }
    }
    for (const name of ['documents', 'line_items']) {
      const folders = written.find((w) => w.dataset === name)!.files.map((f) => relative(join(out, name), f).split('/'));
      // the document without a year is in the default partition, the others under their years
      expect(folders.map((f) => f[0])).toContain('fiscal_year=__HIVE_DEFAULT_PARTITION__');
      expect(new Set(folders.map((f) => f[0]).filter((f) => /^fiscal_year=\d{4}$/.test(f))).size).toBeGreaterThan(1);
      // regions in Chinese as they are (as Hive writes them, not percent-encoded), the unknown one the default
      const regions = folders.map((f) => f[1]);
      expect(regions).toContain('region=秦皇岛市海港区');
      expect(regions).toContain('region=__HIVE_DEFAULT_PARTITION__');
      expect(regions).toContain('region=井陉县%2F乙%3A丙%25');
    }
    expect(hivePathValue('a/b:c%d=e"f#g\'h*i?j\\k{l[m]n^o\x01秦 皇')).toBe('a%2Fb%3Ac%25d%3De%22f%23g%27h%2Ai%3Fj%5Ck%7Bl%5Bm%5Dn%5Eo%01秦 皇');
  });

  it("gives each row its document's region when read back, NULL where not known", async () => {
    const store = Store.open(db, { readonly: true });
    try {
      const regions = new Map(
        (store.db.prepare('SELECT doc_id, region FROM documents').all() as { doc_id: string; region: string }[]).map((d) => [d.doc_id, d.region || null]),
      );
      expect(new Set(regions.values())).toEqual(new Set(['秦皇岛市海港区', ESCAPED_REGION, null]));
      for (const w of written.filter((x) => DATASETS[x.dataset].columns.includes('doc_id'))) {
        const glob = join(out, w.dataset, '**', '*.parquet').replace(/'/g, "''");
        const rows = await read(`SELECT DISTINCT doc_id, region FROM read_parquet('${glob}', hive_partitioning = true)`);
        expect(rows.length, w.dataset).toBeGreaterThan(0);
        for (const r of rows) expect(r.region, `${w.dataset} ${r.doc_id}`).toBe(regions.get(String(r.doc_id)));
      }
    } finally {
      store.close();
    }
  });

  it('reads back in DuckDB with the same row counts, years and exact amount sums as SQLite', async () => {
    const store = Store.open(db, { readonly: true });
    try {
      for (const w of written) {
        const dataset = DATASETS[w.dataset];
        const sqliteRows = store.db.prepare(`SELECT * ${dataset.from}`).safeIntegers(true).all() as Record<string, unknown>[];
        expect(sqliteRows.length).toBeGreaterThan(0);
        expect(w.rows).toBe(sqliteRows.length);
        const amounts = amountColumns(dataset.columns);
        const glob = join(out, w.dataset, '**', '*.parquet').replace(/'/g, "''");
        const sums = amounts.map((c) => `CAST(sum("${c}") * 100 AS HUGEINT)::VARCHAR AS "${c}"`).join(', ');
        const [parquet] = await read(
          `SELECT count(*)::VARCHAR AS n, ${dataset.columns.includes('fiscal_year') ? 'count(fiscal_year)::VARCHAR AS with_year, CAST(sum(fiscal_year) AS HUGEINT)::VARCHAR AS year_sum' : "'0' AS with_year, NULL AS year_sum"}${sums ? `, ${sums}` : ''}
           FROM read_parquet('${glob}', hive_partitioning = true)`,
        );
        expect(Number(parquet.n)).toBe(sqliteRows.length);
        const years = sqliteRows.map((r) => r.fiscal_year).filter((y) => y !== null && y !== undefined) as bigint[];
        expect(Number(parquet.with_year)).toBe(years.length);
        const total = (v: unknown) => (v === null ? null : BigInt(String(v)));
        expect(total(parquet.year_sum)).toBe(years.length === 0 ? null : years.reduce((s, y) => s + BigInt(y), 0n));
        for (const c of amounts) {
          // the stored integer 分 of each amount, summed exactly
          const values = sqliteRows.map((r) => r[c.replace(/_yuan$/, '_fen')]).filter((v) => v !== null) as bigint[];
          expect(values.every((v) => typeof v === 'bigint'), `${w.dataset}.${c}`).toBe(true);
          const fen = values.length === 0 ? null : values.reduce((s, v) => s + v, 0n);
          expect(total(parquet[c]), `${w.dataset}.${c}`).toBe(fen);
        }
      }
    } finally {
      store.close();
    }
  });

  it('types amounts as DECIMAL(18,2), never as a float', async () => {
    const glob = join(out, 'line_items', '**', '*.parquet').replace(/'/g, "''");
    const schema = await read(`DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = true)`);
    const types = Object.fromEntries(schema.map((r) => [r.column_name, r.column_type]));
    expect(types.amount_yuan).toBe('DECIMAL(18,2)');
    expect(types.amount_fen).toBe('BIGINT'); // (v3) the exact 分 beside it
    expect(types.code_level).toBe('BIGINT');
    expect(types.label).toBe('VARCHAR');
    expect(Object.keys(types).sort()).toEqual([...DATASETS.line_items.columns, 'region'].sort());
    expect(types.region).toBe('VARCHAR');
    expect(parquetType('value_yuan', null)).toBe('DECIMAL(18,2)');
  });

  it('types every column of every dataset as the dataset describes it', async () => {
    const duckName: Record<string, string> = { TIMESTAMPTZ: 'TIMESTAMP WITH TIME ZONE' };
    const store = Store.open(db, { readonly: true });
    try {
      for (const w of written) {
        const dataset = DATASETS[w.dataset];
        const declared = new Map(store.db.prepare(`SELECT * ${dataset.from}`).columns().map((c) => [c.name, c.type]));
        const fields = new Map(((dataset as { fields?: { name: string; type: string; unit?: string }[] }).fields ?? []).map((f) => [f.name, f]));
        const glob = join(out, w.dataset, '**', '*.parquet').replace(/'/g, "''");
        const schema = await read(`DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = true)`);
        for (const { column_name, column_type } of schema as { column_name: string; column_type: string }[]) {
          if (column_name === 'fiscal_year' || column_name === 'region') continue; // from the path
          const expected = parquetType(column_name, declared.get(column_name) ?? null, fields.get(column_name));
          expect(column_type, `${w.dataset}.${column_name}`).toBe(duckName[expected] ?? expected);
          if (column_name.endsWith('_yuan')) expect(column_type).toBe('DECIMAL(18,2)');
        }
      }
      const [{ n }] = await read(
        `SELECT count(ingested_at)::INTEGER AS n FROM read_parquet('${join(out, 'documents', '**', '*.parquet').replace(/'/g, "''")}', hive_partitioning = true)`,
      );
      expect(n).toBe(written.find((w) => w.dataset === 'documents')!.rows);
    } finally {
      store.close();
    }
  });

  it('keeps every line item exactly, row by row', async () => {
    const store = Store.open(db, { readonly: true });
    try {
      const sqliteRows = store.db.prepare('SELECT doc_id, source_ref, measure, table_kind, amount_fen FROM line_items').all() as Record<string, string>[];
      const glob = join(out, 'line_items', '**', '*.parquet').replace(/'/g, "''");
      const rows = await read(`SELECT doc_id, source_ref, measure, table_kind, (amount_yuan * 100)::BIGINT::VARCHAR AS amount_fen FROM read_parquet('${glob}', hive_partitioning = true)`);
      const key = (r: Record<string, unknown>) => `${r.doc_id}|${r.table_kind}|${r.source_ref}|${r.measure}|${r.amount_fen}`;
      expect(rows.map(key).sort()).toEqual(sqliteRows.map(key).sort());
    } finally {
      store.close();
    }
  });

  it('writes an empty dataset as one empty file that still has the schema', async () => {
    const empty = Store.open(tempDb());
    const dir = tempDir('yusuan-parquet-empty-');
    try {
      const result = await exportParquet(empty.db, dir, [DATASETS.line_items]);
      expect(result).toEqual([{ dataset: 'line_items', rows: 0, files: [join(dir, 'line_items', 'fiscal_year=__HIVE_DEFAULT_PARTITION__', 'region=__HIVE_DEFAULT_PARTITION__', 'data_0.parquet')] }]);
    } finally {
      empty.close();
    }
    const glob = join(dir, 'line_items', '**', '*.parquet').replace(/'/g, "''");
    const schema = await read(`DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = true)`);
    expect(schema.find((r) => r.column_name === 'amount_yuan')?.column_type).toBe('DECIMAL(18,2)');
    const [{ n }] = await read(`SELECT count(*)::INTEGER AS n FROM read_parquet('${glob}', hive_partitioning = true)`);
    expect(n).toBe(0);
  });

  it('replaces an earlier export instead of adding to it', async () => {
    const source = Store.open(db, { readonly: true });
    try {
      const again = await exportParquet(source.db, out, [DATASETS.facts]);
      expect(again[0].files).toEqual(written.find((w) => w.dataset === 'facts')!.files);
    } finally {
      source.close();
    }
    const glob = join(out, 'facts', '**', '*.parquet').replace(/'/g, "''");
    const [{ n }] = await read(`SELECT count(*)::INTEGER AS n FROM read_parquet('${glob}', hive_partitioning = true)`);
    expect(n).toBe(written.find((w) => w.dataset === 'facts')!.rows);
  });
});
