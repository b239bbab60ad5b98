import type { ExtractedDocument, SourceFormat } from '../ir.js';

/**
 * One source format. Adding a format is adding one file in src/extract that
 * exports an Extractor, and listing it in src/extract/index.ts.
 */
export interface Extractor {
  /** The format name written to the dataset (`source_format`). */
  format: SourceFormat | SourceFormat[];
  /**
   * Whether these bytes are this format, judged by content (magic bytes,
   * structure), never by the file name alone. Cheap: runs on every file.
   */
  sniff(bytes: Uint8Array, fileName: string): boolean;
  /** Throws DocumentError with a readable reason when the file cannot be read. */
  extract(bytes: Uint8Array, fileName: string): Promise<ExtractedDocument>;
}
