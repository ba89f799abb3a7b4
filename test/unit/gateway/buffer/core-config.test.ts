import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AlertsConfig, BufferConfig, SyncConfig } from '../../../../gateway/config/core-config.ts';
import { formatIssues } from '../../../../shared/errors.ts';

/** Paths of object fields without a description (the config docs are generated from them). */
function undescribed(schema: z.ZodType, path = ''): string[] {
  const out: string[] = [];
  let inner: z.ZodType = schema;
  // unwrap defaults/prefaults/optionals/nullables to reach an object's shape
  for (let i = 0; i < 5; i++) {
    const def = (inner as unknown as { def: { innerType?: z.ZodType } }).def;
    if (def.innerType) inner = def.innerType;
    else break;
  }
  if (inner instanceof z.ZodObject) {
    for (const [key, field] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
      const p = path ? `${path}.${key}` : key;
      if (!field.description) out.push(p);
      out.push(...undescribed(field, p));
    }
  }
  return out;
}

describe('core config (buffer, alerts, sync)', () => {
  it('an empty object is a complete config with the documented defaults', () => {
    expect(BufferConfig.parse({})).toMatchObject({
      synchronous: 'FULL',
      fullPolicy: 'drop-oldest-unsynced',
      groupCommit: { maxBatch: 4000 },
    });
    expect(AlertsConfig.parse({})).toMatchObject({
      nominalVoltage: 127,
      voltage: { minDurationS: 60 },
      rebootLoop: { boots: 3, windowS: 600 },
    });
    expect(SyncConfig.parse({})).toMatchObject({
      schedule: '*/10 * * * * *',
      maxBytesPerSecond: 65_536,
      cloudUrl: null,
    });
  });

  it('a partial nested object keeps the other defaults', () => {
    expect(AlertsConfig.parse({ voltage: { hysteresisV: 2 } }).voltage).toEqual({
      minDurationS: 60,
      hysteresisV: 2,
    });
  });

  it('describes every field', () => {
    expect([...undescribed(BufferConfig), ...undescribed(AlertsConfig), ...undescribed(SyncConfig)]).toEqual(
      [],
    );
  });

  it('reports every problem at once as path: message', () => {
    const r = SyncConfig.safeParse({ schedule: 'often', maxBytesPerSecond: 10, cloudUrl: 'not a url' });
    expect(r.success).toBe(false);
    const lines = formatIssues(r.error!.issues);
    expect(lines).toHaveLength(3);
    expect(lines.some((l) => l.startsWith('schedule: '))).toBe(true);
    const a = AlertsConfig.safeParse({ timeZone: 'Mars/Base', devices: { 'bad id!': {} } });
    expect(formatIssues(a.error!.issues).map((l) => l.split(':')[0])).toEqual(
      expect.arrayContaining(['timeZone', 'devices.bad id!']),
    );
  });
});
