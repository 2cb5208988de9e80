/**
 * The Dockerfile a team would write for the backend, equivalent to the image Slipway builds:
 * the same base, then a dependencies layer and an app layer, and the same config (user, env,
 * working directory, port, entrypoint, labels). Pure: settings in, text out.
 */
import { NODE_PATH } from '../../src/release/image/index.ts';
import { APP_USER, PATH_ENV } from '../../src/release/image/base-layer.ts';

export interface DockerfileSettings {
  /** "127.0.0.1:PORT/bench/base:1" */
  baseImage: string;
  command: string[];
  port: number;
  labels: { title: string; version: string; source: string };
}

/** The build context's layout: the production dependency closure and the service's package. */
export const CONTEXT_DEPS_DIR = 'node_modules';
export const CONTEXT_APP_DIR = 'app';

export function backendDockerfile(settings: DockerfileSettings): string {
  const entrypoint = settings.command.map((arg, index) => (index === 0 && arg === 'node' ? NODE_PATH : arg));
  const quote = (value: string) => JSON.stringify(value);
  return [
    `FROM ${settings.baseImage}`,
    // The config first: these steps never change, so the cache keeps them and each code change
    // rebuilds only what follows the changed COPY (the order a team tuning for --layers picks).
    `ENV PATH=${PATH_ENV} NODE_ENV=production PORT=${settings.port}`,
    'WORKDIR /app',
    `USER ${APP_USER.uid}:${APP_USER.gid}`,
    `EXPOSE ${settings.port}`,
    `ENTRYPOINT ${JSON.stringify(entrypoint)}`,
    `LABEL org.opencontainers.image.title=${quote(settings.labels.title)} org.opencontainers.image.version=${quote(settings.labels.version)} org.opencontainers.image.source=${quote(settings.labels.source)}`,
    // The dependencies layer, then the app layer: the same split as Slipway's image.
    `COPY ${CONTEXT_DEPS_DIR} /app/node_modules`,
    `COPY ${CONTEXT_APP_DIR} /app`,
    // The commit changes with every build: labelled last, after the layers it cannot invalidate.
    'ARG REVISION',
    'LABEL org.opencontainers.image.revision=$REVISION',
    '',
  ].join('\n');
}
