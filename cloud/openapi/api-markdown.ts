import { ERROR_CODES } from '../../shared/errors.ts';
import { type Access, describeAccess } from '../auth/access.ts';

/**
 * Renders the app's OpenAPI document as docs/api.md: per operation its access, parameters, request body
 * and responses as field tables (easier to read in a diff than JSON Schema), then the error codes.
 * Pure: document in, text out.
 */

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  description?: string;
  default?: unknown;
  additionalProperties?: Schema | boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
};

type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  'x-access'?: Access[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema; description?: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
};

export interface OpenApiDoc {
  info?: { title?: string; version?: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n+/g, ' ');

export function typeOf(s: Schema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(typeOf).join(' \\| ');
  const t = Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
  if (t === 'array' && s.items) return `${typeOf(s.items)}[]`;
  if (
    t === 'object' &&
    !s.properties &&
    s.additionalProperties &&
    typeof s.additionalProperties === 'object'
  ) {
    return `map of ${typeOf(s.additionalProperties)}`;
  }
  return s.format ? `${t} (${s.format})` : t;
}

function limits(s: Schema): string {
  const parts: string[] = [];
  // zod's int() carries the safe-integer range as bounds: noise in a reference.
  if (s.minimum !== undefined && s.minimum > Number.MIN_SAFE_INTEGER) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) parts.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined && s.minLength > 0) parts.push(`length ≥ ${s.minLength}`);
  if (s.maxLength !== undefined) parts.push(`length ≤ ${s.maxLength}`);
  if (s.default !== undefined) parts.push(`default \`${JSON.stringify(s.default)}\``);
  return parts.join(', ');
}

/** The object schema inside `s` (through arrays and nullable unions), if any. */
function objectOf(s: Schema): Schema | undefined {
  if (s.properties) return s;
  if (s.items) return objectOf(s.items);
  for (const alt of s.anyOf ?? s.oneOf ?? []) {
    const o = objectOf(alt);
    if (o) return o;
  }
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    return objectOf(s.additionalProperties);
  return undefined;
}

/** One table row per field, nested fields as `a.b`, array items as `a[].b`, map values as `a.*.b`. */
export function fieldRows(s: Schema, prefix = '', depth = 0): string[] {
  const obj = objectOf(s);
  if (!obj?.properties || depth > 6) return [];
  const rows: string[] = [];
  const required = new Set(obj.required ?? []);
  for (const [name, p] of Object.entries(obj.properties)) {
    const path = `${prefix}${name}`;
    const desc = [p.description, limits(p)].filter(Boolean).join(' — ');
    rows.push(`| \`${path}\` | ${typeOf(p)} | ${required.has(name) ? 'yes' : ''} | ${esc(desc)} |`);
    const inner = objectOf(p);
    if (inner) {
      const sep =
        p.items || p.anyOf?.some((a) => a.items)
          ? '[].'
          : p.additionalProperties && !p.properties
            ? '.*.'
            : '.';
      rows.push(...fieldRows(p, `${path}${sep}`, depth + 1));
    }
  }
  return rows;
}

function table(rows: string[]): string[] {
  return rows.length ? ['| field | type | required | notes |', '|---|---|---|---|', ...rows, ''] : [];
}

function operationMarkdown(method: string, path: string, op: Operation): string[] {
  const out = [`### ${method.toUpperCase()} \`${path}\``, ''];
  if (op.summary) out.push(`${op.summary}.`, '');
  const access = op['x-access'];
  out.push(`**Access:** ${access ? describeAccess(access) : 'undeclared'}`, '');
  const desc = op.description?.replace(/\n*Access: [^\n]*$/, '').trim();
  if (desc) out.push(desc, '');
  const params = op.parameters ?? [];
  if (params.length) {
    out.push('| parameter | in | type | required | notes |', '|---|---|---|---|---|');
    for (const p of params) {
      const s = p.schema ?? {};
      const notes = [p.description ?? s.description, limits(s)].filter(Boolean).join(' — ');
      out.push(`| \`${p.name}\` | ${p.in} | ${typeOf(s)} | ${p.required ? 'yes' : ''} | ${esc(notes)} |`);
    }
    out.push('');
  }
  const body = op.requestBody?.content?.['application/json']?.schema;
  if (body)
    out.push(
      '**Request body** (JSON)',
      '',
      ...(table(fieldRows(body)).length ? table(fieldRows(body)) : [`${typeOf(body)}`, '']),
    );
  for (const [status, r] of Object.entries(op.responses ?? {})) {
    const schema = r.content?.['application/json']?.schema;
    out.push(
      `**${status}**${schema ? '' : ` ${r.description && r.description !== 'Default Response' ? r.description : 'no body'}`}`,
      '',
    );
    if (schema) {
      const rows = fieldRows(schema);
      out.push(...(rows.length ? table(rows) : [typeOf(schema), '']));
    }
  }
  return out;
}

export function renderApiMarkdown(doc: OpenApiDoc): string {
  const out = [
    '# CDS cloud API',
    '',
    '<!-- Generated by `npm run docs:api` (cloud/openapi/write-api-doc.ts) from the routes’ zod schemas. Do not edit. -->',
    '',
    doc.info?.description ?? '',
    '',
    'The live document is served at `/docs` (Swagger UI) and `/docs/json` (OpenAPI 3.1).',
    '',
    '## Authentication',
    '',
    '- **Users** log in with `POST /api/v1/auth/login` and send `Authorization: Bearer <accessToken>` (a JWT,',
    '  15 minutes). `POST /api/v1/auth/refresh` trades the refresh token for a new pair; each refresh token',
    '  works once, and presenting a used one ends that login everywhere. Roles are hierarchical:',
    '  `viewer` ⊂ `operator` ⊂ `admin` (`viewer+` = any logged-in user).',
    '- **Gateways** send `Authorization: Bearer cdsgw_…`, the token from registration (only its SHA-256 is',
    '  stored). A gateway can only act for itself and the devices of its site.',
    '- Missing or invalid credentials → 401 `unauthenticated`; valid but not allowed → 403 `forbidden`.',
    '- Every call that changes state (any method but GET) is written to the audit log (`GET /api/v1/audit`).',
    '',
  ];
  const ops: { tag: string; method: string; path: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) ops.push({ tag: op.tags?.[0] ?? 'other', method, path, op });
    }
  }
  const tags = [...new Set(ops.map((o) => o.tag))];
  out.push('## Operations', '');
  for (const tag of tags) {
    out.push(`- [${tag}](#${tag})`);
  }
  out.push('');
  for (const tag of tags) {
    out.push(`## ${tag}`, '');
    for (const o of ops.filter((x) => x.tag === tag)) out.push(...operationMarkdown(o.method, o.path, o.op));
  }
  out.push(
    '## Errors',
    '',
    'Every error answer has the same body: `{ "error": { "code", "message", "retryable", "details"? } }`.',
    'The message is shown for statuses below 500; a 5xx says only `internal error` (the server logs the rest).',
    'Validation errors (`validation_failed`) list one `where.path: message` line per problem in `details`.',
    '',
    '| code | HTTP status | retryable |',
    '|---|---|---|',
    ...Object.entries(ERROR_CODES)
      .filter(([, v]) => v.status !== undefined)
      .map(([code, v]) => `| \`${code}\` | ${v.status} | ${v.retryable ? 'yes' : 'no'} |`),
    '',
  );
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
