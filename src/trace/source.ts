import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { sha256 } from '../pipeline.js';

/**
 * Finding a stored document's source file again. The store keeps the path
 * as it was given to ingest, often relative to a folder it does not record;
 * a file is accepted only when its sha256 is the document's id, so that a
 * trace never shows text from a file other than the one read.
 */

export interface StoredSource {
  docId: string;
  sourceFile: string;
  sourcePath: string;
}

/** Where to look for the file: the folders a relative path may have been given from. */
export interface Places {
  /** The working folder of this run. */
  cwd: string;
  /** The folder holding the store (ingest usually runs beside its database). */
  storeDir?: string;
  /** A file or folder the user names (--source). */
  source?: string;
  /** A path the user gave for the document itself, when it names a file. */
  given?: string;
}

export type SourceLookup =
  | { found: true; path: string; bytes: Uint8Array }
  /** reason: for the command line (with what to do); cause: the same without the remedy, for other readers (the review page). */
  | { found: false; state: 'changed' | 'missing'; reason: string; cause: string };

/** A folder and each folder above it, nearest first. */
export function withAncestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    out.push(d);
    if (dirname(d) === d) return out;
  }
}

/**
 * Every path the file may be at now, most likely first, without repeats:
 * what the user gave, the stored path if absolute, else the stored path
 * from the working folder, the store's folder and the folders above them.
 */
export function candidatePaths(doc: StoredSource, places: Places): string[] {
  const out: string[] = [];
  const add = (p: string) => {
    const full = resolve(places.cwd, p);
    if (!out.includes(full)) out.push(full);
  };
  if (places.given) add(places.given);
  if (places.source) {
    const source = resolve(places.cwd, places.source);
    if (isDirectory(source)) {
      if (!isAbsolute(doc.sourcePath)) add(join(source, doc.sourcePath));
      add(join(source, doc.sourceFile));
    } else {
      add(source);
    }
    // the user said where the file is: nowhere else is searched
    return out;
  }
  if (isAbsolute(doc.sourcePath)) {
    add(doc.sourcePath);
  } else {
    const bases = [...withAncestors(places.cwd), ...(places.storeDir ? withAncestors(places.storeDir) : [])];
    for (const base of bases) add(join(base, doc.sourcePath));
  }
  // the file by its name beside the user or the store (a folder moved as a whole)
  add(join(places.cwd, doc.sourceFile));
  if (places.storeDir) add(join(places.storeDir, doc.sourceFile));
  return out;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where a file the user names may be, when the store does not know the
 * name (a duplicate, stored once under the name first listed): from the
 * working folder, the store's folder and the folders above them, and by
 * its base name in each folder stored documents were ingested from.
 */
export function namedFileCandidates(name: string, places: Places, storedFolders: string[]): string[] {
  const bases = [...withAncestors(places.cwd), ...(places.storeDir ? withAncestors(places.storeDir) : [])];
  const out = new Set<string>([resolve(places.cwd, name)]);
  for (const base of bases) out.add(resolve(base, name));
  for (const folder of storedFolders) {
    if (isAbsolute(folder)) out.add(join(folder, basename(name)));
    else for (const base of bases) out.add(join(base, folder, basename(name)));
  }
  return [...out];
}

/** The bytes of a regular file as a plain Uint8Array (pdfjs refuses Buffers), or undefined when there is none. */
export function readPlain(path: string): Uint8Array | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    const buffer = readFileSync(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch {
    return undefined;
  }
}

/** The first candidate whose content is the document's, or why there is none. */
export function findSource(doc: StoredSource, places: Places): SourceLookup {
  const candidates = candidatePaths(doc, places);
  const changed: string[] = [];
  for (const path of candidates) {
    const bytes = readPlain(path);
    if (!bytes) continue;
    const now = sha256(bytes);
    if (now === doc.docId) return { found: true, path, bytes };
    changed.push(`${path} (sha256 now ${now.slice(0, 12)}…)`);
  }
  const id = doc.docId.slice(0, 12);
  if (changed.length > 0) {
    const which = changed.length === 1 ? `the file ${changed[0]} is` : `the files ${changed.join(', ')} are`;
    const cause = `${which} not the one ingested (sha256 ${id}…): its content changed since, so nothing of it is shown.`;
    return { found: false, state: 'changed', cause, reason: `${cause} Give the original file with --source FILE.` };
  }
  const where = places.source
    ? `at ${resolve(places.cwd, places.source)}`
    : `${isAbsolute(doc.sourcePath) ? `at ${doc.sourcePath}, ` : ''}from ${places.cwd}${places.storeDir ? ` or ${resolve(places.storeDir)}` : ''}${isAbsolute(doc.sourcePath) ? '' : ' or any folder above'}`;
  const cause = `the source file ${doc.sourcePath} (${basename(doc.sourcePath)}, sha256 ${id}…) was not found ${where}`;
  return { found: false, state: 'missing', cause: `${cause}.`, reason: `${cause}; give its place with --source FILE or FOLDER.` };
}
