import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { formatYuan, knownUnit, parseAmount, toFen } from '../src/normalize/amount.js';
import { codeInfo, functionClassCode } from '../src/normalize/codes.js';
import { compact, nfkc, normalizeLabel } from '../src/normalize/label.js';

describe('label normalization (SCHEMA.md)', () => {
  it.each([
    ['一、一般公共服务支出', '一般公共服务支出'],
    ['    其中：教学科研人员因公出国（境）费', '教学科研人员因公出国(境)费'],
    ['政府办公厅（室）及相关机构事务', '政府办公厅(室)及相关机构事务'],
    ['二十六、转移性支出', '转移性支出'],
    ['（一）基本支出', '基本支出'],
    ['1. 一般公共预算资金', '一般公共预算资金'],
    ['2、其中：公务接待费', '公务接待费'],
    ['项  目', '项目'],
    ['“三公”经费小计', '“三公”经费小计'],
  ])('%s → %s', (raw, label) => expect(normalizeLabel(raw)).toBe(label));

  it('compacts exactly as the contract defines it (NFKC, then every whitespace removed), whatever the characters', () => {
    // what cells are made of (ASCII, whitespace, full-width punctuation, CJK, stable CJK punctuation)
    // and characters only NFKC itself handles: half-width katakana, circled digits, ligatures, a
    // combining accent (composes with the letter before it), a spacing diaeresis, a surrogate pair
    const alphabet = [
      ...'aZ09 .,-()\t\n\r\u000b', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u2028', '\u0085', ...'（）：；，．０９ＡＺ｀～',
      ...'一般公共服务支出其中', ...'、。“”‘’《》【】', ...'ｶﾞ①ﬁ', '\u0301', '\u00a8', '\u00b7', '—', '…', '😀',
    ];
    let seed = 7; // mulberry32: deterministic, every character drawn
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
    };
    for (let n = 0; n < 3000; n++) {
      const text = Array.from({ length: random(12) }, () => alphabet[random(alphabet.length)]).join('');
      expect(compact(text), JSON.stringify(text)).toBe(text.normalize('NFKC').replace(/\s+/gu, ''));
      expect(nfkc(text), JSON.stringify(text)).toBe(text.normalize('NFKC'));
    }
  });
});

describe('amounts are exact', () => {
  it('parses numbers, separators and absent markers', () => {
    expect(parseAmount('1,234.56')).toEqual({ kind: 'number', digits: '1234.56' });
    expect(parseAmount('-12')).toEqual({ kind: 'number', digits: '-12' });
    expect(parseAmount(' 0 ')).toEqual({ kind: 'number', digits: '0' });
    for (const absent of ['', '-', '—', '--', '---', '－', '无', '  ']) expect(parseAmount(absent)).toEqual({ kind: 'absent' });
    expect(parseAmount('约2085')).toEqual({ kind: 'invalid', text: '约2085' });
    expect(parseAmount('1,23.4').kind).toBe('invalid');
  });

  it('scales units to 分 without floats', () => {
    expect(toFen(new Decimal('2085.50'), '万元')).toBe(2085500000n);
    expect(formatYuan(toFen(new Decimal('2085.50'), '万元'))).toBe('20855000.00');
    expect(formatYuan(toFen(new Decimal('0.1'), '元') + toFen(new Decimal('0.2'), '元'))).toBe('0.30');
    expect(formatYuan(toFen(new Decimal('123456789012.34'), '元'))).toBe('123456789012.34');
    expect(formatYuan(-5n)).toBe('-0.05');
    expect(() => toFen(new Decimal('0.001'), '元')).toThrow(/not a whole number of 分/);
    expect(toFen('0.001', '万元')).toBe(1000n);
    expect(toFen('0.000001', '万元')).toBe(1n);
    expect(() => toFen('0.0000001', '万元')).toThrow(/not a whole number of 分/);
    expect(toFen('12.300', '元')).toBe(1230n);
    expect(toFen('-3.5', '千元')).toBe(-350000n);
    expect(toFen('.5', '元')).toBe(50n);
    expect(toFen('92233720368547758.07', '元')).toBe(2n ** 63n - 1n);
    expect(() => toFen('92233720368547758.08', '元')).toThrow(/beyond the amounts yusuan stores/);
    expect(() => toFen('99999999999999999999999.99', '万元')).toThrow(/beyond/);
  });

  it('knows 元, 千元, 万元 and refuses other units', () => {
    expect(knownUnit('万元')).toBe('万元');
    expect(knownUnit('元')).toBe('元');
    expect(knownUnit('万美元')).toBeUndefined();
  });
});

describe('classification codes', () => {
  it('has levels and parents', () => {
    expect(codeInfo('2010301')).toEqual({ code: '2010301', level: 3, parent: '20103' });
    expect(codeInfo('30101')).toEqual({ code: '30101', level: 2, parent: '301' });
    expect(codeInfo('201')).toEqual({ code: '201', level: 1, parent: '' });
  });

  it('codes the 类 names of the function classification', () => {
    expect(functionClassCode('一般公共服务支出')).toBe('201');
    expect(functionClassCode('灾害防治及应急管理支出')).toBe('224');
    expect(functionClassCode('本年支出合计')).toBeUndefined();
  });
});
