import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import Database from 'better-sqlite3';

import { discoverFiles, DOCUMENT_EXTENSIONS, ingestFiles } from '../ingest.js';
import { PIPELINE_VERSION } from '../pipeline.js';
import { writeDataPackage } from '../store/datapackage.js';
import { mergeStores, parseShard } from '../store/merge.js';
import { DATASETS, datasetCsv, datasetNames } from '../store/datasets.js';
import { SCHEMA_VERSION } from '../store/schema.js';
import { Store } from '../store/store.js';
import { trace, TraceError } from '../trace.js';
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
cores; 0 reads in the main thread). A document taking longer than
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

Datasets: ${datasetNames().join(', ')}. CSV is UTF-8, RFC 4180, header first;
--bom adds a byte-order mark for Excel. Writes to stdout without --out.
--datapackage writes every dataset as CSV into DIR with a Frictionless
datapackage.json (field types, keys, units, descriptions).
--format parquet writes every dataset as Parquet under DIR/<dataset>/,
partitioned Hive-style by fiscal_year and region (readable by DuckDB, Spark,
Trino); amounts are DECIMAL(18,2).`,
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
      if (values.format !== 'csv') throw new UsageError(`unknown format "${values.format}"; csv or parquet`);
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
    usage: `yusuan query [--db ${DEFAULT_DB}] [--csv] "<SQL>"

The database is opened read-only. Prints an aligned table, or CSV with --csv.
Example: yusuan query "SELECT table_kind, count(*) FROM line_items GROUP BY 1"`,
    options: { ...dbOption, csv: { type: 'boolean', default: false } },
    async run(values, positionals) {
      if (positionals.length !== 1) throw new UsageError('query takes one SQL statement (quote it)');
      const store = openExisting(String(values.db));
      try {
        let statement;
        try {
          statement = store.db.prepare(positionals[0]);
        } catch (e) {
          throw new UsageError(`the SQL is not valid: ${(e as Error).message}`);
        }
        if (!statement.reader) throw new UsageError('query only reads: use a SELECT (or WITH … SELECT) statement');
        const columns = statement.columns().map((c) => c.name);
        let rows: unknown[][];
        try {
          rows = statement.raw(true).all() as unknown[][];
        } catch (e) {
          // the SQL is valid but its evaluation is not (malformed JSON, an integer overflow)
          throw new Failure(`the query failed: ${(e as Error).message}`);
        }
        if (values.csv) {
          const { csvLine } = await import('../store/csv.js');
          process.stdout.write(csvLine(columns) + rows.map(csvLine).join(''));
        } else {
          process.stdout.write(`${alignedTable(columns, rows)}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`);
        }
      } finally {
        store.close();
      }
      return 0;
    },
  },
  merge: {
    summary: 'join databases (of sharded ingests) into one',
    usage: `yusuan merge <db>... --db OUT

Copies every document of each database into OUT, each in one transaction.
Idempotent: a document already in OUT (read by the same pipeline version)
is left as it is.`,
    options: { db: { type: 'string' } },
    async run(values, positionals) {
      if (positionals.length === 0 || values.db === undefined) throw new UsageError('merge takes the databases to join and --db OUT');
      const summary = mergeStores(positionals, String(values.db));
      for (const source of summary.sources) {
        process.stdout.write(`${source.path}: ${source.documents} document(s), ${source.copied} copied (${source.replaced} replacing), ${source.skipped} already there\n`);
      }
      process.stdout.write(`${summary.target}: ${summary.copied} document(s) copied, ${summary.skipped} already there\n`);
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
    usage: `yusuan trace [--db ${DEFAULT_DB}] <doc_id-prefix|source_file> <table_kind> <code|label> [measure]

Prints the stored value(s) and the source lines (or the PDF/DOCX/HTML row)
holding each, read again from the source file.
Example: yusuan trace 000_313ba343419bd952.txt general_budget_expenditure 2010301 total`,
    options: { ...dbOption },
    async run(values, positionals) {
      if (positionals.length < 3 || positionals.length > 4) throw new UsageError('trace takes a document, a table kind, a code or label, and optionally a measure');
      const store = openExisting(String(values.db));
      try {
        const [which, kind, codeOrLabel, measure] = positionals;
        const result = await trace(store, which, kind, codeOrLabel, measure).catch((e) => {
          if (e instanceof TraceError) throw new UsageError(e.message);
          throw e;
        });
        const d = result.document;
        process.stdout.write(`${d.sourceFile} (${d.sourceFormat}, ${d.docId.slice(0, 12)}) ${d.sourcePath}\n\n`);
        process.stdout.write(
          `${alignedTable(
            ['table_kind', 'row_no', 'code', 'label', 'measure', 'amount_yuan', 'source_unit', 'source_ref'],
            result.items.map((i) => [i.tableKind, i.rowNo, i.code, i.label, i.measure, i.amountYuan, i.sourceUnit, i.sourceRef]),
          )}\n\n${result.excerpts.join('\n\n')}\n`,
        );
        return 0;
      } finally {
        store.close();
      }
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

/** Whether a SQLite file has the documents table every yusuan store has (read before the store prepares its statements on it). */
function hasDocumentsTable(path: string): boolean {
  const sqlite = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents'").get() !== undefined;
  } finally {
    sqlite.close();
  }
}

/** Opens a store to read, or says in one line why it cannot be: missing, not SQLite, not yusuan's, of another version. */
function openExisting(path: string): Store {
  if (!existsSync(path)) throw new Failure(`no database at ${path}: make one with \`yusuan ingest <folder> --db ${path}\`, or give --db the database to use`);
  if (statSync(path).isDirectory()) throw new Failure(`${path} is a folder, not a database: give --db the database file`);
  try {
    if (!hasDocumentsTable(path)) {
      throw new Failure(`${path} is not a database yusuan made (it has no documents table): give --db one that \`yusuan ingest\` wrote`);
    }
    return Store.open(path, { readonly: true });
  } catch (e) {
    if (e instanceof Failure) throw e;
    const error = e as { code?: string; message: string };
    if (error.code === 'SQLITE_NOTADB') throw new Failure(`${path} is not a SQLite database: give --db a database yusuan made`);
    throw new Failure(/another version of yusuan/.test(error.message) ? error.message : `cannot open the database ${path}: ${error.message}`);
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
