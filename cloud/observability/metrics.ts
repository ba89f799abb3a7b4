import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The cloud's Prometheus metrics, one `Registry` per app instance (never prom-client's global registry, so
 * that several apps in one test process do not collide). Other modules record through these handles and may
 * register their own metrics on `registry`, names prefixed `cds_`.
 *
 * The `kpi*` gauges are the original design's KPIs; they are refreshed from the database when `/metrics`
 * is scraped (see kpi-repository.ts), so every instance behind a load balancer reports the same values.
 */
export interface CloudMetrics {
  registry: Registry;
  /** HTTP request duration; labels route (the route pattern, not the URL), method, status. */
  httpDuration: Histogram<'route' | 'method' | 'status'>;
  /** Readings processed by ingest; label result = accepted | duplicate | rejected. rate() gives rows/s. */
  ingestRows: Counter<'result'>;
  /** Wall time of one sync batch from body received to COMMIT. */
  ingestBatchSeconds: Histogram<string>;
  /** Database query latency; label query = a short stable name (`status`, `hourly_by_site`, …). */
  queryDuration: Histogram<'query'>;
  /** Per-row ingest rejections; label reason = the rejection code. */
  rejections: Counter<'reason'>;
  /** Duration of the last finished ETL run per data set (from etl_runs). */
  kpiEtlDurationSeconds: Gauge<'dataset'>;
  /** 1 when the last finished ETL run of a data set succeeded, else 0. */
  kpiEtlSuccess: Gauge<'dataset'>;
  /** Readings received ÷ readings expected over the last full hour, per device, capped at 1. */
  kpiCollectionSuccess: Gauge<'device'>;
  /** The same over all devices together. */
  kpiCollectionSuccessOverall: Gauge<string>;
  /** Rejected readings over the last 24 h by reason (from ingest_rejections). */
  kpiRejections24h: Gauge<'reason'>;
  /** Runs `fn` and records its duration under `queryDuration{query: name}`. */
  timeQuery<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export interface CreateCloudMetricsOptions {
  /** Also collect Node process metrics (heap, event loop lag, …); the server does, tests need not. */
  processMetrics?: boolean;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createCloudMetrics(opts: CreateCloudMetricsOptions = {}): CloudMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'cds_' });
  const queryDuration = new Histogram({
    name: 'cds_query_duration_seconds',
    help: 'Database query latency by query name',
    labelNames: ['query'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'cds_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    ingestRows: new Counter({
      name: 'cds_ingest_rows_total',
      help: 'Readings processed by ingest, by result (accepted, duplicate, rejected)',
      labelNames: ['result'] as const,
      registers,
    }),
    ingestBatchSeconds: new Histogram({
      name: 'cds_ingest_batch_duration_seconds',
      help: 'Sync batch latency from request body to COMMIT',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    queryDuration,
    rejections: new Counter({
      name: 'cds_ingest_rejections_total',
      help: 'Rejected readings by reason code',
      labelNames: ['reason'] as const,
      registers,
    }),
    kpiEtlDurationSeconds: new Gauge({
      name: 'cds_kpi_etl_duration_seconds',
      help: 'KPI: processing time of the last finished ETL run per data set',
      labelNames: ['dataset'] as const,
      registers,
    }),
    kpiEtlSuccess: new Gauge({
      name: 'cds_kpi_etl_last_run_success',
      help: 'KPI: 1 if the last finished ETL run of the data set succeeded, else 0',
      labelNames: ['dataset'] as const,
      registers,
    }),
    kpiCollectionSuccess: new Gauge({
      name: 'cds_kpi_collection_success_ratio',
      help: 'KPI: readings received / expected in the last full hour, per device (capped at 1)',
      labelNames: ['device'] as const,
      registers,
    }),
    kpiCollectionSuccessOverall: new Gauge({
      name: 'cds_kpi_collection_success_ratio_overall',
      help: 'KPI: readings received / expected in the last full hour over all devices',
      registers,
    }),
    kpiRejections24h: new Gauge({
      name: 'cds_kpi_rejections_24h',
      help: 'KPI (data quality): readings rejected in the last 24 h by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    async timeQuery<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const end = queryDuration.startTimer({ query: name });
      try {
        return await fn();
      } finally {
        end();
      }
    },
  };
}
