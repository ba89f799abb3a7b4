import { SerialPort } from 'serialport';
import { AppError } from '../../shared/errors.ts';
import { type ByteSink, writableSink } from './byte-sink.ts';

/**
 * `--out /dev/pts/N` or `/dev/ttyUSB0`: the bytes go through the real `serialport` package, as a board's UART
 * would deliver them (115200 8N1 by default). On a pty the baud rate is nominal; bytes arrive as fast as they
 * are written. (A pty opened with `fs.createReadStream` would keep a process alive, stack.md §2.7: use
 * `serialport` on both ends.)
 */
export async function openSerialSink(path: string, baudRate = 115200): Promise<ByteSink> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((err) =>
      err
        ? reject(
            new AppError('unavailable', `cannot open serial port ${path}: ${err.message}`, { cause: err }),
          )
        : resolve(),
    ),
  );
  const sink = writableSink(port, path, false);
  return {
    name: path,
    write: (chunk) => sink.write(chunk),
    async close() {
      await new Promise<void>((resolve) => port.drain(() => resolve()));
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
