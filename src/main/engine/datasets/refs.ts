import { LatheError } from '../../../shared/errors';
import type { DatasetRow, DatasetsRepo, VersionRow } from '../db/datasetsRepo';

export interface ResolvedRef {
  dataset: DatasetRow;
  version: VersionRow;
}

const MIN_PREFIX = 4;

/** Splits `name@spec`; a bare name means its latest version. */
export function splitRef(ref: string): { name: string; spec: string } {
  const at = ref.lastIndexOf('@');
  if (at < 0) return { name: ref, spec: 'latest' };
  return { name: ref.slice(0, at), spec: ref.slice(at + 1) || 'latest' };
}

export function datasetOrThrow(repo: DatasetsRepo, name: string): DatasetRow {
  const dataset = repo.datasetByName(name);
  if (dataset) return dataset;
  const known = repo.allDatasets().map((d) => d.name);
  throw new LatheError('NOT_FOUND', `There is no dataset named "${name}"`, {
    where: name,
    hint: known.length ? `Datasets here: ${known.slice(0, 20).join(', ')}. See \`lathe data list\`.` : 'No datasets yet: add one with `lathe data add <name> <path>`.',
  });
}

/**
 * Resolves `name`, `name@latest`, `name@<tag>`, `name@v<N>` and `name@<hash prefix>` (4+ hex
 * characters). Tags are looked up before hash prefixes, since a tag such as "beef" is also hex.
 */
export function resolveRef(repo: DatasetsRepo, ref: string): ResolvedRef {
  const { name, spec } = splitRef(ref);
  const dataset = datasetOrThrow(repo, name);
  const notFound = (what: string) => {
    const versions = repo.versions(dataset.id);
    const tags = repo.tagsOfDataset(dataset.id).map((t) => t.tag);
    const listed = versions.slice(0, 10).map((v) => `v${v.number} (${v.id.slice(0, 8)})`).join(', ');
    return new LatheError('NOT_FOUND', `${name} has no ${what}`, {
      where: ref,
      hint: `Versions: ${listed || 'none'}${tags.length ? `; tags: ${tags.join(', ')}` : ''}. See \`lathe data versions ${name}\`.`,
    });
  };
  let version: VersionRow | undefined;
  if (spec === 'latest') {
    version = repo.latest(dataset.id);
    if (!version) throw notFound('versions');
  } else if (/^v\d+$/.test(spec)) {
    version = repo.versionByNumber(dataset.id, Number(spec.slice(1)));
    if (!version) throw notFound(`version ${spec}`);
  } else {
    const tagged = repo.taggedVersion(dataset.id, spec);
    if (tagged) version = repo.versionById(dataset.id, tagged);
    else if (/^[0-9a-f]+$/i.test(spec) && spec.length >= MIN_PREFIX) {
      const matches = repo.versionsByIdPrefix(dataset.id, spec.toLowerCase());
      if (matches.length > 1) {
        throw new LatheError('INVALID_INPUT', `${ref} is ambiguous: ${matches.length} versions of ${name} start with ${spec}`, {
          where: ref,
          hint: `Use more characters: ${matches.map((m) => `v${m.number} ${m.id.slice(0, 12)}`).join(', ')}.`,
        });
      }
      version = matches[0];
    }
    if (!version) throw notFound(`tag or version "${spec}"`);
  }
  return { dataset, version };
}
