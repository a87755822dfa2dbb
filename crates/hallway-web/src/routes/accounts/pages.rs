//! The pages and forms of this feature.

use super::{
    LoginBody, PasswordBody, SignupBody, With, do_change_password, do_login, do_signup, end,
};
use crate::AppState;
use crate::auth::{
    ClientIp, MaybeUser, PageUser, clear_session_cookie, digest, new_token, session_cookie,
};
use crate::error::{ApiError, PageError};
use crate::request::PageForm;
use crate::request::PagePath;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hallway_store::Account;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
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

/// The sign-up or log-in form again, saying why it did not work (with `Retry-After` when
/// the answer is to wait); `None` for errors a form cannot explain.
fn form_again(e: &ApiError, page: LoginPage) -> Option<Response> {
    let (status, wait) = match e {
        ApiError::Invalid { .. } | ApiError::Conflict(_) => {
            (StatusCode::UNPROCESSABLE_ENTITY, None)
        }
        ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, None),
        ApiError::RateLimited(w) => (StatusCode::TOO_MANY_REQUESTS, Some(*w)),
        ApiError::Busy(w) => (StatusCode::SERVICE_UNAVAILABLE, Some(*w)),
        _ => return None,
    };
    let mut r = (status, page).into_response();
    if let Some(v) = wait.and_then(|w| axum::http::HeaderValue::from_str(&w.to_string()).ok()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Some(r)
}

async fn signup_form(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    PageForm(f): PageForm<SignupForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let body = SignupBody {
        email: f.email.clone(),
        password: f.password,
        name: f.name.clone(),
    };
    match do_signup(&state, &body, ip, With::CookieOnly).await {
        Ok((_, session, _)) => logged_in(&session, &headers, &next),
        Err(e) => {
            let page = LoginPage {
                signup: true,
                next,
                email: f.email,
                name: f.name,
                error: Some(capitalise(&e.to_string())),
                user: None,
            };
            form_again(&e, page).unwrap_or_else(|| PageError::from(e).into_response())
        }
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
    PageForm(f): PageForm<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let body = LoginBody {
        email: f.email.clone(),
        password: f.password,
    };
    match do_login(&state, &body, ip, With::CookieOnly).await {
        Ok((_, session, _)) => logged_in(&session, &headers, &next),
        Err(e) => {
            let page = LoginPage {
                signup: false,
                next,
                email: f.email,
                name: String::new(),
                error: Some(capitalise(&e.to_string())),
                user: None,
            };
            form_again(&e, page).unwrap_or_else(|| PageError::from(e).into_response())
        }
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
    last_used: String,
    expires: String,
    revoked: bool,
    expired: bool,
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
    let now = state.clock.now();
    let when = |t: Option<chrono::DateTime<chrono::Utc>>, none: &str| {
        t.map_or_else(
            || none.to_owned(),
            |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
        )
    };
    Ok(AccountPage {
        name: account.name.clone(),
        email: account.email.clone(),
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                label: t.label,
                created: when(Some(t.created_at), ""),
                last_used: when(t.last_used_at, "never"),
                expires: when(t.expires_at, "never"),
                revoked: t.revoked_at.is_some(),
                expired: t.expires_at.is_some_and(|e| e <= now),
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
    PageForm(f): PageForm<PasswordForm>,
) -> Response {
    match do_change_password(
        &state,
        &user.account,
        &user.credential,
        &PasswordBody {
            current: f.current,
            new: f.new,
        },
    )
    .await
    {
        Ok(done) => {
            let message = format!(
                "Your password was changed: {} and {} ended.",
                count(done.sessions_ended, "other log-in", "other log-ins"),
                count(done.tokens_revoked, "API token", "API tokens"),
            );
            match account_view(&state, &user.account, None, Some(message), None).await {
                Ok(page) => page.into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e @ ApiError::Invalid { .. }) => {
            match account_view(&state, &user.account, None, None, Some(e.to_string())).await {
                Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    label: String,
    /// Days the token works; empty: until revoked.
    #[serde(default)]
    days: String,
}

async fn token_form(
    State(state): State<AppState>,
    user: PageUser,
    PageForm(f): PageForm<TokenForm>,
) -> Result<AccountPage, PageError> {
    let label = if f.label.trim().is_empty() {
        "unnamed"
    } else {
        &f.label
    };
    let expires_at = match f.days.trim() {
        "" => None,
        d => Some(
            d.parse::<u32>()
                .ok()
                .filter(|d| (1..=366).contains(d))
                .map(|d| state.clock.now() + chrono::Duration::days(i64::from(d)))
                .ok_or_else(|| PageError::Invalid(format!("{d:?} is not a number of days")))?,
        ),
    };
    let token = new_token();
    let (_, label) = hallway_app::accounts::create_token(
        state.context(),
        &user.account,
        label,
        expires_at,
        &digest(&token),
    )
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
    PagePath(id): PagePath<i64>,
) -> Result<Redirect, PageError> {
    // A token revoked already (a second click) is no error here.
    match hallway_app::accounts::revoke_token(state.context(), &user.account, id).await {
        Ok(()) | Err(hallway_app::AppError::NotFound(_)) => {
            Ok(Redirect::to("/account?done=revoked"))
        }
        Err(e) => Err(e.into()),
    }
}
