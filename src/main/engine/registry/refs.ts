import { LatheError } from '../../../shared/errors';
import { isLatheId } from '../../../shared/ids';
import type { RegistryRepo, VersionRow } from '../db/registryRepo';

/** Splits `model@spec`; a bare name means its latest version. */
export function splitModelRef(ref: string): { name: string; spec: string } {
  const at = ref.lastIndexOf('@');
  if (at < 0) return { name: ref, spec: 'latest' };
  return { name: ref.slice(0, at), spec: ref.slice(at + 1) || 'latest' };
}

/**
 * Resolves `model`, `model@latest`, `model@3`, `model@v3`, `model@<alias>` and a bare version id
 * (32 hex digits). Aliases are looked up by name; numbers never collide with them (an alias cannot
 * look like a number).
 */
export function resolveModelRef(repo: RegistryRepo, ref: string): VersionRow {
  if (isLatheId(ref)) {
    const v = repo.version(ref);
    if (v) return v;
  }
  const { name, spec } = splitModelRef(ref);
  const model = repo.model(name);
  if (!model) {
    const known = repo.models().map((m) => m.name);
    throw new LatheError('NOT_FOUND', `There is no model named "${name}"`, {
      where: ref,
      hint: known.length ? `Models here: ${known.slice(0, 20).join(', ')}. See \`lathe models list\`.` : 'Register one: `lathe models register <run> --name <model>`.',
    });
  }
  const notFound = (what: string) => {
    const versions = repo.versions(name).slice(0, 10).map((v) => `${v.number}`);
    const aliases = repo.aliases(name).map((a) => a.alias);
    return new LatheError('NOT_FOUND', `${name} has no ${what}`, {
      where: ref,
      hint: `Versions: ${versions.join(', ') || 'none'}${aliases.length ? `; aliases: ${aliases.join(', ')}` : ''}.`,
    });
  };
  let v: VersionRow | undefined;
  if (spec === 'latest') {
    v = repo.latestVersion(name);
    if (!v) throw notFound('versions');
  } else if (/^v?\d+$/.test(spec)) {
    v = repo.versionByNumber(name, Number(spec.replace(/^v/, '')));
    if (!v) throw notFound(`version ${spec}`);
  } else {
    const a = repo.alias(name, spec);
    if (a) v = repo.version(a.version_id);
    if (!v) throw notFound(`alias "${spec}"`);
  }
  return v;
}
