//! Errors as clients see them: RFC 9457 problem+json on the API, a rendered page on HTML
//! routes. Internal causes are logged once, here, and never sent to the client.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use hallway_store::StoreError;
use serde::Serialize;

/// An error of a JSON API route.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Occurs when the addressed resource does not exist; the text names it.
    #[error("{0}")]
    NotFound(String),
    /// Occurs when a query parameter or body field is invalid.
    #[error("{field}: {message}")]
    Invalid {
        /// Which field or parameter.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Occurs when a JSON body cannot be read as the route's type: `field` is the path
    /// of the value at fault (`body` for the whole), `line` and `column` where reading
    /// stopped (1-based; 0 when the body was not read at all).
    #[error("{field}: {message}")]
    Malformed {
        /// The path of the field, as `speakers[2].name`.
        field: String,
        /// The line in the body.
        line: usize,
        /// The column in the line.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Occurs when the request carries no valid credentials; the text says what to send.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Occurs when the caller lacks the role the route needs.
    #[error("{0}")]
    Forbidden(String),
    /// Occurs when too many log-in attempts were made; holds the seconds to wait.
    #[error("too many attempts; try again in {0} s")]
    RateLimited(u64),
    /// Occurs when the server is at its limit of work of this kind (passwords being
    /// checked); holds the seconds to wait.
    #[error("too busy right now; try again in {0} s")]
    Busy(u64),
    /// Occurs when a request clashes with the state (a taken email, a started session).
    #[error("{0}")]
    Conflict(String),
    /// Occurs when something other than the store fails inside the server.
    #[error("internal: {0}")]
    Internal(String),
    /// Occurs when the store fails.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type; its last segment is a stable slug
    /// (`not-found`, `invalid`, `conflict`, `full`, `internal`).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this case.
    pub detail: String,
    /// For `invalid`: the field or parameter at fault (a path such as `speakers[2].name`
    /// for a JSON body; a malformed body also carries `line` and `column`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Adds `Retry-After: wait` (seconds) to `r`.
pub fn with_retry_after(r: &mut Response, wait: u64) {
    if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

/// Builds a problem response of `status` with the type slug `slug`.
pub fn problem(
    status: StatusCode,
    slug: &str,
    title: &str,
    detail: String,
    field: Option<&str>,
) -> Response {
    problem_with(status, slug, title, detail, field, serde_json::Map::new())
}

/// A problem response with extension members (`conflicts`, `seats_left`, …).
pub fn problem_with(
    status: StatusCode,
    slug: &str,
    title: &str,
    detail: String,
    field: Option<&str>,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Response {
    let body = Problem {
        problem_type: format!("/problems/{slug}"),
        title: title.to_owned(),
        status: status.as_u16(),
        detail,
        field: field.map(str::to_owned),
    };
    let mut value = serde_json::to_value(&body).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.extend(extra);
    }
    let json = serde_json::to_vec(&value).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json,
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound(what) => {
                problem(StatusCode::NOT_FOUND, "not-found", "Not found", what, None)
            }
            Self::Invalid { field, message } => problem(
                StatusCode::BAD_REQUEST,
                "invalid",
                "Invalid request",
                format!("{field}: {message}"),
                Some(field),
            ),
            Self::Malformed {
                field,
                line,
                column,
                message,
            } => {
                let mut extra = serde_json::Map::new();
                if line > 0 {
                    extra.insert("line".into(), line.into());
                    extra.insert("column".into(), column.into());
                }
                let at = if line > 0 {
                    format!(" (line {line}, column {column})")
                } else {
                    String::new()
                };
                problem_with(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    "Invalid request",
                    format!("{field}: {message}{at}"),
                    Some(&field),
                    extra,
                )
            }
            Self::Unauthorized(why) => problem(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Not logged in",
                why.to_owned(),
                None,
            ),
            Self::Forbidden(why) => {
                problem(StatusCode::FORBIDDEN, "forbidden", "Forbidden", why, None)
            }
            Self::RateLimited(wait) => {
                let mut r = problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "Too many attempts",
                    format!("Too many attempts from here; try again in {wait} s."),
                    None,
                );
                with_retry_after(&mut r, wait);
                r
            }
            Self::Busy(wait) => {
                let mut r = problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "Too busy right now",
                    format!("Too many passwords are being checked at once; try again in {wait} s."),
                    None,
                );
                with_retry_after(&mut r, wait);
                r
            }
            Self::Conflict(message) | Self::Store(StoreError::Conflict(message)) => {
                problem(StatusCode::CONFLICT, "conflict", "Conflict", message, None)
            }
            Self::Internal(cause) => {
                tracing::error!(%cause, "internal failure on an API route");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "The server could not complete the request; it has been logged.".to_owned(),
                    None,
                )
            }
            Self::Store(e) => {
                tracing::error!(error = ?e, "store failure on an API route");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "The server could not complete the request; it has been logged.".to_owned(),
                    None,
                )
            }
        }
    }
}

/// An error of an HTML route: rendered as a page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Occurs when the page's subject does not exist; the text names it.
    #[error("{0}")]
    NotFound(String),
    /// Occurs when the store fails.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Occurs when something other than the store fails inside the server.
    #[error("internal: {0}")]
    Internal(String),
    /// Occurs when a form value is invalid; the text says which and why.
    #[error("{0}")]
    Invalid(String),
    /// Occurs when the visitor lacks the role the page needs.
    #[error("{0}")]
    Forbidden(String),
    /// Occurs when the change cannot be made as things stand; the text says why.
    #[error("{0}")]
    Conflict(String),
    /// Occurs when the server is too busy to do this now; holds the seconds to wait.
    #[error("too busy right now; try again in {0} s")]
    Busy(u64),
}

impl From<hallway_app::AppError> for ApiError {
    fn from(e: hallway_app::AppError) -> Self {
        use hallway_app::AppError as E;
        match e {
            E::Denied(m) => Self::Forbidden(m),
            E::NotFound(m) => Self::NotFound(m),
            E::Conflict(m) => Self::Conflict(m),
            E::Unauthenticated(m) => Self::Unauthorized(m),
            E::Throttled(s) => Self::RateLimited(s),
            E::Busy(s) => Self::Busy(s),
            E::Invalid { field, message } => Self::Invalid { field, message },
            E::Store(e) => Self::Store(e),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<hallway_app::AppError> for PageError {
    fn from(e: hallway_app::AppError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound(what) => Self::NotFound(what),
            ApiError::Store(e) => Self::Store(e),
            ApiError::Invalid { field, message } => Self::Invalid(format!("{field}: {message}")),
            ApiError::Malformed { field, message, .. } => {
                Self::Invalid(format!("{field}: {message}"))
            }
            ApiError::Forbidden(m) => Self::Forbidden(m),
            ApiError::Conflict(m) => Self::Conflict(m),
            ApiError::Busy(s) => Self::Busy(s),
            other => Self::Internal(other.to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    heading: &'static str,
    detail: String,
}

impl ErrorPage {
    fn render_with(self, status: StatusCode) -> Response {
        match self.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "rendering the error page failed");
                (status, "error").into_response()
            }
        }
    }
}

/// The HTML 404 page for `detail`.
pub fn not_found_page(detail: String) -> Response {
    ErrorPage {
        status: 404,
        heading: "Not found",
        detail,
    }
    .render_with(StatusCode::NOT_FOUND)
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound(what) => not_found_page(what),
            Self::Invalid(detail) => ErrorPage {
                status: 400,
                heading: "That did not work",
                detail,
            }
            .render_with(StatusCode::BAD_REQUEST),
            Self::Forbidden(detail) => ErrorPage {
                status: 403,
                heading: "Not allowed",
                detail,
            }
            .render_with(StatusCode::FORBIDDEN),
            Self::Store(StoreError::Conflict(detail)) | Self::Conflict(detail) => ErrorPage {
                status: 409,
                heading: "Not possible right now",
                detail,
            }
            .render_with(StatusCode::CONFLICT),
            Self::Busy(wait) => {
                let mut r = ErrorPage {
                    status: 503,
                    heading: "Too busy right now",
                    detail: format!(
                        "Many people are signing in at once. Try again in {wait} seconds."
                    ),
                }
                .render_with(StatusCode::SERVICE_UNAVAILABLE);
                with_retry_after(&mut r, wait);
                r
            }
            Self::Internal(cause) => {
                tracing::error!(%cause, "internal failure on a page");
                ErrorPage {
                    status: 500,
                    heading: "Something went wrong",
                    detail: "The server could not show this page; the problem has been logged."
                        .to_owned(),
                }
                .render_with(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Self::Store(e) => {
                tracing::error!(error = ?e, "store failure on a page");
                ErrorPage {
                    status: 500,
                    heading: "Something went wrong",
                    detail: "The server could not show this page; the problem has been logged."
                        .to_owned(),
                }
                .render_with(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

/// What a panic in a handler turns into: a plain 500 without the panic's text.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Internal error",
        "The server could not complete the request; it has been logged.".to_owned(),
        None,
    )
}
