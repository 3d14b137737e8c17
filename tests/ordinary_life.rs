//! The false-alarm check of issue 10 (docs/contract.md#rules, "Who is not what happened"): a year of synthetic
//! ordinary life, on the default policy with signed state, for an employee, a contractor and a
//! privileged admin, through the public Rust API (`compile_policy_json` with a `stateKey`,
//! `decide_login_json`, `assess_factor_change_json`, `decision.state` handed back each time).
//!
//! The year is deterministic: fixed schedules, and a hand-written PRNG (SplitMix64) with a fixed
//! seed per person for the choices inside them (which days are home or VPN days, how many logins,
//! at what minute, at which app, which sign-in method this morning). Nothing reads the clock.
//!
//! # What the year holds
//!
//! - **Places.** Home (home city, home ISP ASN), the office (the office building's ISP ASN: the
//!   default policy declares no corporate network, and this test keeps the default policy, so the
//!   office is just another known network, and `trustedNetwork` never fires), and a corporate VPN
//!   (again nothing declares it: the VPN's egress is a consistent hosting ASN in a data centre in
//!   the home city, so it is a known network near home, never a place abroad). The VPN is used
//!   from home only: from abroad, an undeclared VPN egress at home minutes after a hotel login is
//!   indistinguishable from impossible travel; that needs the VPN in `networks.trusted`, which is
//!   a policy change this test does not make.
//! - **Devices.** Each person's own laptop, with a stable id, managed and compliant for the
//!   employee and the admin, the contractor's own unmanaged one (so `unmanagedDevice`, +5, on
//!   every contractor login: true, and low). Once a year a new laptop (a new id, known from then
//!   on). The employee's platform authenticator lives in the old laptop, so IT's help desk
//!   replaces it with the new laptop's (a delegated `replace` with a ticket) the morning the
//!   laptop is handed over, as enterprises do; the others' factors are not bound to the laptop.
//! - **Factors.** Employee: password + TOTP most mornings, the laptop's platform authenticator
//!   (Windows Hello) on others; high apps step up to the platform authenticator. Contractor:
//!   password + push (TOTP when the phone is offline); from mid-year the client gives them a
//!   high-sensitivity app, the engine offers enrollment, and they bind a synced passkey (a
//!   self-service `enroll`) and use it from then on. Admin (`roles: ["admin"]`,
//!   `capabilities: ["manageIam"]`): a hardware security key (`webauthnRoaming`) most mornings, a
//!   synced passkey on the phone on others (the privileged floor, hardware-bound AAL3, then asks
//!   for the key); on-call evenings and weekends, when the morning's key has aged past 12 h.
//! - **Days.** Weekdays 3–7 logins at low, medium, high (and for the admin critical) apps, an SSO
//!   session per day: the first login of the day signs in now, later ones carry that session's
//!   methods with their times, and every step-up adds the method asked for at that minute.
//!   Weekends mostly idle. A summer holiday, a Christmas break, a few days off. The contractor
//!   flies to the client's office in the capital one week a month (a domestic flight; a hotel).
//! - **The trip abroad.** Once a year each person flies abroad for a week: the last login at home
//!   in the morning, one at the departure airport, a flight of realistic duration, logins at the
//!   destination (airport, hotel wifi, the local office), the working hours of the local time
//!   zone, and the flight back.
//! - **Ordinary answers.** `stepUp`: the user uses the first offered type they have with them
//!   (with a password where it is not multi-factor alone), at the same minute, and the host asks
//!   again. `enroll`: the user binds their preferred offered type (`assess_factor_change_json`,
//!   stepping up for the binding rule if asked), then uses it.
//!
//! # The rule asserted, per decision
//!
//! - never `deny`, and no OCSF Detection Finding (`class_uid` 2004), on logins and changes;
//! - every login ends `allow`, and a factor change is `allow`;
//! - a `stepUp` or `enroll` explains a shortfall (`insufficientAal`, `staleAuthentication`) and
//!   asks exactly the policy's baseline for this app and this user (the app tier, the kind's floor,
//!   the privileged floor, the app's `maxAgeS`), never more;
//! - risk stays `low`, and no alarm reason appears (`impossibleTravel`, `newCountry`,
//!   `recentRiskySignin`, `untrustedIp`, host risk, resets, dormancy, …). What ordinary life
//!   truly has is tolerated at low risk, where it changes nothing: `newAsn` and `newDevice` (a
//!   hotel network, the new laptop) and `unmanagedDevice` (the contractor's own laptop);
//! - the trip's arrival is the one exception: in the 24 h from the first login abroad, the
//!   novelty is real, so `newCountry`, `newAsn` and the `recentRiskySignin` the first of them
//!   leaves behind are legitimate, risk may be `medium` (never `high`), and the risk floor may
//!   raise a step-up above the baseline; still never a deny or a Detection Finding, and never
//!   `impossibleTravel`;
//! - the contractor's new *unmanaged* laptop is held to the strict rule: its first login
//!   (`newDevice` + `unmanagedDevice`) is not a risky sign-in. With `newDevice` at 15 it was
//!   (20 points, medium), and 6 h of risk-floor step-ups followed; the default is 10 since.
//!
//! `cargo test --test ordinary_life -- --nocapture` prints the year's counts per person.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use factorgate::{compile_policy_json, default_policy_json, Engine, Timestamp};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const OPTIONS: &str = r#"{"stateKey":"ordinary-life-state-key-0123456789"}"#;
/// Monday 2027-01-04T00:00:00Z, the first day of the year simulated.
const YEAR0: i64 = 1_799_020_800;
const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;
const MIN: i64 = 60;

/// SplitMix64: small, seeded, the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, weighted: &'a [(u64, T)]) -> &'a T {
        let total: u64 = weighted.iter().map(|(w, _)| w).sum();
        let mut r = self.next() % total;
        for (w, item) in weighted {
            if r < *w {
                return item;
            }
            r -= w;
        }
        &weighted[weighted.len() - 1].1
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Place {
    name: &'static str,
    lat: f64,
    lon: f64,
    country: &'static str,
    asn: u32,
    ip: &'static str,
    /// Hours from UTC of local time (winter time; close enough for working hours).
    utc: i64,
}

const fn place(
    name: &'static str,
    lat: f64,
    lon: f64,
    country: &'static str,
    asn: u32,
    ip: &'static str,
    utc: i64,
) -> Place {
    Place {
        name,
        lat,
        lon,
        country,
        asn,
        ip,
        utc,
    }
}

// Norway: homes, the office, the corporate VPN's egress (a hosting ASN in an Oslo data centre),
// the airports.
const BAERUM_HOME: Place = place("Bærum home", 59.89, 10.52, "NO", 2119, "84.208.20.11", 1);
const OSLO_HOME: Place = place("Oslo home", 59.94, 10.72, "NO", 2119, "84.210.41.7", 1);
const TRONDHEIM_HOME: Place = place("Trondheim home", 63.43, 10.39, "NO", 29695, "77.40.3.18", 1);
const OSLO_OFFICE: Place = place("Oslo office", 59.91, 10.75, "NO", 12929, "193.69.8.40", 1);
const CORP_VPN: Place = place(
    "corporate VPN",
    59.93,
    10.80,
    "NO",
    39029,
    "185.35.202.9",
    1,
);
const OSLO_HOTEL: Place = place("Oslo hotel", 59.91, 10.76, "NO", 8542, "91.189.5.77", 1);
const OSL_AIRPORT: Place = place(
    "Oslo airport",
    60.19,
    11.10,
    "NO",
    57963,
    "185.176.244.2",
    1,
);
const TRD_AIRPORT: Place = place(
    "Trondheim airport",
    63.46,
    10.92,
    "NO",
    57963,
    "185.176.245.9",
    1,
);
// Abroad.
const JFK: Place = place("JFK airport", 40.64, -73.78, "US", 22773, "72.229.1.5", -5);
const NYC_HOTEL: Place = place("New York hotel", 40.76, -73.98, "US", 7922, "73.1.2.3", -5);
const NYC_OFFICE: Place = place(
    "New York office",
    40.75,
    -73.99,
    "US",
    6128,
    "69.112.5.9",
    -5,
);
const LIS_AIRPORT: Place = place("Lisbon airport", 38.77, -9.13, "PT", 12353, "89.152.3.1", 0);
const LIS_HOTEL: Place = place("Lisbon hotel", 38.72, -9.14, "PT", 3243, "85.240.1.9", 0);
const LIS_CLIENT: Place = place("Lisbon client", 38.74, -9.15, "PT", 2860, "194.65.1.2", 0);
const SIN_AIRPORT: Place = place("Changi airport", 1.36, 103.99, "SG", 4657, "203.116.1.9", 8);
const SIN_HOTEL: Place = place("Singapore hotel", 1.29, 103.85, "SG", 9506, "116.14.2.3", 8);
const SIN_OFFICE: Place = place(
    "Singapore office",
    1.28,
    103.85,
    "SG",
    4773,
    "58.185.3.4",
    8,
);

#[derive(Clone, Copy, Debug)]
struct App {
    id: &'static str,
    sensitivity: &'static str,
    /// OIDC `max_age` the app sends, if any.
    max_age_s: Option<i64>,
}

const fn app(id: &'static str, sensitivity: &'static str) -> App {
    App {
        id,
        sensitivity,
        max_age_s: None,
    }
}

const WIKI: App = app("wiki", "low");
const MAIL: App = app("mail", "medium");
const CHAT: App = app("chat", "medium");
const GIT: App = app("git", "medium");
const TICKETS: App = app("tickets", "medium");
const HR: App = app("hr-portal", "medium");
const FINANCE: App = App {
    id: "finance",
    sensitivity: "high",
    max_age_s: Some(4 * HOUR),
};
const CLOUD: App = app("cloud-console", "high");
const CLIENT_PROD: App = app("client-prod", "high");
const IAM_CONSOLE: App = app("iam-admin-console", "critical");

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Employee,
    Contractor,
    Admin,
}

/// One thing that happens in the year.
#[derive(Clone, Debug)]
enum Event {
    Login {
        t: i64,
        at: Place,
        app: App,
        /// First login of a working day: the user signs in now (a new SSO session).
        fresh: bool,
    },
    /// The new laptop is handed over (and, for the employee, IT replaces the platform
    /// authenticator with the new laptop's).
    NewLaptop { t: i64 },
}

impl Event {
    fn t(&self) -> i64 {
        match self {
            Event::Login { t, .. } | Event::NewLaptop { t } => *t,
        }
    }
}

/// Local wall-clock `h:m` on day `day` at `at`, as epoch seconds.
fn local(day: i64, h: i64, m: i64, at: Place) -> i64 {
    YEAR0 + day * DAY + h * HOUR + m * MIN - at.utc * HOUR
}

/// `n` logins between local 08:00 and 16:45 at `at`, the first a fresh sign-in.
fn working_day(rng: &mut Rng, day: i64, at: Place, apps: &[(u64, App)], n: usize) -> Vec<Event> {
    let mut minutes: Vec<i64> = (0..n).map(|_| rng.range(8 * 60, 16 * 60 + 45)).collect();
    minutes.sort_unstable();
    minutes
        .into_iter()
        .enumerate()
        .map(|(i, m)| Event::Login {
            t: local(day, 0, m, at),
            at,
            app: *rng.pick(apps),
            fresh: i == 0,
        })
        .collect()
}

fn login(t: i64, at: Place, app: App, fresh: bool) -> Event {
    Event::Login { t, at, app, fresh }
}

struct Plan {
    events: Vec<Event>,
    /// The trip's arrival window: [first login abroad, +24 h].
    arrival: (i64, i64),
}

/// The year of one person.
fn plan(who: Who) -> Plan {
    let mut rng = Rng(match who {
        Who::Employee => 0x0E11_0001,
        Who::Contractor => 0x0C0A_0002,
        Who::Admin => 0x0AD0_0003,
    });
    let (home, trip_week, laptop_day, holidays): (Place, i64, i64, &[i64]) = match who {
        Who::Employee => (BAERUM_HOME, 15, 22 * 7 + 2, &[27, 28, 29, 51]),
        Who::Contractor => (TRONDHEIM_HOME, 38, 10 * 7, &[29, 30, 51]),
        Who::Admin => (OSLO_HOME, 44, 33 * 7 + 1, &[26, 27, 51]),
    };
    let mut events = Vec::new();
    let mut arrival = (0, 0);
    for day in 0..364 {
        let (week, weekday) = (day / 7, day % 7);
        if holidays.contains(&week) {
            continue;
        }
        if day == laptop_day {
            events.push(Event::NewLaptop {
                t: local(day, 7, 30, home),
            });
        }
        let apps = apps_of(who, day);
        if week == trip_week {
            if weekday == 0 {
                arrival = trip(who, &mut rng, day, home, &mut events);
            }
            continue;
        }
        if weekday >= 5 {
            // Weekends: mostly idle; now and then a look at mail or the wiki, and the admin's
            // on-call.
            if who == Who::Admin && rng.chance(20) {
                let t = local(day, rng.range(9, 21), rng.range(0, 59), home);
                events.push(login(t, home, IAM_CONSOLE, true));
            } else if rng.chance(12) {
                let t = local(day, rng.range(10, 20), rng.range(0, 59), home);
                events.push(login(t, home, *rng.pick(&[(1, WIKI), (2, MAIL)]), true));
            }
            continue;
        }
        if rng.chance(4) {
            continue; // a day off
        }
        let n = rng.range(3, 7) as usize;
        match who {
            Who::Employee => {
                if (1..=3).contains(&weekday) {
                    // Office days; now and then mail at home before the commute.
                    if rng.chance(25) {
                        let t = local(day, 7, rng.range(0, 40), home);
                        events.push(login(t, home, MAIL, true));
                        let mut rest = working_day(&mut rng, day, OSLO_OFFICE, &apps, n);
                        if let Some(Event::Login { fresh, .. }) = rest.first_mut() {
                            *fresh = false;
                        }
                        events.extend(rest);
                    } else {
                        events.extend(working_day(&mut rng, day, OSLO_OFFICE, &apps, n));
                    }
                } else {
                    let at = if rng.chance(40) { CORP_VPN } else { home };
                    events.extend(working_day(&mut rng, day, at, &apps, n));
                }
            }
            Who::Contractor => {
                if week % 4 == 1 && (1..=3).contains(&weekday) {
                    on_site_day(&mut rng, day, weekday, &apps, &mut events);
                } else {
                    events.extend(working_day(&mut rng, day, home, &apps, n));
                }
            }
            Who::Admin => {
                let at = if weekday <= 2 {
                    OSLO_OFFICE
                } else if rng.chance(70) {
                    CORP_VPN
                } else {
                    home
                };
                events.extend(working_day(&mut rng, day, at, &apps, n));
                if rng.chance(10) {
                    // On call in the evening, 12 h or more after the morning's sign-in.
                    let t = local(day, 21, rng.range(0, 50), home);
                    events.push(login(t, home, IAM_CONSOLE, false));
                }
            }
        }
    }
    events.sort_by_key(Event::t);
    Plan { events, arrival }
}

fn apps_of(who: Who, day: i64) -> Vec<(u64, App)> {
    match who {
        Who::Employee => vec![
            (3, WIKI),
            (5, MAIL),
            (3, CHAT),
            (3, GIT),
            (1, HR),
            (2, FINANCE),
        ],
        Who::Contractor => {
            let mut apps = vec![(3, WIKI), (4, TICKETS), (4, GIT), (3, CHAT)];
            if day >= 25 * 7 {
                apps.push((2, CLIENT_PROD)); // from mid-year: a high-sensitivity app
            }
            apps
        }
        Who::Admin => vec![(2, WIKI), (4, MAIL), (3, GIT), (3, CLOUD), (3, IAM_CONSOLE)],
    }
}

/// The contractor's week at the client's office in Oslo: fly in on the first day, a hotel, fly
/// home on the last.
fn on_site_day(rng: &mut Rng, day: i64, weekday: i64, apps: &[(u64, App)], ev: &mut Vec<Event>) {
    let n = rng.range(3, 5) as usize;
    if weekday == 1 {
        ev.push(login(
            local(day, 5, 40, TRONDHEIM_HOME),
            TRONDHEIM_HOME,
            MAIL,
            true,
        ));
        ev.push(login(
            local(day, 6, 35, TRD_AIRPORT),
            TRD_AIRPORT,
            CHAT,
            false,
        ));
        // 07:10–08:05 flight, train into town.
        let mut rest = working_day(rng, day, OSLO_OFFICE, apps, n);
        rest.retain(|e| e.t() >= local(day, 9, 15, OSLO_OFFICE));
        for e in &mut rest {
            if let Event::Login { fresh, .. } = e {
                *fresh = false;
            }
        }
        ev.extend(rest);
        ev.push(login(
            local(day, 20, 30, OSLO_HOTEL),
            OSLO_HOTEL,
            MAIL,
            false,
        ));
    } else if weekday == 2 {
        ev.push(login(local(day, 7, 15, OSLO_HOTEL), OSLO_HOTEL, MAIL, true));
        let mut rest = working_day(rng, day, OSLO_OFFICE, apps, n);
        for e in &mut rest {
            if let Event::Login { fresh, .. } = e {
                *fresh = false;
            }
        }
        ev.extend(rest);
        ev.push(login(
            local(day, 21, 0, OSLO_HOTEL),
            OSLO_HOTEL,
            CHAT,
            false,
        ));
    } else {
        let mut rest = working_day(rng, day, OSLO_OFFICE, apps, n);
        rest.retain(|e| e.t() <= local(day, 15, 0, OSLO_OFFICE));
        ev.extend(rest);
        // 16:30–17:25 flight home.
        ev.push(login(
            local(day, 18, 40, TRONDHEIM_HOME),
            TRONDHEIM_HOME,
            MAIL,
            false,
        ));
    }
}

/// The week abroad, from the Monday `day`. Returns the arrival window.
fn trip(who: Who, rng: &mut Rng, day: i64, home: Place, ev: &mut Vec<Event>) -> (i64, i64) {
    // (departure airport, its login, take-off, flight time, destination airport, hotel, office)
    let (dep, dep_login, takeoff, flight, dest_airport, hotel, office) = match who {
        // Oslo–New York nonstop, 8 h 40.
        Who::Employee => (
            OSL_AIRPORT,
            local(day, 9, 10, OSL_AIRPORT),
            local(day, 10, 30, OSL_AIRPORT),
            8 * HOUR + 40 * MIN,
            JFK,
            NYC_HOTEL,
            NYC_OFFICE,
        ),
        // Trondheim–Lisbon via Oslo, 6 h door to door in the air and between flights.
        Who::Contractor => (
            TRD_AIRPORT,
            local(day, 6, 30, TRD_AIRPORT),
            local(day, 7, 10, TRD_AIRPORT),
            6 * HOUR + 20 * MIN,
            LIS_AIRPORT,
            LIS_HOTEL,
            LIS_CLIENT,
        ),
        // Oslo–Singapore with one short connection, 13 h 30.
        Who::Admin => (
            OSL_AIRPORT,
            local(day, 8, 20, OSL_AIRPORT),
            local(day, 9, 40, OSL_AIRPORT),
            13 * HOUR + 30 * MIN,
            SIN_AIRPORT,
            SIN_HOTEL,
            SIN_OFFICE,
        ),
    };
    // The travel day: the last login at home early, one at the gate, the flight, then the
    // destination's airport and hotel.
    ev.push(login(dep_login - 2 * HOUR - 10 * MIN, home, MAIL, true));
    ev.push(login(dep_login, dep, CHAT, false));
    let landed = takeoff + flight;
    let first_abroad = landed + 40 * MIN;
    ev.push(login(first_abroad, dest_airport, MAIL, false));
    ev.push(login(landed + 2 * HOUR + 15 * MIN, hotel, CHAT, false));
    // Which local day is the first full working day at the destination.
    let first_local_day = (first_abroad + dest_airport.utc * HOUR - YEAR0) / DAY + 1;
    let apps = apps_of(who, day);
    for d in first_local_day..day + 5 {
        let n = rng.range(3, 6) as usize;
        ev.push(login(
            local(d, 7, rng.range(0, 30), hotel),
            hotel,
            MAIL,
            true,
        ));
        let mut rest = working_day(rng, d, office, &apps, n);
        for e in &mut rest {
            if let Event::Login { fresh, .. } = e {
                *fresh = false;
            }
        }
        ev.extend(rest);
        ev.push(login(
            local(d, 19, rng.range(0, 59), hotel),
            hotel,
            CHAT,
            false,
        ));
    }
    // Saturday: the hotel in the morning, the flight back, home after landing.
    let last = day + 5;
    let back = local(last, 9, 30, hotel);
    ev.push(login(back, hotel, MAIL, true));
    let home_again = local(last, 11, 30, dest_airport) + flight + 4 * HOUR;
    ev.push(login(home_again, home, MAIL, true));
    (first_abroad, first_abroad + DAY)
}

/// A bound factor, as the host lists it.
#[derive(Clone, Debug)]
struct Factor {
    id: String,
    kind: &'static str,
    enrolled_at: i64,
}

struct Person {
    who: Who,
    id: &'static str,
    kind: &'static str,
    roles: Vec<&'static str>,
    capabilities: Vec<&'static str>,
    factors: Vec<Factor>,
    device: String,
    managed: bool,
    /// How the person signs in in the morning: weighted method lists.
    sign_ins: Vec<(u64, Vec<&'static str>)>,
    /// What the person would bind if asked to enroll, in order of preference.
    would_enroll: Vec<&'static str>,
    last_login: Option<i64>,
    state: Option<String>,
    /// Today's SSO session: (type, at).
    session: Vec<(&'static str, i64)>,
    laptops: u32,
}

fn person(who: Who) -> Person {
    let long_ago = YEAR0 - 400 * DAY;
    let f = |id: &str, kind: &'static str| Factor {
        id: id.to_string(),
        kind,
        enrolled_at: long_ago + 2 * DAY,
    };
    match who {
        Who::Employee => Person {
            who,
            id: "okta|ingrid.employee",
            kind: "employee",
            roles: vec!["finance-analyst"],
            capabilities: vec![],
            factors: vec![f("totp-1", "totp"), f("hello-laptop-1", "webauthnPlatform")],
            device: "emp-laptop-1".into(),
            managed: true,
            sign_ins: vec![(6, vec!["password", "totp"]), (4, vec!["webauthnPlatform"])],
            would_enroll: vec!["webauthnPlatform"],
            last_login: None,
            state: None,
            session: vec![],
            laptops: 1,
        },
        Who::Contractor => Person {
            who,
            id: "okta|kari.contractor",
            kind: "contractor",
            roles: vec!["developer"],
            capabilities: vec![],
            factors: vec![f("push-1", "push"), f("totp-1", "totp")],
            device: "ctr-own-laptop-1".into(),
            managed: false,
            sign_ins: vec![(8, vec!["password", "push"]), (2, vec!["password", "totp"])],
            would_enroll: vec!["passkeySynced", "webauthnPlatform", "webauthnRoaming"],
            last_login: None,
            state: None,
            session: vec![],
            laptops: 1,
        },
        Who::Admin => Person {
            who,
            id: "okta|arne.admin",
            kind: "employee",
            roles: vec!["admin"],
            capabilities: vec!["manageIam"],
            factors: vec![
                f("yubikey-1", "webauthnRoaming"),
                f("passkey-1", "passkeySynced"),
            ],
            device: "adm-laptop-1".into(),
            managed: true,
            sign_ins: vec![
                (6, vec!["webauthnRoaming"]),
                (1, vec!["password", "webauthnRoaming"]),
                (3, vec!["passkeySynced"]),
            ],
            would_enroll: vec!["webauthnRoaming"],
            last_login: None,
            state: None,
            session: vec![],
            laptops: 1,
        },
    }
}

fn ts(t: i64) -> String {
    Timestamp(t).to_rfc3339()
}

impl Person {
    fn has(&self, kind: &str) -> bool {
        self.factors.iter().any(|f| f.kind == kind)
    }

    fn user(&self) -> Value {
        let mut user = json!({
            "id": self.id,
            "kind": self.kind,
            "roles": self.roles,
            "capabilities": self.capabilities,
            "createdAt": ts(YEAR0 - 400 * DAY),
            "factors": self.factors.iter().map(|f| json!({
                "id": f.id, "type": f.kind, "enrolledAt": ts(f.enrolled_at)
            })).collect::<Vec<_>>(),
        });
        if let Some(t) = self.last_login {
            user["lastLoginAt"] = json!(ts(t));
        }
        user
    }

    fn session(&self, at: Place) -> Value {
        json!({
            "ip": at.ip,
            "geo": {"lat": at.lat, "lon": at.lon, "country": at.country, "asn": at.asn},
            "device": {"id": self.device, "managed": self.managed, "compliant": self.managed},
            "userAgent": "Mozilla/5.0 (ordinary life)",
            "methods": self.session.iter().map(|(k, t)| json!({"type": k, "at": ts(*t)}))
                .collect::<Vec<_>>(),
        })
    }

    fn request(&self, at: Place) -> Value {
        let mut req = json!({"user": self.user(), "session": self.session(at)});
        if let Some(s) = &self.state {
            req["state"] = json!(s);
        }
        req
    }

    /// Uses a method of `kind` now, with the password again where it is not multi-factor alone
    /// (a re-authentication prompt asks for both).
    fn use_method(&mut self, kind: &'static str, t: i64) {
        if matches!(kind, "totp" | "push") {
            self.session.push(("password", t));
        }
        self.session.push((kind, t));
    }
}

/// What the policy asks before any risk: the app's tier, the kind's floor, the privileged floor
/// and the app's `maxAgeS` (README, the default policy's table). (minAal, PR, HB, maxAgeS).
fn baseline(p: &Person, app: App) -> (u64, bool, bool, i64) {
    let mut r = match app.sensitivity {
        "low" => (1, false, false, 30 * DAY),
        "medium" => (2, false, false, DAY),
        "high" => (2, true, false, 12 * HOUR),
        _ => (3, true, true, 12 * HOUR),
    };
    let mut floor = |f: (u64, bool, bool, i64)| {
        r = (r.0.max(f.0), r.1 || f.1, r.2 || f.2, r.3.min(f.3));
    };
    if p.kind == "contractor" {
        floor((2, false, false, 12 * HOUR));
    }
    if p.who == Who::Admin {
        floor((3, true, true, 12 * HOUR));
    }
    if let Some(max_age) = app.max_age_s {
        floor((0, false, false, max_age));
    }
    r
}

/// Reasons that explain the requirement or say who the user is: 0 points, never an alarm.
const EXPLAINING: [&str; 7] = [
    "appSensitivity",
    "insufficientAal",
    "staleAuthentication",
    "requestedAcr",
    "privilegedUser",
    "sensitiveCapabilities",
    "contractor",
];
/// True of ordinary life and tolerated at low risk: a network or laptop seen for the first time,
/// the contractor's own laptop.
const TOLERATED: [&str; 3] = ["newAsn", "newDevice", "unmanagedDevice"];
/// Legitimate in the trip's arrival window only.
const ARRIVAL: [&str; 3] = ["newCountry", "newAsn", "recentRiskySignin"];
/// Factor-change reasons of the changes ordinary life makes.
const CHANGE_OK: [&str; 3] = ["bindingAuthenticated", "delegatedChange", "firstFactor"];

#[derive(Default)]
struct Tally {
    logins: u32,
    decisions: u32,
    outcomes: BTreeMap<String, u32>,
    detection_findings: u32,
    max_score: i64,
    max_level: String,
    reasons: BTreeMap<String, u32>,
    changes: Vec<String>,
    violations: Vec<String>,
}

fn level_rank(level: &str) -> u8 {
    match level {
        "low" => 0,
        "medium" => 1,
        "high" => 2,
        _ => 3,
    }
}

fn codes(d: &Value) -> Vec<String> {
    d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}

fn detection_findings(d: &Value) -> usize {
    d["alerts"]
        .as_array()
        .map_or(0, |a| a.iter().filter(|e| e["class_uid"] == 2004).count())
}

struct Life<'a> {
    engine: &'a Engine,
    p: Person,
    arrival: (i64, i64),
    /// The 6 h (`recentRiskySigninS`) from the first login on a new unmanaged laptop.
    new_laptop: (i64, i64),
    /// Hold the new unmanaged laptop's day to the strict rule (the ignored test).
    strict_laptop: bool,
    laptop_pending: bool,
    tally: Tally,
    first: bool,
}

impl Life<'_> {
    fn violation(&mut self, t: i64, what: String, d: &Value) {
        let mut reasons = d["reasons"].clone();
        for r in reasons.as_array_mut().into_iter().flatten() {
            r.as_object_mut().unwrap().remove("detail");
        }
        self.tally.violations.push(format!(
            "{} {}: {what}; outcome {} risk {} {} reasons {reasons} requirement {}",
            self.p.id,
            ts(t),
            d["outcome"],
            d["risk"]["score"],
            d["risk"]["level"],
            d["requirement"]
        ));
    }

    /// Counts one login decision and holds it to the rule (the module's doc comment).
    fn check_login(&mut self, t: i64, app: App, d: &Value) {
        let tally = &mut self.tally;
        tally.decisions += 1;
        let outcome = d["outcome"].as_str().unwrap_or("?").to_string();
        *tally.outcomes.entry(outcome.clone()).or_default() += 1;
        let score = d["risk"]["score"].as_i64().unwrap_or(-1);
        let level = d["risk"]["level"].as_str().unwrap_or("?").to_string();
        tally.max_score = tally.max_score.max(score);
        if tally.max_level.is_empty() || level_rank(&level) > level_rank(&tally.max_level) {
            tally.max_level = level.clone();
        }
        let findings = detection_findings(d);
        tally.detection_findings += findings as u32;
        let codes = codes(d);
        for c in &codes {
            *tally.reasons.entry(c.clone()).or_default() += 1;
        }
        let arriving = (self.arrival.0..=self.arrival.1).contains(&t)
            || (!self.strict_laptop && (self.new_laptop.0..=self.new_laptop.1).contains(&t));
        let first = std::mem::replace(&mut self.first, false);
        if d["type"] != "decision" {
            return self.violation(t, "not a decision".into(), d);
        }
        if outcome == "deny" {
            self.violation(t, "deny".into(), d);
        }
        if findings > 0 {
            self.violation(t, "Detection Finding".into(), d);
        }
        let worst = if arriving { 1 } else { 0 };
        if level_rank(&level) > worst {
            self.violation(t, format!("risk {level}"), d);
        }
        for c in &codes {
            let ok = EXPLAINING.contains(&c.as_str())
                || TOLERATED.contains(&c.as_str())
                || (arriving && ARRIVAL.contains(&c.as_str()))
                || (first && c == "stateMissing");
            if !ok {
                self.violation(t, format!("alarm reason {c}"), d);
            }
        }
        if outcome == "stepUp" || outcome == "enroll" {
            if !codes
                .iter()
                .any(|c| c == "insufficientAal" || c == "staleAuthentication")
            {
                self.violation(t, format!("{outcome} without a shortfall"), d);
            }
            let r = &d["requirement"];
            let got = (
                r["minAal"].as_u64().unwrap_or(0),
                r["phishingResistant"].as_bool().unwrap_or(false),
                r["hardwareBound"].as_bool().unwrap_or(false),
                r["maxAgeS"].as_i64().unwrap_or(0),
            );
            let want = baseline(&self.p, app);
            let above = got.0 >= want.0 && (got.1 || !want.1) && (got.2 || !want.2);
            if !(got == want || (arriving && above && got.3 <= want.3)) {
                self.violation(
                    t,
                    format!("{outcome} asks {got:?}, the baseline {want:?}"),
                    d,
                );
            }
        }
    }

    fn decide(&mut self, t: i64, at: Place, app: App) -> Value {
        let mut req = self.p.request(at);
        req["app"] = json!({"id": app.id, "sensitivity": app.sensitivity});
        if let Some(max_age) = app.max_age_s {
            req["requested"] = json!({"maxAgeS": max_age});
        }
        let d: Value = serde_json::from_str(
            &self
                .engine
                .decide_login_json(&req.to_string(), t as f64 * 1e3),
        )
        .unwrap();
        if let Some(s) = d["state"].as_str() {
            self.p.state = Some(s.to_string());
        }
        self.check_login(t, app, &d);
        d
    }

    fn login(&mut self, t: i64, at: Place, app: App, fresh: bool, rng: &mut Rng) {
        self.tally.logins += 1;
        if std::mem::take(&mut self.laptop_pending) && !self.p.managed {
            self.new_laptop = (t, t + 6 * HOUR);
        }
        if fresh || self.p.session.is_empty() {
            self.p.session.clear();
            let methods = rng.pick(&self.p.sign_ins).clone();
            let methods_len = methods.len();
            for (i, m) in methods.into_iter().enumerate() {
                // A password a minute before its second factor.
                let at = if i + 1 < methods_len { t - MIN } else { t };
                self.p.session.push((m, at));
            }
        }
        for _ in 0..4 {
            let d = self.decide(t, at, app);
            let offered: Vec<String> = d["requirement"]["factors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str().map(String::from))
                .collect();
            match d["outcome"].as_str().unwrap_or("") {
                "allow" => {
                    self.p.last_login = Some(t);
                    return;
                }
                "stepUp" => {
                    let Some(kind) = offered
                        .iter()
                        .find_map(|k| self.p.factors.iter().find(|f| f.kind == k).map(|f| f.kind))
                    else {
                        return self.violation(t, "stepUp offers nothing the user has".into(), &d);
                    };
                    self.p.use_method(kind, t);
                }
                "enroll" => {
                    let Some(kind) = self
                        .p
                        .would_enroll
                        .iter()
                        .copied()
                        .find(|k| offered.iter().any(|o| o == k))
                    else {
                        return self.violation(t, "enroll offers nothing usable".into(), &d);
                    };
                    if !self.enroll(t, at, kind) {
                        return;
                    }
                    self.p.use_method(kind, t);
                }
                _ => return,
            }
        }
        let d = json!({"outcome": "?", "reasons": [], "risk": {}});
        self.violation(t, "no allow after four rounds".into(), &d);
    }

    /// Counts one factor-change decision and holds it to the rule.
    fn check_change(&mut self, t: i64, what: &str, d: &Value) {
        let outcome = d["outcome"].as_str().unwrap_or("?").to_string();
        self.tally.changes.push(format!(
            "{} {what}: {outcome} ({})",
            ts(t).split('T').next().unwrap_or(""),
            codes(d).join(", ")
        ));
        let findings = detection_findings(d);
        self.tally.detection_findings += findings as u32;
        if findings > 0 {
            self.violation(t, format!("{what}: Detection Finding"), d);
        }
        if outcome == "deny" || outcome == "approval" {
            self.violation(t, format!("{what}: {outcome}"), d);
        }
        if d["risk"]["level"] != "low" {
            self.violation(t, format!("{what}: risk {}", d["risk"]["level"]), d);
        }
        for c in codes(d) {
            if !CHANGE_OK.contains(&c.as_str())
                && !EXPLAINING.contains(&c.as_str())
                && !TOLERATED.contains(&c.as_str())
            {
                self.violation(t, format!("{what}: alarm reason {c}"), d);
            }
        }
    }

    fn change(&mut self, t: i64, req: &Value) -> Value {
        serde_json::from_str(
            &self
                .engine
                .assess_factor_change_json(&req.to_string(), t as f64 * 1e3),
        )
        .unwrap()
    }

    /// Self-service enrollment of `kind` from the current session; true when bound.
    fn enroll(&mut self, t: i64, at: Place, kind: &'static str) -> bool {
        for _ in 0..3 {
            let mut req = self.p.request(at);
            req["change"] =
                json!({"action": "enroll", "phase": "before", "factor": {"type": kind}});
            let d = self.change(t, &req);
            self.check_change(t, &format!("enroll {kind}"), &d);
            match d["outcome"].as_str().unwrap_or("") {
                "allow" => {
                    let n = self.p.factors.len();
                    self.p.factors.push(Factor {
                        id: format!("{kind}-{n}"),
                        kind,
                        enrolled_at: t,
                    });
                    return true;
                }
                "stepUp" => {
                    // The binding rule: authenticate again now with the best factor offered.
                    let offered: Vec<&str> = d["requirement"]["factors"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    let Some(k) = offered
                        .iter()
                        .find_map(|k| self.p.factors.iter().find(|f| f.kind == *k).map(|f| f.kind))
                    else {
                        self.violation(t, "binding step-up offers nothing".into(), &d);
                        return false;
                    };
                    self.p.use_method(k, t);
                }
                _ => return false,
            }
        }
        false
    }

    /// The new laptop: a new device id from now on. The employee's platform authenticator was
    /// the old laptop's: IT's help desk replaces it with the new laptop's, with a ticket.
    fn new_laptop(&mut self, t: i64) {
        self.p.laptops += 1;
        let prefix = self.p.device.rsplit_once('-').unwrap().0.to_string();
        self.p.device = format!("{prefix}-{}", self.p.laptops);
        self.p.session.clear();
        self.laptop_pending = true;
        if self.p.who != Who::Employee {
            return;
        }
        let old = self
            .p
            .factors
            .iter()
            .find(|f| f.kind == "webauthnPlatform")
            .unwrap()
            .clone();
        let new_id = format!("hello-laptop-{}", self.p.laptops);
        let req = json!({
            "user": self.p.user(),
            "session": {"ip": OSLO_OFFICE.ip, "geo": {"lat": OSLO_OFFICE.lat, "lon": OSLO_OFFICE.lon,
                        "country": "NO", "asn": OSLO_OFFICE.asn},
                        "device": {"id": self.p.device, "managed": true, "compliant": true}},
            "change": {"action": "replace", "phase": "before",
                       "factor": {"type": "webauthnPlatform", "id": new_id},
                       "replaces": {"type": "webauthnPlatform", "id": old.id},
                       "actor": {"kind": "helpdesk", "id": "it-desk-7", "ticket": "IT-48213"}},
            "state": self.p.state,
        });
        let d = self.change(t, &req);
        self.check_change(t, "help desk replaces the platform authenticator", &d);
        if d["outcome"] == "allow" {
            let f = self.p.factors.iter_mut().find(|f| f.id == old.id).unwrap();
            f.id = new_id;
            f.enrolled_at = t;
        }
    }
}

fn live(who: Who, strict_laptop: bool) -> Tally {
    let engine = compile_policy_json(&default_policy_json(), OPTIONS).unwrap();
    let Plan { events, arrival } = plan(who);
    let mut rng = Rng(0x5E55_1011 ^ who as u64);
    let mut life = Life {
        engine: &engine,
        p: person(who),
        arrival,
        new_laptop: (0, 0),
        strict_laptop,
        laptop_pending: false,
        tally: Tally::default(),
        first: true,
    };
    for event in events {
        match event {
            Event::Login { t, at, app, fresh } => life.login(t, at, app, fresh, &mut rng),
            Event::NewLaptop { t } => life.new_laptop(t),
        }
    }
    assert!(
        life.p.has("webauthnRoaming")
            || life.p.has("webauthnPlatform")
            || life.p.has("passkeySynced"),
        "everyone ends the year with a phishing-resistant factor"
    );
    life.tally
}

fn report(who: Who, t: &Tally) {
    let count = |o: &str| t.outcomes.get(o).copied().unwrap_or(0);
    println!(
        "{who:?}: {} logins, {} login decisions: allow {}, stepUp {}, enroll {}, deny {}; \
         Detection Findings {}; max risk {} ({})",
        t.logins,
        t.decisions,
        count("allow"),
        count("stepUp"),
        count("enroll"),
        count("deny"),
        t.detection_findings,
        t.max_score,
        t.max_level
    );
    let reasons: Vec<String> = t.reasons.iter().map(|(c, n)| format!("{c} {n}")).collect();
    println!("  reasons: {}", reasons.join(", "));
    for c in &t.changes {
        println!("  factor change {c}");
    }
    for v in t.violations.iter().take(20) {
        println!("  FALSE ALARM {v}");
    }
    if t.violations.len() > 20 {
        println!("  … {} false alarms in all", t.violations.len());
    }
}

fn year_of(who: Who, strict_laptop: bool) {
    let tally = live(who, strict_laptop);
    report(who, &tally);
    assert!(tally.logins > 500, "{who:?}: a year is at least 500 logins");
    assert!(
        tally.violations.is_empty(),
        "{who:?}: {} false alarms, the first: {}",
        tally.violations.len(),
        tally.violations[0]
    );
}

#[test]
fn a_year_of_an_employee_raises_no_false_alarm() {
    year_of(Who::Employee, false);
}

#[test]
fn a_year_of_a_contractor_raises_no_false_alarm() {
    year_of(Who::Contractor, true);
}

#[test]
fn a_year_of_a_privileged_admin_raises_no_false_alarm() {
    year_of(Who::Admin, false);
}

#[test]
fn the_schedules_hold_what_the_year_promises() {
    for who in [Who::Employee, Who::Contractor, Who::Admin] {
        let Plan { events, arrival } = plan(who);
        assert!(arrival.0 > YEAR0, "{who:?} travels");
        let at = |e: &Event| match e {
            Event::Login { at, .. } => Some(*at),
            Event::NewLaptop { .. } => None,
        };
        let abroad = events
            .iter()
            .filter(|e| at(e).is_some_and(|p| p.country != "NO"))
            .count();
        assert!(abroad >= 15, "{who:?}: a week abroad, {abroad} logins");
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, Event::NewLaptop { .. }))
                .count(),
            1,
            "{who:?}: one new laptop"
        );
        // The travel day's flight: realistic speeds only (under 900 km/h from the gate).
        let gate = events
            .iter()
            .filter(|e| e.t() < arrival.0)
            .filter_map(|e| at(e).map(|p| (e.t(), p)))
            .next_back()
            .unwrap();
        assert!(gate.1.name.contains("airport"), "{who:?}: {gate:?}");
    }
}

/// The engine defect the year found, fixed in `src/signals/memory.rs` (`answers_step_up`): a
/// login asked to step up at medium risk (here the first sign-in in a new country: `newCountry`
/// 20 + `newAsn` 5) was remembered as a risky sign-in, so the same user answering that step-up a
/// moment later, from the same laptop and network, scored its own first round as
/// `recentRiskySignin` (+30): 55, high, a Detection Finding for doing what was asked. The answer
/// is the same sign-in; a later one, another device, or a factor change still sees it.
#[test]
fn answering_a_step_up_is_not_a_second_risky_sign_in() {
    let engine = compile_policy_json(&default_policy_json(), OPTIONS).unwrap();
    let mut p = person(Who::Employee);
    let run = |p: &Person, at: Place, t: i64, change: Option<Value>| -> Value {
        let mut req = p.request(at);
        req["app"] = json!({"id": "mail", "sensitivity": "medium"});
        let out = match change {
            Some(c) => {
                req["change"] = c;
                engine.assess_factor_change_json(&req.to_string(), t as f64 * 1e3)
            }
            None => engine.decide_login_json(&req.to_string(), t as f64 * 1e3),
        };
        serde_json::from_str(&out).unwrap()
    };
    let mut t = YEAR0 + 8 * HOUR;
    for _ in 0..4 {
        p.session = vec![("password", t - MIN), ("totp", t)];
        let d = run(&p, BAERUM_HOME, t, None);
        assert_eq!(d["outcome"], "allow", "{d}");
        p.state = d["state"].as_str().map(String::from);
        t += DAY;
    }
    // Landed in New York; the morning's session is older than the medium floor's hour.
    let landed = t + 11 * HOUR;
    p.session = vec![("password", t - MIN), ("totp", t)];
    let first = run(&p, JFK, landed, None);
    assert_eq!(first["outcome"], "stepUp", "{first}");
    assert_eq!(first["risk"]["level"], "medium");
    p.state = first["state"].as_str().map(String::from);
    let with_totp = |p: &mut Person, at: i64| {
        p.session = vec![
            ("password", t - MIN),
            ("totp", t),
            ("password", at),
            ("totp", at),
        ];
    };

    // The answer, the same minute and a few minutes later: the same sign-in.
    for later in [0, 4 * MIN] {
        with_totp(&mut p, landed + later);
        let d = run(&p, JFK, landed + later, None);
        assert_eq!(d["outcome"], "allow", "{d}");
        assert_eq!(d["risk"]["level"], "medium", "{d}");
        assert!(!codes(&d).contains(&"recentRiskySignin".to_string()), "{d}");
        assert_eq!(detection_findings(&d), 0, "{d}");
    }
    // Another device, or 20 minutes on, or a factor change: a later event that correlates.
    with_totp(&mut p, landed + 2 * MIN);
    p.device = "someone-elses-laptop".into();
    let d = run(&p, JFK, landed + 2 * MIN, None);
    assert!(codes(&d).contains(&"recentRiskySignin".to_string()), "{d}");
    p.device = "emp-laptop-1".into();
    with_totp(&mut p, landed + 20 * MIN);
    let d = run(&p, JFK, landed + 20 * MIN, None);
    assert!(codes(&d).contains(&"recentRiskySignin".to_string()), "{d}");
    with_totp(&mut p, landed + 2 * MIN);
    p.state = first["state"].as_str().map(String::from);
    let enroll =
        json!({"action": "enroll", "phase": "before", "factor": {"type": "passkeySynced"}});
    let d = run(&p, JFK, landed + 2 * MIN, Some(enroll));
    assert!(codes(&d).contains(&"recentRiskySignin".to_string()), "{d}");
    assert_ne!(d["outcome"], "allow", "the persistence pattern holds: {d}");
}
