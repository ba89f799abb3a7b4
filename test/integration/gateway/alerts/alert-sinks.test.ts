import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MqttAlertSink } from '../../../../gateway/alerts/sinks/mqtt-sink.ts';
import { WebhookSink } from '../../../../gateway/alerts/sinks/webhook-sink.ts';
import { silentLogger } from '../../../../shared/log.ts';
import type { AlertEvent } from '../../../../shared/schemas/sync.ts';
import { alertHarness, DEVICE, type Harness } from './alert-harness.ts';

const event = (over: Partial<AlertEvent> = {}): AlertEvent => ({
  id: 'over_current:dev-1:ch1:abc',
  device: 'dev-1',
  rule: 'over_current',
  severity: 'warning',
  state: 'raised',
  raisedAt: 1,
  clearedAt: null,
  value: 12,
  threshold: 10,
  message: 'channel 1 current 12 A above 10 A',
  ...over,
});

let server: Server | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  server = undefined;
});

describe('MQTT alert sink', () => {
  it('publishes retained state per device and rule, listing every active alert, cleared when none is left', async () => {
    const published: Array<{ topic: string; payload: Record<string, unknown>; retain: boolean }> = [];
    const publish = async (topic: string, payload: string, opts: { retain: boolean }) => {
      published.push({ topic, payload: JSON.parse(payload) as Record<string, unknown>, retain: opts.retain });
    };
    const sink = new MqttAlertSink({
      publish,
      gatewayId: 'gw-sp-01',
      topicPrefix: 'cds',
      log: silentLogger(),
    });
    h = await alertHarness({ overCurrent: { maxA: 5, hysteresisA: 0, minDurationS: 0 } }, [sink]);
    h.feed({ channels: [{ currentA: 6 }, { currentA: 7 }] }, 10);
    h.feed({ channels: [{ currentA: 1 }, { currentA: 7 }] }, 10);
    h.feed({ channels: [{ currentA: 1 }, { currentA: 1 }] }, 10);
    await vi.waitFor(() => expect(published).toHaveLength(4));
    expect(new Set(published.map((p) => p.topic))).toEqual(
      new Set([`cds/gw-sp-01/alerts/${DEVICE}/over_current`]),
    );
    expect(published.every((p) => p.retain)).toBe(true);
    expect(published.map((p) => [p.payload.state, (p.payload.active as unknown[]).length])).toEqual([
      ['raised', 1],
      ['raised', 2],
      ['raised', 1],
      ['cleared', 0],
    ]);
  });

  it('uses _gateway as the device level for gateway-wide alerts', async () => {
    const topics: string[] = [];
    const sink = new MqttAlertSink({
      publish: async (topic) => {
        topics.push(topic);
      },
      gatewayId: 'gw',
      topicPrefix: 'cds',
      log: silentLogger(),
    });
    await sink.deliver(event({ device: null, rule: 'storage' }), []);
    expect(topics).toEqual(['cds/gw/alerts/_gateway/storage']);
  });
});

describe('webhook alert sink', () => {
  async function startServer(statuses: number[]): Promise<{ url: string; bodies: unknown[] }> {
    const bodies: unknown[] = [];
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => {
        data += c.toString();
      });
      req.on('end', () => {
        const status = statuses.shift() ?? 200;
        if (status === 200) bodies.push(JSON.parse(data));
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
  }

  const cfg = (url: string, over = {}) => ({
    url,
    timeoutMs: 15_000,
    maxAttempts: 5,
    maxQueue: 100,
    initialBackoffMs: 20,
    maxBackoffMs: 100,
    ...over,
  });

  it('POSTs each change as JSON, retrying with backoff through errors, in order', async () => {
    const { url, bodies } = await startServer([500, 503]);
    const sink = new WebhookSink({ config: cfg(url), gatewayId: 'gw-1', log: silentLogger() });
    sink.deliver(event());
    sink.deliver(event({ state: 'cleared', clearedAt: 2 }));
    await vi.waitFor(() => expect(bodies).toHaveLength(2), { timeout: 30_000 });
    expect(bodies).toEqual([
      { gatewayId: 'gw-1', alert: event() },
      { gatewayId: 'gw-1', alert: event({ state: 'cleared', clearedAt: 2 }) },
    ]);
    expect(sink.stats).toMatchObject({ delivered: 2, dropped: 0 });
    expect(sink.stats.failedAttempts).toBeGreaterThanOrEqual(2);
    await sink.stop();
  });

  it('bounds its queue and gives up after maxAttempts on a dead endpoint', async () => {
    const { url } = await startServer(Array(100).fill(500));
    const sink = new WebhookSink({
      config: cfg(url, { maxQueue: 2, maxAttempts: 2 }),
      gatewayId: 'gw-1',
      log: silentLogger(),
    });
    for (let i = 0; i < 5; i++) sink.deliver(event({ id: `a${i}` }));
    expect(sink.pending()).toBeLessThanOrEqual(2);
    await vi.waitFor(() => expect(sink.pending()).toBe(0), { timeout: 30_000 });
    expect(sink.stats.delivered).toBe(0);
    expect(sink.stats.dropped).toBe(5);
    await sink.stop();
  });
});
