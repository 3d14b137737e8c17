//! Synthetic logs for tests and benchmarks (`factorgate replay generate`): a workforce of
//! employees, contractors and admins living ordinary days (a morning sign-in with their usual
//! factor, single sign-on to more apps later, weekends mostly idle, an occasional wrong
//! password, a fumbled push, a browser the IdP remembers), trips abroad, new laptops, and a few
//! attacks, written in the log format of one IdP. Deterministic by seed; streamed day by day
//! (one day's lines in memory), and cut at exactly `--events` lines.
//!
//! Attacks, each on its own victims (listed with `scenario` in `--users-out`):
//! - `aitm`: adversary in the middle. Forty minutes after the victim's morning sign-in, a
//!   sign-in from another continent on a hosting network with the password and a phished OTP
//!   relayed in real time, then a push factor enrolled from that session.
//! - `mfaFatigue`: the password from abroad, then seven denied pushes in ten minutes, then the
//!   one the victim finally accepts.
//! - `simSwap`: the number ported, a sign-in from a new phone on a mobile network in another
//!   city with the password and an SMS code, then an authenticator app enrolled.
//! - `resetPersistence`: the help desk talked into resetting the victim's factors, a password
//!   reset, a password-only sign-in from a new device abroad, and a new factor enrolled.
// The generator reads no input: it indexes its own constant tables with indices it draws modulo
// their lengths, and writes into JSON objects it has just built, so indexing cannot panic here.
#![allow(clippy::indexing_slicing)]

use super::event::{parse_rfc3339, rfc3339};
use super::Source;
use serde_json::{json, Value};
use std::io::Write;

/// SplitMix64: small, fast, deterministic.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }
}

/// A city: name, ISO country, lat, lon, UTC offset (hours), home ISP ASN, first IP octets.
struct City {
    name: &'static str,
    country: &'static str,
    lat: f64,
    lon: f64,
    tz: i64,
    asn: u32,
    net: [u8; 2],
}

const fn city(
    name: &'static str,
    country: &'static str,
    lat: f64,
    lon: f64,
    tz: i64,
    asn: u32,
    net: [u8; 2],
) -> City {
    City {
        name,
        country,
        lat,
        lon,
        tz,
        asn,
        net,
    }
}

/// Home cities first (index < HOMES), then destinations and attack origins.
const CITIES: &[City] = &[
    city("Oslo", "NO", 59.91, 10.75, 1, 2119, [84, 208]),
    city("Stockholm", "SE", 59.33, 18.07, 1, 3301, [81, 224]),
    city("London", "GB", 51.51, -0.13, 0, 2856, [86, 128]),
    city("Berlin", "DE", 52.52, 13.40, 1, 3320, [91, 64]),
    city("Amsterdam", "NL", 52.37, 4.90, 1, 1136, [77, 160]),
    city("New York", "US", 40.71, -74.01, -5, 7922, [73, 12]),
    city("Chicago", "US", 41.88, -87.63, -6, 7018, [99, 40]),
    city("Toronto", "CA", 43.65, -79.38, -5, 812, [99, 224]),
    // destinations
    city("Lisbon", "PT", 38.72, -9.14, 0, 3243, [85, 240]),
    city("Singapore", "SG", 1.35, 103.82, 8, 4773, [116, 12]),
    city("Tokyo", "JP", 35.68, 139.69, 9, 2516, [126, 22]),
    city("San Francisco", "US", 37.77, -122.42, -8, 7922, [67, 160]),
    city("Madrid", "ES", 40.42, -3.70, 1, 3352, [88, 0]),
    // attack origins (hosting and mobile networks)
    city("Lagos", "NG", 6.52, 3.38, 1, 37148, [102, 89]),
    city("Sao Paulo", "BR", -23.55, -46.63, -3, 16509, [177, 71]),
    city("Bucharest", "RO", 44.43, 26.10, 2, 9009, [89, 38]),
    city("Jakarta", "ID", -6.21, 106.85, 7, 14061, [103, 28]),
];
const HOMES: usize = 8;
const DESTINATIONS: [usize; 5] = [8, 9, 10, 11, 12];
const ATTACK_ORIGINS: [usize; 4] = [13, 14, 15, 16];

/// Apps: name, who uses it (0 all, 1 admins only).
const APPS: &[(&str, u8)] = &[
    ("Wiki", 0),
    ("Mail", 0),
    ("Chat", 0),
    ("Payroll", 0),
    ("CRM", 0),
    ("Git", 0),
    ("AWS Console", 1),
    ("Admin Portal", 1),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scenario {
    None,
    Aitm,
    MfaFatigue,
    SimSwap,
    ResetPersistence,
}

impl Scenario {
    fn name(self) -> Option<&'static str> {
        match self {
            Scenario::None => None,
            Scenario::Aitm => Some("aitm"),
            Scenario::MfaFatigue => Some("mfaFatigue"),
            Scenario::SimSwap => Some("simSwap"),
            Scenario::ResetPersistence => Some("resetPersistence"),
        }
    }
}

struct Person {
    id: String,
    email: String,
    kind: &'static str,
    admin: bool,
    home: usize,
    host: u16,
    laptop: u32,
    managed: bool,
    /// factor type, id; the first is the usual one
    factors: Vec<(&'static str, String)>,
    trip: Option<(i64, i64, usize)>,
    new_laptop_day: Option<i64>,
    scenario: Scenario,
    attack_day: i64,
}

/// One step of a sign-in.
#[derive(Clone, Debug)]
enum Step {
    Password(i64),
    Factor(&'static str, bool, i64),
    PushDenied(i64),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Idp {
    Allow,
    Mfa,
    MfaFailed,
}

#[derive(Clone, Debug)]
struct Place {
    city: usize,
    asn: u32,
    ip: String,
}

#[derive(Clone, Debug)]
enum W {
    SignIn {
        p: usize,
        ts: i64,
        app: &'static str,
        place: Place,
        device: String,
        managed: bool,
        new_device: bool,
        steps: Vec<Step>,
        session: String,
        idp: Idp,
    },
    WrongPassword {
        p: usize,
        ts: i64,
        place: Place,
        device: String,
    },
    Change {
        p: usize,
        ts: i64,
        action: &'static str,
        factor: Option<&'static str>,
        factor_id: String,
        admin: bool,
        place: Place,
        device: String,
        session: String,
    },
    PasswordReset {
        p: usize,
        ts: i64,
        place: Place,
    },
}

/// Generator options.
pub struct Options {
    /// Whose log format to write.
    pub source: Source,
    /// Log lines to write.
    pub events: u64,
    /// The seed: the same seed writes the same log.
    pub seed: u64,
    /// Days of history to spread the events over (about).
    pub days: i64,
    /// The first day (days since 1970-01-01).
    pub start_day: i64,
    /// One JSON array instead of JSON lines.
    pub array: bool,
}

/// Lines per person-day, about, per source (to size the population).
fn lines_per_day(source: Source) -> f64 {
    match source {
        Source::Auth0 => 2.6,
        Source::Okta => 5.6,
        Source::Entra => 2.0,
    }
}

fn hex_id(rng: &mut Rng, n: usize) -> String {
    let mut s = String::with_capacity(n);
    while s.len() < n {
        s.push_str(&format!("{:016x}", rng.next()));
    }
    s.truncate(n);
    s
}

fn user_id(source: Source, rng: &mut Rng) -> String {
    match source {
        Source::Auth0 => format!("auth0|{}", hex_id(rng, 24)),
        Source::Okta => {
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            let mut s = String::from("00u");
            for _ in 0..17 {
                s.push(char::from(
                    *A.get(rng.below(A.len() as u64) as usize).unwrap_or(&b'x'),
                ));
            }
            s
        }
        Source::Entra => guid(rng),
    }
}

fn guid(rng: &mut Rng) -> String {
    let h = hex_id(rng, 32);
    format!(
        "{}-{}-{}-{}-{}",
        h.get(0..8).unwrap_or(""),
        h.get(8..12).unwrap_or(""),
        h.get(12..16).unwrap_or(""),
        h.get(16..20).unwrap_or(""),
        h.get(20..32).unwrap_or("")
    )
}

const FIRST: &[&str] = &[
    "ada", "bjorn", "chen", "dana", "emil", "farah", "gus", "hana", "ivan", "jo", "kari", "lena",
    "mo", "nils", "olga", "per", "quinn", "rosa", "sven", "tara", "ulf", "vera", "wei", "yara",
];
const LAST: &[&str] = &[
    "berg", "costa", "dahl", "evans", "fisher", "garcia", "holm", "ito", "jensen", "khan", "lund",
    "moreau", "nakamura", "olsen", "patel", "rossi", "silva", "tanaka", "vik", "weber",
];

fn population(o: &Options, rng: &mut Rng) -> (Vec<Person>, i64) {
    let per_day = lines_per_day(o.source) * 0.78;
    let mut users = ((o.events as f64) / (o.days as f64 * per_day)).ceil() as usize;
    users = users.max(40);
    let days = ((o.events as f64 / (users as f64 * per_day)).ceil() as i64).max(6);
    let victims = (users / 400).max(1);
    let mut people = Vec::with_capacity(users);
    for i in 0..users {
        let roll = rng.below(100);
        let (kind, admin) = if roll < 78 {
            ("employee", false)
        } else if roll < 94 {
            ("contractor", false)
        } else {
            ("employee", true)
        };
        let home = rng.below(HOMES as u64) as usize;
        let first = rng.pick(FIRST).copied().unwrap_or("x");
        let last = rng.pick(LAST).copied().unwrap_or("y");
        let id = user_id(o.source, rng);
        let mut factors: Vec<(&'static str, String)> = Vec::new();
        let fid = |t: &'static str, rng: &mut Rng| (t, format!("fac{}", hex_id(rng, 12)));
        if admin {
            factors.push(fid("webauthnRoaming", rng));
            factors.push(fid("push", rng));
        } else if kind == "contractor" {
            factors.push(fid(if rng.chance(0.7) { "push" } else { "totp" }, rng));
        } else {
            let r = rng.below(10);
            factors.push(fid(
                if r < 6 {
                    "push"
                } else if r < 8 {
                    "totp"
                } else {
                    "webauthnPlatform"
                },
                rng,
            ));
            if rng.chance(0.5) {
                factors.push(fid("sms", rng));
            }
        }
        let trip = rng.chance(0.08).then(|| {
            let start = 2 + rng.below((days - 4).max(1) as u64) as i64;
            let dest = DESTINATIONS
                .get(rng.below(DESTINATIONS.len() as u64) as usize)
                .copied()
                .unwrap_or(8);
            (start, start + 3 + rng.below(3) as i64, dest)
        });
        let new_laptop_day = rng
            .chance(0.04)
            .then(|| 3 + rng.below((days - 3).max(1) as u64) as i64);
        people.push(Person {
            email: format!("{first}.{last}{i}@example.com"),
            id,
            kind,
            admin,
            home,
            host: (rng.below(250) + 2) as u16,
            laptop: rng.below(1 << 30) as u32,
            managed: kind != "contractor",
            factors,
            trip,
            new_laptop_day,
            scenario: Scenario::None,
            attack_day: 0,
        });
    }
    // victims: never admins, no trips, and the factors each attack needs
    let scenarios = [
        Scenario::Aitm,
        Scenario::MfaFatigue,
        Scenario::SimSwap,
        Scenario::ResetPersistence,
    ];
    let mut next = 0usize;
    for (k, s) in scenarios.iter().enumerate() {
        for v in 0..victims {
            while people
                .get(next)
                .is_some_and(|p| p.admin || p.kind != "employee")
            {
                next += 1;
            }
            let Some(p) = people.get_mut(next) else { break };
            next += 1;
            p.scenario = *s;
            p.trip = None;
            p.new_laptop_day = None;
            let day = (days as f64 * (0.45 + 0.1 * k as f64)) as i64 + v as i64 % 3;
            p.attack_day = day.clamp(4, days - 1);
            let id = |t: &str| format!("fac{}{}", t, hex_id(&mut Rng::new(next as u64), 8));
            p.factors = match s {
                // a passkey on the laptop and an OTP app kept as a backup: the proxy asks for the OTP
                Scenario::Aitm => vec![("webauthnPlatform", id("w")), ("totp", id("t"))],
                Scenario::MfaFatigue => vec![("push", id("p"))],
                Scenario::SimSwap => vec![("push", id("p")), ("sms", id("s"))],
                _ => vec![("push", id("p"))],
            };
        }
    }
    (people, days)
}

fn ip_of(c: &City, host: u16, salt: u64) -> String {
    format!(
        "{}.{}.{}.{}",
        c.net[0],
        c.net[1],
        (salt % 200) as u8 + 10,
        (host % 250) as u8 + 2
    )
}

fn home_place(p: &Person) -> Place {
    let c = CITIES.get(p.home).unwrap_or(&CITIES[0]);
    Place {
        city: p.home,
        asn: c.asn,
        ip: ip_of(c, p.host, 1),
    }
}

fn device_of(p: &Person, day: i64) -> (String, bool) {
    let n = match p.new_laptop_day {
        Some(d) if day >= d => p.laptop.wrapping_add(1),
        _ => p.laptop,
    };
    (format!("dev-{n:08x}"), p.new_laptop_day == Some(day))
}

/// One day of everyone's life, as world events.
fn day_events(people: &[Person], day_index: i64, o: &Options) -> Vec<(i64, W)> {
    let mut out = Vec::new();
    let day0 = (o.start_day + day_index) * 86_400_000;
    let weekday = (o.start_day + day_index + 3).rem_euclid(7); // 1970-01-01 was a Thursday: 0 = Monday
    for (pi, p) in people.iter().enumerate() {
        let mut rng_p = Rng::new(
            o.seed ^ (pi as u64).wrapping_mul(0x9e37) ^ (day_index as u64).wrapping_mul(0x51_7cc1),
        );
        let rng = &mut rng_p;
        if p.trip.is_some_and(|(s, _, _)| day_index == s + 1) {
            continue; // in the air
        }
        let abroad = p
            .trip
            .filter(|(s, e, _)| day_index > *s + 1 && day_index <= *e)
            .map(|(_, _, d)| d);
        let flying_out = p.trip.is_some_and(|(s, _, _)| s == day_index);
        let workday = weekday < 5;
        let active = workday
            || rng.chance(0.25)
            || p.attack_day == day_index && p.scenario != Scenario::None;
        if !active {
            continue;
        }
        let (city_i, place) = match abroad {
            Some(d) => {
                let c = CITIES.get(d).unwrap_or(&CITIES[0]);
                (
                    d,
                    Place {
                        city: d,
                        asn: c.asn + 1,
                        ip: ip_of(c, p.host, 7),
                    },
                )
            }
            None => (p.home, home_place(p)),
        };
        let tz = CITIES.get(city_i).map_or(0, |c| c.tz);
        let morning = day0 + (8 * 60 + rng.below(90) as i64) * 60_000 - tz * 3_600_000;
        let (device, new_device) = device_of(p, day_index);
        let session = hex_id(rng, 20);
        let apps: Vec<&'static str> = APPS
            .iter()
            .filter(|(_, who)| *who == 0 || p.admin)
            .map(|(n, _)| *n)
            .collect();
        let first_app = rng.pick(&apps).copied().unwrap_or("Mail");
        if rng.chance(0.03) {
            out.push((
                morning - 40_000,
                W::WrongPassword {
                    p: pi,
                    ts: morning - 40_000,
                    place: place.clone(),
                    device: device.clone(),
                },
            ));
        }
        let usual = p.factors.first().map_or("push", |f| f.0);
        let mut steps = vec![Step::Password(morning)];
        // the IdP remembers the browser on some days and asks for nothing more
        let remembered = !p.admin && rng.chance(0.2) && !new_device && abroad.is_none();
        let idp = if remembered {
            Idp::Allow
        } else {
            if usual == "push" && rng.chance(0.04) {
                steps.push(Step::PushDenied(morning + 20_000));
            }
            steps.push(Step::Factor(usual, true, morning + 30_000));
            Idp::Mfa
        };
        let ts = morning + 35_000;
        out.push((
            ts,
            W::SignIn {
                p: pi,
                ts,
                app: first_app,
                place: place.clone(),
                device: device.clone(),
                managed: p.managed,
                new_device,
                steps,
                session: session.clone(),
                idp,
            },
        ));
        let more = if workday { rng.below(4) } else { 0 };
        for k in 0..more {
            let t = morning + ((k as i64 + 1) * 95 + rng.below(60) as i64) * 60_000;
            let app = rng.pick(&apps).copied().unwrap_or("Wiki");
            out.push((
                t,
                W::SignIn {
                    p: pi,
                    ts: t,
                    app,
                    place: place.clone(),
                    device: device.clone(),
                    managed: p.managed,
                    new_device: false,
                    steps: vec![],
                    session: session.clone(),
                    idp: Idp::Allow,
                },
            ));
        }
        if flying_out {
            // evening flight; first sign-in at the destination the next day (above)
            let t = morning + 4 * 3_600_000;
            out.push((
                t,
                W::SignIn {
                    p: pi,
                    ts: t,
                    app: "Mail",
                    place: place.clone(),
                    device: device.clone(),
                    managed: p.managed,
                    new_device: false,
                    steps: vec![],
                    session: session.clone(),
                    idp: Idp::Allow,
                },
            ));
        }
        if new_device && rng.chance(0.5) {
            // the new laptop's platform authenticator, enrolled from a fresh sign-in on it
            if usual == "webauthnPlatform" {
                let t = morning + 60_000;
                out.push((
                    t,
                    W::Change {
                        p: pi,
                        ts: t,
                        action: "enroll",
                        factor: Some("webauthnPlatform"),
                        factor_id: format!("facnew{}", hex_id(rng, 8)),
                        admin: false,
                        place: place.clone(),
                        device: device.clone(),
                        session: session.clone(),
                    },
                ));
            }
        }
        if p.attack_day == day_index {
            attack(p, pi, morning, rng, &mut out);
        }
    }
    out.sort_by_key(|(t, _)| *t);
    out
}

fn attack(p: &Person, pi: usize, morning: i64, rng: &mut Rng, out: &mut Vec<(i64, W)>) {
    let origin = ATTACK_ORIGINS
        .get(rng.below(ATTACK_ORIGINS.len() as u64) as usize)
        .copied()
        .unwrap_or(13);
    let oc = CITIES.get(origin).unwrap_or(&CITIES[0]);
    let far = Place {
        city: origin,
        asn: oc.asn,
        ip: ip_of(oc, 66, 99),
    };
    let evil_device = format!("dev-evil{:06x}", rng.below(1 << 24));
    let session = hex_id(rng, 20);
    let f0 = p.factors.first().map(|f| f.1.clone()).unwrap_or_default();
    match p.scenario {
        Scenario::None => {}
        Scenario::Aitm => {
            let t = morning + 40 * 60_000;
            out.push((
                t,
                W::SignIn {
                    p: pi,
                    ts: t,
                    app: "Mail",
                    place: far.clone(),
                    device: evil_device.clone(),
                    managed: false,
                    new_device: true,
                    steps: vec![
                        Step::Password(t - 20_000),
                        Step::Factor("totp", true, t - 5_000),
                    ],
                    session: session.clone(),
                    idp: Idp::Mfa,
                },
            ));
            let t2 = t + 5 * 60_000;
            out.push((
                t2,
                W::Change {
                    p: pi,
                    ts: t2,
                    action: "enroll",
                    factor: Some("push"),
                    factor_id: format!("facevil{}", hex_id(rng, 6)),
                    admin: false,
                    place: far,
                    device: evil_device,
                    session,
                },
            ));
        }
        Scenario::MfaFatigue => {
            let t0 = morning - 3 * 3_600_000; // night at home
            let mut steps = vec![Step::Password(t0)];
            for k in 0..7 {
                steps.push(Step::PushDenied(t0 + (k + 1) * 80_000));
            }
            steps.push(Step::Factor("push", true, t0 + 10 * 60_000));
            let t = t0 + 10 * 60_000 + 5_000;
            out.push((
                t,
                W::SignIn {
                    p: pi,
                    ts: t,
                    app: "Mail",
                    place: far,
                    device: evil_device,
                    managed: false,
                    new_device: true,
                    steps,
                    session,
                    idp: Idp::Mfa,
                },
            ));
        }
        Scenario::SimSwap => {
            let home = CITIES.get(p.home).unwrap_or(&CITIES[0]);
            let mobile = Place {
                city: p.home,
                asn: 64_600 + p.home as u32,
                ip: ip_of(home, 77, 150),
            };
            let t = morning + 3 * 3_600_000;
            out.push((
                t,
                W::SignIn {
                    p: pi,
                    ts: t,
                    app: "Payroll",
                    place: mobile.clone(),
                    device: evil_device.clone(),
                    managed: false,
                    new_device: true,
                    steps: vec![
                        Step::Password(t - 30_000),
                        Step::Factor("sms", true, t - 5_000),
                    ],
                    session: session.clone(),
                    idp: Idp::Mfa,
                },
            ));
            let t2 = t + 3 * 60_000;
            out.push((
                t2,
                W::Change {
                    p: pi,
                    ts: t2,
                    action: "enroll",
                    factor: Some("totp"),
                    factor_id: format!("facevil{}", hex_id(rng, 6)),
                    admin: false,
                    place: mobile,
                    device: evil_device,
                    session,
                },
            ));
        }
        Scenario::ResetPersistence => {
            let home = home_place(p);
            let t0 = morning + 5 * 3_600_000;
            out.push((
                t0,
                W::Change {
                    p: pi,
                    ts: t0,
                    action: "resetAll",
                    factor: None,
                    factor_id: f0,
                    admin: true,
                    place: home,
                    device: "dev-helpdesk".into(),
                    session: hex_id(rng, 20),
                },
            ));
            let t1 = t0 + 10 * 60_000;
            out.push((
                t1,
                W::PasswordReset {
                    p: pi,
                    ts: t1,
                    place: far.clone(),
                },
            ));
            let t2 = t1 + 5 * 60_000;
            out.push((
                t2,
                W::SignIn {
                    p: pi,
                    ts: t2,
                    app: "Mail",
                    place: far.clone(),
                    device: evil_device.clone(),
                    managed: false,
                    new_device: true,
                    steps: vec![Step::Password(t2 - 10_000)],
                    session: session.clone(),
                    idp: Idp::Allow,
                },
            ));
            let t3 = t2 + 2 * 60_000;
            out.push((
                t3,
                W::Change {
                    p: pi,
                    ts: t3,
                    action: "enroll",
                    factor: Some("push"),
                    factor_id: format!("facevil{}", hex_id(rng, 6)),
                    admin: false,
                    place: far,
                    device: evil_device,
                    session,
                },
            ));
        }
    }
}

/// Writes `o.events` lines of synthetic logs to `w`, and the population (JSON lines
/// `{id, kind, roles, scenario?}`) to `users` if given.
pub fn generate(
    o: &Options,
    w: &mut dyn Write,
    users: Option<&mut dyn Write>,
) -> std::io::Result<u64> {
    let mut rng = Rng::new(o.seed);
    let (people, days) = population(o, &mut rng);
    if let Some(u) = users {
        for p in &people {
            let mut v = json!({"id": p.id, "kind": p.kind, "roles": if p.admin { vec!["admin"] } else { vec![] }, "email": p.email});
            if let (Some(s), Some(obj)) = (p.scenario.name(), v.as_object_mut()) {
                obj.insert("scenario".into(), json!(s));
            }
            writeln!(u, "{v}")?;
        }
    }
    let mut written = 0u64;
    let mut seq = 0u64;
    if o.array {
        w.write_all(b"[\n")?;
    }
    let mut day = 0;
    'days: while written < o.events {
        let events = day_events(&people, day, o);
        day += 1;
        let mut lines: Vec<(i64, u64, String)> = Vec::new();
        for (_, ev) in &events {
            for (t, line) in render(o.source, &people, ev, &mut seq) {
                lines.push((t, seq, line));
                seq += 1;
            }
        }
        lines.sort_by_key(|(t, s, _)| (*t, *s));
        for (_, _, line) in lines {
            if o.array && written > 0 {
                w.write_all(b",\n")?;
            }
            w.write_all(line.as_bytes())?;
            if !o.array {
                w.write_all(b"\n")?;
            }
            written += 1;
            if written >= o.events {
                break 'days;
            }
        }
        if day > days * 4 + 400 {
            break; // a population too quiet to reach the count: stop anyway
        }
    }
    if o.array {
        w.write_all(b"\n]\n")?;
    }
    Ok(written)
}

// ---- rendering -------------------------------------------------------------------------------

fn ua(device: &str) -> String {
    let h = super::readers::auth0::fnv(device.as_bytes());
    let (os, browser) = match h % 4 {
        0 => ("Windows NT 10.0; Win64; x64", "Chrome"),
        1 => ("Macintosh; Intel Mac OS X 14_5", "Chrome"),
        2 => ("Windows NT 10.0; Win64; x64", "Edg"),
        _ => ("X11; Linux x86_64", "Firefox"),
    };
    format!(
        "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) {browser}/{}.0.{}.{}",
        120 + h % 20,
        (h >> 8) % 7000,
        (h >> 24) % 200
    )
}

fn render(source: Source, people: &[Person], ev: &W, seq: &mut u64) -> Vec<(i64, String)> {
    match source {
        Source::Auth0 => auth0(people, ev, seq),
        Source::Okta => okta(people, ev, seq),
        Source::Entra => entra(people, ev, seq),
    }
}

fn log_id(seq: &mut u64, ts: i64) -> String {
    *seq += 1;
    format!("900{ts:016}{:024}", *seq)
}

fn auth0_type(f: &str) -> &'static str {
    match f {
        "push" => "guardian",
        "totp" => "otp",
        "sms" => "sms",
        "webauthnRoaming" => "webauthn-roaming",
        "webauthnPlatform" => "webauthn-platform",
        _ => "otp",
    }
}

fn auth0(people: &[Person], ev: &W, seq: &mut u64) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let base = |p: &Person, ts: i64, ty: &str, place: &Place, device: &str, seq: &mut u64| {
        let c = CITIES.get(place.city).unwrap_or(&CITIES[0]);
        json!({
            "log_id": log_id(seq, ts),
            "date": rfc3339(ts, 3),
            "type": ty,
            "description": "",
            "client_id": "AaiyAPdpYdesoKnqjj8HJqRn4T5titww",
            "client_name": "",
            "ip": place.ip,
            "user_agent": ua(device),
            "user_id": p.id,
            "user_name": p.email,
            "connection": "Username-Password-Authentication",
            "strategy": "auth0",
            "strategy_type": "database",
            "hostname": "example.eu.auth0.com",
            "tenant_name": "example",
            "environment_name": "prod-eu",
            "details": {},
            "location_info": {"latitude": c.lat, "longitude": c.lon, "country_code": c.country, "city_name": c.name},
        })
    };
    match ev {
        W::SignIn {
            p,
            ts,
            app,
            place,
            device,
            new_device,
            steps,
            session,
            idp,
            ..
        } => {
            let Some(person) = people.get(*p) else {
                return out;
            };
            let mut prompts = Vec::new();
            let mut mfa = false;
            for s in steps {
                match s {
                    Step::Password(t) => prompts.push(json!({"name": "lock-password-authenticate", "strategy": "auth0", "connection": "Username-Password-Authentication", "completedAt": t, "elapsedTime": 400})),
                    Step::Factor(f, ok, t) => {
                        mfa = true;
                        let mut e = base(person, *t, if *ok { "gd_auth_succeed" } else { "gd_auth_failed" }, place, device, seq);
                        e["details"] = json!({"session_id": session, "authenticator": {"type": auth0_type(f), "id": format!("{}|dev_x", auth0_type(f))}});
                        e["description"] = json!("Multifactor authentication success");
                        out.push((*t, e.to_string()));
                    }
                    Step::PushDenied(t) => {
                        let mut e = base(person, *t, "gd_auth_rejected", place, device, seq);
                        e["details"] = json!({"session_id": session, "authenticator": {"type": "guardian"}});
                        e["description"] = json!("Push notification rejected");
                        out.push((*t, e.to_string()));
                    }
                }
            }
            if mfa {
                prompts.push(json!({"name": "mfa", "flow": "login"}));
            }
            if !prompts.is_empty() {
                prompts.push(json!({"name": "login", "flow": "login"}));
            }
            let ty = if *idp == Idp::MfaFailed { "f" } else { "s" };
            let mut e = base(person, *ts, ty, place, device, seq);
            e["client_name"] = json!(app);
            e["details"] = json!({
                "session_id": session,
                "prompts": prompts,
                "stats": {"loginsCount": 10},
                "riskAssessment": {"confidence": if *new_device { "low" } else { "high" }, "version": "1", "assessments": {
                    "UntrustedIP": {"confidence": "high", "code": "not_found_on_deny_list"},
                    "NewDevice": {"confidence": if *new_device { "low" } else { "high" }, "code": if *new_device { "no_match" } else { "match" }},
                }},
            });
            if *idp == Idp::MfaFailed {
                e["details"]["error"] = json!({"message": "Multifactor authentication failed"});
            }
            e["description"] = json!(if ty == "s" {
                "Successful login"
            } else {
                "Failed login"
            });
            out.push((*ts, e.to_string()));
        }
        W::WrongPassword {
            p,
            ts,
            place,
            device,
        } => {
            if let Some(person) = people.get(*p) {
                let mut e = base(person, *ts, "fp", place, device, seq);
                e["description"] = json!("Wrong email or password.");
                out.push((*ts, e.to_string()));
            }
        }
        W::Change {
            p,
            ts,
            action,
            factor,
            factor_id,
            place,
            device,
            session,
            ..
        } => {
            let Some(person) = people.get(*p) else {
                return out;
            };
            let factors: Vec<(&str, String)> = match (*action, factor) {
                ("resetAll", _) => person
                    .factors
                    .iter()
                    .map(|(t, id)| (*t, id.clone()))
                    .collect(),
                (_, Some(f)) => vec![(*f, factor_id.clone())],
                _ => vec![],
            };
            for (f, id) in factors {
                let ty = match *action {
                    "enroll" => "gd_enrollment_complete",
                    "phoneChange" => "scpn",
                    _ => "gd_unenroll",
                };
                let mut e = base(person, *ts, ty, place, device, seq);
                e["details"] = json!({"session_id": session, "authenticator": {"type": auth0_type(f), "id": id}});
                out.push((*ts, e.to_string()));
            }
        }
        W::PasswordReset { p, ts, place } => {
            if let Some(person) = people.get(*p) {
                let mut e = base(person, *ts, "scp", place, "browser", seq);
                e["description"] = json!("Password changed");
                out.push((*ts, e.to_string()));
            }
        }
    }
    out
}

fn okta_country(code: &str) -> &'static str {
    super::readers::COUNTRIES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("United States", |(_, n)| n)
}

fn okta_authenticator(f: &str, id: &str) -> Value {
    let (name, method, props, transports) = match f {
        "push" => (
            "Okta Verify",
            "Get a push notification",
            "[DEVICE_BOUND]",
            "",
        ),
        "totp" => ("Google Authenticator", "Enter a code", "[]", ""),
        "sms" => ("Phone", "SMS", "[]", ""),
        "webauthnRoaming" => (
            "Security Key or Biometric",
            "Security Key or Biometric",
            "[DEVICE_BOUND, PHISHING_RESISTANT, HARDWARE_PROTECTED]",
            "[usb, nfc]",
        ),
        "webauthnPlatform" => (
            "Security Key or Biometric",
            "Security Key or Biometric",
            "[DEVICE_BOUND, PHISHING_RESISTANT, HARDWARE_PROTECTED]",
            "[internal]",
        ),
        _ => ("Password", "Password", "[]", ""),
    };
    let mut detail = json!({"methodTypeUsed": method, "methodUsedVerifiedProperties": props});
    if f.starts_with("webauthn") {
        detail["backupEligible"] = json!(false);
        detail["authenticatorTransports"] = json!(transports);
    }
    json!({"id": id, "type": "AuthenticatorEnrollment", "alternateId": "unknown", "displayName": name, "detailEntry": detail})
}

fn okta(people: &[Person], ev: &W, seq: &mut u64) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let base = |p: &Person,
                ts: i64,
                ty: &str,
                result: &str,
                place: &Place,
                device: &str,
                managed: bool,
                session: &str,
                seq: &mut u64| {
        *seq += 1;
        let c = CITIES.get(place.city).unwrap_or(&CITIES[0]);
        json!({
            "uuid": format!("{:08x}-{:04x}-11f0-{:04x}-{:012x}", ts / 1000 % 0xffff_ffff, *seq % 0xffff, (*seq >> 16) % 0xffff, *seq),
            "published": rfc3339(ts, 3),
            "eventType": ty,
            "version": "0",
            "severity": "INFO",
            "displayMessage": ty,
            "actor": {"id": p.id, "type": "User", "alternateId": p.email, "displayName": p.email},
            "client": {
                "userAgent": {"rawUserAgent": ua(device), "os": "Windows 10", "browser": "CHROME"},
                "zone": "null", "device": "Computer", "ipAddress": place.ip,
                "geographicalContext": {"city": c.name, "country": okta_country(c.country), "geolocation": {"lat": c.lat, "lon": c.lon}},
            },
            "device": {"id": device, "managed": managed},
            "authenticationContext": {"authenticationStep": 0, "externalSessionId": format!("idx{session}")},
            "outcome": {"result": result, "reason": null},
            "securityContext": {"asNumber": place.asn, "asOrg": "isp", "isp": "isp", "domain": "example.net", "isProxy": false},
            "debugContext": {"debugData": {"requestId": format!("req{}", *seq)}},
            "transaction": {"type": "WEB", "id": format!("tx{session}")},
            "target": [],
        })
    };
    match ev {
        W::SignIn {
            p,
            ts,
            app,
            place,
            device,
            managed,
            new_device,
            steps,
            session,
            idp,
        } => {
            let Some(person) = people.get(*p) else {
                return out;
            };
            let user_target = json!({"id": person.id, "type": "User", "alternateId": person.email, "displayName": person.email});
            if !steps.is_empty() {
                let first = steps.first().map_or(*ts, |s| match s {
                    Step::Password(t) | Step::Factor(_, _, t) | Step::PushDenied(t) => *t,
                });
                let verdict = match idp {
                    Idp::Allow => "ALLOW",
                    _ => "CHALLENGE",
                };
                let mut e = base(
                    person,
                    first - 1_000,
                    "policy.evaluate_sign_on",
                    verdict,
                    place,
                    device,
                    *managed,
                    session,
                    seq,
                );
                e["target"] =
                    json!([{"id": "rul1", "type": "PolicyRule", "displayName": "Default rule"}]);
                e["debugContext"]["debugData"]["behaviors"] = json!(format!(
                    "{{New Geo-Location=NEGATIVE, New Device={}, New IP=NEGATIVE, New State=NEGATIVE, New Country=NEGATIVE, Velocity=NEGATIVE, New City=NEGATIVE}}",
                    if *new_device { "POSITIVE" } else { "NEGATIVE" }
                ));
                out.push((first - 1_000, e.to_string()));
                for s in steps {
                    match s {
                        Step::Password(t) => {
                            let mut e = base(
                                person,
                                *t,
                                "user.authentication.auth_via_mfa",
                                "SUCCESS",
                                place,
                                device,
                                *managed,
                                session,
                                seq,
                            );
                            e["target"] =
                                json!([user_target, okta_authenticator("password", "lae-pwd")]);
                            e["debugContext"]["debugData"]["factor"] = json!("PASSWORD_AS_FACTOR");
                            out.push((*t, e.to_string()));
                        }
                        Step::Factor(f, ok, t) => {
                            let id = person
                                .factors
                                .iter()
                                .find(|x| x.0 == *f)
                                .map_or("pfd-other", |x| x.1.as_str());
                            let mut e = base(
                                person,
                                *t,
                                "user.authentication.auth_via_mfa",
                                if *ok { "SUCCESS" } else { "FAILURE" },
                                place,
                                device,
                                *managed,
                                session,
                                seq,
                            );
                            e["target"] = json!([user_target, okta_authenticator(f, id)]);
                            out.push((*t, e.to_string()));
                        }
                        Step::PushDenied(t) => {
                            let mut e = base(
                                person,
                                *t,
                                "user.mfa.okta_verify.deny_push",
                                "FAILURE",
                                place,
                                device,
                                *managed,
                                session,
                                seq,
                            );
                            e["target"] = json!([user_target]);
                            e["outcome"]["reason"] = json!("User rejected Okta push verify");
                            out.push((*t, e.to_string()));
                        }
                    }
                }
                if *idp != Idp::MfaFailed {
                    let mut e = base(
                        person,
                        *ts - 500,
                        "user.session.start",
                        "SUCCESS",
                        place,
                        device,
                        *managed,
                        session,
                        seq,
                    );
                    e["target"] = json!([user_target]);
                    out.push((*ts - 500, e.to_string()));
                }
            }
            if *idp != Idp::MfaFailed {
                let mut e = base(
                    person,
                    *ts,
                    "user.authentication.sso",
                    "SUCCESS",
                    place,
                    device,
                    *managed,
                    session,
                    seq,
                );
                e["target"] = json!([{"id": format!("0oa{}", app.len()), "type": "AppInstance", "alternateId": app, "displayName": app}]);
                out.push((*ts, e.to_string()));
            }
        }
        W::WrongPassword {
            p,
            ts,
            place,
            device,
        } => {
            if let Some(person) = people.get(*p) {
                let mut e = base(
                    person,
                    *ts,
                    "user.session.start",
                    "FAILURE",
                    place,
                    device,
                    true,
                    "unknown",
                    seq,
                );
                e["outcome"]["reason"] = json!("INVALID_CREDENTIALS");
                out.push((*ts, e.to_string()));
            }
        }
        W::Change {
            p,
            ts,
            action,
            factor,
            factor_id,
            admin,
            place,
            device,
            session,
        } => {
            let Some(person) = people.get(*p) else {
                return out;
            };
            let ty = match *action {
                "enroll" => "user.mfa.factor.activate",
                "remove" => "user.mfa.factor.deactivate",
                "resetAll" => "user.mfa.factor.reset_all",
                _ => "user.mfa.factor.update",
            };
            let mut e = base(
                person, *ts, ty, "SUCCESS", place, device, false, session, seq,
            );
            let user_target = json!({"id": person.id, "type": "User", "alternateId": person.email, "displayName": person.email});
            e["target"] = match factor {
                Some(f) => json!([user_target, okta_authenticator(f, factor_id)]),
                None => json!([user_target]),
            };
            if *admin {
                e["actor"] = json!({"id": "00uhelpdesk0000000001", "type": "User", "alternateId": "helpdesk@example.com", "displayName": "Help Desk"});
            }
            out.push((*ts, e.to_string()));
        }
        W::PasswordReset { p, ts, place } => {
            if let Some(person) = people.get(*p) {
                let mut e = base(
                    person,
                    *ts,
                    "user.account.reset_password",
                    "SUCCESS",
                    place,
                    "browser",
                    false,
                    "unknown",
                    seq,
                );
                e["target"] =
                    json!([{"id": person.id, "type": "User", "alternateId": person.email}]);
                out.push((*ts, e.to_string()));
            }
        }
    }
    out
}

fn entra_method(f: &str) -> (&'static str, &'static str, &'static str) {
    match f {
        "push" => (
            "Mobile app notification",
            "",
            "User registered Authenticator App with Notification and Code",
        ),
        "totp" => (
            "OATH verification code",
            "",
            "User registered Software OATH token",
        ),
        "sms" => (
            "Text message",
            "+X XXXXXXXX50",
            "User registered Mobile Phone SMS",
        ),
        "webauthnRoaming" => (
            "FIDO2 security key",
            "YubiKey 5",
            "User registered FIDO2 security key",
        ),
        "webauthnPlatform" => (
            "Windows Hello for Business",
            "",
            "User registered Windows Hello for Business",
        ),
        _ => ("Password", "", ""),
    }
}

fn entra(people: &[Person], ev: &W, seq: &mut u64) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let id = |seq: &mut u64| {
        *seq += 1;
        guid(&mut Rng::new(*seq))
    };
    match ev {
        W::SignIn {
            p,
            ts,
            app,
            place,
            device,
            managed,
            steps,
            session,
            idp,
            ..
        } => {
            let Some(person) = people.get(*p) else {
                return out;
            };
            let c = CITIES.get(place.city).unwrap_or(&CITIES[0]);
            let mut details = Vec::new();
            for s in steps {
                match s {
                    Step::Password(t) => details.push(json!({"authenticationStepDateTime": rfc3339(*t, 0), "authenticationMethod": "Password", "authenticationMethodDetail": "Password in the cloud", "succeeded": true, "authenticationStepResultDetail": "Correct password", "authenticationStepRequirement": "Primary authentication"})),
                    Step::Factor(f, ok, t) => {
                        let (m, d, _) = entra_method(f);
                        details.push(json!({"authenticationStepDateTime": rfc3339(*t, 0), "authenticationMethod": m, "authenticationMethodDetail": d, "succeeded": ok, "authenticationStepResultDetail": if *ok { "MFA successfully completed" } else { "MFA failed" }, "authenticationStepRequirement": "Multifactor authentication"}));
                    }
                    Step::PushDenied(t) => details.push(json!({"authenticationStepDateTime": rfc3339(*t, 0), "authenticationMethod": "Mobile app notification", "succeeded": false, "authenticationStepResultDetail": "MFA denied; user declined the authentication", "authenticationStepRequirement": "Multifactor authentication"})),
                }
            }
            if steps.is_empty() {
                details.push(json!({"authenticationStepDateTime": rfc3339(*ts, 0), "authenticationMethod": "Previously satisfied", "succeeded": true, "authenticationStepResultDetail": "First factor requirement satisfied by claim in the token", "authenticationStepRequirement": "Primary authentication"}));
            }
            let mfa = steps.iter().any(|s| matches!(s, Step::Factor(..)));
            let code = if *idp == Idp::MfaFailed { 500_121 } else { 0 };
            let e = json!({
                "id": id(seq),
                "createdDateTime": rfc3339(*ts, 7),
                "userDisplayName": person.email,
                "userPrincipalName": person.email,
                "userId": person.id,
                "appId": format!("00000000-0000-0000-0000-0000000000{:02}", app.len()),
                "appDisplayName": app,
                "ipAddress": place.ip,
                "clientAppUsed": "Browser",
                "userAgent": ua(device),
                "correlationId": format!("c0{}", session),
                "conditionalAccessStatus": if mfa { "success" } else { "notApplied" },
                "isInteractive": true,
                "riskDetail": "none", "riskLevelAggregated": "none", "riskLevelDuringSignIn": "none", "riskState": "none", "riskEventTypes_v2": [],
                "status": {"errorCode": code, "failureReason": if code == 0 { "Other." } else { "Authentication failed during strong authentication request." }},
                "deviceDetail": {"deviceId": if *managed { device.as_str() } else { "" }, "displayName": "", "operatingSystem": "Windows10", "browser": "Edge 126.0.0", "isCompliant": managed, "isManaged": managed, "trustType": if *managed { "Azure AD joined" } else { "" }},
                "location": {"city": c.name, "state": "", "countryOrRegion": c.country, "geoCoordinates": {"latitude": c.lat, "longitude": c.lon}},
                "authenticationDetails": details,
                "authenticationRequirement": if mfa { "multiFactorAuthentication" } else { "singleFactorAuthentication" },
                "autonomousSystemNumber": place.asn,
                "userType": "Member",
            });
            out.push((*ts, e.to_string()));
        }
        W::WrongPassword {
            p,
            ts,
            place,
            device,
        } => {
            if let Some(person) = people.get(*p) {
                let e = json!({"id": id(seq), "createdDateTime": rfc3339(*ts, 7), "userId": person.id, "userPrincipalName": person.email, "appDisplayName": "Office 365", "ipAddress": place.ip, "userAgent": ua(device), "isInteractive": true, "status": {"errorCode": 50126, "failureReason": "Error validating credentials due to invalid username or password."}, "conditionalAccessStatus": "notApplied"});
                out.push((*ts, e.to_string()));
            }
        }
        W::Change {
            p,
            ts,
            action,
            factor,
            admin,
            place,
            ..
        } => {
            let Some(person) = people.get(*p) else {
                return out;
            };
            let changes: Vec<&str> = match (*action, factor) {
                ("resetAll", _) => person.factors.iter().map(|f| f.0).collect(),
                (_, Some(f)) => vec![*f],
                _ => vec![],
            };
            for f in changes {
                let (_, _, reason) = entra_method(f);
                let (who, verb) = (
                    if *admin { "Admin" } else { "User" },
                    if *action == "enroll" {
                        "registered"
                    } else {
                        "deleted"
                    },
                );
                let initiator = if *admin {
                    json!({"user": {"id": "11111111-2222-3333-4444-555555555555", "userPrincipalName": "helpdesk@example.com", "ipAddress": place.ip}})
                } else {
                    json!({"user": {"id": person.id, "userPrincipalName": person.email, "ipAddress": place.ip}})
                };
                let e = json!({
                    "id": format!("Authentication Methods_{}", id(seq)),
                    "category": "UserManagement",
                    "correlationId": id(seq),
                    "result": "success",
                    "resultReason": reason.replace("User registered", &format!("{who} {verb}")),
                    "activityDisplayName": format!("{who} {verb} security info"),
                    "activityDateTime": rfc3339(*ts, 7),
                    "loggedByService": "Authentication Methods",
                    "operationType": if verb == "registered" { "Add" } else { "Delete" },
                    "initiatedBy": initiator,
                    "targetResources": [{"id": person.id, "displayName": person.email, "type": "User", "userPrincipalName": person.email, "modifiedProperties": []}],
                    "additionalDetails": [],
                });
                out.push((*ts, e.to_string()));
            }
        }
        W::PasswordReset { p, ts, place } => {
            if let Some(person) = people.get(*p) {
                let e = json!({
                    "id": format!("SSGM_{}", id(seq)),
                    "category": "UserManagement",
                    "correlationId": id(seq),
                    "result": "success",
                    "resultReason": "Successfully completed reset.",
                    "activityDisplayName": "Reset password (self-service)",
                    "activityDateTime": rfc3339(*ts, 7),
                    "loggedByService": "Self-service Password Management",
                    "operationType": "Update",
                    "initiatedBy": {"user": {"id": person.id, "userPrincipalName": person.email, "ipAddress": place.ip}},
                    "targetResources": [{"id": person.id, "displayName": person.email, "type": "User", "userPrincipalName": person.email}],
                    "additionalDetails": [],
                });
                out.push((*ts, e.to_string()));
            }
        }
    }
    out
}

/// Epoch day of `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Option<i64> {
    Some(parse_rfc3339(&format!("{s}T00:00:00Z"))?.div_euclid(86_400_000))
}
