import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { PIPELINE_VERSION } from '../pipeline.js';
import { DATASETS, datasetCsv, type Dataset } from './datasets.js';

/**
 * `export --datapackage DIR`: every dataset as CSV plus a Frictionless
 * `datapackage.json` (Tabular Data Package: Table Schema with field types,
 * primary and foreign keys, units and descriptions).
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
        ...(f.required ? { constraints: { required: true } } : {}),
      })),
      missingValues: [''],
      ...(dataset.primaryKey ? { primaryKey: dataset.primaryKey } : {}),
      ...(dataset.foreignKeys
        ? { foreignKeys: dataset.foreignKeys.map((k) => ({ fields: k.fields, reference: { resource: k.resource, fields: k.reference } })) }
        : {}),
    },
  };
}

export async function writeDataPackage(db: Database.Database, dir: string, datasets: Dataset[] = Object.values(DATASETS)): Promise<string> {
  await mkdir(dir, { recursive: true });
  const resources = [];
  for (const dataset of datasets) {
    const rows = await writeCsvFile(join(dir, `${dataset.name}.csv`), datasetCsv(db, dataset));
    resources.push(resourceOf(dataset, rows));
  }
  const descriptor = {
    profile: 'tabular-data-package',
    name: 'yusuan-budget-disclosures',
    title: 'Chinese government budget disclosures (部门预算公开), as read by yusuan',
    description:
      'The nine standard tables of departmental budget disclosures as exact line items, with the documents they come from, the checks of their identities and the figures stated in their narrative. Amounts are exact 元 (CNY) with two decimals.',
    version: PIPELINE_VERSION,
    created: new Date().toISOString(),
    licenses: [{ name: 'other-pd', title: 'Published government information; check the publishing authority\'s terms' }],
    resources,
  };
  const path = join(dir, 'datapackage.json');
  await writeFile(path, `${JSON.stringify(descriptor, null, 2)}\n`);
  return path;
}
