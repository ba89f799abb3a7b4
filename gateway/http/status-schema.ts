import { z } from 'zod';
import { AlertEvent } from '../../shared/schemas/sync.ts';

/**
 * `GET /status` of a running gateway: what `cds gateway status` prints. One schema for the server (it
 * builds this shape) and the CLI (it validates what it fetched).
 */

const Counts = z.record(z.string(), z.number().int().min(0));

export const GatewayStatusResponse = z.object({
  gatewayId: z.string(),
  softwareVersion: z.string(),
  startedAt: z.number().int().describe('epoch ms'),
  now: z.number().int().describe('epoch ms'),
  buffer: z.object({
    backlog: z.number().int().min(0).describe('Readings stored and not yet synced'),
    oldestUnsyncedTs: z.number().int().nullable(),
    oldestUnsyncedAgeS: z.number().nullable(),
    dbFile: z.string(),
    groupCommit: z
      .object({
        transactions: z.number().int().min(0),
        readings: z.number().int().min(0),
        maxBatchSize: z.number().int().min(0),
      })
      .describe(
        'Group commit since start: transactions and the readings they held (stored, duplicate, refused)',
      ),
  }),
  sync: z.object({
    state: z.string().describe('disabled | idle | sending | backoff | stopped'),
    lastSuccessAt: z.number().int().nullable(),
    lastAttemptAt: z.number().int().nullable(),
    lastError: z.string().nullable(),
    batchesSent: z.number().int().min(0),
    batchesFailed: z.number().int().min(0),
    batchesDeadLettered: z.number().int().min(0),
    readingsSynced: z.number().int().min(0),
  }),
  ingest: z.object({
    received: z.number().int().min(0),
    stored: z.number().int().min(0),
    duplicate: z.number().int().min(0),
    refused: z.number().int().min(0),
    rejected: z.number().int().min(0),
    rejectedByCode: Counts,
  }),
  sources: z.array(
    z.object({
      source: z.string(),
      received: z.number().int(),
      stored: z.number().int(),
      duplicate: z.number().int(),
      refused: z.number().int(),
      rejectedByCode: Counts,
    }),
  ),
  devices: z.array(
    z.object({
      device: z.string(),
      lastSeenAt: z.number().int().nullable(),
      online: z.boolean().nullable(),
      stored: z.number().int().min(0),
      rejectedByCode: Counts,
      boot: z.number().int().nullable(),
      seq: z.number().int().nullable(),
      firmware: z.string().nullable(),
      resetReason: z.string().nullable(),
    }),
  ),
  serial: z.array(
    z.object({
      path: z.string(),
      format: z.string(),
      open: z.boolean(),
      opens: z.number().int(),
      failures: z.number().int(),
      lastError: z.string().nullable(),
      lines: z.number().int(),
      bannerDevice: z.string().nullable(),
      readings: z.number().int().min(0),
      lastReadingAt: z.number().int().nullable(),
    }),
  ),
  broker: z.object({ port: z.number().int(), clients: z.number().int() }).nullable(),
  externalBroker: z.object({ url: z.string(), connected: z.boolean() }).nullable(),
  alerts: z.object({ active: z.array(AlertEvent) }),
});
export type GatewayStatusResponse = z.infer<typeof GatewayStatusResponse>;
