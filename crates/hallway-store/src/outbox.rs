//! Reading the outbox: the `events` table that every change others must hear about writes
//! in its own transaction (DESIGN invariant 10; the writers are the reservation engine
//! [`crate::seats`], doors, announcements and reminders). Readers follow it by [`Cursor`]:
//! the dispatcher of each instance (everything, in order), and a live stream that
//! reconnects (one conference and viewer, from the `Last-Event-ID` it had).
//!
//! Positions are commit order. On SQLite one transaction writes at a time, so the row id is
//! the position. On PostgreSQL ids are handed out before commit, so a row is only read once
//! every transaction older than its own has ended (`tx` below the snapshot's xmin); a long
//! transaction holds the newer events back until it ends, never skips them.
//!
//! After a commit that wrote events, the store calls [`Store::events_written`], which wakes
//! this process's dispatcher at once; other instances hear of it through PostgreSQL's
//! `NOTIFY hallway_events`, sent by a trigger at commit ([`Store::listen`]).

use chrono::{DateTime, Utc};
use hallway_domain::events::{Cursor, Event, Outgoing};
use hallway_domain::{ConferenceId, UserId};

use crate::{Pool, Result, Store, StoreError};

/// An event as the outbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// Where it stands: readers ask for what comes after.
    pub cursor: Cursor,
    /// The event and who it is for.
    pub event: Outgoing,
    /// When it was written.
    pub at: DateTime<Utc>,
}

/// tx, id, conference, recipient, version, params, created_at.
type EventRow = (i64, i64, i64, Option<i64>, i64, String, i64);

const COLUMNS_SQLITE: &str =
    "SELECT 0, id, conference_id, user_id, version, params, created_at FROM events";
const COLUMNS_PG: &str =
    "SELECT tx, id, conference_id, user_id, version, params, created_at FROM events";

/// Rows of transactions that have all ended (PostgreSQL).
const SETTLED_PG: &str = "tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

fn event_of(row: EventRow) -> Result<StoredEvent> {
    let (tx, id, conference, to, version, params, at) = row;
    if version != Event::VERSION {
        return Err(StoreError::Corrupt(format!(
            "event {id} has version {version}; this build reads {}",
            Event::VERSION
        )));
    }
    let event: Event = serde_json::from_str(&params)
        .map_err(|e| StoreError::Corrupt(format!("event {id}: {e}")))?;
    Ok(StoredEvent {
        cursor: Cursor::new(tx, id),
        event: Outgoing {
            conference: ConferenceId::new(conference),
            to: to.map(UserId::new),
            event,
        },
        at: DateTime::from_timestamp(at, 0).unwrap_or_default(),
    })
}

impl Store {
    /// Tells this process's dispatcher that committed events wait (it reads them at once).
    /// Every write that emits events calls it after its commit.
    pub(crate) fn events_written(&self) {
        self.events_wake.notify_one();
    }

    /// Resolves when this process committed events since the last call resolved (or at
    /// once, if it did before anyone waited). Other instances' events are signalled by
    /// [`Store::listen`].
    pub async fn events_committed(&self) {
        self.events_wake.notified().await;
    }

    /// The position of the newest event every reader could have: a dispatcher that starts
    /// here delivers only what is committed later.
    pub async fn latest_event(&self) -> Result<Cursor> {
        let row: Option<(i64, i64)> = match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query_as("SELECT 0, COALESCE(MAX(id), 0) FROM events")
                    .fetch_optional(pool)
                    .await?
            }
            Pool::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT tx, id FROM events WHERE tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint \
                     ORDER BY tx DESC, id DESC LIMIT 1",
                )
                .fetch_optional(pool)
                .await?
            }
        };
        Ok(row.map_or(Cursor::START, |(tx, id)| Cursor::new(tx, id)))
    }

    /// Up to `limit` committed events after `after`, in order, for every conference.
    pub async fn events_after(&self, after: Cursor, limit: u32) -> Result<Vec<StoredEvent>> {
        let rows: Vec<EventRow> = match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{COLUMNS_SQLITE} WHERE id > $1 ORDER BY id LIMIT $2"
                )))
                .bind(after.id())
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
            }
            Pool::Postgres(pool) => sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{COLUMNS_PG} WHERE (tx, id) > ($1, $2) AND {SETTLED_PG} ORDER BY tx, id LIMIT $3"
            )))
            .bind(after.tx())
            .bind(after.id())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?,
        };
        rows.into_iter().map(event_of).collect()
    }

    /// Up to `limit` committed events after `after` that `viewer` may see in `conference`
    /// (those for everybody, and those for `viewer`), in order: what a live stream that
    /// reconnects missed.
    pub async fn events_for(
        &self,
        conference: ConferenceId,
        viewer: Option<UserId>,
        after: Cursor,
        limit: u32,
    ) -> Result<Vec<StoredEvent>> {
        let viewer = viewer.map(UserId::get);
        let rows: Vec<EventRow> = match &self.pool {
            Pool::Sqlite(pool) => sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{COLUMNS_SQLITE} WHERE conference_id = $1 AND (user_id IS NULL OR user_id = $2) \
                     AND id > $3 ORDER BY id LIMIT $4"
            )))
            .bind(conference.get())
            .bind(viewer)
            .bind(after.id())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?,
            Pool::Postgres(pool) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{COLUMNS_PG} WHERE conference_id = $1 AND (user_id IS NULL OR user_id = $2) \
                     AND (tx, id) > ($3, $4) AND {SETTLED_PG} ORDER BY tx, id LIMIT $5"
                )))
                .bind(conference.get())
                .bind(viewer)
                .bind(after.tx())
                .bind(after.id())
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
            }
        };
        rows.into_iter().map(event_of).collect()
    }

    /// Deletes the events written before `before` (readers that reconnect later than that
    /// are told to reload instead); answers how many.
    pub async fn prune_events(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = crate::on_write!(self, pool => {
            sqlx::query("DELETE FROM events WHERE created_at < $1")
                .bind(before.timestamp())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done)
    }

    /// The oldest position still kept, if any: a reader behind it has missed pruned events.
    pub async fn oldest_event(&self) -> Result<Option<Cursor>> {
        let row: Option<(i64, i64)> = match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query_as("SELECT 0, id FROM events ORDER BY id LIMIT 1")
                    .fetch_optional(pool)
                    .await?
            }
            Pool::Postgres(pool) => {
                sqlx::query_as("SELECT tx, id FROM events ORDER BY tx, id LIMIT 1")
                    .fetch_optional(pool)
                    .await?
            }
        };
        Ok(row.map(|(tx, id)| Cursor::new(tx, id)))
    }
}

/// Writes `$events` (an iterator of `&Outgoing`) to the outbox inside the sqlx transaction
/// `$tx`, written at `$now`.
macro_rules! emit_in {
    ($tx:expr, $events:expr, $now:expr) => {
        for event in $events {
            let (conference, to, kind, version, params) = $crate::seats::sql::emit_row(event);
            sqlx::query($crate::seats::sql::EMIT)
                .bind(conference)
                .bind(to)
                .bind(kind)
                .bind(version)
                .bind(params)
                .bind($now.timestamp())
                .execute(&mut *$tx)
                .await?;
        }
    };
}
pub(crate) use emit_in;
