// Changelog lines for `changeset version`, kept local so the example needs no @changesets/cli.
const firstLine = (summary) => summary.trim().split('\n')[0];

module.exports = {
  getReleaseLine: async (changeset) => `- ${firstLine(changeset.summary)}`,
  getDependencyReleaseLine: async (changesets, dependenciesUpdated) =>
    dependenciesUpdated.length === 0
      ? ''
      : `- Updated dependencies: ${dependenciesUpdated.map((dependency) => `${dependency.name}@${dependency.newVersion}`).join(', ')}`,
};
