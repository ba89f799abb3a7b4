import { vi } from 'vitest';
import type { AlertEngine } from '../../../../gateway/alerts/alert-engine.ts';
import { SyncConfig } from '../../../../gateway/config/core-config.ts';
import { SyncService, type SyncServiceDeps } from '../../../../gateway/sync/sync-service.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { type FakeCloud, startFakeCloud } from '../../../helpers/fake-cloud.ts';
import { makeReading, openTestBuffer, T0, type TestBuffer } from '../buffer/reading-fixture.ts';

const realSetTimeout = globalThis.setTimeout;
const realSleep = (ms: number) => new Promise<void>((r) => realSetTimeout(r, ms));

/** A schedule that never fires during a test: runs are started by `syncNow()` or the backlog trigger. */
export const NEVER = '0 0 0 1 1 *';

export interface SyncHarness {
  cloud: FakeCloud;
  t: TestBuffer;
  sync: SyncService;
  raised: Array<Parameters<AlertEngine['raiseEvent']>[0]>;
  /** Conditions the service reported (`sync_auth`), in order. */
  conditions: Array<Parameters<AlertEngine['reportCondition']>[0]>;
  /** Where reported alerts also go, e.g. a real AlertEngine on this buffer. */
  alerts?: Pick<AlertEngine, 'raiseEvent' | 'reportCondition'>;
  /** Stores readings `from … from+n-1` through the group committer. */
  store(from: number, n: number): Promise<void>;
  /** Advances fake time in steps (letting real I/O run between them) until `cond` holds. */
  until(cond: () => boolean, opts?: { stepMs?: number; maxFakeMs?: number }): Promise<void>;
  /** Closes the buffer and the service (not the cloud) and opens both again on the same file. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function syncHarness(
  config: Partial<SyncConfig> = {},
  deps: Partial<Pick<SyncServiceDeps, 'onConfig' | 'statusProvider'>> = {},
): Promise<SyncHarness> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(T0);
  const cloud = await startFakeCloud({ token: 'test-token', gatewayId: 'gw-test' });
  const raised: SyncHarness['raised'] = [];
  const conditions: SyncHarness['conditions'] = [];
  const clock = () => Date.now();
  const make = (t: TestBuffer) =>
    new SyncService({
      gatewayId: 'gw-test',
      config: SyncConfig.parse({
        cloudUrl: cloud.url,
        token: 'test-token',
        schedule: NEVER,
        backlogTrigger: 1_000_000,
        maxBytesPerSecond: 100 * 1024 * 1024,
        requestTimeoutMs: 10_000,
        ...config,
      }),
      buffer: t.buffer,
      bus: t.bus,
      log: silentLogger(),
      clock,
      alertEngine: {
        raiseEvent: (e) => {
          raised.push(e);
          h.alerts?.raiseEvent(e);
        },
        reportCondition: (c) => {
          conditions.push(c);
          h.alerts?.reportCondition(c);
        },
      },
      random: () => 0.5,
      softwareVersion: 'test',
      ...deps,
    });
  // Commit pacing runs on setTimeout, which these tests fake for the sync's own timers; the sync does not
  // depend on it, so the buffer commits every turn here.
  const bufferConfig = { groupCommit: { maxBatch: 4000, minIntervalMs: 0 } };
  const t = await openTestBuffer(bufferConfig, { clock });
  const h: SyncHarness = {
    cloud,
    t,
    sync: make(t),
    raised,
    conditions,
    async store(from, n) {
      for (let s = from; s < from + n; s += 1000) {
        await Promise.all(
          Array.from({ length: Math.min(1000, from + n - s) }, (_, k) =>
            h.t.buffer.committer.submit(makeReading(s + k)),
          ),
        );
      }
    },
    async until(cond, opts = {}) {
      const step = opts.stepMs ?? 100;
      const max = opts.maxFakeMs ?? 600_000;
      for (let spent = 0; !cond(); spent += step) {
        if (spent > max) throw new Error(`condition not met within ${max} ms of fake time`);
        await realSleep(1);
        await vi.advanceTimersByTimeAsync(step);
      }
    },
    async restart() {
      await h.sync.stop();
      const dir = h.t.dir;
      await h.t.buffer.stop();
      h.t = await openTestBuffer(bufferConfig, { clock, dir });
      h.sync = make(h.t);
    },
    async close() {
      await h.sync.stop();
      await h.t.cleanup();
      await cloud.close();
      vi.useRealTimers();
    },
  };
  return h;
}
