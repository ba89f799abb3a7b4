import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSimulation } from '../../../firmware-sim/run-sim.ts';
import type { RecordEvent } from '../../../firmware-sim/sim-events.ts';
import { silentLogger } from '../../../shared/log.ts';
import { decodeAicssLine, encodeAicssLine } from '../../../shared/protocol/aicss-serial.ts';
import type { DecodeResult } from '../../../shared/protocol/decode-result.ts';
import { openPtyPair, type PtyPair } from '../../helpers/pty.ts';
import { openSerialReader, waitFor } from './serial-read-helpers.ts';

const T0 = Date.parse('2024-11-14T18:00:00Z');
const obsOf = (results: DecodeResult[]) =>
  results.flatMap((r) => (r.ok && r.kind === 'observation' ? [r.observation] : []));
const expected = (e: RecordEvent) => {
  const r = decodeAicssLine(encodeAicssLine(e.record).slice(0, -2));
  if (!r.ok || r.kind !== 'observation') throw new Error('own record did not decode');
  return r.observation;
};

describe('simulator → real pty (socat) → serialport + LineFramer', () => {
  let pty: PtyPair;
  beforeEach(async () => {
    pty = await openPtyPair();
  });
  afterEach(async () => {
    await pty.close();
  });

  it('decodes to exactly the readings sent, boot banners included (accelerated real time)', async () => {
    const reader = await openSerialReader(pty.b);
    const sent: RecordEvent[] = [];
    try {
      const stats = await runSimulation(
        {
          seed: 'pty-realtime',
          boards: 3,
          telePeriodS: 10,
          from: T0,
          durationMs: 5 * 60_000,
          speed: 600,
          out: [pty.a],
          onEvent: (e) => e.type === 'record' && sent.push(e),
        },
        { log: silentLogger() },
      );
      expect(stats.mode).toBe('realtime');
      await waitFor(() => obsOf(reader.results).length >= sent.length, 'all records on the pty');
      expect(sent.length).toBeGreaterThanOrEqual(80);
      expect(obsOf(reader.results)).toEqual(sent.map(expected));
      const banners = reader.results.flatMap((r) =>
        r.ok && r.kind === 'diagnostic' && r.banner ? [r.banner.device] : [],
      );
      expect(banners.sort()).toEqual([...stats.devices].sort());
      expect(reader.results.every((r) => r.ok)).toBe(true);
    } finally {
      await reader.close();
    }
  });

  it('survives a backfill burst with CRC faults: rejected exactly where corrupted, nothing else lost', async () => {
    const reader = await openSerialReader(pty.b);
    const sent: RecordEvent[] = [];
    try {
      await runSimulation(
        {
          seed: 'pty-backfill',
          boards: 2,
          telePeriodS: 60,
          from: T0,
          to: T0 + 12 * 3_600_000,
          faults: { crc: { rate: 0.05 } },
          out: [pty.a],
          onEvent: (e) => e.type === 'record' && sent.push(e),
        },
        { log: silentLogger() },
      );
      const corrupted = sent.filter((e) => e.wire.some((w) => w.kind === 'crc'));
      const clean = sent.filter((e) => !e.wire.some((w) => w.kind === 'crc'));
      await waitFor(() => obsOf(reader.results).length >= clean.length, 'all clean records on the pty');
      expect(corrupted.length).toBeGreaterThan(20);
      expect(obsOf(reader.results)).toEqual(clean.map(expected));
      expect(reader.results.filter((r) => !r.ok && r.code === 'crc_mismatch').length).toBe(corrupted.length);
    } finally {
      await reader.close();
    }
  });
});
