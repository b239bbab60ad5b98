import { Decimal } from 'decimal.js';
import { compact } from './label.js';

/**
 * Amounts are exact: a published number is shifted, digit by digit, into
 * integer 分 (bigint) and printed as 元 with two decimals; decimal.js serves
 * where fractions of 分 matter (tolerances). No JavaScript float ever holds
 * money.
 */

/** Cells that mean "nothing here" (SCHEMA.md "Which cells become line items"). */
const ABSENT = new Set(['', '-', '—', '--', '---', '－', '无', '——', '―', '–']);

export type ParsedAmount =
  | { kind: 'absent' }
  /** `digits`: the number as published, without separators or sign noise: `-1234.50`. */
  | { kind: 'number'; digits: string }
  | { kind: 'invalid'; text: string };

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;
const GROUPED = /^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$/;

/** One object for every absent cell (most cells of a table): nothing reads more than its kind. */
const ABSENT_AMOUNT: ParsedAmount = Object.freeze({ kind: 'absent' });

export function parseAmount(text: string): ParsedAmount {
  if (text === '') return ABSENT_AMOUNT;
  const t = compact(text);
  if (ABSENT.has(t) || ABSENT.has(text.trim())) return ABSENT_AMOUNT;
  if (NUMBER.test(t)) return { kind: 'number', digits: t.replace(/^\+/, '') };
  if (GROUPED.test(t)) return { kind: 'number', digits: t.replace(/,/g, '').replace(/^\+/, '') };
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
  const t = compact(declared).replace(/^[(\[]|[)\]]$/g, '');
  return Object.hasOwn(UNIT_TO_YUAN, t) ? t : undefined;
}

export class AmountError extends Error {}

const POWERS_OF_TEN: Record<string, number> = { 元: 0, 千元: 3, 万元: 4, 亿元: 8 };

/** 10ⁿ as a bigint, for the few shifts toFen makes (remembered: bigint exponentiation is slow). */
const bigPowersOfTen: bigint[] = [];
const powerOfTen = (n: number) => (bigPowersOfTen[n] ??= 10n ** BigInt(n));

/**
 * A published number (in `unit`) → integer 分, by exact decimal shifting:
 * `2085.50` 万元 → 208550 shifted 4 + 2 − 2 places → 2085500000 分. Throws
 * when the value is finer than 1 分.
 */
export function toFen(value: string | Decimal, unit: string): bigint {
  const digits = typeof value === 'string' ? value : value.toFixed();
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(digits);
  if (!m) throw new AmountError(`${digits} is not a decimal number`);
  const [, sign, whole, fraction = ''] = m;
  const shift = POWERS_OF_TEN[unit] + 2 - fraction.length;
  let fen: bigint;
  if (shift >= 0) fen = BigInt(`${whole}${fraction}` || '0') * powerOfTen(shift);
  else {
    const kept = fraction.slice(0, fraction.length + shift);
    if (/[1-9]/.test(fraction.slice(fraction.length + shift))) {
      throw new AmountError(`${digits} ${unit} is not a whole number of 分`);
    }
    fen = BigInt(`${whole}${kept}` || '0');
  }
  if (fen > MAX_FEN) throw new AmountError(`${digits} ${unit} is beyond the amounts yusuan stores (up to 92 233 720 368 547 758.07 元)`);
  return sign === '-' ? -fen : fen;
}

/** SQLite's largest integer: the largest amount in 分 a store holds. */
const MAX_FEN = 2n ** 63n - 1n;

/** 分 → decimal.js 元, for arithmetic that needs fractions (tolerances). */
export const fenToYuanDecimal = (fen: bigint) => new Decimal(fen.toString()).dividedBy(100);

/** 2085550000n → '20855500.00' */
export function formatYuan(fen: bigint): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const yuan = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${yuan}.${cents}`;
}
