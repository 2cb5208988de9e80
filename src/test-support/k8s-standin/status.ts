/** One field-level reason in a Status, as the API server reports validation and apply conflicts. */
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

/** A failed request: serialised as a `Status` object with the same code, reason and details a real API server sends. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] },
  ) {
    super(message);
  }

  toStatus(): object {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `deployments.apps "web" not found` */
export function notFound(plural: string, group: string, name: string): ApiError {
  const qualified = group ? `${plural}.${group}` : plural;
  return new ApiError(404, 'NotFound', `${qualified} "${name}" not found`, { name, group: group || undefined, kind: plural });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** The Status a successful delete of an object returns. */
export function successStatus(plural: string, group: string, name: string, uid: string): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, group: group || undefined, kind: plural, uid },
  };
}
