import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processBytes } from '../src/pipeline.js';
import { writeDocx } from './helpers/bombs.js';
import { query, ROOT, tempDir } from './helpers/run.js';

/** Issue 16, items 1, 3 and 6: damaged and hostile documents get reasons that say what happened. */

const SEED_000 = join(ROOT, 'corpus/seeds/000_313ba343419bd952.txt');
const HTML_000 = join(ROOT, 'corpus/fixtures/html/000_313ba343419bd952.html');
const UNMERGED_PDF = join(ROOT, 'tests/fixtures/variants/000_313ba343419bd952.unmerged.pdf');

/** A PDF of one page whose page tree lists itself among its kids. */
function selfLoopingPageTree(): Uint8Array {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
    '<< /Length 0 >>\nstream\n\nendstream',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}

describe('documents cut or damaged are partial, with the reason', () => {
  it('an HTML page cut after its first table is partial, naming the tables not found', async () => {
    const html = readFileSync(HTML_000, 'utf8');
    // the page's first data table (部门预算收支总表) ends at character 4206, the second's title follows
    expect(html.slice(4206, 4214)).toBe('</table>');
    expect(html.slice(4214, 4240)).toMatch(/部门预算收入总表/);
    const result = await processBytes(new TextEncoder().encode(html.slice(0, 4214)), 'cut.html');
    expect(result.status).toBe('partial');
    expect(result.tables.map((t) => [t.number, t.status])).toEqual([[1, 'read']]);
    expect(result.error).toMatch(/^tables 2, 3, 4, 5, 6, 9 were not found \(every budget disclosure publishes it\); .*is the file cut\?$/);
  });

  it('a PDF whose page content is damaged is partial, naming the page (was: ok, the table taken for one published empty)', async () => {
    const pdf = readFileSync(join(ROOT, 'corpus/fixtures/pdf/002_8ad8223cbf43f16e.pdf'));
    // page 3 (部门预算收入总表, 48 line items) draws from the deflated stream of object 8, bytes 2279–3900
    expect(pdf.subarray(2200, 2279).toString('latin1')).toMatch(/8 0 obj[\s\S]*\/FlateDecode[\s\S]*stream\r?\n$/);
    const damaged = Buffer.concat([pdf.subarray(0, 3139), Buffer.from('%% damaged <<>> D> 1 0 obj garbage '.repeat(3)), pdf.subarray(3139)]);
    const result = await processBytes(new Uint8Array(damaged), 'damaged.pdf');
    expect(result.status).toBe('partial');
    expect(result.error).toBe(
      'Page 3 could not be read (Missing setFont (Tf) operator before text rendering operator.); its content is missing from the result.; ' +
        'table 2 was not found (every budget disclosure publishes it); the last table read ends at page 8: is the file cut?',
    );
    expect(result.tables.find((t) => t.number === 2)).toBeUndefined();
    // the other tables as in the whole file (173 line items, 48 of them table 2's)
    expect(result.tables.reduce((n, t) => n + t.lineItems, 0)).toBe(173 - 48);
  });
});

describe('files cut where no table is missing yet say so (fuzz findings: silent losses)', () => {
  it('a text cut inside the last table\'s rows warns that it is cut short', async () => {
    // byte 11,430 of the seed is inside a row of table 9 (三公经费), two line items before its end
    const cut = readFileSync(SEED_000).subarray(0, 11_430);
    expect(cut.subarray(-12).toString('latin1')).toMatch(/\t\s*8\n\t\s*$/);
    const result = await processBytes(new Uint8Array(cut), 'cut.txt');
    expect(result.status).toBe('ok');
    expect(result.tables.reduce((n, t) => n + t.lineItems, 0)).toBe(198);
    expect(result.messages.filter((m) => m.severity === 'warning')).toEqual([
      {
        severity: 'warning',
        stage: 'extract',
        rule: 'text-cut',
        text: 'the text ends inside a table row (line 1543) without a final line break: the file is probably cut short, and what followed is missing; download it again',
        ref: { line: 1543 },
      },
    ]);
  });

  it('a page cut in the header of its last table (which then passes for one published empty) warns that it is cut short', async () => {
    const html = readFileSync(join(ROOT, 'corpus/fixtures/html/001_d16636ba0dd022c8.html')).subarray(0, 27_629);
    expect(html.toString('utf8')).toMatch(/“三公”经费支出表[\s\S]*<th colspan="4">资 金 性 质<\/th>[\s\S]*政府性基金(&nbsp;)+&nb$/);
    const result = await processBytes(new Uint8Array(html), 'cut.html');
    expect(result.messages.filter((m) => m.severity === 'warning').map((m) => [m.rule, m.text])).toEqual([
      ['html-cut', 'the page opens <html> but never closes it (no </html>): the file is probably cut short, and what followed is missing; download it again'],
    ]);
  });
});

describe('hostile structure: reasons that say what happened', () => {
  it('an HTML page nested 100,000 deep is refused for its nesting (was: internal error)', async () => {
    const html = `<html><body>${'<div>'.repeat(100_000)}部门预算收支总表${'</div>'.repeat(100_000)}</body></html>`;
    const result = await processBytes(new TextEncoder().encode(html), 'deep.html');
    expect(result.status).toBe('failed');
    expect(result.error).toBe(
      'the document nests its elements more than 512 deep (a budget disclosure nests a few dozen deep), so it was not read: ' +
        'it is damaged, or generated by something that is not an editor',
    );
    expect(result.messages.map((m) => m.rule)).toEqual(['too-deep']);
  });

  it('a .docx whose text is nested 100,000 deep is refused for its nesting', async () => {
    const file = join(tempDir(), 'deep.docx');
    const w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
    writeDocx(file, `<?xml version="1.0" encoding="UTF-8"?><w:document ${w}><w:body>${'<w:sdt><w:sdtContent>'.repeat(50_000)}<w:p/>${'</w:sdtContent></w:sdt>'.repeat(50_000)}</w:body></w:document>`);
    const result = await processBytes(new Uint8Array(readFileSync(file)), 'deep.docx');
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/^the \.docx file nests the elements of its text \(word\/document\.xml\) more than 512 deep/);
  });

  it('a PDF whose page tree lists itself is damaged, not "probably a scan"', async () => {
    const result = await processBytes(selfLoopingPageTree(), 'loop.pdf');
    expect(result.status).toBe('failed');
    expect(result.error).toBe(
      'The PDF is damaged: its only page could not be read (pdf.js: Pages tree contains circular reference.), so there is no text to read. ' +
        'Download it again from the source, or repair it (e.g. with qpdf) and try again.',
    );
  });

  it.each([
    ['utf-16le', (b: Buffer) => b],
    ['utf-16be', (b: Buffer) => Buffer.from(b).swap16()],
  ])('a seed in %s without a byte order mark is read like the UTF-8 one (was: "binary data")', async (_name, order) => {
    const bytes = order(Buffer.from(readFileSync(SEED_000, 'utf8'), 'utf16le'));
    const result = await processBytes(new Uint8Array(bytes), 'seed.txt');
    expect(result.status).toBe('ok');
    expect(result.tables.reduce((n, t) => n + t.lineItems, 0)).toBe(200);
  });
});

describe("pdf.js's own unhandled rejections", () => {
  it('become a warning of the document read, in this thread too: the run ends with its summary', () => {
    // page 20's object of the variant blanked out: pdf.js rejects a promise of its own that no one handles
    const bytes = Buffer.from(readFileSync(UNMERGED_PDF));
    expect(bytes.subarray(333_375, 333_440).toString('latin1')).toMatch(/\/Page\/Parent 70 0 R\/Resources 92 0 R\/MediaBox/);
    bytes.fill(' ', 333_415, 333_704);
    const dir = tempDir();
    const pdf = join(dir, 'blanked-page.pdf');
    writeFileSync(pdf, bytes);
    const db = join(dir, 'run.sqlite');
    const script = join(dir, 'ingest.mjs');
    writeFileSync(
      script,
      `const { ingest } = await import(${JSON.stringify(join(ROOT, 'dist', 'ingest.js'))});
       const s = await ingest([${JSON.stringify(pdf)}, ${JSON.stringify(SEED_000)}], { db: ${JSON.stringify(db)} });
       process.stdout.write(JSON.stringify({ files: s.files, statuses: s.outcomes.map((o) => o.status) }));`,
    );
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ files: 2, statuses: ['partial', 'ok'] });
    const warnings = query<{ rule: string; message: string }>(db, "SELECT rule, message FROM messages WHERE rule = 'pdf-damaged'");
    expect(warnings).toEqual([
      {
        rule: 'pdf-damaged',
        message: 'The PDF is damaged: pdf.js met an error it read past (Bad (uncompressed) XRef entry: 61R); some of its content may be missing.',
      },
    ]);
  });
});
