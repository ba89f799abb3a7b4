import { describe, expect, it } from 'vitest';
import { fieldRows, renderApiMarkdown, typeOf } from '../../../../cloud/openapi/api-markdown.ts';

describe('docs/api.md rendering', () => {
  it('names types the way a reader expects', () => {
    expect(typeOf({ type: 'string', format: 'date-time' })).toBe('string (date-time)');
    expect(typeOf({ anyOf: [{ type: 'integer' }, { type: 'null' }] })).toBe('integer \\| null');
    expect(typeOf({ type: 'array', items: { enum: ['a', 'b'] } })).toBe('`a` \\| `b`[]');
    expect(typeOf({ type: 'object', additionalProperties: { type: 'number' } })).toBe('map of number');
  });

  it('flattens nested objects, arrays and maps into dotted field rows', () => {
    const rows = fieldRows({
      type: 'object',
      required: ['a'],
      properties: {
        a: {
          type: 'array',
          items: { type: 'object', properties: { b: { type: 'string', description: 'B' } } },
        },
        m: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { c: { type: 'integer', minimum: 1 } } },
        },
      },
    });
    expect(rows).toEqual([
      '| `a` | object[] | yes |  |',
      '| `a[].b` | string |  | B |',
      '| `m` | map of object |  |  |',
      '| `m.*.c` | integer |  | ≥ 1 |',
    ]);
  });

  it('lists each operation with its access under its tag, and the error codes', () => {
    const md = renderApiMarkdown({
      paths: {
        '/x/:id': {
          delete: {
            summary: 'Delete x',
            tags: ['things'],
            'x-access': ['admin'],
            description: 'Gone.\n\nAccess: admin.',
          },
        },
      },
    });
    expect(md).toContain('## things');
    expect(md).toContain('### DELETE `/x/:id`\n\nDelete x.\n\n**Access:** admin\n\nGone.');
    expect(md).toContain('| `rate_limited` | 429 | yes |');
  });
});
