/** Connection settings, all from the environment (secrets never come from files or flags). */
export interface BackendConfig {
  port: number;
  databaseUrl: string;
  s3: {
    endpoint?: string;
    bucket: string;
    region: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
}

/** Reads the configuration, naming every missing or invalid variable at once. */
export function readConfig(env: NodeJS.ProcessEnv): BackendConfig {
  const problems: string[] = [];
  const port = Number(env.PORT ?? '7007');
  if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`PORT must be a port number, got "${env.PORT}"`);
  for (const name of ['DATABASE_URL', 'S3_BUCKET'] as const) if (!env[name]) problems.push(`${name} is not set`);
  if (Boolean(env.AWS_ACCESS_KEY_ID) !== Boolean(env.AWS_SECRET_ACCESS_KEY)) {
    problems.push('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  }
  if (problems.length > 0) throw new Error(`invalid configuration: ${problems.join('; ')}`);
  return {
    port,
    databaseUrl: env.DATABASE_URL!,
    s3: {
      endpoint: env.S3_ENDPOINT || undefined,
      bucket: env.S3_BUCKET!,
      region: env.AWS_REGION || 'us-east-1',
      credentials: env.AWS_ACCESS_KEY_ID ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! } : undefined,
    },
  };
}
