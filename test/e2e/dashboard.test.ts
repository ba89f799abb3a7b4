import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../shared/schemas/reading.ts';
import { launchChromium } from '../helpers/browser.ts';
import { createTestCloud, SEED, type TestCloud } from '../helpers/cloud-app.ts';

/**
 * The dashboard in a real headless Chromium against the real cloud app and PostgreSQL: log in through the
 * form, see the device on the status page, and see a day with no readings drawn as missing (not zero).
 */
const HOUR = 3_600_000;

function dayStartUtc(ms: number): number {
  return Math.floor(ms / 86_400_000) * 86_400_000;
}

/**
 * Hourly readings of dev-a1 for the 18 UTC days before today, with days −3 and −2 empty: the consumption view
 * shows the last four days (a gap inside), the forecast needs two weeks of history.
 */
function readings(now: number): Reading[] {
  const start = dayStartUtc(now) - 18 * 86_400_000;
  const out: Reading[] = [];
  let e1 = 1000;
  for (let h = 0; h < 18 * 24; h++) {
    if (h >= 15 * 24 && h < 17 * 24) continue; // two UTC days without readings: one whole local day is empty
    e1 += 60; // 60 Wh per hour on channel 1
    const ts = start + h * HOUR + 30 * 60_000;
    out.push({
      device: SEED.deviceA,
      boot: Math.floor(start / 1000),
      seq: h,
      ts,
      timeQuality: 'board',
      receivedAt: ts + 1000,
      source: 'mqtt',
      voltageV: 127,
      channels: [
        { powerW: 60, energyWh: e1 },
        { powerW: 0, energyWh: 500 },
      ],
      flags: 0,
    });
  }
  return out;
}

let cloud: TestCloud;
let base: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  cloud = await createTestCloud();
  base = await cloud.listen();
  const body = { gatewayId: SEED.gatewayA, batchId: 'dashboard-seed-1', readings: readings(Date.now()) };
  const res = await cloud.app.inject({
    method: 'POST',
    url: '/api/v1/aicss/dados',
    headers: {
      ...cloud.auth('gatewayA'),
      'content-type': 'application/json',
      'idempotency-key': body.batchId,
    },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(200);
  browser = await launchChromium();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await cloud?.close();
});

describe('dashboard in Chromium', () => {
  it('refuses a wrong password with a clear message', async () => {
    await page.goto(`${base}/ui/`);
    await page.fill('input[name=username]', 'viewer');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('form#login button[type=submit]');
    await expect.poll(() => page.textContent('#login-error')).toContain('inválidos');
  });

  it('logs in and shows the device on the status page', async () => {
    await page.fill('input[name=username]', 'viewer');
    await page.fill('input[name=password]', cloud.users.viewer.password);
    await page.click('form#login button[type=submit]');
    const row = page.locator(`tr[data-device="${SEED.deviceA}"]`);
    await row.waitFor();
    expect(await page.locator(`[data-gateway="${SEED.gatewayA}"]`).count()).toBe(1);
    expect(await page.textContent('#who')).toContain('viewer');
  });

  it('draws consumption by day with the day without readings as missing, not zero', async () => {
    await page.goto(`${base}/ui/#/consumo`);
    const from = new Date(dayStartUtc(Date.now()) - 4 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(dayStartUtc(Date.now()) - 1 * 86_400_000).toISOString().slice(0, 10);
    await page.locator('select[name=site]').waitFor();
    await page.selectOption('select[name=site]', SEED.siteA);
    await page.fill('input[name=from]', from);
    await page.fill('input[name=to]', to);
    await page.selectOption('select[name=interval]', 'day');
    await page.click('#consumo-load');
    await page.locator('svg.chart').waitFor();
    // Local days (America/Sao_Paulo) straddle UTC days; the local day inside the gap has no data at all.
    await expect.poll(() => page.locator('svg.chart rect[data-missing="true"]').count()).toBeGreaterThan(0);
    const values = await page
      .locator('svg.chart rect.bar')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    expect(values.length).toBeGreaterThan(0);
    expect(values.every((v) => v > 0)).toBe(true);
    expect(await page.textContent('#kpi-kwh')).toMatch(/kWh/);
  });

  it('shows the month-end forecast for the month by name', async () => {
    await page.goto(`${base}/ui/#/previsao`);
    const kpi = page.locator('#kpi-month-end');
    await kpi.waitFor();
    // The forecast's month (API: YYYY-MM-01), named as a bill names it: "novembro de 2026".
    const month = new Date().toLocaleDateString('pt-BR', {
      month: 'long',
      year: 'numeric',
      timeZone: 'America/Sao_Paulo',
    });
    expect(await kpi.textContent()).toContain(`Fim de ${month}`);
    expect(await kpi.textContent()).toMatch(/kWh/);
  });
});
