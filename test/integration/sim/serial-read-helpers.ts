import { SerialPort } from 'serialport';
import type { DecodeResult } from '../../../shared/protocol/decode-result.ts';
import { type FramedItem, LineFramer } from '../../../shared/protocol/line-framer.ts';
import { decodeSerialItem, type SerialFormat } from '../../../shared/protocol/serial-formats.ts';

/** The gateway's side of a pty: the real `serialport` package feeding the shared LineFramer + decoder. */
export async function openSerialReader(path: string, format: SerialFormat = 'aicss') {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const framer = new LineFramer();
  const results: DecodeResult[] = [];
  framer.on('data', (item: FramedItem) => results.push(decodeSerialItem(format, item)));
  port.pipe(framer);
  return {
    results,
    async close() {
      port.unpipe(framer);
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
