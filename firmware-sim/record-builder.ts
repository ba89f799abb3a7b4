import type { AicssRecord } from '../shared/protocol/aicss-serial.ts';
import type { FrontEndReading } from './front-end.ts';

/**
 * One AICSS/1 record from the board's readings. Always the same object shape (absent readings are
 * `undefined`, which the encoders skip), so the hot path of a backfill stays monomorphic.
 */

export interface RecordParts {
  msg: number;
  t: number;
  up: number;
  rst: number | undefined;
  /** Undefined when the meter front-end did not answer (METER_COMM_FAIL). */
  meter: FrontEndReading | undefined;
  frequencyHz: number;
  energyWh: readonly number[];
  /** The firmware printed the library's NaN for every electrical value (meter-nan). */
  meterNan: boolean;
  T1: number | undefined;
  RH1: number | undefined;
  ldr: number;
  dist: number | undefined;
  ledIn: boolean;
  ledExt: boolean;
  st: number;
}

const ELECTRICAL = ['V', 'F', 'I1', 'P1', 'VA1', 'PF1', 'E1', 'I2', 'P2', 'VA2', 'PF2', 'E2'] as const;

export function buildRecord(p: RecordParts, nanFields: string[]): AicssRecord {
  const m = p.meter;
  const c1 = m?.channels[0];
  const c2 = m?.channels[1];
  const hasV = m?.voltageV !== undefined;
  const rec: AicssRecord = {
    MSG: p.msg,
    t: p.t,
    up: p.up,
    rst: p.rst,
    V: hasV ? m!.voltageV : undefined,
    F: hasV ? p.frequencyHz : undefined,
    I1: c1?.currentA,
    P1: c1?.powerW,
    VA1: c1?.apparentPowerVa,
    PF1: c1?.powerFactor,
    E1: m ? p.energyWh[0] : undefined,
    I2: c2?.currentA,
    P2: c2?.powerW,
    VA2: c2?.apparentPowerVa,
    PF2: c2?.powerFactor,
    E2: m ? p.energyWh[1] : undefined,
    T1: p.T1,
    RH1: p.RH1,
    ldr: p.ldr,
    dist: p.dist,
    led_in: p.ledIn ? 1 : 0,
    led_ext: p.ledExt ? 1 : 0,
    st: p.st,
  };
  if (p.meterNan) {
    for (const k of ELECTRICAL) {
      if (rec[k] !== undefined) {
        rec[k] = Number.NaN;
        nanFields.push(k);
      }
    }
  }
  return rec;
}
