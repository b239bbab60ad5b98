import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { query, ROOT, SEEDS, tempDir } from './helpers/run.js';

/** Runs the built `yusuan` command (npm test builds dist/ first). */
function yusuan(...args: string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'yusuan.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, lines: run.stderr.split('\n').filter((l) => l !== '') };
}

const SEED = '000_313ba343419bd952.txt';
/** Seed 004 differs from itself only by its 万元 roundings: 15 of them, no error. */
const ROUNDING_ONLY = '004_bd07757d433d15de.txt';

/** A folder holding the given files (name → content, or a seed's name to copy). */
function folder(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    if (content.startsWith('seed:')) copyFileSync(join(SEEDS, content.slice(5)), join(dir, name));
    else writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** The lines of the summary under a heading, up to the next blank line. */
function section(stdout: string, heading: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('ingest: nothing silently ignored', () => {
  it('lists the files of a walked folder it does not read, each with the reason, and counts the hidden ones', () => {
    const dir = folder({ 'a.txt': `seed:${SEED}`, 'budget.xlsx': 'PK', 'notes.md': '# notes', 'README': 'read me', '.DS_Store': 'x' });
    const run = yusuan('ingest', dir, '--db', join(dir, 'out.sqlite'), '--workers', '0');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('  skipped    3 file(s) of kinds yusuan does not read (listed below)\n');
    expect(section(run.stdout, 'These files were not read (of kinds yusuan does not read):')).toEqual([
      `  ${join(dir, 'README')}: no extension: add one (.txt, .pdf …), or give the file by name, to have it read`,
      `  ${join(dir, 'budget.xlsx')}: Excel workbooks are not read yet`,
      `  ${join(dir, 'notes.md')}: .md files are not a format yusuan reads (it reads .txt .text .pdf .docx .doc .html .htm .xhtml .shtml)`,
    ]);
    expect(run.stdout).toContain('1 hidden file or folder (names starting with ".") was not looked at.');
  });

  it('refuses a path that does not exist, naming the likely one, and ingests nothing', () => {
    const dir = folder({ 'seeds/a.txt': `seed:${SEED}` });
    const db = join(dir, 'out.sqlite');
    const run = yusuan('ingest', join(dir, 'sedes'), '--db', db);
    expect(run.status).toBe(1);
    expect(run.lines).toEqual([`yusuan ingest: ${join(dir, 'sedes')}: no such file or folder; did you mean ${join(dir, 'seeds')}?`, 'yusuan ingest: nothing was ingested']);
    expect(existsSync(db)).toBe(false);
  });

  it('says plainly that an empty folder, or one of files it does not read, has nothing to ingest', () => {
    const empty = tempDir();
    const db = join(tempDir(), 'out.sqlite');
    const none = yusuan('ingest', empty, '--db', db);
    expect(none.status).toBe(1);
    expect(none.lines).toEqual([`yusuan ingest: nothing to ingest: ${empty} holds no document yusuan reads (.txt .text .pdf .docx .doc .html .htm .xhtml .shtml)`]);
    const excel = folder({ 'budget.xlsx': 'PK' });
    const only = yusuan('ingest', excel, '--db', db);
    expect(only.status).toBe(1);
    expect(only.lines).toEqual([
      `yusuan ingest: nothing to ingest: ${excel} holds no document yusuan reads (.txt .text .pdf .docx .doc .html .htm .xhtml .shtml); 1 other file(s) not read:`,
      `yusuan ingest: ${join(excel, 'budget.xlsx')}: Excel workbooks are not read yet`,
    ]);
    expect(existsSync(db)).toBe(false);
  });
});

describe('ingest: the manifest is checked before anything is read', () => {
  const dir = folder({ 'a.txt': `seed:${SEED}` });
  const db = join(dir, 'out.sqlite');
  const ingestWith = (manifest: string) => {
    const path = join(dir, 'manifest.csv');
    writeFileSync(path, manifest);
    return { path, run: yusuan('ingest', join(dir, 'a.txt'), '--db', db, '--workers', '0', '--manifest', path) };
  };

  it('a header without "file", or with a column it does not know', () => {
    const { path, run } = ingestWith('path,url\na.txt,https://example.gov.cn/a\n');
    expect(run.status).toBe(1);
    expect(run.lines).toEqual([
      `yusuan ingest: the manifest ${path} has no "file" column: its first line is "path,url"; it should be file,region,source_url,published_date`,
      `yusuan ingest: the manifest ${path} has 1 problem(s): nothing was ingested; correct it and run again`,
    ]);
    const unknown = ingestWith('file,region,url\na.txt,河北,https://example.gov.cn/a\n');
    expect(unknown.run.lines[0]).toBe(
      `yusuan ingest: ${unknown.path}: unknown column "url"; did you mean "source_url"? (the columns are file, region, source_url, published_date)`,
    );
    expect(existsSync(db)).toBe(false);
  });

  it('a line per problem: dates not YYYY-MM-DD or not in the calendar, a row without a file, a file twice, an address that is not one', () => {
    const { path, run } = ingestWith(
      'file,region,source_url,published_date\n' +
        'a.txt,河北,https://example.gov.cn/a,10/02/2025\n' +
        ',河北,,2025-02-10\n' +
        'b.txt,,ftp:/example,2025-02-30\n' +
        'a.txt,,,2025-02-10\n',
    );
    expect(run.status).toBe(1);
    expect(run.lines).toEqual([
      `yusuan ingest: ${path} row 2: published_date "10/02/2025" is not a date written YYYY-MM-DD (such as 2025-02-10)`,
      `yusuan ingest: ${path} row 3: no file named (the "file" column is empty)`,
      `yusuan ingest: ${path} row 4: published_date "2025-02-30" is not a day of the calendar`,
      `yusuan ingest: ${path} row 4: source_url "ftp:/example" is not a web address (http:// or https://)`,
      `yusuan ingest: ${path} row 5: a.txt is given already in row 2`,
      `yusuan ingest: the manifest ${path} has 5 problem(s): nothing was ingested; correct it and run again`,
    ]);
    expect(existsSync(db)).toBe(false);
  });

  it('a good manifest (with the BOM Excel writes) is recorded, and its rows naming no file of the run are said', () => {
    const { run } = ingestWith('\ufefffile,region,source_url,published_date\na.txt,河北省,https://example.gov.cn/a,2025-02-10\nmissing.txt,,,\n');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("The manifest's row 3 names no file of this run (a misspelt name, or a file not given).");
    expect(query(db, 'SELECT region, source_url, published_date FROM documents')).toEqual([
      { region: '河北省', source_url: 'https://example.gov.cn/a', published_date: '2025-02-10' },
    ]);
  });
});

describe('the ingest summary', () => {
  it('names duplicates, counts the store, and lists every failure', () => {
    const junk = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`junk${String(i).padStart(2, '0')}.txt`, `not a budget ${i}\n`]));
    const dir = folder({ 'a.txt': `seed:${SEED}`, 'b.txt': `seed:${SEED}`, ...junk });
    const db = join(dir, 'out.sqlite');
    const run = yusuan('ingest', dir, '--db', db, '--workers', '0');
    expect(run.status).toBe(1);
    expect(section(run.stdout, 'These files have the same content as another file of this run')).toEqual([`  ${join(dir, 'b.txt')}: same as ${join(dir, 'a.txt')}`]);
    const failed = section(run.stdout, 'These files could not be read');
    expect(failed).toHaveLength(25);
    expect(failed[24]).toBe(`  ${join(dir, 'junk24.txt')}: no standard budget table (部门预算收支总表 … "三公"经费支出表) was found in this file`);
    expect(run.stdout).toContain('The database now holds 26 documents: 1 ok, 0 partial, 25 failed\n');
    // again: nothing new is read, and the store's counts are the same
    const again = yusuan('ingest', join(dir, 'a.txt'), '--db', db, '--workers', '0');
    expect(again.stdout).toMatch(/ok\s+0 document\(s\), 0 table\(s\), 0 line item\(s\)\n\s+unchanged\s+1 document\(s\)/);
    expect(again.stdout).toContain('The database now holds 26 documents: 1 ok, 0 partial, 25 failed\n');
  });

  it('lists documents whose checks fail, most errors first, and not those that differ only by rounding', () => {
    const lines = readFileSync(join(SEEDS, SEED), 'utf8').split('\n');
    expect(lines[1125]).toBe('\t857.61');
    const oneWrong = [...lines];
    oneWrong[1125] = '\t858.61';
    const dir = folder({ 'rounding.txt': `seed:${ROUNDING_ONLY}` });
    writeFileSync(join(dir, 'a-one-wrong.txt'), oneWrong.join('\n'));
    const db = join(dir, 'out.sqlite');
    const run = yusuan('ingest', dir, '--db', db, '--workers', '0');
    expect(run.status).toBe(0);
    const flagged = section(run.stdout, 'Documents with checks that fail, most errors first:');
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatch(new RegExp(`^  ${join(dir, 'a-one-wrong.txt')}: [1-9]\\d* error, 0 rounding, \\d+ ok$`));
    expect(run.stdout).not.toContain('rounding.txt');
  });
});

describe('Ctrl-C during an ingest', () => {
  it('stops cleanly: the documents being read are stored, the rest are not started, and the summary says so', async () => {
    // distinct PDFs (a comment after %%EOF), slow enough that the run is still going when it is interrupted
    const dir = tempDir();
    const pdfs = join(ROOT, 'corpus', 'fixtures', 'pdf');
    for (let copy = 0; copy < 6; copy++) {
      for (const name of readdirSync(pdfs)) writeFileSync(join(dir, `${copy}-${name}`), Buffer.concat([readFileSync(join(pdfs, name)), Buffer.from(`%copy ${copy}\n`)]));
    }
    const db = join(tempDir(), 'out.sqlite');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'yusuan.js'), 'ingest', dir, '--db', db, '--workers', '1'], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const stored = () => {
      if (!existsSync(db)) return 0;
      const sqlite = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return (sqlite.prepare('SELECT count(*) AS n FROM documents').get() as { n: number }).n;
      } catch {
        return 0; // the database is being made
      } finally {
        sqlite.close();
      }
    };
    // interrupt once the first document is stored
    for (let waited = 0; waited < 120_000 && stored() === 0; waited += 100) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const status = await exited;
    expect(status).toBe(130);
    expect(stderr).toContain('yusuan ingest: Ctrl-C: finishing the documents being read, then stopping (Ctrl-C again stops at once)');
    expect(stderr).not.toMatch(/^\s+at /m);
    const done = Number(/^Stopped by Ctrl-C after (\d+) of 30 file\(s\)/.exec(stdout)?.[1]);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(30);
    expect(stdout).toContain(`those are stored in ${db}, each document whole; the other ${30 - done} were not read.\nRun the same command again to go on`);
    expect(stored()).toBe(done);
    expect(stdout).toContain(`The database now holds ${done} documents: ${done} ok, 0 partial, 0 failed`);
  }, 180_000);
});
