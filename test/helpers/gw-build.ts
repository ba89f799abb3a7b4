import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The production bundle (`npm run build`, bin/build.mjs) built into a private folder, for the tests and the
 * bench that run the gateway as it is deployed: `node <entry> gateway run`. The folder is under
 * node_modules/.cache so the bundle's external packages resolve from the checkout's node_modules.
 */

const ROOT = join(import.meta.dirname, '../..');

type BuildCds = (opts: { outdir: string; logLevel?: string }) => Promise<string>;

export interface CdsBundle {
  /** `dist/cds.mjs` of this build. */
  entry: string;
  cleanup(): Promise<void>;
}

export async function buildCdsBundle(name: string): Promise<CdsBundle> {
  const outdir = join(ROOT, 'node_modules', '.cache', 'cds-build', `${name}-${process.pid}`);
  const { buildCds } = (await import(pathToFileURL(join(ROOT, 'bin/build.mjs')).href)) as {
    buildCds: BuildCds;
  };
  const entry = await buildCds({ outdir, logLevel: 'error' });
  return { entry, cleanup: () => rm(outdir, { recursive: true, force: true }) };
}
