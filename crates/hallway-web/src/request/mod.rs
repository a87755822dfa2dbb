//! What every route needs from a request before its own work, shared below the routes so
//! that no route module imports another: the JSON body ([`ApiJson`]), typed path ids, the
//! conference a request is about with the one rule of who may see it, and the organizer
//! guard.

mod conference;
mod form;
mod json;
mod path;
mod rejections;

pub use conference::{
    Loaded, OrganizedApi, detail, ensure_visible, is_organizer, load, organized,
    organizer_conference, parse_id, published_id,
};
pub use form::PageForm;
pub use json::{ApiJson, parse_json};
pub use path::{ApiPath, PagePath};
pub use rejections::api_problems;

/// The media type of a request's body (`Content-Type` without parameters, lowercase).
fn media_type(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}
