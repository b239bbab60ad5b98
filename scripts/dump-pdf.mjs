#!/usr/bin/env node
/**
 * Prints the IR the PDF extractor makes of one or more PDFs, compactly:
 *   P p3: paragraph text
 *   T p3 (5 cols)                 — a table starts
 *   R p3: cell | cell | …         — its rows ('' cells shown empty)
 * and the messages. Build first (`npm run build`); the extractor is read
 * from dist/ (or from the module named by PDF_EXTRACTOR, e.g. a build of
 * just the PDF files somewhere else).
 *
 * Usage: node scripts/dump-pdf.mjs FILE.pdf… [--page N] [--lines] [--time]
 *   --page N   only blocks of page N
 *   --lines    also print the page texts (sourceLines)
 *   --time     print pages and pages/s instead of the IR
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const modPath = process.env.PDF_EXTRACTOR ?? path.join(here, '..', 'dist', 'extract', 'pdf.js');
const { pdfExtractor } = await import(pathToFileURL(path.resolve(modPath)).href);

const args = process.argv.slice(2);
const files = [];
let onlyPage;
let showLines = false;
let time = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--page') onlyPage = Number(args[++i]);
  else if (args[i] === '--lines') showLines = true;
  else if (args[i] === '--time') time = true;
  else files.push(args[i]);
}
if (!files.length) {
  console.error('usage: node scripts/dump-pdf.mjs FILE.pdf… [--page N] [--lines] [--time]');
  process.exit(2);
}

let pages = 0;
const t0 = performance.now();
for (const f of files) {
  const bytes = new Uint8Array(readFileSync(f));
  let doc;
  try {
    doc = await pdfExtractor.extract(bytes, path.basename(f));
  } catch (err) {
    console.log(`== ${f}\nERROR ${err.rule ?? ''}: ${err.message}`);
    continue;
  }
  pages += doc.pages ?? 0;
  if (time) continue;
  console.log(`== ${f} (${doc.pages} pages, ${doc.blocks.length} blocks)`);
  for (const b of doc.blocks) {
    const p = b.ref.page;
    if (onlyPage !== undefined && p !== onlyPage) continue;
    if (b.kind === 'paragraph') console.log(`P p${p}: ${b.text}`);
    else {
      const cols = Math.max(0, ...b.rows.map((r) => r.cells.length));
      console.log(`T p${p} (${cols} cols, ${b.rows.length} rows)`);
      for (const r of b.rows) console.log(`R p${r.ref.page}: ${r.cells.map((c) => c.text).join(' | ')}`);
    }
  }
  for (const m of doc.messages) console.log(`M ${m.severity} ${m.rule}: ${m.text}`);
  if (showLines) {
    doc.sourceLines?.forEach((text, i) => {
      if (onlyPage === undefined || onlyPage === i + 1) console.log(`-- page ${i + 1} text --\n${text}`);
    });
  }
}
if (time) {
  const s = (performance.now() - t0) / 1000;
  console.log(`${pages} pages in ${s.toFixed(2)} s: ${(pages / s).toFixed(1)} pages/s`);
}
