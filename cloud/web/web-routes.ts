import type { CloudApp, CloudDeps } from '../app.ts';
import { buildWebAssets, type WebAssets } from './web-bundle.ts';

/**
 * The dashboard: static shell, stylesheet and script. Public (they hold no data); every figure the page
 * shows comes from the authenticated API with the user's token.
 */
export async function registerWebRoutes(app: CloudApp, _deps: CloudDeps): Promise<void> {
  let assets: Promise<WebAssets> | undefined;
  const load = () => {
    assets ??= buildWebAssets().catch((err: unknown) => {
      assets = undefined; // a failed build is retried on the next request
      throw err;
    });
    return assets;
  };
  const hide = { schema: { hide: true } } as const;

  app.get('/', { ...hide, config: { access: ['public'] } }, async (_req, reply) => reply.redirect('/ui/'));
  app.get('/ui/', { ...hide, config: { access: ['public'] } }, async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send((await load()).html),
  );
  app.get('/ui/app.js', { ...hide, config: { access: ['public'] } }, async (_req, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send((await load()).js),
  );
  app.get('/ui/styles.css', { ...hide, config: { access: ['public'] } }, async (_req, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send((await load()).css),
  );
}
