import { z } from 'zod';

export const Slug = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'letters, digits and _ . - (at most 64, not starting with a symbol)',
  );

export const SiteId = Slug.describe('Site id, e.g. `casa-sp-01`');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const Rate = z.number().min(0).max(1).nullable();

/** Editable site fields; every one optional so the same shape serves create (with name) and update. */
export const SiteFieldsSchema = z
  .object({
    name: z.string().min(1).max(200).describe('Display name'),
    distributorCnpj: z
      .string()
      .regex(/^\d{14}$/, '14 digits, no punctuation')
      .nullable()
      .describe('CNPJ of the distribution company (ANEEL tariffs are looked up by it)'),
    subgroup: z.string().min(1).max(8).describe('ANEEL tariff subgroup, default B1 (residential)'),
    modality: z.enum(['Convencional', 'Branca']).describe('Tariff modality, default Convencional'),
    consumerClass: z.string().min(1).max(40).describe('ANEEL consumer class, default Residencial'),
    supplyType: z.enum(['monofasico', 'bifasico', 'trifasico']).describe('Supply type, default monofasico'),
    timeZone: z
      .string()
      .refine(isTimeZone, 'not an IANA time zone')
      .describe('IANA zone, default America/Sao_Paulo'),
    icmsRate: Rate.describe('ICMS rate as a fraction (0.18 = 18 %)'),
    pisRate: Rate.describe('PIS rate as a fraction'),
    cofinsRate: Rate.describe('COFINS rate as a fraction'),
    cosipRs: z.number().min(0).max(100_000).nullable().describe('Monthly public-lighting fee (COSIP), R$'),
    nominalVoltage: z.number().int().min(100).max(440).describe('Nominal supply voltage, V (default 127)'),
  })
  .partial()
  .strict();

export const CreateSiteBody = SiteFieldsSchema.extend({
  siteId: SiteId,
  name: z.string().min(1).max(200).describe('Display name'),
}).strict();

export const SiteSchema = z
  .object({
    siteId: z.string(),
    name: z.string(),
    distributorCnpj: z.string().nullable(),
    subgroup: z.string(),
    modality: z.string(),
    consumerClass: z.string(),
    supplyType: z.string(),
    timeZone: z.string(),
    icmsRate: z.number().nullable(),
    pisRate: z.number().nullable(),
    cofinsRate: z.number().nullable(),
    cosipRs: z.number().nullable(),
    nominalVoltage: z.number().int(),
    createdAt: z.date(),
  })
  .strict();
