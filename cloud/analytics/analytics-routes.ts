import type { CloudApp, CloudDeps } from '../app.ts';
import { registerConsumoRoutes } from './consumo-routes.ts';
import { registerCostRoutes } from './cost-routes.ts';
import { registerForecastRoutes } from './forecast-routes.ts';
import { registerReportRoutes } from './report-routes.ts';

/** Every `/api/v1/analytics/*` route (the SCR export registers itself from cloud/export/). */
export async function registerAnalyticsRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  await registerConsumoRoutes(app, deps);
  await registerCostRoutes(app, deps);
  await registerForecastRoutes(app, deps);
  await registerReportRoutes(app, deps);
}
