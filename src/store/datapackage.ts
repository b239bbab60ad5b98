import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { PIPELINE_VERSION } from '../pipeline.js';
import { DATASETS, datasetCsv, type Dataset } from './datasets.js';

/**
 * `export --datapackage DIR`: every dataset as CSV plus a Frictionless
 * `datapackage.json`: a Fiscal Data Package (a Tabular Data Package with a
 * `model` saying which columns are the amounts and which the
 * classifications, for OpenSpending), its Table Schemas with field types,
 * closed vocabularies (`enum`), primary and foreign keys, units and
 * descriptions. tests/datapackage-validate.test.ts runs a Frictionless
 * validator (datapackage-js) on it.
 */

export async function writeCsvFile(path: string, chunks: Iterable<string>): Promise<number> {
  const out = createWriteStream(path);
  let lines = -1; // the header
  for (const chunk of chunks) {
    lines++;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return lines;
}

function resourceOf(dataset: Dataset, rows: number) {
  return {
    name: dataset.name,
    path: `${dataset.name}.csv`,
    profile: 'tabular-data-resource',
    title: dataset.name,
    description: dataset.description,
    format: 'csv',
    mediatype: 'text/csv',
    encoding: 'utf-8',
    dialect: { delimiter: ',', lineTerminator: '\r\n', quoteChar: '"', doubleQuote: true, header: true },
    rows,
    schema: {
      fields: dataset.fields.map((f) => ({
        name: f.name,
        type: f.type,
        description: f.description,
        ...(f.unit ? { unit: f.unit, bareNumber: true, decimalChar: '.' } : {}),
        ...(f.required || f.enum ? { constraints: { ...(f.required ? { required: true } : {}), ...(f.enum ? { enum: f.enum } : {}) } } : {}),
      })),
      missingValues: [''],
      ...(dataset.primaryKey ? { primaryKey: dataset.primaryKey } : {}),
      ...(dataset.foreignKeys
        ? { foreignKeys: dataset.foreignKeys.map((k) => ({ fields: k.fields, reference: { resource: k.resource, fields: k.reference } })) }
        : {}),
    },
  };
}

/** The budget phase of the amounts: 部门预算 are published once the people's congress has approved them. */
const PHASE = 'approved';

/** A measure of the Fiscal Data Package model: an amount column of a resource, in 元 (factor 1). */
const measure = (resource: string, source: string, direction?: 'revenue' | 'expenditure') => ({
  source,
  resource,
  currency: 'CNY',
  factor: 1,
  ...(direction ? { direction } : {}),
  phase: PHASE,
});

/**
 * The Fiscal Data Package model (FDP 0.3, the profile OpenSpending loads).
 * line_items holds both sides of the tables, so its one measure `amount`
 * has no fixed direction: the dimension `direction` (its `side` column) gives
 * each row's. department_years' headline figures each have theirs.
 */
export function fiscalModel() {
  const li = 'line_items';
  const dy = 'department_years';
  const attribute = (source: string, extra: Record<string, string> = {}, resource = li) => ({ source, resource, ...extra });
  return {
    measures: {
      amount: measure(li, 'amount_yuan'),
      revenue_total: measure(dy, 'revenue_total_yuan', 'revenue'),
      expenditure_total: measure(dy, 'expenditure_total_yuan', 'expenditure'),
      basic: measure(dy, 'basic_yuan', 'expenditure'),
      project: measure(dy, 'project_yuan', 'expenditure'),
      general_budget: measure(dy, 'general_budget_yuan', 'expenditure'),
      personnel: measure(dy, 'personnel_yuan', 'expenditure'),
      public: measure(dy, 'public_yuan', 'expenditure'),
      three_public: measure(dy, 'three_public_yuan', 'expenditure'),
    },
    dimensions: {
      // 功能分类: 类 → 款 → 项
      functional_classification: {
        dimensionType: 'classification',
        classificationType: 'functional',
        attributes: {
          class: attribute('function_class'),
          kuan: attribute('function_kuan', { parent: 'class' }),
          xiang: attribute('function_xiang', { parent: 'kuan' }),
        },
        primaryKey: ['class', 'kuan', 'xiang'],
      },
      // 部门经济分类: 类 → 款
      economic_classification: {
        dimensionType: 'classification',
        classificationType: 'economic',
        attributes: { class: attribute('economic_class'), kuan: attribute('economic_kuan', { parent: 'class' }) },
        primaryKey: ['class', 'kuan'],
      },
      // the row as published: its code and label, the table and column it stands in
      budget_line: {
        dimensionType: 'classification',
        attributes: {
          code: attribute('code'),
          label: attribute('label', { labelfor: 'code' }),
          table_kind: attribute('table_kind'),
          measure: attribute('measure'),
        },
        primaryKey: ['table_kind', 'code', 'label', 'measure'],
      },
      direction: { dimensionType: 'other', attributes: { side: attribute('side') }, primaryKey: 'side' },
      // 部门: the administrative classification
      department: {
        dimensionType: 'classification',
        classificationType: 'administrative',
        attributes: {
          code: attribute('department_code'),
          name: attribute('department_name', { labelfor: 'code' }),
        },
        primaryKey: ['code', 'name'],
      },
      fiscal_year: { dimensionType: 'datetime', attributes: { year: attribute('fiscal_year') }, primaryKey: 'year' },
      document: { dimensionType: 'fact', attributes: { doc_id: attribute('doc_id'), source_ref: attribute('source_ref') }, primaryKey: ['doc_id', 'source_ref'] },
    },
  };
}

/** Now, as Table Schema writes a datetime: to the second, UTC. */
const nowToTheSecond = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export async function writeDataPackage(db: Database.Database, dir: string, datasets: Dataset[] = Object.values(DATASETS)): Promise<string> {
  await mkdir(dir, { recursive: true });
  const resources = [];
  for (const dataset of datasets) {
    const rows = await writeCsvFile(join(dir, `${dataset.name}.csv`), datasetCsv(db, dataset));
    resources.push(resourceOf(dataset, rows));
  }
  // a Fiscal Data Package (its model) where the model's resources are there. Its profile stays
  // tabular-data-package: the Fiscal Data Package profile itself requires that value (its first
  // part is the Tabular Data Package profile), and every Frictionless tool reads it
  const fiscal = ['line_items', 'department_years'].every((name) => datasets.some((d) => d.name === name));
  const descriptor = {
    profile: 'tabular-data-package',
    name: 'yusuan-budget-disclosures',
    title: 'Chinese government budget disclosures (部门预算公开), as read by yusuan',
    description:
      'The nine standard tables of departmental budget disclosures as exact line items, with the documents they come from, the checks of their identities and the figures stated in their narrative. Amounts are exact 元 (CNY) with two decimals.',
    version: PIPELINE_VERSION,
    created: nowToTheSecond(),
    licenses: [{ name: 'other-pd', title: 'Published government information; check the publishing authority\'s terms' }],
    countryCode: 'CN',
    resources,
    ...(fiscal ? { model: fiscalModel() } : {}),
  };
  const path = join(dir, 'datapackage.json');
  await writeFile(path, `${JSON.stringify(descriptor, null, 2)}\n`);
  return path;
}
