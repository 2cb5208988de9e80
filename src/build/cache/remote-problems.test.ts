import { describe, expect, it } from 'vitest';
import { classifyRemoteError, describeRemoteError, displayEndpoint } from './remote-problems.ts';

/** Errors shaped like the SDK's: a service error carries $metadata, a network error a code. */
function serviceError(name: string, status: number, message = ''): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe('classifyRemoteError', () => {
  it('tells a plain miss, an unusable remote and a one-off failure apart', () => {
    expect(classifyRemoteError(serviceError('NoSuchKey', 404))).toBe('missing');
    expect(classifyRemoteError(serviceError('NotFound', 404))).toBe('missing');
    expect(classifyRemoteError(serviceError('NoSuchBucket', 404))).toBe('rejected');
    expect(classifyRemoteError(serviceError('InvalidAccessKeyId', 403))).toBe('rejected');
    expect(classifyRemoteError(serviceError('SignatureDoesNotMatch', 403))).toBe('rejected');
    expect(
      classifyRemoteError(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })),
    ).toBe('rejected');
    expect(classifyRemoteError(new Error('Region is missing'))).toBe('rejected');
    expect(classifyRemoteError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }))).toBe('unreachable');
    expect(
      classifyRemoteError(
        Object.assign(new Error('Socket timed out without establishing a connection within 1000 ms'), { name: 'TimeoutError' }),
      ),
    ).toBe('unreachable');
    expect(classifyRemoteError(serviceError('AccessDenied', 403))).toBe('failed');
    expect(classifyRemoteError(serviceError('InternalError', 500))).toBe('failed');
  });
});

describe('describeRemoteError', () => {
  it('is one line with the name, code or status and message, and no secret in it', () => {
    expect(describeRemoteError(serviceError('AccessDenied', 403, 'Access Denied.\nmore'), [])).toBe(
      'AccessDenied, HTTP 403: Access Denied',
    );
    expect(describeRemoteError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), [])).toBe(
      'Error, ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9',
    );
    expect(describeRemoteError(serviceError('NotFound', 404, 'NotFound'), [])).toBe('NotFound, HTTP 404');
    expect(
      describeRemoteError(new Error('signed with wJalrXUtnFEMI/K7MDENG and again wJalrXUtnFEMI/K7MDENG'), ['wJalrXUtnFEMI/K7MDENG', 'ab']),
    ).toBe('Error: signed with *** and again ***');
  });

  it('redacts before shortening, so no part of a secret survives the cut', () => {
    const secret = 'S'.repeat(40);
    const text = describeRemoteError(new Error(`${'x'.repeat(280)}${secret}`), [secret]);
    expect(text).toBe(`Error: ${'x'.repeat(280)}***`);
    const long = describeRemoteError(new Error(`${'x'.repeat(400)}`), []);
    expect(long).toHaveLength(301);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('displayEndpoint', () => {
  it('drops a user and password from the endpoint URL', () => {
    expect(displayEndpoint('https://minio:hunter22@cache.internal:9000/')).toBe('https://cache.internal:9000');
    expect(displayEndpoint(undefined)).toBe('AWS S3');
    expect(displayEndpoint('not a url')).toBe('(invalid endpoint URL)');
  });
});
