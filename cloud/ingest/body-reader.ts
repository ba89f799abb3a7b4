import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AppError } from '../../shared/errors.ts';

export interface BodyLimits {
  /** Largest body on the wire when it is gzip-compressed. */
  maxWireBytes: number;
  /** Largest body after decompression (and largest uncompressed body). */
  maxBodyBytes: number;
}

function tooLarge(what: string, limit: number): AppError {
  return new AppError('payload_too_large', `${what} exceeds ${limit} bytes`, { details: { limit } });
}

/**
 * Reads a request body that may be gzip-compressed, never holding more than the limits allow: wire bytes
 * are counted as they arrive, and inflated bytes as the inflater produces them, so a gzip bomb (1 GB of zeros
 * in 1 MB) is cut off after `maxBodyBytes` of output with 413 instead of exhausting memory.
 *
 * On failure the request is not destroyed: it is left flowing so Node discards the rest and the client gets
 * the 413 answer instead of a reset connection.
 */
export function readLimitedBody(
  req: Readable,
  headers: IncomingHttpHeaders,
  limits: BodyLimits,
): Promise<Buffer> {
  const encoding = String(headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  if (!gzip && encoding !== 'identity' && encoding !== '') {
    return Promise.reject(
      new AppError(
        'unsupported_encoding',
        `Content-Encoding ${encoding} is not supported (use gzip or none)`,
      ),
    );
  }
  const wireLimit = gzip ? limits.maxWireBytes : limits.maxBodyBytes;
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > wireLimit) {
    req.resume();
    return Promise.reject(tooLarge(gzip ? 'compressed body' : 'body', wireLimit));
  }

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wire = 0;
    let size = 0;
    let settled = false;
    let ended = false;
    const inflater = gzip ? createGunzip() : undefined;

    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      req.removeListener('close', onClose);
      if (err) {
        inflater?.destroy();
        req.resume();
        reject(err);
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    };
    const collect = (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limits.maxBodyBytes) return finish(tooLarge('decompressed body', limits.maxBodyBytes));
      chunks.push(chunk);
    };
    const onData = (chunk: Buffer) => {
      wire += chunk.length;
      if (wire > wireLimit) return finish(tooLarge(gzip ? 'compressed body' : 'body', wireLimit));
      if (inflater) inflater.write(chunk);
      else collect(chunk);
    };
    const onEnd = () => {
      ended = true;
      if (inflater) inflater.end();
      else finish();
    };
    const onError = (err: Error) =>
      finish(new AppError('bad_request', `reading the body failed: ${err.message}`));
    // 'close' also follows a complete body ('end'); only before it does it mean the client went away.
    const onClose = () => {
      if (!ended) finish(new AppError('bad_request', 'the client closed the connection mid-body'));
    };

    if (inflater) {
      inflater.on('data', collect);
      inflater.on('end', () => finish());
      inflater.on('error', (err) =>
        finish(new AppError('bad_request', `the body is not valid gzip: ${err.message}`)),
      );
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
