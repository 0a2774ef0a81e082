import { describe, expect, it } from 'vitest';
import { filterCommands } from '../../src/renderer/commands';
import { paletteCommands, type PaletteData } from '../../src/renderer/components/paletteCommands';
import type { Run } from '../../src/shared/tracking';

/** The palette reaches every screen, action, dataset, experiment, run, model and alias by name (fuzzy). */

const data: PaletteData = {
  datasets: [{ name: 'penguins', createdAt: '', versionCount: 2, latest: null }],
  experiments: [{ id: 'e1', name: 'baseline-sweep', description: '', tags: {}, createdAt: 0, updatedAt: 0, lifecycle: 'active', runCount: 3 }],
  runs: [{ id: 'a'.repeat(32), name: 'gentle-falcon', experimentName: 'baseline-sweep' } as Run],
  models: [{ name: 'penguin-species', description: '', createdAt: 0, versionCount: 3, latest: 3, aliases: { champion: 2, challenger: 3 } }],
};
const commands = paletteCommands(data);
const first = (q: string) => filterCommands(commands, q)[0];

describe('the command palette', () => {
  it('has every screen and the actions', () => {
    const titles = commands.map((c) => `${c.group}: ${c.title}`);
    for (const s of ['Datasets', 'Experiments', 'Training', 'Models', 'Deploy', 'Monitor']) expect(titles).toContain(`Go to: ${s}`);
    for (const a of ['New training…', 'Evaluate a training run…', 'Register a model from a run…', 'Export a model…', 'Import a bundle…', 'Add a dataset or version…', 'Toggle light/dark theme']) {
      expect(titles).toContain(`Action: ${a}`);
    }
  });

  it('finds a model by its alias, and the alias itself, fuzzily', () => {
    expect(first('champion')).toMatchObject({ group: 'Alias', title: 'penguin-species@champion', hint: 'v2' });
    expect(first('peng@chal')).toMatchObject({ group: 'Alias', title: 'penguin-species@challenger' });
    expect(filterCommands(commands, 'champion').map((c) => c.title)).toContain('penguin-species');
    expect(first('pngspcs')?.title).toMatch(/^penguin-species/);
  });

  it('finds datasets, experiments and runs by name, and a run by its experiment', () => {
    expect(first('penguins')).toMatchObject({ group: 'Dataset', title: 'penguins' });
    expect(first('gentle')).toMatchObject({ group: 'Run', title: 'gentle-falcon' });
    expect(filterCommands(commands, 'baseline').map((c) => c.group)).toEqual(expect.arrayContaining(['Experiment', 'Run']));
    expect(first('new train')?.title).toBe('New training…');
  });
});
