// Entry point: connects to PostgreSQL and S3 from the environment, prepares both, then serves.
import { readConfig } from './config.js';
import { Database } from './database.js';
import { createHttpServer } from './http.js';
import { notesBackend } from './notes.js';
import { DocumentStore } from './storage.js';

const config = readConfig(process.env);
const database = new Database(config.databaseUrl);
const documents = new DocumentStore(config.s3);

try {
  await database.migrate();
  await documents.ensureBucket();
} catch (error) {
  console.error(`backend could not prepare its storage: ${(error as Error).message}`);
  process.exit(1);
}

const server = createHttpServer(notesBackend(database, documents));
server.listen(config.port, '0.0.0.0', () => console.log(`backend listening on port ${config.port}`));

process.on('SIGTERM', () => {
  server.close(() => {
    documents.close();
    void database.close().then(() => process.exit(0));
  });
});
