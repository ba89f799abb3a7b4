import type { Logger } from '../../shared/log.ts';
import { AlertsRepository } from '../alerts/alerts-repository.ts';
import type { GatewayBus } from '../bus.ts';
import type { BufferConfig } from '../config/core-config.ts';
import { DeadLetterRepository } from './dead-letter-repository.ts';
import { GroupCommitter } from './group-committer.ts';
import { Housekeeper } from './housekeeper.ts';
import { KvRepository } from './kv-repository.ts';
import { LossLedger } from './losses-repository.ts';
import { type GatewayDatabase, openGatewayDatabase } from './open-database.ts';
import { ReadingStore } from './readings-repository.ts';
import { StoragePolicy } from './storage-policy.ts';

export interface GatewayBuffer {
  db: GatewayDatabase;
  recovered: { movedTo: string; reason: string } | undefined;
  store: ReadingStore;
  losses: LossLedger;
  deadLetters: DeadLetterRepository;
  alerts: AlertsRepository;
  kv: KvRepository;
  policy: StoragePolicy;
  committer: GroupCommitter;
  housekeeper: Housekeeper;
  /** Starts the committer and the housekeeping timer. */
  start(): void;
  /** Commits what is queued, stops the timer, checkpoints and closes the database. */
  stop(): Promise<void>;
}

/** Opens the buffer database and wires its parts (what gw-edge's createGateway composes). */
export function createBuffer(deps: {
  config: BufferConfig;
  log: Logger;
  clock: () => number;
  bus: GatewayBus;
}): GatewayBuffer {
  const { config, log, clock, bus } = deps;
  const { db, recovered } = openGatewayDatabase({
    path: config.path,
    log,
    clock,
    synchronous: config.synchronous,
    cacheKiB: config.cacheKiB,
  });
  const store = new ReadingStore({ db });
  const losses = new LossLedger({ db, clock });
  const deadLetters = new DeadLetterRepository({ db });
  const alerts = new AlertsRepository({ db });
  const kv = new KvRepository({ db });
  const policy = new StoragePolicy({ store, losses, config, log, clock });
  policy.measure();
  const committer = new GroupCommitter({ store, losses, policy, bus, log, clock, config });
  const housekeeper = new Housekeeper({ store, losses, deadLetters, alerts, policy, config, log, clock });
  return {
    db,
    recovered,
    store,
    losses,
    deadLetters,
    alerts,
    kv,
    policy,
    committer,
    housekeeper,
    start() {
      committer.start();
      housekeeper.start();
    },
    async stop() {
      await committer.stop();
      housekeeper.stop();
      if (db.open) {
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      }
    },
  };
}
