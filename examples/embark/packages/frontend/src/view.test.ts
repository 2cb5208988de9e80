import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notesMarkup, statusText } from './view.js';

test('statusText is ok only for a 2xx answer', () => {
  assert.equal(statusText(200), 'ok');
  assert.equal(statusText(503), 'unavailable');
  assert.equal(statusText(0), 'unavailable');
});

test('notesMarkup lists notes with tidy, escaped titles', () => {
  const markup = notesMarkup([{ id: 'a1', title: '  Launch   <b>day</b>', createdAt: '2024-05-01T09:30:00.000Z' }]);
  assert.equal(markup, '<li data-id="a1">Launch &#60;b&#62;day&#60;/b&#62; <time>2024-05-01</time></li>');
});

test('notesMarkup says when there are no notes', () => {
  assert.equal(notesMarkup([]), '<li class="empty">No notes yet</li>');
});
