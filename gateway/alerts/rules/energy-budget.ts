import type { Reading } from '../../../shared/schemas/reading.ts';
import type { AlertsConfig } from '../../config/core-config.ts';
import type { Observation } from '../episode-tracker.ts';

export interface EnergyDayState {
  /** Site-local day, `YYYY-MM-DD`. */
  day: string;
  /** Wh consumed this day over all channels. */
  usedWh: number;
  /** Last cumulative counter per channel (Wh), to take deltas. */
  last: Array<number | null>;
}

/**
 * Daily energy per device from the cumulative counters: the sum over channels of counter deltas within
 * the site-local day of the reading time. A counter that went backwards restarted (board lost it): the
 * new value is what was consumed since. The first reading ever seen only sets the baseline.
 */
export class EnergyBudget {
  readonly #states = new Map<string, EnergyDayState>();
  #fmt: Intl.DateTimeFormat;
  #tz: string;
  dirty = false;

  constructor(timeZone: string, saved?: Record<string, EnergyDayState>) {
    this.#tz = timeZone;
    this.#fmt = dayFormatter(timeZone);
    for (const [device, st] of Object.entries(saved ?? {})) this.#states.set(device, st);
  }

  #dayCache = { from: 0, to: 0, day: '' };

  /** Site-local `YYYY-MM-DD`; cached per quarter hour, because Intl formatting per reading is costly. */
  localDay(ts: number): string {
    const c = this.#dayCache;
    if (ts >= c.from && ts < c.to) return c.day;
    // Zone offsets are whole quarter hours, so every reading within one UTC quarter hour shares a day.
    const from = ts - (ts % 900_000);
    this.#dayCache = { from, to: from + 900_000, day: this.#fmt.format(ts) };
    return this.#dayCache.day;
  }

  /** Counts the reading's energy; the budget observation when a budget applies to the device. */
  observe(r: Reading, cfg: AlertsConfig): Observation | undefined {
    if (cfg.timeZone !== this.#tz) {
      this.#tz = cfg.timeZone;
      this.#fmt = dayFormatter(cfg.timeZone);
      this.#dayCache = { from: 0, to: 0, day: '' };
    }
    const channels = r.channels;
    let counted = false;
    for (let i = 0; i < channels.length; i++) if (channels[i]!.energyWh !== undefined) counted = true;
    if (!counted) return undefined;
    const day = this.localDay(r.ts);
    const st = this.#states.get(r.device);
    if (!st) {
      this.#states.set(r.device, { day, usedWh: 0, last: channels.map((c) => c.energyWh ?? null) });
      this.dirty = true;
      return undefined;
    }
    if (day < st.day) return undefined; // a late reading of a past day: its energy was counted already
    let delta = 0;
    for (let i = 0; i < channels.length; i++) {
      const e = channels[i]!.energyWh;
      if (e === undefined) continue;
      const prev = st.last[i];
      if (prev !== null && prev !== undefined) delta += e >= prev ? e - prev : e;
      st.last[i] = e;
    }
    let newDay = false;
    if (day !== st.day) {
      newDay = true;
      st.day = day;
      st.usedWh = 0;
    }
    st.usedWh += delta;
    this.dirty = true;
    const budget = cfg.devices[r.device]?.dailyBudgetWh ?? cfg.energyBudget.dailyWh;
    if (budget === null || budget === undefined) return undefined;
    return {
      rule: 'energy_budget',
      device: r.device,
      subject: 'day',
      severity: 'warning',
      breach: st.usedWh > budget,
      recovered: false,
      resolved: newDay && st.usedWh <= budget,
      value: Math.round(st.usedWh * 10) / 10,
      threshold: budget,
      describe: describeBudget,
      minDurationMs: 0,
    };
  }

  snapshot(): Record<string, EnergyDayState> {
    return Object.fromEntries(this.#states);
  }
}

function describeBudget(o: Observation): string {
  return `energy today ${Math.round(o.value ?? 0)} Wh above the daily budget of ${o.threshold} Wh`;
}

function dayFormatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
}
