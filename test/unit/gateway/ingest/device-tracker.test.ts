import { describe, expect, it } from 'vitest';
import { DeviceTracker } from '../../../../gateway/ingest/device-tracker.ts';
import { emptyObservation, type Observation } from '../../../../shared/protocol/observation.ts';
import { BOARD_FLAGS } from '../../../../shared/schemas/reading.ts';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0); // gateway clock at the first reading
const BOOT_S = T0 / 1000 - 100; // the board booted 100 s before

function obs(p: Partial<Observation>): Observation {
  return { ...emptyObservation(), ...p };
}

/** A synced AICSS record of the boot that started at `bootS`. */
function rec(seq: number, uptimeS: number, bootS = BOOT_S, extra: Partial<Observation> = {}): Observation {
  return obs({ seq, uptimeS, epochS: bootS + uptimeS, ...extra });
}

describe('DeviceTracker', () => {
  it('estimates the boot once, at the first reading, and keeps it for the whole boot', () => {
    const t = new DeviceTracker();
    const first = t.track({ device: 'd1', observation: rec(0, 100), receivedAt: T0 });
    expect(first).toMatchObject({ boot: BOOT_S, newBoot: true, reason: 'first' });
    // Gateway-stamped readings drift by the link latency; the boot must not follow them.
    const unsynced = obs({ seq: 1, uptimeS: 110, epochS: 0, boardFlags: BOARD_FLAGS.CLOCK_UNSYNCED });
    const next = t.track({ device: 'd1', observation: unsynced, receivedAt: T0 + 10_700 });
    expect(next).toEqual({ boot: BOOT_S, newBoot: false });
  });

  it('starts a new boot when the sequence restarts with a small uptime and a reset reason', () => {
    const t = new DeviceTracker();
    t.track({ device: 'd1', observation: rec(0, 100), receivedAt: T0 });
    t.track({ device: 'd1', observation: rec(50, 600), receivedAt: T0 + 500_000 });
    const rebootS = BOOT_S + 700;
    const r = t.track({
      device: 'd1',
      observation: rec(0, 2, rebootS, { resetReason: 9 }),
      receivedAt: T0 + 602_000,
    });
    expect(r).toMatchObject({ boot: rebootS, newBoot: true, reason: 'restart' });
  });

  it('does not take a MSG wrap at 2^32 with a growing uptime for a reboot', () => {
    const t = new DeviceTracker();
    const nearEnd = 0xffff_ffff - 1;
    const longAgoS = T0 / 1000 - 5_000_000;
    t.track({ device: 'd1', observation: rec(nearEnd, 5_000_000, longAgoS), receivedAt: T0 });
    const wrapped = t.track({
      device: 'd1',
      observation: rec(1, 5_000_010, longAgoS),
      receivedAt: T0 + 10_000,
    });
    expect(wrapped).toEqual({ boot: longAgoS, newBoot: false });
    expect(t.get('d1')).toMatchObject({ seq: 1, uptimeS: 5_000_010 });
  });

  it('files a re-delivered older message (QoS 1 re-send after a restart) under the current boot', () => {
    const t = new DeviceTracker();
    t.restore([{ device: 'd1', boot: BOOT_S, seq: 100, ts: (BOOT_S + 1000) * 1000, uptimeS: 1000 }]);
    const replay = t.track({ device: 'd1', observation: rec(95, 950), receivedAt: (BOOT_S + 1003) * 1000 });
    expect(replay).toEqual({ boot: BOOT_S, newBoot: false });
    // Even stamped by the gateway (board clock unset), a few seconds late.
    const gwStamped = obs({ seq: 96, uptimeS: 960, epochS: 0 });
    expect(t.track({ device: 'd1', observation: gwStamped, receivedAt: (BOOT_S + 1004) * 1000 })).toEqual({
      boot: BOOT_S,
      newBoot: false,
    });
    expect(t.get('d1')?.seq).toBe(100);
  });

  it('starts a new boot after a banner, even when nothing in the reading says so', () => {
    const t = new DeviceTracker();
    t.track({ device: 'd1', observation: rec(10, 200), receivedAt: T0 });
    t.noteBanner('d1');
    const r = t.track({ device: 'd1', observation: rec(11, 210), receivedAt: T0 + 10_000 });
    expect(r.newBoot).toBe(true);
    expect(r.reason).toBe('banner');
    expect(r.boot).toBeGreaterThan(BOOT_S);
    expect(t.track({ device: 'd1', observation: rec(12, 220), receivedAt: T0 + 20_000 }).newBoot).toBe(false);
  });

  it('notices a reboot it did not hear: the boot started after the last reading it has', () => {
    const t = new DeviceTracker();
    t.track({ device: 'd1', observation: rec(5, 150), receivedAt: T0 });
    const laterBootS = BOOT_S + 4000;
    const r = t.track({
      device: 'd1',
      observation: rec(300, 3000, laterBootS),
      receivedAt: (laterBootS + 3000) * 1000,
    });
    expect(r).toMatchObject({ boot: laterBootS, newBoot: true, reason: 'unheard-restart' });
  });

  it('numbers readings of sources without a sequence and continues after a restore', () => {
    const t = new DeviceTracker();
    const legacy = () => obs({ lightRaw: 1200 });
    const seqs = [0, 1, 2].map((i) =>
      t.track({ device: 'lg', observation: legacy(), receivedAt: T0 + i * 1000 }),
    );
    expect(seqs.map((s) => s.seq)).toEqual([0, 1, 2]);
    expect(new Set(seqs.map((s) => s.boot)).size).toBe(1);

    const restored = new DeviceTracker();
    restored.restore([{ device: 'lg', boot: seqs[0]!.boot, seq: 41, ts: T0 }]);
    expect(restored.track({ device: 'lg', observation: legacy(), receivedAt: T0 + 60_000 })).toEqual({
      boot: seqs[0]!.boot,
      seq: 42,
      newBoot: false,
    });
  });

  it('without an uptime, a sequence drop is a restart and a repeat is the same boot', () => {
    const t = new DeviceTracker();
    const emon = (seq: number) => obs({ seq });
    t.track({ device: 'em', observation: emon(500), receivedAt: T0 });
    expect(t.track({ device: 'em', observation: emon(500), receivedAt: T0 + 1000 }).newBoot).toBe(false);
    const r = t.track({ device: 'em', observation: emon(0), receivedAt: T0 + 2000 });
    expect(r.newBoot).toBe(true);
  });

  it('gives two boots that start in the same second distinct identities', () => {
    const t = new DeviceTracker();
    t.noteBanner('d1');
    const a = t.track({ device: 'd1', observation: obs({ seq: 0 }), receivedAt: T0 });
    t.noteBanner('d1');
    const b = t.track({ device: 'd1', observation: obs({ seq: 0 }), receivedAt: T0 + 200 });
    expect(a.reason).toBe('banner');
    expect(b.boot).toBe(a.boot + 1);
  });

  it('keeps the newest boot per device when restoring several rows', () => {
    const t = new DeviceTracker();
    t.restore([
      { device: 'd1', boot: 200, seq: 3, ts: T0 },
      { device: 'd1', boot: 100, seq: 900, ts: T0 - 1 },
      { device: 'd2', boot: 50, seq: 1, ts: T0 },
    ]);
    expect(t.get('d1')).toMatchObject({ boot: 200, seq: 3 });
    expect(
      t
        .devices()
        .map((d) => d.device)
        .sort(),
    ).toEqual(['d1', 'd2']);
  });

  it('starts a new boot after a STATE whose uptime went backwards (a plug that sends no uptime in SENSOR)', () => {
    const t = new DeviceTracker();
    const plug = () => obs({ voltageV: 127, localTime: '2025-06-01T09:00:00' });
    t.noteStateUptime('plug', 3000);
    const first = t.track({ device: 'plug', observation: plug(), receivedAt: T0 });
    t.noteStateUptime('plug', 3300);
    expect(t.track({ device: 'plug', observation: plug(), receivedAt: T0 + 300_000 })).toMatchObject({
      newBoot: false,
      seq: 1,
    });
    t.noteStateUptime('plug', 20);
    const after = t.track({ device: 'plug', observation: plug(), receivedAt: T0 + 330_000 });
    expect(after).toMatchObject({ newBoot: true, reason: 'banner', seq: 0 });
    expect(after.boot).toBeGreaterThan(first.boot);
  });
});
