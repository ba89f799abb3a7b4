import type pg from 'pg';
import { FLAG_COLUMNS, FLAG_LEVEL_COLUMNS, SAMP_COLUMNS, TARIFF_COLUMNS } from '../parse/columns.ts';
import { mapFlagLevelRecord, mapFlagRecord } from '../parse/flag-row.ts';
import type { RowResult } from '../parse/row-result.ts';
import { mapSampRecord } from '../parse/samp-row.ts';
import { mapTariffRecord } from '../parse/tariff-row.ts';
import {
  FLAG_LEVEL_STAGE_COLUMNS,
  FLAG_LEVEL_STAGE_TABLE,
  FLAG_STAGE_COLUMNS,
  FLAG_STAGE_TABLE,
  flagCopyLine,
  flagLevelCopyLine,
  mergeFlagLevelStage,
  mergeFlagStage,
  prepareFlagLevelStage,
  prepareFlagStage,
} from './flag-load-repository.ts';
import type { MergeContext, MergeResult } from './merge-types.ts';
import {
  mergeSampStage,
  prepareSampStage,
  SAMP_STAGE_COLUMNS,
  SAMP_STAGE_TABLE,
  sampCopyLine,
} from './samp-load-repository.ts';
import {
  mergeTariffStage,
  prepareTariffStage,
  TARIFF_STAGE_COLUMNS,
  TARIFF_STAGE_TABLE,
  tariffCopyLine,
} from './tariff-load-repository.ts';

/** etl_runs.dataset of each ANEEL file kind. */
export const ETL_DATASETS = ['tarifas', 'bandeiras', 'bandeiras-adicional', 'samp'] as const;
export type EtlDataset = (typeof ETL_DATASETS)[number];

/** How one file kind is read, staged and merged; the load runner is the same for all of them. */
export interface DatasetSpec<Row = unknown> {
  dataset: EtlDataset;
  columns: readonly string[];
  map(values: Record<string, string>, fieldCount: number): RowResult<Row>;
  stageTable: string;
  stageColumns: readonly string[];
  prepare(c: pg.PoolClient): Promise<void>;
  copyLine(row: Row, line: number): string;
  merge(c: pg.PoolClient, ctx: MergeContext): Promise<MergeResult>;
}

function spec<Row>(s: DatasetSpec<Row>): DatasetSpec<Row> {
  return s;
}

export const DATASET_SPECS: Record<EtlDataset, DatasetSpec<never>> = {
  tarifas: spec({
    dataset: 'tarifas',
    columns: TARIFF_COLUMNS,
    map: mapTariffRecord,
    stageTable: TARIFF_STAGE_TABLE,
    stageColumns: TARIFF_STAGE_COLUMNS,
    prepare: prepareTariffStage,
    copyLine: tariffCopyLine,
    merge: mergeTariffStage,
  }),
  bandeiras: spec({
    dataset: 'bandeiras',
    columns: FLAG_COLUMNS,
    map: mapFlagRecord,
    stageTable: FLAG_STAGE_TABLE,
    stageColumns: FLAG_STAGE_COLUMNS,
    prepare: prepareFlagStage,
    copyLine: flagCopyLine,
    merge: mergeFlagStage,
  }),
  'bandeiras-adicional': spec({
    dataset: 'bandeiras-adicional',
    columns: FLAG_LEVEL_COLUMNS,
    map: mapFlagLevelRecord,
    stageTable: FLAG_LEVEL_STAGE_TABLE,
    stageColumns: FLAG_LEVEL_STAGE_COLUMNS,
    prepare: prepareFlagLevelStage,
    copyLine: flagLevelCopyLine,
    merge: mergeFlagLevelStage,
  }),
  samp: spec({
    dataset: 'samp',
    columns: SAMP_COLUMNS,
    map: mapSampRecord,
    stageTable: SAMP_STAGE_TABLE,
    stageColumns: SAMP_STAGE_COLUMNS,
    prepare: prepareSampStage,
    copyLine: sampCopyLine,
    merge: mergeSampStage,
  }),
} as unknown as Record<EtlDataset, DatasetSpec<never>>;
