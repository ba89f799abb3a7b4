import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCloud, SEED, type TestCaller, type TestCloud } from '../../../helpers/cloud-app.ts';
import { batch, countRows, reading } from '../../../helpers/cloud-fixtures.ts';

/** The ingest route inside the real app (cloud/routes.ts): real gateway tokens, access hook, audit hook. */
let cloud: TestCloud;
let url: string;

beforeAll(async () => {
  cloud = await createTestCloud();
  url = await cloud.listen();
});
afterAll(async () => {
  await cloud?.close();
});

async function post(who: TestCaller, body: { batchId: string }) {
  const res = await fetch(`${url}/api/v1/aicss/dados`, {
    method: 'POST',
    headers: {
      ...cloud.auth(who),
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'idempotency-key': body.batchId,
    },
    body: new Uint8Array(gzipSync(JSON.stringify(body))),
  });
  return { status: res.status, body: await res.json() };
}

describe('ingest in the real app', () => {
  it('accepts a batch from its gateway token and writes an audit row', async () => {
    const now = cloud.clock.now();
    const b = batch(SEED.gatewayA, [
      reading({ device: SEED.deviceA, seq: 0, ts: now - 20_000, e1: 10 }),
      reading({ device: SEED.deviceA, seq: 1, ts: now - 10_000, e1: 12 }),
    ]);
    const res = await post('gatewayA', b);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 0, replayed: false });
    const audit = await cloud.pool.query(
      `select actor_kind, actor_id, status, target from audit_log where action like 'POST /api/v1/aicss/dados'`,
    );
    expect(audit.rows).toContainEqual({
      actor_kind: 'gateway',
      actor_id: SEED.gatewayA,
      status: 200,
      target: `gateway:${SEED.gatewayA}`,
    });
  });

  it('refuses anonymous and user callers before reading the body', async () => {
    const b = batch(SEED.gatewayA, [reading({ device: SEED.deviceA, seq: 5, ts: cloud.clock.now(), e1: 1 })]);
    expect((await post('anonymous', b)).status).toBe(401);
    expect((await post('admin', b)).status).toBe(403);
    expect(await countRows(cloud.pool, 'readings', 'seq = 5')).toBe(0);
  });

  it("refuses another gateway's devices and a body naming another gateway", async () => {
    const theirs = batch(SEED.gatewayA, [
      reading({ device: SEED.deviceB, seq: 0, ts: cloud.clock.now(), e1: 1 }),
    ]);
    const res = await post('gatewayA', theirs);
    expect(res.status).toBe(422);
    expect(res.body.error.details.rejected[0].code).toBe('device_not_owned');
    const impersonation = batch(SEED.gatewayB, []);
    expect((await post('gatewayA', impersonation)).status).toBe(403);
    expect(await countRows(cloud.pool, 'readings', 'device_id = $1', [SEED.deviceB])).toBe(0);
  });
});
