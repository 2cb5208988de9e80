/**
 * The one glob matcher of workspace paths and package names. A pattern is a path ("dist",
 * "coverage/", "./reports") or a glob with `*`, `?` and `**` ("*.tsbuildinfo", "dist/**",
 * "**\/*.test.*"); as a path it covers everything under it.
 */

/** Where builds usually write, declared or not (tsc's outDir, bundlers' output directories). */
export const conventionalOutputDirs = ['dist', 'build', 'lib', 'out'];

/** Which files are declared outputs of a package (and so not inputs of its hash): any pattern matching. */
export function outputMatcher(patterns: string[]): (relPath: string) => boolean {
  const regexps = patterns.map((pattern) => globToRegExp(pattern));
  return (relPath) => regexps.some((regexp) => regexp.test(relPath));
}

/**
 * Which files are a task's inputs, as Turborepo's `inputs` say it: patterns in order, a `!` one
 * taking out what the ones before it put in, the last matching pattern deciding; a file no pattern
 * matches is not an input. `["**", "!**\/*.test.*"]` is every file but tests.
 */
export function inputMatcher(patterns: string[]): (relPath: string) => boolean {
  const rules = patterns.map((pattern) =>
    pattern.startsWith('!') ? { include: false, regexp: globToRegExp(pattern.slice(1)) } : { include: true, regexp: globToRegExp(pattern) },
  );
  return (relPath) => {
    let included = false;
    for (const rule of rules) if (rule.include !== included && rule.regexp.test(relPath)) included = rule.include;
    return included;
  };
}

/** Whether a package name matches a name or a glob of names ("docs", "@scope/*"): whole names only. */
export function nameMatcher(pattern: string): (name: string) => boolean {
  const regexp = globToRegExp(pattern, { coversUnder: false });
  return (name) => regexp.test(name);
}

function globToRegExp(pattern: string, { coversUnder = true } = {}): RegExp {
  // A trailing "**" adds nothing: everything under a matched directory is covered anyway.
  const segments = pattern.replace(/^\.\//, '').replace(/\/+$/, '').split('/');
  while (coversUnder && segments.length > 1 && segments.at(-1) === '**') segments.pop();
  let body = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') body += last ? '.*' : '(?:.*/)?';
    else body += segmentToRegExp(segment) + (last ? '' : '/');
  });
  return new RegExp(`^${body}${coversUnder ? '(?:/.*)?' : ''}$`);
}

function segmentToRegExp(segment: string): string {
  let out = '';
  for (const char of segment) {
    if (char === '*') out += '[^/]*';
    else if (char === '?') out += '[^/]';
    else out += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}
