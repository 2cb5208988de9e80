import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { BackendConfig } from './config.js';

/** S3 access for note documents. */
export class DocumentStore {
  private readonly client: S3Client;
  readonly bucket: string;

  constructor(config: BackendConfig['s3']) {
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      credentials: config.credentials,
      forcePathStyle: true,
      maxAttempts: 2,
    });
    this.bucket = config.bucket;
  }

  /** Whether the bucket exists and these credentials can reach it. */
  async isReachable(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch {
      return false;
    }
  }

  /** Creates the bucket when it is missing, so a fresh environment works without manual steps. */
  async ensureBucket(): Promise<void> {
    if (await this.isReachable()) return;
    await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
  }

  async put(key: string, document: unknown): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(document), ContentType: 'application/json' }),
    );
  }

  async get(key: string): Promise<unknown> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return JSON.parse(await object.Body!.transformToString());
  }

  close(): void {
    this.client.destroy();
  }
}
