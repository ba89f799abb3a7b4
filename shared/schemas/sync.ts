import { z } from 'zod';
import { DeviceId, Reading } from './reading.ts';

/**
 * The gateway → cloud sync contract: `POST /api/v1/aicss/dados`.
 *
 * Request headers:
 * - `Authorization: Bearer <gateway token>`
 * - `Idempotency-Key: <batchId>` (the same value as `batchId` in the body)
 * - `Content-Type: application/json`, and `Content-Encoding: gzip` when the body is gzipped
 *
 * The cloud answers 200 only after the batch is COMMITTED. Sending the same batch again (same key) returns
 * the original result; sending the same readings under a new key stores nothing twice (readings are unique
 * on device, boot, seq, ts). 4xx = this batch will never be accepted (dead-letter it); 5xx/429/network =
 * retry later with backoff. Errors use `ApiErrorBody`.
 */

export const GatewayId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
  .describe('Gateway id, e.g. `gw-sp-01`');

export const AlertSeverity = z.enum(['info', 'warning', 'critical']);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

export const AlertRule = z
  .enum([
    'voltage_precarious',
    'voltage_critical',
    'over_current',
    'lamp_failure',
    'light_wasted',
    'board_silent',
    'reboot_loop',
    'sensor_fault',
    'energy_budget',
    'storage',
    'sync_dead_letter',
    'sync_auth',
  ])
  .describe('Which rule raised the alert');
export type AlertRule = z.infer<typeof AlertRule>;

export const AlertEvent = z
  .object({
    id: z.string().min(1).max(128).describe('Unique per gateway; the same id sent twice is one alert'),
    device: DeviceId.nullable().describe('The device concerned, null for gateway-level alerts'),
    rule: AlertRule,
    severity: AlertSeverity,
    state: z.enum(['raised', 'cleared']),
    raisedAt: z.number().int().describe('epoch ms'),
    clearedAt: z.number().int().nullable().describe('epoch ms, null while active'),
    value: z.number().nullable().describe('The measured value that tripped the rule, if any'),
    threshold: z.number().nullable(),
    message: z.string().max(500),
  })
  .strict();
export type AlertEvent = z.infer<typeof AlertEvent>;

export const LossEntry = z
  .object({
    id: z.string().min(1).max(128).describe('Unique per gateway'),
    device: DeviceId.nullable(),
    reason: z
      .string()
      .min(1)
      .max(64)
      .describe('Stable code: `buffer_full_dropped`, `buffer_full_refused`, `retention`, `crc_mismatch`, …'),
    count: z.number().int().min(0),
    fromTs: z.number().int().nullable().describe('Earliest reading time concerned, epoch ms'),
    toTs: z.number().int().nullable().describe('Latest reading time concerned, epoch ms'),
    recordedAt: z.number().int(),
  })
  .strict();
export type LossEntry = z.infer<typeof LossEntry>;

export const GatewayStatusReport = z
  .object({
    backlogReadings: z.number().int().min(0).describe('Readings stored and not yet synced'),
    oldestUnsyncedTs: z.number().int().nullable().describe('Reading time of the oldest unsynced reading'),
    rejectedByCode: z.record(z.string(), z.number().int().min(0)).describe('Counts since start, by code'),
    devices: z
      .array(
        z
          .object({
            device: DeviceId,
            lastSeenAt: z.number().int().nullable(),
            rejectedByCode: z.record(z.string(), z.number().int().min(0)),
          })
          .strict(),
      )
      .max(10_000),
    configVersion: z
      .number()
      .int()
      .min(0)
      .describe('Version of the cloud config the gateway applies (0 = none)'),
    softwareVersion: z.string().max(64),
    sentAt: z.number().int(),
  })
  .strict();
export type GatewayStatusReport = z.infer<typeof GatewayStatusReport>;

export const SYNC_LIMITS = {
  maxReadings: 5_000,
  maxAlerts: 1_000,
  maxLosses: 1_000,
  /** Decompressed body size the cloud accepts. */
  maxBodyBytes: 8 * 1024 * 1024,
  /** Compressed (wire) size the cloud accepts. */
  maxWireBytes: 2 * 1024 * 1024,
} as const;

export const SyncBatchRequest = z
  .object({
    gatewayId: GatewayId,
    batchId: z.string().min(8).max(128).describe('Equal to the Idempotency-Key header'),
    readings: z
      .array(z.unknown())
      .max(SYNC_LIMITS.maxReadings)
      .describe('Each item must be a `Reading`; invalid items are rejected one by one'),
    alerts: z.array(AlertEvent).max(SYNC_LIMITS.maxAlerts).default([]),
    losses: z.array(LossEntry).max(SYNC_LIMITS.maxLosses).default([]),
    status: GatewayStatusReport.optional(),
  })
  .strict();
export type SyncBatchRequest = z.input<typeof SyncBatchRequest>;

export const RowRejection = z
  .object({
    index: z.number().int().min(0).describe('Index in `readings`'),
    code: z.string().describe('`validation_failed`, `unknown_device`, `device_not_owned`, `out_of_range`'),
    message: z.string(),
  })
  .strict();
export type RowRejection = z.infer<typeof RowRejection>;

export const CloudConfigPush = z
  .object({
    version: z.number().int().min(1),
    config: z.record(z.string(), z.unknown()).describe('Gateway config overrides (alerts, sync, budgets)'),
  })
  .strict();
export type CloudConfigPush = z.infer<typeof CloudConfigPush>;

export const SyncBatchResponse = z
  .object({
    batchId: z.string(),
    committed: z.literal(true).describe('Always true: the cloud answers only after COMMIT'),
    accepted: z.number().int().min(0).describe('Readings newly stored'),
    duplicates: z.number().int().min(0).describe('Readings already stored before (harmless re-sends)'),
    rejected: z.array(RowRejection),
    alertsAccepted: z.number().int().min(0),
    lossesAccepted: z.number().int().min(0),
    replayed: z
      .boolean()
      .describe('True when this is the stored answer to an earlier request with the same key'),
    config: CloudConfigPush.nullable().describe('A newer config for the gateway to apply, if any'),
  })
  .strict();
export type SyncBatchResponse = z.infer<typeof SyncBatchResponse>;

export const ApiErrorBody = z
  .object({
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        retryable: z.boolean(),
        details: z.unknown().optional(),
      })
      .strict(),
  })
  .strict();
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

export { Reading };
