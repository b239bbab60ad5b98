import type { ExtractedDocument } from '../ir.js';
import type { Extractor } from './extractor.js';
import { docxExtractor } from './docx.js';
import { htmlExtractor } from './html.js';
import { pdfExtractor } from './pdf.js';
import { textExtractor } from './text.js';

/**
 * Every format yusuan reads, in the order they are tried: each extractor
 * claims a file by its content; text is the fallback.
 */
export const extractors: Extractor[] = [pdfExtractor, docxExtractor, htmlExtractor, textExtractor];

export function extractorFor(bytes: Uint8Array, fileName: string): Extractor {
  return extractors.find((e) => e.sniff(bytes, fileName)) ?? textExtractor;
}

export async function extract(bytes: Uint8Array, fileName: string): Promise<ExtractedDocument> {
  return extractorFor(bytes, fileName).extract(bytes, fileName);
}
