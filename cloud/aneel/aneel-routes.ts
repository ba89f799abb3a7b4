import { AppError } from '../../shared/errors.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import {
  ConsumoQuery,
  ConsumoResponse,
  SyncBody,
  SyncParams,
  SyncStarted,
  SyncStatus,
  TarifasQuery,
  TarifasResponse,
} from './aneel-schemas.ts';
import { AneelSync } from './aneel-sync.ts';
import { findDistributor, sampMonthly } from './distributor-repository.ts';
import { getSync } from './etl-runs-repository.ts';
import { resolveTariffsWithLines } from './tariff-repository.ts';

/** Today's date where the distributors are (tariff validity is by local day). */
function localToday(ms: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo' }).format(ms);
}

function addMonths(ym: string, n: number): string {
  const [y, m] = ym.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

function lastDay(ym: string): string {
  const [y, m] = ym.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

/**
 * `/api/v1/aneel/*`: start and watch a sync of the ANEEL open data (admin / operator+), the tariff in force
 * (viewer+) and the market consumption per consumer (viewer+). The sync runs in the background of this
 * instance; a sync already running anywhere (cron, CLI, another instance) makes the POST answer 409.
 */
export async function registerAneelRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const sync = new AneelSync({
    pool: deps.pool,
    log: deps.log,
    clock: deps.clock,
    baseUrl: deps.config.aneel.baseUrl,
  });
  app.addHook('onClose', async () => {
    await sync.stop();
  });

  app.post(
    '/api/v1/aneel/sync',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Start a sync of the ANEEL data sets from the portal (runs in the background)',
        tags: ['aneel'],
        body: SyncBody,
        response: { 202: SyncStarted },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const who = request.principal?.kind === 'user' ? request.principal.username : undefined;
      const { syncId } = await sync.start({
        trigger: 'api',
        ...(who ? { requestedBy: who } : {}),
        ...(b.datasets ? { datasets: b.datasets } : {}),
        force: b.force,
        ...(b.sampYears ? { sampYears: b.sampYears } : {}),
        via: b.via,
      });
      request.auditTarget = `aneel-sync:${syncId}`;
      request.auditDetails = { datasets: b.datasets ?? 'all', force: b.force, via: b.via };
      return reply.code(202).send({ syncId, status: 'running', statusUrl: `/api/v1/aneel/sync/${syncId}` });
    },
  );

  app.get(
    '/api/v1/aneel/sync/:id',
    {
      config: { access: ['operator'] },
      schema: {
        summary: 'Status and progress of an ANEEL sync, one run per data-set file',
        tags: ['aneel'],
        params: SyncParams,
        response: { 200: SyncStatus },
      },
    },
    async (request) => {
      const s = await getSync(deps.pool, request.params.id);
      if (!s) throw new AppError('not_found', `no ANEEL sync ${request.params.id}`);
      return s;
    },
  );

  app.get(
    '/api/v1/aneel/tarifas',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'The tariff in force (Tarifa de Aplicação, TUSD and TE per posto) for a distributor and day',
        tags: ['aneel'],
        querystring: TarifasQuery,
        response: { 200: TarifasResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const distributor = await findDistributor(deps.pool, q.distributor);
      if (!distributor) throw new AppError('not_found', `no ANEEL data for distributor ${q.distributor}`);
      const date = q.date ?? localToday(deps.clock());
      const r = await deps.metrics.timeQuery('aneel_tarifas', () =>
        resolveTariffsWithLines(deps.pool, {
          cnpj: distributor.cnpj,
          subgroup: q.subgroup,
          modality: q.modality,
          consumerClass: q.consumerClass,
          subclass: q.subclass,
          from: date,
          to: date,
        }),
      );
      return {
        distributor,
        date,
        subgroup: q.subgroup,
        modality: q.modality,
        consumerClass: q.consumerClass,
        subclass: q.subclass,
        base: 'Tarifa de Aplicação' as const,
        inForce: r.gaps.length === 0 && r.periods.length > 0,
        postos: r.periods.map((p) => ({
          posto: p.posto,
          tusdRsMwh: p.tusdRsMwh,
          teRsMwh: p.teRsMwh,
          totalRsMwh: round(p.tusdRsMwh + p.teRsMwh, 6),
          tusdRsKwh: round(p.tusdRsMwh / 1000, 9),
          teRsKwh: round(p.teRsMwh / 1000, 9),
          totalRsKwh: round((p.tusdRsMwh + p.teRsMwh) / 1000, 9),
          reh: p.reh,
          validFrom: p.validFrom,
          validTo: p.validTo,
        })),
        conflicts: r.conflicts,
      };
    },
  );

  app.get(
    '/api/v1/aneel/consumo',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'Average billed kWh per consumer (SAMP) by distributor, class and month',
        tags: ['aneel'],
        querystring: ConsumoQuery,
        response: { 200: ConsumoResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const distributor = await findDistributor(deps.pool, q.distributor);
      if (!distributor) throw new AppError('not_found', `no ANEEL data for distributor ${q.distributor}`);
      const to = q.month ?? q.to ?? localToday(deps.clock()).slice(0, 7);
      const from = q.month ?? q.from ?? addMonths(to, -11);
      if (from > to) throw new AppError('bad_request', `from (${from}) is after to (${to})`);
      const months = await deps.metrics.timeQuery('aneel_consumo', () =>
        sampMonthly(deps.pool, {
          cnpj: distributor.cnpj,
          consumerClass: q.consumerClass,
          from: `${from}-01`,
          to: lastDay(to),
        }),
      );
      return {
        distributor,
        consumerClass: q.consumerClass,
        from,
        to,
        months,
        method:
          'SAMP, captive market (CATIVO), refaturamento rows left out: Σ "Energia TE (kWh)" ÷ Σ "Número de ' +
          'consumidores" over every breakdown row (subclass, modality, posto, GD market types)',
      };
    },
  );
}
