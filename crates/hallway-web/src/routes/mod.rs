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

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

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
        .merge(OpenApiRouter::from(dashboard::router()))
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
