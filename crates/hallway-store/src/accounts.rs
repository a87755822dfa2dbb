//! Accounts, log-in sessions, API tokens and roles. Secrets arrive hashed: the store keeps
//! SHA-256 digests of tokens and Argon2 hashes of passwords, never the secrets themselves.

use chrono::{DateTime, Utc};
use hallway_domain::account::Role;
use hallway_domain::{ConferenceId, Email, UserId};

use crate::{Result, Store, StoreError, on_pool, on_write};

/// An account as the rest of the server sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Its id.
    pub id: UserId,
    /// Its email address, lowercase.
    pub email: String,
    /// The name shown to others.
    pub name: String,
    /// Whether it may run the server (create conferences).
    pub is_admin: bool,
}

/// A sign-up: the account and what it starts with (secrets as their hashes).
#[derive(Clone, Copy, Debug)]
pub struct NewAccount<'a> {
    /// Its address.
    pub email: &'a Email,
    /// The name shown to others.
    pub name: &'a str,
    /// The password's Argon2 hash.
    pub password_hash: &'a str,
    /// The first log-in session's token hash.
    pub login_hash: &'a str,
    /// When that session expires.
    pub login_expires: DateTime<Utc>,
    /// The first API token's hash, if the sign-up asked for one (the API's does; a page's
    /// does not).
    pub token_hash: Option<&'a str>,
    /// What that token is for ("sign-up").
    pub token_label: &'a str,
    /// The calendar feed's key (made now, so the first agenda read writes nothing).
    pub calendar_key: &'a str,
}

/// A log-in: the session and API token it starts (secrets as their hashes).
#[derive(Clone, Copy, Debug)]
pub struct NewLogin<'a> {
    /// Whose.
    pub user: UserId,
    /// The log-in session's token hash.
    pub login_hash: &'a str,
    /// When that session expires.
    pub login_expires: DateTime<Utc>,
    /// The API token's hash, if the log-in asked for one (the API's does; a page's does
    /// not).
    pub token_hash: Option<&'a str>,
    /// What that token is for ("log-in").
    pub token_label: &'a str,
    /// The failed log-ins to forget (the key they were counted under), if any were counted.
    pub forget_failures: Option<&'a str>,
}

/// The credential that survives a password change: the log-in session or the API token
/// (by hash) the change was made with.
#[derive(Clone, Copy, Debug, Default)]
pub struct Keep<'a> {
    /// The log-in session's token hash.
    pub session: Option<&'a str>,
    /// The API token's hash.
    pub token: Option<&'a str>,
}

/// The failed log-ins of one key in its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failures {
    /// How many.
    pub count: u32,
    /// When the window opened (the first of them).
    pub first: DateTime<Utc>,
    /// The latest.
    pub last: DateTime<Utc>,
}

/// An account the operator adds from the command line, with its role.
#[derive(Clone, Copy, Debug)]
pub struct NewUser<'a> {
    /// Its address.
    pub email: &'a Email,
    /// The name shown to others (a claimed or existing account keeps its own).
    pub name: &'a str,
    /// The password's Argon2 hash.
    pub password_hash: &'a str,
    /// Whether an existing account's password is replaced (a password the operator chose)
    /// or kept (one the command made up).
    pub replace_password: bool,
    /// The role in a conference; `None`: a site admin.
    pub role: Option<(ConferenceId, Role)>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: i64,
    email: String,
    name: String,
    is_admin: i64,
}

impl From<AccountRow> for Account {
    fn from(r: AccountRow) -> Self {
        Self {
            id: UserId::new(r.id),
            email: r.email,
            name: r.name,
            is_admin: r.is_admin != 0,
        }
    }
}

pub(crate) fn instant(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

impl Store {
    /// Creates an account with a password. An account that exists without a password (made
    /// by an organizer or the demo) is claimed: it gets the password and the new name.
    /// Fails with [`StoreError::Conflict`] when the email already has a password.
    pub async fn create_account(
        &self,
        email: &Email,
        name: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Account> {
        let row: Option<AccountRow> = on_write!(self, pool => {
            sqlx::query_as(
                "INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (email) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash \
                 WHERE users.password_hash IS NULL \
                 RETURNING id, email, name, is_admin",
            )
            .bind(email.as_str())
            .bind(name)
            .bind(password_hash)
            .bind(now.timestamp())
            .fetch_optional(pool)
            .await?
        });
        row.map(Account::from).ok_or_else(|| {
            StoreError::Conflict(format!("an account for {} exists already", email.as_str()))
        })
    }

    /// Creates the account of a sign-up with its first log-in session, its first API token
    /// and its calendar key, in one transaction (one turn to write on SQLite instead of
    /// four). Fails with [`StoreError::Conflict`] when an account with a password has the
    /// address; an account made without one (an imported attendee) is claimed.
    pub async fn sign_up(&self, new: &NewAccount<'_>, now: DateTime<Utc>) -> Result<Account> {
        let row: Option<AccountRow> = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: Option<AccountRow> = sqlx::query_as(
                "INSERT INTO users (email, name, password_hash, created_at, calendar_key) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (email) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash, \
                 calendar_key = COALESCE(users.calendar_key, excluded.calendar_key) \
                 WHERE users.password_hash IS NULL \
                 RETURNING id, email, name, is_admin",
            )
            .bind(new.email.as_str())
            .bind(new.name)
            .bind(new.password_hash)
            .bind(now.timestamp())
            .bind(new.calendar_key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(account) = &row {
                sqlx::query("INSERT INTO auth_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(new.login_hash)
                    .bind(account.id)
                    .bind(now.timestamp())
                    .bind(new.login_expires.timestamp())
                    .execute(&mut *tx)
                    .await?;
                if let Some(token) = new.token_hash {
                    sqlx::query("INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(account.id)
                        .bind(token)
                        .bind(new.token_label)
                        .bind(now.timestamp())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
            row
        });
        row.map(Account::from).ok_or_else(|| {
            StoreError::Conflict(format!(
                "an account for {} exists already",
                new.email.as_str()
            ))
        })
    }

    /// Starts a log-in session and an API token for an account whose password was checked,
    /// and forgets its failed log-ins, in one transaction.
    pub async fn log_in(&self, new: &NewLogin<'_>, now: DateTime<Utc>) -> Result<()> {
        on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO auth_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(new.login_hash)
                .bind(new.user.get())
                .bind(now.timestamp())
                .bind(new.login_expires.timestamp())
                .execute(&mut *tx)
                .await?;
            if let Some(token) = new.token_hash {
                sqlx::query("INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(new.user.get())
                    .bind(token)
                    .bind(new.token_label)
                    .bind(now.timestamp())
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(key) = new.forget_failures {
                sqlx::query("DELETE FROM login_failures WHERE account_key = $1")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Adds an account with a role (or as site admin), or gives an existing one the role, in
    /// one transaction. An account without a password is claimed (name and password); one
    /// with a password keeps it unless `replace_password`, and then its log-in sessions end.
    /// Answers the account and whether the given password is now its password.
    pub async fn add_user(&self, new: &NewUser<'_>, now: DateTime<Utc>) -> Result<(Account, bool)> {
        let (row, password_set): (AccountRow, bool) = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let claimed: Option<AccountRow> = sqlx::query_as(
                "INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (email) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash \
                 WHERE users.password_hash IS NULL \
                 RETURNING id, email, name, is_admin",
            )
            .bind(new.email.as_str())
            .bind(new.name)
            .bind(new.password_hash)
            .bind(now.timestamp())
            .fetch_optional(&mut *tx)
            .await?;
            let (row, set) = match claimed {
                Some(row) => (row, true),
                None => {
                    let row: AccountRow = sqlx::query_as(
                        "SELECT id, email, name, is_admin FROM users WHERE email = $1",
                    )
                    .bind(new.email.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                    if new.replace_password {
                        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                            .bind(new.password_hash)
                            .bind(row.id)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1")
                            .bind(row.id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    (row, new.replace_password)
                }
            };
            match new.role {
                Some((conference, role)) if role != Role::Admin => {
                    sqlx::query(
                        "INSERT INTO conference_members (conference_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(conference.get())
                    .bind(row.id)
                    .bind(role.as_str())
                    .execute(&mut *tx)
                    .await?;
                }
                _ => {
                    sqlx::query("UPDATE users SET is_admin = 1 WHERE id = $1")
                        .bind(row.id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            (row, set)
        });
        self.token_accounts.clear();
        let mut account = Account::from(row);
        if new.role.is_none_or(|(_, r)| r == Role::Admin) {
            account.is_admin = true;
        }
        Ok((account, password_set))
    }

    /// The account of `email` and its password hash (`None` for an account without one).
    pub async fn account_for_login(
        &self,
        email: &Email,
    ) -> Result<Option<(Account, Option<String>)>> {
        let row: Option<(i64, String, String, i64, Option<String>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, email, name, is_admin, password_hash FROM users WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(id, email, name, is_admin, hash)| {
            (
                Account::from(AccountRow {
                    id,
                    email,
                    name,
                    is_admin,
                }),
                hash,
            )
        }))
    }

    /// The password hash of an account.
    pub async fn password_hash(&self, user: UserId) -> Result<Option<String>> {
        let hash: Option<Option<String>> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user.get())
                .fetch_optional(pool)
                .await?
        });
        Ok(hash.flatten())
    }

    /// Sets an account's password hash, ends every log-in session of the account but the
    /// one `keep` names and revokes every API token but the one it names, in one
    /// transaction; answers how many sessions ended and tokens were revoked.
    pub async fn set_password(
        &self,
        user: UserId,
        password_hash: &str,
        keep: Keep<'_>,
        now: DateTime<Utc>,
    ) -> Result<(u64, u64)> {
        let ended = on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(user.get())
                .execute(&mut *tx)
                .await?;
            let sessions = sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user.get())
                .bind(keep.session.unwrap_or(""))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let tokens = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND token_hash <> $3",
            )
            .bind(now.timestamp())
            .bind(user.get())
            .bind(keep.token.unwrap_or(""))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            (sessions, tokens)
        });
        self.token_accounts.clear();
        Ok(ended)
    }

    /// Makes an account a site admin (or not).
    pub async fn set_admin(&self, user: UserId, admin: bool) -> Result<()> {
        on_write!(self, pool => {
            sqlx::query("UPDATE users SET is_admin = $1 WHERE id = $2")
                .bind(i64::from(admin))
                .bind(user.get())
                .execute(pool)
                .await?;
        });
        self.token_accounts.clear();
        Ok(())
    }

    /// Records a log-in session.
    pub async fn create_login(
        &self,
        user: UserId,
        token_hash: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        on_write!(self, pool => {
            sqlx::query("INSERT INTO auth_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(user.get())
                .bind(now.timestamp())
                .bind(expires.timestamp())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The account of a live log-in session.
    pub async fn account_by_login(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Account>> {
        let row: Option<AccountRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT u.id, u.email, u.name, u.is_admin FROM auth_sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2",
            )
            .bind(token_hash)
            .bind(now.timestamp())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(Account::from))
    }

    /// Ends a log-in session.
    pub async fn delete_login(&self, token_hash: &str) -> Result<()> {
        on_write!(self, pool => {
            sqlx::query("DELETE FROM auth_sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The failed log-ins of `key` (a lowercased email) in its current window, and when
    /// that window opened; `None` when none since `since` (windows opened before `since`
    /// are over).
    pub async fn login_failures(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Failures>> {
        let row: Option<(i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT failures, window_start, last_failed_at FROM login_failures
                 WHERE account_key = $1 AND window_start > $2",
            )
            .bind(key)
            .bind(since.timestamp())
            .fetch_optional(pool)
            .await?
        });
        row.map(|(n, start, last)| {
            Ok(Failures {
                count: crate::to_u32(n, "login failures")?,
                first: instant(start),
                last: instant(last.max(start)),
            })
        })
        .transpose()
    }

    /// Counts a failed log-in of `key` at `now`: in the open window, or in a new one when
    /// the last opened before `since`. Windows that are over are forgotten on the way.
    pub async fn record_login_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> Result<()> {
        on_write!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO login_failures (account_key, window_start, failures, last_failed_at)
                 VALUES ($1, $2, 1, $2)
                 ON CONFLICT (account_key) DO UPDATE SET
                   failures = CASE WHEN login_failures.window_start > $3
                                   THEN login_failures.failures + 1 ELSE 1 END,
                   window_start = CASE WHEN login_failures.window_start > $3
                                       THEN login_failures.window_start ELSE $2 END,
                   last_failed_at = $2",
            )
            .bind(key)
            .bind(now.timestamp())
            .bind(since.timestamp())
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM login_failures WHERE window_start <= $1")
                .bind(since.timestamp())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Forgets the failed log-ins of `key` (after a successful one).
    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        on_write!(self, pool => {
            sqlx::query("DELETE FROM login_failures WHERE account_key = $1")
                .bind(key)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Gives `user` a role in `conference` (idempotent).
    pub async fn grant_role(
        &self,
        conference: ConferenceId,
        user: UserId,
        role: Role,
    ) -> Result<()> {
        if role == Role::Admin {
            return self.set_admin(user, true).await;
        }
        on_write!(self, pool => {
            sqlx::query(
                "INSERT INTO conference_members (conference_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(conference.get())
            .bind(user.get())
            .bind(role.as_str())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The roles `user` holds in `conference`.
    pub async fn roles(&self, conference: ConferenceId, user: UserId) -> Result<Vec<Role>> {
        let names: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT role FROM conference_members WHERE conference_id = $1 AND user_id = $2 ORDER BY role")
                .bind(conference.get())
                .bind(user.get())
                .fetch_all(pool)
                .await?
        });
        names
            .iter()
            .map(|n| Role::parse(n).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }
}
