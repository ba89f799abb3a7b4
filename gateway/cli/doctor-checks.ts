import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { access, constants, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { SerialPort } from 'serialport';
import { LineFramer } from '../../shared/protocol/line-framer.ts';
import { decodeSerialItem, SERIAL_MAX_LINE_BYTES } from '../../shared/protocol/serial-formats.ts';
import { isPortFree } from '../../shared/util/free-port.ts';
import type { GatewayConfig, SerialPortConfig } from '../config/config-schema.ts';
import { GatewayStatusResponse } from '../http/status-schema.ts';
import { SyncClient } from '../sync/sync-client.ts';
import { inspectBuffer } from './buffer-inspect-repository.ts';

/**
 * The checks of `cds gateway doctor`, one function each, each answering pass / fail / skip with one line
 * a field installer can act on. When the gateway is running, the checks that would collide with it (a
 * serial port it holds, the broker port it binds) ask it instead through its local `/status`.
 */

export type CheckResult = { status: 'pass' | 'fail' | 'skip'; name: string; detail: string };

const pass = (name: string, detail: string): CheckResult => ({ status: 'pass', name, detail });
const fail = (name: string, detail: string): CheckResult => ({ status: 'fail', name, detail });
const skip = (name: string, detail: string): CheckResult => ({ status: 'skip', name, detail });

const MiB = 1024 * 1024;
/** Earliest believable wall clock: a board without RTC boots in 1970 until NTP answers. */
const CLOCK_FLOOR_MS = Date.UTC(2025, 0, 1);
const MAX_SKEW_S = 60;

export function localHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

export function statusUrl(config: GatewayConfig): string | undefined {
  if (!config.http.enabled) return undefined;
  return `http://${localHost(config.http.host)}:${config.http.port}/status`;
}

/** The running gateway's `/status`, or undefined when none answers. */
export async function fetchStatus(
  url: string | undefined,
  timeoutMs = 2000,
): Promise<GatewayStatusResponse | undefined> {
  if (!url) return undefined;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const parsed = GatewayStatusResponse.safeParse(await res.json());
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A valid frame on the port within `waitS`: from the running gateway, or by opening the port ourselves. */
export async function checkSerialPort(
  port: SerialPortConfig,
  running: { url: string; status: GatewayStatusResponse } | undefined,
  waitS: number,
): Promise<CheckResult> {
  const name = `serial ${port.path}`;
  if (running) {
    const t0 = Date.now();
    let seen = running.status.serial.find((s) => s.path === port.path);
    const before = seen?.readings ?? 0;
    while (Date.now() - t0 < waitS * 1000) {
      if (seen?.open && seen.readings > before)
        return pass(
          name,
          `open in the running gateway, valid frame received (${seen.readings} stored from this port)`,
        );
      await sleep(500);
      seen = (await fetchStatus(running.url))?.serial.find((s) => s.path === port.path);
    }
    if (!seen)
      return fail(name, 'the running gateway does not read this port (restart it after editing the config)');
    if (!seen.open)
      return fail(name, `the running gateway cannot open it: ${seen.lastError ?? 'unknown error'}`);
    return fail(name, `open, but no valid frame in ${waitS} s (wrong format or baud rate? board silent?)`);
  }
  if (!existsSync(port.path))
    return fail(name, 'no such device (unplugged? check `ls -l /dev/serial/by-id/`)');
  const sp = new SerialPort({ path: port.path, baudRate: port.baudRate, autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) => sp.open((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    const msg = (err as Error).message;
    const hint = /permission|EACCES/i.test(msg) ? ' (add the gateway user to the dialout group)' : '';
    return fail(name, `cannot open: ${msg}${hint}`);
  }
  const framer = new LineFramer({ maxLineBytes: port.maxLineBytes ?? SERIAL_MAX_LINE_BYTES[port.format] });
  const rejected = new Map<string, number>();
  try {
    const found = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitS * 1000);
      framer.on('data', (item) => {
        const r = decodeSerialItem(port.format, item);
        if (r.ok && r.kind === 'observation') {
          clearTimeout(timer);
          resolve(r.observation.seq === undefined ? 'a reading' : `reading MSG ${r.observation.seq}`);
        } else if (!r.ok) rejected.set(r.code, (rejected.get(r.code) ?? 0) + 1);
      });
      sp.pipe(framer);
    });
    const rej = [...rejected].map(([c, n]) => `${c}×${n}`).join(', ');
    if (found)
      return pass(
        name,
        `valid ${port.format} frame at ${port.baudRate} baud: ${found}${rej ? ` (also rejected: ${rej})` : ''}`,
      );
    return fail(
      name,
      `no valid ${port.format} frame in ${waitS} s${rej ? `; rejected: ${rej} (wrong format or baud?)` : ' (no data at all)'}`,
    );
  } finally {
    sp.unpipe(framer);
    if (sp.isOpen) await new Promise<void>((resolve) => sp.close(() => resolve()));
  }
}

export async function checkBroker(config: GatewayConfig, running: boolean): Promise<CheckResult> {
  const { broker } = config;
  const name = `broker port ${broker.port}`;
  if (!broker.enabled) return skip('broker', 'embedded broker disabled');
  if (!running) {
    return (await isPortFree(broker.port, broker.host))
      ? pass(name, `free to bind on ${broker.host}`)
      : fail(name, `in use by another program on ${broker.host} (another MQTT broker? set broker.port)`);
  }
  const url = `${broker.tls ? 'mqtts' : 'mqtt'}://${localHost(broker.host)}:${broker.port}`;
  try {
    const c = await mqtt.connectAsync(url, {
      clientId: `cds-doctor-${process.pid}`,
      reconnectPeriod: 0,
      connectTimeout: 3000,
      rejectUnauthorized: false,
    });
    await c.endAsync();
    return pass(name, 'answering MQTT (anonymous allowed)');
  } catch (err) {
    const code = (err as { code?: number | string }).code;
    if (code === 4 || code === 5)
      return pass(name, 'answering MQTT (refuses anonymous logins, as configured)');
    return fail(name, `no MQTT answer at ${url}: ${(err as Error).message}`);
  }
}

export async function checkHttpPort(config: GatewayConfig, running: boolean): Promise<CheckResult> {
  const { http } = config;
  const name = `http port ${http.port}`;
  if (!http.enabled) return skip('http', 'local HTTP disabled');
  if (running) return pass(name, 'the running gateway answers /status');
  return (await isPortFree(http.port, http.host))
    ? pass(name, `free to bind on ${http.host}`)
    : fail(name, `in use by another program on ${http.host} (set http.port)`);
}

async function nearestExistingDir(path: string): Promise<string> {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export async function checkSqlite(config: GatewayConfig, running: boolean): Promise<CheckResult> {
  const path = config.buffer.path;
  const name = 'sqlite buffer';
  if (!existsSync(path)) {
    if (running) return fail(name, `${path} missing while the gateway runs`);
    const dir = await nearestExistingDir(path);
    try {
      await access(dir, constants.W_OK);
      return pass(name, `${path} not created yet; ${dir} is writable`);
    } catch {
      return fail(name, `${path} not created yet and ${dir} is not writable by this user`);
    }
  }
  try {
    const snap = inspectBuffer(path);
    if (snap.quickCheck !== 'ok') return fail(name, `quick_check: ${snap.quickCheck.slice(0, 200)}`);
    return pass(name, `quick_check ok, ${snap.readings} readings, backlog ${snap.backlog.count}`);
  } catch (err) {
    return fail(name, `cannot read ${path}: ${(err as Error).message}`);
  }
}

export async function checkDisk(config: GatewayConfig): Promise<CheckResult> {
  const path = config.buffer.path;
  const dir = await nearestExistingDir(path);
  const s = await statfs(dir);
  const free = s.bavail * s.bsize;
  const used = existsSync(path) ? statSync(path).size : 0;
  // Room for the buffer to grow to its cap, plus the WAL's 64 MiB.
  const needed = Math.max(0, config.buffer.maxBytes - used) + 64 * MiB;
  const detail = `${(free / MiB).toFixed(0)} MiB free at ${dir}; the buffer may grow by ${(needed / MiB).toFixed(0)} MiB`;
  return free >= needed
    ? pass('disk', detail)
    : fail('disk', `${detail} (lower buffer.maxBytes or free space)`);
}

const run = promisify(execFile);

/** Clock sanity: believable wall time, NTP state when systemd tells, skew against the cloud's Date. */
export async function checkClock(cloudDate: number | undefined, now = Date.now()): Promise<CheckResult> {
  if (now < CLOCK_FLOOR_MS)
    return fail('clock', `${new Date(now).toISOString()} is not believable (no RTC and no NTP yet?)`);
  let ntp = '';
  try {
    const { stdout } = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], {
      timeout: 2000,
    });
    ntp = stdout.trim() === 'yes' ? ', NTP synchronized' : ', NTP NOT synchronized';
  } catch {
    ntp = '';
  }
  if (cloudDate !== undefined) {
    const skewS = (now - cloudDate) / 1000;
    const detail = `${new Date(now).toISOString()}${ntp}, ${skewS.toFixed(1)} s from the cloud's clock`;
    return Math.abs(skewS) <= MAX_SKEW_S
      ? pass('clock', detail)
      : fail('clock', `${detail} (more than ${MAX_SKEW_S} s)`);
  }
  return pass('clock', `${new Date(now).toISOString()}${ntp}`);
}

/** Cloud reachable (any HTTP answer) and its Date header, for the clock check. */
export async function checkCloudReachable(
  config: GatewayConfig,
): Promise<{ result: CheckResult; date?: number }> {
  const url = config.sync.cloudUrl;
  if (!config.sync.enabled || url === null)
    return { result: skip('cloud', 'no cloud configured (offline gateway)') };
  try {
    const res = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    const dateHeader = res.headers.get('date');
    const date = dateHeader ? Date.parse(dateHeader) : Number.NaN;
    return {
      result: pass('cloud', `${url} reachable (HTTP ${res.status})`),
      ...(Number.isFinite(date) && { date }),
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { result: fail('cloud', `${url} unreachable: ${e.cause?.code ?? e.message}`) };
  }
}

/** The token: an empty batch (no readings) must come back committed. */
export async function checkCloudToken(config: GatewayConfig): Promise<CheckResult> {
  const { cloudUrl, token } = config.sync;
  if (!config.sync.enabled || cloudUrl === null || token === null)
    return skip('cloud token', 'no cloud configured');
  const client = new SyncClient({ cloudUrl, token, timeoutMs: 10_000, clock: Date.now });
  const batchId = `doctor-${config.gatewayId}-${Date.now()}`;
  const out = await client.send(
    batchId,
    JSON.stringify({ gatewayId: config.gatewayId, batchId, readings: [] }),
  );
  switch (out.kind) {
    case 'ok':
      return pass('cloud token', `accepted for gateway ${config.gatewayId}`);
    case 'auth':
      return fail(
        'cloud token',
        `refused (HTTP ${out.status}): check sync.token and gatewayId (${out.error})`,
      );
    case 'refused':
      return fail('cloud token', `HTTP ${out.status} ${out.code}: ${out.message}`);
    case 'retry':
      return fail('cloud token', `no answer: ${out.error}`);
  }
}
