import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobPath, buildServiceImage, imageSbom, sbomFileName, serializeSbom, type BuiltImage, type ImagePackage } from './index.ts';
import { declaredLicense } from './image-packages.ts';
import { cycloneDxLicenses, npmPurl } from './sbom.ts';
import { createTestImageSpec } from '../../test-support/image-workspace.ts';

const subject = { name: 'backend', version: '1.4.0', digest: `sha256:${'ab'.repeat(32)}` };
const pkg = (overrides: Partial<ImagePackage> & { name: string }): ImagePackage => ({
  version: '1.0.0',
  license: 'MIT',
  path: `/app/node_modules/${overrides.name}`,
  workspace: false,
  ...overrides,
});

describe('declaredLicense', () => {
  it('reads the license field, the legacy object and the legacy array, else NOASSERTION', () => {
    expect(declaredLicense({ license: 'Apache-2.0' })).toBe('Apache-2.0');
    expect(declaredLicense({ license: '(MIT OR Apache-2.0)' })).toBe('(MIT OR Apache-2.0)');
    expect(declaredLicense({ license: { type: 'ISC', url: 'https://opensource.org/licenses/ISC' } })).toBe('ISC');
    expect(declaredLicense({ licenses: [{ type: 'MIT', url: 'https://example.com/mit' }] })).toBe('MIT');
    expect(declaredLicense({ licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] })).toBe('(MIT OR Apache-2.0)');
    expect(declaredLicense({ licenses: ['BSD-3-Clause'] })).toBe('BSD-3-Clause');
    expect(declaredLicense({})).toBe('NOASSERTION');
    expect(declaredLicense({ license: '  ', licenses: [] })).toBe('NOASSERTION');
    expect(declaredLicense({ license: 42, licenses: [{ url: 'https://example.com' }] })).toBe('NOASSERTION');
  });
});

describe('cycloneDxLicenses', () => {
  it('writes SPDX ids as license.id, expressions as expression, anything else as license.name', () => {
    expect(cycloneDxLicenses('MIT')).toEqual([{ license: { id: 'MIT' } }]);
    expect(cycloneDxLicenses('apache-2.0')).toEqual([{ license: { id: 'Apache-2.0' } }]);
    expect(cycloneDxLicenses('(MIT OR Apache-2.0)')).toEqual([{ expression: '(MIT OR Apache-2.0)' }]);
    expect(cycloneDxLicenses('GPL-2.0-only WITH Classpath-exception-2.0')).toEqual([
      { expression: 'GPL-2.0-only WITH Classpath-exception-2.0' },
    ]);
    expect(cycloneDxLicenses('SEE LICENSE IN LICENSE.md')).toEqual([{ license: { name: 'SEE LICENSE IN LICENSE.md' } }]);
    expect(cycloneDxLicenses('UNLICENSED')).toEqual([{ license: { name: 'UNLICENSED' } }]);
    expect(cycloneDxLicenses('NOASSERTION')).toBeUndefined();
  });
});

describe('npmPurl', () => {
  it('encodes the scope and the version as purl-spec requires', () => {
    expect(npmPurl('left-pad', '1.3.0')).toBe('pkg:npm/left-pad@1.3.0');
    expect(npmPurl('@embark/shared', '1.0.0')).toBe('pkg:npm/%40embark/shared@1.0.0');
    expect(npmPurl('JSONStream', '1.0.0-rc.1+build.5')).toBe('pkg:npm/jsonstream@1.0.0-rc.1%2Bbuild.5');
    expect(npmPurl('@embark/internal')).toBe('pkg:npm/%40embark/internal');
  });
});

describe('imageSbom', () => {
  const packages: ImagePackage[] = [
    pkg({ name: 'ms', version: '2.1.3', license: 'MIT' }),
    pkg({ name: '@embark/shared', version: '1.0.0', license: 'NOASSERTION', workspace: true }),
    pkg({ name: '@embark/backend', version: '1.4.0', license: '(MIT OR Apache-2.0)', path: '/app', workspace: true }),
    pkg({
      name: 'pad-core',
      version: '2.0.0',
      license: 'SEE LICENSE IN LICENSE',
      path: '/app/node_modules/left-pad/node_modules/pad-core',
    }),
  ];

  it('describes the image and lists every package as a sorted library component', () => {
    const bom = imageSbom(subject, packages);
    expect(bom).toMatchObject({
      $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
    });
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(bom.metadata.component).toEqual({
      type: 'container',
      'bom-ref': `pkg:oci/backend@sha256%3A${'ab'.repeat(32)}?tag=1.4.0`,
      name: 'backend',
      version: '1.4.0',
      purl: `pkg:oci/backend@sha256%3A${'ab'.repeat(32)}?tag=1.4.0`,
    });
    expect(bom.metadata.properties).toEqual([{ name: 'cdx:reproducible', value: 'true' }]);
    expect(bom.components).toEqual([
      {
        type: 'library',
        'bom-ref': 'pkg:npm/%40embark/backend@1.4.0',
        group: '@embark',
        name: 'backend',
        version: '1.4.0',
        licenses: [{ expression: '(MIT OR Apache-2.0)' }],
        purl: 'pkg:npm/%40embark/backend@1.4.0',
        evidence: { occurrences: [{ location: '/app' }] },
        properties: [{ name: 'slipway:workspace', value: 'true' }],
      },
      {
        type: 'library',
        'bom-ref': 'pkg:npm/%40embark/shared@1.0.0',
        group: '@embark',
        name: 'shared',
        version: '1.0.0',
        purl: 'pkg:npm/%40embark/shared@1.0.0',
        evidence: { occurrences: [{ location: '/app/node_modules/@embark/shared' }] },
        properties: [{ name: 'slipway:workspace', value: 'true' }],
      },
      {
        type: 'library',
        'bom-ref': 'pkg:npm/ms@2.1.3',
        name: 'ms',
        version: '2.1.3',
        licenses: [{ license: { id: 'MIT' } }],
        purl: 'pkg:npm/ms@2.1.3',
        evidence: { occurrences: [{ location: '/app/node_modules/ms' }] },
      },
      {
        type: 'library',
        'bom-ref': 'pkg:npm/pad-core@2.0.0',
        name: 'pad-core',
        version: '2.0.0',
        licenses: [{ license: { name: 'SEE LICENSE IN LICENSE' } }],
        purl: 'pkg:npm/pad-core@2.0.0',
        evidence: { occurrences: [{ location: '/app/node_modules/left-pad/node_modules/pad-core' }] },
      },
    ]);
  });

  it('lists one component per name@version with every path it is installed at', () => {
    const bom = imageSbom(subject, [
      pkg({ name: 'ms', version: '2.1.3', path: '/app/node_modules/b/node_modules/ms' }),
      pkg({ name: 'ms', version: '2.1.3', path: '/app/node_modules/a/node_modules/ms' }),
      pkg({ name: 'ms', version: '2.0.0', path: '/app/node_modules/ms' }),
    ]);
    expect(bom.components.map((c) => [c.purl, c.evidence?.occurrences.map((o) => o.location)])).toEqual([
      ['pkg:npm/ms@2.0.0', ['/app/node_modules/ms']],
      ['pkg:npm/ms@2.1.3', ['/app/node_modules/a/node_modules/ms', '/app/node_modules/b/node_modules/ms']],
    ]);
  });

  it('omits the version of a package that declares none', () => {
    const [component] = imageSbom(subject, [
      { name: '@embark/internal', license: 'MIT', path: '/app/node_modules/@embark/internal', workspace: true },
    ]).components;
    expect(component).not.toHaveProperty('version');
    expect(component.purl).toBe('pkg:npm/%40embark/internal');
  });

  it('gives byte-identical output for the same inputs in any order, and a new serial number when they change', () => {
    const first = serializeSbom(imageSbom(subject, packages));
    const second = serializeSbom(imageSbom({ ...subject }, [...packages].reverse()));
    expect(second).toBe(first);
    expect(first.endsWith('}\n')).toBe(true);

    const bumped = imageSbom(
      subject,
      packages.map((p) => (p.name === 'ms' ? { ...p, version: '2.1.4' } : p)),
    );
    const rebuilt = imageSbom({ ...subject, digest: `sha256:${'cd'.repeat(32)}` }, packages);
    const serials = new Set([JSON.parse(first).serialNumber, bumped.serialNumber, rebuilt.serialNumber]);
    expect(serials.size).toBe(3);
  });

  it('names the file beside the release manifest', () => {
    expect(sbomFileName('backend')).toBe('sbom-backend.cdx.json');
  });
});

/** Directories of the npm packages in a layer: the parents of package.json right under node_modules. */
async function packageDirsInLayer(layoutDir: string, digest: string): Promise<string[]> {
  const dirs: string[] = [];
  const extract = tar.extract();
  const reading = (async () => {
    for await (const entry of extract) {
      const dir = posix.dirname(entry.header.name);
      if (posix.basename(entry.header.name) === 'package.json' && /node_modules\/(@[^/]+\/)?[^/]+$/.test(dir)) dirs.push(`/${dir}`);
      entry.resume();
    }
  })();
  await Promise.all([pipeline(createReadStream(blobPath(layoutDir, digest)), createGunzip(), extract), reading]);
  return dirs.sort();
}

describe('imageSbom of a built image', () => {
  let dir: string;
  let image: BuiltImage;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-sbom-'));
    const spec = await createTestImageSpec(dir);
    // Each form a package.json may declare its license in.
    const declare = async (path: string, fields: object) => {
      const file = join(spec.workspaceRoot, path, 'package.json');
      await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), ...fields }));
    };
    await declare('packages/backend', { license: 'UNLICENSED' });
    await declare('packages/shared', { license: 'MIT' });
    await declare('node_modules/left-pad', { license: 'WTFPL' });
    await declare('node_modules/ms', { licenses: [{ type: 'MIT', url: 'https://example.com/mit' }] });
    image = await buildServiceImage(spec);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists exactly the packages of the dependency layer plus the service, and no devDependencies', async () => {
    const bom = imageSbom({ ...subject, digest: image.manifestDigest }, image.packages);
    const locations = bom.components.flatMap((component) => component.evidence!.occurrences.map((o) => o.location)).sort();
    expect(locations).toEqual(['/app', ...(await packageDirsInLayer(image.layoutDir, image.layers[1].digest))].sort());

    expect(bom.components.map((c) => ({ purl: c.purl, licenses: c.licenses, workspace: c.properties !== undefined }))).toEqual([
      { purl: 'pkg:npm/%40embark/backend@1.4.0', licenses: [{ license: { name: 'UNLICENSED' } }], workspace: true },
      { purl: 'pkg:npm/%40embark/shared@1.0.0', licenses: [{ license: { id: 'MIT' } }], workspace: true },
      { purl: 'pkg:npm/left-pad@1.3.0', licenses: [{ license: { id: 'WTFPL' } }], workspace: false },
      { purl: 'pkg:npm/ms@2.1.3', licenses: [{ license: { id: 'MIT' } }], workspace: false },
      { purl: 'pkg:npm/pad-core@2.0.0', licenses: undefined, workspace: false },
    ]);
    expect(serializeSbom(bom)).not.toContain('dev-only');
    expect(bom.metadata.component.purl).toBe(`pkg:oci/backend@${encodeURIComponent(image.manifestDigest)}?tag=1.4.0`);
  });

  it('carries the packages on the built image, each with its path inside the image', () => {
    expect(image.packages.find((p) => p.name === 'pad-core')).toEqual({
      name: 'pad-core',
      version: '2.0.0',
      license: 'NOASSERTION',
      path: '/app/node_modules/left-pad/node_modules/pad-core',
      workspace: false,
    });
    expect(image.packages.find((p) => p.name === 'ms')).toMatchObject({ license: 'MIT', path: '/app/node_modules/ms', workspace: false });
  });
});
