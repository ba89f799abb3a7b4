import { AppError } from '../../../shared/errors.ts';
import { DATASET_SPECS, type EtlDataset } from '../load/dataset-specs.ts';
import type { LoadSource } from '../load/load-runner.ts';
import type { CsvRecord } from '../parse/csv-reader.ts';
import { validateHeader } from '../parse/header.ts';
import { csvRecordStream, type RecordStream } from '../parse/record-stream.ts';
import type { CkanClient } from './ckan-client.ts';
import type { CkanResource } from './ckan-schemas.ts';

/**
 * Where each file kind lives on the portal (aneel.md §1): the dataset to `package_show`, and how to pick its
 * CSV resource. Known resource ids come first; the file name in the URL is the fallback, because ids can
 * change when ANEEL republishes a resource.
 */
const PORTAL: Record<EtlDataset, { packageId: string; resourceIds: string[]; file: RegExp }> = {
  tarifas: {
    packageId: '5a583f3e-1646-4f67-bf0f-69db4203e89e',
    resourceIds: ['fcf2906c-7c32-4b9b-a637-054e7a5234f4'],
    file: /tarifas-homologadas-distribuidoras-energia-eletrica\.csv$/i,
  },
  bandeiras: {
    packageId: '7f43a020-6dc5-44b8-80b4-d97eaa94436c',
    resourceIds: ['0591b8f6-fe54-437b-b72b-1aa2efd46e42'],
    file: /bandeira-tarifaria-acionamento\.csv$/i,
  },
  'bandeiras-adicional': {
    packageId: '7f43a020-6dc5-44b8-80b4-d97eaa94436c',
    resourceIds: [],
    file: /bandeira-tarifaria-adicional[^/]*\.csv$/i,
  },
  samp: {
    packageId: '3e153db4-a503-4093-88be-75d31b002dcf',
    resourceIds: [],
    file: /samp-(\d{4})\.csv$/i,
  },
};

function isCsv(r: CkanResource): boolean {
  return (r.format ?? '').toUpperCase() === 'CSV' || /\.csv$/i.test(r.url);
}

/**
 * The CSV resources of one file kind. SAMP has one per year; `sampYears` picks them (the current year is
 * partial and recent months are revised, so the default sync takes this year and the last).
 */
export async function findResources(
  client: CkanClient,
  dataset: EtlDataset,
  opts: { sampYears?: readonly number[] } = {},
): Promise<CkanResource[]> {
  const where = PORTAL[dataset];
  const pkg = await client.packageShow(where.packageId);
  const csv = pkg.resources.filter(isCsv);
  if (dataset === 'samp') {
    const years = new Set(opts.sampYears ?? []);
    return csv.filter((r) => {
      const m = where.file.exec(r.url) ?? where.file.exec(r.name ?? '');
      return m?.[1] !== undefined && years.has(Number(m[1]));
    });
  }
  const byId = csv.find((r) => where.resourceIds.includes(r.id));
  const found = byId ?? csv.find((r) => where.file.test(r.url) || where.file.test(r.name ?? ''));
  if (!found) {
    throw new AppError(
      'schema_drift',
      `CKAN dataset ${where.packageId} has no CSV resource for ${dataset} (looked for ${where.file.source})`,
    );
  }
  return [found];
}

/** A full-file load: the resource's CSV streamed from the portal; its version is last_modified + size. */
export function downloadSource(client: CkanClient, dataset: EtlDataset, r: CkanResource): LoadSource {
  const url = client.resolve(r.url);
  return {
    dataset,
    location: url,
    sourceKey: r.id,
    async fingerprint() {
      if (!r.last_modified) return undefined;
      return { lastModified: r.last_modified, ...(typeof r.size === 'number' ? { sizeBytes: r.size } : {}) };
    },
    async open(opts) {
      const d = await client.download(url);
      const size = d.size ?? (typeof r.size === 'number' ? r.size : undefined);
      return csvRecordStream(d.body, {
        columns: DATASET_SPECS[dataset].columns,
        source: url,
        ...(size !== undefined ? { totalBytes: size } : {}),
        ...(opts.encoding ? { encoding: opts.encoding } : {}),
      });
    },
  };
}

/**
 * A filtered load through datastore_search paging (small subsets: one distributor's tariffs, the latest
 * flag months). The datastore can lag behind the file (aneel.md §1), so full loads use downloadSource.
 * The field list of the first page is validated like a CSV header.
 */
export function datastoreSource(
  client: CkanClient,
  dataset: EtlDataset,
  q: { resourceId: string; filters?: Record<string, string>; limit?: number; sort?: string },
): LoadSource {
  const columns = DATASET_SPECS[dataset].columns;
  const filterKey = q.filters ? `?${new URLSearchParams(q.filters).toString()}` : '';
  return {
    dataset,
    location: client.resolve(`api/3/action/datastore_search?resource_id=${q.resourceId}`),
    sourceKey: `datastore:${q.resourceId}${filterKey}`,
    async fingerprint() {
      return undefined;
    },
    async open(): Promise<RecordStream> {
      let pages = 0;
      async function* records(): AsyncGenerator<CsvRecord> {
        let positions: number[] | undefined;
        let n = 0;
        for await (const page of client.datastoreSearch(q)) {
          pages++;
          if (!positions && page.fields) {
            positions = validateHeader(
              page.fields.map((f) => f.id),
              columns,
              { source: `datastore ${q.resourceId}`, ignore: ['_id', '_full_text', 'rank'] },
            );
          }
          for (const rec of page.records) {
            n++;
            const values: Record<string, string> = {};
            let present = 0;
            for (const c of columns) {
              const v = rec[c];
              if (v !== undefined) present++;
              values[c] = v === null || v === undefined ? '' : String(v);
            }
            const id = typeof rec._id === 'number' ? rec._id : n;
            yield { line: id, values, fieldCount: present };
          }
        }
      }
      return { records: records(), stats: () => ({ pages }), sha256: () => undefined };
    },
  };
}
