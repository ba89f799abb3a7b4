import { registerConfigRoutes } from './aicss/config-routes.ts';
import { registerDeviceRoutes } from './aicss/device-routes.ts';
import { registerGatewayRoutes } from './aicss/gateway-routes.ts';
import { registerSiteRoutes } from './aicss/site-routes.ts';
import { registerStatusRoutes } from './aicss/status-routes.ts';
import { registerAnalyticsRoutes } from './analytics/analytics-routes.ts';
import { registerAneelRoutes } from './aneel/aneel-routes.ts';
import type { RouteRegistrar } from './app.ts';
import { registerAuditRoutes } from './audit/audit-routes.ts';
import { registerAuthRoutes } from './auth/auth-routes.ts';
import { registerUserRoutes } from './auth/user-routes.ts';
import { registerScrExportRoutes } from './export/scr-routes.ts';
import { registerIngestRoutes } from './ingest/ingest-routes.ts';
import { registerObservabilityRoutes } from './observability/observability-routes.ts';
import { registerWebRoutes } from './web/web-routes.ts';

/**
 * Every route module of the cloud, registered in this order by buildCloudApp. Append-only for the other
 * cloud helpers: add your import above and one entry at the end of the array.
 */
export const routeRegistrars: RouteRegistrar[] = [
  registerObservabilityRoutes,
  registerAuthRoutes,
  registerUserRoutes,
  registerSiteRoutes,
  registerGatewayRoutes,
  registerDeviceRoutes,
  registerStatusRoutes,
  registerConfigRoutes,
  registerAuditRoutes,
  registerIngestRoutes,
  registerAnalyticsRoutes,
  registerScrExportRoutes,
  registerAneelRoutes,
  registerWebRoutes,
];
