//! The API's answers are problem documents, whoever refuses: a route's own errors already
//! are, and this layer turns what axum answers by itself under `/api/` — an unknown method
//! (405), a body over the limit (413), a query string that does not parse (400), a media
//! type a route does not take (415) — from plain text into `application/problem+json` with
//! the same status and axum's words as the detail.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::problem;

/// The longest plain-text answer read back to become a detail.
const MAX_DETAIL: usize = 4096;

fn slug_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        s if s.is_server_error() => "internal",
        _ => "invalid",
    }
}

/// Rewrites a non-problem error answer of an `/api/` route as a problem document.
pub async fn api_problems(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_DETAIL)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let reason = status.canonical_reason().unwrap_or("Error");
    let detail = if text.is_empty() {
        format!("{reason}.")
    } else {
        text
    };
    let mut rewritten = problem(status, slug_of(status), reason, detail, None);
    // What the answer said besides its body stays (Allow on a 405, Retry-After).
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&name) {
            rewritten.headers_mut().insert(name, v.clone());
        }
    }
    rewritten
}
