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

/// A fresh log-in session secret and, for the API, an API token, and what the store keeps
/// of them. Pages log in with the cookie alone: they mint no token.
struct Fresh {
    session: String,
    token: Option<String>,
    session_hash: String,
    token_hash: Option<String>,
    expires: chrono::DateTime<chrono::Utc>,
}

/// Whether a sign-up or log-in also answers an API token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum With {
    /// The API's: a token in the answer, and the cookie.
    Token,
    /// A page's: the cookie only.
    CookieOnly,
}

impl Fresh {
    fn new(state: &AppState, with: With) -> Self {
        let session = new_token();
        let token = (with == With::Token).then(new_token);
        Self {
            session_hash: digest(&session),
            token_hash: token.as_deref().map(digest),
            session,
            token,
            expires: state.clock.now() + Duration::days(LOGIN_DAYS),
        }
    }

    fn secrets(&self) -> Secrets<'_> {
        Secrets {
            login_hash: &self.session_hash,
            login_expires: self.expires,
            token_hash: self.token_hash.as_deref(),
        }
    }
}

/// Creates an account; answers it with a new log-in session secret and, `with` a token,
/// an API token.
async fn do_signup(
    state: &AppState,
    body: &SignupBody,
    ip: Option<std::net::IpAddr>,
    with: With,
) -> Result<(Account, String, Option<String>), ApiError> {
    // Each sign-up costs a password hash: a few per address and minute, generously.
    if let Some(wait) = state.limits.check_signup(ip) {
        return Err(ApiError::RateLimited(wait));
    }
    let fresh = Fresh::new(state, with);
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
/// wrong password) and starts a log-in session and, `with` a token, an API token.
async fn do_login(
    state: &AppState,
    body: &LoginBody,
    ip: Option<std::net::IpAddr>,
    with: With,
) -> Result<(Account, String, Option<String>), ApiError> {
    // Attempts per address are counted here, per instance; failures per account and
    // address in the database, so that slowdown holds however a load balancer spreads the
    // attempts.
    if let Some(wait) = state.limits.check(ip) {
        return Err(ApiError::RateLimited(wait));
    }
    let fresh = Fresh::new(state, with);
    let account = accounts::log_in(
        state.context(),
        &state.hash_cost,
        &accounts::LogIn {
            email: &body.email,
            password: &body.password,
            from: ip,
        },
        crate::auth::LOG_IN_SLOWDOWN,
        &fresh.secrets(),
    )
    .await?;
    Ok((account, fresh.session, fresh.token))
}

fn credential(c: &Credential) -> accounts::Credential<'_> {
    match c {
        Credential::Session(d) => accounts::Credential::Session(d),
        Credential::Token(d) => accounts::Credential::Token(d),
    }
}

async fn end(state: &AppState, account: &Account, used: &Credential) -> Result<(), ApiError> {
    Ok(accounts::log_out(state.context(), account, credential(used)).await?)
}

/// Password change fields.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordBody {
    current: String,
    /// At least 8 characters.
    new: String,
}

/// Changes the password; every other log-in session and API token of the account ends
/// (the one `used` for the change stays).
async fn do_change_password(
    state: &AppState,
    user: &Account,
    used: &Credential,
    body: &PasswordBody,
) -> Result<accounts::PasswordChanged, ApiError> {
    Ok(accounts::change_password(
        state.context(),
        &state.hash_cost,
        user,
        &accounts::PasswordChange {
            current: &body.current,
            new: &body.new,
        },
        credential(used),
    )
    .await?)
}
