import type Database from 'better-sqlite3';
import { yuanSql } from '../store/schema.js';

/**
 * What the review page reads from the store, always through a read-only
 * connection. The list of documents is kept in memory and rebuilt when
 * another connection (an ingest running beside the server) has written:
 * filtering and sorting 10,000 summaries in JavaScript takes a few
 * milliseconds, counting their checks in SQL each time would not.
 */

export interface DocumentSummary {
  docId: string;
  sourceFile: string;
  sourceFormat: string;
  departmentName: string;
  departmentCode: string;
  region: string;
  fiscalYear: number | null;
  status: string;
  error: string;
  tablesFound: number;
  tablesRead: number;
  lineItems: number;
  checksOk: number;
  checksRounding: number;
  checksError: number;
}

export const SORT_KEYS = ['departmentName', 'region', 'fiscalYear', 'sourceFormat', 'status', 'sourceFile', 'tablesRead', 'lineItems', 'checksError'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface ListQuery {
  /** Matched against the department's name and the file's name. */
  search: string;
  status: string;
  format: string;
  region: string;
  year: number | null;
  sort: SortKey;
  descending: boolean;
  offset: number;
  limit: number;
}

export interface ListPage {
  total: number;
  matched: number;
  offset: number;
  documents: DocumentSummary[];
  /** The values the filters can take, for the page's menus. */
  facets: { statuses: string[]; formats: string[]; regions: string[]; years: number[] };
}

/** The summaries of the documents whose doc_key is in the JSON array bound as the parameter. */
const SUMMARY_SQL = `
WITH wanted AS (SELECT value AS doc_key FROM json_each(?))
SELECT d.doc_key AS docKey, d.ingested_at AS ingestedAt,
       d.doc_id AS docId, d.source_file AS sourceFile, d.source_format AS sourceFormat, d.department_name AS departmentName,
       d.department_code AS departmentCode, d.region, d.fiscal_year AS fiscalYear, d.status, d.error,
       (SELECT count(*) FROM budget_tables t WHERE t.doc_key = d.doc_key) AS tablesFound,
       (SELECT count(*) FROM budget_tables t WHERE t.doc_key = d.doc_key AND t.status <> 'unreadable') AS tablesRead,
       (SELECT coalesce(sum(line_items), 0) FROM budget_tables t WHERE t.doc_key = d.doc_key) AS lineItems,
       coalesce((SELECT json_array_length(p.checks) FROM check_passes p WHERE p.doc_key = d.doc_key), 0) AS checksOk,
       (SELECT count(*) FROM check_problems c WHERE c.doc_key = d.doc_key AND c.severity = 'rounding') AS checksRounding,
       (SELECT count(*) FROM check_problems c WHERE c.doc_key = d.doc_key AND c.severity = 'error') AS checksError
FROM wanted w JOIN documents d ON d.doc_key = w.doc_key`;

/** Every document's key and when it was written: what tells a summary kept in memory is still right. */
const VERSIONS_SQL = 'SELECT doc_key AS docKey, ingested_at AS ingestedAt FROM documents ORDER BY doc_key';

type Summary = DocumentSummary & { docKey: number; ingestedAt: string };

export class ReviewQueries {
  private summaries: Summary[] = [];
  private facets: ListPage['facets'] = { statuses: [], formats: [], regions: [], years: [] };
  private dataVersion = -1;
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      document: db.prepare(
        `SELECT doc_key AS docKey, doc_id AS docId, source_file AS sourceFile, source_path AS sourcePath, source_format AS sourceFormat,
                size_bytes AS sizeBytes, pages, department_code AS departmentCode, department_name AS departmentName, region,
                fiscal_year AS fiscalYear, budget_scope AS budgetScope, phase, status, error, pipeline_version AS pipelineVersion,
                ingested_at AS ingestedAt
         FROM documents WHERE doc_id = ?`,
      ),
      tables: db.prepare(
        `SELECT table_kind AS tableKind, table_no AS tableNo, title, unit, published_empty AS publishedEmpty, empty_note AS emptyNote,
                line_items AS lineItems, source_ref AS sourceRef, status, reason
         FROM budget_tables WHERE doc_key = ? ORDER BY table_no`,
      ),
      items: db.prepare(
        `SELECT seq, table_kind AS tableKind, side, row_no AS rowNo, code, code_level AS codeLevel, label, measure,
                ${yuanSql('amount_fen')} AS amountYuan, CAST(amount_fen AS TEXT) AS amountFen, source_ref AS sourceRef, column_no AS columnNo,
                unit_name AS unitName
         FROM items WHERE doc_key = ? ORDER BY seq`,
      ),
      problems: db.prepare(
        `SELECT seq, rule, severity, table_kind AS tableKind, code, label, measure, ${yuanSql('expected_fen')} AS expectedYuan,
                ${yuanSql('actual_fen')} AS actualYuan, message, source_ref AS sourceRef, involves
         FROM check_problems WHERE doc_key = ? ORDER BY severity = 'rounding', seq`,
      ),
      passes: db.prepare('SELECT coalesce(json_array_length(checks), 0) AS n FROM check_passes WHERE doc_key = ?'),
      messages: db.prepare('SELECT severity, stage, rule, message, source_ref AS sourceRef FROM messages WHERE doc_key = ? ORDER BY seq'),
      departments: db.prepare(
        `SELECT department_key AS departmentKey, region, department_name AS departmentName, documents, first_year AS firstYear, last_year AS lastYear
         FROM departments ORDER BY region, department_name`,
      ),
      departmentYears: db.prepare(
        `SELECT fiscal_year AS fiscalYear, doc_id AS docId, department_name AS departmentName, region, chosen_because AS chosenBecause,
                revenue_total_yuan AS revenueTotalYuan, expenditure_total_yuan AS expenditureTotalYuan, basic_yuan AS basicYuan,
                project_yuan AS projectYuan, three_public_yuan AS threePublicYuan
         FROM department_years WHERE department_key = ? ORDER BY fiscal_year`,
      ),
      regionYear: db.prepare(
        `SELECT department_key AS departmentKey, department_name AS departmentName, doc_id AS docId,
                revenue_total_yuan AS revenueTotalYuan, expenditure_total_yuan AS expenditureTotalYuan, basic_yuan AS basicYuan,
                project_yuan AS projectYuan, three_public_yuan AS threePublicYuan
         FROM department_years
         -- by department_key, which the view's ranking partitions by, so SQLite ranks only these departments' documents
         WHERE department_key IN (SELECT department_key FROM documents WHERE region = @region AND fiscal_year = @year)
           AND fiscal_year = @year AND region = @region
         ORDER BY department_name`,
      ),
      // the pairs department_years has, without its ranking of every document (seconds for 10,000)
      regionYears: db.prepare(
        `SELECT region, fiscal_year AS fiscalYear, count(DISTINCT department_key) AS departments FROM documents
         WHERE status IN ('ok', 'partial') AND fiscal_year IS NOT NULL GROUP BY region, fiscal_year ORDER BY region, fiscal_year`,
      ),
      classes: db.prepare(
        `SELECT i.seq, i.code, i.label, ${yuanSql('i.amount_fen')} AS amountYuan, t.table_no AS tableNo
         FROM items i JOIN documents d ON d.doc_key = i.doc_key JOIN budget_tables t ON t.doc_key = i.doc_key AND t.table_kind = i.table_kind
         WHERE d.doc_id = ? AND i.table_kind = ? AND i.code_level = 1 AND i.measure = 'total' AND i.unit_name = ''
         ORDER BY i.amount_fen DESC`,
      ),
      headlineCell: db.prepare(
        `SELECT i.seq FROM items i JOIN documents d ON d.doc_key = i.doc_key
         WHERE d.doc_id = ? AND i.table_kind = ? AND i.side = ? AND i.measure = ? AND i.amount_fen = ? AND i.code = ''
         ORDER BY i.seq LIMIT 1`,
      ),
      headlineFen: db.prepare(
        `SELECT revenue_total_fen AS revenueTotal, expenditure_total_fen AS expenditureTotal, basic_fen AS basic, project_fen AS project
         FROM documents WHERE doc_id = ?`,
      ),
    };
  }

  /**
   * Brings the summaries up to date when the store has changed since they
   * were read (PRAGMA data_version): only the documents written since are
   * read again (counting a document's passing checks reads its packed
   * checks, some 18 KB: for 10,000 documents, seconds), removed ones dropped.
   */
  refresh(): void {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.dataVersion) return;
    const versions = this.db.prepare(VERSIONS_SQL).all() as { docKey: number; ingestedAt: string }[];
    const kept = new Map(this.summaries.map((s) => [s.docKey, s]));
    const stale = versions.filter((v) => kept.get(v.docKey)?.ingestedAt !== v.ingestedAt).map((v) => v.docKey);
    const read = new Map<number, Summary>();
    const statement = this.db.prepare(SUMMARY_SQL);
    for (let at = 0; at < stale.length; at += 5000) {
      for (const row of statement.all(JSON.stringify(stale.slice(at, at + 5000))) as Summary[]) read.set(row.docKey, row);
    }
    this.summaries = versions.map((v) => read.get(v.docKey) ?? kept.get(v.docKey)!).filter(Boolean);
    const distinct = <T>(values: T[]) => [...new Set(values)].filter((v) => v !== '' && v !== null).sort() as T[];
    this.facets = {
      statuses: distinct(this.summaries.map((s) => s.status)),
      formats: distinct(this.summaries.map((s) => s.sourceFormat)),
      regions: distinct(this.summaries.map((s) => s.region)),
      years: (distinct(this.summaries.map((s) => s.fiscalYear)) as number[]).sort((a, b) => a - b),
    };
    this.dataVersion = version;
  }

  list(q: ListQuery): ListPage {
    this.refresh();
    const needle = q.search.toLowerCase();
    const matched = this.summaries.filter(
      (s) =>
        (needle === '' || s.departmentName.toLowerCase().includes(needle) || s.sourceFile.toLowerCase().includes(needle)) &&
        (q.status === '' || s.status === q.status) &&
        (q.format === '' || s.sourceFormat === q.format) &&
        (q.region === '' || s.region === q.region) &&
        (q.year === null || s.fiscalYear === q.year),
    );
    const key = q.sort;
    const sign = q.descending ? -1 : 1;
    matched.sort((a, b) => {
      const x = a[key];
      const y = b[key];
      if (x === y) return a.sourceFile < b.sourceFile ? -1 : a.sourceFile > b.sourceFile ? 1 : 0;
      if (x === null || x === '') return 1;
      if (y === null || y === '') return -1;
      return (x < y ? -1 : 1) * sign;
    });
    const documents = matched.slice(q.offset, q.offset + q.limit).map(({ docKey: _key, ingestedAt: _at, ...shown }) => shown);
    return { total: this.summaries.length, matched: matched.length, offset: q.offset, documents, facets: this.facets };
  }

  /** The stored document with its source path, or undefined. */
  documentRow(docId: string) {
    return this.statements.document.get(docId) as DocumentRow | undefined;
  }

  document(docId: string) {
    const doc = this.documentRow(docId);
    if (!doc) return undefined;
    const { docKey, sourcePath: _path, ...shown } = doc;
    const problems = this.statements.problems.all(docKey) as { seq: number; severity: string }[];
    const passes = (this.statements.passes.get(docKey) as { n: number } | undefined)?.n ?? 0;
    return {
      document: shown,
      tables: this.statements.tables.all(docKey),
      items: this.statements.items.all(docKey),
      problems,
      checks: { ok: passes, rounding: problems.filter((p) => p.severity === 'rounding').length, error: problems.filter((p) => p.severity === 'error').length },
      messages: this.statements.messages.all(docKey),
    };
  }

  departments() {
    return { departments: this.statements.departments.all(), regionYears: this.statements.regionYears.all() };
  }

  department(departmentKey: string) {
    const years = this.statements.departmentYears.all(departmentKey) as { docId: string }[];
    return { years: years.map((y) => ({ ...y, cells: this.headlineCells(y.docId) })) };
  }

  regionYear(region: string, year: number) {
    const rows = this.statements.regionYear.all({ region, year }) as { docId: string }[];
    return { departments: rows.map((r) => ({ ...r, cells: this.headlineCells(r.docId) })) };
  }

  /** The 类 of a document's expenditure table (table 3), or of table 5 where table 3 has none. */
  classes(docId: string) {
    for (const kind of ['expenditure', 'general_budget_expenditure', 'revenue_expenditure_summary']) {
      const rows = this.statements.classes.all(docId, kind);
      if (rows.length > 0) return { tableKind: kind, classes: rows };
    }
    return { tableKind: '', classes: [] };
  }

  /**
   * The cells the headline figures were read from, where one cell holds the
   * figure: the 合计 rows of tables 1 and 3 (a figure summed from parts has no
   * one cell; the chart then links to the document).
   */
  private headlineCells(docId: string): Record<string, number | null> {
    const fen = this.statements.headlineFen.safeIntegers(true).get(docId) as Record<string, bigint | null> | undefined;
    const cell = (kind: string, side: string, measure: string, value: bigint | null | undefined) => {
      if (value === null || value === undefined) return null;
      const row = this.statements.headlineCell.get(docId, kind, side, measure, value) as { seq: number } | undefined;
      return row?.seq ?? null;
    };
    return {
      revenueTotal: cell('revenue_expenditure_summary', 'revenue', 'amount', fen?.revenueTotal),
      expenditureTotal: cell('expenditure', 'expenditure', 'total', fen?.expenditureTotal),
      basic: cell('expenditure', 'expenditure', 'basic', fen?.basic),
      project: cell('expenditure', 'expenditure', 'project', fen?.project),
    };
  }
}

export interface DocumentRow {
  docKey: number;
  docId: string;
  sourceFile: string;
  sourcePath: string;
  sourceFormat: string;
  status: string;
  pipelineVersion: string;
  [key: string]: unknown;
}
