import type { AlertRule, AlertSeverity } from '../../shared/schemas/sync.ts';

/** One evaluation of one rule for one subject (a device, a channel, a lamp, a flag). */
export interface Observation {
  rule: AlertRule;
  device: string | null;
  /** Distinguishes several alerts of one rule on one device (`ch1`, `internal`, `TEMP_FAIL`). */
  subject: string;
  severity: AlertSeverity;
  /** The value is beyond the threshold. */
  breach: boolean;
  /** The value is back inside the threshold by the hysteresis margin. */
  recovered: boolean;
  /** The condition no longer applies at all (lamp switched off, new day): clear at once. */
  resolved?: boolean;
  value: number | null;
  threshold: number | null;
  /**
   * Builds the alert text, only when one is raised. A module-level function, not a closure: rules run
   * on every reading, and formatting or allocating per reading would cost more than the rules.
   */
  describe: (o: Observation) => string;
  /** Nominal voltage of the voltage rules (for the text). */
  nominal?: number;
  /** Fixed text of a one-shot alert. */
  text?: string;
  /** Breach must hold this long to raise, and recovery this long to clear. */
  minDurationMs: number;
}

export type Transition =
  | { kind: 'raise'; obs: Observation }
  | { kind: 'clear'; obs: Observation; id: string };

interface EpisodeState {
  breachSince: number | null;
  recoverSince: number | null;
  activeId: string | null;
}

export function alertKey(rule: string, device: string | null, subject: string): string {
  return `${rule}:${device ?? '-'}:${subject}`;
}

/** The device of an `alertKey` (device ids and rule names hold no `:`), null for gateway-wide alerts. */
function deviceOfKey(key: string): string | null {
  const a = key.indexOf(':');
  const device = key.slice(a + 1, key.indexOf(':', a + 1));
  return device === '-' ? null : device;
}

/**
 * The raised/cleared lifecycle of every (rule, device, subject), without storms:
 * - raise only after the breach held `minDurationMs` without interruption, once per episode;
 * - clear only after the value was back inside threshold ∓ hysteresis for `minDurationMs` (or at once
 *   when the condition no longer applies), so a value flapping around the threshold neither re-raises
 *   nor clears;
 * - the caller applies the per-device hourly cap (`allowRaise`); a held-back raise stays pending and
 *   fires when the cap allows, if the breach still holds.
 */
export class EpisodeTracker {
  readonly #states = new Map<string, EpisodeState>();
  /** Episodes (pending or active) per device: a device with none skips its rules' idle subjects. */
  readonly #perDevice = new Map<string, number>();

  #set(key: string, s: EpisodeState): void {
    if (!this.#states.has(key)) {
      const device = deviceOfKey(key);
      if (device !== null) this.#perDevice.set(device, (this.#perDevice.get(device) ?? 0) + 1);
    }
    this.#states.set(key, s);
  }

  #delete(key: string): void {
    if (!this.#states.delete(key)) return;
    const device = deviceOfKey(key);
    if (device === null) return;
    const n = (this.#perDevice.get(device) ?? 1) - 1;
    if (n > 0) this.#perDevice.set(device, n);
    else this.#perDevice.delete(device);
  }

  /** Restores an alert that was active before a restart. */
  restore(key: string, id: string): void {
    this.#set(key, { breachSince: null, recoverSince: null, activeId: id });
  }

  /** Marks the episode of `key` as raised under `id` (after the caller persisted it). */
  raised(key: string, id: string): void {
    const s = this.#states.get(key);
    if (s) {
      s.activeId = id;
      s.recoverSince = null;
    } else this.#set(key, { breachSince: null, recoverSince: null, activeId: id });
  }

  cleared(key: string): void {
    this.#delete(key);
  }

  activeId(key: string): string | null {
    return this.#states.get(key)?.activeId ?? null;
  }

  /** Whether the key has a pending or active episode (the engine skips idle keys that cannot change). */
  has(key: string): boolean {
    return this.#states.has(key);
  }

  /**
   * Whether any rule of the device has a pending or active episode. When none has, an observation that is
   * not a breach cannot change anything, so the rules need not build it (they run on every reading).
   */
  watching(device: string): boolean {
    return this.#perDevice.has(device);
  }

  observe(key: string, obs: Observation, now: number, allowRaise: () => boolean): Transition | undefined {
    let s = this.#states.get(key);
    if (!s) {
      if (!obs.breach) return undefined;
      s = { breachSince: null, recoverSince: null, activeId: null };
      this.#set(key, s);
    }
    if (s.activeId !== null) {
      if (obs.resolved) return { kind: 'clear', obs, id: s.activeId };
      if (!obs.recovered) {
        s.recoverSince = null;
        return undefined;
      }
      s.recoverSince ??= now;
      return now - s.recoverSince >= obs.minDurationMs ? { kind: 'clear', obs, id: s.activeId } : undefined;
    }
    if (!obs.breach || obs.resolved) {
      this.#delete(key);
      return undefined;
    }
    s.breachSince ??= now;
    if (now - s.breachSince < obs.minDurationMs) return undefined;
    return allowRaise() ? { kind: 'raise', obs } : undefined;
  }
}
