import { hashString, type Rng, valueNoise } from './rng.ts';

/**
 * DHT22/AM2302 ambient temperature and humidity with a daily cycle: coolest near dawn, warmest mid-afternoon,
 * a smaller swing under cloud; São Paulo's seasons (warm, humid January; cool, dry July). Humidity comes from
 * a slowly varying dew point, so it falls as the afternoon warms, as real RH does. Resolution 0.1 as the
 * sensor reports.
 */

export interface Climate {
  /** Annual mean temperature, °C. */
  meanC: number;
  /** Half the difference between the warmest and coolest month, °C. */
  seasonalC: number;
  /** Day of year of the warmest month's middle (southern hemisphere: late January). */
  warmestDay: number;
  /** Half the clear-sky daily swing, °C. */
  dailyC: number;
}

/** São Paulo (INMET normals, rounded): annual mean ≈ 19.6 °C, Feb ≈ 23 °C, Jul ≈ 16 °C. */
export const SAO_PAULO_CLIMATE: Climate = { meanC: 19.6, seasonalC: 3.4, warmestDay: 35, dailyC: 4.5 };

export interface Dht22Reading {
  temperatureC: number;
  humidityPct: number;
}

export class Dht22 {
  readonly #seed: number;
  readonly #rng: Rng;
  readonly #climate: Climate;
  /** Placement: a board in a warmer corner reads warmer. */
  readonly #biasC: number;

  constructor(seed: string, rng: Rng, climate: Climate = SAO_PAULO_CLIMATE) {
    this.#seed = hashString(`${seed}/dht`)[0];
    this.#rng = rng;
    this.#climate = climate;
    this.#biasC = rng.uniform(-0.8, 1.2);
  }

  read(utcMs: number, localHour: number, dayOfYear: number, cloudCover: number): Dht22Reading {
    const c = this.#climate;
    const seasonal = c.meanC + c.seasonalC * Math.cos((2 * Math.PI * (dayOfYear - c.warmestDay)) / 365.25);
    const swing = c.dailyC * (1 - 0.45 * cloudCover);
    // Minimum near 06:00, maximum near 15:00: a cosine with the warm half stretched over 9 h.
    const phase =
      localHour >= 6 && localHour < 15
        ? Math.PI * (1 - (localHour - 6) / 9)
        : Math.PI * ((((localHour - 15 + 24) % 24) / 15) % 1);
    const weather = 3 * (valueNoise(this.#seed, utcMs, 3 * 86_400_000) - 0.5);
    const t = seasonal + swing * Math.cos(phase) + weather + this.#biasC + this.#rng.normal(0, 0.08);
    const dewPoint =
      seasonal - 5 + 4 * (valueNoise(this.#seed ^ 0x77, utcMs, 2 * 86_400_000) - 0.5) + 2 * cloudCover;
    const rh = (100 * magnus(Math.min(dewPoint, t))) / magnus(t) + this.#rng.normal(0, 0.3);
    return {
      temperatureC: Math.round(t * 10) / 10,
      humidityPct: Math.round(Math.min(99.9, Math.max(5, rh)) * 10) / 10,
    };
  }
}

/** Saturation vapour pressure (Magnus formula), hPa. */
function magnus(tC: number): number {
  return 6.1094 * Math.exp((17.625 * tC) / (tC + 243.04));
}
