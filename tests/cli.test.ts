import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINE_ITEM_COLUMNS } from '../src/store/datasets.js';
import { parseCsv } from './helpers/gold.js';
import { ROOT, SEEDS, tempDir } from './helpers/run.js';

/** Runs the built `yusuan` command (npm test builds dist/ first). */
function yusuan(...args: string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'yusuan.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('the yusuan command', () => {
  const dir = tempDir();
  const db = join(dir, 'cli.sqlite');

  it('ingests, names a failed file with its reason, and exits 1 after storing the rest', () => {
    writeFileSync(join(dir, 'empty.txt'), '');
    const run = yusuan('ingest', SEEDS, join(dir, 'empty.txt'), '--db', db);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/ok\s+5 document\(s\), 45 table\(s\), 1009 line item\(s\)/);
    expect(run.stdout).toContain(`${join(dir, 'empty.txt')}: the file is empty`);
  });

  it('exports the contract CSV to a file, header first, in contract column order', () => {
    const out = join(dir, 'items.csv');
    expect(yusuan('export', '--db', db, '--format', 'csv', '--out', out).status).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\r\n')[0]).toBe(LINE_ITEM_COLUMNS.join(','));
    expect(parseCsv(text)).toHaveLength(1009);
  });

  it('exports the documents dataset to stdout, with the failed file and its reason', () => {
    const run = yusuan('export', '--db', db, '--dataset', 'documents');
    const docs = parseCsv(run.stdout);
    expect(docs).toHaveLength(6);
    expect(docs.find((d) => d.source_file === 'empty.txt')).toMatchObject({ status: 'failed', error: 'the file is empty', line_items: '0' });
    expect(docs.filter((d) => d.status === 'ok').every((d) => d.tables === '9' && d.budget_scope === 'department')).toBe(true);
  });

  it('answers read-only queries as an aligned table or CSV, and refuses writes', () => {
    const table = yusuan('query', '--db', db, 'SELECT department_code, sum(amount_fen) AS fen FROM line_items WHERE table_kind = \'three_public\' AND measure = \'total\' AND label = \'合计\' GROUP BY 1 ORDER BY 1');
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/department_code\s+fen/);
    const csv = yusuan('query', '--db', db, '--csv', 'SELECT count(*) AS n FROM line_items');
    expect(csv.stdout).toBe('n\r\n1009\r\n');
    const write = yusuan('query', '--db', db, 'DELETE FROM items');
    expect(write.status).toBe(2);
    expect(write.stderr).toMatch(/only reads/);
    expect(yusuan('query', '--db', db, '--csv', 'SELECT count(*) AS n FROM items').stdout).toBe('n\r\n1009\r\n');
  });

  it('traces a stored number to the original line holding it', () => {
    const run = yusuan('trace', '--db', db, '000_313ba343419bd952.txt', 'general_budget_expenditure', '2010301', 'total');
    expect(run.status).toBe(0);
    const seed = readFileSync(join(SEEDS, '000_313ba343419bd952.txt'), 'utf8').split('\n');
    const marked = run.stdout.split('\n').filter((l) => l.startsWith('>'));
    expect(marked).toHaveLength(1);
    const line = Number(/^>\s+(\d+)/.exec(marked[0])![1]);
    expect(seed[line - 1]).toBe('\t857.61');
    expect(run.stdout).toContain('8576100.00');
    expect(yusuan('trace', '--db', db, '000_313ba343419bd952.txt', 'general_budget_expenditure', '9999999').stderr).toMatch(/no line item/);
  });

  it('validates: counts and tables per document; exit 1 for the failed file though no check fails', () => {
    const run = yusuan('validate', '--db', db);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/004_bd07757d433d15de\.txt: \d+ ok, 15 rounding, 0 error\n {2}tables\s+read 1 2 3 4 5 6; empty 7 8 9\n/);
    expect(run.stdout).toContain('empty.txt: failed: the file is empty');
    const json = JSON.parse(yusuan('validate', '--db', db, '--json').stdout);
    expect(json).toHaveLength(6);
  });

  it('validate exits 1 and names the position of a wrong number', () => {
    const lines = readFileSync(join(SEEDS, '000_313ba343419bd952.txt'), 'utf8').split('\n');
    expect(lines[1125]).toBe('\t857.61');
    lines[1125] = '\t858.61';
    const other = join(dir, 'wrong.sqlite');
    writeFileSync(join(dir, 'wrong.txt'), lines.join('\n'));
    yusuan('ingest', join(dir, 'wrong.txt'), '--db', other);
    const run = yusuan('validate', '--db', other);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/error\s+L1126\s+table 5 \(部门预算一般公共预算财政拨款支出表\): 2010301 行政运行, total/);
  });

  it('ingests in shards that merge into what one ingest stores', () => {
    const whole = join(dir, 'whole.sqlite');
    yusuan('ingest', SEEDS, '--db', whole, '--workers', '0');
    const parts = ['1/3', '2/3', '3/3'].map((shard, i) => {
      const part = join(dir, `part${i}.sqlite`);
      const run = yusuan('ingest', SEEDS, '--db', part, '--shard', shard, '--workers', '0');
      expect(run.status).toBe(0);
      return part;
    });
    const merged = join(dir, 'merged.sqlite');
    expect(yusuan('merge', ...parts, '--db', merged).status).toBe(0);
    const items = (db: string) => parseCsv(yusuan('export', '--db', db).stdout);
    const sortRows = (rows: Record<string, string>[]) => rows.map((r) => JSON.stringify(r)).sort();
    expect(sortRows(items(merged))).toEqual(sortRows(items(whole)));
    expect(yusuan('merge', ...parts, '--db', merged).stdout).toMatch(/0 document\(s\) copied, 5 already there/);
    expect(yusuan('ingest', SEEDS, '--db', join(dir, 'bad.sqlite'), '--shard', '4/3').stderr).toMatch(/--shard: a shard is written i\/n/);
  });

  it('has --help on every command and a clear usage error', () => {
    for (const command of ['ingest', 'export', 'query', 'validate', 'trace', 'merge']) {
      const help = yusuan(command, '--help');
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`yusuan ${command}`);
    }
    expect(yusuan('--help').stdout).toMatch(/Commands:/);
    const bad = yusuan('export', '--db', db, '--dataset', 'nope');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown dataset "nope"/);
    const missing = yusuan('query', '--db', join(dir, 'missing.sqlite'), 'SELECT 1');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no database at .*missing\.sqlite/);
  });
});
