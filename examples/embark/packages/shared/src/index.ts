/** What a client sends to create a note. */
export interface NoteInput {
  title: string;
  body: string;
}

/** A stored note as the API lists it (the body lives in object storage). */
export interface Note {
  id: string;
  title: string;
  createdAt: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export const maxTitleLength = 120;
export const maxBodyLength = 10_000;

/** Trims a title and collapses runs of whitespace, so stored titles are tidy. */
export function formatTitle(title: string): string {
  return title.trim().replace(/\s+/g, ' ');
}

/** Checks untrusted input (a parsed request body) and returns a clean note or every problem found. */
export function validateNote(input: unknown): Validation<NoteInput> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: ['a note must be a JSON object with "title" and "body"'] };
  }
  const { title, body } = input as Record<string, unknown>;
  const errors: string[] = [];
  if (typeof title !== 'string' || formatTitle(title) === '') errors.push('"title" must be a non-empty string');
  else if (formatTitle(title).length > maxTitleLength) errors.push(`"title" must be at most ${maxTitleLength} characters`);
  if (typeof body !== 'string') errors.push('"body" must be a string');
  else if (body.length > maxBodyLength) errors.push(`"body" must be at most ${maxBodyLength} characters`);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { title: formatTitle(title as string), body: body as string } };
}

/** The object-storage key of a note's document. */
export function noteDocumentKey(id: string): string {
  return `notes/${id}.json`;
}
