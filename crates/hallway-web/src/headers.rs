//! Security headers on every answer: a Content-Security-Policy that runs only the server's
//! own scripts (none inline) and lets no other site frame a page (so a page elsewhere
//! cannot frame `/c/{slug}/card` and trick a click on "Rotate"), `nosniff`, a referrer
//! policy that keeps paths with secrets (invitations, calendar feeds) on this site, a
//! permissions policy that allows the camera only on a door's scanning page, and HSTS when
//! the site is served over https.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// Scripts and styles from this server only (styles may be inline: a few templates set
/// a width); images also from anywhere (conference logos, speaker photos are links).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: https: http:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const NO_DEVICES: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
const DOOR_CAMERA: &str = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()";

/// Whether `path` is a door's scanning page (`/c/{slug}/rooms/{id}/door`).
fn is_door_page(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(parts.as_slice(), ["c", _, "rooms", _, "door"])
}

/// Adds the headers to whatever the routes answered.
pub async fn secure(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // The path as the client sent it (a nested router sees the rest of it only).
    let door = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| request.uri().path(), |o| o.0.path());
    let door = is_door_page(door);
    let https = state.public_url(request.headers()).starts_with("https://");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "same-origin");
    set(
        HeaderName::from_static("permissions-policy"),
        if door { DOOR_CAMERA } else { NO_DEVICES },
    );
    if https {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::is_door_page;

    #[test]
    fn only_a_door_page_is_a_door_page() {
        assert!(is_door_page("/c/demo/rooms/3/door"));
        assert!(is_door_page("/c/demo/rooms/3/door/"));
        assert!(!is_door_page("/c/demo/rooms/3"));
        assert!(!is_door_page("/api/v1/conferences/demo/rooms/3/door"));
        assert!(!is_door_page("/c/demo/card"));
    }
}
