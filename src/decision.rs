//! The decision contract (SPEC §4): what the engine answers, always with its reasons.

use crate::decode::named;
use crate::factors::FactorType;
use crate::request::Level;
use serde::Serialize;

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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// Stable code.
    pub code: ReasonCode,
    /// Points this reason added to (or, when negative, removed from) the risk score.
    pub points: i32,
    /// A sentence for a person.
    pub detail: String,
}

/// What the session must prove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
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

/// Who must approve, and for how long the approval stays valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    /// Approver groups (e.g. `manager`, `soc`).
    pub by: Vec<String>,
    /// Seconds the approval request stays valid.
    pub expires_in_s: u64,
}

/// A notification the host must send through a channel independent of the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notify {
    /// Always `independent`: not the channel the change came through.
    pub channel: &'static str,
    /// Message template.
    pub template: &'static str,
}

/// The score and its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Risk {
    /// 0..=100.
    pub score: u8,
    /// Level from the policy's thresholds.
    pub level: Level,
}

/// What the current session proved, for the host's `acr`/`amr` claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
}

/// Identifies the policy that produced a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRef {
    /// Policy id.
    pub id: String,
    /// Policy version.
    pub version: u64,
    /// `sha256:` digest of the canonical policy.
    pub digest: String,
}

/// A decision (SPEC §4).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Always `decision`.
    #[serde(rename = "type")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<Requirement>,
    /// Who approves (outcome approval).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    /// Login: may this session add factors afterwards?
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrollment_allowed: Option<bool>,
    /// What the session proved (login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assurance: Option<Assurance>,
    /// Notifications to send.
    pub notify: Vec<Notify>,
    /// OCSF 1.8 events for the SIEM.
    pub alerts: Vec<serde_json::Value>,
    /// New memory for the host to store and pass back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The policy that decided.
    pub policy: PolicyRef,
}
