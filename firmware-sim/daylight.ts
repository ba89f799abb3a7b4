import { hashString, valueNoise } from './rng.ts';
import { solarElevationDeg } from './solar.ts';

/**
 * Outdoor light at the LDR: clear-sky illuminance from the Sun's elevation, dimmed by cloud cover, mapped to
 * the ADC counts the original firmware compares with 2000 ("below 2000 = dark", protocol.md §1.2).
 */

/** Clear-sky horizontal illuminance (lux) against sun elevation (°): log-linear between these points
 * (civil/nautical/astronomical twilight and daylight values as tabulated in illuminating-engineering
 * references; within a factor of ~2, which the cloud noise swamps anyway). */
const LUX_TABLE: ReadonlyArray<readonly [elevation: number, log10Lux: number]> = [
  [-18, -3.1],
  [-12, -2.1],
  [-6, 0.53],
  [-4, 1.48],
  [-2, 2.18],
  [0, 2.78],
  [5, 3.6],
  [10, 4.0],
  [20, 4.48],
  [30, 4.7],
  [45, 4.9],
  [60, 5.0],
  [90, 5.05],
];

export function clearSkyLux(elevationDeg: number): number {
  const t = LUX_TABLE;
  if (elevationDeg <= t[0]![0]) return 10 ** t[0]![1];
  for (let i = 1; i < t.length; i++) {
    const [e1, l1] = t[i]!;
    if (elevationDeg <= e1) {
      const [e0, l0] = t[i - 1]!;
      return 10 ** (l0 + ((l1 - l0) * (elevationDeg - e0)) / (e1 - e0));
    }
  }
  return 10 ** t[t.length - 1]![1];
}

/** Street lighting and sky glow of a city at night, lux: the LDR never reads a true zero. */
const URBAN_NIGHT_LUX = 2;

/**
 * Cloud cover 0…1 over time: weather fronts (days), afternoon build-up (hours) and passing clouds (minutes),
 * wetter in the São Paulo summer (Dec–Mar). A pure function of (seed, t): every board at the site sees the
 * same sky.
 */
export class Weather {
  readonly #seed: number;

  constructor(seed: string) {
    this.#seed = hashString(`${seed}/weather`)[0];
  }

  cloudCover(utcMs: number, dayOfYear: number): number {
    const season = 0.12 * Math.cos((2 * Math.PI * (dayOfYear - 30)) / 365.25);
    const fronts = valueNoise(this.#seed, utcMs, 2.5 * 86_400_000);
    const hours = valueNoise(this.#seed ^ 0x51ed, utcMs, 3 * 3_600_000);
    const passing = valueNoise(this.#seed ^ 0xa5a5, utcMs, 600_000);
    const c = 0.45 + season + 0.55 * (fronts - 0.5) + 0.35 * (hours - 0.5) + 0.25 * (passing - 0.5);
    return Math.min(1, Math.max(0, c));
  }
}

/** Kasten–Czeplak: global irradiance under cloud cover `c` (0…1) is (1 − 0.75·c^3.4) of clear sky. */
export function cloudFactor(cover: number): number {
  return 1 - 0.75 * cover ** 3.4;
}

export interface LdrModel {
  /** Placement/shading of this board's LDR, 1 = open sky. */
  gain: number;
}

/** Highest and lowest counts a healthy LDR divider reaches; the rails (0, 4095) mean a wiring fault. */
export const LDR_MIN_HEALTHY = 8;
export const LDR_MAX_HEALTHY = 4000;

/**
 * Lux → ADC counts. The divider is roughly logarithmic in light: ~240 counts under street lighting,
 * ~2000 (the firmware's dark threshold) at ~350 lux — just after sunset on a clear day, earlier when
 * overcast — and ~3900 in full sun.
 */
export function ldrCounts(lux: number, model: LdrModel): number {
  const x = Math.log10(1 + Math.max(0, lux * model.gain)) / 5.2;
  return 4095 * x;
}

export interface LightSample {
  elevationDeg: number;
  cloudCover: number;
  lux: number;
  /** Noise-free ADC counts before the firmware's rounding. */
  ldrIdeal: number;
}

export function sampleLight(
  utcMs: number,
  site: { lat: number; lon: number },
  weather: Weather,
  dayOfYear: number,
  model: LdrModel,
): LightSample {
  const elevationDeg = solarElevationDeg(utcMs, site.lat, site.lon);
  const cloudCover = weather.cloudCover(utcMs, dayOfYear);
  const lux = clearSkyLux(elevationDeg) * cloudFactor(cloudCover) + URBAN_NIGHT_LUX;
  return { elevationDeg, cloudCover, lux, ldrIdeal: ldrCounts(lux, model) };
}
