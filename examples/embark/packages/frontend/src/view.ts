import { formatTitle, type Note } from '@embark/shared';

/** What #status shows for the answer of GET /api/health (0: no answer at all). */
export function statusText(httpStatus: number): string {
  return httpStatus >= 200 && httpStatus < 300 ? 'ok' : 'unavailable';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The list items for #notes; titles are escaped, so a note can never inject markup. */
export function notesMarkup(notes: Note[]): string {
  if (notes.length === 0) return '<li class="empty">No notes yet</li>';
  return notes
    .map((note) => `<li data-id="${escapeHtml(note.id)}">${escapeHtml(formatTitle(note.title))} <time>${escapeHtml(note.createdAt.slice(0, 10))}</time></li>`)
    .join('');
}
