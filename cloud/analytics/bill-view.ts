import type { Bill } from './cost/bill-engine.ts';
import { amountToCents, centsToRs } from './cost/money.ts';

/** A Bill as JSON: cents → R$ numbers (exact to the cent), Wh → kWh. */
export function billView(bill: Bill) {
  return {
    period: bill.period,
    modality: bill.modality,
    proration: bill.proration,
    measuredKwh: bill.measuredKwh,
    energy: bill.energy.map((l) => ({
      posto: l.posto,
      from: l.from,
      to: l.to,
      kwh: l.wh / 1000,
      tusdRsMwh: l.tusdRsMwh,
      teRsMwh: l.teRsMwh,
      reh: l.reh,
      rs: centsToRs(l.cents),
    })),
    flags: bill.flags.map((l) => ({
      month: l.month,
      from: l.from,
      to: l.to,
      flag: l.flag,
      adicionalRsMwh: l.adicionalRsMwh,
      kwh: l.wh / 1000,
      provisional: l.provisional,
      sourceMonth: l.sourceMonth,
      rs: centsToRs(l.cents),
    })),
    availability: bill.availability && {
      minimumKwh: bill.availability.minimumKwh,
      availabilityRs: centsToRs(amountToCents(bill.availability.availabilityAmount)),
      consumptionRs: centsToRs(amountToCents(bill.availability.consumptionAmount)),
      complementKwh: bill.availability.complementKwh,
      complementRs: centsToRs(bill.availability.complementCents),
    },
    netRs: centsToRs(bill.netCents),
    taxes: bill.taxes && {
      variant: bill.taxes.variant,
      rates: bill.taxes.rates,
      icmsRs: centsToRs(bill.taxes.icmsCents),
      pisRs: centsToRs(bill.taxes.pisCents),
      cofinsRs: centsToRs(bill.taxes.cofinsCents),
    },
    grossRs: centsToRs(bill.grossCents),
    cosipRs: centsToRs(bill.cosipCents),
    totalRs: centsToRs(bill.totalCents),
    provisional: bill.provisional,
    unpriced: bill.unpriced.map((u) => ({
      from: u.from,
      to: u.to,
      posto: u.posto,
      kwh: u.wh / 1000,
      reason: u.reason,
    })),
    warnings: bill.warnings,
  };
}
