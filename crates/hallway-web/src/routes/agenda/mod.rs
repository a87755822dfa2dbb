//! The personal agenda: `GET/PUT/DELETE /api/v1/conferences/{slug}/agenda[/{id}]` and the
//! pages' forms (`POST /c/{slug}/agenda/{id}`, `/c/{slug}/agenda`). The rules live in the
//! domain and the store; this module maps their outcomes to HTTP.

mod api;
mod pages;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::ApiError;

pub fn router() -> OpenApiRouter<AppState> {
    api::router().merge(pages::router())
}

/// The feed URL of `user` for conference `slug` (made on first use).
async fn calendar_url(
    state: &AppState,
    slug: &str,
    user: hallway_domain::UserId,
) -> Result<String, ApiError> {
    let key = state
        .store
        .calendar_key(user, &crate::auth::new_token())
        .await?;
    Ok(format!("/c/{slug}/agenda.ics?key={key}"))
}
