//! The organizer's program editor: sessions are edited in a draft and published by a
//! release. This module holds the draft and the rules the editor checks before saving: a
//! room used twice at once (refused), a session outside the conference days (refused), a
//! speaker in two places at once and a capacity below the seats already taken (warned).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::changes::StoredProgram;
use crate::guid::Guid;
use crate::ids::{RoomId, SessionId, SpeakerId, TrackId};
use crate::program::{
    ConferenceInfo, RoomDraft, SessionDraft, SessionInfo, SpeakerInfo, TrackDraft,
};
use crate::seats::Capacity;
use crate::span::TimeSpan;
use crate::{Program, ProgramError, SessionKind};

/// A session in the draft. Sessions already released keep their public id; new ones get the
/// id the release will store them under.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftSession {
    /// Its id in the draft.
    pub id: i64,
    /// Its guid: what the release matches it by.
    pub guid: Guid,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: SessionKind,
    /// The conference's name for its kind; empty: the kind's.
    #[serde(default)]
    pub label: String,
    /// When.
    pub span: TimeSpan,
    /// Where.
    pub room: RoomId,
    /// Track.
    pub track: Option<TrackId>,
    /// Speakers, in billing order.
    pub speakers: Vec<SpeakerId>,
    /// Seats below the room's, if any.
    pub capacity: Option<Capacity>,
    /// Abstract.
    #[serde(default)]
    pub abstract_text: String,
    /// Fields the editor does not show but a release must keep.
    #[serde(default)]
    pub subtitle: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Language.
    #[serde(default)]
    pub language: String,
    /// The session's page elsewhere.
    #[serde(default)]
    pub url: String,
    /// Links.
    #[serde(default)]
    pub links: Vec<crate::program::Link>,
}

/// The sessions of the next release.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The sessions, in no particular order. A new one's id is reserved by the store from
    /// the space of session ids, so the release keeps it.
    pub sessions: Vec<DraftSession>,
}

impl Draft {
    /// The draft of a program as released: every session as it is.
    pub fn of(program: &StoredProgram) -> Self {
        let sessions: Vec<DraftSession> = program
            .sessions
            .iter()
            .map(|s| DraftSession {
                id: s.id.get(),
                guid: s.info.guid,
                title: s.info.title.clone(),
                kind: s.info.kind,
                label: s.info.label.clone(),
                span: s.info.span,
                room: s.room,
                track: s.track,
                speakers: s.speakers.clone(),
                capacity: s.info.capacity_override,
                abstract_text: s.info.abstract_text.clone(),
                subtitle: s.info.subtitle.clone(),
                description: s.info.description.clone(),
                language: s.info.language.clone(),
                url: s.info.url.clone(),
                links: s.info.links.clone(),
            })
            .collect();
        Self { sessions }
    }

    /// The session with `id`.
    pub fn session(&self, id: i64) -> Option<&DraftSession> {
        self.sessions.iter().find(|s| s.id == id)
    }

    /// The sessions by start, then room.
    pub fn sorted(&self) -> Vec<&DraftSession> {
        let mut all: Vec<&DraftSession> = self.sessions.iter().collect();
        all.sort_by_key(|s| (s.span.start(), s.room, s.id));
        all
    }

    /// Builds the program a release publishes: the conference with its current rooms, tracks
    /// and speakers, and the draft's sessions. Refuses what [`Program::new`] refuses.
    pub fn to_program(
        &self,
        live: &StoredProgram,
        conference: ConferenceInfo,
    ) -> Result<Program, ProgramError> {
        let room_index: HashMap<RoomId, usize> = live
            .rooms
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, i))
            .collect();
        let track_index: HashMap<TrackId, usize> = live
            .tracks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id, i))
            .collect();
        let speaker_index: HashMap<SpeakerId, usize> = live
            .speakers
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        let mut sessions = Vec::with_capacity(self.sessions.len());
        for s in self.sorted() {
            let room = *room_index
                .get(&s.room)
                .ok_or_else(|| ProgramError::DanglingReference {
                    session: s.title.clone(),
                    what: "room",
                    index: usize::try_from(s.room.get()).unwrap_or(usize::MAX),
                })?;
            let mut info = SessionInfo::new(&s.title, s.kind, s.span)?;
            info.guid = s.guid;
            info.label = s.label.clone();
            info.capacity_override = s.capacity;
            info.abstract_text = s.abstract_text.clone();
            info.subtitle = s.subtitle.clone();
            info.description = s.description.clone();
            info.language = s.language.clone();
            info.url = s.url.clone();
            info.links = s.links.clone();
            sessions.push(SessionDraft {
                room,
                track: s.track.and_then(|t| track_index.get(&t).copied()),
                speakers: s
                    .speakers
                    .iter()
                    .filter_map(|p| speaker_index.get(p).copied())
                    .collect(),
                info,
            });
        }
        Program::new(
            conference,
            live.rooms
                .iter()
                .map(|r| RoomDraft {
                    name: r.name.clone(),
                    capacity: r.capacity,
                })
                .collect(),
            live.tracks
                .iter()
                .map(|t| TrackDraft {
                    name: t.name.clone(),
                    colour: t.colour,
                })
                .collect(),
            live.speakers
                .iter()
                .map(|p| p.info.clone())
                .collect::<Vec<SpeakerInfo>>(),
            sessions,
        )
    }
}

/// What the editor found about a session before saving it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum EditProblem {
    /// Another session takes the room at that time: refused.
    RoomTaken {
        /// The other session's id.
        session: i64,
        /// Its title.
        title: String,
    },
    /// The session lies outside the conference days: refused.
    OutsideDays {
        /// The conference day it falls on.
        day: NaiveDate,
    },
    /// A speaker gives another session at that time: warned.
    SpeakerBusy {
        /// The speaker.
        speaker: SpeakerId,
        /// The other session's id.
        session: i64,
        /// Its title.
        title: String,
    },
    /// Fewer seats than attendees already hold: warned (they keep their seats).
    BelowReserved {
        /// Seats reserved now.
        reserved: u32,
        /// The capacity asked for.
        capacity: u32,
    },
}

impl EditProblem {
    /// Whether the editor refuses to save.
    pub fn blocks(&self) -> bool {
        matches!(self, Self::RoomTaken { .. } | Self::OutsideDays { .. })
    }

    /// A sentence for the organizer; `speaker_name` names speakers.
    pub fn describe(&self, speaker_name: impl Fn(SpeakerId) -> String) -> String {
        match self {
            Self::RoomTaken { title, .. } => {
                format!("The room is taken then by \u{201c}{title}\u{201d}.")
            }
            Self::OutsideDays { day } => format!("{day} is not one of the conference days."),
            Self::SpeakerBusy { speaker, title, .. } => {
                format!(
                    "{} also speaks in \u{201c}{title}\u{201d} at that time.",
                    speaker_name(*speaker)
                )
            }
            Self::BelowReserved { reserved, capacity } => format!(
                "{reserved} attendees already hold seats, more than the {capacity} asked for: they keep them, and nobody new gets in until fewer remain."
            ),
        }
    }
}

/// A session as the editor is about to save it.
#[derive(Clone, Debug)]
pub struct Candidate<'a> {
    /// The session's id when editing one, `None` for a new one.
    pub id: Option<i64>,
    /// Where.
    pub room: RoomId,
    /// When.
    pub span: TimeSpan,
    /// Who speaks.
    pub speakers: &'a [SpeakerId],
    /// The capacity it will have (its own or the room's), if limited.
    pub capacity: Option<Capacity>,
    /// Seats taken now (0 for a new session).
    pub reserved: u32,
}

/// Checks `candidate` against the other sessions of `draft` and the conference days. Blocking
/// problems come first.
pub fn check(
    draft: &Draft,
    conference: &ConferenceInfo,
    candidate: &Candidate<'_>,
) -> Vec<EditProblem> {
    let mut out = Vec::new();
    let day = conference
        .days
        .day_of(candidate.span.start(), conference.time_zone);
    if !conference.days.contains(day) {
        out.push(EditProblem::OutsideDays { day });
    }
    for other in draft.sessions.iter().filter(|s| Some(s.id) != candidate.id) {
        if !other.span.overlaps(&candidate.span) {
            continue;
        }
        if other.room == candidate.room {
            out.push(EditProblem::RoomTaken {
                session: other.id,
                title: other.title.clone(),
            });
        }
        for p in candidate
            .speakers
            .iter()
            .filter(|p| other.speakers.contains(p))
        {
            out.push(EditProblem::SpeakerBusy {
                speaker: *p,
                session: other.id,
                title: other.title.clone(),
            });
        }
    }
    if let Some(c) = candidate.capacity
        && candidate.reserved > c.get()
    {
        out.push(EditProblem::BelowReserved {
            reserved: candidate.reserved,
            capacity: c.get(),
        });
    }
    out.sort_by_key(|p| !p.blocks());
    out
}

/// The public id of a draft session, if it was released.
pub fn public_id(program: &StoredProgram, id: i64) -> Option<SessionId> {
    program
        .sessions
        .iter()
        .find(|s| s.id.get() == id)
        .map(|s| s.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::ConferenceInfo;
    use crate::{ConferenceDays, Slug, TimeZone};
    use chrono::{Duration, NaiveTime, TimeZone as _, Utc};

    fn conference() -> ConferenceInfo {
        let days = ConferenceDays::new(
            NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 6, 2).unwrap(),
            NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
        )
        .unwrap();
        ConferenceInfo::new(
            Slug::parse("e").unwrap(),
            "E",
            TimeZone::parse("UTC").unwrap(),
            days,
        )
        .unwrap()
    }

    fn span(day: u32, h: u32, minutes: i64) -> TimeSpan {
        TimeSpan::starting_at(
            Utc.with_ymd_and_hms(2026, 6, day, h, 0, 0).unwrap(),
            Duration::minutes(minutes),
        )
        .unwrap()
    }

    fn session(id: i64, room: i64, span: TimeSpan, speakers: &[i64]) -> DraftSession {
        DraftSession {
            id,
            guid: Guid::derived(&id.to_string()),
            title: format!("S{id}"),
            kind: SessionKind::Talk,
            label: String::new(),
            span,
            room: RoomId::new(room),
            track: None,
            speakers: speakers.iter().map(|p| SpeakerId::new(*p)).collect(),
            capacity: None,
            abstract_text: String::new(),
            subtitle: String::new(),
            description: String::new(),
            language: String::new(),
            url: String::new(),
            links: Vec::new(),
        }
    }

    fn draft() -> Draft {
        Draft {
            sessions: vec![
                session(1, 10, span(1, 9, 60), &[7]),
                session(2, 11, span(1, 9, 60), &[8]),
            ],
        }
    }

    fn candidate(room: i64, span: TimeSpan, speakers: &[SpeakerId]) -> Candidate<'_> {
        Candidate {
            id: None,
            room: RoomId::new(room),
            span,
            speakers,
            capacity: None,
            reserved: 0,
        }
    }

    #[test]
    fn a_room_used_twice_is_refused_and_back_to_back_is_fine() {
        let p = check(&draft(), &conference(), &candidate(10, span(1, 9, 30), &[]));
        assert_eq!(
            p,
            vec![EditProblem::RoomTaken {
                session: 1,
                title: "S1".into()
            }]
        );
        assert!(p[0].blocks());
        assert!(
            check(
                &draft(),
                &conference(),
                &candidate(10, span(1, 10, 30), &[])
            )
            .is_empty()
        );
    }

    #[test]
    fn editing_a_session_does_not_clash_with_itself() {
        let mut c = candidate(10, span(1, 9, 90), &[]);
        c.id = Some(1);
        assert!(check(&draft(), &conference(), &c).is_empty());
    }

    #[test]
    fn a_speaker_in_two_places_is_warned_not_refused() {
        let speakers = [SpeakerId::new(8)];
        let p = check(
            &draft(),
            &conference(),
            &candidate(12, span(1, 9, 30), &speakers),
        );
        assert_eq!(
            p,
            vec![EditProblem::SpeakerBusy {
                speaker: SpeakerId::new(8),
                session: 2,
                title: "S2".into()
            }]
        );
        assert!(!p[0].blocks());
    }

    #[test]
    fn outside_the_days_is_refused_and_the_day_change_counts() {
        let p = check(
            &draft(),
            &conference(),
            &candidate(12, span(3, 10, 30), &[]),
        );
        assert!(matches!(p[..], [EditProblem::OutsideDays { .. }]));
        // 02:00 on the 3rd belongs to the 2nd (the day changes at 04:00).
        assert!(check(&draft(), &conference(), &candidate(12, span(3, 2, 30), &[])).is_empty());
    }

    #[test]
    fn a_capacity_below_the_seats_taken_is_warned() {
        let mut c = candidate(12, span(2, 9, 30), &[]);
        c.capacity = Capacity::new(10).ok();
        c.reserved = 12;
        let p = check(&draft(), &conference(), &c);
        assert_eq!(
            p,
            vec![EditProblem::BelowReserved {
                reserved: 12,
                capacity: 10
            }]
        );
        assert!(!p[0].blocks());
    }

    #[test]
    fn blocking_problems_come_first() {
        let speakers = [SpeakerId::new(7)];
        let mut c = candidate(10, span(1, 9, 30), &speakers);
        c.capacity = Capacity::new(1).ok();
        c.reserved = 2;
        let p = check(&draft(), &conference(), &c);
        assert!(p[0].blocks());
        assert_eq!(p.len(), 3);
    }
}
