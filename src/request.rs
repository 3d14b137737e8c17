//! The request contract (docs/contract.md#request): what a host tells the engine about a login, a
//! factor change or a privileged action.
//!
//! Unknown fields are ignored (hosts add fields over time); unknown *values* of enumerations are
//! errors, because silently ignoring a factor or user kind the engine does not understand would
//! make a decision on less than the host sent.

use crate::enums::{ActorKind, Level, Sensitivity, UserKind};
use crate::error::{ErrorCode, ErrorItem};
use crate::factors::FactorType;
use crate::json::{
    contract_enum, decode_struct, BoundedString, BoundedVec, Decode, Reader, Res, Text,
};
use crate::limits::{MAX_FACTORS, MAX_GRANT, MAX_STATE, MAX_TAGS, MAX_USER_AGENT};
use crate::time::Timestamp;
use std::net::IpAddr;

/// One login or factor-change request.
#[derive(Debug, Clone)]
pub struct Request {
    /// Decision time; defaults to the host clock.
    pub now: Option<Timestamp>,
    /// The account being signed in to or changed.
    pub user: User,
    /// What is known about the current session.
    pub session: Session,
    /// The application being signed in to (login).
    pub app: Option<App>,
    /// What the relying party asked for (`acr_values`, `max_age`).
    pub requested: Option<Requested>,
    /// The factor change being assessed (factor-change entry point only).
    pub change: Option<Change>,
    /// The privileged action being assessed (`assessAction` only).
    pub action: Option<Action>,
    /// Opaque memory returned by the previous decision for this user.
    pub state: Option<BoundedString<MAX_STATE>>,
}

decode_struct!(Request, lenient {
    now: "now" => default,
    user: "user" => required,
    session: "session" => default,
    app: "app" => default,
    requested: "requested" => default,
    change: "change" => default,
    action: "action" => default,
    state: "state" => default,
});

/// The account.
#[derive(Debug, Clone)]
pub struct User {
    /// Stable user id at the IdP.
    pub id: Text,
    /// Kind of account.
    pub kind: UserKind,
    /// Role names at the IdP.
    pub roles: BoundedVec<Text, MAX_TAGS>,
    /// What the account can reach (e.g. `manageSecrets`, `manageIam`).
    pub capabilities: BoundedVec<Text, MAX_TAGS>,
    /// Account creation time.
    pub created_at: Option<Timestamp>,
    /// Previous successful login.
    pub last_login_at: Option<Timestamp>,
    /// Last password change or reset.
    pub password_changed_at: Option<Timestamp>,
    /// Last account recovery.
    pub recovered_at: Option<Timestamp>,
    /// When the account's access ends (contractors, partners, anyone): from then on logins,
    /// changes and actions are denied (`accessExpired`).
    pub access_ends_at: Option<Timestamp>,
    /// The id of the person who sponsors the account (a contractor's or partner's): named in its
    /// approvals, and one of their approvers.
    pub sponsor: Option<Text>,
    /// Identity assurance level the account was proofed at (1..=3), when the host knows it: an
    /// AAL3 account proofed at IAL3 recovers only by on-site re-proofing (NIST SP 800-63B rev 4
    /// §4.2).
    pub ial: Option<u8>,
    /// Factors bound to the account.
    pub factors: BoundedVec<Factor, MAX_FACTORS>,
    /// Flags the host knows.
    pub flags: Flags,
}

decode_struct!(User, lenient {
    id: "id" => required,
    kind: "kind" => default,
    roles: "roles" => default,
    capabilities: "capabilities" => default,
    created_at: "createdAt" => default,
    last_login_at: "lastLoginAt" => default,
    password_changed_at: "passwordChangedAt" => default,
    recovered_at: "recoveredAt" => default,
    access_ends_at: "accessEndsAt" => default,
    sponsor: "sponsor" => default,
    ial: "ial" => default,
    factors: "factors" => default,
    flags: "flags" => default,
});

/// A bound factor.
#[derive(Debug, Clone)]
pub struct Factor {
    /// Host id of the factor.
    pub id: Option<Text>,
    /// Factor type.
    pub kind: FactorType,
    /// When it was bound.
    pub enrolled_at: Option<Timestamp>,
    /// When it was last used.
    pub last_used_at: Option<Timestamp>,
}

decode_struct!(Factor, lenient {
    id: "id" => default,
    kind: "type" => required,
    enrolled_at: "enrolledAt" => default,
    last_used_at: "lastUsedAt" => default,
});

/// Host-known flags on the account.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// The carrier reported a SIM swap or port for the user's number.
    pub sim_swap: Option<bool>,
    /// The user reported an MFA prompt or sign-in as not theirs.
    pub reported_suspicious: Option<bool>,
}

decode_struct!(Flags, lenient {
    sim_swap: "simSwap" => default,
    reported_suspicious: "reportedSuspicious" => default,
});

/// The session.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// The host's session or transaction id: two logins decided in the same session are one
    /// sign-in in the state, updated (only ever stored as a keyed hash).
    pub id: Option<Text>,
    /// Client IP address.
    pub ip: Option<Ip>,
    /// Coarse geolocation of the IP.
    pub geo: Option<Geo>,
    /// Device posture.
    pub device: Option<Device>,
    /// Browser user agent.
    pub user_agent: Option<BoundedString<MAX_USER_AGENT>>,
    /// Methods that authenticated this session, with their time.
    pub methods: BoundedVec<Method, MAX_FACTORS>,
    /// The host's own risk detection.
    pub host_risk: Option<HostRisk>,
    /// Push prompts the user denied recently.
    pub pushes: Option<Pushes>,
}

decode_struct!(Session, lenient {
    id: "id" => default,
    ip: "ip" => default,
    geo: "geo" => default,
    device: "device" => default,
    user_agent: "userAgent" => default,
    methods: "methods" => default,
    host_risk: "hostRisk" => default,
    pushes: "pushes" => default,
});

/// An IP address, parsed at decode time so a bad one is located.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ip(pub IpAddr);

impl crate::json::Encode for Ip {
    fn encode(&self, w: &mut crate::json::Writer) {
        w.string(&crate::networks::canonical(self.0));
    }
}

impl Decode for Ip {
    fn decode(r: &mut Reader<'_>) -> Res<Self> {
        crate::json::parsed_text(r, "an IP address string", ErrorCode::InvalidShape, |s| {
            s.parse::<IpAddr>()
                .map(Ip)
                .map_err(|_| format!("invalid IP address {}", crate::error::quoted(s)))
        })
    }
}

/// Geolocation.
#[derive(Debug, Clone, Default)]
pub struct Geo {
    /// Latitude in degrees.
    pub lat: Option<f64>,
    /// Longitude in degrees.
    pub lon: Option<f64>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<Text>,
    /// Autonomous system number.
    pub asn: Option<u32>,
}

decode_struct!(Geo, lenient {
    lat: "lat" => default,
    lon: "lon" => default,
    country: "country" => default,
    asn: "asn" => default,
});

/// Device posture.
#[derive(Debug, Clone, Default)]
pub struct Device {
    /// Opaque device id (never stored raw).
    pub id: Option<Text>,
    /// Managed by the organisation (MDM).
    pub managed: Option<bool>,
    /// Compliant with device policy.
    pub compliant: Option<bool>,
    /// Shared or kiosk device.
    pub shared: Option<bool>,
}

decode_struct!(Device, lenient {
    id: "id" => default,
    managed: "managed" => default,
    compliant: "compliant" => default,
    shared: "shared" => default,
});

/// One authentication method used in this session.
#[derive(Debug, Clone)]
pub struct Method {
    /// Which factor type authenticated.
    pub kind: FactorType,
    /// When (required: freshness is what step-up is about).
    pub at: Timestamp,
}

decode_struct!(Method, lenient {
    kind: "type" => required,
    at: "at" => required,
});

/// The host's risk assessment.
#[derive(Debug, Clone, Default)]
pub struct HostRisk {
    /// Risk level as the host sees it.
    pub level: Option<Level>,
    /// Auth0-style confidence that the login matches the user's history (`low` means it does not).
    pub confidence: Option<Confidence>,
    /// Named detections, mapped onto the engine's reason codes where they match.
    pub signals: BoundedVec<Text, MAX_TAGS>,
}

decode_struct!(HostRisk, lenient {
    level: "level" => default,
    confidence: "confidence" => default,
    signals: "signals" => default,
});

contract_enum! {
    /// Auth0 Adaptive MFA confidence.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Confidence {
        /// The login does not match the user's history.
        Low = "low",
        /// Partial match.
        Medium = "medium",
        /// Strong match.
        High = "high",
        /// Reserved by Auth0.
        Neutral = "neutral",
    }
}

/// Push prompts.
#[derive(Debug, Clone, Default)]
pub struct Pushes {
    /// Denied or unanswered pushes in the window.
    pub denied: u32,
    /// The window the count covers, in seconds.
    pub window_s: Option<u64>,
}

decode_struct!(Pushes, lenient {
    denied: "denied" => default,
    window_s: "windowS" => default,
});

/// The application.
#[derive(Debug, Clone, Default)]
pub struct App {
    /// Application id (matched against the policy's tiers).
    pub id: Option<Text>,
    /// Sensitivity the host asserts; the policy's tier for this id wins when higher.
    pub sensitivity: Option<Sensitivity>,
}

decode_struct!(App, lenient {
    id: "id" => default,
    sensitivity: "sensitivity" => default,
});

/// What the relying party requested.
#[derive(Debug, Clone, Default)]
pub struct Requested {
    /// `acr_values`, in order of preference.
    pub acr: BoundedVec<Text, MAX_TAGS>,
    /// `max_age` in seconds.
    pub max_age_s: Option<u64>,
}

decode_struct!(Requested, lenient {
    acr: "acr" => default,
    max_age_s: "maxAgeS" => default,
});

contract_enum! {
    /// Kinds of factor change.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum ChangeAction {
        /// Bind a new factor.
        Enroll = "enroll",
        /// Replace an existing factor with a new one.
        Replace = "replace",
        /// Remove a factor.
        Remove = "remove",
        /// Remove every factor.
        ResetAll = "resetAll",
        /// Change a recovery method (recovery email, codes, contacts).
        RecoveryChange = "recoveryChange",
        /// Change the phone number: binding a new authenticator (NIST rev 4).
        PhoneChange = "phoneChange",
        /// Regain the account after losing factors, and bind a new one (SPEC §15, NIST SP
        /// 800-63B rev 4 §4.2): `change.recovery` carries the evidence.
        Recover = "recover",
    }
}

impl ChangeAction {
    /// Does this change bind something new that could later authenticate?
    pub const fn binds(self) -> bool {
        matches!(
            self,
            ChangeAction::Enroll
                | ChangeAction::Replace
                | ChangeAction::PhoneChange
                | ChangeAction::RecoveryChange
                | ChangeAction::Recover
        )
    }
}

contract_enum! {
    /// Inline gate or after-the-fact report.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub enum Phase {
        /// Before the change: the decision gates it.
        #[default]
        Before = "before",
        /// After the change: `deny` means revert it.
        After = "after",
    }
}

/// A factor named in a change.
#[derive(Debug, Clone)]
pub struct FactorRef {
    /// Host id of the factor.
    pub id: Option<Text>,
    /// Factor type.
    pub kind: FactorType,
}

decode_struct!(FactorRef, lenient {
    id: "id" => default,
    kind: "type" => required,
});

/// The actor.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// Who.
    pub kind: ActorKind,
    /// Actor id.
    pub id: Option<Text>,
    /// Change ticket reference.
    pub ticket: Option<Text>,
}

decode_struct!(Actor, lenient {
    kind: "kind" => default,
    id: "id" => default,
    ticket: "ticket" => default,
});

/// A factor change.
#[derive(Debug, Clone)]
pub struct Change {
    /// What is being changed.
    pub action: ChangeAction,
    /// The new factor (enroll, replace, phoneChange) or the one removed (remove).
    pub factor: Option<FactorRef>,
    /// The factor being replaced.
    pub replaces: Option<FactorRef>,
    /// Who makes the change.
    pub actor: Actor,
    /// Inline gate or after the fact.
    pub phase: Phase,
    /// A grant from `grantApproval` for this very change (docs/contract.md#approvals).
    pub approval: Option<BoundedString<MAX_GRANT>>,
    /// The evidence of a `recover` (docs/contract.md#recovery).
    pub recovery: Option<Recovery>,
}

decode_struct!(Change, lenient {
    action: "action" => required,
    factor: "factor" => default,
    replaces: "replaces" => default,
    actor: "actor" => default,
    phase: "phase" => default,
    approval: "approval" => default,
    recovery: "recovery" => default,
});

contract_enum! {
    /// Kinds of recovery evidence (NIST SP 800-63B rev 4 §4.2; the last two are the
    /// application-specific methods a policy must document: `recovery.helpdesk`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum RecoveryMethodType {
        /// A saved recovery code, issued at enrollment.
        RecoveryCode = "recoveryCode",
        /// A code the service sent to a recovery address (`channel`).
        IssuedCode = "issuedCode",
        /// A code confirmed through a recovery contact (a trusted associate).
        RecoveryContact = "recoveryContact",
        /// Repeated identity proofing (`ial`, `onsite`).
        Reproofing = "reproofing",
        /// A temporary access pass issued by an administrator (`issuedBy`).
        TemporaryAccessPass = "temporaryAccessPass",
        /// The help desk verified the user (`issuedBy`).
        HelpdeskVerified = "helpdeskVerified",
    }
}

contract_enum! {
    /// Where an issued recovery code was sent.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum CodeChannel {
        /// A validated email address (valid 24 h at most).
        Email = "email",
        /// A text message (valid 10 min at most).
        Sms = "sms",
        /// A voice call (valid 10 min at most).
        Voice = "voice",
        /// A validated postal address (valid 21 days at most).
        Postal = "postal",
    }
}

/// Who issued a temporary access pass or verified the user.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// Actor kind (`helpdesk`, `admin`, ...).
    pub kind: ActorKind,
    /// Actor id.
    pub id: Option<Text>,
}

decode_struct!(Issuer, lenient {
    kind: "kind" => required,
    id: "id" => default,
});

/// One piece of recovery evidence.
#[derive(Debug, Clone)]
pub struct RecoveryMethod {
    /// Which kind of evidence.
    pub kind: RecoveryMethodType,
    /// When it was issued (issued codes, passes) or presented (the others).
    pub at: Timestamp,
    /// Where an issued code was sent.
    pub channel: Option<CodeChannel>,
    /// The identity assurance level of a re-proofing.
    pub ial: Option<u8>,
    /// Who issued a pass or verified the user.
    pub issued_by: Option<Issuer>,
    /// A re-proofing done on site (attended biometric comparison).
    pub onsite: Option<bool>,
}

decode_struct!(RecoveryMethod, lenient {
    kind: "type" => required,
    at: "at" => required,
    channel: "channel" => default,
    ial: "ial" => default,
    issued_by: "issuedBy" => default,
    onsite: "onsite" => default,
});

/// The evidence of a recovery and the factors lost.
#[derive(Debug, Clone, Default)]
pub struct Recovery {
    /// The evidence presented.
    pub methods: BoundedVec<RecoveryMethod, MAX_FACTORS>,
    /// Ids of the factors the user lost (to suspend).
    pub lost: BoundedVec<Text, MAX_FACTORS>,
}

decode_struct!(Recovery, lenient {
    methods: "methods" => default,
    lost: "lost" => default,
});

contract_enum! {
    /// Privileged actions (SPEC §16, docs/contract.md#actions).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum ActionType {
        /// Read a secret from a vault or secret store.
        SecretRead = "secretRead",
        /// Create or rotate a secret.
        SecretCreate = "secretCreate",
        /// Add a key, certificate or secret to a service principal or workload identity.
        CredentialAdd = "credentialAdd",
        /// Create an API token.
        ApiTokenCreate = "apiTokenCreate",
        /// Grant a role or an admin privilege.
        RoleGrant = "roleGrant",
        /// Activate an eligible role (PIM).
        RoleActivate = "roleActivate",
        /// Consent to an application's access.
        OauthConsent = "oauthConsent",
        /// Change an MFA or conditional-access policy.
        MfaPolicyChange = "mfaPolicyChange",
        /// Change a federation or trust setting.
        FederationChange = "federationChange",
    }
}

impl ActionType {
    /// The capability the action exercises (`exposure.action.reaches`, docs/contract.md#actions).
    pub const fn reaches(self) -> &'static str {
        match self {
            ActionType::SecretRead | ActionType::SecretCreate => "manageSecrets",
            ActionType::CredentialAdd | ActionType::OauthConsent => "manageWorkloadIdentities",
            _ => "manageIam",
        }
    }

    /// Its MITRE ATT&CK technique and tactic, each as (id, name), for the Detection Finding.
    pub(crate) const fn attack(
        self,
    ) -> ((&'static str, &'static str), (&'static str, &'static str)) {
        const PERSISTENCE: (&str, &str) = ("TA0003", "Persistence");
        const CREDENTIAL_ACCESS: (&str, &str) = ("TA0006", "Credential Access");
        match self {
            ActionType::SecretRead => (
                ("T1555.006", "Cloud Secrets Management Stores"),
                CREDENTIAL_ACCESS,
            ),
            ActionType::SecretCreate | ActionType::CredentialAdd | ActionType::ApiTokenCreate => {
                (("T1098.001", "Additional Cloud Credentials"), PERSISTENCE)
            }
            ActionType::RoleGrant | ActionType::RoleActivate => {
                (("T1098.003", "Additional Cloud Roles"), PERSISTENCE)
            }
            ActionType::OauthConsent => (
                ("T1528", "Steal Application Access Token"),
                CREDENTIAL_ACCESS,
            ),
            ActionType::MfaPolicyChange => {
                (("T1556.009", "Conditional Access Policies"), PERSISTENCE)
            }
            ActionType::FederationChange => (
                ("T1484.002", "Trust Modification"),
                ("TA0004", "Privilege Escalation"),
            ),
        }
    }
}

/// What a privileged action acts on.
#[derive(Debug, Clone, Default)]
pub struct ActionTarget {
    /// What it is (`servicePrincipal`, `application`, `role`, ...).
    pub kind: Option<Text>,
    /// Its id.
    pub id: Option<Text>,
    /// The host says the target is privileged (a privileged role, a production principal).
    pub privileged: Option<bool>,
}

decode_struct!(ActionTarget, lenient {
    kind: "kind" => default,
    id: "id" => default,
    privileged: "privileged" => default,
});

/// A privileged action by the user (`assessAction`).
#[derive(Debug, Clone)]
pub struct Action {
    /// What the user does.
    pub kind: ActionType,
    /// What it acts on.
    pub target: ActionTarget,
    /// Inline gate or after-the-fact report (`deny`: revert it).
    pub phase: Phase,
    /// A grant from `grantApproval` for this very action (docs/contract.md#approvals).
    pub approval: Option<BoundedString<MAX_GRANT>>,
}

decode_struct!(Action, lenient {
    kind: "type" => required,
    target: "target" => default,
    phase: "phase" => default,
    approval: "approval" => default,
});

impl Request {
    /// Checks what types alone cannot: ranges, formats and fields an entry point needs.
    pub fn check(&self, entry: crate::decision::Entry) -> Vec<ErrorItem> {
        let mut errors = Vec::new();
        if self.user.id.0.is_empty() {
            errors.push(ErrorItem::new(
                ErrorCode::InvalidValue,
                "/user/id",
                "user id is empty",
            ));
        }
        if let Some(geo) = &self.session.geo {
            check_geo(geo, &mut errors);
        }
        if self.user.ial.is_some_and(|l| !(1..=3).contains(&l)) {
            errors.push(ErrorItem::new(
                ErrorCode::InvalidValue,
                "/user/ial",
                "ial is 1, 2 or 3",
            ));
        }
        if entry == crate::decision::Entry::FactorChange {
            check_change(self.change.as_ref(), &mut errors);
        }
        if entry == crate::decision::Entry::Action && self.action.is_none() {
            errors.push(ErrorItem::new(
                ErrorCode::InvalidShape,
                "/action",
                "an action request needs an action",
            ));
        }
        errors
    }
}

fn check_geo(geo: &Geo, errors: &mut Vec<ErrorItem>) {
    if let Some(lat) = geo.lat {
        if !(-90.0..=90.0).contains(&lat) {
            errors.push(ErrorItem::new(
                ErrorCode::InvalidValue,
                "/session/geo/lat",
                format!(
                    "latitude {} is outside -90..90",
                    crate::json::format_number(lat)
                ),
            ));
        }
    }
    if let Some(lon) = geo.lon {
        if !(-180.0..=180.0).contains(&lon) {
            errors.push(ErrorItem::new(
                ErrorCode::InvalidValue,
                "/session/geo/lon",
                format!(
                    "longitude {} is outside -180..180",
                    crate::json::format_number(lon)
                ),
            ));
        }
    }
    if geo.lat.is_some() != geo.lon.is_some() {
        errors.push(ErrorItem::new(
            ErrorCode::InvalidValue,
            "/session/geo",
            "latitude and longitude come together",
        ));
    }
    if let Some(country) = &geo.country {
        if !is_country_code(country.as_str()) {
            errors.push(ErrorItem::new(
                ErrorCode::InvalidValue,
                "/session/geo/country",
                format!(
                    "country {} is not an ISO 3166-1 alpha-2 code",
                    crate::error::quoted(country.as_str())
                ),
            ));
        }
    }
}

/// Two ASCII uppercase letters.
pub(crate) fn is_country_code(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn check_change(change: Option<&Change>, errors: &mut Vec<ErrorItem>) {
    let Some(change) = change else {
        errors.push(ErrorItem::new(
            ErrorCode::InvalidShape,
            "/change",
            "a factor-change request needs a change",
        ));
        return;
    };
    let needs_factor = matches!(
        change.action,
        ChangeAction::Enroll | ChangeAction::Replace | ChangeAction::Remove
    );
    if needs_factor && change.factor.is_none() {
        errors.push(ErrorItem::new(
            ErrorCode::InvalidShape,
            "/change/factor",
            format!("{} needs the factor it concerns", change.action.as_str()),
        ));
    }
    if change.action == ChangeAction::Recover {
        check_recovery(change.recovery.as_ref(), errors);
    }
    if change.action == ChangeAction::Replace && change.replaces.is_none() {
        errors.push(ErrorItem::new(
            ErrorCode::InvalidShape,
            "/change/replaces",
            "replace needs the factor being replaced",
        ));
    }
}

fn check_recovery(recovery: Option<&Recovery>, errors: &mut Vec<ErrorItem>) {
    let Some(recovery) = recovery else {
        errors.push(ErrorItem::new(
            ErrorCode::InvalidShape,
            "/change/recovery",
            "recover needs the recovery evidence (change.recovery.methods)",
        ));
        return;
    };
    for (i, m) in recovery.methods.iter().enumerate() {
        let path = format!("/change/recovery/methods/{i}");
        let missing = match m.kind {
            RecoveryMethodType::IssuedCode if m.channel.is_none() => Some("channel"),
            RecoveryMethodType::Reproofing if m.ial.is_none() => Some("ial"),
            RecoveryMethodType::TemporaryAccessPass | RecoveryMethodType::HelpdeskVerified
                if m.issued_by.is_none() =>
            {
                Some("issuedBy")
            }
            _ => None,
        };
        if let Some(field) = missing {
            errors.push(ErrorItem::new(
                ErrorCode::InvalidShape,
                format!("{path}/{field}"),
                format!("{} needs {field}", m.kind.as_str()),
            ));
        }
        if m.ial.is_some_and(|l| !(1..=3).contains(&l)) {
            errors.push(ErrorItem::new(
                ErrorCode::InvalidValue,
                format!("{path}/ial"),
                "ial is 1, 2 or 3",
            ));
        }
    }
}
