import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../../cloud/db/migrate.ts';
import { createPool } from '../../../../cloud/db/pool.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { createTestDatabase, type TestDatabase } from '../../../helpers/postgres.ts';

/**
 * cds_add_energy (sql/postgres/005) replaced 002's SQL definition for speed; both must give the same array
 * for every input. The 002 body is recreated here under another name as the reference.
 */
describe('cds_add_energy', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool({ url: db.url, log: silentLogger(), max: 2 });
    await migrate({ pool, log: silentLogger() });
    await pool.query(`create function ref_add_energy(a double precision[], b double precision[])
      returns double precision[] language sql immutable as $$
        select coalesce(array_agg(coalesce(a[i], 0) + coalesce(b[i], 0) order by i), '{}')
          from generate_series(1, greatest(coalesce(array_length(a, 1), 0), coalesce(array_length(b, 1), 0))) as i
      $$`);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const arr = fc.option(
    fc.array(
      fc.option(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }), { nil: null }),
      {
        maxLength: 8,
      },
    ),
    { nil: null },
  );

  it('gives what the 002 definition gives, for any arrays (NULLs, different lengths, empty)', async () => {
    const cases = fc.sample(fc.tuple(arr, arr), 400);
    cases.push([null, null], [[], []], [[1, null], [null]], [[], [2.5]]);
    const { rows } = await pool.query<{ same: boolean; got: number[]; want: number[] }>(
      `select cds_add_energy(a, b) is not distinct from ref_add_energy(a, b) as same,
              cds_add_energy(a, b) as got, ref_add_energy(a, b) as want
         from jsonb_to_recordset($1::jsonb) as t(a double precision[], b double precision[])`,
      [JSON.stringify(cases.map(([a, b]) => ({ a, b })))],
    );
    expect(rows).toHaveLength(cases.length);
    for (const r of rows) expect(r.got).toEqual(r.want);
    expect(rows.every((r) => r.same)).toBe(true);
  });
});
