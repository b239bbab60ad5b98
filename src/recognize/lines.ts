import type { Block, Cell, SourceRef } from '../ir.js';

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
}

export const stripBookmarks = (text: string) => (text.includes('[bookmark:') ? text.replace(/\[bookmark:[^\]]*\]/g, '') : text);

export function toLines(blocks: Block[]): Line[] {
  const lines: Line[] = [];
  const add = (cells: Cell[], paragraph: boolean, ref: SourceRef) =>
    lines.push({ cells, paragraph, ref, texts: cells.map((c) => stripBookmarks(c.text).trim()) });
  for (const block of blocks) {
    if (block.kind === 'paragraph') add([{ text: block.text, ref: block.ref }], true, block.ref);
    else for (const row of block.rows) add(row.cells, false, row.ref);
  }
  return lines;
}
