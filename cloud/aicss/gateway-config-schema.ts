import { z } from 'zod';

/**
 * The per-gateway configuration an operator pushes from the cloud: overrides of the gateway's own
 * `alerts` and `sync` sections (gateway/config/core-config.ts) plus energy budgets. Each version is the
 * complete override set; the gateway applies it on top of its local file. Unknown keys are refused here, so a
 * typo is a 400 in the cloud instead of a silently ignored setting on a gateway far away.
 */
export const GatewayConfigOverrides = z
  .object({
    alerts: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Overrides of the gateway’s `alerts` section'),
    sync: z
      .object({ intervalS: z.number().int().min(1).max(86_400).optional().describe('Seconds between syncs') })
      .passthrough()
      .optional()
      .describe('Overrides of the gateway’s `sync` section'),
  })
  .strict();
export type GatewayConfigOverrides = z.infer<typeof GatewayConfigOverrides>;
