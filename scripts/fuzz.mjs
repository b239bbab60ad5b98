#!/usr/bin/env node
// node scripts/fuzz.mjs [--count 1000] [--seed 1] [--time-limit 10] [--workers 2] [--heavy PERCENT] [--work DIR] [--json]
//
// Feeds mutated seeds and fixtures to the ingest (dist/: run `npm run build`
// first) and counts what became of them: truncations, byte flips, random
// bytes, UTF-8 ↔ GB18030 re-encodings, wrong extensions, broken XML inside a
// valid .docx, odd numbers (huge, full-width, malformed), shuffled lines.
// Deterministic from --seed. --heavy sets the share (in %) of inputs made
// from DOCX and PDF files, the slow ones to read (default: as the sources
// come, about half).
//
// Reported:
//   ok / failed      documents, with the failure reasons grouped; ok counts
//                    the documents read in part (status partial) too
//   crashes          an exception escaping ingest(), a crashed ingest process,
//                    a file neither stored nor reported
//   internal errors  documents failed with "internal error" (an exception
//                    the pipeline caught: a bug to fix, though contained)
//   hangs            documents abandoned after --time-limit seconds, and
//                    abandoned again when ingested alone; those that read
//                    alone in time are listed apart (abandoned in the batch:
//                    a fault of the worker pool, not of the document)
//   partial          failed documents with rows in items, budget_tables, checks
//                    or facts; ok documents whose line items differ from their
//                    tables' count or from a fresh ingest of the same bytes
//   silent losses    documents stored ok with fewer standard tables read or
//                    fewer line items than their original (ingested as it is,
//                    beside them) and no warning, error or failed check saying
//                    so; those made by content edits alone (lines, numbers: a
//                    row deleted leaves a valid document without that row) are
//                    listed apart and not counted
// Exit status 1 when there is a crash, an internal error, a hang, a partial
// document or a silent loss.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { entryData, random, readZip, setEntryData, writeZip } from './synth-corpus.mjs';

const ROOT = new URL('../', import.meta.url).pathname;
const DIST_INGEST = join(ROOT, 'dist', 'ingest.js');
const SELF = new URL(import.meta.url).pathname;

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    'time-limit': { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
    heavy: { type: 'string' },
    work: { type: 'string' },
    json: { type: 'boolean', default: false },
    // internal: the ingest child process
    child: { type: 'string' },
    db: { type: 'string' },
    dist: { type: 'string' },
  },
});

// ------------------------------------------------------------------ child

if (values.child) {
  // node scripts/fuzz.mjs --child files.json --db X: ingests the files, writes the outcomes beside files.json
  const { ingest } = await import(join(values.dist ?? join(ROOT, 'dist'), 'ingest.js'));
  const files = JSON.parse(readFileSync(values.child, 'utf8'));
  try {
    const summary = await ingest(files, {
      db: values.db,
      workers: Number(values.workers),
      timeLimitMs: Number(values['time-limit']) * 1000,
    });
    writeFileSync(`${values.child}.out`, JSON.stringify(summary.outcomes.map((o) => ({ path: o.path, status: o.status, error: o.error, docId: o.docId }))));
    process.exit(0);
  } catch (e) {
    process.stderr.write(`ingest threw: ${e?.stack ?? e}\n`);
    process.exit(3);
  }
}

// ------------------------------------------------------------------ inputs

const count = Number(values.count);
const seed = Number(values.seed);
const timeLimit = Number(values['time-limit']);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed) || !(timeLimit > 0)) {
  process.stderr.write('usage: node scripts/fuzz.mjs [--count 1000] [--seed 1] [--time-limit 10] [--workers 2] [--work DIR] [--json]\n');
  process.exit(2);
}
if (!existsSync(DIST_INGEST)) {
  process.stderr.write('fuzz: dist/ is not built: run `npm run build` first\n');
  process.exit(2);
}

const rand = random(seed);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (list) => list[Math.floor(rand() * list.length)];
const randomBytes = (n) => Buffer.from(Array.from({ length: n }, () => int(0, 255)));

const iconv = (await import('iconv-lite')).default;

const sourceDirs = [
  ['corpus', 'seeds'],
  ['corpus', 'fixtures', 'html'],
  ['corpus', 'fixtures', 'docx'],
  ['corpus', 'fixtures', 'pdf'],
  ['corpus', 'real'],
  ['tests', 'fixtures', 'variants'],
  ['tests', 'fixtures', 'docx-html-bad'],
  ['tests', 'fixtures', 'pdf-bad'],
];
const SOURCES = sourceDirs
  .map((parts) => join(ROOT, ...parts))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => /\.(txt|html?|docx|doc|pdf)$/i.test(f))
      .sort()
      .map((f) => ({ name: f, path: join(dir, f), ext: extname(f).toLowerCase(), bytes: readFileSync(join(dir, f)) })),
  );
// the seeds and format fixtures (which read) are mutated more often than the bad ones
const GOOD = SOURCES.filter((s) => !/\.(?:gb18030|gbk)\.|bad|encrypted|scanned|undecodable|bomb|legacy|not-|truncated|binary|empty|no-table/.test(s.name));
const isHeavy = (s) => /\.(docx|pdf)$/i.test(s.name);
const heavyShare = values.heavy === undefined ? undefined : Number(values.heavy) / 100;
if (heavyShare !== undefined && !(heavyShare >= 0 && heavyShare <= 1)) {
  process.stderr.write('fuzz: --heavy takes a percentage, 0 to 100\n');
  process.exit(2);
}
/** A source to mutate: mostly one that reads; DOCX/PDF in the --heavy share. */
function pickSource() {
  let pool = rand() < 0.75 ? GOOD : SOURCES;
  if (heavyShare !== undefined) {
    const heavy = rand() < heavyShare;
    pool = pool.filter((s) => isHeavy(s) === heavy);
  }
  return pick(pool);
}
const EXTENSIONS = ['.txt', '.html', '.htm', '.docx', '.pdf', '.doc'];

const isZip = (b) => b.length > 4 && b.readUInt32LE(0) === 0x04034b50;
const isPdf = (b) => b.subarray(0, 5).toString('latin1') === '%PDF-';
const isTextLike = (s) => !isZip(s.bytes) && !isPdf(s.bytes);
const isGb = (s) => /\.(gb18030|gbk)\./.test(s.name);

/** Decoded text of a text-like source. */
const textOf = (s) => (isGb(s) ? iconv.decode(s.bytes, 'gb18030') : s.bytes.toString('utf8'));

/** Each mutation: (source) → { bytes, ext } or undefined when it does not apply. */
const MUTATIONS = {
  truncate: (s) => ({ bytes: s.bytes.subarray(0, int(0, s.bytes.length)) }),
  'truncate-head': (s) => ({ bytes: s.bytes.subarray(int(1, Math.max(1, s.bytes.length - 1))) }),
  flip: (s) => {
    const b = Buffer.from(s.bytes);
    for (let n = int(1, 32); n > 0 && b.length > 0; n--) b[int(0, b.length - 1)] ^= 1 << int(0, 7);
    return { bytes: b };
  },
  overwrite: (s) => {
    const b = Buffer.from(s.bytes);
    const at = int(0, Math.max(0, b.length - 1));
    randomBytes(int(1, 512)).copy(b, at);
    return { bytes: b };
  },
  insert: (s) => {
    const at = int(0, s.bytes.length);
    return { bytes: Buffer.concat([s.bytes.subarray(0, at), randomBytes(int(1, 4096)), s.bytes.subarray(at)]) };
  },
  random: () => ({ bytes: randomBytes(int(0, 65536)), ext: pick(EXTENSIONS) }),
  'random-text': () => ({
    bytes: Buffer.from(Array.from({ length: int(1, 20000) }, () => pick(['\t', '\n', ' ', '合计', '收入', '支出', '单位：万元', '预算年度：2025', '1.00', '-', '201', '20101', '一、', '栏次', 'x'])).join(''), 'utf8'),
    ext: pick(['.txt', '.html']),
  }),
  'to-gb18030': (s) => (isTextLike(s) && !isGb(s) ? { bytes: iconv.encode(textOf(s), 'gb18030') } : undefined),
  'to-utf8': (s) => (isGb(s) ? { bytes: Buffer.from(textOf(s), 'utf8') } : undefined),
  'to-utf16': (s) => (isTextLike(s) ? { bytes: Buffer.concat([rand() < 0.5 ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(textOf(s), 'utf16le')]) } : undefined),
  'wrong-extension': (s) => ({ bytes: s.bytes, ext: pick(EXTENSIONS.filter((e) => e !== s.ext)) }),
  'numbers': (s) => {
    if (!isTextLike(s)) return undefined;
    const odd = ['99999999999999999999999.99', '-0.00', '1.2.3', '１２３４.５６', '1,23,4.5', '1e308', 'NaN', '∞', '(12.00)', '12.345678', '—', '0x1F', '９'.repeat(40)];
    const p = rand() * 0.3;
    const text = textOf(s).replace(/\d+\.\d{2}/g, (m) => (rand() < p ? pick(odd) : m));
    return { bytes: Buffer.from(text, 'utf8') };
  },
  lines: (s) => {
    if (!isTextLike(s)) return undefined;
    const lines = textOf(s).split('\n');
    for (let n = int(1, 50); n > 0 && lines.length > 1; n--) {
      const i = int(0, lines.length - 1);
      const op = int(0, 2);
      if (op === 0) lines.splice(i, 1);
      else if (op === 1) lines.splice(i, 0, lines[int(0, lines.length - 1)]);
      else [lines[i], lines[lines.length - 1 - i]] = [lines[lines.length - 1 - i], lines[i]];
    }
    return { bytes: Buffer.from(lines.join('\n'), 'utf8') };
  },
  'docx-xml': (s) => {
    if (!isZip(s.bytes)) return undefined;
    let entries;
    try {
      entries = readZip(s.bytes);
    } catch {
      return undefined;
    }
    const i = entries.findIndex((e) => e.name === 'word/document.xml');
    if (i < 0) return undefined;
    let xml;
    try {
      xml = entryData(entries[i]).toString('utf8');
    } catch {
      return undefined; // a damaged fixture's part that does not inflate
    }
    const op = int(0, 3);
    if (op === 0) xml = xml.slice(0, int(0, xml.length)); // cut XML
    else if (op === 1) xml = xml.replace(/<\/w:tc>/g, (m) => (rand() < 0.05 ? '' : m)); // unbalanced cells
    else if (op === 2) xml = xml.replace(/<w:t>([^<]*)<\/w:t>/g, (m, t) => (rand() < 0.1 ? `<w:t>${t}${pick(['&', '<', '\u0000', '&#0;', '&bogus;'])}</w:t>` : m)); // bad characters
    else xml = xml.replace(/<w:gridSpan w:val="\d+"\/>/g, () => `<w:gridSpan w:val="${pick(['0', '-1', '999999', 'x'])}"/>`); // odd spans
    entries[i] = setEntryData(entries[i], Buffer.from(xml, 'utf8'));
    return { bytes: writeZip(entries) };
  },
  'docx-entry': (s) => {
    if (!isZip(s.bytes)) return undefined;
    let entries;
    try {
      entries = readZip(s.bytes);
    } catch {
      return undefined;
    }
    entries.splice(int(0, entries.length - 1), 1);
    return { bytes: writeZip(entries) };
  },
  empty: () => ({ bytes: Buffer.alloc(0), ext: pick(EXTENSIONS) }),
};
const NAMES = Object.keys(MUTATIONS);

function mutate(source) {
  // one mutation mostly, sometimes two or three in a row
  const steps = rand() < 0.8 ? 1 : int(2, 3);
  let current = { ...source };
  const applied = [];
  for (let n = 0; n < steps; n++) {
    const name = pick(NAMES);
    let made;
    try {
      made = MUTATIONS[name](current);
    } catch {
      made = undefined; // a mutation that cannot take this input (a zip too damaged to take apart) does not apply
    }
    if (!made) continue;
    current = { name: current.name, ext: made.ext ?? current.ext, bytes: Buffer.from(made.bytes) };
    applied.push(name);
  }
  return applied.length > 0 ? { ...current, mutations: applied } : undefined;
}

const work = values.work ?? mkdtempSync(join(tmpdir(), 'yusuan-fuzz-'));
const inputsDir = join(work, 'inputs');
rmSync(inputsDir, { recursive: true, force: true });
mkdirSync(inputsDir, { recursive: true });
const inputs = [];
const hashes = new Set();
for (let attempt = 0; inputs.length < count && attempt < count * 20; attempt++) {
  const source = pickSource();
  const made = mutate(source);
  if (!made) continue;
  const hash = createHash('sha256').update(made.bytes).digest('hex');
  if (hashes.has(hash)) continue; // the same bytes twice would be one document
  hashes.add(hash);
  const stem = basename(source.name, extname(source.name)).replace(/[^\w.-]/g, '_').slice(0, 40);
  const path = join(inputsDir, `f${String(inputs.length).padStart(5, '0')}-${made.mutations.join('+')}-${stem}${made.ext}`);
  writeFileSync(path, made.bytes);
  inputs.push({ path, hash, mutations: made.mutations, source: source.name, sourcePath: source.path });
}

// ------------------------------------------------------------------ ingest

// a snapshot of dist/, so that a rebuild while the fuzz runs does not change
// the code under test between runs (beside the project's node_modules, which it imports)
const DIST = join(ROOT, 'node_modules', '.cache', 'yusuan-fuzz', `dist-${process.pid}`);
rmSync(DIST, { recursive: true, force: true });
cpSync(join(ROOT, 'dist'), DIST, { recursive: true });
process.on('exit', () => rmSync(DIST, { recursive: true, force: true }));

/** Runs the ingest of `files` into `db` in a child process; undefined outcomes when it crashed. */
function runChild(files, db, tag) {
  const list = join(work, `${tag}.json`);
  writeFileSync(list, JSON.stringify(files));
  rmSync(`${list}.out`, { force: true });
  const child = spawnSync(
    process.execPath,
    [SELF, '--child', list, '--db', db, '--dist', DIST, '--workers', values.workers, '--time-limit', String(timeLimit)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: Math.max(600_000, files.length * (timeLimit + 5) * 1000) },
  );
  if (child.status === 0 && existsSync(`${list}.out`)) return { outcomes: JSON.parse(readFileSync(`${list}.out`, 'utf8')) };
  const how = child.signal ? `killed by ${child.signal}` : `exit status ${child.status}`;
  return { crash: `${how}: ${(child.stderr || child.error?.message || '').trim().split('\n').slice(-3).join(' | ')}` };
}

const started = performance.now();
const crashes = [];
const db = join(work, 'fuzz.sqlite');
rmSync(db, { force: true });
rmSync(`${db}-wal`, { force: true });
rmSync(`${db}-shm`, { force: true });

let first = runChild(inputs.map((i) => i.path), db, 'all');
const outcomes = new Map();
if (first.crash) {
  // find the culprits: what the crashed run did not store, one process per file
  crashes.push({ file: '(whole run)', reason: first.crash });
  const Database = (await import('better-sqlite3')).default;
  const stored = new Set();
  if (existsSync(db)) {
    const conn = new Database(db, { readonly: true });
    for (const r of conn.prepare('SELECT doc_id FROM documents').all()) stored.add(r.doc_id);
    conn.close();
  }
  for (const input of inputs) {
    if (stored.has(input.hash)) continue;
    const one = runChild([input.path], db, 'one');
    if (one.crash) crashes.push({ file: basename(input.path), reason: one.crash });
  }
  first = runChild(inputs.map((i) => i.path), db, 'all-again');
  if (first.crash) crashes.push({ file: '(whole run, again)', reason: first.crash });
}
for (const o of first.outcomes ?? []) outcomes.set(o.path, o);

// ------------------------------------------------------------------ what became of them

const Database = (await import('better-sqlite3')).default;

/**
 * What a store holds of each document, by doc_id: its status, line items,
 * standard tables read, and how many things it says are wrong (warnings,
 * errors, failed checks) — a loss it says nothing about is a silent one.
 */
function documentFacts(path) {
  const c = new Database(path, { readonly: true });
  try {
    return new Map(
      c
        .prepare(
          `SELECT d.doc_id AS docId, d.status, d.error,
            (SELECT count(*) FROM items i WHERE i.doc_key = d.doc_key) AS items,
            (SELECT count(*) FROM budget_tables t WHERE t.doc_key = d.doc_key AND t.status = 'read') AS readTables,
            (SELECT count(*) FROM messages m WHERE m.doc_key = d.doc_key AND m.severity IN ('warning', 'error'))
              + (SELECT count(*) FROM check_problems p WHERE p.doc_key = d.doc_key AND p.severity = 'error') AS said
           FROM documents d`,
        )
        .all()
        .map((r) => [r.docId, r]),
    );
  } finally {
    c.close();
  }
}

// the originals of the inputs, read as they are: what each mutant is compared with
const originalsDb = join(work, 'originals.sqlite');
for (const suffix of ['', '-wal', '-shm']) rmSync(originalsDb + suffix, { force: true });
const originalPaths = [...new Set(inputs.map((i) => i.sourcePath))];
const originalRun = runChild(originalPaths, originalsDb, 'originals');
if (originalRun.crash) crashes.push({ file: '(originals)', reason: originalRun.crash });
const originalFacts = existsSync(originalsDb) ? documentFacts(originalsDb) : new Map();
const sha = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const originalOf = new Map(originalPaths.map((p) => [p, originalFacts.get(sha(p))]));
const mutantFacts = documentFacts(db);

const conn = new Database(db, { readonly: true });
const docs = new Map(
  conn
    .prepare(
      `SELECT d.doc_id AS docId, d.status, d.error,
        (SELECT count(*) FROM items i WHERE i.doc_key = d.doc_key) AS items,
        (SELECT count(*) FROM budget_tables t WHERE t.doc_key = d.doc_key) AS tables,
        (SELECT coalesce(sum(line_items), 0) FROM budget_tables t WHERE t.doc_key = d.doc_key) AS tableItems,
        (SELECT count(*) FROM checks c WHERE c.doc_key = d.doc_key) AS checks,
        (SELECT count(*) FROM facts f WHERE f.doc_key = d.doc_key) AS facts,
        (SELECT group_concat(rule, ' ') FROM messages m WHERE m.doc_key = d.doc_key AND m.severity = 'error') AS rules
       FROM documents d`,
    )
    .all()
    .map((r) => [r.docId, r]),
);
conn.close();

const partial = [];
const silentLosses = [];
/** Mutations that edit the content (a valid document with other rows), not damage it: their losses are listed apart. */
const CONTENT_EDITS = new Set(['lines', 'numbers']);
const editedLosses = [];
const hangs = [];
const internalErrors = [];
const failedReasons = new Map();
const byMutation = new Map();
let ok = 0;
let readInPart = 0;
let failed = 0;
let failedWithoutError = 0;
const reasonGroup = (error) => error.replace(/\d+(\.\d+)?/g, 'N').replace(/"[^"]*"/g, '"…"').slice(0, 110);
for (const input of inputs) {
  const doc = docs.get(input.hash);
  const name = basename(input.path);
  const kind = input.mutations.join('+');
  const tally = byMutation.get(kind) ?? { ok: 0, failed: 0 };
  byMutation.set(kind, tally);
  if (!doc) {
    // never stored: a crash, or a file the ingest could not read at all
    const o = outcomes.get(input.path);
    if (o?.status === 'failed') {
      failed++;
      tally.failed++;
      failedReasons.set(reasonGroup(o.error), (failedReasons.get(reasonGroup(o.error)) ?? 0) + 1);
    } else if (!crashes.some((c) => c.file === name)) crashes.push({ file: name, reason: 'not stored and not reported' });
    continue;
  }
  // stored ok with less than its original and nothing said: a loss nobody would notice
  const original = originalOf.get(input.sourcePath);
  const mutant = mutantFacts.get(input.hash);
  if (doc.status === 'ok' && original && mutant && mutant.said === 0 && (mutant.items < original.items || mutant.readTables < original.readTables)) {
    // lines deleted or numbers changed make another document, which may well be whole with fewer rows
    (input.mutations.every((m) => CONTENT_EDITS.has(m)) ? editedLosses : silentLosses).push({
      file: name,
      reason: `ok with ${mutant.readTables} tables and ${mutant.items} line items, its original ${input.source} ${original.readTables} and ${original.items}, and no message`,
    });
  }
  // a document read in part (some standard tables not read) is stored like an ok one
  if (doc.status === 'ok' || doc.status === 'partial') {
    ok++;
    tally.ok++;
    if (doc.status === 'partial') readInPart++;
    if (doc.items !== doc.tableItems) partial.push({ file: name, reason: `${doc.status}, ${doc.items} line items stored, its tables count ${doc.tableItems}` });
    continue;
  }
  failed++;
  tally.failed++;
  if (!doc.error) failedWithoutError++;
  const rules = (doc.rules ?? '').split(' ');
  if (rules.includes('time-limit')) hangs.push({ file: name, reason: doc.error });
  if (rules.includes('internal-error')) internalErrors.push({ file: name, reason: doc.error });
  failedReasons.set(reasonGroup(doc.error || '(no reason given)'), (failedReasons.get(reasonGroup(doc.error || '(no reason given)')) ?? 0) + 1);
  if (doc.items + doc.tables + doc.checks + doc.facts > 0) {
    partial.push({ file: name, reason: `failed, yet ${doc.items} items, ${doc.tables} tables, ${doc.checks} checks, ${doc.facts} facts stored` });
  }
}

// each document abandoned as a hang, alone: does it hang again?
const spuriousHangs = [];
for (const hang of hangs.splice(0)) {
  const alone = join(work, 'hang-check.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(alone + suffix, { force: true });
  const t = performance.now();
  const run = runChild([join(inputsDir, hang.file)], alone, 'hang-check');
  const outcome = run.outcomes?.[0];
  const seconds = ((performance.now() - t) / 1000).toFixed(1);
  if (outcome && !/took longer than/.test(outcome.error)) spuriousHangs.push({ file: hang.file, reason: `alone: ${outcome.status} in ${seconds} s` });
  else hangs.push(hang);
}

// ok documents again, into a fresh store: the same line items?
const okInputs = inputs.filter((i) => ['ok', 'partial'].includes(docs.get(i.hash)?.status));
const unstable = [];
if (okInputs.length > 0) {
  const fresh = join(work, 'fresh.sqlite');
  rmSync(fresh, { force: true });
  rmSync(`${fresh}-wal`, { force: true });
  rmSync(`${fresh}-shm`, { force: true });
  const again = runChild(okInputs.map((i) => i.path), fresh, 'fresh');
  if (again.crash) crashes.push({ file: '(fresh re-ingest)', reason: again.crash });
  const c2 = new Database(fresh, { readonly: true });
  const items2 = new Map(
    c2
      .prepare('SELECT d.doc_id AS docId, d.status, d.error, (SELECT count(*) FROM items i WHERE i.doc_key = d.doc_key) AS items FROM documents d')
      .all()
      .map((r) => [r.docId, r]),
  );
  c2.close();
  for (const input of okInputs) {
    const a = docs.get(input.hash);
    const b = items2.get(input.hash);
    if (!b) continue;
    if (b.status !== a.status) unstable.push({ file: basename(input.path), reason: `${a.status}, then ${b.status} on a fresh ingest: ${b.error}` });
    else if (a.items !== b.items) partial.push({ file: basename(input.path), reason: `${a.items} line items, ${b.items} on a fresh ingest of the same bytes` });
  }
}

const seconds = (performance.now() - started) / 1000;
const report = {
  inputs: inputs.length,
  seed,
  seconds: Number(seconds.toFixed(1)),
  ok,
  readInPart,
  failed,
  failedWithoutError,
  failedReasons: [...failedReasons.entries()].sort((a, b) => b[1] - a[1]).map(([reason, n]) => ({ reason, n })),
  crashes,
  internalErrors,
  hangs,
  spuriousHangs,
  partial,
  silentLosses,
  editedLosses,
  unstable,
  byMutation: Object.fromEntries([...byMutation.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
  work,
};

if (values.json) {
  process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
} else {
  const out = [];
  const kept = values.work || crashes.length > 0 || partial.length > 0 || silentLosses.length > 0;
  out.push(`fuzz: ${report.inputs} inputs (seed ${seed}) in ${report.seconds} s${kept ? ` — inputs and stores kept in ${work}` : ''}`);
  out.push(`  ok        ${ok}${readInPart > 0 ? ` (${readInPart} of them read in part)` : ''}`);
  out.push(`  failed    ${failed}${failedWithoutError ? ` (${failedWithoutError} without a reason!)` : ''}`);
  for (const { reason, n } of report.failedReasons.slice(0, 20)) out.push(`    ${String(n).padStart(5)}  ${reason}`);
  if (report.failedReasons.length > 20) out.push(`    … and ${report.failedReasons.length - 20} other reasons`);
  out.push(`  crashes   ${crashes.length}`);
  for (const c of crashes.slice(0, 20)) out.push(`    ${c.file}: ${c.reason}`);
  out.push(`  internal errors ${internalErrors.length} (caught, stored as failed: bugs to fix)`);
  for (const c of internalErrors.slice(0, 20)) out.push(`    ${c.file}: ${c.reason}`);
  out.push(`  hangs     ${hangs.length} (over ${timeLimit} s, alone too)`);
  for (const h of hangs.slice(0, 20)) out.push(`    ${h.file}`);
  if (spuriousHangs.length > 0) {
    out.push(`  abandoned in the batch only ${spuriousHangs.length} (read in time when alone: the worker pool's fault)`);
    for (const h of spuriousHangs.slice(0, 20)) out.push(`    ${h.file}: ${h.reason}`);
  }
  out.push(`  silent losses ${silentLosses.length} (stored ok with fewer tables or line items than the original, nothing said)`);
  for (const l of silentLosses.slice(0, 30)) out.push(`    ${l.file}: ${l.reason}`);
  if (editedLosses.length > 0) {
    out.push(`  fewer rows after a content edit ${editedLosses.length} (lines deleted or numbers changed: another, valid document; not counted as losses)`);
    for (const l of editedLosses.slice(0, 10)) out.push(`    ${l.file}: ${l.reason}`);
  }
  out.push(`  partial   ${partial.length}`);
  for (const p of partial.slice(0, 20)) out.push(`    ${p.file}: ${p.reason}`);
  if (unstable.length > 0) {
    out.push(`  unstable  ${unstable.length} (read once, otherwise on a fresh ingest)`);
    for (const u of unstable.slice(0, 20)) out.push(`    ${u.file}: ${u.reason}`);
  }
  out.push('  by mutation (ok/failed):');
  out.push(
    `    ${Object.entries(report.byMutation)
      .filter(([k]) => !k.includes('+'))
      .map(([k, v]) => `${k} ${v.ok}/${v.failed}`)
      .join(', ')}; combined ${Object.entries(report.byMutation)
      .filter(([k]) => k.includes('+'))
      .reduce((n, [, v]) => n + v.ok + v.failed, 0)}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}
const bad = crashes.length + partial.length + silentLosses.length + internalErrors.length + hangs.length;
if (!values.work && bad === 0) rmSync(work, { recursive: true, force: true });
process.exit(bad > 0 ? 1 : 0);
