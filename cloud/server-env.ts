import { CloudConfig } from './config.ts';

/**
 * `CDS_CLOUD_*` environment overrides, derived from the config schema so every field has one: the path in
 * UPPER_SNAKE_CASE with `__` between levels (`CDS_CLOUD_PORT`, `CDS_CLOUD_AUTH__LOGIN_MAX_PER_MINUTE`,
 * `CDS_CLOUD_TLS__CERT_FILE`). Text fields take the value as is; numbers, booleans and lists are read as
 * JSON, and a list also accepts commas (`CDS_CLOUD_CORS_ORIGINS=https://a,https://b`). `DATABASE_URL` sets
 * `databaseUrl`. Read only by cloud/server.ts.
 */
export function envOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  walk(CloudConfig.shape as Record<string, unknown>, [], env, out);
  if (env.DATABASE_URL) out.databaseUrl = env.DATABASE_URL;
  return out;
}

const snake = (k: string): string => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

function walk(
  shape: Record<string, unknown>,
  path: string[],
  env: NodeJS.ProcessEnv,
  out: Record<string, unknown>,
): void {
  for (const [key, schema] of Object.entries(shape)) {
    const p = [...path, key];
    const inner = objectShape(schema);
    if (inner) {
      const sub: Record<string, unknown> = {};
      walk(inner, p, env, sub);
      if (Object.keys(sub).length) out[key] = sub;
      continue;
    }
    const raw = env[`CDS_CLOUD_${p.map(snake).join('__')}`];
    if (raw === undefined || raw === '') continue;
    out[key] = parseValue(raw, defOf(unwrap(schema)).type);
  }
}

type Def = { type: string; innerType?: unknown; shape?: Record<string, unknown> };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

function unwrap(s: unknown): unknown {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if (['optional', 'default', 'prefault', 'nullable'].includes(d.type) && d.innerType) cur = d.innerType;
    else return cur;
  }
}

function objectShape(s: unknown): Record<string, unknown> | undefined {
  const u = unwrap(s);
  return defOf(u).type === 'object' ? (u as { shape: Record<string, unknown> }).shape : undefined;
}

/** Text fields stay text (a numeric secret is still a string); the schema then reports bad values. */
function parseValue(raw: string, type: string): unknown {
  if (type === 'string') return raw;
  try {
    const v = JSON.parse(raw) as unknown;
    if (type !== 'array' || Array.isArray(v)) return v;
  } catch {
    // not JSON: plain text, or a comma-separated list
  }
  return type === 'array'
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : raw;
}
