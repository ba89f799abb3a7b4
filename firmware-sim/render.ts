import { SerialEncoder, type SerialEncoderOptions } from './outputs/serial-encoder.ts';
import type { RecordEvent, SimEvent } from './sim-events.ts';
import type { Simulation } from './simulation.ts';

/**
 * In-process helpers for tests and tools that want a simulation's output without running outputs:
 * everything until `endMs`, synchronously.
 */

/** The serial bytes the boards would send until `endMs` (one stream, boards interleaved in time order). */
export function renderSerial(sim: Simulation, endMs: number, opts: SerialEncoderOptions = {}): Buffer {
  const enc = new SerialEncoder(opts);
  const parts: string[] = [];
  for (const ev of sim.events(endMs)) parts.push(enc.encode(ev));
  return Buffer.from(parts.join(''), 'latin1');
}

/** Every event until `endMs`. */
export function collectEvents(sim: Simulation, endMs: number): SimEvent[] {
  return [...sim.events(endMs)];
}

/** Only the records (what reached the wire, in wire order). */
export function collectRecords(sim: Simulation, endMs: number): RecordEvent[] {
  return collectEvents(sim, endMs).filter((e): e is RecordEvent => e.type === 'record');
}
