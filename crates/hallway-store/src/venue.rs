//! The venue (issue #10): room doors, lab machine pools and announcements.
//!
//! Doors (DESIGN.md invariant 7): every scan at any door of a room first upserts the room's
//! `room_presence` row, which locks it (PostgreSQL: the row lock of `ON CONFLICT DO UPDATE`;
//! SQLite: `BEGIN IMMEDIATE` serialises writers), so the doors of one room decide one after
//! the other on the count every earlier scan left, whatever instance they reached. The rules
//! (reserved first, the reset between sessions) are `hallway_domain::venue`'s; the
//! `CHECK (occupancy <= capacity)` of the row is the backstop. A check-in while a session's
//! doors are open records attendance (feedback) and awards `attended:{session}` once.
//!
//! Labs (invariant 6): a machine has one `holder_id` column, so at most one holder; a partial
//! unique index gives an attendee at most one machine per lab, and the attendee's `users` row
//! is locked first (PostgreSQL) so two starts of one attendee serialise and the second gets
//! the first one's machine. PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so concurrent
//! starts take different machines instead of queueing on the first free one. Machines of a
//! lab that is over are returned by [`Store::return_ended_labs`], which the claim, the reads
//! and the server's minute tick call.

use chrono::{DateTime, Utc};
use hallway_domain::events::{Event, Outgoing};
use hallway_domain::points::Action;
use hallway_domain::venue::{self, Audience, Direction, DoorReason, Entry, Machine, VenueSettings};
use hallway_domain::{ConferenceId, RoomId, SessionId, SessionKind, UserId};

use crate::agenda::{MAX_ATTEMPTS, retryable, span_of, write_sql};
use crate::outbox::emit_in;
use crate::points::SETTINGS_SQL;
use crate::{Result, Store, StoreError, Target, on_pool, on_write};

/// A scan at a room's door.
#[derive(Clone, Debug)]
pub struct DoorScan {
    /// The conference.
    pub conference: ConferenceId,
    /// The room.
    pub room: RoomId,
    /// The badge (typed code or QR token).
    pub badge: Target,
    /// In or out.
    pub direction: Direction,
    /// When.
    pub now: DateTime<Utc>,
}

/// What a door answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoorOutcome {
    /// The answer and why.
    pub reason: DoorReason,
    /// People in the room after the scan.
    pub occupancy: u32,
    /// The room's capacity (`None`: unlimited).
    pub capacity: Option<u32>,
    /// The session the doors count for (`None` between sessions).
    pub session: Option<SessionId>,
    /// Whose badge it was (`None`: unknown).
    pub user: Option<UserId>,
    /// The badge holder's card name (for the volunteer; "" when unknown).
    pub name: String,
    /// Points the check-in earned.
    pub points: u32,
}

/// A room's count, for door pages and the dashboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomOccupancy {
    /// The room.
    pub room: RoomId,
    /// Its name.
    pub name: String,
    /// Its capacity.
    pub capacity: Option<u32>,
    /// People counted in (0 once the count is stale and resets).
    pub occupancy: u32,
    /// The session the doors count for now.
    pub session: Option<SessionId>,
}

/// A machine and who holds it, for organizers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolMachine {
    /// The machine.
    pub machine: Machine,
    /// Its holder and their account name.
    pub holder: Option<(UserId, String)>,
    /// Since when.
    pub claimed_at: Option<DateTime<Utc>>,
}

/// What became of a lab start. Only `Started` with `new` changed anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabOutcome {
    /// The attendee holds this machine (`new`: claimed by this request).
    Started {
        /// The machine and its access details.
        machine: Machine,
        /// Whether this request claimed it.
        new: bool,
    },
    /// Every machine of the pool is taken (or the pool is empty).
    NoneFree,
    /// The lab's doors are not open yet.
    NotOpen,
    /// The lab is over.
    Over,
    /// The attendee has neither a seat in the lab nor a check-in at its door.
    NotAttending,
    /// The session is not a lab.
    NotALab,
    /// The conference has no such session.
    NoSuchSession,
}

/// What happened to one session, for the organizer dashboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionActivity {
    /// The session.
    pub session: SessionId,
    /// Attendees waiting for a seat.
    pub waitlisted: u32,
    /// Attendees checked in at its door.
    pub checked_in: u32,
    /// Ratings given.
    pub ratings: u32,
    /// Their sum.
    pub rating_sum: u32,
}

/// An announcement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    /// Its id.
    pub id: i64,
    /// The text.
    pub text: String,
    /// For whom.
    pub audience: Audience,
    /// When it was posted.
    pub at: DateTime<Utc>,
}

type MachineRow = (String, String, String, String);

/// A room and its stored count: id, name, capacity, counted session, occupancy.
type PresenceRow = (i64, String, Option<i64>, Option<i64>, Option<i64>);

/// room, session, starts, ends.
type SpanRow = (i64, i64, i64, i64);

/// The people in a room now: an announcement to the room reaches them.
const ROOM_AUDIENCE: &str =
    "SELECT user_id FROM room_checkins WHERE conference_id = $1 AND room_id = $2 ORDER BY 1";

/// A session's attendees (a reserved seat or a check-in): an announcement to it reaches them.
const SESSION_AUDIENCE: &str = "SELECT user_id FROM agenda WHERE conference_id = $1 AND session_id = $2 AND state = 'reserved' \
     UNION SELECT user_id FROM attendance WHERE conference_id = $1 AND session_id = $2 ORDER BY 1";

/// id, text, audience, room, session, posted at.
type AnnouncementRow = (i64, String, String, Option<i64>, Option<i64>, i64);

fn machine_of((name, address, username, secret): MachineRow) -> Result<Machine> {
    Machine::new(&name, &address, &username, &secret)
        .map_err(|e| StoreError::Corrupt(format!("lab machine {name:?}: {e}")))
}

fn instant(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

const VENUE_SETTINGS_SQL: &str = "SELECT reserved_minutes, doors_open_minutes, reset_between \
     FROM venue_settings WHERE conference_id = $1";

fn venue_settings_of(row: Option<(i64, i64, i64)>) -> VenueSettings {
    row.map_or_else(VenueSettings::default, |(r, o, reset)| VenueSettings {
        reserved_minutes: count(r),
        doors_open_minutes: count(o),
        reset_between: reset != 0,
    })
}

/// Returns the machines of `$conference`'s labs that are over, inside `$tx`.
macro_rules! return_ended_in {
    ($tx:expr, $conference:expr, $now:expr) => {
        sqlx::query(
            "UPDATE lab_machines SET holder_id = NULL, claimed_at = NULL \
             WHERE conference_id = $1 AND holder_id IS NOT NULL AND session_id IN \
             (SELECT id FROM sessions WHERE conference_id = $1 AND ends_at <= $2)",
        )
        .bind($conference)
        .bind($now.timestamp())
        .execute(&mut *$tx)
        .await?
        .rows_affected()
    };
}

impl Store {
    /// The conference's door settings (the defaults until an organizer changes them).
    pub async fn venue_settings(&self, conference: ConferenceId) -> Result<VenueSettings> {
        let row: Option<(i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(VENUE_SETTINGS_SQL).bind(conference.get()).fetch_optional(pool).await?
        });
        Ok(venue_settings_of(row))
    }

    /// Stores the door settings (validated by the caller).
    pub async fn set_venue_settings(
        &self,
        conference: ConferenceId,
        s: &VenueSettings,
        audit: Option<&crate::AuditLine>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO venue_settings (conference_id, reserved_minutes, doors_open_minutes, reset_between) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (conference_id) DO UPDATE SET \
                 reserved_minutes = excluded.reserved_minutes, doors_open_minutes = excluded.doors_open_minutes, \
                 reset_between = excluded.reset_between",
            )
            .bind(conference.get())
            .bind(i64::from(s.reserved_minutes))
            .bind(i64::from(s.doors_open_minutes))
            .bind(i64::from(s.reset_between))
            .execute(&mut *tx)
            .await?;
            if let Some(line) = audit {
                crate::organize::record_in!(tx, conference, line, now);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Lets someone in or out at a room's door, or refuses, and says why; `None` when the
    /// conference has no such room. See the module documentation for how invariant 7 holds.
    pub async fn door(&self, scan: &DoorScan) -> Result<Option<DoorOutcome>> {
        for _ in 0..MAX_ATTEMPTS {
            match self.door_once(scan).await {
                Err(StoreError::Database(e)) if retryable(&e) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict(
            "too much contention; try again".to_owned(),
        ))
    }

    async fn door_once(&self, scan: &DoorScan) -> Result<Option<DoorOutcome>> {
        let (begin, _) = write_sql(self.backend());
        let (c, r, now) = (scan.conference.get(), scan.room.get(), scan.now);
        let (badge_sql, key) = match &scan.badge {
            Target::Code(code) => (
                "SELECT c.user_id, c.name FROM cards c WHERE c.conference_id = $1 AND c.code = $2",
                code.as_str().to_owned(),
            ),
            Target::Token(t) => (
                "SELECT c.user_id, c.name FROM cards c WHERE c.conference_id = $1 AND c.token = $2",
                t.clone(),
            ),
        };
        let outcome = on_write!(self, pool => {
            let points_settings = crate::points::settings_of(
                sqlx::query_as(SETTINGS_SQL).bind(c).fetch_optional(pool).await?,
            )?;
            let settings = venue_settings_of(
                sqlx::query_as(VENUE_SETTINGS_SQL).bind(c).fetch_optional(pool).await?,
            );
            let mut tx = pool.begin_with(begin).await?;
            let room: Option<(Option<i64>,)> =
                sqlx::query_as("SELECT capacity FROM rooms WHERE id = $1 AND conference_id = $2")
                    .bind(r)
                    .bind(c)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((capacity,)) = room else {
                return Ok(None);
            };
            let capacity = capacity.map(count);
            // The room's lock: every door of the room waits here for the one before.
            let (counted, mut occupancy): (Option<i64>, i64) = sqlx::query_as(
                "INSERT INTO room_presence (conference_id, room_id, session_id, occupancy, capacity, updated_at) \
                 VALUES ($1, $2, NULL, 0, NULL, $3) ON CONFLICT (conference_id, room_id) \
                 DO UPDATE SET occupancy = room_presence.occupancy RETURNING session_id, occupancy",
            )
            .bind(c)
            .bind(r)
            .bind(now.timestamp())
            .fetch_one(&mut *tx)
            .await?;
            let stored = occupancy;
            let open = i64::from(settings.doors_open_minutes) * 60;
            let rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
                "SELECT id, starts_at, ends_at, reserved FROM sessions \
                 WHERE conference_id = $1 AND room_id = $2 AND ends_at > $3 AND starts_at <= $4",
            )
            .bind(c)
            .bind(r)
            .bind(now.timestamp())
            .bind(now.timestamp() + open)
            .fetch_all(&mut *tx)
            .await?;
            let mut spans = Vec::with_capacity(rows.len());
            for (id, starts, ends, _) in &rows {
                spans.push((SessionId::new(*id), span_of(*starts, *ends)?));
            }
            let current = venue::door_session(&spans, &settings, now);
            let counted = counted.map(SessionId::new);
            if venue::resets(counted, current, &settings) {
                sqlx::query("DELETE FROM room_checkins WHERE conference_id = $1 AND room_id = $2")
                    .bind(c)
                    .bind(r)
                    .execute(&mut *tx)
                    .await?;
                occupancy = 0;
            }
            if counted != current {
                sqlx::query(
                    "UPDATE room_presence SET session_id = $3, occupancy = $4 WHERE conference_id = $1 AND room_id = $2",
                )
                .bind(c)
                .bind(r)
                .bind(current.map(SessionId::get))
                .bind(occupancy)
                .execute(&mut *tx)
                .await?;
            }
            let found: Option<(i64, String)> =
                sqlx::query_as(badge_sql).bind(c).bind(&key).fetch_optional(&mut *tx).await?;
            let Some((user, name)) = found else {
                if occupancy != stored {
                    let event = Outgoing::everyone(scan.conference, Event::Occupancy { room: scan.room, occupancy: count(occupancy), capacity });
                    emit_in!(tx, [&event], now);
                }
                tx.commit().await?;
                return Ok(Some(DoorOutcome {
                    reason: DoorReason::UnknownBadge,
                    occupancy: count(occupancy),
                    capacity,
                    session: current,
                    user: None,
                    name: String::new(),
                    points: 0,
                }));
            };
            let inside: Option<i64> = sqlx::query_scalar(
                "SELECT user_id FROM room_checkins WHERE conference_id = $1 AND room_id = $2 AND user_id = $3",
            )
            .bind(c)
            .bind(r)
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
            let mut points = 0;
            let reason = match scan.direction {
                Direction::Out => {
                    if inside.is_some() {
                        sqlx::query(
                            "DELETE FROM room_checkins WHERE conference_id = $1 AND room_id = $2 AND user_id = $3",
                        )
                        .bind(c)
                        .bind(r)
                        .bind(user)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(
                            "UPDATE room_presence SET occupancy = occupancy - 1, updated_at = $3 \
                             WHERE conference_id = $1 AND room_id = $2",
                        )
                        .bind(c)
                        .bind(r)
                        .bind(now.timestamp())
                        .execute(&mut *tx)
                        .await?;
                        occupancy -= 1;
                        DoorReason::CheckedOut
                    } else {
                        DoorReason::NotInside
                    }
                }
                Direction::In => {
                    let (has_reservation, held) = match current {
                        None => (false, 0),
                        Some(session) => {
                            let seat: Option<i64> = sqlx::query_scalar(
                                "SELECT id FROM agenda WHERE conference_id = $1 AND session_id = $2 \
                                 AND user_id = $3 AND state = 'reserved'",
                            )
                            .bind(c)
                            .bind(session.get())
                            .bind(user)
                            .fetch_optional(&mut *tx)
                            .await?;
                            let arrived: i64 = sqlx::query_scalar(
                                "SELECT COUNT(*) FROM room_checkins WHERE conference_id = $1 AND room_id = $2 \
                                 AND session_id = $3 AND reserved = 1",
                            )
                            .bind(c)
                            .bind(r)
                            .bind(session.get())
                            .fetch_one(&mut *tx)
                            .await?;
                            let reserved = rows
                                .iter()
                                .find(|row| row.0 == session.get())
                                .map_or(0, |row| row.3);
                            let span = spans
                                .iter()
                                .find(|(id, _)| *id == session)
                                .map(|(_, s)| *s);
                            let held = span.map_or(0, |span| {
                                venue::held_seats(&span, count(reserved), count(arrived), &settings, now)
                            });
                            (seat.is_some(), held)
                        }
                    };
                    let reason = venue::admit(Entry {
                        capacity,
                        occupancy: count(occupancy),
                        inside: inside.is_some(),
                        has_reservation,
                        held,
                    });
                    if matches!(reason, DoorReason::Reserved | DoorReason::WalkIn) {
                        sqlx::query(
                            "INSERT INTO room_checkins (conference_id, room_id, user_id, session_id, reserved, at) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(c)
                        .bind(r)
                        .bind(user)
                        .bind(current.map(SessionId::get))
                        .bind(i64::from(has_reservation))
                        .bind(now.timestamp())
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(
                            "UPDATE room_presence SET occupancy = occupancy + 1, capacity = $3, updated_at = $4 \
                             WHERE conference_id = $1 AND room_id = $2",
                        )
                        .bind(c)
                        .bind(r)
                        .bind(capacity.map(i64::from))
                        .bind(now.timestamp())
                        .execute(&mut *tx)
                        .await?;
                        occupancy += 1;
                        if let Some(session) = current {
                            sqlx::query(
                                "INSERT INTO attendance (conference_id, session_id, user_id, at) VALUES ($1, $2, $3, $4) \
                                 ON CONFLICT (conference_id, session_id, user_id) DO NOTHING",
                            )
                            .bind(c)
                            .bind(session.get())
                            .bind(user)
                            .bind(now.timestamp())
                            .execute(&mut *tx)
                            .await?;
                            let action = Action::attended(session);
                            points = award_in!(tx, c, user, &action, &points_settings, now).unwrap_or(0);
                        }
                    }
                    reason
                }
            };
            if occupancy != stored {
                let event = Outgoing::everyone(scan.conference, Event::Occupancy { room: scan.room, occupancy: count(occupancy), capacity });
                emit_in!(tx, [&event], now);
            }
            tx.commit().await?;
            DoorOutcome {
                reason,
                occupancy: count(occupancy),
                capacity,
                session: current,
                user: Some(UserId::new(user)),
                name,
                points,
            }
        });
        self.events_written();
        Ok(Some(outcome))
    }

    /// Every room's count, in the program's room order. A count kept for a session whose
    /// doors closed reads 0 when the conference resets between sessions (the next scan
    /// resets it for real).
    pub async fn occupancy(
        &self,
        conference: ConferenceId,
        now: DateTime<Utc>,
    ) -> Result<Vec<RoomOccupancy>> {
        let settings = self.venue_settings(conference).await?;
        let c = conference.get();
        let open = i64::from(settings.doors_open_minutes) * 60;
        let (rooms, sessions): (Vec<PresenceRow>, Vec<SpanRow>) = on_pool!(self, pool => {
            let rooms = sqlx::query_as(
                "SELECT r.id, r.name, r.capacity, p.session_id, p.occupancy FROM rooms r \
                 LEFT JOIN room_presence p ON p.conference_id = r.conference_id AND p.room_id = r.id \
                 WHERE r.conference_id = $1 ORDER BY r.position, r.id",
            )
            .bind(c)
            .fetch_all(pool)
            .await?;
            let sessions = sqlx::query_as(
                "SELECT room_id, id, starts_at, ends_at FROM sessions \
                 WHERE conference_id = $1 AND ends_at > $2 AND starts_at <= $3",
            )
            .bind(c)
            .bind(now.timestamp())
            .bind(now.timestamp() + open)
            .fetch_all(pool)
            .await?;
            (rooms, sessions)
        });
        let mut out = Vec::with_capacity(rooms.len());
        for (id, name, capacity, counted, occupancy) in rooms {
            let mut spans = Vec::new();
            for (room, s, starts, ends) in &sessions {
                if *room == id {
                    spans.push((SessionId::new(*s), span_of(*starts, *ends)?));
                }
            }
            let current = venue::door_session(&spans, &settings, now);
            let stale = occupancy.is_some()
                && venue::resets(counted.map(SessionId::new), current, &settings);
            out.push(RoomOccupancy {
                room: RoomId::new(id),
                name,
                capacity: capacity.map(count),
                occupancy: if stale {
                    0
                } else {
                    count(occupancy.unwrap_or(0))
                },
                session: current,
            });
        }
        Ok(out)
    }

    /// Adds machines to a lab's pool, or updates the access details of those whose name is
    /// in the pool already (a machine in use keeps its holder). `None` when the session is
    /// not a lab of the conference. All or nothing.
    pub async fn import_machines(
        &self,
        conference: ConferenceId,
        session: SessionId,
        machines: &[Machine],
        audit: Option<&crate::AuditLine>,
        now: DateTime<Utc>,
    ) -> Result<Option<usize>> {
        let (c, s) = (conference.get(), session.get());
        on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let kind: Option<String> =
                sqlx::query_scalar("SELECT kind FROM sessions WHERE id = $1 AND conference_id = $2")
                    .bind(s)
                    .bind(c)
                    .fetch_optional(&mut *tx)
                    .await?;
            if kind.as_deref() != Some(SessionKind::Lab.as_str()) {
                return Ok(None);
            }
            for m in machines {
                sqlx::query(
                    "INSERT INTO lab_machines (conference_id, session_id, name, address, username, secret) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (conference_id, session_id, name) \
                     DO UPDATE SET address = excluded.address, username = excluded.username, secret = excluded.secret",
                )
                .bind(c)
                .bind(s)
                .bind(m.name())
                .bind(m.address())
                .bind(m.username())
                .bind(m.secret())
                .execute(&mut *tx)
                .await?;
            }
            if let Some(line) = audit {
                crate::organize::record_in!(tx, conference, line, now);
            }
            tx.commit().await?;
        });
        Ok(Some(machines.len()))
    }

    /// Gives the attendee a free machine of the lab, or the one they hold already; see
    /// [`LabOutcome`] for refusals and the module documentation for invariant 6.
    pub async fn start_lab(
        &self,
        conference: ConferenceId,
        session: SessionId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<LabOutcome> {
        for _ in 0..MAX_ATTEMPTS {
            match self.start_lab_once(conference, session, user, now).await {
                Err(StoreError::Database(e)) if retryable(&e) => continue,
                // Two starts of one attendee on SQLite's pool, or past the user lock: the
                // index refused the second machine; the next attempt finds the first.
                Err(StoreError::Database(sqlx::Error::Database(db)))
                    if db.is_unique_violation() =>
                {
                    continue;
                }
                other => return other,
            }
        }
        Err(StoreError::Conflict(
            "too much contention; try again".to_owned(),
        ))
    }

    async fn start_lab_once(
        &self,
        conference: ConferenceId,
        session: SessionId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<LabOutcome> {
        let (begin, lock) = write_sql(self.backend());
        let claim = match self.backend() {
            crate::Backend::Sqlite => {
                "UPDATE lab_machines SET holder_id = $3, claimed_at = $4 WHERE id = \
                 (SELECT id FROM lab_machines WHERE conference_id = $1 AND session_id = $2 AND holder_id IS NULL \
                 ORDER BY id LIMIT 1) AND holder_id IS NULL RETURNING name, address, username, secret"
            }
            crate::Backend::Postgres => {
                "UPDATE lab_machines SET holder_id = $3, claimed_at = $4 WHERE id = \
                 (SELECT id FROM lab_machines WHERE conference_id = $1 AND session_id = $2 AND holder_id IS NULL \
                 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) AND holder_id IS NULL \
                 RETURNING name, address, username, secret"
            }
        };
        let (c, s, u) = (conference.get(), session.get(), user.get());
        let settings = self.venue_settings(conference).await?;
        Ok(on_write!(self, pool => {
            let mut tx = pool.begin_with(begin).await?;
            sqlx::query(lock).bind(u).fetch_optional(&mut *tx).await?;
            let row: Option<(String, i64, i64)> = sqlx::query_as(
                "SELECT kind, starts_at, ends_at FROM sessions WHERE id = $1 AND conference_id = $2",
            )
            .bind(s)
            .bind(c)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((kind, starts, ends)) = row else {
                return Ok(LabOutcome::NoSuchSession);
            };
            if kind != SessionKind::Lab.as_str() {
                return Ok(LabOutcome::NotALab);
            }
            if now.timestamp() >= ends {
                return_ended_in!(tx, c, now);
                tx.commit().await?;
                return Ok(LabOutcome::Over);
            }
            if now.timestamp() < starts - i64::from(settings.doors_open_minutes) * 60 {
                return Ok(LabOutcome::NotOpen);
            }
            let attending: Option<i64> = sqlx::query_scalar(
                "SELECT user_id FROM agenda WHERE conference_id = $1 AND session_id = $2 AND user_id = $3 AND state = 'reserved' \
                 UNION ALL SELECT user_id FROM attendance WHERE conference_id = $1 AND session_id = $2 AND user_id = $3",
            )
            .bind(c)
            .bind(s)
            .bind(u)
            .fetch_optional(&mut *tx)
            .await?;
            if attending.is_none() {
                return Ok(LabOutcome::NotAttending);
            }
            let held: Option<MachineRow> = sqlx::query_as(
                "SELECT name, address, username, secret FROM lab_machines \
                 WHERE conference_id = $1 AND session_id = $2 AND holder_id = $3",
            )
            .bind(c)
            .bind(s)
            .bind(u)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = held {
                return Ok(LabOutcome::Started { machine: machine_of(row)?, new: false });
            }
            let claimed: Option<MachineRow> = sqlx::query_as(claim)
                .bind(c)
                .bind(s)
                .bind(u)
                .bind(now.timestamp())
                .fetch_optional(&mut *tx)
                .await?;
            match claimed {
                None => LabOutcome::NoneFree,
                Some(row) => {
                    tx.commit().await?;
                    LabOutcome::Started { machine: machine_of(row)?, new: true }
                }
            }
        }))
    }

    /// Returns the attendee's machine of the lab and awards `lab:{session}` once; `None`
    /// when they held none.
    pub async fn finish_lab(
        &self,
        conference: ConferenceId,
        session: SessionId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<u32>> {
        let (begin, lock) = write_sql(self.backend());
        let (c, s, u) = (conference.get(), session.get(), user.get());
        for _ in 0..MAX_ATTEMPTS {
            let attempt: Result<Option<u32>> = async {
                Ok(on_write!(self, pool => {
                    let points_settings = crate::points::settings_of(
                        sqlx::query_as(SETTINGS_SQL).bind(c).fetch_optional(pool).await?,
                    )?;
                    let mut tx = pool.begin_with(begin).await?;
                    sqlx::query(lock).bind(u).fetch_optional(&mut *tx).await?;
                    let freed = sqlx::query(
                        "UPDATE lab_machines SET holder_id = NULL, claimed_at = NULL \
                         WHERE conference_id = $1 AND session_id = $2 AND holder_id = $3",
                    )
                    .bind(c)
                    .bind(s)
                    .bind(u)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if freed == 0 {
                        None
                    } else {
                        let action = Action::lab(session);
                        let points = award_in!(tx, c, u, &action, &points_settings, now).unwrap_or(0);
                        tx.commit().await?;
                        Some(points)
                    }
                }))
            }
            .await;
            match attempt {
                Err(StoreError::Database(e)) if retryable(&e) => continue,
                Ok(Some(points)) => {
                    self.events_written();
                    return Ok(Some(points));
                }
                other => return other,
            }
        }
        Err(StoreError::Conflict(
            "too much contention; try again".to_owned(),
        ))
    }

    /// The machine the attendee holds in the lab, if any (none once the lab is over).
    pub async fn lab_machine(
        &self,
        conference: ConferenceId,
        session: SessionId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<Machine>> {
        let row: Option<MachineRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT m.name, m.address, m.username, m.secret FROM lab_machines m \
                 JOIN sessions s ON s.id = m.session_id AND s.conference_id = m.conference_id \
                 WHERE m.conference_id = $1 AND m.session_id = $2 AND m.holder_id = $3 AND s.ends_at > $4",
            )
            .bind(conference.get())
            .bind(session.get())
            .bind(user.get())
            .bind(now.timestamp())
            .fetch_optional(pool)
            .await?
        });
        row.map(machine_of).transpose()
    }

    /// A lab's pool, machines by name, after returning the machines of labs that are over.
    pub async fn lab_pool(
        &self,
        conference: ConferenceId,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> Result<Vec<PoolMachine>> {
        self.return_ended_labs(conference, now).await?;
        type Row = (
            String,
            String,
            String,
            String,
            Option<i64>,
            Option<String>,
            Option<i64>,
        );
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT m.name, m.address, m.username, m.secret, m.holder_id, u.name, m.claimed_at \
                 FROM lab_machines m LEFT JOIN users u ON u.id = m.holder_id \
                 WHERE m.conference_id = $1 AND m.session_id = $2 ORDER BY m.name",
            )
            .bind(conference.get())
            .bind(session.get())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(n, a, u, s, holder, holder_name, at)| {
                Ok(PoolMachine {
                    machine: machine_of((n, a, u, s))?,
                    holder: holder.map(|h| (UserId::new(h), holder_name.unwrap_or_default())),
                    claimed_at: at.map(instant),
                })
            })
            .collect()
    }

    /// Per lab of the conference: (session, machines, in use), labs with a pool only.
    pub async fn lab_use(
        &self,
        conference: ConferenceId,
        now: DateTime<Utc>,
    ) -> Result<Vec<(SessionId, u32, u32)>> {
        self.return_ended_labs(conference, now).await?;
        let rows: Vec<(i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT session_id, COUNT(*), COUNT(holder_id) FROM lab_machines \
                 WHERE conference_id = $1 GROUP BY session_id ORDER BY session_id",
            )
            .bind(conference.get())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(s, n, used)| (SessionId::new(s), count(n), count(used)))
            .collect())
    }

    /// Returns every machine of the conference's labs that are over (invariant 6: machines
    /// come back when the lab ends); answers how many.
    pub async fn return_ended_labs(
        &self,
        conference: ConferenceId,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let c = conference.get();
        Ok(on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = return_ended_in!(tx, c, now);
            tx.commit().await?;
            n
        }))
    }

    /// [`Store::return_ended_labs`] for every conference with a machine in use (the
    /// server's minute tick); answers how many came back.
    pub async fn return_all_ended_labs(&self, now: DateTime<Utc>) -> Result<u64> {
        let conferences: Vec<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT DISTINCT conference_id FROM lab_machines WHERE holder_id IS NOT NULL")
                .fetch_all(pool)
                .await?
        });
        let mut n = 0;
        for c in conferences {
            n += self.return_ended_labs(ConferenceId::new(c), now).await?;
        }
        Ok(n)
    }

    /// Per session with a waitlist, a check-in or a rating: those counts (the organizer
    /// dashboard; seats come from the program).
    pub async fn session_activity(&self, conference: ConferenceId) -> Result<Vec<SessionActivity>> {
        let rows: Vec<(i64, i64, i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT session_id, CAST(SUM(w) AS BIGINT), CAST(SUM(a) AS BIGINT), CAST(SUM(r) AS BIGINT), CAST(SUM(rs) AS BIGINT) FROM ( \
                 SELECT session_id, 1 AS w, 0 AS a, 0 AS r, 0 AS rs FROM agenda WHERE conference_id = $1 AND state = 'waitlisted' \
                 UNION ALL SELECT session_id, 0, 1, 0, 0 FROM attendance WHERE conference_id = $1 \
                 UNION ALL SELECT session_id, 0, 0, 1, rating FROM feedback WHERE conference_id = $1) t \
                 GROUP BY session_id ORDER BY session_id",
            )
            .bind(conference.get())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(s, w, a, r, rs)| SessionActivity {
                session: SessionId::new(s),
                waitlisted: count(w),
                checked_in: count(a),
                ratings: count(r),
                rating_sum: count(rs),
            })
            .collect())
    }

    /// Points awarded per hour from `since` (hour start, points, actions), oldest first; hours
    /// without awards are left out.
    pub async fn points_activity(
        &self,
        conference: ConferenceId,
        since: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, u64, u64)>> {
        let rows: Vec<(i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT (at / 3600) * 3600 AS h, CAST(SUM(points) AS BIGINT), COUNT(*) FROM points_ledger \
                 WHERE conference_id = $1 AND at >= $2 GROUP BY (at / 3600) * 3600 ORDER BY h",
            )
            .bind(conference.get())
            .bind(since.timestamp())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(h, p, n)| {
                (
                    instant(h),
                    u64::try_from(p).unwrap_or(0),
                    u64::try_from(n).unwrap_or(0),
                )
            })
            .collect())
    }

    /// Posts an announcement and, in the same transaction, its event for each person of its
    /// audience (one for everybody when it is for everyone); `None` when its room or session
    /// is not the conference's.
    pub async fn post_announcement(
        &self,
        conference: ConferenceId,
        author: UserId,
        text: &str,
        audience: Audience,
        now: DateTime<Utc>,
    ) -> Result<Option<Announcement>> {
        let c = conference.get();
        let (kind, room, session) = match audience {
            Audience::Everyone => ("everyone", None, None),
            Audience::Room(r) => ("room", Some(r.get()), None),
            Audience::Session(s) => ("session", None, Some(s.get())),
        };
        let id: Option<i64> = on_write!(self, pool => {
            let mut tx = pool.begin_with(write_sql(self.backend()).0).await?;
            let known: i64 = sqlx::query_scalar(
                "SELECT CASE WHEN $2 IS NULL THEN 1 ELSE (SELECT COUNT(*) FROM rooms WHERE conference_id = $1 AND id = $2) END \
                 * CASE WHEN $3 IS NULL THEN 1 ELSE (SELECT COUNT(*) FROM sessions WHERE conference_id = $1 AND id = $3) END",
            )
            .bind(c)
            .bind(room)
            .bind(session)
            .fetch_one(&mut *tx)
            .await?;
            if known == 0 {
                None
            } else {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO announcements (conference_id, author_id, text, audience, room_id, session_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(c)
                .bind(author.get())
                .bind(text)
                .bind(kind)
                .bind(room)
                .bind(session)
                .bind(now.timestamp())
                .fetch_one(&mut *tx)
                .await?;
                let event = Event::Announcement { id, text: text.to_owned(), audience: audience.to_text() };
                let people: Option<Vec<i64>> = match audience {
                    Audience::Everyone => None,
                    Audience::Room(r) => Some(sqlx::query_scalar(ROOM_AUDIENCE).bind(c).bind(r.get()).fetch_all(&mut *tx).await?),
                    Audience::Session(s) => Some(sqlx::query_scalar(SESSION_AUDIENCE).bind(c).bind(s.get()).fetch_all(&mut *tx).await?),
                };
                let events: Vec<Outgoing> = match people {
                    None => vec![Outgoing::everyone(conference, event)],
                    Some(people) => people.into_iter().map(|u| Outgoing::to(conference, UserId::new(u), event.clone())).collect(),
                };
                emit_in!(tx, &events, now);
                tx.commit().await?;
                Some(id)
            }
        });
        self.events_written();
        Ok(id.map(|id| Announcement {
            id,
            text: text.to_owned(),
            audience,
            at: now,
        }))
    }

    /// The latest `limit` announcements, newest first.
    pub async fn announcements(
        &self,
        conference: ConferenceId,
        limit: u32,
    ) -> Result<Vec<Announcement>> {
        let rows: Vec<AnnouncementRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, text, audience, room_id, session_id, created_at FROM announcements \
                 WHERE conference_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
            )
            .bind(conference.get())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(id, text, audience, room, session, at)| {
                let audience = match (audience.as_str(), room, session) {
                    ("everyone", _, _) => Audience::Everyone,
                    ("room", Some(r), _) => Audience::Room(RoomId::new(r)),
                    ("session", _, Some(s)) => Audience::Session(SessionId::new(s)),
                    _ => return Err(StoreError::Corrupt(format!("announcement {id} audience"))),
                };
                Ok(Announcement {
                    id,
                    text,
                    audience,
                    at: instant(at),
                })
            })
            .collect()
    }

    /// Who an announcement reaches: `None` for everyone, else the people checked into the
    /// room, or the session's attendees (a reserved seat or a check-in).
    pub async fn audience_of(
        &self,
        conference: ConferenceId,
        audience: Audience,
    ) -> Result<Option<Vec<UserId>>> {
        let c = conference.get();
        let ids: Vec<i64> = match audience {
            Audience::Everyone => return Ok(None),
            Audience::Room(r) => on_pool!(self, pool => {
                sqlx::query_scalar(ROOM_AUDIENCE)
                .bind(c)
                .bind(r.get())
                .fetch_all(pool)
                .await?
            }),
            Audience::Session(s) => on_pool!(self, pool => {
                sqlx::query_scalar(SESSION_AUDIENCE)
                .bind(c)
                .bind(s.get())
                .fetch_all(pool)
                .await?
            }),
        };
        Ok(Some(ids.into_iter().map(UserId::new).collect()))
    }

    /// Whether `user` is in the audience of an announcement for `session`: a reserved seat
    /// or a check-in.
    pub async fn attends(
        &self,
        conference: ConferenceId,
        session: SessionId,
        user: UserId,
    ) -> Result<bool> {
        let row: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT user_id FROM agenda WHERE conference_id = $1 AND session_id = $2 AND user_id = $3 AND state = 'reserved' \
                 UNION ALL SELECT user_id FROM attendance WHERE conference_id = $1 AND session_id = $2 AND user_id = $3",
            )
            .bind(conference.get())
            .bind(session.get())
            .bind(user.get())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.is_some())
    }

    /// Rooms whose count is above their capacity or differs from the people checked in
    /// (invariant 7; empty when it holds), and labs where a machine of an ended lab is held
    /// or an attendee holds two (invariant 6), in words. Machines count as held after their
    /// lab when it ended by `now` (pass the earliest instant to leave that check out).
    pub async fn venue_violations(
        &self,
        conference: ConferenceId,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let c = conference.get();
        let (rooms, labs, ended): (Vec<i64>, Vec<(i64, i64)>, Vec<i64>) = on_pool!(self, pool => {
            let rooms = sqlx::query_scalar(
                "SELECT p.room_id FROM room_presence p JOIN rooms r ON r.id = p.room_id \
                 WHERE p.conference_id = $1 AND ((r.capacity IS NOT NULL AND p.occupancy > r.capacity AND p.occupancy > COALESCE(p.capacity, 0)) \
                 OR p.occupancy <> (SELECT COUNT(*) FROM room_checkins k WHERE k.conference_id = $1 AND k.room_id = p.room_id)) \
                 ORDER BY 1",
            )
            .bind(c)
            .fetch_all(pool)
            .await?;
            let labs = sqlx::query_as(
                "SELECT session_id, holder_id FROM lab_machines WHERE conference_id = $1 AND holder_id IS NOT NULL \
                 GROUP BY session_id, holder_id HAVING COUNT(*) > 1 ORDER BY 1, 2",
            )
            .bind(c)
            .fetch_all(pool)
            .await?;
            let ended = sqlx::query_scalar(
                "SELECT m.id FROM lab_machines m JOIN sessions s ON s.id = m.session_id \
                 WHERE m.conference_id = $1 AND m.holder_id IS NOT NULL AND s.ends_at <= $2 ORDER BY 1",
            )
            .bind(c)
            .bind(now.timestamp())
            .fetch_all(pool)
            .await?;
            (rooms, labs, ended)
        });
        let mut out: Vec<String> = rooms
            .into_iter()
            .map(|r| format!("room {r}: the door count is above capacity or differs from the people checked in"))
            .collect();
        out.extend(
            labs.into_iter()
                .map(|(s, u)| format!("lab {s}: attendee {u} holds more than one machine")),
        );
        out.extend(
            ended
                .into_iter()
                .map(|m| format!("lab machine {m}: still held after its lab ended")),
        );
        Ok(out)
    }
}
