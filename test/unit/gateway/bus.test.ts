import { describe, expect, it } from 'vitest';
import { GatewayBus } from '../../../gateway/bus.ts';
import { silentLogger } from '../../../shared/log.ts';

describe('GatewayBus', () => {
  it('delivers to every listener even when one throws', () => {
    const bus = new GatewayBus({ log: silentLogger() });
    const seen: string[] = [];
    bus.on('sync', () => {
      throw new Error('boom');
    });
    bus.on('sync', (e) => seen.push(e.batchId));
    bus.emit('sync', { ok: true, batchId: 'b1', readings: 1, at: 0 });
    expect(seen).toEqual(['b1']);
  });

  it('stops delivering after unsubscribe', () => {
    const bus = new GatewayBus({ log: silentLogger() });
    let n = 0;
    const off = bus.on('sync', () => n++);
    bus.emit('sync', { ok: true, batchId: 'a', readings: 0, at: 0 });
    off();
    bus.emit('sync', { ok: true, batchId: 'b', readings: 0, at: 0 });
    expect(n).toBe(1);
  });
});
