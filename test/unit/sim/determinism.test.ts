import { describe, expect, it } from 'vitest';
import { MemorySink } from '../../../firmware-sim/outputs/byte-sink.ts';
import { renderSerial } from '../../../firmware-sim/render.ts';
import { runSimulation } from '../../../firmware-sim/run-sim.ts';
import { deriveDeviceIds } from '../../../firmware-sim/simulation.ts';
import { silentLogger } from '../../../shared/log.ts';
import { HOUR, sim, T0 } from './sim-test-helpers.ts';

describe('determinism', () => {
  it('gives byte-identical backfill output for the same seed and options', async () => {
    const run = async () => {
      const sink = new MemorySink();
      await runSimulation(
        {
          seed: 'det-1',
          boards: 4,
          telePeriodS: 30,
          from: T0,
          to: T0 + 12 * HOUR,
          faults: {
            crc: { rate: 0.05 },
            garbage: { rate: 0.05 },
            brownout: { rate: 0.01 },
            dht: { rate: 0.02 },
          },
          sinks: [sink],
        },
        { log: silentLogger() },
      );
      return sink.bytes();
    };
    const a = await run();
    const b = await run();
    expect(a.length).toBeGreaterThan(100_000);
    expect(a.equals(b)).toBe(true);
  });

  it('changes the output with the seed', () => {
    const a = renderSerial(sim({ seed: 'a', boards: 2 }), T0 + 2 * HOUR);
    const b = renderSerial(sim({ seed: 'b', boards: 2 }), T0 + 2 * HOUR);
    expect(a.equals(b)).toBe(false);
  });

  it('matches the runner output with the in-process renderer', async () => {
    const sink = new MemorySink();
    await runSimulation(
      { seed: 'det-2', boards: 3, telePeriodS: 60, from: T0, to: T0 + 6 * HOUR, sinks: [sink] },
      { log: silentLogger() },
    );
    const direct = renderSerial(sim({ seed: 'det-2', boards: 3 }), T0 + 6 * HOUR);
    expect(sink.bytes().equals(direct)).toBe(true);
  });

  it('derives distinct aicss-<6 hex> device ids from the seed', () => {
    const ids = deriveDeviceIds('ids', 500);
    expect(new Set(ids).size).toBe(500);
    for (const id of ids) expect(id).toMatch(/^aicss-[0-9a-f]{6}$/);
    expect(deriveDeviceIds('ids', 3)).toEqual(ids.slice(0, 3));
    expect(deriveDeviceIds('other', 3)).not.toEqual(ids.slice(0, 3));
  });

  it('keeps a board physics stream independent of faults on other streams', () => {
    // Link-level faults that do not touch the board's readings leave every ldr value the same.
    const plain = [...sim({ seed: 'iso' }).events(T0 + 24 * HOUR)].filter((e) => e.type === 'record');
    const withCrc = [...sim({ seed: 'iso', faults: 'crc:0.3' }).events(T0 + 24 * HOUR)].filter(
      (e) => e.type === 'record',
    );
    expect(withCrc.map((e) => e.record)).toEqual(plain.map((e) => e.record));
  });
});
