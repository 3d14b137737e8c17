//! The decision contract (SPEC §4): what the engine answers, always with its reasons.

use crate::decode::named;
use crate::encode::{encode_struct, RawJson};
use crate::factors::FactorType;
use crate::request::Level;

/// Which entry point produced a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `decideLogin`.
    Login,
    /// `assessFactorChange`.
    FactorChange,
}

named!(Entry {
    Login = "login",
    FactorChange = "factorChange",
});

/// The outcome, ordered from least to most severe so decisions can be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Proceed.
    Allow,
    /// Automated enrollment of a factor that can meet the requirement.
    Enroll,
    /// Authenticate (again) to meet `requirement`.
    StepUp,
    /// A person must approve (manager, SOC).
    Approval,
    /// Refuse (for a change reported after the fact: revert it).
    Deny,
}

named!(Outcome {
    Allow = "allow",
    Enroll = "enroll",
    StepUp = "stepUp",
    Approval = "approval",
    Deny = "deny",
});

/// Every reason code the engine can give (SPEC §4.3). Each rule that emits one is found by
/// searching for its camelCase name, which is also the key of its weight in the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReasonCode {
    // Travel and place.
    ImpossibleTravel,
    NewCountry,
    NewAsn,
    UntrustedIp,
    TrustedNetwork,
    // Device.
    NewDevice,
    UnmanagedDevice,
    SharedDevice,
    // Host.
    HostRiskHigh,
    HostRiskMedium,
    // Account history.
    RecentRiskySignin,
    RecentPasswordReset,
    RecentRecovery,
    DormantAccount,
    NewAccount,
    FirstFactor,
    SimSwap,
    PushFatigue,
    UserReportedSuspicious,
    // The change.
    FactorDowngrade,
    RemovesPhishingResistant,
    LastFactorRemoved,
    PhoneChange,
    ResetAll,
    RecoveryChange,
    DelegatedChange,
    MissingTicket,
    BindingAuthenticated,
    BindingUnverified,
    // Who.
    PrivilegedUser,
    SensitiveCapabilities,
    Contractor,
    BreakGlass,
    ServiceAccount,
    // Requirement.
    AppSensitivity,
    InsufficientAal,
    StaleAuthentication,
    RequestedAcr,
    NoFactors,
    // Policy.
    ExceptionApplied,
    ExceptionExpired,
    StateTampered,
    StateMissing,
    EngineFailure,
}

named!(ReasonCode {
    ImpossibleTravel = "impossibleTravel",
    NewCountry = "newCountry",
    NewAsn = "newAsn",
    UntrustedIp = "untrustedIp",
    TrustedNetwork = "trustedNetwork",
    NewDevice = "newDevice",
    UnmanagedDevice = "unmanagedDevice",
    SharedDevice = "sharedDevice",
    HostRiskHigh = "hostRiskHigh",
    HostRiskMedium = "hostRiskMedium",
    RecentRiskySignin = "recentRiskySignin",
    RecentPasswordReset = "recentPasswordReset",
    RecentRecovery = "recentRecovery",
    DormantAccount = "dormantAccount",
    NewAccount = "newAccount",
    FirstFactor = "firstFactor",
    SimSwap = "simSwap",
    PushFatigue = "pushFatigue",
    UserReportedSuspicious = "userReportedSuspicious",
    FactorDowngrade = "factorDowngrade",
    RemovesPhishingResistant = "removesPhishingResistant",
    LastFactorRemoved = "lastFactorRemoved",
    PhoneChange = "phoneChange",
    ResetAll = "resetAll",
    RecoveryChange = "recoveryChange",
    DelegatedChange = "delegatedChange",
    MissingTicket = "missingTicket",
    BindingAuthenticated = "bindingAuthenticated",
    BindingUnverified = "bindingUnverified",
    PrivilegedUser = "privilegedUser",
    SensitiveCapabilities = "sensitiveCapabilities",
    Contractor = "contractor",
    BreakGlass = "breakGlass",
    ServiceAccount = "serviceAccount",
    AppSensitivity = "appSensitivity",
    InsufficientAal = "insufficientAal",
    StaleAuthentication = "staleAuthentication",
    RequestedAcr = "requestedAcr",
    NoFactors = "noFactors",
    ExceptionApplied = "exceptionApplied",
    ExceptionExpired = "exceptionExpired",
    StateTampered = "stateTampered",
    StateMissing = "stateMissing",
    EngineFailure = "engineFailure",
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
    /// Approver groups (e.g. `manager`, `soc`).
    pub by: Vec<String>,
    /// Seconds the approval request stays valid.
    pub expires_in_s: u64,
}

encode_struct!(Approval {
    by: "by",
    expires_in_s: "expiresInS"
});

/// A notification the host must send through a channel independent of the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    /// Always `independent`: not the channel the change came through.
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

/// A decision (SPEC §4).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Always `decision`.
    pub kind: &'static str,
    /// Which entry point.
    pub entry: Entry,
    /// What to do.
    pub outcome: Outcome,
    /// How risky.
    pub risk: Risk,
    /// Why: never empty.
    pub reasons: Vec<Reason>,
    /// What the session must prove (stepUp, enroll; also on approval when a step-up is due).
    pub requirement: Option<Requirement>,
    /// Who approves (outcome approval).
    pub approval: Option<Approval>,
    /// Login: may this session add factors afterwards?
    pub enrollment_allowed: Option<bool>,
    /// What the session proved (login).
    pub assurance: Option<Assurance>,
    /// Notifications to send.
    pub notify: Vec<Notify>,
    /// OCSF 1.8 events for the SIEM.
    pub alerts: Vec<RawJson>,
    /// New memory for the host to store and pass back.
    pub state: Option<String>,
    /// The policy that decided.
    pub policy: PolicyRef,
}

encode_struct!(Decision {
    kind: "type",
    entry: "entry",
    outcome: "outcome",
    risk: "risk",
    reasons: "reasons",
    requirement: "requirement",
    approval: "approval",
    enrollment_allowed: "enrollmentAllowed",
    assurance: "assurance",
    notify: "notify",
    alerts: "alerts",
    state: "state",
    policy: "policy",
});
