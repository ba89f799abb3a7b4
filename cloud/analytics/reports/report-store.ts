import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedScope } from '../analytics-scope.ts';
import type { LocalDate } from '../cost/local-time.ts';
import type { ReportKind } from './report-period.ts';
import { buildReport, type ReportDeps, reportCsv } from './report-service.ts';
import type { ReportsRepository, StoredReportMeta } from './reports-repository.ts';

/**
 * Builds a report and keeps it: the JSON and CSV go into the `reports` table (any instance can serve the
 * download) and, when `dir` is set, into `<dir>/<siteId>/<scope>-<kind>-<from>_<to>.{json,csv}` for pickup.
 */
export async function generateAndStore(
  deps: ReportDeps & { reports: ReportsRepository; dir?: string },
  scope: ResolvedScope,
  kind: ReportKind,
  period: { from: LocalDate; to: LocalDate },
  trigger: 'schedule' | 'manual',
): Promise<{ meta: StoredReportMeta; created: boolean }> {
  const report = await buildReport(deps, scope, kind, period);
  const csv = reportCsv(report);
  const scopeKind = scope.kind === 'device' ? 'device' : 'site';
  let filePath: string | null = null;
  if (deps.dir) {
    const folder = join(deps.dir, safe(scope.site.siteId));
    await mkdir(folder, { recursive: true });
    const base = `${scopeKind}-${safe(scope.id)}-${kind}-${period.from}_${period.to}`;
    await writeFile(join(folder, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(folder, `${base}.csv`), csv);
    filePath = join(folder, `${base}.csv`);
  }
  return deps.reports.save(
    {
      scopeKind,
      scopeId: scope.id,
      kind,
      periodFrom: period.from,
      periodTo: period.to,
      timeZone: scope.site.timeZone,
      trigger,
      generatedAt: new Date(deps.clock()),
      json: report,
      csv,
      filePath,
    },
    trigger === 'manual',
  );
}

function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_');
}
