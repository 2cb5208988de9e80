import { describe, expect, it } from 'vitest';
import { Failure } from '../../../shared/feedback/failure.ts';
import { namespaceInitScript, planLaunch, resolveUser, serviceEnv, type LaunchInput } from './launch-plan.ts';

const config = {
  entrypoint: ['node'],
  cmd: ['/app/server.mjs'],
  env: ['PATH=/usr/local/bin:/usr/bin', 'NODE_ENV=production', 'LOG=info'],
  workingDir: '/app',
  user: '65532',
};
const base: LaunchInput = {
  service: 'backend',
  config,
  rootfs: '/state/images/sha256-abc/rootfs',
  env: { LOG: 'debug' },
  port: 41234,
  isolation: 'namespaces',
  user: { uid: 65532, gid: 65532 },
  existsInRootfs: (path) => ['/usr/local/bin/node', '/app/server.mjs'].includes(path),
  hostPath: '/usr/bin:/bin',
};

describe('planLaunch', () => {
  it('runs the image entrypoint in new namespaces under an init that passes signals on, chrooted, as the image user, on the host network', () => {
    const plan = planLaunch(base);
    expect(plan.command).toBe('unshare');
    expect(plan.args).toEqual([
      '--mount',
      '--uts',
      '--ipc',
      '--pid',
      '--fork',
      '--kill-child',
      '--',
      '/bin/sh',
      '-c',
      namespaceInitScript,
      'slipway-init',
      'unshare',
      '--mount',
      '--mount-proc=/proc',
      '--root=/state/images/sha256-abc/rootfs',
      '--wd=/app',
      '--setgid',
      '65532',
      '--setuid',
      '65532',
      'node',
      '/app/server.mjs',
    ]);
    expect(plan.args).not.toContain('--net');
    expect(plan.env).toEqual({ PATH: '/usr/local/bin:/usr/bin', NODE_ENV: 'production', LOG: 'debug', PORT: '41234' });
    expect(plan.description).toBe('isolated with mount/uts/ipc/pid namespaces in a chroot, as 65532:65532');
  });

  it('without isolation, runs the files of the rootfs directly and says so', () => {
    const plan = planLaunch({ ...base, isolation: 'none', user: undefined });
    expect(plan.command).toBe('/state/images/sha256-abc/rootfs/usr/local/bin/node');
    expect(plan.args).toEqual(['/state/images/sha256-abc/rootfs/app/server.mjs']);
    expect(plan.cwd).toBe('/state/images/sha256-abc/rootfs/app');
    expect(plan.env.PATH).toBe('/state/images/sha256-abc/rootfs/usr/local/bin:/state/images/sha256-abc/rootfs/usr/bin:/usr/bin:/bin');
    expect(plan.description).toMatch(/^NOT isolated/);
  });

  it('falls back to the host program when the image does not carry it', () => {
    const plan = planLaunch({ ...base, isolation: 'none', existsInRootfs: (path) => path === '/app/server.mjs' });
    expect(plan.command).toBe('node');
  });

  it('refuses an image with nothing to run', () => {
    expect(() => planLaunch({ ...base, config: { ...config, entrypoint: [], cmd: [] } })).toThrow(
      new Failure('backend: the image has neither Entrypoint nor Cmd, so there is nothing to run', {
        hint: 'Set the entrypoint when building the image.',
      }),
    );
  });
});

describe('serviceEnv', () => {
  it('layers image env, deployment env and PORT, with a default PATH', () => {
    expect(serviceEnv({ ...config, env: ['A=1', 'PORT=7007'] }, { A: '2' }, 5000)).toEqual({
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      A: '2',
      PORT: '5000',
    });
  });
});

describe('resolveUser', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1001::/home/node:/bin/sh\n';
  const group = 'root:x:0:\nnode:x:1001:\nstaff:x:50:\n';
  it('reads numeric ids and names from the image', () => {
    expect(resolveUser('web', '', passwd, group)).toBeUndefined();
    expect(resolveUser('web', '65532', passwd, group)).toEqual({ uid: 65532, gid: 65532 });
    expect(resolveUser('web', '65532:100', passwd, group)).toEqual({ uid: 65532, gid: 100 });
    expect(resolveUser('web', 'node', passwd, group)).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveUser('web', 'node:staff', passwd, group)).toEqual({ uid: 1000, gid: 50 });
  });
  it('refuses a user the image does not define rather than running as root', () => {
    expect(() => resolveUser('web', 'app', passwd, group)).toThrow(
      'web: the image runs as user "app", which its /etc/passwd does not define',
    );
    expect(() => resolveUser('web', 'node:wheel', passwd, group)).toThrow(
      'web: the image runs as group "wheel", which its /etc/group does not define',
    );
  });
});
