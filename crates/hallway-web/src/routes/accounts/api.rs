//! The JSON API of this feature (documented in the OpenAPI document).

use super::{
    LoginBody, PasswordBody, SignupBody, With, do_change_password, do_login, do_signup, end,
};
use crate::AppState;
use crate::auth::{ApiUser, ClientIp, clear_session_cookie, digest, new_token, session_cookie};
use crate::error::ApiError;
use crate::request::{ApiJson, ApiPath};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hallway_store::Account;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
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

/// Creates an account. Answers an API token and sets a log-in cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/signup",
    tag = "accounts",
    request_body = SignupBody,
    responses(
        (status = 201, body = TokenDto),
        (status = 400, description = "A field is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email has an account", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many sign-ups from this address", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being checked at once (`Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn signup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignupBody>,
) -> Result<Response, ApiError> {
    let (account, session, token) = do_signup(&state, &body, ip, With::Token).await?;
    let token = token.ok_or_else(|| ApiError::Internal("a sign-up without its token".into()))?;
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

/// Logs in. Answers a new API token and sets a log-in cookie. After five wrong passwords
/// for one account from one address, that address waits before trying that account again
/// (30 seconds after the latest failure, doubling up to 15 minutes; 429 with `Retry-After`);
/// other addresses are not slowed. Attempts per address are also limited, generously.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "accounts",
    request_body = LoginBody,
    responses(
        (status = 200, body = TokenDto),
        (status = 401, description = "Wrong email or password", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being checked at once (`Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let (account, session, token) = do_login(&state, &body, ip, With::Token).await?;
    let token = token.ok_or_else(|| ApiError::Internal("a log-in without its token".into()))?;
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

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = UserDto), (status = 401, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn me(user: ApiUser) -> Json<UserDto> {
    Json(UserDto::from(&user.account))
}

/// What a password change ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordChangedDto {
    /// Log-in sessions of the account that ended (all but the one making the request).
    sessions_ended: u64,
    /// API tokens of the account that were revoked (all but the one making the request).
    tokens_revoked: u64,
}

/// Changes the password. Every other log-in session of the account ends and every other
/// API token is revoked; the session or token making the request stays. The answer says
/// how many.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "accounts", request_body = PasswordBody,
    responses((status = 200, body = PasswordChangedDto), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn change_password(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<PasswordBody>,
) -> Result<Json<PasswordChangedDto>, ApiError> {
    let done = do_change_password(&state, &user.account, &user.credential, &body).await?;
    Ok(Json(PasswordChangedDto {
        sessions_ended: done.sessions_ended,
        tokens_revoked: done.tokens_revoked,
    }))
}

/// An API token as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfoDto {
    id: i64,
    label: String,
    created_at: chrono::DateTime<chrono::Utc>,
    revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it stops working; null: when revoked.
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it was last used (to the minute); null: never.
    last_used_at: Option<chrono::DateTime<chrono::Utc>>,
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
                expires_at: t.expires_at,
                last_used_at: t.last_used_at,
            })
            .collect(),
    ))
}

/// A new token: what it is for, and until when it works.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTokenBody {
    label: String,
    /// When it stops working (RFC 3339, in the future, at most five years ahead); absent:
    /// when revoked.
    #[serde(default)]
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Issues a new API token.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "accounts", request_body = NewTokenBody, responses((status = 201, body = TokenDto)))]
async fn create_token(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> Result<(StatusCode, Json<TokenDto>), ApiError> {
    let token = new_token();
    hallway_app::accounts::create_token(
        state.context(),
        &user.account,
        &body.label,
        body.expires_at,
        &digest(&token),
    )
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
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    hallway_app::accounts::revoke_token(state.context(), &user.account, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
