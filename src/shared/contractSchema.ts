import { z } from 'zod';
import { callNames, contract, eventNames, type CallName, type EventName } from './contract';

export interface CallDescription {
  name: CallName;
  summary: string;
  mutates: boolean;
  /** The input as JSON Schema (defaults shown, as a caller sends it). */
  input: unknown;
}

/**
 * The contract as data a script in any language can read: every call's input as JSON Schema, and the
 * event names. `GET /api/contract` serves it; test/engine/contractSnapshot.test.ts compares it with the
 * committed snapshot so every change to the API surface shows in review.
 */
export function describeContract(): { calls: CallDescription[]; events: EventName[] } {
  return {
    calls: callNames.map((name) => ({
      name,
      summary: contract[name].summary,
      mutates: contract[name].mutates,
      input: z.toJSONSchema(contract[name].input, { io: 'input', unrepresentable: 'any' }),
    })),
    events: [...eventNames],
  };
}
