//! The JSON API of this feature (documented in the OpenAPI document).

use super::calendar_url;
use crate::AppState;
use crate::auth::ApiUser;
use crate::dto::{SessionDto, session_dto};
use crate::error::{ApiError, problem, problem_with};
use crate::request::ApiJson;
use crate::request::{Loaded, load, parse_id};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hallway_app::agenda;
use hallway_domain::SessionId;
use hallway_store::{CancelOutcome, ReserveOutcome};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_agenda))
        .routes(routes!(put_agenda, delete_agenda))
        .routes(routes!(live))
        .routes(routes!(get_reminders, put_reminders))
}

/// Publishes what a change did: new seat counts of `sessions` and each promotion.
/// The id of the published conference `slug` (one small query: the write paths need no
/// more of it).
pub(super) async fn conference_id(
    state: &AppState,
    slug: &str,
) -> Result<hallway_domain::ConferenceId, ApiError> {
    let missing = || ApiError::NotFound(format!("There is no conference {slug:?}."));
    let slug = hallway_domain::Slug::parse(slug).map_err(|_| missing())?;
    state
        .store
        .published_conference_id(&slug)
        .await?
        .ok_or_else(missing)
}

/// A waitlisted session and the attendee's place in its queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitlistedDto {
    session: SessionDto,
    /// 1 = next in line.
    position: u32,
}

/// The caller's agenda in a conference.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaDto {
    /// Reserved sessions, by start time.
    reserved: Vec<SessionDto>,
    /// Sessions waited for, by start time.
    waitlisted: Vec<WaitlistedDto>,
    /// The personal calendar feed (iCalendar, with reminders), path with its secret key.
    calendar_url: String,
}

/// Options of a reservation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaBody {
    /// Reserved sessions to drop in the same transaction, to resolve a conflict.
    #[serde(default)]
    replace: Vec<i64>,
    /// Join the waitlist when the session is full.
    #[serde(default)]
    waitlist: bool,
}

/// The result of a reservation.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaStatus {
    /// `reserved` or `waitlisted`.
    status: &'static str,
    /// With `reserved`: seats still free (null = unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    seats_left: Option<Option<u32>>,
    /// With `waitlisted`: the place in the queue, 1 = next.
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<u32>,
}

/// The agenda's sessions described from the program kept in memory (no copy of it), with
/// the seat counts of this moment.
fn agenda_dto(
    detail: &hallway_store::ConferenceDetail,
    program: &hallway_store::SharedProgram,
    agenda: &hallway_store::Agenda,
    calendar_url: String,
) -> AgendaDto {
    let ix = crate::view::ProgramIndex::new(
        &detail.conference,
        &detail.rooms,
        &detail.tracks,
        &program.speakers,
    );
    let dto = |id: SessionId| {
        let at = program.sessions.iter().position(|s| s.id == id)?;
        let mut session = program.sessions[at].clone();
        session.seats = program.seats[at];
        Some(session_dto(&ix, &session))
    };
    AgendaDto {
        reserved: agenda.reserved.iter().filter_map(|id| dto(*id)).collect(),
        waitlisted: agenda
            .waitlisted
            .iter()
            .filter_map(|(id, p)| {
                dto(*id).map(|session| WaitlistedDto {
                    session,
                    position: *p,
                })
            })
            .collect(),
        calendar_url,
    }
}

/// The caller's agenda: reserved sessions and waitlist places.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/agenda",
    tag = "agenda",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses(
        (status = 200, body = AgendaDto),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn get_agenda(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<AgendaDto>, ApiError> {
    let detail = crate::request::detail(&state, &slug).await?;
    let program = state.store.shared_program_of(&detail).await?;
    let agenda = state
        .store
        .agenda(detail.conference.id, user.account.id)
        .await?;
    let url = calendar_url(&state, &slug, user.account.id).await?;
    Ok(Json(agenda_dto(&detail, &program, &agenda, url)))
}

/// Reserves a seat, or joins the waitlist (`waitlist: true`), or replaces overlapping
/// sessions (`replace`) in one transaction. Refusals change nothing.
#[utoipa::path(
    put,
    path = "/api/v1/conferences/{slug}/agenda/{id}",
    tag = "agenda",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The session's id")),
    request_body(content = Option<AgendaBody>, description = "Optional; an empty body reserves without waitlist or replace"),
    responses(
        (status = 201, description = "Reserved", body = AgendaStatus),
        (status = 200, description = "Already reserved", body = AgendaStatus),
        (status = 202, description = "Waitlisted", body = AgendaStatus),
        (status = 409, description = "`conflict` (with `conflicts`: the overlapping sessions), `full` (with `seats_left`: 0), `closed` (the session has started) or `not-reservable` (a break)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 400, description = "A malformed body, or `replace` names a session not reserved", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn put_agenda(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: AgendaBody = if body.iter().all(u8::is_ascii_whitespace) {
        AgendaBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::Invalid {
            field: "body",
            message: e.to_string(),
        })?
    };
    // The hot path reads only the conference; the whole program is loaded just to describe
    // a refusal.
    let conference = conference_id(&state, &slug).await?;
    let id = parse_id(&id, "session")?;
    let replace: Vec<SessionId> = body.replace.iter().copied().map(SessionId::new).collect();
    let who = hallway_app::Attendee::new(user.account, conference);
    let cmd = agenda::Reserve {
        session: SessionId::new(id),
        replace,
        waitlist: body.waitlist,
    };
    let outcome = agenda::reserve(state.context(), &who, cmd).await?;
    Ok(match accepted(&outcome) {
        Some(response) => response,
        None => reserve_response(&load(&state, &slug).await?, id, outcome),
    })
}

/// The answer to a reservation that took effect (201, 200 when already held, 202 waiting);
/// `None` for a refusal.
fn accepted(outcome: &ReserveOutcome) -> Option<Response> {
    match *outcome {
        ReserveOutcome::Reserved { seats, already, .. } => Some(
            (
                if already {
                    StatusCode::OK
                } else {
                    StatusCode::CREATED
                },
                Json(AgendaStatus {
                    status: "reserved",
                    seats_left: Some(seats.left()),
                    position: None,
                }),
            )
                .into_response(),
        ),
        ReserveOutcome::Waitlisted { position, .. } => Some(
            (
                StatusCode::ACCEPTED,
                Json(AgendaStatus {
                    status: "waitlisted",
                    seats_left: None,
                    position: Some(position),
                }),
            )
                .into_response(),
        ),
        _ => None,
    }
}

fn reserve_response(loaded: &Loaded, id: i64, outcome: ReserveOutcome) -> Response {
    let ix = loaded.index();
    let title = |sid: SessionId| {
        loaded
            .sessions
            .iter()
            .find(|s| s.id == sid)
            .map(|s| s.info.title.clone())
            .unwrap_or_default()
    };
    if let Some(response) = accepted(&outcome) {
        return response;
    }
    match outcome {
        ReserveOutcome::Reserved { .. } | ReserveOutcome::Waitlisted { .. } => {
            unreachable!("answered by `accepted`")
        }
        ReserveOutcome::Conflict(ids) => {
            let sessions: Vec<SessionDto> = ids
                .iter()
                .filter_map(|sid| loaded.sessions.iter().find(|s| s.id == *sid))
                .map(|s| session_dto(&ix, s))
                .collect();
            let names: Vec<String> = ids
                .iter()
                .map(|s| format!("\u{201c}{}\u{201d}", title(*s)))
                .collect();
            let mut extra = serde_json::Map::new();
            extra.insert("conflicts".into(), json!(sessions));
            problem_with(
                StatusCode::CONFLICT,
                "conflict",
                "Overlaps your agenda",
                format!(
                    "It overlaps {} in your agenda; send them in `replace` to swap.",
                    names.join(", ")
                ),
                None,
                extra,
            )
        }
        ReserveOutcome::Full => {
            let mut extra = serde_json::Map::new();
            extra.insert("seats_left".into(), json!(0));
            problem_with(
                StatusCode::CONFLICT,
                "full",
                "Session full",
                format!(
                    "\u{201c}{}\u{201d} has no seats left; send `waitlist: true` to queue.",
                    title(SessionId::new(id))
                ),
                None,
                extra,
            )
        }
        ReserveOutcome::NotReservable => problem(
            StatusCode::CONFLICT,
            "not-reservable",
            "Not reservable",
            "Breaks are open to everyone and take no reservations.".to_owned(),
            None,
        ),
        ReserveOutcome::Closed(sid) => problem(
            StatusCode::CONFLICT,
            "closed",
            "Session started",
            format!(
                "\u{201c}{}\u{201d} has started; agendas no longer change for it.",
                title(sid)
            ),
            None,
        ),
        ReserveOutcome::NotReserved(sid) => ApiError::Invalid {
            field: "replace",
            message: format!("session {sid} is not reserved in your agenda"),
        }
        .into_response(),
        ReserveOutcome::NoSuchSession => {
            ApiError::NotFound(format!("There is no session {id} in this conference."))
                .into_response()
        }
    }
}

/// Leaves a session (or its waitlist); a freed seat goes to the first waiting attendee
/// without an overlap, in the same transaction.
#[utoipa::path(
    delete,
    path = "/api/v1/conferences/{slug}/agenda/{id}",
    tag = "agenda",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The session's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "Not in the agenda, or no such session", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`closed`: the session has started", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn delete_agenda(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let conference = conference_id(&state, &slug).await?;
    let id = parse_id(&id, "session")?;
    let who = hallway_app::Attendee::new(user.account, conference);
    let outcome = agenda::cancel(state.context(), &who, SessionId::new(id)).await?;
    Ok(match outcome {
        CancelOutcome::Cancelled(_) => StatusCode::NO_CONTENT.into_response(),
        CancelOutcome::NotInAgenda => {
            ApiError::NotFound(format!("Session {id} is not in your agenda.")).into_response()
        }
        CancelOutcome::NoSuchSession => {
            ApiError::NotFound(format!("There is no session {id} in this conference."))
                .into_response()
        }
        CancelOutcome::Closed => problem(
            StatusCode::CONFLICT,
            "closed",
            "Session started",
            "The session has started; agendas no longer change for it.".to_owned(),
            None,
        ),
    })
}

/// The caller's reminder lead time.
#[utoipa::path(get, path = "/api/v1/me/reminders", tag = "agenda", responses((status = 200, body = RemindersDto)))]
async fn get_reminders(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<RemindersDto>, ApiError> {
    Ok(Json(RemindersDto {
        minutes: state.store.reminder_minutes(user.account.id).await?,
    }))
}

/// Sets the caller's reminder lead time (null: off).
#[utoipa::path(put, path = "/api/v1/me/reminders", tag = "agenda", request_body = RemindersDto,
    responses((status = 200, body = RemindersDto), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn put_reminders(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<RemindersDto>,
) -> Result<Json<RemindersDto>, ApiError> {
    hallway_app::accounts::set_reminder_minutes(state.context(), &user.account, body.minutes)
        .await?;
    Ok(Json(body))
}

/// Live events of a conference as Server-Sent Events: `seats` (a session's seat count
/// changed: `{session, capacity, seats_left, state, text}`), `occupancy` (a room's door
/// count: `{room, occupancy, capacity}`) and `announcement` (`{id, text, audience}`) for
/// everyone; `promoted` and `reminder` (`{session, message}`) for the logged-in attendee
/// they concern; `resync` when events were missed beyond what the server keeps (reload
/// what you show). Every event has an `id:`; a client that reconnects with it as
/// `Last-Event-ID` (or `?after=`) first gets every event it missed, in order.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/live",
    tag = "agenda",
    params(
        ("slug" = String, Path, description = "The conference's slug"),
        ("Last-Event-ID" = Option<String>, Header, description = "The `id:` of the last event this client has"),
        LiveQuery
    ),
    responses(
        (status = 200, description = "An event stream", content_type = "text/event-stream"),
        (status = 400, description = "`invalid`: `after` or `Last-Event-ID` is not an event id", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn live(
    State(state): State<AppState>,
    crate::auth::MaybeUser(user): crate::auth::MaybeUser,
    Path(slug): Path<String>,
    Query(query): Query<LiveQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let loaded = crate::request::detail(&state, &slug).await?;
    let viewer = user.map(|(a, _)| a.id);
    // The header wins: a browser sends it when it reconnects a stream opened with `after`.
    let (field, raw) = match headers.get("last-event-id") {
        Some(v) => ("Last-Event-ID", Some(v.to_str().unwrap_or("?").to_owned())),
        None => ("after", query.after),
    };
    let after = match raw.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => {
            Some(
                hallway_domain::events::Cursor::parse(r).ok_or_else(|| ApiError::Invalid {
                    field,
                    message: format!("{r:?} is not an event id"),
                })?,
            )
        }
    };
    let stream = crate::live::stream(&state, loaded.conference.id, viewer, after);
    Ok(crate::live::sse(stream).into_response())
}

/// Where a live stream starts: after this event position (`Last-Event-ID` does the same).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct LiveQuery {
    /// An event `id:` this client already has; what came after it is sent first.
    after: Option<String>,
}

/// The reminder lead time.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RemindersDto {
    /// Minutes before each reserved session (0 to 1440); null turns reminders off.
    minutes: Option<u32>,
}
