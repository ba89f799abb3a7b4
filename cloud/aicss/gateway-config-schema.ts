import { parse as parseCron, validate as validCron } from 'node-cron';
import { z } from 'zod';
import { AlertsConfig, SyncConfig } from '../../gateway/config/core-config.ts';

/**
 * The per-gateway configuration an operator pushes from the cloud: overrides of the gateway's own
 * `alerts` and `sync` sections, derived from gw-core's schemas (gateway/config/core-config.ts) so the two
 * cannot drift. Every field is optional and has NO default here: a version stores exactly what the operator
 * set, and the gateway lays it over its local file (a default filled in by the cloud would silently undo a
 * local setting). Unknown keys are refused, so a typo is a 400 here rather than an ignored setting on a
 * gateway far away. Energy budgets are `alerts.energyBudget.dailyWh` and `alerts.devices.<id>.dailyBudgetWh`.
 * The sync section leaves out what identifies the gateway (`cloudUrl`, `token`) and the on/off switch.
 */

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType> };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Same schema, every object field optional and every default/prefault removed, recursively. */
export function overridesOf(schema: z.ZodType): z.ZodType {
  const d = defOf(schema);
  const described = (s: z.ZodType): z.ZodType => (schema.description ? s.describe(schema.description) : s);
  if ((d.type === 'default' || d.type === 'prefault' || d.type === 'optional') && d.innerType) {
    return described(overridesOf(d.innerType));
  }
  if (d.type === 'nullable' && d.innerType) return described(overridesOf(d.innerType).nullable());
  if (d.type === 'object') {
    const shape = (schema as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
    const out: Record<string, z.ZodType> = {};
    for (const [k, v] of Object.entries(shape)) out[k] = overridesOf(v).optional();
    return described(z.object(out).strict());
  }
  if (d.type === 'record') {
    const rec = schema as unknown as z.ZodRecord<z.core.$ZodRecordKey, z.ZodType>;
    return described(z.record(rec.keyType as z.ZodString, overridesOf(rec.valueType)));
  }
  return schema;
}

const SyncOverridable = SyncConfig.omit({ cloudUrl: true, token: true, enabled: true });

export const GatewayConfigOverrides = z
  .object({
    alerts: overridesOf(AlertsConfig).optional().describe('Overrides of the gateway’s `alerts` section'),
    sync: overridesOf(SyncOverridable).optional().describe('Overrides of the gateway’s `sync` section'),
  })
  .strict()
  .superRefine((v, ctx) => {
    const schedule = (v.sync as { schedule?: unknown } | undefined)?.schedule;
    if (typeof schedule === 'string' && !validCron(schedule)) {
      ctx.addIssue({ code: 'custom', path: ['sync', 'schedule'], message: 'not a valid cron expression' });
    }
  });
export type GatewayConfigOverrides = { alerts?: Record<string, unknown>; sync?: Record<string, unknown> };

/** The gateway's sync schedule when no pushed config sets one (gw-core's default, every 10 s). */
export const DEFAULT_SYNC_SCHEDULE = String(SyncConfig.parse({}).schedule);

/**
 * Seconds between syncs for a node-cron schedule (with seconds): the longest gap between consecutive runs in
 * a day, so an irregular schedule is judged by its worst case. Day-of-month/week fields are ignored (a sync
 * schedule restricted to some days is not a thing). Undefined for an invalid expression.
 */
export function scheduleIntervalS(schedule: string): number | undefined {
  if (!validCron(schedule)) return undefined;
  const f = parseCron(schedule);
  const times: number[] = [];
  for (const h of f.hour)
    for (const m of f.minute) for (const sec of f.second) times.push(h * 3600 + m * 60 + sec);
  if (times.length === 0) return undefined;
  times.sort((a, b) => a - b);
  let gap = times[0]! + 86_400 - times[times.length - 1]!;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}
