import { GatewayStatusReport } from '../../shared/schemas/sync.ts';
import type { ReadingStore } from '../buffer/readings-repository.ts';

/** What gw-edge knows and the buffer does not: rejected input counts and per-device last seen. */
export type StatusExtras = Pick<GatewayStatusReport, 'rejectedByCode' | 'devices'>;

/**
 * The `status` sent with every batch. Without `extras` (no ingest attached) the devices come from the
 * buffer's newest reading per device and no rejection counts are reported.
 */
export function buildStatusReport(input: {
  store: ReadingStore;
  extras: StatusExtras | undefined;
  configVersion: number;
  softwareVersion: string;
  sentAt: number;
}): { ok: true; report: GatewayStatusReport } | { ok: false; issues: unknown[] } {
  const { store } = input;
  const backlog = store.backlog();
  const extras: StatusExtras = input.extras ?? {
    rejectedByCode: {},
    devices: store
      .lastReadingPerDevice()
      .map((d) => ({ device: d.device, lastSeenAt: d.ts, rejectedByCode: {} })),
  };
  const parsed = GatewayStatusReport.safeParse({
    backlogReadings: backlog.count,
    oldestUnsyncedTs: backlog.oldestTs,
    rejectedByCode: extras.rejectedByCode,
    devices: extras.devices.slice(0, 10_000),
    configVersion: input.configVersion,
    softwareVersion: input.softwareVersion.slice(0, 64),
    sentAt: input.sentAt,
  });
  return parsed.success
    ? { ok: true, report: parsed.data }
    : { ok: false, issues: parsed.error.issues.slice(0, 5) };
}
