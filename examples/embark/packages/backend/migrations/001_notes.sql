-- Notes: the row holds what the list shows; the full document lives in object storage.
CREATE TABLE IF NOT EXISTS notes (
  id uuid PRIMARY KEY,
  title text NOT NULL,
  document_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS notes_created_at ON notes (created_at DESC);
