import { S3Client } from '@aws-sdk/client-s3';
import { redact } from '../../shared/redactor.ts';
import { classifyRemoteError, describeRemoteError, displayEndpoint, type RemoteErrorKind } from './remote-problems.ts';

export interface S3RemoteConfig {
  bucket: string;
  /** Prepended to every object name, e.g. "slipway/" (objects are `<prefix><key>.entry`). */
  prefix?: string;
  /** Any S3-compatible endpoint (MinIO, s3rver, R2...); AWS S3 when absent. */
  endpoint?: string;
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1. */
  region?: string;
  /** Bucket in the path rather than the host name: what most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** Default: the SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export type WarningListener = (message: string) => void;

/** Short, because the cache is an optimisation: an unreachable endpoint must cost a build little. */
const connectionTimeoutMs = 1_000;
/** A transfer with no bytes moving for this long is abandoned (large entries may take longer in total). */
const socketIdleTimeoutMs = 30_000;
const maxConcurrentUploads = 4;
/** Refused entries are named one by one up to this many per run (say, a bucket written before signing), then counted. */
const maxNamedRefusals = 5;
const quietLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * One client per run, shared by every cache directory, with the run-wide state: the circuit
 * breaker (once the remote is unreachable or refuses us, nothing more is sent to it) and the
 * warnings already given (each kind of problem is reported once).
 */
export class RemoteConnection {
  readonly client: S3Client;
  readonly bucket: string;
  private readonly endpointLabel: string;
  /** Values that must never reach a message: the cache key, the S3 secret key, the session token, an endpoint password. */
  private readonly secrets: string[];
  private readonly onWarning: WarningListener;
  private readonly warned = new Set<string>();
  private brokenBy?: RemoteErrorKind;
  private readonly refused = new Set<string>();
  private uploadsRunning = 0;
  private readonly uploadQueue: Array<() => void> = [];

  /** `cacheKeys`: the signing key in every form it was read, so no message can carry it. */
  constructor(config: S3RemoteConfig, onWarning: WarningListener = () => undefined, cacheKeys: string[] = []) {
    this.bucket = config.bucket;
    this.endpointLabel = displayEndpoint(config.endpoint);
    this.onWarning = onWarning;
    const endpointPassword = config.endpoint ? safeUrl(config.endpoint)?.password : undefined;
    this.secrets = [
      ...cacheKeys,
      config.credentials?.secretAccessKey,
      process.env.AWS_SECRET_ACCESS_KEY,
      process.env.AWS_SESSION_TOKEN,
      endpointPassword,
    ].filter((value): value is string => Boolean(value));
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
      maxAttempts: 2,
      requestHandler: { connectionTimeout: connectionTimeoutMs, socketTimeout: socketIdleTimeoutMs },
      // Plain PUT bodies: S3-compatible servers differ in support for the newer streamed checksums;
      // entries carry their own sha256, checked before use.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      logger: quietLogger, // the SDK would print to the console; problems reach onWarning instead
    });
  }

  /** False once the remote has been found unreachable or refusing: the rest of the run skips it. */
  get available(): boolean {
    return this.brokenBy === undefined;
  }

  /**
   * Classifies a failed request, opens the breaker when the remote as a whole is unusable, and
   * warns once per kind of problem. `where` names the location (bucket and prefix).
   */
  report(error: unknown, action: 'download' | 'upload', key: string, where: string): RemoteErrorKind {
    const kind = classifyRemoteError(error);
    const cause = describeRemoteError(error, this.secrets);
    const location = `s3://${this.bucket}/${where} at ${this.endpointLabel}`;
    if (kind === 'unreachable' || kind === 'rejected') {
      this.brokenBy ??= kind;
      const what = kind === 'unreachable' ? 'is unreachable' : 'refused the request';
      const hint = kind === 'rejected' ? ' Check the bucket, region and credentials.' : '';
      this.warnOnce(kind, `Remote cache ${location} ${what} (${cause}); using the local cache only for the rest of this run.${hint}`);
    } else if (kind === 'failed') {
      const outcome = action === 'download' ? 'treated as a miss' : 'a later run uploads it again';
      this.warnOnce(`${action}-failed`, `Remote cache ${location}: ${action} of ${key} failed (${cause}); ${outcome}.`);
    }
    return kind;
  }

  /** Delivers a warning unless one of the same kind was already given in this run. */
  warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.onWarning(redact(message, this.secrets));
  }

  /**
   * Records an object this run refused to use, so an upload replaces it rather than finding it
   * "already there". One warning per object for the first few; then one saying more were refused.
   */
  refuse(objectName: string, message: string): void {
    if (this.refused.has(objectName)) return;
    this.refused.add(objectName);
    if (this.refused.size > maxNamedRefusals) {
      this.warnOnce(
        'refused-more',
        `Remote cache: more than ${maxNamedRefusals} entries were refused in this run; each of them is a miss too.`,
      );
      return;
    }
    this.warnOnce(`refused ${objectName}`, message);
  }

  wasRefused(objectName: string): boolean {
    return this.refused.has(objectName);
  }

  /** Runs an upload when fewer than a few are in flight, so a burst of saves does not flood the link. */
  async limitUploads<T>(upload: () => Promise<T>): Promise<T> {
    // A finishing upload hands its slot straight to the next waiter, so the count never overshoots.
    if (this.uploadsRunning >= maxConcurrentUploads) await new Promise<void>((resolve) => this.uploadQueue.push(resolve));
    else this.uploadsRunning++;
    try {
      return await upload();
    } finally {
      const next = this.uploadQueue.shift();
      if (next) next();
      else this.uploadsRunning--;
    }
  }
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
