import type { StoredAsset, StoredRelease } from './state.ts';

/**
 * GitHub's REST and webhook objects, with every field GitHub's OpenAPI description requires, for
 * the embedded stand-in. URLs point at the stand-in itself, so a client follows them as on GitHub.
 */

export interface Site {
  /** The API root, e.g. http://127.0.0.1:4567 (GitHub: https://api.github.com). */
  api: string;
  owner: string;
  name: string;
  createdAt: string;
}

function nodeId(kind: string, id: number): string {
  return Buffer.from(`0:${kind}${id}`).toString('base64');
}

export function userObject(site: Site, login: string, id = 1, type: 'User' | 'Bot' | 'Organization' = 'User') {
  // GitHub escapes a bot's login in its URLs (github-actions%5Bbot%5D): brackets are not valid in a URI path.
  const escaped = encodeURIComponent(login);
  const url = `${site.api}/users/${escaped}`;
  return {
    login,
    id,
    node_id: nodeId('User', id),
    avatar_url: `${site.api}/avatars/${escaped}`,
    gravatar_id: '',
    url,
    html_url: `${site.api}/${escaped}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** The actor the stand-in does everything as (GitHub Actions' token acts as github-actions[bot]). */
export function actor(site: Site) {
  return userObject(site, 'github-actions[bot]', 41898282, 'Bot');
}

export function repositoryObject(site: Site) {
  const full = `${site.owner}/${site.name}`;
  const url = `${site.api}/repos/${full}`;
  const html = `${site.api}/${full}`;
  return {
    id: 1,
    node_id: nodeId('Repository', 1),
    name: site.name,
    full_name: full,
    private: true,
    owner: userObject(site, site.owner, 2, 'Organization'),
    html_url: html,
    description: 'a repository on the embedded forge',
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://127.0.0.1/${full}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@127.0.0.1:${full}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${html}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: html,
    homepage: null,
    language: 'TypeScript',
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: 'main',
    open_issues_count: 0,
    open_issues: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'private',
    license: null,
    pushed_at: site.createdAt,
    created_at: site.createdAt,
    updated_at: site.createdAt,
    network_count: 0,
    subscribers_count: 0,
    allow_forking: false,
    web_commit_signoff_required: false,
  };
}

export function assetObject(site: Site, release: StoredRelease, asset: StoredAsset) {
  const url = `${site.api}/repos/${site.owner}/${site.name}/releases/assets/${asset.id}`;
  return {
    url,
    browser_download_url: `${site.api}/${site.owner}/${site.name}/releases/download/${release.tag}/${encodeURIComponent(asset.name)}`,
    id: asset.id,
    node_id: nodeId('ReleaseAsset', asset.id),
    name: asset.name,
    label: null,
    state: 'uploaded' as const,
    content_type: asset.contentType,
    size: asset.size,
    digest: asset.digest,
    download_count: 0,
    created_at: asset.createdAt,
    updated_at: asset.createdAt,
    uploader: actor(site),
  };
}

export function releaseObject(site: Site, release: StoredRelease) {
  const repo = `${site.api}/repos/${site.owner}/${site.name}`;
  return {
    url: `${repo}/releases/${release.id}`,
    assets_url: `${repo}/releases/${release.id}/assets`,
    upload_url: `${repo}/releases/${release.id}/assets{?name,label}`,
    html_url: `${site.api}/${site.owner}/${site.name}/releases/${release.draft ? `untagged-${release.id}` : `tag/${release.tag}`}`,
    id: release.id,
    node_id: nodeId('Release', release.id),
    author: actor(site),
    tag_name: release.tag,
    target_commitish: release.commit,
    name: release.name,
    body: release.body,
    draft: release.draft,
    prerelease: release.prerelease,
    immutable: false,
    created_at: release.createdAt,
    updated_at: release.updatedAt,
    published_at: release.publishedAt,
    assets: release.assets.map((asset) => assetObject(site, release, asset)),
    tarball_url: release.draft ? null : `${repo}/tarball/${release.tag}`,
    zipball_url: release.draft ? null : `${repo}/zipball/${release.tag}`,
  };
}
