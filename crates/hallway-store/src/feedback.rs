//! Session ratings and comments (issue #9), and the link between speakers of the program
//! and accounts that lets speakers read their sessions' feedback.
//!
//! Who may rate: an attendee who holds a reserved seat in the session (the agenda), once the
//! session has started or who was checked in at its room's door while it ran (issue #10).
//! One row per attendee and session, edited in place; the first rating and the first
//! comment long enough to earn each award points once, in the same transaction.

use chrono::{DateTime, Utc};
use hallway_domain::networking::{Rating, comment_earns};
use hallway_domain::points::Action;
use hallway_domain::{ConferenceId, SessionId, SpeakerId, UserId};

use crate::agenda::{MAX_ATTEMPTS, retryable, write_sql};
use crate::points::SETTINGS_SQL;
use crate::{Result, Store, StoreError, on_pool, on_write};

/// A rating with its optional comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback {
    /// Its id (organizers hide comments by it).
    pub id: i64,
    /// The session.
    pub session: SessionId,
    /// The author.
    pub user: UserId,
    /// The author's account name (shown to organizers only).
    pub author: String,
    /// 1 to 5.
    pub rating: u8,
    /// "" when none.
    pub comment: String,
    /// Whether an organizer hid the comment.
    pub hidden: bool,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

/// A request to rate a session.
#[derive(Clone, Debug)]
pub struct FeedbackRequest {
    /// The conference.
    pub conference: ConferenceId,
    /// The session.
    pub session: SessionId,
    /// The attendee.
    pub user: UserId,
    /// The rating.
    pub rating: Rating,
    /// The new comment (parsed; "" removes it); `None` keeps the stored one.
    pub comment: Option<String>,
    /// The time of the request.
    pub now: DateTime<Utc>,
}

/// What became of a rating. Only `Saved` changed anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedbackOutcome {
    /// Stored.
    Saved {
        /// The stored feedback.
        feedback: Feedback,
        /// Points earned by this request (first rating, first comment).
        points: u32,
    },
    /// The session has not started yet.
    NotStarted,
    /// The attendee had neither a seat in the session nor a check-in at its door.
    NotInAgenda,
    /// The conference has no such session.
    NoSuchSession,
}

/// Count and sum of a session's ratings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RatingSummary {
    /// Ratings given.
    pub count: u64,
    /// Their sum.
    pub sum: u64,
}

type FeedbackRow = (i64, i64, i64, String, i64, String, i64, i64);

const FEEDBACK_SELECT: &str = "SELECT f.id, f.session_id, f.user_id, u.name, f.rating, f.comment, f.hidden, f.updated_at \
     FROM feedback f JOIN users u ON u.id = f.user_id WHERE f.conference_id = $1";

fn feedback_from(r: FeedbackRow) -> Result<Feedback> {
    let (id, session, user, author, rating, comment, hidden, at) = r;
    Ok(Feedback {
        id,
        session: SessionId::new(session),
        user: UserId::new(user),
        author,
        rating: u8::try_from(rating)
            .map_err(|_| StoreError::Corrupt(format!("rating {rating}")))?,
        comment,
        hidden: hidden != 0,
        updated_at: DateTime::from_timestamp(at, 0).unwrap_or_default(),
    })
}

impl Store {
    /// Rates a session (and comments), or says why not; see [`FeedbackOutcome`].
    pub async fn put_feedback(&self, req: &FeedbackRequest) -> Result<FeedbackOutcome> {
        for _ in 0..MAX_ATTEMPTS {
            match self.put_feedback_once(req).await {
                Err(StoreError::Database(e)) if retryable(&e) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict(
            "too much contention; try again".to_owned(),
        ))
    }

    async fn put_feedback_once(&self, req: &FeedbackRequest) -> Result<FeedbackOutcome> {
        let (begin, _) = write_sql(self.backend());
        let (c, s, u) = (req.conference.get(), req.session.get(), req.user.get());
        let now = req.now;
        let (id, points) = on_write!(self, pool => {
            let settings = crate::points::settings_of(
                sqlx::query_as(SETTINGS_SQL).bind(c).fetch_optional(pool).await?,
            )?;
            let mut tx = pool.begin_with(begin).await?;
            let starts: Option<i64> =
                sqlx::query_scalar("SELECT starts_at FROM sessions WHERE id = $1 AND conference_id = $2")
                    .bind(s)
                    .bind(c)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(starts) = starts else {
                return Ok(FeedbackOutcome::NoSuchSession);
            };
            if starts > now.timestamp() {
                return Ok(FeedbackOutcome::NotStarted);
            }
            let seat: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM agenda WHERE conference_id = $1 AND session_id = $2 AND user_id = $3 AND state = 'reserved' \
                 UNION ALL SELECT user_id FROM attendance WHERE conference_id = $1 AND session_id = $2 AND user_id = $3",
            )
            .bind(c)
            .bind(s)
            .bind(u)
            .fetch_optional(&mut *tx)
            .await?;
            if seat.is_none() {
                return Ok(FeedbackOutcome::NotInAgenda);
            }
            let keep = req.comment.is_none();
            let (id, comment): (i64, String) = sqlx::query_as(
                "INSERT INTO feedback (conference_id, session_id, user_id, rating, comment, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (conference_id, session_id, user_id) DO UPDATE SET \
                 rating = excluded.rating, \
                 comment = CASE WHEN $7 = 1 THEN feedback.comment ELSE excluded.comment END, \
                 updated_at = excluded.updated_at RETURNING id, comment",
            )
            .bind(c)
            .bind(s)
            .bind(u)
            .bind(i64::from(req.rating.get()))
            .bind(req.comment.as_deref().unwrap_or(""))
            .bind(now.timestamp())
            .bind(i64::from(keep))
            .fetch_one(&mut *tx)
            .await?;
            let mut points = award_in!(tx, c, u, &Action::rating(req.session), &settings, now).unwrap_or(0);
            if comment_earns(&comment) {
                points += award_in!(tx, c, u, &Action::comment(req.session), &settings, now).unwrap_or(0);
            }
            tx.commit().await?;
            (id, points)
        });
        self.events_written();
        let feedback = self
            .feedback_by_id(req.conference, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("stored feedback vanished".to_owned()))?;
        Ok(FeedbackOutcome::Saved { feedback, points })
    }

    async fn feedback_by_id(&self, conference: ConferenceId, id: i64) -> Result<Option<Feedback>> {
        let sql = format!("{FEEDBACK_SELECT} AND f.id = $2");
        let row: Option<FeedbackRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(conference.get()).bind(id).fetch_optional(pool).await?
        });
        row.map(feedback_from).transpose()
    }

    /// The attendee's own feedback on a session.
    pub async fn my_feedback(
        &self,
        conference: ConferenceId,
        session: SessionId,
        user: UserId,
    ) -> Result<Option<Feedback>> {
        let sql = format!("{FEEDBACK_SELECT} AND f.session_id = $2 AND f.user_id = $3");
        let row: Option<FeedbackRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(conference.get())
                .bind(session.get())
                .bind(user.get())
                .fetch_optional(pool)
                .await?
        });
        row.map(feedback_from).transpose()
    }

    /// A session's feedback, newest first. Without `with_hidden`, hidden comments come back
    /// empty (the rating stays: hiding is about the text).
    pub async fn session_feedback(
        &self,
        conference: ConferenceId,
        session: SessionId,
        with_hidden: bool,
    ) -> Result<Vec<Feedback>> {
        let sql = format!(
            "{FEEDBACK_SELECT} AND f.session_id = $2 ORDER BY f.updated_at DESC, f.id DESC"
        );
        let rows: Vec<FeedbackRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(conference.get()).bind(session.get()).fetch_all(pool).await?
        });
        let mut out: Vec<Feedback> = rows.into_iter().map(feedback_from).collect::<Result<_>>()?;
        if !with_hidden {
            for f in out.iter_mut().filter(|f| f.hidden) {
                f.comment.clear();
            }
        }
        Ok(out)
    }

    /// Count and sum of a session's ratings.
    pub async fn rating_summary(
        &self,
        conference: ConferenceId,
        session: SessionId,
    ) -> Result<RatingSummary> {
        let (count, sum): (i64, i64) = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT COUNT(*), CAST(COALESCE(SUM(rating), 0) AS BIGINT) FROM feedback WHERE conference_id = $1 AND session_id = $2",
            )
            .bind(conference.get())
            .bind(session.get())
            .fetch_one(pool)
            .await?
        });
        Ok(RatingSummary {
            count: u64::try_from(count).unwrap_or(0),
            sum: u64::try_from(sum).unwrap_or(0),
        })
    }

    /// Hides or shows a comment; answers its session, `None` for an unknown id.
    pub async fn set_feedback_hidden(
        &self,
        conference: ConferenceId,
        id: i64,
        hidden: bool,
        audit: Option<&crate::AuditLine>,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionId>> {
        let session: Option<i64> = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let session: Option<i64> = sqlx::query_scalar("UPDATE feedback SET hidden = $3 WHERE conference_id = $1 AND id = $2 RETURNING session_id")
                .bind(conference.get())
                .bind(id)
                .bind(i64::from(hidden))
                .fetch_optional(&mut *tx)
                .await?;
            if session.is_some()
                && let Some(line) = audit
            {
                crate::organize::record_in!(tx, conference, line, now);
            }
            tx.commit().await?;
            session
        });
        Ok(session.map(SessionId::new))
    }

    /// Links `speaker` of the program to the account `user` (idempotent) and gives the
    /// account the speaker role; `false` when the conference has no such speaker.
    pub async fn link_speaker(
        &self,
        conference: ConferenceId,
        speaker: SpeakerId,
        user: UserId,
        audit: Option<&crate::AuditLine>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let (c, sp, u) = (conference.get(), speaker.get(), user.get());
        let n = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "INSERT INTO speaker_accounts (conference_id, speaker_id, user_id) \
                 SELECT $1, id, $3 FROM speakers WHERE id = $2 AND conference_id = $1 ON CONFLICT DO NOTHING",
            )
            .bind(c)
            .bind(sp)
            .bind(u)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM speakers WHERE id = $1 AND conference_id = $2")
                .bind(sp)
                .bind(c)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                sqlx::query(
                    "INSERT INTO conference_members (conference_id, user_id, role) VALUES ($1, $2, 'speaker') ON CONFLICT DO NOTHING",
                )
                .bind(c)
                .bind(u)
                .execute(&mut *tx)
                .await?;
                if let Some(line) = audit {
                    crate::organize::record_in!(tx, conference, line, now);
                }
            }
            tx.commit().await?;
            n + u64::from(exists.is_some())
        });
        Ok(n > 0)
    }

    /// Removes a speaker-account link; `false` when there was none.
    pub async fn unlink_speaker(
        &self,
        conference: ConferenceId,
        speaker: SpeakerId,
        user: UserId,
        audit: Option<&crate::AuditLine>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM speaker_accounts WHERE conference_id = $1 AND speaker_id = $2 AND user_id = $3")
                .bind(conference.get())
                .bind(speaker.get())
                .bind(user.get())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0
                && let Some(line) = audit
            {
                crate::organize::record_in!(tx, conference, line, now);
            }
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// Whether `user` is linked to a speaker of `session`.
    pub async fn speaks_in(
        &self,
        conference: ConferenceId,
        session: SessionId,
        user: UserId,
    ) -> Result<bool> {
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM speaker_accounts a JOIN session_speakers s ON s.speaker_id = a.speaker_id \
                 WHERE a.conference_id = $1 AND s.conference_id = $1 AND s.session_id = $2 AND a.user_id = $3",
            )
            .bind(conference.get())
            .bind(session.get())
            .bind(user.get())
            .fetch_one(pool)
            .await?
        });
        Ok(n > 0)
    }

    /// The sessions `user` speaks in (through linked speakers), by start time.
    pub async fn sessions_spoken_by(
        &self,
        conference: ConferenceId,
        user: UserId,
    ) -> Result<Vec<SessionId>> {
        let ids: Vec<(i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT s.session_id, x.starts_at FROM speaker_accounts a \
                 JOIN session_speakers s ON s.speaker_id = a.speaker_id JOIN sessions x ON x.id = s.session_id \
                 WHERE a.conference_id = $1 AND a.user_id = $2 ORDER BY x.starts_at, s.session_id",
            )
            .bind(conference.get())
            .bind(user.get())
            .fetch_all(pool)
            .await?
        });
        Ok(ids.into_iter().map(|(id, _)| SessionId::new(id)).collect())
    }
}
