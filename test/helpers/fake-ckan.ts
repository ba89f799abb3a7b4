import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A local HTTP server playing ANEEL's CKAN portal (aneel.md §1) from the fixtures in test/fixtures/aneel:
 * `package_show` for the tariff, flag and SAMP datasets, `datastore_search` paging, and CSV downloads.
 *
 * - Tariff datastore pages are the SYNTHETIC-ENVELOPE fixture pages served by offset (limit 4, total 6,
 *   relative `_links.next`; offset ≥ 8 answers the empty page).
 * - The acionamento datastore is paged from the verbatim cp1252 file, without `total`, so a client can only
 *   stop on the empty page past the end.
 * - Faults for the next matching requests: an HTTP status (`failNext`), a delay before the headers
 *   (`delayNext`), a connection dropped after some body bytes (`dropNext`).
 * Package metadata for tariffs and flags is SYNTHETIC (only SAMP's package_show is a real capture); the
 * adicional resource id is made up (the real one was not found, aneel.md §9).
 */
export const RESOURCE = {
  tarifas: 'fcf2906c-7c32-4b9b-a637-054e7a5234f4',
  acionamento: '0591b8f6-fe54-437b-b72b-1aa2efd46e42',
  // made up: the real id of the adicional resource was not found
  adicional: 'a0000000-0000-4000-8000-000000000001',
  samp2024: 'ff80dd21-eade-4eb5-9ca8-d802c883940e',
} as const;

const PACKAGE = {
  tarifas: '5a583f3e-1646-4f67-bf0f-69db4203e89e',
  bandeiras: '7f43a020-6dc5-44b8-80b4-d97eaa94436c',
  samp: '3e153db4-a503-4093-88be-75d31b002dcf',
} as const;

const SLUGS: Record<string, string> = {
  'tarifas-distribuidoras-energia-eletrica': PACKAGE.tarifas,
  'bandeiras-tarifarias': PACKAGE.bandeiras,
  samp: PACKAGE.samp,
};

interface Fault {
  match: string;
  times: number;
  status?: number;
  delayMs?: number;
  dropAfterBytes?: number;
}

interface ServedResource {
  packageId: string;
  fileName: string;
  bytes: Buffer;
  lastModified: string;
}

export interface RequestLogEntry {
  path: string;
  query: URLSearchParams;
  status: number;
}

export class FakeCkan {
  baseUrl = '';
  readonly requests: RequestLogEntry[] = [];
  private server: Server | undefined;
  private readonly faults: Fault[] = [];
  private readonly resources = new Map<string, ServedResource>();
  private readonly dir: string;

  constructor(fixturesDir: string) {
    this.dir = fixturesDir;
    const file = (n: string) => readFileSync(join(fixturesDir, n));
    this.resources.set(RESOURCE.tarifas, {
      packageId: PACKAGE.tarifas,
      fileName: 'tarifas-homologadas-distribuidoras-energia-eletrica.csv',
      bytes: file('tarifas-homologadas-sample.csv'),
      lastModified: '2026-09-30T08:00:00.000000',
    });
    this.resources.set(RESOURCE.acionamento, {
      packageId: PACKAGE.bandeiras,
      fileName: 'bandeira-tarifaria-acionamento.csv',
      bytes: file('bandeira-tarifaria-acionamento.verbatim.csv'),
      lastModified: '2026-05-01T08:00:00.000000',
    });
    this.resources.set(RESOURCE.adicional, {
      packageId: PACKAGE.bandeiras,
      fileName: 'bandeira-tarifaria-adicional.csv',
      bytes: file('bandeira-tarifaria-adicional-sample.csv'),
      lastModified: '2026-07-15T08:00:00.000000',
    });
    this.resources.set(RESOURCE.samp2024, {
      packageId: PACKAGE.samp,
      fileName: 'samp-2024.csv',
      bytes: file('samp-2024-cocel.verbatim.csv'),
      lastModified: '2026-07-28T15:53:26.685626',
    });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
        else res.destroy();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `times` requests whose path+query contains `match` answer `status`. */
  failNext(match: string, times = 1, status = 500): void {
    this.faults.push({ match, times, status });
  }

  /** The next `times` matching requests wait `ms` before any byte of the answer. */
  delayNext(match: string, ms: number, times = 1): void {
    this.faults.push({ match, times, delayMs: ms });
  }

  /** The next matching download sends `afterBytes` bytes of the body, then the connection drops. */
  dropNext(match: string, afterBytes: number, times = 1): void {
    this.faults.push({ match, times, dropAfterBytes: afterBytes });
  }

  /** Serves other bytes (a new file version, a drifted header) for a resource; bumps last_modified. */
  setFile(resourceId: string, bytes: Buffer, lastModified?: string): void {
    const r = this.resources.get(resourceId);
    if (!r) throw new Error(`fake CKAN has no resource ${resourceId}`);
    r.bytes = bytes;
    r.lastModified = lastModified ?? new Date().toISOString().replace('Z', '');
  }

  count(match: string): number {
    return this.requests.filter((r) => `${r.path}?${r.query.toString()}`.includes(match)).length;
  }

  private takeFault(url: string): Fault | undefined {
    const f = this.faults.find((x) => x.times > 0 && url.includes(x.match));
    if (f) f.times--;
    return f;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const fault = this.takeFault(`${url.pathname}${url.search}`);
    // Logged on arrival (status 0 until answered), so a request the client gave up on is still counted.
    const entry: RequestLogEntry = { path: url.pathname, query: url.searchParams, status: 0 };
    this.requests.push(entry);
    const log = (status: number): void => {
      entry.status = status;
    };
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (res.destroyed) return;
    if (fault?.status) {
      log(fault.status);
      res.writeHead(fault.status, { 'content-type': 'text/plain' }).end('fake CKAN fault');
      return;
    }
    if (url.pathname === '/api/3/action/package_show') return this.packageShow(url, res, log);
    if (url.pathname === '/api/3/action/datastore_search') return this.datastoreSearch(url, res, log);
    const dl = /^\/dataset\/[^/]+\/resource\/([^/]+)\/download\/[^/]+$/.exec(url.pathname);
    const served = dl?.[1] ? this.resources.get(dl[1]) : undefined;
    if (served) {
      log(200);
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': served.bytes.length });
      const limit = fault?.dropAfterBytes ?? served.bytes.length;
      // Small chunks so that multibyte characters and CRLFs land on chunk boundaries.
      for (let i = 0; i < limit; i += 1024) {
        res.write(served.bytes.subarray(i, Math.min(limit, i + 1024)));
        await new Promise((r) => setImmediate(r));
      }
      if (fault?.dropAfterBytes !== undefined) res.destroy();
      else res.end();
      return;
    }
    log(404);
    this.json(res, 404, { success: false, error: { __type: 'Not Found Error', message: 'Not found' } });
  }

  private resourceJson(id: string, r: ServedResource) {
    return {
      id,
      name: r.fileName,
      format: 'CSV',
      url: `${this.baseUrl}/dataset/${r.packageId}/resource/${id}/download/${r.fileName}`,
      last_modified: r.lastModified,
      size: r.bytes.length,
      datastore_active: true,
      package_id: r.packageId,
    };
  }

  private packageShow(url: URL, res: ServerResponse, log: (s: number) => void): void {
    const asked = url.searchParams.get('id') ?? '';
    const id = SLUGS[asked] ?? asked;
    if (id === PACKAGE.samp) {
      // The real capture, with the portal's host replaced by this server and our served file's metadata.
      const real = JSON.parse(readFileSync(join(this.dir, 'ckan-package_show-samp.json'), 'utf8'));
      for (const r of real.result.resources) {
        r.url = String(r.url).replace('https://dadosabertos.aneel.gov.br', this.baseUrl);
        const served = this.resources.get(r.id);
        if (served) Object.assign(r, { last_modified: served.lastModified, size: served.bytes.length });
      }
      log(200);
      this.json(res, 200, real);
      return;
    }
    const resources = [...this.resources.entries()].filter(([, r]) => r.packageId === id);
    if (resources.length === 0) {
      log(404);
      this.json(res, 404, { success: false, error: { message: 'Not found', __type: 'Not Found Error' } });
      return;
    }
    log(200);
    this.json(res, 200, {
      help: `${this.baseUrl}/api/3/action/help_show?name=package_show`,
      success: true,
      result: { id, name: asked, resources: resources.map(([rid, r]) => this.resourceJson(rid, r)) },
    });
  }

  private datastoreSearch(url: URL, res: ServerResponse, log: (s: number) => void): void {
    const rid = url.searchParams.get('resource_id') ?? '';
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 100);
    if (rid === RESOURCE.tarifas) {
      const page = offset === 0 ? 'page1' : offset === 4 ? 'page2' : 'page3-empty';
      log(200);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(readFileSync(join(this.dir, `ckan-datastore_search-tarifas-${page}.SYNTHETIC-ENVELOPE.json`)));
      return;
    }
    const served = this.resources.get(rid);
    if (rid !== RESOURCE.acionamento || !served) {
      log(404);
      this.json(res, 404, { success: false, error: { message: 'Not found' } });
      return;
    }
    const [header, ...lines] = new TextDecoder('windows-1252')
      .decode(served.bytes)
      .split(/\r?\n/)
      .filter((l) => l.length > 0);
    const names = header!.split(';');
    const records = lines.slice(offset, offset + limit).map((l, i) => {
      const rec: Record<string, unknown> = { _id: offset + i + 1 };
      l.split(';').forEach((v, j) => {
        rec[names[j]!] = v;
      });
      return rec;
    });
    const next = new URLSearchParams(url.searchParams);
    next.set('offset', String(offset + limit));
    log(200);
    this.json(res, 200, {
      help: `${this.baseUrl}/api/3/action/help_show?name=datastore_search`,
      success: true,
      result: {
        include_total: false,
        limit,
        offset,
        records_format: 'objects',
        resource_id: rid,
        fields: [{ id: '_id', type: 'int' }, ...names.map((n) => ({ id: n, type: 'text' }))],
        records,
        _links: {
          start: `/api/3/action/datastore_search?resource_id=${rid}&limit=${limit}`,
          next: `/api/3/action/datastore_search?${next.toString()}`,
        },
      },
    });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  }
}

/** The real tariff sample with one extra column (`DscNovaColuna`) in the header and every row: SYNTHETIC drift. */
export function driftedTariffCsv(sample: Buffer): Buffer {
  const text = sample.toString('utf8');
  return Buffer.from(
    text
      .split('\r\n')
      .map((line, i) => (line ? `${line};${i === 0 ? '"DscNovaColuna"' : '"x"'}` : line))
      .join('\r\n'),
    'utf8',
  );
}
