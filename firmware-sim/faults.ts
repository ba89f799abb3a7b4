import { AppError } from '../shared/errors.ts';
import { parseDurationMs } from './duration.ts';
import { FAULT_NAMES, FAULTS, type FaultDef, type FaultName } from './fault-catalog.ts';

export {
  FAULT_NAMES,
  FAULTS,
  type FaultDef,
  type FaultKind,
  type FaultName,
  faultTable,
} from './fault-catalog.ts';

/** `--faults crc:0.01,brownout:0.001,sag:0.01:30s` — `name:rate[:duration]`; see fault-catalog.ts. */

const BY_NAME = new Map<string, FaultDef>(FAULTS.map((f) => [f.name, f]));

export function faultDef(name: FaultName): FaultDef {
  return BY_NAME.get(name)!;
}

export interface FaultSetting {
  rate: number;
  /** Fixed episode length instead of the catalogue's range. */
  durationMs?: number;
}

export type FaultSettings = Partial<Record<FaultName, FaultSetting>>;

/** `crc:0.01,sag:0.02:30s,all:0.001` → settings. `all` sets every fault; later entries override earlier. */
export function parseFaultSpec(spec: string | undefined): FaultSettings {
  const out: FaultSettings = {};
  if (!spec || spec.trim() === '' || spec.trim() === 'none') return out;
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [name, rateText, durText, ...rest] = item.split(':');
    if (rest.length > 0 || name === undefined || rateText === undefined)
      throw new AppError('config_invalid', `--faults: "${item}" is not name:rate[:duration]`);
    const rate = Number(rateText);
    if (!Number.isFinite(rate) || rate < 0 || rate > 1)
      throw new AppError(
        'config_invalid',
        `--faults: rate of "${name}" must be a number in 0…1, got "${rateText}"`,
      );
    const setting: FaultSetting = { rate };
    if (durText !== undefined) setting.durationMs = parseDurationMs(durText, `--faults ${name} duration`);
    if (name === 'all') {
      for (const n of FAULT_NAMES) out[n] = { ...setting };
      continue;
    }
    if (!BY_NAME.has(name))
      throw new AppError(
        'config_invalid',
        `--faults: unknown fault "${name}"; known: ${FAULT_NAMES.join(', ')}`,
      );
    out[name as FaultName] = setting;
  }
  return out;
}
