/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract } from '../../src/extract/index.js';
import { processExtracted } from '../../src/pipeline.js';
import { BROKEN_LINE, BROKEN_YUAN, CHROMIUM, CHROMIUM_ARGS, FILES, haveChromium, HOSTILE_LABEL, PARTIAL_TITLE_LINE, startFixture, type Fixture } from './harness.js';

/**
 * The review page in a real browser (issue 15): headless Chromium, driven
 * by playwright-core, against `yusuan serve` on a store of one document of
 * every format. Screenshots of each view go to a temporary folder, or to
 * docs/screenshots/ (the README's) with UPDATE_SCREENSHOTS=1, so that a test
 * run leaves the checkout as it was.
 */

if (!haveChromium) {
  console.warn(`\n*** tests/browser: ${CHROMIUM} is missing, so the browser tests are SKIPPED. Install it: apt-get install -y chromium (CI does) ***\n`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const getJson = async (url: string): Promise<any> => (await fetch(url)).json();

const screenshots = process.env.UPDATE_SCREENSHOTS === '1' ? new URL('../../docs/screenshots/', import.meta.url).pathname : mkdtempSync(join(tmpdir(), 'yusuan-screenshots-'));
const root = new URL('../../', import.meta.url).pathname;

interface StoredItem {
  seq: number;
  tableKind: string;
  label: string;
  measure: string;
  amountYuan: string;
  sourceRef: string;
}

// CI installs Chromium (.ci/run): there, a missing browser is a failure, not a skip
it.runIf(!haveChromium && Boolean(process.env.CI))('has Chromium in CI', () => {
  expect(haveChromium, `${CHROMIUM} is missing: .ci/run installs it with apt-get`).toBe(true);
});

describe.skipIf(!haveChromium)('the review page in Chromium', () => {
  let fixture: Fixture;
  let context: BrowserContext;
  let profile: string;
  const problems: string[] = [];
  const docIds = new Map<string, string>();

  beforeAll(async () => {
    fixture = await startFixture();
    const list = await getJson(`${fixture.url}api/documents?limit=50`);
    for (const d of list.documents) docIds.set(d.sourceFile, d.docId);
    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(join(tmpdir(), 'yusuan-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 900 },
    });
    mkdirSync(screenshots, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await fixture?.app.close();
    if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function open(hash: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // nothing may be fetched from anywhere but the server itself
    page.on('request', (r) => {
      if (!r.url().startsWith(fixture.url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) problems.push(`request elsewhere: ${r.url()}`);
    });
    await page.goto(`${fixture.url}${hash}`);
    return page;
  }

  async function openDocument(file: string): Promise<Page> {
    const page = await open(`#/doc/${docIds.get(file)}`);
    await page.waitForSelector('body[data-ready=document]', { timeout: 60_000 });
    return page;
  }

  const stored = async (file: string): Promise<StoredItem[]> => (await getJson(`${fixture.url}api/documents/${docIds.get(file)}`)).items;

  /**
   * The item's position as the pipeline reads it from the file here, not
   * through the server: its ref, and the cell of the extracted table holding it.
   */
  async function expectedRef(file: string, seq: number) {
    const path = join(fixture.dir, 'docs', file);
    const bytes = new Uint8Array(readFileSync(path));
    const extracted = await extract(bytes, file);
    const result = await processExtracted(extracted, path, bytes.length, 'test');
    const ref = result.normalized!.tables.flatMap((t) => t.items)[seq].ref;
    for (const block of extracted.blocks) {
      if (block.kind !== 'table') continue;
      for (const [r, row] of block.rows.entries()) {
        for (const [c, cell] of row.cells.entries()) if (cell.ref === ref) return { ...ref, rowIndex: r, colIndex: c, text: cell.text.trim() };
      }
    }
    throw new Error(`item ${seq} of ${file} is in no extracted table`);
  }

  const pick = <T>(values: T[]): T => values[Math.floor(Math.random() * values.length)];

  it('lists the documents, with search and sort', async () => {
    const page = await open('#/');
    await page.waitForSelector('#documents tbody tr');
    expect(await page.locator('#documents tbody tr').count()).toBe(9);
    const files = await page.locator('#documents tbody tr td:last-child').allTextContents();
    expect(files.sort()).toEqual(Object.values(FILES).sort());
    await page.screenshot({ path: join(screenshots, 'documents.png') });

    await page.fill('input[name=q]', 'putuo');
    await page.press('input[name=q]', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('#documents tbody tr').length === 1);
    expect(await page.locator('#documents tbody tr td:last-child').textContent()).toBe(FILES.pdf);

    await page.goto(`${fixture.url}#/?sort=fiscalYear&dir=asc`);
    await page.waitForFunction(() => document.querySelectorAll('#documents tbody tr').length === 9);
    const years = await page.locator('#documents tbody tr td:nth-child(3)').allTextContents();
    expect(years[0]).toBe('2023'); // seed 004 is the only 2023 document
    expect(years.at(-1)).toBe('2025');
    await page.close();
  });

  it('shows a PDF number on the rendered page at its stored box, and the reverse', async () => {
    const page = await openDocument(FILES.pdf);
    await page.waitForSelector('.page[data-drawn=drawn]', { timeout: 60_000 });
    const items = await stored(FILES.pdf);
    const boxes = await page.locator('#source .box').count();
    expect(boxes).toBe(items.length);

    const item = pick(items);
    const cell = page.locator(`#extracted td[data-seq="${item.seq}"]`);
    await cell.scrollIntoViewIfNeeded();
    await cell.hover();
    const box = page.locator(`#source .box.hover[data-seq="${item.seq}"]`);
    await expect.poll(() => box.count()).toBe(1);
    await page.waitForTimeout(300); // the pane scrolls the box into view
    const pageNo = Number(await box.getAttribute('data-page'));
    const expected = await expectedRef(FILES.pdf, item.seq);
    expect(`p${pageNo}`).toBe(item.sourceRef);
    expect(pageNo).toBe(expected.page);
    // the drawn box, measured on the screen against its page, back in PDF points
    const drawn = await box.boundingBox();
    const sheet = await page.locator(`#page-${pageNo}`).boundingBox();
    const scale = Number(await page.locator(`#page-${pageNo}`).getAttribute('data-scale'));
    const [x0, y0, x1, y1] = expected.box!;
    expect(Math.abs((drawn!.x - sheet!.x) / scale - x0)).toBeLessThan(0.5);
    expect(Math.abs((drawn!.y - sheet!.y) / scale - y0)).toBeLessThan(0.5);
    expect(Math.abs(drawn!.width / scale - (x1 - x0))).toBeLessThan(0.5);
    expect(Math.abs(drawn!.height / scale - (y1 - y0))).toBeLessThan(0.5);
    // and the page under it is drawn: the canvas holds ink
    const inked = await page.locator(`#page-${pageNo} canvas`).evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i] < 128) return true;
      return false;
    });
    expect(inked).toBe(true);
    await page.screenshot({ path: join(screenshots, 'document-pdf.png') });

    // the reverse: hovering another box marks its number in the extracted table
    const other = items.find((i) => i.seq !== item.seq && i.sourceRef === item.sourceRef) ?? items[(item.seq + 1) % items.length];
    const otherBox = page.locator(`#source .box[data-seq="${other.seq}"]`);
    await otherBox.scrollIntoViewIfNeeded();
    await otherBox.hover({ force: true });
    const marked = page.locator('#extracted td.hover');
    await expect.poll(() => marked.count()).toBe(1);
    expect(await marked.getAttribute('data-seq')).toBe(String(other.seq));
    expect(await marked.textContent()).toBe(other.amountYuan);
    await page.close();
  });

  for (const [format, file] of [['txt-cells', FILES.txtCells], ['txt-tabs', FILES.txtTabs], ['docx', FILES.docx], ['html', FILES.html]] as const) {
    it(`shows a ${format} number at the place it was read`, async () => {
      const page = await openDocument(file);
      const items = await stored(file);
      const item = pick(items);
      const expected = await expectedRef(file, item.seq);
      const cell = page.locator(`#extracted td[data-seq="${item.seq}"]`);
      await cell.scrollIntoViewIfNeeded();
      await cell.hover();
      const shown = page.locator(`#source .hover[data-seq="${item.seq}"]`);
      await expect.poll(() => shown.count()).toBeGreaterThan(0);
      const place = await shown.first().evaluate((el) => {
        const line = el.closest('.line');
        const td = el.closest('td');
        const table = el.closest('table');
        return {
          line: line ? line.id : null,
          table: table ? table.id : null,
          row: td ? (td.parentElement as HTMLTableRowElement).rowIndex : null,
          col: td ? td.cellIndex : null,
          text: el.textContent,
        };
      });
      if (format.startsWith('txt')) {
        expect(place.line).toBe(`L${expected.line}`);
        expect(item.sourceRef).toBe(`L${expected.line}`);
      } else {
        expect(place.table).toBe(`t${expected.table}`);
        expect(item.sourceRef).toBe(`t${expected.table}r${expected.row}`);
        expect([place.row, place.col]).toEqual([expected.rowIndex, expected.colIndex]);
      }
      // the text at that place is the number as published
      expect(place.text!.trim()).toBe(expected.text);
      expect(expected.text).toMatch(/^-?[\d.,]+$/);
      if (format === 'txt-cells') await page.screenshot({ path: join(screenshots, 'document-text.png') });
      await page.close();
    });
  }

  it('marks every number of a failing check on both sides, and the likely wrong cell', async () => {
    const page = await openDocument(FILES.broken);
    const detail = await getJson(`${fixture.url}api/documents/${docIds.get(FILES.broken)}`);
    const failing = detail.problems.find((p: { severity: string; rule: string; involves: string }) => p.severity === 'error' && p.rule !== 'likely-wrong-cell' && p.involves.includes(`L${BROKEN_LINE}`));
    expect(failing).toBeDefined();
    const involves = failing.involves.split(' ').filter(Boolean);
    await page.locator(`#checks li[data-check="${failing.seq}"]`).click();
    const left = page.locator('#extracted td.involved');
    await expect.poll(() => left.count()).toBe(involves.length);
    expect(await page.locator('#source .involved').count()).toBe(involves.length);
    const leftRefs = await left.evaluateAll((tds) => tds.map((td) => (td.getAttribute('title') ?? '').split(' · ')[1]));
    expect(leftRefs.sort()).toEqual([...involves].sort());
    // the cell changed by hand is the one marked as likely wrong, on both sides
    const suspect = page.locator('#extracted td.suspect');
    expect(await suspect.count()).toBe(1);
    expect(await suspect.textContent()).toBe(BROKEN_YUAN);
    const suspectSource = page.locator('#source .suspect');
    expect(await suspectSource.count()).toBe(1);
    expect(await suspectSource.evaluate((el) => el.closest('.line')!.id)).toBe(`L${BROKEN_LINE}`);
    await page.screenshot({ path: join(screenshots, 'failing-check.png') });
    await page.close();
  });

  it('shows labels holding markup as text, on both sides', async () => {
    const page = await openDocument(FILES.hostile);
    const label = page.locator('#extracted td.label', { hasText: '<script>' });
    expect(await label.count()).toBeGreaterThan(0);
    expect(await label.first().textContent()).toBe(HOSTILE_LABEL);
    expect(await page.locator('#extracted b, #extracted img, #source b, #source img, #extracted script').count()).toBe(0);
    // the source's line shows the same characters
    expect(await page.locator('#L565').textContent()).toContain(HOSTILE_LABEL);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.close();
  });

  it('shows where a table that could not be read stands, and why', async () => {
    const page = await openDocument(FILES.partial);
    const section = page.locator('#extracted section[data-table-no="6"]');
    expect(await section.locator('.table-reason').textContent()).toContain('万美元');
    expect(await section.locator('td.num').count()).toBe(0);
    await section.locator('.table-reason button').click();
    const region = page.locator('#source .line.region');
    await expect.poll(() => region.count()).toBe(1);
    expect(await region.getAttribute('id')).toBe(`L${PARTIAL_TITLE_LINE}`);
    expect(await region.isVisible()).toBe(true);
    const inPane = await region.evaluate((el) => {
      const a = el.getBoundingClientRect();
      const b = el.closest('.pane')!.getBoundingClientRect();
      return a.top >= b.top && a.bottom <= b.bottom;
    });
    expect(inPane).toBe(true);
    await page.screenshot({ path: join(screenshots, 'unreadable-table.png') });
    await page.close();
  });

  it('charts a department across years and a region across departments, linking to the cell', async () => {
    const page = await open('#/departments');
    await page.waitForSelector('body[data-ready=departments]', { timeout: 60_000 });
    for (const id of ['#chart-years', '#chart-region', '#chart-classes']) expect(await page.locator(`${id} canvas`).count()).toBe(1);
    await page.waitForTimeout(1000); // ECharts' opening animation
    await page.screenshot({ path: join(screenshots, 'departments.png') });
    // the department with two years (seed 000 and its copy dated 2024) is the one shown first
    const bar = await page.evaluate(() => {
      const chart = (window as unknown as { echarts: any }).echarts.getInstanceByDom(document.getElementById('chart-years'));
      const option = chart.getOption();
      const expenditure = option.series[1];
      // the bar as laid out: its own rectangle within its year's group
      const rect = chart.getModel().getSeriesByIndex(1).getData().getItemLayout(0);
      return { years: option.xAxis[0].data, name: expenditure.name, at: [rect.x + rect.width / 2, rect.y + rect.height / 2] };
    });
    expect(bar.years).toEqual(['2024', '2025']);
    expect(bar.name).toContain('expenditure total');
    // its 2024 expenditure bar opens the 2024 document at table 3's 合计 total: 2085.50 万元
    const yearsBox = await page.locator('#chart-years').boundingBox();
    await page.mouse.click(yearsBox!.x + bar.at[0], yearsBox!.y + bar.at[1]);
    await page.waitForSelector('body[data-ready=document]', { timeout: 60_000 });
    const [, barDoc, barSeq] = /^#\/doc\/([0-9a-f]{64})\/(\d+)$/.exec(await page.evaluate(() => location.hash))!;
    expect(barDoc).toBe(docIds.get(FILES.lastYear));
    const barItem = (await stored(FILES.lastYear)).find((i) => i.seq === Number(barSeq))!;
    expect([barItem.tableKind, barItem.label, barItem.measure, barItem.amountYuan]).toEqual(['expenditure', '合计', 'total', '20855000.00']);
    await page.goto(`${fixture.url}#/departments`);
    await page.waitForSelector('body[data-ready=departments]', { timeout: 60_000 });
    await page.waitForTimeout(1000);
    // a 类 of the treemap opens its document at its cell
    const chartBox = await page.locator('#chart-classes').boundingBox();
    await page.mouse.click(chartBox!.x + chartBox!.width * 0.25, chartBox!.y + chartBox!.height * 0.5);
    await page.waitForSelector('body[data-ready=document]', { timeout: 60_000 });
    const hash = await page.evaluate(() => location.hash);
    const [, docId, seq] = /^#\/doc\/([0-9a-f]{64})\/(\d+)$/.exec(hash)!;
    const items: StoredItem[] = (await getJson(`${fixture.url}api/documents/${docId}`)).items;
    const item = items.find((i) => i.seq === Number(seq))!;
    expect(item.measure).toBe('total');
    expect(await page.locator(`#extracted td.hover[data-seq="${seq}"]`).count()).toBe(1);
    await page.close();
  });

  it('met no console error and fetched nothing from elsewhere', () => {
    expect(problems).toEqual([]);
  });

  it('serves every asset it names from the package (no other origin)', () => {
    const html = readFileSync(join(root, 'src/serve/static/index.html'), 'utf8');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>(?!<)/); // no inline script
  });
});
