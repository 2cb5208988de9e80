import { describe, expect, it } from 'vitest';
import { registryRefusal } from './registry-error.ts';

describe('registryRefusal', () => {
  it("carries the registry's errors[] code and message, with a hint for the status", () => {
    const body = JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] });
    const failure = registryRefusal('the upload of embark/backend', 'POST https://ghcr.io', {
      status: 405,
      statusText: 'Method Not Allowed',
      body,
    });
    expect(failure.specific).toBe('registry refused the upload of embark/backend: 405 UNSUPPORTED: The operation is unsupported.');
    expect(failure.details).toEqual(['POST https://ghcr.io answered 405 Method Not Allowed']);
    expect(failure.hint).toBe(
      'the registry does not accept pushes (read-only or maintenance mode); check registry.url in slipway.config.ts',
    );
  });

  it('names the permission problem for DENIED and keeps an HTML page out of the one-line cause', () => {
    const denied = registryRefusal('the manifest acme/backend:1.0.0', 'PUT https://ghcr.io', {
      status: 403,
      statusText: 'Forbidden',
      body: '{"errors":[{"code":"DENIED","message":"permission_denied: write_package"}]}',
    });
    expect(denied.specific).toBe('registry refused the manifest acme/backend:1.0.0: 403 DENIED: permission_denied: write_package');
    expect(denied.hint).toMatch(/write:packages/);
    const gateway = registryRefusal('the upload of acme/backend', 'PUT https://ghcr.io', {
      status: 502,
      statusText: 'Bad Gateway',
      body: '<html>\n<body>bad gateway</body>\n</html>',
    });
    expect(gateway.specific).toBe('registry refused the upload of acme/backend: 502 Bad Gateway');
    expect(gateway.details[1]).toContain('<html>');
  });
});
