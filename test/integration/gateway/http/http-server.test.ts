import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayStatusResponse } from '../../../../gateway/http/status-schema.ts';
import { startTestGateway, type TestGateway } from '../../../helpers/gw-gateway.ts';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    broker: { enabled: false },
    http: { dados: { device: 'lumion-http', maxBodyBytes: 1024 } },
  });
});
afterAll(() => gw.close());

const post = (
  path: string,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) => fetch(`${gw.httpUrl}${path}`, { method: 'POST', body, headers });

/** A body sent chunked (no Content-Length), so the size limit must be enforced while reading. */
function postChunked(path: string, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${gw.httpUrl}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', (err) =>
      String(err).includes('EPIPE') || String(err).includes('ECONNRESET') ? undefined : reject(err),
    );
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('gateway HTTP', () => {
  it("stores the original firmware's POST /dados and answers after the commit", async () => {
    const body = JSON.stringify({ luz: 1450, distancia: 87, consumo_interno: 1, consumo_externo: 0 });
    const r1 = await post('/dados', body);
    expect(r1.status).toBe(201);
    expect(await r1.json()).toMatchObject({ status: 'stored', device: 'lumion-http', seq: 0 });
    const r2 = await post('/dados', body, {});
    expect((await r2.json()).seq).toBe(1);
    const r3 = await post('/dados?device=lumion-quarto', body);
    expect(await r3.json()).toMatchObject({ status: 'stored', device: 'lumion-quarto', seq: 0 });
    expect(gw.storedKeys().map((k) => [k.device, k.seq])).toEqual([
      ['lumion-http', 0],
      ['lumion-http', 1],
      ['lumion-quarto', 0],
    ]);
  });

  it('refuses malformed, invalid and oversized bodies with an error body, and counts them', async () => {
    const bad = await post('/dados', '{"luz": 12');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'malformed_json', retryable: false, details: { code: 'bad_json' } },
    });

    const shape = await post('/dados', JSON.stringify({ luz: 'claro', distancia: 3 }));
    expect(shape.status).toBe(400);
    expect((await shape.json()).error.code).toBe('validation_failed');

    const big = await post('/dados', JSON.stringify({ luz: 1, distancia: 2, pad: 'x'.repeat(2000) }));
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('payload_too_large');

    const chunked = await postChunked(
      '/dados',
      Array.from({ length: 40 }, () => 'x'.repeat(100)),
    );
    expect(chunked.status).toBe(413);

    const device = await post('/dados?device=no%20spaces', JSON.stringify({ luz: 1, distancia: 2 }));
    expect(device.status).toBe(400);

    expect(gw.gateway.stats.sources().find((s) => s.source === 'http')?.rejectedByCode).toEqual({
      bad_json: 1,
      bad_format: 1,
      too_long: 2,
    });
    expect(gw.storedKeys()).toHaveLength(3);
  });

  it('serves /healthz, /metrics and /status', async () => {
    const h = await fetch(`${gw.httpUrl}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: 'ok', checks: { database: 'ok' } });

    const m = await fetch(`${gw.httpUrl}/metrics`);
    expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await m.text();
    expect(text).toContain('cds_gateway_readings_stored_total{source="http"} 3');
    expect(text).toContain('cds_gateway_rejected_total{source="http",reason="bad_json"} 1');
    expect(text).toMatch(/^cds_gateway_buffer_depth 3$/m);
    expect(text).toMatch(/^cds_gateway_oldest_unsynced_age_seconds \d/m);
    expect(text).toContain('cds_gateway_sync_batches_total{result="failure"} 0');
    expect(text).toMatch(/^cds_gateway_last_sync_timestamp_seconds 0$/m);

    const s = GatewayStatusResponse.parse(await (await fetch(`${gw.httpUrl}/status`)).json());
    expect(s.buffer.backlog).toBe(3);
    expect(s.devices.map((d) => [d.device, d.stored])).toEqual([
      ['lumion-http', 2],
      ['lumion-quarto', 1],
    ]);
    expect(s.broker).toBeNull();

    expect((await fetch(`${gw.httpUrl}/nothing`)).status).toBe(404);
  });
});
