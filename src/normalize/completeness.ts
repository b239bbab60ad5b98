import { TABLE_SPECS, type TableKind } from '../recognize/kinds.js';
import type { NormalizedDocument } from './line-items.js';

/**
 * Completeness is checked, not assumed. A budget disclosure publishes the
 * standard tables 1–6 and 9 (some printed empty) — every province of the
 * national sample does — and tables 7 and 8 where its own figures say it has
 * 政府性基金 or 国有资本经营 money (table 4's columns, or table 1's revenue
 * rows). A document lacking a table it requires was cut, or lost pages, or
 * prints that table in a way yusuan did not find: it is partial, never ok.
 */

const ALWAYS: TableKind[] = ['revenue_expenditure_summary', 'revenue', 'expenditure', 'fiscal_summary', 'general_budget_expenditure', 'general_budget_basic_expenditure', 'three_public'];

/** Measures of table 4 (and labels of table 1's revenue side) that say the document has the fund's money. */
const FUND_EVIDENCE: [TableKind, string, RegExp][] = [
  ['gov_fund_expenditure', 'gov_fund', /政府性基金/],
  ['soe_capital_expenditure', 'soe_capital', /国有资本经营/],
];

export interface MissingTable {
  kind: TableKind;
  number: number;
  why: string;
}

export function missingTables(doc: NormalizedDocument): MissingTable[] {
  const found = new Set<TableKind>([...doc.tables.map((t) => t.kind), ...doc.unreadable.map((t) => t.kind)]);
  const missing: MissingTable[] = [];
  for (const kind of ALWAYS) {
    if (!found.has(kind)) missing.push({ kind, number: TABLE_SPECS[kind].number, why: 'every budget disclosure publishes it' });
  }
  const fiscal = doc.tables.find((t) => t.kind === 'fiscal_summary');
  const summary = doc.tables.find((t) => t.kind === 'revenue_expenditure_summary');
  for (const [kind, measure, label] of FUND_EVIDENCE) {
    if (found.has(kind)) continue;
    const inFiscal = fiscal?.items.find((i) => i.side === 'expenditure' && i.measure === measure && i.amountFen !== 0n);
    const inSummary = summary?.items.find((i) => i.side === 'revenue' && label.test(i.label) && i.amountFen !== 0n);
    const evidence = inFiscal ? `table 4 has ${measure} amounts` : inSummary ? `table 1 has revenue "${inSummary.label}"` : undefined;
    if (evidence) missing.push({ kind, number: TABLE_SPECS[kind].number, why: evidence });
  }
  return missing.sort((a, b) => a.number - b.number);
}
