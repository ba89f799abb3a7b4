import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser } from '../../../../cloud/aneel/parse/csv-parser.ts';

function parseChunks(chunks: string[]): { fields: string[]; line: number }[] {
  const p = new CsvParser();
  const out = chunks.flatMap((c) => p.push(c));
  return [...out, ...p.end()];
}

function splitAt(s: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (s.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of [...points, s.length]) {
    out.push(s.slice(prev, p));
    prev = p;
  }
  return out;
}

describe('CsvParser', () => {
  it('reads quoted and bare fields, CRLF, LF and a missing final newline', () => {
    expect(parseChunks(['"a";"b;c";"d""e"\r\n1;2;3\nx;;', ''])).toEqual([
      { fields: ['a', 'b;c', 'd"e'], line: 1 },
      { fields: ['1', '2', '3'], line: 2 },
      { fields: ['x', '', ''], line: 3 },
    ]);
  });

  it('keeps line breaks inside quotes and counts physical lines', () => {
    expect(parseChunks(['h1;h2\r\n"two\r\nlines";v\r\n\r\nlast;row\r\n'])).toEqual([
      { fields: ['h1', 'h2'], line: 1 },
      { fields: ['two\r\nlines', 'v'], line: 2 },
      { fields: ['last', 'row'], line: 5 },
    ]);
  });

  it('is lenient with stray quotes, like the files need', () => {
    expect(parseChunks(['RES "X" 1;"abc"x;""\n'])).toEqual([{ fields: ['RES "X" 1', 'abcx', ''], line: 1 }]);
    expect(parseChunks(['"unterminated;x'])).toEqual([{ fields: ['unterminated;x'], line: 1 }]);
  });

  it('strips a BOM at the start only', () => {
    expect(parseChunks(['\uFEFFa;b\n\uFEFFc;d\n'])).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['\uFEFFc', 'd'], line: 2 },
    ]);
  });

  it('reads back any records written with quoting, however the text is chunked', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'ã', '–', ';', '"', '\r', '\n', ' ', ',', '9') });
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.constantFrom('\r\n', '\n'),
        fc.array(fc.nat(), { maxLength: 12 }),
        (records, quoteAll, eol, cuts) => {
          // an empty field is always quoted: a bare one alone on a line would be an (ignored) empty line
          const rows = records;
          const text = rows
            .map((r) =>
              r
                .map((f) => (quoteAll || /[;"\r\n]/.test(f) || f === '' ? `"${f.replaceAll('"', '""')}"` : f))
                .join(';'),
            )
            .join(eol);
          const parsed = parseChunks(splitAt(text, cuts));
          expect(parsed.map((p) => p.fields)).toEqual(rows);
        },
      ),
      { numRuns: 500 },
    );
  });
});
