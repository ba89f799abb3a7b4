import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode, isAppError } from '../shared/errors.ts';
import type { ApiErrorBody } from '../shared/schemas/sync.ts';
import type { CloudApp } from './app.ts';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_encoding',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_encoding',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * Turns anything thrown into an AppError: our own pass through, zod request validation becomes
 * `validation_failed` with one `where.path: message` line per issue, Fastify's body/parse errors map to
 * stable codes, and everything else is an `internal` error whose message never leaves the server.
 */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'request';
    const details = err.validation.map((v) => {
      const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return `${where}${path ? `.${path}` : ''}: ${v.message}`;
    });
    return new AppError('validation_failed', `invalid ${where}: ${details.join('; ')}`, {
      details,
      cause: err,
    });
  }
  if (err instanceof Error && isResponseSerializationError(err as never) && 'method' in err) {
    return new AppError('internal', 'response did not match its schema', { cause: err });
  }
  const fe = err as Partial<FastifyError>;
  if (fe && typeof fe === 'object' && typeof fe.code === 'string' && FASTIFY_CODES[fe.code]) {
    return new AppError(FASTIFY_CODES[fe.code] as ErrorCode, fe.message ?? fe.code, { cause: err });
  }
  if (fe && typeof fe === 'object' && Array.isArray(fe.validation)) {
    return new AppError('validation_failed', fe.message ?? 'invalid request', { cause: err });
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = BY_STATUS[status] ?? 'bad_request';
    return new AppError(code, fe.message ?? code, { cause: err, status });
  }
  return new AppError('internal', 'internal error', { cause: err });
}

export function errorBody(e: AppError, status: number): ApiErrorBody {
  const shown = status < 500;
  return {
    error: {
      code: e.code,
      message: shown ? e.message : 'internal error',
      retryable: e.retryable,
      ...(shown && e.details !== undefined ? { details: e.details } : {}),
    },
  };
}

/** One error handler and one not-found handler for the whole app (ApiErrorBody, no stack traces). */
export function registerErrorHandlers(app: CloudApp): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const e = toAppError(err);
    const status = e.status ?? 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ err: { code: e.code, message: e.message } }, 'request refused');
    // Serialising the error body must not go through a route's response schema.
    return reply
      .code(status)
      .type('application/json; charset=utf-8')
      .serializer(JSON.stringify)
      .send(errorBody(e, status));
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const e = new AppError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).send(errorBody(e, 404));
  });
}
