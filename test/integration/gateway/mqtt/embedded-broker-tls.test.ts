import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAicssSensor } from '../../../../shared/protocol/mqtt-sensor.ts';
import { startTestGateway, type TestGateway } from '../../../helpers/gw-gateway.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

/**
 * The embedded broker with `broker.tls`: a self-signed certificate made here with openssl, a real mqtt.js
 * client over mqtts:// trusting it, and the clients that must not get in (plain TCP, TLS without the CA).
 */

const run = promisify(execFile);
const BOOT_S = Math.floor(Date.now() / 1000) - 3600;
const sensor = (seq: number) =>
  encodeAicssSensor({ MSG: seq, t: BOOT_S + 100 + seq * 10, up: 100 + seq * 10, V: 127.2, P1: 60, E1: 1000 });

let dir: { path: string; cleanup(): Promise<void> };
let gw: TestGateway;
let ca: Buffer;
let port: number;
const clients: MqttClient[] = [];
let nextId = 0;

beforeAll(async () => {
  dir = await tempDir('cds-gw-tls-');
  const certFile = join(dir.path, 'broker.crt');
  const keyFile = join(dir.path, 'broker.key');
  // EC P-256: generated in milliseconds. The SAN makes 127.0.0.1 a name the certificate is valid for.
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=cds-gateway-test',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  ca = await readFile(certFile);
  gw = await startTestGateway({
    gatewayId: 'gw-tls',
    broker: {
      tls: { certFile, keyFile },
      devices: [{ username: 'board-tls', password: 'tls-pass', device: 'aicss-tls1' }],
    },
    // A reading that follows a commit within 300 ms waits for the next one: a PUBACK sent before the
    // commit would then arrive before the row exists.
    buffer: { groupCommit: { minIntervalMs: 300 } },
  });
  port = gw.gateway.broker!.port;
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  await gw?.close();
  await dir?.cleanup();
});

/** Connects without retries: a refused or dropped connection rejects instead of reconnecting. */
async function connect(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(
    url,
    {
      clientId: `tls-${process.pid}-${nextId++}`,
      reconnectPeriod: 0,
      connectTimeout: 3000,
      username: 'board-tls',
      password: 'tls-pass',
      ...opts,
    },
    false,
  );
  clients.push(c);
  return c;
}

describe('embedded broker over TLS', () => {
  it('takes a QoS 1 publish over mqtts:// and sends the PUBACK once the row is in SQLite', async () => {
    const c = await connect(`mqtts://127.0.0.1:${port}`, { ca });
    expect((c.stream as unknown as { encrypted?: boolean }).encrypted).toBe(true);
    const pubacks: Array<number | undefined> = [];
    c.on('packetreceive', (p) => {
      if (p.cmd === 'puback') pubacks.push(p.messageId);
    });
    const ids: Array<number | undefined> = [];
    for (const seq of [1, 2]) {
      const sent = await c.publishAsync('tele/aicss-tls1/SENSOR', sensor(seq), { qos: 1 });
      ids.push(sent?.messageId);
      // Read through a separate SQLite connection the moment the PUBACK arrived.
      expect(gw.storedKeys().at(-1)).toEqual({ device: 'aicss-tls1', boot: BOOT_S, seq });
    }
    expect(ids.every((id) => id !== undefined && id > 0)).toBe(true);
    expect(pubacks).toEqual(ids);
    expect(gw.gateway.status().broker).toMatchObject({ port });
  });

  it('refuses a plain TCP client and a TLS client that does not trust the certificate', async () => {
    const plain = await connect(`mqtt://127.0.0.1:${port}`).then(
      () => 'connected',
      (e: Error) => e.message,
    );
    expect(plain).toMatch(/couldn't connect|ECONNRESET|closed/i);
    const untrusted = await connect(`mqtts://127.0.0.1:${port}`).then(
      () => 'connected',
      (e: Error & { code?: string }) => e.code ?? e.message,
    );
    expect(untrusted).toMatch(/SELF_SIGNED|self[- ]signed/i);
    // Nothing got through either way.
    expect(gw.storedKeys()).toHaveLength(2);
    expect(gw.gateway.broker!.connectedClients).toBe(1);
  });
});
