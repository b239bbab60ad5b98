import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pdfExtractor } from '../../src/extract/pdf.js';
import type { ExtractedDocument } from '../../src/ir.js';

const cache = new Map<string, Promise<ExtractedDocument>>();

/** A PDF file extracted once per test file, however many tests read it. */
export function extractPdf(path: string): Promise<ExtractedDocument> {
  let p = cache.get(path);
  if (!p) {
    p = pdfExtractor.extract(new Uint8Array(readFileSync(path)), basename(path));
    cache.set(path, p);
  }
  return p;
}
