import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { AppError } from '../../../shared/errors.ts';
import { createLogger } from '../../../shared/log.ts';
import { migrate } from '../../db/migrate.ts';
import { loadCloudConfig, openCloudDatabase } from '../../server.ts';
import { AneelSync, type SyncResult } from '../aneel-sync.ts';
import type { LoadProgress } from '../load/load-runner.ts';
import type { AneelSyncFlags } from './aneel-command.ts';
import { parseDatasets, parseVia, parseYears } from './sync-flags.ts';

/** Implementation of `cds cloud aneel sync` (loaded only when the command runs). */
export async function syncAction(o: AneelSyncFlags): Promise<void> {
  try {
    const ok = await runSync(o);
    if (!ok) process.exitCode = 1;
  } catch (err) {
    if (err instanceof AppError) {
      console.error(`cds cloud aneel sync: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

const kb = (n: number | undefined) =>
  n === undefined ? '?' : n < 1024 ? `${n} B` : `${(n / 1024).toFixed(0)} kB`;

function printProgress(p: LoadProgress): void {
  // `merging` is momentary and the final table repeats `done`: print the long phases and the outcome only
  if (p.phase === 'merging' || p.phase === 'checking') return;
  const bytes = p.bytesRead !== undefined ? `, ${kb(p.bytesRead)} of ${kb(p.totalBytes)}` : '';
  const pages = p.pages ? `, ${p.pages} pages` : '';
  const rate = p.rowsPerSecond ? `, ${p.rowsPerSecond} rows/s` : '';
  console.error(
    `  [${p.dataset}] ${basename(p.source)}: ${p.phase} — ${p.rowsRead} rows read, ${p.rowsRejected} rejected${bytes}${pages}${rate}`,
  );
}

async function runSync(o: AneelSyncFlags): Promise<boolean> {
  const datasets = parseDatasets(o.datasets);
  const sampYears = parseYears(o.sampYears);
  const via = parseVia(o.via);
  if (
    o.fromDir &&
    !(await stat(o.fromDir).then(
      (st) => st.isDirectory(),
      () => false,
    ))
  ) {
    throw new AppError('bad_request', `--from-dir ${o.fromDir} is not a folder`);
  }
  const config = await loadCloudConfig({
    ...(o.config ? { configFile: o.config } : {}),
    overrides: {
      ...(o.dataDir ? { dataDir: o.dataDir } : {}),
      ...(o.baseUrl ? { aneel: { baseUrl: o.baseUrl } } : {}),
    },
  });
  const log = createLogger({ name: 'cds-cloud', level: process.env.LOG_LEVEL ?? 'warn' });
  const db = await openCloudDatabase(config, log);
  try {
    await migrate({ pool: db.pool, log });
    const from = o.fromDir ? `folder ${o.fromDir}` : `portal ${config.aneel.baseUrl}`;
    console.error(`cds cloud aneel sync: loading from ${from} into ${db.where}`);
    const sync = new AneelSync({
      pool: db.pool,
      log,
      clock: Date.now,
      baseUrl: config.aneel.baseUrl,
      progressIntervalMs: 2000,
      onProgress: printProgress,
    });
    const result = await sync.run({
      trigger: 'cli',
      ...(datasets ? { datasets } : {}),
      ...(o.fromDir ? { fromDir: o.fromDir } : {}),
      ...(sampYears ? { sampYears } : {}),
      ...(via ? { via } : {}),
      force: o.force === true,
    });
    if (o.json) console.log(JSON.stringify(result, null, 2));
    else printResult(result);
    return result.status === 'succeeded';
  } finally {
    await db.close();
  }
}

function printResult(r: SyncResult): void {
  const rows = r.loads.map((l) => [
    l.dataset,
    basename(l.source),
    String(l.rowsRead),
    String(l.rowsInserted),
    String(l.rowsUpdated),
    String(l.rowsRejected),
    l.status === 'succeeded' ? (l.unchanged ? 'unchanged' : 'ok') : `FAILED: ${l.error?.message ?? ''}`,
  ]);
  const head = ['dataset', 'source', 'read', 'inserted', 'updated', 'rejected', 'result'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (i < 6 ? row[i]!.length : 0))));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === 6 ? c : i >= 2 ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join('  ');
  console.log(`sync ${r.syncId}: ${r.status}`);
  if (r.error) console.log(`error: ${r.error}`);
  console.log(fmt(head));
  for (const row of rows) console.log(fmt(row));
  const total = (k: 'rowsRead' | 'rowsInserted' | 'rowsUpdated' | 'rowsRejected') =>
    r.loads.reduce((s, l) => s + l[k], 0);
  console.log(
    `total: ${total('rowsRead')} read, ${total('rowsInserted')} inserted, ${total('rowsUpdated')} updated, ` +
      `${total('rowsRejected')} rejected`,
  );
  const synthetic = r.loads.filter((l) => /SYNTHETIC/i.test(l.source)).map((l) => basename(l.source));
  if (synthetic.length)
    console.log(`note: invented values (files marked SYNTHETIC): ${synthetic.join(', ')}`);
  if (r.ignoredFiles.length)
    console.log(`not ANEEL data-set files, left alone: ${r.ignoredFiles.join(', ')}`);
}
