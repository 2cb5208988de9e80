import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const faultKinds = ['unit', 'coverage', 'browser', 'image', 'push', 'integration', 'manifest', 'deploy', 'smoke'] as const;
export type FaultKind = (typeof faultKinds)[number];

/** One text replacement in a file of the example; the anchor must occur exactly once. */
interface Edit {
  file: string;
  anchor: string;
  replacement: string;
}

interface FaultPlan {
  description: string;
  edits: Edit[];
}

const sharedTest = 'packages/shared/src/index.test.ts';
const sharedIndex = 'packages/shared/src/index.ts';
const frontendScript = 'packages/frontend/src/app.ts';
const frontendPage = 'packages/frontend/public/index.html';
const backendDatabase = 'packages/backend/src/database.ts';
const config = 'slipway.config.ts';

/** Exported but never tested: enough lines to pull @embark/shared well under 80 % line coverage. */
const untestedDigest = `
/** A plain-text digest of notes grouped by day, newest day first (for the weekly e-mail). */
export function notesDigest(notes: Note[], options: { maxPerDay?: number; now?: Date } = {}): string {
  const maxPerDay = options.maxPerDay ?? 5;
  const now = options.now ?? new Date();
  const byDay = new Map<string, Note[]>();
  for (const note of notes) {
    const day = note.createdAt.slice(0, 10);
    const list = byDay.get(day) ?? [];
    list.push(note);
    byDay.set(day, list);
  }
  const days = [...byDay.keys()].sort().reverse();
  const lines: string[] = [\`Notes digest (\${now.toISOString().slice(0, 10)})\`];
  for (const day of days) {
    const dayNotes = byDay.get(day) ?? [];
    lines.push('');
    lines.push(\`\${day} (\${dayNotes.length} note\${dayNotes.length === 1 ? '' : 's'})\`);
    for (const note of dayNotes.slice(0, maxPerDay)) {
      lines.push(\`  - \${formatTitle(note.title)}\`);
    }
    if (dayNotes.length > maxPerDay) {
      lines.push(\`  ... and \${dayNotes.length - maxPerDay} more\`);
    }
  }
  if (days.length === 0) {
    lines.push('');
    lines.push('No notes this week.');
  }
  return lines.join('\\n');
}
`;

const plans: Record<FaultKind, FaultPlan> = {
  unit: {
    description: `a shared unit test now expects formatTitle to capitalise every word ('Launch Checklist') in ${sharedTest}`,
    edits: [{ file: sharedTest, anchor: `'Launch checklist');`, replacement: `'Launch Checklist');` }],
  },
  coverage: {
    description: `an untested exported function notesDigest added to ${sharedIndex}, pulling @embark/shared below its line-coverage threshold`,
    edits: [
      {
        file: sharedIndex,
        anchor: 'export function noteDocumentKey(id: string): string {\n  return `notes/${id}.json`;\n}\n',
        replacement: 'export function noteDocumentKey(id: string): string {\n  return `notes/${id}.json`;\n}\n' + untestedDigest,
      },
    ],
  },
  browser: {
    description: `the page now asks GET /api/status (which the backend does not serve) in ${frontendScript}, so #status never shows ok`,
    edits: [{ file: frontendScript, anchor: `fetch('/api/health')`, replacement: `fetch('/api/status')` }],
  },
  image: {
    description: `the backend's command in ${config} now runs dist/main.js, which its build does not produce`,
    edits: [
      {
        file: config,
        anchor: `package: '@embark/backend',\n      port: 7007,\n      command: ['node', 'dist/server.js'],`,
        replacement: `package: '@embark/backend',\n      port: 7007,\n      command: ['node', 'dist/main.js'],`,
      },
    ],
  },
  push: {
    description: 'no change to the code: the demo registry refuses every push',
    edits: [],
  },
  integration: {
    description: `the backend's INSERT names a misspelt column (titel) in ${backendDatabase}; unit tests do not reach it, integration tests do`,
    edits: [
      {
        file: backendDatabase,
        anchor: 'INSERT INTO notes (id, title, document_key, created_at)',
        replacement: 'INSERT INTO notes (id, titel, document_key, created_at)',
      },
    ],
  },
  manifest: {
    description: `the backend's resources.memory in ${config} is now 'lots', not a Kubernetes quantity`,
    edits: [{ file: config, anchor: `routes: ['/api'],`, replacement: `routes: ['/api'],\n      resources: { memory: 'lots' },` }],
  },
  deploy: {
    description: `the backend's readiness check in ${backendDatabase} now queries a table that does not exist (notes_archive), so /readyz never answers 200`,
    edits: [
      {
        file: backendDatabase,
        anchor: `await this.pool.query('SELECT 1');`,
        replacement: `await this.pool.query('SELECT 1 FROM notes_archive LIMIT 1');`,
      },
    ],
  },
  smoke: {
    description: `the home page's title and heading in ${frontendPage} now say "Notes" instead of "Embark"`,
    edits: [
      { file: frontendPage, anchor: '<title>Embark</title>', replacement: '<title>Notes</title>' },
      { file: frontendPage, anchor: '<h1>Embark</h1>', replacement: '<h1>Notes</h1>' },
    ],
  },
};

function occurrences(text: string, anchor: string): number {
  return text.split(anchor).length - 1;
}

/**
 * Computes the new text of every file first and writes only when all anchors were found, so a
 * fault that no longer fits the example fails loudly and leaves the copy untouched.
 */
async function applyEdits(repoDir: string, kind: FaultKind, edits: Edit[]): Promise<void> {
  const texts = new Map<string, string>();
  for (const edit of edits) {
    const text =
      texts.get(edit.file) ??
      (await readFile(join(repoDir, edit.file), 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new Error(`fault "${kind}": cannot read ${edit.file} (${error.code ?? error.message})`);
      }));
    const count = occurrences(text, edit.anchor);
    if (count !== 1) {
      const firstLine = edit.anchor.split('\n')[0];
      throw new Error(
        `fault "${kind}": expected ${JSON.stringify(firstLine)} once in ${edit.file}, found it ${count} times; update src/demo/faults.ts to match the example`,
      );
    }
    texts.set(
      edit.file,
      text.replace(edit.anchor, () => edit.replacement),
    );
  }
  for (const [file, text] of texts) await writeFile(join(repoDir, file), text);
}

/** Edits the copied example in repoDir to inject a realistic fault; returns what it did. */
export async function injectFault(repoDir: string, kind: FaultKind): Promise<{ description: string; files: string[] }> {
  const plan = plans[kind];
  await applyEdits(repoDir, kind, plan.edits);
  return { description: plan.description, files: [...new Set(plan.edits.map((edit) => edit.file))] };
}
