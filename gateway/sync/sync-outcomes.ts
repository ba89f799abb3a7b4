import type { GatewayBuffer } from '../buffer/create-buffer.ts';
import { spansPerDevice } from '../buffer/readings-repository.ts';
import type { SyncBatchRepository, SyncBatchRow } from './batches-repository.ts';
import type { SendOutcome } from './sync-client.ts';

/**
 * What the cloud's final answer to a batch does to the buffer, each in ONE transaction: a committed
 * batch marks its rows synced (rows rejected one by one move to the dead-letter table), a refused batch
 * moves to the dead-letter table with a `sync_refused` ledger entry per device. Either way the batch row
 * is deleted, so the next run builds a new batch.
 */

type Buffer = Pick<GatewayBuffer, 'db' | 'store' | 'alerts' | 'losses' | 'deadLetters' | 'kv'>;
export const KV_LAST_SYNC = 'sync.last';

export function recordCommitted(
  buffer: Buffer,
  batches: SyncBatchRepository,
  batch: SyncBatchRow,
  response: Extract<SendOutcome, { kind: 'ok' }>['response'],
  at: number,
): void {
  const { store, alerts, losses, deadLetters, kv, db } = buffer;
  db.transaction(() => {
    if (response.rejected.length > 0 && batch.firstId !== null && batch.lastId !== null) {
      const rows = store.batchRows(batch.id, batch.firstId, batch.lastId);
      for (const rej of response.rejected) {
        const row = rows[rej.index];
        if (!row) continue;
        deadLetters.add({
          kind: 'reading',
          batchKey: batch.batchKey,
          readingKey: `${row.device}/${row.boot}/${row.seq}`,
          device: row.device,
          httpStatus: 200,
          code: rej.code,
          message: rej.message,
          readingCount: 1,
          payload: JSON.stringify(store.decode(row)),
          at,
        });
        store.deleteRow(row.id);
      }
    }
    if (batch.firstId !== null && batch.lastId !== null) {
      store.markBatchSynced(batch.id, batch.firstId, batch.lastId, at);
    }
    alerts.markSynced(batch.alertVersions);
    losses.markSynced(batch.lossIds, at);
    batches.delete(batch.id);
    kv.set(
      KV_LAST_SYNC,
      { at, batchKey: batch.batchKey, accepted: response.accepted, duplicates: response.duplicates },
      at,
    );
  })();
}

export function recordRefused(
  buffer: Buffer,
  batches: SyncBatchRepository,
  batch: SyncBatchRow,
  outcome: Extract<SendOutcome, { kind: 'refused' }>,
  at: number,
): void {
  const { store, alerts, losses, deadLetters, db } = buffer;
  db.transaction(() => {
    deadLetters.add({
      kind: 'batch',
      batchKey: batch.batchKey,
      readingKey: null,
      device: null,
      httpStatus: outcome.status,
      code: outcome.code,
      message: outcome.message,
      readingCount: batch.readingCount,
      payload: batch.body,
      at,
    });
    if (batch.firstId !== null && batch.lastId !== null) {
      const rows = store.batchRows(batch.id, batch.firstId, batch.lastId);
      for (const [device, d] of spansPerDevice(rows)) {
        losses.record({ device, reason: 'sync_refused', count: d.count, fromTs: d.fromTs, toTs: d.toTs });
      }
      store.deleteBatchRows(batch.id, batch.firstId, batch.lastId);
    }
    // The batch's alert changes and ledger entries are in the dead-lettered body; re-sending them could
    // poison every following batch if one of them is what the cloud refused.
    alerts.markSynced(batch.alertVersions);
    losses.markSynced(batch.lossIds, at);
    batches.delete(batch.id);
  })();
}
