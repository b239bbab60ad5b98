import { formatBox, formatRef } from '../ir.js';
import { departmentKey, parseRegion } from '../normalize/department.js';
import type { DocumentResult, Headlines, TableStatus } from '../pipeline.js';
import { countBySeverity } from '../validate/checks.js';
import { insertColumns, RECORD_TABLES, recordValues } from './records.js';
import { HEADLINE_COLUMNS } from './schema.js';

/**
 * What the store writes for one document, as the values of its rows, ready
 * to bind. Made where the document was processed — in a worker thread — so
 * that the single writer only binds values and commits: the writer is the
 * one stage of an ingest that cannot run in parallel, and cloning a whole
 * DocumentResult across threads would cost it as much as writing it.
 */
export interface DocumentRows {
  docId: string;
  /** The documents row: the values of DOCUMENT_COLUMNS. */
  document: unknown[];
  /** Per child table (CHILD_TABLES), its rows' values one after another; each row starts with a doc_key placeholder. */
  children: Record<string, unknown[]>;
  /** What the ingest reports of the document. */
  outcome: DocumentOutcome;
}

export interface DocumentOutcome {
  status: 'ok' | 'partial' | 'failed';
  /** Why the document failed, or which tables of a partial one were not read. */
  error: string;
  /** Standard tables read (published empty ones included). */
  tables: number;
  /** Standard tables found but not read (of a partial document). */
  unreadableTables?: number;
  lineItems: number;
  warnings: number;
  /** Validation: checks by severity (documents read). */
  checks?: { ok: number; rounding: number; error: number };
  format?: string;
  pages?: number;
}

/** The columns of a documents row, after doc_key (assigned by SQLite) and before ingested_at (the writer's clock). */
export const DOCUMENT_COLUMNS = [
  'doc_id', 'source_file', 'source_path', 'source_format', 'size_bytes', 'pages', 'department_code', 'department_name', 'department_key',
  'region', 'source_url', 'published_date', 'fiscal_year', 'budget_scope', 'phase', 'status', 'error', 'pipeline_version',
  ...HEADLINE_COLUMNS,
] as const;

const column = (name: (typeof DOCUMENT_COLUMNS)[number]) => DOCUMENT_COLUMNS.indexOf(name);
export const STATUS_COLUMN = column('status');
export const ERROR_COLUMN = column('error');
const HEADLINES_FROM = column(HEADLINE_COLUMNS[0]);

/** Headlines field of each headline column (documents.*_fen), in HEADLINE_COLUMNS order. */
const HEADLINE_FIELDS: Record<(typeof HEADLINE_COLUMNS)[number], keyof Headlines> = {
  revenue_total_fen: 'revenueTotalFen',
  expenditure_total_fen: 'expenditureTotalFen',
  basic_fen: 'basicFen',
  project_fen: 'projectFen',
  general_budget_fen: 'generalBudgetFen',
  personnel_fen: 'personnelFen',
  public_fen: 'publicFen',
  three_public_fen: 'threePublicFen',
};

/** Whether a document of this status has its tables' rows stored (ok, partial) or only its documents row and messages (failed). */
export const isRead = (status: string) => status === 'ok' || status === 'partial';

/**
 * The budget_tables rows of a document: its tables read (or published
 * empty), then those found but not read, one per kind (the key), in the
 * order of the standard set.
 */
function tableRows(r: DocumentResult): { kind: string; number: number; title: string; unit: string; empty: boolean; note: string | null; items: number; ref: string; status: TableStatus; reason: string }[] {
  const rows = (r.normalized?.tables ?? []).map((t) => ({
    kind: t.kind as string,
    number: t.number,
    title: t.title,
    unit: t.unit,
    empty: t.publishedEmpty,
    note: t.emptyNote ?? null,
    items: t.items.length,
    ref: formatRef(t.ref),
    status: (t.publishedEmpty ? 'published_empty' : 'read') as TableStatus,
    reason: '',
  }));
  const kinds = new Set(rows.map((t) => t.kind));
  for (const t of r.tables) {
    if (t.status !== 'unreadable' || kinds.has(t.kind)) continue;
    kinds.add(t.kind);
    rows.push({ kind: t.kind, number: t.number, title: t.title, unit: t.unit, empty: false, note: null, items: 0, ref: formatRef(t.ref), status: 'unreadable', reason: t.reason });
  }
  return rows.sort((a, b) => a.number - b.number);
}

/** A table holding rows per document, keyed by (doc_key, seq). */
export interface ChildTable {
  name: string;
  /** Columns after doc_key, in the order rows() writes them. */
  columns: string[];
  /** Appends the document's rows: for each, DOC_KEY_PLACEHOLDER then one value per column. */
  rows: (result: DocumentResult, out: unknown[]) => void;
  /** Whether a failed document keeps these rows (only its messages). */
  keptWhenFailed?: boolean;
}

/** Stands for the doc_key in a prepared row until the writer knows it. */
export const DOC_KEY_PLACEHOLDER = 0;

const refs = (cells: { ref: Parameters<typeof formatRef>[0] }[]) => cells.map((cell) => formatRef(cell.ref)).join(' ');

export const CHILD_TABLES: ChildTable[] = [
  {
    name: 'messages',
    columns: ['seq', 'stage', 'severity', 'rule', 'message', 'source_ref'],
    keptWhenFailed: true,
    rows: (r, out) => r.messages.forEach((m, seq) => out.push(DOC_KEY_PLACEHOLDER, seq, m.stage, m.severity, m.rule, m.text, formatRef(m.ref))),
  },
  {
    name: 'budget_tables',
    columns: ['table_kind', 'table_no', 'title', 'unit', 'published_empty', 'empty_note', 'line_items', 'source_ref', 'status', 'reason'],
    rows: (r, out) => {
      for (const t of tableRows(r)) out.push(DOC_KEY_PLACEHOLDER, t.kind, t.number, t.title, t.unit, t.empty ? 1 : 0, t.note, t.items, t.ref, t.status, t.reason);
    },
  },
  {
    name: 'items',
    columns: [
      'seq', 'table_kind', 'side', 'row_no', 'code', 'code_scheme', 'code_level', 'parent_code', 'label', 'measure', 'amount_fen', 'source_ref', 'column_no',
      'unit_name', 'code_source', 'box',
    ],
    rows: (r, out) => {
      let seq = 0;
      for (const t of r.normalized?.tables ?? []) {
        for (const i of t.items) {
          out.push(
            DOC_KEY_PLACEHOLDER, seq++, t.kind, i.side, i.rowNo, i.code, i.codeScheme, i.codeLevel ?? null, i.parentCode, i.label, i.measure, i.amountFen,
            formatRef(i.ref), i.column ?? null, i.unitName ?? '', i.codeSource ?? '', formatBox(i.ref?.box),
          );
        }
      }
    },
  },
  {
    name: 'check_problems',
    columns: ['seq', 'rule', 'severity', 'table_kind', 'code', 'label', 'measure', 'expected_fen', 'actual_fen', 'message', 'source_ref', 'involves'],
    rows: (r, out) =>
      r.checks.forEach((c, seq) => {
        if (c.severity === 'ok') return;
        out.push(
          DOC_KEY_PLACEHOLDER, seq, c.rule, c.severity, c.tableKind, c.code, c.label, c.measure, c.expectedFen, c.actualFen, c.message, formatRef(c.ref),
          refs(c.involves),
        );
      }),
  },
  {
    // a document passes some 200 checks: one row of them all costs the writer far less than 200 rows;
    // the texts they repeat (rule, table kind, label, measure, the identity checked) are written once
    // each, in `strings`, and referred to by number: 42 KB a document became 18 KB (schema.ts)
    name: 'check_passes',
    columns: ['strings', 'checks'],
    rows: (r, out) => {
      const strings = new Map<string, number>();
      const string = (text: string) => {
        let n = strings.get(text);
        if (n === undefined) strings.set(text, (n = strings.size));
        return n;
      };
      const passes: unknown[][] = [];
      r.checks.forEach((c, seq) => {
        if (c.severity !== 'ok') return;
        const expected = String(c.expectedFen);
        const actual = String(c.actualFen);
        passes.push([
          seq, string(c.rule), string(c.tableKind), c.code, string(c.label), string(c.measure),
          expected, actual === expected ? null : actual, string(c.message), formatRef(c.ref), refs(c.involves),
        ]);
      });
      if (passes.length > 0) out.push(DOC_KEY_PLACEHOLDER, JSON.stringify([...strings.keys()]), JSON.stringify(passes));
    },
  },
  {
    name: 'facts',
    columns: ['seq', 'name', 'value_fen', 'unit', 'published', 'sentence', 'source_ref'],
    rows: (r, out) => r.facts.forEach((f, seq) => out.push(DOC_KEY_PLACEHOLDER, seq, f.name, f.fen, f.unit, f.published, f.sentence, formatRef(f.ref))),
  },
  ...RECORD_TABLES.map(
    (table): ChildTable => ({
      name: table.name,
      columns: insertColumns(table),
      rows: (r, out) => {
        if (!r.disclosure) return;
        table.records(r.disclosure).forEach((record, seq) => out.push(DOC_KEY_PLACEHOLDER, seq, ...recordValues(table, record)));
      },
    }),
  ),
];

/** The rows of a document as the store writes them. Pure: runs in whichever thread processed the document. */
export function documentRows(result: DocumentResult): DocumentRows {
  const doc = result.normalized;
  const read = isRead(result.status) && doc !== undefined;
  const document = [
    result.docId,
    result.sourceFile,
    result.sourcePath,
    result.format ?? '',
    result.sizeBytes,
    result.pages ?? null,
    doc?.departmentCode ?? '',
    doc?.departmentName ?? '',
    doc ? departmentKey(doc.departmentCode, doc.departmentName, result.source?.region) : '',
    result.source?.region || parseRegion(doc?.departmentName ?? '').region,
    result.source?.sourceUrl ?? '',
    result.source?.publishedDate ?? '',
    doc?.fiscalYear ?? null,
    doc?.budgetScope ?? '',
    doc?.phase ?? 'budget',
    result.status,
    result.error,
    result.pipelineVersion,
    ...HEADLINE_COLUMNS.map((c) => (read ? (result.headlines?.[HEADLINE_FIELDS[c]] ?? null) : null)),
  ];
  const children: Record<string, unknown[]> = {};
  for (const table of CHILD_TABLES) {
    const out: unknown[] = [];
    if (read || table.keptWhenFailed) table.rows(result, out);
    children[table.name] = out;
  }
  return {
    docId: result.docId,
    document,
    children,
    outcome: {
      status: result.status,
      error: result.error,
      tables: read ? doc.tables.length : 0,
      unreadableTables: read ? tableRows(result).filter((t) => t.status === 'unreadable').length : 0,
      lineItems: read ? doc.tables.reduce((n, t) => n + t.items.length, 0) : 0,
      warnings: result.messages.filter((m) => m.severity === 'warning').length,
      checks: read ? countBySeverity(result.checks) : undefined,
      format: result.format,
      pages: result.pages,
    },
  };
}

/**
 * The same document recorded as failed, with the reason (a write that
 * failed: the document was read but could not be stored). Only its
 * documents row and messages remain.
 */
export function failedRows(rows: DocumentRows, reason: string, rule: string, stage: string): DocumentRows {
  const document = [...rows.document];
  document[STATUS_COLUMN] = 'failed';
  document[ERROR_COLUMN] = reason;
  for (let i = 0; i < HEADLINE_COLUMNS.length; i++) document[HEADLINES_FROM + i] = null;
  const children: Record<string, unknown[]> = {};
  for (const table of CHILD_TABLES) children[table.name] = table.keptWhenFailed ? [...rows.children[table.name]] : [];
  const messages = children.messages;
  const seq = messages.length / (CHILD_TABLES.find((t) => t.name === 'messages')!.columns.length + 1);
  messages.push(DOC_KEY_PLACEHOLDER, seq, stage, 'error', rule, reason, '');
  return { docId: rows.docId, document, children, outcome: { ...rows.outcome, status: 'failed', error: reason, tables: 0, unreadableTables: 0, lineItems: 0, checks: undefined } };
}
