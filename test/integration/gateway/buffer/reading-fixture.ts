import { join } from 'node:path';
import { createBuffer, type GatewayBuffer } from '../../../../gateway/buffer/create-buffer.ts';
import { GatewayBus } from '../../../../gateway/bus.ts';
import { BufferConfig } from '../../../../gateway/config/core-config.ts';
import { silentLogger } from '../../../../shared/log.ts';
import type { Reading } from '../../../../shared/schemas/reading.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

/** Synthesized readings for the gateway buffer/alert/sync tests (not captured from a board). */
export const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

export function makeReading(i: number, over: Partial<Reading> = {}): Reading {
  const devices = over.device === undefined ? 10 : 1;
  const d = i % devices;
  const ts = T0 + i * 100;
  return {
    device: `aicss-${(0xa1b2c0 + d).toString(16)}`,
    boot: 1_764_400_000 + d,
    seq: Math.floor(i / devices),
    ts,
    timeQuality: 'board',
    receivedAt: ts + 35,
    source: 'mqtt',
    uptimeS: 1000 + i,
    voltageV: 126.4,
    frequencyHz: 60.01,
    channels: [
      {
        currentA: 0.41,
        powerW: 48.2,
        apparentPowerVa: 52.1,
        powerFactor: 0.93,
        energyWh: 12_345.6 + i / 100,
      },
      { currentA: 0.05, powerW: 0.4, apparentPowerVa: 6.1, powerFactor: 0.07, energyWh: 812.25 },
    ],
    temperatureC: 27.3,
    humidityPct: 61.2,
    lightRaw: 1812,
    distanceCm: 143.2,
    lampInternal: true,
    lampExternal: false,
    flags: 0,
    ...over,
  };
}

export interface TestBuffer {
  buffer: GatewayBuffer;
  bus: GatewayBus;
  dir: string;
  path: string;
  cleanup(): Promise<void>;
}

/** A real buffer (SQLite file in a temp dir), started. */
export async function openTestBuffer(
  config: Partial<BufferConfig> = {},
  opts: { clock?: () => number; dir?: string } = {},
): Promise<TestBuffer> {
  const tmp = opts.dir ? undefined : await tempDir('cds-gw-');
  const dir = opts.dir ?? tmp!.path;
  const path = join(dir, 'gateway.sqlite');
  const log = silentLogger();
  const bus = new GatewayBus({ log });
  const buffer = createBuffer({
    config: BufferConfig.parse({ path, ...config }),
    log,
    clock: opts.clock ?? (() => Date.now()),
    bus,
  });
  buffer.start();
  return {
    buffer,
    bus,
    dir,
    path,
    async cleanup() {
      await buffer.stop();
      await tmp?.cleanup();
    },
  };
}
