import { describe, expect, it } from 'vitest';
import { checkPipeline, parsePipeline } from '../../src/main/engine/pipelines/definition';

const ok = `name: p
stages:
  data: { type: dataset, ref: penguins@latest }
  a:
    type: command
    run: echo \${stages.data.outputs.version}
  b:
    type: command
    after: [a]
    run: [echo, "\${params.x}"]
    params: { x: 1 }
`;

describe('pipeline definitions', () => {
  it('orders stages as a DAG and hashes the definition, not its layout', () => {
    const p = parsePipeline(ok);
    expect(p.order).toEqual(['data', 'a', 'b']);
    expect(p.needs).toEqual({ data: [], a: ['data'], b: ['a'] });
    const relaid = parsePipeline(`# a comment\n${ok.replace('{ type: dataset, ref: penguins@latest }', '\n    ref: penguins@latest\n    type: dataset')}`);
    expect(relaid.hash).toBe(p.hash);
    expect(parsePipeline(ok.replace('x: 1', 'x: 2')).hash).not.toBe(p.hash);
  });

  it('names an unknown stage type at its line and column', () => {
    const { issues } = checkPipeline('name: p\nstages:\n  a:\n    type: teleport\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 4, column: 11 });
    expect(issues[0].message).toMatch(/unknown stage type "teleport".*dataset, validate/);
  });

  it('finds cycles and says which stages form them', () => {
    const { issues } = checkPipeline(`name: p
stages:
  a: { type: command, run: "echo \${stages.c.outputs.run}" }
  b: { type: command, run: "echo \${stages.a.outputs.run}" }
  c: { type: command, run: x, after: [b] }
`);
    expect(issues.map((i) => i.message).join('\n')).toMatch(/cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/);
    expect(issues[0].line).toBeGreaterThanOrEqual(3);
  });

  it('refuses references that do not resolve, at their position', () => {
    const { issues } = checkPipeline(`name: p
stages:
  a: { type: command, run: x }
  b:
    type: command
    run: "echo \${stages.nope.outputs.run}"
  c:
    type: command
    run: "echo \${stages.a.outputs.model}"
    after: [ghost]
`);
    const text = issues.map((i) => `${i.line}:${i.column} ${i.message}`);
    expect(text).toEqual([
      expect.stringMatching(/^6:10 .*there is no stage "nope"/),
      expect.stringMatching(/^9:10 .*a command stage has no output "model" \(it has run\)/),
      expect.stringMatching(/^10:13 after names stage "ghost"/),
    ]);
  });

  it('refuses a bad cron expression at its line', () => {
    const { issues } = checkPipeline('name: p\ntriggers:\n  - kind: schedule\n    cron: "61 * * * *"\nstages:\n  a: { type: command, run: x }\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 4, column: 11, path: 'triggers.0.cron' });
    expect(issues[0].message).toMatch(/bad cron expression/);
  });

  it('reports schema errors and unknown fields at line:column, and YAML syntax errors too', () => {
    const a = checkPipeline('name: p\nstages:\n  t:\n    type: train\n    spec: { template: tabular-mlp, data: d }\n    colour: red\n');
    expect(a.issues[0]).toMatchObject({ line: 6, column: 5 });
    expect(a.issues[0].message).toMatch(/unknown field "colour"/);
    const b = checkPipeline('name: p\nstages: [\n');
    expect(b.issues[0].line).toBeGreaterThanOrEqual(2);
    expect(() => parsePipeline('name: p\nstages:\n  a:\n    type: teleport\n', 'x.yaml')).toThrow(/x\.yaml:4:11: unknown stage type/);
  });
});
