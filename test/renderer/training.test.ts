import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LatheError } from '../../src/shared/errors';
import { describeTemplates, type JobInfo } from '../../src/shared/training';
import { setTransport } from '../../src/renderer/transport';
import {
  DEFAULT_SPLIT_FORM,
  groupHyperparameters,
  inactiveFields,
  initialHpForm,
  parseHp,
  rangeText,
  validateSpecForm,
  type SpecForm,
} from '../../src/renderer/stores/trainingForm';
import { baselinesOf, binaryCostOf, COST_PRESETS, defaultMatrix, downsample, matrixCostOf, rowShares, zipPoints } from '../../src/renderer/stores/evaluationLogic';
import { DEFAULT_SWEEP_FORM, gridSize, parseSweepYaml, parseValueList, sweepSpecOf } from '../../src/renderer/stores/sweepsForm';
import { chartGroups, formatEta, fractionDone, initialTrainingState, orderJobs, parseTrainingRoute, trainingRouteOf, useTrainingStore, type TrainingView } from '../../src/renderer/stores/trainingStore';
import { initialTrainingNewState, useTrainingNewStore } from '../../src/renderer/stores/trainingNewStore';
import { costOfForm, initialEvaluationState, useEvaluationStore } from '../../src/renderer/stores/evaluationStore';
import { fakeTransport } from './fakeTransport';

const mlp = describeTemplates().find((t) => t.name === 'tabular-mlp')!.hyperparameters;
const baseForm = (patch: Partial<SpecForm> = {}): SpecForm => ({
  data: 'penguins@v1',
  target: 'Species',
  task: 'classification',
  features: ['Island', 'Sex'],
  template: 'tabular-mlp',
  hp: initialHpForm(mlp),
  split: DEFAULT_SPLIT_FORM,
  name: '',
  experiment: '',
  ...patch,
});


const RUN = 'a'.repeat(32);
const job = (p: Partial<JobInfo>): JobInfo => ({
  id: 'j',
  runId: RUN,
  kind: 'train',
  label: 'Train',
  priority: 0,
  state: 'queued',
  worker: null,
  progress: null,
  createdAt: 1,
  startedAt: null,
  endedAt: null,
  error: null,
  ...p,
});

beforeEach(() => {
  useTrainingStore.setState(initialTrainingState);
  useTrainingNewStore.setState(initialTrainingNewState);
  useEvaluationStore.setState(initialEvaluationState);
});
afterEach(() => setTransport(null));

describe('the training form from a template description', () => {
  it('starts every field at its default, as text for numbers and lists', () => {
    const form = initialHpForm(mlp);
    expect(form.hiddenUnits).toBe('64, 32');
    expect(form.learningRate).toBe('0.001');
    expect(form.earlyStopping).toBe(true);
    expect(form.optimizer).toBe('adam');
  });

  it('parses numbers, lists and choices, and says what is not a number', () => {
    const d = (n: string) => mlp.find((x) => x.name === n)!;
    expect(parseHp(d('hiddenUnits'), '32, 16')).toEqual({ value: [32, 16] });
    expect(parseHp(d('hiddenUnits'), '32 x').error).toMatch(/whole numbers/);
    expect(parseHp(d('learningRate'), '1e-3')).toEqual({ value: 0.001 });
    expect(parseHp(d('learningRate'), 'fast').error).toMatch(/not a number/);
    expect(parseHp(d('optimizer'), 'sgd')).toEqual({ value: 'sgd' });
    expect(parseHp(d('optimizer'), 'lbfgs').error).toMatch(/choose one of/);
  });

  it('explains ranges, groups fields and dims those the choices make inert', () => {
    expect(rangeText(mlp.find((x) => x.name === 'learningRate')!)).toBe('0 < x ≤ 10');
    expect(rangeText(mlp.find((x) => x.name === 'hiddenUnits')!)).toBe('each 1 – 4096');
    const groups = groupHyperparameters(mlp).map((g) => g.title);
    expect(groups).toEqual(['Model', 'Optimisation', 'Early stopping', 'Reproducibility']);
    expect(groupHyperparameters(mlp).flatMap((g) => g.fields).length).toBe(mlp.length);
    const off = inactiveFields({ ...initialHpForm(mlp), earlyStopping: false });
    expect(off.has('patience')).toBe(true);
    expect(off.has('lrDecay')).toBe(true);
    expect(inactiveFields({ ...initialHpForm(mlp), lrSchedule: 'step' }).has('lrStepEpochs')).toBe(false);
  });

  it('validates with the contract schema: a negative learning rate, zero units, splits that do not add up', () => {
    expect(validateSpecForm(baseForm(), mlp).errors).toEqual({});
    const bad = validateSpecForm(baseForm({ hp: { ...initialHpForm(mlp), learningRate: '-0.1', hiddenUnits: '0' } }), mlp).errors;
    expect(bad['hyperparameters.learningRate']).toMatch(/above 0/);
    expect(bad['hyperparameters.hiddenUnits.0']).toMatch(/at least 1 unit/);
    const split = validateSpecForm(baseForm({ split: { ...DEFAULT_SPLIT_FORM, train: '0.9' } }), mlp).errors;
    expect(split['split.train']).toMatch(/add up to 1/);
    expect(validateSpecForm(baseForm({ features: [] }), mlp).errors.features).toBeTruthy();
    expect(validateSpecForm(baseForm({ split: { ...DEFAULT_SPLIT_FORM, kind: 'column', column: '' } }), mlp).errors['split.column']).toBeTruthy();
    // Text that is not a number keeps its own message rather than zod's "required".
    expect(validateSpecForm(baseForm({ hp: { ...initialHpForm(mlp), epochs: 'ten' } }), mlp).errors['hyperparameters.epochs']).toMatch(/not a number/);
  });
});

describe('evaluation helpers', () => {
  it('turns the binary cost editor into a cost, with the churn preset', () => {
    const churn = COST_PRESETS.find((p) => p.id === 'churn')!;
    expect(binaryCostOf(churn.values)).toEqual({ cost: { kind: 'binary', tp: -10, fp: -10, fn: -120, tn: 0 }, errors: {} });
    expect(binaryCostOf({ ...churn.values, fn: 'lots' }).errors.fn).toMatch(/not a number/);
    expect(binaryCostOf({ ...churn.values, tn: '' }).errors.tn).toMatch(/needed/);
    expect(binaryCostOf({ tp: '1', fp: '2', fn: '1', tn: '2' }).errors.cost).toMatch(/cannot pick a threshold/);
  });

  it('checks a multiclass matrix cell by cell', () => {
    const m = defaultMatrix(3);
    expect(m[1]).toEqual(['-1', '0', '-1']);
    expect(matrixCostOf(['a', 'b', 'c'], m).cost).toEqual({ kind: 'matrix', classes: ['a', 'b', 'c'], values: [[0, -1, -1], [-1, 0, -1], [-1, -1, 0]] });
    m[2][0] = 'x';
    expect(matrixCostOf(['a', 'b', 'c'], m).errors).toEqual({ 'values.2.0': '"x" is not a number' });
  });

  it('downsamples curves for display, keeping both ends', () => {
    const pts = Array.from({ length: 1000 }, (_, i) => i);
    const d = downsample(pts, 100);
    expect(d.length).toBe(100);
    expect(d[0]).toBe(0);
    expect(d[99]).toBe(999);
    expect(downsample([1, 2, 3], 100)).toEqual([1, 2, 3]);
    expect(zipPoints([0, 1, NaN], [1, 2, 3])).toEqual([{ x: 0, y: 1 }, { x: 1, y: 2 }]);
  });

  it('colours the heatmap by the share of the actual class, and reads baselines from run metrics', () => {
    expect(rowShares([[3, 1], [0, 0]])).toEqual([[0.75, 0.25], [0, 0]]);
    const b = baselinesOf({ 'baseline.majority.test_acc': { last: 0.44 }, 'baseline.logreg.test_acc': { last: 0.97 }, test_acc: { last: 0.98 } });
    expect(b).toEqual([{ name: 'logreg', values: { test_acc: 0.97 } }, { name: 'majority', values: { test_acc: 0.44 } }]);
  });

  it('the evaluate form picks the binary or the matrix editor from the model labels', () => {
    const f = { ...initialEvaluationState.form, useCost: true, signature: { task: 'classification', labels: ['no', 'yes'] } as never, binary: COST_PRESETS[0].values };
    expect(costOfForm(f).cost?.kind).toBe('binary');
    const m = { ...f, signature: { task: 'classification', labels: ['a', 'b', 'c'] } as never, matrix: defaultMatrix(3) };
    expect(costOfForm(m).cost?.kind).toBe('matrix');
    expect(costOfForm({ ...f, useCost: false }).cost).toBeUndefined();
  });
});

describe('sweep form', () => {
  it('parses value lists with YAML flow syntax', () => {
    expect(parseValueList('0.001, 0.01').values).toEqual([0.001, 0.01]);
    expect(parseValueList('[16], [32, 16]').values).toEqual([[16], [32, 16]]);
    expect(parseValueList('adam, sgd').values).toEqual(['adam', 'sgd']);
    expect(parseValueList('').error).toBeTruthy();
  });

  it('builds a spec the contract accepts and counts a grid', () => {
    const base = { template: 'tabular-mlp', data: 'penguins', target: 'Species' } as const;
    const form = { ...DEFAULT_SWEEP_FORM, params: [{ ...DEFAULT_SWEEP_FORM.params[0], values: '0.01, 0.05' }, { path: 'hyperparameters.hiddenUnits', kind: 'values' as const, values: '[8], [16]', min: '', max: '', step: '1' }] };
    const { spec, errors } = sweepSpecOf(form, base);
    expect(errors).toEqual({});
    expect(spec.parameters).toEqual({ 'hyperparameters.learningRate': { values: [0.01, 0.05] }, 'hyperparameters.hiddenUnits': { values: [[8], [16]] } });
    expect(gridSize(form)).toBe(4);
  });

  it('puts errors on the row that has them', () => {
    const base = { template: 'tabular-mlp', data: 'penguins' } as const;
    const grid = { ...DEFAULT_SWEEP_FORM, params: [{ ...DEFAULT_SWEEP_FORM.params[0], kind: 'loguniform' as const, min: '0', max: '0.1' }] };
    expect(sweepSpecOf(grid, base).errors['params.0.kind']).toMatch(/grid takes lists/);
    const random = { ...grid, strategy: 'random' as const };
    expect(sweepSpecOf(random, base).errors['params.0.min']).toMatch(/above 0/);
    const dup = { ...DEFAULT_SWEEP_FORM, params: [DEFAULT_SWEEP_FORM.params[0], DEFAULT_SWEEP_FORM.params[0]] };
    expect(sweepSpecOf(dup, base).errors['params.1.path']).toMatch(/already/);
  });

  it('imports YAML: syntax, schema and base errors, or a spec', () => {
    const ok = `name: lr\nbase:\n  template: tabular-mlp\n  data: penguins\n  target: Species\nparameters:\n  hyperparameters.learningRate: { distribution: loguniform, min: 0.0001, max: 0.1 }\nstrategy: { kind: random, trials: 2 }\n`;
    expect(parseSweepYaml(ok).errors).toEqual([]);
    expect(parseSweepYaml('base: [').errors[0]).toMatch(/^YAML/);
    expect(parseSweepYaml('base: {}\nparameters: {}\n').errors.join()).toMatch(/at least one parameter/);
    expect(parseSweepYaml(ok.replace('tabular-mlp', 'resnet')).errors.join()).toMatch(/^base/);
  });
});

describe('training store', () => {
  it('routes to and from the hash', () => {
    const views: TrainingView[] = [{ kind: 'home' }, { kind: 'new' }, { kind: 'run', runId: RUN }, { kind: 'sweep', id: RUN }, { kind: 'new-sweep' }, { kind: 'compare', ids: [RUN, 'b'.repeat(32)] }];
    for (const v of views) {
      expect(parseTrainingRoute(trainingRouteOf(v))).toEqual(v);
    }
    expect(parseTrainingRoute('run/nope')).toEqual({ kind: 'home' });
  });

  it('orders the queue (running, queued by priority, then the latest ended) and merges job events', () => {
    const jobs = [job({ id: 'a', state: 'done', endedAt: 5 }), job({ id: 'b', state: 'queued', priority: 0, createdAt: 1 }), job({ id: 'c', state: 'queued', priority: 5, createdAt: 2 }), job({ id: 'd', state: 'running', worker: 0 })];
    expect(orderJobs(jobs).map((j) => j.id)).toEqual(['d', 'c', 'b', 'a']);
    useTrainingStore.getState().jobChanged(job({ id: 'b', state: 'running', worker: 1, progress: { phase: 'train', epoch: 2, epochs: 4, batch: 1, batches: 2, samplesPerSec: 100, etaMs: 3000 } }));
    const s = useTrainingStore.getState();
    expect(s.jobs.data?.jobs.map((j) => j.state)).toEqual(['running']);
    expect(s.progress[RUN].progress.epoch).toBe(2);
  });

  it('reads progress and ETA for people', () => {
    expect(fractionDone({ phase: 'train', epoch: 2, epochs: 4, batch: 1, batches: 2, samplesPerSec: 1, etaMs: null })).toBeCloseTo(0.375);
    expect(fractionDone(null)).toBeNull();
    expect(formatEta(12_400)).toBe('12 s');
    expect(formatEta(185_000)).toBe('3 min 05 s');
    expect(formatEta(null)).toBe('—');
  });

  it('pairs each epoch metric with its validation twin and keeps per-batch series apart', () => {
    const g = chartGroups(['acc', 'baseline.logreg.test_acc', 'batch.loss', 'best_epoch', 'loss', 'lr', 'test_acc', 'val_acc', 'val_loss']);
    expect(g.map((x) => x.keys)).toEqual([['loss', 'val_loss'], ['acc', 'val_acc'], ['batch.loss'], ['lr']]);
    expect(g[2].perBatch).toBe(true);
  });

  it('starts a training from the form and keeps an engine refusal to show', async () => {
    const templates = describeTemplates();
    setTransport(
      fakeTransport({
        'training.templates': () => templates,
        'training.start': (i) => {
          const spec = i.spec;
          if (spec.target === 'constant') throw new LatheError('INVALID_INPUT', 'Target "constant" is constant', { where: 'target' });
          return { runId: RUN, jobId: 'j' };
        },
        'training.jobs': () => ({ workers: 2, jobs: [] }),
      }),
    );
    await useTrainingStore.getState().loadTemplates();
    useTrainingNewStore.setState({ form: baseForm() });
    expect(await useTrainingNewStore.getState().start()).toBe(RUN);
    useTrainingNewStore.setState({ form: baseForm({ target: 'constant' }) });
    expect(await useTrainingNewStore.getState().start()).toBeNull();
    expect(useTrainingNewStore.getState().error?.message).toMatch(/constant/);
    // An invalid form never reaches the engine.
    useTrainingNewStore.setState({ form: baseForm({ hp: { ...initialHpForm(mlp), learningRate: '-1' } }) });
    expect(await useTrainingNewStore.getState().start()).toBeNull();
  });
});
