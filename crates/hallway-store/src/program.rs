//! Conferences and their programs: stored whole from a [`Program`] in one transaction, read
//! back as domain types for pages, the API and exports.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use hallway_domain::program::{ConferenceInfo, Link, SessionInfo, SpeakerInfo};
use hallway_domain::{
    Capacity, Colour, Conference, ConferenceDays, ConferenceId, Guid, Program, Room, RoomId, Seats,
    Session, SessionId, SessionKind, Slug, Speaker, SpeakerId, TimeSpan, TimeZone, Track, TrackId,
};

use crate::{
    Result, Store, StoreError, conflict_on_unique, from_json, on_pool, on_write, to_json, to_u32,
};

/// A conference's program as kept in memory, with the seat counts of this moment
/// ([`Store::shared_program_of`]).
#[derive(Clone, Debug)]
pub struct SharedProgram {
    /// The program revision it was read at; `i64::MIN` when read outside the cache.
    pub revision: i64,
    /// Sessions by start time, then room order; their own seat counts are stale.
    pub sessions: Arc<Vec<Session>>,
    /// Speakers.
    pub speakers: Arc<Vec<Speaker>>,
    /// The seat counts of this moment, one per session, in the same order.
    pub seats: Vec<Seats>,
}

/// A conference with its rooms (in display order) and tracks (by name).
#[derive(Clone, Debug, PartialEq)]
pub struct ConferenceDetail {
    /// The conference.
    pub conference: Conference,
    /// Its rooms.
    pub rooms: Vec<Room>,
    /// Its tracks.
    pub tracks: Vec<Track>,
    /// Whether the public sees it (conferences made in the workspace start unpublished).
    pub published: bool,
    /// Its logo (absolute http(s) URL); may be empty.
    pub logo_url: String,
    /// Changes whenever its sessions or speakers change (not when seats are taken): the key
    /// of the in-memory copy of its program ([`Store::program_of`]).
    pub program_revision: i64,
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(crate) fn capacity(raw: Option<i64>) -> Result<Option<Capacity>> {
    raw.map(|n| Capacity::new(n).map_err(corrupt)).transpose()
}

fn instant(secs: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| corrupt(format!("instant {secs} out of range")))
}

#[derive(sqlx::FromRow)]
struct ConferenceRow {
    id: i64,
    slug: String,
    name: String,
    time_zone: String,
    first_day: String,
    last_day: String,
    day_change_minutes: i64,
    venue: String,
    city: String,
    description: String,
    url: String,
    published: i64,
    logo_url: String,
    program_revision: i64,
}

impl ConferenceRow {
    fn into_conference(self) -> Result<Conference> {
        let day = |d: &str| d.parse::<NaiveDate>().map_err(corrupt);
        let minutes = u32::try_from(self.day_change_minutes).map_err(corrupt)?;
        let day_change = NaiveTime::from_num_seconds_from_midnight_opt(minutes * 60, 0)
            .ok_or_else(|| corrupt("day change out of range"))?;
        let days = ConferenceDays::new(day(&self.first_day)?, day(&self.last_day)?, day_change)
            .map_err(corrupt)?;
        let mut info = ConferenceInfo::new(
            Slug::parse(&self.slug).map_err(corrupt)?,
            &self.name,
            TimeZone::parse(&self.time_zone).map_err(corrupt)?,
            days,
        )
        .map_err(corrupt)?;
        info.venue = self.venue;
        info.city = self.city;
        info.description = self.description;
        info.url = self.url;
        Ok(Conference {
            id: ConferenceId::new(self.id),
            info,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    room_id: i64,
    track_id: Option<i64>,
    title: String,
    kind: String,
    starts_at: i64,
    ends_at: i64,
    capacity_override: Option<i64>,
    capacity: Option<i64>,
    reserved: i64,
    #[sqlx(rename = "abstract")]
    abstract_text: String,
    language: String,
    links: String,
    guid: String,
    subtitle: String,
    description: String,
    url: String,
    label: String,
}

impl SessionRow {
    fn into_session(self, speakers: Vec<SpeakerId>) -> Result<Session> {
        let span =
            TimeSpan::new(instant(self.starts_at)?, instant(self.ends_at)?).map_err(corrupt)?;
        let kind = SessionKind::parse(&self.kind).map_err(corrupt)?;
        let mut info = SessionInfo::new(&self.title, kind, span).map_err(corrupt)?;
        info.capacity_override = capacity(self.capacity_override)?;
        info.abstract_text = self.abstract_text;
        info.language = self.language;
        info.links = from_json(&self.links, "session links")?;
        // Sessions stored before guids existed get one derived from their id.
        info.guid = Guid::parse(&self.guid)
            .unwrap_or_else(|_| Guid::derived(&format!("hallway-session-{}", self.id)));
        info.subtitle = self.subtitle;
        info.description = self.description;
        info.url = self.url;
        info.label = self.label;
        Ok(Session {
            id: SessionId::new(self.id),
            room: RoomId::new(self.room_id),
            track: self.track_id.map(TrackId::new),
            speakers,
            seats: Seats::new(capacity(self.capacity)?, to_u32(self.reserved, "reserved")?),
            info,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SpeakerRow {
    id: i64,
    name: String,
    company: String,
    bio: String,
    links: String,
    photo_url: String,
}

impl SpeakerRow {
    fn into_speaker(self) -> Result<Speaker> {
        let mut info = SpeakerInfo::new(&self.name).map_err(corrupt)?;
        info.company = self.company;
        info.bio = self.bio;
        info.links = from_json::<Vec<Link>>(&self.links, "speaker links")?;
        info.photo_url = self.photo_url;
        Ok(Speaker {
            id: SpeakerId::new(self.id),
            info,
        })
    }
}

macro_rules! conference_sql {
    ($tail:literal) => {
        concat!(
            "SELECT id, slug, name, time_zone, first_day, last_day, day_change_minutes, venue, ",
            "city, description, url, published, logo_url, program_revision FROM conferences ",
            $tail
        )
    };
}

macro_rules! session_sql {
    ($tail:literal) => {
        concat!(
            "SELECT id, room_id, track_id, title, kind, starts_at, ends_at, capacity_override, ",
            "capacity, reserved, abstract, language, links, guid, subtitle, description, url, label ",
            "FROM sessions ",
            $tail
        )
    };
}

impl Store {
    /// Stores `program` as a new, published conference in one transaction and answers its id.
    ///
    /// Fails with [`StoreError::Conflict`] when the slug is taken; nothing is written then.
    pub async fn insert_program(
        &self,
        program: &Program,
        now: DateTime<Utc>,
    ) -> Result<ConferenceId> {
        self.insert_program_as(program, now, "", "created").await
    }

    /// Like [`Store::insert_program`], recording schedule version 1 with the file's own
    /// version `label` and where it came from (`source`: "import of schedule.xml" …).
    pub async fn insert_program_as(
        &self,
        program: &Program,
        now: DateTime<Utc>,
        label: &str,
        source: &str,
    ) -> Result<ConferenceId> {
        self.insert_program_with(program, now, label, source, &crate::ImportHow::default())
            .await
    }

    /// [`Store::insert_program_as`] by an import: with the audit line, the creator's role
    /// and the `released` event that `how` asks for, in the same transaction.
    pub(crate) async fn insert_program_with(
        &self,
        program: &Program,
        now: DateTime<Utc>,
        label: &str,
        source: &str,
        how: &crate::ImportHow,
    ) -> Result<ConferenceId> {
        let c = program.conference();
        let day_change =
            i64::from(chrono::Timelike::num_seconds_from_midnight(&c.days.day_change()) / 60);
        let id = on_write!(self, pool => {
            // SQLite: the write lock from the start, so the ids counted on stay free.
            let mut tx = pool.begin_with(crate::agenda::begin_sql(self.backend())).await?;
            let conference: i64 = sqlx::query_scalar(
                "INSERT INTO conferences (slug, name, time_zone, first_day, last_day, \
                 day_change_minutes, venue, city, description, created_at, url, published) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(c.slug.as_str())
            .bind(&c.name)
            .bind(c.time_zone.name())
            .bind(c.days.first().to_string())
            .bind(c.days.last().to_string())
            .bind(day_change)
            .bind(&c.venue)
            .bind(&c.city)
            .bind(&c.description)
            .bind(now.timestamp())
            .bind(&c.url)
            .bind(i64::from(!how.unpublished))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, || format!("the slug {} is taken", c.slug)))?;

            let mut rooms = Vec::with_capacity(program.rooms().len());
            for (position, r) in program.rooms().iter().enumerate() {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO rooms (conference_id, name, capacity, position) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(conference)
                .bind(&r.name)
                .bind(r.capacity.map(|c| i64::from(c.get())))
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .fetch_one(&mut *tx)
                .await?;
                rooms.push(id);
            }
            let mut tracks = Vec::with_capacity(program.tracks().len());
            for t in program.tracks() {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO tracks (conference_id, name, colour) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(conference)
                .bind(&t.name)
                .bind(t.colour.hex())
                .fetch_one(&mut *tx)
                .await?;
                tracks.push(id);
            }
            let mut speakers = Vec::with_capacity(program.speakers().len());
            for s in program.speakers() {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO speakers (conference_id, name, company, bio, links) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(conference)
                .bind(&s.name)
                .bind(&s.company)
                .bind(&s.bio)
                .bind(to_json(&s.links))
                .fetch_one(&mut *tx)
                .await?;
                speakers.push(id);
            }
            let ids = crate::bulk::allocate_session_ids!(tx, self.backend(), program.sessions().len());
            let rows: Vec<crate::bulk::NewSession<'_>> = program
                .sessions()
                .iter()
                .zip(ids)
                .map(|(s, id)| crate::bulk::NewSession {
                    id,
                    room: rooms[s.room],
                    track: s.track.map(|t| tracks[t]),
                    info: &s.info,
                    capacity: s
                        .info
                        .effective_capacity(program.rooms()[s.room].capacity)
                        .map(|c| i64::from(c.get())),
                    speakers: s.speakers.iter().map(|p| speakers[*p]).collect(),
                })
                .collect();
            crate::bulk::insert_sessions!(tx, conference, &rows);
            sqlx::query(
                "INSERT INTO schedule_versions (conference_id, version, label, source, created_at, added) \
                 VALUES ($1, 1, $2, $3, $4, $5)",
            )
            .bind(conference)
            .bind(label)
            .bind(source)
            .bind(now.timestamp())
            .bind(i64::try_from(program.sessions().len()).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
            let added = u32::try_from(program.sessions().len()).unwrap_or(u32::MAX);
            let none: [hallway_domain::events::Outgoing; 0] = [];
            crate::schedule::import_effects!(tx, conference, how, source, true, 1, (added, 0u32, 0u32), none, now);
            tx.commit().await?;
            conference
        });
        self.events_written();
        Ok(ConferenceId::new(id))
    }

    /// Deletes a conference and everything in it. Answers whether it existed.
    pub async fn delete_conference(&self, slug: &Slug) -> Result<bool> {
        let n = on_write!(self, pool => {
            sqlx::query("DELETE FROM conferences WHERE slug = $1")
                .bind(slug.as_str())
                .execute(pool)
                .await?
                .rows_affected()
        });
        self.conference_ids.clear();
        Ok(n > 0)
    }

    /// Every published conference on this server, by first day.
    pub async fn conferences(&self) -> Result<Vec<Conference>> {
        let rows: Vec<ConferenceRow> = on_pool!(self, pool => {
            sqlx::query_as(conference_sql!("WHERE published = 1 ORDER BY first_day, name")).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(ConferenceRow::into_conference)
            .collect()
    }

    /// A conference by slug with its rooms and tracks, published or not; `None` if there is
    /// no such conference.
    pub async fn conference(&self, slug: &Slug) -> Result<Option<ConferenceDetail>> {
        let found = on_pool!(self, pool => {
            let row: Option<ConferenceRow> = sqlx::query_as(conference_sql!("WHERE slug = $1"))
                .bind(slug.as_str())
                .fetch_optional(pool)
                .await?;
            match row {
                None => None,
                Some(row) => {
                    let rooms: Vec<(i64, String, Option<i64>, String)> = sqlx::query_as(
                        "SELECT id, name, capacity, note FROM rooms WHERE conference_id = $1 ORDER BY position, id",
                    )
                    .bind(row.id)
                    .fetch_all(pool)
                    .await?;
                    let tracks: Vec<(i64, String, String)> = sqlx::query_as(
                        "SELECT id, name, colour FROM tracks WHERE conference_id = $1 ORDER BY name",
                    )
                    .bind(row.id)
                    .fetch_all(pool)
                    .await?;
                    Some((row, rooms, tracks))
                }
            }
        });
        let Some((row, rooms, tracks)) = found else {
            return Ok(None);
        };
        let (published, logo_url) = (row.published != 0, row.logo_url.clone());
        let program_revision = row.program_revision;
        Ok(Some(ConferenceDetail {
            published,
            logo_url,
            program_revision,
            conference: row.into_conference()?,
            rooms: rooms
                .into_iter()
                .map(|(id, name, cap, note)| {
                    Ok(Room {
                        id: RoomId::new(id),
                        name,
                        capacity: capacity(cap)?,
                        note,
                    })
                })
                .collect::<Result<_>>()?,
            tracks: tracks
                .into_iter()
                .map(|(id, name, colour)| {
                    Ok(Track {
                        id: TrackId::new(id),
                        name,
                        colour: Colour::parse(&colour).map_err(corrupt)?,
                    })
                })
                .collect::<Result<_>>()?,
        }))
    }

    /// The id of the published conference `slug`, in one small query (for the agenda's
    /// write path, which needs nothing else of it); `None` when there is none or it is not
    /// published.
    pub async fn published_conference_id(&self, slug: &Slug) -> Result<Option<ConferenceId>> {
        if let Some(id) = self.conference_ids.get(slug.as_str()) {
            return Ok(Some(id));
        }
        let id: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM conferences WHERE slug = $1 AND published = 1")
                .bind(slug.as_str())
                .fetch_optional(pool)
                .await?
        });
        let id = id.map(ConferenceId::new);
        if let Some(id) = id {
            self.conference_ids.put(slug.as_str().to_owned(), id);
        }
        Ok(id)
    }

    /// The seats of `sessions` of `conference` now, in one query; sessions it does not
    /// have are left out.
    pub async fn seats_of(
        &self,
        conference: ConferenceId,
        sessions: &[SessionId],
    ) -> Result<Vec<(SessionId, Seats)>> {
        if sessions.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = sessions.iter().map(|s| s.get()).collect();
        let list = ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        // Numbers only: the list is built from i64 values.
        let sql = format!(
            "SELECT id, capacity, reserved FROM sessions WHERE conference_id = $1 AND id IN ({list}) ORDER BY id"
        );
        let rows: Vec<(i64, Option<i64>, i64)> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(conference.get())
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(id, cap, reserved)| {
                Ok((
                    SessionId::new(id),
                    Seats::new(capacity(cap)?, to_u32(reserved, "reserved")?),
                ))
            })
            .collect()
    }

    /// The sessions (by start time, then room order, with the seat counts of this moment) and
    /// the speakers of `detail`'s conference. Sessions and speakers come from memory while
    /// the conference's program revision is the one they were read at (triggers change it
    /// with every write to sessions, their speakers or speakers, on any instance); the seat
    /// counts are read on every call, in one small query.
    pub async fn program_of(
        &self,
        detail: &ConferenceDetail,
    ) -> Result<(Vec<Session>, Vec<Speaker>)> {
        let shared = self.shared_program_of(detail).await?;
        let sessions = shared
            .sessions
            .iter()
            .zip(&shared.seats)
            .map(|(s, seats)| Session {
                seats: *seats,
                ..s.clone()
            })
            .collect();
        Ok((sessions, shared.speakers.as_ref().clone()))
    }

    /// What [`Store::program_of`] answers, without copying: the sessions and speakers as
    /// kept in memory (their seat counts are those of when they were read) and the seat
    /// counts of this moment, one per session in the same order. For readers that only
    /// serialise (the program JSON), this saves copying every session per request.
    pub async fn shared_program_of(&self, detail: &ConferenceDetail) -> Result<SharedProgram> {
        let id = detail.conference.id;
        let (sessions, speakers) = match self.programs.get(id, detail.program_revision) {
            Some(found) => found,
            None => {
                let sessions = Arc::new(self.sessions(id).await?);
                let speakers = Arc::new(self.speakers(id).await?);
                self.programs.put(
                    id,
                    detail.program_revision,
                    (Arc::clone(&sessions), Arc::clone(&speakers)),
                );
                (sessions, speakers)
            }
        };
        let rows: Vec<(i64, Option<i64>, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, capacity, reserved FROM sessions WHERE conference_id = $1")
                .bind(id.get())
                .fetch_all(pool)
                .await?
        });
        let mut now: HashMap<i64, (Option<i64>, i64)> =
            rows.into_iter().map(|(s, c, r)| (s, (c, r))).collect();
        let mut seats = Vec::with_capacity(sessions.len());
        for s in sessions.iter() {
            // A session written after the revision was read: read everything again.
            let Some((cap, reserved)) = now.remove(&s.id.get()) else {
                return self.uncached_program(id).await;
            };
            seats.push(Seats::new(capacity(cap)?, to_u32(reserved, "reserved")?));
        }
        if !now.is_empty() {
            return self.uncached_program(id).await;
        }
        Ok(SharedProgram {
            revision: detail.program_revision,
            sessions,
            speakers,
            seats,
        })
    }

    /// The program read afresh, for the moment a write overtook the revision just read.
    async fn uncached_program(&self, id: ConferenceId) -> Result<SharedProgram> {
        let sessions = self.sessions(id).await?;
        let seats = sessions.iter().map(|s| s.seats).collect();
        Ok(SharedProgram {
            // Never the key of anything kept: a revision read later may differ.
            revision: i64::MIN,
            sessions: Arc::new(sessions),
            speakers: Arc::new(self.speakers(id).await?),
            seats,
        })
    }

    /// Every session of a conference, by start time then room order.
    pub async fn sessions(&self, conference: ConferenceId) -> Result<Vec<Session>> {
        let (rows, links) = on_pool!(self, pool => {
            let rows: Vec<SessionRow> = sqlx::query_as(session_sql!(
                "WHERE conference_id = $1 ORDER BY starts_at, room_id, id"
            ))
            .bind(conference.get())
            .fetch_all(pool)
            .await?;
            let links: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT session_id, speaker_id FROM session_speakers WHERE conference_id = $1 \
                 ORDER BY session_id, position",
            )
            .bind(conference.get())
            .fetch_all(pool)
            .await?;
            (rows, links)
        });
        let mut by_session: HashMap<i64, Vec<SpeakerId>> = HashMap::new();
        for (session, speaker) in links {
            by_session
                .entry(session)
                .or_default()
                .push(SpeakerId::new(speaker));
        }
        rows.into_iter()
            .map(|r| {
                let speakers = by_session.remove(&r.id).unwrap_or_default();
                r.into_session(speakers)
            })
            .collect()
    }

    /// One session of a conference; `None` if the conference has no such session.
    pub async fn session(
        &self,
        conference: ConferenceId,
        id: SessionId,
    ) -> Result<Option<Session>> {
        let found = on_pool!(self, pool => {
            let row: Option<SessionRow> = sqlx::query_as(session_sql!(
                "WHERE conference_id = $1 AND id = $2"
            ))
            .bind(conference.get())
            .bind(id.get())
            .fetch_optional(pool)
            .await?;
            let speakers: Vec<i64> = sqlx::query_scalar(
                "SELECT speaker_id FROM session_speakers WHERE conference_id = $1 AND session_id = $2 \
                 ORDER BY position",
            )
            .bind(conference.get())
            .bind(id.get())
            .fetch_all(pool)
            .await?;
            row.map(|r| (r, speakers))
        });
        found
            .map(|(row, speakers)| {
                row.into_session(speakers.into_iter().map(SpeakerId::new).collect())
            })
            .transpose()
    }

    /// Every speaker of a conference, by name.
    pub async fn speakers(&self, conference: ConferenceId) -> Result<Vec<Speaker>> {
        let rows: Vec<SpeakerRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, name, company, bio, links, photo_url FROM speakers WHERE conference_id = $1 ORDER BY name, id",
            )
            .bind(conference.get())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(SpeakerRow::into_speaker).collect()
    }

    /// One speaker of a conference with the ids of their sessions; `None` if the conference
    /// has no such speaker.
    pub async fn speaker(
        &self,
        conference: ConferenceId,
        id: SpeakerId,
    ) -> Result<Option<(Speaker, Vec<SessionId>)>> {
        let found = on_pool!(self, pool => {
            let row: Option<SpeakerRow> = sqlx::query_as(
                "SELECT id, name, company, bio, links, photo_url FROM speakers WHERE conference_id = $1 AND id = $2",
            )
            .bind(conference.get())
            .bind(id.get())
            .fetch_optional(pool)
            .await?;
            let sessions: Vec<i64> = sqlx::query_scalar(
                "SELECT ss.session_id FROM session_speakers ss JOIN sessions s ON s.id = ss.session_id \
                 WHERE ss.conference_id = $1 AND ss.speaker_id = $2 ORDER BY s.starts_at",
            )
            .bind(conference.get())
            .bind(id.get())
            .fetch_all(pool)
            .await?;
            row.map(|r| (r, sessions))
        });
        found
            .map(|(row, sessions)| {
                Ok((
                    row.into_speaker()?,
                    sessions.into_iter().map(SessionId::new).collect(),
                ))
            })
            .transpose()
    }
}

#[cfg(feature = "testing")]
impl Store {
    /// Writes `column` of session `id` with its own value (`UPDATE sessions SET c = c`), as
    /// any code path that writes the column would; for the test that the program revision
    /// follows every column but the seat counts.
    pub async fn debug_touch_session_column(&self, id: SessionId, column: &str) -> Result<()> {
        if !column.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(StoreError::Conflict(format!(
                "not a column name: {column:?}"
            )));
        }
        // The name was checked above: letters and underscores only.
        let sql = format!("UPDATE sessions SET \"{column}\" = \"{column}\" WHERE id = $1");
        on_write!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(id.get()).execute(pool).await?;
        });
        Ok(())
    }
}
