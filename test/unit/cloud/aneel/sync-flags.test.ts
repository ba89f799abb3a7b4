import { describe, expect, it } from 'vitest';
import { parseDatasets, parseVia, parseYears } from '../../../../cloud/aneel/cli/sync-flags.ts';

describe('cds cloud aneel sync flags', () => {
  it('reads --datasets', () => {
    expect(parseDatasets(undefined)).toBeUndefined();
    expect(parseDatasets('Tarifas, bandeiras')).toEqual(['tarifas', 'bandeiras']);
    expect(() => parseDatasets('tarifas,weather')).toThrow(/unknown data set\(s\) weather/);
    expect(() => parseDatasets('dg')).toThrow(/not loaded by this version/);
  });

  it('reads --samp-years and --via', () => {
    expect(parseYears('2024,2025')).toEqual([2024, 2025]);
    expect(() => parseYears('24')).toThrow(/--samp-years/);
    expect(parseVia('datastore')).toBe('datastore');
    expect(() => parseVia('ftp')).toThrow(/--via/);
  });
});
