import { AppError } from '../../shared/errors.ts';
import type { GatewayConfig } from '../config/config-schema.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import {
  type CheckResult,
  checkBroker,
  checkClock,
  checkCloudReachable,
  checkCloudToken,
  checkDisk,
  checkHttpPort,
  checkSerialPort,
  checkSqlite,
  fetchStatus,
  statusUrl,
} from './doctor-checks.ts';

/**
 * `cds gateway doctor`: a pass/fail checklist an installer can read on site. Exit status 0 only when no
 * check failed (a skipped check, e.g. no cloud configured, is not a failure).
 */

export interface DoctorOptions {
  config?: string;
  /** How long to wait for a valid frame on each serial port, s. */
  waitS: number;
}

export interface DoctorDeps {
  load: (flag: string | undefined) => Promise<LoadedConfig>;
  print: (line: string) => void;
}

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

export async function doctorAction(opts: DoctorOptions, deps: DoctorDeps): Promise<number> {
  const { print } = deps;
  const results: CheckResult[] = [];
  const report = (r: CheckResult) => {
    results.push(r);
    print(`  ${MARK[r.status]}  ${r.name.padEnd(28)} ${r.detail}`);
  };
  print('cds gateway doctor');

  let config: GatewayConfig;
  try {
    const loaded = await deps.load(opts.config);
    config = loaded.config;
    const parts = [
      `gateway ${config.gatewayId}`,
      `${config.serial.ports.length} serial port(s)`,
      config.broker.enabled
        ? `broker :${config.broker.port} with ${config.broker.devices.length} login(s)`
        : 'no broker',
      config.http.enabled ? `http :${config.http.port}` : 'no http',
    ];
    report({
      status: 'pass',
      name: 'configuration',
      detail: `${loaded.file ?? '(defaults)'} valid: ${parts.join(', ')}`,
    });
    for (const w of loaded.warnings) print(`        note: ${w}`);
  } catch (err) {
    const lines =
      err instanceof AppError && Array.isArray(err.details) ? (err.details as string[]) : [String(err)];
    report({ status: 'fail', name: 'configuration', detail: `${lines.length} problem(s)` });
    for (const l of lines) print(`        ${l}`);
    print('Fix the configuration first; the other checks need it.');
    return 1;
  }

  const url = statusUrl(config);
  const status = await fetchStatus(url);
  if (status && url)
    print(
      `        the gateway is running (${status.softwareVersion}, up ${Math.round((status.now - status.startedAt) / 1000)} s); asking it`,
    );
  else print('        the gateway is not running; checking the parts directly');
  const running = status && url ? { url, status } : undefined;

  for (const port of config.serial.ports) report(await checkSerialPort(port, running, opts.waitS));
  if (config.serial.ports.length === 0)
    report({ status: 'skip', name: 'serial', detail: 'no serial ports configured' });
  report(await checkBroker(config, running !== undefined));
  report(await checkHttpPort(config, running !== undefined));
  report(await checkSqlite(config, running !== undefined));
  report(await checkDisk(config));
  const cloud = await checkCloudReachable(config);
  report(await checkClock(cloud.date));
  report(cloud.result);
  report(
    cloud.result.status === 'fail'
      ? { status: 'skip', name: 'cloud token', detail: 'cloud unreachable' }
      : await checkCloudToken(config),
  );

  const failed = results.filter((r) => r.status === 'fail').length;
  const passed = results.filter((r) => r.status === 'pass').length;
  const skipped = results.length - failed - passed;
  print(
    failed === 0
      ? `All ${passed} checks passed${skipped ? ` (${skipped} skipped)` : ''}.`
      : `${failed} of ${results.length} checks FAILED.`,
  );
  return failed === 0 ? 0 : 1;
}
