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
use hallway_store::{Account, NewAccount, NewLogin, NewUser};

use crate::{AppError, Context};

/// Hashes passwords and checks them against stored hashes.
pub trait Passwords: Sync {
    /// The hash to store for `password`.
    fn hash(&self, password: &str) -> impl Future<Output = Result<String, AppError>> + Send;
    /// Whether `password` is the one `hash` was made of.
    fn matches(&self, password: &str, hash: &str) -> impl Future<Output = bool> + Send;
}

/// The log-in session and API token a sign-up or log-in starts, as their hashes.
#[derive(Clone, Copy, Debug)]
pub struct Secrets<'a> {
    /// The log-in session's token hash.
    pub login_hash: &'a str,
    /// When that session expires.
    pub login_expires: DateTime<Utc>,
    /// The API token's hash.
    pub token_hash: &'a str,
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

/// How many wrong passwords an account may be given within a window before log-ins to it
/// are refused until the window ends.
#[derive(Clone, Copy, Debug)]
pub struct Lockout {
    /// Failures allowed in a window.
    pub failures: u32,
    /// The window.
    pub window: Duration,
}

/// Log-in fields as typed.
#[derive(Clone, Copy, Debug)]
pub struct LogIn<'a> {
    /// The address.
    pub email: &'a str,
    /// The password.
    pub password: &'a str,
}

/// Checks the credentials and starts a log-in session and an API token (forgetting the
/// account's failed log-ins) in one transaction. An unknown address and a wrong password
/// get the same answer; each counts as a failure of the address (counted in the database,
/// so the lockout holds across instances).
#[tracing::instrument(name = "log_in", skip_all)]
pub async fn log_in(
    ctx: Context<'_>,
    passwords: &impl Passwords,
    cmd: &LogIn<'_>,
    lockout: Lockout,
    secrets: &Secrets<'_>,
) -> Result<Account, AppError> {
    let key = cmd.email.trim().to_lowercase();
    let since = ctx.now - lockout.window;
    let failures = ctx.store.login_failures(&key, since).await?;
    if let Some((n, opened)) = failures
        && n >= lockout.failures
    {
        let wait = (opened + lockout.window - ctx.now).num_seconds().max(1);
        return Err(AppError::Throttled(wait.unsigned_abs()));
    }
    let found = match Email::parse(cmd.email) {
        Ok(email) => ctx.store.account_for_login(&email).await?,
        Err(_) => None,
    };
    let account = match found {
        Some((account, Some(hash))) if passwords.matches(cmd.password, &hash).await => account,
        _ => {
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

/// Changes the password once the current one is given; every other log-in session of the
/// account ends (`keep`: the hash of the caller's own session, which stays).
#[tracing::instrument(name = "change_password", skip_all, fields(user = %account.id))]
pub async fn change_password(
    ctx: Context<'_>,
    passwords: &impl Passwords,
    account: &Account,
    cmd: &PasswordChange<'_>,
    keep: Option<&str>,
) -> Result<(), AppError> {
    let new = Password::parse(cmd.new).map_err(|e| invalid("new", e))?;
    let stored = ctx
        .store
        .password_hash(account.id)
        .await?
        .unwrap_or_default();
    if !passwords.matches(cmd.current, &stored).await {
        return Err(invalid("current", "is not the current password"));
    }
    let hash = passwords.hash(new.expose()).await?;
    ctx.store.set_password(account.id, &hash, keep).await?;
    Ok(())
}

/// The longest label of an API token.
pub const MAX_TOKEN_LABEL: usize = 100;

/// Records a new API token (its hash) under `label`; answers its id.
#[tracing::instrument(name = "create_token", skip_all, fields(user = %account.id))]
pub async fn create_token(
    ctx: Context<'_>,
    account: &Account,
    label: &str,
    token_hash: &str,
) -> Result<(i64, String), AppError> {
    let label =
        hallway_domain::text::required(label, MAX_TOKEN_LABEL).map_err(|e| invalid("label", e))?;
    let id = ctx
        .store
        .create_api_token(account.id, token_hash, &label, ctx.now)
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
