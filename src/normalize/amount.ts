import { Decimal } from 'decimal.js';

/**
 * Amounts are exact: parsed with decimal.js, stored as integer 分 (bigint),
 * printed as 元 with two decimals. No JavaScript float ever holds money.
 */

/** Cells that mean "nothing here" (SCHEMA.md "Which cells become line items"). */
const ABSENT = new Set(['', '-', '—', '--', '---', '－', '无', '——', '―', '–']);

export type ParsedAmount =
  | { kind: 'absent' }
  | { kind: 'number'; value: Decimal }
  | { kind: 'invalid'; text: string };

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;
const GROUPED = /^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$/;

export function parseAmount(text: string): ParsedAmount {
  const t = text.normalize('NFKC').replace(/\s+/gu, '');
  if (ABSENT.has(t) || ABSENT.has(text.trim())) return { kind: 'absent' };
  if (NUMBER.test(t)) return { kind: 'number', value: new Decimal(t) };
  if (GROUPED.test(t)) return { kind: 'number', value: new Decimal(t.replace(/,/g, '')) };
  return { kind: 'invalid', text: text.trim() };
}

/** True when a cell holds a number (used to tell data rows from header rows). */
export function isAmountText(text: string): boolean {
  return parseAmount(text).kind === 'number';
}

/** Units the pipeline knows, as the factor to 元. */
export const UNIT_TO_YUAN: Record<string, number> = { 元: 1, 千元: 1000, 万元: 10000, 亿元: 100000000 };

/**
 * The unit named in a `单位：万元` declaration, or undefined when the text
 * names a unit we do not know (an error for that table, never a guess).
 */
export function knownUnit(declared: string): string | undefined {
  const t = declared.normalize('NFKC').replace(/\s+/gu, '').replace(/^[(\[]|[)\]]$/g, '');
  return Object.hasOwn(UNIT_TO_YUAN, t) ? t : undefined;
}

export class AmountError extends Error {}

/** value (in `unit`) → integer 分. Throws when the value is finer than 1 分. */
export function toFen(value: Decimal, unit: string): bigint {
  const fen = value.times(UNIT_TO_YUAN[unit]).times(100);
  if (!fen.isInteger()) throw new AmountError(`${value.toString()} ${unit} is not a whole number of 分`);
  return BigInt(fen.toFixed(0));
}

/** 2085550000n → '20855500.00' */
export function formatYuan(fen: bigint): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const yuan = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${yuan}.${cents}`;
}
