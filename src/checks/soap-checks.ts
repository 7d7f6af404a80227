// The SOAP form of the legacy checks. Every server check of a legacy operation (and every
// cross-version check) runs over REST and over SOAP unless the target says it speaks one form
// (`legacyWires`): the SOAP twin of `<check>` is `soap.<check>`, the same body with the session's
// wire set to SOAP. Checks that edit the REST parameters (methods, SignatureVersion 1, Version,
// the signature parameter) or replay recorded REST exchanges stay REST-only; the signature ones
// get SOAP versions here, with the rules only SOAP has: namespace, SOAPAction, fault placement,
// envelope faults and batching. Everything expected is read from specs/protocols/2014-08-15.json#/soap.
import fc from 'fast-check';
import { errorSpec } from '../spec/resolve.ts';
import type { OperationSpec, SpecSet } from '../spec/types.ts';
import type { WireRequest } from '../wire/http-types.ts';
import { LEGACY_API } from '../wire/legacy.ts';
import {
  decodeSoapBatch,
  encodeSoapBatch,
  isSoapFault,
  SOAP_WIRE,
  soapBinding,
  soapNamespaceProblems,
} from '../wire/soap.ts';
import { expectError, expectSuccess, summary } from './judge.ts';
import {
  basisText,
  makeCheck,
  minimalInput,
  protocolFile,
  ruleOf,
  selectMember,
  sev,
  unknownIdArb,
} from './plan.ts';
import { editedCall, unchangedSince } from './protocol-checks.ts';
import { freshIds } from './rule-support.ts';
import { type Answered, CheckFailure, type Session } from './session.ts';
import type { Check, ServerTargetConfig } from './types.ts';

export const SOAP_PREFIX = `${SOAP_WIRE}.`;

/** The legacy wire forms a target is checked over: the config's, else every form the specs bind. */
export function legacyWires(set: SpecSet, config: ServerTargetConfig): string[] {
  const bound = ['rest', ...(set.apis[LEGACY_API].protocol.soap ? [SOAP_WIRE] : [])];
  return config.legacyWires?.length ? bound.filter((w) => config.legacyWires!.includes(w)) : bound;
}

/** Checks that act on the REST form itself, with the reason they have no SOAP twin. */
function restOnly(set: SpecSet, id: string): boolean {
  // a refusal check and its `.code` check (the error it must give) act on the same request
  const check = id.replace(/\.code$/, '');
  const p = set.apis[LEGACY_API].protocol;
  const soapElements = new Set(p.soap?.elements.map((e) => e.name.toLowerCase()) ?? []);
  const refusedParams = Object.entries(p.commonParameters ?? {})
    .filter(([name, x]) => x.refuse && !soapElements.has(name.toLowerCase()))
    .map(([name]) => `protocol.${name.toLowerCase()}`);
  return (
    // GET and POST of the query form; SOAP is POST only
    check === 'protocol.methods' ||
    // SignatureVersion 1 signs the query parameters, which SOAP does not have
    check === 'protocol.signature-schemes' ||
    // these edit the Signature parameter: their SOAP forms are below
    check === 'protocol.missing-signature' ||
    check === 'protocol.unsigned' ||
    check === 'protocol.bad-signature' ||
    // Version and the like are REST-only common parameters
    refusedParams.includes(check) ||
    // recorded REST exchanges
    check.startsWith('fixtures.')
  );
}

/** Does a check talk to the legacy API (its own, or, for cross-version checks, as one side)? */
function usesLegacy(c: Check): boolean {
  return c.api === LEGACY_API || c.check.startsWith('cross.');
}

/** The SOAP twin of a check: same body, the session's legacy calls over SOAP. */
function twin(c: Check): Check {
  const check = `${SOAP_PREFIX}${c.check}`;
  return {
    ...c,
    id: `${c.api}/${c.operation}/${check}`,
    check,
    rule: `${c.rule} (over SOAP)`,
    run: (s) => {
      s.wire = SOAP_WIRE;
      return c.run(s);
    },
  };
}

/**
 * The catalogue with the legacy checks over each wire form the target speaks: REST checks as
 * they are, their SOAP twins, and the SOAP-only checks of each selected legacy operation.
 */
export function soapServerChecks(
  set: SpecSet,
  config: ServerTargetConfig,
  checks: Check[],
  only: Set<string> | undefined,
): Check[] {
  if (!set.apis[LEGACY_API].protocol.soap || !config.apis.includes(LEGACY_API)) return checks;
  const wires = legacyWires(set, config);
  const rest = wires.includes('rest');
  const soap = wires.includes(SOAP_WIRE);
  const out: Check[] = [];
  for (const c of checks) {
    if (!usesLegacy(c)) {
      out.push(c);
      continue;
    }
    if (rest) out.push(c);
    if (soap && !restOnly(set, c.check)) out.push(twin(c));
  }
  if (soap)
    for (const op of set.apis[LEGACY_API].operations.values())
      if (!only || only.has(op.operation)) out.push(...soapOnlyChecks(set, op));
  return out;
}

// ---------------------------------------------------------------------------
// the SOAP-only rules

async function validCall(
  s: Session,
  set: SpecSet,
  op: OperationSpec,
  label = 'valid call',
): Promise<Answered> {
  const ids = await freshIds(s, op);
  return s.call(op.api, op.operation, minimalInput(set, op, ids, s.config.seed), { label });
}

/** An input naming no entity (no provider state needed), when the operation has an exists rule. */
function unknownInput(set: SpecSet, op: OperationSpec, seed: number): Record<string, unknown> | undefined {
  if (!ruleOf(op, 'exists')?.error) return undefined;
  const id = fc.sample(unknownIdArb(set, op), { seed, numRuns: 1 })[0]!;
  return minimalInput(set, op, {}, seed, { [selectMember(set, op)]: id });
}

/** A valid input (own provider state) and, when the operation has an exists rule, one naming no entity. */
async function inputs(
  s: Session,
  set: SpecSet,
  op: OperationSpec,
): Promise<{ valid: Record<string, unknown>; unknown?: Record<string, unknown> }> {
  const ids = await freshIds(s, op);
  const valid = minimalInput(set, op, ids, s.config.seed);
  const unknown = unknownInput(set, op, s.config.seed);
  return unknown ? { valid, unknown } : { valid };
}

/** The text of the SOAP signature element of a request, changed or removed. */
function editSignature(set: SpecSet, req: WireRequest, edit: 'remove' | 'spoil'): WireRequest {
  const b = soapBinding(set);
  const name = b.elements.find((e) => e.role === 'signature')?.name ?? '';
  const re = new RegExp(`<${name}>([^<]*)</${name}>`);
  const body =
    edit === 'remove'
      ? req.body.replace(re, '')
      : req.body.replace(
          re,
          (_m, sig: string) => `<${name}>${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}</${name}>`,
        );
  return { ...req, body };
}

export function soapOnlyChecks(set: SpecSet, op: OperationSpec): Check[] {
  const b = soapBinding(set);
  const p = set.apis[LEGACY_API].protocol;
  const file = protocolFile(set, LEGACY_API);
  const out: Check[] = [];
  const add = (
    check: string,
    severity: ReturnType<typeof sev>,
    rule: string,
    run: (s: Session) => Promise<void>,
  ) =>
    out.push(
      makeCheck(LEGACY_API, op.operation, `${SOAP_PREFIX}${check}`, severity, rule, async (s) => {
        s.wire = SOAP_WIRE;
        await s.requireApi(LEGACY_API);
        await run(s);
      }),
    );

  add(
    'namespace',
    sev(b.namespace.basis),
    `${file}#/soap/namespace: the answer document and every element in it are in ${b.namespace.uri}${basisText(b.namespace.basis)}`,
    async (s) => {
      // the answer that needs no provider state first, then a success
      const unknown = unknownInput(set, op, s.config.seed);
      const answers = async function* () {
        if (unknown) yield await s.call(LEGACY_API, op.operation, unknown, { label: 'unknown id' });
        yield await validCall(s, set, op);
      };
      for await (const ex of answers()) {
        if (isSoapFault(set, ex.res))
          throw new CheckFailure(
            `The call was answered by a SOAP Fault, not by an answer document: ${summary(ex)}.`,
            ex,
          );
        const problems = soapNamespaceProblems(set, ex.res);
        if (problems.length)
          throw new CheckFailure(`The answer is not in the binding's namespace: ${problems.join('; ')}.`, ex);
      }
    },
  );

  add(
    'soapaction',
    sev(b.soapAction.basis),
    `${file}#/soap/soapAction: a call carrying ${b.soapAction.header}: ${b.soapAction.quoted ? `"${b.soapAction.value}"` : b.soapAction.value} (the one value of every operation) is served, the operation named by the body element${basisText(b.soapAction.basis)}`,
    async (s) => {
      const unknown = unknownInput(set, op, s.config.seed);
      if (unknown) {
        const refused = await s.call(LEGACY_API, op.operation, unknown, { label: 'unknown id' });
        if (refused.answer.kind !== 'error' || isSoapFault(set, refused.res))
          throw new CheckFailure(
            `A ${op.operation} call with the WSDL's ${b.soapAction.header} naming no entity must be answered by the ${op.operation}Response document with its error, but the target answered ${summary(refused)}.`,
            refused,
          );
      }
      const ex = await validCall(s, set, op, `valid call with ${b.soapAction.header}`);
      expectSuccess(set, op, ex, `A valid ${op.operation} call with the WSDL's ${b.soapAction.header}`);
    },
  );

  const auth = [p.protocolErrors.signatureMismatch, p.protocolErrors.missingAuthentication].filter(
    (x): x is string => !!x,
  );
  add(
    'fault-placement',
    sev(b.response.basis),
    `${file}#/soap/response and #/errorEnvelope/placement: an AWS-level error (a wrong signature) and an operation error are answered in the ${op.operation}Response document with HTTP ${p.errorEnvelope.status ?? p.success.status}, not as a SOAP Fault${basisText(b.response.basis)}`,
    async (s) => {
      // no provider state needed: the signature is judged before the entity
      const unknown = unknownInput(set, op, s.config.seed);
      const bad = await s.call(
        LEGACY_API,
        op.operation,
        unknown ?? minimalInput(set, op, {}, s.config.seed),
        {
          label: 'a wrong signature',
          mutate: (r) => editSignature(set, r, 'spoil'),
        },
      );
      if (isSoapFault(set, bad.res))
        throw new CheckFailure(
          `A request with a wrong signature was answered by a SOAP Fault (HTTP ${bad.res.status}); an AWS-level error belongs in OperationRequest/Errors of the answer document.`,
          bad,
        );
      expectError(set, LEGACY_API, bad, auth.slice(0, 1), `A ${op.operation} call with a wrong signature`);
      if (unknown) {
        const ex = await s.call(LEGACY_API, op.operation, unknown, { label: 'unknown id' });
        if (isSoapFault(set, ex.res))
          throw new CheckFailure(
            `An operation error was answered by a SOAP Fault (HTTP ${ex.res.status}); it belongs in the Result.`,
            ex,
          );
        expectError(
          set,
          LEGACY_API,
          ex,
          [ruleOf(op, 'exists')!.error!],
          `A ${op.operation} call naming no entity`,
        );
      }
    },
  );

  add(
    'envelope-fault',
    sev(b.fault.basis),
    `${file}#/soap/fault: a body that is not a readable SOAP Envelope is answered by a ${b.fault.element} with faultcode ${b.fault.codes.client} and HTTP ${b.fault.status}${basisText(b.fault.basis)}`,
    async (s) => {
      const ex = await s.call(
        LEGACY_API,
        op.operation,
        {},
        {
          label: 'an unterminated Envelope',
          mutate: (r) => ({ ...r, body: r.body.slice(0, Math.floor(r.body.length / 2)) }),
        },
      );
      if (!isSoapFault(set, ex.res))
        throw new CheckFailure(
          `An unreadable Envelope must be answered by a SOAP Fault, but the target answered ${summary(ex)}.`,
          ex,
        );
      if (ex.res.status !== b.fault.status)
        throw new CheckFailure(
          `A SOAP Fault must come with HTTP ${b.fault.status}, got ${ex.res.status}.`,
          ex,
        );
      const a = ex.answer;
      const code = a.kind === 'error' ? a.code : undefined;
      const clientCode = `${b.envelope.prefix}:${b.fault.codes.client}`;
      const malformed = p.protocolErrors.malformedBody
        ? errorSpec(set, p.protocolErrors.malformedBody).code
        : undefined;
      if (!ex.res.body.includes(`:${b.fault.codes.client}<`) && code !== clientCode && code !== malformed)
        throw new CheckFailure(`The Fault's faultcode must be ${b.fault.codes.client}: ${summary(ex)}.`, ex);
    },
  );

  const sigErr = p.protocolErrors.signatureMismatch;
  const missingErr = p.protocolErrors.missingAuthentication;
  for (const [check, errId, edit, what] of [
    ['protocol.missing-signature', missingErr, 'remove', 'no Signature element'],
    ['protocol.bad-signature', sigErr, 'spoil', 'a wrong Signature'],
  ] as const) {
    if (!errId) continue;
    // an operation whose credentials are optional (Help): served without a Signature element
    if (op.unsigned && edit === 'remove') {
      const basis = op.unsigned.basis;
      add(
        'protocol.unsigned',
        sev(basis),
        `${set.files.get(op) ?? op.operation}#/unsigned: a call with ${what} is served${basisText(basis)}`,
        async (s) => {
          const mutate = (r: WireRequest) => editSignature(set, r, edit);
          const { ex } = await editedCall(s, op, LEGACY_API, mutate, what);
          expectSuccess(set, op, ex, `A ${op.operation} call with ${what}`);
        },
      );
      continue;
    }
    add(
      check,
      'should',
      `${file}#/soap/signing and #/protocolErrors: a call with ${what} fails with ${errId} (${errorSpec(set, errId).code}) and changes nothing${basisText(b.signing.basis)}`,
      async (s) => {
        const mutate = (r: WireRequest) => editSignature(set, r, edit);
        const { ex, ids, before } = await editedCall(s, op, LEGACY_API, mutate, what, true);
        expectError(set, LEGACY_API, ex, [errId], `A ${op.operation} call with ${what}`);
        await unchangedSince(s, LEGACY_API, op, ids, before, `A call with ${what}`);
      },
    );
  }

  add(
    'batch',
    sev(b.batch.basis, b.request.basis),
    `${file}#/soap/batch: a call with several ${b.request.element} items answers each with its own ${op.operation}Result, in the order of the items${basisText(b.batch.basis)}`,
    async (s) => {
      const creds = s.creds(0);
      // first without provider states: items naming no entity, each answered by its own error, in order
      const u1 = unknownInput(set, op, s.config.seed);
      const u2 = unknownInput(set, op, s.config.seed + 1);
      const member = selectMember(set, op);
      if (u1 && u2 && u1[member] !== u2[member]) {
        const req = encodeSoapBatch(set, op.operation, [u1, u2], creds, { host: s.host, now: new Date() });
        const ex = await s.send(req, LEGACY_API, op.operation, 'a batch of 2 items naming no entity');
        const answers = decodeSoapBatch(set, op.operation, ex.res);
        // an error names its item in its message or, where the message has no placeholder for it
        // (QualificationDoesNotExist), in its Data
        const named = answers.map((a) =>
          a.kind === 'error' ? [a.message ?? '', ...Object.values(a.data ?? {})].join(' ') : '',
        );
        if (
          answers.length !== 2 ||
          !named[0]!.includes(String(u1[member])) ||
          !named[1]!.includes(String(u2[member]))
        )
          throw new CheckFailure(
            `A batch of 2 ${b.request.element} items naming no entity (${u1[member]}, then ${u2[member]}) must be answered by 2 Results, each with its own error, in order; got ${answers.length}: ${answers.map((a) => (a.kind === 'error' ? `${a.code} "${a.message}"` : a.kind)).join(', ') || 'none'}.`,
            ex,
          );
      }
      const first = await inputs(s, set, op);
      const second = await inputs(s, set, op);
      const items = [first.valid, ...(first.unknown ? [first.unknown] : []), second.valid];
      const want = ['success', ...(first.unknown ? ['error'] : []), 'success'];
      const req = encodeSoapBatch(set, op.operation, items, creds, { host: s.host, now: new Date() });
      const ex = await s.send(req, LEGACY_API, op.operation, `a batch of ${items.length} items`);
      const answers = decodeSoapBatch(set, op.operation, ex.res);
      const got = answers.map((a) => a.kind);
      if (JSON.stringify(got) !== JSON.stringify(want))
        throw new CheckFailure(
          `A batch of ${items.length} ${b.request.element} items (${want.join(', ')} expected, in order) was answered by ${answers.length} Results: ${got.join(', ') || 'none'}.`,
          ex,
        );
      answers.forEach((a, i) => {
        if (a.kind === 'success') expectSuccess(set, op, { ...ex, answer: a }, `Item ${i + 1} of the batch`);
      });
    },
  );

  return out;
}
