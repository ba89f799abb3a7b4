import { get } from './api.ts';
import { barChart } from './chart.ts';
import { fmt, fmtMonth, fmtTime, h } from './dom.ts';

interface DeviceStatus {
  deviceId: string;
  name: string | null;
  state: string;
  lastReadingTs: string | null;
  lastPowerW: number | null;
  activeAlerts: number;
}
interface GatewayStatus {
  gatewayId: string;
  siteId: string;
  state: string;
  lastSeenAt: string | null;
  backlogReadings: number | null;
  oldestUnsyncedAgeS: number | null;
  activeAlerts: number;
  devices: DeviceStatus[];
}

const STATE_PT: Record<string, string> = {
  online: 'online',
  offline: 'offline',
  never_seen: 'nunca visto',
  revoked: 'revogado',
  reporting: 'reportando',
  zero_consumption: 'consumo zero',
  silent: 'silencioso',
  gateway_offline: 'gateway offline',
};

const badge = (state: string) =>
  h('span', { class: `state state-${state}`, 'data-state': state }, STATE_PT[state] ?? state);

export async function statusView(): Promise<HTMLElement> {
  const st = await get<{ generatedAt: string; gateways: GatewayStatus[] }>('/api/v1/aicss/status');
  const root = h('section', { id: 'status' });
  if (st.gateways.length === 0) root.append(h('p', { class: 'muted' }, 'Nenhum gateway registrado.'));
  for (const g of st.gateways) {
    const rows = g.devices.map((d) =>
      h(
        'tr',
        { 'data-device': d.deviceId },
        h('td', {}, d.name ?? d.deviceId),
        h('td', {}, badge(d.state)),
        h('td', {}, fmtTime(d.lastReadingTs)),
        h('td', {}, d.lastPowerW === null ? '—' : `${fmt(d.lastPowerW, 0)} W`),
        h('td', {}, String(d.activeAlerts)),
      ),
    );
    root.append(
      h(
        'div',
        { class: 'card', 'data-gateway': g.gatewayId },
        h('h2', {}, `Gateway ${g.gatewayId} `, badge(g.state)),
        h(
          'p',
          { class: 'muted' },
          `Local ${g.siteId} · última sincronização ${fmtTime(g.lastSeenAt)} · pendentes ${g.backlogReadings ?? '—'}` +
            (g.oldestUnsyncedAgeS ? ` (mais antiga há ${fmt(g.oldestUnsyncedAgeS / 60, 0)} min)` : '') +
            ` · alertas ativos ${g.activeAlerts}`,
        ),
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Dispositivo', 'Estado', 'Última leitura', 'Potência', 'Alertas'].map((t) =>
                h('th', {}, t),
              ),
            ),
          ),
          h('tbody', {}, ...rows),
        ),
      ),
    );
  }
  return root;
}

interface Site {
  siteId: string;
  name: string;
  timeZone: string;
}
interface Bucket {
  start: string;
  kwh: number | null;
  missing: boolean;
  completeness: number | null;
  cost: { netRs: number; grossRs: number | null } | null;
}
interface Consumo {
  totals: {
    kwh: number;
    netRs: number | null;
    grossRs: number | null;
    completeness: number | null;
    missingBuckets: number;
    peakPowerW: number | null;
  };
  pricing: { unavailable: string | null; taxesIncluded: boolean };
  buckets: Bucket[];
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export async function consumoView(): Promise<HTMLElement> {
  const { sites } = await get<{ sites: Site[] }>('/api/v1/sites').catch(() => ({ sites: [] as Site[] }));
  const root = h('section', { id: 'consumo' });
  if (sites.length === 0) {
    root.append(h('p', { class: 'muted' }, 'Nenhum local cadastrado.'));
    return root;
  }
  const today = new Date();
  const siteSel = h(
    'select',
    { name: 'site' },
    ...sites.map((s) => h('option', { value: s.siteId }, s.name)),
  );
  const interval = h(
    'select',
    { name: 'interval' },
    h('option', { value: 'hour' }, 'hora'),
    h('option', { value: 'day', selected: true }, 'dia'),
    h('option', { value: 'week' }, 'semana'),
    h('option', { value: 'month' }, 'mês'),
  );
  const from = h('input', {
    type: 'date',
    name: 'from',
    value: isoDay(new Date(today.getTime() - 6 * 86_400_000)),
  });
  const to = h('input', { type: 'date', name: 'to', value: isoDay(today) });
  const out = h('div', { id: 'consumo-out' });
  const load = async () => {
    out.replaceChildren(h('p', { class: 'muted' }, 'Carregando…'));
    try {
      const q = new URLSearchParams({
        siteId: siteSel.value,
        from: from.value,
        to: to.value,
        interval: interval.value,
      });
      const c = await get<Consumo>(`/api/v1/analytics/consumo?${q}`);
      const rs = c.totals.grossRs ?? c.totals.netRs;
      out.replaceChildren(
        h(
          'div',
          { class: 'kpis' },
          h('div', { class: 'kpi', id: 'kpi-kwh' }, 'Energia', h('b', {}, `${fmt(c.totals.kwh, 3)} kWh`)),
          h(
            'div',
            { class: 'kpi', id: 'kpi-rs' },
            c.pricing.taxesIncluded ? 'Custo (com tributos)' : 'Custo (sem tributos)',
            h('b', {}, rs === null ? '—' : `R$ ${fmt(rs, 2)}`),
          ),
          h(
            'div',
            { class: 'kpi' },
            'Pico',
            h('b', {}, c.totals.peakPowerW === null ? '—' : `${fmt(c.totals.peakPowerW, 0)} W`),
          ),
          h(
            'div',
            { class: 'kpi' },
            'Completude',
            h('b', {}, c.totals.completeness === null ? '—' : `${fmt(c.totals.completeness * 100, 1)} %`),
          ),
          h(
            'div',
            { class: 'kpi', id: 'kpi-missing' },
            'Intervalos sem dados',
            h('b', {}, String(c.totals.missingBuckets)),
          ),
        ),
        c.pricing.unavailable
          ? h('p', { class: 'muted' }, `Preço indisponível: ${c.pricing.unavailable}`)
          : '',
        h(
          'div',
          { class: 'card' },
          barChart(
            c.buckets.map((b) => ({
              label: b.start.slice(interval.value === 'hour' ? 11 : 5, interval.value === 'hour' ? 16 : 10),
              value: b.missing ? null : b.kwh,
              title: `${b.start}: ${fmt(b.kwh, 3)} kWh`,
            })),
            'kWh',
          ),
        ),
      );
    } catch (err) {
      out.replaceChildren(h('p', { class: 'error' }, (err as Error).message));
    }
  };
  root.append(
    h(
      'div',
      { class: 'card controls' },
      h('label', {}, 'Local', siteSel),
      h('label', {}, 'De', from),
      h('label', {}, 'Até', to),
      h('label', {}, 'Intervalo', interval),
      h('button', { type: 'button', id: 'consumo-load', onclick: () => void load() }, 'Atualizar'),
    ),
    out,
  );
  await load();
  return root;
}

interface Alert {
  alertId: string;
  deviceId: string | null;
  rule: string;
  severity: string;
  raisedAt: string;
  message: string | null;
}

export async function alertasView(): Promise<HTMLElement> {
  const { alerts } = await get<{ alerts: Alert[] }>('/api/v1/alerts?state=raised&limit=200');
  const root = h('section', { id: 'alertas' });
  if (alerts.length === 0) {
    root.append(h('p', { class: 'muted' }, 'Nenhum alerta ativo.'));
    return root;
  }
  root.append(
    h(
      'div',
      { class: 'card' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Desde', 'Dispositivo', 'Regra', 'Severidade', 'Mensagem'].map((t) => h('th', {}, t)),
          ),
        ),
        h(
          'tbody',
          {},
          ...alerts.map((a) =>
            h(
              'tr',
              { 'data-alert': a.alertId },
              h('td', {}, fmtTime(a.raisedAt)),
              h('td', {}, a.deviceId ?? '(gateway)'),
              h('td', {}, a.rule),
              h('td', {}, a.severity),
              h('td', {}, a.message ?? ''),
            ),
          ),
        ),
      ),
    ),
  );
  return root;
}

interface Forecast {
  method: string;
  backtest: { mapeDailyPct: number | null } | null;
  daily: { date: string; forecastKwh: number; totalKwh: number; lowerKwh: number; upperKwh: number }[];
  monthEnd: {
    month: string;
    totalKwh: number;
    lowerKwh: number;
    upperKwh: number;
    bill: { available: boolean; totalRs?: number; lowerRs?: number; upperRs?: number; reason?: string };
  };
}

export async function previsaoView(): Promise<HTMLElement> {
  const { sites } = await get<{ sites: Site[] }>('/api/v1/sites').catch(() => ({ sites: [] as Site[] }));
  const root = h('section', { id: 'previsao' });
  const site = sites[0];
  if (!site) {
    root.append(h('p', { class: 'muted' }, 'Nenhum local cadastrado.'));
    return root;
  }
  try {
    const f = await get<Forecast>(
      `/api/v1/analytics/previsao?siteId=${encodeURIComponent(site.siteId)}&days=7`,
    );
    const b = f.monthEnd.bill;
    root.append(
      h(
        'div',
        { class: 'kpis' },
        h(
          'div',
          { class: 'kpi', id: 'kpi-month-end' },
          `Fim de ${fmtMonth(f.monthEnd.month)}`,
          h('b', {}, `${fmt(f.monthEnd.totalKwh, 1)} kWh`),
          `${fmt(f.monthEnd.lowerKwh, 1)}–${fmt(f.monthEnd.upperKwh, 1)}`,
        ),
        h(
          'div',
          { class: 'kpi', id: 'kpi-bill' },
          'Conta prevista',
          h('b', {}, b.available ? `R$ ${fmt(b.totalRs, 2)}` : '—'),
          b.available ? `R$ ${fmt(b.lowerRs, 2)}–${fmt(b.upperRs, 2)}` : (b.reason ?? ''),
        ),
        h(
          'div',
          { class: 'kpi' },
          'Erro do backtest (MAPE)',
          h('b', {}, f.backtest?.mapeDailyPct == null ? '—' : `${fmt(f.backtest.mapeDailyPct, 1)} %`),
        ),
      ),
      h(
        'div',
        { class: 'card' },
        barChart(
          f.daily.map((d) => ({
            label: d.date.slice(5),
            value: d.totalKwh,
            title: `${d.date}: ${fmt(d.totalKwh, 3)} kWh (${fmt(d.lowerKwh, 3)}–${fmt(d.upperKwh, 3)})`,
          })),
          'kWh',
        ),
      ),
      h('p', { class: 'muted' }, f.method),
    );
  } catch (err) {
    root.append(h('p', { class: 'error' }, (err as Error).message));
  }
  return root;
}
