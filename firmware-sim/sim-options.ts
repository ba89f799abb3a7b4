import { z } from 'zod';
import { AppError, formatIssues } from '../shared/errors.ts';
import { parseDurationMs, parseInstantMs } from './duration.ts';
import { parseFaultSpec } from './faults.ts';
import type { SimRunOptions } from './run-sim.ts';
import { SAO_PAULO } from './simulation.ts';

/**
 * `cds sim` options as commander hands them over (strings, booleans, arrays), validated once with zod and
 * turned into `SimRunOptions`. Every problem is reported at once as `option: message`.
 */

const num = (what: string) =>
  z
    .union([z.number(), z.string().trim().min(1)])
    .pipe(z.coerce.number({ error: `${what} must be a number` }));

const validZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const SimCliOptions = z.object({
  boards: num('boards').pipe(z.number().int().min(1).max(10_000)).default(1).describe('Number of boards'),
  seed: z
    .string()
    .min(1)
    .default('cds')
    .describe('Seed of every random choice (device ids, readings, faults)'),
  devices: z.string().optional().describe('Comma-separated device ids instead of the derived aicss-<6 hex>'),
  telePeriod: num('tele-period').pipe(z.number().min(0.05).max(3600)).optional().describe('TelePeriod, s'),
  firmware: z
    .string()
    .regex(/^\S{1,32}$/)
    .default('1.0.0')
    .describe('Firmware version in the banner and INFO1'),
  duration: z.string().optional().describe('Simulated duration (10s, 5m, 2h, 1d)'),
  from: z.string().optional().describe('Simulated start: ISO 8601, now, or relative (-7d)'),
  to: z.string().optional().describe('Simulated end (exclusive)'),
  speed: num('speed').pipe(z.number().positive().max(1e6)).optional().describe('Real-time factor'),
  out: z.array(z.string().min(1)).optional().describe('Byte outputs: -, a serial device/pty, or a file'),
  append: z.boolean().default(false),
  baud: num('baud').pipe(z.number().int().positive()).default(115200),
  legacy: z.boolean().default(false).describe("The original firmware's `Luz: … | Distância: … cm` line"),
  legacyEncoding: z.enum(['utf8', 'latin1']).default('utf8'),
  romBootText: z.boolean().default(false),
  mqtt: z
    .string()
    .regex(/^(mqtts?|wss?|tcp):\/\/[^\s]+$/, 'mqtt must be a URL like mqtt://127.0.0.1:1883')
    .optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  clientId: z.string().min(1).optional(),
  mqttWindow: num('mqtt-window').pipe(z.number().int().min(1).max(100_000)).default(100),
  statePeriod: num('state-period').pipe(z.number().min(0).max(86_400)).optional(),
  lat: num('lat').pipe(z.number().min(-90).max(90)).default(SAO_PAULO.lat),
  lon: num('lon').pipe(z.number().min(-180).max(180)).default(SAO_PAULO.lon),
  tz: z.string().refine(validZone, 'not an IANA time zone').default(SAO_PAULO.timeZone),
  faults: z.string().optional(),
});
export type SimCliOptions = z.input<typeof SimCliOptions>;

function kebab(key: PropertyKey): string {
  return `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function toRunOptions(raw: SimCliOptions, nowMs: number): SimRunOptions {
  const parsed = SimCliOptions.safeParse(raw);
  if (!parsed.success) {
    const lines = formatIssues(parsed.error.issues.map((i) => ({ ...i, path: i.path.map(kebab) })));
    throw new AppError('config_invalid', `invalid options:\n  ${lines.join('\n  ')}`);
  }
  const o = parsed.data;
  if (o.legacy && o.mqtt)
    throw new AppError(
      'config_invalid',
      '--legacy has no MQTT: the original firmware only printed the serial line',
    );
  const run: SimRunOptions = {
    seed: o.seed,
    boards: o.boards,
    telePeriodS: o.telePeriod ?? (o.legacy ? 1 : 10),
    firmware: o.firmware,
    site: { lat: o.lat, lon: o.lon },
    timeZone: o.tz,
    faults: parseFaultSpec(o.faults),
    legacy: o.legacy,
    legacyEncoding: o.legacyEncoding,
    romBootText: o.romBootText,
    baudRate: o.baud,
    append: o.append,
  };
  if (o.devices) {
    const ids = o.devices
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length < o.boards)
      throw new AppError('config_invalid', `--devices lists ${ids.length} ids for ${o.boards} boards`);
    run.deviceIds = ids;
  }
  if (o.from !== undefined) run.from = parseInstantMs(o.from, nowMs, '--from');
  if (o.to !== undefined) run.to = parseInstantMs(o.to, nowMs, '--to');
  if (o.duration !== undefined) run.durationMs = parseDurationMs(o.duration, '--duration');
  if (o.speed !== undefined) run.speed = o.speed;
  if (o.mqtt) {
    run.mqtt = { url: o.mqtt, window: o.mqttWindow };
    if (o.username !== undefined) run.mqtt.username = o.username;
    if (o.password !== undefined) run.mqtt.password = o.password;
    if (o.clientId !== undefined) run.mqtt.clientId = o.clientId;
    if (o.statePeriod !== undefined) run.mqtt.statePeriodS = o.statePeriod;
  }
  run.out = o.out ?? (o.mqtt ? [] : ['-']);
  return run;
}
