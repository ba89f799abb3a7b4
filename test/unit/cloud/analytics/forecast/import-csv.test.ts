import { describe, expect, it } from 'vitest';
import { TimeZoneClock } from '../../../../../cloud/analytics/cost/local-time.ts';
import { parseIsoInstant, parsePredictionCsv } from '../../../../../cloud/analytics/forecast/import-csv.ts';

const clock = new TimeZoneClock('America/Sao_Paulo');
const site = { kind: 'site' as const, id: 'site-a' };

describe('prediction CSV from R', () => {
  it('accepts what R writes: quoted header, row names, +0000 offsets, NA bounds, a BOM', () => {
    const csv =
      '\uFEFF"","timestamp","kwh","lower","upper"\n"1","2026-07-01T03:00:00+0000",0.4,NA,NA\n"2","2026-07-01T04:00:00-00:00",0.5,0.3,0.7\n';
    const r = parsePredictionCsv(csv, { step: 'hour', clock, scope: site });
    expect(r).toEqual({
      ok: true,
      points: [
        { ts: Date.parse('2026-07-01T03:00:00Z'), kwh: 0.4, lower: null, upper: null },
        { ts: Date.parse('2026-07-01T04:00:00Z'), kwh: 0.5, lower: 0.3, upper: 0.7 },
      ],
    });
  });

  it('takes bare local days for step=day and checks the scope column', () => {
    const ok = parsePredictionCsv('timestamp,kwh,site_id\n2026-07-01,12.5,site-a\n', {
      step: 'day',
      clock,
      scope: site,
    });
    expect(ok).toEqual({
      ok: true,
      points: [{ ts: Date.parse('2026-07-01T03:00:00Z'), kwh: 12.5, lower: null, upper: null }],
    });
    const other = parsePredictionCsv('timestamp,kwh,site_id\n2026-07-01,12.5,site-b\n', {
      step: 'day',
      clock,
      scope: site,
    });
    expect(other).toMatchObject({
      ok: false,
      problems: [{ line: 2, column: 'site_id', reason: 'the file is uploaded for site site-a' }],
    });
  });

  it('reports broken quoting and empty files with a line number', () => {
    expect(parsePredictionCsv('', { step: 'hour', clock, scope: site })).toMatchObject({
      ok: false,
      problems: [{ line: 1 }],
    });
    const broken = parsePredictionCsv('timestamp,kwh\n"2026-07-01T03:00:00Z,1\n', {
      step: 'hour',
      clock,
      scope: site,
    });
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.problems[0]!.reason).toMatch(/not valid CSV/);
    expect(parseIsoInstant('2026-07-01T03:00Z')).toBe(Date.parse('2026-07-01T03:00:00Z'));
    expect(parseIsoInstant('01/07/2026 03:00')).toBeNull();
  });

  it('counts every problem but lists the first 100', () => {
    const rows = Array.from(
      { length: 150 },
      (_, i) => `2026-07-01T03:${String(i % 60).padStart(2, '0')}:00Z,x`,
    );
    const r = parsePredictionCsv(`timestamp,kwh\n${rows.join('\n')}\n`, { step: 'hour', clock, scope: site });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toHaveLength(100);
      expect(r.problemCount).toBeGreaterThanOrEqual(150);
    }
  });
});
