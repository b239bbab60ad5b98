/** The summary an ingest ends with: what was read, what was not and why, what to look at. */
import type { FileOutcome, IngestSummary, SkippedFile } from '../ingest.js';

/** Lists at most this many files under a heading (failures excepted: all of them); the database has the rest. */
export const LISTED = 20;

/** `… and 12 more: 10 Excel workbooks are not read yet, 2 …` — the rest of a list, counted by reason. */
function restByReason(rest: SkippedFile[]): string {
  const counts = new Map<string, number>();
  for (const s of rest) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} × ${reason}`).join('; ');
}

/** The files of walked folders left out, one line each (at most `limit`, then the rest by reason). */
export function skippedLines(skipped: SkippedFile[], limit = LISTED): string[] {
  const lines = skipped.slice(0, limit).map((s) => `${s.path}: ${s.reason}`);
  if (skipped.length > limit) lines.push(`… and ${skipped.length - limit} more: ${restByReason(skipped.slice(limit))}`);
  return lines;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function formatSummary(summary: IngestSummary, db: string): string {
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  const seconds = (summary.elapsedMs / 1000).toFixed(1);
  const list = (heading: string, items: string[], total: number, rest?: string) => {
    if (total === 0) return;
    out();
    out(heading);
    for (const item of items) out(`  ${item}`);
    if (total > items.length) out(`  … and ${total - items.length} more${rest ? `; all of them: ${rest}` : ''}`);
  };
  if (summary.interrupted) {
    out(`Stopped by Ctrl-C after ${summary.done} of ${summary.files} file(s), in ${seconds} s: those are stored in ${db}, each document whole; the other ${summary.files - summary.done} were not read.`);
    out('Run the same command again to go on: the documents stored are left as they are.');
  } else {
    out(`Ingested ${summary.files} file(s) into ${db} in ${seconds} s`);
  }
  if (summary.upgradedFrom !== undefined) {
    out(`  (${db} was a store of an older yusuan, schema ${summary.upgradedFrom}: upgraded in place from its rows; its documents are read again when their files are ingested)`);
  }
  const partial = summary.partialTables;
  out(`  ok         ${summary.ok} document(s), ${summary.tables - partial.read} table(s), ${summary.lineItems - partial.lineItems} line item(s)`);
  if (summary.partial > 0) {
    out(`  partial    ${summary.partial} document(s), ${partial.read} table(s) read and ${summary.unreadableTables} not, ${partial.lineItems} line item(s)`);
  }
  const kept = summary.unchanged - summary.duplicates;
  if (kept > 0) out(`  unchanged  ${kept} document(s) already stored, left as they were`);
  if (summary.duplicates > 0) out(`  duplicates ${summary.duplicates} file(s) with the same content as another file of this run, stored once (listed below)`);
  if (summary.elsewhere > 0) out(`  elsewhere  ${summary.elsewhere} file(s) of other shards, left to them`);
  out(`  failed     ${summary.failed} document(s)`);
  if (summary.skipped.length > 0) out(`  skipped    ${summary.skipped.length} file(s) of kinds yusuan does not read (listed below)`);
  const s = summary.stored;
  out(`The database now holds ${plural(s.documents, 'document')}: ${s.ok} ok, ${s.partial} partial, ${s.failed} failed`);

  const failed = summary.outcomes.filter((o) => o.status === 'failed');
  list('These files could not be read (nothing of them is in the dataset):', failed.map((o) => `${o.path}: ${o.error}`), failed.length);
  const partials = summary.outcomes.filter((o) => o.status === 'partial');
  list(
    'These files were read in part (what was read is in the dataset; these tables are not):',
    partials.slice(0, LISTED).map((o) => `${o.path}: ${o.error}`),
    summary.partial,
    `yusuan query "SELECT source_file, table_no, title, reason FROM tables_dataset WHERE status = 'unreadable'"`,
  );
  const duplicates = summary.outcomes.filter((o) => o.duplicateOf !== undefined);
  list(
    'These files have the same content as another file of this run (stored once, under the first):',
    duplicates.slice(0, LISTED).map((o) => `${o.path}: same as ${o.duplicateOf}`),
    summary.duplicates,
  );
  list('These files were not read (of kinds yusuan does not read):', skippedLines(summary.skipped), summary.skipped.length);
  if (summary.hidden > 0) {
    out();
    out(`${plural(summary.hidden, 'hidden file or folder', 'hidden files or folders')} (names starting with ".") ${summary.hidden === 1 ? 'was' : 'were'} not looked at.`);
  }

  const { checks } = summary;
  if (checks.ok + checks.rounding + checks.error > 0) {
    out();
    out(`Checks (yusuan validate lists them): ${checks.ok} ok, ${checks.rounding} rounding, ${checks.error} error`);
    // rounding differences are the documents' own 万元 roundings: only errors are worth a look
    const flagged = summary.outcomes.filter((o) => (o.checks?.error ?? 0) > 0).sort((a, b) => b.checks!.error - a.checks!.error);
    list(
      'Documents with checks that fail, most errors first:',
      flagged.slice(0, LISTED).map((o: FileOutcome) => `${o.path}: ${o.checks!.error} error, ${o.checks!.rounding} rounding, ${o.checks!.ok} ok`),
      flagged.length,
      'yusuan validate',
    );
  }
  const warned = summary.outcomes.filter((o) => o.status === 'ok' && o.warnings > 0);
  list(
    "Read with warnings (see them with: yusuan query \"SELECT * FROM document_messages WHERE severity = 'warning'\"):",
    warned.slice(0, LISTED).map((o) => `${o.path}: ${o.warnings} warning(s)`),
    summary.warned,
    `yusuan query "SELECT source_file, count(*) AS warnings FROM document_messages WHERE severity = 'warning' GROUP BY doc_id"`,
  );
  if (summary.unmatchedManifestRows.length > 0) {
    const rows = summary.unmatchedManifestRows;
    out();
    const which = `${rows.slice(0, LISTED).join(', ')}${rows.length > LISTED ? ' …' : ''}`;
    out(`The manifest's ${rows.length === 1 ? `row ${which} names` : `rows ${which} name`} no file of this run (a misspelt name, or a file not given).`);
  }
  return `${lines.join('\n')}\n`;
}
