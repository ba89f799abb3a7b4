/** Why a transaction attempt is thrown away and run again. */
export class RetryBatch extends Error {
  constructor(
    readonly reason: 'no_partition' | 'stored_row' | 'deadlock',
    cause: unknown,
  ) {
    super(`ingest attempt abandoned: ${reason}`, { cause });
  }
}

/** The SQLSTATE of a PostgreSQL error (`23505` unique violation, `40P01` deadlock, …). */
export function sqlState(err: unknown): string | undefined {
  return (err as { code?: unknown }).code as string | undefined;
}
