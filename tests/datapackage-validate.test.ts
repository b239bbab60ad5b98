import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// datapackage-js: the Frictionless Data Package library for JavaScript, as a validator
// @ts-expect-error no type declarations
import { Package, Profile } from 'datapackage';
import { describe, expect, it } from 'vitest';
import { sampleDataPackage } from './helpers/run.js';

interface FrictionlessResource {
  name: string;
  read(options: { relations?: boolean; forceCast?: boolean }): Promise<unknown[]>;
}

/** The rows of a resource that do not cast to its schema or break its keys, as messages (forceCast returns each as an Error). */
async function invalidRows(resource: FrictionlessResource): Promise<string[]> {
  const rows = await resource.read({ relations: true, forceCast: true });
  return rows
    .filter((r): r is Error & { errors?: Error[] } => r instanceof Error)
    .map((e) => [e.message, ...(e.errors ?? []).map((x) => x.message)].join(' '));
}

describe('the data package, validated by a Frictionless validator (datapackage-js)', async () => {
  const dir = await sampleDataPackage();
  const descriptorPath = join(dir, 'datapackage.json');
  const pkg = await Package.load(descriptorPath);

  it('is a valid Tabular Data Package descriptor', () => {
    expect(pkg.errors.map((e: Error) => e.message)).toEqual([]);
    expect(pkg.valid).toBe(true);
  });

  it('is a valid Fiscal Data Package: its model passes the fiscal-data-package profile', async () => {
    const fiscal = await Profile.load('fiscal-data-package');
    const result = fiscal.validate(pkg.descriptor);
    expect(result.errors.map((e: Error) => e.message)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(pkg.descriptor.model.measures.amount).toMatchObject({ source: 'amount_yuan', currency: 'CNY', factor: 1, phase: 'approved' });
    expect(pkg.descriptor.model.dimensions.functional_classification.attributes.xiang).toEqual({ source: 'function_xiang', resource: 'line_items', parent: 'kuan' });
  });

  it('has every dataset, departments and department_years included', () => {
    expect(pkg.resourceNames).toEqual(
      expect.arrayContaining(['line_items', 'documents', 'tables', 'checks', 'facts', 'departments', 'department_years', 'projects', 'procurement']),
    );
  });

  for (const resource of pkg.resources as FrictionlessResource[]) {
    it(`${resource.name}: every row casts to its schema, with its primary key unique and its foreign keys resolved`, async () => {
      expect((await invalidRows(resource)).slice(0, 3)).toEqual([]);
      expect((await resource.read({})).length).toBeGreaterThan(0);
    });
  }

  it('would catch what v2 exported: an ingested_at with milliseconds, a value outside an enum', async () => {
    const documents = readFileSync(join(dir, 'documents.csv'), 'utf8');
    const stamp = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/.exec(documents)![0];
    writeFileSync(join(dir, 'documents.csv'), documents.replace(stamp, stamp.replace('Z', '.123Z')).replace(',ok,', ',fine,'));
    const broken = await Package.load(descriptorPath);
    const problems = await invalidRows(broken.getResource('documents'));
    expect(problems.join('\n')).toMatch(/ingested_at/);
    expect(problems.join('\n')).toMatch(/status/);
  });
});
