//! The policy document: its sections, their JSON names and the embedded default's values
//! (`docs/contract.md#policy`). Plain data; [`super::validate`] checks it and
//! [`super::compile`] turns it into what decisions read.

use crate::decision::ReasonCode;
use crate::enums::{ActorKind, Level, Sensitivity, UserKind};
use crate::factors::FactorType;
use crate::json::{contract_enum, decode_by_merge, decode_struct, merge_struct};
// The policy's maps are sorted vectors with BTreeMap's methods (src/json/map.rs: wasm size).
use crate::json::KeyMap as BTreeMap;
use crate::request::{ActionType, ChangeAction, CodeChannel, RecoveryMethodType};

/// Version of the policy schema this engine reads.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// A policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// JSON Schema reference, ignored by the engine.
    pub schema: Option<String>,
    /// Policy id, carried into every decision and alert.
    pub id: String,
    /// Policy version, carried into every decision and alert.
    pub version: u64,
    /// What this policy is for.
    pub description: String,
    /// Application sensitivity tiers.
    pub apps: Apps,
    /// Requirement per application tier.
    pub requirements: Requirements,
    /// Maximum age of an authentication for it to count at each AAL.
    pub reauthentication: Reauthentication,
    /// Privileged roles and sensitive capabilities.
    pub privileged: Privileged,
    /// Rules per kind of account.
    pub user_kinds: UserKinds,
    /// Signal weights, level thresholds and responses to risk.
    pub risk: RiskPolicy,
    /// Signal thresholds and windows.
    pub signals: Signals,
    /// Enrollment and binding rules.
    pub enrollment: Enrollment,
    /// Delegated administration (help desk, MSP, admin, automation).
    pub delegation: Delegation,
    /// Break-glass accounts.
    pub break_glass: BreakGlass,
    /// Trusted and denied networks.
    pub networks: Networks,
    /// Time-bound exceptions.
    pub exceptions: Exceptions,
    /// What to answer when the engine fails.
    pub fail_mode: FailModes,
    /// Alerting thresholds.
    pub alerts: Alerts,
    /// Approvals that grant (per-action approvers, grant lifetime).
    pub approvals: Approvals,
    /// Account recovery (NIST SP 800-63B rev 4 §4.2).
    pub recovery: RecoveryPolicy,
    /// Privileged actions and the chain that leads to them (SPEC §16).
    pub actions: ActionsPolicy,
}

decode_struct!(Policy, policy {
    schema: "$schema" => default,
    id: "id" => required,
    version: "version" => required,
    description: "description" => default,
    apps: "apps" => default,
    requirements: "requirements" => default,
    reauthentication: "reauthentication" => default,
    privileged: "privileged" => default,
    user_kinds: "userKinds" => default,
    risk: "risk" => default,
    signals: "signals" => default,
    enrollment: "enrollment" => default,
    delegation: "delegation" => default,
    break_glass: "breakGlass" => default,
    networks: "networks" => default,
    exceptions: "exceptions" => default,
    fail_mode: "failMode" => default,
    alerts: "alerts" => default,
    approvals: "approvals" => default,
    recovery: "recovery" => default,
    actions: "actions" => default,
});

decode_by_merge!(
    Apps,
    Requirements,
    Reauthentication,
    Privileged,
    UserKinds,
    RiskPolicy,
    Signals,
    Enrollment,
    Delegation,
    BreakGlass,
    Networks,
    Exceptions,
    FailModes,
    Alerts,
    Approvals,
    RecoveryPolicy,
    ActionsPolicy,
);

impl Policy {
    /// Who approves a change of `action` on an account of `kind`: `privilegedApprovers` for a
    /// privileged account (privileged role, sensitive capability, break-glass), else the action's
    /// entry of `approvals.byAction`, else the kind's entry of `approversByKind`, else
    /// `approvers`.
    pub fn approvers(&self, kind: UserKind, privileged: bool, action: ChangeAction) -> &[String] {
        let fc = &self.risk.factor_change;
        if privileged {
            return &fc.privileged_approvers;
        }
        match self.approvals.by_action.get(&action) {
            Some(by) => by,
            None => fc.approvers_for(kind, false),
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            schema: None,
            id: "factorgate-default".into(),
            version: 1,
            description: "factorgate embedded default: NIST SP 800-63B rev 4 aligned".into(),
            apps: Apps::default(),
            requirements: Requirements::default(),
            reauthentication: Reauthentication::default(),
            privileged: Privileged::default(),
            user_kinds: UserKinds::default(),
            risk: RiskPolicy::default(),
            signals: Signals::default(),
            enrollment: Enrollment::default(),
            delegation: Delegation::default(),
            break_glass: BreakGlass::default(),
            networks: Networks::default(),
            exceptions: Exceptions::default(),
            fail_mode: FailModes::default(),
            alerts: Alerts::default(),
            approvals: Approvals::default(),
            recovery: RecoveryPolicy::default(),
            actions: ActionsPolicy::default(),
        }
    }
}

/// Application sensitivity tiers.
#[derive(Debug, Clone, PartialEq)]
pub struct Apps {
    /// Tier of an application the policy does not list and the host does not rate.
    pub default_sensitivity: Sensitivity,
    /// Tier per application id; wins over the host's rating when higher.
    pub by_id: BTreeMap<String, Sensitivity>,
}

merge_struct!(Apps {
    default_sensitivity: "defaultSensitivity",
    by_id: "byId",
});

impl Default for Apps {
    fn default() -> Self {
        Apps {
            default_sensitivity: Sensitivity::Medium,
            by_id: BTreeMap::new(),
        }
    }
}

/// A requirement a session must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequirementRule {
    /// Minimum AAL (1..=3).
    pub min_aal: u8,
    /// Phishing resistance required.
    pub phishing_resistant: bool,
    /// Hardware-bound key required.
    pub hardware_bound: bool,
    /// Maximum age of the authentication in seconds.
    pub max_age_s: u64,
}

decode_struct!(RequirementRule, policy {
    min_aal: "minAal" => required,
    phishing_resistant: "phishingResistant" => default,
    hardware_bound: "hardwareBound" => default,
    max_age_s: "maxAgeS" => required,
});
merge_struct!(merge_only RequirementRule {
    min_aal: "minAal",
    phishing_resistant: "phishingResistant",
    hardware_bound: "hardwareBound",
    max_age_s: "maxAgeS",
});

impl RequirementRule {
    const fn new(min_aal: u8, pr: bool, hw: bool, max_age_s: u64) -> Self {
        RequirementRule {
            min_aal,
            phishing_resistant: pr,
            hardware_bound: hw,
            max_age_s,
        }
    }
}

/// Requirement per application tier.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirements {
    /// Low-sensitivity applications.
    pub low: RequirementRule,
    /// Ordinary applications.
    pub medium: RequirementRule,
    /// Sensitive applications.
    pub high: RequirementRule,
    /// Critical applications.
    pub critical: RequirementRule,
}

merge_struct!(Requirements {
    low: "low",
    medium: "medium",
    high: "high",
    critical: "critical",
});

const DAY: u64 = 86_400;
const HOUR: u64 = 3_600;

impl Default for Requirements {
    fn default() -> Self {
        Requirements {
            low: RequirementRule::new(1, false, false, 30 * DAY),
            medium: RequirementRule::new(2, false, false, DAY),
            high: RequirementRule::new(2, true, false, 12 * HOUR),
            critical: RequirementRule::new(3, true, true, 12 * HOUR),
        }
    }
}

impl Requirements {
    /// The rule for a tier.
    pub fn for_tier(&self, tier: Sensitivity) -> &RequirementRule {
        match tier {
            Sensitivity::Low => &self.low,
            Sensitivity::Medium => &self.medium,
            Sensitivity::High => &self.high,
            Sensitivity::Critical => &self.critical,
        }
    }
}

/// Re-authentication windows per AAL (NIST rev 4: AAL1 30 days, AAL2 24 h, AAL3 12 h).
#[derive(Debug, Clone, PartialEq)]
pub struct Reauthentication {
    /// AAL1 window in seconds.
    pub aal1_s: u64,
    /// AAL2 window in seconds.
    pub aal2_s: u64,
    /// AAL3 window in seconds.
    pub aal3_s: u64,
}

merge_struct!(Reauthentication {
    aal1_s: "aal1S",
    aal2_s: "aal2S",
    aal3_s: "aal3S",
});

impl Default for Reauthentication {
    fn default() -> Self {
        Reauthentication {
            aal1_s: 30 * DAY,
            aal2_s: DAY,
            aal3_s: 12 * HOUR,
        }
    }
}

impl Reauthentication {
    /// Window for an AAL.
    pub fn window(&self, aal: u8) -> u64 {
        match aal {
            0 | 1 => self.aal1_s,
            2 => self.aal2_s,
            _ => self.aal3_s,
        }
    }
}

/// Privileged roles and sensitive capabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct Privileged {
    /// Role names or patterns with one `*` (e.g. `*-admin`).
    pub roles: Vec<String>,
    /// Capabilities that widen the blast radius of a compromise.
    pub capabilities: Vec<String>,
    /// Requirement for privileged users at any application.
    pub requirement: RequirementRule,
    /// A mover's grace, seconds: from when the state first sees the user privileged without a
    /// factor that meets `requirement`, how long a login waits for it (an enrollment campaign);
    /// then `enroll`. 0: no grace.
    pub enrollment_grace_s: u64,
}

merge_struct!(Privileged {
    roles: "roles",
    capabilities: "capabilities",
    requirement: "requirement",
    enrollment_grace_s: "enrollmentGraceS",
});

impl Default for Privileged {
    fn default() -> Self {
        Privileged {
            roles: ["admin", "*-admin", "*_admin", "owner", "root", "superuser"]
                .map(String::from)
                .to_vec(),
            capabilities: ["manageSecrets", "manageIam", "manageWorkloadIdentities"]
                .map(String::from)
                .to_vec(),
            requirement: RequirementRule::new(3, true, true, 12 * HOUR),
            enrollment_grace_s: 7 * DAY,
        }
    }
}

/// Rules for one kind of account.
#[derive(Debug, Clone, PartialEq)]
pub struct KindRule {
    /// A floor on the login requirement for this kind, whatever the application.
    pub requirement: Option<RequirementRule>,
    /// Factor types this kind may bind, strongest first.
    pub allowed_factors: Vec<FactorType>,
    /// May users of this kind add or change their own factors?
    pub self_service: bool,
    /// May accounts of this kind sign in interactively at all?
    pub interactive_login: bool,
}

merge_struct!(KindRule {
    requirement: "requirement",
    allowed_factors: "allowedFactors",
    self_service: "selfService",
    interactive_login: "interactiveLogin",
});

/// Rules per kind of account.
#[derive(Debug, Clone, PartialEq)]
pub struct UserKinds {
    /// Workforce.
    pub employee: KindRule,
    /// External workers.
    pub contractor: KindRule,
    /// Partners.
    pub partner: KindRule,
    /// Consumers.
    pub customer: KindRule,
    /// Non-human accounts.
    pub service: KindRule,
    /// Emergency access.
    pub break_glass: KindRule,
}

merge_struct!(UserKinds {
    employee: "employee",
    contractor: "contractor",
    partner: "partner",
    customer: "customer",
    service: "service",
    break_glass: "breakGlass",
});

impl Default for UserKinds {
    fn default() -> Self {
        use FactorType::*;
        let workforce = vec![WebauthnRoaming, WebauthnPlatform, PasskeySynced, Push, Totp];
        let external = KindRule {
            requirement: Some(RequirementRule::new(2, false, false, 12 * HOUR)),
            allowed_factors: workforce.clone(),
            self_service: true,
            interactive_login: true,
        };
        UserKinds {
            employee: KindRule {
                requirement: None,
                allowed_factors: workforce,
                self_service: true,
                interactive_login: true,
            },
            contractor: external.clone(),
            partner: external,
            customer: KindRule {
                requirement: None,
                allowed_factors: vec![PasskeySynced, WebauthnPlatform, WebauthnRoaming, Totp, Sms],
                self_service: true,
                interactive_login: true,
            },
            service: KindRule {
                requirement: None,
                allowed_factors: vec![],
                self_service: false,
                interactive_login: false,
            },
            break_glass: KindRule {
                requirement: Some(RequirementRule::new(3, true, true, HOUR)),
                allowed_factors: vec![WebauthnRoaming, Piv],
                self_service: false,
                interactive_login: true,
            },
        }
    }
}

impl UserKinds {
    /// The rule for a kind.
    pub fn for_kind(&self, kind: UserKind) -> &KindRule {
        match kind {
            UserKind::Employee => &self.employee,
            UserKind::Contractor => &self.contractor,
            UserKind::Partner => &self.partner,
            UserKind::Customer => &self.customer,
            UserKind::Service => &self.service,
            UserKind::BreakGlass => &self.break_glass,
        }
    }
}

/// Score thresholds for each level.
#[derive(Debug, Clone, PartialEq)]
pub struct Levels {
    /// Score at which risk is medium.
    pub medium: u8,
    /// Score at which risk is high.
    pub high: u8,
    /// Score at which risk is critical.
    pub critical: u8,
}

merge_struct!(Levels {
    medium: "medium",
    high: "high",
    critical: "critical",
});

impl Default for Levels {
    fn default() -> Self {
        Levels {
            medium: 20,
            high: 45,
            critical: 75,
        }
    }
}

/// How a login's requirement rises with risk. Risk never counts as a factor and never lowers one.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginRiskResponse {
    /// Floor at medium risk.
    pub medium: RequirementRule,
    /// Floor at high risk (phishing resistance is asked only of users who have such a factor).
    pub high: RequirementRule,
    /// Deny at critical risk.
    pub deny_at_critical: bool,
}

merge_struct!(LoginRiskResponse {
    medium: "medium",
    high: "high",
    deny_at_critical: "denyAtCritical",
});

impl Default for LoginRiskResponse {
    fn default() -> Self {
        LoginRiskResponse {
            medium: RequirementRule::new(2, false, false, HOUR),
            high: RequirementRule::new(2, true, false, 15 * 60),
            deny_at_critical: true,
        }
    }
}

/// How a factor change's outcome rises with risk.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRiskResponse {
    /// Level at which a change needs approval.
    pub approval_at: Level,
    /// Level at which a change is denied (reverted when reported after the fact).
    pub deny_at: Level,
    /// Approvers for ordinary accounts of a kind `approvers_by_kind` does not list.
    pub approvers: Vec<String>,
    /// Approvers per user kind for ordinary (not privileged) accounts, over `approvers`: who can
    /// vouch for the person depends on the kind (docs/contract.md#rules: customers have no manager, so the
    /// default sends them to `support`, the team that verifies a customer's identity).
    /// Privileged accounts, break-glass included, always go to `privileged_approvers`.
    pub approvers_by_kind: BTreeMap<UserKind, Vec<String>>,
    /// Approvers for privileged accounts, sensitive capabilities and break-glass.
    pub privileged_approvers: Vec<String>,
    /// How long an approval request stays valid, in seconds.
    pub approval_expires_in_s: u64,
}

merge_struct!(ChangeRiskResponse {
    approval_at: "approvalAt",
    deny_at: "denyAt",
    approvers: "approvers",
    approvers_by_kind: "approversByKind",
    privileged_approvers: "privilegedApprovers",
    approval_expires_in_s: "approvalExpiresInS",
});

impl ChangeRiskResponse {
    /// Who approves a change on an account of `kind`: `privileged_approvers` for a privileged
    /// account (privileged role, sensitive capability, break-glass), else the kind's entry of
    /// `approvers_by_kind`, else `approvers`.
    pub fn approvers_for(&self, kind: UserKind, privileged: bool) -> &[String] {
        if privileged {
            return &self.privileged_approvers;
        }
        self.approvers_by_kind
            .get(&kind)
            .map_or(self.approvers.as_slice(), Vec::as_slice)
    }
}

impl Default for ChangeRiskResponse {
    fn default() -> Self {
        ChangeRiskResponse {
            approval_at: Level::High,
            deny_at: Level::Critical,
            approvers: vec!["manager".into()],
            approvers_by_kind: one_entry(UserKind::Customer, vec!["support".into()]),
            privileged_approvers: vec!["soc".into()],
            approval_expires_in_s: HOUR,
        }
    }
}

/// Signal weights, level thresholds and responses.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskPolicy {
    /// Points per reason code; codes not listed keep their default weight.
    pub weights: BTreeMap<ReasonCode, i32>,
    /// Score thresholds.
    pub levels: Levels,
    /// From this level on a sign-in is risky: no free enrollment, remembered as risky.
    pub risky_at: Level,
    /// Login response.
    pub login: LoginRiskResponse,
    /// Factor-change response.
    pub factor_change: ChangeRiskResponse,
}

merge_struct!(RiskPolicy {
    weights: "weights",
    levels: "levels",
    risky_at: "riskyAt",
    login: "login",
    factor_change: "factorChange",
});

impl Default for RiskPolicy {
    fn default() -> Self {
        RiskPolicy {
            weights: default_weights(),
            levels: Levels::default(),
            risky_at: Level::Medium,
            login: LoginRiskResponse::default(),
            factor_change: ChangeRiskResponse::default(),
        }
    }
}

/// Default points per reason. Requirement and policy codes explain, they do not score.
pub(crate) fn default_weights() -> BTreeMap<ReasonCode, i32> {
    let mut weights = BTreeMap::new();
    for (code, points) in DEFAULT_WEIGHTS {
        weights.insert(code, points);
    }
    weights
}

/// A map of one entry (inserting, rather than collecting, keeps sorting code out of the wasm).
fn one_entry<K: Ord, V>(key: K, value: V) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.insert(key, value);
    map
}

const DEFAULT_WEIGHTS: [(ReasonCode, i32); 59] = {
    use ReasonCode::*;
    [
        (ImpossibleTravel, 40),
        (NewCountry, 20),
        (NewAsn, 5),
        (UntrustedIp, 40),
        (TrustedNetwork, -15),
        (NewDevice, 10),
        (UnmanagedDevice, 5),
        (UnknownDevice, 0),
        (SharedDevice, 10),
        (HostRiskHigh, 45),
        (HostRiskMedium, 20),
        (RecentRiskySignin, 30),
        (RecentPasswordReset, 30),
        (RecentRecovery, 30),
        (DormantAccount, 25),
        (NewAccount, 0),
        (FirstFactor, 10),
        (SimSwap, 40),
        (PushFatigue, 30),
        (UserReportedSuspicious, 50),
        (FactorDowngrade, 15),
        (FactorNotAllowed, 0),
        (RemovesPhishingResistant, 25),
        (LastFactorRemoved, 30),
        (PhoneChange, 10),
        (ResetAll, 25),
        (RecoveryChange, 15),
        (DelegatedChange, 10),
        (MissingTicket, 30),
        (BindingAuthenticated, 0),
        (BindingUnverified, 5),
        (PrivilegedUser, 0),
        (SensitiveCapabilities, 0),
        (Contractor, 0),
        (BreakGlass, 0),
        (ServiceAccount, 0),
        (KindRestricted, 0),
        (AppSensitivity, 0),
        (InsufficientAal, 0),
        (StaleAuthentication, 0),
        (RequestedAcr, 0),
        (NoFactors, 0),
        (ExceptionApplied, 0),
        (ExceptionExpired, 5),
        (StateTampered, 40),
        (StateMissing, 0),
        (EngineFailure, 0),
        (ApprovalGranted, 0),
        (ApprovalInvalid, 0),
        (ApprovalReused, 0),
        (AccountRecovery, 10),
        (RecoveryEvidence, 0),
        (RecoveryInsufficient, 0),
        (RecoveryMethodRejected, 5),
        (RecoveryRestricted, 0),
        (RecentFactorChange, 15),
        (PrivilegedAction, 0),
        (AccessExpired, 0),
        (EnrollmentCampaign, 0),
    ]
};

/// Impossible-travel thresholds (docs/contract.md#rules, "Travel"): a journey is judged on distance and time
/// everywhere, inside one country too.
#[derive(Debug, Clone, PartialEq)]
pub struct Travel {
    /// Speed above which travel is impossible, km/h.
    pub speed_kmh: f64,
    /// Distance below which travel is never flagged, km: the floor of IP geolocation error
    /// (a city's own networks geolocate tens of km apart), wherever the two ends are.
    pub min_distance_km: f64,
    /// Distance up to which a journey between bordering countries, or with a trusted network of
    /// the policy that has a place (corporate egress) at either end, is not flagged, km: what a
    /// border crossing or geolocation error looks like. A mobile carrier or a corporate backhaul
    /// egresses in a large city of its own, often across a nearby border (a phone in Strasbourg
    /// on a German carrier can geolocate to Frankfurt, about 180 km; a Geneva office behind a
    /// Paris egress, about 410 km), so the default, 500 km, covers a regional egress; beyond it
    /// two sign-ins are in different regions (Hamburg → Vienna, about 740 km; New York → Mexico
    /// City, about 3 360 km). At the default 900 km/h a jump within the tolerance is judged at all
    /// only when it takes under about 33 minutes. VPN and cloud egress have no physical place and
    /// are never judged.
    pub border_tolerance_km: f64,
}

merge_struct!(Travel {
    speed_kmh: "speedKmh",
    min_distance_km: "minDistanceKm",
    border_tolerance_km: "borderToleranceKm",
});

impl Default for Travel {
    fn default() -> Self {
        Travel {
            speed_kmh: 900.0,
            min_distance_km: 100.0,
            border_tolerance_km: 500.0,
        }
    }
}

/// Push-fatigue threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct PushFatigue {
    /// Denied pushes at which the signal fires.
    pub denied: u32,
    /// Longest window the count may cover, in seconds.
    pub window_s: u64,
}

merge_struct!(PushFatigue {
    denied: "denied",
    window_s: "windowS",
});

impl Default for PushFatigue {
    fn default() -> Self {
        PushFatigue {
            denied: 3,
            window_s: 15 * 60,
        }
    }
}

/// Signal thresholds and windows.
#[derive(Debug, Clone, PartialEq)]
pub struct Signals {
    /// Impossible travel.
    pub impossible_travel: Travel,
    /// Window after a risky sign-in in which changes are riskier, seconds.
    pub recent_risky_signin_s: u64,
    /// Window after a password reset, seconds.
    pub recent_password_reset_s: u64,
    /// Window after an account recovery, seconds.
    pub recent_recovery_s: u64,
    /// No login for this long makes an account dormant, seconds.
    pub dormant_s: u64,
    /// Accounts younger than this are new, seconds.
    pub new_account_s: u64,
    /// Push fatigue.
    pub push_fatigue: PushFatigue,
    /// Sign-ins remembered before `new*` signals fire (the learning period).
    pub learning_logins: u32,
}

merge_struct!(Signals {
    impossible_travel: "impossibleTravel",
    recent_risky_signin_s: "recentRiskySigninS",
    recent_password_reset_s: "recentPasswordResetS",
    recent_recovery_s: "recentRecoveryS",
    dormant_s: "dormantS",
    new_account_s: "newAccountS",
    push_fatigue: "pushFatigue",
    learning_logins: "learningLogins",
});

impl Default for Signals {
    fn default() -> Self {
        Signals {
            impossible_travel: Travel::default(),
            recent_risky_signin_s: 6 * HOUR,
            recent_password_reset_s: DAY,
            recent_recovery_s: DAY,
            dormant_s: 90 * DAY,
            new_account_s: 7 * DAY,
            push_fatigue: PushFatigue::default(),
            learning_logins: 3,
        }
    }
}

contract_enum! {
    /// When SMS and voice may be used.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum RestrictedUse {
        /// Like any other factor.
        Allow = "allow",
        /// Only when the user has nothing better that meets the requirement (NIST rev 4).
        OnlyIfNothingBetter = "onlyIfNothingBetter",
        /// Never.
        Never = "never",
    }
}

/// Enrollment and binding rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrollment {
    /// A binding needs an authentication at least this recent, seconds (NIST rev 4 §4.1.2.1).
    pub binding_window_s: u64,
    /// Onboarding grace: a first factor bound this soon after account creation scores nothing.
    pub grace_period_s: u64,
    /// SMS and voice use.
    pub restricted_factors: RestrictedUse,
    /// Offer enrollment on a risky login (the attacker would bind their own factor).
    pub offer_on_risky_login: bool,
}

merge_struct!(Enrollment {
    binding_window_s: "bindingWindowS",
    grace_period_s: "gracePeriodS",
    restricted_factors: "restrictedFactors",
    offer_on_risky_login: "offerOnRiskyLogin",
});

impl Default for Enrollment {
    fn default() -> Self {
        Enrollment {
            binding_window_s: 15 * 60,
            grace_period_s: 14 * DAY,
            restricted_factors: RestrictedUse::OnlyIfNothingBetter,
            offer_on_risky_login: false,
        }
    }
}

contract_enum! {
    /// What a delegated change on a privileged account leads to.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum DelegatedPrivileged {
        /// Scored like any change.
        Allow = "allow",
        /// Needs approval by the privileged approvers.
        Approval = "approval",
        /// Refused.
        Deny = "deny",
    }
}

/// Rules for one delegated actor kind.
#[derive(Debug, Clone, PartialEq)]
pub struct ActorRule {
    /// A ticket reference is required.
    pub require_ticket: bool,
    /// Changes on privileged accounts.
    pub privileged_targets: DelegatedPrivileged,
}

merge_struct!(ActorRule {
    require_ticket: "requireTicket",
    privileged_targets: "privilegedTargets",
});

/// Delegated administration.
#[derive(Debug, Clone, PartialEq)]
pub struct Delegation {
    /// Administrators.
    pub admin: ActorRule,
    /// Help desk.
    pub helpdesk: ActorRule,
    /// Managed service providers.
    pub msp: ActorRule,
    /// Automation.
    pub automation: ActorRule,
}

merge_struct!(Delegation {
    admin: "admin",
    helpdesk: "helpdesk",
    msp: "msp",
    automation: "automation",
});

impl Default for Delegation {
    fn default() -> Self {
        let rule = |require_ticket, privileged_targets| ActorRule {
            require_ticket,
            privileged_targets,
        };
        Delegation {
            admin: rule(true, DelegatedPrivileged::Approval),
            helpdesk: rule(true, DelegatedPrivileged::Approval),
            msp: rule(true, DelegatedPrivileged::Deny),
            automation: rule(false, DelegatedPrivileged::Deny),
        }
    }
}

impl Delegation {
    /// The rule for a delegated actor; `None` for the user themself.
    pub fn for_actor(&self, actor: ActorKind) -> Option<&ActorRule> {
        match actor {
            ActorKind::SelfService => None,
            ActorKind::Admin => Some(&self.admin),
            ActorKind::Helpdesk => Some(&self.helpdesk),
            ActorKind::Msp => Some(&self.msp),
            ActorKind::Automation => Some(&self.automation),
        }
    }
}

/// Break-glass accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakGlass {
    /// User ids that are break-glass accounts whatever kind the host sends.
    pub user_ids: Vec<String>,
    /// The hardware factors a break-glass login must use.
    pub required_factors: Vec<FactorType>,
}

merge_struct!(BreakGlass {
    user_ids: "userIds",
    required_factors: "requiredFactors",
});

impl Default for BreakGlass {
    fn default() -> Self {
        BreakGlass {
            user_ids: vec![],
            required_factors: vec![FactorType::WebauthnRoaming, FactorType::Piv],
        }
    }
}

contract_enum! {
    /// What a network is.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum NetworkKind {
        /// The organisation's own egress: lowers risk.
        Corporate = "corporate",
        /// VPN egress: no physical location, so travel is not judged from it.
        Vpn = "vpn",
        /// Cloud or hosting provider: no physical location.
        Cloud = "cloud",
    }
}

/// A named network.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Name shown in reasons.
    pub name: String,
    /// What it is (trusted networks only).
    pub kind: Option<NetworkKind>,
    /// IPv4 and IPv6 CIDR blocks.
    pub cidrs: Vec<String>,
    /// Autonomous system numbers.
    pub asns: Vec<u32>,
}

decode_struct!(Network, policy {
    name: "name" => required,
    kind: "kind" => default,
    cidrs: "cidrs" => default,
    asns: "asns" => default,
});

/// Trusted and denied networks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Networks {
    /// Trusted networks (corporate, VPN, cloud).
    pub trusted: Vec<Network>,
    /// Deny-listed networks (anonymizers, known-bad ranges).
    pub denied: Vec<Network>,
}

merge_struct!(Networks {
    trusted: "trusted",
    denied: "denied",
});

/// Who an exception is for: exactly one of the fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// One user.
    pub user_id: Option<String>,
    /// Everyone with a role.
    pub role: Option<String>,
    /// Everyone of a kind.
    pub user_kind: Option<UserKind>,
}

decode_struct!(Subject, policy {
    user_id: "userId" => default,
    role: "role" => default,
    user_kind: "userKind" => default,
});

/// Where an exception applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Application ids (empty: all).
    pub apps: Vec<String>,
    /// Entry points (empty: both).
    pub entries: Vec<crate::decision::Entry>,
}

decode_struct!(Scope, policy {
    apps: "apps" => default,
    entries: "entries" => default,
});

/// What an exception grants. It waives policy requirements, never risk-driven ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grant {
    /// Extra factor types the subject may use and bind (e.g. `sms` for a user without a smartphone).
    pub allow_factors: Vec<FactorType>,
    /// Drop the policy's phishing-resistance requirement (not one raised by risk).
    pub waive_phishing_resistant: bool,
}

decode_struct!(Grant, policy {
    allow_factors: "allowFactors" => default,
    waive_phishing_resistant: "waivePhishingResistant" => default,
});

/// A time-bound, reviewed exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// Exception id (e.g. the change ticket).
    pub id: String,
    /// Who.
    pub subject: Subject,
    /// Where.
    pub scope: Scope,
    /// What.
    pub grant: Grant,
    /// Why.
    pub reason: String,
    /// Who approved it.
    pub approver: String,
    /// When it was granted (RFC 3339).
    pub created_at: String,
    /// When it ends (RFC 3339); required.
    pub expires_at: Option<String>,
}

decode_struct!(Exception, policy {
    id: "id" => required,
    subject: "subject" => required,
    scope: "scope" => default,
    grant: "grant" => required,
    reason: "reason" => required,
    approver: "approver" => required,
    created_at: "createdAt" => required,
    expires_at: "expiresAt" => default,
});

/// Time-bound exceptions.
#[derive(Debug, Clone, PartialEq)]
pub struct Exceptions {
    /// Longest an exception may last, seconds.
    pub max_duration_s: u64,
    /// Exceptions ending within this many seconds are reported as expiring soon.
    pub expiring_soon_s: u64,
    /// The exceptions.
    pub items: Vec<Exception>,
}

merge_struct!(Exceptions {
    max_duration_s: "maxDurationS",
    expiring_soon_s: "expiringSoonS",
    items: "items",
});

impl Default for Exceptions {
    fn default() -> Self {
        Exceptions {
            max_duration_s: 30 * DAY,
            expiring_soon_s: 7 * DAY,
            items: vec![],
        }
    }
}

contract_enum! {
    /// Fail-closed or fail-open.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum FailMode {
        /// Step up with the strongest factors the user has; deny factor changes.
        Closed = "closed",
        /// Allow and alert.
        Open = "open",
    }
}

/// Fail mode per kind of account.
#[derive(Debug, Clone, PartialEq)]
pub struct FailModes {
    /// For every kind not listed.
    pub default: FailMode,
    /// Per kind.
    pub by_user_kind: BTreeMap<UserKind, FailMode>,
}

merge_struct!(FailModes {
    default: "default",
    by_user_kind: "byUserKind",
});

impl Default for FailModes {
    fn default() -> Self {
        FailModes {
            default: FailMode::Closed,
            by_user_kind: one_entry(UserKind::BreakGlass, FailMode::Open),
        }
    }
}

impl FailModes {
    /// The fail mode for a kind.
    pub fn for_kind(&self, kind: UserKind) -> FailMode {
        self.by_user_kind
            .get(&kind)
            .copied()
            .unwrap_or(self.default)
    }
}

/// Alerting thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct Alerts {
    /// A Detection Finding is raised from this risk level on (and on every deny).
    pub detection_at: Level,
    /// An Account Change event is raised for any factor change from this level on
    /// (and always for privileged accounts and changes reported after the fact).
    pub account_change_at: Level,
}

merge_struct!(Alerts {
    detection_at: "detectionAt",
    account_change_at: "accountChangeAt",
});

impl Default for Alerts {
    fn default() -> Self {
        Alerts {
            detection_at: Level::High,
            account_change_at: Level::Medium,
        }
    }
}

/// Approvals that grant (docs/contract.md#approvals). Who approves stays where the outcome is
/// decided, in `risk.factorChange` (`approvers`, `approversByKind`, `privilegedApprovers`,
/// `approvalExpiresInS`); this section adds what only a grant needs, so no setting is written
/// twice.
#[derive(Debug, Clone, PartialEq)]
pub struct Approvals {
    /// Approvers per action for ordinary (not privileged) accounts, over
    /// `risk.factorChange.approversByKind` and `approvers`.
    pub by_action: BTreeMap<ChangeAction, Vec<String>>,
    /// How long a grant from `grantApproval` stays valid, seconds (at most 24 h).
    pub grant_lifetime_s: u64,
}

merge_struct!(Approvals {
    by_action: "byAction",
    grant_lifetime_s: "grantLifetimeS",
});

impl Default for Approvals {
    fn default() -> Self {
        Approvals {
            by_action: BTreeMap::new(),
            grant_lifetime_s: HOUR,
        }
    }
}

/// How long an issued recovery code stays valid, per channel, seconds (NIST SP 800-63B rev 4
/// §4.2.1: 10 min by SMS or voice, 24 h by email, 21 days by post within the contiguous US;
/// a recovery contact's code may be extended by 24 h).
#[derive(Debug, Clone, PartialEq)]
pub struct CodeValidity {
    /// Email (at most 24 h).
    pub email: u64,
    /// SMS (at most 10 min).
    pub sms: u64,
    /// Voice (at most 10 min).
    pub voice: u64,
    /// Postal (at most 30 days).
    pub postal: u64,
    /// A recovery contact's code (at most 48 h).
    pub recovery_contact: u64,
}

merge_struct!(CodeValidity {
    email: "email",
    sms: "sms",
    voice: "voice",
    postal: "postal",
    recovery_contact: "recoveryContact",
});

impl Default for CodeValidity {
    fn default() -> Self {
        CodeValidity {
            email: DAY,
            sms: 10 * 60,
            voice: 10 * 60,
            postal: 21 * DAY,
            recovery_contact: DAY,
        }
    }
}

impl CodeValidity {
    /// The validity of a code sent by `channel`.
    pub fn for_channel(&self, channel: CodeChannel) -> u64 {
        match channel {
            CodeChannel::Email => self.email,
            CodeChannel::Sms => self.sms,
            CodeChannel::Voice => self.voice,
            CodeChannel::Postal => self.postal,
        }
    }
}

/// The help-desk and temporary-access-pass recovery paths: NIST's "application-specific"
/// method, which counts only as the policy documents it.
#[derive(Debug, Clone, PartialEq)]
pub struct Helpdesk {
    /// Actor kinds that may verify a user or issue a pass (never the user themself).
    pub issuers: Vec<ActorKind>,
    /// Longest a temporary access pass may live, seconds (Entra's maximum default: 8 h).
    pub tap_max_lifetime_s: u64,
    /// Kinds of account these paths serve.
    pub user_kinds: Vec<UserKind>,
}

merge_struct!(Helpdesk {
    issuers: "issuers",
    tap_max_lifetime_s: "tapMaxLifetimeS",
    user_kinds: "userKinds",
});

/// Account recovery (docs/contract.md#recovery).
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryPolicy {
    /// Evidence types that count. `temporaryAccessPass` and `helpdeskVerified` count only when
    /// listed here, under the rules of `helpdesk` (not listed by default).
    pub methods: Vec<RecoveryMethodType>,
    /// Issued-code validity per channel.
    pub code_validity_s: CodeValidity,
    /// The help-desk and pass paths.
    pub helpdesk: Helpdesk,
    /// After a recovery, how long removing factors, changing recovery paths and recovering
    /// again need approval, seconds (0: no restriction).
    pub restriction_s: u64,
}

merge_struct!(RecoveryPolicy {
    methods: "methods",
    code_validity_s: "codeValidityS",
    helpdesk: "helpdesk",
    restriction_s: "restrictionS",
});

impl Default for RecoveryPolicy {
    fn default() -> Self {
        use RecoveryMethodType::*;
        RecoveryPolicy {
            methods: vec![RecoveryCode, IssuedCode, RecoveryContact, Reproofing],
            code_validity_s: CodeValidity::default(),
            helpdesk: Helpdesk {
                issuers: vec![ActorKind::Helpdesk, ActorKind::Admin],
                tap_max_lifetime_s: 8 * HOUR,
                user_kinds: vec![UserKind::Employee, UserKind::Contractor, UserKind::Partner],
            },
            restriction_s: 3 * DAY,
        }
    }
}

/// Privileged actions (docs/contract.md#actions, SPEC §16): which are privileged, how fresh their
/// proof must be, and the windows of the chain that leads to them.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionsPolicy {
    /// Action types that need a fresh phishing-resistant proof (a target the host marks
    /// privileged does too).
    pub privileged_types: Vec<ActionType>,
    /// How recent that proof must be, seconds.
    pub fresh_proof_s: u64,
    /// Window after a factor change the state remembers (`recentFactorChange`), seconds.
    pub recent_factor_change_s: u64,
    /// Window after a recovery (`recentRecovery`), seconds.
    pub recent_recovery_s: u64,
    /// Window after a risky sign-in (`recentRiskySignin`), seconds.
    pub recent_risky_signin_s: u64,
    /// What a risky chain leads to: `approval` (by the SOC for a privileged action or account),
    /// `deny`, or `allow` (scored only).
    pub risky_chain: DelegatedPrivileged,
}

merge_struct!(ActionsPolicy {
    privileged_types: "privilegedTypes",
    fresh_proof_s: "freshProofS",
    recent_factor_change_s: "recentFactorChangeS",
    recent_recovery_s: "recentRecoveryS",
    recent_risky_signin_s: "recentRiskySigninS",
    risky_chain: "riskyChain",
});

impl Default for ActionsPolicy {
    fn default() -> Self {
        use ActionType::*;
        ActionsPolicy {
            privileged_types: vec![
                SecretCreate,
                CredentialAdd,
                ApiTokenCreate,
                RoleGrant,
                RoleActivate,
                MfaPolicyChange,
                FederationChange,
            ],
            fresh_proof_s: 15 * 60,
            recent_factor_change_s: DAY,
            recent_recovery_s: 3 * DAY,
            recent_risky_signin_s: 6 * HOUR,
            risky_chain: DelegatedPrivileged::Approval,
        }
    }
}
