import type { Logger } from '../../../shared/log.ts';
import type { AlertEvent } from '../../../shared/schemas/sync.ts';
import type { AlertSink } from './alert-sink.ts';

export type PublishFn = (topic: string, payload: string, opts: { retain: boolean }) => Promise<void>;

/** Topic level used for gateway-wide alerts (device ids cannot start with `_`). */
export const GATEWAY_DEVICE_LEVEL = '_gateway';

export function alertTopic(prefix: string, gatewayId: string, device: string | null, rule: string): string {
  return `${prefix}/${gatewayId}/alerts/${device ?? GATEWAY_DEVICE_LEVEL}/${rule}`;
}

/**
 * Retained state per device and rule on `cds/<gateway>/alerts/<device>/<rule>`, so a dashboard or a local
 * automation that subscribes later sees what is active now. Several alerts of one rule (channels, flags)
 * share the topic: the payload lists every active one, and `state` is `cleared` only when none is left.
 */
export class MqttAlertSink implements AlertSink {
  readonly name = 'mqtt';
  readonly #publish: PublishFn;
  readonly #prefix: string;
  readonly #gatewayId: string;
  readonly #log: Logger;

  constructor(deps: { publish: PublishFn; gatewayId: string; topicPrefix: string; log: Logger }) {
    this.#publish = deps.publish;
    this.#prefix = deps.topicPrefix;
    this.#gatewayId = deps.gatewayId;
    this.#log = deps.log.child({ component: 'alerts-mqtt' });
  }

  async deliver(e: AlertEvent, sameRule: readonly AlertEvent[]): Promise<void> {
    const topic = alertTopic(this.#prefix, this.#gatewayId, e.device, e.rule);
    const payload = JSON.stringify({
      state: sameRule.length > 0 ? 'raised' : 'cleared',
      rule: e.rule,
      device: e.device,
      changed: e,
      active: sameRule,
    });
    try {
      await this.#publish(topic, payload, { retain: true });
    } catch (err) {
      this.#log.warn({ err, topic }, 'alert publish failed');
    }
  }
}
