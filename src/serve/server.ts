import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Store } from '../store/store.js';
import { ReviewQueries, SORT_KEYS, type ListQuery, type SortKey } from './queries.js';
import { resolveSource, sourceMap, SourceMapCache } from './source.js';

/**
 * `yusuan serve`: the review page. Everything it shows comes from a store
 * opened read-only; the only files it reads are its own assets (a fixed
 * list, named here), the browser builds of pdfjs-dist and ECharts from the
 * installed packages, and a document's source file, found by the path the
 * store records for it. No path is ever taken from a URL.
 */

export interface ServeOptions {
  db: string;
  host?: string;
  port?: number;
  /** Silence the per-request log (tests). */
  quiet?: boolean;
}

/** The page's policy: no inline script, nothing from another origin. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('yusuan serve: cannot find the package folder');
    dir = up;
  }
  return dir;
}

interface Asset {
  file: string;
  type: string;
}

/** Every file the page can load, by the name in its URL. */
function assets(): Map<string, Asset> {
  const root = packageRoot();
  const require = createRequire(import.meta.url);
  const pdfjs = dirname(require.resolve('pdfjs-dist/package.json'));
  const echarts = dirname(require.resolve('echarts/package.json'));
  const here = join(root, 'src', 'serve', 'static');
  const js = 'text/javascript; charset=utf-8';
  const map = new Map<string, Asset>([
    ['/', { file: join(here, 'index.html'), type: 'text/html; charset=utf-8' }],
    ['/assets/app.js', { file: join(here, 'app.js'), type: js }],
    ['/assets/style.css', { file: join(here, 'style.css'), type: 'text/css; charset=utf-8' }],
    ['/assets/pdf.min.mjs', { file: join(pdfjs, 'build', 'pdf.min.mjs'), type: js }],
    ['/assets/pdf.worker.min.mjs', { file: join(pdfjs, 'build', 'pdf.worker.min.mjs'), type: js }],
    ['/assets/echarts.min.js', { file: join(echarts, 'dist', 'echarts.min.js'), type: js }],
  ]);
  // pdf.js asks for the CMaps and standard fonts by name: the files the package ships, listed once
  for (const [folder, type] of [['cmaps', 'application/octet-stream'], ['standard_fonts', 'application/octet-stream']] as const) {
    const dir = join(pdfjs, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) map.set(`/assets/pdfjs/${folder}/${name}`, { file: join(dir, name), type });
  }
  return map;
}

const DOC_ID = /^[0-9a-f]{64}$/;

class BadRequest extends Error {}

function text(value: unknown, name: string, max = 200): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || value.length > max) throw new BadRequest(`${name} must be text of at most ${max} characters`);
  return value;
}

function whole(value: unknown, name: string, min: number, max: number, otherwise: number | null): number | null {
  if (value === undefined || value === '') return otherwise;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new BadRequest(`${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function docIdOf(params: unknown): string {
  const id = (params as { docId?: unknown }).docId;
  if (typeof id !== 'string' || !DOC_ID.test(id)) throw new BadRequest('a document is named by its doc_id: 64 hexadecimal digits');
  return id;
}

export function listQuery(q: Record<string, unknown>): ListQuery {
  const known = new Set(['q', 'status', 'format', 'region', 'year', 'sort', 'dir', 'offset', 'limit']);
  for (const key of Object.keys(q)) if (!known.has(key)) throw new BadRequest(`unknown parameter "${key.slice(0, 40)}"`);
  const sort = text(q.sort, 'sort', 40) || 'departmentName';
  if (!(SORT_KEYS as readonly string[]).includes(sort)) throw new BadRequest(`sort must be one of ${SORT_KEYS.join(', ')}`);
  const dir = text(q.dir, 'dir', 4) || 'asc';
  if (dir !== 'asc' && dir !== 'desc') throw new BadRequest('dir must be asc or desc');
  const status = text(q.status, 'status', 10);
  if (status !== '' && !['ok', 'partial', 'failed'].includes(status)) throw new BadRequest('status must be ok, partial or failed');
  return {
    search: text(q.q, 'q').trim(),
    status,
    format: text(q.format, 'format', 20),
    region: text(q.region, 'region'),
    year: whole(q.year, 'year', 1900, 2200, null),
    sort: sort as SortKey,
    descending: dir === 'desc',
    offset: whole(q.offset, 'offset', 0, 1e9, 0)!,
    limit: whole(q.limit, 'limit', 1, 500, 100)!,
  };
}

export async function createServer(options: ServeOptions): Promise<FastifyInstance> {
  const store = Store.open(options.db, { readonly: true });
  const queries = new ReviewQueries(store.db);
  // the documents' summaries are read before the first request, not during it
  queries.refresh();
  const files = assets();
  const maps = new SourceMapCache();
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 100 } });
  app.addHook('onClose', async () => store.close());
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    return payload;
  });
  app.setErrorHandler((error: Error, _request, reply) => {
    if (error instanceof BadRequest) return reply.code(400).send({ error: error.message });
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: error.message });
    if (!options.quiet) process.stderr.write(`yusuan serve: ${error.message}\n`);
    return reply.code(500).send({ error: 'the server could not answer this request; see its log' });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'no such page' }));

  const sendAsset = async (path: string, reply: FastifyReply) => {
    const asset = files.get(path);
    if (!asset) return reply.code(404).send({ error: 'no such file' });
    reply.header('Cache-Control', path === '/' ? 'no-cache' : 'max-age=3600');
    return reply.type(asset.type).send(await readFile(asset.file));
  };
  app.get('/', (_request, reply) => sendAsset('/', reply));
  app.get('/favicon.ico', (_request, reply) => reply.code(204).send());
  app.get('/assets/*', (request, reply) => sendAsset(request.url.split('?')[0], reply));

  const found = <T>(value: T | undefined): T => {
    if (value === undefined) throw Object.assign(new Error('no document with this doc_id in the store'), { statusCode: 404 });
    return value;
  };

  app.get('/api/documents', async (request) => queries.list(listQuery(request.query as Record<string, unknown>)));
  app.get('/api/documents/:docId', async (request) => found(queries.document(docIdOf(request.params))));
  app.get('/api/documents/:docId/classes', async (request) => queries.classes(docIdOf(request.params)));

  const mapOf = (docId: string) => {
    const doc = found(queries.documentRow(docId));
    return maps.get(docId, async () => {
      const detail = queries.document(docId)!;
      const source = resolveSource(doc, resolve(options.db));
      return sourceMap(source, doc.sourceFile, detail.items as never, detail.problems.map((p) => p.seq));
    });
  };
  app.get('/api/documents/:docId/source', async (request) => mapOf(docIdOf(request.params)));
  app.get('/api/documents/:docId/file', async (request, reply) => {
    const docId = docIdOf(request.params);
    const doc = found(queries.documentRow(docId));
    if (doc.sourceFormat !== 'pdf') return reply.code(404).send({ error: 'only a PDF document is served as a file' });
    const source = resolveSource(doc, resolve(options.db));
    if (source.state !== 'ok' || !source.bytes) return reply.code(410).send({ error: source.message });
    return reply.type('application/pdf').header('Cache-Control', 'no-cache').send(Buffer.from(source.bytes));
  });

  app.get('/api/departments', async () => queries.departments());
  app.get('/api/department', async (request) => {
    const q = request.query as Record<string, unknown>;
    const key = text(q.key, 'key', 400);
    if (key === '') throw new BadRequest('key (a department_key) is needed');
    return queries.department(key);
  });
  app.get('/api/region-year', async (request) => {
    const q = request.query as Record<string, unknown>;
    const year = whole(q.year, 'year', 1900, 2200, null);
    if (year === null) throw new BadRequest('year is needed');
    return queries.regionYear(text(q.region, 'region'), year);
  });
  return app;
}

/** Starts the server and resolves to its address. */
export async function serve(options: ServeOptions): Promise<{ app: FastifyInstance; url: string }> {
  const app = await createServer(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 8080 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { app, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/` };
}
