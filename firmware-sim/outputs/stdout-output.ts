import type { Writable } from 'node:stream';
import { type ByteSink, writableSink } from './byte-sink.ts';

/** `--out -`: the serial stream on stdout (logs go to stderr). Closing waits for it to drain, never ends it. */
export function openStdoutSink(stdout: Writable = process.stdout): ByteSink {
  return writableSink(stdout, 'stdout', false);
}
