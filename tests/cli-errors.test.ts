import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.js';
import { ROOT, SEEDS, tempDir } from './helpers/run.js';

/** Runs the built `yusuan` command (npm test builds dist/ first). */
function yusuan(...args: string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'yusuan.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, lines: run.stderr.split('\n').filter((l) => l !== '') };
}

/** A plain answer: no stack frame, no "please report", nothing of Node's own wording. */
function expectPlain(stderr: string) {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toMatch(/Please report|unexpected error|ERR_|TypeError|SqliteError/);
}

const SEED = join(SEEDS, '000_313ba343419bd952.txt');
const INGEST_USAGE = 'usage: yusuan ingest <file|folder>... [--db yusuan.sqlite] [--workers N] [--manifest FILE.csv] [--shard i/n] [--force]';

describe('a mistake is one plain line, exit 1 for a thing that cannot be used', () => {
  const dir = tempDir();
  const db = join(dir, 'seed.sqlite');
  beforeAll(() => {
    expect(yusuan('ingest', SEED, '--db', db, '--workers', '0').status).toBe(0);
  });

  it('a --db in a folder that does not exist', () => {
    const missing = join(dir, 'no-such-folder', 'x.sqlite');
    const run = yusuan('ingest', SEED, '--db', missing, '--workers', '0');
    expect(run.status).toBe(1);
    expect(run.lines).toEqual([
      `yusuan ingest: the folder ${join(dir, 'no-such-folder')} (of --db ${missing}) does not exist: create it, or give --db a path in a folder that exists`,
    ]);
    expectPlain(run.stderr);
  });

  it('a manifest that does not exist, and nothing is ingested', () => {
    const out = join(dir, 'manifest-missing.sqlite');
    const manifest = join(dir, 'nope.csv');
    const run = yusuan('ingest', SEED, '--db', out, '--workers', '0', '--manifest', manifest);
    expect(run.status).toBe(1);
    expect(run.lines).toEqual([`yusuan ingest: the manifest ${manifest} does not exist`]);
    expectPlain(run.stderr);
    expect(existsSync(out)).toBe(false);
  });

  it('an --out in a folder that does not exist', () => {
    const out = join(dir, 'no-such-folder', 'items.csv');
    const run = yusuan('export', '--db', db, '--out', out);
    expect(run.status).toBe(1);
    expect(run.lines).toEqual([
      `yusuan export: the folder ${join(dir, 'no-such-folder')} (of --out ${out}) does not exist: create it, or give --out a path in a folder that exists`,
    ]);
    expectPlain(run.stderr);
  });

  it('a query whose JSON is malformed, and one that overflows', () => {
    const json = yusuan('query', '--db', db, "SELECT json('{')");
    expect(json.status).toBe(1);
    expect(json.lines).toEqual(['yusuan query: the query failed: malformed JSON']);
    expectPlain(json.stderr);
    const overflow = yusuan('query', '--db', db, 'SELECT abs(-9223372036854775808)');
    expect(overflow.status).toBe(1);
    expect(overflow.lines).toEqual(['yusuan query: the query failed: integer overflow']);
    expectPlain(overflow.stderr);
  });

  it('a database that does not exist', () => {
    const missing = join(dir, 'missing.sqlite');
    const run = yusuan('validate', '--db', missing);
    expect(run.status).toBe(1);
    expect(run.lines).toEqual([`yusuan validate: no database at ${missing}: make one with \`yusuan ingest <folder> --db ${missing}\`, or give --db the database to use`]);
    expectPlain(run.stderr);
    expect(existsSync(missing)).toBe(false);
  });

  it('a --db that is not a SQLite database, to read and to write', () => {
    const text = join(dir, 'not-a-database.sqlite');
    writeFileSync(text, 'this is a text file, not a database\n');
    const read = yusuan('query', '--db', text, 'SELECT 1');
    expect(read.status).toBe(1);
    expect(read.lines).toEqual([`yusuan query: ${text} is not a SQLite database: give --db a database yusuan made`]);
    expectPlain(read.stderr);
    const write = yusuan('ingest', SEED, '--db', text, '--workers', '0');
    expect(write.status).toBe(1);
    expect(write.lines).toEqual([`yusuan ingest: ${text} is not a SQLite database: give --db a new file, or a database yusuan made`]);
    expectPlain(write.stderr);
  });

  it('a SQLite database yusuan did not make', () => {
    const other = join(dir, 'other.sqlite');
    const sqlite = new Database(other);
    sqlite.exec('CREATE TABLE t (x)');
    sqlite.close();
    const run = yusuan('validate', '--db', other);
    expect(run.status).toBe(1);
    expect(run.lines).toEqual([`yusuan validate: ${other} is a SQLite database of another program, not a yusuan store (it has no yusuan schema version); it was left as it is: give --db a database yusuan made`]);
    expectPlain(run.stderr);
  });

  it('a store of an older schema, to read and to write', () => {
    const old = join(dir, 'old.sqlite');
    expect(yusuan('ingest', SEED, '--db', old, '--workers', '0').status).toBe(0);
    const sqlite = new Database(old);
    sqlite.prepare("UPDATE meta SET value = '6' WHERE key = 'schema_version'").run();
    sqlite.close();
    const path = old.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    // a reader does not upgrade: it names the command that does (tests/migrate.test.ts runs it on a real schema-6 store)
    const read = yusuan('validate', '--db', old);
    expect(read.status).toBe(1);
    expect(read.lines).toHaveLength(1);
    expect(read.lines[0]).toMatch(new RegExp(`^yusuan validate: ${path} is a store of schema 6, .*upgrade it with \`yusuan migrate --db ${path}\``));
    expectPlain(read.stderr);
    // a writer upgrades older stores, but not a newer yusuan's
    const newer = new Database(old);
    newer.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    newer.close();
    const write = yusuan('ingest', SEED, '--db', old, '--workers', '0');
    expect(write.status).toBe(1);
    expect(write.lines).toHaveLength(1);
    expect(write.lines[0]).toMatch(new RegExp(`^yusuan ingest: ${path} was made by a newer yusuan \\(schema 99;`));
    expectPlain(write.stderr);
  });
});

describe('the command line: --version, help, did you mean, exit 2 with the usage line', () => {
  it('--version names the version, the pipeline and the store schema', () => {
    for (const flag of ['--version', '-V']) {
      const run = yusuan(flag);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^yusuan \d+\.\d+\.\d+ \(pipeline \d+\.\d+\.\d+, store schema \d+\)\n$/);
    }
  });

  it('help CMD prints that command\'s help, not the list of commands', () => {
    const run = yusuan('help', 'ingest');
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(INGEST_USAGE.slice('usage: '.length));
    expect(run.stdout).toContain('--manifest');
    expect(run.stdout).not.toContain('Commands:');
    const unknown = yusuan('help', 'ingset');
    expect(unknown.status).toBe(2);
    expect(unknown.lines).toEqual(['yusuan help: unknown command "ingset"; did you mean ingest? (yusuan help lists the commands)']);
  });

  it('an unknown command: did you mean', () => {
    const run = yusuan('valdiate');
    expect(run.status).toBe(2);
    expect(run.lines).toEqual(['yusuan: unknown command "valdiate"; did you mean validate? (yusuan help lists the commands)']);
  });

  it('--workers -1 is a value that is not allowed, not an ambiguous option; the usage line, not all the help', () => {
    const run = yusuan('ingest', SEED, '--workers', '-1');
    expect(run.status).toBe(2);
    expect(run.lines).toEqual(['yusuan ingest: --workers takes a whole number ≥ 0, not "-1"', INGEST_USAGE, '(yusuan help ingest says more)']);
    expectPlain(run.stderr);
  });

  it('a misspelt option: did you mean', () => {
    const run = yusuan('ingest', SEED, '--dbb', 'x.sqlite');
    expect(run.status).toBe(2);
    expect(run.lines).toEqual(['yusuan ingest: unknown option --dbb; did you mean --db?', INGEST_USAGE, '(yusuan help ingest says more)']);
    const dataset = yusuan('export', '--datset', 'documents');
    expect(dataset.status).toBe(2);
    expect(dataset.lines[0]).toBe('yusuan export: unknown option --datset; did you mean --dataset?');
  });

  it('an option without its value, a flag given one', () => {
    expect(yusuan('ingest', SEED, '--db').lines[0]).toBe('yusuan ingest: --db needs a value (--db VALUE)');
    expect(yusuan('ingest', SEED, '--force=yes').lines[0]).toBe('yusuan ingest: --force takes no value (write --force alone)');
  });

  it('a misspelt dataset: did you mean', () => {
    const run = yusuan('export', '--dataset', 'line_item');
    expect(run.status).toBe(2);
    expect(run.lines[0]).toBe(
      'yusuan export: unknown dataset "line_item"; did you mean line_items? (the datasets: line_items, documents, tables, checks, facts, departments, department_years, projects, indicators, procurement, assets, institutions)',
    );
  });

  it('a stray argument is refused, not ignored', () => {
    const validate = yusuan('validate', 'yusuan.sqlite');
    expect(validate.status).toBe(2);
    expect(validate.lines).toEqual(['yusuan validate: unexpected argument "yusuan.sqlite": validate takes only options', 'usage: yusuan validate [--db yusuan.sqlite] [--json] [--all]', '(yusuan help validate says more)']);
    const exported = yusuan('export', 'documents');
    expect(exported.status).toBe(2);
    expect(exported.lines[0]).toBe('yusuan export: unexpected argument "documents": export takes only options; did you mean --dataset documents?');
  });
});

describe('validate reports failed documents and an empty store', () => {
  const dir = tempDir();

  it('exits 1 for a store that holds no documents, saying so', () => {
    const db = join(dir, 'empty.sqlite');
    // a store yusuan made, with nothing in it (an ingest stopped before its first document is stored leaves one)
    Store.open(db).close();
    const run = yusuan('validate', '--db', db);
    expect(run.status).toBe(1);
    expect(run.lines).toEqual([`yusuan validate: ${db} holds no documents: ingest some first (yusuan ingest <folder> --db ${db})`]);
  });

  it('exits 1 for a store whose documents all failed, counting them in its last line', () => {
    const db = join(dir, 'failed.sqlite');
    mkdirSync(join(dir, 'junk'));
    writeFileSync(join(dir, 'junk', 'a.txt'), 'not a budget\n');
    writeFileSync(join(dir, 'junk', 'b.txt'), 'not a budget either\n');
    expect(yusuan('ingest', join(dir, 'junk'), '--db', db, '--workers', '0').status).toBe(1);
    const run = yusuan('validate', '--db', db);
    expect(run.status).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('2 document(s): 0 ok, 0 read in part, 2 failed; 0 check error(s), 0 rounding difference(s)');
  });
});
