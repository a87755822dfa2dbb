//! The wake-up between the instances of one deployment: PostgreSQL's LISTEN/NOTIFY on
//! [`CHANNEL`], which a trigger on the outbox (`events`) sends when a transaction that wrote
//! events commits. It carries no data: the outbox table is the record ([`crate::outbox`]),
//! and a listener reads it when woken. A notification may be lost with a dropped
//! connection; the listener then hears [`FeedItem::Reconnected`] and reads the table anyway.
//!
//! SQLite has one process by construction, so it has no feed: [`Store::listen`] answers
//! `None` (the process's own dispatcher is woken by [`Store::events_committed`]).

use sqlx::postgres::PgListener;

use crate::{Pool, Result, Store};

/// The channel every instance listens on (the outbox trigger of migration 0010 sends on it).
pub const CHANNEL: &str = "hallway_events";

/// What the feed gives next.
#[derive(Debug)]
pub enum FeedItem {
    /// Some instance committed events (the payload is empty).
    Message(String),
    /// The connection was lost and is back: messages sent meanwhile are gone, so whatever
    /// listeners show should be reloaded.
    Reconnected,
}

/// The messages published on [`CHANNEL`] by every instance, this one included.
#[derive(Debug)]
pub struct EventFeed {
    listener: PgListener,
}

impl EventFeed {
    /// Waits for the next message. A lost connection is re-established before this answers
    /// [`FeedItem::Reconnected`]; an error means the database cannot be reached now (the
    /// caller waits and asks again, which reconnects).
    pub async fn next(&mut self) -> Result<FeedItem> {
        match self.listener.try_recv().await? {
            Some(n) => Ok(FeedItem::Message(n.payload().to_owned())),
            None => Ok(FeedItem::Reconnected),
        }
    }
}

impl Store {
    /// Whether several instances may share this database, so that live events must travel
    /// through it (PostgreSQL), or not (SQLite: one process).
    pub fn shares_events(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    /// Starts listening on [`CHANNEL`] on a connection of its own; `None` on SQLite.
    pub async fn listen(&self) -> Result<Option<EventFeed>> {
        match &self.pool {
            Pool::Sqlite(_) => Ok(None),
            Pool::Postgres(pool) => {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok(Some(EventFeed { listener }))
            }
        }
    }
}

#[cfg(feature = "testing")]
impl Store {
    /// Ends every connection that listens on this database (PostgreSQL), as a network
    /// failure or a database restart would; answers how many. For tests of reconnection.
    pub async fn debug_drop_listeners(&self) -> Result<u64> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(0);
        };
        let ended: Vec<(bool,)> = sqlx::query_as(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND query LIKE 'LISTEN%'",
        )
        .fetch_all(pool)
        .await?;
        Ok(ended.len() as u64)
    }
}
