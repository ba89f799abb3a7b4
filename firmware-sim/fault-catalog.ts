/**
 * The fault catalogue as plain data (no imports): `cds sim --help` prints it without loading the simulator.
 * Every field fault of protocol.md §3.2, and the link/framing faults a gateway must survive, is one switch.
 *
 * Rate semantics: the probability, per record a board produces, that the fault starts. An `event` fault acts
 * on that record (or reboots the board there); an `episode` fault then lasts a random duration drawn from its
 * range (or the duration given in the spec) and affects every record inside it.
 */

export type FaultKind = 'event' | 'episode';

export interface FaultDef {
  name: string;
  kind: FaultKind;
  /** Episode length range, ms. */
  durationMs?: readonly [min: number, max: number];
  /** Which protocol.md §3.2 item(s) it reproduces, or "link" for transport faults. */
  source: string;
  /** What the output shows. */
  effect: string;
}

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;

export const FAULTS = [
  // Framing / transport (serial bytes; MQTT where a payload can show it)
  {
    name: 'crc',
    kind: 'event',
    source: 'link',
    effect:
      'one body byte changed after the CRC was computed → cs mismatch (serial only; MQTT/TCP has its own integrity)',
  },
  {
    name: 'garbage',
    kind: 'event',
    source: 'link',
    effect:
      '1–40 random bytes (binary noise, non-ASCII) before or inside a line; MQTT: a SENSOR payload of random bytes',
  },
  {
    name: 'truncate',
    kind: 'event',
    source: 'link',
    effect: 'line cut short (with or without CRLF, so it may run into the next); MQTT: JSON cut short',
  },
  {
    name: 'overlong',
    kind: 'event',
    source: 'link',
    effect: 'line padded past 256 bytes (300–700) before its CRLF; MQTT: payload past 8 KiB',
  },
  {
    name: 'encoding',
    kind: 'event',
    source: '§3.2.11',
    effect:
      'the original firmware\'s "Luz: … | Distância: … cm" line (UTF-8 "â") appears on the AICSS port; --legacy: that line in Latin-1 instead of UTF-8',
  },
  {
    name: 'duplicate',
    kind: 'event',
    source: 'link',
    effect: 'the same record sent twice (same MSG, same bytes)',
  },
  {
    name: 'reorder',
    kind: 'event',
    source: 'link',
    effect: 'a record held back and sent after the next one (out-of-order MSG)',
  },
  {
    name: 'silence',
    kind: 'episode',
    durationMs: [1 * MIN, 10 * MIN],
    source: '§3.2.8 (board offline)',
    effect: 'no output while the board keeps counting (MSG jumps over the gap)',
  },
  {
    name: 'replay',
    kind: 'episode',
    durationMs: [1 * MIN, 10 * MIN],
    source: 'link',
    effect:
      'records buffered while the link is down, then sent in a burst with st REPLAYED (0x80), t = original time',
  },
  // Resets
  {
    name: 'brownout',
    kind: 'event',
    source: '§3.2.8',
    effect:
      'power lost 1–4 s, reboot: banner, MSG 0, rst:9, uptime 0, clock unsynced 30–180 s (t:0 + CLOCK_UNSYNCED), counters restored (ENERGY_RESTORED); 30 % fall into a boot loop; MQTT: connection dropped (LWT Offline), then Online',
  },
  {
    name: 'hang',
    kind: 'episode',
    durationMs: [1 * MIN, 15 * MIN],
    source: '§3.2.8 (HomeSpan#70)',
    effect: 'board stops (no output, MSG frozen), then the task watchdog resets it: rst:6, MSG 0',
  },
  {
    name: 'nvs-loss',
    kind: 'event',
    source: '§3.2.8',
    effect: 'crash reboot (rst:4) with NVS lost: E1/E2 restart at 0, no ENERGY_RESTORED',
  },
  // Clock
  {
    name: 'unsynced',
    kind: 'episode',
    durationMs: [2 * MIN, 30 * MIN],
    source: '§3.2.7',
    effect: 'NTP lost: t:0 with CLOCK_UNSYNCED (0x01)',
  },
  {
    name: 'clock1970',
    kind: 'episode',
    durationMs: [10 * S, 5 * MIN],
    source: '§3.2.7 (Tasmota#2571, NtpClient#79)',
    effect: 'clock stuck in 1970: t = seconds since boot (1970-01-01T00:00:xx), CLOCK_UNSYNCED not set',
  },
  // Temperature / humidity
  {
    name: 'dht',
    kind: 'episode',
    durationMs: [1 * MIN, 2 * H],
    source: '§3.2.1',
    effect: 'DHT22 not answering: T1/RH1 omitted + TEMP_FAIL (0x04); MQTT: null',
  },
  {
    name: 'dht-nan',
    kind: 'episode',
    durationMs: [1 * MIN, 2 * H],
    source: '§3.2.1',
    effect:
      "firmware prints the library's NaN: T1:nan,RH1:nan (CRC valid), no flag; MQTT: bare nan tokens (invalid JSON, as hand-built JSON does)",
  },
  {
    name: 'temp-sentinel',
    kind: 'episode',
    durationMs: [1 * MIN, 2 * H],
    source: '§3.2.2',
    effect:
      'sentinels as numbers: T1 -127, 85, 300/302/304, -0.0625, or T1:0,RH1:0 (disconnected DHT), no flag',
  },
  {
    name: 'stuck',
    kind: 'episode',
    durationMs: [2 * H, 24 * H],
    source: '§3.2.3 (Tasmota#852)',
    effect: 'T1/RH1 and ldr frozen at their last values, no flag',
  },
  // Light / distance
  {
    name: 'ldr-sat',
    kind: 'episode',
    durationMs: [1 * H, 2 * D],
    source: '§3.2.4, §1.2',
    effect: 'LDR on a digital output: ldr only 0 or 4095 + LDR_SATURATED (0x08); lamps follow the rails',
  },
  {
    name: 'dist-timeout',
    kind: 'episode',
    durationMs: [10 * S, 10 * MIN],
    source: '§3.2.10, §1.2',
    effect:
      'HC-SR04 echo timeout: dist omitted + DIST_TIMEOUT (0x10), no presence; --legacy: "0 cm", read as presence as the original firmware does',
  },
  // Energy front-end
  {
    name: 'lamp-burnt',
    kind: 'episode',
    durationMs: [1 * D, 7 * D],
    source: 'consistency alert (§4.1 receiver rules)',
    effect: 'lamp commanded on (led_*:1) but P ≈ 0 on its channel',
  },
  {
    name: 'overcurrent',
    kind: 'episode',
    durationMs: [10 * S, 2 * MIN],
    source: 'alerts',
    effect: '8–16 A at PF 0.7–0.9 on one channel (a fault load), inside the CT range',
  },
  {
    name: 'ct-clip',
    kind: 'episode',
    durationMs: [1 * MIN, 10 * MIN],
    source: '§3.2.4 (Mottramlabs#2)',
    effect: 'a 6–12 A load read as ~4.7 A (ADC at the rail) + CT_CLIPPED (0x20)',
  },
  {
    name: 'noise',
    kind: 'episode',
    durationMs: [10 * MIN, 6 * H],
    source: '§3.2.5 (EmonLib#60, ESP32EnergyMonitor#14)',
    effect: 'phantom 0.13–0.5 A and a few W on a channel whose lamp is off',
  },
  {
    name: 'scale',
    kind: 'episode',
    durationMs: [1 * H, 7 * D],
    source: '§3.2.6 (EmonLib#72)',
    effect: 'wrong CT constant: I, P, VA (and the energy integrated from them) ×4 or ×3.7',
  },
  {
    name: 'sag',
    kind: 'episode',
    durationMs: [10 * S, 5 * MIN],
    source: 'PRODIST Mod. 8 (127 V: critical < 110 V)',
    effect: 'V 96–109 V; filament lamp power follows',
  },
  {
    name: 'swell',
    kind: 'episode',
    durationMs: [10 * S, 5 * MIN],
    source: 'PRODIST Mod. 8 (127 V: critical > 135 V)',
    effect: 'V 136–146 V; filament lamp power follows',
  },
  {
    name: 'v-absent',
    kind: 'episode',
    durationMs: [1 * MIN, 30 * MIN],
    source: '§4.1 V_ABSENT (emon32 a230)',
    effect: 'no AC sensed: V, F, PF omitted, P = VA at an assumed 127 V + V_ABSENT (0x02)',
  },
  {
    name: 'meter-fail',
    kind: 'episode',
    durationMs: [1 * MIN, 30 * MIN],
    source: '§3.2.1 (PZEM returns NAN)',
    effect:
      'meter front-end timeout: V, F, I*, P*, VA*, PF*, E* omitted + METER_COMM_FAIL (0x100); MQTT: null',
  },
  {
    name: 'meter-nan',
    kind: 'episode',
    durationMs: [1 * MIN, 30 * MIN],
    source: '§3.2.1 (PZEM getters return NAN)',
    effect: 'electrical fields printed as nan (CRC valid), no flag; MQTT: bare nan tokens',
  },
  // Counters
  {
    name: 'rollover',
    kind: 'event',
    source: '§3.2.9',
    effect: 'energy register wraps to 0 as a PZEM does after 9999.99 kWh (E1/E2 drop while up is large)',
  },
  {
    name: 'msg-wrap',
    kind: 'event',
    source: '§3.2.9',
    effect: 'MSG jumps to 4294967290 and wraps through 2^32 to 0 without a reboot',
  },
] as const satisfies readonly FaultDef[];

export type FaultName = (typeof FAULTS)[number]['name'];
export const FAULT_NAMES: readonly FaultName[] = FAULTS.map((f) => f.name);

/** The table printed by `cds sim --help` and kept in firmware-sim/README.md. */
export function faultTable(): string {
  const fmt = (ms: number) =>
    ms >= D ? `${ms / D}d` : ms >= H ? `${ms / H}h` : ms >= MIN ? `${ms / MIN}m` : `${ms / S}s`;
  return FAULTS.map((f) => {
    const d = 'durationMs' in f ? ` ${fmt(f.durationMs[0])}–${fmt(f.durationMs[1])}` : '';
    return `  ${f.name.padEnd(14)}${f.kind}${d} (${f.source})\n${' '.repeat(16)}${f.effect}`;
  }).join('\n');
}
