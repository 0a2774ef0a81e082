// A Lathe model, served without Lathe: reads model/ (TF.js layers format + preprocessing.json +
// signature.json) and runs the network's forward pass in plain JavaScript. No dependencies.
import fs from 'node:fs';
import path from 'node:path';

const ACTIVATIONS = {
  linear: (v) => v,
  relu: (v) => v.map((x) => (x > 0 ? x : 0)),
  elu: (v) => v.map((x) => (x > 0 ? x : Math.expm1(x))),
  selu: (v) => v.map((x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x))),
  tanh: (v) => v.map(Math.tanh),
  sigmoid: (v) => v.map((x) => 1 / (1 + Math.exp(-x))),
  softplus: (v) => v.map((x) => Math.log1p(Math.exp(x))),
  softmax: (v) => {
    const m = Math.max(...v);
    const e = v.map((x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  },
};

export class InputError extends Error {
  constructor(message, where) {
    super(message);
    this.where = where;
  }
}

/**
 * Loads model/ from `dir`. `options.impute`: fill missing required fields as training did instead of
 * refusing the row; by default it comes from lathe-model.json beside model/ (chosen at export time).
 */
export function loadModel(dir, options) {
  const read = (f) => fs.readFileSync(path.join(dir, f));
  if (options === undefined) {
    const info = path.join(path.dirname(dir), 'lathe-model.json');
    options = fs.existsSync(info) ? { impute: JSON.parse(fs.readFileSync(info, 'utf8')).impute === true } : {};
  }
  const modelJson = JSON.parse(read('model.json').toString('utf8'));
  const preprocessing = JSON.parse(read('preprocessing.json').toString('utf8'));
  const signature = JSON.parse(read('signature.json').toString('utf8'));
  if (preprocessing.kind !== 'table') throw new Error('This server serves table models only');
  const bin = Buffer.concat(modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => read(p)));
  const weights = new Map();
  let offset = 0;
  for (const group of modelJson.weightsManifest) {
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      Buffer.from(data.buffer).set(bin.subarray(offset, offset + n * 4));
      weights.set(w.name, { shape: w.shape, data });
      offset += n * 4;
    }
  }
  const weight = (layer, short) => {
    const exact = weights.get(`${layer}/${short}`);
    if (exact) return exact;
    for (const [k, v] of weights) if (k.endsWith(`/${short}`) && k.split('/').includes(layer)) return v;
    throw new Error(`weight ${layer}/${short} missing`);
  };
  const topo = modelJson.modelTopology.model_config ?? modelJson.modelTopology;
  const layerList = Array.isArray(topo.config) ? topo.config : topo.config.layers;
  const steps = [];
  for (const l of layerList) {
    const c = l.config ?? {};
    const act = (name) => {
      const f = ACTIVATIONS[name ?? 'linear'];
      if (!f) throw new Error(`activation ${name} not supported`);
      return f;
    };
    switch (l.class_name) {
      case 'InputLayer':
      case 'Dropout':
      case 'GaussianNoise':
      case 'GaussianDropout':
      case 'AlphaDropout':
        break;
      case 'Dense': {
        const k = weight(c.name, 'kernel');
        const b = c.use_bias === false ? null : weight(c.name, 'bias');
        const [nin, nout] = k.shape;
        const f = act(c.activation);
        steps.push((x) => {
          const y = new Array(nout).fill(0);
          for (let i = 0; i < nin; i++) {
            const xi = x[i];
            if (xi === 0) continue;
            const row = i * nout;
            for (let o = 0; o < nout; o++) y[o] += xi * k.data[row + o];
          }
          if (b) for (let o = 0; o < nout; o++) y[o] += b.data[o];
          return f(y);
        });
        break;
      }
      case 'Activation': {
        const f = act(c.activation);
        steps.push(f);
        break;
      }
      case 'BatchNormalization': {
        const mean = weight(c.name, 'moving_mean').data;
        const variance = weight(c.name, 'moving_variance').data;
        const gamma = c.scale === false ? null : weight(c.name, 'gamma').data;
        const beta = c.center === false ? null : weight(c.name, 'beta').data;
        const eps = c.epsilon ?? 1e-3;
        steps.push((x) => x.map((v, i) => ((v - mean[i]) / Math.sqrt(variance[i] + eps)) * (gamma ? gamma[i] : 1) + (beta ? beta[i] : 0)));
        break;
      }
      default:
        throw new Error(`layer ${l.class_name} not supported by this server`);
    }
  }
  return new Predictor(preprocessing, signature, steps, options);
}

const isMissing = (v) => v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));

function cellToNumber(v, type) {
  if (isMissing(v)) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = String(v).trim();
  if (type === 'datetime') return Date.parse(s);
  if (type === 'boolean') {
    const l = s.toLowerCase();
    if (l === 'true' || l === 'yes' || l === '1') return 1;
    if (l === 'false' || l === 'no' || l === '0') return 0;
  }
  return s === '' ? NaN : Number(s);
}

// A field the training split always had is required (missingInTraining 0, or not recorded).
const required = (f) => (f.missingInTraining ?? 0) === 0;
const ABSENT = Symbol('absent');

export class Predictor {
  constructor(preprocessing, signature, steps, options = {}) {
    this.pre = preprocessing;
    this.signature = signature;
    this.steps = steps;
    this.impute = options.impute === true;
    this.columns = preprocessing.features.map((f) => f.column);
    this.lookups = preprocessing.features.map((f) => (f.kind === 'categorical' ? new Map(f.vocab.map((v, i) => [v, i])) : null));
  }

  /**
   * Checks rows against the signature; throws InputError naming the row and field(s). Returns the rows'
   * cells in input order and which fields of which rows will be imputed.
   */
  validate(rows) {
    if (!Array.isArray(rows)) throw new InputError('"rows" must be an array of rows', 'rows');
    if (rows.length === 0) throw new InputError('"rows" is empty', 'rows');
    if (rows.length > 10000) throw new InputError(`at most 10000 rows per request (got ${rows.length})`, 'rows');
    // The target column may come along (rows taken from the training table); it is ignored.
    const known = new Set([...this.columns, this.signature.target]);
    const imputed = [];
    const valid = rows.map((row, r) => {
      let cells;
      if (Array.isArray(row)) {
        if (row.length !== this.columns.length) throw new InputError(`row ${r} has ${row.length} values; expected ${this.columns.length} (${this.columns.join(', ')})`, `rows[${r}]`);
        cells = row;
      } else if (row && typeof row === 'object') {
        for (const k of Object.keys(row)) if (!known.has(k)) throw new InputError(`row ${r}: unknown field "${k}"; fields are ${this.columns.join(', ')}`, `rows[${r}].${k}`);
        cells = this.columns.map((c) => (Object.prototype.hasOwnProperty.call(row, c) ? row[c] : ABSENT));
      } else throw new InputError(`row ${r} must be an object (field -> value) or an array`, `rows[${r}]`);
      const missing = [];
      this.pre.features.forEach((f, j) => {
        const v = cells[j];
        const where = `rows[${r}].${f.column}`;
        if (v === ABSENT) {
          cells[j] = null;
          missing.push({ f, absent: true });
          return;
        }
        if (v !== null && v !== undefined && typeof v === 'object') throw new InputError(`row ${r}, field "${f.column}": expected a single value, got ${Array.isArray(v) ? 'an array' : 'an object'}`, where);
        if (f.kind === 'numeric' && !isMissing(v) && !Number.isFinite(cellToNumber(v, f.type))) {
          throw new InputError(`row ${r}, field "${f.column}": expected a ${f.type === 'datetime' ? 'date' : 'number'}, got ${JSON.stringify(v)}`, where);
        }
        if (isMissing(v)) missing.push({ f, absent: false });
      });
      // An absent field is always missing input; an empty one only where training never saw it empty.
      const refused = this.impute ? [] : missing.filter((m) => m.absent || required(m.f)).map((m) => m.f);
      if (refused.length > 0) {
        const list = refused.map((f) => JSON.stringify(f.column)).join(', ');
        throw new InputError(`row ${r} is missing ${refused.length} required field${refused.length > 1 ? 's' : ''}: ${list} (this server was exported without imputation)`, `rows[${r}].${refused[0].column}`);
      }
      if (missing.length > 0) imputed.push({ row: r, fields: missing.map((m) => m.f.column) });
      return cells;
    });
    return { rows: valid, imputed };
  }

  encode(cells) {
    const x = [];
    this.pre.features.forEach((f, k) => {
      const cell = cells[k];
      if (f.kind === 'numeric') {
        let v = cellToNumber(cell, f.type);
        if (!Number.isFinite(v)) v = f.impute;
        x.push((v - f.mean) / f.std);
        return;
      }
      const key = isMissing(cell) ? f.impute : typeof cell === 'string' ? cell : String(cell);
      const idx = key === null ? f.vocab.length : (this.lookups[k].get(key) ?? f.vocab.length);
      if (f.encoding === 'onehot') {
        for (let i = 0; i <= f.vocab.length; i++) x.push(i === idx ? 1 : 0);
      } else x.push(idx / f.vocab.length);
    });
    return x;
  }

  predict(rows) {
    const { rows: valid, imputed } = this.validate(rows);
    const labels = this.signature.labels;
    const target = this.pre.target;
    const predictions = [];
    const probabilities = [];
    for (const cells of valid) {
      let y = this.encode(cells);
      for (const step of this.steps) y = step(y);
      if (target.kind === 'regression') predictions.push(y[0] * target.std + target.mean);
      else {
        let best = 0;
        for (let j = 1; j < y.length; j++) if (y[j] > y[best]) best = j;
        predictions.push(labels[best]);
        probabilities.push(y);
      }
    }
    const out = target.kind === 'regression' ? { predictions } : { predictions, probabilities, labels };
    if (imputed.length > 0) out.imputed = imputed;
    return out;
  }
}
