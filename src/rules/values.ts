// The value language of the rules that make or change entities (create, effect, charge):
// literals, `$now`, `$input.X`, `$field.X` (the selected entity), `$created.<as>.X` (what an
// earlier create rule of the call made), `$lookup.<Entity>.X` (what a lookup rule found),
// `$status`, and sums of them with `+` (`$now+$input.LifetimeInSeconds`: a time plus seconds).

export interface ValueEnv {
  /** The call's input with the rule's documented defaults filled in. */
  input: Record<string, unknown>;
  now: Date;
  /** The selected entity's fields. */
  fields?: Record<string, unknown>;
  /** The selected entity's status. */
  status?: unknown;
  created?: Record<string, Record<string, unknown>>;
  lookup?: Record<string, Record<string, unknown>>;
}

function term(t: string, env: ValueEnv): unknown {
  if (t === '$now') return env.now;
  if (t === '$status') return env.status;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  const dot = t.indexOf('.');
  const head = dot < 0 ? t : t.slice(0, dot);
  const rest = dot < 0 ? '' : t.slice(dot + 1);
  switch (head) {
    case '$input':
      return env.input[rest];
    case '$field':
      return env.fields?.[rest];
    case '$created':
    case '$lookup': {
      const i = rest.indexOf('.');
      const bag = head === '$created' ? env.created : env.lookup;
      return i < 0 ? undefined : bag?.[rest.slice(0, i)]?.[rest.slice(i + 1)];
    }
  }
  return t;
}

/** Whether a rule value is an expression of the language (rather than a literal). */
export function isExpression(v: unknown): v is string {
  return typeof v === 'string' && v.startsWith('$');
}

/**
 * The value of a rule value: a literal as it is; an expression evaluated (undefined when a part
 * it names is absent, e.g. an optional input member the call left out).
 */
export function evalValue(v: unknown, env: ValueEnv): unknown {
  if (!isExpression(v)) return v;
  const parts = v.split('+');
  const values = parts.map((p) => term(p, env));
  if (values.some((x) => x === undefined)) return undefined;
  if (values.length === 1) return values[0];
  const [first, ...more] = values;
  const seconds = more.reduce<number>((a, x) => a + Number(x), 0);
  if (first instanceof Date) return new Date(first.getTime() + seconds * 1000);
  return Number(first) + seconds;
}

/** The input members a value reads (`$input.X` terms). */
export function inputsOf(v: unknown): string[] {
  if (!isExpression(v)) return [];
  return v
    .split('+')
    .filter((p) => p.startsWith('$input.'))
    .map((p) => p.slice('$input.'.length));
}

/** The call's input with documented defaults for the members it left out. */
export function withDefaults(
  input: Record<string, unknown>,
  defaults: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (!defaults) return input;
  const out = { ...input };
  for (const [k, v] of Object.entries(defaults)) if (out[k] === undefined || out[k] === null) out[k] = v;
  return out;
}
