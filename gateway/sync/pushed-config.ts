import type { Logger } from '../../shared/log.ts';
import type { CloudConfigPush } from '../../shared/schemas/sync.ts';
import type { GatewayBuffer } from '../buffer/create-buffer.ts';

const KV_CONFIG_VERSION = 'sync.configVersion';

interface PushedConfigDeps {
  buffer: Pick<GatewayBuffer, 'kv'>;
  /** Applies a config the cloud pushed; resolving records its version as applied. */
  onConfig?: (push: CloudConfigPush) => void | Promise<void>;
}

/**
 * The config the cloud pushes in its answers. The version applied last is kept in the buffer's key-value
 * table, so it survives restarts and goes out in every status report: the cloud pushes a config only to a
 * gateway that reports an older version.
 */
export class PushedConfig {
  readonly #deps: PushedConfigDeps;
  readonly #log: Logger;

  constructor(deps: PushedConfigDeps, log: Logger) {
    this.#deps = deps;
    this.#log = log;
  }

  version(): number {
    return this.#deps.buffer.kv.get<number>(KV_CONFIG_VERSION) ?? 0;
  }

  /** Applies a newer config; its version is recorded only once `onConfig` resolved. */
  async apply(push: CloudConfigPush, at: number): Promise<void> {
    if (push.version <= this.version() || !this.#deps.onConfig) return;
    try {
      await this.#deps.onConfig(push);
      this.#deps.buffer.kv.set(KV_CONFIG_VERSION, push.version, at);
      this.#log.info({ version: push.version }, 'applied config pushed by the cloud');
    } catch (err) {
      this.#log.error({ err, version: push.version }, 'could not apply the config pushed by the cloud');
    }
  }
}
