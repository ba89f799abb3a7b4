import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import { CreateSiteBody, SiteFieldsSchema, SiteId, SiteSchema } from './site-schemas.ts';
import { SitesRepository } from './sites-repository.ts';

/** `/api/v1/sites`: read by everyone logged in, changed by admins. */
export async function registerSiteRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const sites = new SitesRepository(deps.pool);
  const params = z.object({ siteId: SiteId });

  app.get(
    '/api/v1/sites',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'List sites',
        tags: ['sites'],
        response: { 200: z.object({ sites: z.array(SiteSchema) }) },
      },
    },
    async () => ({ sites: await sites.list() }),
  );

  app.get(
    '/api/v1/sites/:siteId',
    {
      config: { access: ['viewer'] },
      schema: { summary: 'One site', tags: ['sites'], params, response: { 200: SiteSchema } },
    },
    async (request) => {
      const site = await sites.get(request.params.siteId);
      if (!site) throw new AppError('not_found', `no site ${request.params.siteId}`);
      return site;
    },
  );

  app.post(
    '/api/v1/sites',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Create a site',
        tags: ['sites'],
        body: CreateSiteBody,
        response: { 201: SiteSchema },
      },
    },
    async (request, reply) => {
      const { siteId, ...fields } = request.body;
      request.auditTarget = `site:${siteId}`;
      const site = await sites.create(siteId, fields);
      if (!site) throw new AppError('conflict', `site ${siteId} already exists`);
      return reply.code(201).send(site);
    },
  );

  app.patch(
    '/api/v1/sites/:siteId',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Change site fields (null clears an optional one)',
        tags: ['sites'],
        params,
        body: SiteFieldsSchema,
        response: { 200: SiteSchema },
      },
    },
    async (request) => {
      request.auditTarget = `site:${request.params.siteId}`;
      request.auditDetails = { fields: Object.keys(request.body) };
      const site = await sites.update(request.params.siteId, request.body);
      if (!site) throw new AppError('not_found', `no site ${request.params.siteId}`);
      return site;
    },
  );

  app.delete(
    '/api/v1/sites/:siteId',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Delete a site without gateways or devices',
        tags: ['sites'],
        params,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const { siteId } = request.params;
      request.auditTarget = `site:${siteId}`;
      const outcome = await sites.delete(siteId);
      if (outcome === 'missing') throw new AppError('not_found', `no site ${siteId}`);
      if (outcome === 'in_use') {
        throw new AppError('conflict', `site ${siteId} still has gateways or devices: remove them first`);
      }
      return reply.code(204).send(null);
    },
  );
}
