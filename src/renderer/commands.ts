/** The command palette's commands as data, and the matcher (pure; unit-tested). */
export interface Command {
  id: string;
  title: string;
  group: 'Go to' | 'Action' | 'Dataset' | 'Experiment' | 'Run' | 'Model' | 'Alias';
  /** Extra words the matcher also looks at (a run's experiment, a model's aliases). */
  keywords?: string;
  hint?: string;
  run: () => void;
}

/** Subsequence match scored by how early and how contiguous the letters are; -1 = no match. */
export function matchScore(query: string, text: string): number {
  const q = query.trim().toLowerCase();
  if (!q) return 0;
  const t = text.toLowerCase();
  const direct = t.indexOf(q);
  if (direct >= 0) return 1000 - direct;
  let score = 0;
  let ti = 0;
  let last = -2;
  for (const ch of q) {
    if (ch === ' ') continue;
    const at = t.indexOf(ch, ti);
    if (at < 0) return -1;
    score += at === last + 1 ? 5 : 1;
    last = at;
    ti = at + 1;
  }
  return score;
}

export function filterCommands(commands: Command[], query: string): Command[] {
  if (!query.trim()) return commands;
  return commands
    .map((c) => ({ c, s: Math.max(matchScore(query, c.title), matchScore(query, `${c.group} ${c.title}`) - 1, c.keywords ? matchScore(query, c.keywords) - 2 : -1) }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => b.s - a.s)
    .map((x) => x.c);
}
