//! Signals from the user's remembered history (the verified state): where and when the user
//! signed in before, from which devices and networks, and the last risky sign-in. The state
//! module stores this history; the rules that read it live here.

use super::travel::{self, End};
use crate::context::{human_duration, Context};
use crate::decision::{Entry, ReasonCode};
use crate::enums::ActorKind;
use crate::state::{country_str, History, Memory, NetClass, Status};

/// History signals (docs/contract.md#reason-codes), added before the host's own detections so that the engine's
/// sentences, which say where and when, are the ones kept: `stateMissing`, `stateTampered`,
/// `impossibleTravel`, `newCountry`, `newAsn`, `newDevice`, `recentRiskySignin`.
///
/// Place and device signals compare the session with the user's own history, so they are not
/// computed for a change a help desk, MSP, admin or automation makes on its own session.
pub(crate) fn signals(ctx: &mut Context) {
    let memory: &Memory = ctx.memory;
    match memory.status {
        Status::Off => return,
        Status::Missing => {
            ctx.add(
                ReasonCode::StateMissing,
                "No state from an earlier decision came with the request: the user's history is unknown (a first sign-in, or the host did not pass the state back).",
            );
            return;
        }
        Status::Newer(v) => {
            ctx.add(
                ReasonCode::StateMissing,
                format!("The state was written by a newer engine (format {v}): the user's history is unknown to this one."),
            );
            return;
        }
        Status::Tampered(why) => {
            ctx.add(
                ReasonCode::StateTampered,
                format!("The state was ignored because {why}: the user's history is unknown and the next state starts afresh."),
            );
            return;
        }
        Status::Loaded => {}
    }
    let delegated = ctx
        .req
        .change
        .as_ref()
        .is_some_and(|c| c.actor.kind != ActorKind::SelfService);
    if !delegated {
        impossible_travel(ctx, memory);
        novelty(ctx, memory);
    }
    recent_risky(ctx, &memory.history);
}

/// `impossibleTravel`: from the last accepted sign-in with a physical place to this one, judged
/// by [`travel::judge`] on distance and time (inside one country too). A sign-in through a
/// trusted VPN or cloud network has no place: it is never an end, so it never fires. A trusted
/// network with a place (corporate) is an end, and suppresses only within the policy's
/// `borderToleranceKm`.
fn impossible_travel(ctx: &mut Context, memory: &Memory) {
    let cur = &memory.current;
    let Some(position) = cur.position else {
        return;
    };
    if cur.network == NetClass::NoPlace {
        return;
    }
    let Some((prev, cell)) = memory
        .history
        .signins
        .iter()
        .rev()
        .filter(|s| s.accepted)
        .find_map(|s| Some((s, s.cell?)))
    else {
        return;
    };
    let from = End {
        at: i64::from(prev.at) * 60,
        position: cell.center(),
        country: prev.country,
        trusted: prev.network != NetClass::Public,
    };
    let to = End {
        at: ctx.now.0,
        position,
        country: cur.country,
        trusted: cur.network != NetClass::Public,
    };
    let rule = &ctx.policy.policy.signals.impossible_travel;
    if let Some(trip) = travel::judge(rule, &from, &to) {
        let place = |c: Option<[u8; 2]>| c.map_or_else(|| "an unknown country".into(), country_str);
        let detail = format!(
            "{} → {}: {} km in {} since the last sign-in ({} km/h; the policy's limit is {} km/h).",
            place(prev.country),
            place(cur.country),
            whole(trip.km),
            human_duration(trip.seconds),
            whole(trip.kmh),
            whole(rule.speed_kmh)
        );
        ctx.add(ReasonCode::ImpossibleTravel, detail);
    }
}

/// A distance or speed rounded to a whole number, for sentences.
fn whole(x: f64) -> i64 {
    x.round() as i64
}

/// `newCountry`, `newAsn`, `newDevice`: after the learning period, a country, network provider
/// or device the user has not signed in from. Before it (or when the session does not say), unknown.
fn novelty(ctx: &mut Context, memory: &Memory) {
    let h = &memory.history;
    let cur = &memory.current;
    let learned = |n: u16| u32::from(n) >= ctx.policy.policy.signals.learning_logins;
    if let Some(c) = cur.country.filter(|_| learned(h.country_logins)) {
        if !h.networks.iter().any(|n| n.country == Some(c)) {
            ctx.add(
                ReasonCode::NewCountry,
                format!(
                    "First sign-in from {} among the {} this account remembers.",
                    country_str(c),
                    plural(h.networks.len(), "known network")
                ),
            );
        }
    }
    if let Some(a) = cur.asn.filter(|_| learned(h.asn_logins)) {
        if !h.networks.iter().any(|n| n.asn == Some(a)) {
            ctx.add(
                ReasonCode::NewAsn,
                format!("First sign-in from network provider AS{a}."),
            );
        }
    }
    if cur.device.is_some()
        && learned(h.device_logins)
        && !h.devices.iter().any(|k| cur.is_device(&k.tag, k.hash))
    {
        ctx.add(
            ReasonCode::NewDevice,
            format!(
                "A device this account has not signed in from (it remembers {}).",
                plural(h.devices.len(), "device")
            ),
        );
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// How long after a login asked to step up the same device and network may answer it and still
/// be that login (`recentRiskySignin`): as long as a step-up at high risk stays fresh
/// (`risk.login.high`, 15 minutes by default) and a binding stays open.
const STEP_UP_ANSWER_S: i64 = 15 * 60;

/// `recentRiskySignin`: a sign-in whose own risk reached `risk.riskyAt` within the window
/// (`signals.recentRiskySigninS`; for an action, `actions.recentRiskySigninS`) makes any factor
/// change, step-up or action that follows riskier. A login that answers the risky sign-in's own
/// step-up (see [`answers_step_up`]) is that sign-in, not one that follows it.
fn recent_risky(ctx: &mut Context, h: &History) {
    let Some((at, level)) = h.last_risky else {
        return;
    };
    if answers_step_up(ctx, h, at) {
        return;
    }
    let age = ctx.now.0.saturating_sub(i64::from(at) * 60);
    let p = &ctx.policy.policy;
    // An action's window of 0 is no such link (`signals::chain`).
    let (window, off) = match ctx.entry {
        Entry::Action => (
            p.actions.recent_risky_signin_s,
            p.actions.recent_risky_signin_s == 0,
        ),
        _ => (p.signals.recent_risky_signin_s, false),
    };
    if !off && age >= 0 && age.unsigned_abs() <= window {
        ctx.add(
            ReasonCode::RecentRiskySignin,
            format!(
                "A {}-risk sign-in {} ago.",
                level.as_str(),
                human_duration(age)
            ),
        );
    }
}

/// Is this login the user answering the step-up of the risky sign-in at minute `at`? It is when
/// that sign-in is the last one remembered and this login is in its session (`session.id`), or
/// when it was not accepted (asked to step up, or denied) and this login comes within
/// [`STEP_UP_ANSWER_S`] from the same device, country and network. An
/// unaccepted sign-in teaches nothing, so whatever made it risky is scored again on this login;
/// adding `recentRiskySignin` for it would be the sign-in's risk feeding on itself (a user who
/// does what a medium-risk step-up asked would be high, and alerted). Logins only: a factor
/// change right after a risky sign-in is the persistence pattern.
fn answers_step_up(ctx: &Context, h: &History, at: u32) -> bool {
    let cur = &ctx.memory.current;
    let Some(last) = h.signins.last() else {
        return false;
    };
    if ctx.entry != Entry::Login || last.at != at {
        return false;
    }
    if cur.is_last_session(h) {
        return true;
    }
    let same_device = last.device.is_some_and(|p| cur.is_device(&p, last.hash));
    let age = ctx.now.0.saturating_sub(i64::from(at) * 60);
    !last.accepted
        && same_device
        && last.country == cur.country
        && last.asn == cur.asn
        && (0..=STEP_UP_ANSWER_S).contains(&age)
}

/// The persistence pattern (docs/contract.md#factor-change): a factor change the user makes from a device, country or
/// network the account has not used, or after impossible travel, soon after a risky sign-in.
/// Says so in the `recentRiskySignin` reason and returns true; the caller needs at least approval.
pub(crate) fn persistence(ctx: &mut Context) -> bool {
    let self_service = ctx
        .req
        .change
        .as_ref()
        .is_some_and(|c| c.actor.kind == ActorKind::SelfService);
    let unfamiliar = [
        ReasonCode::NewDevice,
        ReasonCode::NewCountry,
        ReasonCode::NewAsn,
        ReasonCode::ImpossibleTravel,
    ]
    .into_iter()
    .any(|c| ctx.has(c));
    if !(self_service && unfamiliar && ctx.has(ReasonCode::RecentRiskySignin)) {
        return false;
    }
    if let Some(r) = ctx
        .reasons
        .iter_mut()
        .find(|r| r.code == ReasonCode::RecentRiskySignin)
    {
        r.detail.push_str(
            " This change comes from a device or place the account has not used since: how a stolen session keeps access (MFA persistence, ATT&CK T1556.006).",
        );
    }
    true
}
