//! The decision contract (docs/contract.md#decision): what the engine answers, always with its reasons.

use crate::enums::Level;
use crate::factors::FactorType;
use crate::json::contract_enum;
use crate::json::{encode_struct, RawJson};

contract_enum! {
    /// Which entry point produced a decision.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Entry {
        /// `decideLogin`.
        Login = "login",
        /// `assessFactorChange`.
        FactorChange = "factorChange",
        /// `assessAction`.
        Action = "action",
    }
}

contract_enum! {
    /// The outcome, ordered from least to most severe so decisions can be compared.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub enum Outcome {
        /// Proceed.
        Allow = "allow",
        /// Automated enrollment of a factor that can meet the requirement.
        Enroll = "enroll",
        /// Authenticate (again) to meet `requirement`.
        StepUp = "stepUp",
        /// A person must approve (manager, SOC).
        Approval = "approval",
        /// Refuse (for a change reported after the fact: revert it).
        Deny = "deny",
    }
}

contract_enum! {
    /// Every reason code the engine can give (docs/contract.md#reason-codes). Each rule that emits one is found by
    /// searching for its camelCase name, which is also the key of its weight in the policy.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum ReasonCode {
        // Travel and place.
        /// The journey from the last accepted sign-in to this one is faster than the policy allows.
        ImpossibleTravel = "impossibleTravel",
        /// A country the account has not signed in from (host detection or remembered history).
        NewCountry = "newCountry",
        /// A network provider (ASN) the account has not signed in from.
        NewAsn = "newAsn",
        /// A deny-listed network of the policy (CIDR or ASN), or the host's anonymizer detection.
        UntrustedIp = "untrustedIp",
        /// A trusted network of the policy (lowers risk).
        TrustedNetwork = "trustedNetwork",
        // Device.
        /// A device the account has not signed in from.
        NewDevice = "newDevice",
        /// A workforce device the host reports unmanaged, or managed but non-compliant.
        UnmanagedDevice = "unmanagedDevice",
        /// A workforce sign-in whose device posture is unknown: no `session.device`, or one that
        /// does not say whether it is managed. Unknown, not safe, and not unmanaged: reported, 0
        /// points by default (like `stateMissing`).
        UnknownDevice = "unknownDevice",
        /// A shared or kiosk device: no factor may be bound from it.
        SharedDevice = "sharedDevice",
        // Host.
        /// The IdP's own risk rating is high.
        HostRiskHigh = "hostRiskHigh",
        /// The IdP's own risk rating is medium (Auth0 `confidence: low` counts here).
        HostRiskMedium = "hostRiskMedium",
        // Account history.
        /// A sign-in at or above the policy's risky level within its window.
        RecentRiskySignin = "recentRiskySignin",
        /// The password was changed or reset within the policy's window.
        RecentPasswordReset = "recentPasswordReset",
        /// The account was recovered within the policy's window.
        RecentRecovery = "recentRecovery",
        /// No sign-in for longer than the policy's dormancy period (a first factor bound to it is
        /// held: `firstFactor`).
        DormantAccount = "dormantAccount",
        /// The account was created within the policy's new-account window.
        NewAccount = "newAccount",
        /// The account's first second factor. Held by rule (approval, a step-up first while the
        /// binding is unmet) on a dormant account, or from a new device and network right after a
        /// recovery or password reset (`factor_change::first_factor_held`, ATT&CK T1098.005).
        FirstFactor = "firstFactor",
        /// The carrier reports a SIM swap or number port: SMS and voice are not offered.
        SimSwap = "simSwap",
        /// Push prompts denied at or above the policy's count within its window.
        PushFatigue = "pushFatigue",
        /// The user reported a prompt or sign-in as not theirs.
        UserReportedSuspicious = "userReportedSuspicious",
        // The change.
        /// The new factor's assurance (max AAL, phishing resistance, hardware binding, restricted)
        /// is below the strongest one's, or below the one it replaces; equal assurance is no
        /// downgrade.
        FactorDowngrade = "factorDowngrade",
        /// What binds (docs/contract.md#rules): the factor type may not be bound for this user: not among
        /// `userKinds.<kind>.allowedFactors` or an active exception's types, `email` or `password`
        /// (never a second factor), or SMS/voice where `enrollment.restrictedFactors` forbids it
        /// (something better is enrolled). Always `deny` (`after`: revert).
        FactorNotAllowed = "factorNotAllowed",
        /// The change removes a phishing-resistant factor.
        RemovesPhishingResistant = "removesPhishingResistant",
        /// The change leaves the account without a second factor.
        LastFactorRemoved = "lastFactorRemoved",
        /// A new phone number: a new binding of an authenticator.
        PhoneChange = "phoneChange",
        /// Every factor is removed.
        ResetAll = "resetAll",
        /// A recovery method is changed.
        RecoveryChange = "recoveryChange",
        /// An admin, help desk, MSP or automation makes the change.
        DelegatedChange = "delegatedChange",
        /// A delegated change without the ticket the policy requires.
        MissingTicket = "missingTicket",
        /// The binding rule holds: authenticated recently enough, strongly enough.
        BindingAuthenticated = "bindingAuthenticated",
        /// A change reported after the fact carries no session to check the binding rule against.
        BindingUnverified = "bindingUnverified",
        // Who.
        /// The user holds a role the policy calls privileged.
        PrivilegedUser = "privilegedUser",
        /// The user can reach what the policy calls sensitive (secrets, IAM, workload identities).
        SensitiveCapabilities = "sensitiveCapabilities",
        /// An external account (contractor, partner).
        Contractor = "contractor",
        /// A break-glass emergency account.
        BreakGlass = "breakGlass",
        /// A non-human account.
        ServiceAccount = "serviceAccount",
        /// The user kind's rule refuses this (`userKinds.<kind>.selfService: false` for a
        /// self-service factor change, `interactiveLogin: false` for a sign-in), for a kind with no
        /// code of its own (employee, customer): a refusal by kind names the account's real kind,
        /// under `breakGlass`, `serviceAccount` or `contractor` where it has one.
        KindRestricted = "kindRestricted",
        // Requirement.
        /// Explains the application tier's requirement.
        AppSensitivity = "appSensitivity",
        /// The session has not proved the required strength.
        InsufficientAal = "insufficientAal",
        /// The session's methods once proved the required strength (judged ignoring every age:
        /// the re-authentication windows and the maximum age), but not recently enough.
        StaleAuthentication = "staleAuthentication",
        /// The requester's `acr_values` or `max_age` raised the requirement.
        RequestedAcr = "requestedAcr",
        /// The user has no factor that can meet the requirement.
        NoFactors = "noFactors",
        // Policy.
        /// An active exception of the policy changed the decision: decided without what it
        /// grants, the call would end otherwise (`exceptions::explain_applied`).
        ExceptionApplied = "exceptionApplied",
        /// An exception that would apply has expired: it allows nothing, and the rule it waived is
        /// checked again (a binding it allowed is refused: `factorNotAllowed`).
        ExceptionExpired = "exceptionExpired",
        /// The incoming state failed verification or belongs to another user.
        StateTampered = "stateTampered",
        /// No readable state came with the request: the history is unknown.
        StateMissing = "stateMissing",
        /// The engine could not decide; the policy's fail mode answered.
        EngineFailure = "engineFailure",
        // Approvals (docs/contract.md#approvals).
        /// A valid grant from `grantApproval` for this very change turned `approval` into `allow`
        /// (`approvals::apply_grant`); the sentence names the approver.
        ApprovalGranted = "approvalGranted",
        /// `change.approval` failed a check (signature, type, expiry, user, approval id, policy,
        /// approver, or a risk that appeared since it was granted): it alerts, the outcome stays.
        ApprovalInvalid = "approvalInvalid",
        /// `change.approval` was already used: the state records it.
        ApprovalReused = "approvalReused",
        // Recovery (docs/contract.md#recovery).
        /// The change is an account recovery (`recover`): the user lost factors and regains the
        /// account on recovery evidence (`recovery::assess`).
        AccountRecovery = "accountRecovery",
        /// The recovery evidence meets NIST SP 800-63B rev 4 §4.2 for the account's AAL.
        RecoveryEvidence = "recoveryEvidence",
        /// The recovery evidence falls short of §4.2 for the account's AAL: `stepUp` with
        /// `recovery.needs`.
        RecoveryInsufficient = "recoveryInsufficient",
        /// A piece of recovery evidence does not count: expired, not allowed by the policy, an
        /// undocumented help-desk or pass path, or issued by the user to themselves.
        RecoveryMethodRejected = "recoveryMethodRejected",
        /// A change the restriction window after a recovery holds for approval: removing
        /// factors, changing recovery paths, recovering again (`recovery.restrictionS`); and a
        /// privileged action in that window (`actions::decide`).
        RecoveryRestricted = "recoveryRestricted",
        // Following the change (docs/contract.md#actions).
        /// A privileged action within `actions.recentFactorChangeS` of a factor change the state
        /// remembers: the first link of the persistence chain (`actions::chain`, ATT&CK
        /// T1556.006 → T1098.001). A risky link (a risky, delegated or recovery-made change) holds
        /// the action (`actions.riskyChain`).
        RecentFactorChange = "recentFactorChange",
        /// The action is privileged (`actions.privilegedTypes`, or a target the host marks
        /// privileged): it needs a fresh phishing-resistant proof (`actions.freshProofS`), and
        /// names what it reaches (`actions::requirement`).
        PrivilegedAction = "privilegedAction",
        /// `user.accessEndsAt` has passed: logins, changes and actions are denied
        /// (`signals::lifecycle`).
        AccessExpired = "accessExpired",
        /// A mover: privileged without a factor that meets `privileged.requirement`; within
        /// `privileged.enrollmentGraceS` of when the state first saw them privileged, the login
        /// waits for that requirement and an allowed one carries `campaign` (`login::campaign`).
        EnrollmentCampaign = "enrollmentCampaign",
    }
}

impl ReasonCode {
    /// Does this code describe who the user is rather than what happened? Such a reason raises
    /// the requirement, the alerting and who approves, and is reported in [`Exposure`]; it never
    /// adds to the risk score (its weight must be 0), so a privileged user's ordinary sign-in is
    /// not a risky one and never makes the next one risky.
    pub const fn is_identity(self) -> bool {
        matches!(
            self,
            ReasonCode::PrivilegedUser
                | ReasonCode::SensitiveCapabilities
                | ReasonCode::Contractor
                | ReasonCode::BreakGlass
                | ReasonCode::ServiceAccount
        )
    }
}

impl ReasonCode {
    /// Is this a grant's verdict (`approvalGranted`, `approvalInvalid`, `approvalReused`)? It is
    /// decided after the score (`approvals::apply_grant`) and scores nothing: its weight must be 0.
    pub const fn is_approval(self) -> bool {
        matches!(
            self,
            ReasonCode::ApprovalGranted | ReasonCode::ApprovalInvalid | ReasonCode::ApprovalReused
        )
    }
}

impl ReasonCode {
    /// Does this code say what a factor change itself does (rather than what happened around
    /// it)? Where the delegation rule decides a change (`delegation.<actor>.privilegedTargets:
    /// approval`, a break-glass target), these are what the approvers weigh: they score, but
    /// only the risk of what happened around the change can deny it
    /// (`factor_change::delegation_decides`).
    pub const fn is_change(self) -> bool {
        matches!(
            self,
            ReasonCode::FirstFactor
                | ReasonCode::FactorDowngrade
                | ReasonCode::RemovesPhishingResistant
                | ReasonCode::LastFactorRemoved
                | ReasonCode::PhoneChange
                | ReasonCode::ResetAll
                | ReasonCode::RecoveryChange
                | ReasonCode::DelegatedChange
                | ReasonCode::AccountRecovery
        )
    }
}

/// The blast radius of the account: what a compromise of it reaches, separate from `risk`
/// (what happened). Hosts and SIEMs read it to rank alerts; the engine reads it to raise the
/// requirement and choose approvers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// Privileged by role, by capability, or as a break-glass account.
    pub privileged: bool,
    /// The user's roles the policy calls privileged.
    pub roles: Vec<String>,
    /// The user's capabilities the policy calls sensitive.
    pub capabilities: Vec<String>,
    /// `assessAction`: what the action reaches.
    pub action: Option<ActionExposure>,
}

encode_struct!(Exposure {
    privileged: "privileged",
    roles: "roles",
    capabilities: "capabilities",
    action: "action",
});

/// What a privileged action reaches (docs/contract.md#actions): its type and target, whether it is
/// privileged, and the capability it exercises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionExposure {
    /// The action type's name.
    pub kind: &'static str,
    /// The target's kind, as the host named it.
    pub target_kind: Option<String>,
    /// The target's id.
    pub target_id: Option<String>,
    /// A privileged action (`actions.privilegedTypes`, or the host's `target.privileged`).
    pub privileged: bool,
    /// The capability it exercises: `manageSecrets`, `manageWorkloadIdentities` or `manageIam`.
    pub reaches: &'static str,
}

encode_struct!(ActionExposure {
    kind: "type",
    target_kind: "targetKind",
    target_id: "targetId",
    privileged: "privileged",
    reaches: "reaches",
});

/// A mover's enrollment campaign (docs/contract.md#lifecycle): the factor types that meet the
/// privileged requirement, and until when a login waits for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Factor types to enroll, strongest first.
    pub enroll: Vec<FactorType>,
    /// The end of the grace, RFC 3339: from then on the login is `enroll`.
    pub by: String,
}

encode_struct!(Campaign {
    enroll: "enroll",
    by: "by",
});

/// One reason: the explanation of a decision is the list of these.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    /// Stable code.
    pub code: ReasonCode,
    /// Points this reason added to (or, when negative, removed from) the risk score.
    pub points: i32,
    /// A sentence for a person.
    pub detail: String,
}

encode_struct!(Reason {
    code: "code",
    points: "points",
    detail: "detail"
});

/// What the session must prove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Minimum authenticator assurance level.
    pub min_aal: u8,
    /// A phishing-resistant method is required.
    pub phishing_resistant: bool,
    /// A hardware-bound key is required.
    pub hardware_bound: bool,
    /// Factor types, among those the user has (step-up) or may bind (enroll), strongest first.
    pub factors: Vec<FactorType>,
    /// Maximum age of the authentication, in seconds.
    pub max_age_s: u64,
}

encode_struct!(Requirement {
    min_aal: "minAal",
    phishing_resistant: "phishingResistant",
    hardware_bound: "hardwareBound",
    factors: "factors",
    max_age_s: "maxAgeS",
});

/// Who must approve, and for how long the approval stays valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The approval's id, derived from the user, the change and the policy digest
    /// (`approvals::approval_id`): the same change under the same policy has the same id.
    pub id: String,
    /// Approver groups (e.g. `manager`, `soc`).
    pub by: Vec<String>,
    /// Seconds the approval request stays valid.
    pub expires_in_s: u64,
    /// When the approval request ends (decision time + `expires_in_s`), RFC 3339.
    pub expires_at: String,
    /// A contractor's or partner's sponsor (`user.sponsor`): named, and among `by` (as
    /// `sponsor`) unless the account is privileged.
    pub sponsor: Option<String>,
}

encode_struct!(Approval {
    id: "id",
    by: "by",
    expires_in_s: "expiresInS",
    expires_at: "expiresAt",
    sponsor: "sponsor",
});

/// What a recovery proves and allows (docs/contract.md#recovery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryOutcome {
    /// The AAL the recovered session proves: never more than its evidence (0: none).
    pub aal: u8,
    /// Factor types the recovered session may bind (the binding rule at that AAL).
    pub may_bind: Vec<FactorType>,
    /// Lost factor ids to suspend.
    pub invalidate: Vec<String>,
    /// Until when removing factors, changing recovery paths and recovering again need
    /// approval, RFC 3339.
    pub restricted_until: String,
    /// On `stepUp`: alternatives, each a list of evidence that, added to what was presented,
    /// would suffice (`password`: a single-factor authenticator the account still has).
    pub needs: Option<Vec<Vec<&'static str>>>,
}

encode_struct!(RecoveryOutcome {
    aal: "aal",
    may_bind: "mayBind",
    invalidate: "invalidate",
    restricted_until: "restrictedUntil",
    needs: "needs",
});

/// What a factor-change decision asks the next state to remember (not part of the document).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Memo {
    /// A recovery happened at this time: the restriction window starts.
    pub recovered_at: Option<crate::time::Timestamp>,
    /// A grant was used: its id and expiry (seconds since the epoch).
    pub used_grant: Option<([u8; 8], u32)>,
    /// Who approved (kind, id), for the alerts.
    pub approver: Option<(String, String)>,
    /// The factor change happened: remember it (`Some(true)`: made through a recovery).
    pub change: Option<bool>,
}

/// A notification the host must send through a channel independent of the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    /// `independent`: not the channel the change came through; `all`: every channel the user
    /// has (a recovery).
    pub channel: &'static str,
    /// Message template.
    pub template: &'static str,
}

encode_struct!(Notify {
    channel: "channel",
    template: "template"
});

/// The score and its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Risk {
    /// 0..=100.
    pub score: u8,
    /// Level from the policy's thresholds.
    pub level: Level,
}

encode_struct!(Risk {
    score: "score",
    level: "level"
});

/// What the current session proved, for the host's `acr`/`amr` claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assurance {
    /// AAL the session reached within the re-authentication windows.
    pub aal: u8,
    /// A phishing-resistant method took part.
    pub phishing_resistant: bool,
    /// A hardware-bound key took part.
    pub hardware_bound: bool,
    /// RFC 8176 method references.
    pub amr: Vec<&'static str>,
    /// The requested `acr` value the session satisfies, if any.
    pub acr: Option<String>,
}

encode_struct!(Assurance {
    aal: "aal",
    phishing_resistant: "phishingResistant",
    hardware_bound: "hardwareBound",
    amr: "amr",
    acr: "acr",
});

/// Identifies the policy that produced a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRef {
    /// Policy id.
    pub id: String,
    /// Policy version.
    pub version: u64,
    /// `sha256:` digest of the canonical policy.
    pub digest: String,
}

encode_struct!(PolicyRef {
    id: "id",
    version: "version",
    digest: "digest"
});

/// A decision (docs/contract.md#decision).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Always `decision`.
    pub kind: &'static str,
    /// Which entry point.
    pub entry: Entry,
    /// What to do.
    pub outcome: Outcome,
    /// How risky: what happened, never who the user is.
    pub risk: Risk,
    /// What the account reaches: who the user is, never summed into `risk`.
    pub exposure: Exposure,
    /// Why: never empty.
    pub reasons: Vec<Reason>,
    /// What the session must prove (stepUp, enroll; also on approval when a step-up is due).
    pub requirement: Option<Requirement>,
    /// Who approves (outcome approval).
    pub approval: Option<Approval>,
    /// What a recovery proves and allows (`recover` only).
    pub recovery: Option<RecoveryOutcome>,
    /// Login: may this session add factors afterwards?
    pub enrollment_allowed: Option<bool>,
    /// What the session proved (login, action).
    pub assurance: Option<Assurance>,
    /// A mover's enrollment campaign (login).
    pub campaign: Option<Campaign>,
    /// Notifications to send.
    pub notify: Vec<Notify>,
    /// OCSF 1.8 events for the SIEM.
    pub alerts: Vec<RawJson>,
    /// New memory for the host to store and pass back.
    pub state: Option<String>,
    /// The policy that decided.
    pub policy: PolicyRef,
    /// What the next state must remember (not encoded).
    pub(crate) memo: Memo,
}

encode_struct!(Decision {
    kind: "type",
    entry: "entry",
    outcome: "outcome",
    risk: "risk",
    exposure: "exposure",
    reasons: "reasons",
    requirement: "requirement",
    approval: "approval",
    recovery: "recovery",
    enrollment_allowed: "enrollmentAllowed",
    assurance: "assurance",
    campaign: "campaign",
    notify: "notify",
    alerts: "alerts",
    state: "state",
    policy: "policy",
});
