import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleDir } from './demo-repo.ts';
import { faultKinds, injectFault, type FaultKind } from './faults.ts';

const created: string[] = [];

afterAll(async () => {
  await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh copy of the example's sources, as the demo makes it. */
async function copyExample(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-faults-'));
  created.push(dir);
  const skipped = new Set(['node_modules', 'dist', 'reports', 'coverage']);
  await cp(exampleDir, dir, { recursive: true, filter: (src) => !skipped.has(basename(src)) });
  return dir;
}

const read = (dir: string, file: string) => readFile(join(dir, file), 'utf8');

describe('injectFault edits', () => {
  const expectations: Record<FaultKind, { files: string[]; check: (dir: string) => Promise<void> }> = {
    unit: {
      files: ['packages/shared/src/index.test.ts'],
      check: async (dir) => expect(await read(dir, 'packages/shared/src/index.test.ts')).toContain(`'Launch Checklist');`),
    },
    coverage: {
      files: ['packages/shared/src/index.ts'],
      check: async (dir) => expect(await read(dir, 'packages/shared/src/index.ts')).toContain('export function notesDigest('),
    },
    browser: {
      files: ['packages/frontend/src/app.ts'],
      check: async (dir) => {
        const script = await read(dir, 'packages/frontend/src/app.ts');
        expect(script).toContain(`fetch('/api/status')`);
        expect(script).not.toContain(`fetch('/api/health')`);
      },
    },
    image: {
      files: ['slipway.config.ts'],
      check: async (dir) =>
        expect(await read(dir, 'slipway.config.ts')).toMatch(
          /'@embark\/backend',\n\s+port: 7007,\n\s+command: \['node', 'dist\/main\.js'\]/,
        ),
    },
    push: { files: [], check: async () => {} },
    integration: {
      files: ['packages/backend/src/database.ts'],
      check: async (dir) => expect(await read(dir, 'packages/backend/src/database.ts')).toContain('INSERT INTO notes (id, titel,'),
    },
    manifest: {
      files: ['slipway.config.ts'],
      check: async (dir) =>
        expect(await read(dir, 'slipway.config.ts')).toContain(`routes: ['/api'],\n      resources: { memory: 'lots' },`),
    },
    deploy: {
      files: ['packages/backend/src/database.ts'],
      check: async (dir) => expect(await read(dir, 'packages/backend/src/database.ts')).toContain(`'SELECT 1 FROM notes_archive LIMIT 1'`),
    },
    smoke: {
      files: ['packages/frontend/public/index.html'],
      check: async (dir) => {
        const page = await read(dir, 'packages/frontend/public/index.html');
        expect(page).not.toContain('Embark');
        expect(page).toContain('<h1>Notes</h1>');
        expect(page).toContain('id="status"');
      },
    },
  };

  it.each(faultKinds)('%s: edits the named files and describes the fault', async (kind) => {
    const dir = await copyExample();
    const result = await injectFault(dir, kind);
    expect(result.files).toEqual(expectations[kind].files);
    expect(result.description.length).toBeGreaterThan(20);
    await expectations[kind].check(dir);
  });

  it('push changes no file', async () => {
    const dir = await copyExample();
    const before = await read(dir, 'slipway.config.ts');
    expect(await injectFault(dir, 'push')).toEqual({
      description: 'no change to the code: the demo registry refuses every push',
      files: [],
    });
    expect(await read(dir, 'slipway.config.ts')).toBe(before);
  });

  it('fails loudly, naming the file and anchor, when the example no longer has the anchor', async () => {
    const dir = await copyExample();
    await injectFault(dir, 'integration');
    await expect(injectFault(dir, 'integration')).rejects.toThrow(
      'fault "integration": expected "INSERT INTO notes (id, title, document_key, created_at)" once in packages/backend/src/database.ts, found it 0 times; update src/demo/faults.ts to match the example',
    );
  });

  it('writes nothing when only some anchors are found', async () => {
    const dir = await copyExample();
    const page = 'packages/frontend/public/index.html';
    await writeFile(join(dir, page), (await read(dir, page)).replace('<h1>Embark</h1>', '<h1>Embark notes</h1>'));
    const before = await read(dir, page);
    await expect(injectFault(dir, 'smoke')).rejects.toThrow(`fault "smoke": expected "<h1>Embark</h1>" once in ${page}, found it 0 times`);
    expect(await read(dir, page)).toBe(before);
  });

  it('fails loudly when a file is missing', async () => {
    const dir = await copyExample();
    await rm(join(dir, 'packages/frontend/src/app.ts'));
    await expect(injectFault(dir, 'browser')).rejects.toThrow('fault "browser": cannot read packages/frontend/src/app.ts (ENOENT)');
  });
});
