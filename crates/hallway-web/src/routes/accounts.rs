//! Accounts: sign-up, log-in, log-out, password change and API tokens, as JSON under
//! `/api/v1/auth` and `/api/v1/me`, and as pages (`/signup`, `/login`, `/account`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use hallway_domain::{Email, Password};
use hallway_store::{Account, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{
    ApiUser, ClientIp, Credential, LOGIN_DAYS, MaybeUser, PageUser, clear_session_cookie, digest,
    new_token, session_cookie,
};
use crate::error::{ApiError, PageError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .route("/signup", axum::routing::get(signup_page).post(signup_form))
        .route("/login", axum::routing::get(login_page).post(login_form))
        .route("/logout", axum::routing::post(logout_form))
        .route("/account", axum::routing::get(account_page))
        .route("/account/password", axum::routing::post(password_form))
        .route("/account/tokens", axum::routing::post(token_form))
        .route(
            "/account/tokens/{id}/revoke",
            axum::routing::post(revoke_form),
        )
}

/// An account as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    id: i64,
    email: String,
    name: String,
    is_admin: bool,
}

impl From<&Account> for UserDto {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id.get(),
            email: a.email.clone(),
            name: a.name.clone(),
            is_admin: a.is_admin,
        }
    }
}

/// A new API token and its account.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenDto {
    /// The bearer token: shown once, store it.
    token: String,
    user: UserDto,
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

fn invalid(field: &'static str, e: impl std::fmt::Display) -> ApiError {
    ApiError::Invalid {
        field,
        message: e.to_string(),
    }
}

/// Checks and creates an account; answers it with a new log-in session token and API token.
async fn do_signup(
    state: &AppState,
    body: &SignupBody,
) -> Result<(Account, String, String), ApiError> {
    let email = Email::parse(&body.email).map_err(|e| invalid("email", e))?;
    let password = Password::parse(&body.password).map_err(|e| invalid("password", e))?;
    let name = hallway_domain::text::required(&body.name, 100).map_err(|e| invalid("name", e))?;
    let hash = state.hash_cost.hash(password.expose().to_owned()).await?;
    let now = state.clock.now();
    let account = state
        .store
        .create_account(&email, &name, &hash, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) => ApiError::Conflict(m),
            e => ApiError::Store(e),
        })?;
    let (session, token) = issue(state, &account, "sign-up").await?;
    // The calendar key is made now, while writing anyway, so that reading one's agenda for
    // the first time (in a keynote rush, say) does not have to write.
    state.store.calendar_key(account.id, &new_token()).await?;
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

/// Creates an account. Answers an API token and sets a log-in cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/signup",
    tag = "accounts",
    request_body = SignupBody,
    responses(
        (status = 201, body = TokenDto),
        (status = 400, description = "A field is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email has an account", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<SignupBody>,
) -> Result<Response, ApiError> {
    let (account, session, token) = do_signup(&state, &body).await?;
    Ok((
        StatusCode::CREATED,
        [(header::SET_COOKIE, session_cookie(&session, &headers))],
        Json(TokenDto {
            token,
            user: UserDto::from(&account),
        }),
    )
        .into_response())
}

/// Logs in. Answers a new API token and sets a log-in cookie. Failed attempts are limited
/// per account (10 per 15 minutes) and, generously, per address.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "accounts",
    request_body = LoginBody,
    responses(
        (status = 200, body = TokenDto),
        (status = 401, description = "Wrong email or password", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(body): Json<LoginBody>,
) -> Result<Response, ApiError> {
    let account = do_login(&state, &body, ip).await?;
    let (session, token) = issue(&state, &account, "log-in").await?;
    Ok((
        [(header::SET_COOKIE, session_cookie(&session, &headers))],
        Json(TokenDto {
            token,
            user: UserDto::from(&account),
        }),
    )
        .into_response())
}

/// Logs out: ends the cookie's log-in session, or revokes the bearer token used.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", responses((status = 204)))]
async fn logout(State(state): State<AppState>, user: ApiUser) -> Result<Response, ApiError> {
    end(&state, &user.account, &user.credential).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_session_cookie())],
    )
        .into_response())
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

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = UserDto), (status = 401, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn me(user: ApiUser) -> Json<UserDto> {
    Json(UserDto::from(&user.account))
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

/// Changes the password; other log-in sessions end.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "accounts", request_body = PasswordBody,
    responses((status = 204), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn change_password(
    State(state): State<AppState>,
    user: ApiUser,
    Json(body): Json<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    let keep = match &user.credential {
        Credential::Session(d) => Some(d.as_str()),
        Credential::Token(_) => None,
    };
    do_change_password(&state, &user.account, keep, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An API token as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfoDto {
    id: i64,
    label: String,
    created_at: chrono::DateTime<chrono::Utc>,
    revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The caller's API tokens (without their secrets).
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "accounts", responses((status = 200, body = [TokenInfoDto])))]
async fn list_tokens(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<TokenInfoDto>>, ApiError> {
    Ok(Json(
        state
            .store
            .api_tokens(user.account.id)
            .await?
            .into_iter()
            .map(|t| TokenInfoDto {
                id: t.id,
                label: t.label,
                created_at: t.created_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
    ))
}

/// A label for a new token.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTokenBody {
    label: String,
}

/// Issues a new API token.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "accounts", request_body = NewTokenBody, responses((status = 201, body = TokenDto)))]
async fn create_token(
    State(state): State<AppState>,
    user: ApiUser,
    Json(body): Json<NewTokenBody>,
) -> Result<(StatusCode, Json<TokenDto>), ApiError> {
    let label =
        hallway_domain::text::required(&body.label, 100).map_err(|e| invalid("label", e))?;
    let token = new_token();
    state
        .store
        .create_api_token(user.account.id, &digest(&token), &label, state.clock.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenDto {
            token,
            user: UserDto::from(&user.account),
        }),
    ))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "accounts",
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 204), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn revoke_token(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    if state
        .store
        .revoke_api_token(user.account.id, Some(id), None, state.clock.now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("You have no live token {id}.")))
    }
}

// ---------------------------------------------------------------------------------------
// Pages

#[derive(Debug, Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

fn safe_next(next: Option<&str>) -> String {
    crate::view::local_path(next).unwrap_or_else(|| "/".to_owned())
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    signup: bool,
    next: String,
    email: String,
    name: String,
    error: Option<String>,
    user: Option<String>,
}

async fn signup_page(Query(q): Query<NextQuery>) -> LoginPage {
    LoginPage {
        signup: true,
        next: safe_next(q.next.as_deref()),
        email: String::new(),
        name: String::new(),
        error: None,
        user: None,
    }
}

async fn login_page(Query(q): Query<NextQuery>, MaybeUser(user): MaybeUser) -> LoginPage {
    LoginPage {
        signup: false,
        next: safe_next(q.next.as_deref()),
        email: String::new(),
        name: String::new(),
        error: None,
        user: user.map(|(a, _)| a.email),
    }
}

#[derive(Debug, Deserialize)]
struct SignupForm {
    email: String,
    password: String,
    name: String,
    next: Option<String>,
}

fn logged_in(session: &str, headers: &HeaderMap, next: &str) -> Response {
    (
        [(header::SET_COOKIE, session_cookie(session, headers))],
        Redirect::to(next),
    )
        .into_response()
}

async fn signup_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<SignupForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let body = SignupBody {
        email: f.email.clone(),
        password: f.password,
        name: f.name.clone(),
    };
    match do_signup(&state, &body).await {
        Ok((_, session, _)) => logged_in(&session, &headers, &next),
        Err(e @ (ApiError::Invalid { .. } | ApiError::Conflict(_))) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            LoginPage {
                signup: true,
                next,
                email: f.email,
                name: f.name,
                error: Some(e.to_string()),
                user: None,
            },
        )
            .into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn login_form(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let body = LoginBody {
        email: f.email.clone(),
        password: f.password,
    };
    let result = match do_login(&state, &body, ip).await {
        Ok(account) => issue(&state, &account, "log-in").await,
        Err(e) => Err(e),
    };
    match result {
        Ok((session, _)) => logged_in(&session, &headers, &next),
        Err(e @ (ApiError::Unauthorized(_) | ApiError::RateLimited(_))) => {
            let status = if matches!(e, ApiError::RateLimited(_)) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            (
                status,
                LoginPage {
                    signup: false,
                    next,
                    email: f.email,
                    name: String::new(),
                    error: Some(capitalise(&e.to_string())),
                    user: None,
                },
            )
                .into_response()
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

async fn logout_form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
) -> Result<Response, PageError> {
    if let Some((account, credential)) = user {
        end(&state, &account, &credential).await?;
    }
    Ok((
        [(header::SET_COOKIE, clear_session_cookie())],
        Redirect::to("/"),
    )
        .into_response())
}

#[derive(Debug)]
struct TokenRow {
    id: i64,
    label: String,
    created: String,
    revoked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    name: String,
    email: String,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct AccountQuery {
    done: Option<String>,
}

async fn account_page(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<AccountQuery>,
) -> Result<AccountPage, PageError> {
    let message = match q.done.as_deref() {
        Some("password") => {
            Some("Your password was changed; other devices were logged out.".to_owned())
        }
        Some("revoked") => Some("The token was revoked.".to_owned()),
        _ => None,
    };
    account_view(&state, &user.account, None, message, None).await
}

async fn account_view(
    state: &AppState,
    account: &Account,
    new_token: Option<String>,
    message: Option<String>,
    error: Option<String>,
) -> Result<AccountPage, PageError> {
    let tokens = state.store.api_tokens(account.id).await?;
    Ok(AccountPage {
        name: account.name.clone(),
        email: account.email.clone(),
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                label: t.label,
                created: t.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
        new_token,
        message,
        error,
    })
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
}

async fn password_form(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<PasswordForm>,
) -> Response {
    let keep = match &user.credential {
        Credential::Session(d) => Some(d.clone()),
        Credential::Token(_) => None,
    };
    match do_change_password(
        &state,
        &user.account,
        keep.as_deref(),
        &PasswordBody {
            current: f.current,
            new: f.new,
        },
    )
    .await
    {
        Ok(()) => Redirect::to("/account?done=password").into_response(),
        Err(e @ ApiError::Invalid { .. }) => {
            match account_view(&state, &user.account, None, None, Some(e.to_string())).await {
                Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    label: String,
}

async fn token_form(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<TokenForm>,
) -> Result<AccountPage, PageError> {
    let label =
        hallway_domain::text::required(&f.label, 100).unwrap_or_else(|_| "unnamed".to_owned());
    let token = new_token();
    state
        .store
        .create_api_token(user.account.id, &digest(&token), &label, state.clock.now())
        .await?;
    // The secret is shown once, on this response, and never stored.
    account_view(
        &state,
        &user.account,
        Some(token),
        Some(format!("Token \u{201c}{label}\u{201d} created.")),
        None,
    )
    .await
}

async fn revoke_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    state
        .store
        .revoke_api_token(user.account.id, Some(id), None, state.clock.now())
        .await?;
    Ok(Redirect::to("/account?done=revoked"))
}
