import { existsSync } from 'node:fs';
import { AppError } from '../../shared/errors.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import type { GatewayStatusResponse } from '../http/status-schema.ts';
import { inspectBuffer } from './buffer-inspect-repository.ts';
import { fetchStatus, statusUrl } from './doctor-checks.ts';

/**
 * `cds gateway status`: buffer depth, oldest unsynced age, last sync, per-device last seen and rejected
 * counts, active alerts. From the running gateway's `/status`; when none answers, from its SQLite file
 * (what the file knows: backlog, devices' last readings, active alerts, the last committed sync).
 */

export interface StatusOptions {
  config?: string;
  /** `/status` URL of the gateway; default from the config's http host/port. */
  url?: string;
  json?: boolean;
}

export interface StatusDeps {
  load: (flag: string | undefined) => Promise<LoadedConfig>;
  print: (line: string) => void;
  now: () => number;
}

function ago(now: number, at: number | null | undefined): string {
  if (at === null || at === undefined) return 'never';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h ago`;
  return `${(s / 86_400).toFixed(1)} days ago`;
}

const codes = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, n]) => `${k}×${n}`)
    .join(' ') || '-';

function printLive(s: GatewayStatusResponse, print: (l: string) => void): void {
  const now = s.now;
  print(
    `gateway ${s.gatewayId} (${s.softwareVersion}), running since ${new Date(s.startedAt).toISOString()}`,
  );
  print(
    `buffer     ${s.buffer.backlog} readings waiting; oldest unsynced ${s.buffer.oldestUnsyncedAgeS === null ? '-' : `${Math.round(s.buffer.oldestUnsyncedAgeS)} s old`}  (${s.buffer.dbFile})`,
  );
  print(
    `sync       ${s.sync.state}; last success ${ago(now, s.sync.lastSuccessAt)}; ${s.sync.batchesSent} batches sent, ${s.sync.batchesFailed} failed, ${s.sync.batchesDeadLettered} dead-lettered${s.sync.lastError ? `; last error: ${s.sync.lastError}` : ''}`,
  );
  print(
    `ingest     ${s.ingest.stored} stored, ${s.ingest.duplicate} duplicates, ${s.ingest.refused} refused, ${s.ingest.rejected} rejected (${codes(s.ingest.rejectedByCode)})`,
  );
  for (const p of s.serial)
    print(
      `serial     ${p.path} ${p.open ? 'open' : `CLOSED (${p.lastError ?? '?'})`}, ${p.readings} readings, last ${ago(now, p.lastReadingAt)}`,
    );
  if (s.broker) print(`broker     port ${s.broker.port}, ${s.broker.clients} client(s)`);
  if (s.externalBroker)
    print(`external   ${s.externalBroker.url} ${s.externalBroker.connected ? 'connected' : 'DISCONNECTED'}`);
  print('devices');
  if (s.devices.length === 0) print('  (none yet)');
  for (const d of s.devices)
    print(
      `  ${d.device.padEnd(24)} last seen ${ago(now, d.lastSeenAt).padEnd(14)} ${d.online === false ? 'offline ' : ''}stored ${d.stored}, rejected ${codes(d.rejectedByCode)}`,
    );
  print(`alerts     ${s.alerts.active.length} active`);
  for (const a of s.alerts.active)
    print(
      `  ${a.severity.padEnd(8)} ${a.rule.padEnd(20)} ${a.device ?? '(gateway)'} since ${ago(now, a.raisedAt)}: ${a.message}`,
    );
}

export async function statusAction(opts: StatusOptions, deps: StatusDeps): Promise<number> {
  const { print } = deps;
  let loaded: LoadedConfig;
  try {
    loaded = await deps.load(opts.config);
  } catch (err) {
    const lines =
      err instanceof AppError && Array.isArray(err.details) ? (err.details as string[]) : [String(err)];
    print('cds gateway status: invalid configuration');
    for (const l of lines) print(`  ${l}`);
    return 78;
  }
  const live = await fetchStatus(opts.url ?? statusUrl(loaded.config));
  if (live) {
    if (opts.json) print(JSON.stringify(live, null, 2));
    else printLive(live, print);
    return 0;
  }
  const path = loaded.config.buffer.path;
  if (!existsSync(path)) {
    print(`The gateway is not running and ${path} does not exist yet.`);
    return 1;
  }
  const snap = inspectBuffer(path);
  if (opts.json) {
    print(JSON.stringify({ running: false, dbFile: path, ...snap }, null, 2));
    return 0;
  }
  const now = deps.now();
  print(`gateway ${loaded.config.gatewayId} is NOT running; from ${path}`);
  print(
    `buffer     ${snap.backlog.count} readings waiting; oldest unsynced ${snap.backlog.oldestTs === null ? '-' : ago(now, snap.backlog.oldestTs)}; ${snap.readings} readings in the file`,
  );
  print(`sync       last committed batch ${ago(now, snap.lastSync?.at)}`);
  print('devices    (rejected counts are kept by the running gateway only)');
  for (const d of snap.devices)
    print(`  ${d.device.padEnd(24)} last reading ${ago(now, d.ts)} (boot ${d.boot}, seq ${d.seq})`);
  print(`alerts     ${snap.activeAlerts.length} active`);
  for (const a of snap.activeAlerts)
    print(
      `  ${a.severity.padEnd(8)} ${a.rule.padEnd(20)} ${a.device ?? '(gateway)'} since ${ago(now, a.raisedAt)}: ${a.message}`,
    );
  return 0;
}
