import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/**
 * Reading a document file without trusting it: its type and size are
 * checked before it is opened, and again on the open descriptor (the path
 * may have changed in between), so that a device, a FIFO or a file larger
 * than the limit is refused without reading a byte of it — /dev/zero named
 * on the command line never grows, a FIFO never blocks the run, a 2 GB
 * sparse file is never read into memory.
 */

/** Disclosures are rarely over a few MB: larger files are refused rather than read. */
export const MAX_FILE_BYTES = 200 * 1024 * 1024;

export type ReadOutcome = { bytes: Uint8Array } | { reason: string; rule: string };

/** What a path that is not a regular file is, for a person. */
function specialKind(info: Stats): string | undefined {
  if (info.isFile()) return undefined;
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function megabytes(bytes: number): string {
  const mb = bytes / 1024 / 1024;
  return mb >= 1 ? mb.toFixed(0) : mb.toFixed(2);
}

/** The refusals of a file by what stat says of it, else undefined. */
function refusal(info: Stats, maxBytes: number): { reason: string; rule: string } | undefined {
  const kind = specialKind(info);
  if (kind) {
    return { reason: `the path is ${kind}, not a regular file; yusuan reads documents from files only, so it was not opened`, rule: 'not-a-file' };
  }
  if (info.size > maxBytes) {
    return {
      reason: `the file is ${megabytes(info.size)} MB, larger than ${megabytes(maxBytes)} MB, more than a budget disclosure plausibly is; it was not read`,
      rule: 'file-too-large',
    };
  }
  return undefined;
}

function unreadable(e: unknown, path: string | Buffer): { reason: string; rule: string } {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    // a name that came through a lossy decoding (non-UTF-8 bytes on the command line) names no file
    const lossy = typeof path === 'string' && path.includes('\uFFFD');
    return {
      reason: lossy
        ? 'the file does not exist under this name, which holds characters that are not UTF-8 (shown as �); name its folder instead, so that yusuan reads the name from the folder as it is'
        : 'the file does not exist',
      rule: 'unreadable',
    };
  }
  return { reason: `the file cannot be read (${(e as Error).message})`, rule: 'unreadable' };
}

/**
 * The bytes of a regular file of at most `maxBytes`, or why it was not
 * read. Synchronous on purpose (see readSource in pipeline.ts).
 */
export function readDocumentFile(path: string | Buffer, maxBytes = MAX_FILE_BYTES): ReadOutcome {
  let info: Stats;
  try {
    info = statSync(path);
  } catch (e) {
    return unreadable(e, path);
  }
  const before = refusal(info, maxBytes);
  if (before) return before;
  let fd: number;
  try {
    // non-blocking: should the path have become a FIFO since stat, opening it does not wait for a writer
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return unreadable(e, path);
  }
  try {
    const opened = fstatSync(fd);
    const after = refusal(opened, maxBytes);
    if (after) return after;
    // exactly the size stat gave: a file that grows while it is read is read as it was
    const bytes = Buffer.allocUnsafe(opened.size);
    let filled = 0;
    while (filled < bytes.length) {
      const n = readSync(fd, bytes, filled, bytes.length - filled, null);
      if (n === 0) break;
      filled += n;
    }
    return { bytes: filled === bytes.length ? bytes : bytes.subarray(0, filled) };
  } catch (e) {
    return unreadable(e, path);
  } finally {
    closeSync(fd);
  }
}
