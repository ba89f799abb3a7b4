import { DEVICE_ID_PATTERN } from '../schemas/reading.ts';
import { type DecodeResult, printable, type RejectCode } from './decode-result.ts';
import {
  type CommandResult,
  type DeviceInfo,
  type DeviceState,
  decodeInfo1Payload,
  decodeStatePayload,
  encodeCommandArgument,
  type JsonValue,
} from './mqtt-device-messages.ts';
import { decodeSensorPayload, MAX_SENSOR_PAYLOAD_BYTES } from './mqtt-sensor.ts';

/**
 * The Tasmota-style topic tree (protocol.md §4.2): `tele/<device>/{SENSOR,LWT,STATE,INFO1}`,
 * `cmnd/<device>/<Cmd>` and `stat/<device>/RESULT`. One entry point for the gateway's MQTT source:
 * `decodeMqttMessage(topic, payload)` never throws.
 */

export {
  AICSS_COMMANDS,
  type AicssCommand,
  type CommandResult,
  type DeviceInfo,
  type DeviceState,
  encodeInfo1,
  encodeResult,
  encodeState,
} from './mqtt-device-messages.ts';
export { encodeAicssSensor } from './mqtt-sensor.ts';

export type TopicPrefix = 'tele' | 'stat' | 'cmnd';
export interface ParsedTopic {
  prefix: TopicPrefix;
  device: string;
  suffix: string;
}

const SUFFIX_RE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * `tele/aicss-a1b2c3/SENSOR` → parts; undefined for anything outside the tree (wrong depth, bad names).
 * Runs for every message: index arithmetic, two slices, no split.
 */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const a = topic.indexOf('/');
  const b = a < 0 ? -1 : topic.indexOf('/', a + 1);
  if (b < 0 || topic.indexOf('/', b + 1) >= 0) return undefined;
  const prefix =
    a === 4
      ? topic.startsWith('tele')
        ? 'tele'
        : topic.startsWith('stat')
          ? 'stat'
          : topic.startsWith('cmnd')
            ? 'cmnd'
            : undefined
      : undefined;
  if (prefix === undefined) return undefined;
  const device = topic.slice(a + 1, b);
  const suffix = topic.slice(b + 1);
  if (!DEVICE_ID_PATTERN.test(device) || !SUFFIX_RE.test(suffix)) return undefined;
  return { prefix, device, suffix };
}

export function topicFor(prefix: TopicPrefix, device: string, suffix: string): string {
  return `${prefix}/${device}/${suffix}`;
}

/** LWT payloads as Tasmota writes them; `Offline` is the MQTT Last Will, published retained. */
export function encodeLwt(online: boolean): string {
  return online ? 'Online' : 'Offline';
}

export interface EncodedCommand {
  topic: string;
  payload: string;
}

/** `cmnd/<device>/<command>` with the argument as text (no argument = query). */
export function encodeCommand(c: {
  device: string;
  command: string;
  argument?: string | number;
}): EncodedCommand {
  return { topic: topicFor('cmnd', c.device, c.command), payload: encodeCommandArgument(c.argument) };
}

export type MqttDecoded =
  | { kind: 'sensor'; device: string; result: DecodeResult }
  | { kind: 'lwt'; device: string; online: boolean }
  | { kind: 'state'; device: string; state: DeviceState }
  | { kind: 'info1'; device: string; info: DeviceInfo }
  | { kind: 'result'; device: string; result: CommandResult }
  | { kind: 'command'; device: string; command: string; argument: string }
  /** A well-formed topic of the tree that CDS has no use for (Tasmota `INFO2`, `stat/<dev>/POWER`, …). */
  | { kind: 'ignored'; device: string; topic: ParsedTopic }
  | { kind: 'rejected'; device?: string; code: RejectCode; reason: string; text: string };

const MAX_PAYLOAD_BYTES = MAX_SENSOR_PAYLOAD_BYTES;

function rejected(code: RejectCode, reason: string, payload: Buffer, device?: string): MqttDecoded {
  return {
    kind: 'rejected',
    ...(device !== undefined && { device }),
    code,
    reason,
    text: printable(payload),
  };
}

function parseJson(payload: Buffer): { ok: true; doc: JsonValue } | { ok: false; reason: string } {
  try {
    return { ok: true, doc: JSON.parse(payload.toString('utf8')) as JsonValue };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

export function decodeMqttMessage(topic: string, payload: Buffer): MqttDecoded {
  const t = parseTopic(topic);
  if (!t)
    return rejected(
      'unknown_topic',
      `topic "${printable(topic)}" is not <tele|stat|cmnd>/<device>/<name>`,
      payload,
    );
  const { device } = t;
  if (payload.length > MAX_PAYLOAD_BYTES)
    return rejected(
      'too_long',
      `payload ${payload.length} bytes, limit ${MAX_PAYLOAD_BYTES}`,
      payload,
      device,
    );

  if (t.prefix === 'cmnd')
    return { kind: 'command', device, command: t.suffix, argument: payload.toString('utf8').trim() };

  if (t.prefix === 'tele' && t.suffix === 'SENSOR') {
    const result = decodeSensorPayload(payload);
    if (result.ok && result.kind === 'observation') result.observation.device = device;
    return { kind: 'sensor', device, result };
  }
  if (t.prefix === 'tele' && t.suffix === 'LWT') {
    const text = payload.toString('utf8').trim().toLowerCase();
    if (text === 'online') return { kind: 'lwt', device, online: true };
    if (text === 'offline') return { kind: 'lwt', device, online: false };
    return rejected('bad_format', 'LWT is neither Online nor Offline', payload, device);
  }
  const known =
    (t.prefix === 'tele' && (t.suffix === 'STATE' || t.suffix === 'INFO1')) ||
    (t.prefix === 'stat' && t.suffix === 'RESULT');
  if (!known) return { kind: 'ignored', device, topic: t };

  const parsed = parseJson(payload);
  if (!parsed.ok) return rejected('bad_json', parsed.reason, payload, device);
  const doc = parsed.doc;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return rejected('bad_format', 'payload is not a JSON object', payload, device);
  if (t.suffix === 'RESULT') return { kind: 'result', device, result: doc };
  if (t.suffix === 'STATE') {
    const state = decodeStatePayload(doc);
    return state
      ? { kind: 'state', device, state }
      : rejected('bad_format', 'not a STATE object', payload, device);
  }
  const info = decodeInfo1Payload(doc);
  return info
    ? { kind: 'info1', device, info }
    : rejected('bad_format', 'not an INFO1 object', payload, device);
}
