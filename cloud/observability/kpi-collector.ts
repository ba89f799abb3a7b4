import type { CloudDeps } from '../app.ts';
import { KpiRepository } from './kpi-repository.ts';

const HOUR_MS = 3600_000;

/**
 * Refreshes the KPI gauges from the database just before a scrape renders them: every instance reports the
 * same values, and nothing is kept between scrapes. Each gauge is reset first so a device or data set that
 * disappeared does not linger with its old value.
 */
export async function refreshKpis(deps: CloudDeps): Promise<void> {
  const repo = new KpiRepository(deps.pool);
  const m = deps.metrics;
  const now = deps.clock();
  const lastFullHour = new Date(Math.floor(now / HOUR_MS) * HOUR_MS - HOUR_MS);
  const [etl, collection, rejections] = await m.timeQuery('kpi', () =>
    Promise.all([repo.etl(), repo.collection(lastFullHour), repo.rejections(new Date(now - 24 * HOUR_MS))]),
  );

  m.kpiEtlDurationSeconds.reset();
  m.kpiEtlSuccess.reset();
  for (const e of etl) {
    m.kpiEtlDurationSeconds.set({ dataset: e.dataset }, e.durationS);
    m.kpiEtlSuccess.set({ dataset: e.dataset }, e.succeeded ? 1 : 0);
  }

  m.kpiCollectionSuccess.reset();
  let received = 0;
  let expected = 0;
  for (const c of collection) {
    const capped = Math.min(c.received, c.expected);
    m.kpiCollectionSuccess.set({ device: c.deviceId }, c.expected > 0 ? capped / c.expected : 0);
    received += capped;
    expected += c.expected;
  }
  m.kpiCollectionSuccessOverall.reset();
  if (expected > 0) m.kpiCollectionSuccessOverall.set(received / expected);

  m.kpiRejections24h.reset();
  for (const r of rejections) m.kpiRejections24h.set({ reason: r.reason }, r.count);
}
