/**
 * Tasmota stamps `SENSOR` with local wall-clock time and no zone (protocol.md §2.4); the gateway knows the
 * zone from the source's configuration. Intl does the zone arithmetic, so DST rules come from the ICU data.
 */

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/;
const formatters = new Map<string, Intl.DateTimeFormat | null>();

/**
 * A formatter giving every wall-clock field of `timeZone` as a number (`h23`: midnight is hour 0, not 24), the
 * input of `zoneOffsetMs`. Building one costs milliseconds (ICU loads the zone): callers keep it.
 * Throws RangeError on an unknown zone.
 */
export function createWallClockFormatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

function formatter(timeZone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = createWallClockFormatter(timeZone);
    } catch {
      f = null; // unknown zone name: remembered, so a bad config costs one exception, not one per message
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Offset from UTC at an instant, ms (São Paulo: −3 h), of the zone of `f` (from `createWallClockFormatter`).
 * A whole number of seconds: the formatter shows none smaller.
 */
export function zoneOffsetMs(epochMs: number, f: Intl.DateTimeFormat): number {
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(epochMs)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - Math.floor(epochMs / 1000) * 1000;
}

/** True when `timeZone` is an IANA zone this runtime knows (for config validation). */
export function isKnownTimeZone(timeZone: string): boolean {
  return formatter(timeZone) !== null;
}

/**
 * Wall-clock `YYYY-MM-DDTHH:MM:SS` in `timeZone` → epoch ms; undefined for malformed text or an unknown zone.
 * In a DST gap or overlap the result is one of the two candidate instants (Brazil has had no DST since 2019).
 */
export function localTimeToEpochMs(local: string, timeZone: string): number | undefined {
  const m = LOCAL_RE.exec(local);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  if (!Number.isFinite(asUtc) || new Date(asUtc).getUTCDate() !== d) return undefined;
  const f = formatter(timeZone);
  if (!f) return undefined;
  // The offset depends on the instant we are looking for: two rounds settle it across a DST change.
  let guess = asUtc;
  for (let i = 0; i < 2; i++) guess = asUtc - zoneOffsetMs(guess, f);
  return guess;
}
