import { BOARD_FLAGS } from '../shared/schemas/reading.ts';
import type { LocalTime } from './clock.ts';
import { LDR_MAX_HEALTHY, LDR_MIN_HEALTHY, type LdrModel, sampleLight, type Weather } from './daylight.ts';
import { Dht22 } from './dht22.ts';
import { EnergyMeter } from './energy-meter.ts';
import { FaultState } from './fault-state.ts';
import type { FaultName, FaultSettings } from './faults.ts';
import { measureCircuits } from './front-end.ts';
import { EXTERNAL_LAMP, INTERNAL_LAMP, instantiateLamp, type LampSpec } from './lamp-circuits.ts';
import { lampLogic } from './lamp-logic.ts';
import { LinkStage } from './link-stage.ts';
import { Mains } from './mains.ts';
import { Occupancy } from './occupancy.ts';
import { buildRecord } from './record-builder.ts';
import { Rng } from './rng.ts';
import { restartReasonText, type SimEvent, type WireFault } from './sim-events.ts';
import { temperatureFields } from './temperature-faults.ts';

/**
 * One AICSS board: the original "Lumion" control loop (external lamp on when dark, internal lamp on when dark
 * and someone within range) plus the energy front-end, run at TelePeriod. `step()` advances the board to its
 * next due instant and returns what it did then (boot, power loss, record). Everything random comes from the
 * board's own seeded streams.
 */

export interface Site {
  lat: number;
  lon: number;
}

export interface BoardConfig {
  index: number;
  device: string;
  seed: string;
  powerOnMs: number;
  telePeriodMs: number;
  firmware: string;
  /** Original firmware: an echo timeout reads 0 cm and counts as presence. */
  legacy: boolean;
  faults: FaultSettings;
  site: Site;
  local: LocalTime;
  weather: Weather;
}

/** First record after a boot: the example line of protocol.md §4.1 has `up:2`. */
const FIRST_RECORD_MS = 2000;
/** The DHT22 needs ~2 s after power-up before its first valid read. */
const DHT_READY_MS = 2500;
/** ESP-IDF esp_reset_reason codes (protocol.md §4.1). */
export const RESET = { POWERON: 1, SW: 3, PANIC: 4, TASK_WDT: 6, BROWNOUT: 9 } as const;
const MSG_WRAP_JUMP = 4_294_967_290;

const TEMP_SENTINEL_VARIANTS = 7;

export class Board {
  readonly index: number;
  readonly device: string;
  nextAtMs: number;
  readonly #cfg: BoardConfig;
  readonly #rng: Rng;
  readonly #physics: Rng;
  readonly #faults: FaultState;
  readonly #link = new LinkStage();
  readonly #occupancy: Occupancy;
  readonly #mains: Mains;
  readonly #dht: Dht22;
  readonly #energy: EnergyMeter;
  readonly #ldr: LdrModel;
  readonly #lamps: readonly [LampSpec, LampSpec];
  readonly #rssiBase: number;

  #on = false;
  #bootMs = 0;
  #msg = 0;
  #pendingReset: number = RESET.POWERON;
  #resetReason: number = RESET.POWERON;
  #firstRecord = true;
  #restored = false;
  #nvsLost = false;
  #bootLoops = 0;
  #clockSyncMs = 0;
  #lastSampleMs = 0;
  #lastPowerW: number[] = [0, 0];
  #telePeriodMs: number;
  ldrThreshold = 2000;
  distThresholdCm = 100;
  #last: { T1?: number; RH1?: number; ldr: number } = { ldr: 0 };
  #frozen: { T1?: number; RH1?: number; ldr: number } | undefined;
  /** Counters for tests and the run summary. */
  readonly stats = { records: 0, boots: 0, emitted: 0 };

  constructor(cfg: BoardConfig) {
    this.#cfg = cfg;
    this.index = cfg.index;
    this.device = cfg.device;
    this.nextAtMs = cfg.powerOnMs;
    this.#telePeriodMs = cfg.telePeriodMs;
    this.#rng = new Rng(`${cfg.seed}/board/${cfg.index}`);
    this.#physics = this.#rng.fork('physics');
    this.#faults = new FaultState(cfg.faults, this.#rng);
    const traits = this.#rng.fork('traits');
    this.#occupancy = new Occupancy(this.#rng.fork('occupancy'), {
      activity: traits.uniform(0.6, 1.4),
      backgroundCm: traits.uniform(150, 350),
    });
    this.#mains = new Mains(cfg.seed, this.#rng.fork('mains'));
    this.#dht = new Dht22(`${cfg.seed}/${cfg.index}`, this.#rng.fork('dht'));
    this.#ldr = { gain: traits.uniform(0.8, 1.1) };
    this.#lamps = [instantiateLamp(INTERNAL_LAMP, traits), instantiateLamp(EXTERNAL_LAMP, traits)];
    this.#rssiBase = traits.uniform(45, 90);
    // A board that has run before: its NVS already holds some history.
    const initial = [Math.floor(traits.uniform(0, 60_000)), Math.floor(traits.uniform(0, 150_000))];
    this.#energy = new EnergyMeter(
      initial,
      new Date(cfg.powerOnMs - traits.int(30, 400) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    );
  }

  get telePeriodS(): number {
    return this.#telePeriodMs / 1000;
  }

  /** TelePeriod command: applies from the record after the next one. */
  setTelePeriodS(s: number): void {
    this.#telePeriodMs = s * 1000;
  }

  energyReset(values: number[]): number[] {
    this.#energy.reset(values);
    return this.#energy.counters();
  }

  energyCounters(): number[] {
    return this.#energy.counters();
  }

  /** Records the board produced but that never reached the wire. */
  get lostRecords(): number {
    return this.#link.lost;
  }

  step(): SimEvent[] {
    const now = this.nextAtMs;
    return this.#on ? this.#recordStep(now) : this.#boot(now);
  }

  #boot(now: number): SimEvent[] {
    this.#on = true;
    this.#bootMs = now;
    this.#msg = 0;
    this.#firstRecord = true;
    this.#resetReason = this.#pendingReset;
    this.stats.boots++;
    if (this.#nvsLost) {
      this.#energy.lose();
      this.#restored = false;
      this.#nvsLost = false;
    } else {
      this.#restored = this.#energy.hasStoredValue();
      this.#energy.restore();
    }
    const ntpDelayS =
      this.#resetReason === RESET.BROWNOUT ? this.#physics.uniform(30, 180) : this.#physics.uniform(3, 8);
    this.#clockSyncMs = now + ntpDelayS * 1000;
    this.#lastSampleMs = now;
    this.#lastPowerW = [0, 0];
    this.nextAtMs = now + FIRST_RECORD_MS;
    return [
      {
        type: 'boot',
        atMs: now,
        board: this.index,
        device: this.device,
        firmware: this.#cfg.firmware,
        resetReason: this.#resetReason,
        telePeriodS: this.telePeriodS,
      },
    ];
  }

  #powerLoss(now: number, cause: 'brownout' | 'hang' | 'panic', offMs: number, reason: number): SimEvent[] {
    // The lamps were on until the power went: that energy counts (the meter saw it).
    this.#energy.integrate(this.#lastPowerW, now - this.#lastSampleMs);
    this.#link.dropAll();
    this.#on = false;
    this.#pendingReset = reason;
    this.nextAtMs = now + Math.max(1000, Math.round(offMs));
    return [{ type: 'power-loss', atMs: now, board: this.index, device: this.device, cause }];
  }

  #chooseParams = (name: FaultName, rng: Rng): Record<string, number> => {
    switch (name) {
      case 'lamp-burnt':
        return { ch: rng.int(0, 1) };
      case 'overcurrent':
        return { ch: rng.int(0, 1), i: rng.uniform(8, 16), pf: rng.uniform(0.7, 0.9) };
      case 'ct-clip':
        return { ch: rng.int(0, 1), i: rng.uniform(6, 12), pf: rng.uniform(0.8, 0.95) };
      case 'noise':
        return { ch: rng.int(0, 1), i: rng.uniform(0.13, 0.5), p: rng.uniform(0, 12) };
      case 'scale':
        return { k: rng.chance(0.5) ? 4 : 3.7 };
      case 'sag':
        return { v: rng.uniform(96, 109) };
      case 'swell':
        return { v: rng.uniform(136, 146) };
      case 'temp-sentinel':
        return { variant: rng.int(0, TEMP_SENTINEL_VARIANTS - 1) };
      default:
        return {};
    }
  };

  #recordStep(now: number): SimEvent[] {
    const faults = this.#faults;
    faults.roll(now, this.#chooseParams);
    const rb = this.#physics;
    if (this.#bootLoops > 0 && this.#firstRecord) {
      // espressif/arduino-esp32#5484: the brownout comes back when Wi-Fi starts, boot after boot.
      this.#bootLoops--;
      return this.#powerLoss(now, 'brownout', rb.uniform(1000, 4000), RESET.BROWNOUT);
    }
    if (faults.fired('brownout')) {
      if (faults.rng('brownout')!.chance(0.3)) this.#bootLoops = faults.rng('brownout')!.int(1, 3);
      return this.#powerLoss(now, 'brownout', rb.uniform(1000, 4000), RESET.BROWNOUT);
    }
    if (faults.fired('nvs-loss')) {
      this.#nvsLost = true;
      return this.#powerLoss(now, 'panic', rb.uniform(1000, 3000), RESET.PANIC);
    }
    const hang = faults.active('hang');
    if (hang && faults.started('hang'))
      return this.#powerLoss(now, 'hang', hang.endsMs - now, RESET.TASK_WDT);

    const lp = this.#cfg.local.parts(now);
    const upMs = now - this.#bootMs;
    let flags = 0;

    // Light: 5-sample mean of the LDR divider.
    const light = sampleLight(now, this.#cfg.site, this.#cfg.weather, lp.dayOfYear, this.#ldr);
    let ldr = Math.round(
      Math.min(LDR_MAX_HEALTHY, Math.max(LDR_MIN_HEALTHY, light.ldrIdeal + rb.normal(0, 6))),
    );
    if (faults.active('ldr-sat')) ldr = ldr < 2000 ? 0 : 4095;
    if (faults.started('stuck')) this.#frozen = { ...this.#last };
    const stuck = faults.active('stuck') && this.#frozen ? this.#frozen : undefined;
    if (!faults.active('stuck')) this.#frozen = undefined;
    if (stuck) ldr = stuck.ldr;
    if (ldr === 0 || ldr === 4095) flags |= BOARD_FLAGS.LDR_SATURATED;

    // Distance: HC-SR04, whole cm.
    const trueCm = this.#occupancy.step(now, lp.hour, lp.weekday);
    let dist: number | undefined = Math.max(2, Math.round(trueCm + rb.normal(0, 0.4)));
    if (faults.active('dist-timeout')) {
      dist = undefined;
      flags |= BOARD_FLAGS.DIST_TIMEOUT;
    }
    const lamps = lampLogic({
      ldr,
      distCm: dist,
      legacy: this.#cfg.legacy,
      ldrThreshold: this.ldrThreshold,
      distThresholdCm: this.distThresholdCm,
    });
    const ledIn = lamps.internal;
    const ledExt = lamps.external;

    // Mains and the two lamp circuits.
    let v = this.#mains.voltage(now, lp.hour);
    const f = this.#mains.frequency();
    const sag = faults.active('sag') ?? faults.active('swell');
    if (sag) v = sag.params.v! + rb.normal(0, 0.3);
    const m = measureCircuits({ v, on: [ledIn, ledExt], lamps: this.#lamps, faults, rng: rb });
    flags |= m.flags;

    // Energy: the interval since the last record at the power measured then.
    this.#energy.integrate(this.#lastPowerW, now - this.#lastSampleMs);
    this.#lastPowerW = m.channels.map((c) => c.powerW);
    this.#lastSampleMs = now;
    if (faults.fired('rollover')) this.#energy.rollover();
    this.#energy.observeDay(lp.dayIndex);
    const energyWh = this.#energy.counters();

    const nanFields: string[] = [];
    const up = Math.floor(upMs / 1000);
    const synced = now >= this.#clockSyncMs && !faults.active('unsynced');
    const t = faults.active('clock1970') ? up : synced ? Math.floor(now / 1000) : 0;
    if (t === 0) flags |= BOARD_FLAGS.CLOCK_UNSYNCED;
    const meterFail = faults.active('meter-fail') !== undefined;
    if (meterFail) flags |= BOARD_FLAGS.METER_COMM_FAIL;

    // Temperature and humidity.
    const dht = this.#dht.read(now, lp.hour, lp.dayOfYear, light.cloudCover);
    const temp = temperatureFields({
      reading: upMs >= DHT_READY_MS ? dht : undefined,
      faults,
      stuck,
      sentinelVariant: faults.active('temp-sentinel')?.params.variant,
    });
    flags |= temp.flags;
    if (this.#firstRecord && this.#restored) flags |= BOARD_FLAGS.ENERGY_RESTORED;

    if (faults.fired('msg-wrap')) this.#msg = MSG_WRAP_JUMP;
    const rec = buildRecord(
      {
        msg: this.#msg,
        t,
        up,
        rst: this.#firstRecord ? this.#resetReason : undefined,
        meter: meterFail ? undefined : m,
        frequencyHz: f,
        energyWh,
        meterNan: faults.active('meter-nan') !== undefined,
        T1: temp.T1,
        RH1: temp.RH1,
        ldr,
        dist,
        ledIn,
        ledExt,
        st: flags,
      },
      nanFields,
    );
    nanFields.push(...temp.nanFields);
    this.#msg = (this.#msg + 1) >>> 0;

    if (!stuck) {
      const t = upMs >= DHT_READY_MS ? { T1: dht.temperatureC, RH1: dht.humidityPct } : this.#last;
      this.#last = {
        ldr,
        ...(t.T1 !== undefined && { T1: t.T1 }),
        ...(t.RH1 !== undefined && { RH1: t.RH1 }),
      };
    }
    const wasFirst = this.#firstRecord;
    this.#firstRecord = false;
    this.stats.records++;
    this.nextAtMs = now + this.#telePeriodMs;

    const restartReason = restartReasonText(this.#resetReason);
    const events = this.#link.process(
      {
        type: 'record',
        atMs: now,
        board: this.index,
        device: this.device,
        record: rec,
        nanFields,
        sensor: {
          totalStartTime: this.#energy.totalStartTime,
          todayWh: this.#energy.todayWh(),
          yesterdayWh: this.#energy.yesterdayWh(),
          periodWh: this.#energy.takePeriodWh(),
          ...(wasFirst && { restartReason }),
        },
        legacy: { luz: ldr, distCm: dist ?? 0 },
        diag: {
          heapKb: 150 + rb.int(0, 40),
          wifiRssiPct: Math.round(Math.min(100, Math.max(0, this.#rssiBase + rb.normal(0, 4)))),
          wifiSignalDbm: Math.round(this.#rssiBase / 2 - 100),
          restartReason,
        },
        wire: this.#wireFaults(),
      },
      faults,
    );
    this.stats.emitted += events.length;
    return events;
  }

  #wireFaults(): WireFault[] {
    const faults = this.#faults;
    const out: WireFault[] = [];
    if (faults.fired('encoding')) out.push({ kind: 'encoding' });
    if (faults.fired('garbage')) {
      const g = faults.rng('garbage')!;
      out.push({ kind: 'garbage', bytes: g.bytes(g.int(1, 40)), at: g.chance(0.5) ? 'before' : g.next() });
    }
    if (faults.fired('crc')) out.push({ kind: 'crc', at: faults.rng('crc')!.next() });
    if (faults.fired('truncate')) {
      const g = faults.rng('truncate')!;
      out.push({ kind: 'truncate', keep: g.uniform(0.1, 0.9), crlf: g.chance(0.5) });
    }
    if (faults.fired('overlong'))
      out.push({ kind: 'overlong', totalBytes: faults.rng('overlong')!.int(300, 700) });
    return out;
  }
}
