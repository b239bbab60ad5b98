import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest.js';
import { createServer } from '../../src/serve/server.js';
import { resolveSource } from '../../src/serve/source.js';
import { sha256 } from '../../src/pipeline.js';

/** `yusuan serve` over HTTP, without a browser: what it answers, refuses and never does. */

const seeds = new URL('../../corpus/seeds/', import.meta.url).pathname;

describe('yusuan serve (HTTP)', () => {
  let dir: string;
  let db: string;
  let app: FastifyInstance;
  let docs: { docId: string; sourceFile: string }[];
  const get = (url: string) => app.inject({ method: 'GET', url });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'yusuan-serve-http-'));
    mkdirSync(join(dir, 'docs'));
    for (const f of ['000_313ba343419bd952.txt', '001_d16636ba0dd022c8.txt', '002_8ad8223cbf43f16e.txt']) copyFileSync(join(seeds, f), join(dir, 'docs', f));
    db = join(dir, 'store.sqlite');
    await ingest([join(dir, 'docs')], { db, workers: 0 });
    app = await createServer({ db, quiet: true });
    docs = (await get('/api/documents')).json().documents;
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a Content-Security-Policy that allows no inline script, with every answer', async () => {
    for (const url of ['/', '/api/documents', '/assets/app.js', '/nowhere']) {
      const csp = String((await get(url)).headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toContain("default-src 'none'");
    }
  });

  it('serves its assets from the package by a fixed list, never a path from the URL', async () => {
    expect((await get('/assets/pdf.min.mjs')).statusCode).toBe(200);
    expect((await get('/assets/pdf.worker.min.mjs')).statusCode).toBe(200);
    expect((await get('/assets/echarts.min.js')).statusCode).toBe(200);
    expect((await get('/assets/pdfjs/cmaps/UniGB-UCS2-H.bcmap')).statusCode).toBe(200);
    for (const url of ['/assets/../package.json', '/assets/%2e%2e/package.json', '/assets/..%2fpackage.json', '/assets/pdfjs/cmaps/../../package.json', '/assets/app.js/../../../../etc/passwd']) {
      const answer = await get(url);
      expect(answer.statusCode, url).toBe(404);
      expect(answer.body).not.toContain('"name": "yusuan"');
    }
  });

  it('lists, filters, searches and sorts the documents', async () => {
    expect(docs).toHaveLength(3);
    const page = (await get('/api/documents?q=001_d16&sort=fiscalYear&dir=desc')).json();
    expect(page.matched).toBe(1);
    expect(page.documents[0].sourceFile).toBe('001_d16636ba0dd022c8.txt');
    const byYear = (await get('/api/documents?sort=fiscalYear&dir=asc')).json().documents.map((d: { fiscalYear: number }) => d.fiscalYear);
    expect(byYear).toEqual([2024, 2025, 2025]); // seed 001 is 2024, seeds 000 and 002 are 2025
    const ok = (await get('/api/documents?status=ok')).json();
    expect(ok.matched).toBe(3);
    expect(ok.documents[0]).toMatchObject({ tablesFound: 9, tablesRead: 9 });
  });

  it('validates every parameter, with a plain reason', async () => {
    for (const url of [
      '/api/documents?sort=doc_id;DROP',
      '/api/documents?dir=up',
      '/api/documents?limit=100000',
      '/api/documents?offset=-1',
      '/api/documents?year=abc',
      '/api/documents?status=gone',
      '/api/documents?other=1',
      '/api/documents/not-a-doc-id',
      `/api/documents/${'g'.repeat(64)}`,
      '/api/region-year?region=x',
      '/api/department',
    ]) {
      const answer = await get(url);
      expect(answer.statusCode, url).toBe(400);
      expect(answer.json().error, url).toMatch(/\w/);
    }
    expect((await get(`/api/documents/${'0'.repeat(64)}`)).statusCode).toBe(404);
  });

  it('only reads: no method but GET, the store file untouched', async () => {
    const before = statSync(db).mtimeMs;
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
      expect((await app.inject({ method, url: '/api/documents' })).statusCode).toBe(404);
    }
    await get(`/api/documents/${docs[0].docId}`);
    expect(statSync(db).mtimeMs).toBe(before);
  });

  it('places text numbers on their lines', async () => {
    const doc = docs.find((d) => d.sourceFile === '000_313ba343419bd952.txt')!;
    const detail = (await get(`/api/documents/${doc.docId}`)).json();
    const map = (await get(`/api/documents/${doc.docId}/source`)).json();
    expect(map.state).toBe('ok');
    // seed 000: 一般公共服务支出 (201), total, 1853.61 万元 on line 556
    const item = detail.items.find((i: { code: string; measure: string; tableKind: string }) => i.tableKind === 'expenditure' && i.code === '201' && i.measure === 'total');
    expect(item.amountYuan).toBe('18536100.00');
    expect(map.positions[item.seq]).toEqual({ line: 556, text: '1853.61' });
    expect(map.lines[555]).toBe('\t1853.61');
    expect(Object.keys(map.positions)).toHaveLength(detail.items.length);
  });

  it('says so when a source file has changed or is gone, and serves nothing of it', async () => {
    const changed = docs.find((d) => d.sourceFile === '001_d16636ba0dd022c8.txt')!;
    const path = join(dir, 'docs', changed.sourceFile);
    writeFileSync(path, `${readFileSync(path, 'utf8')}\nchanged`);
    const map = (await get(`/api/documents/${changed.docId}/source`)).json();
    expect(map.state).toBe('changed');
    expect(map.message).toContain('is not the one ingested');
    expect(map.lines).toBeUndefined();

    const gone = docs.find((d) => d.sourceFile === '002_8ad8223cbf43f16e.txt')!;
    unlinkSync(join(dir, 'docs', gone.sourceFile));
    const missing = (await get(`/api/documents/${gone.docId}/source`)).json();
    expect(missing.state).toBe('missing');
    expect(missing.message).toContain('was not found');
    // a text document is never served as a file
    expect((await get(`/api/documents/${changed.docId}/file`)).statusCode).toBe(404);
  });

  it("finds a source recorded by a relative path from the store's folder too (npm start ingests corpus)", async () => {
    const bytes = readFileSync(join(seeds, '003_4966aa1e14abadbe.txt'));
    mkdirSync(join(dir, 'corpus'), { recursive: true });
    writeFileSync(join(dir, 'corpus', 'seed.txt'), bytes);
    // the server's working folder is not the store's: the path is tried from both
    const found = resolveSource({ sourcePath: 'corpus/seed.txt', sourceFile: 'seed.txt', docId: sha256(bytes) }, join(dir, 'store.sqlite'));
    expect(found.state).toBe('ok');
    expect(found.path).toBe(join(dir, 'corpus', 'seed.txt'));
    const wrong = resolveSource({ sourcePath: 'corpus/seed.txt', sourceFile: 'seed.txt', docId: '0'.repeat(64) }, join(dir, 'store.sqlite'));
    expect(wrong.state).toBe('changed');
  });
});
