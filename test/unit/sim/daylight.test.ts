import { describe, expect, it } from 'vitest';
import { LocalTime } from '../../../firmware-sim/clock.ts';
import { collectEvents, collectRecords } from '../../../firmware-sim/render.ts';
import { SAO_PAULO } from '../../../firmware-sim/simulation.ts';
import { solarElevationDeg, sunTimes } from '../../../firmware-sim/solar.ts';
import { decodeEach, HOUR, sim } from './sim-test-helpers.ts';

const SP_OFFSET_MS = -3 * HOUR; // Brazil has had no DST since 2019

function localHHMM(utcMs: number): string {
  return new Date(utcMs + SP_OFFSET_MS).toISOString().slice(11, 16);
}
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

describe('day and night at São Paulo', () => {
  it('computes sunrise/sunset from the solar position (solstices, within 5 min of published times)', () => {
    const dec = sunTimes(Date.parse('2024-12-21T15:00:00Z'), SAO_PAULO.lat, SAO_PAULO.lon);
    const jun = sunTimes(Date.parse('2024-06-21T15:00:00Z'), SAO_PAULO.lat, SAO_PAULO.lon);
    // Published (timeanddate/NOAA) São Paulo: Dec 21 2024 05:16 / 18:52, Jun 21 2024 06:47 / 17:28.
    expect(Math.abs(minutes(localHHMM(dec.sunriseMs!)) - minutes('05:16'))).toBeLessThanOrEqual(5);
    expect(Math.abs(minutes(localHHMM(dec.sunsetMs!)) - minutes('18:52'))).toBeLessThanOrEqual(5);
    expect(Math.abs(minutes(localHHMM(jun.sunriseMs!)) - minutes('06:47'))).toBeLessThanOrEqual(5);
    expect(Math.abs(minutes(localHHMM(jun.sunsetMs!)) - minutes('17:28'))).toBeLessThanOrEqual(5);
    // Summer days are longer than winter days in the southern hemisphere.
    expect(dec.sunsetMs! - dec.sunriseMs!).toBeGreaterThan(jun.sunsetMs! - jun.sunriseMs! + 2 * HOUR);
    expect(solarElevationDeg(dec.solarNoonMs, SAO_PAULO.lat, SAO_PAULO.lon)).toBeGreaterThan(85);
  });

  it('is dark at 02:00 local and light at 12:00 local on every day of a year (clouds included)', () => {
    const start = Date.parse('2024-01-01T03:00:00Z'); // 00:00 local
    const s = sim({ seed: 'year', startMs: start, telePeriodS: 7200, stagger: false });
    const local = new LocalTime('America/Sao_Paulo');
    const records = collectRecords(s, start + 366 * 24 * HOUR);
    let nights = 0;
    let noons = 0;
    for (const { atMs, record } of records) {
      const hour = Math.floor(local.parts(atMs).hour);
      if (hour === 2) {
        nights++;
        expect(record.ldr).toBeLessThan(2000);
        expect(record.led_ext).toBe(1);
      }
      if (hour === 12) {
        noons++;
        expect(record.ldr).toBeGreaterThan(2000);
        expect(record.led_ext).toBe(0);
        expect(record.led_in).toBe(0);
      }
    }
    expect(nights).toBeGreaterThan(360);
    expect(noons).toBeGreaterThan(360);
  });

  it('switches the external lamp on around sunset, not at a fixed hour', () => {
    const s = sim({ seed: 'dusk', startMs: Date.parse('2024-06-20T12:00:00Z'), telePeriodS: 60 });
    const decoded = decodeEach(collectEvents(s, Date.parse('2024-06-21T12:00:00Z')));
    const firstOn = decoded.find((d) => d.obs.lampExternal && d.ev.atMs > Date.parse('2024-06-20T17:00:00Z'));
    const sunset = sunTimes(Date.parse('2024-06-20T20:00:00Z'), SAO_PAULO.lat, SAO_PAULO.lon).sunsetMs!;
    expect(firstOn).toBeDefined();
    expect(Math.abs(firstOn!.ev.atMs - sunset)).toBeLessThan(1.5 * HOUR);
  });

  it('follows the DHT22 daily cycle: cooler before dawn than mid-afternoon, humidity the other way', () => {
    const start = Date.parse('2024-03-01T03:00:00Z');
    const s = sim({ seed: 'dht', startMs: start, telePeriodS: 1800 });
    const local = new LocalTime('America/Sao_Paulo');
    const byHour = new Map<number, { t: number[]; rh: number[] }>();
    for (const { ev, obs } of decodeEach(collectEvents(s, start + 30 * 24 * HOUR))) {
      if (obs.temperatureC === undefined) continue;
      const h = Math.floor(local.parts(ev.atMs).hour);
      const b = byHour.get(h) ?? { t: [], rh: [] };
      b.t.push(obs.temperatureC);
      b.rh.push(obs.humidityPct!);
      byHour.set(h, b);
    }
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(byHour.get(15)!.t) - mean(byHour.get(5)!.t)).toBeGreaterThan(3);
    expect(mean(byHour.get(5)!.rh) - mean(byHour.get(15)!.rh)).toBeGreaterThan(10);
    for (const b of byHour.values()) {
      for (const t of b.t) expect(t).toBeGreaterThan(5);
      for (const rh of b.rh) expect(rh).toBeLessThanOrEqual(100);
    }
  });
});
