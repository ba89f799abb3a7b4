/**
 * Counters of the ingest path since start: what came in, what was stored, and every rejection by code,
 * per source and per device. Plain numbers on the hot path; `/metrics`, `/status` and the sync status
 * report read them when asked (prom-client label lookups per reading would cost more than the decode).
 */

export type Outcome = 'stored' | 'duplicate' | 'refused';

export interface DeviceStats {
  device: string;
  /** Arrival time of the latest reading stored or de-duplicated, epoch ms. */
  lastSeenAt: number | null;
  stored: number;
  rejectedByCode: Record<string, number>;
  online?: boolean;
  lastBootAt?: number;
  resetReason?: string;
  firmware?: string;
}

export interface SourceStats {
  source: string;
  received: number;
  stored: number;
  duplicate: number;
  refused: number;
  rejectedByCode: Record<string, number>;
}

export class IngestStats {
  readonly #sources = new Map<string, SourceStats>();
  readonly #devices = new Map<string, DeviceStats>();

  #source(source: string): SourceStats {
    let s = this.#sources.get(source);
    if (!s) {
      s = { source, received: 0, stored: 0, duplicate: 0, refused: 0, rejectedByCode: {} };
      this.#sources.set(source, s);
    }
    return s;
  }

  device(device: string): DeviceStats {
    let d = this.#devices.get(device);
    if (!d) {
      d = { device, lastSeenAt: null, stored: 0, rejectedByCode: {} };
      this.#devices.set(device, d);
    }
    return d;
  }

  received(source: string): void {
    this.#source(source).received++;
  }

  outcome(source: string, device: string, outcome: Outcome, at: number): void {
    this.#source(source)[outcome]++;
    if (outcome === 'refused') return;
    const d = this.device(device);
    if (outcome === 'stored') d.stored++;
    if (d.lastSeenAt === null || at > d.lastSeenAt) d.lastSeenAt = at;
  }

  rejected(source: string, device: string | undefined, code: string): void {
    const s = this.#source(source);
    s.rejectedByCode[code] = (s.rejectedByCode[code] ?? 0) + 1;
    if (device === undefined) return;
    const d = this.device(device);
    d.rejectedByCode[code] = (d.rejectedByCode[code] ?? 0) + 1;
  }

  sources(): SourceStats[] {
    return [...this.#sources.values()].map((s) => ({ ...s, rejectedByCode: { ...s.rejectedByCode } }));
  }

  devices(): DeviceStats[] {
    return [...this.#devices.values()].map((d) => ({ ...d, rejectedByCode: { ...d.rejectedByCode } }));
  }

  /** Rejections summed over every source, by code. */
  rejectedByCode(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.#sources.values())
      for (const [code, n] of Object.entries(s.rejectedByCode)) out[code] = (out[code] ?? 0) + n;
    return out;
  }

  totals(): { received: number; stored: number; duplicate: number; refused: number; rejected: number } {
    const t = { received: 0, stored: 0, duplicate: 0, refused: 0, rejected: 0 };
    for (const s of this.#sources.values()) {
      t.received += s.received;
      t.stored += s.stored;
      t.duplicate += s.duplicate;
      t.refused += s.refused;
      for (const n of Object.values(s.rejectedByCode)) t.rejected += n;
    }
    return t;
  }
}
