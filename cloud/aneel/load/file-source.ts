import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { csvRecordStream } from '../parse/record-stream.ts';
import { DATASET_SPECS, type EtlDataset } from './dataset-specs.ts';
import type { LoadSource } from './load-runner.ts';

/**
 * Local files for sites without internet (`cds cloud aneel sync --from-dir DIR`): ANEEL's own file names,
 * with any suffix (`tarifas-homologadas-sample.csv`, `samp-2024-cocel.verbatim.csv`), map to data sets.
 */
const FILE_PATTERNS: ReadonlyArray<[RegExp, EtlDataset]> = [
  [/^tarifas-homologadas.*\.csv$/i, 'tarifas'],
  [/^bandeira-tarifaria-acionamento.*\.csv$/i, 'bandeiras'],
  [/^bandeira-tarifaria-adicional.*\.csv$/i, 'bandeiras-adicional'],
  [/^samp-.*\.csv$/i, 'samp'],
];

export function datasetOfFile(name: string): EtlDataset | undefined {
  return FILE_PATTERNS.find(([re]) => re.test(name))?.[1];
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** A load source reading one local CSV; its version is the file's sha256. */
export function fileSource(path: string, dataset: EtlDataset): LoadSource {
  const abs = resolve(path);
  const name = basename(abs);
  return {
    dataset,
    location: abs,
    sourceKey: `file:${name}`,
    async fingerprint() {
      const st = await stat(abs);
      return { sha256: await sha256File(abs), sizeBytes: st.size };
    },
    async open(opts) {
      const st = await stat(abs);
      return csvRecordStream(createReadStream(abs), {
        columns: DATASET_SPECS[dataset].columns,
        source: name,
        totalBytes: st.size,
        ...(opts.encoding ? { encoding: opts.encoding } : {}),
      });
    },
  };
}

export interface DirScan {
  sources: LoadSource[];
  /** Files that match no data set (left alone, reported). */
  ignored: string[];
}

/** The data-set files of a folder, in name order, keeping only `datasets`. */
export async function scanDir(dir: string, datasets: ReadonlySet<EtlDataset>): Promise<DirScan> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
  const sources: LoadSource[] = [];
  const ignored: string[] = [];
  for (const name of names) {
    const ds = datasetOfFile(name);
    if (ds && datasets.has(ds)) sources.push(fileSource(join(dir, name), ds));
    else if (!ds) ignored.push(name);
  }
  return { sources, ignored };
}
