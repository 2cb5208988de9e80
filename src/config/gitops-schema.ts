import { z } from 'zod';

/**
 * A git remote as `git clone` takes it (https://, ssh://, git@host:path, file://) or a path
 * relative to the repository. Never one starting with "-": git would read it as an option.
 */
const remote = z
  .string()
  .min(1)
  .refine((value) => !value.startsWith('-'), 'a git remote must not start with "-" (git would read it as an option)')
  .refine((value) => !/\s/.test(value), 'a git remote has no spaces or line breaks');

/** "clusters/nonprod/embark": a directory inside the deploy repository, relative, never leaving it. */
const directory = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const problem = directoryProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** What is wrong with a directory inside the deploy repository: one precise reason, or undefined. */
function directoryProblem(value: string): string | undefined {
  if (value.startsWith('/')) return 'a path relative to the deploy repository, not an absolute one';
  const segments = value.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.' || segment === ''))
    return 'a relative path without "..", "." or empty segments, e.g. "clusters/nonprod/embark"';
  if (segments[0] === '.git') return 'a path outside .git';
  const bad = segments.find((segment) => !/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(segment));
  if (bad !== undefined) return `"${bad}": each segment is letters, digits, ".", "_" and "-", starting with a letter, digit or "_"`;
  return undefined;
}

/** A branch name git accepts (git check-ref-format's rules that matter here). */
const branch = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._/-]*$/, 'a branch name: letters, digits, ".", "_", "-" and "/", not starting with "-" or "."')
  .refine(
    (value) => !value.includes('..') && !value.includes('//') && !value.endsWith('/') && !value.endsWith('.lock') && !value.endsWith('.'),
    'a branch name without "..", "//", or a trailing "/", "." or ".lock"',
  );

/** A Kubernetes object name (a DNS subdomain): what an Argo CD Application is called. */
const objectName = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    'a Kubernetes name: lower-case letters, digits, "-" and ".", starting and ending alphanumeric',
  );

/** A Kubernetes namespace name (a DNS label). */
const namespaceName = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace name: lower-case letters, digits and "-", starting and ending alphanumeric');

/**
 * GitOps mode: the environment's rendered manifests are committed to a deploy repository that a
 * GitOps controller (Argo CD) applies, instead of Slipway applying them. It sits in each
 * environment as `gitops: gitopsSchema.optional()`.
 */
export const gitopsSchema = z.strictObject({
  /** The deploy repository: a git remote URL, or a path relative to the repository (e.g. a bare repository). */
  repository: remote,
  /** The environment's directory inside it; Slipway owns it and replaces it as a whole. */
  path: directory,
  /** The branch Argo CD follows. */
  branch: branch.default('main'),
  /** The Argo CD Application that syncs `path`; default "<project>-<environment>". */
  application: objectName.optional(),
  /** Where the Application object lives. */
  applicationNamespace: namespaceName.default('argocd'),
  /** How long to wait for Argo CD to report the commit synced and healthy (or, without a cluster, how long to wait at all). */
  syncTimeoutSeconds: z.number().positive().default(300),
  /** The deploy repository on GitHub ("owner/name"): a manual gate opens its pull request there. */
  reviewRepository: z
    .string()
    .regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'owner/name, e.g. "acme/embark-deploy"')
    .optional(),
});

export type GitOpsConfig = z.output<typeof gitopsSchema>;
