import { randomUUID } from 'node:crypto';
import { noteDocumentKey } from '@embark/shared';
import type { NotesBackend } from './app.js';
import type { Database } from './database.js';
import type { DocumentStore } from './storage.js';

export type NoteRows = Pick<Database, 'isReachable' | 'listNotes' | 'insertNote'>;
export type NoteDocuments = Pick<DocumentStore, 'isReachable' | 'put'>;

/** Notes kept in two places: the document in object storage, the listing row in the database. */
export function notesBackend(rows: NoteRows, documents: NoteDocuments): NotesBackend {
  return {
    async isReady() {
      const reachable = await Promise.all([rows.isReachable(), documents.isReachable()]);
      return reachable.every(Boolean);
    },
    listNotes: () => rows.listNotes(),
    async createNote(input) {
      const createdAt = new Date();
      const note = { id: randomUUID(), title: input.title, createdAt: createdAt.toISOString() };
      const documentKey = noteDocumentKey(note.id);
      // The document first: a row never points at a document that is not there.
      await documents.put(documentKey, { ...note, body: input.body });
      await rows.insertNote({ id: note.id, title: note.title, documentKey, createdAt });
      return note;
    },
  };
}
