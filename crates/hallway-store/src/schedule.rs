//! Schedule versions: a program stored as a whole ([`StoredProgram`]), re-imports that merge
//! a new version into it instead of wiping it, and the changelog each version keeps.
//!
//! A re-import keeps every session it can match (by guid, else by title: see
//! [`hallway_domain::changes::diff`]) with its id, so attendees' agendas survive. In the
//! same transaction it tells attendees what happened to sessions they kept: removed, moved,
//! in another room, retitled. A move that makes a kept session overlap another one in an
//! attendee's agenda takes the moved one out (invariant 2) and says so; freed and added seats
//! go to the waitlist (invariant 3). Two imports of one conference at once: the second sees
//! the version the first wrote and starts again.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use hallway_domain::agenda::{AgendaState, conflicts};
use hallway_domain::changes::{Change, ChangeEntry, StoredProgram, diff};
use hallway_domain::events::{Event, Outgoing, SessionChange};
use hallway_domain::notice::Notice;
use hallway_domain::program::SessionDraft;
use hallway_domain::{ConferenceId, Guid, Program, SessionId, Slug, TimeSpan, UserId};

use crate::agenda::{Attempt, MAX_ATTEMPTS, retryable, span_of, write_sql};
use crate::seats::{self, SeatTx, sql::SqlxTx};
use crate::{Promotion, Result, Store, StoreError, from_json, on_pool, on_write, to_json};

/// One released version of a conference's schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleVersion {
    /// 1, 2, … per conference.
    pub version: i64,
    /// The imported file's own version string; may be empty.
    pub label: String,
    /// Where it came from ("import of schedule.xml", "created" …).
    pub source: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// Sessions added, changed and removed against the version before.
    pub added: u32,
    /// Sessions changed.
    pub changed: u32,
    /// Sessions removed.
    pub removed: u32,
    /// The changelog (empty for a first version).
    pub entries: Vec<ChangeEntry>,
}

impl ScheduleVersion {
    /// How many of `versions` changed each session after its first (iCalendar's SEQUENCE).
    pub fn sequences(versions: &[ScheduleVersion]) -> HashMap<Guid, u32> {
        let mut out: HashMap<Guid, u32> = HashMap::new();
        for e in versions.iter().flat_map(|v| &v.entries) {
            if !e.changes.contains(&Change::Added) {
                *out.entry(e.guid).or_default() += 1;
            }
        }
        out
    }

    /// The version string exports carry: the file's own label and ours.
    pub fn export_label(&self) -> String {
        if self.label.is_empty() {
            self.version.to_string()
        } else {
            format!("{} (hallway {})", self.label, self.version)
        }
    }
}

/// How to import.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportHow {
    /// Report what would happen; store nothing.
    pub dry_run: bool,
    /// Whether the file states session capacities (CSV, our iCalendar). When it does not
    /// (frab XML, c3voc JSON), stored session capacities are kept; room capacities the file
    /// leaves open are always kept.
    pub states_session_capacities: bool,
    /// Who imports. Their audit line is written in the import's transaction, its detail
    /// the source and what the version changed.
    pub by: Option<ImportBy>,
    /// Make `by` an organizer of the conference if the import creates it.
    pub organizer_if_created: bool,
    /// Discard the conference's draft in the same transaction (a release of the draft).
    pub drop_draft: bool,
    /// Create the conference unpublished (one made in the workspace, until its organizers
    /// publish it); an update leaves publication as it is.
    pub unpublished: bool,
    /// The ids reserved for the draft's new sessions ([`Store::reserve_session_id`]), by
    /// guid: an added session with a guid here is stored under that id.
    pub draft_ids: HashMap<Guid, i64>,
}

/// Who imports, as the audit log shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportBy {
    /// Their account; `None` for the server's operator at the command line.
    pub user: Option<UserId>,
    /// How they are shown (their email address, or "hallway import").
    pub actor: String,
    /// What they did ("imported the schedule", "released a schedule version").
    pub action: String,
}

/// Writes what every stored import also writes, inside the sqlx transaction `$tx` of the
/// conference `$conference` (an i64): the audit line, the organizer role of the creator, the
/// dropped draft and the `released` event for everybody, then `$changed` (per-attendee
/// events). `$how` is the [`ImportHow`], `$source` the version's source.
macro_rules! import_effects {
    ($tx:expr, $conference:expr, $how:expr, $source:expr, $created:expr, $version:expr,
     ($added:expr, $changed_n:expr, $removed:expr), $changed:expr, $now:expr) => {{
        let how: &$crate::ImportHow = $how;
        if let Some(by) = &how.by {
            sqlx::query($crate::organize::RECORD)
                .bind($conference)
                .bind(by.user.map(hallway_domain::UserId::get))
                .bind(&by.actor)
                .bind(&by.action)
                .bind(format!(
                    "{}: version {}, {} added, {} changed, {} removed",
                    $source, $version, $added, $changed_n, $removed
                ))
                .bind($now.timestamp())
                .execute(&mut *$tx)
                .await?;
            if $created && how.organizer_if_created {
                if let Some(user) = by.user {
                    sqlx::query(
                        "INSERT INTO conference_members (conference_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind($conference)
                    .bind(user.get())
                    .bind(hallway_domain::account::Role::Organizer.as_str())
                    .execute(&mut *$tx)
                    .await?;
                }
            }
        }
        if how.drop_draft {
            for sql in [
                "DELETE FROM drafts WHERE conference_id = $1",
                "DELETE FROM session_id_reservations WHERE conference_id = $1",
            ] {
                sqlx::query(sql).bind($conference).execute(&mut *$tx).await?;
            }
        }
        let released = hallway_domain::events::Outgoing::everyone(
            hallway_domain::ConferenceId::new($conference),
            hallway_domain::events::Event::Released {
                version: $version,
                added: $added,
                changed: $changed_n,
                removed: $removed,
            },
        );
        $crate::outbox::emit_in!($tx, std::iter::once(&released).chain($changed.iter()), $now);
    }};
}
pub(crate) use import_effects;

/// What an import did, or would do (`dry_run`).
#[derive(Clone, Debug, PartialEq)]
pub struct ImportReport {
    /// The conference (0 in a dry run of a new one).
    pub conference: ConferenceId,
    /// Whether the conference is new.
    pub created: bool,
    /// The version written (or that would be).
    pub version: i64,
    /// The changelog against the stored program (empty for a new conference).
    pub entries: Vec<ChangeEntry>,
    /// Sessions added, changed, removed.
    pub added: u32,
    /// Sessions changed.
    pub changed: u32,
    /// Sessions removed.
    pub removed: u32,
    /// Attendees told about a change (one per attendee and session).
    pub notified: u32,
    /// Reservations taken out: the session was removed, or moved onto another of the
    /// attendee's sessions.
    pub dropped: Vec<(UserId, SessionId)>,
    /// Waiting attendees who got a seat.
    pub promotions: Vec<Promotion>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i64,
    label: String,
    source: String,
    created_at: i64,
    added: i64,
    changed: i64,
    removed: i64,
    changes: String,
}

impl VersionRow {
    fn into_version(self) -> Result<ScheduleVersion> {
        let n = |v: i64| u32::try_from(v).unwrap_or(0);
        Ok(ScheduleVersion {
            version: self.version,
            label: self.label,
            source: self.source,
            created_at: DateTime::from_timestamp(self.created_at, 0)
                .ok_or_else(|| StoreError::Corrupt("version time".into()))?,
            added: n(self.added),
            changed: n(self.changed),
            removed: n(self.removed),
            entries: from_json(&self.changes, "schedule changes")?,
        })
    }
}

impl Store {
    /// The conference `slug` with everything in it, as exports render it.
    pub async fn stored_program(&self, slug: &Slug) -> Result<Option<StoredProgram>> {
        let Some(detail) = self.conference(slug).await? else {
            return Ok(None);
        };
        let id = detail.conference.id;
        Ok(Some(StoredProgram {
            sessions: self.sessions(id).await?,
            speakers: self.speakers(id).await?,
            conference: detail.conference,
            rooms: detail.rooms,
            tracks: detail.tracks,
        }))
    }

    /// A conference's schedule versions, newest first.
    pub async fn schedule_versions(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<ScheduleVersion>> {
        let rows: Vec<VersionRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT version, label, source, created_at, added, changed, removed, changes \
                 FROM schedule_versions WHERE conference_id = $1 ORDER BY version DESC",
            )
            .bind(conference.get())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(VersionRow::into_version).collect()
    }

    /// The newest schedule version, if any was recorded.
    pub async fn latest_version(
        &self,
        conference: ConferenceId,
    ) -> Result<Option<ScheduleVersion>> {
        let row: Option<VersionRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT version, label, source, created_at, added, changed, removed, changes \
                 FROM schedule_versions WHERE conference_id = $1 ORDER BY version DESC LIMIT 1",
            )
            .bind(conference.get())
            .fetch_optional(pool)
            .await?
        });
        row.map(VersionRow::into_version).transpose()
    }

    /// Stores `program` as a new conference, or merges it into the stored one of the same
    /// slug as its next version (see the module docs). `label` is the file's own version
    /// string, `source` says where it came from. With `dry_run`, nothing is written and the
    /// report says what would happen (without promotions, which depend on the moment).
    pub async fn import_program(
        &self,
        program: &Program,
        label: &str,
        source: &str,
        now: DateTime<Utc>,
        how: ImportHow,
    ) -> Result<ImportReport> {
        let dry_run = how.dry_run;
        for _ in 0..MAX_ATTEMPTS {
            let Some(old) = self.stored_program(&program.conference().slug).await? else {
                let sessions = count(program.sessions().len());
                let mut report = ImportReport {
                    conference: ConferenceId::new(0),
                    created: true,
                    version: 1,
                    entries: Vec::new(),
                    added: sessions,
                    changed: 0,
                    removed: 0,
                    notified: 0,
                    dropped: Vec::new(),
                    promotions: Vec::new(),
                };
                if !dry_run {
                    match self
                        .insert_program_with(program, now, label, source, &how)
                        .await
                    {
                        Ok(id) => report.conference = id,
                        // Created by someone else in the meantime: merge into theirs.
                        Err(StoreError::Conflict(_)) => continue,
                        Err(e) => return Err(e),
                    }
                }
                return Ok(report);
            };
            let expected = self
                .latest_version(old.conference.id)
                .await?
                .map_or(0, |v| v.version);
            let mut program = program.clone();
            program.keep_capacities(
                |name| {
                    old.rooms
                        .iter()
                        .find(|r| r.name.to_lowercase() == name.to_lowercase())
                        .and_then(|r| r.capacity)
                },
                |guid| {
                    old.sessions
                        .iter()
                        .find(|s| s.info.guid == *guid)
                        .and_then(|s| s.info.capacity_override)
                },
                !how.states_session_capacities,
            );
            let program = &program;
            let changes = diff(&old, program);
            if dry_run {
                return self.preview(&old, changes, expected + 1).await;
            }
            match self
                .merge_once(&old, program, changes, expected, label, source, now, &how)
                .await
            {
                Ok(Attempt::Done(report)) => {
                    self.events_written();
                    return Ok(report);
                }
                Ok(Attempt::Retry) => continue,
                Err(StoreError::Database(e)) if retryable(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict(
            "the conference is being changed by someone else right now; try again".into(),
        ))
    }

    async fn preview(
        &self,
        old: &StoredProgram,
        changes: hallway_domain::changes::ProgramDiff,
        version: i64,
    ) -> Result<ImportReport> {
        let concerned: Vec<i64> = changes
            .removed
            .iter()
            .copied()
            .chain(
                changes
                    .changed()
                    .filter(|(_, _, c)| c.iter().any(|c| c.concerns_attendees()))
                    .map(|(id, _, _)| *id),
            )
            .map(SessionId::get)
            .collect();
        let mut notified = 0u32;
        for id in concerned {
            let n: i64 = on_pool!(self, pool => {
                sqlx::query_scalar("SELECT COUNT(*) FROM agenda WHERE session_id = $1")
                    .bind(id)
                    .fetch_one(pool)
                    .await?
            });
            notified += u32::try_from(n).unwrap_or(0);
        }
        Ok(ImportReport {
            conference: old.conference.id,
            created: false,
            version,
            added: count(changes.added.len()),
            changed: count(changes.changed().count()),
            removed: count(changes.removed.len()),
            entries: changes.entries,
            notified,
            dropped: Vec::new(),
            promotions: Vec::new(),
        })
    }

    #[allow(clippy::too_many_arguments, clippy::too_many_lines)]
    async fn merge_once(
        &self,
        old: &StoredProgram,
        program: &Program,
        changes: hallway_domain::changes::ProgramDiff,
        expected: i64,
        label: &str,
        source: &str,
        now: DateTime<Utc>,
        how: &ImportHow,
    ) -> Result<Attempt<ImportReport>> {
        let (begin, lock) = write_sql(self.backend());
        let conference = old.conference.id.get();
        let c = program.conference();
        let day_change =
            i64::from(chrono::Timelike::num_seconds_from_midnight(&c.days.day_change()) / 60);
        let keep = |new: &str, old: &str| {
            if new.is_empty() {
                old.to_owned()
            } else {
                new.to_owned()
            }
        };
        // PostgreSQL: the attendees of the conference are locked first, in id order, as a
        // reservation locks its attendee before its session. Without that, an import
        // (sessions first, then the attendees it tells or promotes) and a rush of
        // reservations (attendee first, then session) deadlock, and a large import can lose
        // every retry to the writers beside it.
        let lock_attendees = (self.backend() == crate::Backend::Postgres).then_some(
            "SELECT id FROM users WHERE id IN (SELECT user_id FROM agenda WHERE conference_id = $1) \
             ORDER BY id FOR UPDATE",
        );
        on_write!(self, pool => {
            let mut tx = pool.begin_with(begin).await?;
            if let Some(sql) = lock_attendees {
                sqlx::query(sql).bind(conference).fetch_all(&mut *tx).await?;
            }
            let current: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(version), 0) FROM schedule_versions WHERE conference_id = $1",
            )
            .bind(conference)
            .fetch_one(&mut *tx)
            .await?;
            if current != expected {
                return Ok(Attempt::Retry);
            }
            let oc = &old.conference.info;
            sqlx::query(
                "UPDATE conferences SET name = $1, time_zone = $2, first_day = $3, last_day = $4, \
                 day_change_minutes = $5, venue = $6, city = $7, description = $8, url = $9 WHERE id = $10",
            )
            .bind(&c.name)
            .bind(c.time_zone.name())
            .bind(c.days.first().to_string())
            .bind(c.days.last().to_string())
            .bind(day_change)
            .bind(keep(&c.venue, &oc.venue))
            .bind(keep(&c.city, &oc.city))
            .bind(keep(&c.description, &oc.description))
            .bind(keep(&c.url, &oc.url))
            .bind(conference)
            .execute(&mut *tx)
            .await?;

            // Rooms, tracks and speakers are matched by name; new ones are added.
            let mut room_ids = Vec::with_capacity(program.rooms().len());
            for (position, r) in program.rooms().iter().enumerate() {
                let position = i64::try_from(position).unwrap_or(i64::MAX);
                let capacity = r.capacity.map(|c| i64::from(c.get()));
                let id = match old.rooms.iter().find(|o| o.name.to_lowercase() == r.name.to_lowercase()) {
                    Some(o) => {
                        sqlx::query("UPDATE rooms SET name = $1, capacity = $2, position = $3 WHERE id = $4")
                            .bind(&r.name).bind(capacity).bind(position).bind(o.id.get())
                            .execute(&mut *tx).await?;
                        o.id.get()
                    }
                    None => sqlx::query_scalar(
                        "INSERT INTO rooms (conference_id, name, capacity, position) VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(conference).bind(&r.name).bind(capacity).bind(position)
                    .fetch_one(&mut *tx).await?,
                };
                room_ids.push(id);
            }
            let mut track_ids = Vec::with_capacity(program.tracks().len());
            for t in program.tracks() {
                let id = match old.tracks.iter().find(|o| o.name.to_lowercase() == t.name.to_lowercase()) {
                    Some(o) => {
                        sqlx::query("UPDATE tracks SET name = $1, colour = $2 WHERE id = $3")
                            .bind(&t.name).bind(t.colour.hex()).bind(o.id.get())
                            .execute(&mut *tx).await?;
                        o.id.get()
                    }
                    None => sqlx::query_scalar(
                        "INSERT INTO tracks (conference_id, name, colour) VALUES ($1, $2, $3) RETURNING id",
                    )
                    .bind(conference).bind(&t.name).bind(t.colour.hex())
                    .fetch_one(&mut *tx).await?,
                };
                track_ids.push(id);
            }
            let mut speaker_ids = Vec::with_capacity(program.speakers().len());
            let mut used = HashSet::new();
            for p in program.speakers() {
                let found = old.speakers.iter().find(|o| {
                    !used.contains(&o.id) && o.info.name.to_lowercase() == p.name.to_lowercase()
                });
                let id = match found {
                    Some(o) => {
                        used.insert(o.id);
                        sqlx::query("UPDATE speakers SET name = $1, company = $2, bio = $3, links = $4 WHERE id = $5")
                            .bind(&p.name)
                            .bind(keep(&p.company, &o.info.company))
                            .bind(keep(&p.bio, &o.info.bio))
                            .bind(if p.links.is_empty() { to_json(&o.info.links) } else { to_json(&p.links) })
                            .bind(o.id.get())
                            .execute(&mut *tx).await?;
                        o.id.get()
                    }
                    None => sqlx::query_scalar(
                        "INSERT INTO speakers (conference_id, name, company, bio, links) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(conference).bind(&p.name).bind(&p.company).bind(&p.bio).bind(to_json(&p.links))
                    .fetch_one(&mut *tx).await?,
                };
                speaker_ids.push(id);
            }

            let mut notified = 0u32;
            let mut dropped = Vec::new();
            let mut told: Vec<Outgoing> = Vec::new();
            let tell = |user: i64, session: i64, title: &str, change: SessionChange| {
                Outgoing::to(
                    ConferenceId::new(conference),
                    UserId::new(user),
                    Event::SessionChanged { session: SessionId::new(session), title: title.to_owned(), change },
                )
            };
            // Who has what in this conference's agendas, read once (in agenda order).
            let mut holders: HashMap<i64, Vec<(i64, AgendaState)>> = HashMap::new();
            let rows: Vec<(i64, i64, String)> = sqlx::query_as(
                "SELECT session_id, user_id, state FROM agenda WHERE conference_id = $1 ORDER BY id",
            )
            .bind(conference)
            .fetch_all(&mut *tx)
            .await?;
            for (session, user, state) in rows {
                holders.entry(session).or_default().push((user, crate::agenda_state(&state)?));
            }
            let stored: HashMap<SessionId, &hallway_domain::program::Session> =
                old.sessions.iter().map(|s| (s.id, s)).collect();
            let entries: HashMap<Guid, &ChangeEntry> =
                changes.entries.iter().map(|e| (e.guid, e)).collect();
            // Notifications to write, as their parameters.
            let mut notes: Vec<(i64, Notice)> = Vec::new();

            // Removed sessions: tell everyone who kept or waited for them, then delete.
            let mut gone = Vec::new();
            for id in &changes.removed {
                let Some(s) = stored.get(id) else { continue };
                for (user, state) in holders.get(&id.get()).into_iter().flatten() {
                    notes.push((*user, Notice::Removed { title: s.info.title.clone() }));
                    told.push(tell(*user, id.get(), &s.info.title, SessionChange::Removed));
                    notified += 1;
                    if *state == AgendaState::Reserved {
                        dropped.push((UserId::new(*user), *id));
                    }
                }
                gone.push(id.get());
            }
            for chunk in gone.chunks(crate::bulk::CHUNK) {
                let mut q = sqlx::QueryBuilder::new("DELETE FROM sessions WHERE conference_id = ");
                q.push_bind(conference).push(" AND id IN (");
                let mut ids = q.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                q.push(")");
                q.build().execute(&mut *tx).await?;
            }

            // Kept sessions: rewrite what changed, tell attendees about moves.
            let mut moved = Vec::new();
            let mut recheck = Vec::new();
            let mut updates = Vec::new();
            let mut seats_changed = Vec::new();
            let mut speakers_changed = Vec::new();
            for (id, n, what) in &changes.kept {
                if what.is_empty() {
                    continue;
                }
                let d: &SessionDraft = &program.sessions()[*n];
                let info = &d.info;
                updates.push(crate::bulk::SessionUpdate {
                    id: id.get(),
                    room: room_ids[d.room],
                    track: d.track.map(|t| track_ids[t]),
                    info,
                });
                let effective = info
                    .effective_capacity(program.rooms()[d.room].capacity)
                    .map(|c| c.get());
                let before = stored.get(id);
                let was = before.and_then(|s| s.seats.capacity()).map(|c| c.get());
                let wanted_before = before.and_then(|s| s.info.capacity_override).map(|c| c.get());
                let wanted = info.capacity_override.map(|c| c.get());
                if effective != was || wanted != wanted_before {
                    seats_changed.push((*id, wanted, effective));
                }
                if what.contains(&Change::SpeakersChanged) {
                    speakers_changed.push((id.get(), d.speakers.iter().map(|p| speaker_ids[*p]).collect::<Vec<i64>>()));
                }
                // Seats or times changed: someone waiting may get a seat now.
                let waiting = holders
                    .get(&id.get())
                    .is_some_and(|h| h.iter().any(|(_, state)| *state != AgendaState::Reserved));
                if waiting {
                    recheck.push(id.get());
                }
                if what.contains(&Change::Moved) {
                    moved.push(id.get());
                }
                if what.iter().any(|c| c.concerns_attendees()) {
                    let before = entries.get(&info.guid).and_then(|e| e.before.as_ref());
                    let notice = Notice::Changed {
                        session: *id,
                        title: info.title.clone(),
                        was: before.filter(|b| b.title != info.title).map(|b| b.title.clone()),
                        starts_at: info.span.start(),
                        ends_at: info.span.end(),
                        room: program.rooms()[d.room].name.clone(),
                    };
                    for (user, _) in holders.get(&id.get()).into_iter().flatten() {
                        notes.push((*user, notice.clone()));
                        told.push(tell(*user, id.get(), &info.title, SessionChange::Changed));
                        notified += 1;
                    }
                }
            }
            crate::bulk::update_sessions!(tx, &updates);
            for (id, wanted, effective) in seats_changed {
                seats::store_capacity(&mut SqlxTx(&mut *tx), id, wanted, effective).await?;
                if !recheck.contains(&id.get()) {
                    recheck.push(id.get());
                }
            }
            crate::bulk::replace_speaker_links!(tx, conference, &speakers_changed);

            // A moved session may now overlap another reserved one: the moved one goes.
            for session in &moved {
                let mut kept: Vec<i64> = holders
                    .get(session)
                    .into_iter()
                    .flatten()
                    .filter(|(_, state)| *state == AgendaState::Reserved)
                    .map(|(user, _)| *user)
                    .collect();
                if kept.is_empty() {
                    continue;
                }
                kept.sort_unstable();
                let (starts, ends, title): (i64, i64, String) =
                    sqlx::query_as("SELECT starts_at, ends_at, title FROM sessions WHERE id = $1")
                        .bind(*session).fetch_one(&mut *tx).await?;
                let span = span_of(starts, ends)?;
                for user in kept {
                    sqlx::query(lock).bind(user).fetch_optional(&mut *tx).await?;
                    let others: Vec<(SessionId, TimeSpan)> = SqlxTx(&mut *tx)
                        .reserved_spans(ConferenceId::new(conference), UserId::new(user))
                        .await?
                        .into_iter()
                        .filter(|(id, _)| id.get() != *session)
                        .collect();
                    let clash = conflicts(&span, others.iter().map(|(id, s)| (*id, s)));
                    let Some(&other_id) = clash.first() else { continue };
                    let other: String = sqlx::query_scalar("SELECT title FROM sessions WHERE id = $1")
                        .bind(other_id.get()).fetch_one(&mut *tx).await?;
                    sqlx::query("DELETE FROM agenda WHERE session_id = $1 AND user_id = $2")
                        .bind(*session).bind(user).execute(&mut *tx).await?;
                    SqlxTx(&mut *tx).release_seat(SessionId::new(*session)).await?;
                    notes.push((user, Notice::Dropped { session: SessionId::new(*session), title: title.clone(), other }));
                    if !recheck.contains(session) {
                        recheck.push(*session);
                    }
                    told.push(tell(user, *session, &title, SessionChange::Dropped));
                    dropped.push((UserId::new(user), SessionId::new(*session)));
                }
            }

            for chunk in notes.chunks(crate::bulk::CHUNK) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO notifications (conference_id, user_id, kind, session_id, message, params, created_at) ",
                );
                q.push_values(chunk, |mut b, (user, notice)| {
                    b.push_bind(conference)
                        .push_bind(*user)
                        .push_bind(notice.kind())
                        .push_bind(notice.session().map(SessionId::get))
                        .push_bind("")
                        .push_bind(to_json(notice))
                        .push_bind(now.timestamp());
                });
                q.build().execute(&mut *tx).await?;
            }

            // New sessions.
            let wanted: Vec<Option<i64>> = changes
                .added
                .iter()
                .map(|n| how.draft_ids.get(&program.sessions()[*n].info.guid).copied())
                .collect();
            let ids = crate::bulk::session_ids!(tx, self.backend(), conference, &wanted);
            let added: Vec<crate::bulk::NewSession<'_>> = changes
                .added
                .iter()
                .zip(ids)
                .map(|(n, id)| {
                    let d = &program.sessions()[*n];
                    crate::bulk::NewSession {
                        id,
                        room: room_ids[d.room],
                        track: d.track.map(|t| track_ids[t]),
                        info: &d.info,
                        capacity: d
                            .info
                            .effective_capacity(program.rooms()[d.room].capacity)
                            .map(|c| i64::from(c.get())),
                        speakers: d.speakers.iter().map(|p| speaker_ids[*p]).collect(),
                    }
                })
                .collect();
            crate::bulk::insert_sessions!(tx, conference, &added);

            // Freed or added seats go to the waitlist.
            let mut promotions = Vec::new();
            for session in recheck {
                promotions.extend(
                    seats::promote(&mut SqlxTx(&mut *tx), ConferenceId::new(conference), SessionId::new(session), now).await?,
                );
            }

            // What the new version no longer uses.
            sqlx::query(
                "DELETE FROM rooms WHERE conference_id = $1 AND id NOT IN (SELECT room_id FROM sessions WHERE conference_id = $1)",
            )
            .bind(conference).execute(&mut *tx).await?;
            for t in &old.tracks {
                if !track_ids.contains(&t.id.get()) {
                    sqlx::query("DELETE FROM tracks WHERE id = $1").bind(t.id.get()).execute(&mut *tx).await?;
                }
            }
            for p in &old.speakers {
                if !speaker_ids.contains(&p.id.get()) {
                    sqlx::query("DELETE FROM speakers WHERE id = $1").bind(p.id.get()).execute(&mut *tx).await?;
                }
            }

            let version = current + 1;
            let (added, changed, removed) = (
                count(changes.added.len()),
                count(changes.changed().count()),
                count(changes.removed.len()),
            );
            sqlx::query(
                "INSERT INTO schedule_versions (conference_id, version, label, source, created_at, added, changed, removed, changes) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(conference)
            .bind(version)
            .bind(label)
            .bind(source)
            .bind(now.timestamp())
            .bind(i64::from(added))
            .bind(i64::from(changed))
            .bind(i64::from(removed))
            .bind(to_json(&changes.entries))
            .execute(&mut *tx)
            .await?;
            import_effects!(tx, conference, how, source, false, version, (added, changed, removed), told, now);
            tx.commit().await?;
            Ok(Attempt::Done(ImportReport {
                conference: old.conference.id,
                created: false,
                version,
                entries: changes.entries,
                added,
                changed,
                removed,
                notified,
                dropped,
                promotions,
            }))
        })
    }
}
