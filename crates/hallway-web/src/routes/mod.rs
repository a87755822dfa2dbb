//! Every route of the application, one module per resource. Each module's `router()` holds
//! its JSON API routes (documented in the OpenAPI document) and its pages.

mod accounts;
mod agenda;
mod dashboard;
mod directory;
mod feedback;
mod home;
mod networking;
mod ops;
mod organize;
mod program;
mod schedule;
mod venue;
mod workspace;
mod workspace_pages;

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub(crate) use program::SessionJson;

use crate::AppState;
use crate::error::{not_found_page, problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hallway API",
        description = "The conference directory, programs and (in later versions) personal \
                       agendas of a hallway server. Errors are RFC 9457 problem+json documents \
                       whose `type` ends in a stable slug.",
        license(name = "AGPL-3.0-or-later")
    ),
    tags(
        (name = "directory", description = "Conferences worth attending, by region and month"),
        (name = "program", description = "A conference's rooms, tracks, sessions and speakers"),
        (name = "accounts", description = "Sign-up, log-in, tokens"),
        (name = "agenda", description = "The personal agenda: reserved seats and waitlists"),
        (name = "networking", description = "Contact cards, badge-scan exchange, contacts, points, levels and the leaderboard"),
        (name = "feedback", description = "Session ratings and comments"),
        (name = "organizing", description = "Organizer tools"),
        (name = "venue", description = "Room doors, hands-on lab machines and announcements"),
        (name = "operations", description = "Health and metrics")
    )
)]
struct ApiDoc;

/// All routes; the API ones carry their OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(home::router())
        .merge(accounts::router())
        .merge(agenda::router())
        .merge(networking::router())
        .merge(feedback::router())
        .merge(directory::router())
        .merge(program::router())
        .merge(ops::router())
        .merge(organize::router())
        .merge(schedule::router())
        .merge(venue::router())
        .merge(workspace::router())
        .merge(OpenApiRouter::from(workspace_pages::router()))
        .merge(OpenApiRouter::from(dashboard::router()))
}

/// Parses a JSON body; a malformed one is `invalid` naming the field serde reports (or
/// `body`), so clients learn what to fix.
fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, crate::error::ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        crate::error::ApiError::Invalid {
            field: match path.split('.').next().unwrap_or("") {
                "code" => "code",
                "rating" => "rating",
                "comment" => "comment",
                "name" => "name",
                "company" => "company",
                "role" => "role",
                "socials" => "socials",
                "note" => "note",
                "my_note" => "my_note",
                "share" => "share",
                "exchange" => "exchange",
                "leaderboard" => "leaderboard",
                "hidden" => "hidden",
                "email" => "email",
                "points" => "points",
                "hourly_cap" => "hourly_cap",
                "min_ratings" => "min_ratings",
                "levels" => "levels",
                "direction" => "direction",
                "text" => "text",
                "audience" => "audience",
                "reserved_minutes" => "reserved_minutes",
                "doors_open_minutes" => "doors_open_minutes",
                "reset_between" => "reset_between",
                _ => "body",
            },
            message: e.inner().to_string(),
        }
    })
}

/// Anything no route matched: problem+json under `/api/`, the 404 page elsewhere.
pub async fn fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        problem(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            format!("there is no API route {}", uri.path()),
            None,
        )
    } else {
        not_found_page(format!("There is no page at {}.", uri.path())).into_response()
    }
}
