import type { PackageRelease } from './types.ts';
import type { Changeset } from './changesets.ts';

export interface ReleasedPackageJson {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const sections = [
  ['major', 'Major Changes'],
  ['minor', 'Minor Changes'],
  ['patch', 'Patch Changes'],
] as const;

/** A summary as a Markdown list item; further lines are indented under it, as changesets does. */
function listItem(summary: string): string {
  const [first, ...rest] = summary.trim().split('\n');
  return [`- ${first}`, ...rest.map((line) => (line.trim() === '' ? '' : `  ${line}`))].join('\n');
}

/**
 * The body of one package's changelog entry (without its heading): its changesets' summaries
 * grouped by bump type, then the released workspace packages it depends on.
 */
export function changelogBody(
  release: PackageRelease,
  changesets: Changeset[],
  pkg: ReleasedPackageJson,
  releases: PackageRelease[],
): string {
  const items: Record<'major' | 'minor' | 'patch', string[]> = { major: [], minor: [], patch: [] };
  for (const changeset of changesets) {
    const own = changeset.releases.find((entry) => entry.name === release.name);
    if (own && own.type !== 'none') items[own.type].push(listItem(changeset.summary));
  }
  const dependsOn = { ...pkg.dependencies, ...pkg.peerDependencies };
  const updated = releases.filter((other) => other.name !== release.name && other.type !== 'none' && other.name in dependsOn);
  if (updated.length > 0)
    items.patch.push(['- Updated dependencies', ...updated.map((dep) => `  - ${dep.name}@${dep.newVersion}`)].join('\n'));
  const body = sections
    .filter(([type]) => items[type].length > 0)
    .map(([type, title]) => `### ${title}\n\n${items[type].join('\n')}`)
    .join('\n\n');
  return body || '- Version bump only.';
}

/** Release notes: one section per released package. */
export function releaseNotes(bodies: { release: PackageRelease; body: string }[]): string {
  return bodies.map(({ release, body }) => `## ${release.name}@${release.newVersion}\n\n${body}\n`).join('\n');
}

/** A package's CHANGELOG.md with the new entry on top, under the `# <name>` title. */
export function prependChangelog(existing: string | undefined, name: string, version: string, body: string): string {
  const entry = `## ${version}\n\n${body}\n`;
  if (!existing || existing.trim() === '') return `# ${name}\n\n${entry}`;
  if (/^#\s/.test(existing)) {
    const end = existing.indexOf('\n');
    const title = end === -1 ? existing : existing.slice(0, end);
    const rest = end === -1 ? '' : existing.slice(end + 1).replace(/^\n+/, '');
    return `${title}\n\n${entry}${rest ? `\n${rest}` : ''}`;
  }
  return `${entry}\n${existing}`;
}
