//! The points ledger (DESIGN.md invariant 5) and the conference's points settings.
//!
//! How the invariant holds under concurrency: an award first upserts the attendee's row in
//! `points_totals`, which locks it (PostgreSQL: the row lock of `ON CONFLICT DO UPDATE`;
//! SQLite: `BEGIN IMMEDIATE` serialises writers), so one attendee's awards run one after the
//! other: the check of the action key, the hourly cap and the total all see every earlier
//! award. `UNIQUE (conference_id, user_id, action_key)` is the backstop. The total is
//! changed in the same transaction as the ledger row, so it always equals the ledger's sum
//! ([`Store::points_mismatches`] checks). Awards of two attendees in one transaction (a
//! contact exchange) lock them in id order, so they cannot deadlock.
//!
//! The hourly cap: an action over it is recorded with the points that still fit (maybe 0)
//! and counts as done; it is not re-awarded later. That keeps the ledger append-only and
//! makes scanning a hundred badges in a minute worth no more than the cap.

use chrono::{DateTime, Utc};
use hallway_domain::points::{Action, ActionKind, ActionPoints, Level, PointsSettings};
use hallway_domain::{ConferenceId, UserId};

use crate::agenda::{MAX_ATTEMPTS, retryable, write_sql};
use crate::{Result, Store, StoreError, from_json, on_pool, on_write, to_json};

/// One ledger row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The kind of action.
    pub kind: ActionKind,
    /// Its idempotency key.
    pub key: String,
    /// Points granted.
    pub points: u32,
    /// What the action was worth before the hourly cap.
    pub worth: u32,
    /// When.
    pub at: DateTime<Utc>,
}

/// A row of the leaderboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderRow {
    /// 1-based rank (ties share a rank).
    pub rank: u64,
    /// Who.
    pub user: UserId,
    /// The name they share on their card ("" when they do not share it).
    pub name: String,
    /// Their total.
    pub points: u64,
}

/// Awards `$action` to `$user` inside `$tx` under `$settings`; evaluates to `Some(points
/// granted)` (maybe 0 over the cap) or `None` when the action was awarded before.
macro_rules! award_in {
    ($tx:expr, $conference:expr, $user:expr, $action:expr, $settings:expr, $now:expr) => {{
        let action: &hallway_domain::points::Action = $action;
        let settings: &hallway_domain::points::PointsSettings = $settings;
        // Lock (create) the attendee's total first: it serialises their awards.
        sqlx::query(
            "INSERT INTO points_totals (conference_id, user_id, points) VALUES ($1, $2, 0) \
             ON CONFLICT (conference_id, user_id) DO UPDATE SET points = points_totals.points",
        )
        .bind($conference)
        .bind($user)
        .execute(&mut *$tx)
        .await?;
        let done: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM points_ledger WHERE conference_id = $1 AND user_id = $2 AND action_key = $3",
        )
        .bind($conference)
        .bind($user)
        .bind(action.key())
        .fetch_optional(&mut *$tx)
        .await?;
        if done.is_some() {
            None
        } else {
            let recent: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM points_ledger \
                 WHERE conference_id = $1 AND user_id = $2 AND at > $3",
            )
            .bind($conference)
            .bind($user)
            .bind($now.timestamp() - 3600)
            .fetch_one(&mut *$tx)
            .await?;
            let worth = settings.points.of(action.kind());
            let granted = hallway_domain::points::capped(
                worth,
                u64::try_from(recent).unwrap_or(0),
                settings.hourly_cap,
            );
            sqlx::query(
                "INSERT INTO points_ledger (conference_id, user_id, action_key, kind, points, worth, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind($conference)
            .bind($user)
            .bind(action.key())
            .bind(action.kind().as_str())
            .bind(i64::from(granted))
            .bind(i64::from(worth))
            .bind($now.timestamp())
            .execute(&mut *$tx)
            .await?;
            let total: i64 = sqlx::query_scalar(
                "UPDATE points_totals SET points = points + $3 WHERE conference_id = $1 AND user_id = $2 \
                 RETURNING points",
            )
            .bind($conference)
            .bind($user)
            .bind(i64::from(granted))
            .fetch_one(&mut *$tx)
            .await?;
            let earned = hallway_domain::events::Outgoing::to(
                hallway_domain::ConferenceId::new($conference),
                hallway_domain::UserId::new($user),
                hallway_domain::events::Event::Points {
                    action: action.kind(),
                    points: granted,
                    total: u64::try_from(total).unwrap_or(0),
                },
            );
            $crate::outbox::emit_in!($tx, [&earned], $now);
            Some(granted)
        }
    }};
}

/// The settings row: contact, rating, comment, attended, lab, cap, min ratings, levels.
type SettingsRow = (i64, i64, i64, i64, i64, i64, i64, String);

pub(crate) fn settings_of(row: Option<SettingsRow>) -> Result<PointsSettings> {
    let Some((contact, rating, comment, attended, lab, cap, min, levels)) = row else {
        return Ok(PointsSettings::default());
    };
    let n = |v: i64, what: &str| crate::to_u32(v, what);
    let levels: Vec<Level> = from_json(&levels, "networking_settings.levels")?;
    PointsSettings {
        points: ActionPoints {
            contact: n(contact, "points_contact")?,
            rating: n(rating, "points_rating")?,
            comment: n(comment, "points_comment")?,
            attended: n(attended, "points_attended")?,
            lab: n(lab, "points_lab")?,
        },
        hourly_cap: n(cap, "hourly_cap")?,
        min_ratings: n(min, "min_ratings")?,
        levels,
    }
    .validate()
    .map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) const SETTINGS_SQL: &str = "SELECT points_contact, points_rating, points_comment, \
     points_attended, points_lab, hourly_cap, min_ratings, levels FROM networking_settings \
     WHERE conference_id = $1";

fn instant(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

impl Store {
    /// The conference's points and feedback settings (the defaults until an organizer
    /// changes them).
    pub async fn points_settings(&self, conference: ConferenceId) -> Result<PointsSettings> {
        let row: Option<SettingsRow> = on_pool!(self, pool => {
            sqlx::query_as(SETTINGS_SQL).bind(conference.get()).fetch_optional(pool).await?
        });
        settings_of(row)
    }

    /// Stores the conference's settings (validated by the caller through
    /// [`PointsSettings::validate`]). Points already awarded keep their value.
    pub async fn set_points_settings(
        &self,
        conference: ConferenceId,
        s: &PointsSettings,
        audit: Option<&crate::AuditLine>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO networking_settings (conference_id, points_contact, points_rating, points_comment, \
                 points_attended, points_lab, hourly_cap, min_ratings, levels) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (conference_id) DO UPDATE SET points_contact = excluded.points_contact, \
                 points_rating = excluded.points_rating, points_comment = excluded.points_comment, \
                 points_attended = excluded.points_attended, points_lab = excluded.points_lab, \
                 hourly_cap = excluded.hourly_cap, min_ratings = excluded.min_ratings, levels = excluded.levels",
            )
            .bind(conference.get())
            .bind(i64::from(s.points.contact))
            .bind(i64::from(s.points.rating))
            .bind(i64::from(s.points.comment))
            .bind(i64::from(s.points.attended))
            .bind(i64::from(s.points.lab))
            .bind(i64::from(s.hourly_cap))
            .bind(i64::from(s.min_ratings))
            .bind(to_json(&s.levels))
            .execute(&mut *tx)
            .await?;
            if let Some(line) = audit {
                crate::organize::record_in!(tx, conference, line, now);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Awards `action` to `user` once: `Some(points granted)` the first time (0 when the
    /// hourly cap is reached: the action still counts as done), `None` when its key was
    /// awarded before. The entry point for actions recorded elsewhere (a session attended at
    /// the door, a lab completed); contacts and feedback award inside their own transaction.
    pub async fn award(
        &self,
        conference: ConferenceId,
        user: UserId,
        action: &Action,
        now: DateTime<Utc>,
    ) -> Result<Option<u32>> {
        let settings = self.points_settings(conference).await?;
        let (begin, _) = write_sql(self.backend());
        for _ in 0..MAX_ATTEMPTS {
            let attempt: Result<Option<u32>> = async {
                Ok(on_write!(self, pool => {
                    let mut tx = pool.begin_with(begin).await?;
                    let granted = award_in!(tx, conference.get(), user.get(), action, &settings, now);
                    tx.commit().await?;
                    granted
                }))
            }
            .await;
            match attempt {
                Err(StoreError::Database(e)) if retryable(&e) => continue,
                Ok(Some(granted)) => {
                    self.events_written();
                    return Ok(Some(granted));
                }
                other => return other,
            }
        }
        Err(StoreError::Conflict(
            "too much contention; try again".to_owned(),
        ))
    }

    /// The attendee's total (0 before any award).
    pub async fn points(&self, conference: ConferenceId, user: UserId) -> Result<u64> {
        let n: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT points FROM points_totals WHERE conference_id = $1 AND user_id = $2")
                .bind(conference.get())
                .bind(user.get())
                .fetch_optional(pool)
                .await?
        });
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    }

    /// The attendee's latest `limit` ledger rows, newest first.
    pub async fn ledger(
        &self,
        conference: ConferenceId,
        user: UserId,
        limit: u32,
    ) -> Result<Vec<LedgerEntry>> {
        let rows: Vec<(String, String, i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT kind, action_key, points, worth, at FROM points_ledger \
                 WHERE conference_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3",
            )
            .bind(conference.get())
            .bind(user.get())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(kind, key, points, worth, at)| {
                Ok(LedgerEntry {
                    kind: ActionKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("ledger kind {kind:?}")))?,
                    key,
                    points: crate::to_u32(points, "ledger points")?,
                    worth: crate::to_u32(worth, "ledger worth")?,
                    at: instant(at),
                })
            })
            .collect()
    }

    /// The sum of the attendee's ledger (what [`Store::points`] must equal).
    pub async fn ledger_sum(&self, conference: ConferenceId, user: UserId) -> Result<u64> {
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM points_ledger WHERE conference_id = $1 AND user_id = $2",
            )
            .bind(conference.get())
            .bind(user.get())
            .fetch_one(pool)
            .await?
        });
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Attendees whose total differs from their ledger's sum (invariant 5; empty when it
    /// holds).
    pub async fn points_mismatches(&self, conference: ConferenceId) -> Result<Vec<UserId>> {
        let ids: Vec<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT t.user_id FROM points_totals t LEFT JOIN \
                 (SELECT user_id, SUM(points) AS s FROM points_ledger WHERE conference_id = $1 GROUP BY user_id) l \
                 ON l.user_id = t.user_id WHERE t.conference_id = $1 AND t.points <> COALESCE(l.s, 0) \
                 UNION SELECT l.user_id FROM points_ledger l WHERE l.conference_id = $1 AND NOT EXISTS \
                 (SELECT 1 FROM points_totals t WHERE t.conference_id = $1 AND t.user_id = l.user_id) ORDER BY 1",
            )
            .bind(conference.get())
            .fetch_all(pool)
            .await?
        });
        Ok(ids.into_iter().map(UserId::new).collect())
    }

    /// The top `limit` attendees with points who have not opted out, best first; ties share
    /// a rank and are listed by name.
    pub async fn leaderboard(
        &self,
        conference: ConferenceId,
        limit: u32,
    ) -> Result<Vec<LeaderRow>> {
        let rows: Vec<(i64, String, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT t.user_id, CASE WHEN COALESCE(c.share_name, 1) = 0 THEN '' ELSE COALESCE(c.name, u.name) END, t.points \
                 FROM points_totals t JOIN users u ON u.id = t.user_id \
                 LEFT JOIN cards c ON c.conference_id = t.conference_id AND c.user_id = t.user_id \
                 WHERE t.conference_id = $1 AND t.points > 0 AND COALESCE(c.leaderboard, 1) = 1 \
                 ORDER BY t.points DESC, t.user_id LIMIT $2",
            )
            .bind(conference.get())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        let mut out: Vec<LeaderRow> = Vec::with_capacity(rows.len());
        for (i, (user, name, points)) in rows.into_iter().enumerate() {
            let points = u64::try_from(points).unwrap_or(0);
            let rank = match out.last() {
                Some(prev) if prev.points == points => prev.rank,
                _ => i as u64 + 1,
            };
            out.push(LeaderRow {
                rank,
                user: UserId::new(user),
                name,
                points,
            });
        }
        Ok(out)
    }

    /// The attendee's rank among those on the leaderboard (`None` with no points or when
    /// they opted out).
    pub async fn rank_of(&self, conference: ConferenceId, user: UserId) -> Result<Option<u64>> {
        let row: Option<(i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT t.points, COALESCE(c.leaderboard, 1) FROM points_totals t \
                 LEFT JOIN cards c ON c.conference_id = t.conference_id AND c.user_id = t.user_id \
                 WHERE t.conference_id = $1 AND t.user_id = $2",
            )
            .bind(conference.get())
            .bind(user.get())
            .fetch_optional(pool)
            .await?
        });
        let Some((points, 1)) = row.filter(|(p, _)| *p > 0) else {
            return Ok(None);
        };
        let above: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM points_totals t \
                 LEFT JOIN cards c ON c.conference_id = t.conference_id AND c.user_id = t.user_id \
                 WHERE t.conference_id = $1 AND t.points > $2 AND COALESCE(c.leaderboard, 1) = 1",
            )
            .bind(conference.get())
            .bind(points)
            .fetch_one(pool)
            .await?
        });
        Ok(Some(u64::try_from(above).unwrap_or(0) + 1))
    }
}
