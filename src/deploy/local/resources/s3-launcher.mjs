// Runs s3rver in a process of its own, so a detached local environment outlives the CLI that
// started it. Usage: node s3-launcher.mjs '{"port":4569,"directory":"/path"}'
import { createS3rver } from './s3rver-server.mjs';

const { port, directory } = JSON.parse(process.argv[2]);
const server = createS3rver({ address: '127.0.0.1', port, directory });
await server.run();

const shutdown = () => {
  // A client holding a connection open must not keep the server alive past a stop.
  setTimeout(() => process.exit(0), 2_000).unref();
  server.close().finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
