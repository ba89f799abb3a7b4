import { AppError } from '../../../shared/errors.ts';
import { SYNC_DATASETS, type SyncDataset } from '../aneel-sync.ts';

/** `--datasets tarifas,bandeiras`: known names only; `dg` is named as not loaded by this version. */
export function parseDatasets(list: string | undefined): SyncDataset[] | undefined {
  if (!list) return undefined;
  const names = list
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !(SYNC_DATASETS as readonly string[]).includes(n));
  if (unknown.includes('dg')) {
    throw new AppError(
      'bad_request',
      'dg (distributed generation) is not loaded by this version; use tarifas,bandeiras,samp',
    );
  }
  if (unknown.length) {
    throw new AppError(
      'bad_request',
      `unknown data set(s) ${unknown.join(', ')}; known: ${SYNC_DATASETS.join(', ')}`,
    );
  }
  return names as SyncDataset[];
}

export function parseYears(list: string | undefined): number[] | undefined {
  if (!list) return undefined;
  const years = list.split(',').map((s) => Number(s.trim()));
  if (years.some((y) => !Number.isInteger(y) || y < 2003 || y > 2100)) {
    throw new AppError('bad_request', `--samp-years wants years like 2024,2025; got ${list}`);
  }
  return years;
}

export function parseVia(via: string | undefined): 'download' | 'datastore' | undefined {
  if (via === undefined || via === 'download' || via === 'datastore') return via;
  throw new AppError('bad_request', `--via is download or datastore, not ${via}`);
}
