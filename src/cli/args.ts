/**
 * The command line's own option parser: the same option declarations as
 * node:util's parseArgs, but every mistake is a UsageError in plain words
 * (`--dbb` says "did you mean --db?", `--workers -1` is a value, not an
 * ambiguous option).
 */
import { UsageError } from './errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  multiple?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface ParsedArgs {
  values: Record<string, unknown>;
  positionals: string[];
}

/** Edit distance (insertions, deletions, substitutions, swaps of neighbours). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name closest to a misspelt one, when it is close enough to be
 * what was meant: a prefix of it (`--data` for `--dataset`), or within a
 * third of its length in edits.
 */
export function closest(word: string, known: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.startsWith(lower) && lower.length >= 2 ? 0.5 : editDistance(lower, name.toLowerCase());
    if (distance <= Math.max(1, Math.floor(name.length / 3)) && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** ` Did you mean X?` or nothing. */
export function didYouMean(word: string, known: Iterable<string>, prefix = ''): string {
  const guess = closest(word, known);
  return guess === undefined ? '' : `; did you mean ${prefix}${guess}?`;
}

/** A value that is a negative number (`-1`, `-0.5`), not an option. */
const NEGATIVE_NUMBER = /^-\d/;

export function parseCommandLine(args: string[], options: OptionSpecs): ParsedArgs {
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  const byShort = new Map(Object.entries(options).filter(([, o]) => o.short).map(([name, o]) => [o.short!, name]));
  const set = (name: string, value: string | boolean) => {
    if (!options[name].multiple) values[name] = value;
    else values[name] = [...((values[name] as unknown[] | undefined) ?? []), value];
  };
  const unknown = (written: string): never => {
    const name = written.replace(/^--?/, '').split('=')[0];
    throw new UsageError(`unknown option ${written.split('=')[0]}${didYouMean(name, Object.keys(options), '--')}`);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = options[name];
      if (!spec) unknown(arg);
      if (spec.type === 'boolean') {
        if (eq >= 0) throw new UsageError(`--${name} takes no value (write --${name} alone)`);
        set(name, true);
        continue;
      }
      if (eq >= 0) {
        set(name, arg.slice(eq + 1));
        continue;
      }
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('-') && next.length > 1 && !NEGATIVE_NUMBER.test(next))) {
        throw new UsageError(`--${name} needs a value (--${name} VALUE)`);
      }
      set(name, next);
      i++;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1 && !NEGATIVE_NUMBER.test(arg)) {
      const name = byShort.get(arg.slice(1));
      if (name === undefined) unknown(arg);
      if (options[name!].type !== 'boolean') throw new UsageError(`${arg} needs a value`);
      set(name!, true);
      continue;
    }
    positionals.push(arg);
  }
  for (const [name, spec] of Object.entries(options)) {
    if (values[name] === undefined && spec.default !== undefined) values[name] = spec.default;
  }
  return { values, positionals };
}
