import type { Command } from 'commander';
import { faultTable } from '../fault-catalog.ts';

// Registration only: the simulator itself is imported when the command runs, so `cds --help` stays fast.
export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description(
      'Simulate AICSS boards (the original "Lumion" lighting firmware plus 2-channel energy metering) on serial, stdout, a file or MQTT, with switchable field faults',
    )
    .option('-n, --boards <n>', 'number of boards', '1')
    .option(
      '--seed <text>',
      'seed of every random choice; same seed + options = same output in backfill',
      'cds',
    )
    .option('--devices <ids>', 'comma-separated device ids (default: aicss-<6 hex> derived from the seed)')
    .option('--tele-period <s>', 'seconds between records (TelePeriod); default 10, or 1 with --legacy')
    .option('--firmware <version>', 'firmware version in the boot banner and INFO1', '1.0.0')
    .option('--duration <d>', 'simulated duration: 500ms, 10s, 5m, 2h, 1d (default: until Ctrl-C)')
    .option('--from <time>', 'simulated start: ISO 8601 (2024-01-01, 2024-01-01T03:00:00Z), now, or -7d')
    .option('--to <time>', 'simulated end (exclusive); --from with --to/--duration and no --speed = backfill')
    .option('--speed <n>', 'real-time factor (60 = one simulated minute per second)')
    .option(
      '--out <target...>',
      'serial bytes to: - (stdout), /dev/pts/N or /dev/ttyUSB0 (serialport), or a file; several targets share the boards round-robin',
    )
    .option('--append', 'append to a file instead of truncating it', false)
    .option('--baud <n>', 'baud rate when --out is a serial device', '115200')
    .option(
      '--legacy',
      "print the original firmware's line `Luz: <int> | Distância: <long> cm` instead of AICSS/1",
      false,
    )
    .option('--legacy-encoding <enc>', 'bytes of the "â" in the legacy line: utf8 or latin1', 'utf8')
    .option(
      '--rom-boot-text',
      'also print the ESP32 ROM bootloader text on every boot, as a real board does',
      false,
    )
    .option('--mqtt <url>', 'publish to a broker: mqtt://host:port (Tasmota topics, QoS 1, retained LWT)')
    .option('--username <user>', 'MQTT user; {device} and {index} are replaced per board')
    .option('--password <pass>', 'MQTT password; {device} and {index} are replaced per board')
    .option('--client-id <pattern>', 'MQTT client id per board ({device}, {index})', '{device}')
    .option('--mqtt-window <n>', 'most unacknowledged QoS 1 publishes at once (flow control)', '100')
    .option('--state-period <s>', 'tele/<dev>/STATE period in s (default: TelePeriod; 0 = after boot only)')
    .option('--lat <deg>', 'site latitude (default São Paulo)', '-23.55')
    .option('--lon <deg>', 'site longitude', '-46.63')
    .option('--tz <zone>', 'site time zone (IANA)', 'America/Sao_Paulo')
    .option(
      '--faults <spec>',
      'name:rate[:duration],… per-record start probability; "all:<rate>" sets every fault (see below)',
    )
    .option('--log-level <level>', 'log level (logs go to stderr)', 'info')
    .addHelpText(
      'after',
      `
Time modes:
  real time      cds sim --boards 3 --duration 10s --out -
  accelerated    cds sim --speed 60 --duration 1h --out /dev/pts/4
  backfill       cds sim --boards 10 --from 2024-01-01 --to 2025-01-01 --tele-period 60 --out history.log
                 cds sim --from -7d --to now --mqtt mqtt://127.0.0.1:1883   (flow-controlled)

Faults (--faults crc:0.01,garbage:0.005,brownout:0.001,sag:0.01:30s):
${faultTable()}

Examples:
  cds sim --boards 3 --duration 10s --out - | python3 aicss-check.py
  cds sim --boards 50 --mqtt mqtt://127.0.0.1:1883 --duration 30s
  cds sim --legacy --legacy-encoding latin1 --out /dev/pts/5 --faults dist-timeout:0.05`,
    )
    .action(async (opts: Record<string, unknown>) => {
      const { runSimCli } = await import('./sim-action.ts');
      process.exitCode = await runSimCli(opts);
    });
}
