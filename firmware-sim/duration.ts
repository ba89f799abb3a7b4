import { AppError } from '../shared/errors.ts';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `500ms`, `10s`, `5m`, `2h`, `1d`, `1w`, `1h30m`; a bare number is seconds. */
export function parseDurationMs(text: string, what = 'duration'): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  if (end === 0 || end !== s.length)
    throw new AppError('config_invalid', `${what}: "${text}" is not a duration like 10s, 5m, 2h, 1d`);
  return total;
}

/**
 * `2024-01-01`, `2024-01-01T03:00:00Z`, `now`, or relative to now: `-7d`, `+1h`. Date-only values are UTC
 * midnight (ISO 8601 rules); a date-time without a zone is read in the machine's zone by `Date.parse`.
 */
export function parseInstantMs(text: string, nowMs: number, what = 'time'): number {
  const s = text.trim();
  if (s === 'now') return nowMs;
  const rel = /^([+-])(.+)$/.exec(s);
  if (rel && !/^\d{4}-/.test(rel[2]!)) {
    const d = parseDurationMs(rel[2]!, what);
    return rel[1] === '-' ? nowMs - d : nowMs + d;
  }
  const ms = Date.parse(s);
  if (!Number.isFinite(ms))
    throw new AppError('config_invalid', `${what}: "${text}" is not an ISO 8601 time`);
  return ms;
}
