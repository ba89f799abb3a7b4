import type { Command } from 'commander';

/**
 * `cds gateway …`. Registration imports only commander; each action loads its implementation lazily,
 * so `cds gateway --help` does not pay for aedes, SQLite or serialport.
 */

const collect = (value: string, previous: string[] = []) => [...previous, value];
const print = (line: string) => process.stdout.write(`${line}\n`);

export function registerGatewayCommand(program: Command): void {
  const gw = program
    .command('gateway')
    .description('Edge gateway: serial/MQTT/HTTP ingest, SQLite store-and-forward, local alerts, cloud sync');

  gw.command('run')
    .description('Run the gateway (SIGINT/SIGTERM stop it cleanly)')
    .option('-c, --config <file>', 'config file (default $CDS_CONFIG, else /etc/cds/gateway.yaml if present)')
    .action(async (o: { config?: string }) => {
      const { runGateway } = await import('../main.ts');
      await runGateway(o);
    });

  gw.command('init')
    .description('Write a commented config file from flags, a claim string and questions')
    .option('-o, --out <file>', 'where to write', 'gateway.yaml')
    .option('--force', 'replace an existing file')
    .option('-y, --yes', 'ask nothing: flags and defaults only')
    .option(
      '--claim <string>',
      'claim string from the cloud (cds1:…): cloud URL, token, gateway and site ids',
    )
    .option('--gateway-id <id>', 'gateway id')
    .option('--cloud-url <url>', 'cloud base URL')
    .option('--token <token>', 'gateway token')
    .option('--site-id <id>', 'cloud site id')
    .option('--serial <path[,format[,device]]>', 'a serial port to read (repeatable)', collect)
    .option('--detect-serial', 'add every port SerialPort.list() finds')
    .option('--broker-port <port>', 'embedded MQTT broker port')
    .option('--http-port <port>', 'local HTTP port')
    .option(
      '--device <device[:username[:password]]>',
      'an MQTT board login (repeatable; password generated if omitted)',
      collect,
    )
    .option('--time-zone <tz>', 'IANA time zone of the site')
    .option('--voltage <V>', 'nominal voltage, 127 or 220')
    .option('--cnpj <digits>', 'distributor CNPJ')
    .option('--subgroup <code>', 'ANEEL tariff subgroup (B1)')
    .option('--modality <name>', 'Convencional or Branca')
    .option('--supply <type>', 'monofasico, bifasico or trifasico')
    .option('--data-dir <dir>', 'gateway state folder', '/var/lib/cds-gateway')
    .action(async (o: import('./init-action.ts').InitOptions) => {
      const { initAction, terminalAsk } = await import('./init-action.ts');
      const { SerialPort } = await import('serialport');
      const tty = process.stdin.isTTY === true && !o.yes ? terminalAsk() : undefined;
      try {
        process.exitCode = await initAction(o, {
          listPorts: () => SerialPort.list(),
          ...(tty && { ask: tty.ask }),
          print,
          now: () => new Date(),
        });
      } finally {
        tty?.close();
      }
    });

  gw.command('doctor')
    .description(
      'Check config, serial ports, broker, SQLite, disk, clock and cloud; non-zero exit on failure',
    )
    .option('-c, --config <file>', 'config file')
    .option('--wait <seconds>', 'how long to wait for a valid frame on each serial port', '15')
    .action(async (o: { config?: string; wait: string }) => {
      const [{ doctorAction }, { loadGatewayConfig }] = await Promise.all([
        import('./doctor-action.ts'),
        import('../main.ts'),
      ]);
      process.exitCode = await doctorAction(
        { ...(o.config !== undefined && { config: o.config }), waitS: Number(o.wait) },
        { load: loadGatewayConfig, print },
      );
    });

  gw.command('status')
    .description('Buffer depth, last sync, devices, rejections and active alerts of the gateway')
    .option('-c, --config <file>', 'config file')
    .option('--url <url>', '/status URL of the gateway (default from the config)')
    .option('--json', 'print JSON')
    .action(async (o: { config?: string; url?: string; json?: boolean }) => {
      const [{ statusAction }, { loadGatewayConfig }] = await Promise.all([
        import('./status-action.ts'),
        import('../main.ts'),
      ]);
      process.exitCode = await statusAction(o, { load: loadGatewayConfig, print, now: Date.now });
    });

  gw.command('hash-password')
    .description('Print the scrypt hash of a board password for broker.devices[].passwordHash')
    .argument('[password]', 'the password (read from stdin when omitted)')
    .action(async (password: string | undefined) => {
      const { hashPassword } = await import('../mqtt/broker-auth.ts');
      let pw = password;
      if (pw === undefined) {
        const chunks: Buffer[] = [];
        for await (const c of process.stdin) chunks.push(c as Buffer);
        pw = Buffer.concat(chunks)
          .toString('utf8')
          .replace(/\r?\n$/, '');
      }
      print(await hashPassword(pw));
    });

  gw.command('config-reference')
    .description('Print the configuration reference (Markdown table generated from the schema)')
    .action(async () => {
      const { renderConfigReference } = await import('../config/config-docs.ts');
      print(renderConfigReference());
    });
}
