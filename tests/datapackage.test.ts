import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from './helpers/gold.js';
import { sampleDataPackage } from './helpers/run.js';

/** Table Schema types as they appear in CSV text. */
const TYPE_PATTERN: Record<string, RegExp> = {
  string: /^[\s\S]*$/,
  integer: /^-?\d+$/,
  number: /^-?\d+(\.\d+)?$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  // Table Schema v1's default datetime: to the second, UTC (no milliseconds)
  datetime: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/,
};

interface Resource {
  name: string;
  path: string;
  rows: number;
  schema: {
    fields: { name: string; type: string; constraints?: { required?: boolean; enum?: (string | number)[] } }[];
    primaryKey?: string[];
    foreignKeys?: { fields: string[]; reference: { resource: string; fields: string[] } }[];
  };
}

describe('the Frictionless data package', async () => {
  const dir = await sampleDataPackage();
  const descriptor = JSON.parse(readFileSync(join(dir, 'datapackage.json'), 'utf8')) as { profile: string; resources: Resource[] };
  const tables = new Map(descriptor.resources.map((r) => [r.name, { resource: r, text: readFileSync(join(dir, r.path), 'utf8') }]));

  it('describes every dataset', () => {
    expect(descriptor.profile).toBe('tabular-data-package');
    expect([...tables.keys()]).toEqual(expect.arrayContaining(['line_items', 'documents', 'checks', 'facts', 'departments', 'department_years']));
  });

  for (const resource of descriptor.resources) {
    it(`${resource.name}.csv: header, types, required values, primary and foreign keys`, () => {
      const { text } = tables.get(resource.name)!;
      const header = text.split('\r\n')[0].split(',');
      expect(header).toEqual(resource.schema.fields.map((f) => f.name));
      const rows = parseCsv(text);
      expect(rows).toHaveLength(resource.rows);
      expect(rows.length).toBeGreaterThan(0);
      for (const f of resource.schema.fields) {
        const bad = rows.filter((r) => (r[f.name] === '' ? f.constraints?.required : !TYPE_PATTERN[f.type].test(r[f.name])));
        expect(bad.map((r) => `${f.name}=${JSON.stringify(r[f.name])}`).slice(0, 3)).toEqual([]);
        const allowed = f.constraints?.enum?.map(String);
        if (allowed) expect(rows.filter((r) => r[f.name] !== '' && !allowed.includes(r[f.name])).map((r) => `${f.name}=${r[f.name]}`).slice(0, 3)).toEqual([]);
      }
      if (resource.schema.primaryKey) {
        // a key's fields all have values (Table Schema: a primary key is never null)
        const partial = rows.filter((r) => resource.schema.primaryKey!.some((k) => r[k] === ''));
        expect(partial.length, `${resource.name}: rows with an empty key field`).toBe(0);
        const keys = rows.map((r) => resource.schema.primaryKey!.map((k) => r[k]).join('\u0001'));
        expect(new Set(keys).size).toBe(keys.length);
      }
      for (const fk of resource.schema.foreignKeys ?? []) {
        const target = parseCsv(tables.get(fk.reference.resource)!.text);
        const known = new Set(target.map((r) => fk.reference.fields.map((k) => r[k]).join('\u0001')));
        const dangling = rows.filter((r) => !known.has(fk.fields.map((k) => r[k]).join('\u0001')));
        expect(dangling).toEqual([]);
      }
    });
  }
});
