import { afterEach, describe, expect, it } from 'vitest';
import { BOARD_FLAGS } from '../../../../shared/schemas/reading.ts';
import { alertHarness, DEVICE, type Harness } from './alert-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ch = (powerW: number, currentA = 0.4, energyWh?: number) => ({
  currentA,
  powerW,
  ...(energyWh === undefined ? {} : { energyWh }),
});

describe('AlertEngine rules with fake time', () => {
  it('voltage 127 V: precarious after the minimum duration, critical below 110 V, both clear with hysteresis', async () => {
    h = await alertHarness({ voltage: { minDurationS: 60, hysteresisV: 1 } });
    h.feed({ voltageV: 127 }, 60);
    h.feed({ voltageV: 114 }, 50);
    expect(h.sink.raised()).toEqual([]);
    h.feed({ voltageV: 114 }, 20);
    expect(h.sink.raised().map((e) => e.rule)).toEqual(['voltage_precarious']);
    expect(h.sink.raised()[0]).toMatchObject({
      device: DEVICE,
      value: 114,
      threshold: 117,
      severity: 'warning',
    });
    h.feed({ voltageV: 105 }, 70);
    expect(h.sink.raised().map((e) => e.rule)).toEqual(['voltage_precarious', 'voltage_critical']);
    // 117.5 V is well inside the critical limits (clears) but not inside adequate by the 1 V hysteresis.
    h.feed({ voltageV: 117.5 }, 120);
    expect(h.sink.cleared().map((e) => e.rule)).toEqual(['voltage_critical']);
    h.feed({ voltageV: 127 }, 70);
    expect(h.sink.cleared().map((e) => e.rule)).toEqual(['voltage_critical', 'voltage_precarious']);
    const rows = h.t.buffer.db.prepare(`SELECT state, cleared_at FROM alerts ORDER BY raised_at`).all();
    expect(rows).toEqual([
      { state: 'cleared', cleared_at: expect.any(Number) },
      { state: 'cleared', cleared_at: expect.any(Number) },
    ]);
  });

  it('voltage 220 V nominal per device: 235 V is critical, 232 V only precarious', async () => {
    h = await alertHarness({ voltage: { minDurationS: 0 }, devices: { [DEVICE]: { nominalVoltage: 220 } } });
    h.feed({ voltageV: 232 }, 10);
    expect(h.sink.raised().map((e) => e.rule)).toEqual(['voltage_precarious']);
    h.feed({ voltageV: 235 }, 10);
    expect(h.sink.raised().map((e) => e.rule)).toEqual(['voltage_precarious', 'voltage_critical']);
    expect(h.sink.raised('voltage_critical')[0]).toMatchObject({ threshold: 233, severity: 'critical' });
  });

  it('a value flapping around the threshold neither raises nor, once raised, clears or re-raises', async () => {
    h = await alertHarness({ voltage: { minDurationS: 60, hysteresisV: 1 } });
    for (let i = 0; i < 30; i++) h.feed({ voltageV: i % 2 ? 117.5 : 116.5 }, 10);
    expect(h.sink.events).toEqual([]);
    h.feed({ voltageV: 112 }, 70);
    expect(h.sink.raised()).toHaveLength(1);
    for (let i = 0; i < 30; i++) h.feed({ voltageV: i % 2 ? 116.5 : 117.5 }, 10);
    expect(h.sink.events).toHaveLength(1);
  });

  it('over-current per channel, and the per-device hourly cap stops a storm', async () => {
    h = await alertHarness({
      maxRaisesPerDevicePerHour: 3,
      overCurrent: { maxA: 5, perChannelA: { '2': 2 }, hysteresisA: 0, minDurationS: 0 },
    });
    h.feed({ channels: [ch(100, 4), ch(100, 3)] }, 10);
    expect(h.sink.raised('over_current')).toHaveLength(1);
    expect(h.sink.raised('over_current')[0]).toMatchObject({ threshold: 2, value: 3 });
    expect(h.sink.raised('over_current')[0]!.message).toContain('channel 2');
    for (let i = 0; i < 20; i++) h.feed({ channels: [ch(100, i % 2 ? 1 : 6), ch(100, 1)] }, 10);
    expect(h.sink.raised('over_current')).toHaveLength(3);
    h.advance(3600);
    h.feed({ channels: [ch(100, 1), ch(100, 1)] }, 10);
    h.feed({ channels: [ch(100, 6), ch(100, 1)] }, 10);
    expect(h.sink.raised('over_current')).toHaveLength(4);
  });

  it('lamp failure: commanded on with no power for N s; switching the lamp off clears at once', async () => {
    h = await alertHarness({ lampFailure: { minPowerW: 2, minDurationS: 30 } });
    h.feed({ lampInternal: true, channels: [ch(0.3), ch(0)] }, 20);
    expect(h.sink.raised()).toEqual([]);
    h.feed({ lampInternal: true, channels: [ch(0.3), ch(0)] }, 20);
    expect(h.sink.raised('lamp_failure')).toHaveLength(1);
    expect(h.sink.raised('lamp_failure')[0]!.message).toContain('internal');
    h.feed({ lampInternal: false, channels: [ch(0), ch(0)] }, 10);
    expect(h.sink.cleared('lamp_failure')).toHaveLength(1);
  });

  it('light wasted: lamp on in daylight for N s, cleared when it gets dark', async () => {
    h = await alertHarness({ lightWasted: { ldrThreshold: 3000, hysteresis: 200, minDurationS: 300 } });
    const on = { lampExternal: true, lampInternal: false, channels: [ch(0), ch(40)] };
    h.feed({ ...on, lightRaw: 3500 }, 300);
    expect(h.sink.raised()).toEqual([]);
    h.feed({ ...on, lightRaw: 3500 }, 20);
    expect(h.sink.raised('light_wasted')).toHaveLength(1);
    h.feed({ ...on, lightRaw: 2900 }, 400);
    expect(h.sink.cleared()).toEqual([]);
    h.feed({ ...on, lightRaw: 1500 }, 310);
    expect(h.sink.cleared('light_wasted')).toHaveLength(1);
  });

  it('board silent: raised by the timer after N tele periods, cleared by the next reading', async () => {
    h = await alertHarness({ tickS: 5, boardSilent: { telePeriodS: 10, periods: 6 } });
    h.feed({}, 30); // readings at 0, 10, 20 s; now 30 s
    h.advance(45);
    expect(h.sink.raised()).toEqual([]);
    h.advance(10);
    expect(h.sink.raised('board_silent')).toHaveLength(1);
    h.advance(600);
    expect(h.sink.raised('board_silent')).toHaveLength(1);
    h.feed({}, 10);
    expect(h.sink.cleared('board_silent')).toHaveLength(1);
  });

  it('reboot loop: 3 boots within 10 min raise once; 10 min without a boot clears', async () => {
    h = await alertHarness({ tickS: 5 });
    const boot = () =>
      h!.t.bus.emit('boot', { device: DEVICE, boot: Math.floor(Date.now() / 1000), at: Date.now() });
    boot();
    h.advance(240);
    boot();
    h.advance(240);
    expect(h.sink.raised()).toEqual([]);
    boot();
    expect(h.sink.raised('reboot_loop')).toHaveLength(1);
    h.advance(60);
    boot();
    expect(h.sink.raised('reboot_loop')).toHaveLength(1);
    h.advance(590);
    expect(h.sink.cleared()).toEqual([]);
    h.advance(20);
    expect(h.sink.cleared('reboot_loop')).toHaveLength(1);
  });

  it('sensor fault flags raise only when they persist, one alert per flag', async () => {
    h = await alertHarness({ sensorFault: { minDurationS: 60 } });
    const both = BOARD_FLAGS.TEMP_FAIL | BOARD_FLAGS.CT_CLIPPED;
    h.feed({ flags: BOARD_FLAGS.TEMP_FAIL }, 10);
    h.feed({ flags: 0 }, 10);
    h.feed({ flags: both }, 70);
    expect(
      h.sink
        .raised('sensor_fault')
        .map((e) => e.message)
        .sort(),
    ).toEqual(['sensor fault CT_CLIPPED persists', 'sensor fault TEMP_FAIL persists']);
    h.feed({ flags: BOARD_FLAGS.CT_CLIPPED }, 70);
    expect(h.sink.cleared('sensor_fault').map((e) => e.message)).toEqual(['sensor fault TEMP_FAIL persists']);
  });

  it('daily energy budget from the cumulative counters, per site-local day, survives a counter reset', async () => {
    h = await alertHarness({ tickS: 600, energyBudget: { dailyWh: 100 } });
    // T0 is 12:00 UTC = 09:00 in São Paulo.
    h.feed({ channels: [ch(50, 0.4, 1000), ch(1, 0.1, 10)] }, 10);
    h.feed({ channels: [ch(50, 0.4, 1040), ch(1, 0.1, 10)] }, 10);
    h.feed({ channels: [ch(50, 0.4, 30), ch(1, 0.1, 20)] }, 10); // channel 1 counter restarted: +30, +10
    expect(h.sink.raised()).toEqual([]);
    h.feed({ channels: [ch(50, 0.4, 60), ch(1, 0.1, 20)] }, 10);
    expect(h.sink.raised('energy_budget')).toHaveLength(1);
    expect(h.sink.raised('energy_budget')[0]).toMatchObject({ value: 110, threshold: 100 });
    h.feed({ channels: [ch(50, 0.4, 90), ch(1, 0.1, 20)] }, 10);
    expect(h.sink.raised('energy_budget')).toHaveLength(1);
    h.advance(15 * 3600); // past local midnight (03:00 UTC)
    h.feed({ channels: [ch(50, 0.4, 95), ch(1, 0.1, 20)] }, 10);
    expect(h.sink.cleared('energy_budget')).toHaveLength(1);
  });

  it('storage full raises a gateway-level alert and clears when the buffer has room again', async () => {
    h = await alertHarness({ tickS: 5 });
    const base = h.t.buffer.policy.state();
    h.storage.state = { ...base, full: true, fullSince: Date.now() };
    h.advance(5);
    expect(h.sink.raised('storage')).toHaveLength(1);
    expect(h.sink.raised('storage')[0]!.device).toBeNull();
    h.storage.state = { ...base, full: false };
    h.advance(5);
    expect(h.sink.cleared('storage')).toHaveLength(1);
  });

  it('one-shot alerts: raised once while active, cleared after eventHoldMinutes', async () => {
    h = await alertHarness({ tickS: 5, eventHoldMinutes: 10 });
    const ev = {
      rule: 'sync_dead_letter',
      device: null,
      subject: 'dead_letter',
      severity: 'critical',
      message: 'x',
    } as const;
    h.engine.raiseEvent(ev);
    h.engine.raiseEvent(ev);
    expect(h.sink.raised('sync_dead_letter')).toHaveLength(1);
    h.advance(590);
    expect(h.sink.cleared()).toEqual([]);
    h.advance(15);
    expect(h.sink.cleared('sync_dead_letter')).toHaveLength(1);
  });

  it('reported conditions: raised once while reported active, cleared when reported gone, raised anew after', async () => {
    h = await alertHarness();
    const report = (active: boolean) =>
      h!.engine.reportCondition({
        rule: 'sync_auth',
        device: null,
        subject: 'credentials',
        severity: 'critical',
        active,
        message: 'the cloud refuses the token',
        value: 401,
      });
    report(false);
    expect(h.sink.events).toEqual([]);
    report(true);
    h.advance(3600);
    report(true);
    expect(h.sink.raised('sync_auth')).toEqual([
      expect.objectContaining({ state: 'raised', message: 'the cloud refuses the token', value: 401 }),
    ]);
    expect(h.sink.cleared()).toEqual([]); // no expiry: it lasts as long as the condition
    report(false);
    expect(h.sink.cleared('sync_auth')).toHaveLength(1);
    report(true);
    expect(h.sink.raised('sync_auth')).toHaveLength(2);
  });

  it('active alerts persist: after a restart they are reloaded, not raised again, and clear normally', async () => {
    h = await alertHarness({ lampFailure: { minDurationS: 0 } });
    const seen: string[] = [];
    h.t.bus.on('alert', (e) => seen.push(`${e.rule}:${e.state}`));
    h.feed({ lampInternal: true, channels: [ch(0), ch(0)] }, 10);
    expect(seen).toEqual(['lamp_failure:raised']);
    const id = h.sink.raised()[0]!.id;
    await h.restart();
    expect(h.engine.active().map((a) => a.id)).toEqual([id]);
    h.feed({ lampInternal: true, channels: [ch(0), ch(0)] }, 30);
    expect(h.sink.events.filter((e) => e.state === 'raised' && e.id !== id)).toEqual([]);
    h.feed({ lampInternal: false, channels: [ch(0), ch(0)] }, 10);
    expect(h.sink.cleared('lamp_failure').map((e) => e.id)).toEqual([id]);
    expect(h.t.buffer.alerts.unsynced(10).map((a) => a.event.state)).toEqual(['cleared']);
  });
});
