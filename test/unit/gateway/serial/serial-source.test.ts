import { SerialPortMock } from 'serialport';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IngestInput, IngestOutcome } from '../../../../gateway/ingest/ingest-pipeline.ts';
import { type OpenPort, type PortStream, SerialSource } from '../../../../gateway/serial/serial-source.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { encodeAicssLine, encodeBootBanner } from '../../../../shared/protocol/aicss-serial.ts';

/**
 * The reopen-with-backoff logic against @serialport/binding-mock (the hardware faked at the binding layer)
 * with fake timers. The integration test (test/integration/gateway/serial) does the same on real ptys.
 */

const PATH = '/dev/serial/by-id/usb-mock-adapter';
// The binding SerialPortMock really uses (importing @serialport/binding-mock as ESM gives another copy).
const MockBinding = SerialPortMock.binding;

interface Binding {
  isOpen: boolean;
  emitData(data: Buffer | string): void;
  /** Pending read of the stream; failing it with a non-cancel error is what an unplug looks like. */
  pendingRead: ((err?: Error) => void) | null;
}

let opened: SerialPortMock[];
let items: IngestInput[];
let source: SerialSource;

const openPort: OpenPort = (o) => {
  const p = new SerialPortMock(o);
  opened.push(p);
  return p as unknown as PortStream;
};

function binding(): Binding {
  return (opened.at(-1) as unknown as { port: Binding }).port;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  MockBinding.reset();
  opened = [];
  items = [];
  source = new SerialSource({
    log: silentLogger(),
    port: { path: PATH, format: 'aicss', baudRate: 115_200 },
    reopenMinMs: 1000,
    reopenMaxMs: 8000,
    openPort,
    pipeline: {
      ingest: async (input: IngestInput): Promise<IngestOutcome> => {
        items.push(input);
        return { status: 'diagnostic', text: '' };
      },
    },
  });
});

afterEach(async () => {
  await source.stop();
  vi.useRealTimers();
});

/** Lets the mock binding's promise/nextTick chains run without moving the fake clock. */
const settle = () => vi.advanceTimersByTimeAsync(0).then(() => new Promise((r) => setImmediate(r)));

describe('SerialSource reopen', () => {
  it('retries a missing port with a doubling delay, capped, and resets it after a good open', async () => {
    await source.start();
    expect(source.status()).toMatchObject({ open: false, failures: 1, nextReopenMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    await settle();
    expect(source.status()).toMatchObject({ failures: 2, nextReopenMs: 2000 });
    await vi.advanceTimersByTimeAsync(2000);
    await settle();
    await vi.advanceTimersByTimeAsync(4000);
    await settle();
    expect(source.status()).toMatchObject({ failures: 4, nextReopenMs: 8000 });
    await vi.advanceTimersByTimeAsync(8000);
    await settle();
    expect(source.status()).toMatchObject({ failures: 5, nextReopenMs: 8000 });
    // No attempt before the delay has passed.
    MockBinding.createPort(PATH);
    await vi.advanceTimersByTimeAsync(7999);
    await settle();
    expect(source.status().open).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(source.status()).toMatchObject({ open: true, opens: 1, nextReopenMs: null });
    expect(opened).toHaveLength(6);
  });

  it('reopens by path after the adapter is unplugged mid-stream, and frames lines again', async () => {
    MockBinding.createPort(PATH);
    await source.start();
    await settle();
    expect(source.status()).toMatchObject({ open: true, opens: 1 });
    binding().emitData(encodeBootBanner({ firmware: '1.0.0', device: 'aicss-mock' }));
    binding().emitData(encodeAicssLine({ MSG: 1, t: 0, up: 5, st: 1 }));
    await settle();
    expect(items.map((i) => i.result.ok && i.result.kind)).toEqual(['diagnostic', 'observation']);
    expect(items[1]?.device).toBe('aicss-mock');

    // Unplugged: the pending read fails (EIO) and the adapter disappears from the system.
    MockBinding.reset();
    binding().pendingRead?.(new Error('EIO: i/o error, read'));
    await settle();
    expect(source.status()).toMatchObject({ open: false, failures: 1, nextReopenMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    await settle();
    expect(source.status()).toMatchObject({ open: false, failures: 2, nextReopenMs: 2000 });

    // Plugged back (re-enumerated, same by-id name).
    MockBinding.createPort(PATH);
    await vi.advanceTimersByTimeAsync(2000);
    await settle();
    expect(source.status()).toMatchObject({ open: true, opens: 2 });
    binding().emitData(encodeAicssLine({ MSG: 2, t: 0, up: 15, st: 1 }));
    await settle();
    expect(items).toHaveLength(3);
    expect(items[2]).toMatchObject({ device: 'aicss-mock', sourceId: `serial:${PATH}` });

    // The delay went back to the minimum after the good open.
    MockBinding.reset();
    binding().pendingRead?.(new Error('EIO: i/o error, read'));
    await settle();
    expect(source.status().nextReopenMs).toBe(1000);
  });

  it('does not reopen after stop()', async () => {
    MockBinding.createPort(PATH);
    await source.start();
    await settle();
    await source.stop();
    expect(source.status()).toMatchObject({ open: false, nextReopenMs: null });
    await vi.advanceTimersByTimeAsync(60_000);
    await settle();
    expect(opened).toHaveLength(1);
  });
});
