/**
 * CalVer `YY.MM.N` (calver.org: short year, short month, so it is also valid semver): the
 * N-th release of the month. Month and year are taken in UTC so every machine agrees.
 */
export function calverMonth(date: Date): { year: number; month: number } {
  return { year: date.getUTCFullYear() % 100, month: date.getUTCMonth() + 1 };
}

/**
 * The next `YY.MM.N` for `date`: one more than the highest N already used this month by any of
 * `existing` (package versions and git tags; a `v` prefix and a zero-padded month are accepted),
 * else 1.
 */
export function nextCalver(date: Date, existing: string[]): string {
  const { year, month } = calverMonth(date);
  let highest = 0;
  for (const version of existing) {
    const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(version.trim());
    if (!match || Number(match[1]) !== year || Number(match[2]) !== month) continue;
    highest = Math.max(highest, Number(match[3]));
  }
  return `${year}.${month}.${highest + 1}`;
}

/**
 * The next prerelease of the CalVer release `base` (`YY.MM.N`) in changesets' prerelease mode:
 * `base-<tag>.<k>`, one more than the highest k already used for it, else 0 (as changesets numbers them).
 */
export function nextCalverPrerelease(base: string, tag: string, existing: string[]): string {
  const pattern = new RegExp(`^v?${base.replaceAll('.', '\\.')}-${tag}\\.(\\d+)$`);
  let highest = -1;
  for (const version of existing) {
    const match = pattern.exec(version.trim());
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return `${base}-${tag}.${highest + 1}`;
}
