//! The venue (issue #10): room doors for volunteers' phones, hands-on lab machines, the
//! machine pools organizers import, and announcements. The rules and the invariants live in
//! hallway-domain and hallway-store (`venue`); this module authenticates, authorizes, parses
//! and answers; what changed reaches the live streams through the outbox (door counts,
//! announcements).

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hallway_domain::account::Role;
use hallway_domain::networking::ShortCode;
use hallway_domain::venue::{self, Audience, Direction, Machine};
use hallway_domain::{ConferenceId, RoomId, SessionId, SessionKind};
use hallway_store::{Account, DoorOutcome, LabOutcome, Target};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::program::{ConfHeader, detail};
use hallway_app::{DoorStaff, Organizer};

use crate::AppState;
use crate::auth::{ApiUser, PageUser};
use crate::error::{ApiError, PageError, problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_door))
        .routes(routes!(get_occupancy))
        .routes(routes!(post_lab, delete_lab, get_lab))
        .routes(routes!(get_pool, post_pool))
        .routes(routes!(post_announcement, get_announcements))
        .routes(routes!(get_venue_settings, put_venue_settings))
        .route(
            "/c/{slug}/rooms/{id}/door",
            axum::routing::get(door_page).post(door_form),
        )
        .route(
            "/c/{slug}/sessions/{id}/lab",
            axum::routing::get(lab_page).post(lab_form),
        )
        .route(
            "/c/{slug}/sessions/{id}/machines",
            axum::routing::get(pool_page).post(pool_form),
        )
        .route(
            "/c/{slug}/announcements",
            axum::routing::get(announcements_page).post(announcement_form),
        )
}

// ---------------------------------------------------------------------------------------
// Who may do what

async fn roles(
    state: &AppState,
    conference: ConferenceId,
    account: &Account,
) -> Result<Vec<Role>, ApiError> {
    Ok(state.store.roles(conference, account.id).await?)
}

/// Organizers, volunteers and site admins staff the doors.
async fn may_staff_doors(
    state: &AppState,
    conference: ConferenceId,
    account: &Account,
) -> Result<bool, ApiError> {
    Ok(account.is_admin
        || roles(state, conference, account)
            .await?
            .iter()
            .any(|r| matches!(r, Role::Organizer | Role::Volunteer)))
}

async fn conference(state: &AppState, slug: &str) -> Result<ConferenceId, ApiError> {
    super::agenda::conference_id(state, slug).await
}

async fn door_staff(state: &AppState, slug: &str, user: &ApiUser) -> Result<DoorStaff, ApiError> {
    let c = conference(state, slug).await?;
    Ok(DoorStaff::prove(&state.store, user.account.clone(), c).await?)
}

use super::organize::organizer_conference as organizer;

use super::program::parse_id;

/// A badge as a door reads it: the typed short code, or what the QR code holds (the URL
/// `…/c/{slug}/x/{token}` or the bare token).
fn badge_of(raw: &str) -> Result<Target, ApiError> {
    let raw = raw.trim();
    if let Some(i) = raw.rfind("/x/") {
        let token = raw[i + 3..].trim_end_matches('/');
        if !token.is_empty() && !token.contains('/') {
            return Ok(Target::Token(token.to_owned()));
        }
    }
    if let Ok(code) = ShortCode::parse(raw) {
        return Ok(Target::Code(code));
    }
    if raw.len() >= 20
        && raw.len() <= 200
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Ok(Target::Token(raw.to_owned()));
    }
    Err(ApiError::Invalid {
        field: "code",
        message: "not a badge code (ABCD-2345) or a badge QR code".into(),
    })
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

/// The door's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct DoorDto {
    /// Whether the person may pass.
    admitted: bool,
    /// Why: `reserved`, `walk_in`, `already_inside`, `checked_out` (passing), `full`,
    /// `held_for_reservations`, `unknown_badge`, `not_inside` (not passing, or nothing to do).
    reason: String,
    /// The reason in words, for the volunteer.
    message: String,
    /// People in the room after the scan.
    occupancy: u32,
    /// The room's capacity (null = unlimited).
    capacity: Option<u32>,
    /// The session the doors count for (null between sessions).
    session: Option<i64>,
    /// The badge holder's name on their card ("" when unknown).
    name: String,
}

fn door_dto(o: &DoorOutcome) -> DoorDto {
    DoorDto {
        admitted: o.reason.admitted(),
        reason: o.reason.as_str().to_owned(),
        message: o.reason.message().to_owned(),
        occupancy: o.occupancy,
        capacity: o.capacity,
        session: o.session.map(SessionId::get),
        name: o.name.clone(),
    }
}

async fn scan_door(
    state: &AppState,
    who: &DoorStaff,
    room: RoomId,
    badge: Target,
    direction: Direction,
) -> Result<DoorOutcome, ApiError> {
    // Every door of the room (on any instance) shows the same count: the scan writes it
    // to the outbox.
    let cmd = hallway_app::venue::Scan {
        room,
        badge,
        direction,
    };
    Ok(hallway_app::venue::scan_door(state.context(), who, cmd).await?)
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
    let body: DoorBody = super::parse_json(&body)?;
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

/// A lab machine and how to reach it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MachineDto {
    name: String,
    address: String,
    username: String,
    secret: String,
}

impl From<&Machine> for MachineDto {
    fn from(m: &Machine) -> Self {
        Self {
            name: m.name().to_owned(),
            address: m.address().to_owned(),
            username: m.username().to_owned(),
            secret: m.secret().to_owned(),
        }
    }
}

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
    let outcome = state
        .store
        .start_lab(c, session, user.account.id, state.clock.now())
        .await?;
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
    state
        .store
        .finish_lab(c, session, user.account.id, state.clock.now())
        .await?;
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
    let c = organizer(&state, &slug, &user.account).await?;
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

async fn import_pool(
    state: &AppState,
    c: ConferenceId,
    session: SessionId,
    bytes: &[u8],
) -> Result<usize, ApiError> {
    let machines = hallway_formats::machines::read(bytes).map_err(|e| ApiError::Invalid {
        field: "body",
        message: e.to_string(),
    })?;
    state
        .store
        .import_machines(c, session, &machines)
        .await?
        .ok_or_else(|| ApiError::NotFound("There is no such lab session.".into()))
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
    let c = organizer(&state, &slug, &user.account).await?;
    let session = SessionId::new(parse_id(&id, "session")?);
    let imported = import_pool(&state, c, session, &body).await?;
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

async fn post(
    state: &AppState,
    c: ConferenceId,
    author: &Account,
    text: &str,
    audience: &str,
) -> Result<hallway_store::Announcement, ApiError> {
    let who = Organizer::prove(&state.store, author.clone(), c).await?;
    let cmd = hallway_app::venue::Announce {
        text: text.to_owned(),
        audience: audience.to_owned(),
    };
    // Its audience hears of it through the outbox, written with it.
    Ok(hallway_app::venue::announce(state.context(), &who, cmd).await?)
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
    let c = organizer(&state, &slug, &user.account).await?;
    let body: AnnouncementBody = super::parse_json(&body)?;
    let posted = post(&state, c, &user.account, &body.text, &body.audience).await?;
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
    let c = organizer(&state, &slug, &user.account).await?;
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
    let c = organizer(&state, &slug, &user.account).await?;
    let body: VenueSettingsDto = super::parse_json(&body)?;
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
    state.store.set_venue_settings(c, &settings).await?;
    Ok(Json(settings.into()))
}

// ---------------------------------------------------------------------------------------
// Pages

#[derive(Template, WebTemplate)]
#[template(path = "door.html")]
struct DoorPage {
    conf: ConfHeader,
    room_id: i64,
    room: String,
    occupancy: u32,
    capacity: String,
    answer: Option<DoorDto>,
    error: String,
}

async fn door_page_of(
    state: &AppState,
    user: &PageUser,
    slug: &str,
    id: &str,
) -> Result<(DoorPage, ConferenceId, RoomId), PageError> {
    let d = detail(state, slug).await?;
    let c = d.conference.id;
    if !may_staff_doors(state, c, &user.account).await? {
        return Err(PageError::Forbidden(
            "Only the conference's organizers and volunteers staff its doors.".into(),
        ));
    }
    let id = parse_id(id, "room")?;
    let room = d
        .rooms
        .iter()
        .find(|r| r.id.get() == id)
        .ok_or_else(|| PageError::NotFound(format!("There is no room {id}.")))?;
    let occupancy = state
        .store
        .occupancy(c, state.clock.now())
        .await?
        .into_iter()
        .find(|r| r.room == room.id)
        .map_or(0, |r| r.occupancy);
    Ok((
        DoorPage {
            conf: ConfHeader::new(&d.conference),
            room_id: id,
            room: room.name.clone(),
            occupancy,
            capacity: room
                .capacity
                .map_or_else(|| "∞".to_owned(), |c| c.get().to_string()),
            answer: None,
            error: String::new(),
        },
        c,
        room.id,
    ))
}

async fn door_page(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<DoorPage, PageError> {
    Ok(door_page_of(&state, &user, &slug, &id).await?.0)
}

#[derive(Debug, Deserialize)]
struct DoorForm {
    code: String,
    direction: String,
}

/// The door without JavaScript: the form posts here and the page shows the answer.
async fn door_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<DoorForm>,
) -> Result<DoorPage, PageError> {
    let (mut page, c, room) = door_page_of(&state, &user, &slug, &id).await?;
    let direction = if f.direction == "out" {
        Direction::Out
    } else {
        Direction::In
    };
    match badge_of(&f.code) {
        Ok(badge) => {
            let who = DoorStaff::prove(&state.store, user.account.clone(), c).await?;
            let outcome = scan_door(&state, &who, room, badge, direction).await?;
            page.occupancy = outcome.occupancy;
            page.answer = Some(door_dto(&outcome));
        }
        Err(e) => page.error = e.to_string(),
    }
    Ok(page)
}

#[derive(Template, WebTemplate)]
#[template(path = "lab.html")]
struct LabPage {
    conf: ConfHeader,
    session_id: i64,
    title: String,
    machine: Option<MachineDto>,
    error: String,
    organizer: bool,
}

async fn lab_page_of(
    state: &AppState,
    user: &PageUser,
    slug: &str,
    id: &str,
) -> Result<(LabPage, ConferenceId, SessionId), PageError> {
    let d = detail(state, slug).await?;
    let c = d.conference.id;
    let id = SessionId::new(parse_id(id, "session")?);
    let session = state
        .store
        .session(c, id)
        .await?
        .filter(|s| s.info.kind == SessionKind::Lab)
        .ok_or_else(|| PageError::NotFound(format!("There is no lab {id}.")))?;
    let machine = state
        .store
        .lab_machine(c, id, user.account.id, state.clock.now())
        .await?;
    Ok((
        LabPage {
            conf: ConfHeader::new(&d.conference),
            session_id: id.get(),
            title: session.info.title.clone(),
            machine: machine.as_ref().map(MachineDto::from),
            error: String::new(),
            organizer: super::organize::is_organizer(state, c, &user.account).await?,
        },
        c,
        id,
    ))
}

async fn lab_page(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<LabPage, PageError> {
    Ok(lab_page_of(&state, &user, &slug, &id).await?.0)
}

#[derive(Debug, Deserialize)]
struct LabForm {
    /// `start` or `finish`.
    action: String,
}

async fn lab_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<LabForm>,
) -> Result<Response, PageError> {
    let (mut page, c, session) = lab_page_of(&state, &user, &slug, &id).await?;
    let now = state.clock.now();
    if f.action == "finish" {
        state
            .store
            .finish_lab(c, session, user.account.id, now)
            .await?;
    } else {
        let outcome = state
            .store
            .start_lab(c, session, user.account.id, now)
            .await?;
        if let LabOutcome::Started { .. } = outcome {
        } else {
            page.error = match outcome {
                LabOutcome::NoneFree => "Every machine of this lab is in use; ask the lab's staff.",
                LabOutcome::NotOpen => "The lab has not opened yet.",
                LabOutcome::Over => "The lab is over.",
                LabOutcome::NotAttending => {
                    "Reserve a seat in the lab or check in at its door first."
                }
                _ => "This is not a lab.",
            }
            .to_owned();
            return Ok(page.into_response());
        }
    }
    Ok(Redirect::to(&format!("/c/{slug}/sessions/{}/lab", session.get())).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "machines.html")]
struct PoolPage {
    conf: ConfHeader,
    session_id: i64,
    title: String,
    machines: Vec<PoolRow>,
    in_use: usize,
    error: String,
    imported: Option<usize>,
}

struct PoolRow {
    name: String,
    address: String,
    username: String,
    holder: String,
}

async fn pool_page_of(
    state: &AppState,
    user: &PageUser,
    slug: &str,
    id: &str,
) -> Result<(PoolPage, ConferenceId, SessionId), PageError> {
    let d = detail(state, slug).await?;
    let c = organizer(state, slug, &user.account).await?;
    let id = SessionId::new(parse_id(id, "session")?);
    let session = state
        .store
        .session(c, id)
        .await?
        .filter(|s| s.info.kind == SessionKind::Lab)
        .ok_or_else(|| PageError::NotFound(format!("There is no lab {id}.")))?;
    let pool = state.store.lab_pool(c, id, state.clock.now()).await?;
    let in_use = pool.iter().filter(|m| m.holder.is_some()).count();
    Ok((
        PoolPage {
            conf: ConfHeader::new(&d.conference),
            session_id: id.get(),
            title: session.info.title,
            machines: pool
                .into_iter()
                .map(|m| PoolRow {
                    name: m.machine.name().to_owned(),
                    address: m.machine.address().to_owned(),
                    username: m.machine.username().to_owned(),
                    holder: m.holder.map(|h| h.1).unwrap_or_default(),
                })
                .collect(),
            in_use,
            error: String::new(),
            imported: None,
        },
        c,
        id,
    ))
}

async fn pool_page(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<PoolPage, PageError> {
    Ok(pool_page_of(&state, &user, &slug, &id).await?.0)
}

/// The CSV upload: a file or pasted text.
async fn pool_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
    mut form: Multipart,
) -> Result<PoolPage, PageError> {
    let (_, c, session) = pool_page_of(&state, &user, &slug, &id).await?;
    let mut bytes = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| PageError::Invalid(format!("The upload broke off: {e}")))?
    {
        if matches!(field.name(), Some("file" | "csv")) {
            let got = field
                .bytes()
                .await
                .map_err(|e| PageError::Invalid(format!("The upload broke off: {e}")))?;
            if !got.iter().all(u8::is_ascii_whitespace) {
                bytes = got.to_vec();
            }
        }
    }
    let result = import_pool(&state, c, session, &bytes).await;
    let (mut page, _, _) = pool_page_of(&state, &user, &slug, &id).await?;
    match result {
        Ok(n) => page.imported = Some(n),
        Err(ApiError::Invalid { message, .. }) => page.error = message,
        Err(e) => return Err(e.into()),
    }
    Ok(page)
}

#[derive(Template, WebTemplate)]
#[template(path = "announcements.html")]
struct AnnouncementsPage {
    conf: ConfHeader,
    items: Vec<AnnouncementView>,
    organizer: bool,
    rooms: Vec<(i64, String)>,
    /// Sessions running or starting within two hours, for a session's audience.
    sessions: Vec<(i64, String)>,
    error: String,
}

struct AnnouncementView {
    text: String,
    audience: String,
    when: String,
}

async fn announcements_page_of(
    state: &AppState,
    user: &PageUser,
    slug: &str,
) -> Result<AnnouncementsPage, PageError> {
    let d = detail(state, slug).await?;
    let c = d.conference.id;
    let tz = d.conference.info.time_zone;
    let list = state.store.announcements(c, 100).await?;
    let room_name = |r: RoomId| {
        d.rooms
            .iter()
            .find(|x| x.id == r)
            .map_or_else(|| format!("room {r}"), |x| x.name.clone())
    };
    let mut items = Vec::with_capacity(list.len());
    for a in list {
        let audience = match a.audience {
            Audience::Everyone => "Everyone".to_owned(),
            Audience::Room(r) => format!("In {}", room_name(r)),
            Audience::Session(s) => state.store.session(c, s).await?.map_or_else(
                || format!("Session {s}"),
                |s| format!("Attendees of {}", s.info.title),
            ),
        };
        items.push(AnnouncementView {
            text: a.text,
            audience,
            when: a.at.with_timezone(&tz.tz()).format("%a %H:%M").to_string(),
        });
    }
    let organizer = super::organize::is_organizer(state, c, &user.account).await?;
    let mut sessions = Vec::new();
    if organizer {
        let now = state.clock.now();
        let (all, _) = state.store.program_of(&d).await?;
        let soon = now + chrono::Duration::hours(2);
        for s in all.iter() {
            if s.info.span.end() > now
                && s.info.span.start() < soon
                && s.info.kind != SessionKind::Break
            {
                let start = s.info.span.start().with_timezone(&tz.tz()).format("%H:%M");
                sessions.push((
                    s.id.get(),
                    format!("{start} {} ({})", s.info.title, room_name(s.room)),
                ));
            }
        }
    }
    Ok(AnnouncementsPage {
        conf: ConfHeader::new(&d.conference),
        items,
        sessions,
        organizer,
        rooms: d
            .rooms
            .iter()
            .map(|r| (r.id.get(), r.name.clone()))
            .collect(),
        error: String::new(),
    })
}

async fn announcements_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<AnnouncementsPage, PageError> {
    announcements_page_of(&state, &user, &slug).await
}

#[derive(Debug, Deserialize)]
struct AnnouncementForm {
    text: String,
    audience: String,
}

async fn announcement_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Form(f): Form<AnnouncementForm>,
) -> Result<Response, PageError> {
    let c = organizer(&state, &slug, &user.account).await?;
    match post(&state, c, &user.account, &f.text, &f.audience).await {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/announcements")).into_response()),
        Err(ApiError::Invalid { field, message }) => {
            let mut page = announcements_page_of(&state, &user, &slug).await?;
            page.error = format!("{field}: {message}");
            Ok(page.into_response())
        }
        Err(e) => Err(e.into()),
    }
}
