import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';

import { discoverFiles, DOCUMENT_EXTENSIONS, ingestFiles } from '../ingest.js';
import { PIPELINE_VERSION } from '../pipeline.js';
import { writeDataPackage } from '../store/datapackage.js';
import { MergeError, mergeStores, parseShard } from '../store/merge.js';
import { DATASETS, datasetCsv, datasetNames } from '../store/datasets.js';
import { SCHEMA_VERSION } from '../store/schema.js';
import { Store, StoreError } from '../store/store.js';
import { trace, tracePng, TraceError } from '../trace.js';
import { closest, didYouMean, parseCommandLine, type OptionSpecs } from './args.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, Failure, plainMessage, UsageError, usageLines } from './errors.js';
import { alignedTable, progressReporter } from './format.js';
import { formatSummary, LISTED, skippedLines } from './summary.js';

/** The `yusuan` command line. Each command returns its exit status. */

const DEFAULT_DB = 'yusuan.sqlite';

interface Command {
  summary: string;
  usage: string;
  options: OptionSpecs;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const dbOption = { db: { type: 'string', default: DEFAULT_DB } } as const;

/** For commands that take only options: a word left over is a mistake, not something to ignore. */
function refuseArguments(command: string, positionals: string[], hint = ''): void {
  if (positionals.length === 0) return;
  throw new UsageError(`unexpected argument "${positionals[0]}": ${command} takes only options${hint}`);
}

/** A path that does not exist, with the name beside it that was likely meant. */
function missingPath(path: string): string {
  let names: string[] = [];
  try {
    names = readdirSync(dirname(path));
  } catch {
    // the folder does not exist either: nothing to suggest
  }
  const guess = closest(basename(path), names);
  return `${path}: no such file or folder${guess ? `; did you mean ${join(dirname(path), guess)}?` : ''}`;
}

/** The folder a file is to be written in must exist; the file itself must not be a folder. */
function checkOutputFile(path: string, flag: string): void {
  const folder = dirname(resolve(path));
  if (!existsSync(folder)) throw new Failure(`the folder ${dirname(path)} (of ${flag} ${path}) does not exist: create it, or give ${flag} a path in a folder that exists`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new Failure(`${path} (${flag}) is a folder: give ${flag} a file name`);
}

/**
 * Ctrl-C during an ingest: the documents being read are finished and stored,
 * no other is started, and the summary says so; a second Ctrl-C stops at
 * once (every document stored is whole: each is one transaction).
 */
function stopOnCtrlC(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) {
      process.stderr.write('\nyusuan ingest: stopped at once; every document stored is whole. Run the same command again to go on.\n');
      process.exit(EXIT_INTERRUPTED);
    }
    controller.abort();
    process.stderr.write('\nyusuan ingest: Ctrl-C: finishing the documents being read, then stopping (Ctrl-C again stops at once)\n');
  };
  process.on('SIGINT', onInterrupt);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onInterrupt) };
}

const commands: Record<string, Command> = {
  ingest: {
    summary: 'read disclosures (files or folders) into the SQLite store',
    usage: `yusuan ingest <file|folder>... [--db ${DEFAULT_DB}] [--workers N] [--manifest FILE.csv] [--shard i/n] [--force]

Reads every document (.txt, .pdf, .docx, .html …; folders are walked), and
stores its tables and line items in the database, one transaction each. A
file already stored (same content) is left as it is unless --force.
--workers: threads reading documents in parallel (default: the number of
cores; 0: one document at a time in one worker thread, under the same
limits). A document taking longer than
--time-limit seconds (default 120) is abandoned and recorded as failed.
--manifest: a CSV with columns file (path or base name), region, source_url,
published_date, recorded with each document.
--shard i/n: only the documents of shard i of n (split by sha256), so that
n machines can ingest disjoint parts; \`yusuan merge\` joins their databases.
A document of which some standard tables cannot be read is stored as
partial: the tables read, and the reason for the others.
Files of other kinds in a folder (.xlsx, .md …) are listed as not read, with
the reason; a manifest with problems is named line by line and nothing is
read until it is right. Ctrl-C stops once the documents being read are
stored (exit status 130): run the same command again to go on.
Exit status 1 when any document failed; all the others are stored anyway.`,
    options: {
      ...dbOption,
      workers: { type: 'string', default: String(availableParallelism()) },
      'time-limit': { type: 'string', default: '120' },
      manifest: { type: 'string' },
      shard: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
    async run(values, positionals) {
      if (positionals.length === 0) throw new UsageError('ingest needs at least one file or folder (such as: yusuan ingest corpus/)');
      const workers = wholeNumber(values.workers, '--workers', 0);
      const timeLimitMs = wholeNumber(values['time-limit'], '--time-limit', 1) * 1000;
      const db = String(values.db);
      const manifest = values.manifest === undefined ? undefined : String(values.manifest);
      let shard;
      try {
        shard = values.shard === undefined ? undefined : parseShard(String(values.shard));
      } catch (e) {
        throw new UsageError(`--shard: ${(e as Error).message}`);
      }
      checkOutputFile(db, '--db');
      const found = await discoverFiles(positionals);
      if (found.missing.length > 0) throw new Failure([...found.missing.map(missingPath), 'nothing was ingested'].join('\n'));
      if (found.files.length === 0) {
        const kinds = [...DOCUMENT_EXTENSIONS].join(' ');
        const skipped = found.skipped.length > 0 ? `; ${found.skipped.length} other file(s) not read:` : '';
        throw new Failure([`nothing to ingest: ${positionals.join(', ')} ${positionals.length === 1 ? 'holds' : 'hold'} no document yusuan reads (${kinds})${skipped}`, ...skippedLines(found.skipped, LISTED)].join('\n'));
      }
      const interrupt = stopOnCtrlC();
      try {
        const summary = await ingestFiles(found, {
          db, workers, timeLimitMs, manifest, shard, force: Boolean(values.force), outcomes: 'notable', onProgress: progressReporter(), signal: interrupt.signal,
        });
        process.stdout.write(formatSummary(summary, db));
        return summary.interrupted ? EXIT_INTERRUPTED : summary.failed > 0 ? EXIT_FAILURE : 0;
      } finally {
        interrupt.dispose();
      }
    },
  },
  export: {
    summary: 'write a dataset as CSV',
    usage: `yusuan export [--db ${DEFAULT_DB}] [--dataset line_items] [--format csv] [--out FILE] [--bom]
yusuan export [--db ${DEFAULT_DB}] --datapackage DIR
yusuan export [--db ${DEFAULT_DB}] --format parquet --out DIR
yusuan export [--db ${DEFAULT_DB}] --format xlsx --out FILE.xlsx

Datasets: ${datasetNames().join(', ')}. CSV is UTF-8, RFC 4180, header first;
--bom adds a byte-order mark for Excel. Writes to stdout without --out.
--datapackage writes every dataset as CSV into DIR with a Frictionless
datapackage.json (field types, keys, units, descriptions).
--format parquet writes every dataset as Parquet under DIR/<dataset>/,
partitioned Hive-style by fiscal_year and region (readable by DuckDB, Spark,
Trino); amounts are DECIMAL(18,2).
--format xlsx writes every dataset as a sheet of one Excel workbook: codes
as text, amounts as numbers.`,
    options: {
      ...dbOption,
      dataset: { type: 'string', default: 'line_items' },
      format: { type: 'string', default: 'csv' },
      out: { type: 'string' },
      bom: { type: 'boolean', default: false },
      datapackage: { type: 'string' },
    },
    async run(values, positionals) {
      const meant = positionals.length > 0 ? closest(positionals[0], datasetNames()) : undefined;
      refuseArguments('export', positionals, meant ? `; did you mean --dataset ${meant}?` : '');
      if (values.datapackage !== undefined) {
        const store = openExisting(String(values.db));
        try {
          const path = await writeDataPackage(store.db, String(values.datapackage));
          process.stderr.write(`wrote ${path} and ${datasetNames().length} CSV files\n`);
        } finally {
          store.close();
        }
        return 0;
      }
      const dataset = DATASETS[String(values.dataset)];
      if (!dataset) {
        const guess = closest(String(values.dataset), datasetNames());
        throw new UsageError(`unknown dataset "${values.dataset}"${guess ? `; did you mean ${guess}?` : ''} (the datasets: ${datasetNames().join(', ')})`);
      }
      if (values.format === 'parquet') {
        if (values.out === undefined) throw new UsageError('--format parquet needs --out DIR (a folder: one sub-folder per dataset)');
        const store = openExisting(String(values.db));
        try {
          // DuckDB is loaded only for this
          const { exportParquet } = await import('../store/parquet.js');
          const written = await exportParquet(store.db, String(values.out));
          for (const w of written) process.stderr.write(`${w.dataset}: ${w.rows} row(s) in ${w.files.length} file(s)\n`);
        } finally {
          store.close();
        }
        return 0;
      }
      if (values.format === 'xlsx') {
        if (values.out === undefined) throw new UsageError('--format xlsx needs --out FILE.xlsx');
        checkOutputFile(String(values.out), '--out');
        const store = openExisting(String(values.db));
        try {
          const { exportXlsx } = await import('../store/xlsx.js');
          for (const s of await exportXlsx(store.db, String(values.out))) process.stderr.write(`${s.sheet}: ${s.rows} row(s)\n`);
        } finally {
          store.close();
        }
        return 0;
      }
      if (values.format !== 'csv') throw new UsageError(`unknown format "${values.format}"; csv, parquet or xlsx`);
      if (values.out) checkOutputFile(String(values.out), '--out');
      const store = openExisting(String(values.db));
      try {
        const out: Writable = values.out ? createWriteStream(String(values.out)) : process.stdout;
        for (const chunk of datasetCsv(store.db, dataset, { bom: Boolean(values.bom) })) {
          if (!out.write(chunk)) await once(out, 'drain');
        }
        if (out !== process.stdout) {
          out.end();
          await once(out, 'finish');
        }
      } finally {
        store.close();
      }
      return 0;
    },
  },
  query: {
    summary: 'run a read-only SQL query over the store',
    usage: `yusuan query [--db ${DEFAULT_DB}] [--csv] [--timeout 30] [--max-rows 1000] "<SQL>"

The database is opened read-only. Prints an aligned table of at most
--max-rows rows (default 1000), or CSV with --csv (all rows). A query
running longer than --timeout seconds (default 30) is stopped.
Example: yusuan query "SELECT table_kind, count(*) FROM line_items GROUP BY 1"`,
    options: { ...dbOption, csv: { type: 'boolean', default: false }, timeout: { type: 'string', default: '30' }, 'max-rows': { type: 'string', default: '1000' } },
    async run(values, positionals) {
      if (positionals.length !== 1) throw new UsageError('query takes one SQL statement (quote it)');
      const timeoutMs = wholeNumber(values.timeout, '--timeout', 1) * 1000;
      const maxRows = wholeNumber(values['max-rows'], '--max-rows', 1);
      // the statement is checked here, where a mistake is a usage error; it runs in a process of its own (query.ts)
      const store = openExisting(String(values.db));
      try {
        let statement;
        try {
          statement = store.db.prepare(positionals[0]);
        } catch (e) {
          throw new UsageError(`the SQL is not valid: ${(e as Error).message}`);
        }
        if (!statement.reader) throw new UsageError('query only reads: use a SELECT (or WITH … SELECT) statement');
      } finally {
        store.close();
      }
      const { runQueryWithin } = await import('../store/query.js');
      return runQueryWithin({ db: String(values.db), sql: positionals[0], csv: Boolean(values.csv), maxRows, timeoutMs });
    },
  },
  merge: {
    summary: 'join databases (of sharded ingests) into one',
    usage: `yusuan merge <db>... --db OUT

Copies every document of each database into OUT, all in one transaction:
a merge that fails leaves OUT as it was. Only the data of the tables this
version of yusuan writes is copied, from databases of its schema version.
Of a document in several, the record of the newest pipeline version is
kept (at the same version: ok, then partial, then failed). Merging again
changes nothing.`,
    options: { db: { type: 'string' } },
    async run(values, positionals) {
      if (positionals.length === 0 || values.db === undefined) throw new UsageError('merge takes the databases to join and --db OUT');
      let summary;
      const existed = existsSync(String(values.db));
      try {
        summary = mergeStores(positionals, String(values.db));
      } catch (e) {
        if (!(e instanceof MergeError)) throw e;
        process.stderr.write(`yusuan ${e.message}; ${existed ? `${values.db} was left as it was` : 'nothing was written'}\n`);
        return 1;
      }
      for (const source of summary.sources) {
        process.stdout.write(`${source.path}: ${source.documents} document(s), ${source.copied} copied (${source.replaced} replacing), ${source.skipped} already there\n`);
      }
      process.stdout.write(`${summary.target}: ${summary.copied} document(s) copied, ${summary.skipped} already there\n`);
      return 0;
    },
  },
  migrate: {
    summary: 'upgrade a database made by an older yusuan to this version\'s schema',
    usage: `yusuan migrate [--db ${DEFAULT_DB}]

Upgrades the database in place, in one transaction, from the rows it holds
(the sources are not read again). \`yusuan ingest\` into it does the same.
Documents keep the pipeline version that read them: an ingest of their
sources reads them again with this one.`,
    options: { ...dbOption },
    async run(values) {
      const path = String(values.db);
      if (!existsSync(path)) throw new Failure(`no database at ${path}: give --db the database to upgrade`);
      // a store that cannot be upgraded (another program's, a newer yusuan's) says why in one line: StoreError is a plain failure
      const store = Store.open(path);
      const from = store.migratedFrom;
      store.close();
      process.stdout.write(from === undefined ? `${path} is already at schema ${SCHEMA_VERSION}\n` : `${path}: upgraded from schema ${from} to ${SCHEMA_VERSION}\n`);
      return 0;
    },
  },
  validate: {
    summary: 'report per document which tables were read and the checks of their identities',
    usage: `yusuan validate [--db ${DEFAULT_DB}] [--json] [--all]

Per document: its status (ok, partial, failed), which of the nine standard
tables were read, published empty, not readable (with the reason) or not
found; how many checks passed (ok), differ within rounding, or fail (error),
each error with where it stands in the source (L123 / p4 / t5r7).
--all lists the rounding differences too; --json prints everything as JSON.
Exit status 1 when any check is an error, or any document failed or was
read only in part.`,
    options: { ...dbOption, json: { type: 'boolean', default: false }, all: { type: 'boolean', default: false } },
    async run(values) {
      const store = openExisting(String(values.db));
      try {
        const report = validationReport(store);
        if (report.length === 0) throw new Failure(`${values.db} holds no documents: ingest some first (yusuan ingest <folder> --db ${values.db})`);
        if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else process.stdout.write(formatValidation(report, Boolean(values.all)));
        return report.some((d) => d.error > 0 || d.status !== 'ok') ? 1 : 0;
      } finally {
        store.close();
      }
    },
  },
  trace: {
    summary: 'show a stored number in the original document',
    usage: `yusuan trace [--db ${DEFAULT_DB}] [--source FILE|FOLDER] [--png FILE] <doc_id-prefix|file> <table_kind> <code|label> [measure]

Prints the stored value(s) and, read again from the source file, the lines
around each (text) or the row holding it (DOCX, HTML; for a PDF also the
page and the cell's box on it). The document is named by a doc_id prefix,
the file's name or path as ingested, or the path of any file with the same
content. The source file is looked for from here, from the database's folder
and the folders above them; it is read only when its sha256 is still the one
stored, otherwise nothing of it is shown and the exit status is 1.
  --source FILE|FOLDER  where the source file is now, if it moved
  --png FILE            (PDF) write the page region around the number as a
                        PNG, the cell outlined in red
Example: yusuan trace 000_313ba343419bd952.txt general_budget_expenditure 2010301 total`,
    options: { ...dbOption, source: { type: 'string' }, png: { type: 'string' } },
    async run(values, positionals) {
      if (positionals.length < 3 || positionals.length > 4) throw new UsageError('trace takes a document, a table kind, a code or label, and optionally a measure');
      const store = openExisting(String(values.db));
      try {
        const [which, kind, codeOrLabel, measure] = positionals;
        const source = values.source === undefined ? undefined : String(values.source);
        const result = await trace(store, which, kind, codeOrLabel, measure, { source }).catch((e) => {
          if (e instanceof TraceError) throw new UsageError(e.message);
          throw e;
        });
        const d = result.document;
        const read = result.sourcePath && result.sourcePath !== d.sourcePath ? `, read from ${result.sourcePath}` : '';
        process.stdout.write(`${d.sourceFile} (${d.sourceFormat}, ${d.docId.slice(0, 12)}) ingested as ${d.sourcePath}${read}\n\n`);
        process.stdout.write(
          `${alignedTable(
            ['table_kind', 'row_no', 'code', 'label', 'measure', 'amount_yuan', 'source_unit', 'source_ref'],
            result.items.map((i) => [i.tableKind, i.rowNo, i.code, i.label, i.measure, i.amountYuan, i.sourceUnit, i.sourceRef]),
          )}\n`,
        );
        if (result.refused) {
          process.stderr.write(`yusuan trace: ${result.refused}\n`);
          return 1;
        }
        process.stdout.write(`\n${result.excerpts.join('\n\n')}\n`);
        if (values.png !== undefined) {
          const file = String(values.png);
          const image = await tracePng(result, file).catch((e) => {
            if (e instanceof TraceError) return e;
            throw e;
          });
          if (image instanceof TraceError) {
            process.stderr.write(`yusuan trace: ${image.message}\n`);
            return 2;
          }
          process.stdout.write(`\nwrote ${file}: page ${image.page}, ${image.width}×${image.height} px, the cell outlined in red\n`);
        }
        return 0;
      } finally {
        store.close();
      }
    },
  },
  serve: {
    summary: 'a local web page to review the store: documents, their tables beside their sources, departments',
    usage: `yusuan serve [--db ${DEFAULT_DB}] [--port 8080] [--host 127.0.0.1]

Serves the review page at http://127.0.0.1:8080/ (open it in a browser):
the documents with their status and checks; each document's tables beside
its source (the PDF page, the text lines, the table as published), every
number shown where it was read; departments across years. The database is
opened read-only; nothing is fetched from elsewhere. Stop it with Ctrl-C.`,
    options: { ...dbOption, port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' } },
    async run(values) {
      const port = wholeNumber(values.port, '--port', 0);
      if (port > 65535) throw new UsageError('--port takes a whole number from 0 to 65535');
      openExisting(String(values.db)).close();
      const { serve } = await import('../serve/server.js');
      const { app, url } = await serve({ db: String(values.db), host: String(values.host), port }).catch((e: Error) => {
        throw new UsageError(`cannot serve on ${values.host}:${port}: ${e.message}`);
      });
      process.stdout.write(`yusuan serve: ${url} (the store ${values.db}, read-only; Ctrl-C stops)\n`);
      await new Promise<void>((done) => {
        const stop = () => void app.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      return 0;
    },
  },
};

interface DocumentValidation {
  docId: string;
  sourceFile: string;
  /** ok, partial or failed. */
  status: string;
  /** Why it failed, or which tables of a partial document were not read. */
  reason: string;
  /** The standard tables found (none for a failed document), in the order of the set. */
  tables: { tableNo: number; tableKind: string; title: string; status: string; reason: string; lineItems: number }[];
  ok: number;
  rounding: number;
  error: number;
  problems: { severity: string; rule: string; sourceRef: string; message: string }[];
}

function validationReport(store: Store): DocumentValidation[] {
  const docs = store.db
    .prepare(
      `SELECT d.doc_key AS docKey, d.doc_id AS docId, d.source_file AS sourceFile, d.status, d.error AS reason,
              sum(c.severity = 'ok') AS ok, sum(c.severity = 'rounding') AS rounding, sum(c.severity = 'error') AS error
       FROM documents d LEFT JOIN checks c ON c.doc_key = d.doc_key
       GROUP BY d.doc_key ORDER BY d.source_file, d.doc_id`,
    )
    .all() as (DocumentValidation & { docKey: number })[];
  const tables = store.db.prepare(
    `SELECT table_no AS tableNo, table_kind AS tableKind, title, status, reason, line_items AS lineItems
     FROM budget_tables WHERE doc_key = ? ORDER BY table_no`,
  );
  const problems = store.db.prepare(
    `SELECT severity, rule, source_ref AS sourceRef, message FROM checks
     WHERE doc_key = ? AND severity <> 'ok' ORDER BY severity = 'rounding', seq`,
  );
  return docs.map(({ docKey, ...d }) => ({
    ...d,
    tables: tables.all(docKey) as DocumentValidation['tables'],
    ok: d.ok ?? 0,
    rounding: d.rounding ?? 0,
    error: d.error ?? 0,
    problems: problems.all(docKey) as DocumentValidation['problems'],
  }));
}

/** The nine standard tables of a document by what became of them: `read 1 2 3 4 5 6 9; empty 7 8`. */
function tableLine(d: DocumentValidation): string {
  const numbers = (status: string) => d.tables.filter((t) => t.status === status).map((t) => t.tableNo);
  const found = new Set(d.tables.map((t) => t.tableNo));
  const missing = [1, 2, 3, 4, 5, 6, 7, 8, 9].filter((n) => !found.has(n));
  const parts: [string, number[]][] = [['read', numbers('read')], ['empty', numbers('published_empty')], ['unreadable', numbers('unreadable')], ['not found', missing]];
  return parts.filter(([, n]) => n.length > 0).map(([what, n]) => `${what} ${n.join(' ')}`).join('; ');
}

function formatValidation(report: DocumentValidation[], all: boolean): string {
  const lines: string[] = [];
  for (const d of report) {
    if (d.status === 'failed') {
      lines.push(`${d.sourceFile}: failed: ${d.reason}`);
      continue;
    }
    lines.push(`${d.sourceFile}: ${d.ok} ok, ${d.rounding} rounding, ${d.error} error${d.status === 'partial' ? ' (partial: not every table was read)' : ''}`);
    lines.push(`  tables   ${tableLine(d)}`);
    for (const t of d.tables) {
      if (t.status !== 'unreadable') continue;
      // the reason often names its table already
      const named = `table ${t.tableNo} (${t.title}): `;
      lines.push(`  table ${t.tableNo} (${t.title}) not read: ${t.reason.startsWith(named) ? t.reason.slice(named.length) : t.reason}`);
    }
    for (const p of d.problems) {
      if (p.severity === 'error' || all) lines.push(`  ${p.severity.padEnd(8)} ${(p.sourceRef || '-').padEnd(7)} ${p.message}`);
    }
  }
  const errors = report.reduce((n, d) => n + d.error, 0);
  const roundings = report.reduce((n, d) => n + d.rounding, 0);
  const count = (status: string) => report.filter((d) => d.status === status).length;
  lines.push(
    '',
    `${report.length} document(s): ${count('ok')} ok, ${count('partial')} read in part, ${count('failed')} failed; ` +
      `${errors} check error(s), ${roundings} rounding difference(s)${roundings > 0 && !all ? ' (--all lists them)' : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

function wholeNumber(value: unknown, flag: string, min: number): number {
  const n = Number(value);
  if (String(value).trim() === '' || !Number.isInteger(n) || n < min) throw new UsageError(`${flag} takes a whole number ≥ ${min}, not "${value}"`);
  return n;
}

/** Opens a store to read, or says in one line why it cannot be: missing, not SQLite, not yusuan's, of another version. */
function openExisting(path: string): Store {
  if (!existsSync(path)) throw new Failure(`no database at ${path}: make one with \`yusuan ingest <folder> --db ${path}\`, or give --db the database to use`);
  if (statSync(path).isDirectory()) throw new Failure(`${path} is a folder, not a database: give --db the database file`);
  try {
    return Store.open(path, { readonly: true });
  } catch (e) {
    // the store says itself what is wrong and what to do (not SQLite, another program's, `yusuan migrate`, another yusuan)
    if (e instanceof StoreError) throw new Failure(e.message);
    throw new Failure(`cannot open the database ${path}: ${(e as Error).message}`);
  }
}

/** This package's version, from its package.json (one folder above dist/ and src/). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const versionLine = () => `yusuan ${packageVersion()} (pipeline ${PIPELINE_VERSION}, store schema ${SCHEMA_VERSION})`;

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return `yusuan — Chinese government budget disclosures (部门预算公开) as a clean, queryable dataset

Usage: yusuan <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Run \`yusuan help <command>\` (or \`yusuan <command> --help\`) for a command's options;
\`yusuan --version\` for the version.`;
}

/** The command a name is, or a usage error that says which one was likely meant. */
function commandNamed(name: string): Command {
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command) return command;
  throw new UsageError(`unknown command "${name}"${didYouMean(name, Object.keys(commands))} (yusuan help lists the commands)`);
}

/** Writes each line of a message with the command's name before it, so that every line says where it comes from. */
function writeLines(prefix: string, message: string): void {
  process.stderr.write(message.split('\n').map((line) => `${prefix}: ${line}\n`).join(''));
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    process.stderr.write(`${mainHelp()}\n`);
    return EXIT_USAGE;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest.length > 0) {
      let command: Command;
      try {
        command = commandNamed(rest[0]);
      } catch (e) {
        writeLines('yusuan help', (e as Error).message);
        return EXIT_USAGE;
      }
      process.stdout.write(`${command.usage}\n`);
      return 0;
    }
    process.stdout.write(`${mainHelp()}\n`);
    return 0;
  }
  let command: Command;
  try {
    command = commandNamed(name);
  } catch (e) {
    writeLines('yusuan', (e as Error).message);
    return EXIT_USAGE;
  }
  try {
    const { values, positionals } = parseCommandLine(rest, { ...command.options, help: { type: 'boolean', short: 'h', default: false } });
    if (values.help) {
      process.stdout.write(`${command.usage}\n`);
      return 0;
    }
    // a command whose run takes no positionals (declared `run(values)`) takes only options
    if (command.run.length < 2) refuseArguments(name, positionals);
    return await command.run(values, positionals);
  } catch (e) {
    if (e instanceof UsageError) {
      writeLines(`yusuan ${name}`, e.message);
      process.stderr.write(`usage: ${usageLines(command.usage).split('\n').join('\n       ')}\n(yusuan help ${name} says more)\n`);
      return EXIT_USAGE;
    }
    const plain = plainMessage(e);
    if (plain === undefined) throw e;
    writeLines(`yusuan ${name}`, plain);
    return EXIT_FAILURE;
  }
}
