import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../shared/log.ts';
import { buildCloudApp } from '../app.ts';
import { CloudConfig } from '../config.ts';
import { startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { migrate } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import { createCloudMetrics } from '../observability/metrics.ts';
import { type OpenApiDoc, renderApiMarkdown } from './api-markdown.ts';

/**
 * `npm run docs:api`: builds the real app (never listening) and writes docs/api.md from its OpenAPI
 * document. The app needs a migrated database to become ready (route modules start their maintainers), so
 * this runs on a throw-away embedded PostgreSQL in a temp folder — never on a configured database.
 */
const OUT = fileURLToPath(new URL('../../docs/api.md', import.meta.url));

const log = silentLogger();
const dir = await mkdtemp(join(tmpdir(), 'cds-apidoc-'));
// mkdtemp makes the folder 0700; PostgreSQL runs as its own user (we may be root) and must reach pg/.
await chmod(dir, 0o755);
const pg = await startEmbeddedPostgres({
  dataDir: join(dir, 'pg'),
  persistent: false,
  log,
  settings: { fsync: 'off' },
});
try {
  const pool = createPool({ url: pg.url, log });
  try {
    await migrate({ pool, log });
    const config = CloudConfig.parse({ jwtSecret: 'api-doc-only-0123456789abcdef012345', dataDir: dir });
    const app = await buildCloudApp({ log, config, pool, clock: Date.now, metrics: createCloudMetrics() });
    try {
      const md = renderApiMarkdown(app.swagger() as unknown as OpenApiDoc);
      await writeFile(OUT, md);
      console.log(
        `wrote ${OUT} (${Object.keys((app.swagger() as unknown as OpenApiDoc).paths).length} paths)`,
      );
    } finally {
      await app.close();
    }
  } finally {
    await pool.end();
  }
} finally {
  await pg.stop();
  await rm(dir, { recursive: true, force: true });
}
