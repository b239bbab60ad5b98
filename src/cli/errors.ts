/**
 * What a mistake of the person at the keyboard becomes: one plain line that
 * names the thing and says what to do, exit status 2 for a command line that
 * is not right (usage) and 1 for a thing it names that cannot be used
 * (failure). Only an error none of these recognise is a bug, worth a stack
 * trace and a report.
 */

/** The command line itself is wrong: exit 2, with the command's usage line. */
export class UsageError extends Error {}

/** A file, folder or database named cannot be used: exit 1, one line. */
export class Failure extends Error {}

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** The shell's status for a run stopped by Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** Node's system errors a person can fix, in their words. */
const SYSTEM_REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of that path is a file, not a folder',
  EISDIR: 'that is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'the disk is full',
  EROFS: 'the file system is read-only',
  EEXIST: 'it already exists',
  EMFILE: 'too many files open at once',
  ENAMETOOLONG: 'the name is too long',
};

/** SQLite's errors that say something of the file or the disk rather than of yusuan. */
const SQLITE_REASONS: Record<string, string> = {
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_CORRUPT: 'the database file is damaged',
  SQLITE_FULL: 'the disk is full',
  SQLITE_CANTOPEN: 'the database cannot be opened',
  SQLITE_READONLY: 'the database cannot be written (read-only file or folder)',
  SQLITE_BUSY: 'another program is writing to the database; try again when it is done',
  SQLITE_PERM: 'permission denied',
  SQLITE_IOERR: 'the disk could not be read or written',
};

/**
 * Errors other modules throw for people, by class name (so that they need
 * not import the command line): their message is the plain line.
 */
const PLAIN_ERROR_CLASSES = new Set(['IngestError', 'StoreError', 'MergeError', 'TraceError']);

interface CodedError {
  code?: unknown;
  path?: unknown;
  name?: unknown;
  message?: unknown;
  plain?: unknown;
}

/**
 * The plain line for an error a person can act on, or undefined for one
 * that is a bug. Errors other modules throw for people (a bad manifest, a
 * store of another version) say so with `plain = true` or by being a Failure.
 */
export function plainMessage(error: unknown): string | undefined {
  if (error instanceof Failure || error instanceof UsageError) return error.message;
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as CodedError;
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.plain === true || PLAIN_ERROR_CLASSES.has((error as object).constructor?.name)) return message;
  if (typeof e.code === 'string' && SYSTEM_REASONS[e.code] !== undefined) {
    return typeof e.path === 'string' ? `${e.path}: ${SYSTEM_REASONS[e.code]}` : `${SYSTEM_REASONS[e.code]} (${message})`;
  }
  if (e.name === 'SqliteError' && typeof e.code === 'string') {
    const family = e.code.replace(/^(SQLITE_[A-Z]+).*/, '$1');
    if (SQLITE_REASONS[family] !== undefined) return `${SQLITE_REASONS[family]} (SQLite: ${message})`;
  }
  // better-sqlite3 checks the folder itself, with a TypeError of its own
  if (/^Cannot open database because the directory does not exist/.test(message)) {
    return 'the folder for the database does not exist: create it first, or give --db a path in a folder that exists';
  }
  return undefined;
}

/** The usage lines of a command's help: up to its first blank line. */
export function usageLines(usage: string): string {
  const end = usage.indexOf('\n\n');
  return end < 0 ? usage : usage.slice(0, end);
}
