import { z } from 'zod';

/** The parts of CKAN Action API answers the crawler reads; everything else passes through untouched. */
export const CkanResource = z
  .object({
    id: z.string().min(1),
    name: z.string().nullish(),
    format: z.string().nullish(),
    url: z.string().min(1),
    last_modified: z.string().nullish(),
    size: z.number().nullish(),
    datastore_active: z.boolean().nullish(),
  })
  .passthrough();
export type CkanResource = z.infer<typeof CkanResource>;

export const CkanPackage = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    resources: z.array(CkanResource),
  })
  .passthrough();
export type CkanPackage = z.infer<typeof CkanPackage>;

export const DatastorePage = z
  .object({
    records: z.array(z.record(z.string(), z.unknown())),
    fields: z.array(z.object({ id: z.string(), type: z.string().optional() }).passthrough()).optional(),
    total: z.number().int().nonnegative().nullish(),
    limit: z.number().int().nullish(),
    offset: z.number().int().nullish(),
    _links: z.object({ start: z.string().optional(), next: z.string().optional() }).partial().nullish(),
  })
  .passthrough();
export type DatastorePage = z.infer<typeof DatastorePage>;

/** `{"success": true, "result": …}` or `{"success": false, "error": {…}}`. */
export const CkanEnvelope = z
  .object({
    success: z.boolean(),
    result: z.unknown().optional(),
    error: z.unknown().optional(),
  })
  .passthrough();
