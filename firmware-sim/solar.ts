/**
 * Solar position from the NOAA spreadsheet equations (Meeus, "Astronomical Algorithms", low-precision
 * form): accurate to about a minute for sunrise/sunset, far better than a light sensor needs. The daylight
 * model works from the elevation directly, so dawn and dusk move with the season and the location.
 */

const RAD = Math.PI / 180;
const DEG = 180 / Math.PI;
const DAY_MS = 86_400_000;
/** Sunrise/sunset are defined at −0.833°: refraction plus the Sun's radius. */
export const SUNRISE_ELEVATION_DEG = -0.833;

/** Sun elevation above the horizon in degrees at `utcMs`, at latitude/longitude in degrees (east positive). */
export function solarElevationDeg(utcMs: number, latDeg: number, lonDeg: number): number {
  const jd = utcMs / DAY_MS + 2440587.5;
  const t = (jd - 2451545) / 36525;
  const l0 = (((280.46646 + t * (36000.76983 + t * 0.0003032)) % 360) + 360) % 360;
  const m = 357.52911 + t * (35999.05029 - 0.0001537 * t);
  const e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t);
  const mr = m * RAD;
  const c =
    Math.sin(mr) * (1.914602 - t * (0.004817 + 0.000014 * t)) +
    Math.sin(2 * mr) * (0.019993 - 0.000101 * t) +
    Math.sin(3 * mr) * 0.000289;
  const omega = (125.04 - 1934.136 * t) * RAD;
  const lambda = (l0 + c - 0.00569 - 0.00478 * Math.sin(omega)) * RAD;
  const eps0 = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60;
  const eps = (eps0 + 0.00256 * Math.cos(omega)) * RAD;
  const decl = Math.asin(Math.sin(eps) * Math.sin(lambda));
  const y = Math.tan(eps / 2) ** 2;
  const l0r = l0 * RAD;
  const eqTimeMin =
    4 *
    DEG *
    (y * Math.sin(2 * l0r) -
      2 * e * Math.sin(mr) +
      4 * e * y * Math.sin(mr) * Math.cos(2 * l0r) -
      0.5 * y * y * Math.sin(4 * l0r) -
      1.25 * e * e * Math.sin(2 * mr));
  const utcMinutes = (((utcMs % DAY_MS) + DAY_MS) % DAY_MS) / 60_000;
  const trueSolarMin = utcMinutes + eqTimeMin + 4 * lonDeg;
  const hourAngle = (trueSolarMin / 4 - 180) * RAD;
  const lat = latDeg * RAD;
  const cosZenith = Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle);
  return 90 - Math.acos(Math.min(1, Math.max(-1, cosZenith))) * DEG;
}

export interface SunTimes {
  /** UTC ms; undefined on polar day/night. */
  sunriseMs?: number;
  sunsetMs?: number;
  solarNoonMs: number;
}

/**
 * Sunrise, solar noon and sunset of the solar day around `nearUtcMs` (the day whose solar noon is closest),
 * found by bisection on the elevation, so it agrees exactly with what the light model sees.
 */
export function sunTimes(nearUtcMs: number, latDeg: number, lonDeg: number): SunTimes {
  // Solar noon at this longitude is about 12:00 UTC − lon/15 h; refine by scanning the elevation peak.
  const approxNoon = Math.round((nearUtcMs - (12 - lonDeg / 15) * 3_600_000) / DAY_MS) * DAY_MS;
  let noon = approxNoon + (12 - lonDeg / 15) * 3_600_000;
  let step = 1_800_000;
  while (step >= 1000) {
    const here = solarElevationDeg(noon, latDeg, lonDeg);
    if (solarElevationDeg(noon + step, latDeg, lonDeg) > here) noon += step;
    else if (solarElevationDeg(noon - step, latDeg, lonDeg) > here) noon -= step;
    else step /= 2;
  }
  const above = (ms: number) => solarElevationDeg(ms, latDeg, lonDeg) > SUNRISE_ELEVATION_DEG;
  const cross = (from: number, to: number): number | undefined => {
    if (above(from) === above(to)) return undefined;
    let a = from;
    let b = to;
    while (Math.abs(b - a) > 1000) {
      const mid = (a + b) / 2;
      if (above(mid) === above(a)) a = mid;
      else b = mid;
    }
    return Math.round((a + b) / 2);
  };
  const half = DAY_MS / 2;
  const out: SunTimes = { solarNoonMs: Math.round(noon) };
  const rise = cross(noon - half, noon);
  const set = cross(noon, noon + half);
  if (rise !== undefined) out.sunriseMs = rise;
  if (set !== undefined) out.sunsetMs = set;
  return out;
}
