import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeText, detectLayout, extractText } from '../src/extract/text.js';
import { bySourceFile, diffRows, loadGold } from './helpers/gold.js';
import { exportRows, ingestInto, SEEDS, tempDb, tempDir } from './helpers/run.js';

const gold = loadGold();
const SEED_FILES = ['000_313ba343419bd952', '004_bd07757d433d15de'];

describe('text encodings and line ends give the same rows', async () => {
  const dir = tempDir();
  for (const name of SEED_FILES) {
    const text = readFileSync(join(SEEDS, `${name}.txt`), 'utf8');
    writeFileSync(join(dir, `${name}.gb18030.txt`), iconv.encode(text, 'gb18030'));
    writeFileSync(join(dir, `${name}.bom-crlf.txt`), `\ufeff${text.replace(/\n/g, '\r\n')}`);
  }
  const db = tempDb();
  const summary = await ingestInto(db, [dir]);
  const rows = bySourceFile(exportRows(db));

  it('reads every variant', () => {
    expect(summary.failed).toBe(0);
    expect(rows.size).toBe(4);
  });

  for (const [file, got] of rows) {
    it(`${file} reproduces its gold file`, () => {
      const diff = diffRows(gold.get(file.split('.')[0])!, got);
      expect(diff.missing).toEqual([]);
      expect(diff.extra).toEqual([]);
    });
  }
});

describe('decoding and layout detection', () => {
  it('tells GB18030 from UTF-8 by content', () => {
    expect(decodeText(iconv.encode('部门预算收支总表', 'gbk'))).toEqual({ text: '部门预算收支总表', encoding: 'gb18030' });
    expect(decodeText(Buffer.from('\ufeff预算', 'utf8'))).toEqual({ text: '预算', encoding: 'utf-8' });
  });

  it('says so when a file claims UTF-16 by its byte-order mark but is not', () => {
    expect(() => decodeText(Uint8Array.from([0xff, 0xfe, 0x41, 0x00, 0x00, 0xd8, 0x42]))).toThrow(/starts as UTF-16LE text but is not valid/);
    expect(decodeText(Uint8Array.from([0xff, 0xfe, 0x41, 0x00, 0x42, 0x00]))).toEqual({ text: 'AB', encoding: 'utf-16le' });
  });

  it('tells the one-cell-a-line layout from the tab-separated one', () => {
    expect(detectLayout(['title', '\t1', '\t一般公共服务支出', '\t2085.50', '', '\t2'])).toBe('txt-cells');
    expect(detectLayout(['title', '1\t一般公共服务支出\t2085.50', '2\t外交支出\t'])).toBe('txt-tabs');
  });

  it('joins a cell that holds a line break', () => {
    const doc = extractText(Buffer.from('\t绩效目标\n\t"第一行\n第二行"\t\t\n\n段落\n'));
    expect(doc.blocks[0]).toMatchObject({ kind: 'table', rows: [{ cells: [{ text: '绩效目标' }, { text: '"第一行\n第二行"' }] }] });
    expect(doc.blocks[1]).toMatchObject({ kind: 'paragraph', text: '段落', ref: { line: 5 } });
  });
});
