//! The benchmark's conference as a CSV program for `hallway import`: a keynote each morning
//! in a 5,000-seat main hall, 40-minute talks with 10-minute changeovers in rooms of 100 to
//! 1,200 seats, a lunch break, and a workshop room and a lab whose sessions seat 20 to 40.
//! Seeded, so the same arguments give the same file.

use std::io::Write;

use anyhow::Context as _;
use chrono::{NaiveDate, NaiveTime, TimeDelta};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

/// Rooms for talks, biggest first: (name, seats). The first is the main hall, where the
/// keynotes are.
const TALK_ROOMS: [(&str, u32); 9] = [
    ("Main Hall", 5000),
    ("Hall B", 1200),
    ("Hall C", 800),
    ("Room 101", 500),
    ("Room 102", 300),
    ("Room 103", 200),
    ("Room 104", 150),
    ("Theater", 100),
    ("Room 105", 250),
];
/// The last two rooms: workshops and labs, whose sessions seat fewer people than the room
/// holds (the CSV `capacity` column).
const WORKSHOP_ROOM: (&str, u32) = ("Workshop Room", 60);
const LAB: (&str, u32) = ("Lab", 40);

/// Most rooms a generated program has (an import-size benchmark wants hundreds).
pub const MAX_ROOMS: usize = 500;

/// Room `i` of `rooms`: (name, seats). Past the named talk rooms come numbered ones of 120
/// seats ("Room 201", "Room 202", …).
fn room(i: usize, rooms: usize) -> (String, u32) {
    let (name, seats) = if i + 1 == rooms {
        LAB
    } else if i + 2 == rooms {
        WORKSHOP_ROOM
    } else if let Some(named) = TALK_ROOMS.get(i) {
        *named
    } else {
        return (format!("Room {}", 201 + i - TALK_ROOMS.len()), 120);
    };
    (name.to_owned(), seats)
}

const TRACKS: [&str; 5] = [
    "Cloud",
    "Security",
    "Data",
    "Developer Experience",
    "Operations",
];
const TOPICS: [&str; 12] = [
    "Scaling",
    "Securing",
    "Observing",
    "Migrating",
    "Testing",
    "Packaging",
    "Debugging",
    "Automating",
    "Hardening",
    "Profiling",
    "Designing",
    "Shipping",
];
const SUBJECTS: [&str; 10] = [
    "containers",
    "service meshes",
    "build pipelines",
    "stateful workloads",
    "edge clusters",
    "supply chains",
    "event streams",
    "serverless functions",
    "multi-tenant platforms",
    "GPU fleets",
];

/// What `hallway-load schedule` generates.
#[derive(Clone, Debug)]
pub struct ScheduleSpec {
    /// Sessions in all, breaks and keynotes included.
    pub sessions: usize,
    /// Rooms (3 to [`MAX_ROOMS`]: the main hall first, a workshop room and a lab last).
    pub rooms: usize,
    /// Conference days.
    pub days: usize,
    /// The first day (UTC; the import is told `--time-zone UTC`).
    pub start: NaiveDate,
    /// Seed of titles, tracks and workshop sizes.
    pub seed: u64,
}

/// One row of the program.
#[derive(Debug)]
struct Row {
    title: String,
    date: NaiveDate,
    start: NaiveTime,
    minutes: i64,
    room: usize,
    kind: &'static str,
    track: &'static str,
    speakers: String,
    capacity: Option<u32>,
}

fn at(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

/// The rows of the program, in day, time and room order.
fn rows(spec: &ScheduleSpec) -> anyhow::Result<Vec<Row>> {
    anyhow::ensure!(
        (3..=MAX_ROOMS).contains(&spec.rooms),
        "--rooms must be between 3 and {MAX_ROOMS}"
    );
    anyhow::ensure!(spec.days >= 1, "--days must be at least 1");
    // Per day: a keynote and a lunch break, both in the main hall; the rest are talks.
    let fixed = 2 * spec.days;
    anyhow::ensure!(
        spec.sessions > fixed,
        "--sessions must be more than {fixed} (a keynote and a lunch break per day)"
    );
    let talks = spec.sessions - fixed;
    let per_slot = spec.rooms * spec.days;
    let slots = talks.div_ceil(per_slot);
    anyhow::ensure!(
        slots <= 14,
        "{talks} talks do not fit in {} rooms over {} days",
        spec.rooms,
        spec.days
    );
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    // Slot k starts 10:00 + 50 minutes * k, with an hour's lunch after the third slot.
    let slot_start = |k: usize| {
        let minutes = 600 + 50 * i64::try_from(k).unwrap_or(0) + if k >= 3 { 60 } else { 0 };
        at(0, 0) + TimeDelta::minutes(minutes)
    };
    let mut out = Vec::with_capacity(spec.sessions);
    let mut left = talks;
    let mut number = 0usize;
    for d in 0..spec.days {
        let date = spec.start + TimeDelta::days(i64::try_from(d).unwrap_or(0));
        out.push(Row {
            title: format!("Day {} keynote", d + 1),
            date,
            start: at(9, 0),
            minutes: 50,
            room: 0,
            kind: "keynote",
            track: "",
            speakers: format!("Keynote Speaker {}", d + 1),
            capacity: None,
        });
        for k in 0..slots {
            if k == 3 {
                out.push(Row {
                    title: "Lunch".to_owned(),
                    date,
                    start: slot_start(2) + TimeDelta::minutes(50),
                    minutes: 60,
                    room: 0,
                    kind: "break",
                    track: "",
                    speakers: String::new(),
                    capacity: None,
                });
            }
            // Spread what is left evenly over the remaining day-slots, so every day gets
            // about the same number of talks.
            let remaining_slots = (spec.days - d) * slots - k;
            let here = left.div_ceil(remaining_slots).min(spec.rooms);
            for room in 0..here {
                number += 1;
                let (kind, capacity) = if room + 2 == spec.rooms {
                    ("workshop", Some(rng.random_range(30..=40)))
                } else if room + 1 == spec.rooms {
                    ("lab", Some(rng.random_range(20..=30)))
                } else {
                    ("talk", None)
                };
                let topic = TOPICS[rng.random_range(0..TOPICS.len())];
                let subject = SUBJECTS[rng.random_range(0..SUBJECTS.len())];
                out.push(Row {
                    title: format!("{topic} {subject} ({number})"),
                    date,
                    start: slot_start(k),
                    minutes: 40,
                    room,
                    kind,
                    track: TRACKS[rng.random_range(0..TRACKS.len())],
                    speakers: format!("Speaker {}", rng.random_range(1..=180)),
                    capacity,
                });
            }
            left -= here;
        }
    }
    Ok(out)
}

/// Writes the program as CSV (the columns of the README's "CSV columns").
pub fn write_csv(spec: &ScheduleSpec, out: impl Write) -> anyhow::Result<usize> {
    let rows = rows(spec)?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "id",
        "title",
        "date",
        "start",
        "duration",
        "room",
        "room_capacity",
        "kind",
        "track",
        "speakers",
        "capacity",
    ])?;
    for (i, r) in rows.iter().enumerate() {
        let (room, seats) = room(r.room, spec.rooms);
        w.write_record([
            format!("kr-{}", i + 1),
            r.title.clone(),
            r.date.format("%Y-%m-%d").to_string(),
            r.start.format("%H:%M").to_string(),
            r.minutes.to_string(),
            room,
            seats.to_string(),
            r.kind.to_owned(),
            r.track.to_owned(),
            r.speakers.clone(),
            r.capacity.map(|c| c.to_string()).unwrap_or_default(),
        ])?;
    }
    w.flush().context("writing the schedule")?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ScheduleSpec {
        ScheduleSpec {
            sessions: 300,
            rooms: 10,
            days: 3,
            start: NaiveDate::from_ymd_opt(2031, 5, 6).unwrap(),
            seed: 1,
        }
    }

    #[test]
    fn the_default_program_has_exactly_the_sessions_asked_for() {
        let rows = rows(&spec()).unwrap();
        assert_eq!(rows.len(), 300);
        assert_eq!(rows.iter().filter(|r| r.kind == "keynote").count(), 3);
        assert!(rows.iter().any(|r| r.kind == "lab"));
        // No room is used twice at once.
        for a in &rows {
            for b in &rows {
                if !std::ptr::eq(a, b) && a.room == b.room && a.date == b.date {
                    let a_end = a.start + TimeDelta::minutes(a.minutes);
                    let b_end = b.start + TimeDelta::minutes(b.minutes);
                    assert!(a_end <= b.start || b_end <= a.start, "{a:?} / {b:?}");
                }
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_file() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_csv(&spec(), &mut a).unwrap();
        write_csv(&spec(), &mut b).unwrap();
        assert_eq!(a, b);
    }
}
