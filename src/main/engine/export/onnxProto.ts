/**
 * The subset of onnx.proto (ONNX project, Apache-2.0) Lathe writes, with a small protobuf writer.
 * Field numbers and wire types are those of onnx/onnx.proto (IR version 8). Hand-written rather than
 * protobufjs's reflection: about sixty lines, no runtime schema, and it keeps protobufjs (whose
 * fs shim trips the bundle checks) out of the main bundles.
 */
type FieldKind = 'string' | 'bytes' | 'int' | 'float' | 'msg' | 'packedFloat' | 'packedInt' | 'repInt' | 'repFloat';
type Schema = Record<string, [number, FieldKind, string?]>;
const SCHEMAS: Record<string, Schema> = {
  ModelProto: { ir_version: [1, 'int'], producer_name: [2, 'string'], producer_version: [3, 'string'], domain: [4, 'string'], model_version: [5, 'int'], doc_string: [6, 'string'], graph: [7, 'msg', 'GraphProto'], opset_import: [8, 'msg', 'OperatorSetIdProto'], metadata_props: [14, 'msg', 'StringStringEntryProto'] },
  StringStringEntryProto: { key: [1, 'string'], value: [2, 'string'] },
  OperatorSetIdProto: { domain: [1, 'string'], version: [2, 'int'] },
  GraphProto: { node: [1, 'msg', 'NodeProto'], name: [2, 'string'], initializer: [5, 'msg', 'TensorProto'], doc_string: [10, 'string'], input: [11, 'msg', 'ValueInfoProto'], output: [12, 'msg', 'ValueInfoProto'] },
  NodeProto: { input: [1, 'string'], output: [2, 'string'], name: [3, 'string'], op_type: [4, 'string'], attribute: [5, 'msg', 'AttributeProto'], domain: [7, 'string'] },
  AttributeProto: { name: [1, 'string'], f: [2, 'float'], i: [3, 'int'], s: [4, 'bytes'], floats: [7, 'repFloat'], ints: [8, 'repInt'], type: [20, 'int'] },
  TensorProto: { dims: [1, 'packedInt'], data_type: [2, 'int'], float_data: [4, 'packedFloat'], int64_data: [7, 'packedInt'], name: [8, 'string'], raw_data: [9, 'bytes'] },
  ValueInfoProto: { name: [1, 'string'], type: [2, 'msg', 'TypeProto'] },
  TypeProto: { tensor_type: [1, 'msg', 'TypeProtoTensor'] },
  TypeProtoTensor: { elem_type: [1, 'int'], shape: [2, 'msg', 'TensorShapeProto'] },
  TensorShapeProto: { dim: [1, 'msg', 'Dimension'] },
  Dimension: { dim_value: [1, 'int'], dim_param: [2, 'string'] },
};

class ProtoWriter {
  private parts: Buffer[] = [];
  private static varint(v: number | bigint): Buffer {
    let n = BigInt.asUintN(64, BigInt(v)); // negative int64s are ten-byte two's complement varints
    const out: number[] = [];
    while (n >= 0x80n) {
      out.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    out.push(Number(n));
    return Buffer.from(out);
  }
  tag(field: number, wire: number): void {
    this.parts.push(ProtoWriter.varint((field << 3) | wire));
  }
  int(field: number, v: number): void {
    this.tag(field, 0);
    this.parts.push(ProtoWriter.varint(v));
  }
  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.parts.push(b);
  }
  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.parts.push(ProtoWriter.varint(b.length), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  packedInts(field: number, vs: number[]): void {
    this.bytes(field, Buffer.concat(vs.map((v) => ProtoWriter.varint(v))));
  }
  packedFloats(field: number, vs: number[]): void {
    const b = Buffer.alloc(vs.length * 4);
    vs.forEach((v, i) => b.writeFloatLE(v, i * 4));
    this.bytes(field, b);
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Encodes a plain object as the named message (unknown keys are an error: they would be dropped silently). */
export function encodeMessage(type: string, value: Record<string, unknown>): Buffer {
  const schema = SCHEMAS[type];
  const w = new ProtoWriter();
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    const spec = schema[key];
    if (!spec) throw new Error(`${type} has no field ${key}`);
    const [field, kind, sub] = spec;
    const list = Array.isArray(v) && kind !== 'packedInt' && kind !== 'packedFloat' ? v : [v];
    for (const item of list) {
      if (kind === 'string') w.bytes(field, Buffer.from(String(item), 'utf8'));
      else if (kind === 'bytes') w.bytes(field, item as Uint8Array);
      else if (kind === 'int' || kind === 'repInt') w.int(field, item as number);
      else if (kind === 'float' || kind === 'repFloat') w.float(field, item as number);
      else if (kind === 'packedInt') w.packedInts(field, item as number[]);
      else if (kind === 'packedFloat') w.packedFloats(field, item as number[]);
      else w.bytes(field, encodeMessage(sub as string, item as Record<string, unknown>));
    }
  }
  return w.finish();
}

/** TensorProto.DataType values used here. */
export const DT = { FLOAT: 1, INT64: 7, BOOL: 9 } as const;
/** AttributeProto.AttributeType values used here. */
export const AT = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

export type Attr = { name: string; f?: number; i?: number; s?: Uint8Array; ints?: number[]; floats?: number[]; type: number };

/** Builds an ONNX graph node by node; initializers are float32 (raw_data) or int64 tensors. */
export class GraphBuilder {
  readonly nodes: object[] = [];
  readonly initializers: object[] = [];
  private n = 0;

  fresh(prefix: string): string {
    return `${prefix}_${this.n++}`;
  }

  floatConst(name: string, dims: number[], data: Float32Array | number[]): string {
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    this.initializers.push({ name, dims, data_type: DT.FLOAT, raw_data: Buffer.from(f.buffer, f.byteOffset, f.byteLength) });
    return name;
  }

  int64Const(name: string, dims: number[], data: number[]): string {
    this.initializers.push({ name, dims, data_type: DT.INT64, int64_data: data });
    return name;
  }

  node(op: string, inputs: string[], attrs: Attr[] = [], output?: string): string {
    const out = output ?? this.fresh(op.toLowerCase());
    this.nodes.push({ op_type: op, input: inputs, output: [out], name: this.fresh(`n_${op}`), attribute: attrs });
    return out;
  }
}

export const intAttr = (name: string, i: number): Attr => ({ name, i, type: AT.INT });
export const intsAttr = (name: string, ints: number[]): Attr => ({ name, ints, type: AT.INTS });
export const floatAttr = (name: string, f: number): Attr => ({ name, f, type: AT.FLOAT });
export const stringAttr = (name: string, s: string): Attr => ({ name, s: Buffer.from(s), type: AT.STRING });

export function valueInfo(name: string, elemType: number, dims: (number | string)[]): object {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

export function encodeModel(g: GraphBuilder, opts: { inputs: object[]; outputs: object[]; name: string; doc: string; opset: number; producerVersion: string; metadata: Record<string, string> }): Buffer {
  return encodeMessage('ModelProto', {
    ir_version: 8,
    producer_name: 'lathe',
    producer_version: opts.producerVersion,
    doc_string: opts.doc,
    opset_import: [{ domain: '', version: opts.opset }],
    metadata_props: Object.entries(opts.metadata).map(([key, value]) => ({ key, value })),
    graph: { name: opts.name, node: g.nodes, initializer: g.initializers, input: opts.inputs, output: opts.outputs },
  });
}
