import { type Cents, roundDiv, TAX_SCALE, taxFromFraction } from './money.ts';
import type { SiteTaxes } from './types.ts';

/**
 * Taxes "por dentro" (aneel.md §6.4): the tax is part of its own base, so the pre-tax amount is grossed up.
 *
 * Variant used — the current one, after ICMS left the PIS/COFINS base (STF RE 574.706, Tema 69; Lei
 * 14.385/2022 ordered the refunds the distributors now pass back):
 *
 *     gross = net / ((1 − PIS − COFINS) × (1 − ICMS))
 *     ICMS  = gross × ICMS
 *     PIS   = (gross − ICMS) × PIS,   COFINS = (gross − ICMS) × COFINS
 *
 * so gross − ICMS − PIS − COFINS = net exactly (before rounding). The 2014 ANEEL booklet formula
 * net / (1 − (PIS + COFINS + ICMS)) taxed ICMS inside the PIS/COFINS base, which is no longer allowed.
 *
 * Rounding: gross is rounded to the cent from the exact fraction; each tax is then rounded to the cent on
 * its own; the bill total is gross (+ COSIP). Shown taxes can therefore differ from gross − net by a cent.
 */
export const TAX_VARIANT = 'ICMS fora da base de PIS/COFINS: gross = net / ((1 − PIS − COFINS) × (1 − ICMS))';

export interface TaxBreakdown {
  variant: string;
  rates: SiteTaxes;
  netCents: Cents;
  grossCents: Cents;
  icmsCents: Cents;
  pisCents: Cents;
  cofinsCents: Cents;
}

export function grossUp(netCents: Cents, taxes: SiteTaxes): TaxBreakdown {
  const icms = BigInt(taxFromFraction(taxes.icms));
  const pis = BigInt(taxFromFraction(taxes.pis));
  const cofins = BigInt(taxFromFraction(taxes.cofins));
  const s = BigInt(TAX_SCALE);
  const denom = (s - pis - cofins) * (s - icms);
  if (denom <= 0n) throw new RangeError('tax rates add up to 100 % or more');
  const grossCents = roundDiv(netCents * s * s, denom);
  const icmsCents = roundDiv(grossCents * icms, s);
  const pisCents = roundDiv((grossCents - icmsCents) * pis, s);
  const cofinsCents = roundDiv((grossCents - icmsCents) * cofins, s);
  return {
    variant: TAX_VARIANT,
    rates: { ...taxes },
    netCents,
    grossCents,
    icmsCents,
    pisCents,
    cofinsCents,
  };
}

/** The gross (taxed) value of an exact amount, same formula as `grossUp`, without rounding to cents. */
export function grossUpAmount(amount: bigint, taxes: SiteTaxes): bigint {
  const icms = BigInt(taxFromFraction(taxes.icms));
  const pis = BigInt(taxFromFraction(taxes.pis));
  const cofins = BigInt(taxFromFraction(taxes.cofins));
  const s = BigInt(TAX_SCALE);
  return roundDiv(amount * s * s, (s - pis - cofins) * (s - icms));
}
