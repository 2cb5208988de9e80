// The page script: shows the API's health and the notes. The ingress routes /api/* to the backend.
import { notesMarkup, statusText } from './view.js';

const status = document.querySelector('#status')!;
const list = document.querySelector('#notes')!;

async function showHealth(): Promise<void> {
  const response = await fetch('/api/health').catch(() => undefined);
  status.textContent = statusText(response?.status ?? 0);
}

async function showNotes(): Promise<void> {
  try {
    const response = await fetch('/api/notes');
    if (!response.ok) throw new Error(`GET /api/notes answered ${response.status}`);
    const { notes } = await response.json();
    list.innerHTML = notesMarkup(notes);
  } catch {
    list.innerHTML = '<li class="error">Notes are unavailable</li>';
  }
}

void showHealth();
void showNotes();
