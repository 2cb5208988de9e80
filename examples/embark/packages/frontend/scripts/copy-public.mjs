// Completes dist/public after tsc: the page itself, and @embark/shared for the browser's import map.
import { cpSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const sharedDist = dirname(fileURLToPath(import.meta.resolve('@embark/shared')));
mkdirSync('dist/public', { recursive: true });
cpSync('public', 'dist/public', { recursive: true });
cpSync(sharedDist, 'dist/public/vendor/shared', { recursive: true, filter: (path) => !/\.test\.js$|\.d\.ts$/.test(path) });
