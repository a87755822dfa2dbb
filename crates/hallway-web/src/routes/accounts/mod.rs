//! Accounts: sign-up, log-in, log-out, password change and API tokens, as JSON under
//! `/api/v1/auth` and `/api/v1/me`, and as pages (`/signup`, `/login`, `/account`).

mod api;
mod pages;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::auth::{Credential, LOGIN_DAYS, digest, new_token};
use crate::error::ApiError;
use chrono::Duration;
use hallway_app::accounts::{self, Secrets};
use hallway_store::{Account, StoreError};
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

/// Fresh log-in session and API token secrets, and what the store keeps of them.
struct Fresh {
    session: String,
    token: String,
    session_hash: String,
    token_hash: String,
    expires: chrono::DateTime<chrono::Utc>,
}

impl Fresh {
    fn new(state: &AppState) -> Self {
        let (session, token) = (new_token(), new_token());
        Self {
            session_hash: digest(&session),
            token_hash: digest(&token),
            session,
            token,
            expires: state.clock.now() + Duration::days(LOGIN_DAYS),
        }
    }

    fn secrets(&self) -> Secrets<'_> {
        Secrets {
            login_hash: &self.session_hash,
            login_expires: self.expires,
            token_hash: &self.token_hash,
        }
    }
}

/// Creates an account; answers it with a new log-in session token and API token.
async fn do_signup(
    state: &AppState,
    body: &SignupBody,
) -> Result<(Account, String, String), ApiError> {
    let fresh = Fresh::new(state);
    // One transaction: the account, its log-in session, its API token and its calendar key
    // (made now, so that reading one's agenda the first time, in a keynote rush, say, does
    // not have to write).
    let account = accounts::sign_up(
        state.context(),
        &state.hash_cost,
        &accounts::SignUp {
            email: &body.email,
            password: &body.password,
            name: &body.name,
            calendar_key: &new_token(),
        },
        &fresh.secrets(),
    )
    .await
    .map_err(|e| match e {
        hallway_app::AppError::Store(StoreError::Conflict(m)) => ApiError::Conflict(m),
        e => e.into(),
    })?;
    Ok((account, fresh.session, fresh.token))
}

/// Checks credentials under the rate limits (the same answer for an unknown email and a
/// wrong password) and starts a log-in session and an API token.
async fn do_login(
    state: &AppState,
    body: &LoginBody,
    ip: Option<std::net::IpAddr>,
) -> Result<(Account, String, String), ApiError> {
    // Attempts per address are counted here, per instance; failures per account in the
    // database, so that limit holds however a load balancer spreads the attempts.
    if let Some(wait) = state.limits.check(ip) {
        return Err(ApiError::RateLimited(wait));
    }
    let lockout = accounts::Lockout {
        failures: crate::auth::ACCOUNT_FAILURES,
        window: Duration::from_std(crate::auth::ACCOUNT_WINDOW)
            .unwrap_or_else(|_| Duration::minutes(15)),
    };
    let fresh = Fresh::new(state);
    let account = accounts::log_in(
        state.context(),
        &state.hash_cost,
        &accounts::LogIn {
            email: &body.email,
            password: &body.password,
        },
        lockout,
        &fresh.secrets(),
    )
    .await?;
    Ok((account, fresh.session, fresh.token))
}

async fn end(state: &AppState, account: &Account, credential: &Credential) -> Result<(), ApiError> {
    let credential = match credential {
        Credential::Session(d) => accounts::Credential::Session(d),
        Credential::Token(d) => accounts::Credential::Token(d),
    };
    Ok(accounts::log_out(state.context(), account, credential).await?)
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
    Ok(accounts::change_password(
        state.context(),
        &state.hash_cost,
        user,
        &accounts::PasswordChange {
            current: &body.current,
            new: &body.new,
        },
        keep,
    )
    .await?)
}
