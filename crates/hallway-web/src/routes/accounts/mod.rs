//! Accounts: sign-up, log-in, log-out, password change and API tokens, as JSON under
//! `/api/v1/auth` and `/api/v1/me`, and as pages (`/signup`, `/login`, `/account`).

mod api;
mod pages;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::auth::{Credential, LOGIN_DAYS, digest, new_token};
use crate::error::ApiError;
use chrono::Duration;
use hallway_domain::{Email, Password};
use hallway_store::{Account, NewAccount, StoreError};
use serde::Deserialize;
use utoipa::ToSchema;

pub fn router() -> OpenApiRouter<AppState> {
    api::router().merge(pages::router())
}

/// Sign-up fields.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignupBody {
    email: String,
    /// At least 8 characters.
    password: String,
    /// The name shown to others.
    name: String,
}

/// Log-in fields.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginBody {
    email: String,
    password: String,
}

/// Checks and creates an account; answers it with a new log-in session token and API token.
async fn do_signup(
    state: &AppState,
    body: &SignupBody,
) -> Result<(Account, String, String), ApiError> {
    let email = Email::parse(&body.email).map_err(|e| invalid("email", e))?;
    let password = Password::parse(&body.password).map_err(|e| invalid("password", e))?;
    let name = hallway_domain::text::required(&body.name, hallway_domain::account::MAX_NAME)
        .map_err(|e| invalid("name", e))?;
    let hash = state.hash_cost.hash(password.expose().to_owned()).await?;
    let now = state.clock.now();
    let (session, token) = (new_token(), new_token());
    // One transaction: the account, its log-in session, its API token and its calendar key
    // (made now, so that reading one's agenda the first time, in a keynote rush, say, does
    // not have to write).
    let account = hallway_app::accounts::sign_up(
        state.context(),
        &NewAccount {
            email: &email,
            name: &name,
            password_hash: &hash,
            login_hash: &digest(&session),
            login_expires: now + Duration::days(LOGIN_DAYS),
            token_hash: &digest(&token),
            token_label: "sign-up",
            calendar_key: &new_token(),
        },
    )
    .await
    .map_err(|e| match e {
        hallway_app::AppError::Store(StoreError::Conflict(m)) => ApiError::Conflict(m),
        e => e.into(),
    })?;
    Ok((account, session, token))
}

/// Starts a log-in session and an API token for `account`.
async fn issue(
    state: &AppState,
    account: &Account,
    label: &str,
) -> Result<(String, String), ApiError> {
    let now = state.clock.now();
    let session = new_token();
    state
        .store
        .create_login(
            account.id,
            &digest(&session),
            now,
            now + Duration::days(LOGIN_DAYS),
        )
        .await?;
    let token = new_token();
    state
        .store
        .create_api_token(account.id, &digest(&token), label, now)
        .await?;
    Ok((session, token))
}

/// Checks credentials under the rate limits; the same answer for an unknown email and a
/// wrong password.
async fn do_login(
    state: &AppState,
    body: &LoginBody,
    ip: Option<std::net::IpAddr>,
) -> Result<Account, ApiError> {
    let key = body.email.trim().to_lowercase();
    // Failures per account are counted in the database, so the limit holds however a load
    // balancer spreads the attempts over instances.
    let now = state.clock.now();
    let window = chrono::Duration::from_std(crate::auth::ACCOUNT_WINDOW)
        .unwrap_or_else(|_| chrono::Duration::minutes(15));
    let since = now - window;
    let failures = state.store.login_failures(&key, since).await?;
    if let Some((n, opened)) = failures
        && n >= crate::auth::ACCOUNT_FAILURES
    {
        let wait = (opened + window - now).num_seconds().max(1);
        return Err(ApiError::RateLimited(wait.unsigned_abs()));
    }
    if let Some(wait) = state.limits.check(ip) {
        return Err(ApiError::RateLimited(wait));
    }
    let wrong = ApiError::Unauthorized("the email or password is wrong");
    let Ok(email) = Email::parse(&body.email) else {
        state.store.record_login_failure(&key, now, since).await?;
        return Err(wrong);
    };
    let Some((account, Some(hash))) = state.store.account_for_login(&email).await? else {
        state.store.record_login_failure(&key, now, since).await?;
        return Err(wrong);
    };
    if !state.hash_cost.verify(body.password.clone(), hash).await {
        state.store.record_login_failure(&key, now, since).await?;
        return Err(wrong);
    }
    if failures.is_some() {
        state.store.clear_login_failures(&key).await?;
    }
    Ok(account)
}

async fn end(state: &AppState, account: &Account, credential: &Credential) -> Result<(), ApiError> {
    match credential {
        Credential::Session(d) => state.store.delete_login(d).await?,
        Credential::Token(d) => {
            state
                .store
                .revoke_api_token(account.id, None, Some(d), state.clock.now())
                .await?;
        }
    }
    Ok(())
}

/// Password change fields.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordBody {
    current: String,
    /// At least 8 characters.
    new: String,
}

async fn do_change_password(
    state: &AppState,
    user: &Account,
    keep: Option<&str>,
    body: &PasswordBody,
) -> Result<(), ApiError> {
    let new = Password::parse(&body.new).map_err(|e| invalid("new", e))?;
    let stored = state
        .store
        .password_hash(user.id)
        .await?
        .unwrap_or_default();
    if !state.hash_cost.verify(body.current.clone(), stored).await {
        return Err(invalid("current", "is not the current password"));
    }
    let hash = state.hash_cost.hash(new.expose().to_owned()).await?;
    state.store.set_password(user.id, &hash, keep).await?;
    Ok(())
}

fn invalid(field: &'static str, e: impl std::fmt::Display) -> ApiError {
    ApiError::Invalid {
        field,
        message: e.to_string(),
    }
}
