//! The personal agenda: `GET/PUT/DELETE /api/v1/conferences/{slug}/agenda[/{id}]` and the
//! pages' forms (`POST /c/{slug}/agenda/{id}`, `/c/{slug}/agenda`). The rules live in the
//! domain and the store; this module maps their outcomes to HTTP.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hallway_app::agenda;
use hallway_domain::SessionId;
use hallway_store::{CancelOutcome, ReserveOutcome};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::program::{ConfHeader, Loaded, SessionDto, load, parse_id, session_dto};
use crate::AppState;
use crate::auth::{ApiUser, PageUser};
use crate::error::{ApiError, PageError, problem, problem_with};
use crate::view::SessionCard;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_agenda))
        .routes(routes!(put_agenda, delete_agenda))
        .routes(routes!(live))
        .routes(routes!(get_reminders, put_reminders))
        .route("/c/{slug}/agenda", axum::routing::get(agenda_page))
        .route("/c/{slug}/agenda.ics", axum::routing::get(calendar_feed))
        .route(
            "/c/{slug}/agenda/reminders",
            axum::routing::post(reminders_form),
        )
        .route(
            "/c/{slug}/agenda/calendar-key",
            axum::routing::post(calendar_key_form),
        )
        .route("/c/{slug}/agenda/{id}", axum::routing::post(agenda_form))
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
    let detail = super::program::detail(&state, &slug).await?;
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

// ---------------------------------------------------------------------------------------
// Pages

#[derive(Debug)]
struct Waiting {
    card: SessionCard,
    position: u32,
}

#[derive(Debug)]
struct NoteView {
    message: String,
    when: String,
    unread: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "agenda.html")]
struct AgendaPage {
    conf: ConfHeader,
    name: String,
    calendar_url: String,
    reminder_minutes: String,
    reserved: Vec<SessionCard>,
    waiting: Vec<Waiting>,
    notes: Vec<NoteView>,
}

async fn agenda_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<AgendaPage, PageError> {
    let loaded = load(&state, &slug).await?;
    let c = loaded.detail.conference.id;
    let agenda = state.store.agenda(c, user.account.id).await?;
    let notes = state.store.notifications(c, user.account.id, 20).await?;
    state
        .store
        .mark_notifications_read(c, user.account.id, state.clock.now())
        .await?;
    let ix = loaded.index();
    let now = state.clock.now();
    let tz = loaded.detail.conference.info.time_zone;
    let find = |id: SessionId| loaded.sessions.iter().find(|s| s.id == id);
    let calendar_url = calendar_url(&state, &slug, user.account.id).await?;
    let reminder_minutes = state
        .store
        .reminder_minutes(user.account.id)
        .await?
        .map(|m| m.to_string())
        .unwrap_or_default();
    Ok(AgendaPage {
        conf: ConfHeader::new(&loaded.detail.conference),
        name: user.account.name.clone(),
        calendar_url,
        reminder_minutes,
        reserved: agenda
            .reserved
            .iter()
            .filter_map(|id| find(*id))
            .map(|s| ix.card(s, now).with_day())
            .collect(),
        waiting: agenda
            .waitlisted
            .iter()
            .filter_map(|(id, p)| {
                find(*id).map(|s| Waiting {
                    card: ix.card(s, now).with_day(),
                    position: *p,
                })
            })
            .collect(),
        notes: notes
            .into_iter()
            .map(|n| NoteView {
                message: n.message,
                when: crate::view::clock_time(tz, n.created_at),
                unread: !n.read,
            })
            .collect(),
    })
}

#[derive(Debug, Deserialize)]
struct AgendaForm {
    /// `add`, `waitlist`, `replace` or `remove`.
    action: String,
    /// With `replace`: the session ids to drop, comma-separated.
    #[serde(default)]
    replace: String,
    /// Where to go afterwards (a local path).
    #[serde(default)]
    next: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "agenda_result.html")]
struct ResultPage {
    conf: ConfHeader,
    card: SessionCard,
    heading: String,
    detail: String,
    /// Offer to join the waitlist.
    offer_waitlist: bool,
    /// Offer to replace these (comma-separated ids) and their cards.
    replace: String,
    conflicts: Vec<SessionCard>,
    next: String,
}

async fn agenda_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<AgendaForm>,
) -> Result<Response, PageError> {
    let loaded = load(&state, &slug).await?;
    let id = parse_id(&id, "session")?;
    let sid = SessionId::new(id);
    let session = loaded
        .sessions
        .iter()
        .find(|s| s.id == sid)
        .ok_or_else(|| {
            PageError::NotFound(format!("There is no session {id} in this conference."))
        })?;
    let next = crate::view::local_path(Some(&f.next))
        .unwrap_or_else(|| format!("/c/{slug}/sessions/{id}"));
    let now = state.clock.now();
    let conference = loaded.detail.conference.id;
    let ix = loaded.index();
    let page = |heading: &str, detail: String, offer_waitlist: bool, conflicts: Vec<SessionId>| {
        ResultPage {
            conf: ConfHeader::new(&loaded.detail.conference),
            card: ix.card(session, now).with_day(),
            heading: heading.to_owned(),
            detail,
            offer_waitlist,
            replace: conflicts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(","),
            conflicts: conflicts
                .iter()
                .filter_map(|c| loaded.sessions.iter().find(|s| s.id == *c))
                .map(|s| ix.card(s, now).with_day())
                .collect(),
            next: next.clone(),
        }
    };
    // Every refusal answers 409 with the page explaining it.
    let refuse =
        |heading: &str, detail: String, offer_waitlist: bool, conflicts: Vec<SessionId>| {
            (
                StatusCode::CONFLICT,
                page(heading, detail, offer_waitlist, conflicts),
            )
                .into_response()
        };
    if f.action == "remove" {
        let who = hallway_app::Attendee::new(user.account.clone(), conference);
        let outcome = agenda::cancel(state.context(), &who, sid).await?;
        return Ok(match outcome {
            CancelOutcome::Cancelled(_) | CancelOutcome::NotInAgenda => {
                Redirect::to(&next).into_response()
            }
            CancelOutcome::Closed => refuse(
                "Too late to change",
                "This session has started; your agenda no longer changes for it.".into(),
                false,
                vec![],
            ),
            CancelOutcome::NoSuchSession => {
                PageError::NotFound("No such session.".into()).into_response()
            }
        });
    }
    let replace: Vec<SessionId> = if f.action == "replace" {
        f.replace
            .split(',')
            .filter_map(|s| s.trim().parse::<i64>().ok())
            .map(SessionId::new)
            .collect()
    } else {
        Vec::new()
    };
    let who = hallway_app::Attendee::new(user.account.clone(), conference);
    let cmd = agenda::Reserve {
        session: sid,
        replace,
        waitlist: f.action == "waitlist",
    };
    let outcome = agenda::reserve(state.context(), &who, cmd).await?;
    Ok(match outcome {
        ReserveOutcome::Reserved { .. } | ReserveOutcome::Waitlisted { .. } => Redirect::to(&next).into_response(),
        ReserveOutcome::Conflict(ids) => refuse("It overlaps your agenda",
                "You already have a seat in a session at the same time. Replace it with this one (both changes happen together, or neither), or keep your agenda as it is.".into(),
                false,
                ids),
        ReserveOutcome::Full => refuse("This session is full", "Every seat is taken. Join the waitlist: when a seat frees up, the first person waiting who has no overlapping session gets it, and you are told.".into(), true, vec![]),
        ReserveOutcome::Closed(_) => refuse("Too late to change", "A session involved has started; agendas no longer change for it.".into(), false, vec![]),
        ReserveOutcome::NotReservable => refuse("No reservation needed", "Breaks are open to everyone.".into(), false, vec![]),
        ReserveOutcome::NotReserved(_) => refuse("Your agenda changed", "A session to replace is no longer in your agenda; nothing was changed.".into(), false, vec![]),
        ReserveOutcome::NoSuchSession => PageError::NotFound("No such session.".into()).into_response(),
    })
}

/// Where a live stream starts: after this event position (`Last-Event-ID` does the same).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct LiveQuery {
    /// An event `id:` this client already has; what came after it is sent first.
    after: Option<String>,
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
    let loaded = super::program::detail(&state, &slug).await?;
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

/// The reminder lead time.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RemindersDto {
    /// Minutes before each reserved session (0 to 1440); null turns reminders off.
    minutes: Option<u32>,
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
    Json(body): Json<RemindersDto>,
) -> Result<Json<RemindersDto>, ApiError> {
    if body
        .minutes
        .is_some_and(|m| i64::from(m) > hallway_store::MAX_REMINDER_MINUTES)
    {
        return Err(ApiError::Invalid {
            field: "minutes",
            message: "at most 1440 (a day)".to_owned(),
        });
    }
    state
        .store
        .set_reminder_minutes(user.account.id, body.minutes)
        .await?;
    Ok(Json(body))
}

#[derive(Debug, Deserialize)]
struct KeyQuery {
    key: Option<String>,
}

/// The personal calendar feed: reserved sessions with an alarm at the lead time. The key in
/// the URL is the only credential (calendar apps cannot log in); it can be regenerated.
async fn calendar_feed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    axum::extract::Query(q): axum::extract::Query<KeyQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let missing = || PageError::NotFound("Unknown or regenerated calendar key.".to_owned());
    let key = q.key.filter(|k| !k.is_empty()).ok_or_else(missing)?;
    let (user, minutes) = state
        .store
        .user_by_calendar_key(&key)
        .await?
        .ok_or_else(missing)?;
    let loaded = load(&state, &slug).await?;
    let agenda = state
        .store
        .agenda(loaded.detail.conference.id, user)
        .await?;
    let ix = loaded.index();
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("hallway.local")
        .to_owned();
    let entries: Vec<hallway_formats::ical::CalendarEntry> = agenda
        .reserved
        .iter()
        .filter_map(|id| loaded.sessions.iter().find(|s| s.id == *id))
        .map(|s| hallway_formats::ical::CalendarEntry {
            uid: format!(
                "session-{}@{}",
                s.id,
                host.split(':').next().unwrap_or("hallway")
            ),
            title: s.info.title.clone(),
            description: s.info.abstract_text.clone(),
            location: ix.room_name(s.room),
            url: format!("http://{host}/c/{slug}/sessions/{}", s.id),
            span: s.info.span,
        })
        .collect();
    let name = format!("{} — my agenda", loaded.detail.conference.info.name);
    let body = hallway_formats::ical::agenda_calendar(&name, &entries, minutes, state.clock.now());
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/calendar; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
struct RemindersForm {
    /// Empty: off.
    minutes: String,
}

async fn reminders_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Form(f): Form<RemindersForm>,
) -> Result<Redirect, PageError> {
    let minutes = match f.minutes.trim() {
        "" | "off" => None,
        m => Some(
            m.parse::<u32>()
                .ok()
                .filter(|m| i64::from(*m) <= hallway_store::MAX_REMINDER_MINUTES)
                .ok_or_else(|| {
                    PageError::Invalid(format!("{m:?} is not a number of minutes from 0 to 1440"))
                })?,
        ),
    };
    state
        .store
        .set_reminder_minutes(user.account.id, minutes)
        .await?;
    Ok(Redirect::to(&format!("/c/{slug}/agenda")))
}

async fn calendar_key_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<Redirect, PageError> {
    state
        .store
        .regenerate_calendar_key(user.account.id, &crate::auth::new_token())
        .await?;
    Ok(Redirect::to(&format!("/c/{slug}/agenda")))
}
