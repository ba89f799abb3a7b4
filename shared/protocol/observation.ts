/**
 * What a decoder extracts from one message, before the gateway's normalisation: the board's own view,
 * in wire units, with nothing inferred. Every format (AICSS/1 serial, AICSS and Tasmota MQTT, emonTx,
 * the original firmware's legacy line and HTTP JSON) decodes to this; `toReading` turns it into a `Reading`.
 */
export interface ObservedChannel {
  currentA?: number;
  powerW?: number;
  apparentPowerVa?: number;
  powerFactor?: number;
  energyWh?: number;
}

export interface Observation {
  /** Sequence number as sent (AICSS `MSG`, emonTx `MSG`, MQTT `Seq`); absent when the format has none. */
  seq?: number;
  /** Board clock, Unix seconds UTC; 0 = never synced. */
  epochS?: number;
  /** Board clock as local time without a zone (Tasmota `Time`); interpreted in the source's time zone. */
  localTime?: string;
  uptimeS?: number;
  resetReason?: number;
  voltageV?: number;
  frequencyHz?: number;
  channels: ObservedChannel[];
  temperatureC?: number;
  humidityPct?: number;
  lightRaw?: number;
  distanceCm?: number;
  lampInternal?: boolean;
  lampExternal?: boolean;
  /** Board status bitmask (`st`), 0 when the format has none. */
  boardFlags: number;
  /** Fields the decoder saw as NaN/null/sentinel and left out (for the SENTINEL_DROPPED flag and logs). */
  droppedFields: string[];
  /** Device id carried in the message itself (MQTT topic, JSON field); the source config may override it. */
  device?: string;
}

export function emptyObservation(): Observation {
  return { channels: [], boardFlags: 0, droppedFields: [] };
}
