#!/usr/bin/env node
// node scripts/synth-corpus.mjs --out DIR --count N --seed S [--formats txt,html,docx,pdf] [--factors 2-9]
//
// A synthetic corpus for scale tests: N documents made from the seeds
// (corpus/seeds/*.txt) and the format fixtures (corpus/fixtures/{html,docx,pdf}),
// deterministic from the seed number. Each text, HTML or DOCX document gets
// another department (a county or district name and code put before the
// original ones), another fiscal year (2019–2026, every year in the document
// shifted alike) and all its amounts multiplied by a whole factor — as exact
// decimal strings, so every sum that held in the source holds in the copy.
// (A sum published within rounding in the source is off by factor × as much
// in the copy, and may then be reported as an error: --factors 1-1 keeps the
// amounts as they are.) PDFs are copied with a unique comment after %%EOF. Test data
// only: the departments are not real.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const ROOT = new URL('../', import.meta.url).pathname;
const FORMATS = ['txt', 'html', 'docx', 'pdf'];

/** Counties and districts (名称, 区划代码 6 digits) put before the source department. */
const REGIONS = [
  ['正定县', '130123'], ['栾城区', '130111'], ['井陉矿区', '130107'], ['藁城区', '130109'], ['鹿泉区', '130110'],
  ['行唐县', '130125'], ['灵寿县', '130126'], ['高邑县', '130127'], ['深泽县', '130128'], ['赞皇县', '130129'],
  ['无极县', '130130'], ['平山县', '130131'], ['元氏县', '130132'], ['赵县', '130133'], ['辛集市', '130181'],
  ['晋州市', '130183'], ['新乐市', '130184'], ['滦州市', '130284'], ['迁安市', '130283'], ['遵化市', '130281'],
  ['昌黎县', '130322'], ['卢龙县', '130324'], ['青龙满族自治县', '130321'], ['北戴河区', '130304'], ['抚宁区', '130306'],
  ['涿州市', '130681'], ['定州市', '130682'], ['安国市', '130683'], ['高碑店市', '130684'], ['雄县', '130638'],
  ['容城县', '130629'], ['安新县', '130632'], ['霸州市', '131081'], ['三河市', '131082'], ['香河县', '131024'],
  ['武安市', '130481'], ['涉县', '130426'], ['磁县', '130427'], ['任丘市', '130982'], ['黄骅市', '130983'],
];

// ---------------------------------------------------------------- random

/** mulberry32: a small deterministic PRNG (the fuzzer uses it too). */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (rand, list) => list[Math.floor(rand() * list.length)];
const between = (rand, lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

// ---------------------------------------------------------------- numbers

/** A decimal written as in the document ('2,085.50', '97.93', '130') times a whole factor, written alike. */
export function scaleDecimal(text, factor) {
  const grouped = text.includes(',');
  const [int, frac = ''] = text.replace(/,/g, '').split('.');
  const digits = (BigInt(int + frac) * BigInt(factor)).toString().padStart(frac.length + 1, '0');
  let whole = frac ? digits.slice(0, -frac.length) : digits;
  if (grouped) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${whole}.${digits.slice(-frac.length)}` : whole;
}

/**
 * In a run of document text: every decimal number (with a point: amounts,
 * also percentages — harmless), and whole numbers followed by 元 / 万元,
 * scaled; every year (a 4-digit 2000–2039 standing alone) shifted.
 */
function transformText(text, { factor, yearShift }) {
  return text.replace(
    /(?<![\d.,])(?:(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)|(\d+)(?=\s*(?:千元|万元|亿元|元))|(20[0-3]\d))(?![\d.]|,\d)/g,
    (all, decimal, whole, year) => {
      if (decimal !== undefined) return scaleDecimal(decimal, factor);
      if (whole !== undefined) return scaleDecimal(whole, factor);
      return String(Number(year) + yearShift);
    },
  );
}

// ---------------------------------------------------------------- documents

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The document's own department (code, name) and fiscal year, from its plain text. */
function identify(plain) {
  const at = plain.search(/预算年度\s*[:：]/);
  if (at < 0) return undefined;
  const year = Number(/预算年度\s*[:：]\s*(\d{4})/.exec(plain.slice(at))?.[1]);
  const before = plain.slice(Math.max(0, at - 2000), at).split('\n').map((l) => l.trim()).filter(Boolean);
  for (let i = before.length - 1; i >= 0; i--) {
    const m = /^(\d{1,12})\s*([\p{Script=Han}（(][^：:\t]*?)\s*$/u.exec(before[i]);
    if (m) return { code: m[1], name: m[2], year };
  }
  return { year };
}

/**
 * Applies a variation to a document held as a string: `segments` splits it
 * into text (transformed) and markup (kept).
 */
function vary(source, plain, variation, segments) {
  const who = identify(plain);
  if (!who?.year) throw new Error('no 预算年度 found');
  const yearShift = variation.year - who.year;
  let out = source;
  let department;
  if (who.name) {
    const code = (variation.region[1] + who.code).slice(0, 12);
    const name = variation.region[0] + who.name;
    department = { code, name };
    // the code standing before the name (in one cell, across runs or tags): the new code
    out = out.replace(new RegExp(`(?<![\\d.])${who.code}((?:\\s|&nbsp;|&#160;|<[^>]*>)*)${escapeRegExp(who.name)}`, 'g'), `\u0000$1${who.name}`);
    out = out.split('\u0000').join(code);
  }
  out = segments(out, (text) => {
    let t = transformText(text, { factor: variation.factor, yearShift });
    if (who.name) t = t.split(who.name).join(variation.region[0] + who.name);
    return t;
  });
  return { text: out, department, year: variation.year, sourceYear: who.year };
}

const wholeText = (text, f) => f(text);

/** Text outside tags, outside <style> and <script>. */
function htmlText(html, f) {
  return html.replace(/(<(style|script)\b[^]*?<\/\2>)|(<[^>]*>)|([^<]+)/gi, (all, block, _n, tag, text) => (text !== undefined ? f(text) : all));
}

/** The text of <w:t> elements of WordprocessingML. */
function wordText(xml, f) {
  return xml.replace(/(<w:t(?:\s[^>]*)?>)([^<]*)(<\/w:t>)/g, (all, open, text, close) => open + f(text) + close);
}

const htmlPlain = (html) =>
  html
    .replace(/<(style|script)\b[^]*?<\/\1>/gi, '')
    .replace(/<\/(td|th|p|div|h\d|tr|li|br)>|<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;|&#160;/g, ' ');
const wordPlain = (xml) => xml.replace(/<\/w:p>/g, '\n').replace(/<w:tab\/>/g, '\t').replace(/<[^>]*>/g, '');

// ---------------------------------------------------------------- zip

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();
function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The entries of a zip archive (no zip64, no encryption): what a .docx is. */
export function readZip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad zip central directory');
    const method = buf.readUInt16LE(p + 10);
    const time = buf.readUInt16LE(p + 12);
    const date = buf.readUInt16LE(p + 14);
    const crc = buf.readUInt32LE(p + 16);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLength).toString('utf8');
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    entries.push({ name, method, time, date, crc, size, compressed: buf.subarray(dataStart, dataStart + compressedSize) });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

export function entryData(entry) {
  return entry.method === 0 ? Buffer.from(entry.compressed) : inflateRawSync(entry.compressed);
}

/** Replaces an entry's content (deflated). */
export function setEntryData(entry, data) {
  return { ...entry, method: 8, crc: crc32(data), size: data.length, compressed: deflateRawSync(data) };
}

export function writeZip(entries, comment = '') {
  const parts = [];
  const central = [];
  let offset = 0;
  const commentBytes = Buffer.from(comment, 'utf8');
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names, sizes in this header
    local.writeUInt16LE(e.method, 8);
    local.writeUInt16LE(e.time, 10);
    local.writeUInt16LE(e.date, 12);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.compressed.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(0x0800, 8);
    dir.writeUInt16LE(e.method, 10);
    dir.writeUInt16LE(e.time, 12);
    dir.writeUInt16LE(e.date, 14);
    dir.writeUInt32LE(e.crc, 16);
    dir.writeUInt32LE(e.compressed.length, 20);
    dir.writeUInt32LE(e.size, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    parts.push(local, name, e.compressed);
    central.push(dir, name);
    offset += local.length + name.length + e.compressed.length;
  }
  const centralBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(commentBytes.length, 20);
  return Buffer.concat([...parts, centralBuf, end, commentBytes]);
}

// ---------------------------------------------------------------- per format

function synthesize(format, bytes, variation, tag) {
  switch (format) {
    case 'txt': {
      const text = bytes.toString('utf8');
      const v = vary(text, text, variation, wholeText);
      return { bytes: Buffer.from(`${v.text.replace(/\n*$/, '')}\n\n${tag}\n`, 'utf8'), ...v };
    }
    case 'html': {
      const html = bytes.toString('utf8');
      const v = vary(html, htmlPlain(html), variation, htmlText);
      const out = v.text.replace(/<\/html>\s*$/i, `<!-- ${tag} -->\n</html>\n`);
      return { bytes: Buffer.from(out.includes(tag) ? out : `${out}<!-- ${tag} -->\n`, 'utf8'), ...v };
    }
    case 'docx': {
      const entries = readZip(bytes);
      const index = entries.findIndex((e) => e.name === 'word/document.xml');
      if (index < 0) throw new Error('no word/document.xml');
      const xml = entryData(entries[index]).toString('utf8');
      const v = vary(xml, wordPlain(xml), variation, wordText);
      entries[index] = setEntryData(entries[index], Buffer.from(v.text, 'utf8'));
      return { bytes: writeZip(entries, tag), ...v };
    }
    case 'pdf':
      // the bytes after %%EOF are ignored by readers; the content is the source's
      return { bytes: Buffer.concat([bytes, Buffer.from(`\n% ${tag}\n`, 'latin1')]) };
    default:
      throw new Error(`unknown format ${format}`);
  }
}

function sources(formats) {
  const list = (dir, ext) =>
    readdirSync(dir)
      .filter((f) => extname(f).toLowerCase() === `.${ext}`)
      .sort()
      .map((f) => join(dir, f));
  const bySource = {
    txt: list(join(ROOT, 'corpus', 'seeds'), 'txt'),
    html: list(join(ROOT, 'corpus', 'fixtures', 'html'), 'html'),
    docx: list(join(ROOT, 'corpus', 'fixtures', 'docx'), 'docx'),
    pdf: list(join(ROOT, 'corpus', 'fixtures', 'pdf'), 'pdf'),
  };
  return Object.fromEntries(formats.map((f) => [f, bySource[f].map((path) => ({ path, bytes: readFileSync(path) }))]));
}

/**
 * Writes `count` documents into `out`; returns what was made (a manifest,
 * also written as out/manifest.json).
 */
export function synthCorpus({ out, count, seed, formats = FORMATS, factors = [2, 9] }) {
  for (const f of formats) if (!FORMATS.includes(f)) throw new Error(`unknown format "${f}"; choose from ${FORMATS.join(', ')}`);
  const pool = sources(formats);
  const rand = random(seed);
  mkdirSync(out, { recursive: true });
  const manifest = [];
  for (let i = 0; i < count; i++) {
    const format = formats[i % formats.length];
    const source = pick(rand, pool[format]);
    const variation = { region: pick(rand, REGIONS), year: between(rand, 2019, 2026), factor: between(rand, factors[0], factors[1]) };
    const tag = `synth ${seed}/${i}`;
    const made = synthesize(format, source.bytes, variation, tag);
    const file = `synth-${String(i).padStart(6, '0')}-${basename(source.path, extname(source.path))}.${format}`;
    writeFileSync(join(out, file), made.bytes);
    manifest.push({
      file,
      source: source.path.slice(ROOT.length),
      format,
      ...(format === 'pdf' ? {} : { factor: variation.factor, fiscalYear: made.year, sourceYear: made.sourceYear, department: made.department }),
    });
  }
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

if (process.argv[1] && new URL(import.meta.url).pathname === (await import('node:fs')).realpathSync(process.argv[1])) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      count: { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      formats: { type: 'string', default: FORMATS.join(',') },
      factors: { type: 'string', default: '2-9' },
    },
  });
  const count = Number(values.count);
  const seed = Number(values.seed);
  const factors = /^(\d+)-(\d+)$/.exec(values.factors)?.slice(1).map(Number);
  if (!values.out || !Number.isInteger(count) || count < 0 || !Number.isInteger(seed) || !factors || factors[0] < 1 || factors[0] > factors[1]) {
    process.stderr.write('usage: node scripts/synth-corpus.mjs --out DIR --count N --seed S [--formats txt,html,docx,pdf] [--factors 2-9]\n');
    process.exit(2);
  }
  const started = performance.now();
  const formats = values.formats.split(',').map((f) => f.trim()).filter(Boolean);
  let manifest;
  try {
    manifest = synthCorpus({ out: values.out, count, seed, formats, factors });
  } catch (e) {
    process.stderr.write(`synth-corpus: ${e.message}\n`);
    process.exit(2);
  }
  const by = {};
  for (const m of manifest) by[m.format] = (by[m.format] ?? 0) + 1;
  process.stdout.write(
    `wrote ${manifest.length} document(s) to ${values.out} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${Object.entries(by)
      .map(([f, n]) => `${n} ${f}`)
      .join(', ')}\n`,
  );
}
