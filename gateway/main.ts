import { existsSync, readFileSync } from 'node:fs';
import { AppError } from '../shared/errors.ts';
import { createLogger, type Logger } from '../shared/log.ts';
import { CONFIG_FILE_ENV, type LoadedConfig, loadConfig } from './config/load-config.ts';
import { createGateway } from './create-gateway.ts';

/**
 * The gateway's composition root: the only module that reads the environment, opens the configured
 * serial ports (real `SerialPort`) and binds the configured network ports. `cds gateway run` calls
 * `runGateway`. SIGINT/SIGTERM stop it gracefully (inputs, drain, offline, broker, database); a required
 * part that fails at start exits non-zero so systemd restarts it; a bad config exits 78 (EX_CONFIG) with
 * every problem listed, and systemd does not loop on it (RestartPreventExitStatus in the unit).
 */

export const DEFAULT_CONFIG_FILE = '/etc/cds/gateway.yaml';
export const EXIT_CONFIG = 78;

export function softwareVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** `--config`, else `$CDS_CONFIG`, else /etc/cds/gateway.yaml when it exists, else defaults only. */
export function resolveConfigFile(flag: string | undefined): string | undefined {
  const fromEnv = process.env[CONFIG_FILE_ENV];
  if (flag) return flag;
  if (fromEnv) return fromEnv;
  return existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined;
}

/** Loads and validates the config with the process environment's `CDS_…` overrides. */
export function loadGatewayConfig(flag: string | undefined): Promise<LoadedConfig> {
  const file = resolveConfigFile(flag);
  return loadConfig({ env: process.env, ...(file !== undefined && { file }) });
}

function printConfigError(err: unknown): void {
  if (err instanceof AppError && err.code === 'config_invalid') {
    const lines = Array.isArray(err.details) ? (err.details as string[]) : [err.message];
    process.stderr.write(`cds gateway: invalid configuration\n${lines.map((l) => `  ${l}\n`).join('')}`);
  } else process.stderr.write(`cds gateway: ${err instanceof Error ? err.message : String(err)}\n`);
}

export async function runGateway(opts: { config?: string }): Promise<void> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadGatewayConfig(opts.config);
  } catch (err) {
    printConfigError(err);
    process.exit(EXIT_CONFIG);
  }
  const { config } = loaded;
  const log: Logger = createLogger({
    name: 'cds-gateway',
    level: config.logging.level,
    ...(config.logging.pretty !== undefined && { pretty: config.logging.pretty }),
  });
  for (const w of loaded.warnings) log.warn(w);
  log.info({ file: loaded.file ?? '(none: defaults and environment)' }, 'configuration loaded');

  // serialport (native binding) is loaded only when ports are configured.
  const SerialPort = config.serial.ports.length > 0 ? (await import('serialport')).SerialPort : undefined;
  const gateway = createGateway({
    log,
    config,
    clock: Date.now,
    openPort: (o) => {
      if (!SerialPort) throw new Error('serial ports are not configured');
      return new SerialPort(o);
    },
    softwareVersion: softwareVersion(),
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without a clean stop');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.fatal({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });

  try {
    await gateway.start();
  } catch (err) {
    log.fatal({ err }, 'a required part failed to start');
    process.exit(1);
  }
}
