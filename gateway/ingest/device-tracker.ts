import { estimateBootS, localTimeToEpochMs } from '../../shared/protocol/normalize.ts';
import type { Observation } from '../../shared/protocol/observation.ts';
import { BOARD_FLAGS, MIN_READING_TS } from '../../shared/schemas/reading.ts';

/**
 * Boot identity and sequence numbering per device. A reading is identified by (device, boot, seq): `boot`
 * is the Unix second at which the board's current boot started, estimated ONCE at the first reading of
 * that boot (`estimateBootS`) and then kept for every reading of the boot, so the key never drifts.
 *
 * When does a new boot start?
 * - a boot banner (`# AICSS fw=… id=… boot`) was seen for the device since its last reading, or an MQTT
 *   STATE whose uptime went backwards (reason `banner` for both);
 * - or there is evidence the board restarted (uptime went backwards, the sequence dropped, or a reset
 *   reason `rst` is present) AND the estimated start of the boot is not before the last reading we have
 *   of the current boot. The second half is what tells a restart from a re-delivery: a board cannot be in
 *   two boots at once, so a message whose uptime says the board was already running when we received the
 *   last reading of the current boot belongs to the current boot (an MQTT QoS 1 re-send after a gateway
 *   crash, an out-of-order message), and the store de-duplicates it;
 * - or the estimated start is clearly after the last reading we have (the board rebooted while we did not
 *   hear it, whatever its sequence says).
 * A `MSG` that wraps at 2³² while the uptime keeps growing is therefore not a reboot.
 *
 * Sources without a sequence number (the original firmware's line and JSON, Tasmota) are numbered here:
 * last + 1, continuing after a restart from the store.
 */

/** Clock and latency error tolerated when comparing a boot's estimated start with a reading time, s. */
const BOOT_SLACK_S = 5;

export interface DeviceBootState {
  device: string;
  boot: number;
  /** Highest sequence seen in this boot. */
  seq: number;
  /** Latest reading time in this boot, epoch ms. */
  ts: number;
  /** Uptime at the highest sequence, s. */
  uptimeS?: number;
}

export interface TrackInput {
  device: string;
  observation: Observation;
  receivedAt: number;
  /** Board clock more than this far ahead of the gateway is not trusted (same rule as `toReading`). */
  maxFutureMs?: number;
  /** IANA zone for a local board time without a zone (Tasmota `Time`). */
  timeZone?: string;
}

export interface TrackResult {
  boot: number;
  /** Sequence to pass to `toReading` for sources without one; undefined when the observation has one. */
  seq?: number;
  newBoot: boolean;
  /** Why a new boot was decided (logs, tests). */
  reason?: 'banner' | 'first' | 'restart' | 'unheard-restart';
}

interface State extends DeviceBootState {
  bannerPending: boolean;
  /** Uptime in the device's last STATE message (Tasmota sends uptime there, not in SENSOR). */
  stateUptimeS?: number;
}

export class DeviceTracker {
  readonly #devices = new Map<string, State>();

  /** Restores the state from the store: the last reading of each device's latest boot. */
  restore(rows: readonly DeviceBootState[]): void {
    for (const r of rows) {
      const prev = this.#devices.get(r.device);
      if (prev && (prev.boot > r.boot || (prev.boot === r.boot && prev.seq >= r.seq))) continue;
      this.#devices.set(r.device, { ...r, bannerPending: false });
    }
  }

  /** A boot banner: the next reading of the device starts a new boot. */
  noteBanner(device: string): void {
    const s = this.#devices.get(device);
    if (s) s.bannerPending = true;
    else this.#devices.set(device, { device, boot: -1, seq: -1, ts: 0, bannerPending: true });
  }

  /**
   * Uptime from a STATE message. When it went backwards since the previous STATE, the board restarted:
   * the next reading starts a new boot (what a banner does on serial). Plugs whose SENSOR carries no
   * uptime get their restarts noticed this way.
   */
  noteStateUptime(device: string, uptimeS: number): void {
    const s = this.#devices.get(device);
    if (!s) {
      this.#devices.set(device, {
        device,
        boot: -1,
        seq: -1,
        ts: 0,
        bannerPending: false,
        stateUptimeS: uptimeS,
      });
      return;
    }
    if (s.stateUptimeS !== undefined && uptimeS < s.stateUptimeS) s.bannerPending = true;
    s.stateUptimeS = uptimeS;
  }

  get(device: string): DeviceBootState | undefined {
    const s = this.#devices.get(device);
    if (!s || s.boot < 0) return undefined;
    return { device: s.device, boot: s.boot, seq: s.seq, ts: s.ts, uptimeS: s.uptimeS };
  }

  devices(): DeviceBootState[] {
    return [...this.#devices.keys()].map((d) => this.get(d)).filter((s) => s !== undefined);
  }

  track(input: TrackInput): TrackResult {
    const { device, observation: o, receivedAt } = input;
    const { tsMs, fromBoard } = readingTime(o, receivedAt, input.maxFutureMs ?? 86_400_000, input.timeZone);
    const estBoot = estimateBootS(tsMs, o.uptimeS);
    // A record the board buffered during a link outage, stamped on arrival: its arrival time says nothing
    // about when it was taken, so the boot start cannot be estimated from it.
    const timeUseful = fromBoard || (o.boardFlags & BOARD_FLAGS.REPLAYED) === 0;
    const s = this.#devices.get(device);

    let newBoot = false;
    let reason: TrackResult['reason'];
    if (!s || s.boot < 0) {
      newBoot = true;
      reason = s?.bannerPending ? 'banner' : 'first';
    } else if (s.bannerPending) {
      newBoot = true;
      reason = 'banner';
    } else if (o.uptimeS !== undefined) {
      const lastS = Math.floor(s.ts / 1000);
      const evidence =
        (s.uptimeS !== undefined && o.uptimeS < s.uptimeS) ||
        (o.seq !== undefined && o.seq <= s.seq && !isWrap(s.seq, o.seq)) ||
        o.resetReason !== undefined;
      if (!timeUseful) {
        if (s.uptimeS !== undefined && o.uptimeS < s.uptimeS && (o.seq === undefined || o.seq <= s.seq)) {
          newBoot = true;
          reason = 'restart';
        }
      } else if (evidence && estBoot >= lastS - BOOT_SLACK_S) {
        newBoot = true;
        reason = 'restart';
      } else if (estBoot > lastS + BOOT_SLACK_S) {
        newBoot = true;
        reason = 'unheard-restart';
      }
    } else if (o.seq !== undefined && o.seq < s.seq && !isWrap(s.seq, o.seq)) {
      // No uptime to tell a re-send from a restart: a serial emonTx-style counter only drops on a restart.
      newBoot = true;
      reason = 'restart';
    } else if (o.resetReason !== undefined && o.seq !== undefined && o.seq <= s.seq) {
      newBoot = true;
      reason = 'restart';
    }

    const state: State =
      newBoot || !s ? { device, boot: estBoot, seq: -1, ts: 0, bannerPending: false } : (s as State);
    if (newBoot && s) state.boot = Math.max(estBoot, s.boot + 1);
    const seq = o.seq ?? state.seq + 1;
    const forward = seq > state.seq || isWrap(state.seq, seq);
    if (forward) {
      state.seq = seq;
      if (o.uptimeS !== undefined) state.uptimeS = o.uptimeS;
    }
    if (tsMs > state.ts) state.ts = tsMs;
    this.#devices.set(device, state);
    return { boot: state.boot, seq: o.seq === undefined ? seq : undefined, newBoot, reason };
  }
}

/** A sequence that restarted near zero from near 2³²: the board's counter wrapped. */
function isWrap(last: number, next: number): boolean {
  return last > 0xffff_ffff - 0x10_0000 && next < 0x10_0000;
}

/** The time a reading will carry: the board clock when it is synced and plausible, else the arrival time. */
function readingTime(
  o: Observation,
  receivedAt: number,
  maxFutureMs: number,
  timeZone: string | undefined,
): { tsMs: number; fromBoard: boolean } {
  const unsynced = (o.boardFlags & BOARD_FLAGS.CLOCK_UNSYNCED) !== 0 || o.epochS === 0;
  let ms: number | undefined;
  if (o.epochS !== undefined && o.epochS > 0) ms = o.epochS * 1000;
  else if (o.localTime !== undefined) ms = localTimeToEpochMs(o.localTime, timeZone ?? 'UTC');
  if (!unsynced && ms !== undefined && ms >= MIN_READING_TS && ms <= receivedAt + maxFutureMs)
    return { tsMs: ms, fromBoard: true };
  return { tsMs: receivedAt, fromBoard: false };
}
