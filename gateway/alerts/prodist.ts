/**
 * Steady-state voltage bands of ANEEL PRODIST Módulo 8 (Qualidade da Energia Elétrica), section 2 /
 * Anexo 8.A, table for a nominal voltage of 220/127 V (Tabela 3 in revision 10+): the reading TL
 * (tensão de leitura) is adequate, precarious or critical by these limits, in volts.
 *
 *   nominal 127 V: adequada 117 ≤ TL ≤ 133; precária 110 ≤ TL < 117 or 133 < TL ≤ 135; crítica TL < 110 or TL > 135
 *   nominal 220 V: adequada 202 ≤ TL ≤ 231; precária 191 ≤ TL < 202 or 231 < TL ≤ 233; crítica TL < 191 or TL > 233
 *
 * PRODIST classifies 10-minute aggregated readings (DRP/DRC over 1 008 of them); the gateway alerts on the
 * instantaneous value held for a minimum duration, which is an early warning, not the regulatory index.
 */
export interface VoltageBands {
  adequate: readonly [lo: number, hi: number];
  precarious: readonly [lo: number, hi: number];
}

export const PRODIST_BANDS: Record<127 | 220, VoltageBands> = {
  127: { adequate: [117, 133], precarious: [110, 135] },
  220: { adequate: [202, 231], precarious: [191, 233] },
};

export type VoltageClass = 'adequate' | 'precarious' | 'critical';

export function classifyVoltage(v: number, nominal: 127 | 220): VoltageClass {
  const b = PRODIST_BANDS[nominal];
  if (v >= b.adequate[0] && v <= b.adequate[1]) return 'adequate';
  if (v >= b.precarious[0] && v <= b.precarious[1]) return 'precarious';
  return 'critical';
}
