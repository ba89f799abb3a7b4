import { afterAll, beforeAll, describe, it } from 'vitest';
import { type MosquittoBroker, startMosquitto } from '../../helpers/mosquitto.ts';
import { backfillCheck } from './mqtt-checks.ts';

describe('simulator → MQTT → Mosquitto', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('backfills through Mosquitto with QoS 1 flow control: every SENSOR arrives, LWT Offline retained', async () => {
    await backfillCheck(broker.url, `mosq-backfill-${process.pid}`, 100);
  });
});
