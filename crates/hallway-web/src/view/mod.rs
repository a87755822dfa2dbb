//! Shapes the pages render: domain values turned into display strings in the conference's
//! time zone. Templates only print these; they compute nothing.

mod edition;
pub mod feedback;
mod header;
mod notice;

pub use edition::EditionCard;
pub use header::{ConfHeader, now_and_next};
pub use notice::word_notice;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hallway_domain::{
    Conference, Room, RoomId, SeatState, Session, Speaker, SpeakerId, TimeZone, Track, TrackId,
};

/// `09:05` in `tz`.
pub fn clock_time(tz: TimeZone, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz.tz()).format("%H:%M").to_string()
}

/// `Sun 22 Nov`.
pub fn day_label(d: NaiveDate) -> String {
    d.format("%a %-d %b").to_string()
}

/// `16–19 Oct 2017`, `30 Sep – 2 Oct 2017`, `28 Dec 2017 – 2 Jan 2018`.
pub fn date_range(a: NaiveDate, b: NaiveDate) -> String {
    if a == b {
        a.format("%-d %b %Y").to_string()
    } else if a.year() != b.year() {
        format!("{} – {}", a.format("%-d %b %Y"), b.format("%-d %b %Y"))
    } else if a.month() != b.month() {
        format!("{} – {}", a.format("%-d %b"), b.format("%-d %b %Y"))
    } else {
        format!("{}–{}", a.format("%-d"), b.format("%-d %b %Y"))
    }
}

/// `12,000`.
pub fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `next` if it is a path on this site, for redirects after a form (no open redirects).
/// Browsers read `//host` and `/\host` as other sites, and drop tabs and line breaks
/// inside a URL first (`/<tab>/host` becomes `//host`); a line break in a `Location`
/// header cannot be sent at all. So a path with any control character or backslash is
/// refused, and what is left must resolve to this origin.
pub fn local_path(next: Option<&str>) -> Option<String> {
    let next = next?;
    if !next.starts_with('/')
        || next.starts_with("//")
        || next.chars().any(|c| c.is_control() || c == '\\')
    {
        return None;
    }
    let base = url::Url::parse("http://hallway.invalid/").ok()?;
    let joined = base.join(next).ok()?;
    (joined.origin() == base.origin()).then(|| next.to_owned())
}

/// Percent-encodes `s` for a query string value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A track as a coloured label; the text colour keeps it readable.
#[derive(Clone, Debug)]
pub struct TrackChip {
    pub id: i64,
    pub name: String,
    pub colour: String,
    pub text: &'static str,
}

impl TrackChip {
    pub fn new(t: &Track) -> Self {
        Self {
            id: t.id.get(),
            name: t.name.clone(),
            colour: t.colour.hex(),
            text: t.colour.text_colour(),
        }
    }
}

/// A speaker as a link.
#[derive(Clone, Debug)]
pub struct SpeakerLink {
    pub name: String,
    pub url: String,
}

/// A session as every listing shows it: time, room, track, speakers and seats.
#[derive(Clone, Debug)]
pub struct SessionCard {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub kind: &'static str,
    pub kind_label: String,
    pub day: String,
    pub starts: String,
    pub ends: String,
    pub starts_at: String,
    pub room: String,
    pub track: Option<TrackChip>,
    pub speakers: Vec<SpeakerLink>,
    /// `open`, `filling`, `full` or `unlimited`: a CSS class and a word for the seats badge.
    pub seat_state: &'static str,
    /// "80 seats · 12 left", "Full · 80 seats", "Open to all".
    pub seats_text: String,
    pub running: bool,
    pub over: bool,
    /// The viewer's relation to it: "" (none or logged out), "reserved", "waitlisted".
    pub mine: &'static str,
    /// With "waitlisted": the viewer's position.
    pub position: u32,
    /// Whether the card names the day (lists that span several days).
    pub show_day: bool,
}

/// The rooms, tracks and speakers of one conference by id, to describe its sessions.
#[derive(Debug)]
pub struct ProgramIndex<'a> {
    pub conference: &'a Conference,
    rooms: HashMap<RoomId, &'a Room>,
    tracks: HashMap<TrackId, &'a Track>,
    speakers: HashMap<SpeakerId, &'a Speaker>,
}

impl<'a> ProgramIndex<'a> {
    pub fn new(
        conference: &'a Conference,
        rooms: &'a [Room],
        tracks: &'a [Track],
        speakers: &'a [Speaker],
    ) -> Self {
        Self {
            conference,
            rooms: rooms.iter().map(|r| (r.id, r)).collect(),
            tracks: tracks.iter().map(|t| (t.id, t)).collect(),
            speakers: speakers.iter().map(|s| (s.id, s)).collect(),
        }
    }

    pub fn room_name(&self, id: RoomId) -> String {
        self.rooms
            .get(&id)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    }

    pub fn track(&self, id: Option<TrackId>) -> Option<&'a Track> {
        id.and_then(|t| self.tracks.get(&t).copied())
    }

    pub fn speaker(&self, id: SpeakerId) -> Option<&'a Speaker> {
        self.speakers.get(&id).copied()
    }

    /// The conference day a session belongs to.
    pub fn day_of(&self, s: &Session) -> NaiveDate {
        let info = &self.conference.info;
        info.days.day_of(s.info.span.start(), info.time_zone)
    }

    pub fn card(&self, s: &Session, now: DateTime<Utc>) -> SessionCard {
        let info = &self.conference.info;
        let tz = info.time_zone;
        let slug = info.slug.as_str();
        SessionCard {
            id: s.id.get(),
            url: format!("/c/{slug}/sessions/{}", s.id),
            title: s.info.title.clone(),
            kind: s.info.kind.as_str(),
            kind_label: s.info.kind_label().to_owned(),
            day: day_label(self.day_of(s)),
            starts: clock_time(tz, s.info.span.start()),
            ends: clock_time(tz, s.info.span.end()),
            starts_at: s.info.span.start().to_rfc3339(),
            room: self.room_name(s.room),
            track: self.track(s.track).map(TrackChip::new),
            speakers: s
                .speakers
                .iter()
                .filter_map(|id| self.speaker(*id))
                .map(|p| SpeakerLink {
                    name: p.info.name.clone(),
                    url: format!("/c/{slug}/speakers/{}", p.id),
                })
                .collect(),
            seat_state: seat_state(s),
            seats_text: seats_text(s),
            running: s.info.span.is_running_at(now),
            over: s.info.span.end() <= now,
            mine: "",
            position: 0,
            show_day: false,
        }
    }
}

impl SessionCard {
    /// The card with its day named (for lists that span several days).
    pub fn with_day(mut self) -> Self {
        self.show_day = true;
        self
    }

    /// The card marked with the viewer's agenda state.
    pub fn with_agenda(mut self, agenda: Option<&hallway_store::Agenda>) -> Self {
        self.mark_agenda(agenda);
        self
    }

    /// Marks the card with the viewer's agenda state.
    pub fn mark_agenda(&mut self, agenda: Option<&hallway_store::Agenda>) {
        if let Some(a) = agenda {
            let id = hallway_domain::SessionId::new(self.id);
            if a.reserved.contains(&id) {
                self.mine = "reserved";
            } else if let Some((_, p)) = a.waitlisted.iter().find(|(s, _)| *s == id) {
                self.mine = "waitlisted";
                self.position = *p;
            }
        }
    }

    /// Whether the card can take an agenda action (not a break, not over).
    pub fn reservable(&self) -> bool {
        self.kind != "break" && !self.over
    }
}

/// The seat state of a session as a word: `open`, `filling`, `full`, `unlimited`.
pub fn seat_state(s: &Session) -> &'static str {
    seat_state_of(&s.seats)
}

/// `seat_state` of bare seats.
pub fn seat_state_of(seats: &hallway_domain::Seats) -> &'static str {
    match seats.state() {
        SeatState::Unlimited => "unlimited",
        SeatState::Open => "open",
        SeatState::Filling => "filling",
        SeatState::Full => "full",
    }
}

/// "1 seat", "5,000 seats".
fn seats(n: u32) -> String {
    if n == 1 {
        "1 seat".to_owned()
    } else {
        format!("{} seats", thousands(n))
    }
}

/// The seats line shown next to a session.
pub fn seats_text(s: &Session) -> String {
    seats_text_of(&s.seats)
}

/// `seats_text` of bare seats.
pub fn seats_text_of(s: &hallway_domain::Seats) -> String {
    match (s.capacity(), s.left()) {
        (Some(cap), Some(0)) => format!("Full · {}", seats(cap.get())),
        (Some(cap), Some(left)) if s.state() == SeatState::Filling => {
            format!("Filling · {} of {} left", thousands(left), seats(cap.get()))
        }
        (Some(cap), Some(left)) => format!("{} · {} left", seats(cap.get()), thousands(left)),
        _ => "Open to all".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn date_ranges_read_naturally() {
        assert_eq!(
            date_range(d(2017, 10, 16), d(2017, 10, 19)),
            "16–19 Oct 2017"
        );
        assert_eq!(
            date_range(d(2017, 9, 30), d(2017, 10, 2)),
            "30 Sep – 2 Oct 2017"
        );
        assert_eq!(
            date_range(d(2017, 12, 28), d(2018, 1, 2)),
            "28 Dec 2017 – 2 Jan 2018"
        );
        assert_eq!(date_range(d(2017, 6, 1), d(2017, 6, 1)), "1 Jun 2017");
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(
            local_path(Some("/c/demo/agenda?x=1")).as_deref(),
            Some("/c/demo/agenda?x=1")
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "evil",
            "",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/c/demo\r\nSet-Cookie: x=1",
            "/\u{7f}/evil.example",
        ] {
            assert_eq!(local_path(Some(bad)), None, "{bad}");
        }
        assert_eq!(local_path(None), None);
    }

    #[test]
    fn one_seat_is_singular() {
        assert_eq!(seats(1), "1 seat");
        assert_eq!(seats(5000), "5,000 seats");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(5000), "5,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
