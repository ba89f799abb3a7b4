import { type ChildProcess, spawn } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../shared/util/free-port.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/**
 * `npm start` (`cds demo`) as a user runs it: a child process with no DATABASE_URL (so the embedded
 * PostgreSQL under the data folder), stopped with SIGINT sent to its whole process group as a terminal's
 * Ctrl-C is (the embedded PostgreSQL gets it too), then started again on the same data folder.
 */
const CDS = fileURLToPath(new URL('../../bin/cds.mjs', import.meta.url));
const STEP_TIMEOUT_MS = 60_000;

interface DemoRun {
  proc: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function startDemo(dataDir: string, ports: { cloud: number; broker: number; gateway: number }): DemoRun {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const proc = spawn(
    process.execPath,
    [
      CDS,
      'demo',
      '--data-dir',
      dataDir,
      '--boards',
      '2',
      '--tele-period',
      '1',
      '--history-days',
      '1',
      '--cloud-port',
      String(ports.cloud),
      '--broker-port',
      String(ports.broker),
      '--gateway-port',
      String(ports.gateway),
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  proc.stdout!.on('data', (b: Buffer) => {
    text += b.toString();
  });
  proc.stderr!.on('data', (b: Buffer) => {
    text += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, out: () => text, exited };
}

async function waitFor(run: DemoRun, pattern: RegExp): Promise<RegExpMatchArray> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const m = run.out().match(pattern);
    if (m) return m;
    if (run.proc.exitCode !== null) throw new Error(`demo exited (${run.proc.exitCode}):\n${run.out()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${run.out()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ctrl-C in a terminal: SIGINT to every process of the group. */
async function ctrlC(run: DemoRun): Promise<number | null> {
  process.kill(-run.proc.pid!, 'SIGINT');
  return run.exited;
}

async function login(base: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

// biome-ignore lint/suspicious/noExplicitAny: the status body is inspected field by field
async function status(base: string, token: string): Promise<any> {
  const res = await fetch(`${base}/api/v1/aicss/status`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.json();
}

describe('npm start (cds demo)', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let ports: { cloud: number; broker: number; gateway: number };
  let running: DemoRun | undefined;

  beforeAll(async () => {
    dir = await tempDir('cds-demo-');
    // PostgreSQL runs as its own user when we are root and must reach the data folder.
    await chmod(dir.path, 0o755);
    ports = { cloud: await freePort(), broker: await freePort(), gateway: await freePort() };
  });

  afterAll(async () => {
    if (running && running.proc.exitCode === null) await ctrlC(running);
    await dir?.cleanup();
  });

  it('runs the chain on the embedded database, stops cleanly on Ctrl-C, and reuses its data on the next start', async () => {
    // First start: fresh data folder.
    running = startDemo(dir.path, ports);
    const first = running;
    await waitFor(first, /CDS demo is running/);
    const base = (await waitFor(first, /Dashboard\s+(http:\/\/127\.0\.0\.1:\d+)\/ui\//))[1]!;
    expect(base).toBe(`http://127.0.0.1:${ports.cloud}`);
    expect(first.out()).toMatch(/PostgreSQL\s+\S+ \(embedded\)/);
    expect(first.out()).toMatch(/Generating 1 days of history for 2 boards/);
    expect(first.out()).toContain(`mqtt://127.0.0.1:${ports.broker}`);
    const password = (await waitFor(first, /Login\s+admin \/ (\S+)/))[1]!;
    await waitFor(first, /First readings committed in the cloud [\d.]+ s after the boards started/);

    const token = await login(base, password);
    const s = await status(base, token);
    const gw = s.gateways.find((g: { gatewayId: string }) => g.gatewayId === 'demo-gw');
    expect(gw.state).toBe('online');
    expect(gw.devices).toHaveLength(2);
    for (const d of gw.devices) expect(d.lastReadingTs).not.toBeNull();

    // The backfilled day is in the cloud: a day's consumption with energy, priced (real ANEEL rows loaded).
    const from = new Date(Date.now() - 26 * 3600_000).toISOString();
    const to = new Date().toISOString();
    await expect
      .poll(
        async () => {
          const res = await fetch(
            `${base}/api/v1/analytics/consumo?siteId=demo-site&interval=hour&from=${from}&to=${to}`,
            { headers: { authorization: `Bearer ${token}` } },
          );
          const c = (await res.json()) as { totals: { kwh: number; netRs: number | null } };
          return c.totals.kwh > 0 && (c.totals.netRs ?? 0) > 0;
        },
        { timeout: STEP_TIMEOUT_MS, interval: 500 },
      )
      .toBe(true);

    expect(await ctrlC(first)).toBe(0);
    expect(first.out()).toContain('Stopped cleanly.');

    // Second start: same data, same admin password, no second history.
    running = startDemo(dir.path, ports);
    const second = running;
    await waitFor(second, /CDS demo is running/);
    expect(second.out()).toContain(`admin / ${password}   (set when this data folder was created)`);
    expect(second.out()).not.toMatch(/Generating/);
    await waitFor(second, /First readings committed in the cloud/);
    const again = await status(base, await login(base, password));
    expect(again.gateways.find((g: { gatewayId: string }) => g.gatewayId === 'demo-gw').devices).toHaveLength(
      2,
    );
    expect(await ctrlC(second)).toBe(0);
    expect(second.out()).toContain('Stopped cleanly.');
  }, 240_000);
});
