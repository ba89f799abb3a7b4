import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Where serial bytes go: stdout, a file, a serial device/pty, or memory (tests). Writes honour
 * backpressure: `write` returns a promise only when the destination asked to wait ('drain').
 */
export interface ByteSink {
  readonly name: string;
  write(chunk: Buffer): Promise<void> | undefined;
  close(): Promise<void>;
}

/** Wraps a Writable. `end` says whether closing the sink ends the stream (not for stdout). */
export function writableSink(stream: Writable, name: string, end: boolean): ByteSink {
  let failure: Error | undefined;
  stream.on('error', (err) => {
    failure = err;
  });
  return {
    name,
    write(chunk) {
      if (failure) throw failure;
      if (stream.write(chunk)) return undefined;
      return Promise.race([
        once(stream, 'drain').then(() => undefined),
        once(stream, 'error').then(([err]) => {
          throw err;
        }),
      ]);
    },
    async close() {
      if (failure) return;
      if (!end) {
        if (stream.writableNeedDrain) await once(stream, 'drain');
        return;
      }
      await new Promise<void>((resolve) => stream.end(resolve));
    },
  };
}

/** Everything written, kept in memory (tests and the programmatic API). */
export class MemorySink implements ByteSink {
  readonly name = 'memory';
  readonly chunks: Buffer[] = [];

  write(chunk: Buffer): undefined {
    this.chunks.push(chunk);
    return undefined;
  }

  async close(): Promise<void> {}

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
