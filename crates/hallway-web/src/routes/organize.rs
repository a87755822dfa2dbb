//! Organizer tools that the agenda depends on: changing a session's capacity (API and the
//! form on the session page). Only a conference's organizers and site admins may.

use crate::request::PageForm;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Redirect;
use hallway_domain::{Capacity, SessionId};
use hallway_store::Account;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{ApiUser, PageUser};
use crate::error::{ApiError, PageError};
use crate::request::ApiJson;
use crate::request::parse_id;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_capacity))
        .routes(routes!(set_settings))
        .route(
            "/c/{slug}/sessions/{id}/capacity",
            axum::routing::post(capacity_form),
        )
}

/// A new capacity.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CapacityBody {
    /// Seats (1 to 1,000,000), or null to use the room's capacity again.
    capacity: Option<i64>,
}

/// The capacity after the change.
#[derive(Debug, Serialize, ToSchema)]
pub struct CapacityResult {
    /// The session's capacity now (null = unlimited).
    capacity: Option<u32>,
    /// How many waiting attendees got a seat because of the change.
    promoted: usize,
}

async fn apply(
    state: &AppState,
    account: &Account,
    slug: &str,
    id: &str,
    capacity: Option<i64>,
) -> Result<CapacityResult, ApiError> {
    let (_, who) = crate::request::organized(state, account, slug).await?;
    let id = parse_id(id, "session")?;
    let capacity = capacity
        .map(|c| {
            Capacity::new(c).map_err(|e| ApiError::Invalid {
                field: "capacity",
                message: e.to_string(),
            })
        })
        .transpose()?;
    let cmd = hallway_app::agenda::SetCapacity {
        session: SessionId::new(id),
        capacity,
    };
    let promoted = hallway_app::agenda::set_capacity(state.context(), &who, cmd).await?;
    let now = state
        .store
        .session(who.conference(), SessionId::new(id))
        .await?;
    Ok(CapacityResult {
        capacity: now.and_then(|s| s.seats.capacity()).map(Capacity::get),
        promoted: promoted.len(),
    })
}

/// Changes a session's capacity (organizers). Raising it promotes waiting attendees at once;
/// lowering it below the seats taken keeps everyone in and admits nobody new until the count
/// is below the new capacity.
#[utoipa::path(
    put,
    path = "/api/v1/conferences/{slug}/sessions/{id}/capacity",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The session's id")),
    request_body = CapacityBody,
    responses(
        (status = 200, body = CapacityResult),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn set_capacity(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<CapacityBody>,
) -> Result<(StatusCode, Json<CapacityResult>), ApiError> {
    Ok((
        StatusCode::OK,
        Json(apply(&state, &user.account, &slug, &id, body.capacity).await?),
    ))
}

#[derive(Debug, Deserialize)]
struct CapacityForm {
    /// Empty: the room's capacity.
    capacity: String,
}

async fn capacity_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
    PageForm(f): PageForm<CapacityForm>,
) -> Result<Redirect, PageError> {
    let capacity = match f.capacity.trim() {
        "" => None,
        n => Some(n.parse::<i64>().unwrap_or(0)),
    };
    match apply(&state, &user.account, &slug, &id, capacity).await {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/sessions/{id}"))),
        Err(ApiError::Invalid { message, .. }) => Err(PageError::Invalid(message)),
        Err(ApiError::Forbidden(m)) => Err(PageError::Forbidden(m)),
        Err(e) => Err(PageError::from(e)),
    }
}

/// Conference settings organizers change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SettingsDto {
    /// Minutes after a session's start during which attendees may still change their agenda
    /// for it (0 to 240).
    agenda_grace_minutes: u32,
}

/// Changes conference settings (organizers).
#[utoipa::path(
    put,
    path = "/api/v1/conferences/{slug}/settings",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = SettingsDto,
    responses(
        (status = 200, body = SettingsDto),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn set_settings(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<SettingsDto>,
) -> Result<Json<SettingsDto>, ApiError> {
    let (_, who) = crate::request::organized(&state, &user.account, &slug).await?;
    let conference = who.conference();
    hallway_app::organize::set_agenda_grace(state.context(), &who, body.agenda_grace_minutes)
        .await?;
    Ok(Json(SettingsDto {
        agenda_grace_minutes: state.store.agenda_grace(conference).await?,
    }))
}
