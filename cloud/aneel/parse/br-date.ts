/**
 * Dates as ANEEL publishes them (aneel.md §7.7): ISO `YYYY-MM-DD` in the three main files, `dd/mm/yyyy` in
 * other datasets, `YYYY-MM-DDT00:00:00` in datastore timestamp fields. Returns ISO `YYYY-MM-DD`, `null` for
 * an empty field, `undefined` for text that is not a real calendar date.
 */
import { memo } from './vocabulary.ts';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00(?::?00)?)?)?$/;
const BR = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

export const parseAneelDate = memo(parseDate);

function parseDate(raw: string): string | null | undefined {
  const s = raw.trim();
  if (s === '') return null;
  let y: number;
  let m: number;
  let d: number;
  const iso = ISO.exec(s);
  if (iso) {
    y = Number(iso[1]);
    m = Number(iso[2]);
    d = Number(iso[3]);
  } else {
    const br = BR.exec(s);
    if (!br) return undefined;
    d = Number(br[1]);
    m = Number(br[2]);
    y = Number(br[3]);
  }
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Day number since 1970-01-01 of an ISO date (UTC, no time zone involved). */
export function isoToDay(iso: string): number {
  return Math.round(
    Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000,
  );
}

export function dayToIso(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
