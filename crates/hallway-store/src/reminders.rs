//! Reminders and the personal calendar feed: per-attendee lead times, the secret key of the
//! feed, and claiming due reminders so that each is delivered once across instances
//! (DESIGN.md, invariant 4).

use chrono::{DateTime, Utc};
use hallway_domain::events::{Event, Outgoing};
use hallway_domain::{ConferenceId, SessionId, UserId};

use crate::outbox::emit_in;
use crate::{Result, Store, StoreError, on_pool, on_write};

/// A reminder claimed for delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    /// The conference.
    pub conference: ConferenceId,
    /// Whom to remind.
    pub user: UserId,
    /// Of which session.
    pub session: SessionId,
    /// The session's title.
    pub title: String,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
}

/// The longest lead time accepted, in minutes.
pub const MAX_REMINDER_MINUTES: i64 = 24 * 60;

impl Store {
    /// An attendee's reminder lead time in minutes; `None` when reminders are off.
    pub async fn reminder_minutes(&self, user: UserId) -> Result<Option<u32>> {
        let m: Option<Option<i64>> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT reminder_minutes FROM users WHERE id = $1")
                .bind(user.get())
                .fetch_optional(pool)
                .await?
        });
        Ok(m.flatten().and_then(|m| u32::try_from(m).ok()))
    }

    /// Sets an attendee's lead time (`None`: no reminders). Refuses more than a day.
    pub async fn set_reminder_minutes(&self, user: UserId, minutes: Option<u32>) -> Result<()> {
        if minutes.is_some_and(|m| i64::from(m) > MAX_REMINDER_MINUTES) {
            return Err(StoreError::Conflict(format!(
                "a reminder can come at most {MAX_REMINDER_MINUTES} minutes ahead"
            )));
        }
        on_write!(self, pool => {
            sqlx::query("UPDATE users SET reminder_minutes = $1 WHERE id = $2")
                .bind(minutes.map(i64::from))
                .bind(user.get())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The attendee's calendar key, made with `fresh` if there is none yet. Reads first and
    /// writes only the first time: `GET …/agenda` calls this, and a write there would take
    /// SQLite's write lock on every read of an agenda.
    pub async fn calendar_key(&self, user: UserId, fresh: &str) -> Result<String> {
        // Almost always there already: reading it takes no turn to write.
        let existing: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT calendar_key FROM users WHERE id = $1")
                .bind(user.get())
                .fetch_optional(pool)
                .await?
                .flatten()
        });
        if let Some(key) = existing {
            return Ok(key);
        }
        let key: Option<String> = on_write!(self, pool => {
            let existing: Option<String> = sqlx::query_scalar("SELECT calendar_key FROM users WHERE id = $1")
                .bind(user.get())
                .fetch_optional(pool)
                .await?
                .flatten();
            match existing {
                Some(key) => Some(key),
                None => {
                    // Two first calls may race: the WHERE keeps the first key, and both read it.
                    sqlx::query("UPDATE users SET calendar_key = $1 WHERE id = $2 AND calendar_key IS NULL")
                        .bind(fresh)
                        .bind(user.get())
                        .execute(pool)
                        .await?;
                    sqlx::query_scalar("SELECT calendar_key FROM users WHERE id = $1")
                        .bind(user.get())
                        .fetch_one(pool)
                        .await?
                }
            }
        });
        Ok(key.unwrap_or_else(|| fresh.to_owned()))
    }

    /// Replaces the attendee's calendar key (the old feed URL stops working).
    pub async fn regenerate_calendar_key(&self, user: UserId, fresh: &str) -> Result<()> {
        on_write!(self, pool => {
            sqlx::query("UPDATE users SET calendar_key = $1 WHERE id = $2")
                .bind(fresh)
                .bind(user.get())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The attendee a calendar key belongs to, with their lead time.
    pub async fn user_by_calendar_key(&self, key: &str) -> Result<Option<(UserId, Option<u32>)>> {
        let row: Option<(i64, Option<i64>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, reminder_minutes FROM users WHERE calendar_key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(id, m)| (UserId::new(id), m.and_then(|m| u32::try_from(m).ok()))))
    }

    /// Claims every reminder due at `now` on `channel` (sessions reserved, starting within
    /// the attendee's lead time and not yet started) and records a notification for each.
    /// A reminder is claimed by exactly one caller, however many race (invariant 4).
    pub async fn claim_due_reminders(
        &self,
        now: DateTime<Utc>,
        channel: &str,
    ) -> Result<Vec<Reminder>> {
        let now_s = now.timestamp();
        let horizon = now_s + MAX_REMINDER_MINUTES * 60;
        let claimed = on_write!(self, pool => {
            let due: Vec<(i64, i64, i64, String, i64)> = sqlx::query_as(
                "SELECT a.conference_id, a.user_id, a.session_id, s.title, s.starts_at \
                 FROM sessions s JOIN agenda a ON a.session_id = s.id JOIN users u ON u.id = a.user_id \
                 WHERE s.starts_at > $1 AND s.starts_at <= $2 AND a.state = 'reserved' \
                 AND u.reminder_minutes IS NOT NULL AND s.starts_at - u.reminder_minutes * 60 <= $1 \
                 AND NOT EXISTS (SELECT 1 FROM reminders_sent r WHERE r.user_id = a.user_id \
                                 AND r.session_id = a.session_id AND r.channel = $3) \
                 ORDER BY s.starts_at, a.id",
            )
            .bind(now_s)
            .bind(horizon)
            .bind(channel)
            .fetch_all(pool)
            .await?;
            let mut claimed = Vec::new();
            for (conference, user, session, title, starts) in due {
                let mut tx = pool.begin().await?;
                let won = sqlx::query(
                    "INSERT INTO reminders_sent (user_id, session_id, channel, conference_id, sent_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(user)
                .bind(session)
                .bind(channel)
                .bind(conference)
                .bind(now_s)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if !won {
                    continue;
                }
                let starts_at = DateTime::from_timestamp(starts, 0).unwrap_or_default();
                let notice = hallway_domain::notice::Notice::Reminder {
                    session: SessionId::new(session),
                    starts_at,
                };
                sqlx::query(
                    "INSERT INTO notifications (conference_id, user_id, kind, session_id, message, params, created_at) \
                     VALUES ($1, $2, 'reminder', $3, '', $4, $5)",
                )
                .bind(conference)
                .bind(user)
                .bind(session)
                .bind(crate::to_json(&notice))
                .bind(now_s)
                .execute(&mut *tx)
                .await?;
                let event = Outgoing::to(
                    ConferenceId::new(conference),
                    UserId::new(user),
                    Event::Reminder { session: SessionId::new(session), starts_at },
                );
                emit_in!(tx, [&event], now);
                tx.commit().await?;
                claimed.push(Reminder {
                    conference: ConferenceId::new(conference),
                    user: UserId::new(user),
                    session: SessionId::new(session),
                    title,
                    starts_at: DateTime::from_timestamp(starts, 0).unwrap_or_default(),
                });
            }
            claimed
        });
        if !claimed.is_empty() {
            self.events_written();
        }
        Ok(claimed)
    }

    /// Sets how many minutes after a session's start agendas may still change for it.
    pub async fn set_agenda_grace(
        &self,
        conference: ConferenceId,
        minutes: u32,
        audit: &crate::AuditLine,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE conferences SET agenda_grace_minutes = $1 WHERE id = $2")
                .bind(i64::from(minutes))
                .bind(conference.get())
                .execute(&mut *tx)
                .await?;
            crate::organize::record_in!(tx, conference, audit, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// How many minutes after a session's start agendas may still change for it.
    pub async fn agenda_grace(&self, conference: ConferenceId) -> Result<u32> {
        let m: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT agenda_grace_minutes FROM conferences WHERE id = $1")
                .bind(conference.get())
                .fetch_one(pool)
                .await?
        });
        Ok(u32::try_from(m).unwrap_or(0))
    }
}
