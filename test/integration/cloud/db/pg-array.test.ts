import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { numberArray, textArray, timestampArray } from '../../../../cloud/db/pg-array.ts';
import { createMigratedDatabase, type MigratedDb } from '../../../helpers/cloud-fixtures.ts';

let db: MigratedDb;
beforeAll(async () => {
  db = await createMigratedDatabase(2);
});
afterAll(async () => {
  await db?.close();
});

describe('pg array literals', () => {
  it('read back as the same values in PostgreSQL (text with quotes and backslashes, doubles, times, nulls)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.string(), { nil: null }), { maxLength: 8 }),
        fc.array(fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }), {
          maxLength: 8,
        }),
        fc.array(fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: null }), { maxLength: 8 }),
        async (texts, nums, times) => {
          const clean = texts.map((t) => (t === null ? null : t.replaceAll('\u0000', '')));
          const { rows } = await db.pool.query(
            `select $1::text[] as t, $2::float8[] as n,
                    array(select (extract(epoch from x) * 1000)::float8 from unnest($3::timestamptz[]) x) as ms,
                    array(select x is null from unnest($3::timestamptz[]) x) as tnull`,
            [textArray(clean), numberArray(nums), timestampArray(times)],
          );
          expect(rows[0].t).toEqual(clean);
          // -0 reads back as 0 through text
          expect(rows[0].n).toEqual(nums.map((n) => (n === null ? null : n === 0 ? 0 : n)));
          expect(rows[0].ms.map((m: number, i: number) => (rows[0].tnull[i] ? null : m))).toEqual(times);
        },
      ),
      { numRuns: 60 },
    );
  });
});
