import { parseFaultSpec } from '../../../firmware-sim/faults.ts';
import { SerialEncoder } from '../../../firmware-sim/outputs/serial-encoder.ts';
import type { RecordEvent, SimEvent } from '../../../firmware-sim/sim-events.ts';
import { createSimulation, type SimulationConfig } from '../../../firmware-sim/simulation.ts';
import { decodeAicssLine } from '../../../shared/protocol/aicss-serial.ts';
import type { DecodeResult } from '../../../shared/protocol/decode-result.ts';
import { type FramedItem, LineFramer } from '../../../shared/protocol/line-framer.ts';
import type { Observation } from '../../../shared/protocol/observation.ts';
import {
  decodeSerialItem,
  SERIAL_MAX_LINE_BYTES,
  type SerialFormat,
} from '../../../shared/protocol/serial-formats.ts';

/** 2024-11-14 00:00 UTC (21:00 the day before in São Paulo). */
export const T0 = Date.parse('2024-11-14T00:00:00Z');
export const HOUR = 3_600_000;

export function sim(opts: Partial<SimulationConfig> & { faults?: string | SimulationConfig['faults'] } = {}) {
  const faults = typeof opts.faults === 'string' ? parseFaultSpec(opts.faults) : opts.faults;
  return createSimulation({
    seed: 'unit',
    boards: 1,
    startMs: T0,
    telePeriodS: 60,
    ...opts,
    ...(faults && { faults }),
  });
}

/** Bytes through the real framer and the gateway's per-format decoder. */
export async function decodeSerial(bytes: Buffer, format: SerialFormat = 'aicss'): Promise<DecodeResult[]> {
  const framer = new LineFramer({ maxLineBytes: SERIAL_MAX_LINE_BYTES[format] });
  const out: DecodeResult[] = [];
  framer.on('data', (item: FramedItem) => out.push(decodeSerialItem(format, item)));
  await new Promise<void>((resolve, reject) => {
    framer.on('end', resolve);
    framer.on('error', reject);
    framer.end(bytes);
  });
  return out;
}

export function observations(results: DecodeResult[]): Observation[] {
  return results.flatMap((r) => (r.ok && r.kind === 'observation' ? [r.observation] : []));
}

export interface Decoded {
  ev: RecordEvent;
  line: string;
  obs: Observation;
}

/** Each record event encoded alone (no wire faults) and decoded: what the board meant to say. */
export function decodeEach(events: SimEvent[]): Decoded[] {
  const enc = new SerialEncoder();
  return events.flatMap((ev) => {
    if (ev.type !== 'record') return [];
    const line = enc.encode({ ...ev, wire: [] });
    const r = decodeAicssLine(Buffer.from(line.slice(0, -2), 'latin1'));
    if (!r.ok || r.kind !== 'observation') throw new Error(`own line did not decode: ${line}`);
    return [{ ev, line, obs: r.observation }];
  });
}

export const ch = (o: Observation, i: 0 | 1) => o.channels[i] ?? {};
