/**
 * The original firmware's control rule (protocol.md §1.2): external lamp on when dark (LDR < 2000); internal
 * lamp on when dark AND someone is present (distance < 100 cm). In the original, an HC-SR04 echo timeout reads
 * 0 cm and therefore counts as presence; AICSS/1 firmware knows the reading is missing and does not.
 */

export interface LampInputs {
  ldr: number;
  /** Undefined = echo timeout. */
  distCm: number | undefined;
  /** Original firmware behaviour for a timeout (0 cm → presence). */
  legacy: boolean;
  ldrThreshold?: number;
  distThresholdCm?: number;
}

export function lampLogic(i: LampInputs): { internal: boolean; external: boolean } {
  const dark = i.ldr < (i.ldrThreshold ?? 2000);
  const dist = i.legacy ? (i.distCm ?? 0) : i.distCm;
  const presence = dist !== undefined && dist < (i.distThresholdCm ?? 100);
  return { internal: dark && presence, external: dark };
}
