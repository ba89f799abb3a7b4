import { describe, expect, it } from 'vitest';
import { encodeAicssLine } from '../../../shared/protocol/aicss-serial.ts';
import { measureFramerDecodeRate } from '../../../shared/protocol/framer-throughput.ts';

describe('measureFramerDecodeRate', () => {
  it('pushes the lines through framer and decoder, counting what decoded and what was refused', async () => {
    const good = Array.from({ length: 20 }, (_, i) => encodeAicssLine({ MSG: i, V: 127, P1: i }));
    const bad = ['MSG:1,V:1,cs:0\r\n', 'garbage'];
    const r = await measureFramerDecodeRate({ lines: [...good, ...bad], seconds: 0.05, chunkBytes: 7 });
    expect(r.lines).toBeGreaterThanOrEqual(22);
    expect(r.lines % 22).toBe(0);
    expect(r.ok).toBe((r.lines / 22) * 20);
    expect(r.rejected).toBe((r.lines / 22) * 2);
    expect(r.framerLinesPerS).toBeGreaterThan(0);
    expect(r.splitterLinesPerS).toBeGreaterThan(0);
    expect(r.rawLinesPerS).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.framerLinesPerS / r.rawLinesPerS);
    expect(r.bytesPerPass).toBe(good.join('').length + bad[0]!.length + 'garbage\r\n'.length);
  });

  it('refuses an empty line set', async () => {
    await expect(measureFramerDecodeRate({ lines: [] })).rejects.toThrow(RangeError);
  });
});
