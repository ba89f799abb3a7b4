import { foldKey } from './parse/vocabulary.ts';

/**
 * Order of the acts that set tariffs (`DscREH`), so that "the later act wins" when two acts cover the same
 * period (aneel.md §2). Forms seen: `RESOLUÇÃO HOMOLOGATÓRIA Nº 3.589, DE 26 DE MAIO DE 2026`,
 * `… N° 1.870, DE 7 DE ABRIL DE 2015`, `DESPACHO Nº 2.783, DE 27 DE NOVEMBRO DE 2018`,
 * `DSP RETIFICAÇÃO DE 24 DE NOVEMBRO DE 2016`, `REH nº 3.306/2024`, empty.
 */
export interface RehOrder {
  /** ISO date of the act when the text has one (or 1 January of the `/yyyy` year). */
  date: string | undefined;
  number: number | undefined;
}

const MONTHS: Record<string, number> = {
  janeiro: 1,
  fevereiro: 2,
  marco: 3,
  abril: 4,
  maio: 5,
  junho: 6,
  julho: 7,
  agosto: 8,
  setembro: 9,
  outubro: 10,
  novembro: 11,
  dezembro: 12,
};

export function parseReh(text: string): RehOrder {
  const k = foldKey(text);
  const num = /\bn\s*[o.º°]?\s*\.?\s*(\d{1,3}(?:\.\d{3})*|\d+)\b/.exec(k.replace(/[º°]/g, 'o'));
  const number = num?.[1] ? Number(num[1].replaceAll('.', '')) : undefined;
  const long = /\bde (\d{1,2}) de ([a-z]+) de (\d{4})\b/.exec(k);
  let date: string | undefined;
  if (long?.[1] && long[2] && long[3] && MONTHS[long[2]]) {
    date = `${long[3]}-${String(MONTHS[long[2]]).padStart(2, '0')}-${long[1].padStart(2, '0')}`;
  } else {
    const year = /\/(\d{4})\b/.exec(k);
    if (year?.[1]) date = `${year[1]}-01-01`;
  }
  return { date, number };
}

/**
 * Negative when `a` is the earlier act. Acts with a date sort after acts without one; on the same date
 * (or both undated) the higher number is the later act. Equal when nothing distinguishes them.
 */
export function compareReh(a: string, b: string): number {
  if (a === b) return 0;
  const pa = parseReh(a);
  const pb = parseReh(b);
  if (pa.date !== pb.date) {
    if (pa.date === undefined) return -1;
    if (pb.date === undefined) return 1;
    return pa.date < pb.date ? -1 : 1;
  }
  if (pa.number !== pb.number) {
    if (pa.number === undefined) return -1;
    if (pb.number === undefined) return 1;
    return pa.number - pb.number;
  }
  return 0;
}
