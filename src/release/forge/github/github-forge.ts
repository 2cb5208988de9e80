import { Failure } from '../../../shared/feedback/failure.ts';
import type { Forge, ForgeRelease, NewRelease } from '../forge.ts';
import { gitHubFailure, type GitHubClient } from './client.ts';

interface GitHubRelease {
  id: number;
  tag_name: string;
  name: string | null;
  body?: string | null;
  draft: boolean;
  prerelease: boolean;
  target_commitish: string;
  html_url: string;
  upload_url: string;
  assets: { id: number; name: string; size: number; content_type: string; state: string }[];
}

/** A repository's releases on GitHub (github.com, an Enterprise Server, or the embedded stand-in), through Octokit. */
export class GitHubForge implements Forge {
  readonly repository: string;
  private readonly owner: string;
  private readonly repo: string;

  constructor(
    private readonly client: GitHubClient,
    repository: string,
  ) {
    const [owner, repo] = repository.split('/');
    this.repository = repository;
    this.owner = owner;
    this.repo = repo;
  }

  async createDraftRelease(input: NewRelease): Promise<ForgeRelease> {
    const doing = `Could not create the draft release ${input.tag} in ${this.repository}`;
    let release = await this.findGitHubRelease(input.tag, doing);
    if (release && release.target_commitish !== input.commit) {
      throw new Failure(`Release ${input.tag} already exists in ${this.repository} for ${release.target_commitish}, not ${input.commit}`, {
        details: [release.html_url],
        hint: 'A tag names one commit: bump the version to release another commit.',
      });
    }
    try {
      release ??= (
        await this.client.rest.repos.createRelease({
          owner: this.owner,
          repo: this.repo,
          tag_name: input.tag,
          target_commitish: input.commit,
          name: input.name,
          body: input.body,
          draft: true,
          prerelease: input.prerelease ?? false,
        })
      ).data as GitHubRelease;
      const made = release;
      for (const asset of input.assets) {
        const present = made.assets.find((existing) => existing.name === asset.name);
        // An upload cut short leaves a "starter" asset that blocks its name: replace it.
        if (present?.state === 'uploaded') continue;
        if (present) await this.client.rest.repos.deleteReleaseAsset({ owner: this.owner, repo: this.repo, asset_id: present.id });
        await this.client.rest.repos.uploadReleaseAsset({
          owner: this.owner,
          repo: this.repo,
          release_id: made.id,
          name: asset.name,
          data: asset.data as unknown as string,
          baseUrl: new URL(made.upload_url.replace(/\{.*\}$/, '')).origin + uploadPathPrefix(made.upload_url),
          headers: { 'content-type': asset.contentType, 'content-length': asset.data.length },
        });
      }
      const { data } = await this.client.rest.repos.getRelease({ owner: this.owner, repo: this.repo, release_id: made.id });
      return toForgeRelease(data as GitHubRelease);
    } catch (error) {
      throw gitHubFailure(error, doing);
    }
  }

  async findRelease(tag: string): Promise<ForgeRelease | undefined> {
    const found = await this.findGitHubRelease(tag, `Could not look up release ${tag} in ${this.repository}`);
    return found && toForgeRelease(found);
  }

  async listReleases(): Promise<ForgeRelease[]> {
    return (await this.allReleases(`Could not list the releases of ${this.repository}`)).map(toForgeRelease);
  }

  async downloadAsset(release: ForgeRelease, name: string): Promise<Buffer> {
    const asset = release.assets.find((candidate) => candidate.name === name);
    if (!asset) throw new Failure(`${this.repository} release ${release.tag} has no asset ${name}`);
    try {
      const { data } = await this.client.rest.repos.getReleaseAsset({
        owner: this.owner,
        repo: this.repo,
        asset_id: asset.id,
        headers: { accept: 'application/octet-stream' },
      });
      return Buffer.from(data as unknown as ArrayBuffer);
    } catch (error) {
      throw gitHubFailure(error, `Could not download ${name} of release ${release.tag} from ${this.repository}`);
    }
  }

  async publishRelease(tag: string): Promise<ForgeRelease> {
    const doing = `Could not publish release ${tag} in ${this.repository}`;
    const release = await this.findGitHubRelease(tag, doing);
    if (!release) throw new Failure(`${doing}: it has no release ${tag}`, { hint: 'the draft release was deleted: run the release again' });
    if (!release.draft) return toForgeRelease(release);
    try {
      const { data } = await this.client.rest.repos.updateRelease({
        owner: this.owner,
        repo: this.repo,
        release_id: release.id,
        draft: false,
      });
      return toForgeRelease(data as GitHubRelease);
    } catch (error) {
      throw gitHubFailure(error, doing);
    }
  }

  async annotateRelease(tag: string, note: string): Promise<ForgeRelease> {
    const doing = `Could not add a note to release ${tag} in ${this.repository}`;
    const release = await this.findGitHubRelease(tag, doing);
    if (!release) throw new Failure(`${doing}: it has no release ${tag}`, { hint: 'the release was deleted on the forge' });
    const body = release.body ?? '';
    if (body.includes(note)) return toForgeRelease(release);
    try {
      const { data } = await this.client.rest.repos.updateRelease({
        owner: this.owner,
        repo: this.repo,
        release_id: release.id,
        body: body ? `${body}\n\n${note}` : note,
      });
      return toForgeRelease(data as GitHubRelease);
    } catch (error) {
      throw gitHubFailure(error, doing);
    }
  }

  async dispatch(eventType: string, clientPayload: Record<string, unknown>): Promise<void> {
    try {
      await this.client.rest.repos.createDispatchEvent({
        owner: this.owner,
        repo: this.repo,
        event_type: eventType,
        client_payload: clientPayload,
      });
    } catch (error) {
      throw gitHubFailure(error, `Could not send the ${eventType} dispatch to ${this.repository}`);
    }
  }

  /** Drafts are found by listing: GitHub's lookup by tag answers 404 for them. */
  private async findGitHubRelease(tag: string, doing: string): Promise<GitHubRelease | undefined> {
    return (await this.allReleases(doing)).find((release) => release.tag_name === tag);
  }

  private async allReleases(doing: string): Promise<GitHubRelease[]> {
    try {
      return (await this.client.paginate(this.client.rest.repos.listReleases, {
        owner: this.owner,
        repo: this.repo,
        per_page: 100,
      })) as GitHubRelease[];
    } catch (error) {
      throw gitHubFailure(error, doing);
    }
  }
}

/** GitHub Enterprise Server serves uploads under /api/uploads; github.com at the root of uploads.github.com. */
function uploadPathPrefix(uploadUrl: string): string {
  const path = new URL(uploadUrl.replace(/\{.*\}$/, '')).pathname;
  return path.slice(0, path.indexOf('/repos/'));
}

function toForgeRelease(release: GitHubRelease): ForgeRelease {
  return {
    id: release.id,
    tag: release.tag_name,
    name: release.name ?? release.tag_name,
    body: release.body ?? '',
    draft: release.draft,
    prerelease: release.prerelease,
    commit: release.target_commitish,
    url: release.html_url,
    assets: release.assets.map((asset) => ({ id: asset.id, name: asset.name, size: asset.size, contentType: asset.content_type })),
  };
}
