import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCp1252 } from '../../../../cloud/aneel/parse/cp1252.ts';
import { AneelDecoder, completeLength } from '../../../../cloud/aneel/parse/decode-stream.ts';
import { AppError } from '../../../../shared/errors.ts';

async function decode(chunks: Buffer[], opts: ConstructorParameters<typeof AneelDecoder>[0] = {}) {
  const d = new AneelDecoder(opts);
  const out = await buffer(Readable.from(chunks).pipe(d));
  return { text: out.toString('utf8'), encoding: d.encoding };
}

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  return out.filter((b) => b.length > 0);
}

const TEXT = 'Não se aplica;Intermediário;Residencial Tarifa Social – faixa 01;Escassez Hídrica\r\n';

describe('AneelDecoder', () => {
  it('passes UTF-8 through and strips a BOM', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT, 'utf8')]);
    expect(await decode([bom])).toEqual({ text: TEXT, encoding: 'utf-8' });
    expect(await decode([Buffer.from(TEXT, 'utf8')])).toEqual({ text: TEXT, encoding: 'utf-8' });
  });

  it('reads cp1252, where 0x96 is the en dash (not a Latin-1 control character)', async () => {
    const cp = Buffer.from([0x4e, 0xe3, 0x6f, 0x20, 0x96, 0x20, 0x48, 0xed, 0x64]);
    expect(await decode([cp])).toEqual({ text: 'Não – Híd', encoding: 'windows-1252' });
  });

  it('decides on a prefix cut at a character boundary, whatever the chunking', async () => {
    const utf8 = Buffer.from(TEXT.repeat(20), 'utf8');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        async (cuts, prefixBytes) => {
          expect(await decode(splitAt(utf8, cuts), { prefixBytes })).toEqual({
            text: TEXT.repeat(20),
            encoding: 'utf-8',
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('fails with a restart hint when invalid UTF-8 shows up after a UTF-8 prefix', async () => {
    const late = Buffer.concat([Buffer.from(TEXT, 'utf8'), Buffer.from([0x48, 0xed, 0x64, 0x0d, 0x0a])]);
    const d = new AneelDecoder({ prefixBytes: 8 });
    await expect(
      buffer(Readable.from([late.subarray(0, 20), late.subarray(20)]).pipe(d)),
    ).rejects.toMatchObject({
      code: 'unsupported_encoding',
      details: { restartAs: 'windows-1252' },
    });
    expect(await decode([late], { encoding: 'windows-1252' })).toMatchObject({ encoding: 'windows-1252' });
  });

  it('rejects a file that ends inside a multibyte character', async () => {
    const cut = Buffer.from('Hídrica', 'utf8').subarray(0, 2);
    await expect(
      buffer(Readable.from([Buffer.from('abc'), cut]).pipe(new AneelDecoder({ prefixBytes: 2 }))),
    ).rejects.toMatchObject({
      code: 'unsupported_encoding',
    });
  });

  it('holds back only an incomplete trailing sequence', () => {
    const ha = Buffer.from('há', 'utf8'); // 68 C3 A1
    expect(completeLength(ha)).toBe(3);
    expect(completeLength(ha.subarray(0, 2))).toBe(1);
    const dash = Buffer.from('–', 'utf8'); // E2 80 93
    expect(completeLength(dash.subarray(0, 1))).toBe(0);
    expect(completeLength(dash.subarray(0, 2))).toBe(0);
    expect(completeLength(Buffer.from([0x41, 0xe3]))).toBe(1);
  });

  it('never throws synchronously on random bytes: it either decodes or fails the stream with unsupported_encoding', async () => {
    // The documented outcomes (decode-stream.ts): UTF-8 text (BOM stripped) when the prefix looked like UTF-8
    // and the rest is valid too; cp1252 text otherwise; or, for invalid UTF-8 after a UTF-8-looking prefix, an
    // AppError `unsupported_encoding` with `details.restartAs = 'windows-1252'` — and that restart decodes.
    const seen = { 'utf-8': 0, 'windows-1252': 0, unsupported_encoding: 0 };
    await fc.assert(
      fc.asyncProperty(
        // Random bytes, sometimes behind valid UTF-8 text long enough to decide the 16-byte prefix as UTF-8.
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        async (head, tail, cuts) => {
          const bytes = Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(tail)]);
          const r = await decode(splitAt(bytes, cuts), { prefixBytes: 16 }).catch((e: unknown) => e);
          if (r instanceof Error) {
            expect(r).toBeInstanceOf(AppError);
            expect(r).toMatchObject({ code: 'unsupported_encoding', details: { restartAs: 'windows-1252' } });
            expect(isUtf8(bytes), 'valid UTF-8 never fails').toBe(false);
            expect(await decode([bytes], { encoding: 'windows-1252' })).toEqual({
              text: decodeCp1252(bytes),
              encoding: 'windows-1252',
            });
            seen.unsupported_encoding++;
            return;
          }
          const { text, encoding } = r as Awaited<ReturnType<typeof decode>>;
          if (encoding === 'utf-8') {
            const body = bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))
              ? bytes.subarray(3)
              : bytes;
            expect(isUtf8(body)).toBe(true);
            expect(text).toBe(body.toString('utf8'));
            seen['utf-8']++;
          } else {
            expect(encoding).toBe('windows-1252');
            expect(text).toBe(decodeCp1252(bytes));
            seen['windows-1252']++;
          }
        },
      ),
      { numRuns: 300 },
    );
    // Every outcome came up, so each branch above was checked.
    expect(seen['utf-8']).toBeGreaterThan(0);
    expect(seen['windows-1252']).toBeGreaterThan(0);
    expect(seen.unsupported_encoding).toBeGreaterThan(0);
  });
});

describe('decodeCp1252', () => {
  it('follows the WHATWG windows-1252 index for 0x80–0x9F and Latin-1 elsewhere', () => {
    expect(decodeCp1252(Buffer.from([0x80, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97, 0x9f]))).toBe('€‘’“”–—Ÿ');
    expect(decodeCp1252(Buffer.from([0x81, 0x8d, 0x8f, 0x90, 0x9d]))).toBe('\u0081\u008d\u008f\u0090\u009d');
    expect(decodeCp1252(Buffer.from([0x4e, 0xe3, 0x6f, 0xed, 0xc7]))).toBe('NãoíÇ');
  });
});
