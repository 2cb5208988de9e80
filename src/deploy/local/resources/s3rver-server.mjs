// The one way Slipway starts s3rver, in process or in the detached launcher.
//
// s3rver writes an upload in place, truncating the file another upload of the same key is still
// writing, and writes the metadata after it: two runners saving one cache entry at once could
// leave one's bytes under the other's signature. S3 itself makes a PUT atomic (the last one wins,
// whole), and so does this: each key's uploads run one at a time, their bytes written beside the
// object and renamed over it.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';

/** An s3rver on `address:port` storing objects under `directory`, whose uploads are atomic. */
export function createS3rver({ address, port, directory }) {
  const server = new S3rver({ address, port, directory, silent: true });
  const store = server.store;
  const uploadsByKey = new Map();
  store.putObject = (object) => {
    const name = `${object.bucket}/${object.key}`;
    const upload = (uploadsByKey.get(name) ?? Promise.resolve()).catch(() => {}).then(() => putWhole(store, object));
    uploadsByKey.set(name, upload);
    upload.finally(() => uploadsByKey.get(name) === upload && uploadsByKey.delete(name)).catch(() => {});
    return upload;
  };
  return server;
}

async function putWhole(store, object) {
  const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
  // Not listed: s3rver lists only names ending in its object suffix.
  const partial = `${objectPath}.uploading-${randomBytes(6).toString('hex')}`;
  await mkdir(dirname(objectPath), { recursive: true });
  const md5 = createHash('md5');
  let size = 0;
  const measure = new Transform({
    transform(chunk, _encoding, done) {
      md5.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    const content = Buffer.isBuffer(object.content) ? [object.content] : object.content;
    await pipeline(content, measure, createWriteStream(partial));
    await rename(partial, objectPath);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const digest = md5.digest('hex');
  await store.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
}
