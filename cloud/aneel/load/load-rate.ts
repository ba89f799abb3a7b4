import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { type Logger, silentLogger } from '../../../shared/log.ts';
import { CkanClient } from '../ckan/ckan-client.ts';
import { downloadSource } from '../ckan/ckan-sources.ts';
import { realRetryDeps } from '../ckan/retry.ts';
import { deleteSourceRows } from './bench-repository.ts';
import { type LoadSummary, runLoad } from './load-runner.ts';
import { writeSyntheticTariffCsv } from './synthetic-tariffs.ts';

export interface AneelLoadRateOptions {
  /** A migrated database; the synthetic rows are deleted again unless `keep`. */
  pool: pg.Pool;
  log?: Logger;
  /** Rows of the synthetic tariff file (default 200 000; the real file has about 278k). */
  rows?: number;
  /** Leave the synthetic rows in aneel_tariffs (default false). */
  keep?: boolean;
}

export interface AneelLoadRate {
  rows: number;
  bytes: number;
  /** First load: HTTP download → decode → parse → COPY → merge (all inserts). */
  seconds: number;
  rowsPerSecond: number;
  megabytesPerSecond: number;
  inserted: number;
  /** Same file again: everything read and compared, nothing written (idempotent path). */
  rerunSeconds: number;
  rerunRowsPerSecond: number;
  rerunChanged: number;
}

const SOURCE_KEY = 'bench-tarifas.SYNTHETIC';

/**
 * ANEEL load rate for the analytics bench: writes a SYNTHETIC tariff CSV in the real byte format, serves it
 * from a local HTTP server on a free port, and loads it twice through the production path (CKAN download,
 * streaming decode and parse, COPY into staging, upsert), the second time as the idempotent re-run.
 */
export async function measureAneelLoadRate(opts: AneelLoadRateOptions): Promise<AneelLoadRate> {
  const rows = opts.rows ?? 200_000;
  const log = opts.log ?? silentLogger();
  const dir = await mkdtemp(join(tmpdir(), 'cds-aneel-bench-'));
  const file = join(dir, 'tarifas-homologadas-bench.SYNTHETIC.csv');
  const server = createServer((_req, res) => {
    void stat(file).then((st) => {
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': st.size });
      createReadStream(file).pipe(res);
    });
  });
  try {
    const bytes = await writeSyntheticTariffCsv(file, rows);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new CkanClient({ baseUrl: base, log });
    const source = downloadSource(client, 'tarifas', {
      id: SOURCE_KEY,
      url: '/dataset/bench/resource/bench/download/tarifas-homologadas-bench.SYNTHETIC.csv',
      last_modified: new Date().toISOString(),
      size: bytes,
    });
    const deps = {
      pool: opts.pool,
      log,
      clock: Date.now,
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      retryDeps: realRetryDeps,
      progressIntervalMs: 5000,
    };
    const timed = async (): Promise<[LoadSummary, number]> => {
      const t0 = performance.now();
      const s = await runLoad(deps, source, { force: true });
      if (s.status !== 'succeeded') throw new Error(`bench load failed: ${s.error?.message}`);
      return [s, (performance.now() - t0) / 1000];
    };
    const [first, seconds] = await timed();
    const [again, rerunSeconds] = await timed();
    if (!opts.keep) await deleteSourceRows(opts.pool, SOURCE_KEY);
    return {
      rows: first.rowsRead,
      bytes,
      seconds,
      rowsPerSecond: Math.round(first.rowsRead / seconds),
      megabytesPerSecond: Number((bytes / 1e6 / seconds).toFixed(1)),
      inserted: first.rowsInserted,
      rerunSeconds,
      rerunRowsPerSecond: Math.round(again.rowsRead / rerunSeconds),
      rerunChanged: again.rowsInserted + again.rowsUpdated,
    };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  }
}
