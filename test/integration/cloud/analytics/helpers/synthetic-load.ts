import { mulberry32 } from '../../../../../cloud/analytics/forecast/rng.ts';

/**
 * SYNTHETIC load of one AICSS lighting board, hour by hour — made up for tests and the benchmark, not
 * measured. Channel 1 is the internal lamp (60 W), channel 2 the external lamp (100 W), both under the smart
 * control, so they run well below the AICSS baseline (60 W × 5 h, 100 W × 12 h a day):
 * - daily cycle: internal lamp mostly 18–23 h (plus a little at 6 h on weekdays); external lamp from dusk to
 *   dawn at a presence-driven duty cycle;
 * - weekly cycle: weekends keep the internal lamp on later and the external one busier on Friday/Saturday;
 * - yearly cycle: dusk moves ±40 min around 18:00 (southern hemisphere: later in December);
 * - noise: each hour's duty cycle is multiplied by a random factor (±25 %), per device seed.
 * Local hours assume a fixed UTC−3 (America/Sao_Paulo since 2019).
 */
export interface SyntheticHour {
  hourStartMs: number;
  /** Wh of channel 1 (internal) and 2 (external) in the hour. */
  wh: [number, number];
  lampInternalOnFraction: number;
  lampExternalOnFraction: number;
}

const INTERNAL_W = 60;
const EXTERNAL_W = 100;
const OFFSET_H = -3;

function internalDuty(hour: number, weekend: boolean): number {
  if (weekend) {
    if (hour >= 18 && hour <= 23) return [0.5, 0.75, 0.8, 0.8, 0.65, 0.4][hour - 18]!;
    if (hour === 0) return 0.2;
    if (hour >= 9 && hour <= 11) return 0.1;
    return 0;
  }
  if (hour === 6) return 0.25;
  if (hour >= 18 && hour <= 22) return [0.45, 0.7, 0.7, 0.55, 0.3][hour - 18]!;
  return 0;
}

function externalDuty(hour: number, dow: number, duskHour: number): number {
  const dark = hour >= Math.floor(duskHour) || hour < 6;
  if (!dark) return 0;
  const partial = hour === Math.floor(duskHour) ? 1 - (duskHour - Math.floor(duskHour)) : 1;
  const busy = (dow === 5 || dow === 6) && hour >= 19 && hour <= 23 ? 0.6 : 0.35;
  const lateNight = hour >= 1 && hour < 6 ? 0.25 : busy;
  return partial * lateNight;
}

export function* syntheticHours(opts: {
  fromMs: number;
  hours: number;
  seed: number;
}): Generator<SyntheticHour> {
  const rand = mulberry32(opts.seed);
  const noise = () => 0.75 + 0.5 * rand();
  for (let i = 0; i < opts.hours; i++) {
    const t = opts.fromMs + i * 3_600_000;
    const local = new Date(t + OFFSET_H * 3_600_000);
    const hour = local.getUTCHours();
    const dow = local.getUTCDay();
    const dayOfYear = Math.floor((t - Date.UTC(local.getUTCFullYear(), 0, 1)) / 86_400_000);
    const duskHour = 18 + (40 / 60) * Math.cos((2 * Math.PI * (dayOfYear - 355)) / 365);
    const fi = Math.min(1, internalDuty(hour, dow === 0 || dow === 6) * noise());
    const fe = Math.min(1, externalDuty(hour, dow, duskHour) * noise());
    yield {
      hourStartMs: t,
      wh: [INTERNAL_W * fi, EXTERNAL_W * fe],
      lampInternalOnFraction: fi,
      lampExternalOnFraction: fe,
    };
  }
}
