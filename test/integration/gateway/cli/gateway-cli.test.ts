import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { encodeClaim } from '../../../../gateway/cli/claim.ts';
import { doctorAction } from '../../../../gateway/cli/doctor-action.ts';
import { initAction } from '../../../../gateway/cli/init-action.ts';
import { statusAction } from '../../../../gateway/cli/status-action.ts';
import { loadConfig } from '../../../../gateway/config/load-config.ts';
import { encodeAicssLine, encodeBootBanner } from '../../../../shared/protocol/aicss-serial.ts';
import { encodeAicssSensor } from '../../../../shared/protocol/mqtt-sensor.ts';
import { type FakeCloud, startFakeCloud } from '../../../helpers/fake-cloud.ts';
import { startTestGateway, type TestGateway } from '../../../helpers/gw-gateway.ts';
import { eventually, openPtyPair, type PtyPair } from '../../../helpers/gw-pty.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

let dir: { path: string; cleanup(): Promise<void> };
const load = (file: string | undefined) => loadConfig({ env: {}, ...(file !== undefined && { file }) });

function output(): { print: (l: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { print: (l) => lines.push(l), lines };
}

beforeAll(async () => {
  dir = await tempDir('cds-gw-cli-');
});
afterAll(() => dir.cleanup());

describe('cds gateway init', () => {
  it('writes a commented config from flags and a claim string, readable by the loader, mode 0600', async () => {
    const out = join(dir.path, 'init', 'gateway.yaml');
    const claim = encodeClaim({
      cloudUrl: 'https://cds.example.com',
      gatewayId: 'gw-sp-07',
      token: 'tok_0123456789abcdef0123',
      siteId: 'site-fiap',
    });
    const o = output();
    const code = await initAction(
      {
        out,
        yes: true,
        claim,
        serial: ['/dev/serial/by-id/usb-FTDI-if00,aicss', '/dev/ttyACM0,aicss-legacy,lumion-1'],
        device: ['aicss-a1b2c3', 'aicss-d4e5f6:board6:fixed-password'],
        brokerPort: '1884',
        timeZone: 'America/Recife',
        voltage: '220',
        cnpj: '06272793000184',
        modality: 'Branca',
        dataDir: join(dir.path, 'state'),
      },
      { listPorts: async () => [], print: o.print, now: () => new Date('2025-06-01T12:00:00Z') },
    );
    expect(code).toBe(0);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const text = await readFile(out, 'utf8');
    expect(text).toMatch(/^ {2}# Nominal supply voltage, V/m);
    expect(text).toMatch(/^ {2}# allowAnonymous: false$/m);

    const { config } = await load(out);
    expect(config).toMatchObject({
      gatewayId: 'gw-sp-07',
      site: {
        siteId: 'site-fiap',
        timeZone: 'America/Recife',
        nominalVoltage: 220,
        tariff: { modality: 'Branca' },
      },
      sync: { cloudUrl: 'https://cds.example.com', token: 'tok_0123456789abcdef0123' },
      broker: { port: 1884 },
      alerts: { timeZone: 'America/Recife', nominalVoltage: 220 },
      buffer: { path: join(dir.path, 'state', 'gateway.sqlite') },
    });
    expect(config.serial.ports).toEqual([
      expect.objectContaining({ path: '/dev/serial/by-id/usb-FTDI-if00', format: 'aicss' }),
      expect.objectContaining({ path: '/dev/ttyACM0', format: 'aicss-legacy', device: 'lumion-1' }),
    ]);
    const generated = config.broker.devices.find((d) => d.device === 'aicss-a1b2c3');
    expect(generated?.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(config.broker.devices[1]).toEqual({
      username: 'board6',
      password: 'fixed-password',
      device: 'aicss-d4e5f6',
    });
    // The generated password is shown once, for the installer to put on the board.
    expect(o.lines.join('\n')).toContain(generated!.password!);

    const again = output();
    expect(
      await initAction(
        { out, yes: true },
        { listPorts: async () => [], print: again.print, now: () => new Date() },
      ),
    ).toBe(1);
    expect(again.lines[0]).toMatch(/exists; use --force/);
  });

  it('refuses answers that do not make a valid config, and writes nothing', async () => {
    const out = join(dir.path, 'bad.yaml');
    const o = output();
    const code = await initAction(
      { out, yes: true, cnpj: '123', voltage: '110', device: ['bad device'] },
      { listPorts: async () => [], print: o.print, now: () => new Date() },
    );
    expect(code).toBe(78);
    expect(o.lines.slice(1).map((l) => l.trim().split(':')[0])).toEqual(
      expect.arrayContaining([
        'site.tariff.distributorCnpj',
        'site.nominalVoltage',
        'broker.devices.0.device',
      ]),
    );
    await expect(stat(out)).rejects.toThrow();
  });

  it('adds the ports SerialPort.list() finds when asked to', async () => {
    const out = join(dir.path, 'detect.yaml');
    const code = await initAction(
      { out, yes: true, detectSerial: true },
      {
        listPorts: async () => [
          { path: '/dev/ttyUSB3', manufacturer: 'FTDI', pnpId: 'usb-not-plugged-here' },
        ],
        print: () => undefined,
        now: () => new Date(),
      },
    );
    expect(code).toBe(0);
    const doc = parseYaml(await readFile(out, 'utf8')) as { serial: { ports: Array<{ path: string }> } };
    expect(doc.serial.ports).toEqual([{ path: '/dev/ttyUSB3' }]);
  });

  it('asks for what the flags left out: pasted claim, detected ports, boards, site and tariff', async () => {
    const out = join(dir.path, 'asked', 'gateway.yaml');
    const claim = encodeClaim({
      cloudUrl: 'https://cds.example.com',
      gatewayId: 'gw-asked',
      token: 'tok_asked_0123456789abcdef',
      siteId: 'site-asked',
    });
    const answers: [RegExp, string][] = [
      [/^Gateway id/, ''], // blank: the default (from the host name), then replaced by the claim's id
      [/^Claim string/, claim],
      [/^Read serial port \/dev\/ttyUSB0/, 'y'],
      [/^ {2}format/, 'emontx'],
      [/^ {2}device id/, 'emon-0001'],
      [/^Read serial port \/dev\/ttyACM0/, 'n'],
      [/^MQTT boards/, 'aicss-000001, aicss-000002'],
      [/^MQTT broker port/, '1885'],
      [/^Site time zone/, ''],
      [/^Nominal voltage/, '220'],
      [/^Distributor CNPJ/, '06981180000116'],
      [/^Tariff modality/, 'Branca'],
    ];
    const asked: string[] = [];
    const ask = async (q: string, def?: string) => {
      asked.push(q);
      const hit = answers.find(([re]) => re.test(q));
      if (!hit) throw new Error(`unexpected question: ${q}`);
      return hit[1] === '' ? (def ?? '') : hit[1];
    };
    const detected = async () => [
      { path: '/dev/ttyUSB0', manufacturer: 'FTDI' },
      { path: '/dev/ttyACM0', manufacturer: 'Espressif' },
    ];
    const now = () => new Date('2025-06-01T12:00:00Z');
    const o2 = output();
    const ok = await initAction(
      { out, dataDir: join(dir.path, 'asked-state') },
      { ask, listPorts: detected, print: o2.print, now },
    );
    expect(asked).toHaveLength(answers.length);
    expect(ok).toBe(0);
    const { config } = await load(out);
    expect(config).toMatchObject({
      gatewayId: 'gw-asked',
      site: {
        siteId: 'site-asked',
        timeZone: 'America/Sao_Paulo',
        nominalVoltage: 220,
        tariff: { distributorCnpj: '06981180000116', modality: 'Branca' },
      },
      serial: { ports: [{ path: '/dev/ttyUSB0', format: 'emontx', device: 'emon-0001' }] },
      broker: { port: 1885 },
      sync: { cloudUrl: 'https://cds.example.com', token: 'tok_asked_0123456789abcdef' },
    });
    expect(config.broker.devices.map((d: { device: string }) => d.device)).toEqual([
      'aicss-000001',
      'aicss-000002',
    ]);
    // Generated board passwords are printed once, and they are what the file holds.
    for (const d of config.broker.devices as { device: string; password: string }[])
      expect(o2.lines.join('\n')).toContain(
        `board ${d.device}: MQTT username "${d.device}", password "${d.password}"`,
      );

    // A wrong answer is refused with the loader's message, and nothing is written.
    answers[answers.findIndex(([re]) => re.source.startsWith('^Nominal'))] = [/^Nominal voltage/, '110'];
    const o3 = output();
    const out3 = join(dir.path, 'asked-wrong', 'gateway.yaml');
    expect(await initAction({ out: out3 }, { ask, listPorts: detected, print: o3.print, now })).toBe(78);
    expect(o3.lines.join('\n')).toMatch(/site\.nominalVoltage: /);
    await expect(stat(out3)).rejects.toThrow();
  });
});

describe('cds gateway doctor and status', () => {
  let cloud: FakeCloud;
  let gw: TestGateway;
  let pty: PtyPair;
  let configFile: string;
  let writer: NodeJS.Timeout;
  const BOOT_S = Math.floor(Date.now() / 1000) - 900;
  const BROKER_DEVICES = [
    { username: 'b', password: 'p', device: 'aicss-doc' },
    { username: 'hot', password: 'hot-pass', device: 'aicss-hot' },
  ];

  beforeAll(async () => {
    cloud = await startFakeCloud({ token: 'doctor-token-0123456789' });
    pty = await openPtyPair(dir.path, 'doctor');
    gw = await startTestGateway({
      gatewayId: 'gw-doctor',
      serial: { ports: [{ path: pty.gatewayPath, format: 'aicss' }] },
      broker: { devices: BROKER_DEVICES },
      sync: { enabled: true, cloudUrl: cloud.url, token: 'doctor-token-0123456789' },
      // Raised on the first reading in breach, so the status test can show an active alert at once.
      alerts: { overCurrent: { minDurationS: 0 } },
    });
    await pty.write(encodeBootBanner({ firmware: '1.0.0', device: 'aicss-doc' }));
    let msg = 0;
    // A board on the line: one record every 300 ms.
    writer = setInterval(() => {
      const up = 60 + msg;
      void pty
        .write(encodeAicssLine({ MSG: msg++, t: BOOT_S + up, up, V: 127.5, P1: 60, E1: 100 + msg }))
        .catch(() => undefined);
    }, 300);
    configFile = join(dir.path, 'doctor.json');
    await writeFile(
      configFile,
      JSON.stringify({
        gatewayId: 'gw-doctor',
        serial: { ports: [{ path: pty.gatewayPath, format: 'aicss' }] },
        broker: { host: '127.0.0.1', port: gw.gateway.broker!.port, devices: BROKER_DEVICES },
        http: { host: '127.0.0.1', port: gw.gateway.http!.port },
        buffer: { path: gw.dbPath, maxBytes: 64 * 1024 * 1024 },
        sync: { cloudUrl: cloud.url, token: 'doctor-token-0123456789' },
      }),
    );
  });

  afterAll(async () => {
    clearInterval(writer);
    await gw?.close();
    await pty?.close();
    await cloud?.close();
  });

  it('passes every check against a running gateway with a board attached', async () => {
    const o = output();
    const code = await doctorAction({ config: configFile, waitS: 10 }, { load, print: o.print });
    const text = o.lines.join('\n');
    expect(text).not.toMatch(/FAIL/);
    for (const name of [
      'configuration',
      `serial ${pty.gatewayPath}`,
      'broker port',
      'http port',
      'sqlite buffer',
      'disk',
      'clock',
      'cloud',
      'cloud token',
    ])
      expect(text).toMatch(new RegExp(`PASS {2}${name.replace(/[/.]/g, '\\$&')}`));
    expect(code).toBe(0);
  });

  it('fails, with a non-zero exit, on a wrong token and an invalid config', async () => {
    const badToken = join(dir.path, 'bad-token.json');
    const cfg = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, Record<string, unknown>>;
    await writeFile(
      badToken,
      JSON.stringify({
        ...cfg,
        serial: { ports: [] },
        sync: { ...cfg.sync, token: 'wrong-token-0123456789' },
      }),
    );
    const o = output();
    expect(await doctorAction({ config: badToken, waitS: 1 }, { load, print: o.print })).toBe(1);
    expect(o.lines.join('\n')).toMatch(/FAIL {2}cloud token +refused \(HTTP 401\)/);

    const invalid = join(dir.path, 'invalid.json');
    await writeFile(invalid, JSON.stringify({ broker: { port: 'x' } }));
    const o2 = output();
    expect(await doctorAction({ config: invalid, waitS: 1 }, { load, print: o2.print })).toBe(1);
    expect(o2.lines.join('\n')).toMatch(/FAIL {2}configuration[\s\S]*broker\.port:/);
  });

  it('prints the status of the running gateway, then of its SQLite file once stopped', async () => {
    // A line the board garbled (one digit changed after the checksum): rejected, counted by code.
    const garbled = encodeAicssLine({ MSG: 9999, t: BOOT_S + 9000, up: 9000, V: 127.5, P1: 60, E1: 1 });
    await pty.write(garbled.replace('V:127.5', 'V:128.5'));
    // A second board over MQTT draws 15 A on channel 1 (limit 10 A): an active over_current alert.
    const hot = await mqtt.connectAsync(gw.brokerUrl, {
      clientId: `cli-hot-${process.pid}`,
      reconnectPeriod: 0,
      username: 'hot',
      password: 'hot-pass',
    });
    const sensor = encodeAicssSensor({ MSG: 1, t: BOOT_S + 100, up: 100, V: 127, I1: 15, P1: 1900, E1: 5 });
    await hot.publishAsync('tele/aicss-hot/SENSOR', sensor, { qos: 1 });
    hot.end(true);
    const board = () => gw.gateway.status().devices.find((d) => d.device === 'aicss-doc');
    await eventually(
      () =>
        gw.gateway.stats.rejectedByCode().crc_mismatch === 1 &&
        gw.gateway.alerts!.active().length === 1 &&
        (board()?.stored ?? 0) > 0,
      'the rejection, the alert and a reading of the serial board',
    );
    // A batch the cloud committed, so the status has a last sync to show.
    await gw.gateway.sync!.syncNow();
    await eventually(() => gw.gateway.sync!.stats().lastSuccessAt !== null, 'a committed sync');

    const o = output();
    expect(await statusAction({ config: configFile }, { load, print: o.print, now: Date.now })).toBe(0);
    const live = o.lines.join('\n');
    expect(live).toMatch(/^gateway gw-doctor \(test\), running since/m);
    expect(live).toMatch(/^buffer {5}\d+ readings waiting/m);
    expect(live).toMatch(
      /^sync {7}\w+; last success \d+ s ago; [1-9]\d* batches sent, 0 failed, 0 dead-lettered$/m,
    );
    expect(live).toMatch(/^ingest {5}\d+ stored, \d+ duplicates, 0 refused, 1 rejected \(crc_mismatch×1\)$/m);
    expect(live).toMatch(/^ {2}aicss-doc +last seen \d+ s ago +stored \d+, rejected crc_mismatch×1$/m);
    expect(live).toMatch(/^ {2}aicss-hot +last seen \d+ s ago +stored 1, rejected -$/m);
    expect(live).toMatch(/^alerts {5}1 active$/m);
    expect(live).toMatch(
      /^ {2}warning +over_current +aicss-hot since \d+ s ago: channel 1 current 15 A above 10 A$/m,
    );

    clearInterval(writer);
    await gw.stop();
    const o2 = output();
    expect(await statusAction({ config: configFile }, { load, print: o2.print, now: Date.now })).toBe(0);
    const offline = o2.lines.join('\n');
    expect(offline).toMatch(/^gateway gw-doctor is NOT running; from /m);
    expect(offline).toMatch(/^sync {7}last committed batch \d+ s ago$/m);
    expect(offline).toMatch(/^ {2}aicss-doc +last reading/m);
    expect(offline).toMatch(/^alerts {5}1 active$/m);
    expect(offline).toMatch(/^ {2}warning +over_current +aicss-hot since \d+ s ago: channel 1 current 15 A/m);
  });
});
