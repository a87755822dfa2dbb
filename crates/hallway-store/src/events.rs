//! Messages between the instances of one deployment, carried by PostgreSQL's LISTEN/NOTIFY:
//! what one `hallway serve` process publishes reaches every process listening on the same
//! database, itself included. The store moves opaque text; what it means (seat counts,
//! promotions, reminders) is the web crate's business.
//!
//! SQLite has one process by construction, so it has no feed: [`Store::listen`] answers
//! `None` and [`Store::notify`] does nothing.

use sqlx::postgres::PgListener;

use crate::{Pool, Result, Store, StoreError};

/// The channel every instance listens on.
pub const CHANNEL: &str = "hallway_live";

/// The largest payload PostgreSQL carries in one notification (8,000 bytes, less a margin).
pub const MAX_PAYLOAD: usize = 7_900;

/// What the feed gives next.
#[derive(Debug)]
pub enum FeedItem {
    /// A message some instance published.
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

    /// Publishes `payloads` on [`CHANNEL`], in order, in one round trip; nothing on SQLite.
    /// A payload over [`MAX_PAYLOAD`] bytes is refused (PostgreSQL would refuse the batch).
    pub async fn notify(&self, payloads: &[String]) -> Result<()> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(());
        };
        if payloads.is_empty() {
            return Ok(());
        }
        if let Some(big) = payloads.iter().find(|p| p.len() > MAX_PAYLOAD) {
            return Err(StoreError::Conflict(format!(
                "a live event of {} bytes is over the {MAX_PAYLOAD}-byte limit",
                big.len()
            )));
        }
        // `unnest … WITH ORDINALITY` keeps the order; one statement is one transaction, and
        // PostgreSQL delivers its notifications in the order they were sent.
        sqlx::query(
            "SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n",
        )
        .bind(CHANNEL)
        .bind(payloads)
        .execute(pool)
        .await?;
        Ok(())
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
