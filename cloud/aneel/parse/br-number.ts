/**
 * Brazilian decimal numbers as ANEEL publishes them (aneel.md §7.4): decimal comma, zero written `,00`,
 * 6–9 decimals in SAMP, negatives on refaturamento rows. A `.` thousands separator is not confirmed in
 * these files but is accepted when a comma is present (`1.500,00`).
 *
 * Returns `null` for an empty field (missing), `0` for a published zero, `undefined` when the text is not a
 * number at all (the caller rejects the row with a reason). The result is a canonical decimal string, not a
 * float, so NUMERIC columns receive exactly what was published.
 */
const UNSIGNED = /^\d+(\.\d+)?$/;

// The form nearly every value has (`593,08`, `,00`, `-76,000000`), parsed without the general path.
const COMMON = /^(-?)(\d*),(\d+)$/;

export function parseBrDecimal(raw: string): string | null | undefined {
  const m = COMMON.exec(raw);
  if (m) return canonicalDecimal(`${m[1]}${m[2] || '0'}.${m[3]}`);
  let s = raw.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1).trim();
  if (s === '') return null;
  let sign = '';
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s[0] === '-' ? '-' : '';
    s = s.slice(1);
  }
  if (s.includes(',')) {
    // 1.234,56 → 1234.56; only groups of three digits may sit between dots
    const [intPart = '', frac = '', ...rest] = s.split(',');
    if (rest.length > 0) return undefined;
    if (intPart.includes('.') && !/^\d{1,3}(\.\d{3})+$/.test(intPart)) return undefined;
    s = `${intPart.replaceAll('.', '') || '0'}.${frac}`;
    if (frac === '') s = s.slice(0, -1);
  } else if (/^\d{1,3}(\.\d{3})+$/.test(s)) {
    // `1.500` with no comma is ambiguous; ANEEL never writes decimals with a point, so read it as thousands
    s = s.replaceAll('.', '');
  }
  if (!UNSIGNED.test(s)) return undefined;
  return canonicalDecimal(sign + s);
}

/** Strips leading zeros and trailing fractional zeros: `-0012.3400` → `-12.34`, `-0.00` → `0`. */
function canonicalDecimal(s: string): string {
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const [i = '0', f = ''] = body.split('.');
  const intPart = i.replace(/^0+(?=\d)/, '');
  const frac = f.replace(/0+$/, '');
  const out = frac ? `${intPart}.${frac}` : intPart;
  return neg && out !== '0' ? `-${out}` : out;
}

/** Number form for JSON answers and arithmetic in the cost merge (values have at most 9 decimals). */
export function decimalToNumber(s: string): number {
  return Number(s);
}
