/**
 * Which files are declared outputs of a package (and so not inputs of its hash). A pattern is a
 * path relative to the package ("dist", "coverage/", "./reports") covering everything under it,
 * or a glob with `*`, `?` and `**` ("*.tsbuildinfo", "dist/**").
 */
export function outputMatcher(patterns: string[]): (relPath: string) => boolean {
  const regexps = patterns.map(patternToRegExp);
  return (relPath) => regexps.some((regexp) => regexp.test(relPath));
}

function patternToRegExp(pattern: string): RegExp {
  // A trailing "**" adds nothing: everything under a matched directory is covered anyway.
  const segments = pattern.replace(/^\.\//, '').replace(/\/+$/, '').split('/');
  while (segments.length > 1 && segments.at(-1) === '**') segments.pop();
  let body = '';
  segments.forEach((segment, i) => {
    if (segment === '**') body += '(?:.*/)?';
    else body += segmentToRegExp(segment) + (i < segments.length - 1 ? '/' : '');
  });
  return new RegExp(`^${body}(?:/.*)?$`);
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
