import type { CommandResult } from '../shared/protocol/mqtt-topics.ts';
import type { Board } from './board-model.ts';

/**
 * `cmnd/<device>/<Command>` handling (protocol.md §4.2): TelePeriod, LdrThreshold, DistThreshold and
 * EnergyReset, answered on `stat/<device>/RESULT` the way Tasmota answers — `{"<Command>":<value>}`, an empty
 * argument queries, unknown commands give `{"Command":"Unknown"}`, unusable arguments `{"Command":"Error"}`.
 * Names are case-insensitive, as on Tasmota.
 */

/** Tasmota clamps TelePeriod to 10–3600 s (protocol.md §2.4). */
const TELE_MIN_S = 10;
const TELE_MAX_S = 3600;

function intArg(argument: string): number | undefined {
  if (!/^-?\d+(\.\d+)?$/.test(argument)) return undefined;
  return Math.round(Number(argument));
}

export function handleBoardCommand(board: Board, command: string, argument: string): CommandResult {
  const arg = argument.trim();
  switch (command.toLowerCase()) {
    case 'teleperiod': {
      if (arg !== '') {
        const n = intArg(arg);
        if (n === undefined) return { Command: 'Error' };
        board.setTelePeriodS(Math.min(TELE_MAX_S, Math.max(TELE_MIN_S, n)));
      }
      return { TelePeriod: board.telePeriodS };
    }
    case 'ldrthreshold': {
      if (arg !== '') {
        const n = intArg(arg);
        if (n === undefined || n < 0 || n > 4095) return { Command: 'Error' };
        board.ldrThreshold = n;
      }
      return { LdrThreshold: board.ldrThreshold };
    }
    case 'distthreshold': {
      if (arg !== '') {
        const n = intArg(arg);
        if (n === undefined || n < 1 || n > 400) return { Command: 'Error' };
        board.distThresholdCm = n;
      }
      return { DistThreshold: board.distThresholdCm };
    }
    case 'energyreset': {
      // `EnergyReset` = both to 0; `EnergyReset 1500` = both to 1500 Wh; `EnergyReset 1500,4200` = per channel.
      const parts = arg === '' ? [] : arg.split(/[,\s]+/).map(intArg);
      if (parts.some((v) => v === undefined || v < 0)) return { Command: 'Error' };
      const values = [parts[0] ?? 0, parts[1] ?? parts[0] ?? 0] as number[];
      const [e1, e2] = board.energyReset(values);
      return { EnergyReset: { E1: e1!, E2: e2! } };
    }
    default:
      return { Command: 'Unknown' };
  }
}
