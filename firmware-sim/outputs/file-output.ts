import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { type ByteSink, writableSink } from './byte-sink.ts';

/** `--out history.log`: a capture file, as a logging terminal would write it (truncated unless `append`). */
export async function openFileSink(path: string, append = false): Promise<ByteSink> {
  const stream = createWriteStream(path, { flags: append ? 'a' : 'w' });
  await once(stream, 'open');
  return writableSink(stream, path, true);
}
