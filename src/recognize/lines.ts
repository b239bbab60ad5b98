import type { Block, Cell, SourceRef } from '../ir.js';
import { compact } from '../normalize/label.js';

/**
 * The block stream as recognizers read it: one line per paragraph (a single
 * cell) or table row, with the cells' trimmed texts.
 */
export interface Line {
  cells: Cell[];
  paragraph: boolean;
  ref: SourceRef;
  /** Trimmed cell texts, Word bookmark markers (`[bookmark: _Toc…]`) removed. */
  texts: string[];
  /** The texts compact (NFKC, no whitespace), for matching. */
  keys: string[];
  /**
   * Whether the line starts one of the tables the disclosure reader reads,
   * once it has asked (lines are tested many times). Set up front, undefined,
   * so that every line has one object shape and property reads stay
   * monomorphic.
   */
  startsTable: boolean | undefined;
}

export const stripBookmarks = (text: string) => (text.includes('[bookmark:') ? text.replace(/\[bookmark:[^\]]*\]/g, '') : text);

/** The one non-empty entry of `values` (a line's texts or keys), else undefined; allocates nothing (a hot path). */
export function soleNonEmpty(values: string[]): string | undefined {
  let sole: string | undefined;
  for (const value of values) {
    if (value === '') continue;
    if (sole !== undefined) return undefined;
    sole = value;
  }
  return sole;
}

// The pipeline makes a document's lines once and hands them to both
// recognizers. (Sharing them through a WeakMap keyed by the block array was
// tried first: the scavenger keeps a WeakMap's values alive, so every
// document's lines went to the old generation.)
export function toLines(blocks: Block[]): Line[] {
  const lines: Line[] = [];
  const add = (cells: Cell[], paragraph: boolean, ref: SourceRef) => {
    const texts = cells.map((c) => stripBookmarks(c.text).trim());
    lines.push({ cells, paragraph, ref, texts, keys: texts.map(compact), startsTable: undefined });
  };
  for (const block of blocks) {
    if (block.kind === 'paragraph') add([{ text: block.text, ref: block.ref }], true, block.ref);
    else for (const row of block.rows) add(row.cells, false, row.ref);
  }
  return lines;
}
