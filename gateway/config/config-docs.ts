import { stringify } from 'yaml';
import { GatewayConfig } from './config-schema.ts';
import {
  type AnySchema,
  defaultOf,
  defOf,
  descriptionOf,
  listFields,
  shapeOf,
  unwrap,
} from './schema-walk.ts';

/**
 * The schema as text for people: the commented YAML that `cds gateway init` writes (every setting with
 * its description; the ones the installer gave are set, the others are commented out at their default)
 * and the reference table of docs/gateway.md (`cds gateway config-reference`).
 */

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function hasValues(v: unknown): boolean {
  if (!isObj(v)) return v !== undefined;
  return Object.values(v).some(hasValues);
}

function yamlValue(v: unknown, indent: string): string {
  const text = stringify(v, { lineWidth: 0 }).trimEnd();
  if (!text.includes('\n') && !Array.isArray(v) && !isObj(v)) return ` ${text}`;
  if ((Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0)) return ` ${text}`;
  return `\n${text
    .split('\n')
    .map((l) => `${indent}  ${l}`)
    .join('\n')}`;
}

function comment(indent: string, text: string | undefined): string[] {
  if (!text) return [];
  return [`${indent}# ${text.replace(/\n/g, ' ')}`];
}

function renderObject(
  schema: AnySchema,
  values: Record<string, unknown>,
  indent: string,
  commented: boolean,
): string[] {
  const out: string[] = [];
  const shape = shapeOf(schema) ?? {};
  for (const [key, field] of Object.entries(shape)) {
    const value = values[key];
    const desc = descriptionOf(field);
    if (shapeOf(field) && defOf(unwrap(field)).type === 'object') {
      const set = !commented && hasValues(value);
      out.push('', ...comment(indent, desc), `${indent}${set ? '' : '# '}${key}:`);
      out.push(...renderObject(field, isObj(value) ? value : {}, `${indent}  `, !set));
      continue;
    }
    out.push(...comment(indent, desc));
    if (!commented && value !== undefined) {
      out.push(`${indent}${key}:${yamlValue(value, indent)}`);
      continue;
    }
    const d = defaultOf(field);
    const shown = d.has ? yamlValue(d.value, `${indent}# `) : ' # (not set)';
    out.push(`${indent}# ${key}:${shown}`);
  }
  return out;
}

/** A complete, commented YAML config; `values` are what the installer chose (validated by the caller). */
export function renderConfigYaml(values: Record<string, unknown>, header: string[]): string {
  const lines = [
    ...header.map((h) => `# ${h}`),
    '#',
    '# Every setting is listed with what it does. A commented line shows the default.',
    '# Environment variables override this file: CDS_<SECTION>__<KEY>, e.g. CDS_SYNC__TOKEN=… or',
    '# CDS_BUFFER__MAX_BYTES=1073741824 (docs/gateway.md, "Configuration").',
    ...renderObject(GatewayConfig, values, '', false),
    '',
  ];
  return lines.join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function formatDefault(field: AnySchema): string {
  const d = defaultOf(field);
  if (!d.has) return shapeOf(field) ? '' : '—';
  return `\`${JSON.stringify(d.value)}\``;
}

/** Markdown table: setting, type, default, description; one row per field (sections included). */
export function renderConfigReference(): string {
  const rows = listFields(GatewayConfig).map((f) => {
    const type = f.type.replace(/\\\|/g, '|');
    return `| \`${f.path}\` | ${cell(type)} | ${cell(formatDefault(f.schema))} | ${cell(f.description ?? '')} |`;
  });
  return ['| setting | type | default | description |', '|---|---|---|---|', ...rows].join('\n');
}
