//! A conference's program: its days, rooms, tracks, speakers and sessions, and the rules a
//! program must keep before it is stored (no room used twice at once, sessions inside the
//! conference days, references that resolve).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::guid::Guid;
use crate::ids::{ConferenceId, RoomId, SessionId, SpeakerId, TrackId};
use crate::seats::{Capacity, Seats};
use crate::span::TimeSpan;
use crate::text::{Slug, TextError};

/// Why a program, or a part of one, was refused. Each variant names the item it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProgramError {
    /// Occurs when a time zone is not an IANA name such as `Europe/Berlin`.
    #[error("{0:?} is not an IANA time zone such as Europe/Berlin")]
    UnknownTimeZone(String),
    /// Occurs when a colour is not `#rgb` or `#rrggbb`.
    #[error("{0:?} is not a colour: use #rrggbb")]
    BadColour(String),
    /// Occurs when a session kind is not one of talk, keynote, workshop, lab, theater, break.
    #[error("{0:?} is not a session kind: use talk, keynote, workshop, lab, theater or break")]
    UnknownKind(String),
    /// Occurs when the last day lies before the first or the conference is too long.
    #[error("conference days from {first} to {last} are not a run of 1 to {max} days", max = ConferenceDays::MAX_DAYS)]
    BadDays {
        /// The first day given.
        first: NaiveDate,
        /// The last day given.
        last: NaiveDate,
    },
    /// Occurs when a text field is empty or too long.
    #[error("{field}: {error}")]
    Text {
        /// Which field.
        field: &'static str,
        /// What is wrong with it.
        error: TextError,
    },
    /// Occurs when a session refers to a room, track or speaker that the program lacks.
    #[error("session {session:?} refers to {what} #{index}, which the program does not have")]
    DanglingReference {
        /// The session's title.
        session: String,
        /// "room", "track" or "speaker".
        what: &'static str,
        /// The index that does not resolve.
        index: usize,
    },
    /// Occurs when two sessions take the same room at the same time.
    #[error("room {room:?} is used twice at once: {first:?} and {second:?}")]
    RoomDoubleBooked {
        /// The room's name.
        room: String,
        /// The session listed first.
        first: String,
        /// The session that collides with it.
        second: String,
    },
    /// Occurs when a session lies outside the conference days.
    #[error("session {session:?} on {day} lies outside the conference days {first} to {last}")]
    OutsideDays {
        /// The session's title.
        session: String,
        /// The conference day the session falls on.
        day: NaiveDate,
        /// The first conference day.
        first: NaiveDate,
        /// The last conference day.
        last: NaiveDate,
    },
    /// Occurs when a session's times do not make a span.
    #[error("session {session:?}: {error}")]
    BadSpan {
        /// The session's title.
        session: String,
        /// What is wrong with its times.
        error: crate::span::SpanError,
    },
    /// Occurs when a program has more sessions than one conference may hold.
    #[error("the program has {count} sessions; a conference holds at most {max}", max = Program::MAX_SESSIONS)]
    TooManySessions {
        /// How many the program has.
        count: usize,
    },
    /// Occurs when two rooms or two tracks share a name.
    #[error("two {what} are named {name:?}")]
    DuplicateName {
        /// "rooms" or "tracks".
        what: &'static str,
        /// The shared name.
        name: String,
    },
}

fn text(field: &'static str, raw: &str, max: usize) -> Result<String, ProgramError> {
    crate::text::required(raw, max).map_err(|error| ProgramError::Text { field, error })
}

/// An IANA time zone such as `Europe/Amsterdam`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    /// Looks `name` up in the IANA database.
    pub fn parse(name: &str) -> Result<Self, ProgramError> {
        name.parse::<chrono_tz::Tz>()
            .map(Self)
            .map_err(|_| ProgramError::UnknownTimeZone(name.to_owned()))
    }

    /// The zone's IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The chrono zone, for rendering instants in local time.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }
}

impl TryFrom<String> for TimeZone {
    type Error = ProgramError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TimeZone> for String {
    fn from(value: TimeZone) -> Self {
        value.name().to_owned()
    }
}

/// A track colour, `#rrggbb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Colour([u8; 3]);

impl Colour {
    /// Parses `#rrggbb` or `#rgb` (either case).
    pub fn parse(raw: &str) -> Result<Self, ProgramError> {
        let bad = || ProgramError::BadColour(raw.to_owned());
        let hex = raw.strip_prefix('#').ok_or_else(bad)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let channel = |s: &str| u8::from_str_radix(s, 16).map_err(|_| bad());
        match hex.len() {
            6 => Ok(Self([
                channel(&hex[0..2])?,
                channel(&hex[2..4])?,
                channel(&hex[4..6])?,
            ])),
            3 => {
                let one = |i: usize| channel(&hex[i..=i]).map(|v| v * 17);
                Ok(Self([one(0)?, one(1)?, one(2)?]))
            }
            _ => Err(bad()),
        }
    }

    /// The colour as `#rrggbb`, lowercase.
    pub fn hex(&self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0[0], self.0[1], self.0[2])
    }

    /// The WCAG relative luminance, 0 (black) to 1 (white).
    pub fn luminance(&self) -> f64 {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0[0]) + 0.7152 * lin(self.0[1]) + 0.0722 * lin(self.0[2])
    }

    /// Black or white, whichever reads better on this colour (the larger WCAG contrast).
    pub fn text_colour(&self) -> &'static str {
        let l = self.luminance();
        let on_black = (l + 0.05) / 0.05;
        let on_white = 1.05 / (l + 0.05);
        if on_black >= on_white {
            "#000000"
        } else {
            "#ffffff"
        }
    }
}

impl TryFrom<String> for Colour {
    type Error = ProgramError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Colour> for String {
    fn from(value: Colour) -> Self {
        value.hex()
    }
}

/// What kind of session: decides the default capacity rule and how pages show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// A regular talk.
    Talk,
    /// A keynote, usually alone in the largest room.
    Keynote,
    /// A hands-on workshop with a small room.
    Workshop,
    /// A hands-on lab where each attendee gets a machine.
    Lab,
    /// A short session on the community theater stage.
    Theater,
    /// Lunch, coffee: not reservable, never limited.
    Break,
}

impl SessionKind {
    /// Every kind, in the order pages list them.
    pub const ALL: [SessionKind; 6] = [
        Self::Keynote,
        Self::Talk,
        Self::Workshop,
        Self::Lab,
        Self::Theater,
        Self::Break,
    ];

    /// The kind's name in the API and in files.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Talk => "talk",
            Self::Keynote => "keynote",
            Self::Workshop => "workshop",
            Self::Lab => "lab",
            Self::Theater => "theater",
            Self::Break => "break",
        }
    }

    /// The kind's name for people.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Talk => "Talk",
            Self::Keynote => "Keynote",
            Self::Workshop => "Workshop",
            Self::Lab => "Hands-on lab",
            Self::Theater => "Theater",
            Self::Break => "Break",
        }
    }

    /// Parses a kind name (case-insensitive; "theatre" is accepted too).
    pub fn parse(raw: &str) -> Result<Self, ProgramError> {
        let lower = raw.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == lower)
            .or_else(|| (lower == "theatre").then_some(Self::Theater))
            .ok_or_else(|| ProgramError::UnknownKind(raw.to_owned()))
    }

    /// Whether attendees reserve seats for this kind (breaks are open to all).
    pub fn is_reservable(&self) -> bool {
        !matches!(self, Self::Break)
    }
}

/// The days of a conference and the local time at which one conference day turns into the
/// next (frab's `day_change`): a party at 01:00 belongs to the day before when the day
/// changes at 04:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConferenceDays {
    first: NaiveDate,
    last: NaiveDate,
    day_change: NaiveTime,
}

impl ConferenceDays {
    /// The longest conference accepted, in days.
    pub const MAX_DAYS: i64 = 31;

    /// Days from `first` to `last` inclusive, the day changing at `day_change` local time.
    pub fn new(
        first: NaiveDate,
        last: NaiveDate,
        day_change: NaiveTime,
    ) -> Result<Self, ProgramError> {
        let len = (last - first).num_days() + 1;
        if !(1..=Self::MAX_DAYS).contains(&len) {
            return Err(ProgramError::BadDays { first, last });
        }
        Ok(Self {
            first,
            last,
            day_change,
        })
    }

    /// The first day.
    pub fn first(&self) -> NaiveDate {
        self.first
    }

    /// The last day.
    pub fn last(&self) -> NaiveDate {
        self.last
    }

    /// The local time at which a conference day ends and the next begins.
    pub fn day_change(&self) -> NaiveTime {
        self.day_change
    }

    /// Every day, first to last.
    pub fn dates(&self) -> Vec<NaiveDate> {
        self.first
            .iter_days()
            .take_while(|d| *d <= self.last)
            .collect()
    }

    /// The conference day `instant` belongs to in `zone`: its local date, or the date before
    /// when its local time is before the day change.
    pub fn day_of(&self, instant: DateTime<Utc>, zone: TimeZone) -> NaiveDate {
        let local = instant.with_timezone(&zone.tz()).naive_local();
        if local.time() < self.day_change {
            local.date() - Duration::days(1)
        } else {
            local.date()
        }
    }

    /// Whether `day` is one of the conference days.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first <= day && day <= self.last
    }

    /// The 1-based number of `day` ("Day 2"), if it is a conference day.
    pub fn number_of(&self, day: NaiveDate) -> Option<u32> {
        self.contains(day)
            .then(|| day.num_days_from_ce() - self.first.num_days_from_ce() + 1)
            .and_then(|n| u32::try_from(n).ok())
    }
}

/// A conference as stored: what the overview page and the API show.
#[derive(Clone, Debug, PartialEq)]
pub struct Conference {
    /// Its id.
    pub id: ConferenceId,
    /// Its details.
    pub info: ConferenceInfo,
}

/// The details of a conference, stored or not yet.
#[derive(Clone, Debug, PartialEq)]
pub struct ConferenceInfo {
    /// The URL segment, `/c/{slug}`.
    pub slug: Slug,
    /// The conference's name.
    pub name: String,
    /// The venue's zone: pages and exports render local times in it.
    pub time_zone: TimeZone,
    /// Its days.
    pub days: ConferenceDays,
    /// Where it takes place ("Hall 7, Messe Berlin"); may be empty.
    pub venue: String,
    /// The city, for the overview; may be empty.
    pub city: String,
    /// What it is about, plain text; may be empty.
    pub description: String,
    /// Its website; may be empty.
    pub url: String,
}

impl ConferenceInfo {
    /// The longest name accepted.
    pub const MAX_NAME: usize = 200;

    /// Checks the parts and builds the details.
    pub fn new(
        slug: Slug,
        name: &str,
        time_zone: TimeZone,
        days: ConferenceDays,
    ) -> Result<Self, ProgramError> {
        Ok(Self {
            slug,
            name: text("name", name, Self::MAX_NAME)?,
            time_zone,
            days,
            venue: String::new(),
            city: String::new(),
            description: String::new(),
            url: String::new(),
        })
    }
}

/// A room of a conference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Room {
    /// Its id.
    pub id: RoomId,
    /// Its name, unique within the conference.
    pub name: String,
    /// How many people it holds; `None` when unknown (then unlimited).
    pub capacity: Option<Capacity>,
    /// Where to find it ("Level 2, past the cloakroom"); may be empty.
    pub note: String,
}

/// A track: a theme that groups sessions, shown by its colour and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Track {
    /// Its id.
    pub id: TrackId,
    /// Its name, unique within the conference.
    pub name: String,
    /// Its colour on the program grid.
    pub colour: Colour,
}

/// A link attached to a session or speaker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// What the link is ("Slides", "Recording").
    pub title: String,
    /// Where it points: an absolute http(s) URL.
    pub url: String,
}

impl Link {
    /// Checks that `url` is an absolute http(s) URL and `title` is not empty.
    pub fn new(title: &str, url: &str) -> Result<Self, ProgramError> {
        let url = text("link url", url, 2000)?;
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(' ') {
            return Err(ProgramError::Text {
                field: "link url",
                error: TextError::NotASlug(url),
            });
        }
        Ok(Self {
            title: text("link title", title, 200)?,
            url,
        })
    }
}

/// A speaker of a conference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Speaker {
    /// Its id.
    pub id: SpeakerId,
    /// The details.
    pub info: SpeakerInfo,
}

/// What a speaker page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpeakerInfo {
    /// Full name.
    pub name: String,
    /// Company or affiliation; may be empty.
    pub company: String,
    /// A short biography, plain text; may be empty.
    pub bio: String,
    /// Home page, social profiles.
    pub links: Vec<Link>,
    /// A photo (absolute http(s) URL); may be empty.
    pub photo_url: String,
}

impl SpeakerInfo {
    /// A speaker called `name` with nothing else known yet.
    pub fn new(name: &str) -> Result<Self, ProgramError> {
        Ok(Self {
            name: text("speaker name", name, 200)?,
            company: String::new(),
            bio: String::new(),
            links: Vec::new(),
            photo_url: String::new(),
        })
    }
}

/// A session as stored, with the seats taken.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// Its id.
    pub id: SessionId,
    /// The room it takes place in.
    pub room: RoomId,
    /// Its track, if any.
    pub track: Option<TrackId>,
    /// Its speakers, in billing order.
    pub speakers: Vec<SpeakerId>,
    /// The details.
    pub info: SessionInfo,
    /// Its seats: the effective capacity and how many are reserved.
    pub seats: Seats,
}

/// The details of a session that do not refer to other items.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionInfo {
    /// Its globally unique id, kept across re-imports, moves and renames.
    pub guid: Guid,
    /// The title.
    pub title: String,
    /// A subtitle; may be empty.
    pub subtitle: String,
    /// What kind of session.
    pub kind: SessionKind,
    /// The conference's own name for its kind ("Lightning talk", frab's "lecture"); empty:
    /// the kind's label.
    pub label: String,
    /// When it takes place.
    pub span: TimeSpan,
    /// A capacity below the room's (a workshop with 30 laptops in a 200-seat room).
    pub capacity_override: Option<Capacity>,
    /// The abstract, plain text; may be empty.
    pub abstract_text: String,
    /// The longer description, plain text; may be empty.
    pub description: String,
    /// Its page elsewhere (the source system's); may be empty.
    pub url: String,
    /// The language it is held in (BCP 47, e.g. `en`); may be empty.
    pub language: String,
    /// Slides, recordings.
    pub links: Vec<Link>,
}

impl SessionInfo {
    /// The longest title accepted.
    pub const MAX_TITLE: usize = 300;

    /// A session titled `title` of `kind` during `span`. Its guid is derived from the title and
    /// start; importers set the file's.
    pub fn new(title: &str, kind: SessionKind, span: TimeSpan) -> Result<Self, ProgramError> {
        let title = text("title", title, Self::MAX_TITLE)?;
        Ok(Self {
            guid: Guid::derived(&format!("{title}@{}", span.start().timestamp())),
            title,
            subtitle: String::new(),
            kind,
            label: String::new(),
            span,
            capacity_override: None,
            abstract_text: String::new(),
            description: String::new(),
            url: String::new(),
            language: String::new(),
            links: Vec::new(),
        })
    }

    /// What pages call its kind: the conference's label, else the kind's.
    pub fn kind_label(&self) -> &str {
        if self.label.is_empty() {
            self.kind.label()
        } else {
            &self.label
        }
    }

    /// The seats this session offers in a room holding `room_capacity`: none for breaks
    /// (open to all), else the override if set, else the room's.
    pub fn effective_capacity(&self, room_capacity: Option<Capacity>) -> Option<Capacity> {
        if !self.kind.is_reservable() {
            return None;
        }
        self.capacity_override.or(room_capacity)
    }
}

/// A session of a [`Program`] not yet stored: it names its room, track and speakers by their
/// position in the program's lists.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionDraft {
    /// Index into [`Program::rooms`].
    pub room: usize,
    /// Index into [`Program::tracks`].
    pub track: Option<usize>,
    /// Indexes into [`Program::speakers`].
    pub speakers: Vec<usize>,
    /// The details.
    pub info: SessionInfo,
}

/// A room of a [`Program`] not yet stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomDraft {
    /// The name.
    pub name: String,
    /// The capacity; `None` when unknown.
    pub capacity: Option<Capacity>,
}

/// A track of a [`Program`] not yet stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackDraft {
    /// The name.
    pub name: String,
    /// The colour.
    pub colour: Colour,
}

/// A whole program as it comes from an import or the demo generator, checked and ready to be
/// stored in one transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    conference: ConferenceInfo,
    rooms: Vec<RoomDraft>,
    tracks: Vec<TrackDraft>,
    speakers: Vec<SpeakerInfo>,
    sessions: Vec<SessionDraft>,
}

impl Program {
    /// Most sessions a conference holds: several times the biggest published programs
    /// (38C3: about 1,000; FOSDEM: about 1,100), and what an import stores, tells and
    /// commits in well under two seconds.
    pub const MAX_SESSIONS: usize = 20_000;

    /// Checks the parts against each other: at most [`Program::MAX_SESSIONS`] sessions,
    /// references resolve, room and track names are
    /// unique, every session lies on a conference day, and no room holds two sessions at once.
    /// The first problem found is reported.
    pub fn new(
        conference: ConferenceInfo,
        rooms: Vec<RoomDraft>,
        tracks: Vec<TrackDraft>,
        speakers: Vec<SpeakerInfo>,
        sessions: Vec<SessionDraft>,
    ) -> Result<Self, ProgramError> {
        Self::checked(conference, rooms, tracks, speakers, sessions, true)
    }

    fn checked(
        conference: ConferenceInfo,
        rooms: Vec<RoomDraft>,
        tracks: Vec<TrackDraft>,
        speakers: Vec<SpeakerInfo>,
        sessions: Vec<SessionDraft>,
        refuse_room_clashes: bool,
    ) -> Result<Self, ProgramError> {
        if sessions.len() > Self::MAX_SESSIONS {
            return Err(ProgramError::TooManySessions {
                count: sessions.len(),
            });
        }
        unique_names("rooms", rooms.iter().map(|r| r.name.as_str()))?;
        unique_names("tracks", tracks.iter().map(|t| t.name.as_str()))?;
        for s in &sessions {
            let dangling = |what, index| ProgramError::DanglingReference {
                session: s.info.title.clone(),
                what,
                index,
            };
            if s.room >= rooms.len() {
                return Err(dangling("room", s.room));
            }
            if let Some(t) = s.track.filter(|t| *t >= tracks.len()) {
                return Err(dangling("track", t));
            }
            if let Some(p) = s.speakers.iter().find(|p| **p >= speakers.len()) {
                return Err(dangling("speaker", *p));
            }
            let day = conference
                .days
                .day_of(s.info.span.start(), conference.time_zone);
            if !conference.days.contains(day) {
                return Err(ProgramError::OutsideDays {
                    session: s.info.title.clone(),
                    day,
                    first: conference.days.first(),
                    last: conference.days.last(),
                });
            }
        }
        if let Some((a, b)) = first_room_clash(&sessions).filter(|_| refuse_room_clashes) {
            return Err(ProgramError::RoomDoubleBooked {
                room: rooms[sessions[a].room].name.clone(),
                first: sessions[a].info.title.clone(),
                second: sessions[b].info.title.clone(),
            });
        }
        Ok(Self {
            conference,
            rooms,
            tracks,
            speakers,
            sessions,
        })
    }

    /// Like [`Program::new`], but two sessions in one room at once are let through and
    /// answered (as index pairs) instead of refused: published schedules have them (a DJ set
    /// running into the next), and an import reports them rather than failing.
    pub fn with_room_clashes(
        conference: ConferenceInfo,
        rooms: Vec<RoomDraft>,
        tracks: Vec<TrackDraft>,
        speakers: Vec<SpeakerInfo>,
        sessions: Vec<SessionDraft>,
    ) -> Result<(Self, Vec<(usize, usize)>), ProgramError> {
        let clashes = room_clashes(&sessions);
        let program = Self::checked(conference, rooms, tracks, speakers, sessions, false)?;
        Ok((program, clashes))
    }

    /// Fills in capacities the program leaves open from the stored version: a room without a
    /// capacity takes `room(name)`, and, when `sessions_too`, a session without an override
    /// takes `session(guid)`. A file format that cannot state capacities (frab XML has no room
    /// sizes, neither schema has session seats) must not erase the organizer's numbers.
    pub fn keep_capacities(
        &mut self,
        room: impl Fn(&str) -> Option<Capacity>,
        session: impl Fn(&Guid) -> Option<Capacity>,
        sessions_too: bool,
    ) {
        for r in &mut self.rooms {
            if r.capacity.is_none() {
                r.capacity = room(&r.name);
            }
        }
        if sessions_too {
            for s in &mut self.sessions {
                if s.info.capacity_override.is_none() {
                    s.info.capacity_override = session(&s.info.guid);
                }
            }
        }
    }

    /// The conference's details.
    pub fn conference(&self) -> &ConferenceInfo {
        &self.conference
    }
    /// The rooms, in display order.
    pub fn rooms(&self) -> &[RoomDraft] {
        &self.rooms
    }
    /// The tracks.
    pub fn tracks(&self) -> &[TrackDraft] {
        &self.tracks
    }
    /// The speakers.
    pub fn speakers(&self) -> &[SpeakerInfo] {
        &self.speakers
    }
    /// The sessions.
    pub fn sessions(&self) -> &[SessionDraft] {
        &self.sessions
    }
}

fn unique_names<'a>(
    what: &'static str,
    names: impl Iterator<Item = &'a str>,
) -> Result<(), ProgramError> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if !seen.insert(n.to_lowercase()) {
            return Err(ProgramError::DuplicateName {
                what,
                name: n.to_owned(),
            });
        }
    }
    Ok(())
}

/// Every pair of sessions (by index) that share a room at the same time, each session
/// paired with the earlier one it runs into.
pub fn room_clashes(sessions: &[SessionDraft]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..sessions.len()).collect();
    order.sort_by_key(|&i| (sessions[i].room, sessions[i].info.span.start(), i));
    let mut clashes = Vec::new();
    let mut open: Option<usize> = None;
    for &i in &order {
        match open {
            Some(o) if sessions[o].room == sessions[i].room => {
                if sessions[o].info.span.overlaps(&sessions[i].info.span) {
                    clashes.push((o, i));
                }
                if sessions[i].info.span.end() > sessions[o].info.span.end() {
                    open = Some(i);
                }
            }
            _ => open = Some(i),
        }
    }
    clashes
}

/// The first pair of sessions (by index) that share a room at the same time.
pub fn first_room_clash(sessions: &[SessionDraft]) -> Option<(usize, usize)> {
    let mut order: Vec<usize> = (0..sessions.len()).collect();
    order.sort_by_key(|&i| (sessions[i].room, sessions[i].info.span.start(), i));
    order.windows(2).find_map(|w| {
        let (a, b) = (&sessions[w[0]], &sessions[w[1]]);
        (a.room == b.room && a.info.span.overlaps(&b.info.span)).then_some((w[0], w[1]))
    })
}

/// Whether a session in a room of `capacity` with `reserved` seats taken is shown as full.
pub fn seats_for(info: &SessionInfo, room_capacity: Option<Capacity>, reserved: u32) -> Seats {
    Seats::new(info.effective_capacity(room_capacity), reserved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn days() -> ConferenceDays {
        ConferenceDays::new(
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
        )
        .unwrap()
    }

    fn berlin() -> TimeZone {
        TimeZone::parse("Europe/Berlin").unwrap()
    }

    fn info() -> ConferenceInfo {
        ConferenceInfo::new(Slug::parse("c").unwrap(), "C", berlin(), days()).unwrap()
    }

    fn session(title: &str, room: usize, h: u32, len_min: i64) -> SessionDraft {
        let start = Utc.with_ymd_and_hms(2026, 11, 22, h, 0, 0).unwrap();
        SessionDraft {
            room,
            track: None,
            speakers: vec![],
            info: SessionInfo::new(
                title,
                SessionKind::Talk,
                TimeSpan::starting_at(start, Duration::minutes(len_min)).unwrap(),
            )
            .unwrap(),
        }
    }

    fn rooms(n: usize) -> Vec<RoomDraft> {
        (0..n)
            .map(|i| RoomDraft {
                name: format!("Room {i}"),
                capacity: Capacity::new(100).ok(),
            })
            .collect()
    }

    #[test]
    fn a_program_holds_at_most_twenty_thousand_sessions() {
        // 200 rooms with 100 half-hour sessions each from 08:00 on the first day.
        let many = |n: usize| -> Vec<SessionDraft> {
            let first = Utc.with_ymd_and_hms(2026, 11, 22, 7, 0, 0).unwrap();
            (0..n)
                .map(|i| {
                    let start = first + Duration::minutes(30 * i64::try_from(i / 200).unwrap());
                    SessionDraft {
                        room: i % 200,
                        track: None,
                        speakers: vec![],
                        info: SessionInfo::new(
                            &format!("Talk {i}"),
                            SessionKind::Talk,
                            TimeSpan::starting_at(start, Duration::minutes(30)).unwrap(),
                        )
                        .unwrap(),
                    }
                })
                .collect()
        };
        let program = |n| Program::new(info(), rooms(200), vec![], vec![], many(n));
        assert_eq!(
            program(Program::MAX_SESSIONS).map(|p| p.sessions().len()),
            Ok(20_000)
        );
        let refused = program(Program::MAX_SESSIONS + 1).unwrap_err();
        assert_eq!(refused, ProgramError::TooManySessions { count: 20_001 });
        assert_eq!(
            refused.to_string(),
            "the program has 20001 sessions; a conference holds at most 20000"
        );
    }

    #[test]
    fn time_zones_must_be_iana_names() {
        assert_eq!(berlin().name(), "Europe/Berlin");
        assert!(TimeZone::parse("Mars/Olympus").is_err());
        assert!(TimeZone::parse("").is_err());
    }

    #[test]
    fn colours_parse_and_pick_readable_text() {
        assert_eq!(Colour::parse("#FFF").unwrap().hex(), "#ffffff");
        assert_eq!(Colour::parse("#1d63ed").unwrap().hex(), "#1d63ed");
        for bad in ["fff", "#ff", "#ggg", "#12345", "#1234567", "#+12345"] {
            assert!(Colour::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Colour::parse("#ffff00").unwrap().text_colour(), "#000000");
        assert_eq!(Colour::parse("#1d3a8a").unwrap().text_colour(), "#ffffff");
    }

    #[test]
    fn session_kinds_round_trip() {
        for k in SessionKind::ALL {
            assert_eq!(SessionKind::parse(k.as_str()), Ok(k));
        }
        assert_eq!(SessionKind::parse("Theatre"), Ok(SessionKind::Theater));
        assert!(SessionKind::parse("party").is_err());
    }

    #[test]
    fn day_change_moves_small_hours_to_the_day_before() {
        let d = days();
        // 01:30 Berlin on the 23rd is 00:30 UTC: still the 22nd's night.
        let night = Utc.with_ymd_and_hms(2026, 11, 23, 0, 30, 0).unwrap();
        assert_eq!(d.day_of(night, berlin()), d.first());
        let morning = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        assert_eq!(d.day_of(morning, berlin()).to_string(), "2026-11-23");
        assert_eq!(d.number_of(d.last()), Some(3));
        assert_eq!(d.dates().len(), 3);
    }

    #[test]
    fn conference_days_must_be_a_sane_run() {
        let a = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        let b = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert!(ConferenceDays::new(a, b, NaiveTime::MIN).is_err());
        assert!(ConferenceDays::new(b, b, NaiveTime::MIN).is_ok());
        let far = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert!(ConferenceDays::new(b, far, NaiveTime::MIN).is_err());
    }

    #[test]
    fn a_room_cannot_hold_two_sessions_at_once() {
        let err = Program::new(
            info(),
            rooms(2),
            vec![],
            vec![],
            vec![
                session("A", 0, 9, 60),
                session("B", 1, 9, 60),
                session("C", 0, 9, 30),
            ],
        )
        .unwrap_err();
        assert!(
            matches!(err, ProgramError::RoomDoubleBooked { ref room, .. } if room == "Room 0"),
            "{err}"
        );
        // Back to back in one room is fine.
        Program::new(
            info(),
            rooms(1),
            vec![],
            vec![],
            vec![session("A", 0, 9, 60), session("B", 0, 10, 60)],
        )
        .unwrap();
    }

    #[test]
    fn references_must_resolve() {
        let mut s = session("A", 3, 9, 60);
        let err = Program::new(info(), rooms(1), vec![], vec![], vec![s.clone()]).unwrap_err();
        assert!(matches!(
            err,
            ProgramError::DanglingReference {
                what: "room",
                index: 3,
                ..
            }
        ));
        s.room = 0;
        s.speakers = vec![0];
        let err = Program::new(info(), rooms(1), vec![], vec![], vec![s]).unwrap_err();
        assert!(matches!(
            err,
            ProgramError::DanglingReference {
                what: "speaker",
                ..
            }
        ));
    }

    #[test]
    fn sessions_must_fall_on_conference_days() {
        let mut s = session("Early", 0, 9, 60);
        s.info.span = TimeSpan::starting_at(
            Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap(),
            Duration::hours(1),
        )
        .unwrap();
        let err = Program::new(info(), rooms(1), vec![], vec![], vec![s]).unwrap_err();
        assert!(matches!(err, ProgramError::OutsideDays { .. }), "{err}");
    }

    #[test]
    fn room_and_track_names_are_unique_ignoring_case() {
        let rooms = vec![
            RoomDraft {
                name: "Hall".into(),
                capacity: None,
            },
            RoomDraft {
                name: "hall".into(),
                capacity: None,
            },
        ];
        assert!(matches!(
            Program::new(info(), rooms, vec![], vec![], vec![]),
            Err(ProgramError::DuplicateName { what: "rooms", .. })
        ));
    }

    #[test]
    fn breaks_are_never_limited_and_overrides_win() {
        let mut s = session("Lunch", 0, 12, 60).info;
        let hundred = Capacity::new(100).ok();
        assert_eq!(s.effective_capacity(hundred), hundred);
        s.capacity_override = Capacity::new(30).ok();
        assert_eq!(s.effective_capacity(hundred), Capacity::new(30).ok());
        s.kind = SessionKind::Break;
        assert_eq!(s.effective_capacity(hundred), None);
    }
}
