import { describe, expect, it } from 'vitest';
import { securitySchema } from '../../config/security-schema.ts';
import type { ImagePackage } from '../image/image-packages.ts';
import {
  advisoryQuery,
  expiredExceptions,
  expiryWarning,
  fixedVersion,
  judgeImage,
  vulnerabilityFailure,
  type Advisory,
  type AdvisoryAnswer,
} from './plan.ts';

const installed = (name: string, version: string | undefined, path = `/app/node_modules/${name}`, workspace = false): ImagePackage => ({
  name,
  ...(version === undefined ? {} : { version }),
  license: 'MIT',
  path,
  workspace,
});

const advisory = (
  id: number,
  severity: Advisory['severity'],
  range: string,
  ghsa = `GHSA-aaaa-bbbb-${String(id).padStart(4, '0').slice(-4)}`,
): Advisory => ({
  id,
  url: `https://github.com/advisories/${ghsa}`,
  title: `advisory ${id}`,
  severity,
  vulnerable_versions: range,
});

const minimistCritical = advisory(1097678, 'critical', '>=1.0.0 <1.2.6', 'GHSA-xvch-5gv4-984h');
const lodashHigh = advisory(1106913, 'high', '<4.17.21', 'GHSA-35jh-r3h4-6jhm');
const lodashModerate = advisory(1108258, 'moderate', '>=4.0.0 <4.17.21', 'GHSA-29mw-wpgm-hmr9');

const answer: AdvisoryAnswer = { minimist: [minimistCritical], lodash: [lodashHigh, lodashModerate] };

const security = (input: unknown = {}) => securitySchema.parse(input);
const today = '2026-12-04';

describe('advisoryQuery', () => {
  it("asks about each registry package's installed versions once, never the monorepo's own packages or versionless ones", () => {
    const packages = [
      installed('@embark/backend', '1.4.0', '/app', true),
      installed('@embark/shared', '1.0.0', '/app/node_modules/@embark/shared', true),
      installed('minimist', '1.2.0'),
      installed('minimist', '0.0.8', '/app/node_modules/mkdirp/node_modules/minimist'),
      installed('minimist', '1.2.0', '/app/node_modules/@embark/shared/node_modules/minimist'),
      installed('lodash', '4.17.20'),
      installed('odd', undefined),
    ];
    expect(advisoryQuery(packages)).toEqual({ lodash: ['4.17.20'], minimist: ['0.0.8', '1.2.0'] });
  });
});

describe('fixedVersion', () => {
  it('is the upper bound of the range that holds the version, or past a "<=" bound', () => {
    expect(fixedVersion('>=1.0.0 <1.2.6', '1.2.0')).toBe('1.2.6');
    expect(fixedVersion('<4.17.21', '4.17.20')).toBe('4.17.21');
    expect(fixedVersion('<=2.88.2', '2.88.0')).toBe('>2.88.2');
  });

  it("takes the set the version is in, and steps past a following set that covers the first one's bound", () => {
    expect(fixedVersion('<0.2.4 || >=1.0.0 <1.2.6', '0.1.0')).toBe('0.2.4');
    expect(fixedVersion('<0.2.4 || >=1.0.0 <1.2.6', '1.1.0')).toBe('1.2.6');
    expect(fixedVersion('<1.5.0 || >=1.5.0 <1.6.2', '1.0.0')).toBe('1.6.2');
  });

  it('is none when the range has no upper bound', () => {
    expect(fixedVersion('>=0.0.0', '3.1.0')).toBeUndefined();
    expect(fixedVersion('*', '3.1.0')).toBeUndefined();
    expect(fixedVersion('>=2.0.0', '2.1.0')).toBeUndefined();
  });
});

describe('judgeImage', () => {
  const packages = [
    installed('minimist', '1.2.0'),
    installed('lodash', '4.17.20'),
    installed('@embark/shared', '1.0.0', '/app/node_modules/@embark/shared', true),
  ];

  it('blocks each advisory at or above failOn and reports those below it, with the fixed version', () => {
    const verdict = judgeImage({ packages, answer, security: security({ failOn: 'high' }), today });
    expect(verdict.blocking.map((finding) => [finding.package, finding.advisory.id, finding.fixedIn])).toEqual([
      ['lodash', 1106913, '4.17.21'],
      ['minimist', 1097678, '1.2.6'],
    ]);
    expect(verdict.reported.map((finding) => [finding.package, finding.advisory.id, finding.advisory.severity])).toEqual([
      ['lodash', 1108258, 'moderate'],
    ]);
    expect(judgeImage({ packages, answer, security: security({ failOn: 'critical' }), today }).blocking.map((f) => f.advisory.id)).toEqual([
      1097678,
    ]);
    expect(judgeImage({ packages, answer, security: security({ failOn: 'moderate' }), today }).blocking).toHaveLength(3);
    expect(judgeImage({ packages, answer, security: security({ failOn: 'low' }), today }).blocking).toHaveLength(3);
    const none = judgeImage({ packages, answer, security: security({ failOn: 'none' }), today });
    expect([none.blocking.length, none.reported.length]).toEqual([0, 3]);
  });

  it('fails on "high" by default, and never on "info"', () => {
    expect(security().failOn).toBe('high');
    const info = judgeImage({
      packages,
      answer: { minimist: [advisory(7, 'info', '<2.0.0')] },
      security: security({ failOn: 'low' }),
      today,
    });
    expect([info.blocking.length, info.reported.length]).toEqual([0, 1]);
  });

  it('skips a version that is not semver rather than stopping the scan', () => {
    const odd = [installed('minimist', 'latest'), installed('minimist', '1.2.0', '/app/node_modules/x/node_modules/minimist')];
    expect(advisoryQuery(odd)).toEqual({ minimist: ['1.2.0', 'latest'] });
    expect(judgeImage({ packages: odd, answer, security: security(), today }).blocking.map((finding) => finding.version)).toEqual([
      '1.2.0',
    ]);
  });

  it("checks each installed version against the advisory's range itself, as npm does with the bulk answer", () => {
    // The answer covers every version asked about; an image with the fixed version is not affected.
    const fixed = [installed('minimist', '1.2.6'), installed('lodash', '4.17.21')];
    expect(judgeImage({ packages: fixed, answer, security: security({ failOn: 'low' }), today })).toEqual({ blocking: [], reported: [] });
    // Prereleases of an affected line are affected.
    const prerelease = judgeImage({ packages: [installed('minimist', '1.2.6-rc.0')], answer, security: security(), today });
    expect(prerelease.blocking.map((finding) => finding.fixedIn)).toEqual(['1.2.6']);
  });

  it('lets an exception in date accept an advisory by id, GHSA id or URL, for the package it names', () => {
    const accept = (advisoryRef: unknown, pkg?: string, expires = '2026-12-04') =>
      judgeImage({
        packages,
        answer,
        security: security({
          exceptions: [{ advisory: advisoryRef, ...(pkg ? { package: pkg } : {}), reason: 'only parses our own CLI flags', expires }],
        }),
        today,
      });
    for (const reference of [
      1097678,
      '1097678',
      'GHSA-xvch-5gv4-984h',
      'ghsa-XVCH-5gv4-984h',
      'https://github.com/advisories/GHSA-xvch-5gv4-984h',
    ]) {
      const verdict = accept(reference, 'minimist');
      expect(
        verdict.blocking.map((finding) => finding.package),
        String(reference),
      ).toEqual(['lodash']);
      expect(verdict.reported.find((finding) => finding.package === 'minimist')?.accepted).toEqual({
        reason: 'only parses our own CLI flags',
        expires: '2026-12-04',
      });
    }
    // Without a package it covers the advisory wherever it applies; naming another package covers nothing.
    expect(accept('GHSA-xvch-5gv4-984h').blocking.map((finding) => finding.package)).toEqual(['lodash']);
    expect(accept('GHSA-xvch-5gv4-984h', 'lodash').blocking.map((finding) => finding.package)).toEqual(['lodash', 'minimist']);
    // Its last day is the expiry date itself; the day after, it no longer applies.
    expect(accept(1097678, 'minimist', '2026-12-03').blocking.map((finding) => finding.package)).toEqual(['lodash', 'minimist']);
  });
});

describe('expired exceptions', () => {
  it('are those whose last day is before today, each named in its warning', () => {
    const config = security({
      exceptions: [
        { advisory: 'GHSA-xvch-5gv4-984h', package: 'minimist', reason: 'trusted input only', expires: '2026-12-03' },
        { advisory: 1106913, reason: 'template strings are ours', expires: '2026-12-04' },
      ],
    });
    const expired = expiredExceptions(config, today);
    expect(expired.map((exception) => exception.advisory)).toEqual(['GHSA-xvch-5gv4-984h']);
    expect(expiryWarning(expired[0])).toBe(
      'the security exception for GHSA-xvch-5gv4-984h (minimist) expired on 2026-12-03 and no longer applies: renew it with a new date, or upgrade (its reason was: trusted input only)',
    );
  });
});

describe('vulnerabilityFailure', () => {
  it('names each image, package, version, advisory, severity and fixed version, with a hint to upgrade or accept', () => {
    const backend = judgeImage({
      packages: [installed('minimist', '1.2.0'), installed('lodash', '4.17.20')],
      answer,
      security: security(),
      today,
    });
    const frontend = judgeImage({
      packages: [installed('request', '2.88.0')],
      answer: { request: [advisory(1096727, 'high', '<=2.88.2')] },
      security: security(),
      today,
    });
    const failure = vulnerabilityFailure({ backend: backend.blocking, frontend: frontend.blocking, worker: [] }, 'high');
    expect(failure.specific).toBe('3 advisories at or above high in 3 packages of the backend, frontend images');
    expect(failure.details).toEqual([
      'backend: lodash@4.17.20: high: advisory 1106913 (1106913, https://github.com/advisories/GHSA-35jh-r3h4-6jhm); fixed in 4.17.21',
      'backend: minimist@1.2.0: critical: advisory 1097678 (1097678, https://github.com/advisories/GHSA-xvch-5gv4-984h); fixed in 1.2.6',
      'frontend: request@2.88.0: high: advisory 1096727 (1096727, https://github.com/advisories/GHSA-aaaa-bbbb-6727); fixed in >2.88.2',
    ]);
    expect(failure.hint).toContain('upgrade each package to its fixed version');
    expect(failure.hint).toContain(
      "security.exceptions: [{ advisory: 'GHSA-35jh-r3h4-6jhm', package: 'lodash', reason: '…', expires: 'YYYY-MM-DD' }]",
    );
    const single = vulnerabilityFailure({ backend: backend.blocking.slice(1) }, 'critical');
    expect(single.specific).toBe('1 advisory at or above critical in 1 package of the backend image');
    const unfixed = judgeImage({
      packages: [installed('odd', '1.0.0')],
      answer: { odd: [advisory(9, 'high', '>=0.0.0')] },
      security: security(),
      today,
    });
    expect(vulnerabilityFailure({ api: unfixed.blocking }, 'high').details).toEqual([
      'api: odd@1.0.0: high: advisory 9 (9, https://github.com/advisories/GHSA-aaaa-bbbb-0009); no fixed version',
    ]);
  });
});
