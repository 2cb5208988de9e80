import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNoteRequest, routeOf } from './routes.js';

test('routeOf maps each path and method to its handler', () => {
  assert.equal(routeOf('GET', '/healthz'), 'healthz');
  assert.equal(routeOf('GET', '/readyz'), 'readyz');
  assert.equal(routeOf('GET', '/api/health'), 'health');
  assert.equal(routeOf('GET', '/api/notes?limit=3'), 'listNotes');
  assert.equal(routeOf('POST', '/api/notes/'), 'createNote');
});

test('routeOf tells an unknown path from a wrong method', () => {
  assert.equal(routeOf('GET', '/api/nope'), 'notFound');
  assert.equal(routeOf('DELETE', '/api/notes'), 'methodNotAllowed');
});

test('parseNoteRequest validates the JSON body', () => {
  assert.deepEqual(parseNoteRequest('{"title":" Plan ","body":"b"}'), { ok: true, value: { title: 'Plan', body: 'b' } });
  assert.deepEqual(parseNoteRequest('{"title":'), { ok: false, errors: ['the body must be JSON'] });
  assert.deepEqual(parseNoteRequest('{"title":"t"}'), { ok: false, errors: ['"body" must be a string'] });
});
