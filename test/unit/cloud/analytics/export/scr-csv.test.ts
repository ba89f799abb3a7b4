import { describe, expect, it } from 'vitest';
import { headerLine, hourlyLine, RAW_COLUMNS, rawLine, text } from '../../../../../cloud/export/scr-csv.ts';

describe('SCR CSV lines', () => {
  it('writes NA for every missing value and never 0 or an empty field', () => {
    const line = rawLine({
      device_id: 'aicss-a1b2c3',
      ts: new Date('2026-07-01T03:00:00.250Z'),
      seq: '42',
      uptime_s: null,
      voltage_v: null,
      frequency_hz: 60,
      power_w: [60, null],
      energy_wh: [1532],
      power_factor: null,
      temperature_c: null,
      humidity_pct: null,
      light_raw: 4095,
      distance_cm: null,
      lamp_internal: true,
      lamp_external: null,
      flags: 93,
      time_quality: 'gateway',
    });
    expect(headerLine(RAW_COLUMNS).split(',')).toHaveLength(20);
    expect(line).toBe(
      'aicss-a1b2c3,2026-07-01T03:00:00.250Z,42,NA,NA,60,60,NA,1532,NA,NA,NA,NA,NA,4095,NA,1,NA,93,0\n',
    );
    expect(line.split(',')).toHaveLength(20);
  });

  it('quotes text that would break the CSV, and a literal "NA" text', () => {
    expect(text('plain-id')).toBe('plain-id');
    expect(text('a,b')).toBe('"a,b"');
    expect(text('say "hi"')).toBe('"say ""hi"""');
    expect(text('NA')).toBe('"NA"');
  });

  it('computes mean voltage and completeness for an hour, NA for an hour without a rollup', () => {
    const base = {
      device_id: 'd',
      site_id: 's',
      hour_start: new Date('2026-07-01T03:00:00Z'),
      expected_count: 360,
    };
    const empty = {
      ...base,
      energy_wh_total: null,
      energy_wh: null,
      voltage_min: null,
      voltage_max: null,
      voltage_sum: null,
      voltage_count: null,
      power_max_w: null,
      reading_count: null,
      lamp_internal_on_count: null,
      lamp_external_on_count: null,
    };
    expect(hourlyLine(empty)).toBe('d,s,2026-07-01T03:00:00.000Z,NA,NA,NA,NA,NA,NA,NA,NA,360,NA,NA,NA\n');
    const full = {
      ...empty,
      energy_wh_total: 160,
      energy_wh: [60, 100],
      voltage_min: 125,
      voltage_max: 129,
      voltage_sum: 127 * 300,
      voltage_count: 300,
      power_max_w: 161,
      reading_count: 300,
      lamp_internal_on_count: 10,
      lamp_external_on_count: 300,
    };
    expect(hourlyLine(full)).toBe(
      'd,s,2026-07-01T03:00:00.000Z,160,60,100,125,129,127,161,300,360,0.8333,10,300\n',
    );
  });
});
