import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeContract } from '../../src/shared/contractSchema';

/**
 * The API surface (every call's name, summary, mutates flag and input JSON Schema, and the event
 * names) against the committed docs/contract.json, so every API change shows in review. After a
 * deliberate change: `UPDATE_CONTRACT_SNAPSHOT=1 npx vitest run test/engine/contractSnapshot.test.ts`.
 */
const SNAPSHOT = path.resolve('docs/contract.json');

describe('contract surface', () => {
  it('matches the committed snapshot (docs/contract.json)', () => {
    const now = JSON.stringify(describeContract(), null, 2) + '\n';
    if (process.env.UPDATE_CONTRACT_SNAPSHOT === '1') {
      fs.writeFileSync(SNAPSHOT, now);
      console.log(`updated ${SNAPSHOT}`);
    }
    const committed = fs.existsSync(SNAPSHOT) ? fs.readFileSync(SNAPSHOT, 'utf8') : '(missing)';
    const names = (text: string) => (text.startsWith('{') ? (JSON.parse(text) as { calls: { name: string }[] }).calls.map((c) => c.name) : []);
    const added = names(now).filter((n) => !names(committed).includes(n));
    const removed = names(committed).filter((n) => !names(now).includes(n));
    expect(
      now === committed,
      `the contract differs from docs/contract.json (added: ${added.join(', ') || '-'}; removed: ${removed.join(', ') || '-'}; or a schema changed). ` +
        'If the change is meant, run UPDATE_CONTRACT_SNAPSHOT=1 npx vitest run test/engine/contractSnapshot.test.ts and commit docs/contract.json.',
    ).toBe(true);
  });
});
