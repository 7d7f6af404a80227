// The registry of rule kinds. A rule kind is one module (src/rules/<kind>.ts, see types.ts for
// its contract); the loader, the emulator, the stateful model and every check family find a
// rule's meaning here, by the rule's `kind`. Adding a kind: write its module, list it below.
import type { SpecProblem } from '../spec/load.ts';
import { errorSpec, severityOf } from '../spec/resolve.ts';
import type { EntitySpec, OperationSpec, RuleSpec, SpecSet } from '../spec/types.ts';
import { cascade } from './cascade.ts';
import { charge } from './charge.ts';
import { children } from './children.ts';
import { create } from './create.ts';
import { remove } from './delete.ts';
import { effect } from './effect.ts';
import { exists } from './exists.ts';
import { help } from './help.ts';
import { list } from './list.ts';
import { lookup } from './lookup.ts';
import { notify } from './notify.ts';
import { outbox } from './outbox.ts';
import { owner } from './owner.ts';
import { read } from './read.ts';
import { statistic } from './statistic.ts';
import { status } from './status.ts';
import { threshold } from './threshold.ts';
import { token } from './token.ts';
import type { RuleContext, RuleKindModule } from './types.ts';
import { update } from './update.ts';
import { upload } from './upload.ts';

export type { RuleContext, RuleKindModule } from './types.ts';

// Built on first use: the modules import helpers that import this registry back.
let registry: Map<string, RuleKindModule> | undefined;
function kinds(): Map<string, RuleKindModule> {
  registry ??= new Map(
    [
      exists,
      owner,
      status,
      effect,
      read,
      list,
      lookup,
      token,
      children,
      threshold,
      charge,
      cascade,
      notify,
      outbox,
      create,
      update,
      remove,
      statistic,
      help,
      upload,
    ].map((m) => [m.kind, m]),
  );
  return registry;
}

/** Registers one more kind (a test's kind, or a kind from outside the package). */
export function registerRuleKind(m: RuleKindModule): void {
  kinds().set(m.kind, m);
  changes++;
}

let changes = 0;
/** Changes whenever the registry changes (the loader's schema cache keys on it). */
export function registryVersion(): number {
  return changes;
}

/** Every kind, in registration order. */
export function ruleKinds(): RuleKindModule[] {
  return [...kinds().values()];
}

/** The module of a kind; an unknown kind (the loader refuses those) means nothing. */
export function ruleKind(kind: string): RuleKindModule {
  return kinds().get(kind) ?? { kind, schema: {} };
}

/** The rule of an operation that a family asks about, with the entity it acts on. */
export function ruleContext(set: SpecSet, op: OperationSpec, rule: RuleSpec): RuleContext {
  const ent = set.model.entities[op.behaviour.entity] as EntitySpec;
  const err = rule.error ? errorSpec(set, rule.error) : undefined;
  const envelope = set.apis[op.api].protocol.errorEnvelope;
  return {
    set,
    op,
    rule,
    entity: op.behaviour.entity,
    ent,
    select: op.behaviour.select ?? ent?.id,
    sev: severityOf(rule.basis),
    codeSeverity: severityOf(rule.basis, err?.basis),
    msgSeverity: severityOf(rule.basis, err?.messageBasis ?? err?.basis, envelope.messageBasis),
    accepted: rule.error ? [rule.error, ...(rule.acceptErrors ?? [])] : [],
    // legacy errors carry Data key/value pairs (errors.json `data`), where the envelope has them
    dataKeys: envelope.fields?.data && err ? (err.data ?? []) : [],
  };
}

/** The rules whose kind has a trait. */
export function rulesWith(
  op: OperationSpec,
  trait: 'successState' | 'missingEntity' | 'signer' | 'changes' | 'namesOther',
): RuleSpec[] {
  return op.behaviour.rules.filter((r) => {
    const t = ruleKind(r.kind)[trait];
    return typeof t === 'function' ? t(r) : Boolean(t);
  });
}

/** The error ids an operation answers when the selected entity does not exist. */
export function missingEntityErrors(op: OperationSpec): string[] {
  return rulesWith(op, 'missingEntity').flatMap((r) => (r.error ? [r.error] : []));
}

/**
 * The rule schema the loader validates with: specs/meta-schema.json's `rule`, its `kind`
 * limited to the registered kinds, and each kind's fragment applied to the rules of that kind.
 */
export function ruleSchema(base: Record<string, unknown>): Record<string, unknown> {
  const props = (base.properties ?? {}) as Record<string, unknown>;
  const all = ruleKinds();
  return {
    ...base,
    properties: { ...props, kind: { enum: all.map((m) => m.kind) } },
    allOf: [
      ...((base.allOf as unknown[]) ?? []),
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise
      ...all.map((m) => ({ if: { properties: { kind: { const: m.kind } } }, then: m.schema })),
    ],
  };
}

/** The reference problems of every rule kind's own checks (the loader calls this per rule). */
export function ruleProblems(ctx: Parameters<NonNullable<RuleKindModule['validate']>>[0]): SpecProblem[] {
  return ruleKind(ctx.rule.kind).validate?.(ctx) ?? [];
}
