// Typed view of the files under specs/. The JSON files are the single source
// of truth; these types only describe their shape for the code that reads them.

export type Api = '2017-01-17' | '2014-08-15';
export const APIS: readonly Api[] = ['2017-01-17', '2014-08-15'];

export type Tag = 'DOC' | 'MODEL' | 'WSDL' | 'CODE' | 'ISSUE' | 'INF';
export type Severity = 'must' | 'should';

export interface Basis {
  tag: Tag;
  sources: string[];
  note?: string;
}

export type Constraint = (
  | {
      kind: 'length';
      min?: number;
      max?: number;
      /** codepoint/byte: a string's length; item: a list's number of items */
      unit: 'codepoint' | 'byte' | 'item';
      basis: Basis;
      error?: string;
    }
  | { kind: 'pattern'; pattern: string; basis: Basis; error?: string }
  | { kind: 'enum'; values: string[]; basis: Basis; error?: string }
  | { kind: 'range'; min?: number; max?: number; basis: Basis; error?: string }
  | { kind: 'forbiddenCodePoints'; ranges: [number, number][]; basis: Basis; error?: string }
) & {
  /** Names the constraint's checks (`invalid.<member>.<id>`) instead of its kind: needed when a
   * member has two constraints of one kind. */
  id?: string;
};

export interface MemberSpec {
  shape: string;
  required?: boolean;
  /** The value the service assumes when the member is absent (documented, with the member's basis). */
  default?: string | number | boolean;
  constraints?: Constraint[];
  basis?: Basis;
  note?: string;
}

export type ShapeType = 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'structure' | 'list';

/** A structure that carries an amount of money: which member holds the amount, which the currency. */
export interface MoneyShape {
  amount: string;
  currencyCode: string;
  basis: Basis;
}

export interface ShapeSpec {
  type: ShapeType;
  constraints?: Constraint[];
  members?: Record<string, MemberSpec>;
  member?: MemberSpec;
  /** A money structure: a stored amount is shown in it with the model's currency. */
  money?: MoneyShape;
  basis?: Basis;
  /** 2014-08-15 structures only: declared differences from the WSDL complexType of the same role. */
  wsdl?: { differences: { member: string; aspect: string; reason: string }[] };
}

export interface ShapesFile {
  kind: 'shapes';
  api: Api;
  basis?: Basis;
  shapes: Record<string, ShapeSpec>;
}

export interface ErrorSpec {
  code: string;
  /** A template: `{name}` is filled from the values the error is raised with. */
  message: string;
  /** The names the template uses, declared (the loader checks they are exactly the template's). */
  placeholders: string[];
  data?: string[];
  fault?: boolean;
  wireType?: Partial<Record<Api, string>>;
  basis: Basis;
  messageBasis?: Basis;
}

export interface ErrorsFile {
  kind: 'errors';
  /** how a placeholder naming several values ({allowed}) joins them */
  listSeparator: string;
  listSeparatorBasis: Basis;
  errors: Record<string, ErrorSpec>;
}

/** A registered rule kind (src/rules/index.ts): exists, owner, status, effect, read, list, … */
export type RuleKind = string;

export interface Pagination {
  style: 'token' | 'page';
  token?: string;
  page?: string;
  size: string;
  defaultSize: number;
  /** A provider state that fills one filter value with several entities the rule lists (paged over). */
  given?: string;
  basis: Basis;
  /** Token style: tokens are opaque and bound to the operation and its filter values; a token
   * issued for other filters, or never issued, gets the protocol's `invalid` error. */
  tokenBasis?: Basis;
}

export interface RuleSpec {
  id: string;
  kind: RuleKind;
  basis: Basis;
  /** Applies only to calls that give every `present` member and no `absent` one (src/rules/when.ts). */
  when?: RuleWhen;
  given?: string;
  error?: string;
  acceptErrors?: string[];
  allowed?: string[];
  allowedWhen?: { input: Record<string, unknown>; allowed: string[]; given?: string; basis: Basis }[];
  violatedBy?: string[];
  set?: Record<string, string | number | boolean>;
  observe?: Record<string, unknown>;
  /** read: output member → `$entity`, `$parent`, `$id`, or `$entity.<Field>` (one field as the member) */
  output?: Record<string, string>;
  /** notify: the output member that shows the failures. */
  show?: string;
  /** notify: the output item for a Worker who cannot be messaged (`$worker`: the Worker's id). */
  failure?: Record<string, string>;
  /** notify: where that item comes from. */
  failureBasis?: Basis;
  /** outbox: the input member (a path: `Notification.Destination`) naming where it would be sent. */
  to?: string;
  /** create, lookup, children: the entity the rule makes, names or counts (default: the behaviour's). */
  entity?: string;
  /** create: a name later rules use for the entity it made (`$created.<as>.<field>`). */
  as?: string;
  /** create: the fields by which an existing entity of the caller's is the same one (reused, not made). */
  identity?: string[];
  /** create: fields no two of the caller's entities may share; a call that would is refused with `error`. */
  unique?: { fields: string[]; error: string; basis: Basis };
  /** create: documented defaults of input members the call may omit. */
  defaults?: Record<string, string | number | boolean>;
  /** create: `$selected` makes the entity a child of the selected entity, `$parent` a sibling of it. */
  parent?: '$selected' | '$parent';
  /** token, lookup: the input member the rule reads; threshold: the entity field it limits. */
  member?: string;
  /** token: how long (seconds) a token is remembered. */
  window?: number;
  /** children: the child statuses that refuse the call. */
  statuses?: string[];
  /** threshold: the input member added to `field`, and the bound the sum may not reach from below. */
  field?: string;
  below?: number;
  /** charge: the amount drawn from the caller's balance (a value of the value language). */
  amount?: string;
  /** update: the error for a matching child outside `allowed`. */
  statusError?: string;
  /** delete: without a selected entity, the fields (values of the value language) of the caller's entities it removes. */
  match?: Record<string, string>;
  where?: Record<string, unknown>;
  owned?: boolean;
  /** list: `owned` applies only to calls matching this input (e.g. MustBeOwnedByCaller: true) */
  ownedWhen?: Record<string, unknown>;
  /** list: input member → entity field it filters on (`List[].Member`: any item of a list field) */
  filter?: Record<string, string>;
  items?: string;
  count?: string;
  total?: string;
  pagination?: Pagination;
  /** effect/list: input members the rule's calls carry; an effect applies only to calls that match
   * (an absent member matches its documented `default`). `$now±N` stands for a timestamp.
   * threshold: the input member (a name) added to `field`. */
  input?: string | Record<string, unknown>;
  /** effect: the statuses the effect applies from (a call from another status succeeds without it) */
  from?: string[];
  /** effect: a timestamp field of the entity; while it is at or before now, the status `set` gives
   * does not apply (the rest does): an expired HIT stays expired */
  unlessPast?: string;
  /** list: the only members of each item the service shows (others are left out) */
  itemMembers?: string[];
  /** statistic: which members name the statistic, the period and the points (src/rules/statistic.ts). */
  series?: unknown;
  /** statistic: where "a period other than the daily one gives one point" comes from. */
  aggregateBasis?: Basis;
  /** help: which members name what to describe and where the descriptions go (src/rules/help.ts). */
  help?: unknown;
  /** upload: why `error` is the answer here, when the catalogue's basis of the error says less */
  errorBasis?: Basis;
  /** list: the item members that together tell the listed items apart, for items that do not
   * show the entity's id (a BonusPayment); their values come from the provider state */
  itemKey?: string[];
  /** list: an operation whose successful call (from the state `given`) makes an entity this rule
   * lists; the item is found by the itemKey values the call's input fixes */
  madeBy?: { operation: string; given: string; basis: Basis };
}

/**
 * 2014-08-15: the answer's result element when it is not `{operation}Result`: another wrapper name
 * (`element`), or no wrapper at all (`member`: that output member's element is the result).
 */
export interface ResultPlacement {
  element?: string;
  member?: string;
  basis: Basis;
}

/**
 * 2014-08-15: the ResponseGroup values an operation accepts, the ones it answers with when none is
 * asked for, and the output members each adds (paths `Member`, `Member.Nested`, `List[].Nested`).
 * A member no group names is in every answer (src/spec/response-groups.ts).
 */
export interface ResponseGroupsSpec {
  groups: Record<string, ResponseGroupSpec>;
  default: string[];
  basis: Basis;
  defaultBasis: Basis;
  note?: string;
}

export interface ResponseGroupSpec {
  adds?: string[];
  /** the provider state whose entities show what the group adds (default: the operation's) */
  given?: string;
  basis: Basis;
  /** the sources say the members it adds are left out when it is not asked for */
  absentBasis?: Basis;
  note?: string;
}

/** Input members that exclude each other: at most one of them, or exactly one with `exactlyOne`. */
export interface RuleWhen {
  present?: string[];
  absent?: string[];
}

/** Optional members a call must give when it leaves out `member` (the legacy CreateHIT's properties). */
export interface RequiredWithout {
  member: string;
  members: string[];
  basis: Basis;
}

export interface ExclusiveGroup {
  members: string[];
  exactlyOne?: boolean;
  basis: Basis;
  /** exactlyOne: the basis of refusing two or more, when it is weaker than `basis` (which then
   * backs "at least one"): "either A or B must be given" documents one, not the exclusion */
  severalBasis?: Basis;
  /** the error for two or more of them (default: the protocol's validation.invalid) */
  error?: string;
}

export interface OperationSpec {
  kind: 'operation';
  api: Api;
  operation: string;
  role: 'seed' | 'support';
  summary: string;
  basis: Basis;
  equivalent?: Record<string, unknown>;
  idempotent?: boolean;
  /** 2014-08-15: the request may carry no credentials; an unsigned call is served (Help). */
  unsigned?: { basis: Basis };
  input: {
    members: Record<string, MemberSpec>;
    exclusive?: ExclusiveGroup[];
    requiredWithout?: RequiredWithout[];
  };
  output: {
    members: Record<string, MemberSpec>;
    result?: ResultPlacement;
    responseGroups?: ResponseGroupsSpec;
  };
  behaviour: {
    kind: 'transition' | 'read' | 'list' | 'create' | 'delete';
    entity: string;
    select?: string;
    rules: RuleSpec[];
  };
  officialModel?: { differences: { member: string; aspect: string; reason: string }[] };
  /** 2014-08-15 only: declared differences from the WSDL (src/spec/wsdl.ts). */
  wsdl?: { differences: { member: string; aspect: string; reason: string }[] };
}

/** What a legacy common parameter is for: code finds a parameter by its role, never by its name. */
export const PARAMETER_ROLES = [
  'service',
  'accessKey',
  'operation',
  'signature',
  'timestamp',
  'version',
  'responseGroup',
] as const;
export type ParameterRole = (typeof PARAMETER_ROLES)[number];

export interface CommonParameterSpec {
  role?: ParameterRole;
  value?: string;
  required: boolean;
  values?: string[];
  refuse?: Record<string, string>;
  repeated?: boolean;
  format?: string;
  /** a value outside the accepted ones is refused with `error` (`basis`: that it is refused) */
  unlisted?: { error: string; basis: Basis };
  basis: Basis;
}

export interface ProtocolFile {
  kind: 'protocol';
  api: Api;
  protocol: 'awsJson1_1' | 'mturkRestXml';
  basis: Basis;
  http: { methods: string[]; path: string; formContentType?: string };
  targetPrefix?: string;
  request?: { headers: Record<string, { value: string; basis: Basis }>; body: string };
  commonParameters?: Record<string, CommonParameterSpec>;
  signing: {
    scheme?: 'sigv4';
    service?: string;
    region?: string;
    schemes?: {
      name: string;
      service?: string;
      stringToSign?: string;
      marker?: Record<string, string>;
      basis: Basis;
    }[];
    basis: Basis;
  };
  timestamps: 'epoch-seconds' | 'iso8601';
  lists: 'json-array' | 'repeated-element';
  success: {
    status: number;
    contentType: string;
    requestIdHeader?: string;
    root?: string;
    /** When the document element's name has a firmer basis than the envelope as a whole. */
    rootBasis?: Basis;
    requestIdPath?: string;
    result?: string;
    isValidPath?: string;
    isValid?: string;
    echo?: { responseGroup: string; element: string; basis: Basis };
    basis: Basis;
  };
  errorEnvelope: {
    // 2017-01-17
    request?: { status: number; type: string; basis: Basis };
    fault?: { status: number; type: string; basis: Basis };
    body?: { typeField: string; messageField: string; codeField: string };
    typeForms?: string[];
    typeFormsBasis?: Basis;
    // 2014-08-15
    status?: number;
    statusBasis?: Basis;
    isValid?: string;
    fields?: {
      list: string;
      item: string;
      code: string;
      message: string;
      data: string;
      key: string;
      value: string;
    };
    placement?: { codePattern: string; at: 'result' | 'operationRequest'; basis: Basis }[];
    faultStatus?: number;
    // both
    contentType: string;
    contentTypeBasis: Basis;
    messageSuffix: string;
    messageSuffixPattern: string;
    messageBasis: Basis;
  };
  validation: { missing: string; invalid: string };
  protocolErrors: Record<string, string>;
  endpoints: { production: string[]; sandbox: string[]; basis?: Basis };
  /** Legacy: the SOAP 1.1 binding beside the REST form (src/wire/soap.ts). */
  soap?: SoapBinding;
}

/** The SOAP 1.1 document/literal binding of a legacy protocol (specs/README.md, "soap"). */
export interface SoapBinding {
  version: '1.1';
  basis: Basis;
  http: { method: 'POST'; path: string; contentType: string; basis: Basis };
  soapAction: { header: string; value: string; quoted?: boolean; basis: Basis };
  envelope: {
    namespace: string;
    prefix: string;
    envelope: string;
    header?: string;
    body: string;
    basis: Basis;
  };
  namespace: { uri: string; qualified: boolean; basis: Basis };
  /** The body element's name, `{operation}` filled. */
  operationElement: { name: string; basis: Basis };
  /** The operation element's children before the Request items, in order; `role` ties one to a common parameter role. */
  elements: { name: string; role?: ParameterRole; required: boolean }[];
  elementsBasis: Basis;
  request: { element: string; responseGroup: string; basis: Basis };
  batch: { maxItems: number; basis: Basis };
  /** Names of `signing.schemes` that apply to SOAP requests. */
  signing: { schemes: string[]; basis: Basis };
  response: { basis: Basis };
  fault: {
    element: string;
    status: number;
    codeElement: string;
    stringElement: string;
    detailElement: string;
    codes: { client: string; server: string; versionMismatch: string };
    basis: Basis;
    /** Errors marked `fault` in the catalogue are answered as a Server fault. */
    faultErrors: { basis: Basis };
  };
}

export interface EntitySpec {
  id: string;
  idFormat?: { pattern: string };
  owned?: boolean;
  parent?: { entity: string; via: string };
  status?: {
    field: string;
    values: string[];
    hidden?: boolean;
    /** Statuses in which the entity exists but the requester API cannot see it (not found, not listed). */
    invisible?: string[];
    basis: Basis;
  };
  fields: Record<string, unknown>;
  /** How the status follows from the entity's children and time, re-derived after Worker actions and timers. */
  settle?: SettleSpec;
  /** Fields computed from the entity's children whenever it is read. */
  counters?: { fields: Record<string, CounterSpec>; basis: Basis };
  observe?: Partial<
    Record<Api, { operation: string; input: Record<string, string>; path: string; find?: string }>
  >;
  /**
   * What an API calls some of the entity's fields (legacy shows a Qualification's WorkerId as
   * SubjectId): its answers show the field under that name, and an input member of that name
   * carries the field's value (a provider state's WorkerId fills a legacy SubjectId).
   */
  names?: Partial<Record<Api, EntityNames>>;
}

/** What one API calls an entity's fields and the members inside them (model.json `names.<api>`). */
export interface EntityNames {
  /** field → the API's name for it */
  fields: Record<string, string>;
  /**
   * field → (stored member → the API's member) inside the field's value, a structure or a list of
   * structures (legacy QualificationRequirement's IntegerValue is the stored IntegerValues)
   */
  members?: Record<string, Record<string, string>>;
  /** field → stored members the API has no member for: its answers leave them out */
  lacks?: Record<string, string[]>;
  basis: Basis;
  /** where what `lacks` says (and what is kept instead) comes from */
  lacksBasis?: Basis;
}

/** A counter: the children of `count` in `statuses`, or `from` less the children of `minusCount`
 * (those in `statuses` when given) while the entity's status is one of `when` (0 otherwise).
 * Children in invisible statuses count too (an accepted assignment). */
export interface CounterSpec {
  count?: string;
  statuses?: string[];
  from?: string;
  minusCount?: string;
  when?: string[];
}

export interface StateSpec {
  creates: {
    as: string;
    entity: string;
    parent?: string;
    status?: string;
    fields?: Record<string, unknown>;
  }[];
  returns: Record<string, string>;
}

/** A test on an entity (the `self` of a settle case): a count of its children, or a time field against a time. */
export type SettleTest =
  | { count: string; is?: number; atLeast?: string }
  | { field: string; notAfter?: string; after?: string };

export interface SettleSpec {
  /** Only an entity in one of these statuses is re-derived. */
  from: string[];
  /** Named counts of children (by status) the cases test. */
  counts: Record<string, { children: string; statuses: string[] }>;
  /** The first case whose tests all hold gives the status. */
  cases: { when?: SettleTest[]; status: string }[];
  basis: Basis;
}

/** A condition of a Worker action's refusal: about a bound entity, or whether a matching entity exists. */
export type ActionTest =
  | { ref: string; status?: string[]; absent?: string }
  | {
      exists: string;
      parent?: string;
      sameOwner?: string;
      status?: string[];
      where?: Record<string, unknown>;
    };

/**
 * A Worker action of the provider-states contract: it acts on entities that exist (named by its
 * params), or refuses with 409 and the reason when it cannot apply.
 */
export interface ActionSpec {
  note?: string;
  basis: Basis;
  /** Entity params (`entity`) must name an existing entity owned by the requester; the others are values. */
  params: Record<
    string,
    { entity?: string; as?: string; parentAs?: string; optional?: boolean; type?: 'string'; basis?: Basis }
  >;
  /** Checked in order: `if` refuses when every test holds, `unless` when any fails. */
  refuse?: { if?: ActionTest[]; unless?: ActionTest[]; reason: string; basis: Basis }[];
  creates?: {
    as: string;
    entity: string;
    parent?: string;
    status?: string;
    fields?: Record<string, unknown>;
  }[];
  updates?: { ref: string; status?: string; fields?: Record<string, unknown> }[];
  /** Aliases whose status is re-derived (the entity's `settle`) afterwards. */
  settle?: string[];
  returns: Record<string, string>;
}

/** A time-driven transition: when `at` (a time field) is not after now, `set` applies and the named entities settle. */
export interface TimerSpec {
  entity: string;
  status: string[];
  at: string;
  set?: Record<string, unknown>;
  settle?: ('self' | 'parent')[];
  /**
   * A charge rule of an operation whose payment the timer makes too (auto-approval pays what
   * ApproveAssignment pays): its amount is evaluated over the entity and its parent and drawn
   * from the owner's account; when the account cannot pay, the timer leaves the entity as it is.
   */
  charge?: { api: Api; operation: string; rule: string };
  basis: Basis;
}

export interface ModelFile {
  kind: 'model';
  /** The currency of every stored amount (a money shape shows it next to the amount). */
  money?: { currencyCode: string; basis: Basis };
  /** Where a requester's balance is kept (charge rules draw on it): a field of its one `entity`. */
  account?: {
    entity: string;
    field: string;
    /** How a check reads the caller's available balance: an operation without input and its output member. */
    observe?: Partial<Record<Api, { operation: string; path: string }>>;
    basis: Basis;
  };
  entities: Record<string, EntitySpec>;
  states: Record<string, StateSpec>;
  /** Worker actions, served by the provider-states endpoint next to the states. */
  actions?: Record<string, ActionSpec>;
  /** What happens when emulated time passes (auto-approval, deadlines, expiry). */
  timers?: Record<string, TimerSpec>;
}

export interface SourcesFile {
  kind: 'sources';
  tags: Record<string, string>;
  sources: Record<string, string>;
}

/** A member with its shape resolved: type and every constraint in one place. */
export interface ResolvedMember {
  name: string;
  type: ShapeType;
  shape: string;
  required: boolean;
  default?: string | number | boolean;
  constraints: Constraint[];
  basis?: Basis;
  members?: ResolvedMember[];
  item?: ResolvedMember;
  /** The shape is a money structure (see MoneyShape). */
  money?: { amount: string; currencyCode: string };
}

/** A golden wire case (protocols/<api>.cases.json), as Smithy's httpRequestTests/httpResponseTests. */
export interface WireCase {
  id: string;
  type: 'request' | 'response';
  appliesTo: 'client' | 'server' | 'both';
  documentation: string;
  basis: Basis;
  operation: string;
  /** the members the case uses when no operation spec has them yet */
  members?: Record<string, MemberSpec>;
  input?: Record<string, unknown>;
  /** legacy request: every parameter the input becomes, exactly */
  params?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  status?: number;
  output?: Record<string, unknown>;
}

export interface CasesFile {
  kind: 'cases';
  api: Api;
  note?: string;
  cases: WireCase[];
}

export interface ApiSpecs {
  api: Api;
  protocol: ProtocolFile;
  shapes: ShapesFile;
  operations: Map<string, OperationSpec>;
  /** the golden wire cases, when the API has a cases file */
  cases?: CasesFile;
}

export interface SpecSet {
  dir: string;
  sources: SourcesFile;
  errors: ErrorsFile;
  model: ModelFile;
  apis: Record<Api, ApiSpecs>;
  /** file path (relative to dir) of every loaded document, for messages */
  files: Map<object, string>;
}
