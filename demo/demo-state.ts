import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * What the demo must remember between runs so that a second `npm start` reuses the same data: the admin
 * password it generated, the gateway's token and the boards' MQTT password. Kept in `<dataDir>/demo/state.json`
 * (mode 0600): these are secrets of a local demo, not of a deployment.
 */
export const DemoState = z
  .object({
    adminPassword: z.string().min(8),
    boardPassword: z.string().min(8),
    gatewayToken: z.string().nullable(),
    backfilledUntil: z.number().int().nullable().describe('End of the history generated on the first run'),
  })
  .strict();
export type DemoState = z.infer<typeof DemoState>;

export async function loadDemoState(file: string): Promise<DemoState> {
  if (existsSync(file)) {
    const parsed = DemoState.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (parsed.success) return parsed.data;
    throw new Error(
      `${file} is not a demo state file (${parsed.error.issues[0]?.message}); move it away to start over`,
    );
  }
  return {
    adminPassword: randomBytes(9).toString('base64url'),
    boardPassword: randomBytes(9).toString('base64url'),
    gatewayToken: null,
    backfilledUntil: null,
  };
}

export async function saveDemoState(file: string, state: DemoState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
