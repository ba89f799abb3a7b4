import type { RouteRegistrar } from './app.ts';

/**
 * Every route module of the cloud, registered in this order by buildCloudApp. Append-only for the other
 * cloud helpers: add your import above and one entry at the end of the array.
 */
export const routeRegistrars: RouteRegistrar[] = [];
