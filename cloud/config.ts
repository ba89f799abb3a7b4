import { z } from 'zod';
import { SYNC_LIMITS } from '../shared/schemas/sync.ts';
import { AnalyticsConfig } from './analytics/analytics-config.ts';

/**
 * Configuration of the cloud service. `cloud/server.ts` is the only reader of the environment and of the
 * config file; it validates the merged input once with this schema and reports every problem as
 * `path: message`. Every field has a description (it is also the configuration reference) and a default,
 * except `databaseUrl` (unset = embedded PostgreSQL) and `tls` (unset = plain HTTP).
 */

const Seconds = z.number().int().positive();

export const TlsConfig = z
  .object({
    certFile: z.string().min(1).describe('PEM certificate chain file'),
    keyFile: z.string().min(1).describe('PEM private key file'),
  })
  .strict()
  .describe('Serve HTTPS with this certificate and key; unset = plain HTTP (put a TLS proxy in front)');

export const AuthConfig = z
  .object({
    accessTokenTtlS: Seconds.default(900).describe('Lifetime of a JWT access token, seconds (15 min)'),
    refreshTokenTtlS: Seconds.default(30 * 24 * 3600).describe(
      'Lifetime of a refresh token, seconds; each use rotates it',
    ),
    loginMaxPerMinute: z
      .number()
      .int()
      .positive()
      .default(5)
      .describe('Login attempts allowed per minute, counted both per source address and per username'),
  })
  .strict()
  .prefault({});

export const StatusConfig = z
  .object({
    defaultSyncIntervalS: Seconds.default(10).describe(
      'Sync interval assumed for a gateway whose pushed config sets no `sync.schedule` (the gateway default: 10 s)',
    ),
    gatewayOfflineAfterIntervals: z
      .number()
      .positive()
      .default(6)
      .describe('A gateway is offline when it has not synced for this many sync intervals'),
    deviceSilentAfterIntervals: z
      .number()
      .positive()
      .default(6)
      .describe('A device is silent when its last reading is older than this many of its expected intervals'),
    zeroPowerW: z
      .number()
      .min(0)
      .default(1)
      .describe('Readings at or below this total power (W) count as true zero consumption'),
  })
  .strict()
  .prefault({});

export const CloudConfig = z
  .object({
    host: z.string().min(1).default('0.0.0.0').describe('Address to listen on'),
    port: z.number().int().min(0).max(65535).default(8080).describe('TCP port to listen on (0 = any free)'),
    publicUrl: z
      .string()
      .url()
      .optional()
      .describe(
        'Base URL gateways use to reach this service (goes into claim strings); unset = derived from the request',
      ),
    databaseUrl: z
      .string()
      .min(1)
      .optional()
      .describe('PostgreSQL connection string; unset = start an embedded PostgreSQL under `<dataDir>/pg`'),
    embeddedPgPort: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(0)
      .describe('Port of the embedded PostgreSQL (0 = a free port); only used without `databaseUrl`'),
    dataDir: z
      .string()
      .min(1)
      .default('./data')
      .describe('Folder for the embedded database and generated files'),
    jwtSecret: z
      .string()
      .min(32)
      .optional()
      .describe(
        'HMAC secret for access tokens, ≥ 32 chars, the same on every instance; unset = `cds cloud serve` ' +
          'generates one and keeps it in `<dataDir>/jwt-secret`',
      ),
    trustProxy: z
      .union([z.boolean(), z.string(), z.number().int().min(0)])
      .default(false)
      .describe(
        'Fastify `trustProxy`: true, a hop count or a list of proxy addresses/CIDRs (comma-separated); ' +
          'needed behind a load balancer so the source address in the audit log and rate limits is right',
      ),
    tls: TlsConfig.optional(),
    corsOrigins: z
      .array(z.string().min(1))
      .default([])
      .describe('Origins allowed to call the API from a browser; empty = CORS off'),
    metricsToken: z
      .string()
      .min(16)
      .optional()
      .describe('When set, `/metrics` requires `Authorization: Bearer <metricsToken>`; unset = public'),
    docs: z.boolean().default(true).describe('Serve the OpenAPI document and Swagger UI at `/docs`'),
    auth: AuthConfig,
    status: StatusConfig,
    ingest: z
      .object({
        maxBodyBytes: z
          .number()
          .int()
          .positive()
          .default(SYNC_LIMITS.maxBodyBytes)
          .describe('Largest decompressed sync body accepted, bytes'),
        maxWireBytes: z
          .number()
          .int()
          .positive()
          .default(SYNC_LIMITS.maxWireBytes)
          .describe('Largest sync body on the wire (compressed), bytes'),
        syncBatchRetentionDays: z
          .number()
          .int()
          .min(0)
          .default(30)
          .describe(
            'Days the stored answer of each sync batch is kept for re-sends (0 = forever); a batch re-sent ' +
              'later is de-duplicated by its readings instead',
          ),
      })
      .strict()
      .prefault({}),
    aneel: z
      .object({
        baseUrl: z
          .string()
          .url()
          .default('https://dadosabertos.aneel.gov.br')
          .describe('ANEEL open-data portal (CKAN)'),
        cron: z
          .string()
          .default('0 4 * * *')
          .describe('When to refresh the ANEEL data sets (cron, server time)'),
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'Run the scheduled ANEEL refresh from this instance (several instances are safe: one sync runs at a time)',
          ),
      })
      .strict()
      .prefault({}),
    reports: z
      .object({
        cron: z.string().default('0 6 1 * *').describe('When to generate the monthly reports (cron)'),
        dir: z.string().default('./data/reports').describe('Folder the generated reports are written to'),
      })
      .strict()
      .prefault({}),
    analytics: AnalyticsConfig.prefault({}).describe('Cost merge, forecast and savings settings'),
  })
  .strict();

export type CloudConfig = z.output<typeof CloudConfig>;
export type CloudConfigInput = z.input<typeof CloudConfig>;
