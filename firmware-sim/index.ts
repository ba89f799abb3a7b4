/**
 * The simulator's programmatic API, for the gateway's tests and the end-to-end tests:
 *
 *   const sim = createSimulation({ seed: 't1', boards: 2, startMs, telePeriodS: 10 });
 *   for (const ev of sim.events(endMs)) …                      // boot / power-loss / record, in time order
 *   renderSerial(sim, endMs)                                   // the bytes on the wire
 *   await runSimulation({ seed, boards, mqtt: { url } , durationMs: 5000, speed: 10 }, { log })
 *   const runner = new SimRunner(opts, { log }); await runner.start(); …; await runner.stop();
 */
export { handleBoardCommand } from './board-commands.ts';
export type { Board, Site } from './board-model.ts';
export { parseDurationMs, parseInstantMs } from './duration.ts';
export {
  FAULT_NAMES,
  FAULTS,
  type FaultName,
  type FaultSetting,
  type FaultSettings,
  faultTable,
  parseFaultSpec,
} from './faults.ts';
export { lampLogic } from './lamp-logic.ts';
export { type ByteSink, MemorySink } from './outputs/byte-sink.ts';
export { MqttEncoder, type MqttMessage, sensorPayload } from './outputs/mqtt-encoder.ts';
export type { MqttOutputOptions, MqttOutputStats } from './outputs/mqtt-output.ts';
export {
  encodeAicssLineWithNan,
  SerialEncoder,
  type SerialEncoderOptions,
} from './outputs/serial-encoder.ts';
export { collectEvents, collectRecords, renderSerial } from './render.ts';
export {
  runSimulation,
  type SimRunDeps,
  SimRunner,
  type SimRunOptions,
  type SimRunStats,
} from './run-sim.ts';
export type { BootEvent, PowerLossEvent, RecordEvent, SimEvent, WireFault } from './sim-events.ts';
export { toRunOptions } from './sim-options.ts';
export {
  createSimulation,
  deriveDeviceIds,
  SAO_PAULO,
  Simulation,
  type SimulationConfig,
} from './simulation.ts';
export { solarElevationDeg, sunTimes } from './solar.ts';
