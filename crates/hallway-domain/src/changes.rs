//! What a new version of a program changes against the stored one: which sessions were added,
//! removed, moved, put in another room or otherwise edited. Re-imports and releases apply
//! the difference (so attendees' agendas survive) and keep it as the version's changelog.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::guid::Guid;
use crate::ids::{ConferenceId, RoomId, SessionId, SpeakerId, TrackId};
use crate::program::{Conference, Program, Room, Session, SessionDraft, Speaker, Track, seats_for};

/// A program as stored: the conference with its rooms, tracks, speakers and sessions, each
/// with its id. Exports render it; re-imports compare against it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredProgram {
    /// The conference.
    pub conference: Conference,
    /// Its rooms, in display order.
    pub rooms: Vec<Room>,
    /// Its tracks.
    pub tracks: Vec<Track>,
    /// Its speakers.
    pub speakers: Vec<Speaker>,
    /// Its sessions, by start.
    pub sessions: Vec<Session>,
}

impl StoredProgram {
    /// A program not stored yet, numbered as a fresh store would (1, 2, … in list order), with
    /// no seats taken: what a dry run shows and what the format round-trip tests export.
    pub fn numbered(program: &Program) -> Self {
        let id = |i: usize| i64::try_from(i + 1).unwrap_or(i64::MAX);
        let rooms: Vec<Room> = program
            .rooms()
            .iter()
            .enumerate()
            .map(|(i, r)| Room {
                id: RoomId::new(id(i)),
                name: r.name.clone(),
                capacity: r.capacity,
                note: String::new(),
            })
            .collect();
        let mut sessions: Vec<Session> = program
            .sessions()
            .iter()
            .enumerate()
            .map(|(i, s)| Session {
                id: SessionId::new(id(i)),
                room: rooms[s.room].id,
                track: s.track.map(|t| TrackId::new(id(t))),
                speakers: s.speakers.iter().map(|p| SpeakerId::new(id(*p))).collect(),
                seats: seats_for(&s.info, rooms[s.room].capacity, 0),
                info: s.info.clone(),
            })
            .collect();
        sessions.sort_by_key(|s| (s.info.span.start(), s.id));
        Self {
            conference: Conference {
                id: ConferenceId::new(1),
                info: program.conference().clone(),
            },
            rooms,
            tracks: program
                .tracks()
                .iter()
                .enumerate()
                .map(|(i, t)| Track {
                    id: TrackId::new(id(i)),
                    name: t.name.clone(),
                    colour: t.colour,
                })
                .collect(),
            speakers: program
                .speakers()
                .iter()
                .enumerate()
                .map(|(i, p)| Speaker {
                    id: SpeakerId::new(id(i)),
                    info: p.clone(),
                })
                .collect(),
            sessions,
        }
    }

    /// The room with `id`.
    pub fn room(&self, id: RoomId) -> Option<&Room> {
        self.rooms.iter().find(|r| r.id == id)
    }

    /// The track with `id`.
    pub fn track(&self, id: TrackId) -> Option<&Track> {
        self.tracks.iter().find(|t| t.id == id)
    }

    /// The speaker with `id`.
    pub fn speaker(&self, id: SpeakerId) -> Option<&Speaker> {
        self.speakers.iter().find(|p| p.id == id)
    }
}

/// One way a session changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// New in this version.
    Added,
    /// Gone from this version.
    Removed,
    /// Its start or end changed.
    Moved,
    /// It takes place in another room.
    RoomChanged,
    /// Its title changed.
    Retitled,
    /// Its kind changed (a talk became a workshop).
    KindChanged,
    /// Its seats changed.
    CapacityChanged,
    /// Other speakers give it.
    SpeakersChanged,
    /// Its track, abstract, description, language or links changed.
    DetailsChanged,
}

impl Change {
    /// Whether attendees who kept the session should hear about it.
    pub fn concerns_attendees(self) -> bool {
        matches!(
            self,
            Self::Removed | Self::Moved | Self::RoomChanged | Self::Retitled
        )
    }

    /// A short description for the changelog.
    pub fn label(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Moved => "moved",
            Self::RoomChanged => "room changed",
            Self::Retitled => "retitled",
            Self::KindChanged => "kind changed",
            Self::CapacityChanged => "seats changed",
            Self::SpeakersChanged => "speakers changed",
            Self::DetailsChanged => "details changed",
        }
    }
}

/// Where and when a session takes place, as the changelog shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// Its title then.
    pub title: String,
    /// Its room's name then.
    pub room: String,
    /// Its start then.
    pub starts_at: DateTime<Utc>,
    /// Its end then.
    pub ends_at: DateTime<Utc>,
}

/// One line of a changelog: a session and what happened to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEntry {
    /// The session's guid.
    pub guid: Guid,
    /// What changed (at least one).
    pub changes: Vec<Change>,
    /// Before the change (`None` when added).
    pub before: Option<Slot>,
    /// After the change (`None` when removed).
    pub after: Option<Slot>,
}

impl ChangeEntry {
    /// The session's current title, else its last one.
    pub fn title(&self) -> &str {
        self.after
            .as_ref()
            .or(self.before.as_ref())
            .map_or("", |s| s.title.as_str())
    }
}

/// How a new program differs from the stored one. Indexes point into the new program's
/// sessions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProgramDiff {
    /// New sessions.
    pub added: Vec<usize>,
    /// Sessions kept, with what changed (empty when nothing did).
    pub kept: Vec<(SessionId, usize, Vec<Change>)>,
    /// Stored sessions the new program lacks.
    pub removed: Vec<SessionId>,
    /// The changelog: one entry per added, removed or changed session.
    pub entries: Vec<ChangeEntry>,
}

impl ProgramDiff {
    /// Sessions kept with at least one change.
    pub fn changed(&self) -> impl Iterator<Item = &(SessionId, usize, Vec<Change>)> {
        self.kept.iter().filter(|(_, _, c)| !c.is_empty())
    }

    /// Whether the new program is the stored one.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Compares `new` with `old`. Sessions are matched by guid; the ones left over are matched by
/// title when the title is unique among the left-overs on both sides (a spreadsheet without
/// ids whose session moved keeps its attendees). Room changes compare room names, speaker
/// changes speaker names, so renumbered ids do not count as changes.
pub fn diff(old: &StoredProgram, new: &Program) -> ProgramDiff {
    let mut matched: HashMap<usize, usize> = HashMap::new(); // new index -> old index
    let by_guid: HashMap<Guid, usize> = old
        .sessions
        .iter()
        .enumerate()
        .map(|(i, s)| (s.info.guid, i))
        .collect();
    let mut taken = HashSet::new();
    for (n, s) in new.sessions().iter().enumerate() {
        if let Some(&o) = by_guid.get(&s.info.guid)
            && taken.insert(o)
        {
            matched.insert(n, o);
        }
    }
    let key = |t: &str| t.trim().to_lowercase();
    let mut left_old: HashMap<String, Vec<usize>> = HashMap::new();
    for (o, s) in old.sessions.iter().enumerate() {
        if !taken.contains(&o) {
            left_old.entry(key(&s.info.title)).or_default().push(o);
        }
    }
    let mut left_new: HashMap<String, Vec<usize>> = HashMap::new();
    for n in 0..new.sessions().len() {
        if !matched.contains_key(&n) {
            left_new
                .entry(key(&new.sessions()[n].info.title))
                .or_default()
                .push(n);
        }
    }
    for (title, ns) in &left_new {
        if let (Some(os), [n]) = (left_old.get(title), ns.as_slice())
            && let [o] = os.as_slice()
        {
            matched.insert(*n, *o);
            taken.insert(*o);
        }
    }

    let mut out = ProgramDiff::default();
    let slot_new = |d: &SessionDraft| Slot {
        title: d.info.title.clone(),
        room: new.rooms()[d.room].name.clone(),
        starts_at: d.info.span.start(),
        ends_at: d.info.span.end(),
    };
    let slot_old = |s: &Session| Slot {
        title: s.info.title.clone(),
        room: old.room(s.room).map(|r| r.name.clone()).unwrap_or_default(),
        starts_at: s.info.span.start(),
        ends_at: s.info.span.end(),
    };
    for (n, d) in new.sessions().iter().enumerate() {
        match matched.get(&n) {
            None => {
                out.added.push(n);
                out.entries.push(ChangeEntry {
                    guid: d.info.guid,
                    changes: vec![Change::Added],
                    before: None,
                    after: Some(slot_new(d)),
                });
            }
            Some(&o) => {
                let s = &old.sessions[o];
                let changes = compare(old, s, new, d);
                if !changes.is_empty() {
                    out.entries.push(ChangeEntry {
                        guid: d.info.guid,
                        changes: changes.clone(),
                        before: Some(slot_old(s)),
                        after: Some(slot_new(d)),
                    });
                }
                out.kept.push((s.id, n, changes));
            }
        }
    }
    for (o, s) in old.sessions.iter().enumerate() {
        if !taken.contains(&o) {
            out.removed.push(s.id);
            out.entries.push(ChangeEntry {
                guid: s.info.guid,
                changes: vec![Change::Removed],
                before: Some(slot_old(s)),
                after: None,
            });
        }
    }
    out.entries.sort_by(|a, b| {
        let at = |e: &ChangeEntry| e.after.as_ref().or(e.before.as_ref()).map(|s| s.starts_at);
        at(a).cmp(&at(b)).then_with(|| a.title().cmp(b.title()))
    });
    out
}

fn compare(old: &StoredProgram, s: &Session, new: &Program, d: &SessionDraft) -> Vec<Change> {
    let mut changes = Vec::new();
    let (a, b) = (&s.info, &d.info);
    if a.span != b.span {
        changes.push(Change::Moved);
    }
    let old_room = old.room(s.room).map(|r| r.name.to_lowercase());
    if old_room.as_deref() != Some(new.rooms()[d.room].name.to_lowercase().as_str()) {
        changes.push(Change::RoomChanged);
    }
    if a.title != b.title {
        changes.push(Change::Retitled);
    }
    if a.kind != b.kind || a.label != b.label {
        changes.push(Change::KindChanged);
    }
    let new_capacity = b.effective_capacity(new.rooms()[d.room].capacity);
    if s.seats.capacity() != new_capacity || a.capacity_override != b.capacity_override {
        changes.push(Change::CapacityChanged);
    }
    let old_speakers: Vec<&str> = s
        .speakers
        .iter()
        .filter_map(|p| old.speaker(*p).map(|p| p.info.name.as_str()))
        .collect();
    let new_speakers: Vec<&str> = d
        .speakers
        .iter()
        .map(|p| new.speakers()[*p].name.as_str())
        .collect();
    if old_speakers != new_speakers {
        changes.push(Change::SpeakersChanged);
    }
    let old_track = s.track.and_then(|t| old.track(t)).map(|t| t.name.as_str());
    let new_track = d.track.map(|t| new.tracks()[t].name.as_str());
    if old_track != new_track
        || a.subtitle != b.subtitle
        || a.abstract_text != b.abstract_text
        || a.description != b.description
        || a.language != b.language
        || a.url != b.url
        || a.links != b.links
    {
        changes.push(Change::DetailsChanged);
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::{ConferenceInfo, RoomDraft, SessionInfo, SpeakerInfo};
    use crate::{ConferenceDays, SessionKind, Slug, TimeSpan, TimeZone};
    use chrono::{Duration, NaiveDate, NaiveTime, TimeZone as _};

    fn program(sessions: &[(&str, &str, u32, usize)]) -> Program {
        let days = ConferenceDays::new(
            NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(),
            NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(),
            NaiveTime::MIN,
        )
        .unwrap();
        let info = ConferenceInfo::new(
            Slug::parse("d").unwrap(),
            "D",
            TimeZone::parse("UTC").unwrap(),
            days,
        )
        .unwrap();
        let rooms = vec![
            RoomDraft {
                name: "A".into(),
                capacity: None,
            },
            RoomDraft {
                name: "B".into(),
                capacity: None,
            },
        ];
        let drafts = sessions
            .iter()
            .map(|(guid_key, title, hour, room)| {
                let start = Utc.with_ymd_and_hms(2026, 5, 4, *hour, 0, 0).unwrap();
                let mut info = SessionInfo::new(
                    title,
                    SessionKind::Talk,
                    TimeSpan::starting_at(start, Duration::minutes(30)).unwrap(),
                )
                .unwrap();
                if !guid_key.is_empty() {
                    info.guid = Guid::derived(guid_key);
                }
                SessionDraft {
                    room: *room,
                    track: None,
                    speakers: vec![0],
                    info,
                }
            })
            .collect();
        Program::new(
            info,
            rooms,
            vec![],
            vec![SpeakerInfo::new("S").unwrap()],
            drafts,
        )
        .unwrap()
    }

    #[test]
    fn sessions_are_matched_by_guid_across_moves_and_renames() {
        let old = StoredProgram::numbered(&program(&[
            ("a", "Alpha", 9, 0),
            ("b", "Beta", 10, 0),
            ("c", "Gamma", 11, 0),
        ]));
        let new = program(&[
            ("a", "Alpha", 12, 1),
            ("b", "Beta, revised", 10, 0),
            ("d", "Delta", 13, 0),
        ]);
        let d = diff(&old, &new);
        assert_eq!(d.added, vec![2]);
        assert_eq!(d.removed, vec![old.sessions[2].id]);
        let changes: Vec<_> = d.changed().map(|(id, _, c)| (*id, c.clone())).collect();
        assert_eq!(
            changes,
            vec![
                (old.sessions[0].id, vec![Change::Moved, Change::RoomChanged]),
                (old.sessions[1].id, vec![Change::Retitled]),
            ]
        );
        assert_eq!(
            d.entries.len(),
            4,
            "one line per added, removed or changed session"
        );
        assert!(d.entries.windows(2).all(|w| {
            let at = |e: &ChangeEntry| e.after.as_ref().or(e.before.as_ref()).map(|s| s.starts_at);
            at(&w[0]) <= at(&w[1])
        }));
    }

    #[test]
    fn without_guids_a_unique_title_still_matches() {
        // Guids derived from title and start: a moved session gets a new one, but its title
        // is unique, so it is the same session (a spreadsheet without ids).
        let old = StoredProgram::numbered(&program(&[
            ("", "Alpha", 9, 0),
            ("", "Twin", 10, 0),
            ("", "Twin", 11, 1),
        ]));
        let new = program(&[
            ("", "Alpha", 14, 0),
            ("", "Twin", 15, 0),
            ("", "Twin", 16, 1),
        ]);
        let d = diff(&old, &new);
        assert_eq!(d.changed().count(), 1, "Alpha moved");
        // Two sessions share the title "Twin": no guessing, they are replaced.
        assert_eq!((d.added.len(), d.removed.len()), (2, 2));
    }

    #[test]
    fn the_same_program_has_no_changes() {
        let p = program(&[("a", "Alpha", 9, 0), ("b", "Beta", 10, 1)]);
        let d = diff(&StoredProgram::numbered(&p), &p);
        assert!(d.is_empty());
        assert_eq!(d.kept.len(), 2);
    }
}
