// Entry point: serves the built page on PORT (default 3000).
import { fileURLToPath } from 'node:url';
import { createStaticServer } from './static.js';

const port = Number(process.env.PORT ?? '3000');
const server = createStaticServer(fileURLToPath(new URL('./public/', import.meta.url)));
server.listen(port, '0.0.0.0', () => console.log(`frontend listening on port ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
