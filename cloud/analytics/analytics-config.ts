import { z } from 'zod';
import type { CloudConfig } from '../config.ts';
import { HolidayConfig } from './cost/holidays.ts';

/** Analytics settings: the `analytics` section of CloudConfig. */
export const AnalyticsConfig = z
  .object({
    holidays: HolidayConfig.default({ includeConscienciaNegra: false, extraDates: [] }).describe(
      'National holidays for the Tarifa Branca posto rule',
    ),
    flagsApply: z
      .boolean()
      .default(true)
      .describe(
        'Price tariff flags (captive consumers on the interconnected grid); false for isolated systems',
      ),
    forecastTrainingWeeks: z
      .number()
      .int()
      .min(3)
      .max(104)
      .default(8)
      .describe('Weeks of hourly history the built-in forecast is fitted on'),
    forecastPaths: z
      .number()
      .int()
      .min(50)
      .max(2000)
      .default(200)
      .describe('Bootstrap paths behind the forecast prediction intervals'),
    savingsMinCompleteness: z
      .number()
      .min(0)
      .max(1)
      .default(0.9)
      .describe('A day counts for the lighting savings only when this share of its hours has data'),
  })
  .strict();
export type AnalyticsConfig = z.output<typeof AnalyticsConfig>;

export function analyticsConfigOf(config: CloudConfig): AnalyticsConfig {
  return config.analytics;
}
