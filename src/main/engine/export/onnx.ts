import { LatheError } from '../../../shared/errors';
import { layersOf, layerWeight, weightsByName, type ArtifactFiles } from '../registry/artifact';
import { requiredFeature } from '../training/missingFeatures';
import { APP_VERSION } from '../version';
import { DT, encodeModel, floatAttr, GraphBuilder, intAttr, intsAttr, stringAttr, valueInfo } from './onnxProto';

export const ONNX_OPSET = 13;

/**
 * TF.js layers model -> ONNX (opset 13), with the preprocessing inside the graph.
 *
 * Table models take one input `features`: float32 [N, F], one column per input column of the
 * signature, in its order. Numeric columns carry the raw value (booleans 0/1, datetimes ms since 1970;
 * NaN = missing). Categorical columns carry the index of the value in the column's `vocab`
 * (preprocessing.json); NaN = missing, -1 (or any index outside the vocab) = a value not seen in
 * training. In the graph: Where(IsNaN) imputes, Sub/Div standardise, Where(Less/Greater) sends unknown
 * indices to the unknown bucket, Equal against a constant [0..k] tensor + Cast one-hot encodes (Div by
 * k for index-encoded columns), Concat assembles the network's input vector. No string tensors: ONNX
 * runtimes differ in string support, and a lookup table is one line in any client.
 *
 * Image models take `image`: float32 [N, H, W, C] raw pixel values 0-255 (NHWC, resized as
 * preprocessing.json says); the graph scales them (Mul) and transposes to NCHW for Conv/MaxPool, and
 * back to NHWC before Flatten so the Dense weights line up.
 *
 * Outputs: `output` (class probabilities in `labels` order, or the regression value in the target's
 * units) and, for classifiers, `class_index` (int64 ArgMax).
 *
 * Missing required features: a graph cannot refuse a row, so unless the export chose imputation, a row
 * with NaN in a required column (one the training split always had, see training/missingFeatures.ts)
 * gets NaN in every `output` value instead of a confident answer: the graph adds
 * ReduceSum(required columns x 0), which is 0 for complete rows and NaN otherwise. Its `class_index` is
 * then meaningless; the metadata key `missing` says so.
 */
export function convertToOnnx(a: ArtifactFiles, meta: Record<string, string>, opts: { impute?: boolean } = {}): Buffer {
  const g = new GraphBuilder();
  const weights = weightsByName(a.modelJson, a.weights);
  const layers = layersOf(a.modelJson);
  if (layers.length === 0) throw new LatheError('BAD_FILE', 'model.json has no layers');
  const pre = a.preprocessing;
  const sig = a.signature;
  let x: string;
  let layout: 'flat' | 'nhwc' | 'nchw';
  const inputs: object[] = [];
  let guard: string | null = null;

  if (pre.kind === 'image') {
    inputs.push(valueInfo('image', DT.FLOAT, ['N', pre.height, pre.width, pre.channels]));
    x = g.node('Mul', ['image', g.floatConst('pixel_scale', [], [pre.scale])]);
    layout = 'nhwc';
  } else {
    const feats = pre.features;
    const F = feats.length;
    if (F === 0) throw new LatheError('BAD_FILE', 'The preprocessing lists no input columns');
    inputs.push(valueInfo('features', DT.FLOAT, ['N', F]));
    const fill = feats.map((f) => (f.kind === 'numeric' ? f.impute : f.impute === null ? f.vocab.length : Math.max(0, f.vocab.indexOf(f.impute))));
    const mean = feats.map((f) => (f.kind === 'numeric' ? f.mean : 0));
    const std = feats.map((f) => (f.kind === 'numeric' ? f.std : 1));
    const nan = g.node('IsNaN', ['features']);
    const filled = g.node('Where', [nan, g.floatConst('impute', [1, F], fill), 'features']);
    const centred = g.node('Sub', [filled, g.floatConst('mean', [1, F], mean)]);
    const standard = g.node('Div', [centred, g.floatConst('std', [1, F], std)]);
    const pieces: string[] = [];
    feats.forEach((f, j) => {
      const idx = g.int64Const(g.fresh(`col${j}`), [1], [j]);
      if (f.kind === 'numeric') {
        pieces.push(g.node('Gather', [standard, idx], [intAttr('axis', 1)]));
        return;
      }
      const k = f.vocab.length;
      const col = g.node('Gather', [filled, idx], [intAttr('axis', 1)]); // [N, 1]
      const below = g.node('Less', [col, g.floatConst(g.fresh('zero'), [], [-0.5])]);
      const above = g.node('Greater', [col, g.floatConst(g.fresh('top'), [], [k - 0.5])]);
      const unknown = g.node('Or', [below, above]);
      const pos = g.node('Where', [unknown, g.floatConst(g.fresh('unk'), [], [k]), col]);
      if (f.encoding === 'onehot') {
        const eq = g.node('Equal', [pos, g.floatConst(g.fresh(`vocab${j}`), [k + 1], Array.from({ length: k + 1 }, (_, i) => i))]); // [N, k+1]
        pieces.push(g.node('Cast', [eq], [intAttr('to', DT.FLOAT)]));
      } else pieces.push(g.node('Div', [pos, g.floatConst(g.fresh('k'), [], [k])]));
    });
    x = pieces.length === 1 ? pieces[0] : g.node('Concat', pieces, [intAttr('axis', 1)]);
    layout = 'flat';
    const required = feats.map((f, j) => (requiredFeature(f) ? j : -1)).filter((j) => j >= 0);
    if (!opts.impute && required.length > 0) {
      const cols = g.node('Gather', ['features', g.int64Const('required_columns', [required.length], required)], [intAttr('axis', 1)]);
      const zeroed = g.node('Mul', [cols, g.floatConst('zero_if_present', [], [0])]);
      guard = g.node('ReduceSum', [zeroed, g.int64Const('guard_axes', [1], [1])], [intAttr('keepdims', 1)]); // [N, 1]: 0 or NaN
    }
  }

  const toNchw = () => {
    if (layout === 'nhwc') {
      x = g.node('Transpose', [x], [intsAttr('perm', [0, 3, 1, 2])]);
      layout = 'nchw';
    }
  };
  const toNhwc = () => {
    if (layout === 'nchw') {
      x = g.node('Transpose', [x], [intsAttr('perm', [0, 2, 3, 1])]);
      layout = 'nhwc';
    }
  };
  const activation = (act: unknown) => {
    const a = String(act ?? 'linear');
    if (a === 'linear' || a === 'undefined') return;
    if (a === 'relu') x = g.node('Relu', [x]);
    else if (a === 'tanh') x = g.node('Tanh', [x]);
    else if (a === 'sigmoid') x = g.node('Sigmoid', [x]);
    else if (a === 'softmax') x = g.node('Softmax', [x], [intAttr('axis', -1)]);
    else if (a === 'elu') x = g.node('Elu', [x], [floatAttr('alpha', 1)]);
    else if (a === 'softplus') x = g.node('Softplus', [x]);
    else if (a === 'selu') x = g.node('Selu', [x], [floatAttr('alpha', 1.6732632423543772), floatAttr('gamma', 1.0507009873554805)]);
    else throw new LatheError('BAD_FILE', `Activation "${a}" is not supported by the ONNX export`, { hint: 'Supported: linear, relu, tanh, sigmoid, softmax, elu, selu, softplus.' });
  };
  const need = (layer: string, short: string) => {
    const w = layerWeight(weights, layer, short);
    if (!w) throw new LatheError('BAD_FILE', `Weight ${layer}/${short} is missing from model.json's manifest`);
    return w;
  };

  for (const l of layers) {
    const c = l.config;
    switch (l.className) {
      case 'InputLayer':
      case 'Dropout':
      case 'SpatialDropout1D':
      case 'SpatialDropout2D':
      case 'GaussianNoise':
      case 'GaussianDropout':
      case 'AlphaDropout':
        break; // identity at inference
      case 'Dense': {
        if (layout !== 'flat') throw new LatheError('BAD_FILE', `Dense layer ${l.name} gets a 4-D input; add a Flatten before it`);
        const k = need(l.name, 'kernel');
        x = g.node('MatMul', [x, g.floatConst(g.fresh(`${l.name}_kernel`), k.shape, k.data)]);
        if (c.use_bias !== false) {
          const b = need(l.name, 'bias');
          x = g.node('Add', [x, g.floatConst(g.fresh(`${l.name}_bias`), b.shape, b.data)]);
        }
        activation(c.activation);
        break;
      }
      case 'Activation':
        activation(c.activation);
        break;
      case 'ReLU':
        x = g.node('Relu', [x]);
        break;
      case 'Softmax':
        x = g.node('Softmax', [x], [intAttr('axis', -1)]);
        break;
      case 'BatchNormalization': {
        // Folded into a per-channel affine: y = x * s + t, s = gamma / sqrt(var + eps), t = beta - mean * s.
        const eps = typeof c.epsilon === 'number' ? c.epsilon : 1e-3;
        const mean = need(l.name, 'moving_mean').data;
        const variance = need(l.name, 'moving_variance').data;
        const n = mean.length;
        const gamma = c.scale === false ? new Float32Array(n).fill(1) : need(l.name, 'gamma').data;
        const beta = c.center === false ? new Float32Array(n) : need(l.name, 'beta').data;
        const s = new Float32Array(n);
        const t = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          s[i] = gamma[i] / Math.sqrt(variance[i] + eps);
          t[i] = beta[i] - mean[i] * s[i];
        }
        toNhwc(); // channels last, so [n] broadcasts over the last axis
        x = g.node('Mul', [x, g.floatConst(g.fresh(`${l.name}_scale`), [n], s)]);
        x = g.node('Add', [x, g.floatConst(g.fresh(`${l.name}_shift`), [n], t)]);
        break;
      }
      case 'Conv2D': {
        if (c.data_format === 'channels_first') throw new LatheError('BAD_FILE', `Conv2D ${l.name} is channels_first; only channels_last models are supported`);
        toNchw();
        const k = need(l.name, 'kernel'); // [kh, kw, in, out]
        const [kh, kw, cin, cout] = k.shape;
        const w = new Float32Array(k.data.length); // -> [out, in, kh, kw]
        for (let a0 = 0; a0 < kh; a0++)
          for (let b0 = 0; b0 < kw; b0++)
            for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) w[((o * cin + i) * kh + a0) * kw + b0] = k.data[((a0 * kw + b0) * cin + i) * cout + o];
        const ins = [x, g.floatConst(g.fresh(`${l.name}_w`), [cout, cin, kh, kw], w)];
        if (c.use_bias !== false) ins.push(g.floatConst(g.fresh(`${l.name}_b`), [cout], need(l.name, 'bias').data));
        const strides = (c.strides as number[] | undefined) ?? [1, 1];
        const dil = (c.dilation_rate as number[] | number | undefined) ?? [1, 1];
        const attrs = [intsAttr('kernel_shape', [kh, kw]), intsAttr('strides', strides), intsAttr('dilations', Array.isArray(dil) ? dil : [dil, dil])];
        attrs.push(c.padding === 'same' ? stringAttr('auto_pad', 'SAME_UPPER') : intsAttr('pads', [0, 0, 0, 0]));
        x = g.node('Conv', ins, attrs);
        activation(c.activation);
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        toNchw();
        const pool = (c.pool_size as number[] | undefined) ?? [2, 2];
        const strides = (c.strides as number[] | null | undefined) ?? pool;
        const attrs = [intsAttr('kernel_shape', pool), intsAttr('strides', strides)];
        attrs.push(c.padding === 'same' ? stringAttr('auto_pad', 'SAME_UPPER') : intsAttr('pads', [0, 0, 0, 0]));
        if (l.className === 'AveragePooling2D') attrs.push(intAttr('count_include_pad', 0));
        x = g.node(l.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x], attrs);
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D':
        toNchw();
        x = g.node(l.className === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x]);
        x = g.node('Flatten', [x], [intAttr('axis', 1)]);
        layout = 'flat';
        break;
      case 'Flatten':
        toNhwc(); // TF.js flattens channels-last
        x = g.node('Flatten', [x], [intAttr('axis', 1)]);
        layout = 'flat';
        break;
      default:
        throw new LatheError('BAD_FILE', `Layer ${l.name} (${l.className}) is not supported by the ONNX export`, {
          hint: 'Supported: Dense, Activation, Dropout (dropped), BatchNormalization (folded), Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten.',
        });
    }
  }
  if (layout !== 'flat') {
    toNhwc();
    x = g.node('Flatten', [x], [intAttr('axis', 1)]);
  }
  if (pre.target.kind === 'regression') {
    x = g.node('Mul', [x, g.floatConst('target_std', [], [pre.target.std])]);
    x = g.node('Add', [x, g.floatConst('target_mean', [], [pre.target.mean])]);
  }
  if (guard) x = g.node('Add', [x, guard]);
  g.node('Identity', [x], [], 'output');
  const outputs = [valueInfo('output', DT.FLOAT, ['N', sig.outputSize])];
  if (sig.task === 'classification') {
    g.node('ArgMax', ['output'], [intAttr('axis', 1), intAttr('keepdims', 0)], 'class_index');
    outputs.push(valueInfo('class_index', DT.INT64, ['N']));
  }
  return encodeModel(g, {
    inputs,
    outputs,
    name: meta.model ?? 'lathe_model',
    doc: 'Exported by Lathe. Inputs and preprocessing: see README.md beside this file.',
    opset: ONNX_OPSET,
    producerVersion: APP_VERSION,
    metadata: {
      ...meta,
      labels: JSON.stringify(sig.labels),
      inputs: JSON.stringify(pre.kind === 'table' ? pre.features.map((f) => f.column) : ['image']),
      ...(guard && pre.kind === 'table'
        ? { missing: `NaN in a required column (${pre.features.filter(requiredFeature).map((f) => f.column).join(', ')}) makes that row's output NaN; class_index is then meaningless. Exported without imputation.` }
        : {}),
    },
  });
}
