import { isAppError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/log.ts';
import { SimRunner } from '../run-sim.ts';
import { type SimCliOptions, toRunOptions } from '../sim-options.ts';

/** The `cds sim` process: options → runner, Ctrl-C stops cleanly (MQTT Offline, files flushed). Exit code out. */
export async function runSimCli(raw: Record<string, unknown>): Promise<number> {
  const log = createLogger({
    name: 'cds-sim',
    level: String(raw.logLevel ?? 'info'),
    destination: process.stderr,
  });
  let runner: SimRunner;
  try {
    runner = new SimRunner(toRunOptions(raw as SimCliOptions, Date.now()), { log });
  } catch (err) {
    console.error(`cds sim: ${isAppError(err) ? err.message : String(err)}`);
    return 2;
  }
  const stop = () => void runner.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // `cds sim … | head`: the reader went away; stop quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stop();
  });
  try {
    await runner.start();
    const stats = await runner.done;
    log.info(
      {
        devices: stats.devices.length,
        records: stats.records,
        boots: stats.boots,
        lost: stats.lostRecords,
        ...(stats.mqtt && { mqtt: stats.mqtt }),
      },
      'done',
    );
    return 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    console.error(`cds sim: ${isAppError(err) ? err.message : String(err)}`);
    return 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
