import { AppError, formatIssues } from '../shared/errors.ts';
import { GatewayConfig } from './config/config-schema.ts';

/**
 * Config the cloud pushes in a sync response (`CloudConfigPush`): overrides of the `alerts` and `sync`
 * sections, validated against the same schema as the file. The alert rules take them at once
 * (`AlertEngine.updateConfig`); sync settings apply from the next start. The last accepted overrides are
 * kept in the buffer's key-value table, so a restart does not fall back to the file's values.
 */

export const CLOUD_CONFIG_KV = 'cloud.configOverrides';
const PUSHABLE = new Set(['alerts', 'sync']);

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObj(base) || !isObj(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** The config with the cloud's overrides applied; throws `config_invalid` listing every problem. */
export function applyCloudOverrides(
  base: GatewayConfig,
  overrides: Record<string, unknown>,
): { config: GatewayConfig; ignored: string[] } {
  const ignored = Object.keys(overrides).filter((k) => !PUSHABLE.has(k));
  const allowed = Object.fromEntries(Object.entries(overrides).filter(([k]) => PUSHABLE.has(k)));
  const r = GatewayConfig.safeParse(deepMerge(base, allowed));
  if (!r.success) {
    const lines = formatIssues(r.error.issues);
    throw new AppError('config_invalid', `cloud config refused: ${lines.join('; ')}`, { details: lines });
  }
  return { config: r.data, ignored };
}
