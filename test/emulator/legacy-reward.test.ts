// A legacy HIT's Reward is a Price (Amount, CurrencyCode, FormattedPrice?). The model stores the
// amount; the currency is a model fact (money.currencyCode) and the Price shape says which member
// holds which (shapes/2014-08-15.json Price.money). FormattedPrice is documented nowhere in the
// reference, so the emulator leaves it out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs, loadSpecsUncached } from '../../src/spec/load.ts';
import type { Api, SpecSet } from '../../src/spec/types.ts';
import { codecsFor } from '../../src/wire/index.ts';
import { copySpecs, editJson, problemsOf } from '../spec/helpers.ts';
import { stateIds } from './helpers.ts';

const creds = TEST_REQUESTER_1;
const L: Api = '2014-08-15';
const J: Api = '2017-01-17';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = copySpecs());
});
afterEach(() => cleanup());

/** GetAssignment over the wire for an assignment of a fresh provider state: the body and the decoded HIT. */
function hitOf(set: SpecSet, api: Api): { body: string; hit: Record<string, unknown> } {
  const emulator = createEmulator({ specs: set });
  const ids = stateIds(emulator, 'HITWithSubmittedAssignment');
  const codec = codecsFor(set).find((c) => c.api === api)!;
  const res = emulator.handleSync(
    codec.encodeRequest(set, 'GetAssignment', { AssignmentId: ids.AssignmentId }, creds, {
      host: '127.0.0.1',
      now: new Date(),
      // the Reward is one of the members HITDetail adds (GetAssignment's default is Minimal);
      // a 2017 request has no groups and ignores them
      responseGroups: ['HITDetail'],
    }),
  );
  const answer = codec.decodeResponse(set, 'GetAssignment', res);
  if (answer.kind !== 'success') throw new Error(`GetAssignment failed: ${res.body}`);
  expect(answer.problems).toEqual([]);
  return { body: res.body, hit: answer.output.HIT as Record<string, unknown> };
}

describe('legacy HIT Reward', () => {
  it('is the stored amount with the model currency, and no FormattedPrice', () => {
    const set = loadSpecs();
    const amount = set.model.entities.HIT!.fields.Reward;
    const currency = set.model.money!.currencyCode;
    const { body, hit } = hitOf(set, L);
    expect(hit.Reward).toEqual({ Amount: amount, CurrencyCode: currency });
    expect(body).toContain(
      `<Reward><Amount>${amount}</Amount><CurrencyCode>${currency}</CurrencyCode></Reward>`,
    );
    expect(body).not.toContain('FormattedPrice');
    // 2017 shows the same amount as a bare CurrencyAmount string.
    expect(hitOf(set, J).hit.Reward).toBe(amount);
  });

  it('changing the model currency or amount changes what the legacy answer shows', () => {
    editJson(dir, 'model.json', (d) => {
      d.money.currencyCode = 'EUR';
      d.entities.HIT.fields.Reward = '1.25';
    });
    const set = loadSpecsUncached(dir);
    expect(hitOf(set, L).hit.Reward).toEqual({ Amount: '1.25', CurrencyCode: 'EUR' });
    expect(hitOf(set, J).hit.Reward).toBe('1.25');
  });

  it('the Price shape names which member holds the amount: swapping them swaps the answer', () => {
    editJson(dir, 'shapes/2014-08-15.json', (d) => {
      d.shapes.Price.money.amount = 'CurrencyCode';
      d.shapes.Price.money.currencyCode = 'Amount';
    });
    const set = loadSpecsUncached(dir);
    expect(hitOf(set, L).hit.Reward).toEqual({ Amount: 'USD', CurrencyCode: '0.05' });
  });

  it('without the money declaration the legacy HIT has no Reward (the gap this closes)', () => {
    editJson(dir, 'shapes/2014-08-15.json', (d) => {
      delete d.shapes.Price.money;
    });
    const set = loadSpecsUncached(dir);
    const { hit } = hitOf(set, L);
    expect(hit.Reward).toBeUndefined();
    expect(hit.Title).toBe(set.model.entities.HIT!.fields.Title);
  });
});

describe('money facts that dangle fail loading', () => {
  it('a money shape with no currency in the model', () => {
    editJson(dir, 'model.json', (d) => {
      delete d.money;
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toEqual([
      {
        file: 'shapes/2014-08-15.json',
        pointer: '/shapes/Price/money',
        message: 'Price shows money, but model.json has no money.currencyCode to show with it',
      },
    ]);
  });

  it('a money member the shape does not have, or that is not a string', () => {
    editJson(dir, 'shapes/2014-08-15.json', (d) => {
      d.shapes.Price.money.amount = 'Value';
      d.shapes.Price.members.CurrencyCode.shape = 'Integer';
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toEqual([
      {
        file: 'shapes/2014-08-15.json',
        pointer: '/shapes/Price/money/amount',
        message: 'Value is not a member of Price',
      },
      {
        file: 'shapes/2014-08-15.json',
        pointer: '/shapes/Price/money/currencyCode',
        message: 'CurrencyCode must be a string member to hold the currencyCode',
      },
    ]);
  });

  it('a currency code that is not three capitals, or money on a non-structure', () => {
    editJson(dir, 'model.json', (d) => {
      d.money.currencyCode = 'usd';
    });
    editJson(dir, 'shapes/2014-08-15.json', (d) => {
      d.shapes.String.money = { amount: 'A', currencyCode: 'B', basis: { tag: 'INF', sources: ['PROJECT'] } };
    });
    const problems = problemsOf(() => loadSpecsUncached(dir));
    expect(problems).toContainEqual(
      expect.objectContaining({ file: 'model.json', pointer: '/money/currencyCode' }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({ file: 'shapes/2014-08-15.json', pointer: '/shapes/String/type' }),
    );
  });
});
