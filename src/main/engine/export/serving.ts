import fs from 'node:fs';
import path from 'node:path';
import { resourcesDir } from '../resources';

/**
 * The serving export's files besides model/: a dependency-free Node HTTP server (plain-JS forward pass
 * of the network, resources/serving/*.mjs), its smoke test, a Dockerfile and a README.
 */
export function servingFiles(model: string, number: number, versionId: string, opts: { impute?: boolean; alias?: string | null; reference?: string } = {}): Record<string, string> {
  const src = path.join(resourcesDir(), 'serving');
  const read = (f: string) => fs.readFileSync(path.join(src, f), 'utf8');
  return {
    'predictor.mjs': read('predictor.mjs'),
    'server.mjs': read('server.mjs'),
    'requestLog.mjs': read('requestLog.mjs'),
    // The version's reference profile (training rows + held-out predictions, sketches only): a site
    // monitors this model's logs against it without the data (docs/MONITORING.md).
    ...(opts.reference ? { 'monitoring/reference.json': opts.reference } : {}),
    'smoke-test.mjs': read('smoke-test.mjs'),
    // `impute` is read by predictor.mjs: chosen at export time, off unless asked for.
    'lathe-model.json': JSON.stringify({ model, version: number, versionId, impute: opts.impute === true, alias: opts.alias ?? null }, null, 2) + '\n',
    'package.json':
      JSON.stringify(
        { name: `${model.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}-serving`, version: `${number}.0.0`, private: true, type: 'module', engines: { node: '>=18' }, scripts: { start: 'node server.mjs', test: 'node smoke-test.mjs' } },
        null,
        2,
      ) + '\n',
    Dockerfile: `FROM node:20-alpine
WORKDIR /app
COPY . .
ENV HOST=0.0.0.0 PORT=8080
EXPOSE 8080
USER node
CMD ["node", "server.mjs"]
`,
    '.dockerignore': 'node_modules\n',
    'README.md': `# ${model} v${number}: prediction server

A self-contained HTTP server for this model, exported by Lathe. It needs Node.js 18 or later and
nothing else (no \`npm install\`): the network runs in plain JavaScript from \`model/\`.

## Run
\`\`\`
node server.mjs                       # http://127.0.0.1:8080
HOST=0.0.0.0 PORT=9000 node server.mjs  # listen elsewhere (PORT=0: any free port)
node smoke-test.mjs                   # starts it on a free loopback port and checks it
docker build -t ${model.toLowerCase()}:${number} . && docker run -p 8080:8080 ${model.toLowerCase()}:${number}
\`\`\`

## Request log (for monitoring)
Every answered row is appended to \`logs/predictions-*.ndjson\` (rotated at 64 MB, newest 50 files
kept): request id, time, model, version, alias, the features as received, the output and latency.
Send your own ids as \`"requestIds": [...]\` (one per row) or an \`X-Request-Id\` header; otherwise
they are generated. Every answer returns them (\`"requestIds"\`), so labels and outcomes can be joined
later: \`lathe monitor ingest ${model} logs/*.ndjson\`, \`lathe monitor labels ${model} labels.csv\`.
Logging never fails a prediction: when the disk is full or slower than the traffic, records are
dropped and counted (\`GET /health\` -> \`log.dropped\`). \`LATHE_LOG=off\` turns it off,
\`LATHE_LOG_DIR\` moves it, \`LATHE_ALIAS\` names the alias this server answers for.
\`monitoring/reference.json\` is the model's reference profile (sketches of its training data).

## API
- \`GET /health\` -> \`{"status":"ok","model":...,"inputs":[{"name","type","values?"}],"labels":[...]}\`
- \`POST /predict\` with \`Content-Type: application/json\` and \`{"rows": [{"<field>": <value>, ...}, ...]}\`
  (or rows as arrays in the order of \`inputs\`) -> \`{"predictions": [...], "probabilities": [[...]], "labels": [...]}\`
  (regression: \`predictions\` only). Up to 10 000 rows per request.
- ${opts.impute ? 'Missing fields or `null` are imputed as in training (this export was made with imputation on);' : 'A row missing a field the model always had in training (absent, `null` or `""`) is refused with 400 naming the fields (this export was made without imputation; fields that were sometimes missing in training are imputed as then);'}
  every answer that imputed lists it: \`"imputed": [{"row": 0, "fields": ["age"]}]\`. Unknown categories fall into the unknown
  bucket. Unknown fields, non-numbers in numeric fields and malformed rows answer 400 with
  \`{"error": "row 3, field \\"age\\": expected a number, got \\"abc\\"", "where": "rows[3].age"}\`.
`,
  };
}
