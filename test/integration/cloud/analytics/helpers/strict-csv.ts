import { expect } from 'vitest';

/**
 * Reads a CSV the way R's `read.csv(file, na.strings = "NA")` would, but refuses anything R would have to
 * guess about: it must be valid UTF-8 without a BOM, end lines with `\n`, have exactly the expected header
 * (syntactic R names, so `make.names` leaves them alone), the same number of fields on every row, no empty
 * field (missing must be the literal `NA`), numbers R's `type.convert` reads as numeric, and ISO 8601 UTC
 * timestamps (`as.POSIXct(x, format = "%Y-%m-%dT%H:%M:%OSZ", tz = "UTC")`). R is not installed here; this is
 * the R side of the contract, checked strictly.
 */
export function parseCsvStrictly(
  bytes: Buffer,
  spec: { header: string; character: string[]; timestamps?: string[] },
): { columns: string[]; rows: Record<string, string | number | null>[] } {
  expect(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, 'no BOM').toBe(false);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  expect(text.endsWith('\n'), 'ends with a newline').toBe(true);
  expect(text.includes('\r'), 'LF line ends').toBe(false);
  const lines = text.slice(0, -1).split('\n');
  expect(lines[0]).toBe(spec.header);
  const columns = lines[0]!.split(',');
  for (const c of columns) expect(c, 'syntactic R name').toMatch(/^[A-Za-z][A-Za-z0-9._]*$/);
  const numeric = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
  const rows = lines.slice(1).map((line, i) => {
    const fields = splitRfc4180(line);
    expect(fields.length, `line ${i + 2} field count`).toBe(columns.length);
    const row: Record<string, string | number | null> = {};
    columns.forEach((c, k) => {
      const f = fields[k]!;
      expect(f, `line ${i + 2} ${c}: empty field`).not.toBe('');
      if (f === 'NA') row[c] = null;
      else if (spec.character.includes(c)) row[c] = f;
      else if (spec.timestamps?.includes(c)) {
        expect(f, `line ${i + 2} ${c}`).toMatch(iso);
        row[c] = f;
      } else {
        expect(f, `line ${i + 2} ${c}: numeric`).toMatch(numeric);
        row[c] = Number(f);
      }
    });
    return row;
  });
  return { columns, rows };
}

function splitRfc4180(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`unterminated quote: ${line}`);
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
      i++;
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}
