/**
 * Cumulative import energy per channel (AICSS `E1`/`E2`, Wh), as the firmware keeps it: integrated from the
 * measured real power, persisted in NVS so a reset does not lose it (emonTx does the same with EEPROM,
 * protocol.md §3.2.8), plus Tasmota's `Today`/`Yesterday` (local days) and `Period` (since the last
 * SENSOR message) for the MQTT payload.
 *
 * The NVS copy is written whenever the whole-Wh value changes (what a wear-levelled NVS key update costs on
 * an ESP32 is negligible at that rate), so the restored value equals the last value sent: counters never go
 * backwards across a reboot unless NVS itself is lost (the `nvs-loss` fault) or the register wraps
 * (`rollover`).
 */

/** PZEM-004T energy register range: 0–9999.99 kWh, then it wraps. */
export const ENERGY_WRAP_WH = 10_000_000;

export class EnergyMeter {
  /** Live counters, Wh (fractional). */
  readonly #wh: number[];
  /** What NVS holds: survives reboots. */
  readonly #nvs: number[];
  #todayStartWh: number[];
  #yesterdayWh: number[];
  #dayIndex: number | undefined;
  #lastPeriodWh: number[];
  readonly totalStartTime: string;

  constructor(initialWh: number[], totalStartTime: string) {
    this.#wh = [...initialWh];
    this.#nvs = [...initialWh];
    this.#todayStartWh = [...initialWh];
    this.#yesterdayWh = initialWh.map(() => 0);
    this.#lastPeriodWh = [...initialWh];
    this.totalStartTime = totalStartTime;
  }

  /** Adds `powerW` drawn for `dtMs` on each channel (negative power is not import: ignored). */
  integrate(powerW: readonly number[], dtMs: number): void {
    for (let i = 0; i < this.#wh.length; i++) {
      const p = powerW[i] ?? 0;
      if (p > 0 && dtMs > 0) this.#wh[i] = this.#wh[i]! + (p * dtMs) / 3_600_000;
      if (this.#wh[i]! >= ENERGY_WRAP_WH) this.#wrap(i);
      if (Math.floor(this.#wh[i]!) !== Math.floor(this.#nvs[i]!)) this.#nvs[i] = this.#wh[i]!;
    }
  }

  /** Whole Wh as the board prints them. */
  counters(): number[] {
    return this.#wh.map((v) => Math.floor(v));
  }

  /** Whether there is anything in NVS to restore (a new board starts at 0 with nothing stored). */
  hasStoredValue(): boolean {
    return this.#nvs.some((v) => v > 0);
  }

  /** After a reset: reload from NVS (what the board had persisted). */
  restore(): void {
    for (let i = 0; i < this.#wh.length; i++) this.#wh[i] = this.#nvs[i]!;
  }

  /** NVS lost (erased/corrupted): the counters restart from zero. */
  lose(): void {
    this.reset(this.#wh.map(() => 0));
  }

  /** `EnergyReset` command or NVS loss: set every channel. */
  reset(values: number[]): void {
    for (let i = 0; i < this.#wh.length; i++) {
      const v = values[i] ?? 0;
      this.#wh[i] = v;
      this.#nvs[i] = v;
      this.#todayStartWh[i] = v;
      this.#lastPeriodWh[i] = v;
    }
  }

  /** The register wraps to zero, keeping the part above the cap (a PZEM at 9999.99 kWh). */
  rollover(): void {
    for (let i = 0; i < this.#wh.length; i++) this.#wrap(i, true);
  }

  #wrap(i: number, force = false): void {
    const v = this.#wh[i]!;
    const wrapped = force ? v - Math.floor(v) : v - ENERGY_WRAP_WH;
    this.#wh[i] = wrapped;
    this.#nvs[i] = wrapped;
    this.#todayStartWh[i] = this.#todayStartWh[i]! - (v - wrapped);
    this.#lastPeriodWh[i] = this.#lastPeriodWh[i]! - (v - wrapped);
  }

  /** Rolls Today into Yesterday at local midnight. */
  observeDay(dayIndex: number): void {
    if (this.#dayIndex === undefined) this.#dayIndex = dayIndex;
    if (dayIndex === this.#dayIndex) return;
    const gap = dayIndex - this.#dayIndex;
    this.#yesterdayWh =
      gap === 1 ? this.#wh.map((v, i) => v - this.#todayStartWh[i]!) : this.#wh.map(() => 0);
    this.#todayStartWh = [...this.#wh];
    this.#dayIndex = dayIndex;
  }

  todayWh(): number[] {
    return this.#wh.map((v, i) => Math.max(0, v - this.#todayStartWh[i]!));
  }

  yesterdayWh(): number[] {
    return [...this.#yesterdayWh];
  }

  /** Wh since the previous call (Tasmota `Period`). */
  takePeriodWh(): number[] {
    const out = this.#wh.map((v, i) => Math.max(0, v - this.#lastPeriodWh[i]!));
    this.#lastPeriodWh = [...this.#wh];
    return out;
  }
}
