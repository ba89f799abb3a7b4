import { describe, expect, it } from 'vitest';
import {
  canonicalText,
  canonicalUnit,
  cleanText,
  foldKey,
  parseCnpj,
} from '../../../../cloud/aneel/parse/vocabulary.ts';

describe('ANEEL vocabulary', () => {
  it('maps ASCII-folded, cased and decomposed spellings to the canonical value', () => {
    expect(canonicalText('Nao se aplica')).toBe('Não se aplica');
    expect(canonicalText('NÃO SE APLICA ')).toBe('Não se aplica');
    // decomposed ã (a + U+0303) is the same text after NFC
    expect(canonicalText('Na\u0303o se aplica')).toBe('Não se aplica');
    expect(canonicalText('tarifa de aplicacao')).toBe('Tarifa de Aplicação');
    expect(canonicalText('Intermediario')).toBe('Intermediário');
    expect(canonicalText('FORA PONTA')).toBe('Fora ponta');
  });

  it('keeps other text as published, trimmed and NFC', () => {
    expect(canonicalText(' Residencial Tarifa Social – faixa 01 ')).toBe(
      'Residencial Tarifa Social – faixa 01',
    );
    expect(canonicalText('Iluminação pública  B4a')).toBe('Iluminação pública  B4a');
    expect(cleanText('Hi\u0301drica')).toBe('Hídrica');
  });

  it('folds for comparisons', () => {
    expect(foldKey('Número de Consumidores')).toBe(foldKey('Número de consumidores'));
    expect(foldKey('  Energia   TE (kWh) ')).toBe('energia te (kwh)');
  });

  it('recognises energy and demand units case-insensitively', () => {
    expect(canonicalUnit('MWh')).toBe('MWh');
    expect(canonicalUnit('MWH')).toBe('MWh');
    expect(canonicalUnit(' mwh ')).toBe('MWh');
    expect(canonicalUnit('R$/MWh')).toBe('MWh');
    expect(canonicalUnit('kW')).toBe('kW');
    expect(canonicalUnit('KW')).toBe('kW');
    expect(canonicalUnit('kWh')).toBeUndefined();
    expect(canonicalUnit('')).toBeUndefined();
  });

  it('keeps a CNPJ as 14-digit text', () => {
    expect(parseCnpj('06981180000116')).toBe('06981180000116');
    expect(parseCnpj('6981180000116')).toBe('06981180000116');
    expect(parseCnpj('06.981.180/0001-16')).toBe('06981180000116');
    expect(parseCnpj(' 75805895000130 ')).toBe('75805895000130');
    expect(parseCnpj('069811800001160')).toBeUndefined();
    expect(parseCnpj('')).toBeUndefined();
    expect(parseCnpj('CEMIG-D')).toBeUndefined();
  });
});
