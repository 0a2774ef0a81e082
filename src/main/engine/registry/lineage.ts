import type { LineageEdge, LineageGraph, LineageNode } from '../../../shared/registry';
import type { RegistryRepo, VersionRow } from '../db/registryRepo';
import { resolveModelRef } from './refs';

/** The lineage graph: which data and runs made a version, and what was made from a node. */
export class Lineage {
  constructor(private readonly repo: RegistryRepo) {}

  /** A node's name for people: `dataset@vN`, a run's name, `model@N`, an export's format and hash. */
  nodeLabel(kind: string, id: string): string {
    if (kind === 'dataset_version') {
      const d = this.repo.datasetVersionLabel(id);
      return d ? `${d.dataset}@v${d.number}` : id.slice(0, 12);
    }
    if (kind === 'run') return this.repo.runLabel(id) ?? id.slice(0, 12);
    if (kind === 'model_version') {
      const v = this.repo.version(id);
      return v ? `${v.model}@${v.number}` : id.slice(0, 12);
    }
    if (kind === 'export') {
      const e = this.repo.export(id);
      return e ? `${e.format} ${e.content_hash.slice(0, 12)}` : id.slice(0, 12);
    }
    return id.slice(0, 12);
  }

  /** Walks lineage edges from a node: upstream (what made it), downstream (what it made), or both. */
  graph(kind: string, id: string, direction: 'up' | 'down' | 'both'): LineageGraph {
    const nodes = new Map<string, LineageNode>();
    const edges = new Map<string, LineageEdge>();
    const key = (k: string, i: string) => `${k}:${i}`;
    const add = (k: string, i: string) => {
      const kk = key(k, i);
      if (!nodes.has(kk)) nodes.set(kk, { key: kk, kind: k, id: i, label: this.nodeLabel(k, i) });
      return kk;
    };
    add(kind, id);
    const walk = (dir: 'up' | 'down') => {
      const queue: [string, string][] = [[kind, id]];
      const seen = new Set([key(kind, id)]);
      while (queue.length) {
        const [k, i] = queue.shift() as [string, string];
        const rows = dir === 'up' ? this.repo.lineageTo(k, i) : this.repo.lineageFrom(k, i);
        for (const r of rows) {
          const from = add(r.from_kind, r.from_id);
          const to = add(r.to_kind, r.to_id);
          edges.set(`${from}>${to}>${r.relation}`, { from, to, relation: r.relation });
          const [nk, ni] = dir === 'up' ? [r.from_kind, r.from_id] : [r.to_kind, r.to_id];
          if (!seen.has(key(nk, ni)) && seen.size < 10_000) {
            seen.add(key(nk, ni));
            queue.push([nk, ni]);
          }
        }
      }
    };
    if (direction !== 'down') walk('up');
    if (direction !== 'up') walk('down');
    return { nodes: [...nodes.values()], edges: [...edges.values()] };
  }

  lineage(ref: string): LineageGraph {
    return this.graph('model_version', resolveModelRef(this.repo, ref).id, 'both');
  }

  downstream(kind: string, id: string): LineageGraph & { modelVersions: { id: string; model: string; number: number }[] } {
    const g = this.graph(kind, id, 'down');
    const modelVersions = g.nodes
      .filter((n) => n.kind === 'model_version')
      .map((n) => this.repo.version(n.id))
      .filter((v): v is VersionRow => v !== undefined)
      .map((v) => ({ id: v.id, model: v.model, number: v.number }));
    return { ...g, modelVersions };
  }
}
