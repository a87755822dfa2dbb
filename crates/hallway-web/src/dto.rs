//! API representations that several features answer with (a session appears in the
//! program, in agendas and in contact lists).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use hallway_domain::program::Link;
use hallway_domain::{Session, Track};
use hallway_store::ConferenceDetail;
use serde::Serialize;
use utoipa::ToSchema;

use crate::view::ProgramIndex;

/// A track.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackDto {
    id: i64,
    name: String,
    /// `#rrggbb`.
    colour: String,
}

/// A session as listed in the program.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    id: i64,
    title: String,
    /// RFC 3339.
    starts_at: DateTime<Utc>,
    /// RFC 3339.
    ends_at: DateTime<Utc>,
    /// The conference day it belongs to (the day change applied), YYYY-MM-DD.
    day: NaiveDate,
    room: RoomRef,
    track: Option<TrackDto>,
    /// One of talk, keynote, workshop, lab, theater, break.
    kind: String,
    /// What the conference calls its kind ("Lightning talk"); the kind's name when it has none.
    kind_label: String,
    /// Seats; null = unlimited.
    capacity: Option<u32>,
    /// Seats still free; null = unlimited.
    seats_left: Option<u32>,
    /// `open`, `filling` (75 % taken or more), `full` or `unlimited`.
    seat_state: String,
    /// The seats in words, as the pages show them ("Filling · 12 of 80 seats left").
    seats_text: String,
    speakers: Vec<SpeakerRef>,
    #[serde(rename = "abstract")]
    abstract_text: String,
    /// BCP 47 language tag; empty when not stated.
    language: String,
    links: Vec<LinkDto>,
}

/// A room named by a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomRef {
    id: i64,
    name: String,
}

pub fn session_dto(ix: &ProgramIndex<'_>, s: &Session) -> SessionDto {
    SessionDto {
        id: s.id.get(),
        title: s.info.title.clone(),
        starts_at: s.info.span.start(),
        ends_at: s.info.span.end(),
        day: ix.day_of(s),
        room: RoomRef {
            id: s.room.get(),
            name: ix.room_name(s.room),
        },
        track: ix.track(s.track).map(TrackDto::from),
        kind: s.info.kind.as_str().to_owned(),
        kind_label: s.info.kind_label().to_owned(),
        capacity: s.seats.capacity().map(|c| c.get()),
        seats_left: s.seats.left(),
        seat_state: crate::view::seat_state(s).to_owned(),
        seats_text: crate::view::seats_text(s),
        speakers: s
            .speakers
            .iter()
            .filter_map(|id| ix.speaker(*id))
            .map(|p| SpeakerRef {
                id: p.id.get(),
                name: p.info.name.clone(),
            })
            .collect(),
        abstract_text: s.info.abstract_text.clone(),
        language: s.info.language.clone(),
        links: s.info.links.iter().map(LinkDto::from).collect(),
    }
}

impl From<&Track> for TrackDto {
    fn from(t: &Track) -> Self {
        Self {
            id: t.id.get(),
            name: t.name.clone(),
            colour: t.colour.hex(),
        }
    }
}

/// The program JSON of a conference, each session cut in two around its seat fields and
/// kept while the program revision, rooms, tracks and the conference itself are those it
/// was made from: a program request then only writes the seats of this moment between the
/// kept pieces instead of building and serialising 300 sessions (see BENCHMARKS.md).
#[derive(Debug, Default)]
pub(crate) struct SessionJson {
    by_conference: std::sync::Mutex<HashMap<i64, Arc<SessionParts>>>,
}

impl SessionJson {
    /// The pieces for `program`, made now if those kept are of another revision.
    pub(crate) fn parts(
        &self,
        detail: &ConferenceDetail,
        program: &hallway_store::SharedProgram,
        ix: &ProgramIndex<'_>,
    ) -> Arc<SessionParts> {
        let id = detail.conference.id.get();
        let fits = |p: &SessionParts| {
            p.revision == program.revision
                && p.revision != i64::MIN
                && p.detail.0 == detail.conference
                && p.detail.1 == detail.rooms
                && p.detail.2 == detail.tracks
        };
        let lock = || {
            self.by_conference
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(kept) = lock().get(&id).filter(|p| fits(p)) {
            return Arc::clone(kept);
        }
        let sessions: Vec<SessionPart> = program
            .sessions
            .iter()
            .map(|s| SessionPart::new(&session_dto(ix, s)))
            .collect();
        let len_hint = sessions
            .iter()
            .map(|p| p.head.len() + p.tail.len() + 120)
            .sum::<usize>()
            + 2;
        let parts = Arc::new(SessionParts {
            revision: program.revision,
            detail: (
                detail.conference.clone(),
                detail.rooms.clone(),
                detail.tracks.clone(),
            ),
            sessions,
            len_hint,
        });
        if program.revision != i64::MIN {
            let mut map = lock();
            if map.len() >= 64 && !map.contains_key(&id) {
                map.clear();
            }
            map.insert(id, Arc::clone(&parts));
        }
        parts
    }
}

/// A speaker named by a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpeakerRef {
    id: i64,
    name: String,
}

/// A link.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkDto {
    title: String,
    url: String,
}

impl From<&Link> for LinkDto {
    fn from(l: &Link) -> Self {
        Self {
            title: l.title.clone(),
            url: l.url.clone(),
        }
    }
}

/// The pieces of one conference's program JSON.
#[derive(Debug)]
pub(crate) struct SessionParts {
    pub(crate) revision: i64,
    pub(crate) detail: (
        hallway_domain::Conference,
        Vec<hallway_domain::Room>,
        Vec<hallway_domain::Track>,
    ),
    pub(crate) sessions: Vec<SessionPart>,
    pub(crate) len_hint: usize,
}

/// One session's JSON object without its seat fields: `head` ends after `kind_label`,
/// `tail` starts at `speakers` (the field order of [`SessionDto`]).
#[derive(Debug)]
pub(crate) struct SessionPart {
    head: String,
    tail: String,
}

impl SessionPart {
    /// Cuts `dto`'s JSON before `,"capacity":` and after the comma before `"speakers":`.
    /// Neither can occur inside a string value (a quote there is always escaped), and the
    /// field order is [`SessionDto`]'s; the test comparing every listed session with the
    /// single-session answer holds the two together.
    pub(crate) fn new(dto: &SessionDto) -> Self {
        let json = serde_json::to_string(dto).unwrap_or_default();
        let head_end = json.find(",\"capacity\":").unwrap_or(json.len());
        let tail_start = json.find(",\"speakers\":").map_or(json.len(), |i| i + 1);
        Self {
            head: json[..head_end].to_owned(),
            tail: json[tail_start..].to_owned(),
        }
    }

    /// Appends the whole object with `seats`.
    pub(crate) fn write(&self, out: &mut String, seats: &hallway_domain::Seats) {
        #[derive(Serialize)]
        struct Middle<'a> {
            capacity: Option<u32>,
            seats_left: Option<u32>,
            seat_state: &'a str,
            seats_text: &'a str,
        }
        let text = crate::view::seats_text_of(seats);
        let middle = serde_json::to_string(&Middle {
            capacity: seats.capacity().map(|c| c.get()),
            seats_left: seats.left(),
            seat_state: crate::view::seat_state_of(seats),
            seats_text: &text,
        })
        .unwrap_or_default();
        out.push_str(&self.head);
        out.push(',');
        out.push_str(middle.trim_start_matches('{').trim_end_matches('}'));
        out.push(',');
        out.push_str(&self.tail);
    }
}
