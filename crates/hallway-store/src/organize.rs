//! The organizer workspace's storage: conferences made in hallway, the draft of the next
//! release (sessions, released by [`Store::import_program`]), invitations, members and the
//! audit log of every organizer action. Rooms, tracks and speakers are in [`crate::setup`].

use chrono::{DateTime, Utc};
use hallway_domain::account::Role;
use hallway_domain::editor::Draft;
use hallway_domain::program::ConferenceInfo;
use hallway_domain::{ConferenceId, Program, UserId};

use hallway_domain::SessionId;

use crate::{Backend, Result, Store, StoreError, from_json, on_pool, on_write, to_json};

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Who (their email at the time).
    pub actor: String,
    /// What, in a few words ("added room").
    pub action: String,
    /// The details ("Hall A, 200 seats").
    pub detail: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A conference member with a role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The account.
    pub user: UserId,
    /// Its email.
    pub email: String,
    /// Its name.
    pub name: String,
    /// The role.
    pub role: Role,
}

/// An invitation to join a conference's team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    /// The conference.
    pub conference: ConferenceId,
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub conference_name: String,
    /// Who is invited.
    pub email: String,
    /// As what.
    pub role: Role,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Whether it was taken up.
    pub accepted: bool,
}

/// conference id, slug, name, email, role, created_at, accepted_at.
type InvitationRow = (i64, String, String, String, String, i64, Option<i64>);

fn instant(secs: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| StoreError::Corrupt(format!("instant {secs}")))
}

fn role(raw: &str) -> Result<Role> {
    Role::parse(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A line of a conference's audit log, written by the transaction of the change it records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLine {
    /// Who did it.
    pub user: UserId,
    /// How they are shown (their email address).
    pub actor: String,
    /// What they did ("changed a session's seats").
    pub action: String,
    /// To what ("Opening keynote: 200").
    pub detail: String,
}

/// Writes an audit line: conference, user, actor, action, detail, at.
pub(crate) const RECORD: &str = "INSERT INTO audit_log (conference_id, user_id, actor, action, detail, at) \
     VALUES ($1, $2, $3, $4, $5, $6)";

/// Writes the [`AuditLine`] `$line` of conference `$conference` (a [`ConferenceId`]) inside
/// the sqlx transaction `$tx`, at `$now`.
macro_rules! record_in {
    ($tx:expr, $conference:expr, $line:expr, $now:expr) => {{
        let line: &$crate::AuditLine = $line;
        sqlx::query($crate::organize::RECORD)
            .bind($conference.get())
            .bind(line.user.get())
            .bind(&line.actor)
            .bind(&line.action)
            .bind(&line.detail)
            .bind($now.timestamp())
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use record_in;

impl Store {
    /// Creates an empty, unpublished conference and makes `creator` its organizer.
    /// Fails with [`StoreError::Conflict`] when the slug is taken.
    pub async fn create_conference(
        &self,
        info: &ConferenceInfo,
        creator: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<ConferenceId> {
        let program = Program::new(info.clone(), vec![], vec![], vec![], vec![])
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        let how = crate::ImportHow {
            by: Some(crate::ImportBy {
                user: Some(creator.user),
                actor: creator.actor.clone(),
                action: creator.action.clone(),
            }),
            organizer_if_created: true,
            unpublished: true,
            ..crate::ImportHow::default()
        };
        self.insert_program_with(&program, now, "", "created in hallway", &how)
            .await
    }

    /// Changes a conference's details (the slug stays). Sessions outside new days stay
    /// where they are until the next release, which refuses them.
    pub async fn update_conference(
        &self,
        id: ConferenceId,
        info: &ConferenceInfo,
        logo_url: &str,
        published: Option<bool>,
        audit: &[AuditLine],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let day_change =
            i64::from(chrono::Timelike::num_seconds_from_midnight(&info.days.day_change()) / 60);
        on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE conferences SET name = $1, time_zone = $2, first_day = $3, last_day = $4, \
                 day_change_minutes = $5, venue = $6, city = $7, description = $8, url = $9, logo_url = $10 \
                 WHERE id = $11",
            )
            .bind(&info.name)
            .bind(info.time_zone.name())
            .bind(info.days.first().to_string())
            .bind(info.days.last().to_string())
            .bind(day_change)
            .bind(&info.venue)
            .bind(&info.city)
            .bind(&info.description)
            .bind(&info.url)
            .bind(logo_url)
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
            if let Some(published) = published {
                sqlx::query("UPDATE conferences SET published = $1 WHERE id = $2")
                    .bind(i64::from(published))
                    .bind(id.get())
                    .execute(&mut *tx)
                    .await?;
            }
            for line in audit {
                record_in!(tx, id, line, now);
            }
            tx.commit().await?;
        });
        if published.is_some() {
            self.conference_ids.clear();
        }
        Ok(())
    }

    /// Shows a conference to the public, or hides it.
    pub async fn set_published(&self, id: ConferenceId, published: bool) -> Result<()> {
        on_write!(self, pool => {
            sqlx::query("UPDATE conferences SET published = $1 WHERE id = $2")
                .bind(i64::from(published))
                .bind(id.get())
                .execute(pool)
                .await?;
        });
        self.conference_ids.clear();
        Ok(())
    }

    /// The stored draft of the next release and its revision, if one was saved since the last
    /// release.
    pub async fn draft(&self, conference: ConferenceId) -> Result<Option<(Draft, i64)>> {
        let row: Option<(String, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT doc, revision FROM drafts WHERE conference_id = $1")
                .bind(conference.get())
                .fetch_optional(pool)
                .await?
        });
        row.map(|(doc, revision)| Ok((from_json(&doc, "draft")?, revision)))
            .transpose()
    }

    /// Saves the draft if nobody saved another since `revision` was read (0: none stored).
    /// Answers whether it was saved.
    pub async fn save_draft(
        &self,
        conference: ConferenceId,
        draft: &Draft,
        revision: i64,
        audit: Option<&AuditLine>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let doc = to_json(draft);
        let n = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = if revision == 0 {
                sqlx::query(
                    "INSERT INTO drafts (conference_id, doc, revision, updated_at) VALUES ($1, $2, 1, $3) \
                     ON CONFLICT (conference_id) DO NOTHING",
                )
                .bind(conference.get())
                .bind(&doc)
                .bind(now.timestamp())
                .execute(&mut *tx)
                .await?
                .rows_affected()
            } else {
                sqlx::query(
                    "UPDATE drafts SET doc = $1, revision = revision + 1, updated_at = $2 \
                     WHERE conference_id = $3 AND revision = $4",
                )
                .bind(&doc)
                .bind(now.timestamp())
                .bind(conference.get())
                .bind(revision)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            };
            if n == 1
                && let Some(line) = audit
            {
                record_in!(tx, conference, line, now);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// Hands out an id for a session made in the draft of `conference`, from the space of
    /// session ids (no stored session has it and no other draft's session can get it), so
    /// that the release stores the session under the same id.
    pub async fn reserve_session_id(&self, conference: ConferenceId) -> Result<SessionId> {
        let sql = match self.backend() {
            Backend::Postgres => {
                "INSERT INTO session_id_reservations (id, conference_id) \
                 VALUES (nextval(pg_get_serial_sequence('sessions', 'id')), $1) RETURNING id"
            }
            Backend::Sqlite => {
                "INSERT INTO session_id_reservations (id, conference_id) \
                 VALUES (MAX((SELECT COALESCE(MAX(id), 0) FROM sessions), \
                             (SELECT COALESCE(MAX(id), 0) FROM session_id_reservations)) + 1, $1) \
                 RETURNING id"
            }
        };
        let id: i64 = on_write!(self, pool => {
            sqlx::query_scalar(sql)
                .bind(conference.get())
                .fetch_one(pool)
                .await?
        });
        Ok(SessionId::new(id))
    }

    /// Forgets the draft (after a release: the next one starts from the public program).
    pub async fn drop_draft(&self, conference: ConferenceId) -> Result<()> {
        on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            for sql in [
                "DELETE FROM drafts WHERE conference_id = $1",
                "DELETE FROM session_id_reservations WHERE conference_id = $1",
            ] {
                sqlx::query(sql).bind(conference.get()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records an organizer action (on its own; a change that has a transaction writes its
    /// [`AuditLine`] in it instead).
    pub async fn record(
        &self,
        conference: ConferenceId,
        user: UserId,
        actor: &str,
        action: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_write!(self, pool => {
            sqlx::query(RECORD)
            .bind(conference.get())
            .bind(user.get())
            .bind(actor)
            .bind(action)
            .bind(detail)
            .bind(now.timestamp())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The newest `limit` lines of a conference's audit log, newest first.
    pub async fn audit_log(&self, conference: ConferenceId, limit: u32) -> Result<Vec<AuditEntry>> {
        let rows: Vec<(String, String, String, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT actor, action, detail, at FROM audit_log WHERE conference_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(conference.get())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(actor, action, detail, at)| {
                Ok(AuditEntry {
                    actor,
                    action,
                    detail,
                    at: instant(at)?,
                })
            })
            .collect()
    }

    /// Stores an invitation to `role` for `email` (its link's token hashed) and the audit
    /// line of the organizer who made it, in one transaction.
    pub async fn create_invitation(
        &self,
        conference: ConferenceId,
        email: &str,
        role: Role,
        token_hash: &str,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO invitations (token_hash, conference_id, email, role, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(token_hash)
            .bind(conference.get())
            .bind(email)
            .bind(role.as_str())
            .bind(audit.user.get())
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await?;
            record_in!(tx, conference, audit, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The invitation with `token_hash`.
    pub async fn invitation(&self, token_hash: &str) -> Result<Option<Invitation>> {
        let row: Option<InvitationRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT i.conference_id, c.slug, c.name, i.email, i.role, i.created_at, i.accepted_at \
                 FROM invitations i JOIN conferences c ON c.id = i.conference_id WHERE i.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        row.map(|(c, slug, name, email, r, at, accepted)| {
            Ok(Invitation {
                conference: ConferenceId::new(c),
                slug,
                conference_name: name,
                email,
                role: role(&r)?,
                created_at: instant(at)?,
                accepted: accepted.is_some(),
            })
        })
        .transpose()
    }

    /// The open and taken invitations of a conference, newest first.
    pub async fn invitations(&self, conference: ConferenceId) -> Result<Vec<Invitation>> {
        let rows: Vec<(String, String, String, String, i64, Option<i64>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT c.slug, c.name, i.email, i.role, i.created_at, i.accepted_at \
                 FROM invitations i JOIN conferences c ON c.id = i.conference_id WHERE i.conference_id = $1 \
                 ORDER BY i.created_at DESC, i.email",
            )
            .bind(conference.get())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(slug, name, email, r, at, accepted)| {
                Ok(Invitation {
                    conference,
                    slug,
                    conference_name: name,
                    email,
                    role: role(&r)?,
                    created_at: instant(at)?,
                    accepted: accepted.is_some(),
                })
            })
            .collect()
    }

    /// Takes up an invitation for `user`: grants its role, once, if it was made after
    /// `made_after`. Answers false when it was taken already, is older, or does not exist.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        user: UserId,
        actor: &str,
        made_after: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let taken: Option<(i64, String)> = sqlx::query_as(
                "UPDATE invitations SET accepted_by = $1, accepted_at = $2 \
                 WHERE token_hash = $3 AND accepted_at IS NULL AND created_at > $4 \
                 RETURNING conference_id, role",
            )
            .bind(user.get())
            .bind(now.timestamp())
            .bind(token_hash)
            .bind(made_after.timestamp())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((conference, role)) = taken else {
                return Ok(false);
            };
            sqlx::query("INSERT INTO conference_members (conference_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(conference)
                .bind(user.get())
                .bind(&role)
                .execute(&mut *tx)
                .await?;
            let joined = AuditLine {
                user,
                actor: actor.to_owned(),
                action: "joined the team".into(),
                detail: format!("as {role}"),
            };
            record_in!(tx, ConferenceId::new(conference), &joined, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The organizers, volunteers and speakers of a conference (attendees are not listed).
    pub async fn members(&self, conference: ConferenceId) -> Result<Vec<Member>> {
        let rows: Vec<(i64, String, String, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT u.id, u.email, u.name, m.role FROM conference_members m JOIN users u ON u.id = m.user_id \
                 WHERE m.conference_id = $1 AND m.role <> 'attendee' ORDER BY m.role, u.email",
            )
            .bind(conference.get())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(id, email, name, r)| {
                Ok(Member {
                    user: UserId::new(id),
                    email,
                    name,
                    role: role(&r)?,
                })
            })
            .collect()
    }

    /// Takes a role away; false when the member did not have it.
    pub async fn remove_member(
        &self,
        conference: ConferenceId,
        user: UserId,
        role: Role,
        audit: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM conference_members WHERE conference_id = $1 AND user_id = $2 AND role = $3")
                .bind(conference.get())
                .bind(user.get())
                .bind(role.as_str())
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
