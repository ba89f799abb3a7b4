import { BOARD_FLAGS } from '../shared/schemas/reading.ts';
import type { Dht22Reading } from './dht22.ts';
import type { FaultState } from './fault-state.ts';

/**
 * T1/RH1 as the firmware reports them, with the temperature faults of protocol.md §3.2.1–3: absent with
 * TEMP_FAIL (the AICSS/1 way), the library's NaN printed as `nan`, sentinel numbers, or stuck values.
 */

/** Sentinels seen in the field (protocol.md §3.2.2): DallasTemperature, EmonLibCM, a disconnected
 * DHT. (-0.0625 is not listed: AICSS/1 prints T1 with one decimal.) */
export const TEMP_SENTINELS: ReadonlyArray<{ T1: number; RH1?: number }> = [
  { T1: -127 },
  { T1: 85 },
  { T1: 300 },
  { T1: 302 },
  { T1: 304 },
  { T1: 0, RH1: 0 },
  // greenywd/esp8266_homekit_temp#6: a NaN cast to int.
  { T1: 2146959360, RH1: 0 },
];

export interface TemperatureFields {
  T1?: number;
  RH1?: number;
  flags: number;
  nanFields: string[];
}

export function temperatureFields(input: {
  /** Undefined while the sensor is not ready after boot. */
  reading: Dht22Reading | undefined;
  faults: FaultState;
  stuck: { T1?: number; RH1?: number } | undefined;
  sentinelVariant: number | undefined;
}): TemperatureFields {
  const { reading, faults } = input;
  if (!reading || faults.active('dht')) return { flags: BOARD_FLAGS.TEMP_FAIL, nanFields: [] };
  if (faults.active('dht-nan'))
    return { T1: Number.NaN, RH1: Number.NaN, flags: 0, nanFields: ['T1', 'RH1'] };
  if (input.sentinelVariant !== undefined) {
    const s = TEMP_SENTINELS[input.sentinelVariant % TEMP_SENTINELS.length]!;
    return { T1: s.T1, ...(s.RH1 !== undefined && { RH1: s.RH1 }), flags: 0, nanFields: [] };
  }
  if (input.stuck && input.stuck.T1 !== undefined) {
    return {
      T1: input.stuck.T1,
      ...(input.stuck.RH1 !== undefined && { RH1: input.stuck.RH1 }),
      flags: 0,
      nanFields: [],
    };
  }
  return { T1: reading.temperatureC, RH1: reading.humidityPct, flags: 0, nanFields: [] };
}
