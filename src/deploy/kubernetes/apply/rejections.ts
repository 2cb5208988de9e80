import { Failure } from '../../../shared/feedback/failure.ts';
import type { ApiStatus, StatusCause } from './api-status.ts';

/** An object the API server refused to take, with its answer. */
export interface Rejection {
  /** "Deployment embark-backend in embark-dev" */
  object: string;
  status: ApiStatus;
}

/** One thing to fix: what is wrong with which field, and how to fix it. */
export interface Problem {
  object: string;
  problem: string;
  fix: string;
  /** The other field manager, for a conflict. */
  manager?: string;
}

const MANAGER = /conflict with "([^"]+)"/;

/** The problems in a rejection: one per Status cause, or the server's message when it gave none. */
export function problemsOf(rejection: Rejection): Problem[] {
  const { object, status } = rejection;
  if (status.causes.length === 0) {
    return [
      {
        object,
        problem: `HTTP ${status.code} ${status.reason ?? ''}: ${status.message ?? 'no message'}`.replace(' :', ':'),
        fix: fixForStatus(status),
      },
    ];
  }
  return status.causes.map((cause) => problemOf(object, cause));
}

function problemOf(object: string, cause: StatusCause): Problem {
  const field = cause.field ?? '(the object)';
  if (cause.reason === 'FieldManagerConflict') {
    const manager = MANAGER.exec(cause.message ?? '')?.[1] ?? 'another field manager';
    return {
      object,
      manager,
      problem: `field ${field} is managed by "${manager}"`,
      fix: `undo "${manager}"'s change to ${field}, or, if it should stay, put it in slipway.config.ts and hand the field back to Slipway (kubectl apply --server-side --force-conflicts --field-manager=slipway)`,
    };
  }
  const message = cause.message ?? 'invalid';
  const fix =
    cause.reason === 'FieldValueRequired'
      ? `set ${field}`
      : cause.reason === 'FieldValueNotSupported'
        ? `use one of the supported values for ${field}`
        : `correct ${field}`;
  return { object, problem: `${field}: ${message}`, fix };
}

function fixForStatus(status: ApiStatus): string {
  if (status.code === 404) return 'create what it refers to first (a namespace, or an API the cluster does not serve)';
  if (status.code === 403) return 'grant the deploying user permission for this object';
  return 'correct the object';
}

/**
 * Every rejection as one Failure: the cause names the object and field when there is one, each
 * problem comes with its fix, and the hint says where the objects come from.
 */
export function rejectionsFailure(rejections: Rejection[], context: { dryRun: boolean }): Failure {
  const problems = rejections.flatMap(problemsOf);
  const objects = [...new Set(problems.map((p) => p.object))];
  const specific =
    problems.length === 1
      ? `the cluster rejected ${problems[0].object}: ${problems[0].problem}`
      : `the cluster rejected ${objects.length === 1 ? objects[0] : `${objects.length} objects`} (${problems.length} problems)`;
  const conflicts = [...new Set(problems.flatMap((p) => (p.manager ? [p.manager] : [])))];
  const hint = [
    conflicts.length > 0
      ? `Fields Slipway manages were changed by ${conflicts.map((m) => `"${m}"`).join(', ')} (by hand, or another tool); Slipway does not take them over silently.`
      : 'The objects are rendered from slipway.config.ts and the release: fix the named fields there and run again.',
    context.dryRun ? 'Nothing was changed in the cluster (server-side dry run).' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return new Failure(specific, {
    details: problems.map((p) => `${p.object}: ${p.problem} (fix: ${p.fix})`),
    hint,
  });
}
