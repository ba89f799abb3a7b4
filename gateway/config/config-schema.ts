import { z } from 'zod';
import { SERIAL_FORMATS } from '../../shared/protocol/serial-formats.ts';
import { DeviceId } from '../../shared/schemas/reading.ts';
import { GatewayId } from '../../shared/schemas/sync.ts';
import { AlertsConfig, BufferConfig, SyncConfig } from './core-config.ts';

/**
 * The gateway's whole configuration: ONE zod schema. It gives the TypeScript type, the validation at
 * start-up (every problem reported at once by load-config.ts), the commented YAML written by
 * `cds gateway init` and the reference table in docs/gateway.md. Every field has a description and a
 * default; `buffer`, `alerts` and `sync` come from gw-core (core-config.ts).
 *
 * A few settings are given once and inherited (load-config.ts `inheritSiteSettings`): `site.timeZone` and
 * `site.nominalVoltage` are the defaults of `alerts.timeZone` / `alerts.nominalVoltage`, and `dataDir` gives
 * the default `buffer.path`. The cloud URL and token are `sync.cloudUrl` / `sync.token`.
 */

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const TariffConfig = z
  .object({
    distributorCnpj: z
      .string()
      .regex(/^\d{14}$/, '14 digits, no punctuation')
      .optional()
      .describe('CNPJ of the distributor (ANEEL tariffs are looked up by it); none by default'),
    subgroup: z.string().min(1).max(8).default('B1').describe('ANEEL tariff subgroup (B1 = residential)'),
    modality: z
      .enum(['Convencional', 'Branca'])
      .default('Convencional')
      .describe('Tariff modality: `Convencional` (flat) or `Branca` (time of use)'),
    consumerClass: z.string().min(1).max(40).default('Residencial').describe('ANEEL consumer class'),
    supplyType: z
      .enum(['monofasico', 'bifasico', 'trifasico'])
      .default('monofasico')
      .describe('Supply: single-, two- or three-phase'),
  })
  .strict()
  .describe('Tariff facts the installer records for the site (the cloud prices energy with them)');

export const SiteConfig = z
  .object({
    siteId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
      .optional()
      .describe('Cloud site id (set from the claim string); none by default'),
    timeZone: z
      .string()
      .refine(isTimeZone, 'not an IANA time zone')
      .default('America/Sao_Paulo')
      .describe('IANA time zone of the site: local board times (Tasmota) and daily budgets use it'),
    nominalVoltage: z
      .union([z.literal(127), z.literal(220)])
      .default(127)
      .describe('Nominal supply voltage, V (PRODIST bands for the voltage alerts)'),
    tariff: TariffConfig.prefault({}),
  })
  .strict()
  .describe('Where the gateway is installed');

export const SerialPortConfig = z
  .object({
    path: z
      .string()
      .min(1)
      .describe('Device path; prefer the stable `/dev/serial/by-id/…` name over `/dev/ttyUSB0`'),
    format: z
      .enum(SERIAL_FORMATS)
      .default('aicss')
      .describe(
        '`aicss` (AICSS/1 lines with CRC), `aicss-legacy` (original firmware `Luz: … | Distância: … cm`), `emontx` (`MSG:…,P1:…` without CRC), `json` (AICSS/1 as JSON)',
      ),
    baudRate: z.number().int().positive().default(115_200).describe('Line speed, baud (8N1)'),
    device: DeviceId.optional().describe(
      'Device id for this port; wins over the id in the boot banner. Required for formats without a banner (aicss-legacy, emontx, json)',
    ),
    maxLineBytes: z
      .number()
      .int()
      .min(32)
      .max(65_536)
      .optional()
      .describe(
        'Longest accepted line, CR LF included; default per format (AICSS/1 key:value lines are limited to 256 whatever this says)',
      ),
  })
  .strict();
export type SerialPortConfig = z.infer<typeof SerialPortConfig>;

export const SerialConfig = z
  .object({
    ports: z.array(SerialPortConfig).max(64).default([]).describe('Serial ports to read; none by default'),
    reopenMinMs: z
      .number()
      .int()
      .min(10)
      .default(1000)
      .describe('First delay before reopening a port that closed or failed (unplugged), ms'),
    reopenMaxMs: z.number().int().min(10).default(30_000).describe('The reopen delay doubles up to this, ms'),
  })
  .strict()
  .describe('Serial sources');

/**
 * A broker login gives its secret either in plain or as a scrypt hash (so the plain one need not be written
 * to the config file), never both: the same rule for board logins and read-only observer logins.
 */
function passwordFields(passwordHashDescription: string) {
  return {
    password: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('Plain password (or give `passwordHash`); none by default'),
    passwordHash: z
      .string()
      .regex(
        /^scrypt\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/,
        'expected scrypt$<salt>$<hash> (see cds gateway hash-password)',
      )
      .optional()
      .describe(passwordHashDescription),
  };
}

function exactlyOnePassword<T extends z.ZodType<{ password?: string; passwordHash?: string }>>(login: T): T {
  return login.refine((d) => (d.password === undefined) !== (d.passwordHash === undefined), {
    message: 'give exactly one of password or passwordHash',
    path: ['password'],
  });
}

export const BrokerDevice = exactlyOnePassword(
  z
    .object({
      username: z.string().min(1).max(128).describe('MQTT username the board connects with'),
      ...passwordFields(
        'scrypt hash of the password as printed by `cds gateway hash-password`; none by default',
      ),
      device: DeviceId.describe(
        'The device this login may publish for: only `tele/<device>/…`, `stat/<device>/…`',
      ),
    })
    .strict(),
);
export type BrokerDevice = z.infer<typeof BrokerDevice>;

export const BrokerObserver = exactlyOnePassword(
  z
    .object({
      username: z.string().min(1).max(128).describe('MQTT username of the read-only client'),
      ...passwordFields('scrypt hash of the password; none by default'),
    })
    .strict(),
);

export const TlsConfig = z
  .object({
    certFile: z.string().min(1).describe('PEM certificate chain file'),
    keyFile: z.string().min(1).describe('PEM private key file'),
  })
  .strict()
  .describe('Serve MQTT over TLS on `broker.port` (usually 8883); plain TCP by default');

export const BrokerConfig = z
  .object({
    enabled: z.boolean().default(true).describe('Run the embedded MQTT broker (aedes)'),
    host: z.string().min(1).default('0.0.0.0').describe('Address the broker listens on'),
    port: z.number().int().min(0).max(65_535).default(1883).describe('TCP port of the broker'),
    tls: TlsConfig.optional(),
    devices: z.array(BrokerDevice).max(10_000).default([]).describe('Per-device logins; none by default'),
    observers: z
      .array(BrokerObserver)
      .max(100)
      .default([])
      .describe(
        'Read-only logins (dashboards, Node-RED): may subscribe to `<alerts.mqtt.topicPrefix>/…`, `tele/…`, `stat/…`, publish nothing; none by default',
      ),
    allowAnonymous: z
      .boolean()
      .default(false)
      .describe(
        'Let boards connect without credentials; they may then publish for any device id. Off by default',
      ),
  })
  .strict()
  .describe('Embedded MQTT broker the boards publish to');

export const ExternalBrokerConfig = z
  .object({
    enabled: z.boolean().default(false).describe('Also subscribe to an existing broker (e.g. Mosquitto)'),
    url: z
      .string()
      .regex(/^(mqtts?|tcp|tls|wss?):\/\/.+/, 'expected mqtt://host:port or mqtts://…')
      .default('mqtt://127.0.0.1:1883')
      .describe('Broker URL'),
    username: z.string().max(256).optional().describe('Login; none by default'),
    password: z.string().max(256).optional().describe('Password; none by default'),
    clientId: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('Fixed client id, so the broker keeps the session; default `cds-<gatewayId>`'),
    topics: z
      .array(z.string().min(1))
      .min(1)
      .default(['tele/+/SENSOR'])
      .describe('Topics subscribed at QoS 1'),
    persistentSession: z
      .boolean()
      .default(true)
      .describe('clean=false: the broker queues QoS 1 messages while the gateway is down'),
    protocolVersion: z
      .union([z.literal(4), z.literal(5)])
      .default(5)
      .describe('MQTT 3.1.1 (4) or 5. With 5 the PUBACK is sent only after the SQLite commit'),
    reconnectMs: z.number().int().min(100).default(2000).describe('Delay between reconnect attempts, ms'),
  })
  .strict()
  .describe('Client of an external broker');

export const HttpConfig = z
  .object({
    enabled: z.boolean().default(true).describe('Serve the local HTTP port'),
    host: z.string().min(1).default('0.0.0.0').describe('Address to listen on'),
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(5000)
      .describe('Port: 5000 is where the original AICSS firmware posts `/dados`'),
    dados: z
      .object({
        enabled: z.boolean().default(true).describe("Accept `POST /dados` (the original firmware's JSON)"),
        device: DeviceId.default('aicss-http').describe(
          'Device id for posts without `?device=`; the original firmware sends none',
        ),
        maxBodyBytes: z.number().int().min(64).max(65_536).default(4096).describe('Largest body, bytes'),
      })
      .strict()
      .prefault({})
      .describe('The legacy `POST /dados` endpoint'),
  })
  .strict()
  .describe('Local HTTP: /dados, /healthz, /metrics, /status');

export const LoggingConfig = z
  .object({
    level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('pino level; `debug` logs every rejected line with its text, `trace` every frame'),
    pretty: z.boolean().optional().describe('Human-readable output; by default only on a terminal'),
  })
  .strict()
  .describe('Logging');

export const GatewayConfig = z
  .object({
    gatewayId: GatewayId.default('cds-gateway').describe('Gateway id, as registered in the cloud'),
    dataDir: z
      .string()
      .min(1)
      .default('data/gateway')
      .describe(
        'Folder of the gateway state; `buffer.path` defaults to `<dataDir>/gateway.sqlite` (relative to the working dir)',
      ),
    site: SiteConfig.prefault({}),
    serial: SerialConfig.prefault({}),
    broker: BrokerConfig.prefault({}),
    externalBroker: ExternalBrokerConfig.prefault({}),
    http: HttpConfig.prefault({}),
    logging: LoggingConfig.prefault({}),
    buffer: BufferConfig.prefault({}),
    alerts: AlertsConfig.prefault({}),
    sync: SyncConfig.prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    const observerNames = new Set(c.broker.observers.map((o) => o.username));
    c.broker.devices.forEach((d, i) => {
      if (observerNames.has(d.username))
        ctx.addIssue({
          code: 'custom',
          path: ['broker', 'devices', i, 'username'],
          message: `username "${d.username}" is also an observer`,
        });
      if (seen.has(d.username))
        ctx.addIssue({
          code: 'custom',
          path: ['broker', 'devices', i, 'username'],
          message: `username "${d.username}" already used by broker.devices.${seen.get(d.username)}`,
        });
      else seen.set(d.username, i);
    });
    const paths = new Set<string>();
    c.serial.ports.forEach((p, i) => {
      if (paths.has(p.path))
        ctx.addIssue({
          code: 'custom',
          path: ['serial', 'ports', i, 'path'],
          message: `"${p.path}" listed twice`,
        });
      paths.add(p.path);
      // These lines name no device (and a JSON port sees no boot banner): without one, every line would be
      // refused as unknown_device.
      if (
        (p.format === 'aicss-legacy' || p.format === 'emontx' || p.format === 'json') &&
        p.device === undefined
      )
        ctx.addIssue({
          code: 'custom',
          path: ['serial', 'ports', i, 'device'],
          message: `format ${p.format} carries no device id: set one`,
        });
    });
    if (c.serial.reopenMaxMs < c.serial.reopenMinMs)
      ctx.addIssue({ code: 'custom', path: ['serial', 'reopenMaxMs'], message: 'must be ≥ reopenMinMs' });
    if (c.broker.enabled && c.http.enabled && c.broker.port !== 0 && c.broker.port === c.http.port)
      ctx.addIssue({
        code: 'custom',
        path: ['http', 'port'],
        message: `same port as broker.port (${c.broker.port})`,
      });
    if (c.sync.enabled && c.sync.cloudUrl !== null && c.sync.token === null)
      ctx.addIssue({
        code: 'custom',
        path: ['sync', 'token'],
        message: 'required when sync.cloudUrl is set',
      });
    if (c.alerts.timeZone !== c.site.timeZone)
      ctx.addIssue({
        code: 'custom',
        path: ['alerts', 'timeZone'],
        message: `differs from site.timeZone (${c.site.timeZone}); set only site.timeZone`,
      });
  });

/** The validated configuration (defaults filled in). */
export type GatewayConfig = z.infer<typeof GatewayConfig>;
/** What a config file may contain (everything optional). */
export type GatewayConfigInput = z.input<typeof GatewayConfig>;
