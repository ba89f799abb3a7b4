import { randomUUID } from 'node:crypto';
import { SYNC_LIMITS } from '../../shared/schemas/sync.ts';
import type { AlertsRepository } from '../alerts/alerts-repository.ts';
import type { LossLedger } from '../buffer/losses-repository.ts';
import type { ReadingStore } from '../buffer/readings-repository.ts';
import type { SyncBatchRepository, SyncBatchRow } from './batches-repository.ts';

export interface BuildRequest {
  kind: 'live' | 'backlog';
  /** Readings with `afterId < id <= uptoId`. */
  afterId: number;
  uptoId: number;
  maxReadings: number;
  /** Uncompressed JSON size of the readings at most (the first reading always fits). */
  maxBytes: number;
}

/**
 * Takes the next readings (plus every unsent alert change and loss entry) and persists them as a batch
 * in ONE transaction: the batch row with its exact JSON and key, and the rows marked with the batch.
 * Sending happens afterwards; a crash in between re-sends the same key and content after restart.
 * Only one batch is ever open (the sync sends them one at a time), so an alert change is never in two.
 */
export interface BatchBuilderDeps {
  store: ReadingStore;
  alerts: AlertsRepository;
  losses: LossLedger;
  batches: SyncBatchRepository;
  gatewayId: string;
  clock: () => number;
}

export class BatchBuilder {
  readonly #d: BatchBuilderDeps;
  readonly #build: (req: BuildRequest) => SyncBatchRow | undefined;

  constructor(deps: BatchBuilderDeps) {
    this.#d = deps;
    this.#build = deps.store.db.transaction((req: BuildRequest) => this.#buildInTx(req));
  }

  build(req: BuildRequest): SyncBatchRow | undefined {
    return this.#build(req);
  }

  #buildInTx(req: BuildRequest): SyncBatchRow | undefined {
    const { store, alerts, losses, batches, gatewayId, clock } = this.#d;
    const rows = store.selectUnbatched(
      req.afterId,
      req.uptoId,
      Math.min(req.maxReadings, SYNC_LIMITS.maxReadings),
    );
    const readingJson: string[] = [];
    let bytes = 0;
    for (const row of rows) {
      const json = JSON.stringify(store.decode(row));
      if (readingJson.length > 0 && bytes + json.length + 1 > req.maxBytes) break;
      readingJson.push(json);
      bytes += json.length + 1;
    }
    const changed = alerts.unsynced(SYNC_LIMITS.maxAlerts);
    const lossEntries = losses.unsent(SYNC_LIMITS.maxLosses);
    if (readingJson.length === 0 && changed.length === 0 && lossEntries.length === 0) return undefined;

    const now = clock();
    const batchKey = `${gatewayId}-${now.toString(36)}-${randomUUID()}`;
    const id = batches.insert({ batchKey, kind: req.kind, createdAt: now });
    const included = rows.slice(0, readingJson.length);
    const firstId = included[0]?.id ?? null;
    const lastId = included.at(-1)?.id ?? null;
    if (firstId !== null && lastId !== null) store.assignBatch(id, firstId, lastId);
    const lossIds = lossEntries.map((l) => l.id);
    losses.assignBatch(lossIds, id);
    const body =
      `{"gatewayId":${JSON.stringify(gatewayId)},"batchId":${JSON.stringify(batchKey)},` +
      `"readings":[${readingJson.join(',')}],"alerts":${JSON.stringify(changed.map((a) => a.event))},` +
      `"losses":${JSON.stringify(lossEntries)}}`;
    const alertVersions = changed.map((a): [string, number] => [a.event.id, a.version]);
    batches.complete(id, { body, readingCount: included.length, firstId, lastId, alertVersions, lossIds });
    return {
      id,
      batchKey,
      kind: req.kind,
      createdAt: now,
      body,
      readingCount: included.length,
      firstId,
      lastId,
      alertVersions,
      lossIds,
      attempts: 0,
      lastError: null,
    };
  }
}
