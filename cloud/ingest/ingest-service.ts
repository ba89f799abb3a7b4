import type pg from 'pg';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { RowRejection, SyncBatchResponse } from '../../shared/schemas/sync.ts';
import type { ReadingPartitions } from '../db/partitions.ts';
import type { CloudMetrics } from '../observability/metrics.ts';
import {
  claimBatch,
  countRejections,
  enrollDevices,
  findDevices,
  findSyncBatch,
  finishBatch,
  type IngestGateway,
  lockOwnedDevices,
  type OwnedDevices,
  upsertAlerts,
  upsertLosses,
} from './ingest-repository.ts';
import { insertReadings } from './insert-readings.ts';
import { type IngestInput, type PreparedBatch, prepareBatch } from './prepared-batch.ts';
import { RetryBatch, sqlState } from './retry-batch.ts';
import { lockCounterStates } from './rollup-repository.ts';
import { applyRollups } from './rollup-updater.ts';
import type { IndexedReading } from './row-validation.ts';

export type { IngestInput };

export type IngestMetrics = Pick<CloudMetrics, 'ingestRows' | 'ingestBatchSeconds' | 'rejections'>;

export interface IngestServiceDeps {
  pool: pg.Pool;
  log: Logger;
  clock: () => number;
  metrics: IngestMetrics;
  partitions: ReadingPartitions;
}

const MAX_ATTEMPTS = 3;

/**
 * `POST /api/v1/aicss/dados` without the HTTP: validates a sync batch, stores it exactly once and answers only
 * after COMMIT (contract: shared/schemas/sync.ts; write path: docs/scaling.md).
 *
 * One transaction, few round trips: claim the (gateway, batch) key (a second request with the same key waits
 * on it, then gets the stored answer) → owners of the devices → lock their counter states → COPY → rollups
 * and states → alerts, losses, rejection counts → response, device and gateway "seen" → COMMIT.
 *
 * Readings are unique on (device, ts, boot, seq). The locked counter state says whether a batch can contain
 * stored readings at all (only readings at or before a device's latest stored one can): if not — the normal
 * case — they are COPYed straight into `readings`; if so, through a staging table and INSERT … ON CONFLICT DO
 * NOTHING, and the skipped rows are `duplicates`.
 */
export class IngestService {
  private readonly deps: IngestServiceDeps;
  private readonly log: Logger;

  constructor(deps: IngestServiceDeps) {
    this.deps = deps;
    this.log = deps.log.child({ component: 'ingest' });
  }

  async ingest(input: IngestInput): Promise<SyncBatchResponse> {
    const started = performance.now();
    // Only the validated copy, the COPY text and the fingerprint live on through the transaction: the raw
    // parse tree (thousands of objects) becomes garbage now, before it can be promoted to the old generation
    // while this batch waits on the database.
    const prepared = await prepareBatch(input, this.deps.clock);
    input.body = undefined;
    let response: SyncBatchResponse | undefined;
    let forceDedup = false;
    for (let attempt = 1; !response; attempt++) {
      await this.deps.partitions.ensureFor(prepared.months);
      try {
        response = await this.store(prepared, forceDedup);
      } catch (err) {
        if (!(err instanceof RetryBatch) || attempt >= MAX_ATTEMPTS) throw err;
        this.log.debug({ reason: err.reason, attempt, batchId: prepared.batch.batchId }, 'retrying batch');
        // A partition detached since we cached it as present, or a stored row the counter state did not
        // know about (inserted outside ingest): look again / take the de-duplicating path.
        if (err.reason === 'no_partition') this.deps.partitions.forget();
        if (err.reason === 'stored_row') forceDedup = true;
      }
    }
    if (!response.replayed) {
      const m = this.deps.metrics;
      m.ingestRows.inc({ result: 'accepted' }, response.accepted);
      m.ingestRows.inc({ result: 'duplicate' }, response.duplicates);
      this.countRejectionMetrics(response.rejected);
      m.ingestBatchSeconds.observe((performance.now() - started) / 1000);
    }
    return response;
  }

  private async store(p: PreparedBatch, forceDedup: boolean): Promise<SyncBatchResponse> {
    const client = await this.deps.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('begin');
      try {
        const res = await this.storeInTransaction(client, p, forceDedup);
        await client.query(res.replayed ? 'rollback' : 'commit');
        return res;
      } catch (err) {
        await client.query('rollback').catch((e: Error) => {
          broken = e;
        });
        const state = sqlState(err);
        if (state === '23514' && /no partition/.test(String((err as Error).message))) {
          throw new RetryBatch('no_partition', err);
        }
        if (state === '40P01') throw new RetryBatch('deadlock', err);
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  private async storeInTransaction(
    client: pg.PoolClient,
    p: PreparedBatch,
    forceDedup: boolean,
  ): Promise<SyncBatchResponse> {
    const { batch, rows } = p;
    const gw = batch.gatewayId;
    const claim = await claimBatch(client, gw, batch.batchId, p.sha);
    if (!claim.claimed) {
      const stored = await findSyncBatch(client, gw, batch.batchId);
      if (!stored) throw new AppError('conflict', 'the batch is being stored by another request; retry');
      if (stored.requestSha256 !== p.sha) {
        throw new AppError(
          'idempotency_key_reused',
          'this Idempotency-Key was already used for a different batch; use a new key for new content',
        );
      }
      return { ...stored.response, replayed: true };
    }
    const gateway = claim.gateway;
    if (!gateway || gateway.revoked)
      throw new AppError('forbidden', `gateway ${gw} is not registered or revoked`);

    const rejected: RowRejection[] = [...rows.rejected];
    const rejectedDevice = new Map(rows.rejectedDevice);
    const { owners, states } = await this.resolveOwners(client, gw, gateway, rows.valid);
    const accepted: IndexedReading[] = [];
    for (const v of rows.valid) {
      const owner = owners.get(v.reading.device);
      if (owner?.gatewayId === gw) {
        accepted.push(v);
        continue;
      }
      rejected.push(
        owner
          ? {
              index: v.index,
              code: 'device_not_owned',
              message: `device ${v.reading.device} belongs to another gateway`,
            }
          : {
              index: v.index,
              code: 'unknown_device',
              message: `device ${v.reading.device} is not enrolled and this gateway does not auto-enroll devices`,
            },
      );
      rejectedDevice.set(v.index, v.reading.device);
    }
    rejected.sort((a, b) => a.index - b.index);
    if (batch.readingCount > 0 && accepted.length === 0) {
      this.countRejectionMetrics(rejected);
      throw new AppError(
        'validation_failed',
        `all ${batch.readingCount} readings of the batch were rejected`,
        {
          status: 422,
          details: { rejected },
        },
      );
    }

    // Devices enrolled by this batch (or owned but never stored) have no state row yet: create and lock.
    const stateless = accepted.map((a) => a.reading.device).filter((d) => !states.has(d));
    if (stateless.length > 0)
      for (const [d, st] of await lockCounterStates(client, stateless)) states.set(d, st);
    const inserted = await insertReadings(client, p, accepted, owners, states, forceDedup);
    await applyRollups(client, states, inserted.byDevice, { trustStates: !forceDedup });
    const alertsAccepted = await upsertAlerts(client, gw, gateway.siteId, batch.alerts);
    const lossesAccepted = await upsertLosses(client, gw, batch.losses);
    await countRejections(
      client,
      gw,
      new Date(p.now).toISOString().slice(0, 10),
      rejectionCounts(rejected, rejectedDevice),
    );

    const applied = batch.status?.configVersion ?? gateway.configVersionApplied;
    const latest = claim.latestConfig;
    const response: SyncBatchResponse = {
      batchId: batch.batchId,
      committed: true,
      accepted: inserted.count,
      duplicates: accepted.length - inserted.count,
      rejected,
      alertsAccepted,
      lossesAccepted,
      replayed: false,
      config: latest && latest.version > applied ? latest : null,
    };
    const maxTs = new Map<string, number>();
    for (const { reading: r } of accepted) maxTs.set(r.device, Math.max(maxTs.get(r.device) ?? 0, r.ts));
    await finishBatch(client, {
      gatewayId: gw,
      batchId: batch.batchId,
      response,
      readings: batch.readingCount,
      status: batch.status,
      devicesSeen: [...maxTs].map(([deviceId, ts]) => ({ deviceId, maxTs: ts })),
    });
    return response;
  }

  /**
   * Owner of each device in the batch (enrolling unknown ones to the gateway's site when it auto-enrolls),
   * and the locked counter states of the devices the gateway owns.
   */
  private async resolveOwners(
    client: pg.PoolClient,
    gatewayId: string,
    gateway: IngestGateway,
    valid: readonly IndexedReading[],
  ): Promise<OwnedDevices> {
    const ids = [...new Set(valid.map((v) => v.reading.device))];
    if (ids.length === 0) return { owners: new Map(), states: new Map() };
    const found = await lockOwnedDevices(client, ids, gatewayId);
    const { owners } = found;
    const unknown = ids.filter((id) => !owners.has(id));
    if (unknown.length === 0 || !gateway.autoEnrollDevices) return found;
    const enrolled = await enrollDevices(client, unknown, gatewayId, gateway.siteId);
    for (const id of enrolled) owners.set(id, { gatewayId, siteId: gateway.siteId });
    if (enrolled.length > 0) this.log.info({ gatewayId, devices: enrolled }, 'devices auto-enrolled');
    const raced = unknown.filter((id) => !owners.has(id));
    if (raced.length > 0) for (const [id, o] of await findDevices(client, raced)) owners.set(id, o);
    return found;
  }

  private countRejectionMetrics(rejected: readonly RowRejection[]): void {
    this.deps.metrics.ingestRows.inc({ result: 'rejected' }, rejected.length);
    for (const r of rejected) this.deps.metrics.rejections.inc({ reason: r.code });
  }
}

function rejectionCounts(
  rejected: readonly RowRejection[],
  deviceOf: ReadonlyMap<number, string>,
): { deviceId: string; code: string; count: number }[] {
  const counts = new Map<string, { deviceId: string; code: string; count: number }>();
  for (const r of rejected) {
    const deviceId = deviceOf.get(r.index) ?? '-';
    const key = `${deviceId} ${r.code}`;
    const c = counts.get(key) ?? { deviceId, code: r.code, count: 0 };
    c.count++;
    counts.set(key, c);
  }
  return [...counts.values()];
}
