import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTitle, maxBodyLength, maxTitleLength, noteDocumentKey, validateNote } from './index.js';

test('formatTitle trims and collapses whitespace', () => {
  assert.equal(formatTitle('  Launch \n  checklist\t'), 'Launch checklist');
});

test('validateNote accepts a note and tidies its title', () => {
  assert.deepEqual(validateNote({ title: ' Ship  it ', body: 'Friday' }), { ok: true, value: { title: 'Ship it', body: 'Friday' } });
});

test('validateNote rejects something that is not an object', () => {
  for (const input of [null, 'note', [1, 2]]) {
    assert.deepEqual(validateNote(input), { ok: false, errors: ['a note must be a JSON object with "title" and "body"'] });
  }
});

test('validateNote reports every invalid field', () => {
  assert.deepEqual(validateNote({ title: '   ', body: 3 }), {
    ok: false,
    errors: ['"title" must be a non-empty string', '"body" must be a string'],
  });
});

test('validateNote enforces the length limits', () => {
  const result = validateNote({ title: 'x'.repeat(maxTitleLength + 1), body: 'y'.repeat(maxBodyLength + 1) });
  assert.deepEqual(result, {
    ok: false,
    errors: [`"title" must be at most ${maxTitleLength} characters`, `"body" must be at most ${maxBodyLength} characters`],
  });
});

test('noteDocumentKey places documents under notes/', () => {
  assert.equal(noteDocumentKey('42'), 'notes/42.json');
});
