import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../gateway/config/load-config.ts';
import { AppError } from '../../../../shared/errors.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

let dir: { path: string; cleanup(): Promise<void> };
beforeAll(async () => {
  dir = await tempDir('cds-gw-config-');
});
afterAll(() => dir.cleanup());

async function file(name: string, text: string): Promise<string> {
  const p = join(dir.path, name);
  await writeFile(p, text);
  return p;
}

async function errorsOf(p: Promise<unknown>): Promise<string[]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('config_invalid');
  return (err as AppError).details as string[];
}

describe('loadConfig', () => {
  it('fills every default from an empty input and derives the inherited settings', async () => {
    const { config, warnings } = await loadConfig({ env: {} });
    expect(warnings).toEqual([]);
    expect(config.broker).toMatchObject({ enabled: true, port: 1883, allowAnonymous: false, devices: [] });
    expect(config.http.port).toBe(5000);
    expect(config.externalBroker.topics).toEqual(['tele/+/SENSOR']);
    expect(config.buffer.path).toBe(join('data/gateway', 'gateway.sqlite'));
    expect(config.alerts.timeZone).toBe(config.site.timeZone);
  });

  it('reads YAML, and site settings become the defaults of the alert rules', async () => {
    const p = await file(
      'site.yaml',
      [
        'gatewayId: gw-sp-01',
        'dataDir: /var/lib/cds-gateway',
        'site:',
        '  timeZone: America/Manaus',
        '  nominalVoltage: 220',
        'serial:',
        '  ports:',
        '    - path: /dev/serial/by-id/usb-FTDI-if00',
        '      format: aicss-legacy',
        '      device: lumion-1',
      ].join('\n'),
    );
    const { config } = await loadConfig({ file: p, env: {} });
    expect(config.gatewayId).toBe('gw-sp-01');
    expect(config.alerts).toMatchObject({ timeZone: 'America/Manaus', nominalVoltage: 220 });
    expect(config.buffer.path).toBe('/var/lib/cds-gateway/gateway.sqlite');
    expect(config.serial.ports[0]).toMatchObject({
      format: 'aicss-legacy',
      baudRate: 115_200,
      device: 'lumion-1',
    });
  });

  it('applies CDS_ environment overrides on top of the file, typed by the schema', async () => {
    const p = await file(
      'base.json',
      JSON.stringify({ gatewayId: 'from-file', sync: { backlogTrigger: 10 } }),
    );
    const { config, warnings } = await loadConfig({
      file: p,
      env: {
        CDS_GATEWAY_ID: 'gw-env',
        CDS_SYNC__BACKLOG_TRIGGER: '50',
        CDS_SYNC__CLOUD_URL: 'https://cloud.example.com',
        CDS_SYNC__TOKEN: '12345678901234567890',
        CDS_BROKER__ALLOW_ANONYMOUS: 'true',
        CDS_SERIAL__PORTS__0__PATH: '/dev/ttyUSB0',
        CDS_SERIAL__PORTS__0__DEVICE: 'aicss-a1b2c3',
        CDS_BROKER__DEVICES: '[{"username":"a","password":"pw","device":"aicss-1"}]',
        CDS_CONFIG: '/ignored/here.yaml',
        CDS_NOT_A_SETTING: 'x',
        PATH: '/usr/bin',
      },
    });
    expect(config.gatewayId).toBe('gw-env');
    expect(config.sync).toMatchObject({ backlogTrigger: 50, cloudUrl: 'https://cloud.example.com' });
    // Text settings stay text even when they look like numbers.
    expect(config.sync.token).toBe('12345678901234567890');
    expect(config.broker.allowAnonymous).toBe(true);
    expect(config.serial.ports).toEqual([
      expect.objectContaining({ path: '/dev/ttyUSB0', device: 'aicss-a1b2c3', format: 'aicss' }),
    ]);
    expect(config.broker.devices).toEqual([{ username: 'a', password: 'pw', device: 'aicss-1' }]);
    expect(warnings).toEqual(['env CDS_NOT_A_SETTING: matches no setting (ignored)']);
  });

  it('reports every problem at once as path: message', async () => {
    const p = await file(
      'bad.yaml',
      [
        'gatewayId: "not valid!"',
        'colour: blue',
        'site:',
        '  timeZone: Mars/Olympus',
        'broker:',
        '  port: 70000',
        '  devices:',
        '    - { username: u1, device: aicss-1 }',
        '    - { username: u1, password: x, device: aicss-2 }',
        'serial:',
        '  ports:',
        '    - { path: /dev/ttyUSB0, format: morse }',
        '    - { path: /dev/ttyUSB1, format: emontx }',
        'sync:',
        '  cloudUrl: https://cloud.example.com',
      ].join('\n'),
    );
    const lines = await errorsOf(loadConfig({ file: p, env: { CDS_HTTP__PORT: 'not-json' } }));
    const byPath = (prefix: string) => lines.filter((l) => l.startsWith(prefix));
    expect(byPath('gatewayId:')).toHaveLength(1);
    expect(lines.some((l) => l.includes('colour'))).toBe(true);
    expect(byPath('site.timeZone:')).toEqual(['site.timeZone: not an IANA time zone']);
    expect(byPath('broker.port:')).toHaveLength(1);
    expect(byPath('broker.devices.0.password:')).toEqual([
      'broker.devices.0.password: give exactly one of password or passwordHash',
    ]);
    expect(byPath('serial.ports.0.format:')).toHaveLength(1);
    expect(byPath('http.port (env CDS_HTTP__PORT):')).toHaveLength(1);
    // Cross-field checks run only on an otherwise valid input (zod stops before refinements), so this file
    // shows the field errors; the next test shows the cross-field ones.
    expect(lines.length).toBeGreaterThanOrEqual(7);
  });

  it('reports the cross-field problems together', async () => {
    const p = await file(
      'cross.yaml',
      [
        'broker:',
        '  port: 5000',
        '  devices:',
        '    - { username: u1, password: a, device: aicss-1 }',
        '    - { username: u1, password: b, device: aicss-2 }',
        'serial:',
        '  ports:',
        '    - { path: /dev/ttyUSB0, format: emontx }',
        '    - { path: /dev/ttyUSB0, device: x1 }',
        '    - { path: /dev/ttyUSB1, format: json }',
        'sync:',
        '  cloudUrl: https://cloud.example.com',
      ].join('\n'),
    );
    const lines = await errorsOf(loadConfig({ file: p, env: {} }));
    expect(lines).toEqual(
      expect.arrayContaining([
        'broker.devices.1.username: username "u1" already used by broker.devices.0',
        'serial.ports.0.device: format emontx carries no device id: set one',
        'serial.ports.1.path: "/dev/ttyUSB0" listed twice',
        'serial.ports.2.device: format json carries no device id: set one',
        'http.port: same port as broker.port (5000)',
        'sync.token: required when sync.cloudUrl is set',
      ]),
    );
    expect(lines).toHaveLength(6);
  });

  it('reports an unreadable file and a YAML syntax error with the environment problems', async () => {
    const missing = await errorsOf(loadConfig({ file: join(dir.path, 'nope.yaml'), env: {} }));
    expect(missing).toEqual([`${join(dir.path, 'nope.yaml')}: cannot read (ENOENT)`]);
    const p = await file('syntax.yaml', 'broker: [unclosed\n');
    const lines = await errorsOf(loadConfig({ file: p, env: { CDS_BROKER__PORT: '{' } }));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^.*syntax\.yaml: /);
    expect(lines[1]).toMatch(/^broker\.port \(env CDS_BROKER__PORT\): /);
  });
});
