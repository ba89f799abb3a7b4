import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyText, readingCopyLine } from '../../../../cloud/ingest/readings-repository.ts';
import type { Reading } from '../../../../shared/schemas/reading.ts';

const base: Reading = {
  device: 'dev-1',
  boot: 1_770_000_000,
  seq: 42,
  ts: Date.UTC(2026, 2, 10, 10, 5, 7, 9),
  timeQuality: 'board',
  receivedAt: Date.UTC(2026, 2, 10, 11, 0, 0, 0),
  source: 'sim',
  channels: [{ powerW: 60.5, energyWh: 1532 }, { currentA: 0.786 }],
  lampInternal: true,
  flags: 0x41,
};

describe('COPY text', () => {
  it('writes every column in COPY text format, \\N for missing values and NULL inside arrays', () => {
    const cols = readingCopyLine(base, 'gw-1').split('\t');
    expect(cols).toEqual([
      'dev-1',
      '1770000000',
      '42',
      '2026-03-10T10:05:07.009Z',
      'board',
      '2026-03-10T11:00:00.000Z',
      'gw-1',
      'sim',
      '\\N',
      '\\N',
      '\\N',
      '\\N',
      '{NULL,0.786}',
      '{60.5,NULL}',
      '{NULL,NULL}',
      '{NULL,NULL}',
      '{1532,NULL}',
      '\\N',
      '\\N',
      '\\N',
      '\\N',
      't',
      '\\N',
      '65',
    ]);
  });

  it('writes no array for a reading without channels', () => {
    const cols = readingCopyLine({ ...base, channels: [] }, 'gw-1').split('\t');
    expect(cols.slice(12, 17)).toEqual(['\\N', '\\N', '\\N', '\\N', '\\N']);
  });

  it('formats times exactly like Date#toISOString, whatever the order, in one growing buffer', () => {
    const t = new CopyText();
    fc.assert(
      fc.property(fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }), (ts) => {
        const [s, e] = t.appendReading({ ...base, ts, receivedAt: ts + 1 }, 'g');
        const line = t.buf.toString('latin1', s, e).split('\t');
        expect(line[3]).toBe(new Date(ts).toISOString());
        expect(line[5]).toBe(new Date(ts + 1).toISOString());
        expect(line[23]).toBe('65\n');
      }),
      { numRuns: 2000 },
    );
  });

  it('writes numbers as JavaScript prints them: integers digit by digit, the rest as their shortest text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          fc.double({ min: -100_000, max: 100_000, noNaN: true }),
          fc.double({ min: 0, max: 2 ** 53, noNaN: true }),
        ),
        fc.nat({ max: 2 ** 31 - 1 }),
        fc.nat({ max: 2 ** 32 - 1 }),
        (v, flags, seq) => {
          const cols = readingCopyLine(
            { ...base, seq, flags, voltageV: v, channels: [{ powerW: v, energyWh: Math.abs(v) }] },
            'g',
          ).split('\t');
          expect(cols[2]).toBe(`${seq}`);
          expect(cols[10]).toBe(`${v}`);
          expect(cols[13]).toBe(`{${v}}`);
          expect(cols[16]).toBe(`{${Math.abs(v)}}`);
          expect(cols[23]).toBe(`${flags}`);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
