import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { ByteSink } from './byte-sink.ts';
import { openFileSink } from './file-output.ts';
import { openSerialSink } from './serial-output.ts';
import { openStdoutSink } from './stdout-output.ts';

/** `-` → stdout; a character device (pty, tty, USB serial) → serialport; anything else → a file. */
export async function openSink(
  target: string,
  opts: { baudRate?: number; append?: boolean; stdout?: Writable } = {},
): Promise<ByteSink> {
  if (target === '-') return openStdoutSink(opts.stdout);
  if (target === '/dev/null') return openFileSink(target, true);
  const info = await stat(target).catch(() => undefined);
  if (info?.isCharacterDevice()) return openSerialSink(target, opts.baudRate);
  return openFileSink(target, opts.append);
}
