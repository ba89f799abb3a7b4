import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderConfigReference, renderConfigYaml } from '../../../../gateway/config/config-docs.ts';
import { parseConfig } from '../../../../gateway/config/load-config.ts';

const ROOT = join(import.meta.dirname, '../../../..');

describe('config docs', () => {
  it('writes a commented YAML that parses back to the same configuration', () => {
    const values = {
      gatewayId: 'gw-1',
      site: { timeZone: 'America/Manaus', tariff: { distributorCnpj: '12345678901234' } },
      serial: { ports: [{ path: '/dev/ttyUSB0', format: 'aicss-legacy', device: 'lumion-1' }] },
      broker: { port: 1884, devices: [{ username: 'a', password: 'b', device: 'aicss-1' }] },
      sync: { cloudUrl: 'https://cds.example.com', token: 'abcdefghijklmnopqrstu' },
    };
    const yaml = renderConfigYaml(values, ['test']);
    expect(parseConfig(parseYaml(yaml))).toEqual(parseConfig(values));
    // Defaults are present as comments, with their descriptions.
    expect(yaml).toMatch(/^ {2}# Let boards connect without credentials.*\n {2}# allowAnonymous: false$/m);
    expect(yaml).toMatch(/^# externalBroker:$/m);
  });

  it('lists every setting of the schema, and no other, in the docs/gateway.md reference', async () => {
    const doc = await readFile(join(ROOT, 'docs/gateway.md'), 'utf8');
    const m = /<!-- config-reference:start -->\n([\s\S]*?)\n<!-- config-reference:end -->/.exec(doc);
    const paths = (table: string) => [...table.matchAll(/^\| `([^`]+)`\s*\|/gm)].map((x) => x[1]).sort();
    expect(
      paths(m?.[1] ?? ''),
      'run `cds gateway config-reference` and paste it into docs/gateway.md',
    ).toEqual(paths(renderConfigReference()));
  });
});
