import { execFileSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A deploy repository as GitOps tests use it: a real bare repository on disk, read and changed
 * with git itself, as Argo CD and the people reviewing releases would.
 */
export class BareDeployRepository {
  private constructor(readonly dir: string) {}

  /** A bare repository at `dir` whose `branch` holds one commit (a README), unless `empty`. */
  static create(dir: string, options: { branch?: string; empty?: boolean } = {}): BareDeployRepository {
    const branch = options.branch ?? 'main';
    execFileSync('git', ['init', '-q', '--bare', '-b', branch, dir]);
    const repository = new BareDeployRepository(dir);
    if (!options.empty) {
      const blob = repository.git(['hash-object', '-w', '--stdin'], 'The deploy repository: one directory per environment.\n');
      const tree = repository.git(['mktree'], `100644 blob ${blob}\tREADME.md\n`);
      repository.git(['update-ref', `refs/heads/${branch}`, repository.commitTree(tree, [], 'Start the deploy repository')]);
    }
    return repository;
  }

  git(args: string[], input?: string): string {
    return execFileSync('git', args, {
      cwd: this.dir,
      input,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'ops',
        GIT_AUTHOR_EMAIL: 'ops@example.com',
        GIT_COMMITTER_NAME: 'ops',
        GIT_COMMITTER_EMAIL: 'ops@example.com',
      },
    })
      .toString('utf8')
      .trim();
  }

  /** The branch's commit; undefined when it does not exist. */
  head(branch: string): string | undefined {
    try {
      return this.git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
    } catch {
      return undefined;
    }
  }

  branches(): string[] {
    return this.git(['for-each-ref', '--format=%(refname:short)', 'refs/heads']).split('\n').filter(Boolean);
  }

  commitCount(branch: string): number {
    return Number(this.git(['rev-list', '--count', `refs/heads/${branch}`]));
  }

  message(commit: string): string {
    return this.git(['log', '-1', '--format=%B', commit]);
  }

  /** File names under `path` at the ref, in git's order. */
  files(ref: string, path: string): string[] {
    return this.git(['ls-tree', '--name-only', `${ref}:${path}`])
      .split('\n')
      .filter(Boolean);
  }

  read(ref: string, path: string): string {
    return execFileSync('git', ['show', `${ref}:${path}`], { cwd: this.dir }).toString('utf8');
  }

  /** Merges `from` into `into` as a reviewer merging the pull request would, in the bare repository itself. */
  merge(from: string, into: string): string {
    const tree = this.git(['merge-tree', '--write-tree', `refs/heads/${into}`, `refs/heads/${from}`]).split('\n')[0];
    const commit = this.commitTree(tree, [this.head(into)!, this.head(from)!], `Merge ${from} into ${into}`);
    this.git(['update-ref', `refs/heads/${into}`, commit]);
    return commit;
  }

  /**
   * Makes `times` pushes to `branch` lose a race: while each is received, another commit (someone
   * else's deploy, changing a file of its own) lands on the branch first, so git refuses the push.
   */
  async racePushes(branch: string, times: number): Promise<void> {
    // Outside the push's quarantine, so the other commit and the ref update are real and stay.
    const unquarantined = 'env -u GIT_QUARANTINE_PATH -u GIT_OBJECT_DIRECTORY -u GIT_ALTERNATE_OBJECT_DIRECTORIES';
    const hook = `#!/bin/sh
count_file="$GIT_DIR/raced-pushes"
raced=$(cat "$count_file" 2>/dev/null || echo 0)
[ "$raced" -ge ${times} ] && exit 0
echo $((raced + 1)) > "$count_file"
head=$(${unquarantined} git rev-parse refs/heads/${branch})
blob=$(echo "deploy $raced of another team" | ${unquarantined} git hash-object -w --stdin)
export GIT_INDEX_FILE="$GIT_DIR/race-index"
${unquarantined} git read-tree "$head"
${unquarantined} git update-index --add --cacheinfo "100644,$blob,other-team/deploy-$raced.txt"
tree=$(${unquarantined} git write-tree)
commit=$(echo "Another deploy $raced" | GIT_AUTHOR_NAME=other GIT_AUTHOR_EMAIL=o@example.com GIT_COMMITTER_NAME=other GIT_COMMITTER_EMAIL=o@example.com ${unquarantined} git commit-tree "$tree" -p "$head")
${unquarantined} git update-ref refs/heads/${branch} "$commit"
exit 0
`;
    const path = join(this.dir, 'hooks', 'pre-receive');
    await writeFile(path, hook);
    await chmod(path, 0o755);
  }

  /** Makes the repository refuse every push with `message`, as a server-side rule (a protected branch) would. */
  async refusePushes(message: string): Promise<void> {
    const path = join(this.dir, 'hooks', 'pre-receive');
    await writeFile(path, `#!/bin/sh\necho ${JSON.stringify(message)} >&2\nexit 1\n`);
    await chmod(path, 0o755);
  }

  private commitTree(tree: string, parents: string[], message: string): string {
    return this.git(['commit-tree', tree, ...parents.flatMap((parent) => ['-p', parent]), '-m', message]);
  }
}
