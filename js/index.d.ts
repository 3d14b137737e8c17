// Types of the factorgate npm package (docs/contract.md). Copied to pkg/ as index.d.ts (require) and
// index.d.mts (import). Shapes mirror the Rust contract; fields the engine may add later are
// allowed by the index signatures on results, and hosts may send extra request fields (ignored).

/** RFC 3339 timestamp, e.g. "2026-11-23T10:00:00Z". */
export type Timestamp = string;

export type UserKind = 'employee' | 'contractor' | 'partner' | 'customer' | 'service' | 'breakGlass';
export type FactorType =
  | 'webauthnRoaming' | 'webauthnPlatform' | 'passkeySynced' | 'piv' | 'totp' | 'hotp' | 'push'
  | 'sms' | 'voice' | 'email' | 'recoveryCode' | 'password';
export type Outcome = 'allow' | 'stepUp' | 'enroll' | 'approval' | 'deny';
export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';
export type Sensitivity = 'low' | 'medium' | 'high' | 'critical';
/** Auth0 Adaptive MFA confidence that the login matches the user's history (`low`: it does not). */
export type Confidence = 'low' | 'medium' | 'high' | 'neutral';
export type Phase = 'before' | 'after';
export type Entry = 'login' | 'factorChange' | 'action';
/** Every reason code a decision can carry (docs/contract.md#reason-codes). */
export type ReasonCode =
  'impossibleTravel' | 'newCountry' | 'newAsn' | 'untrustedIp' | 'trustedNetwork' | 'newDevice'
  | 'unmanagedDevice' | 'unknownDevice' | 'sharedDevice' | 'hostRiskHigh' | 'hostRiskMedium' | 'recentRiskySignin'
  | 'recentPasswordReset' | 'recentRecovery' | 'dormantAccount' | 'newAccount' | 'firstFactor'
  | 'simSwap' | 'pushFatigue' | 'userReportedSuspicious' | 'factorDowngrade' | 'factorNotAllowed'
  | 'removesPhishingResistant' | 'lastFactorRemoved' | 'phoneChange' | 'resetAll' | 'recoveryChange'
  | 'delegatedChange' | 'missingTicket' | 'bindingAuthenticated' | 'bindingUnverified'
  | 'privilegedUser' | 'sensitiveCapabilities' | 'contractor' | 'breakGlass' | 'serviceAccount'
  | 'kindRestricted' | 'appSensitivity' | 'insufficientAal' | 'staleAuthentication' | 'requestedAcr'
  | 'noFactors' | 'exceptionApplied' | 'exceptionExpired' | 'stateTampered' | 'stateMissing' | 'engineFailure'
  | 'approvalGranted' | 'approvalInvalid' | 'approvalReused' | 'accountRecovery' | 'recoveryEvidence'
  | 'recoveryInsufficient' | 'recoveryMethodRejected' | 'recoveryRestricted' | 'recentFactorChange'
  | 'privilegedAction' | 'accessExpired' | 'enrollmentCampaign';
/** Every error code (docs/contract.md#entry-points). */
export type ErrorCode =
  'invalidJson' | 'invalidShape' | 'unknownField' | 'duplicateKey' | 'invalidValue'
  | 'invalidTimestamp' | 'tooLarge' | 'limitExceeded' | 'exceptionExpiry' | 'invalidOption'
  | 'engineFailure' | 'engineFreed' | 'notPendingApproval' | 'approverNotAllowed' | 'selfApproval'
  | 'noStateKey' | 'invalidCompiledPolicy';

export interface Factor { id?: string; type: FactorType | string; enrolledAt?: Timestamp; lastUsedAt?: Timestamp; [extra: string]: unknown }

export interface User {
  id: string;
  kind?: UserKind;
  roles?: string[];
  capabilities?: string[];
  createdAt?: Timestamp;
  lastLoginAt?: Timestamp;
  passwordChangedAt?: Timestamp;
  recoveredAt?: Timestamp;
  /** When the account's access ends: from then on logins, changes and actions are denied (`accessExpired`). */
  accessEndsAt?: Timestamp;
  /** A contractor's or partner's sponsor (a person's id): named in its approvals, and one of its approvers. */
  sponsor?: string;
  /** Identity assurance level the account was proofed at (1..3): an AAL3 account at IAL3 recovers only on site. */
  ial?: number;
  factors?: Factor[];
  flags?: { simSwap?: boolean; reportedSuspicious?: boolean; [extra: string]: unknown };
  [extra: string]: unknown;
}

export interface Session {
  /** The host's session or transaction id: two logins decided in one session are one sign-in in the state. */
  id?: string;
  ip?: string;
  geo?: { lat?: number; lon?: number; country?: string; asn?: number; [extra: string]: unknown };
  device?: { id?: string; managed?: boolean; compliant?: boolean; shared?: boolean; [extra: string]: unknown };
  userAgent?: string;
  methods?: Array<{ type: FactorType | string; at?: Timestamp; [extra: string]: unknown }>;
  hostRisk?: { level?: RiskLevel; confidence?: Confidence; signals?: string[]; [extra: string]: unknown };
  pushes?: { denied?: number; windowS?: number; [extra: string]: unknown };
  [extra: string]: unknown;
}

interface RequestBase {
  /** Overrides the host clock for this decision. */
  now?: Timestamp;
  user: User;
  session?: Session;
  /** Opaque memory returned as `state` by the previous decision for this user (docs/contract.md#memory). */
  state?: string;
  [extra: string]: unknown;
}

/** docs/contract.md#request, login (step-up) request. */
export interface LoginRequest extends RequestBase {
  app?: { id?: string; sensitivity?: Sensitivity; [extra: string]: unknown };
  requested?: { acr?: string[]; maxAgeS?: number; [extra: string]: unknown };
}

export type ChangeAction = 'enroll' | 'replace' | 'remove' | 'resetAll' | 'recoveryChange' | 'phoneChange' | 'recover';
export type ActorKind = 'self' | 'admin' | 'helpdesk' | 'msp' | 'automation';
/** Kinds of recovery evidence (docs/contract.md#recovery). */
export type RecoveryMethodType =
  'recoveryCode' | 'issuedCode' | 'recoveryContact' | 'reproofing' | 'temporaryAccessPass' | 'helpdeskVerified';
/** Where an issued recovery code was sent. */
export type CodeChannel = 'email' | 'sms' | 'voice' | 'postal';

/** One piece of recovery evidence: `at` is when it was issued (issued codes, passes) or presented (the others). */
export interface RecoveryMethod {
  type: RecoveryMethodType;
  at: Timestamp;
  channel?: CodeChannel;
  ial?: number;
  issuedBy?: { kind: ActorKind; id?: string; [extra: string]: unknown };
  onsite?: boolean;
  [extra: string]: unknown;
}

/** docs/contract.md#request, factor change (enrollment risk) request. */
export interface FactorChangeRequest extends RequestBase {
  change: {
    action: ChangeAction;
    factor?: Partial<Factor>;
    replaces?: Partial<Factor>;
    actor?: { kind?: ActorKind; id?: string; ticket?: string; [extra: string]: unknown };
    phase?: Phase;
    /** A grant from `engine.grantApproval` for this very change (docs/contract.md#approvals). */
    approval?: string;
    /** `recover` only: the evidence, and the ids of the factors lost (docs/contract.md#recovery). */
    recovery?: { methods: RecoveryMethod[]; lost?: string[]; [extra: string]: unknown };
    [extra: string]: unknown;
  };
}

/** Privileged action types (docs/contract.md#actions). */
export type ActionType =
  'secretRead' | 'secretCreate' | 'credentialAdd' | 'apiTokenCreate' | 'roleGrant' | 'roleActivate'
  | 'oauthConsent' | 'mfaPolicyChange' | 'federationChange';

/** docs/contract.md#actions, a privileged action by the user. */
export interface ActionRequest extends RequestBase {
  app?: { id?: string; sensitivity?: Sensitivity; [extra: string]: unknown };
  action: {
    type: ActionType;
    target?: { kind?: string; id?: string; privileged?: boolean; [extra: string]: unknown };
    /** before: an inline gate; after: reported after the fact (`deny` = revert it). */
    phase?: Phase;
    /** A grant from `engine.grantApproval` for this very action. */
    approval?: string;
    [extra: string]: unknown;
  };
}

/** `engine.grantApproval` input: the change or action pending approval and who approves it. */
export interface GrantApprovalInput {
  request: FactorChangeRequest | ActionRequest;
  approver: { kind: string; id: string; [extra: string]: unknown };
  /** Decision time: RFC 3339, epoch ms or a Date; over `options.now` and the request's `now`. */
  now?: Timestamp | number | Date;
  [extra: string]: unknown;
}

/** A signed grant (docs/contract.md#approvals): send `grant` back as `change.approval`. */
export interface ApprovalGrant {
  type: 'approvalGrant';
  grant: string;
  approvalId: string;
  expiresAt: Timestamp;
  [extra: string]: unknown;
}

/** One problem: a stable camelCase code, a sentence, and a JSON pointer ("" = the whole input). */
export interface ErrorItem { code: ErrorCode; message: string; path: string }

/** Every failure of every call: bad input, invalid policy, freed engine, engine trap. */
export interface ErrorResult { type: 'error'; errors: ErrorItem[] }

export interface Reason { code: ReasonCode; points?: number; detail?: string; [extra: string]: unknown }

/** docs/contract.md#decision. */
export interface Decision {
  type: 'decision';
  entry?: Entry;
  outcome: Outcome;
  /** What happened, scored: never who the user is. */
  risk: { score: number; level: RiskLevel };
  /** Who the user is: what a compromise reaches (privileged roles, sensitive capabilities), never summed into `risk`; for an action, what it reaches. */
  exposure: {
    privileged: boolean;
    roles: string[];
    capabilities: string[];
    action?: { type: ActionType; targetKind?: string; targetId?: string; privileged: boolean; reaches: string };
  };
  reasons: Reason[];
  requirement?: {
    minAal?: number;
    phishingResistant?: boolean;
    hardwareBound?: boolean;
    factors?: Array<FactorType | string>;
    maxAgeS?: number;
    [extra: string]: unknown;
  };
  /** On `approval`: the approval id (the same change under the same policy has the same id), who approves, until when. */
  approval?: { id: string; by: string[]; expiresInS?: number; expiresAt?: Timestamp; sponsor?: string; [extra: string]: unknown };
  /** On `recover`: what the recovered session proves and may bind, the lost factors to suspend, the restriction window, and on `stepUp` the evidence that would suffice. */
  recovery?: {
    aal: number;
    mayBind: Array<FactorType | string>;
    invalidate: string[];
    restrictedUntil: Timestamp;
    needs?: string[][];
    [extra: string]: unknown;
  };
  enrollmentAllowed?: boolean;
  /** Login, a mover's enrollment campaign: the types to enroll that meet the privileged requirement, by when. */
  campaign?: { enroll: Array<FactorType | string>; by: Timestamp; [extra: string]: unknown };
  /** Login and action: what the session proved, for the host's `acr`/`amr` claims (`acr`: the requested value it satisfies). */
  assurance?: { aal: number; phishingResistant: boolean; hardwareBound: boolean; amr: string[]; acr?: string; [extra: string]: unknown };
  notify?: Array<{ channel: string; template: string; [extra: string]: unknown }>;
  /** OCSF 1.8 events (docs/contract.md#alerts). */
  alerts?: Array<{ class_uid: number; [extra: string]: unknown }>;
  /** New memory for the host to store and pass back as `request.state`. */
  state?: string;
  policy?: { id: string; version: number; digest: string };
  [extra: string]: unknown;
}

/** The policy reference (id, version, digest) is present when the policy is valid. */
export interface Validation {
  type: 'validation';
  valid: boolean;
  errors: ErrorItem[];
  policy?: { id: string; version: number; digest: string };
  [extra: string]: unknown;
}

export type ExceptionStatus = 'active' | 'expiringSoon' | 'expired' | 'notYetActive' | 'tooLong' | 'noExpiry';

export interface ExceptionReview {
  type: 'exceptionReview';
  now: Timestamp;
  items: Array<{ id: string; status: ExceptionStatus; expiresInS?: number; approver: string; reason: string; [extra: string]: unknown }>;
  [extra: string]: unknown;
}

/** How one field's change moves decision B against decision A (docs/contract.md#entry-points, src/diff.rs). */
export type DiffDirection = 'stricter' | 'looser' | 'changed';
/** A whole diff's class: `looser` if any change is looser (`mixed` if some are stricter too), else `stricter`, else `changed`, else `same`. */
export type DiffClass = 'same' | 'changed' | 'stricter' | 'looser' | 'mixed';

/** One field that differs between decision A and decision B. */
export interface FieldChange {
  /** The field as a dotted path: `outcome`, `requirement.minAal`, `reasons.newDevice`, `result` (a side that is not a decision). */
  field: string;
  direction: DiffDirection;
  /** A's value as text for a person (`AAL2`, `15 min`, `none`, `12 pts`). */
  a: string;
  /** B's value as text. */
  b: string;
}

/** `diffDecisions(a, b)`: every field of B that differs from A, in the order of src/diff.rs's table. */
export interface DecisionDiff {
  type: 'decisionDiff';
  class: DiffClass;
  changes: FieldChange[];
}

export interface Version { type: 'version'; crate: string; policySchema: number; [extra: string]: unknown }

/** A policy document (docs/contract.md#policy). Its full schema is the policy JSON Schema; unknown fields are errors. */
export interface PolicyDocument { id?: string; version?: number; [section: string]: unknown }

/** A policy as an object or as JSON text. */
export type PolicyInput = PolicyDocument | string;

export interface CompileOptions {
  /** Key for signing the `state` memory (HMAC-SHA256, docs/contract.md#memory). */
  stateKey?: string;
  /** Keys states and grants were signed under before `stateKey` (rotation): still read, never signed with. At most 8. */
  previousStateKeys?: string[];
  [extra: string]: unknown;
}

export interface CallOptions {
  /** Host clock for this call (epoch ms or a Date); default Date.now(). A request's `now` wins. */
  now?: number | Date;
}

/** A compiled policy. Call `free()` (or use `using`) when done; the GC frees it eventually otherwise. */
export interface Engine {
  readonly type: 'engine';
  decideLogin(request: LoginRequest | string, options?: CallOptions): Decision | ErrorResult;
  assessFactorChange(request: FactorChangeRequest | string, options?: CallOptions): Decision | ErrorResult;
  /** A privileged action (docs/contract.md#actions): login-like scoring, a fresh phishing-resistant proof, the chain before it. */
  assessAction(request: ActionRequest | string, options?: CallOptions): Decision | ErrorResult;
  /**
   * Decides the change again and, where it needs approval by the approver's kind and the approver is
   * neither the user nor the change's actor, signs a one-time grant for it (docs/contract.md#approvals).
   * Errors: `notPendingApproval`, `approverNotAllowed`, `selfApproval`, `noStateKey`.
   */
  grantApproval(input: GrantApprovalInput | string, options?: CallOptions): ApprovalGrant | ErrorResult;
  /**
   * The policy's fail-mode decision for a request (docs/contract.md#failure): what a host applies when it cannot use
   * a decision (e.g. the call returned an error). Closed: step up with the user's strongest factors
   * (deny without any) and deny factor changes; open: allow and alert. Reason `engineFailure`.
   */
  failMode(entry: Entry, request: LoginRequest | FactorChangeRequest | ActionRequest | string, options?: CallOptions): Decision | ErrorResult;
  free(): void;
  [Symbol.dispose](): void;
}

/** Parses and validates a policy once. Returns an engine, or the policy's errors. Never throws. */
export function compilePolicy(policy: PolicyInput, options?: CompileOptions | string): Engine | ErrorResult;
/** Every problem in a policy, each with a JSON pointer path. */
export function validatePolicy(policy: PolicyInput): Validation | ErrorResult;
/** The embedded default policy document. */
export function defaultPolicy(): PolicyDocument;
/** Exceptions that are active, expiring soon, expired, or longer than the policy allows. */
export function reviewExceptions(policy: PolicyInput, now?: Timestamp | number | Date): ExceptionReview | ErrorResult;
/**
 * The decision diff (`factorgate diff`'s one implementation, src/diff.rs): every field of decision
 * B that differs from decision A, each classed stricter, looser or changed. Either side may be any
 * engine answer (a tagged error too: then the only change is `result`), as an object or JSON text;
 * a side that is not JSON is an error with its path under `/a` or `/b`. Runs on the policy module.
 */
export function diffDecisions(a: Decision | ErrorResult | object | string, b: Decision | ErrorResult | object | string): DecisionDiff | ErrorResult;
/** Crate version and policy schema version. */
export function version(): Version;

/** The API object: what `factorgate` exports, and what `init`/`initSync` of `factorgate/init` return. */
export interface Factorgate {
  compilePolicy: typeof compilePolicy;
  validatePolicy: typeof validatePolicy;
  defaultPolicy: typeof defaultPolicy;
  reviewExceptions: typeof reviewExceptions;
  diffDecisions: typeof diffDecisions;
  version: typeof version;
}
