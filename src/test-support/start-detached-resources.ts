// Starts PostgreSQL and S3 detached, prints what a later process needs to reach and stop them,
// then exits: the e2e test checks that the servers outlive it.
import { startResources } from '../deploy/local/resources/resources.ts';

const started = await startResources(['postgres', 's3'], { dir: process.argv[2], detached: true });
const resources = started.resources.map(({ kind, process, dataDir }) => ({ kind, process, dataDir }));
process.stdout.write(JSON.stringify({ env: started.env, resources }));
