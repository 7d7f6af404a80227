// upload: the selected entity's `field` holds a QuestionFormAnswers document; the input member
// `member` names one of its questions, whose Answer must hold an uploaded file (UploadedFileKey),
// else the call is refused with `error` (`errorBasis`: why this error here). A successful call
// shows a temporary URL of the file in the output member `show` (GetFileUploadURL).
import fc from 'fast-check';
import { idInput, sev } from '../checks/plan.ts';
import { type RuleTarget, ruleCheck } from '../checks/target.ts';
import { requiredInput, show } from '../client-checks/e2e-support.ts';
import type { SpecProblem } from '../spec/load.ts';
import { errorSpec } from '../spec/resolve.ts';
import type { RuleSpec, SpecSet } from '../spec/types.ts';
import { parseXmlSafe } from '../wire/xml.ts';
import { fromStateCheck, onEntity } from './context.ts';
import type { RuleKindModule } from './types.ts';

/** The local name of an element (a `prefix:` dropped). */
function local(name: string): string {
  return name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
}

/** The child of an element by local name. */
function child(el: unknown, name: string): unknown {
  if (!el || typeof el !== 'object') return undefined;
  const k = Object.keys(el).find((x) => local(x) === name);
  return k === undefined ? undefined : (el as Record<string, unknown>)[k];
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim();
  const t = v && typeof v === 'object' ? (v as Record<string, unknown>)['#text'] : undefined;
  return typeof t === 'string' ? t.trim() : undefined;
}

/**
 * The answers of a QuestionFormAnswers document (D17-QFA: one Answer per question, its
 * QuestionIdentifier, and for a file upload UploadedFileSizeInBytes and UploadedFileKey):
 * question id → the uploaded file's key, or undefined when the answer holds no file.
 */
export function questionAnswers(xml: unknown): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  if (typeof xml !== 'string') return out;
  const parsed = parseXmlSafe(xml, { arrayNames: ['Answer'] });
  if (!parsed.ok) return out;
  const root = child(parsed.doc, 'QuestionFormAnswers');
  const answers = child(root, 'Answer');
  for (const a of Array.isArray(answers) ? answers : answers === undefined ? [] : [answers]) {
    const q = text(child(a, 'QuestionIdentifier'));
    if (q !== undefined) out.set(q, text(child(a, 'UploadedFileKey')));
  }
  return out;
}

/** What the rule's provider state fixes: the answers it gives, an uploaded and a plain question. */
function stateAnswers(set: SpecSet, entity: string, rule: RuleSpec) {
  const st = rule.given ? set.model.states[rule.given] : undefined;
  const made = st?.creates.find((c) => c.entity === entity);
  const answers = questionAnswers(made?.fields?.[rule.field ?? '']);
  // the question the state returns (named like the input member): an alias.Field of what it made
  const ret = rule.member ? st?.returns?.[rule.member] : undefined;
  const field = ret?.split('.')[1];
  const returned = field !== undefined ? made?.fields?.[field] : undefined;
  const plain = [...answers].find(([, key]) => key === undefined)?.[0];
  return { answers, returned: typeof returned === 'string' ? returned : undefined, plain };
}

export const upload: RuleKindModule = {
  kind: 'upload',
  schema: {
    required: ['field', 'member', 'show', 'error', 'errorBasis', 'given'],
    properties: {
      field: { description: 'the entity field holding the QuestionFormAnswers document', type: 'string' },
      member: { description: 'the input member naming the question', type: 'string' },
      show: { description: 'the output member for the temporary URL of the file', type: 'string' },
      errorBasis: {
        description: 'why `error` is the answer for a question without an uploaded file',
        $ref: '#/definitions/basis',
      },
    },
  },
  successState: true,

  validate(ctx) {
    const { rule: r, op, states } = ctx;
    const out: SpecProblem[] = [];
    if (r.member && !(r.member in op.input.members))
      out.push(ctx.problem('/member', `${r.member} is not an input member`));
    if (r.show && !(r.show in op.output.members))
      out.push(ctx.problem('/show', `${r.show} is not an output member`));
    if (r.field && !ctx.fieldKnown(r.field))
      out.push(ctx.problem('/field', `${r.field} is not a field of ${op.behaviour.entity}`));
    if (r.given && states[r.given]) {
      // the state must give an answer with a file (the question it returns) and one without
      const { answers, returned, plain } = stateAnswers(ctx.set, op.behaviour.entity, r);
      if (returned === undefined || answers.get(returned) === undefined)
        out.push(
          ctx.problem(
            '/given',
            `state ${r.given} must return ${r.member} naming a question whose answer (${r.field}) holds an UploadedFileKey`,
          ),
        );
      if (plain === undefined)
        out.push(
          ctx.problem(
            '/given',
            `state ${r.given} must give, in ${r.field}, an answer without an uploaded file (the refusal checks ask for it)`,
          ),
        );
    }
    return out;
  },

  execute: onEntity((ctx, rec) => {
    const { rule, call } = ctx;
    const q = call.input[rule.member!];
    const key = typeof q === 'string' ? questionAnswers(rec.fields[rule.field!]).get(q) : undefined;
    if (key === undefined)
      return ctx.error(rule.error!, {
        ...ctx.idValues,
        member: rule.member,
        Parameter: rule.member,
        reason: `the answer holds no uploaded file for question ${String(q)}`,
      });
    // a loopback URL, valid for 60 seconds as documented; nothing serves it
    const expires = Math.floor(ctx.now.getTime() / 1000) + 60;
    const id = encodeURIComponent(String(rec.id));
    ctx.output[rule.show!] =
      `http://127.0.0.1/uploads/${id}/${encodeURIComponent(q as string)}/${encodeURIComponent(key)}?expires=${expires}`;
    return undefined;
  }),

  checks(ctx) {
    const { set, op, rule, entity } = ctx;
    if (!rule.given || !rule.show) return [];
    const given = rule.given;
    const out = rule.show;
    const member = rule.member;
    const { plain, answers } = stateAnswers(set, entity, rule);
    // refused (the rule's basis), then with the error (the error's basis and why it applies here)
    const refusal = (name: string, what: string, question: fc.Arbitrary<string | undefined>) =>
      ruleCheck({
        audiences: ['server', 'client-e2e'],
        severity: ctx.sev,
        codeSeverity: sev(rule.basis, errorSpec(set, rule.error!).basis, rule.errorBasis),
        suffix: `.${name}`,
        summary: `${op.operation} for ${what} on the ${entity} of provider state ${given} fails with ${ctx.accepted.join(' or ')}.`,
        arb: fc.tuple(requiredInput(set, op), question),
        shrinkBudget: 3,
        cases: { server: 1, client: 1 },
        async run(t: RuleTarget, [extra, q]: [Record<string, unknown>, string | undefined]) {
          const ids = await t.state(given);
          if (q === undefined) t.fail(`provider state ${given} gives no such question`);
          t.cover(`rule:${rule.id}:${name}`);
          const input = { ...extra, ...idInput(set, op, ids, extra), [member!]: q };
          const c = await t.call(op, input, what);
          t.refused(c, op, ctx.accepted, `${op.operation} for ${member} ${JSON.stringify(q)} (${what})`);
        },
      });
    return [
      fromStateCheck(
        ctx,
        given,
        `${op.operation} for the uploaded answer of the ${entity} of provider state ${given} hands back ${out}, a URL.`,
        async (t, input, ids) => {
          const c = await t.call(op, input);
          const output = t.succeeded(
            c,
            op,
            `${op.operation} for question ${ids[rule.member!]}, whose answer holds an uploaded file,`,
          );
          const url = output[out];
          let ok = false;
          try {
            ok = typeof url === 'string' && new URL(url).protocol.length > 1;
          } catch {
            ok = false;
          }
          if (!ok) t.fail(`${op.operation} must hand back ${out} as a URL, but it is ${show(url)}`, c.raw);
        },
      ),
      ...(member && rule.error
        ? [
            refusal('not-upload', 'a question whose answer holds no uploaded file', fc.constant(plain)),
            refusal(
              'unknown-question',
              'a question the answer does not have',
              fc.stringMatching(/^[a-z][a-z0-9]{5,11}$/).filter((x) => !answers.has(x)),
            ),
          ]
        : []),
    ];
  },
};
