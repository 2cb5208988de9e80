import { describe, expect, it } from 'vitest';
import { compareReleases, compareVersions, isNewer } from './order.ts';

const release = (tag: string, createdAt: string, version = tag.slice(1)) => ({ tag, version, createdAt });

describe('compareVersions', () => {
  it('orders semver parts numerically, prereleases before their release', () => {
    const sorted = ['1.10.0', '1.2.0', '1.2.0-rc.10', '1.2.0-rc.2', '1.2.0-alpha', '0.9.9', '1.2.0-rc.2+build.7'].sort(compareVersions);
    expect(sorted).toEqual(['0.9.9', '1.2.0-alpha', '1.2.0-rc.2', '1.2.0-rc.2+build.7', '1.2.0-rc.10', '1.2.0', '1.10.0']);
  });

  it('orders CalVer YY.MM.N and treats missing parts as zero', () => {
    expect(['26.11.10', '26.2.1', '25.12.3', '26.11.2'].sort(compareVersions)).toEqual(['25.12.3', '26.2.1', '26.11.2', '26.11.10']);
    expect(compareVersions('1.2', '1.2.0')).toBe(0);
    expect(compareVersions('v2.0.0', '1.9.0')).toBe(1);
  });

  it('ranks numeric prerelease identifiers before words and shorter lists first', () => {
    expect(compareVersions('1.0.0-1', '1.0.0-alpha')).toBe(-1);
    expect(compareVersions('1.0.0-alpha', '1.0.0-alpha.1')).toBe(-1);
  });
});

describe('compareReleases', () => {
  it('puts the later creation first, whatever the version says', () => {
    const hotfix = release('v1.1.1', '2026-03-02T10:00:00Z');
    const feature = release('v1.2.0', '2026-03-01T10:00:00Z');
    expect(isNewer(hotfix, feature)).toBe(true);
    expect(isNewer(feature, hotfix)).toBe(false);
  });

  it('breaks a creation-time tie by version, then by tag, so two releases are never equal', () => {
    const at = '2026-03-01T10:00:00.000Z';
    expect(isNewer(release('v1.10.0', at), release('v1.9.0', at))).toBe(true);
    expect(compareReleases(release('a-1.0.0', at, '1.0.0'), release('b-1.0.0', at, '1.0.0'))).toBe(-1);
    expect(compareReleases(release('v1.0.0', at), release('v1.0.0', at))).toBe(0);
  });
});
