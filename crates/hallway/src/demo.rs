//! The demo: the conference directory shipped with hallway, and a generated DockerCon-sized
//! conference placed in time so that, whenever `hallway demo` starts, the keynote is over,
//! talks, a workshop and a hands-on lab are running, and most of the program is ahead.
//!
//! Placement: the conference's time zone is picked so that the local time at the venue is
//! close to 11:00 right now (the world always has a city where it is late morning), and day
//! one is the venue's today. Everything else is drawn from a seeded generator, so the same
//! seed gives the same program, speakers and attendees.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone as _, Timelike, Utc};
use hallway_domain::program::{ConferenceInfo, RoomDraft, SessionInfo, SpeakerInfo, TrackDraft};
use hallway_domain::{
    Capacity, Colour, ConferenceDays, Program, ProgramError, SessionDraft, SessionKind, Slug,
    TimeSpan, TimeZone,
};
use hallway_store::NewAttendee;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The directory file shipped in the binary.
pub const DIRECTORY: &[u8] = include_bytes!("../../../data/container-events.json");

/// The slug of the generated conference.
pub const SLUG: &str = "demo";

/// How big a demo to build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSize {
    /// Attendees to create (accounts with the attendee role).
    pub attendees: u32,
    /// Conference days, 1 to 5.
    pub days: u32,
}

impl Default for DemoSize {
    fn default() -> Self {
        Self {
            attendees: 400,
            days: 3,
        }
    }
}

/// Series descriptions in our own words, shown with the directory's facts.
pub const SERIES_NOTES: &[(&str, &str)] = &[
    (
        "DockerCon",
        "Docker's own conference: the container workflow from laptop to production, with hands-on labs and a busy expo hall.",
    ),
    (
        "KubeCon + CloudNativeCon",
        "The CNCF's flagship gathering for Kubernetes and the projects around it, from maintainers' deep dives to end-user stories.",
    ),
    (
        "ContainerSched",
        "A London community conference on running containers and the schedulers that place them.",
    ),
    (
        "Open Source Summit",
        "The Linux Foundation's broad open source event, with tracks on Linux, containers and cloud infrastructure.",
    ),
    (
        "Container Days",
        "A community-run conference in Hamburg on containers, Kubernetes and the people who operate them.",
    ),
    (
        "Container Camp",
        "Practitioner talks and workshops on containers and orchestration.",
    ),
    (
        "MesosCon",
        "The Apache Mesos community's conference on cluster management and scheduling at scale.",
    ),
    (
        "ContainerConf",
        "A German-language conference for developers and operators adopting Docker and Kubernetes.",
    ),
    (
        "MicroXchg",
        "A Berlin conference about building and running microservice architectures.",
    ),
    (
        "Linux Plumbers Conference",
        "Where kernel and user-space developers work through the plumbing problems, namespaces and cgroups included.",
    ),
    (
        "Open Container Days",
        "Unconference-style days about open container tooling, held in several US cities.",
    ),
    (
        "Sysdig Camp-Con-World-Fest-Summit",
        "A small event on monitoring, troubleshooting and securing containers.",
    ),
    (
        "CoreOS Fest",
        "CoreOS's community event on container Linux, rkt, etcd and Kubernetes.",
    ),
];

/// Zones with a city for the venue, tried in order; the one whose local time is nearest to
/// 11:00 wins. Together they cover every whole-hour offset in every season.
const VENUES: &[(&str, &str, &str)] = &[
    ("Europe/Amsterdam", "Amsterdam", "RAI Amsterdam"),
    ("America/Los_Angeles", "San Francisco", "Moscone West"),
    ("America/New_York", "New York", "Javits Center"),
    ("Europe/London", "London", "ExCeL London"),
    ("Asia/Tokyo", "Tokyo", "Tokyo Big Sight"),
    ("Asia/Singapore", "Singapore", "Marina Bay Sands Expo"),
    ("Australia/Sydney", "Sydney", "ICC Sydney"),
    ("America/Sao_Paulo", "São Paulo", "Expo Center Norte"),
    ("Asia/Kolkata", "Bengaluru", "BIEC"),
    ("Asia/Dubai", "Dubai", "Dubai World Trade Centre"),
    ("Europe/Istanbul", "Istanbul", "Istanbul Congress Center"),
    ("America/Chicago", "Chicago", "McCormick Place"),
    ("America/Denver", "Denver", "Colorado Convention Center"),
    ("America/Phoenix", "Phoenix", "Phoenix Convention Center"),
    ("Pacific/Honolulu", "Honolulu", "Hawai'i Convention Center"),
    ("America/Anchorage", "Anchorage", "Dena'ina Center"),
    ("Pacific/Auckland", "Auckland", "Aotea Centre"),
    ("Asia/Bangkok", "Bangkok", "Queen Sirikit Convention Center"),
    ("Asia/Seoul", "Seoul", "COEX"),
    ("Africa/Lagos", "Lagos", "Eko Convention Centre"),
    (
        "Africa/Johannesburg",
        "Johannesburg",
        "Sandton Convention Centre",
    ),
    ("Asia/Karachi", "Karachi", "Expo Centre Karachi"),
    ("Asia/Dhaka", "Dhaka", "ICCB"),
    ("America/Halifax", "Halifax", "Halifax Convention Centre"),
    ("America/Bogota", "Bogotá", "Ágora Bogotá"),
    (
        "Atlantic/South_Georgia",
        "Grytviken",
        "Whaling Station Hall",
    ),
    ("Atlantic/Cape_Verde", "Praia", "Praia Convention Hall"),
    ("Pacific/Noumea", "Nouméa", "Tjibaou Centre"),
    ("Pacific/Tongatapu", "Nuku'alofa", "Fa'onelua Centre"),
    ("Pacific/Kiritimati", "Kiritimati", "London Village Hall"),
    ("Pacific/Pago_Pago", "Pago Pago", "Convention Hall"),
    ("Pacific/Gambier", "Rikitea", "Community Hall"),
    ("Pacific/Pitcairn", "Adamstown", "Public Hall"),
    (
        "America/Guatemala",
        "Guatemala City",
        "Centro de Convenciones",
    ),
    ("America/La_Paz", "La Paz", "Centro de Convenciones"),
    (
        "Africa/Accra",
        "Accra",
        "Accra International Conference Centre",
    ),
    (
        "Australia/Brisbane",
        "Brisbane",
        "Brisbane Convention Centre",
    ),
    ("Pacific/Fiji", "Suva", "Grand Pacific Hall"),
];

/// The venue whose local time at `now` is nearest to 11:00.
fn venue_for(now: DateTime<Utc>) -> (TimeZone, &'static str, &'static str) {
    let target = 11 * 60;
    let distance = |tz: chrono_tz::Tz| {
        let local = now.with_timezone(&tz);
        let minutes = i64::from(local.hour() * 60 + local.minute());
        (minutes - target).abs()
    };
    VENUES
        .iter()
        .filter_map(|(name, city, venue)| TimeZone::parse(name).ok().map(|tz| (tz, *city, *venue)))
        .min_by_key(|(tz, _, _)| distance(tz.tz()))
        .expect("the venue list holds zones of the tz database")
}

struct RoomPlan {
    name: &'static str,
    capacity: Option<i64>,
}

const ROOMS: &[RoomPlan] = &[
    RoomPlan {
        name: "Main Hall",
        capacity: Some(5000),
    },
    RoomPlan {
        name: "Hall A",
        capacity: Some(1200),
    },
    RoomPlan {
        name: "Hall B",
        capacity: Some(800),
    },
    RoomPlan {
        name: "Room 101",
        capacity: Some(400),
    },
    RoomPlan {
        name: "Room 102",
        capacity: Some(300),
    },
    RoomPlan {
        name: "Room 201",
        capacity: Some(200),
    },
    RoomPlan {
        name: "Room 202",
        capacity: Some(150),
    },
    RoomPlan {
        name: "Room 203",
        capacity: Some(120),
    },
    RoomPlan {
        name: "Community Theater",
        capacity: Some(80),
    },
    RoomPlan {
        name: "Open Source Stage",
        capacity: Some(100),
    },
    RoomPlan {
        name: "Workshop Room",
        capacity: Some(60),
    },
    RoomPlan {
        name: "Hands-on Lab A",
        capacity: Some(40),
    },
    RoomPlan {
        name: "Hands-on Lab B",
        capacity: Some(40),
    },
    RoomPlan {
        name: "Expo Hall",
        capacity: None,
    },
];
const MAIN: usize = 0;
const TALK_ROOMS: std::ops::Range<usize> = 0..8;
const STAGES: [usize; 2] = [8, 9];
const WORKSHOP: usize = 10;
const LABS: [usize; 2] = [11, 12];
const EXPO: usize = 13;

struct TrackPlan {
    name: &'static str,
    colour: &'static str,
    topics: &'static [&'static str],
}

const TRACKS: &[TrackPlan] = &[
    TrackPlan {
        name: "Containers & Runtimes",
        colour: "#1d63ed",
        topics: &[
            "multi-stage builds",
            "rootless containers",
            "BuildKit caching",
            "slim images",
            "containerd",
            "WebAssembly workloads",
            "cgroups v2",
            "OCI artifacts",
            "Compose files",
            "image layers",
        ],
    },
    TrackPlan {
        name: "Orchestration",
        colour: "#7c3aed",
        topics: &[
            "Kubernetes operators",
            "cluster autoscaling",
            "Swarm services",
            "pod scheduling",
            "stateful workloads",
            "multi-cluster fleets",
            "rolling updates",
            "custom controllers",
            "batch jobs",
            "node upgrades",
        ],
    },
    TrackPlan {
        name: "Security & Supply Chain",
        colour: "#c81e1e",
        topics: &[
            "image signing",
            "SBOMs",
            "runtime detection",
            "secrets management",
            "seccomp profiles",
            "vulnerability scanning",
            "admission policies",
            "provenance attestations",
            "least-privilege pods",
            "base image hygiene",
        ],
    },
    TrackPlan {
        name: "Developer Experience",
        colour: "#047857",
        topics: &[
            "inner-loop development",
            "dev containers",
            "local Kubernetes",
            "hot reload",
            "test containers",
            "CI pipelines",
            "preview environments",
            "debugging containers",
            "reproducible builds",
            "onboarding new developers",
        ],
    },
    TrackPlan {
        name: "Observability",
        colour: "#b45309",
        topics: &[
            "distributed tracing",
            "Prometheus at scale",
            "structured logging",
            "eBPF probes",
            "SLOs",
            "continuous profiling",
            "alert fatigue",
            "OpenTelemetry",
            "cardinality budgets",
            "incident timelines",
        ],
    },
    TrackPlan {
        name: "Networking & Storage",
        colour: "#0e7490",
        topics: &[
            "service meshes",
            "container networking",
            "persistent volumes",
            "ingress controllers",
            "DNS in clusters",
            "network policies",
            "CSI drivers",
            "gateway APIs",
            "backup and restore",
            "overlay networks",
        ],
    },
    TrackPlan {
        name: "Platform Engineering",
        colour: "#be185d",
        topics: &[
            "internal platforms",
            "golden paths",
            "GitOps",
            "self-service clusters",
            "cost allocation",
            "platform APIs",
            "tenant isolation",
            "infrastructure as code",
            "developer portals",
            "paved roads",
        ],
    },
    TrackPlan {
        name: "Community",
        colour: "#4d7c0f",
        topics: &[
            "open source maintainership",
            "contributor onboarding",
            "meetup organising",
            "documentation",
            "mentoring",
            "inclusive events",
            "career paths in infrastructure",
            "burnout",
            "governance",
            "user groups",
        ],
    },
];

const PATTERNS: &[&str] = &[
    "{T} in production",
    "A deep dive into {t}",
    "What we learned from {t}",
    "{T} without the pain",
    "Zero to {t} in 40 minutes",
    "Scaling {t} to thousands of nodes",
    "The hidden cost of {t}",
    "{T}: a field guide",
    "Debugging {t} at 3 a.m.",
    "Beyond the basics of {t}",
    "Ten mistakes we made with {t}",
    "{T} for the rest of us",
    "Rethinking {t}",
    "Lessons from a year of {t}",
];

const FIRST: &[&str] = &[
    "Amara", "Ben", "Chen", "Dana", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kavya",
    "Lars", "Mei", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Victor",
    "Wanjiru", "Xavier", "Yara", "Zoltan", "Aiko", "Bruno", "Carmen", "Dmitri", "Esther", "Felix",
    "Gabriela", "Hassan", "Ingrid", "Jamal", "Keiko", "Luca", "Maya", "Nils",
];

const LAST: &[&str] = &[
    "Okafor",
    "Schmidt",
    "Nakamura",
    "Rossi",
    "Kowalski",
    "Haddad",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Silva",
    "Novak",
    "Petrov",
    "Garcia",
    "Jensen",
    "Mensah",
    "Fischer",
    "Ivanova",
    "Costa",
    "Dubois",
    "Yilmaz",
    "Andersen",
    "Kim",
    "Murphy",
    "Nguyen",
    "Ortiz",
    "Patel",
    "Quispe",
    "Reyes",
    "Sato",
    "Varga",
];

const COMPANIES: &[&str] = &[
    "Harbor Labs",
    "Kelp Systems",
    "Lighthouse Cloud",
    "Anchorworks",
    "Tidepool",
    "Bluefin Data",
    "Driftwood",
    "Coral Compute",
    "Gullwing",
    "Seastack",
    "Mooring",
    "Shipwright Software",
    "independent consultant",
];

const BIO: &[&str] = &[
    "{name} works on {topic} at {company} and has run containers in production since the early days.",
    "{name} leads the platform team at {company}, where {topic} is a daily concern.",
    "{name} is an engineer at {company} and a maintainer of several open source tools around {topic}.",
    "{name} helps teams at {company} adopt {topic}, and writes about it when the pager is quiet.",
];

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn title_from(pattern: &str, topic: &str) -> String {
    pattern
        .replace("{T}", &capitalised(topic))
        .replace("{t}", topic)
}

fn abstract_for(title: &str, topic: &str, kind: SessionKind, rng: &mut ChaCha8Rng) -> String {
    let opening = [
        format!("Everyone wants {topic} until they have to run it."),
        format!(
            "{} has moved from experiment to default in many teams.",
            capitalised(topic)
        ),
        format!("Most write-ups about {topic} stop where the hard part starts."),
    ];
    let body = match kind {
        SessionKind::Workshop => format!(
            "In this workshop we build it together, step by step, on your own laptop. Bring Docker \
             installed and a terminal; everything else is provided. \"{title}\" is limited in seats so \
             that everyone gets help."
        ),
        SessionKind::Lab => format!(
            "This hands-on lab hands each attendee a prepared machine. You will work through guided \
             exercises on {topic} and leave with notes you can reuse at work."
        ),
        SessionKind::Theater => format!(
            "A short, practical session on the Community Theater stage: one idea about {topic}, \
             shown live, with time for questions."
        ),
        _ => format!(
            "This talk walks through real incidents and the changes that followed, shows what to \
             measure, and ends with a checklist for adopting {topic} without surprises."
        ),
    };
    format!(
        "{} {body}\n\nLevel: {}.",
        opening.choose(rng).cloned().unwrap_or_default(),
        ["introductory", "intermediate", "advanced"]
            .choose(rng)
            .copied()
            .unwrap_or("intermediate")
    )
}

/// Local (hour, minute) pairs of the talk slots, each 40 minutes.
const TALK_SLOTS: &[(u32, u32)] = &[
    (10, 0),
    (10, 50),
    (11, 40),
    (13, 30),
    (14, 20),
    (15, 10),
    (16, 20),
    (17, 10),
];

/// Builds the demo program for a demo started at `now`.
pub fn program(now: DateTime<Utc>, seed: u64, size: &DemoSize) -> Result<Program, ProgramError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (tz, city, venue) = venue_for(now);
    let first: NaiveDate = now.with_timezone(&tz.tz()).date_naive();
    let days_n = size.days.clamp(1, 5);
    let last = first + Duration::days(i64::from(days_n) - 1);
    let days = ConferenceDays::new(
        first,
        last,
        NaiveTime::from_hms_opt(4, 0, 0).unwrap_or_default(),
    )?;
    let mut info = ConferenceInfo::new(
        Slug::parse(SLUG).map_err(|error| ProgramError::Text {
            field: "slug",
            error,
        })?,
        &format!("Harbor Days {}", first.format("%Y")),
        tz,
        days,
    )?;
    info.venue = venue.to_owned();
    info.city = city.to_owned();
    info.description =
        "A generated, DockerCon-sized conference that shows everything hallway does: \
        fourteen rooms from an 80-seat theater to a 5,000-seat hall, keynotes, talks, theater \
        sessions, workshops and hands-on labs over three days. It is placed so that it is late \
        morning at the venue whenever the demo starts."
            .to_owned();

    let rooms: Vec<RoomDraft> = ROOMS
        .iter()
        .map(|r| RoomDraft {
            name: r.name.to_owned(),
            capacity: r.capacity.and_then(|c| Capacity::new(c).ok()),
        })
        .collect();
    let tracks: Vec<TrackDraft> = TRACKS
        .iter()
        .map(|t| {
            Colour::parse(t.colour).map(|colour| TrackDraft {
                name: t.name.to_owned(),
                colour,
            })
        })
        .collect::<Result<_, _>>()?;

    // Speakers: a pool drawn with unique names.
    let mut speakers: Vec<SpeakerInfo> = Vec::new();
    let mut speaker_topics: Vec<usize> = Vec::new();
    let mut names = std::collections::HashSet::new();
    while speakers.len() < 180 {
        let name = format!(
            "{} {}",
            FIRST.choose(&mut rng).copied().unwrap_or("Alex"),
            LAST.choose(&mut rng).copied().unwrap_or("Doe")
        );
        if !names.insert(name.clone()) {
            continue;
        }
        let track = rng.random_range(0..TRACKS.len());
        let topic = TRACKS[track]
            .topics
            .choose(&mut rng)
            .copied()
            .unwrap_or("containers");
        let company = COMPANIES.choose(&mut rng).copied().unwrap_or("Harbor Labs");
        let mut s = SpeakerInfo::new(&name)?;
        s.company = company.to_owned();
        s.bio = BIO
            .choose(&mut rng)
            .copied()
            .unwrap_or(BIO[0])
            .replace("{name}", &name)
            .replace("{topic}", topic)
            .replace("{company}", company);
        speakers.push(s);
        speaker_topics.push(track);
    }
    let speakers_of_track: Vec<Vec<usize>> = (0..TRACKS.len())
        .map(|t| {
            speaker_topics
                .iter()
                .enumerate()
                .filter(|(_, x)| **x == t)
                .map(|(i, _)| i)
                .collect()
        })
        .collect();

    let at = |day: NaiveDate, h: u32, m: u32| -> Result<DateTime<Utc>, ProgramError> {
        let naive = day.and_hms_opt(h, m, 0).unwrap_or_default();
        tz.tz()
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or(ProgramError::UnknownTimeZone(tz.name().to_owned()))
    };
    let mut used_titles = std::collections::HashSet::new();
    let mut sessions: Vec<SessionDraft> = Vec::new();
    let mut add = |rng: &mut ChaCha8Rng,
                   sessions: &mut Vec<SessionDraft>,
                   kind: SessionKind,
                   room: usize,
                   track: Option<usize>,
                   start: DateTime<Utc>,
                   minutes: i64,
                   fixed_title: Option<String>|
     -> Result<(), ProgramError> {
        let t = track.unwrap_or_else(|| rng.random_range(0..TRACKS.len()));
        let topic = TRACKS[t]
            .topics
            .choose(rng)
            .copied()
            .unwrap_or("containers");
        let (title, topic) = match fixed_title {
            Some(title) => (title, topic),
            None => {
                // Draw pattern and topic until the title is new; after many clashes (a
                // very large demo) number it instead.
                let mut attempts = 0;
                loop {
                    let pattern = PATTERNS.choose(rng).copied().unwrap_or(PATTERNS[0]);
                    let topic = TRACKS[t]
                        .topics
                        .choose(rng)
                        .copied()
                        .unwrap_or("containers");
                    let mut candidate = match kind {
                        SessionKind::Workshop => {
                            format!("Workshop: {}", title_from(pattern, topic))
                        }
                        SessionKind::Lab => format!("Hands-on lab: {}", capitalised(topic)),
                        _ => title_from(pattern, topic),
                    };
                    attempts += 1;
                    if attempts > 40 {
                        candidate = format!("{candidate}, part {attempts}");
                    }
                    if used_titles.insert(candidate.clone()) {
                        break (candidate, topic);
                    }
                }
            }
        };
        let span = TimeSpan::starting_at(start, Duration::minutes(minutes)).map_err(|error| {
            ProgramError::BadSpan {
                session: title.clone(),
                error,
            }
        })?;
        let mut info = SessionInfo::new(&title, kind, span)?;
        let mut speakers = Vec::new();
        if kind != SessionKind::Break {
            info.abstract_text = abstract_for(&title, topic, kind, rng);
            info.language = "en".to_owned();
            let pool = &speakers_of_track[t];
            let count = match kind {
                SessionKind::Keynote => 2,
                _ if rng.random_ratio(1, 5) => 2,
                _ => 1,
            };
            while speakers.len() < count && !pool.is_empty() {
                let p = pool[rng.random_range(0..pool.len())];
                if !speakers.contains(&p) {
                    speakers.push(p);
                }
            }
        }
        if kind == SessionKind::Workshop {
            info.capacity_override = Capacity::new(rng.random_range(24..=48)).ok();
        }
        sessions.push(SessionDraft {
            room,
            track: (kind != SessionKind::Break).then_some(t),
            speakers,
            info,
        });
        Ok(())
    };

    let keynote_titles = [
        "Opening keynote: shipping software in the container age",
        "Day two keynote: the platform is the product",
        "Keynote: what a decade of containers taught us",
        "Keynote: security is everyone's job",
        "Closing keynote: the next ten years",
    ];
    for (d, day) in days.dates().into_iter().enumerate() {
        let title = if d + 1 == days.dates().len() && d > 0 {
            keynote_titles[4].to_owned()
        } else {
            keynote_titles[d.min(3)].to_owned()
        };
        add(
            &mut rng,
            &mut sessions,
            SessionKind::Keynote,
            MAIN,
            None,
            at(day, 9, 0)?,
            50,
            Some(title),
        )?;
        for &(h, m) in TALK_SLOTS {
            for room in TALK_ROOMS {
                let t = rng.random_range(0..TRACKS.len());
                add(
                    &mut rng,
                    &mut sessions,
                    SessionKind::Talk,
                    room,
                    Some(t),
                    at(day, h, m)?,
                    40,
                    None,
                )?;
            }
        }
        for (h, m) in [
            (10, 0),
            (10, 30),
            (11, 0),
            (11, 30),
            (13, 30),
            (14, 0),
            (14, 30),
            (15, 0),
            (15, 30),
            (16, 0),
            (16, 30),
            (17, 0),
            (17, 30),
        ] {
            for stage in STAGES {
                add(
                    &mut rng,
                    &mut sessions,
                    SessionKind::Theater,
                    stage,
                    None,
                    at(day, h, m)?,
                    25,
                    None,
                )?;
            }
        }
        for (h, m, len) in [(10, 0, 120), (13, 30, 120), (16, 0, 120)] {
            add(
                &mut rng,
                &mut sessions,
                SessionKind::Workshop,
                WORKSHOP,
                None,
                at(day, h, m)?,
                len,
                None,
            )?;
        }
        for (h, m, len) in [(10, 0, 120), (13, 30, 120), (16, 0, 90)] {
            for lab in LABS {
                add(
                    &mut rng,
                    &mut sessions,
                    SessionKind::Lab,
                    lab,
                    None,
                    at(day, h, m)?,
                    len,
                    None,
                )?;
            }
        }
        add(
            &mut rng,
            &mut sessions,
            SessionKind::Break,
            EXPO,
            None,
            at(day, 12, 20)?,
            70,
            Some("Lunch in the Expo Hall".to_owned()),
        )?;
        add(
            &mut rng,
            &mut sessions,
            SessionKind::Break,
            EXPO,
            None,
            at(day, 15, 50)?,
            30,
            Some("Coffee break".to_owned()),
        )?;
    }
    Program::new(info, rooms, tracks, speakers, sessions)
}

/// `n` generated attendees with unique addresses under the reserved `.invalid` domain.
pub fn attendees(seed: u64, n: u32) -> Vec<NewAttendee> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_a77e);
    (0..n)
        .map(|i| {
            let first = FIRST.choose(&mut rng).copied().unwrap_or("Alex");
            let last = LAST.choose(&mut rng).copied().unwrap_or("Doe");
            NewAttendee {
                email: format!(
                    "{}.{}.{i}@attendees.invalid",
                    first.to_lowercase(),
                    last.to_lowercase()
                ),
                name: format!("{first} {last}"),
            }
        })
        .collect()
}

/// The machine pool of the demo's `lab`-th lab: `n` machines with made-up private addresses
/// and passwords drawn from the seed (the same seed gives the same pool).
pub fn machine_pool(seed: u64, lab: usize, n: u32) -> Vec<hallway_domain::venue::Machine> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1ab0_0000 ^ lab as u64);
    (1..=n)
        .filter_map(|i| {
            let secret: String = (0..12)
                .map(|_| {
                    let c = b"abcdefghjkmnpqrstuvwxyz23456789"
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or(b'x');
                    char::from(c)
                })
                .collect();
            hallway_domain::venue::Machine::new(
                &format!("lab{}-{i:03}", lab + 1),
                &format!("10.{}.{}.{}", 20 + lab, i / 250, i % 250 + 1),
                "attendee",
                &secret,
            )
            .ok()
        })
        .collect()
}

/// Which seat holders of a running session were scanned in at its door: four in five, in a
/// fixed order.
pub fn checked_in(seed: u64, holders: &[usize]) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00d0_0125);
    holders
        .iter()
        .copied()
        .filter(|_| rng.random_range(0..5) != 0)
        .collect()
}

/// The demo's announcements: (minutes ago, text) for everyone.
pub const ANNOUNCEMENTS: [(i64, &str); 3] = [
    (
        95,
        "Welcome to Harbor Days! Badges are at the registration desk; the keynote starts in the main hall.",
    ),
    (40, "Coffee and pastries are out on level 1 until 11:30."),
    (
        10,
        "Theater sessions fill fast: the door admits reserved seats first, then walk-ins.",
    ),
];

/// Which sessions each of `attendees` generated attendees tries to add, in order: one hands-on
/// lab or workshop of the first day (there are few seats, so some fill up and grow
/// waitlists), a theater session and a handful of talks per day. Overlaps are left in on
/// purpose; the agenda refuses them like it would for a person.
pub fn agenda_plan(
    seed: u64,
    sessions: &[hallway_domain::Session],
    attendees: usize,
) -> Vec<(usize, hallway_domain::SessionId)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00a9_e4da);
    let of = |kinds: &[SessionKind]| -> Vec<&hallway_domain::Session> {
        sessions
            .iter()
            .filter(|s| kinds.contains(&s.info.kind))
            .collect()
    };
    let hands_on = of(&[SessionKind::Lab, SessionKind::Workshop]);
    let first_start = sessions.iter().map(|s| s.info.span.start()).min();
    let first_day_hands_on: Vec<_> = hands_on
        .iter()
        .filter(|s| first_start.is_some_and(|f| s.info.span.start() - f < Duration::hours(12)))
        .copied()
        .collect();
    let theater = of(&[SessionKind::Theater]);
    let talks = of(&[SessionKind::Talk, SessionKind::Keynote]);
    let mut plan = Vec::new();
    for a in 0..attendees {
        if let Some(s) = first_day_hands_on.choose(&mut rng) {
            plan.push((a, s.id));
        }
        if let Some(s) = theater.choose(&mut rng) {
            plan.push((a, s.id));
        }
        for _ in 0..5 {
            if let Some(s) = talks.choose(&mut rng) {
                plan.push((a, s.id));
            }
        }
    }
    plan
}

/// Who exchanges contacts with whom, and how many minutes ago (within the two and a half
/// hours since doors opened, so the hourly points cap does not flatten the leaderboard):
/// each attendee scans about three others (pairs may repeat, as at a real event; the store
/// keeps each pair once).
pub fn contact_plan(seed: u64, attendees: usize) -> Vec<(usize, usize, i64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00c0_47ac);
    let mut plan = Vec::new();
    if attendees < 2 {
        return plan;
    }
    for a in 0..attendees {
        for _ in 0..3 {
            let b = rng.random_range(0..attendees);
            let minutes_ago = rng.random_range(0..150);
            if b != a {
                plan.push((a, b, minutes_ago));
            }
        }
    }
    plan
}

/// Comments the generated ratings draw from.
const COMMENTS: &[&str] = &[
    "Clear and well paced; the live demo sold it.",
    "Great speaker, but the room was too warm.",
    "Exactly the level of detail I hoped for.",
    "Slides were hard to read from the back.",
    "I will try this on our cluster next week.",
    "Would love a longer, hands-on version of this.",
];

/// Ratings for `seats` (attendee, session) whose session has started: about two in three
/// are rated (mostly 4 and 5 stars), a third of those with a comment.
pub fn rating_plan(
    seed: u64,
    seats: &[(usize, hallway_domain::SessionId)],
) -> Vec<(usize, hallway_domain::SessionId, i64, Option<&'static str>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0004_a7e5);
    let mut plan = Vec::new();
    for (a, s) in seats {
        if rng.random_range(0..3) == 2 {
            continue;
        }
        let stars = [3, 4, 4, 5, 5, 5, 2][rng.random_range(0..7)];
        let comment = if rng.random_range(0..3) == 0 {
            COMMENTS.choose(&mut rng).copied()
        } else {
            None
        };
        plan.push((*a, *s, stars, comment));
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
    }

    #[test]
    fn the_venue_is_in_late_morning_at_any_hour() {
        for h in 0..24 {
            for m in [0, 17, 29, 31, 45, 59] {
                let now = at(h, m);
                let (tz, _, _) = venue_for(now);
                let local = now.with_timezone(&tz.tz());
                let minutes = local.hour() * 60 + local.minute();
                assert!(
                    (10 * 60 + 30..=11 * 60 + 30).contains(&minutes),
                    "{now} -> {} {local}",
                    tz.name()
                );
            }
        }
    }

    #[test]
    fn at_any_hour_a_lab_runs_the_keynote_is_over_and_most_is_ahead() {
        for h in 0..24 {
            for m in [0, 20, 40] {
                let now = at(h, m);
                let p = program(now, 7, &DemoSize::default()).unwrap();
                let running: Vec<_> = p
                    .sessions()
                    .iter()
                    .filter(|s| s.info.span.is_running_at(now))
                    .collect();
                assert!(
                    running.iter().any(|s| s.info.kind == SessionKind::Lab),
                    "no lab at {now}"
                );
                assert!(
                    running.len() >= 3,
                    "only {} running at {now}",
                    running.len()
                );
                let over = p
                    .sessions()
                    .iter()
                    .filter(|s| s.info.span.end() <= now)
                    .count();
                let ahead = p
                    .sessions()
                    .iter()
                    .filter(|s| s.info.span.start() > now)
                    .count();
                assert!(over >= 1, "nothing over at {now}");
                assert!(
                    ahead * 2 > p.sessions().len(),
                    "most are not ahead at {now}"
                );
            }
        }
    }

    #[test]
    fn the_demo_is_dockercon_sized_and_deterministic() {
        let now = at(9, 0);
        let a = program(now, 42, &DemoSize::default()).unwrap();
        let b = program(now, 42, &DemoSize::default()).unwrap();
        assert_eq!(a, b);
        let c = program(now, 43, &DemoSize::default()).unwrap();
        assert_ne!(a.sessions()[1].info.title, c.sessions()[1].info.title);
        assert_eq!(a.conference().days.dates().len(), 3);
        assert!(a.rooms().len() >= 8);
        let caps: Vec<u32> = a
            .rooms()
            .iter()
            .filter_map(|r| r.capacity.map(Capacity::get))
            .collect();
        assert_eq!(caps.iter().min(), Some(&40));
        assert_eq!(caps.iter().max(), Some(&5000));
        assert!(a.sessions().len() >= 300, "{} sessions", a.sessions().len());
        for kind in SessionKind::ALL {
            assert!(
                a.sessions().iter().any(|s| s.info.kind == kind),
                "no {kind:?}"
            );
        }
        let titles: std::collections::HashSet<_> = a
            .sessions()
            .iter()
            .filter(|s| s.info.kind != SessionKind::Break)
            .map(|s| &s.info.title)
            .collect();
        assert_eq!(
            titles.len(),
            a.sessions()
                .iter()
                .filter(|s| s.info.kind != SessionKind::Break)
                .count(),
            "titles are unique"
        );
    }

    #[test]
    fn attendees_scale_and_are_unique() {
        let many = attendees(1, 12_000);
        assert_eq!(many.len(), 12_000);
        let emails: std::collections::HashSet<_> = many.iter().map(|a| &a.email).collect();
        assert_eq!(emails.len(), 12_000);
        assert_eq!(attendees(1, 3), attendees(1, 3));
    }

    #[test]
    fn the_agenda_plan_is_deterministic_and_sized() {
        let p = program(at(9, 0), 5, &DemoSize::default()).unwrap();
        // Stored sessions carry ids; number them as the store would.
        let sessions: Vec<hallway_domain::Session> = p
            .sessions()
            .iter()
            .enumerate()
            .map(|(i, d)| hallway_domain::Session {
                id: hallway_domain::SessionId::new(i as i64 + 1),
                room: hallway_domain::RoomId::new(d.room as i64 + 1),
                track: None,
                speakers: vec![],
                info: d.info.clone(),
                seats: hallway_domain::Seats::new(None, 0),
            })
            .collect();
        let plan = agenda_plan(5, &sessions, 10);
        assert_eq!(
            plan.len(),
            70,
            "a hands-on session, a theater session and five talks each"
        );
        assert_eq!(plan, agenda_plan(5, &sessions, 10));
        assert!(plan.iter().all(|(a, _)| *a < 10));
    }

    #[test]
    fn contacts_and_ratings_are_deterministic_and_never_self() {
        let contacts = contact_plan(5, 50);
        assert_eq!(contacts, contact_plan(5, 50));
        assert!(
            contacts
                .iter()
                .all(|(a, b, ago)| a != b && *a < 50 && *b < 50 && (0..150).contains(ago))
        );
        assert!(contacts.len() > 100, "about three scans each");
        assert!(contact_plan(5, 1).is_empty());
        let seats: Vec<(usize, hallway_domain::SessionId)> = (0..90)
            .map(|i| (i % 30, hallway_domain::SessionId::new(i as i64)))
            .collect();
        let ratings = rating_plan(5, &seats);
        assert_eq!(ratings, rating_plan(5, &seats));
        assert!(
            ratings.len() > 30 && ratings.len() < 90,
            "{}",
            ratings.len()
        );
        assert!(ratings.iter().all(|(_, _, r, _)| (1..=5).contains(r)));
        assert!(ratings.iter().any(|(_, _, _, c)| c.is_some()));
    }

    #[test]
    fn machine_pools_are_deterministic_and_named_once() {
        let a = machine_pool(7, 1, 40);
        assert_eq!(a, machine_pool(7, 1, 40));
        assert_ne!(a, machine_pool(8, 1, 40));
        let mut names: Vec<&str> = a.iter().map(|m| m.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 40);
        assert_eq!(
            checked_in(3, &[1, 2, 3, 4, 5, 6]),
            checked_in(3, &[1, 2, 3, 4, 5, 6])
        );
    }
}
