// The review page of `yusuan serve`. Plain JavaScript, no build step.
// Everything a document holds is untrusted text: the page is built with
// createElement and textContent only (never innerHTML), so a label that
// holds markup is shown as the characters it is.

const view = document.getElementById('view');

/** An element: h('td', { class: 'n', dataset: { seq: 3 } }, 'text', child…). Strings become text nodes. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

async function api(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `the server answered ${response.status}`);
  return body;
}

const fail = (error) => view.replaceChildren(h('p', { class: 'reason' }, error.message || String(error)));

/** Route: #/ (documents), #/doc/<doc_id>[/<seq>], #/departments[?key=…]. */
function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean);
  document.body.dataset.view = parts[0] || 'documents';
  delete document.body.dataset.ready;
  if (parts[0] === 'doc' && /^[0-9a-f]{64}$/.test(parts[1] || '')) return showDocument(parts[1], parts[2] === undefined ? null : Number(parts[2])).catch(fail);
  if (parts[0] === 'departments') return showDepartments(params).catch(fail);
  return showList(params).catch(fail);
}
window.addEventListener('hashchange', route);

// ---------------------------------------------------------------- documents

const LIST_COLUMNS = [
  ['departmentName', 'Department'],
  ['region', 'Region'],
  ['fiscalYear', 'Year'],
  ['sourceFormat', 'Format'],
  ['status', 'Status'],
  ['tablesRead', 'Tables read / found'],
  ['lineItems', 'Line items'],
  ['checksError', 'Checks ok / rounding / error'],
  ['sourceFile', 'File'],
];

async function showList(params) {
  const state = Object.fromEntries(params);
  const page = await api(`/api/documents?${params}`);
  const go = (changes) => {
    const next = new URLSearchParams({ ...state, ...changes });
    for (const [k, v] of [...next]) if (v === '') next.delete(k);
    if (!('offset' in changes)) next.delete('offset');
    location.hash = `#/?${next}`;
  };
  const select = (name, label, values) =>
    h('label', {}, `${label} `,
      h('select', { name, onchange: (e) => go({ [name]: e.target.value }) },
        h('option', { value: '' }, 'all'),
        values.map((v) => h('option', { value: v, selected: String(v) === state[name] }, v))));
  const search = h('input', { type: 'search', name: 'q', placeholder: 'department or file name', value: state.q || '' });
  search.addEventListener('keydown', (e) => e.key === 'Enter' && go({ q: search.value.trim() }));
  const sort = state.sort || 'departmentName';
  const dir = state.dir || 'asc';
  const head = LIST_COLUMNS.map(([key, label]) =>
    h('th', {}, h('button', { class: key === sort ? 'sorted' : '', dataset: { sort: key }, onclick: () => go({ sort: key, dir: key === sort && dir === 'asc' ? 'desc' : 'asc' }) },
      label, key === sort ? (dir === 'asc' ? ' ▲' : ' ▼') : '')));
  const rows = page.documents.map((d) =>
    h('tr', { class: 'doc-row', dataset: { docId: d.docId }, onclick: () => (location.hash = `#/doc/${d.docId}`) },
      h('td', {}, h('a', { href: `#/doc/${d.docId}` }, d.departmentName || '(no department)')),
      h('td', {}, d.region),
      h('td', { class: 'n' }, d.fiscalYear ?? ''),
      h('td', {}, d.sourceFormat),
      h('td', { class: `status-${d.status}` }, d.status, d.error ? h('div', { class: 'note' }, d.error) : null),
      h('td', { class: 'n' }, `${d.tablesRead} / ${d.tablesFound}`),
      h('td', { class: 'n' }, d.lineItems),
      h('td', { class: 'n' }, `${d.checksOk} / ${d.checksRounding} / ${d.checksError}`),
      h('td', {}, d.sourceFile)));
  const offset = page.offset;
  const limit = Number(state.limit || 100);
  view.replaceChildren(
    h('div', { class: 'filters' },
      search, h('button', { onclick: () => go({ q: search.value.trim() }) }, 'Search'),
      select('status', 'status', page.facets.statuses), select('format', 'format', page.facets.formats),
      select('region', 'region', page.facets.regions), select('year', 'year', page.facets.years),
      h('span', { class: 'note', id: 'list-count' }, `${page.matched} of ${page.total} document(s)`)),
    h('table', { class: 'grid', id: 'documents' }, h('thead', {}, h('tr', {}, head)), h('tbody', {}, rows)),
    h('div', { class: 'pager' },
      offset > 0 ? h('button', { onclick: () => go({ offset: String(Math.max(0, offset - limit)) }) }, '← previous') : null,
      page.matched > offset + limit ? h('button', { onclick: () => go({ offset: String(offset + limit) }) }, 'next →') : null,
      page.matched > limit ? h('span', { class: 'note' }, `${offset + 1}–${Math.min(page.matched, offset + limit)}`) : null));
}

// ---------------------------------------------------------------- a document

/** The elements showing item `seq`, in both panes. */
const cellsOf = (seq) => document.querySelectorAll(`[data-seq="${Number(seq)}"]`);

function mark(seqs, cls) {
  for (const el of document.querySelectorAll(`.${cls}`)) el.classList.remove(cls);
  for (const seq of seqs) for (const el of cellsOf(seq)) el.classList.add(cls);
}

/** Scrolls el's pane (only the pane, not the page) to show el in its middle, unless it is visible already. */
function reveal(el, always = false) {
  const pane = el && el.closest('.pane');
  if (!pane) return;
  const a = el.getBoundingClientRect();
  const b = pane.getBoundingClientRect();
  const visible = a.top >= b.top && a.bottom <= b.bottom && a.left >= b.left && a.right <= b.right;
  if (visible && !always) return;
  pane.scrollBy({ top: a.top - b.top - (b.height - a.height) / 2, left: a.left - b.left - (b.width - a.width) / 2 });
}

function hoverable(root, otherPane) {
  root.addEventListener('mouseover', (e) => {
    const el = e.target.closest('[data-seq]');
    if (!el) return;
    mark([el.dataset.seq], 'hover');
    for (const other of cellsOf(el.dataset.seq)) if (other.closest('.pane') === otherPane) reveal(other);
  });
  root.addEventListener('mouseleave', () => mark([], 'hover'));
}

/** The line items of one table in its own layout: a row per printed row, a column per measure. */
function extractedTable(table, items) {
  const measures = [];
  const rows = new Map();
  for (const item of items) {
    if (!measures.includes(item.measure)) measures.push(item.measure);
    const key = `${item.side}|${item.unitName}|${item.rowNo}|${item.code}|${item.label}`;
    if (!rows.has(key)) rows.set(key, { item, cells: new Map() });
    rows.get(key).cells.set(item.measure, item);
  }
  const sides = new Set(items.map((i) => i.side));
  const ordered = [...rows.values()].sort((a, b) => [...sides].indexOf(a.item.side) - [...sides].indexOf(b.item.side));
  return h('table', { class: 'grid', dataset: { tableKind: table.tableKind } },
    h('thead', {}, h('tr', {}, sides.size > 1 ? h('th', {}, 'side') : null, h('th', {}, 'code'), h('th', {}, 'level'), h('th', {}, 'label'),
      measures.map((m) => h('th', {}, m)))),
    h('tbody', {}, ordered.map(({ item, cells }) =>
      h('tr', {},
        sides.size > 1 ? h('td', {}, item.side) : null,
        h('td', { class: 'code' }, item.code),
        h('td', { class: 'n' }, item.codeLevel ?? ''),
        h('td', { class: `label${item.codeLevel ? ` lvl-${item.codeLevel}` : ''}` }, item.unitName ? `${item.unitName} · ` : '', item.label),
        measures.map((m) => {
          const cell = cells.get(m);
          return cell
            ? h('td', { class: 'num n', dataset: { seq: cell.seq }, title: `${cell.amountYuan} 元 · ${cell.sourceRef} · ${m}` }, cell.amountYuan)
            : h('td', {});
        })))));
}

async function showDocument(docId, focusSeq) {
  const detail = await api(`/api/documents/${docId}`);
  const d = detail.document;
  const byKind = new Map();
  for (const item of detail.items) {
    if (!byKind.has(item.tableKind)) byKind.set(item.tableKind, []);
    byKind.get(item.tableKind).push(item);
  }
  const source = h('div', { class: 'pane source', id: 'source' }, h('p', { class: 'note' }, 'Reading the source file…'));
  const showRegion = (table) => () => showTableRegion(table);
  const extracted = h('div', { class: 'pane extracted', id: 'extracted' },
    detail.tables.length === 0 ? h('p', { class: 'note' }, 'No standard table was read from this document.') : null,
    detail.tables.map((t) =>
      h('section', { dataset: { tableNo: t.tableNo } },
        h('h2', {}, `${t.tableNo}. ${t.title} `, h('span', { class: 'unit' }, `${t.tableKind} · unit ${t.unit || '?'} · ${t.status} · ${t.sourceRef}`)),
        t.status === 'unreadable'
          ? h('div', { class: 'reason table-reason' }, `Not read: ${t.reason} `, h('button', { onclick: showRegion(t) }, 'show where it stands'))
          : null,
        t.status === 'published_empty' ? h('p', { class: 'note' }, `Published empty${t.emptyNote ? `: ${t.emptyNote}` : ''}`) : null,
        byKind.has(t.tableKind) ? extractedTable(t, byKind.get(t.tableKind)) : null)));
  const problems = detail.problems;
  const checkList = h('ul', { class: 'checks', id: 'checks' },
    problems.map((p) => h('li', { class: `sev-${p.severity}`, dataset: { check: p.seq, rule: p.rule } },
      `${p.severity} · ${p.rule} · ${p.sourceRef || '-'} · ${p.message}`)));
  view.replaceChildren(
    h('div', { class: 'doc-head' },
      h('h1', {}, d.departmentName || d.sourceFile),
      h('div', { class: 'meta' },
        `${d.sourceFile} · ${d.sourceFormat} · ${d.region || 'region ?'} · ${d.fiscalYear ?? 'year ?'} · `,
        h('span', { class: `status-${d.status}` }, d.status),
        ` · checks ${detail.checks.ok} ok, ${detail.checks.rounding} rounding, ${detail.checks.error} error · ${d.docId.slice(0, 12)}`),
      d.error ? h('div', { class: d.status === 'failed' ? 'reason' : 'warning' }, d.error) : null,
      problems.length > 0 ? h('details', { open: detail.checks.error > 0 }, h('summary', {}, `${problems.length} check(s) that did not hold — click one to mark its numbers`), checkList) : null),
    h('div', { class: 'split' }, extracted, source));
  hoverable(extracted, source);

  let map = null;
  try {
    map = await api(`/api/documents/${docId}/source`);
  } catch (error) {
    source.replaceChildren(h('p', { class: 'reason' }, `The source cannot be shown: ${error.message}`));
  }
  if (map) await renderSource(source, d, map, detail);
  hoverable(source, extracted);

  const suspects = new Set(problems.filter((p) => p.rule === 'likely-wrong-cell').flatMap((p) => (map && map.checkItems[p.seq]) || []));
  checkList.addEventListener('click', (e) => {
    const li = e.target.closest('li[data-check]');
    if (!li) return;
    for (const other of checkList.querySelectorAll('.selected')) other.classList.remove('selected');
    li.classList.add('selected');
    const involved = (map && map.checkItems[li.dataset.check]) || [];
    mark(involved, 'involved');
    mark(involved.filter((s) => suspects.has(s) || li.dataset.rule === 'likely-wrong-cell'), 'suspect');
    for (const el of cellsOf(involved[0])) reveal(el);
  });
  if (focusSeq !== null) {
    mark([focusSeq], 'hover');
    for (const el of cellsOf(focusSeq)) reveal(el, true);
  }
  document.body.dataset.ready = 'document';
}

/** The page, line or table where a table that could not be read stands. */
function showTableRegion(table) {
  for (const el of document.querySelectorAll('.region')) el.classList.remove('region');
  const ref = table.sourceRef;
  let target = null;
  let m;
  if ((m = /^L(\d+)$/.exec(ref))) target = document.getElementById(`L${m[1]}`);
  else if ((m = /^p(\d+)$/.exec(ref))) target = document.getElementById(`page-${m[1]}`);
  else if ((m = /^t(\d+)r\d+$/.exec(ref))) target = document.getElementById(`t${m[1]}`);
  if (!target) return;
  target.classList.add('region');
  const pane = target.closest('.pane');
  pane.scrollBy({ top: target.getBoundingClientRect().top - pane.getBoundingClientRect().top });
}

async function renderSource(pane, doc, map, detail) {
  const notes = [];
  if (map.state !== 'ok') notes.push(h('p', { class: 'reason', id: 'source-state' }, map.message));
  else if (map.message) notes.push(h('p', { class: 'warning' }, map.message));
  if (map.state !== 'ok') return pane.replaceChildren(...notes);
  if (map.format === 'pdf') return renderPdf(pane, doc, map, notes);
  if (map.lines) return renderLines(pane, map, notes, detail);
  if (map.tables) return renderPublishedTables(pane, map, notes);
  pane.replaceChildren(...notes, h('p', { class: 'note' }, 'This format has no source view.'));
}

function renderLines(pane, map, notes) {
  const onLine = new Map();
  for (const [seq, p] of Object.entries(map.positions)) {
    if (p.line === undefined) continue;
    if (!onLine.has(p.line)) onLine.set(p.line, []);
    onLine.get(p.line).push({ seq, text: p.text });
  }
  const lines = map.lines.map((text, i) => {
    const no = i + 1;
    const content = h('span', { class: 'text' });
    const cells = onLine.get(no) || [];
    let rest = text;
    for (const cell of cells) {
      const at = cell.text ? rest.indexOf(cell.text) : -1;
      if (at < 0) continue;
      content.append(rest.slice(0, at), h('span', { class: 'cell', dataset: { seq: cell.seq } }, cell.text));
      rest = rest.slice(at + cell.text.length);
    }
    content.append(rest);
    return h('div', { class: 'line', id: `L${no}` }, h('span', { class: 'no' }, no), content);
  });
  pane.replaceChildren(...notes, h('div', { class: 'lines' }, lines));
}

function renderPublishedTables(pane, map, notes) {
  const at = new Map();
  for (const [seq, p] of Object.entries(map.positions)) if (p.table !== undefined) at.set(`${p.table}|${p.row}|${p.col}`, seq);
  pane.replaceChildren(...notes, ...map.tables.map((t) =>
    h('table', { class: 'grid published', id: `t${t.table}` }, h('caption', {}, `table ${t.table} as published`),
      h('tbody', {}, t.rows.map((cells, r) => h('tr', {}, cells.map((text, c) => {
        const seq = at.get(`${t.table}|${r}|${c}`);
        return seq === undefined ? h('td', {}, text) : h('td', { class: 'num', dataset: { seq } }, h('span', { class: 'cell', dataset: { seq } }, text));
      })))))));
}

const PDF_SCALE = 1.5;

async function renderPdf(pane, doc, map, notes) {
  const pdfjs = await import('/assets/pdf.min.mjs');
  pdfjs.GlobalWorkerOptions.workerSrc = '/assets/pdf.worker.min.mjs';
  const pdf = await pdfjs.getDocument({
    url: `/api/documents/${doc.docId}/file`,
    isEvalSupported: false,
    cMapUrl: '/assets/pdfjs/cmaps/',
    cMapPacked: true,
    standardFontDataUrl: '/assets/pdfjs/standard_fonts/',
    enableXfa: false,
  }).promise;
  const byPage = new Map();
  for (const [seq, p] of Object.entries(map.positions)) {
    if (p.page === undefined) continue;
    if (!byPage.has(p.page)) byPage.set(p.page, []);
    byPage.get(p.page).push({ seq, box: p.box });
  }
  const pages = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const page = await pdf.getPage(n);
    const viewport = page.getViewport({ scale: PDF_SCALE });
    const overlay = h('div', { class: 'overlay' });
    for (const { seq, box } of byPage.get(n) || []) {
      const el = h('div', { class: 'box', dataset: { seq, page: n, box: box.join(',') } });
      el.style.left = `${box[0] * PDF_SCALE}px`;
      el.style.top = `${box[1] * PDF_SCALE}px`;
      el.style.width = `${(box[2] - box[0]) * PDF_SCALE}px`;
      el.style.height = `${(box[3] - box[1]) * PDF_SCALE}px`;
      overlay.append(el);
    }
    const div = h('div', { class: 'page', id: `page-${n}`, dataset: { page: n, scale: PDF_SCALE } }, overlay, h('span', { class: 'label' }, `p${n}`));
    div.style.width = `${viewport.width}px`;
    div.style.height = `${viewport.height}px`;
    pages.push({ div, page, viewport });
  }
  pane.replaceChildren(...notes, ...pages.map((p) => p.div));
  // pages are drawn when they come into view: a 200-page document costs what is looked at
  const draw = async ({ div, page, viewport }) => {
    if (div.dataset.drawn) return;
    div.dataset.drawn = 'drawing';
    const canvas = document.createElement('canvas');
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = `${viewport.width}px`;
    canvas.style.height = `${viewport.height}px`;
    div.prepend(canvas);
    await page.render({ canvasContext: canvas.getContext('2d'), viewport, transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0] }).promise;
    div.dataset.drawn = 'drawn';
  };
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) if (entry.isIntersecting) draw(pages[Number(entry.target.dataset.page) - 1]);
  }, { root: pane, rootMargin: '400px' });
  for (const p of pages) observer.observe(p.div);
}

// ---------------------------------------------------------------- departments

const wan = (yuan) => (yuan === null || yuan === undefined ? null : Number(yuan) / 10000);

function chart(el, option, onClick) {
  const instance = window.echarts.init(el, null, { renderer: 'canvas' });
  instance.setOption({ tooltip: { renderMode: 'richText' }, ...option });
  if (onClick) instance.on('click', onClick);
  return instance;
}

const HEADLINES = [
  ['revenueTotalYuan', 'revenueTotal', '收入总计 revenue total'],
  ['expenditureTotalYuan', 'expenditureTotal', '支出合计 expenditure total'],
  ['basicYuan', 'basic', '基本支出 basic'],
  ['projectYuan', 'project', '项目支出 project'],
  ['threePublicYuan', null, '"三公" three public'],
];

const cellLink = (docId, seq) => (seq === null || seq === undefined ? `#/doc/${docId}` : `#/doc/${docId}/${seq}`);

async function showDepartments(params) {
  const { departments, regionYears } = await api('/api/departments');
  if (departments.length === 0) return view.replaceChildren(h('p', { class: 'note' }, 'No department has a document read.'));
  // the default: the department with the most years
  const key = params.get('key') || [...departments].sort((a, b) => b.lastYear - b.firstYear - (a.lastYear - a.firstYear))[0].departmentKey;
  // the default: the region and year with the most departments
  const widest = [...regionYears].sort((a, b) => b.departments - a.departments)[0];
  const regionYear = params.get('ry') || (widest ? `${widest.region}|${widest.fiscalYear}` : '');
  const go = (changes) => (location.hash = `#/departments?${new URLSearchParams({ key, ry: regionYear, ...changes })}`);
  const acrossYears = h('div', { class: 'chart', id: 'chart-years' });
  const acrossDepartments = h('div', { class: 'chart', id: 'chart-region' });
  const classes = h('div', { class: 'chart', id: 'chart-classes' });
  const classTitle = h('h2', {}, 'Spending by 类');
  view.replaceChildren(
    h('div', { class: 'charts' },
      h('div', { class: 'chart-block' }, h('h2', {}, 'One department across years'),
        h('select', { id: 'department', onchange: (e) => go({ key: e.target.value }) },
          departments.map((d) => h('option', { value: d.departmentKey, selected: d.departmentKey === key }, `${d.region ? `${d.region} · ` : ''}${d.departmentName} (${d.firstYear}–${d.lastYear})`))),
        acrossYears),
      h('div', { class: 'chart-block' }, h('h2', {}, 'One year across the departments of a region'),
        h('select', { id: 'region-year', onchange: (e) => go({ ry: e.target.value }) },
          regionYears.map((r) => h('option', { value: `${r.region}|${r.fiscalYear}`, selected: `${r.region}|${r.fiscalYear}` === regionYear }, `${r.region || '(no region)'} · ${r.fiscalYear} (${r.departments} department${r.departments === 1 ? '' : 's'})`))),
        acrossDepartments),
      h('div', { class: 'chart-block' }, classTitle, classes)));

  const { years } = await api(`/api/department?${new URLSearchParams({ key })}`);
  chart(acrossYears, {
    legend: { top: 0 },
    grid: { top: 80, left: 80 },
    xAxis: { type: 'category', data: years.map((y) => String(y.fiscalYear)) },
    yAxis: { type: 'value', name: '万元' },
    series: HEADLINES.map(([field, cell, name]) => ({
      name, type: 'bar',
      data: years.map((y) => ({ value: wan(y[field]), docId: y.docId, seq: cell ? y.cells[cell] : null, yuan: y[field] })),
    })),
  }, (e) => (location.hash = cellLink(e.data.docId, e.data.seq)));

  const [region, year] = regionYear.split('|');
  if (year) {
    const { departments: rows } = await api(`/api/region-year?${new URLSearchParams({ region, year })}`);
    chart(acrossDepartments, {
      grid: { left: 200 },
      xAxis: { type: 'value', name: '万元' },
      yAxis: { type: 'category', data: rows.map((r) => r.departmentName), axisLabel: { width: 190, overflow: 'truncate' } },
      series: [{ type: 'bar', name: '支出合计 expenditure total', data: rows.map((r) => ({ value: wan(r.expenditureTotalYuan), docId: r.docId, seq: r.cells.expenditureTotal })) }],
    }, (e) => (location.hash = cellLink(e.data.docId, e.data.seq)));
  }
  const latest = years[years.length - 1];
  if (latest) {
    const { classes: rows, tableKind } = await api(`/api/documents/${latest.docId}/classes`);
    classTitle.textContent = `Spending by 类: ${latest.departmentName} ${latest.fiscalYear} (${tableKind || 'no table with 类'})`;
    chart(classes, {
      series: [{
        type: 'treemap', roam: false, nodeClick: false, breadcrumb: { show: false },
        label: { formatter: '{b}' },
        data: rows.map((c) => ({ name: `${c.code} ${c.label}`, value: wan(c.amountYuan), docId: latest.docId, seq: c.seq })),
      }],
    }, (e) => e.data && (location.hash = cellLink(e.data.docId, e.data.seq)));
  }
  document.body.dataset.ready = 'departments';
}

route();
