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
  /**
   * UTF-8 size of the whole body at most: envelope, alert changes, loss entries and readings, taken in
   * that order while they fit. A batch that would be empty takes its first item whatever its size, so the
   * sync always moves on (an item is far smaller than the smallest `sync.maxBatchBytes`).
   */
  maxBytes: number;
}

/** `],"alerts":[` + `],"losses":[` + `]}` around the three arrays, after the head. */
const ENVELOPE_TAIL_BYTES = '],"alerts":['.length + '],"losses":['.length + ']}'.length;

/** How many of `items` (JSON texts, joined by commas) fit in `budget` bytes; `bytes` is what they take. */
function takeFitting(items: readonly string[], budget: number): { n: number; bytes: number } {
  let bytes = 0;
  let n = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item) + (n > 0 ? 1 : 0);
    if (bytes + size > budget) break;
    bytes += size;
    n++;
  }
  return { n, bytes };
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
    const now = clock();
    const batchKey = `${gatewayId}-${now.toString(36)}-${randomUUID()}`;
    const head = `{"gatewayId":${JSON.stringify(gatewayId)},"batchId":${JSON.stringify(batchKey)},"readings":[`;
    let budget = req.maxBytes - Buffer.byteLength(head) - ENVELOPE_TAIL_BYTES;

    const changedAll = alerts.unsynced(SYNC_LIMITS.maxAlerts);
    const alertJson = changedAll.map((a) => JSON.stringify(a.event));
    const alertFit = takeFitting(alertJson, budget);
    budget -= alertFit.bytes;
    const lossesAll = losses.unsent(SYNC_LIMITS.maxLosses);
    const lossJson = lossesAll.map((l) => JSON.stringify(l));
    const lossFit = takeFitting(lossJson, budget);
    budget -= lossFit.bytes;
    const rows = store.selectUnbatched(
      req.afterId,
      req.uptoId,
      Math.min(req.maxReadings, SYNC_LIMITS.maxReadings),
    );
    const readingJson: string[] = [];
    let bytes = 0;
    for (const row of rows) {
      const json = JSON.stringify(store.decode(row));
      const size = Buffer.byteLength(json) + (readingJson.length > 0 ? 1 : 0);
      if (bytes + size > budget) break;
      readingJson.push(json);
      bytes += size;
    }
    let nAlerts = alertFit.n;
    let nLosses = lossFit.n;
    // Nothing fits: take the first item anyway (only a tiny maxBytes or a huge status reserve gets here).
    if (nAlerts + nLosses + readingJson.length === 0) {
      if (alertJson.length > 0) nAlerts = 1;
      else if (lossJson.length > 0) nLosses = 1;
      else if (rows[0]) readingJson.push(JSON.stringify(store.decode(rows[0])));
    }
    const changed = changedAll.slice(0, nAlerts);
    const lossEntries = lossesAll.slice(0, nLosses);
    if (readingJson.length === 0 && changed.length === 0 && lossEntries.length === 0) return undefined;

    const id = batches.insert({ batchKey, kind: req.kind, createdAt: now });
    const included = rows.slice(0, readingJson.length);
    const firstId = included[0]?.id ?? null;
    const lastId = included.at(-1)?.id ?? null;
    if (firstId !== null && lastId !== null) store.assignBatch(id, firstId, lastId);
    const lossIds = lossEntries.map((l) => l.id);
    losses.assignBatch(lossIds, id);
    const body =
      `${head}${readingJson.join(',')}],"alerts":[${alertJson.slice(0, nAlerts).join(',')}],` +
      `"losses":[${lossJson.slice(0, nLosses).join(',')}]}`;
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
