//! Accounts and their roles in conferences. Sign-up and log-in come with the agenda issue;
//! for now the demo and the CLI create attendees here.

use chrono::{DateTime, Utc};
use hallway_domain::{ConferenceId, UserId};

use crate::{Result, Store, on_pool, on_write};

/// An attendee to enrol: an account (created without a password if the email is new: it
/// cannot log in until one is set) and the attendee role in one conference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAttendee {
    /// Unique across the server, stored lowercase.
    pub email: String,
    /// The name shown to others.
    pub name: String,
}

impl Store {
    /// Gives each of `attendees` the attendee role in `conference`, creating the accounts
    /// whose emails are new, in one transaction; answers their ids in order. An email that
    /// already has an account (compared ignoring case) reuses it, name unchanged.
    pub async fn insert_attendees(
        &self,
        conference: ConferenceId,
        attendees: &[NewAttendee],
        now: DateTime<Utc>,
    ) -> Result<Vec<UserId>> {
        let ids = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut ids = Vec::with_capacity(attendees.len());
            for a in attendees {
                let email = a.email.trim().to_lowercase();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (email, name, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id",
                )
                .bind(&email)
                .bind(&a.name)
                .bind(now.timestamp())
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO conference_members (conference_id, user_id, role) VALUES ($1, $2, 'attendee') \
                     ON CONFLICT DO NOTHING",
                )
                .bind(conference.get())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                ids.push(UserId::new(id));
            }
            tx.commit().await?;
            ids
        });
        Ok(ids)
    }

    /// How many people hold a role in `conference` (each counted once).
    pub async fn count_members(&self, conference: ConferenceId) -> Result<u64> {
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(DISTINCT user_id) FROM conference_members WHERE conference_id = $1",
            )
            .bind(conference.get())
            .fetch_one(pool)
            .await?
        });
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
