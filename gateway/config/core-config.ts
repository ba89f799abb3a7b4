import cron from 'node-cron';
import { z } from 'zod';
import { DeviceId } from '../../shared/schemas/reading.ts';
import { SYNC_LIMITS } from '../../shared/schemas/sync.ts';

/**
 * The parts of the gateway config that gw-core reads: the SQLite buffer, the local alert rules and the
 * cloud sync. gw-edge composes them into the root schema (`buffer`, `alerts`, `sync`). Every field has a
 * description and a default, so `{}` is a valid config for each.
 */

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const FullPolicy = z
  .enum(['drop-oldest-unsynced', 'refuse'])
  .describe(
    'When the buffer reaches `maxBytes` after the oldest synced readings were dropped: `drop-oldest-unsynced` keeps the newest data and records what was dropped in the loss ledger; `refuse` keeps what is stored and refuses new readings (boards keep them: no PUBACK), also recorded in the ledger',
  );
export type FullPolicy = z.infer<typeof FullPolicy>;

export const BufferConfig = z
  .object({
    path: z.string().min(1).default('data/gateway.sqlite').describe('SQLite file of the buffer'),
    maxBytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .default(512 * 1024 * 1024)
      .describe('Size cap of the database, bytes (live pages; the -wal file adds at most 64 MiB)'),
    fullPolicy: FullPolicy.default('drop-oldest-unsynced').describe(FullPolicy.description ?? ''),
    retentionDays: z
      .number()
      .min(0)
      .default(30)
      .describe('Synced readings older than this (reading time) are deleted; 0 deletes them at once'),
    deadLetterRetentionDays: z
      .number()
      .min(1)
      .default(90)
      .describe(
        'Dead-lettered batches and rows are kept this long for inspection, then deleted (a refused batch is already in the loss ledger as `sync_refused`)',
      ),
    synchronous: z
      .enum(['FULL', 'NORMAL'])
      .default('FULL')
      .describe(
        'SQLite `synchronous` in WAL mode. FULL: an acknowledged reading survives a process crash AND a power cut. NORMAL: survives a process crash; a power cut may lose the last commits (docs/gateway-buffer.md)',
      ),
    cacheKiB: z
      .number()
      .int()
      .min(2048)
      .default(8192)
      .describe(
        'SQLite page cache, KiB. Once the database is bigger than this, all of it is resident memory. 8 MiB holds the insertion paths of the unique index for about 1 000 devices (two pages each) and the pages the sync reads',
      ),
    groupCommit: z
      .object({
        maxBatch: z
          .number()
          .int()
          .min(1)
          .max(20_000)
          .default(4000)
          .describe(
            'Readings per transaction at most; a full batch is committed at once (measured: 4 000 per transaction costs ~30 % less CPU per reading than 1 000, and a batch only gets that big under load)',
          ),
        minIntervalMs: z
          .number()
          .int()
          .min(0)
          .max(1000)
          .default(10)
          .describe(
            'Commits start at least this far apart: a reading that arrives sooner after the last commit waits for the next one, so at moderate rates many readings share one fsync (measured at 1 000 readings/s: about 10 per commit instead of 2, a quarter of the fsyncs, a fifth less CPU, median PUBACK 3 → 9 ms). A reading after a quiet period commits on the next turn of the event loop, with no wait. 0: every turn commits',
          ),
      })
      .strict()
      .prefault({})
      .describe('Group commit: many readings, one transaction, one fsync'),
    housekeepingIntervalS: z
      .number()
      .int()
      .min(1)
      .default(60)
      .describe('How often retention, expiry and the size cap are applied in the background, seconds'),
  })
  .strict()
  .describe('SQLite store-and-forward buffer');
export type BufferConfig = z.infer<typeof BufferConfig>;

const Duration = (def: number, what: string) => z.number().min(0).default(def).describe(`${what}, seconds`);

export const DeviceAlertOverrides = z
  .object({
    nominalVoltage: z
      .union([z.literal(127), z.literal(220)])
      .optional()
      .describe('Nominal voltage, V'),
    telePeriodS: z.number().min(1).optional().describe('Expected reporting period, seconds'),
    maxCurrentA: z.number().min(0).optional().describe('Over-current threshold for every channel, A'),
    dailyBudgetWh: z.number().min(0).optional().describe('Daily energy budget, Wh'),
  })
  .strict();
export type DeviceAlertOverrides = z.infer<typeof DeviceAlertOverrides>;

export const SENSOR_FAULT_FLAGS = [
  'TEMP_FAIL',
  'DIST_TIMEOUT',
  'LDR_SATURATED',
  'METER_COMM_FAIL',
  'CT_CLIPPED',
] as const;

export const AlertsConfig = z
  .object({
    enabled: z.boolean().default(true).describe('Run the local alert rules'),
    tickS: z
      .number()
      .min(0.1)
      .default(5)
      .describe('Timer period for time-driven rules (silence, reboot loop), seconds'),
    timeZone: z
      .string()
      .refine(isTimeZone, 'not an IANA time zone (e.g. America/Sao_Paulo)')
      .default('America/Sao_Paulo')
      .describe('IANA zone of the site: the energy budget day runs from local midnight to midnight'),
    nominalVoltage: z
      .union([z.literal(127), z.literal(220)])
      .default(127)
      .describe('Nominal supply voltage (PRODIST Módulo 8 bands for 220/127 V)'),
    maxRaisesPerDevicePerHour: z
      .number()
      .int()
      .min(1)
      .default(20)
      .describe('Storm cap: further raises of one device within an hour are held back (and logged)'),
    eventHoldMinutes: z
      .number()
      .min(1)
      .default(24 * 60)
      .describe('One-shot alerts (database recovered, sync dead-letter) clear themselves after this long'),
    voltage: z
      .object({
        minDurationS: Duration(60, 'Voltage must stay outside a band this long before raising'),
        hysteresisV: z.number().min(0).default(1).describe('Back inside the band by this margin to clear, V'),
      })
      .strict()
      .prefault({})
      .describe('Voltage outside the PRODIST Módulo 8 bands (voltage_precarious, voltage_critical)'),
    overCurrent: z
      .object({
        maxA: z.number().min(0).default(10).describe('Per-channel current threshold, A'),
        perChannelA: z
          .record(z.string().regex(/^\d+$/), z.number().min(0))
          .default({})
          .describe('Threshold for a given channel (key = channel number, 1-based), A'),
        hysteresisA: z.number().min(0).default(0.5).describe('Clear below threshold minus this, A'),
        minDurationS: Duration(10, 'Current must stay above the threshold this long'),
      })
      .strict()
      .prefault({})
      .describe('Channel current above a threshold (over_current)'),
    lampFailure: z
      .object({
        minPowerW: z
          .number()
          .min(0)
          .default(2)
          .describe('A lamp commanded on that draws less than this has failed, W'),
        hysteresisW: z.number().min(0).default(1).describe('Clear at minPowerW plus this, W'),
        minDurationS: Duration(30, 'Lamp on with no power this long'),
      })
      .strict()
      .prefault({})
      .describe('Lamp commanded on but drawing no power (lamp_failure)'),
    lightWasted: z
      .object({
        ldrThreshold: z
          .number()
          .int()
          .min(0)
          .max(4095)
          .default(3000)
          .describe('LDR raw counts at or above which it is daylight (dark < 2000)'),
        hysteresis: z.number().min(0).default(200).describe('Clear below threshold minus this, counts'),
        minDurationS: Duration(300, 'Lamp on in daylight this long'),
      })
      .strict()
      .prefault({})
      .describe('Lamp on in daylight (light_wasted)'),
    boardSilent: z
      .object({
        telePeriodS: z.number().min(1).default(10).describe('Expected reporting period of a board, seconds'),
        periods: z.number().min(1).default(6).describe('Raise after this many periods without a reading'),
      })
      .strict()
      .prefault({})
      .describe('No reading from a board for several periods (board_silent)'),
    rebootLoop: z
      .object({
        boots: z.number().int().min(2).default(3).describe('This many boots within the window raise'),
        windowS: Duration(600, 'Window for counting boots'),
      })
      .strict()
      .prefault({})
      .describe('Too many boots in a window (reboot_loop)'),
    sensorFault: z
      .object({
        flags: z
          .array(z.enum(SENSOR_FAULT_FLAGS))
          .default([...SENSOR_FAULT_FLAGS])
          .describe('Board flags that raise a sensor_fault alert when they persist'),
        minDurationS: Duration(60, 'A flag must persist this long'),
      })
      .strict()
      .prefault({})
      .describe('Board fault flags that persist (sensor_fault)'),
    energyBudget: z
      .object({
        dailyWh: z
          .number()
          .min(0)
          .nullable()
          .default(null)
          .describe('Daily energy budget per device over all channels, Wh (null = no budget)'),
      })
      .strict()
      .prefault({})
      .describe('Daily energy budget per device (energy_budget)'),
    devices: z
      .record(DeviceId, DeviceAlertOverrides)
      .default({})
      .describe('Per-device overrides, keyed by device id'),
    mqtt: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe('Publish alert state retained on cds/<gateway>/alerts/<device>/<rule>'),
        topicPrefix: z.string().min(1).default('cds').describe('First topic level'),
      })
      .strict()
      .prefault({})
      .describe('Retained alert state on the gateway broker'),
    webhook: z
      .object({
        url: z.url().nullable().default(null).describe('POST every alert change as JSON here (null = off)'),
        timeoutMs: z.number().int().min(100).default(5000).describe('Per request, ms'),
        maxAttempts: z
          .number()
          .int()
          .min(1)
          .default(8)
          .describe('Attempts per alert before it is dropped (logged)'),
        maxQueue: z
          .number()
          .int()
          .min(1)
          .default(1000)
          .describe('Pending alerts kept; the oldest is dropped beyond'),
        initialBackoffMs: z
          .number()
          .int()
          .min(10)
          .default(1000)
          .describe('First retry delay, doubled each time'),
        maxBackoffMs: z.number().int().min(10).default(300_000).describe('Longest retry delay, ms'),
      })
      .strict()
      .prefault({})
      .describe('POST each alert change to a URL'),
  })
  .strict()
  .describe('Local alert rules (work with no internet)');
export type AlertsConfig = z.infer<typeof AlertsConfig>;

export const SyncConfig = z
  .object({
    enabled: z.boolean().default(true).describe('Send buffered data to the cloud'),
    cloudUrl: z
      .url()
      .nullable()
      .default(null)
      .describe('Base URL of the CDS cloud, e.g. https://cds.example.com'),
    token: z.string().nullable().default(null).describe('Gateway bearer token (secret)'),
    schedule: z
      .string()
      .refine((v) => cron.validate(v), 'not a valid node-cron expression')
      .default('*/10 * * * * *')
      .describe('node-cron expression (with seconds) for the regular sync; default every 10 s'),
    backlogTrigger: z
      .number()
      .int()
      .min(1)
      .default(2000)
      .describe('Also sync as soon as this many new readings are waiting'),
    maxReadingsPerBatch: z
      .number()
      .int()
      .min(1)
      .max(SYNC_LIMITS.maxReadings)
      .default(2000)
      .describe('Readings per batch at most'),
    maxBatchBytes: z
      .number()
      .int()
      .min(16 * 1024)
      .max(SYNC_LIMITS.maxBodyBytes)
      .default(1024 * 1024)
      .describe('Uncompressed JSON size of a batch at most, bytes'),
    maxBytesPerSecond: z
      .number()
      .int()
      .min(1024)
      .default(64 * 1024)
      .describe(
        'Backlog throttle on the wire (compressed bytes per second): catching up after an outage never saturates a 4G link; live data is not held back',
      ),
    liveWindowS: z
      .number()
      .min(1)
      .default(60)
      .describe('Readings stored within this many seconds are live: sent first and not throttled'),
    requestTimeoutMs: z.number().int().min(100).default(30_000).describe('Per request, ms'),
    initialBackoffMs: z
      .number()
      .int()
      .min(10)
      .default(2000)
      .describe('First retry delay after a failure, ms'),
    maxBackoffMs: z.number().int().min(10).default(300_000).describe('Longest retry delay, ms'),
  })
  .strict()
  .describe('Sync to the cloud');
export type SyncConfig = z.infer<typeof SyncConfig>;
