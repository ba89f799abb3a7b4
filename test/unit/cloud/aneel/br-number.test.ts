import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBrDecimal } from '../../../../cloud/aneel/parse/br-number.ts';

describe('parseBrDecimal', () => {
  it.each([
    ['593,08', '593.08'],
    ['"310,21"', '310.21'],
    [',00', '0'],
    ['0,00', '0'],
    ['142,00', '142'],
    ['75313,000000', '75313'],
    ['-76,000000', '-76'],
    ['189,008164374', '189.008164374'],
    ['1.500,00', '1500'],
    ['1.234.567,891', '1234567.891'],
    [' 18,85 ', '18.85'],
    ['10', '10'],
    ['-,5', '-0.5'],
    ['310,21\r', '310.21'],
  ])('%j → %s', (raw, expected) => {
    expect(parseBrDecimal(raw)).toBe(expected);
  });

  it('keeps empty (missing) apart from a published zero', () => {
    expect(parseBrDecimal('')).toBeNull();
    expect(parseBrDecimal('  ')).toBeNull();
    expect(parseBrDecimal('""')).toBeNull();
    expect(parseBrDecimal(',00')).toBe('0');
  });

  it.each(['abc', '1,2,3', '12.34.5,00', '1.50,00', '--1', '1,2x', '+-1', 'NaN', 'Infinity'])(
    'rejects %j',
    (raw) => {
      expect(parseBrDecimal(raw)).toBeUndefined();
    },
  );

  it('reads back any value written the Brazilian way, with or without thousands dots', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 9 }),
        fc.nat(),
        fc.boolean(),
        fc.boolean(),
        (int, decimals, fracSeed, negative, dots) => {
          const frac = decimals === 0 ? '' : String(fracSeed % 10 ** decimals).padStart(decimals, '0');
          let intText = int.toString();
          if (dots) intText = intText.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
          // ANEEL writes a zero integer part as nothing: ,00
          if (int === 0n && frac) intText = '';
          const text = `${negative ? '-' : ''}${intText}${frac ? `,${frac}` : ',00'}`;
          const parsed = parseBrDecimal(text);
          const expected = Number(`${negative ? '-' : ''}${int}.${frac || '0'}`);
          expect(parsed).toBeDefined();
          expect(Number(parsed)).toBe(expected === 0 ? 0 : expected);
        },
      ),
    );
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite' }), (s) => {
        const r = parseBrDecimal(s);
        expect(r === null || r === undefined || /^-?\d+(\.\d+)?$/.test(r)).toBe(true);
      }),
    );
  });
});
