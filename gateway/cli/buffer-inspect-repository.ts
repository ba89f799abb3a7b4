import Database from 'better-sqlite3';
import type { AlertEvent } from '../../shared/schemas/sync.ts';
import { AlertsRepository } from '../alerts/alerts-repository.ts';
import { KvRepository } from '../buffer/kv-repository.ts';
import { type DeviceLast, ReadingStore } from '../buffer/readings-repository.ts';

/**
 * Read-only look into the gateway's SQLite file for `cds gateway doctor` and `cds gateway status` when the
 * gateway is not running (or to check the file under a running one: WAL lets a reader in alongside the
 * writer). Opens with `readonly: true`, so it can never change or create the buffer.
 */

export interface BufferSnapshot {
  quickCheck: string;
  readings: number;
  backlog: { count: number; oldestTs: number | null };
  devices: DeviceLast[];
  activeAlerts: AlertEvent[];
  /** What the sync recorded after the last batch the cloud committed (gw-core's `sync.last`). */
  lastSync: { at: number; batchKey: string; accepted: number; duplicates: number } | null;
}

export function inspectBuffer(path: string): BufferSnapshot {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
    const quickCheck = rows.map((r) => r.quick_check).join('; ');
    const store = new ReadingStore({ db });
    return {
      quickCheck,
      readings: store.count(),
      backlog: store.backlog(),
      devices: store.lastReadingPerDevice(),
      activeAlerts: new AlertsRepository({ db }).active().map((a) => a.event),
      lastSync: new KvRepository({ db }).get('sync.last') ?? null,
    };
  } finally {
    db.close();
  }
}
