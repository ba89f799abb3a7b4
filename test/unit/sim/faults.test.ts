import { describe, expect, it } from 'vitest';
import { FAULT_NAMES } from '../../../firmware-sim/faults.ts';
import { collectEvents, renderSerial } from '../../../firmware-sim/render.ts';
import type { RecordEvent, SimEvent } from '../../../firmware-sim/sim-events.ts';
import { TEMP_SENTINELS } from '../../../firmware-sim/temperature-faults.ts';
import { decodeLegacyLine } from '../../../shared/protocol/legacy.ts';
import { BOARD_FLAGS as F } from '../../../shared/schemas/reading.ts';
import {
  ch,
  type Decoded,
  decodeEach,
  decodeSerial,
  HOUR,
  observations,
  sim,
  T0,
} from './sim-test-helpers.ts';

/** Runs one board with one fault and returns what it did, what it meant, and what went on the wire. */
function run(
  faults: string,
  hours: number,
  opts: { telePeriodS?: number; legacy?: boolean; seed?: string } = {},
) {
  const s = sim({
    seed: opts.seed ?? `f-${faults}`,
    faults,
    telePeriodS: opts.telePeriodS ?? 60,
    legacy: opts.legacy ?? false,
  });
  const events = collectEvents(s, T0 + hours * HOUR);
  const records = events.filter((e): e is RecordEvent => e.type === 'record');
  return { sim: s, events, records, decoded: decodeEach(events) };
}
function serialOf(faults: string, hours: number, legacy = false) {
  return renderSerial(sim({ seed: `w-${faults}`, faults, legacy }), T0 + hours * HOUR, { legacy });
}
const wired = (events: SimEvent[], kind: string) =>
  events.filter((e) => e.type === 'record' && e.wire.some((w) => w.kind === kind)).length;
const st = (d: Decoded) => d.obs.boardFlags;
const codes = (results: { ok: boolean; code?: string }[]) =>
  results.reduce<Record<string, number>>((m, r) => {
    const k = r.ok ? 'ok' : (r as { code: string }).code;
    m[k] = (m[k] ?? 0) + 1;
    return m;
  }, {});

describe('framing faults, read back through LineFramer + the AICSS decoder', () => {
  it('crc: every corrupted line is a crc_mismatch, nothing else is lost', async () => {
    const bytes = serialOf('crc:0.15', 6);
    const events = collectEvents(sim({ seed: 'w-crc:0.15', faults: 'crc:0.15' }), T0 + 6 * HOUR);
    const n = wired(events, 'crc');
    const c = codes(await decodeSerial(bytes));
    expect(n).toBeGreaterThan(20);
    expect(c.crc_mismatch).toBe(n);
    expect(observations(await decodeSerial(bytes)).length).toBe(
      events.filter((e) => e.type === 'record').length - n,
    );
  });

  it.each(['garbage', 'truncate'])(
    '%s: lines are rejected, and whatever decodes is exactly what was sent',
    async (f) => {
      const spec = `${f}:0.15`;
      const bytes = serialOf(spec, 6);
      const sent = new Map(
        decodeEach(collectEvents(sim({ seed: `w-${spec}`, faults: spec }), T0 + 6 * HOUR)).map((d) => [
          d.obs.seq,
          d.obs,
        ]),
      );
      const results = await decodeSerial(bytes);
      const rejected = results.filter((r) => !r.ok).length;
      expect(rejected).toBeGreaterThan(10);
      for (const o of observations(results)) expect(o).toEqual(sent.get(o.seq));
    },
  );

  it('overlong: each padded line is dropped as too_long and the next one decodes', async () => {
    const bytes = serialOf('overlong:0.15', 6);
    const events = collectEvents(sim({ seed: 'w-overlong:0.15', faults: 'overlong:0.15' }), T0 + 6 * HOUR);
    const c = codes(await decodeSerial(bytes));
    expect(wired(events, 'overlong')).toBeGreaterThan(20);
    expect(c.too_long).toBe(wired(events, 'overlong'));
    expect(observations(await decodeSerial(bytes)).length).toBe(
      events.filter((e) => e.type === 'record').length - c.too_long!,
    );
  });

  it('encoding: the original "Distância" line shows up on the AICSS port as not_ascii', async () => {
    const bytes = serialOf('encoding:0.15', 6);
    const events = collectEvents(sim({ seed: 'w-encoding:0.15', faults: 'encoding:0.15' }), T0 + 6 * HOUR);
    expect(bytes.includes(Buffer.from('Distância', 'utf8'))).toBe(true);
    expect(codes(await decodeSerial(bytes)).not_ascii).toBe(wired(events, 'encoding'));
  });

  it('encoding in --legacy: Latin-1 lines among UTF-8 ones, all decodable by the legacy decoder', async () => {
    const bytes = serialOf('encoding:0.2', 6, true);
    expect(bytes.includes(Buffer.from('Distância', 'utf8'))).toBe(true);
    expect(bytes.includes(Buffer.from('Distância', 'latin1'))).toBe(true);
    const results = await decodeSerial(bytes, 'aicss-legacy');
    expect(results.every((r) => r.ok && r.kind === 'observation')).toBe(true);
  });
});

describe('record-level transport faults', () => {
  const seqs = (r: RecordEvent[]) => r.map((e) => e.record.MSG);

  it('duplicate: the same record twice in a row', () => {
    const { records } = run('duplicate:0.15', 6);
    const dups = records.filter((e, i) => i > 0 && records[i - 1] === e).length;
    expect(dups).toBeGreaterThan(20);
    expect(new Set(seqs(records)).size).toBe(records.length - dups);
  });

  it('reorder: MSG goes backwards, but every record arrives once', () => {
    const { records } = run('reorder:0.15', 6);
    const s = seqs(records);
    expect(s.some((v, i) => i > 0 && v < s[i - 1]!)).toBe(true);
    expect([...s].sort((a, b) => a - b)).toEqual(s.map((_, i) => i));
  });

  it('silence: MSG jumps over the silent stretch without a reboot', () => {
    const { records, sim: s } = run('silence:0.01', 48);
    const jumps = records.filter(
      (e, i) => i > 0 && e.record.MSG > records[i - 1]!.record.MSG + 1 && e.record.rst === undefined,
    );
    expect(jumps.length).toBeGreaterThan(0);
    expect(s.boards[0]!.lostRecords).toBeGreaterThan(0);
  });

  it('replay: late records in a burst, flagged REPLAYED, with their original time', () => {
    const { records } = run('replay:0.01', 48);
    const replayed = records.filter((e) => (e.record.st ?? 0) & F.REPLAYED);
    expect(replayed.length).toBeGreaterThan(0);
    for (const e of replayed) expect(e.atMs - e.record.t! * 1000).toBeGreaterThanOrEqual(60_000);
    expect(seqs(records)).toEqual(seqs(records).map((_, i) => i));
  });
});

describe('resets', () => {
  it('brownout: banner, MSG 0, rst:9, clock unsynced ≥ 30 s, counters restored and never backwards', async () => {
    const { events, decoded } = run('brownout:0.04', 12);
    const losses = events.filter((e) => e.type === 'power-loss');
    const boots = events.filter((e) => e.type === 'boot');
    expect(losses.length).toBeGreaterThan(10);
    expect(boots.length).toBe(losses.length + 1);
    const firsts = decoded.filter((d) => d.obs.resetReason !== undefined);
    expect(firsts[0]!.obs.resetReason).toBe(1);
    for (const d of firsts.slice(1)) {
      expect(d.obs.resetReason).toBe(9);
      expect(d.obs.seq).toBe(0);
      expect(d.obs.epochS).toBe(0);
      expect(st(d) & (F.CLOCK_UNSYNCED | F.ENERGY_RESTORED)).toBe(F.CLOCK_UNSYNCED | F.ENERGY_RESTORED);
    }
    for (const d of decoded) if (d.obs.uptimeS! < 30) expect(d.obs.epochS).toBe(0);
    for (let i = 1; i < decoded.length; i++) {
      expect(ch(decoded[i]!.obs, 0).energyWh!).toBeGreaterThanOrEqual(ch(decoded[i - 1]!.obs, 0).energyWh!);
      expect(ch(decoded[i]!.obs, 1).energyWh!).toBeGreaterThanOrEqual(ch(decoded[i - 1]!.obs, 1).energyWh!);
    }
    const bytes = serialOf('brownout:0.04', 12);
    expect(
      bytes.toString('latin1').match(/# AICSS fw=1\.0\.0 id=aicss-[0-9a-f]{6} boot\r\n/g)!.length,
    ).toBeGreaterThan(10);
  });

  it('hang: silent for minutes, then a watchdog reset (rst:6)', () => {
    const { events, decoded } = run('hang:0.02', 72, { telePeriodS: 300 });
    const wdt = decoded.filter((d) => d.obs.resetReason === 6);
    expect(wdt.length).toBeGreaterThan(0);
    for (let i = 0; i < events.length - 1; i++) {
      const e = events[i]!;
      if (e.type === 'power-loss') {
        expect(e.cause).toBe('hang');
        expect(events[i + 1]!.atMs - e.atMs).toBeGreaterThanOrEqual(60_000);
      }
    }
  });

  it('nvs-loss: crash reboot (rst:4) with counters back at zero and no ENERGY_RESTORED', () => {
    const { decoded } = run('nvs-loss:0.02', 72, { telePeriodS: 300 });
    const crashes = decoded.filter((d) => d.obs.resetReason === 4);
    expect(crashes.length).toBeGreaterThan(0);
    for (const d of crashes) {
      expect(st(d) & F.ENERGY_RESTORED).toBe(0);
      expect(ch(d.obs, 0).energyWh).toBeLessThanOrEqual(1);
      expect(ch(d.obs, 1).energyWh).toBeLessThanOrEqual(1);
    }
  });
});

describe('clock faults', () => {
  it('unsynced: t:0 with CLOCK_UNSYNCED long after boot', () => {
    const { decoded } = run('unsynced:0.04', 12);
    const lost = decoded.filter((d) => d.obs.epochS === 0 && d.obs.uptimeS! > 600);
    expect(lost.length).toBeGreaterThan(0);
    for (const d of lost) expect(st(d) & F.CLOCK_UNSYNCED).toBe(F.CLOCK_UNSYNCED);
  });

  it('clock1970: a 1970 time the board believes, CLOCK_UNSYNCED not set', () => {
    const { decoded } = run('clock1970:0.03', 4, { telePeriodS: 10 });
    const old = decoded.filter((d) => d.obs.epochS! > 0 && d.obs.epochS! < 946_684_800);
    expect(old.length).toBeGreaterThan(0);
    for (const d of old) {
      expect(st(d) & F.CLOCK_UNSYNCED).toBe(0);
      expect(d.obs.epochS).toBe(d.obs.uptimeS);
    }
  });
});

describe('temperature faults', () => {
  it('dht: T1/RH1 omitted with TEMP_FAIL', () => {
    const { decoded } = run('dht:0.04', 12);
    const failed = decoded.filter((d) => d.obs.temperatureC === undefined && d.obs.uptimeS! > 10);
    expect(failed.length).toBeGreaterThan(10);
    for (const d of decoded) expect(d.obs.temperatureC === undefined).toBe((st(d) & F.TEMP_FAIL) !== 0);
  });

  it('dht-nan: T1:nan,RH1:nan on a valid line, no flag', () => {
    const { decoded } = run('dht-nan:0.04', 12);
    const nan = decoded.filter((d) => d.line.includes('T1:nan,RH1:nan,'));
    expect(nan.length).toBeGreaterThan(10);
    for (const d of nan) {
      expect(d.obs.droppedFields).toEqual(expect.arrayContaining(['T1', 'RH1']));
      expect(st(d) & F.TEMP_FAIL).toBe(0);
    }
  });

  it('temp-sentinel: -127, 85, 300… printed as numbers, no flag', () => {
    const { decoded } = run('temp-sentinel:0.05', 72, { telePeriodS: 300 });
    const values = new Set(TEMP_SENTINELS.map((s) => s.T1));
    const hits = decoded.filter((d) => values.has(d.obs.temperatureC!));
    expect(new Set(hits.map((d) => d.obs.temperatureC)).size).toBeGreaterThan(2);
    for (const d of hits) expect(st(d) & F.TEMP_FAIL).toBe(0);
  });

  it('stuck: T1, RH1 and ldr frozen for hours', () => {
    const { decoded } = run('stuck:0.01', 72, { telePeriodS: 120 });
    let longest = 0;
    let runLen = 0;
    for (let i = 1; i < decoded.length; i++) {
      const a = decoded[i - 1]!.obs;
      const b = decoded[i]!.obs;
      const same =
        a.temperatureC === b.temperatureC && a.humidityPct === b.humidityPct && a.lightRaw === b.lightRaw;
      runLen = same ? runLen + 1 : 0;
      longest = Math.max(longest, runLen);
    }
    expect(longest).toBeGreaterThanOrEqual(59); // ≥ 2 h at one record every 2 min
  });
});

describe('light and distance faults', () => {
  it('ldr-sat: only 0 or 4095 with LDR_SATURATED, and the lamps follow the rails', () => {
    const { decoded } = run('ldr-sat:0.02', 72, { telePeriodS: 300 });
    const sat = decoded.filter((d) => d.obs.lightRaw === 0 || d.obs.lightRaw === 4095);
    expect(sat.length).toBeGreaterThan(50);
    for (const d of decoded) {
      expect((st(d) & F.LDR_SATURATED) !== 0).toBe(d.obs.lightRaw === 0 || d.obs.lightRaw === 4095);
      expect(d.obs.lampExternal).toBe(d.obs.lightRaw! < 2000);
    }
  });

  it('dist-timeout: dist omitted with DIST_TIMEOUT and no presence', () => {
    const { decoded } = run('dist-timeout:0.05', 12);
    const timeouts = decoded.filter((d) => d.obs.distanceCm === undefined);
    expect(timeouts.length).toBeGreaterThan(20);
    for (const d of decoded) expect(d.obs.distanceCm === undefined).toBe((st(d) & F.DIST_TIMEOUT) !== 0);
    for (const d of timeouts) expect(d.obs.lampInternal).toBe(false);
  });

  it('dist-timeout in --legacy: "0 cm", and the original reads it as presence when dark', async () => {
    const { records } = run('dist-timeout:0.05', 12, { legacy: true });
    const zero = records.filter((e) => e.legacy.distCm === 0);
    expect(zero.length).toBeGreaterThan(20);
    for (const e of zero) expect(e.record.led_in).toBe(e.record.led_ext);
    expect(zero.some((e) => e.record.led_in === 1)).toBe(true);
    const bytes = serialOf('dist-timeout:0.05', 12, true);
    const lines = bytes
      .toString('utf8')
      .split('\r\n')
      .filter((l) => l.endsWith(' 0 cm'));
    expect(lines.length).toBeGreaterThan(0);
    const r = decodeLegacyLine(Buffer.from(lines[0]!, 'utf8'));
    expect(r.ok && r.kind === 'observation' && r.observation.boardFlags & F.DIST_TIMEOUT).toBeTruthy();
  });
});

describe('energy front-end faults', () => {
  it('lamp-burnt: lamp commanded on, ~0 W on its channel', () => {
    const { decoded } = run('lamp-burnt:0.01', 96, { telePeriodS: 300 });
    const burnt = decoded.filter(
      (d) =>
        (d.obs.lampInternal && ch(d.obs, 0).powerW === 0) ||
        (d.obs.lampExternal && ch(d.obs, 1).powerW === 0),
    );
    expect(burnt.length).toBeGreaterThan(5);
  });

  it('overcurrent: 8–16 A on a channel, not clipped', () => {
    const { decoded } = run('overcurrent:0.03', 12);
    const over = decoded.filter((d) => d.obs.channels.some((c) => c.currentA! >= 7.5));
    expect(over.length).toBeGreaterThan(0);
    for (const d of over) expect(st(d) & F.CT_CLIPPED).toBe(0);
  });

  it('ct-clip: the current pinned near 4.7 A with CT_CLIPPED', () => {
    const { decoded } = run('ct-clip:0.03', 12);
    const clipped = decoded.filter((d) => st(d) & F.CT_CLIPPED);
    expect(clipped.length).toBeGreaterThan(0);
    for (const d of clipped) {
      const i = Math.max(...d.obs.channels.map((c) => c.currentA!));
      expect(i).toBeGreaterThan(4.6);
      expect(i).toBeLessThan(4.8);
    }
  });

  it('noise: phantom current on a channel whose lamp is off', () => {
    const { decoded } = run('noise:0.03', 48, { telePeriodS: 300 });
    const phantom = decoded.filter(
      (d) =>
        (!d.obs.lampInternal && ch(d.obs, 0).currentA! >= 0.1) ||
        (!d.obs.lampExternal && ch(d.obs, 1).currentA! >= 0.1),
    );
    expect(phantom.length).toBeGreaterThan(10);
  });

  it('scale: a wrong CT constant multiplies current and power', () => {
    const { decoded } = run('scale:0.01', 96, { telePeriodS: 300 });
    const scaled = decoded.filter(
      (d) =>
        (d.obs.lampInternal && ch(d.obs, 0).powerW! > 200) ||
        (d.obs.lampExternal && ch(d.obs, 1).powerW! > 350),
    );
    expect(scaled.length).toBeGreaterThan(10);
  });

  it.each([
    ['sag', (v: number) => v < 110],
    ['swell', (v: number) => v > 135],
  ] as const)('%s: voltage beyond the PRODIST critical limit for 127 V', (f, beyond) => {
    const { decoded } = run(`${f}:0.05`, 3, { telePeriodS: 10 });
    expect(decoded.filter((d) => beyond(d.obs.voltageV!)).length).toBeGreaterThan(5);
  });

  it('v-absent: no V, F or PF; power is apparent power at an assumed 127 V; V_ABSENT', () => {
    const { decoded } = run('v-absent:0.03', 12);
    const absent = decoded.filter((d) => st(d) & F.V_ABSENT);
    expect(absent.length).toBeGreaterThan(10);
    for (const d of absent) {
      expect(d.obs.voltageV).toBeUndefined();
      expect(d.obs.frequencyHz).toBeUndefined();
      for (const c of d.obs.channels) {
        expect(c.powerFactor).toBeUndefined();
        expect(c.powerW).toBe(c.apparentPowerVa);
        expect(c.energyWh).toBeDefined();
      }
    }
  });

  it('meter-fail: every electrical field omitted with METER_COMM_FAIL', () => {
    const { decoded } = run('meter-fail:0.03', 12);
    const failed = decoded.filter((d) => st(d) & F.METER_COMM_FAIL);
    expect(failed.length).toBeGreaterThan(10);
    for (const d of failed) {
      expect(d.obs.voltageV).toBeUndefined();
      expect(d.obs.channels).toEqual([]);
    }
  });

  it('meter-nan: electrical fields printed nan on a valid line, no flag', () => {
    const { decoded } = run('meter-nan:0.03', 12);
    const nan = decoded.filter((d) => d.line.includes('V:nan,F:nan,I1:nan'));
    expect(nan.length).toBeGreaterThan(10);
    for (const d of nan) {
      expect(d.obs.droppedFields).toEqual(expect.arrayContaining(['V', 'E1', 'E2']));
      expect(st(d) & F.METER_COMM_FAIL).toBe(0);
    }
  });
});

describe('counter faults', () => {
  it('rollover: energy drops while the board keeps running', () => {
    const { decoded } = run('rollover:0.02', 12);
    const drops = decoded.filter(
      (d, i) =>
        i > 0 &&
        ch(d.obs, 1).energyWh! < ch(decoded[i - 1]!.obs, 1).energyWh! &&
        d.obs.resetReason === undefined,
    );
    expect(drops.length).toBeGreaterThan(0);
  });

  it('msg-wrap: MSG runs to 4294967295 and wraps to 0 with uptime still large', () => {
    const { decoded } = run('msg-wrap:0.02', 12);
    const wraps = decoded.filter(
      (d, i) => i > 0 && d.obs.seq === 0 && decoded[i - 1]!.obs.seq === 4_294_967_295,
    );
    expect(wraps.length).toBeGreaterThan(0);
    for (const d of wraps) {
      expect(d.obs.resetReason).toBeUndefined();
      expect(d.obs.uptimeS).toBeGreaterThan(60);
    }
  });
});

describe('status bits (protocol.md §4.1) with every board fault on', () => {
  it('sets each st bit exactly when its condition holds', () => {
    const boardFaults = FAULT_NAMES.filter(
      (n) =>
        !['crc', 'garbage', 'truncate', 'overlong', 'encoding', 'duplicate', 'reorder', 'replay'].includes(n),
    )
      .map((n) => `${n}:0.01`)
      .join(',');
    const { records } = run(boardFaults, 72, { telePeriodS: 300 });
    for (const e of records) {
      const r = e.record;
      const s = r.st!;
      expect((s & F.CLOCK_UNSYNCED) !== 0).toBe(r.t === 0);
      expect((s & F.TEMP_FAIL) !== 0).toBe(r.T1 === undefined);
      expect((s & F.LDR_SATURATED) !== 0).toBe(r.ldr === 0 || r.ldr === 4095);
      expect((s & F.DIST_TIMEOUT) !== 0).toBe(r.dist === undefined);
      expect((s & F.METER_COMM_FAIL) !== 0).toBe(r.E1 === undefined);
      // No AC sensed: V is left out. (With the meter front-end also failing, both bits are set.)
      if (s & F.V_ABSENT) expect(r.V).toBeUndefined();
      if (r.V === undefined && r.E1 !== undefined) expect(s & F.V_ABSENT).toBe(F.V_ABSENT);
      expect(s & F.REPLAYED).toBe(0);
      if (s & F.ENERGY_RESTORED) expect(r.rst).toBeDefined();
      if (s & F.CT_CLIPPED) expect(Math.max(r.I1 ?? 0, r.I2 ?? 0)).toBeGreaterThan(4);
      expect(s).toBeLessThan(0x200);
    }
  });
});
