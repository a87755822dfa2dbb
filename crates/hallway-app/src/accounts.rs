//! Accounts and what a person does with their own: sign up, log in and out, change the
//! password, make and revoke API tokens, set when reminders come, renew the calendar key,
//! mark notices read; and the operator's `hallway user add`.
//!
//! Secrets are made by the caller (the web layer makes random tokens and shows them once)
//! and arrive here as their hashes; passwords are hashed and checked through [`Passwords`]
//! (the web layer's Argon2, run off the async threads within its bound).

use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use hallway_domain::account::{MAX_NAME, Role};
use hallway_domain::{ConferenceId, Email, Password};
use hallway_store::{Account, Keep, NewAccount, NewLogin, NewToken, NewUser};

use crate::{AppError, Context};

/// Hashes passwords and checks them against stored hashes.
pub trait Passwords: Sync {
    /// The hash to store for `password`.
    fn hash(&self, password: &str) -> impl Future<Output = Result<String, AppError>> + Send;
    /// A hash of a password nobody knows, at the current cost: checking a log-in of an
    /// unknown address against it takes as long as checking a real one, so the answer's
    /// timing does not tell whether the address has an account.
    fn decoy(&self) -> impl Future<Output = Result<String, AppError>> + Send;
    /// Whether `password` is the one `hash` was made of.
    fn matches(
        &self,
        password: &str,
        hash: &str,
    ) -> impl Future<Output = Result<bool, AppError>> + Send;
}

/// The log-in session and API token a sign-up or log-in starts, as their hashes.
#[derive(Clone, Copy, Debug)]
pub struct Secrets<'a> {
    /// The log-in session's token hash.
    pub login_hash: &'a str,
    /// When that session expires.
    pub login_expires: DateTime<Utc>,
    /// The API token's hash; `None`: no token (a page's log-in has its cookie and needs
    /// none).
    pub token_hash: Option<&'a str>,
}

/// A sign-up as typed.
#[derive(Clone, Copy, Debug)]
pub struct SignUp<'a> {
    /// The address.
    pub email: &'a str,
    /// The password (at least 8 characters).
    pub password: &'a str,
    /// The name shown to others.
    pub name: &'a str,
    /// The calendar feed's key (made now, so the first agenda read writes nothing).
    pub calendar_key: &'a str,
}

fn invalid(field: &'static str, message: impl std::fmt::Display) -> AppError {
    AppError::Invalid {
        field,
        message: message.to_string(),
    }
}

/// Creates the account with its first log-in session, API token and calendar key, in one
/// transaction; refused (a store conflict) when the address has an account with a
/// password. An account made without one (an imported attendee) is claimed.
#[tracing::instrument(name = "sign_up", skip_all)]
pub async fn sign_up(
    ctx: Context<'_>,
    passwords: &impl Passwords,
    cmd: &SignUp<'_>,
    secrets: &Secrets<'_>,
) -> Result<Account, AppError> {
    let email = Email::parse(cmd.email).map_err(|e| invalid("email", e))?;
    let password = Password::parse(cmd.password).map_err(|e| invalid("password", e))?;
    let name =
        hallway_domain::text::required(cmd.name, MAX_NAME).map_err(|e| invalid("name", e))?;
    let hash = passwords.hash(password.expose()).await?;
    Ok(ctx
        .store
        .sign_up(
            &NewAccount {
                email: &email,
                name: &name,
                password_hash: &hash,
                login_hash: secrets.login_hash,
                login_expires: secrets.login_expires,
                token_hash: secrets.token_hash,
                token_label: "sign-up",
                calendar_key: cmd.calendar_key,
            },
            ctx.now,
        )
        .await?)
}

/// How failed log-ins slow down the next attempt. Failures are counted per account *and*
/// client address, so nobody can lock the owner out from elsewhere: the owner's address
/// has not failed, and is never refused the right password. After `free` failures in a
/// window, each attempt from that address for that account waits `first_delay` after the
/// latest failure, doubled with every further failure up to `longest`.
#[derive(Clone, Copy, Debug)]
pub struct Slowdown {
    /// Failures that cost nothing.
    pub free: u32,
    /// The wait after the first failure beyond them.
    pub first_delay: Duration,
    /// The longest wait.
    pub longest: Duration,
    /// How long failures are remembered (from the first of a window).
    pub window: Duration,
}

impl Slowdown {
    /// How long after the latest of `failures` the next attempt must wait.
    pub fn delay(&self, failures: u32) -> Duration {
        if failures < self.free {
            return Duration::zero();
        }
        let doublings = (failures - self.free).min(20);
        (self.first_delay * 2_i32.pow(doublings)).min(self.longest)
    }
}

/// Log-in fields as typed, and where they came from.
#[derive(Clone, Copy, Debug)]
pub struct LogIn<'a> {
    /// The address.
    pub email: &'a str,
    /// The password.
    pub password: &'a str,
    /// The client's network address, if known.
    pub from: Option<std::net::IpAddr>,
}

/// Checks the credentials and starts a log-in session (and an API token, if `secrets`
/// has one), forgetting the failures of this account from this address, in one
/// transaction. An unknown address and a wrong password get the same answer; each counts
/// as a failure of the account from the client's address (counted in the database, so the
/// slowdown holds across instances).
#[tracing::instrument(name = "log_in", skip_all)]
pub async fn log_in(
    ctx: Context<'_>,
    passwords: &impl Passwords,
    cmd: &LogIn<'_>,
    slowdown: Slowdown,
    secrets: &Secrets<'_>,
) -> Result<Account, AppError> {
    let from = cmd.from.map_or_else(|| "-".to_owned(), |ip| ip.to_string());
    let key = format!("{} {from}", cmd.email.trim().to_lowercase());
    let since = ctx.now - slowdown.window;
    let failures = ctx.store.login_failures(&key, since).await?;
    if let Some(f) = failures {
        let wait = (f.last + slowdown.delay(f.count) - ctx.now).num_seconds();
        if wait > 0 {
            return Err(AppError::Throttled(wait.unsigned_abs()));
        }
    }
    let found = match Email::parse(cmd.email) {
        Ok(email) => ctx.store.account_for_login(&email).await?,
        Err(_) => None,
    };
    let account = match found {
        Some((account, Some(hash))) if passwords.matches(cmd.password, &hash).await? => account,
        Some((_, Some(_))) => {
            ctx.store.record_login_failure(&key, ctx.now, since).await?;
            return Err(AppError::Unauthenticated("the email or password is wrong"));
        }
        _ => {
            // No such account (or one without a password): the same work, the same answer.
            let decoy = passwords.decoy().await?;
            let _ = passwords.matches(cmd.password, &decoy).await?;
            ctx.store.record_login_failure(&key, ctx.now, since).await?;
            return Err(AppError::Unauthenticated("the email or password is wrong"));
        }
    };
    ctx.store
        .log_in(
            &NewLogin {
                user: account.id,
                login_hash: secrets.login_hash,
                login_expires: secrets.login_expires,
                token_hash: secrets.token_hash,
                token_label: "log-in",
                forget_failures: failures.is_some().then_some(key.as_str()),
            },
            ctx.now,
        )
        .await?;
    Ok(account)
}

/// What a caller proved who they are with.
#[derive(Clone, Copy, Debug)]
pub enum Credential<'a> {
    /// A log-in session (its token's hash).
    Session(&'a str),
    /// An API token (its hash).
    Token(&'a str),
}

/// Ends the log-in session, or revokes the API token, the caller used.
#[tracing::instrument(name = "log_out", skip_all, fields(user = %account.id))]
pub async fn log_out(
    ctx: Context<'_>,
    account: &Account,
    credential: Credential<'_>,
) -> Result<(), AppError> {
    match credential {
        Credential::Session(hash) => ctx.store.delete_login(hash).await?,
        Credential::Token(hash) => {
            ctx.store
                .revoke_api_token(account.id, None, Some(hash), ctx.now)
                .await?;
        }
    }
    Ok(())
}

/// A password change as typed.
#[derive(Clone, Copy, Debug)]
pub struct PasswordChange<'a> {
    /// The password now.
    pub current: &'a str,
    /// The new one (at least 8 characters).
    pub new: &'a str,
}

/// What a password change ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordChanged {
    /// Log-in sessions ended.
    pub sessions_ended: u64,
    /// API tokens revoked.
    pub tokens_revoked: u64,
}

/// Changes the password once the current one is given. Every other log-in session of the
/// account ends and every other API token is revoked, in the same transaction (`keep`: the
/// credential the change was made with, which stays).
#[tracing::instrument(name = "change_password", skip_all, fields(user = %account.id))]
pub async fn change_password(
    ctx: Context<'_>,
    passwords: &impl Passwords,
    account: &Account,
    cmd: &PasswordChange<'_>,
    keep: Credential<'_>,
) -> Result<PasswordChanged, AppError> {
    let new = Password::parse(cmd.new).map_err(|e| invalid("new", e))?;
    let stored = ctx
        .store
        .password_hash(account.id)
        .await?
        .unwrap_or_default();
    if !passwords.matches(cmd.current, &stored).await? {
        return Err(invalid("current", "is not the current password"));
    }
    let hash = passwords.hash(new.expose()).await?;
    let keep = match keep {
        Credential::Session(h) => Keep {
            session: Some(h),
            token: None,
        },
        Credential::Token(h) => Keep {
            session: None,
            token: Some(h),
        },
    };
    let (sessions_ended, tokens_revoked) = ctx
        .store
        .set_password(account.id, &hash, keep, ctx.now)
        .await?;
    Ok(PasswordChanged {
        sessions_ended,
        tokens_revoked,
    })
}

/// The longest label of an API token.
pub const MAX_TOKEN_LABEL: usize = 100;

/// The longest life a token may be given.
pub const MAX_TOKEN_DAYS: i64 = 5 * 366;

/// Records a new API token (its hash) under `label`, working until `expires_at` (if given:
/// in the future, at most [`MAX_TOKEN_DAYS`] ahead); answers its id and the label as kept.
#[tracing::instrument(name = "create_token", skip_all, fields(user = %account.id))]
pub async fn create_token(
    ctx: Context<'_>,
    account: &Account,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
    token_hash: &str,
) -> Result<(i64, String), AppError> {
    let label =
        hallway_domain::text::required(label, MAX_TOKEN_LABEL).map_err(|e| invalid("label", e))?;
    if let Some(at) = expires_at {
        if at <= ctx.now {
            return Err(invalid("expires_at", "must be in the future"));
        }
        if at > ctx.now + Duration::days(MAX_TOKEN_DAYS) {
            return Err(invalid(
                "expires_at",
                format!("at most {MAX_TOKEN_DAYS} days ahead"),
            ));
        }
    }
    let id = ctx
        .store
        .create_api_token(
            &NewToken {
                user: account.id,
                hash: token_hash,
                label: &label,
                expires_at,
            },
            ctx.now,
        )
        .await?;
    Ok((id, label))
}

/// Revokes the caller's token `id`.
#[tracing::instrument(name = "revoke_token", skip_all, fields(user = %account.id, token = id))]
pub async fn revoke_token(ctx: Context<'_>, account: &Account, id: i64) -> Result<(), AppError> {
    if ctx
        .store
        .revoke_api_token(account.id, Some(id), None, ctx.now)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("You have no live token {id}.")))
    }
}

/// Sets how many minutes before a reserved session its reminder comes (`None`: none).
#[tracing::instrument(name = "set_reminder_minutes", skip_all, fields(user = %account.id))]
pub async fn set_reminder_minutes(
    ctx: Context<'_>,
    account: &Account,
    minutes: Option<u32>,
) -> Result<(), AppError> {
    let most = hallway_store::MAX_REMINDER_MINUTES;
    if minutes.is_some_and(|m| i64::from(m) > most) {
        return Err(invalid("minutes", format!("at most {most} (a day)")));
    }
    ctx.store.set_reminder_minutes(account.id, minutes).await?;
    Ok(())
}

/// Replaces the calendar feed's key with `fresh`: the old feed address stops working.
#[tracing::instrument(name = "renew_calendar_key", skip_all, fields(user = %account.id))]
pub async fn renew_calendar_key(
    ctx: Context<'_>,
    account: &Account,
    fresh: &str,
) -> Result<(), AppError> {
    ctx.store.regenerate_calendar_key(account.id, fresh).await?;
    Ok(())
}

/// Marks the attendee's notices in `conference` read.
#[tracing::instrument(name = "mark_notices_read", skip_all, fields(user = %account.id, conference = %conference))]
pub async fn mark_notices_read(
    ctx: Context<'_>,
    account: &Account,
    conference: ConferenceId,
) -> Result<(), AppError> {
    ctx.store
        .mark_notifications_read(conference, account.id, ctx.now)
        .await?;
    Ok(())
}

/// The operator of the server, at the command line: whoever can run the binary against the
/// database.
#[derive(Clone, Copy, Debug)]
pub struct Operator;

/// An account the operator adds, as typed.
#[derive(Clone, Copy, Debug)]
pub struct AddUser<'a> {
    /// The address.
    pub email: &'a str,
    /// The name; `None`: the address's local part.
    pub name: Option<&'a str>,
    /// The password (one the operator typed, or one made up for them).
    pub password: &'a str,
    /// Whether the operator typed the password (it then replaces an existing account's).
    pub chosen: bool,
    /// The role in a conference; `None`: site admin.
    pub role: Option<(ConferenceId, Role)>,
}

/// Adds an account with its role, or gives an existing one the role, in one transaction;
/// answers it and whether `password` is now its password.
#[tracing::instrument(name = "add_user", skip_all)]
pub async fn add_user(
    ctx: Context<'_>,
    _: Operator,
    passwords: &impl Passwords,
    cmd: &AddUser<'_>,
) -> Result<(Account, bool), AppError> {
    let email = Email::parse(cmd.email).map_err(|e| invalid("email", e))?;
    let password = Password::parse(cmd.password).map_err(|e| invalid("password", e))?;
    let name = match cmd.name {
        Some(n) => hallway_domain::text::required(n, MAX_NAME).map_err(|e| invalid("name", e))?,
        None => email
            .as_str()
            .split('@')
            .next()
            .unwrap_or("user")
            .chars()
            .take(MAX_NAME)
            .collect(),
    };
    let hash = passwords.hash(password.expose()).await?;
    Ok(ctx
        .store
        .add_user(
            &NewUser {
                email: &email,
                name: &name,
                password_hash: &hash,
                replace_password: cmd.chosen,
                role: cmd.role,
            },
            ctx.now,
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_grows_after_the_free_failures_up_to_the_longest() {
        let s = Slowdown {
            free: 5,
            first_delay: Duration::seconds(30),
            longest: Duration::minutes(15),
            window: Duration::minutes(15),
        };
        let secs: Vec<i64> = [0, 4, 5, 6, 7, 9, 10, 50, u32::MAX]
            .iter()
            .map(|n| s.delay(*n).num_seconds())
            .collect();
        assert_eq!(secs, vec![0, 0, 30, 60, 120, 480, 900, 900, 900]);
    }
}
