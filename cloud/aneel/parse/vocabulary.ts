/**
 * Text as ANEEL publishes it: NFC + trim, and the fixed vocabulary (`Não se aplica`, bases, postos, units)
 * mapped to one canonical spelling, because some copies are ASCII-folded (`Nao se aplica`) or upper-cased
 * (`MWH`) (aneel.md §7.5). `Não se aplica` is a real value, never NULL.
 */
export const cleanText = memo((raw: string): string => raw.normalize('NFC').trim());

/** Accent- and case-insensitive comparison key: `Número de Consumidores` → `numero de consumidores`. */
export function foldKey(raw: string): string {
  return raw.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

export const NAO_SE_APLICA = 'Não se aplica';
export const TARIFA_DE_APLICACAO = 'Tarifa de Aplicação';
export const BASE_ECONOMICA = 'Base Econômica';
export const POSTOS = ['Não se aplica', 'Ponta', 'Intermediário', 'Fora ponta'] as const;
export type Posto = (typeof POSTOS)[number];

const CANONICAL = new Map<string, string>(
  [NAO_SE_APLICA, TARIFA_DE_APLICACAO, BASE_ECONOMICA, 'Ponta', 'Intermediário', 'Fora ponta'].map((v) => [
    foldKey(v),
    v,
  ]),
);

/** Cleans a text field and maps known vocabulary to its canonical spelling; other text is kept as cleaned. */
export const canonicalText = memo((raw: string): string => {
  const s = cleanText(raw);
  return CANONICAL.get(foldKey(s)) ?? s;
});

/** `MWh` (energy, R$/MWh) or `kW` (demand, R$/kW), case-insensitively; anything else is not a tariff unit. */
export function canonicalUnit(raw: string): 'MWh' | 'kW' | undefined {
  const k = foldKey(raw).replace(/^r\$\s*\/\s*/, '');
  if (k === 'mwh') return 'MWh';
  if (k === 'kw') return 'kW';
  return undefined;
}

/**
 * A distributor CNPJ as 14-digit text. Punctuation and spaces are dropped; fewer digits are left-padded
 * with zeros because a spreadsheet round trip loses the leading zeros (`6981180000116`). More than 14
 * digits, or none, is not a CNPJ.
 */
export const parseCnpj = memo((raw: string): string | undefined => {
  const digits = raw.replace(/[\s./-]/g, '');
  if (!/^\d{1,14}$/.test(digits)) return undefined;
  return digits.padStart(14, '0');
});

/**
 * Caches a pure text function. A tariff or SAMP file repeats the same few hundred strings (classes, postos,
 * REH texts, dates, CNPJs) hundreds of thousands of times, and NFC/NFD normalisation is what a row costs
 * most; the cache is dropped when it grows past `max`, so a column of unique values cannot grow it.
 */
export function memo<R>(fn: (raw: string) => R, max = 8192): (raw: string) => R {
  let cache = new Map<string, R>();
  return (raw) => {
    const hit = cache.get(raw);
    if (hit !== undefined || cache.has(raw)) return hit as R;
    const value = fn(raw);
    if (cache.size >= max) cache = new Map();
    cache.set(raw, value);
    return value;
  };
}
