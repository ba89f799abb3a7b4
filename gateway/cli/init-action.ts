import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { AppError } from '../../shared/errors.ts';
import { SERIAL_FORMATS, type SerialFormat } from '../../shared/protocol/serial-formats.ts';
import { renderConfigYaml } from '../config/config-docs.ts';
import { parseConfig } from '../config/load-config.ts';
import { parseClaim } from './claim.ts';

/**
 * `cds gateway init`: writes a commented YAML config from flags, a claim string and (on a terminal) a few
 * questions. The file is validated with the same schema as `cds gateway run` before it is written, and
 * written 0600 because it holds the cloud token and the boards' passwords.
 */

export interface InitOptions {
  out: string;
  force?: boolean;
  yes?: boolean;
  gatewayId?: string;
  claim?: string;
  cloudUrl?: string;
  token?: string;
  siteId?: string;
  /** `path[,format[,device]]` */
  serial?: string[];
  detectSerial?: boolean;
  brokerPort?: string;
  httpPort?: string;
  /** `device[:username[:password]]`; a missing password is generated and printed once. */
  device?: string[];
  timeZone?: string;
  voltage?: string;
  cnpj?: string;
  subgroup?: string;
  modality?: string;
  supply?: string;
  dataDir?: string;
}

export interface DetectedPort {
  path: string;
  manufacturer?: string;
  pnpId?: string;
}

export interface InitDeps {
  /** `SerialPort.list()`. */
  listPorts: () => Promise<DetectedPort[]>;
  /** Asks a question; undefined when not interactive (flags only). */
  ask?: (question: string, def?: string) => Promise<string>;
  print: (line: string) => void;
  now: () => Date;
}

/** The stable `/dev/serial/by-id/…` name of a detected port when udev made one. */
export function stablePath(p: DetectedPort): string {
  if (p.pnpId) {
    const byId = `/dev/serial/by-id/${p.pnpId}`;
    if (existsSync(byId)) return byId;
  }
  return p.path;
}

function parseSerialSpec(spec: string): { path: string; format?: SerialFormat; device?: string } {
  const [path = '', format, device] = spec.split(',').map((s) => s.trim());
  if (format !== undefined && format !== '' && !(SERIAL_FORMATS as readonly string[]).includes(format))
    throw new AppError(
      'validation_failed',
      `--serial ${spec}: format must be one of ${SERIAL_FORMATS.join(', ')}`,
    );
  return {
    path,
    ...(format ? { format: format as SerialFormat } : {}),
    ...(device ? { device } : {}),
  };
}

const newPassword = () => randomBytes(12).toString('base64url');

function num(v: string | undefined): number | undefined {
  return v === undefined || v === '' ? undefined : Number(v);
}

function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}

export async function initAction(opts: InitOptions, deps: InitDeps): Promise<number> {
  const { print } = deps;
  const ask = opts.yes ? undefined : deps.ask;
  const out = resolve(opts.out);
  if (existsSync(out) && !opts.force) {
    print(`cds gateway init: ${out} exists; use --force to replace it`);
    return 1;
  }

  const claim = opts.claim ? parseClaim(opts.claim) : undefined;
  let gatewayId = opts.gatewayId ?? claim?.gatewayId;
  let cloudUrl = opts.cloudUrl ?? claim?.cloudUrl;
  let token = opts.token ?? claim?.token;
  let siteId = opts.siteId ?? claim?.siteId;
  if (ask && gatewayId === undefined) {
    const host = hostname()
      .replace(/[^A-Za-z0-9_.-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '');
    gatewayId = await ask('Gateway id', `gw-${host || 'edge'}`);
  }
  if (ask && cloudUrl === undefined) {
    const pasted = await ask('Claim string from the cloud (blank: configure the cloud later)', '');
    if (pasted) {
      const c = parseClaim(pasted);
      cloudUrl = c.cloudUrl;
      token = c.token;
      gatewayId = opts.gatewayId ?? c.gatewayId;
      siteId = opts.siteId ?? c.siteId;
    }
  }

  const ports: Array<{ path: string; format?: SerialFormat; device?: string }> = (opts.serial ?? []).map(
    parseSerialSpec,
  );
  if (opts.detectSerial || (ask && ports.length === 0)) {
    const found = await deps.listPorts();
    if (found.length === 0) print('No serial ports detected (SerialPort.list()).');
    for (const p of found) {
      const path = stablePath(p);
      if (ports.some((x) => x.path === path)) continue;
      const label = `${path}${p.manufacturer ? ` (${p.manufacturer})` : ''}`;
      if (ask) {
        const use = await ask(`Read serial port ${label}? [y/n]`, 'y');
        if (!/^y/i.test(use)) continue;
        const format = await ask(`  format (${SERIAL_FORMATS.join(', ')})`, 'aicss');
        // Formats whose lines name no board (no boot banner either) need the port's device id.
        const device =
          format === 'aicss-legacy' || format === 'emontx' || format === 'json'
            ? await ask('  device id of the board on this port')
            : '';
        ports.push(parseSerialSpec(`${path},${format},${device}`));
      } else ports.push({ path });
    }
  }

  let deviceSpecs = opts.device ?? [];
  if (ask && deviceSpecs.length === 0) {
    const list = await ask('MQTT boards to admit, device ids separated by commas (blank: none)', '');
    deviceSpecs = list
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  const generated: Array<{ device: string; username: string; password: string }> = [];
  const devices = deviceSpecs.map((spec) => {
    const [device = '', username, password] = spec.split(':');
    const entry = { username: username || device, password: password || newPassword(), device };
    if (!password) generated.push(entry);
    return entry;
  });

  const brokerPort = num(
    opts.brokerPort ?? (ask && devices.length > 0 ? await ask('MQTT broker port', '1883') : undefined),
  );
  const timeZone =
    opts.timeZone ?? (ask ? await ask('Site time zone (IANA)', 'America/Sao_Paulo') : undefined);
  const voltage = num(
    opts.voltage ?? (ask ? await ask('Nominal voltage, V (127 or 220)', '127') : undefined),
  );
  const cnpj = opts.cnpj ?? (ask ? await ask('Distributor CNPJ, 14 digits (blank: unknown)', '') : undefined);
  const modality =
    opts.modality ??
    (ask ? await ask('Tariff modality (Convencional or Branca)', 'Convencional') : undefined);

  const dataDir = opts.dataDir ?? '/var/lib/cds-gateway';
  const values = compact({
    gatewayId,
    dataDir,
    site: compact({
      siteId,
      timeZone,
      nominalVoltage: voltage,
      tariff: compact({ distributorCnpj: cnpj, subgroup: opts.subgroup, modality, supplyType: opts.supply }),
    }),
    serial: ports.length > 0 ? { ports } : undefined,
    broker: compact({ port: brokerPort, devices: devices.length > 0 ? devices : undefined }),
    http: compact({ port: num(opts.httpPort) }),
    buffer: { path: join(dataDir, 'gateway.sqlite') },
    sync: compact({ cloudUrl, token }),
  });

  try {
    parseConfig(values);
  } catch (err) {
    if (err instanceof AppError && Array.isArray(err.details)) {
      print('cds gateway init: the answers do not make a valid configuration:');
      for (const l of err.details as string[]) print(`  ${l}`);
      return 78;
    }
    throw err;
  }

  const yaml = renderConfigYaml(values, [
    `CDS gateway configuration, written by \`cds gateway init\` on ${deps.now().toISOString()}.`,
    'It holds secrets (cloud token, board passwords): keep it readable by the gateway user only.',
  ]);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, yaml, { mode: 0o600 });

  print(`Wrote ${out}`);
  print(
    `  gateway ${String(gatewayId ?? 'cds-gateway')}, ${ports.length} serial port(s), ${devices.length} MQTT board(s)`,
  );
  print(
    `  cloud: ${cloudUrl ?? 'none yet (set sync.cloudUrl and sync.token, or run init again with --claim)'}`,
  );
  for (const g of generated)
    print(`  board ${g.device}: MQTT username "${g.username}", password "${g.password}" (shown once)`);
  print(`Next: cds gateway doctor --config ${out}`);
  return 0;
}

/** Questions on the terminal (stdin/stdout); blank answers take the default. */
export function terminalAsk(): { ask: (q: string, def?: string) => Promise<string>; close: () => void } {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  return {
    ask: async (q, def) => {
      const a = (await rl.question(def ? `${q} [${def}]: ` : `${q}: `)).trim();
      return a === '' ? (def ?? '') : a;
    },
    close: () => rl.close(),
  };
}
