// Child process of commit-crash.test.ts: submits synthesized readings as fast as it can and prints the index
// of every reading whose submit() resolved 'stored' (what the ingest would acknowledge), until killed.
import { createBuffer } from '../../../../gateway/buffer/create-buffer.ts';
import { GatewayBus } from '../../../../gateway/bus.ts';
import { BufferConfig } from '../../../../gateway/config/core-config.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { makeReading } from './reading-fixture.ts';

const [path, fromArg] = process.argv.slice(2);
const log = silentLogger();
const buffer = createBuffer({
  config: BufferConfig.parse({ path }),
  log,
  clock: () => Date.now(),
  bus: new GatewayBus({ log }),
});
buffer.start();
let next = Number(fromArg);
let acked: number[] = [];
let flushScheduled = false;
const IN_FLIGHT = 3000;
let inFlight = 0;

function ack(i: number) {
  acked.push(i);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      // Pipes are synchronous on Linux: once written, the parent has it even if we die right after.
      process.stdout.write(`${acked.join('\n')}\n`);
      acked = [];
    });
  }
}

function pump() {
  while (inFlight < IN_FLIGHT) {
    const i = next++;
    inFlight++;
    void buffer.committer.submit(makeReading(i)).then((r) => {
      inFlight--;
      if (r === 'stored') ack(i);
      pump();
    });
  }
}
process.stdout.write('ready\n');
pump();
