// The rule kinds that make, remove and guard entities, by kind: each module owns its checks
// (and documents its meaning for the emulator, which src/emulator/engine.ts carries out).
import { chargeChecks } from './charge.ts';
import { childrenChecks } from './children.ts';
import type { RuleCheckContext } from './context.ts';
import { createChecks } from './create.ts';
import { deleteChecks } from './delete.ts';
import { lookupChecks } from './lookup.ts';
import { thresholdChecks } from './threshold.ts';
import { tokenChecks } from './token.ts';

export const ruleKindChecks: Partial<Record<string, (ctx: RuleCheckContext) => void>> = {
  create: createChecks,
  delete: deleteChecks,
  token: tokenChecks,
  lookup: lookupChecks,
  children: childrenChecks,
  threshold: thresholdChecks,
  charge: chargeChecks,
};

export type { RuleCheckContext } from './context.ts';
