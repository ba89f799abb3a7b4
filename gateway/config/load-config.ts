import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { AppError, formatIssues } from '../../shared/errors.ts';
import { GatewayConfig } from './config-schema.ts';
import { type AnySchema, defOf, isTextLeaf, shapeOf, unwrap } from './schema-walk.ts';

/**
 * Reads the gateway configuration: a JSON or YAML file (optional), then `CDS_…` environment variables on
 * top, validated ONCE against the schema. Every problem (file syntax, a bad variable, each schema issue) is
 * collected and thrown together as one `config_invalid` AppError whose `details` are `path: message` lines.
 *
 * Environment mapping: strip `CDS_`, split the rest on `__` (double underscore) into path segments, and
 * match each segment to a field name ignoring case and single underscores; a number selects an array item.
 *   CDS_GATEWAY_ID=gw-01                    → gatewayId
 *   CDS_SYNC__INTERVAL_S=30                 → sync.intervalS
 *   CDS_CLOUD__TOKEN=…                      → cloud.token
 *   CDS_SERIAL__PORTS__0__PATH=/dev/ttyUSB0 → serial.ports[0].path
 *   CDS_BROKER__DEVICES='[{"username":"a","password":"b","device":"aicss-1"}]' → broker.devices (JSON)
 * Values are taken as text for text fields, and parsed as JSON otherwise (numbers, booleans, arrays).
 * `CDS_CONFIG` names the file and is not a setting. Variables that match no field are returned as
 * warnings (they may belong to another CDS program on the same machine).
 */

export const ENV_PREFIX = 'CDS_';
export const CONFIG_FILE_ENV = 'CDS_CONFIG';

export interface LoadConfigOptions {
  /** Config file (.json, .yaml, .yml); none = defaults and environment only. */
  file?: string;
  /** Environment to read `CDS_…` overrides from (main.ts passes process.env; tests pass their own). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadedConfig {
  config: GatewayConfig;
  file?: string;
  /** Non-fatal findings, e.g. a `CDS_` variable that matches no setting. */
  warnings: string[];
}

type Json = unknown;

const norm = (k: string) => k.replace(/_/g, '').toLowerCase();

function setAt(root: Record<string, Json>, path: (string | number)[], value: Json): void {
  let node: Record<string | number, Json> = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const nextIsIndex = typeof path[i + 1] === 'number';
    let child = node[key];
    if (typeof child !== 'object' || child === null) {
      child = nextIsIndex ? [] : {};
      node[key] = child;
    }
    node = child as Record<string | number, Json>;
  }
  node[path[path.length - 1]!] = value;
}

/** Applies `CDS_…` variables onto `input`; returns errors and warnings as `path: message` lines. */
export function applyEnvOverrides(
  input: Record<string, Json>,
  env: Readonly<Record<string, string | undefined>>,
): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const names = Object.keys(env)
    .filter((k) => k.startsWith(ENV_PREFIX) && k !== CONFIG_FILE_ENV)
    .sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined) continue;
    const segments = name.slice(ENV_PREFIX.length).split('__');
    let schema: AnySchema = GatewayConfig;
    const path: (string | number)[] = [];
    let ok = true;
    for (const seg of segments) {
      const d = defOf(unwrap(schema));
      if (d.type === 'array' && /^\d+$/.test(seg)) {
        path.push(Number(seg));
        schema = d.element!;
        continue;
      }
      const shape = shapeOf(schema);
      const key = shape && Object.keys(shape).find((k) => norm(k) === norm(seg));
      if (!shape || !key) {
        ok = false;
        break;
      }
      path.push(key);
      schema = shape[key]!;
    }
    if (!ok) {
      warnings.push(`env ${name}: matches no setting (ignored)`);
      continue;
    }
    const where = `${path.join('.')} (env ${name})`;
    if (isTextLeaf(schema)) {
      setAt(input, path, raw);
      continue;
    }
    try {
      setAt(input, path, JSON.parse(raw));
    } catch {
      errors.push(`${where}: "${raw}" is not valid JSON for this setting`);
    }
  }
  return { errors, warnings };
}

const isObj = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Settings given once for the whole gateway: `site.timeZone` / `site.nominalVoltage` become the defaults of
 * the alert rules' own, and `dataDir` the folder of the default `buffer.path`.
 */
export function inheritSiteSettings(input: Record<string, Json>): void {
  const section = (key: string): Record<string, Json> | undefined => {
    if (input[key] === undefined) input[key] = {};
    const v = input[key];
    return isObj(v) ? v : undefined;
  };
  const site = isObj(input.site) ? input.site : {};
  const alerts = section('alerts');
  if (alerts) {
    if (alerts.timeZone === undefined && site.timeZone !== undefined) alerts.timeZone = site.timeZone;
    if (alerts.nominalVoltage === undefined && site.nominalVoltage !== undefined)
      alerts.nominalVoltage = site.nominalVoltage;
  }
  const buffer = section('buffer');
  if (buffer && buffer.path === undefined) {
    const dir = typeof input.dataDir === 'string' && input.dataDir !== '' ? input.dataDir : 'data/gateway';
    buffer.path = join(dir, 'gateway.sqlite');
  }
}

async function readConfigFile(file: string): Promise<{ data?: Record<string, Json>; error?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { error: `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  try {
    const ext = extname(file).toLowerCase();
    // The YAML parser (32 modules) is loaded only for a YAML file: every gateway start pays for it.
    const data = ext === '.json' ? (JSON.parse(text) as Json) : ((await import('yaml')).parse(text) as Json);
    if (data === null || data === undefined) return { data: {} };
    if (typeof data !== 'object' || Array.isArray(data))
      return { error: `${file}: the top level must be a mapping of settings` };
    return { data: data as Record<string, Json> };
  } catch (err) {
    return { error: `${file}: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Validates an already-merged input; all problems in one AppError. */
export function parseConfig(input: unknown, prior: string[] = []): GatewayConfig {
  let merged = input;
  if (isObj(input)) {
    merged = structuredClone(input);
    inheritSiteSettings(merged as Record<string, Json>);
  }
  const r = GatewayConfig.safeParse(merged);
  const lines = [...prior, ...(r.success ? [] : formatIssues(r.error.issues))];
  if (lines.length > 0 || !r.success)
    throw new AppError('config_invalid', `invalid gateway configuration:\n  ${lines.join('\n  ')}`, {
      details: lines,
    });
  return r.data;
}

export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const errors: string[] = [];
  let input: Record<string, Json> = {};
  if (opts.file !== undefined) {
    const f = await readConfigFile(opts.file);
    if (f.error) errors.push(f.error);
    if (f.data) input = f.data;
  }
  const env = applyEnvOverrides(input, opts.env ?? {});
  errors.push(...env.errors);
  const config = parseConfig(input, errors);
  return { config, ...(opts.file !== undefined && { file: opts.file }), warnings: env.warnings };
}
