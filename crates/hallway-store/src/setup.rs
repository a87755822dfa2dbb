//! A conference's setup as organizers keep it: rooms, tracks and speakers, changed at once
//! (they reach attendees only through sessions), each change with its audit line in its
//! transaction. A room's new capacity moves the seats of its sessions.

use chrono::{DateTime, Utc};
use hallway_domain::program::SpeakerInfo;
use hallway_domain::{Capacity, Colour, ConferenceId, RoomId, SessionId, SpeakerId, TrackId};

use crate::agenda::{retryable, write_sql};
use crate::organize::record_in;
use crate::seats::{self, sql::SqlxTx};
use crate::{
    AuditLine, Promotion, Result, Store, StoreError, conflict_on_unique, on_pool, on_write, to_json,
};

/// A room's fields as an organizer edits them.
#[derive(Clone, Copy, Debug)]
pub struct RoomEdit<'a> {
    /// Its name, unique in the conference regardless of case.
    pub name: &'a str,
    /// Seats; `None` = unlimited.
    pub capacity: Option<Capacity>,
    /// Where to find it.
    pub note: &'a str,
}

impl Store {
    /// Whether `table` (rooms or tracks) has another row named `name`, ignoring case (a
    /// program's names are unique regardless of case).
    async fn name_taken(
        &self,
        table: &'static str,
        conference: ConferenceId,
        name: &str,
        except: i64,
    ) -> Result<bool> {
        let sql = match table {
            "rooms" => {
                "SELECT COUNT(*) FROM rooms WHERE conference_id = $1 AND LOWER(name) = LOWER($2) AND id <> $3"
            }
            _ => {
                "SELECT COUNT(*) FROM tracks WHERE conference_id = $1 AND LOWER(name) = LOWER($2) AND id <> $3"
            }
        };
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(sql).bind(conference.get()).bind(name).bind(except).fetch_one(pool).await?
        });
        Ok(n > 0)
    }

    /// Adds a room. Fails with [`StoreError::Conflict`] when the name is taken.
    pub async fn add_room(
        &self,
        conference: ConferenceId,
        name: &str,
        capacity: Option<Capacity>,
        note: &str,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<RoomId> {
        if self.name_taken("rooms", conference, name, 0).await? {
            return Err(StoreError::Conflict(format!(
                "there is already a room named {name:?}"
            )));
        }
        let id: i64 = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let id = sqlx::query_scalar(
                "INSERT INTO rooms (conference_id, name, capacity, note, position) \
                 VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), -1) + 1 FROM rooms WHERE conference_id = $1)) RETURNING id",
            )
            .bind(conference.get())
            .bind(name)
            .bind(capacity.map(|c| i64::from(c.get())))
            .bind(note)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, || format!("there is already a room named {name:?}")))?;
            record_in!(tx, conference, audit, now);
            tx.commit().await?;
            id
        });
        Ok(RoomId::new(id))
    }

    /// Changes a room. A new capacity applies at once to its sessions without their own:
    /// raising it promotes waiting attendees, lowering it keeps everyone already in.
    /// Answers `None` when the conference has no such room.
    pub async fn update_room(
        &self,
        conference: ConferenceId,
        room: RoomId,
        edit: RoomEdit<'_>,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<Promotion>>> {
        let name = edit.name;
        if self
            .name_taken("rooms", conference, name, room.get())
            .await?
        {
            return Err(StoreError::Conflict(format!(
                "there is already a room named {name:?}"
            )));
        }
        for _ in 0..crate::agenda::MAX_ATTEMPTS {
            match self
                .update_room_once(conference, room, edit, audit, now)
                .await
            {
                Err(StoreError::Database(e)) if retryable(&e) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict(
            "the room is busy right now; try again".into(),
        ))
    }

    async fn update_room_once(
        &self,
        conference: ConferenceId,
        room: RoomId,
        edit: RoomEdit<'_>,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<Promotion>>> {
        let RoomEdit {
            name,
            capacity,
            note,
        } = edit;
        let (begin, _) = write_sql(self.backend());
        let id = conference;
        let (conference, room) = (conference.get(), room.get());
        let effective = capacity.map(|c| c.get());
        let capacity = effective.map(i64::from);
        let promotions = on_write!(self, pool => {
            let mut tx = pool.begin_with(begin).await?;
            let changed = sqlx::query("UPDATE rooms SET name = $1, capacity = $2, note = $3 WHERE id = $4 AND conference_id = $5")
                .bind(name)
                .bind(capacity)
                .bind(note)
                .bind(room)
                .bind(conference)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_on_unique(e, || format!("there is already a room named {name:?}")))?
                .rows_affected();
            if changed == 0 {
                return Ok(None);
            }
            let sessions: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM sessions WHERE room_id = $1 AND capacity_override IS NULL AND kind <> 'break' ORDER BY id",
            )
            .bind(room)
            .fetch_all(&mut *tx)
            .await?;
            let mut promotions = Vec::new();
            for session in sessions {
                promotions.extend(
                    seats::follow_capacity(&mut SqlxTx(&mut *tx), ConferenceId::new(conference), SessionId::new(session), effective, now).await?,
                );
            }
            record_in!(tx, id, audit, now);
            tx.commit().await?;
            promotions
        });
        self.events_written();
        Ok(Some(promotions))
    }

    /// Deletes a room no session uses. Answers false when there is no such room; fails with
    /// [`StoreError::Conflict`] when sessions use it.
    pub async fn delete_room(
        &self,
        conference: ConferenceId,
        room: RoomId,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let deleted = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "DELETE FROM rooms WHERE id = $1 AND conference_id = $2",
            )
            .bind(room.get())
            .bind(conference.get())
            .execute(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    StoreError::Conflict("sessions take place in this room: move them first".into())
                }
                _ => StoreError::from(e),
            })?
            .rows_affected();
            if n == 1 {
                record_in!(tx, conference, audit, now);
            }
            tx.commit().await?;
            n
        });
        Ok(deleted == 1)
    }

    /// Adds a track. Fails with [`StoreError::Conflict`] when the name is taken.
    pub async fn add_track(
        &self,
        conference: ConferenceId,
        name: &str,
        colour: Colour,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<TrackId> {
        if self.name_taken("tracks", conference, name, 0).await? {
            return Err(StoreError::Conflict(format!(
                "there is already a track named {name:?}"
            )));
        }
        let id: i64 = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let id = sqlx::query_scalar("INSERT INTO tracks (conference_id, name, colour) VALUES ($1, $2, $3) RETURNING id")
                .bind(conference.get())
                .bind(name)
                .bind(colour.hex())
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict_on_unique(e, || format!("there is already a track named {name:?}")))?;
            record_in!(tx, conference, audit, now);
            tx.commit().await?;
            id
        });
        Ok(TrackId::new(id))
    }

    /// Changes a track; false when there is no such track.
    pub async fn update_track(
        &self,
        conference: ConferenceId,
        track: TrackId,
        name: &str,
        colour: Colour,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        if self
            .name_taken("tracks", conference, name, track.get())
            .await?
        {
            return Err(StoreError::Conflict(format!(
                "there is already a track named {name:?}"
            )));
        }
        let n = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE tracks SET name = $1, colour = $2 WHERE id = $3 AND conference_id = $4")
                .bind(name)
                .bind(colour.hex())
                .bind(track.get())
                .bind(conference.get())
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_on_unique(e, || format!("there is already a track named {name:?}")))?
                .rows_affected();
            if n == 1 {
                record_in!(tx, conference, audit, now);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// Deletes a track (its sessions keep going, without a track); false when there is none.
    pub async fn delete_track(
        &self,
        conference: ConferenceId,
        track: TrackId,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.delete_recorded(
            "DELETE FROM tracks WHERE id = $1 AND conference_id = $2",
            conference,
            track.get(),
            audit,
            now,
        )
        .await
    }

    /// Adds a speaker.
    pub async fn add_speaker(
        &self,
        conference: ConferenceId,
        info: &SpeakerInfo,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<SpeakerId> {
        let id: i64 = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let id = sqlx::query_scalar(
                "INSERT INTO speakers (conference_id, name, company, bio, links, photo_url) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(conference.get())
            .bind(&info.name)
            .bind(&info.company)
            .bind(&info.bio)
            .bind(to_json(&info.links))
            .bind(&info.photo_url)
            .fetch_one(&mut *tx)
            .await?;
            record_in!(tx, conference, audit, now);
            tx.commit().await?;
            id
        });
        Ok(SpeakerId::new(id))
    }

    /// Changes a speaker; false when there is no such speaker.
    pub async fn update_speaker(
        &self,
        conference: ConferenceId,
        speaker: SpeakerId,
        info: &SpeakerInfo,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE speakers SET name = $1, company = $2, bio = $3, links = $4, photo_url = $5 WHERE id = $6 AND conference_id = $7",
            )
            .bind(&info.name)
            .bind(&info.company)
            .bind(&info.bio)
            .bind(to_json(&info.links))
            .bind(&info.photo_url)
            .bind(speaker.get())
            .bind(conference.get())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                record_in!(tx, conference, audit, now);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// Deletes a speaker (taken off their sessions); false when there is no such speaker.
    pub async fn delete_speaker(
        &self,
        conference: ConferenceId,
        speaker: SpeakerId,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.delete_recorded(
            "DELETE FROM speakers WHERE id = $1 AND conference_id = $2",
            conference,
            speaker.get(),
            audit,
            now,
        )
        .await
    }

    /// Runs `sql` (a `DELETE` of row `$1` in conference `$2`) and, if it deleted the row,
    /// writes `audit` in the same transaction. Answers whether it did.
    async fn delete_recorded(
        &self,
        sql: &'static str,
        conference: ConferenceId,
        id: i64,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(sql)
                .bind(id)
                .bind(conference.get())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                record_in!(tx, conference, audit, now);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }
}
