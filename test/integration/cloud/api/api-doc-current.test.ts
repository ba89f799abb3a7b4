import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenApiDoc, renderApiMarkdown } from '../../../../cloud/openapi/api-markdown.ts';
import { createTestCloud, type TestCloud } from '../../../helpers/cloud-app.ts';

// docs/api.md is generated (npm run docs:api) and committed; this keeps it from drifting from the routes.
describe('docs/api.md', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await createTestCloud({ seed: false });
  });
  afterAll(async () => {
    await cloud?.close();
  });

  it('is what the running app documents (run `npm run docs:api` after changing a route or schema)', async () => {
    const committed = await readFile(new URL('../../../../docs/api.md', import.meta.url), 'utf8');
    const generated = renderApiMarkdown(cloud.app.swagger() as unknown as OpenApiDoc);
    expect(generated).toBe(committed);
  });
});
