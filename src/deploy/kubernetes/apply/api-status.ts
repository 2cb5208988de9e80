/** One field-level reason the API server gives for a rejection (validation, apply conflict). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** What a failed request tells: the HTTP status and, when the server sent one, its `Status`. */
export interface ApiStatus {
  code: number;
  reason?: string;
  message?: string;
  causes: StatusCause[];
}

/**
 * The status of a failed API call: client-node throws an ApiException whose body is the
 * server's `Status`, as text or parsed, or nothing (the typed APIs drop the body of a 401).
 * Undefined when the error is not an HTTP answer at all (connection refused, TLS).
 */
export function apiStatusOf(error: unknown): ApiStatus | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, body } = error as { code?: unknown; body?: unknown };
  if (typeof code !== 'number' || code < 100 || code > 599) return undefined;
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      status = { message: body.trim() || undefined };
    }
  }
  const fields = (typeof status === 'object' && status !== null ? status : {}) as {
    reason?: unknown;
    message?: unknown;
    details?: { causes?: unknown };
  };
  return {
    code,
    reason: typeof fields.reason === 'string' ? fields.reason : undefined,
    message: typeof fields.message === 'string' ? fields.message : undefined,
    causes: Array.isArray(fields.details?.causes) ? (fields.details.causes as StatusCause[]) : [],
  };
}

/** Whether the call failed with this HTTP status. */
export function isStatus(error: unknown, code: number): boolean {
  return apiStatusOf(error)?.code === code;
}
