//! API tokens: made (as their SHA-256 digests) with an optional expiry, looked up for every
//! API request, listed with when each was last used, revoked. A use is noted in memory and
//! written by [`Store::flush_token_uses`] on the server's timer, so a token in a keynote
//! rush costs no write per request.

use chrono::{DateTime, Utc};
use hallway_domain::UserId;

use crate::accounts::{Account, AccountRow, instant};
use crate::{Result, Store, on_pool, on_write};

/// An API token as listed on the account page (the secret itself is shown once, at creation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// Its id.
    pub id: i64,
    /// What it is for ("sign-up", "phone app").
    pub label: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used (to the minute), if ever.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A token to record.
#[derive(Clone, Copy, Debug)]
pub struct NewToken<'a> {
    /// Whose.
    pub user: UserId,
    /// The token's SHA-256 digest.
    pub hash: &'a str,
    /// What it is for.
    pub label: &'a str,
    /// When it stops working; `None`: when revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct TokenAccountRow {
    #[sqlx(flatten)]
    account: AccountRow,
    token_id: i64,
    expires_at: Option<i64>,
}

/// What is kept of a token looked up lately: its account, its id, when it expires.
pub(crate) type KnownToken = (Account, i64, Option<i64>);

impl Store {
    /// Records a new API token; answers its id.
    pub async fn create_api_token(&self, new: &NewToken<'_>, now: DateTime<Utc>) -> Result<i64> {
        let id: i64 = on_write!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(new.user.get())
            .bind(new.hash)
            .bind(new.label)
            .bind(now.timestamp())
            .bind(new.expires_at.map(|t| t.timestamp()))
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// The account of an API token that is neither revoked nor expired at `now`; the use is
    /// noted (see [`Store::flush_token_uses`]).
    /// Kept for a moment (see `Recent` in this crate's root): revoking a token here is
    /// seen here at once, on other instances within two seconds.
    pub async fn account_by_api_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Account>> {
        let cached = self
            .token_accounts
            .get(token_hash)
            .filter(|(_, _, expires)| expires.is_none_or(|e| e > now.timestamp()));
        let found = match cached {
            Some(found) => Some(found),
            None => {
                let row: Option<TokenAccountRow> = on_pool!(self, pool => {
                    sqlx::query_as(
                        "SELECT u.id, u.email, u.name, u.is_admin, t.id AS token_id, t.expires_at \
                         FROM api_tokens t JOIN users u ON u.id = t.user_id \
                         WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
                         AND (t.expires_at IS NULL OR t.expires_at > $2)",
                    )
                    .bind(token_hash)
                    .bind(now.timestamp())
                    .fetch_optional(pool)
                    .await?
                });
                row.map(|r| {
                    let found = (Account::from(r.account), r.token_id, r.expires_at);
                    self.token_accounts
                        .put(token_hash.to_owned(), found.clone());
                    found
                })
            }
        };
        Ok(found.map(|(account, id, _)| {
            self.token_uses
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(id, now.timestamp());
            account
        }))
    }

    /// Writes the token uses noted since the last flush, in one transaction; answers how
    /// many tokens.
    pub async fn flush_token_uses(&self) -> Result<usize> {
        let uses: Vec<(i64, i64)> = std::mem::take(
            &mut *self
                .token_uses
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
        .into_iter()
        .collect();
        if uses.is_empty() {
            return Ok(0);
        }
        on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            for (id, at) in &uses {
                sqlx::query(
                    "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 \
                     AND (last_used_at IS NULL OR last_used_at < $1)",
                )
                .bind(*at)
                .bind(*id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(uses.len())
    }

    /// An account's API tokens, newest first.
    pub async fn api_tokens(&self, user: UserId) -> Result<Vec<TokenInfo>> {
        type Row = (i64, String, i64, Option<i64>, Option<i64>, Option<i64>);
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, label, created_at, revoked_at, expires_at, last_used_at FROM api_tokens \
                 WHERE user_id = $1 ORDER BY id DESC",
            )
            .bind(user.get())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, label, created, revoked, expires, used)| TokenInfo {
                id,
                label,
                created_at: instant(created),
                revoked_at: revoked.map(instant),
                expires_at: expires.map(instant),
                last_used_at: used.map(instant),
            })
            .collect())
    }

    /// Revokes one of an account's tokens (by id, or by its hash); answers whether one was live.
    pub async fn revoke_api_token(
        &self,
        user: UserId,
        id: Option<i64>,
        token_hash: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = on_write!(self, pool => {
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL \
                 AND (id = $3 OR token_hash = $4)",
            )
            .bind(now.timestamp())
            .bind(user.get())
            .bind(id.unwrap_or(-1))
            .bind(token_hash.unwrap_or(""))
            .execute(pool)
            .await?
            .rows_affected()
        });
        self.token_accounts.clear();
        Ok(n > 0)
    }
}
