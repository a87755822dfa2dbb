//! The JSON API of this feature (documented in the OpenAPI document).

use super::SessionsQuery;
use crate::AppState;
use crate::dto::{LinkDto, SessionDto, TrackDto, session_dto};
use crate::error::ApiError;
use crate::request::{detail, load, parse_id};
use crate::view::ProgramIndex;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use hallway_domain::{Room, Session, SessionId, Speaker, SpeakerId};
use hallway_store::ConferenceDetail;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_conference))
        .routes(routes!(list_sessions))
        .routes(routes!(get_session))
        .routes(routes!(list_speakers))
        .routes(routes!(get_speaker))
}

// ---------------------------------------------------------------------------------------
// JSON API

/// A room.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomDto {
    id: i64,
    name: String,
    /// Seats; null when unknown (unlimited).
    capacity: Option<u32>,
}

impl From<&Room> for RoomDto {
    fn from(r: &Room) -> Self {
        Self {
            id: r.id.get(),
            name: r.name.clone(),
            capacity: r.capacity.map(|c| c.get()),
        }
    }
}

/// A conference and the frame of its program.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConferenceDto {
    slug: String,
    name: String,
    /// IANA time zone of the venue; local times on pages and exports use it.
    time_zone: String,
    /// Every conference day, YYYY-MM-DD.
    days: Vec<NaiveDate>,
    /// Local time at which one conference day turns into the next (HH:MM).
    day_change: String,
    venue: String,
    city: String,
    description: String,
    /// Rooms in display order.
    rooms: Vec<RoomDto>,
    tracks: Vec<TrackDto>,
}

/// A speaker with their sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpeakerDto {
    id: i64,
    name: String,
    company: String,
    bio: String,
    links: Vec<LinkDto>,
    /// Ids of their sessions, by start time.
    sessions: Vec<i64>,
}

fn conference_dto(d: &ConferenceDetail) -> ConferenceDto {
    let info = &d.conference.info;
    ConferenceDto {
        slug: info.slug.to_string(),
        name: info.name.clone(),
        time_zone: info.time_zone.name().to_owned(),
        days: info.days.dates(),
        day_change: info.days.day_change().format("%H:%M").to_string(),
        venue: info.venue.clone(),
        city: info.city.clone(),
        description: info.description.clone(),
        rooms: d.rooms.iter().map(RoomDto::from).collect(),
        tracks: d.tracks.iter().map(TrackDto::from).collect(),
    }
}

/// A conference: its days, time zone, rooms (with capacities) and tracks.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}",
    tag = "program",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses(
        (status = 200, body = ConferenceDto),
        (status = 404, description = "No such conference", body = crate::error::Problem,
         content_type = "application/problem+json")
    )
)]
async fn get_conference(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<ConferenceDto>, ApiError> {
    Ok(Json(conference_dto(&detail(&state, &slug).await?)))
}

/// The program: every session with its room, track, speakers, capacity and seats left,
/// by start time.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/sessions",
    tag = "program",
    params(("slug" = String, Path, description = "The conference's slug"), SessionsQuery),
    responses(
        (status = 200, body = [SessionDto]),
        (status = 400, description = "A filter does not parse", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such conference", body = crate::error::Problem,
         content_type = "application/problem+json")
    )
)]
async fn list_sessions(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<SessionsQuery>,
) -> Result<Response, ApiError> {
    let filter = query.filter()?;
    let detail = detail(&state, &slug).await?;
    let program = state.store.shared_program_of(&detail).await?;
    let ix = ProgramIndex::new(
        &detail.conference,
        &detail.rooms,
        &detail.tracks,
        &program.speakers,
    );
    let parts = state.session_json.parts(&detail, &program, &ix);
    let mut body = String::with_capacity(parts.len_hint);
    body.push('[');
    let mut first = true;
    for ((session, seats), part) in program
        .sessions
        .iter()
        .zip(&program.seats)
        .zip(&parts.sessions)
    {
        if !filter.matches(&ix, session) {
            continue;
        }
        if !first {
            body.push(',');
        }
        first = false;
        part.write(&mut body, seats);
    }
    body.push(']');
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// One session.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/sessions/{id}",
    tag = "program",
    params(
        ("slug" = String, Path, description = "The conference's slug"),
        ("id" = i64, Path, description = "The session's id")
    ),
    responses(
        (status = 200, body = SessionDto),
        (status = 404, description = "No such conference or session", body = crate::error::Problem,
         content_type = "application/problem+json")
    )
)]
async fn get_session(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<SessionDto>, ApiError> {
    let loaded = load(&state, &slug).await?;
    let id = parse_id(&id, "session")?;
    let ix = loaded.index();
    loaded
        .sessions
        .iter()
        .find(|s| s.id == SessionId::new(id))
        .map(|s| Json(session_dto(&ix, s)))
        .ok_or_else(|| ApiError::NotFound(format!("There is no session {id} in {slug}.")))
}

/// Every speaker, by name, with the ids of their sessions.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/speakers",
    tag = "program",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses(
        (status = 200, body = [SpeakerDto]),
        (status = 404, description = "No such conference", body = crate::error::Problem,
         content_type = "application/problem+json")
    )
)]
async fn list_speakers(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Vec<SpeakerDto>>, ApiError> {
    let loaded = load(&state, &slug).await?;
    Ok(Json(
        loaded
            .speakers
            .iter()
            .map(|p| speaker_dto(p, &loaded.sessions))
            .collect(),
    ))
}

fn speaker_dto(p: &Speaker, sessions: &[Session]) -> SpeakerDto {
    SpeakerDto {
        id: p.id.get(),
        name: p.info.name.clone(),
        company: p.info.company.clone(),
        bio: p.info.bio.clone(),
        links: p.info.links.iter().map(LinkDto::from).collect(),
        sessions: sessions
            .iter()
            .filter(|s| s.speakers.contains(&p.id))
            .map(|s| s.id.get())
            .collect(),
    }
}

/// One speaker.
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/speakers/{id}",
    tag = "program",
    params(
        ("slug" = String, Path, description = "The conference's slug"),
        ("id" = i64, Path, description = "The speaker's id")
    ),
    responses(
        (status = 200, body = SpeakerDto),
        (status = 404, description = "No such conference or speaker", body = crate::error::Problem,
         content_type = "application/problem+json")
    )
)]
async fn get_speaker(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<SpeakerDto>, ApiError> {
    let loaded = load(&state, &slug).await?;
    let id = parse_id(&id, "speaker")?;
    loaded
        .speakers
        .iter()
        .find(|p| p.id == SpeakerId::new(id))
        .map(|p| Json(speaker_dto(p, &loaded.sessions)))
        .ok_or_else(|| ApiError::NotFound(format!("There is no speaker {id} in {slug}.")))
}
