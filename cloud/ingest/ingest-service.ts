import { createHash } from 'node:crypto';
import type pg from 'pg';
import { AppError, formatIssues } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { Reading } from '../../shared/schemas/reading.ts';
import { type RowRejection, SyncBatchRequest, type SyncBatchResponse } from '../../shared/schemas/sync.ts';
import type { ReadingPartitions } from '../db/partitions.ts';
import type { CloudMetrics } from '../observability/metrics.ts';
import {
  claimSyncBatch,
  countRejections,
  type DeviceOwner,
  enrollDevices,
  findDevices,
  findGateway,
  findSyncBatch,
  finishSyncBatch,
  type IngestGateway,
  latestGatewayConfig,
  markDevicesSeen,
  updateGatewaySeen,
  upsertAlerts,
  upsertLosses,
} from './ingest-repository.ts';
import { copyReadings, copyReadingsDeduplicated, readingCopyLine } from './readings-repository.ts';
import { lockCounterStates } from './rollup-repository.ts';
import type { RollupReading } from './rollup-rules.ts';
import { applyRollups, type InsertedDeviceReadings } from './rollup-updater.ts';
import { checkRows, type IndexedReading } from './row-validation.ts';

export type IngestMetrics = Pick<CloudMetrics, 'ingestRows' | 'ingestBatchSeconds' | 'rejections'>;

export interface IngestServiceDeps {
  pool: pg.Pool;
  log: Logger;
  clock: () => number;
  metrics: IngestMetrics;
  partitions: ReadingPartitions;
}

export interface IngestInput {
  /** The authenticated gateway. */
  gatewayId: string;
  /** The parsed JSON body. */
  body: unknown;
  /** The `Idempotency-Key` header. */
  idempotencyKey: string | undefined;
}

type Batch = ReturnType<typeof SyncBatchRequest.parse>;

/** pg error with its SQLSTATE. */
function sqlState(err: unknown): string | undefined {
  return (err as { code?: unknown }).code as string | undefined;
}

function toRollupReading(r: Reading): RollupReading {
  return {
    ts: r.ts,
    boot: r.boot,
    seq: r.seq,
    flags: r.flags,
    voltageV: r.voltageV ?? null,
    powerW: r.channels.map((c) => c.powerW ?? null),
    energyWh: r.channels.map((c) => c.energyWh ?? null),
    lampInternal: r.lampInternal ?? null,
    lampExternal: r.lampExternal ?? null,
  };
}

/**
 * `POST /api/v1/aicss/dados` without the HTTP: validates a sync batch, stores it exactly once and answers only
 * after COMMIT. See shared/schemas/sync.ts for the contract and docs/scaling.md for the write path.
 *
 * Exactly-once: the (gateway, batch) row in sync_batches is inserted FIRST inside the transaction, so a
 * second request with the same key waits on it and then answers with the stored response; readings are
 * unique on (device, ts, boot, seq), so the same rows under a new key become `duplicates`.
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
    const parsed = SyncBatchRequest.safeParse(input.body);
    if (!parsed.success) {
      const issues = formatIssues(parsed.error.issues);
      throw new AppError('validation_failed', `invalid sync batch: ${issues.slice(0, 3).join('; ')}`, {
        details: { issues: issues.slice(0, 50) },
      });
    }
    const batch = parsed.data;
    if (input.idempotencyKey === undefined || input.idempotencyKey === '') {
      throw new AppError('bad_request', 'the Idempotency-Key header is required (equal to batchId)');
    }
    if (input.idempotencyKey !== batch.batchId) {
      throw new AppError('bad_request', 'the Idempotency-Key header must equal the body batchId');
    }
    if (batch.gatewayId !== input.gatewayId) {
      throw new AppError(
        'forbidden',
        `this token belongs to gateway ${input.gatewayId}, not ${batch.gatewayId}`,
      );
    }
    // The status report is a snapshot taken at send time (sentAt, backlog): a retry of the same batch
    // carries a new one, so it is not part of what the key must keep identical.
    const sha = createHash('sha256')
      .update(JSON.stringify([batch.gatewayId, batch.batchId, batch.readings, batch.alerts, batch.losses]))
      .digest('hex');
    const stored = await findSyncBatch(this.deps.pool, batch.gatewayId, batch.batchId);
    if (stored) return this.replay(stored, sha);

    const now = this.deps.clock();
    const rows = checkRows(batch.readings, now);
    const timestamps = rows.valid.map((v) => v.reading.ts);
    let response: SyncBatchResponse | undefined;
    for (let attempt = 1; !response; attempt++) {
      await this.deps.partitions.ensureFor(timestamps);
      try {
        response = await this.store(batch, rows, sha, now);
      } catch (err) {
        // 23514 on insert = no partition for a row: one was detached since we cached it as present.
        if (!(err instanceof NoPartitionError) || attempt > 1) throw err;
        this.deps.partitions.forget();
      }
    }
    const m = this.deps.metrics;
    if (!response.replayed) {
      m.ingestRows.inc({ result: 'accepted' }, response.accepted);
      m.ingestRows.inc({ result: 'duplicate' }, response.duplicates);
      this.countRejectionMetrics(response.rejected);
      m.ingestBatchSeconds.observe((performance.now() - started) / 1000);
    }
    return response;
  }

  private replay(
    stored: { requestSha256: string; response: SyncBatchResponse },
    sha: string,
  ): SyncBatchResponse {
    if (stored.requestSha256 !== sha) {
      throw new AppError(
        'idempotency_key_reused',
        'this Idempotency-Key was already used for a different batch; use a new key for new content',
      );
    }
    return { ...stored.response, replayed: true };
  }

  private async store(
    batch: Batch,
    rows: ReturnType<typeof checkRows>,
    sha: string,
    now: number,
  ): Promise<SyncBatchResponse> {
    const client = await this.deps.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('begin');
      try {
        const res = await this.storeInTransaction(client, batch, rows, sha, now);
        if (res.replayed) await client.query('rollback');
        else await client.query('commit');
        return res;
      } catch (err) {
        await client.query('rollback').catch((e: Error) => {
          broken = e;
        });
        if (sqlState(err) === '23514' && /no partition/.test(String((err as Error).message))) {
          throw new NoPartitionError(err);
        }
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  private async storeInTransaction(
    client: pg.PoolClient,
    batch: Batch,
    rows: ReturnType<typeof checkRows>,
    sha: string,
    now: number,
  ): Promise<SyncBatchResponse> {
    const gw = batch.gatewayId;
    if (!(await claimSyncBatch(client, gw, batch.batchId, sha))) {
      // A concurrent request with this key committed while we waited on its row.
      const stored = await findSyncBatch(client, gw, batch.batchId);
      if (!stored) throw new AppError('conflict', 'the batch is being stored by another request; retry');
      return this.replay(stored, sha);
    }
    const gateway = await findGateway(client, gw);
    if (!gateway || gateway.revoked)
      throw new AppError('forbidden', `gateway ${gw} is not registered or revoked`);

    const rejected: RowRejection[] = [...rows.rejected];
    const rejectedDevice = new Map(rows.rejectedDevice);
    const owners = await this.resolveOwners(client, gw, gateway, rows.valid);
    const accepted: IndexedReading[] = [];
    for (const v of rows.valid) {
      const owner = owners.get(v.reading.device);
      if (!owner) {
        rejected.push({
          index: v.index,
          code: 'unknown_device',
          message: `device ${v.reading.device} is not enrolled and this gateway does not auto-enroll devices`,
        });
      } else if (owner.gatewayId !== gw) {
        rejected.push({
          index: v.index,
          code: 'device_not_owned',
          message: `device ${v.reading.device} belongs to another gateway`,
        });
      } else {
        accepted.push(v);
        continue;
      }
      rejectedDevice.set(v.index, v.reading.device);
    }
    rejected.sort((a, b) => a.index - b.index);
    if (batch.readings.length > 0 && accepted.length === 0) {
      this.countRejectionMetrics(rejected);
      throw new AppError(
        'validation_failed',
        `all ${batch.readings.length} readings of the batch were rejected`,
        {
          status: 422,
          details: { rejected },
        },
      );
    }

    const states = await lockCounterStates(
      client,
      accepted.map((a) => a.reading.device),
    );
    const inserted = await this.insertReadings(client, gw, accepted, owners);
    await applyRollups(client, states, inserted.byDevice);

    const maxTs = new Map<string, number>();
    for (const { reading: r } of accepted) maxTs.set(r.device, Math.max(maxTs.get(r.device) ?? 0, r.ts));
    await markDevicesSeen(
      client,
      [...maxTs].map(([deviceId, ts]) => ({ deviceId, maxTs: ts })),
    );
    const alertsAccepted = await upsertAlerts(client, gw, gateway.siteId, batch.alerts);
    const lossesAccepted = await upsertLosses(client, gw, batch.losses);
    await updateGatewaySeen(client, gw, batch.status);
    await countRejections(
      client,
      gw,
      new Date(now).toISOString().slice(0, 10),
      this.rejectionCounts(rejected, rejectedDevice),
    );

    const latest = await latestGatewayConfig(client, gw);
    const applied = batch.status?.configVersion ?? gateway.configVersionApplied;
    const response: SyncBatchResponse = {
      batchId: batch.batchId,
      committed: true,
      accepted: inserted.count,
      duplicates: accepted.length - inserted.count + rows.duplicatesInBatch,
      rejected,
      alertsAccepted,
      lossesAccepted,
      replayed: false,
      config: latest && latest.version > applied ? latest : null,
    };
    await finishSyncBatch(client, gw, batch.batchId, response, batch.readings.length);
    return response;
  }

  /** Owner of each device in the batch, enrolling unknown ones to the gateway's site when it auto-enrolls. */
  private async resolveOwners(
    client: pg.PoolClient,
    gatewayId: string,
    gateway: IngestGateway,
    valid: readonly IndexedReading[],
  ): Promise<Map<string, DeviceOwner>> {
    const ids = [...new Set(valid.map((v) => v.reading.device))];
    const owners = await findDevices(client, ids);
    const unknown = ids.filter((id) => !owners.has(id));
    if (unknown.length === 0 || !gateway.autoEnrollDevices) return owners;
    const enrolled = await enrollDevices(client, unknown, gatewayId, gateway.siteId);
    for (const id of enrolled) owners.set(id, { gatewayId, siteId: gateway.siteId });
    this.log.info({ gatewayId, devices: enrolled }, 'devices auto-enrolled');
    const raced = unknown.filter((id) => !owners.has(id));
    if (raced.length > 0) for (const [id, o] of await findDevices(client, raced)) owners.set(id, o);
    return owners;
  }

  /** COPY straight in; only on a unique violation fall back to the de-duplicating staging path. */
  private async insertReadings(
    client: pg.PoolClient,
    gatewayId: string,
    accepted: readonly IndexedReading[],
    owners: ReadonlyMap<string, DeviceOwner>,
  ): Promise<{ count: number; byDevice: Map<string, InsertedDeviceReadings> }> {
    const byDevice = new Map<string, InsertedDeviceReadings>();
    if (accepted.length === 0) return { count: 0, byDevice };
    const lines = accepted.map((a) => readingCopyLine(a.reading, gatewayId));
    let keep: (r: Reading) => boolean = () => true;
    await client.query('savepoint copy_fast');
    try {
      await copyReadings(client, lines);
      await client.query('release savepoint copy_fast');
    } catch (err) {
      if (sqlState(err) !== '23505') throw err;
      await client.query('rollback to savepoint copy_fast');
      const keys = new Set(
        (await copyReadingsDeduplicated(client, lines)).map((k) => `${k.device}|${k.ts}|${k.boot}|${k.seq}`),
      );
      keep = (r) => keys.has(`${r.device}|${r.ts}|${r.boot}|${r.seq}`);
      this.log.debug({ gatewayId, rows: lines.length, inserted: keys.size }, 'batch had stored readings');
    }
    let count = 0;
    for (const { reading: r } of accepted) {
      if (!keep(r)) continue;
      count++;
      let d = byDevice.get(r.device);
      if (!d) {
        d = { siteId: owners.get(r.device)!.siteId, readings: [] };
        byDevice.set(r.device, d);
      }
      d.readings.push(toRollupReading(r));
    }
    return { count, byDevice };
  }

  private countRejectionMetrics(rejected: readonly RowRejection[]): void {
    this.deps.metrics.ingestRows.inc({ result: 'rejected' }, rejected.length);
    for (const r of rejected) this.deps.metrics.rejections.inc({ reason: r.code });
  }

  private rejectionCounts(
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
}

class NoPartitionError extends Error {
  constructor(cause: unknown) {
    super('no readings partition for a row', { cause });
  }
}
