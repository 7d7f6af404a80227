import type { RuleCheck } from '../checks/target.ts';
import type { Store, StoredEntity } from '../emulator/store.ts';
import type { SpecProblem } from '../spec/load.ts';
import type {
  EntitySpec,
  ModelFile,
  OperationSpec,
  ResolvedMember,
  RuleSpec,
  Severity,
  SpecSet,
} from '../spec/types.ts';
import type { DecodedCall, ErrorOutcome } from '../wire/codec.ts';

/** What every family knows about the rule it is working on. */
export interface RuleContext {
  set: SpecSet;
  op: OperationSpec;
  rule: RuleSpec;
  /** the operation's entity (behaviour.entity) and its model */
  entity: string;
  ent: EntitySpec;
  /** the input member that names the entity */
  select: string;
  /** the severity of the rule's own basis */
  sev: Severity;
  /** severity of "fails with the rule's error" / "…with its message" */
  codeSeverity: Severity;
  msgSeverity: Severity;
  /** the rule's error and its acceptErrors */
  accepted: string[];
  /** Data keys the error carries on the wire (legacy), or none */
  dataKeys: string[];
}

/** The loader's view of a rule while it checks references (the schema fragment already passed). */
export interface RuleValidationContext {
  set: SpecSet;
  op: OperationSpec;
  rule: RuleSpec;
  ent: EntitySpec;
  states: ModelFile['states'];
  /** the JSON pointer of the rule in its file */
  pointer: string;
  /** the file the operation came from */
  file: string;
  /** A problem at `pointer` below the rule's own pointer, in its file. */
  problem(pointer: string, message: string): SpecProblem;
  /** Does an entity field of this name exist (output shape, model default or an input member)? */
  fieldKnown(field: string): boolean;
  /** The same question about another entity (one a rule makes or names). */
  fieldKnownOf(entity: string, field: string): boolean;
}

/** An effect waiting for the rest of the rules: applied only when every rule passed. */
export interface PendingChange {
  rec: StoredEntity;
  fields: Record<string, unknown>;
}

/** The emulator's view of one call while it runs the rules in order. */
export interface EngineContext {
  set: SpecSet;
  store: Store;
  op: OperationSpec;
  rule: RuleSpec;
  call: DecodedCall;
  now: Date;
  ent: EntitySpec;
  /** the selected entity, when the operation selects one and it exists */
  rec: StoredEntity | undefined;
  /** the values an error about the selected entity is raised with */
  idValues: Record<string, unknown>;
  /** changes to apply when every rule passed */
  pending: PendingChange[];
  /** the output built so far */
  output: Record<string, unknown>;
  outMembers: Map<string, ResolvedMember>;
  /** An error when the selected entity is missing (the error of the operation's missing-entity rule). */
  needEntity(): ErrorOutcome | undefined;
  error(error: string, values: Record<string, unknown>): ErrorOutcome;
  /** What earlier rules of the call made or found, for the value language (`$created`, `$lookup`). */
  made: { created: Record<string, Record<string, unknown>>; lookup: Record<string, Record<string, unknown>> };
  /** Work applied once every rule passed, after `pending` (a create, a delete, a charge). */
  commits: (() => void)[];
  /** Once the call succeeded: a token to remember (token rules) and what the call created. */
  after: { token?: string; created?: StoredEntity };
}

/** The stateful model's view of one call on one entity. */
export interface PredictContext {
  set: SpecSet;
  op: OperationSpec;
  rule: RuleSpec;
  ent: EntitySpec;
  /** the entity's status in the model */
  status: string | undefined;
  /** 0: the owner signs; otherwise another requester */
  as: number;
  input: Record<string, unknown>;
  /** A call of the model deleted the entity: what a call on it may answer besides does-not-exist. */
  gone?: string[];
  /** The statuses of the entity's children, by child entity, when the model knows them. */
  children?: Record<string, string[]>;
}

/**
 * A rule's prediction: the call is refused with one of these errors, or (success) the status it
 * leaves, or it may be refused with one of these errors (the rule reads fields the model does not
 * follow, e.g. a threshold on MaxAssignments): such a refusal leaves the entity as it was.
 */
export type Prediction =
  | { refuse: string[] }
  | { next: string | undefined }
  | { maybe: string[] }
  /** success, and the entity is gone; later calls on it may answer these besides does-not-exist */
  | { gone: string[] }
  /** success, and the status is one of these (the rule reads a field the model does not follow):
   * the observation after the call tells which */
  | { either: string[] };

export interface RuleKindModule {
  readonly kind: string;
  /**
   * JSON Schema (draft-07) fragment a rule of this kind must also match: `required` members and
   * the `properties` only this kind has. The loader adds it to specs/meta-schema.json's rule.
   */
  readonly schema: Record<string, unknown>;
  /** Cross-reference problems beyond the schema (error ids and state names are checked for all kinds). */
  validate?(ctx: RuleValidationContext): SpecProblem[];
  /** The rule's `given` is a provider state under which a plain valid call succeeds. */
  readonly successState?: boolean;
  /** The rule's error is what the operation answers when the selected entity does not exist. */
  readonly missingEntity?: boolean;
  /** The rule depends on who signs the call (a second requester makes it observable). */
  readonly signer?: boolean;
  /** The rule changes the entity (a repeated call meets the changed entity). */
  readonly changes?: boolean;
  /** The rule names a second entity by an input member, one the stateful model does not make:
   * operations with such a rule stay out of the model runs (a predicate: only such rules of the kind). */
  readonly namesOther?: boolean | ((rule: RuleSpec) => boolean);
  /** The emulator: an error refuses the call; otherwise the rule adds to ctx.pending / ctx.output. */
  execute?(ctx: EngineContext): ErrorOutcome | undefined;
  /**
   * The stateful model: what the call does to an entity in the model (undefined: nothing to say).
   * A create rule's `next` for a call that makes the operation's entity is the new entity's status.
   */
  predict?(ctx: PredictContext): Prediction | undefined;
  /** Rule-level checks written once, run for each audience they apply to (src/checks/target.ts). */
  checks?(ctx: RuleContext): RuleCheck[];
}
