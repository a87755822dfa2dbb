//! The JSON API of this feature (documented in the OpenAPI document).

use super::{DoorDto, MachineDto, badge_of, door_dto, import_pool, post, scan_door};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, problem};
use crate::request::organizer_conference as organizer;
use crate::request::parse_id;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hallway_app::DoorStaff;
use hallway_domain::venue::{self, Direction};
use hallway_domain::{ConferenceId, RoomId, SessionId};
use hallway_store::LabOutcome;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_door))
        .routes(routes!(get_occupancy))
        .routes(routes!(post_lab, delete_lab, get_lab))
        .routes(routes!(get_pool, post_pool))
        .routes(routes!(post_announcement, get_announcements))
        .routes(routes!(get_venue_settings, put_venue_settings))
}

// ---------------------------------------------------------------------------------------
// Who may do what

async fn conference(state: &AppState, slug: &str) -> Result<ConferenceId, ApiError> {
    Ok(crate::request::published_id(state, slug).await?)
}

async fn door_staff(state: &AppState, slug: &str, user: &ApiUser) -> Result<DoorStaff, ApiError> {
    let c = conference(state, slug).await?;
    Ok(DoorStaff::prove(&state.store, user.account.clone(), c).await?)
}

// ---------------------------------------------------------------------------------------
// Doors

/// A scan at a door.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoorBody {
    /// The badge's short code (`ABCD-2345`) or what its QR code holds.
    code: String,
    /// `in` (check-in) or `out` (check-out at an exit).
    direction: DirectionDto,
}

/// Which way through the door.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectionDto {
    /// Entering.
    In,
    /// Leaving.
    Out,
}

impl From<DirectionDto> for Direction {
    fn from(d: DirectionDto) -> Self {
        match d {
            DirectionDto::In => Self::In,
            DirectionDto::Out => Self::Out,
        }
    }
}

/// Checks a badge in or out at a room's door (organizers and volunteers). The answer is
/// immediate; a refusal (`admitted: false`) changes nothing. The room's capacity is never
/// exceeded, however many doors scan at once.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/rooms/{id}/door", tag = "venue",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The room")),
    request_body = DoorBody,
    responses((status = 200, body = DoorDto),
        (status = 400, description = "`invalid` (field `code` or `direction`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]

async fn post_door(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<DoorDto>, ApiError> {
    let who = door_staff(&state, &slug, &user).await?;
    let room = RoomId::new(parse_id(&id, "room")?);
    let body: DoorBody = crate::request::parse_json(&body)?;
    let badge = badge_of(&body.code)?;
    let outcome = scan_door(&state, &who, room, badge, body.direction.into()).await?;
    Ok(Json(door_dto(&outcome)))
}

/// A room's count.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccupancyDto {
    room: i64,
    name: String,
    capacity: Option<u32>,
    occupancy: u32,
    /// The session the doors count for now.
    session: Option<i64>,
}

/// Every room's live count (organizers and volunteers).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/occupancy", tag = "venue",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = [OccupancyDto]),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]

async fn get_occupancy(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<Vec<OccupancyDto>>, ApiError> {
    let c = door_staff(&state, &slug, &user).await?.conference();
    Ok(Json(occupancy_dtos(&state, c).await?))
}

pub(super) async fn occupancy_dtos(
    state: &AppState,
    c: ConferenceId,
) -> Result<Vec<OccupancyDto>, ApiError> {
    Ok(state
        .store
        .occupancy(c, state.clock.now())
        .await?
        .into_iter()
        .map(|r| OccupancyDto {
            room: r.room.get(),
            name: r.name,
            capacity: r.capacity,
            occupancy: r.occupancy,
            session: r.session.map(SessionId::get),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Labs

/// The caller's machine in a lab.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabDto {
    machine: MachineDto,
}

fn lab_refusal(outcome: &LabOutcome) -> Option<Response> {
    let (status, slug, title, detail) = match outcome {
        LabOutcome::Started { .. } => return None,
        LabOutcome::NoneFree => (
            StatusCode::CONFLICT,
            "no-machine-free",
            "No machine free",
            "every machine of this lab is in use; ask the lab's staff",
        ),
        LabOutcome::NotOpen => (
            StatusCode::CONFLICT,
            "lab-not-open",
            "Lab not open",
            "the lab has not opened yet",
        ),
        LabOutcome::Over => (
            StatusCode::CONFLICT,
            "lab-over",
            "Lab over",
            "the lab is over and its machines were returned",
        ),
        LabOutcome::NotAttending => (
            StatusCode::FORBIDDEN,
            "not-attending",
            "Not attending",
            "reserve a seat in the lab or check in at its door first",
        ),
        LabOutcome::NotALab => (
            StatusCode::NOT_FOUND,
            "not-a-lab",
            "Not a lab",
            "this session is not a hands-on lab",
        ),
        LabOutcome::NoSuchSession => (
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            "there is no such session",
        ),
    };
    Some(problem(status, slug, title, detail.to_owned(), None))
}

/// Starts a hands-on lab: gives the caller a free machine of its pool and its access
/// details (201), or the one they hold already (200). Two starts at once never share a
/// machine, and nobody holds two.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/sessions/{id}/lab", tag = "venue",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The lab session")),
    responses((status = 201, description = "A machine was handed out", body = LabDto),
        (status = 200, description = "The machine you hold already", body = LabDto),
        (status = 403, description = "`not-attending`: no seat and no check-in", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found` or `not-a-lab`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no-machine-free`, `lab-not-open` or `lab-over`", body = crate::error::Problem, content_type = "application/problem+json")))]

async fn post_lab(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let c = conference(&state, &slug).await?;
    let session = SessionId::new(parse_id(&id, "session")?);
    let who = hallway_app::Attendee::new(user.account.clone(), c);
    let outcome = hallway_app::venue::start_lab(state.context(), &who, session).await?;
    if let Some(refusal) = lab_refusal(&outcome) {
        return Ok(refusal);
    }
    let LabOutcome::Started { machine, new } = outcome else {
        return Err(ApiError::Internal("unexpected lab outcome".into()));
    };
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(LabDto {
            machine: (&machine).into(),
        }),
    )
        .into_response())
}

/// The caller's machine in a lab (404 when they hold none).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/sessions/{id}/lab", tag = "venue",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The lab session")),
    responses((status = 200, body = LabDto),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]

async fn get_lab(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<LabDto>, ApiError> {
    let c = conference(&state, &slug).await?;
    let session = SessionId::new(parse_id(&id, "session")?);
    let machine = state
        .store
        .lab_machine(c, session, user.account.id, state.clock.now())
        .await?
        .ok_or_else(|| ApiError::NotFound("You hold no machine in this lab.".into()))?;
    Ok(Json(LabDto {
        machine: (&machine).into(),
    }))
}

/// Finishes the lab: returns the caller's machine to the pool and earns the lab's points
/// (once). 204 also when they held none.
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/sessions/{id}/lab", tag = "venue",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The lab session")),
    responses((status = 204, description = "Returned (or none was held)")))]

async fn delete_lab(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let c = conference(&state, &slug).await?;
    let session = SessionId::new(parse_id(&id, "session")?);
    let who = hallway_app::Attendee::new(user.account.clone(), c);
    hallway_app::venue::finish_lab(state.context(), &who, session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A machine of a pool, for organizers.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolMachineDto {
    #[serde(flatten)]
    machine: MachineDto,
    /// The account name of who holds it (null: free).
    holder: Option<String>,
    /// Since when (RFC 3339).
    claimed_at: Option<String>,
}

/// A lab's machine pool (organizers).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/sessions/{id}/machines", tag = "venue",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The lab session")),
    responses((status = 200, body = [PoolMachineDto]),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]

async fn get_pool(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<Vec<PoolMachineDto>>, ApiError> {
    let c = organizer(&state, &slug, &user.account).await?.conference();
    let session = SessionId::new(parse_id(&id, "session")?);
    let pool = state.store.lab_pool(c, session, state.clock.now()).await?;
    Ok(Json(
        pool.iter()
            .map(|m| PoolMachineDto {
                machine: (&m.machine).into(),
                holder: m.holder.as_ref().map(|h| h.1.clone()),
                claimed_at: m.claimed_at.map(|t| t.to_rfc3339()),
            })
            .collect(),
    ))
}

/// How many machines an import added or updated.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedDto {
    imported: usize,
}

/// Adds machines to a lab's pool from CSV (organizers): a header with `name`, `address`,
/// `username`, `secret`, then one machine a line. A machine already in the pool (by name)
/// gets the new details. A mistake anywhere imports nothing and names its line and column.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/sessions/{id}/machines", tag = "venue",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The lab session")),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportedDto),
        (status = 400, description = "`invalid`: the line and column at fault", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]

async fn post_pool(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<ImportedDto>, ApiError> {
    let c = organizer(&state, &slug, &user.account).await?.conference();
    let session = SessionId::new(parse_id(&id, "session")?);
    let imported = import_pool(&state, &user.account, c, session, &body).await?;
    Ok(Json(ImportedDto { imported }))
}

// ---------------------------------------------------------------------------------------
// Announcements

/// A new announcement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementBody {
    /// 1 to 1,000 characters.
    text: String,
    /// `everyone`, `room:{id}` (the people checked into the room) or `session:{id}` (its
    /// attendees: reserved or checked in).
    audience: String,
}

/// An announcement.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnnouncementDto {
    id: i64,
    text: String,
    audience: String,
    /// RFC 3339.
    at: String,
}

fn announcement_dto(a: &hallway_store::Announcement) -> AnnouncementDto {
    AnnouncementDto {
        id: a.id,
        text: a.text.clone(),
        audience: a.audience.to_text(),
        at: a.at.to_rfc3339(),
    }
}

/// Posts an announcement (organizers); delivered live to its audience and kept in the feed.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/announcements", tag = "venue",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = AnnouncementBody,
    responses((status = 201, body = AnnouncementDto),
        (status = 400, description = "`invalid` (field `text` or `audience`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]

async fn post_announcement(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<AnnouncementDto>), ApiError> {
    let who = organizer(&state, &slug, &user.account).await?;
    let body: AnnouncementBody = crate::request::parse_json(&body)?;
    let posted = post(&state, &who, &body.text, &body.audience).await?;
    Ok((StatusCode::CREATED, Json(announcement_dto(&posted))))
}

/// The latest 100 announcements, newest first.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/announcements", tag = "venue",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = [AnnouncementDto])))]

async fn get_announcements(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Vec<AnnouncementDto>>, ApiError> {
    let c = conference(&state, &slug).await?;
    let list = state.store.announcements(c, 100).await?;
    Ok(Json(list.iter().map(announcement_dto).collect()))
}

// ---------------------------------------------------------------------------------------
// Settings

/// A conference's door settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VenueSettingsDto {
    /// Minutes after a session's start during which seats of attendees who reserved and
    /// have not arrived are held for them (0 to 240).
    reserved_minutes: u32,
    /// Minutes before a session's start from which its doors count for it (0 to 240).
    doors_open_minutes: u32,
    /// Whether a room's count starts again at 0 when the next session's doors open.
    reset_between: bool,
}

impl From<venue::VenueSettings> for VenueSettingsDto {
    fn from(s: venue::VenueSettings) -> Self {
        Self {
            reserved_minutes: s.reserved_minutes,
            doors_open_minutes: s.doors_open_minutes,
            reset_between: s.reset_between,
        }
    }
}

/// The conference's door settings (organizers).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/venue", tag = "venue",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = VenueSettingsDto),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]

async fn get_venue_settings(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<VenueSettingsDto>, ApiError> {
    let c = organizer(&state, &slug, &user.account).await?.conference();
    Ok(Json(state.store.venue_settings(c).await?.into()))
}

/// Changes the door settings (organizers); counts already kept are not touched.
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/venue", tag = "venue",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = VenueSettingsDto,
    responses((status = 200, body = VenueSettingsDto),
        (status = 400, description = "`invalid`, naming the field", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]

async fn put_venue_settings(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<VenueSettingsDto>, ApiError> {
    let who = organizer(&state, &slug, &user.account).await?;
    let body: VenueSettingsDto = crate::request::parse_json(&body)?;
    let settings = venue::VenueSettings {
        reserved_minutes: body.reserved_minutes,
        doors_open_minutes: body.doors_open_minutes,
        reset_between: body.reset_between,
    }
    .validate()
    .map_err(|e| ApiError::Invalid {
        field: match e {
            venue::VenueSettingsError::TooLong(f) => f,
            _ => "body",
        },
        message: format!("at most {} minutes", venue::MAX_VENUE_MINUTES),
    })?;
    hallway_app::venue::set_door_rules(state.context(), &who, &settings).await?;
    Ok(Json(settings.into()))
}
