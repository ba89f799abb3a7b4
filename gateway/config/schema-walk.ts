import type { z } from 'zod';

/**
 * Reading a zod 4 schema as data: the environment mapping, the commented YAML of `cds gateway init` and the
 * reference table in docs/gateway.md all walk the same schema, so none of them can drift from it.
 */

export type AnySchema = z.ZodType;

interface Def {
  type: string;
  innerType?: AnySchema;
  element?: AnySchema;
  options?: AnySchema[];
  in?: AnySchema;
  values?: unknown[];
  entries?: Record<string, unknown>;
  defaultValue?: unknown;
}

export const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch']);

/** Strips optional/default/prefault/nullable/pipe wrappers. */
export function unwrap(s: AnySchema): AnySchema {
  for (;;) {
    const d = defOf(s);
    if (d.innerType && WRAPPERS.has(d.type)) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
}

export function shapeOf(s: AnySchema): Record<string, AnySchema> | undefined {
  const u = unwrap(s);
  return defOf(u).type === 'object'
    ? (u as unknown as { shape: Record<string, AnySchema> }).shape
    : undefined;
}

/** The first description found from the outside in. */
export function descriptionOf(s: AnySchema): string | undefined {
  let cur: AnySchema | undefined = s;
  while (cur) {
    if (cur.description) return cur.description;
    const d = defOf(cur);
    cur = d.innerType && WRAPPERS.has(d.type) ? d.innerType : d.type === 'pipe' ? d.in : undefined;
  }
  return undefined;
}

/** `{ has: true, value }` when the field has a `.default()` (not a `.prefault()` section). */
export function defaultOf(s: AnySchema): { has: boolean; value?: unknown } {
  let cur: AnySchema | undefined = s;
  while (cur) {
    const d = defOf(cur);
    if (d.type === 'default') return { has: true, value: d.defaultValue };
    cur = d.innerType && WRAPPERS.has(d.type) ? d.innerType : undefined;
  }
  return { has: false };
}

export function isOptional(s: AnySchema): boolean {
  let cur: AnySchema | undefined = s;
  while (cur) {
    const d = defOf(cur);
    if (d.type === 'optional') return true;
    cur = d.innerType && WRAPPERS.has(d.type) ? d.innerType : undefined;
  }
  return false;
}

/** A short type name for docs: `string`, `number`, `boolean`, `"a" \| "b"`, `list of …`, `section`. */
export function typeName(s: AnySchema): string {
  const u = unwrap(s);
  const d = defOf(u);
  switch (d.type) {
    case 'enum':
      return Object.values(d.entries ?? {})
        .map((v) => JSON.stringify(v))
        .join(' \\| ');
    case 'literal':
      return (d.values ?? []).map((v) => JSON.stringify(v)).join(' \\| ');
    case 'union':
      return (d.options ?? []).map(typeName).join(' \\| ');
    case 'array': {
      const el = d.element!;
      return shapeOf(el) ? 'list of objects' : `list of ${typeName(el)}`;
    }
    case 'object':
      return 'section';
    case 'record':
      return 'mapping';
    default:
      return d.type;
  }
}

/** Whether an environment value should be taken as text (strings, enums of strings). */
export function isTextLeaf(s: AnySchema): boolean {
  const d = defOf(unwrap(s));
  if (d.type === 'string' || d.type === 'enum') return true;
  if (d.type === 'union') return (d.options ?? []).every(isTextLeaf);
  return false;
}

export interface SchemaField {
  /** Dotted path; `[]` marks the items of a list. */
  path: string;
  schema: AnySchema;
  description: string | undefined;
  default: { has: boolean; value?: unknown };
  optional: boolean;
  type: string;
}

/** Every field, depth first, sections before their fields; list items are walked as `path[].field`. */
export function listFields(schema: AnySchema, prefix = ''): SchemaField[] {
  const out: SchemaField[] = [];
  const shape = shapeOf(schema);
  if (!shape) return out;
  for (const [key, field] of Object.entries(shape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push({
      path,
      schema: field,
      description: descriptionOf(field),
      default: defaultOf(field),
      optional: isOptional(field),
      type: typeName(field),
    });
    if (shapeOf(field)) out.push(...listFields(field, path));
    const u = defOf(unwrap(field));
    if (u.type === 'array' && u.element && shapeOf(u.element))
      out.push(...listFields(u.element, `${path}[]`));
  }
  return out;
}
