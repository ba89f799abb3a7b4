import { encodeAicssSensor } from '../../shared/protocol/mqtt-sensor.ts';
import { encodeInfo1, encodeLwt, encodeState, topicFor } from '../../shared/protocol/mqtt-topics.ts';
import { BOARD_FLAGS } from '../../shared/schemas/reading.ts';
import type { RecordEvent, SimEvent } from '../sim-events.ts';

/**
 * Simulator events → the Tasmota-style messages an AICSS board publishes (protocol.md §4.2): INFO1 after
 * boot, STATE every `statePeriodS`, SENSOR every record. The LWT is the MQTT output's business (it belongs
 * to the connection, not to an event). Payload faults: garbage, truncated or over-long SENSOR payloads and
 * bare `nan` tokens where the firmware would print a NaN.
 */

export interface MqttMessage {
  topic: string;
  payload: string | Buffer;
  retain: boolean;
}

export interface MqttEncoderOptions {
  /** STATE period, s; 0 = only with the first record after boot. Default: the board's TelePeriod. */
  statePeriodS?: number;
}

/** SENSOR keys per AICSS/1 key, for printing NaN where the firmware would (dht-nan, meter-nan). */
const NAN_KEYS: Record<string, string[]> = {
  T1: ['Temperature'],
  RH1: ['Humidity'],
  V: ['Voltage'],
  F: ['Frequency'],
  I1: ['Current'],
  P1: ['Power', 'ReactivePower'],
  VA1: ['ApparentPower'],
  PF1: ['Factor'],
  E1: ['Total'],
};

/** Over the gateway's 8 KiB SENSOR limit (MAX_SENSOR_PAYLOAD_BYTES). */
const OVERLONG_PAYLOAD_BYTES = 8192 + 512;

export function sensorPayload(ev: RecordEvent): string | Buffer {
  let json = encodeAicssSensor(ev.record, ev.sensor);
  if (ev.nanFields.length) {
    const keys = new Set(ev.nanFields.flatMap((k) => NAN_KEYS[k.replace('2', '1')] ?? []));
    for (const k of keys) {
      json = json.replace(`"${k}":null`, `"${k}":nan`).replace(`"${k}":[null,null]`, `"${k}":[nan,nan]`);
    }
  }
  for (const w of ev.wire) {
    if (w.kind === 'garbage') return w.bytes;
    if (w.kind === 'truncate') json = json.slice(0, Math.max(1, Math.floor(json.length * w.keep)));
    if (w.kind === 'overlong') json = `${json.slice(0, -1)},"Pad":"${'x'.repeat(OVERLONG_PAYLOAD_BYTES)}"}`;
  }
  return json;
}

function isoOrNull(ev: RecordEvent): string | null {
  const t = ev.record.t ?? 0;
  const synced = t > 0 && ((ev.record.st ?? 0) & BOARD_FLAGS.CLOCK_UNSYNCED) === 0;
  return synced ? new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}

export class MqttEncoder {
  readonly #statePeriodS: number | undefined;
  readonly #lastStateMs = new Map<string, number>();

  constructor(opts: MqttEncoderOptions = {}) {
    this.#statePeriodS = opts.statePeriodS;
  }

  /** `tele/<device>/LWT` as published on connect (Online) and as the Last Will (Offline). */
  lwt(device: string, online: boolean): MqttMessage {
    return { topic: topicFor('tele', device, 'LWT'), payload: encodeLwt(online), retain: true };
  }

  encode(ev: SimEvent, telePeriodS: number): MqttMessage[] {
    if (ev.type === 'boot') {
      this.#lastStateMs.delete(ev.device);
      return [
        {
          topic: topicFor('tele', ev.device, 'INFO1'),
          payload: encodeInfo1({ module: 'AICSS', version: ev.firmware, telePeriodS: ev.telePeriodS }),
          retain: false,
        },
      ];
    }
    if (ev.type !== 'record') return [];
    const out: MqttMessage[] = [];
    const period = (this.#statePeriodS ?? telePeriodS) * 1000;
    const last = this.#lastStateMs.get(ev.device);
    if (last === undefined || (period > 0 && ev.atMs - last >= period)) {
      this.#lastStateMs.set(ev.device, ev.atMs);
      out.push({
        topic: topicFor('tele', ev.device, 'STATE'),
        payload: encodeState({
          time: isoOrNull(ev),
          uptimeS: ev.record.up ?? 0,
          heapKb: ev.diag.heapKb,
          wifiRssiPct: ev.diag.wifiRssiPct,
          wifiSignalDbm: ev.diag.wifiSignalDbm,
          restartReason: ev.diag.restartReason,
        }),
        retain: false,
      });
    }
    out.push({ topic: topicFor('tele', ev.device, 'SENSOR'), payload: sensorPayload(ev), retain: false });
    return out;
  }
}
