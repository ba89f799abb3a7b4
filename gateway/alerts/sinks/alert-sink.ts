import type { AlertEvent } from '../../../shared/schemas/sync.ts';

/** Where alert changes go besides SQLite (which the sync reads). A sink never throws into the engine. */
export interface AlertSink {
  readonly name: string;
  /**
   * One alert changed. `sameRule` holds every alert of the same device and rule that is active after
   * this change (several channels or flags share one retained MQTT topic).
   */
  deliver(event: AlertEvent, sameRule: readonly AlertEvent[]): void | Promise<void>;
  stop?(): Promise<void>;
}
