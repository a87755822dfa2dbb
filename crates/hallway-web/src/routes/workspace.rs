//! The organizer workspace over the API: create a conference (site admins), change it, its
//! rooms, tracks and speakers; edit sessions in a draft and release it as the next schedule
//! version (attendees of moved or cancelled sessions are told); invite the team; read the
//! audit log. Every change is recorded in the audit log. The pages are in
//! `workspace_pages.rs`; both use the functions here.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use hallway_domain::account::Role;
use hallway_domain::changes::StoredProgram;
use hallway_domain::editor::{self, Candidate, Draft, DraftSession, EditProblem};
use hallway_domain::program::{ConferenceInfo, Link, SpeakerInfo};
use hallway_domain::{
    Capacity, Colour, ConferenceDays, Email, Guid, RoomId, SessionKind, Slug, SpeakerId, TimeSpan,
    TimeZone, TrackId, UserId,
};
use hallway_store::{Account, ConferenceDetail, ImportHow, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::organize::is_organizer;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, problem_with};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_conference))
        .routes(routes!(update_conference))
        .routes(routes!(add_room))
        .routes(routes!(update_room, delete_room))
        .routes(routes!(add_track))
        .routes(routes!(update_track, delete_track))
        .routes(routes!(add_speaker))
        .routes(routes!(update_speaker, delete_speaker))
        .routes(routes!(get_draft))
        .routes(routes!(add_session))
        .routes(routes!(update_session, delete_session))
        .routes(routes!(release))
        .routes(routes!(invite))
        .routes(routes!(members))
        .routes(routes!(remove_member))
        .routes(routes!(audit))
        .routes(routes!(set_directory))
}

/// The conference `slug` (published or not) if `account` organizes it: 404 when there is
/// none, 403 when they do not.
pub(super) async fn organized(
    state: &AppState,
    account: &Account,
    slug: &str,
) -> Result<ConferenceDetail, ApiError> {
    let missing = || ApiError::NotFound(format!("There is no conference {slug:?}."));
    let parsed = Slug::parse(slug).map_err(|_| missing())?;
    let detail = state.store.conference(&parsed).await?.ok_or_else(missing)?;
    if !is_organizer(state, detail.conference.id, account).await? {
        return Err(ApiError::Forbidden(
            "only this conference's organizers may do this".to_owned(),
        ));
    }
    Ok(detail)
}

/// Records an organizer action in the audit log.
pub(super) async fn audit_record(
    state: &AppState,
    detail: &ConferenceDetail,
    account: &Account,
    action: &str,
    what: impl Into<String>,
) -> Result<(), ApiError> {
    state
        .store
        .record(
            detail.conference.id,
            account.id,
            &account.email,
            action,
            &what.into(),
            state.clock.now(),
        )
        .await?;
    Ok(())
}

fn invalid(field: &'static str, message: impl std::fmt::Display) -> ApiError {
    ApiError::Invalid {
        field,
        message: message.to_string(),
    }
}

fn conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(m) => ApiError::Conflict(m),
        other => ApiError::Store(other),
    }
}

fn capacity(raw: Option<i64>, field: &'static str) -> Result<Option<Capacity>, ApiError> {
    raw.map(|c| Capacity::new(c).map_err(|e| invalid(field, e)))
        .transpose()
}

fn http_url(raw: &str, field: &'static str) -> Result<String, ApiError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.starts_with("https://") || raw.starts_with("http://") {
        Ok(raw.to_owned())
    } else {
        Err(invalid(field, format!("{raw:?} is not an http(s) address")))
    }
}

// ---- conferences ----------------------------------------------------------------------

/// A new conference.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewConference {
    /// The URL segment: lowercase letters, digits and hyphens.
    pub slug: String,
    /// The name.
    pub name: String,
    /// First day (YYYY-MM-DD).
    pub starts_on: NaiveDate,
    /// Last day (YYYY-MM-DD).
    pub ends_on: NaiveDate,
    /// IANA time zone of the venue.
    pub time_zone: String,
    /// Venue.
    #[serde(default)]
    pub venue: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// What it is about.
    #[serde(default)]
    pub description: String,
}

/// A conference in the workspace.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConferenceDto {
    /// Its id.
    pub id: i64,
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// When a conference day turns into the next (HH:MM).
    pub day_change: String,
    /// IANA zone.
    pub time_zone: String,
    /// Venue.
    pub venue: String,
    /// City.
    pub city: String,
    /// Description.
    pub description: String,
    /// Website.
    pub url: String,
    /// Logo.
    pub logo_url: String,
    /// Whether the public sees it.
    pub published: bool,
}

impl From<&ConferenceDetail> for ConferenceDto {
    fn from(d: &ConferenceDetail) -> Self {
        let i = &d.conference.info;
        Self {
            id: d.conference.id.get(),
            slug: i.slug.to_string(),
            name: i.name.clone(),
            starts_on: i.days.first(),
            ends_on: i.days.last(),
            day_change: i.days.day_change().format("%H:%M").to_string(),
            time_zone: i.time_zone.name().to_owned(),
            venue: i.venue.clone(),
            city: i.city.clone(),
            description: i.description.clone(),
            url: i.url.clone(),
            logo_url: d.logo_url.clone(),
            published: d.published,
        }
    }
}

/// Checks the parts of a conference's details.
pub(super) fn conference_info(
    slug: Slug,
    name: &str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    day_change: NaiveTime,
    time_zone: &str,
) -> Result<ConferenceInfo, ApiError> {
    let zone = TimeZone::parse(time_zone.trim()).map_err(|e| invalid("time_zone", e))?;
    let days =
        ConferenceDays::new(starts_on, ends_on, day_change).map_err(|e| invalid("ends_on", e))?;
    ConferenceInfo::new(slug, name.trim(), zone, days).map_err(|e| invalid("name", e))
}

/// Creates a conference (site admins). It starts unpublished and empty; the creator becomes
/// its organizer.
pub(super) async fn create(
    state: &AppState,
    account: &Account,
    body: &NewConference,
) -> Result<ConferenceDetail, ApiError> {
    if !account.is_admin {
        return Err(ApiError::Forbidden(
            "only site admins may create conferences".to_owned(),
        ));
    }
    let slug = Slug::parse(body.slug.trim()).map_err(|e| invalid("slug", e))?;
    let mut info = conference_info(
        slug.clone(),
        &body.name,
        body.starts_on,
        body.ends_on,
        NaiveTime::MIN,
        &body.time_zone,
    )?;
    info.venue = body.venue.trim().to_owned();
    info.city = body.city.trim().to_owned();
    info.description = body.description.trim().to_owned();
    state
        .store
        .create_conference(&info, account.id, state.clock.now())
        .await
        .map_err(conflict)?;
    let detail = state
        .store
        .conference(&slug)
        .await?
        .ok_or_else(|| ApiError::Internal("the new conference is gone".into()))?;
    audit_record(
        state,
        &detail,
        account,
        "created the conference",
        info.name.clone(),
    )
    .await?;
    Ok(detail)
}

/// Creates a conference (site admins). It starts unpublished and empty; the creator becomes
/// its organizer.
#[utoipa::path(
    post,
    path = "/api/v1/conferences",
    tag = "organizing",
    request_body = NewConference,
    responses(
        (status = 201, body = ConferenceDto),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn create_conference(
    State(state): State<AppState>,
    user: ApiUser,
    Json(body): Json<NewConference>,
) -> Result<(StatusCode, Json<ConferenceDto>), ApiError> {
    let detail = create(&state, &user.account, &body).await?;
    Ok((StatusCode::CREATED, Json(ConferenceDto::from(&detail))))
}

/// Changes to a conference; absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConferencePatch {
    /// Name.
    pub name: Option<String>,
    /// First day.
    pub starts_on: Option<NaiveDate>,
    /// Last day.
    pub ends_on: Option<NaiveDate>,
    /// When a day turns into the next (HH:MM), for sessions after midnight.
    pub day_change: Option<String>,
    /// IANA zone.
    pub time_zone: Option<String>,
    /// Venue.
    pub venue: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Website (http(s)).
    pub url: Option<String>,
    /// Logo (http(s)).
    pub logo_url: Option<String>,
    /// Show it to the public, or hide it.
    pub published: Option<bool>,
}

pub(super) async fn patch_conference(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    p: ConferencePatch,
) -> Result<ConferenceDetail, ApiError> {
    let old = &detail.conference.info;
    let day_change = match p.day_change.as_deref().map(str::trim) {
        None => old.days.day_change(),
        Some(t) => NaiveTime::parse_from_str(t, "%H:%M")
            .map_err(|_| invalid("day_change", format!("{t:?} is not HH:MM")))?,
    };
    let mut info = conference_info(
        old.slug.clone(),
        p.name.as_deref().unwrap_or(&old.name),
        p.starts_on.unwrap_or(old.days.first()),
        p.ends_on.unwrap_or(old.days.last()),
        day_change,
        p.time_zone.as_deref().unwrap_or(old.time_zone.name()),
    )?;
    info.venue = p
        .venue
        .map_or_else(|| old.venue.clone(), |v| v.trim().to_owned());
    info.city = p
        .city
        .map_or_else(|| old.city.clone(), |v| v.trim().to_owned());
    info.description = p
        .description
        .map_or_else(|| old.description.clone(), |v| v.trim().to_owned());
    info.url = match p.url {
        Some(u) => http_url(&u, "url")?,
        None => old.url.clone(),
    };
    let logo = match p.logo_url {
        Some(u) => http_url(&u, "logo_url")?,
        None => detail.logo_url.clone(),
    };
    let id = detail.conference.id;
    state.store.update_conference(id, &info, &logo).await?;
    if let Some(published) = p.published
        && published != detail.published
    {
        state.store.set_published(id, published).await?;
        let action = if published {
            "published the conference"
        } else {
            "unpublished the conference"
        };
        audit_record(state, detail, account, action, "").await?;
    }
    audit_record(
        state,
        detail,
        account,
        "changed the conference",
        format!(
            "{} · {} to {} · {}",
            info.name,
            info.days.first(),
            info.days.last(),
            info.time_zone.name()
        ),
    )
    .await?;
    state
        .store
        .conference(&old.slug)
        .await?
        .ok_or_else(|| ApiError::Internal("the conference is gone".into()))
}

/// Changes a conference's details, or publishes or unpublishes it (organizers).
#[utoipa::path(
    patch,
    path = "/api/v1/conferences/{slug}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = ConferencePatch,
    responses(
        (status = 200, body = ConferenceDto),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn update_conference(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    Json(body): Json<ConferencePatch>,
) -> Result<Json<ConferenceDto>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    let detail = patch_conference(&state, &user.account, &detail, body).await?;
    Ok(Json(ConferenceDto::from(&detail)))
}

// ---- rooms, tracks, speakers -----------------------------------------------------------

/// A room.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct RoomBody {
    /// Its name, unique in the conference.
    pub name: String,
    /// Seats; null = unlimited.
    pub capacity: Option<i64>,
    /// Where to find it.
    #[serde(default)]
    pub note: String,
}

/// A room with its id.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomDto {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Seats; null = unlimited.
    pub capacity: Option<u32>,
    /// Where to find it.
    pub note: String,
}

fn room_name(raw: &str) -> Result<String, ApiError> {
    hallway_domain::text::required(raw, 100).map_err(|e| invalid("name", e))
}

pub(super) async fn room_add(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    body: &RoomBody,
) -> Result<RoomDto, ApiError> {
    let name = room_name(&body.name)?;
    let cap = capacity(body.capacity, "capacity")?;
    let id = state
        .store
        .add_room(detail.conference.id, &name, cap, body.note.trim())
        .await
        .map_err(conflict)?;
    audit_record(
        state,
        detail,
        account,
        "added a room",
        format!("{name}, {}", seats(cap)),
    )
    .await?;
    Ok(RoomDto {
        id: id.get(),
        name,
        capacity: cap.map(Capacity::get),
        note: body.note.trim().to_owned(),
    })
}

fn seats(c: Option<Capacity>) -> String {
    c.map_or_else(
        || "no seat limit".to_owned(),
        |c| format!("{} seats", c.get()),
    )
}

/// Adds a room (organizers).
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/rooms",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = RoomBody,
    responses(
        (status = 201, body = RoomDto),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn add_room(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    Json(body): Json<RoomBody>,
) -> Result<(StatusCode, Json<RoomDto>), ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok((
        StatusCode::CREATED,
        Json(room_add(&state, &user.account, &detail, &body).await?),
    ))
}

pub(super) async fn room_update(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
    body: &RoomBody,
) -> Result<RoomDto, ApiError> {
    let name = room_name(&body.name)?;
    let cap = capacity(body.capacity, "capacity")?;
    // Promotions the new capacity made reach their attendees through the outbox.
    state
        .store
        .update_room(
            detail.conference.id,
            RoomId::new(id),
            &name,
            cap,
            body.note.trim(),
            state.clock.now(),
        )
        .await
        .map_err(conflict)?
        .ok_or_else(|| ApiError::NotFound(format!("There is no room {id}.")))?;
    audit_record(
        state,
        detail,
        account,
        "changed a room",
        format!("{name}, {}", seats(cap)),
    )
    .await?;
    Ok(RoomDto {
        id,
        name,
        capacity: cap.map(Capacity::get),
        note: body.note.trim().to_owned(),
    })
}

/// Changes a room (organizers). A new capacity applies at once to its sessions without their
/// own: raising it promotes waiting attendees; lowering it keeps everyone already in.
#[utoipa::path(
    put,
    path = "/api/v1/conferences/{slug}/rooms/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The room's id")),
    request_body = RoomBody,
    responses(
        (status = 200, body = RoomDto),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn update_room(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, i64)>,
    Json(body): Json<RoomBody>,
) -> Result<Json<RoomDto>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok(Json(
        room_update(&state, &user.account, &detail, id, &body).await?,
    ))
}

pub(super) async fn room_delete(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
) -> Result<(), ApiError> {
    let (draft, _) = working_draft(state, detail).await?;
    if draft.sessions.iter().any(|s| s.room.get() == id) {
        return Err(ApiError::Conflict(
            "sessions in the draft take place in this room: move them first".into(),
        ));
    }
    let name = detail
        .rooms
        .iter()
        .find(|r| r.id.get() == id)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    if !state
        .store
        .delete_room(detail.conference.id, RoomId::new(id))
        .await
        .map_err(conflict)?
    {
        return Err(ApiError::NotFound(format!("There is no room {id}.")));
    }
    audit_record(state, detail, account, "deleted a room", name).await
}

/// Deletes a room no session uses (organizers).
#[utoipa::path(
    delete,
    path = "/api/v1/conferences/{slug}/rooms/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The room's id")),
    responses(
        (status = 204),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn delete_room(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    room_delete(&state, &user.account, &detail, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A track.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TrackBody {
    /// Its name, unique in the conference.
    pub name: String,
    /// Its colour, `#rrggbb`; the text on it is black or white, whichever reads better
    /// (at least 4.5:1 for every colour).
    pub colour: String,
}

/// A track with its id.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackDto {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its colour.
    pub colour: String,
    /// The text colour used on it.
    pub text_colour: String,
}

fn track_parts(body: &TrackBody) -> Result<(String, Colour), ApiError> {
    Ok((
        hallway_domain::text::required(&body.name, 100).map_err(|e| invalid("name", e))?,
        Colour::parse(body.colour.trim()).map_err(|e| invalid("colour", e))?,
    ))
}

pub(super) async fn track_add(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    body: &TrackBody,
) -> Result<TrackDto, ApiError> {
    let (name, colour) = track_parts(body)?;
    let id = state
        .store
        .add_track(detail.conference.id, &name, colour)
        .await
        .map_err(conflict)?;
    audit_record(
        state,
        detail,
        account,
        "added a track",
        format!("{name} {}", colour.hex()),
    )
    .await?;
    Ok(TrackDto {
        id: id.get(),
        name,
        colour: colour.hex(),
        text_colour: colour.text_colour().to_owned(),
    })
}

/// Adds a track (organizers).
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/tracks",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = TrackBody,
    responses(
        (status = 201, body = TrackDto),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn add_track(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    Json(body): Json<TrackBody>,
) -> Result<(StatusCode, Json<TrackDto>), ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok((
        StatusCode::CREATED,
        Json(track_add(&state, &user.account, &detail, &body).await?),
    ))
}

/// Changes a track (organizers).
#[utoipa::path(
    put,
    path = "/api/v1/conferences/{slug}/tracks/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The track's id")),
    request_body = TrackBody,
    responses(
        (status = 200, body = TrackDto),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn update_track(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, i64)>,
    Json(body): Json<TrackBody>,
) -> Result<Json<TrackDto>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok(Json(
        track_update(&state, &user.account, &detail, id, &body).await?,
    ))
}

pub(super) async fn track_update(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
    body: &TrackBody,
) -> Result<TrackDto, ApiError> {
    let (name, colour) = track_parts(body)?;
    if !state
        .store
        .update_track(detail.conference.id, TrackId::new(id), &name, colour)
        .await
        .map_err(conflict)?
    {
        return Err(ApiError::NotFound(format!("There is no track {id}.")));
    }
    audit_record(
        state,
        detail,
        account,
        "changed a track",
        format!("{name} {}", colour.hex()),
    )
    .await?;
    Ok(TrackDto {
        id,
        name,
        colour: colour.hex(),
        text_colour: colour.text_colour().to_owned(),
    })
}

/// Deletes a track; its sessions stay, without a track (organizers).
#[utoipa::path(
    delete,
    path = "/api/v1/conferences/{slug}/tracks/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The track's id")),
    responses((status = 204), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn delete_track(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    track_delete(&state, &user.account, &detail, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn track_delete(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
) -> Result<(), ApiError> {
    if !state
        .store
        .delete_track(detail.conference.id, TrackId::new(id))
        .await?
    {
        return Err(ApiError::NotFound(format!("There is no track {id}.")));
    }
    audit_record(state, detail, account, "deleted a track", id.to_string()).await
}

/// A speaker.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SpeakerBody {
    /// Full name.
    pub name: String,
    /// Company or affiliation.
    #[serde(default)]
    pub company: String,
    /// A short biography.
    #[serde(default)]
    pub bio: String,
    /// A photo (http(s)).
    #[serde(default)]
    pub photo_url: String,
    /// Home page, social profiles.
    #[serde(default)]
    pub links: Vec<LinkBody>,
}

/// A link.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct LinkBody {
    /// What it is.
    pub title: String,
    /// Where it points (http(s)).
    pub url: String,
}

/// A speaker with its id.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpeakerDto {
    /// Its id.
    pub id: i64,
    /// Name.
    pub name: String,
}

pub(super) fn speaker_info(body: &SpeakerBody) -> Result<SpeakerInfo, ApiError> {
    let mut info = SpeakerInfo::new(body.name.trim()).map_err(|e| invalid("name", e))?;
    info.company = body.company.trim().to_owned();
    info.bio = body.bio.trim().to_owned();
    info.photo_url = http_url(&body.photo_url, "photo_url")?;
    info.links = body
        .links
        .iter()
        .map(|l| Link::new(l.title.trim(), l.url.trim()).map_err(|e| invalid("links", e)))
        .collect::<Result<_, _>>()?;
    Ok(info)
}

pub(super) async fn speaker_add(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    body: &SpeakerBody,
) -> Result<SpeakerDto, ApiError> {
    let info = speaker_info(body)?;
    let id = state.store.add_speaker(detail.conference.id, &info).await?;
    audit_record(state, detail, account, "added a speaker", info.name.clone()).await?;
    Ok(SpeakerDto {
        id: id.get(),
        name: info.name,
    })
}

/// Adds a speaker (organizers).
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/speakers",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = SpeakerBody,
    responses(
        (status = 201, body = SpeakerDto),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn add_speaker(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    Json(body): Json<SpeakerBody>,
) -> Result<(StatusCode, Json<SpeakerDto>), ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok((
        StatusCode::CREATED,
        Json(speaker_add(&state, &user.account, &detail, &body).await?),
    ))
}

/// Changes a speaker (organizers).
#[utoipa::path(
    put,
    path = "/api/v1/conferences/{slug}/speakers/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The speaker's id")),
    request_body = SpeakerBody,
    responses((status = 200, body = SpeakerDto), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn update_speaker(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, i64)>,
    Json(body): Json<SpeakerBody>,
) -> Result<Json<SpeakerDto>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok(Json(
        speaker_update(&state, &user.account, &detail, id, &body).await?,
    ))
}

pub(super) async fn speaker_update(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
    body: &SpeakerBody,
) -> Result<SpeakerDto, ApiError> {
    let info = speaker_info(body)?;
    if !state
        .store
        .update_speaker(detail.conference.id, SpeakerId::new(id), &info)
        .await?
    {
        return Err(ApiError::NotFound(format!("There is no speaker {id}.")));
    }
    audit_record(
        state,
        detail,
        account,
        "changed a speaker",
        info.name.clone(),
    )
    .await?;
    Ok(SpeakerDto {
        id,
        name: info.name,
    })
}

/// Deletes a speaker; their sessions stay (organizers).
#[utoipa::path(
    delete,
    path = "/api/v1/conferences/{slug}/speakers/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The speaker's id")),
    responses((status = 204), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn delete_speaker(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    speaker_delete(&state, &user.account, &detail, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn speaker_delete(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
) -> Result<(), ApiError> {
    if !state
        .store
        .delete_speaker(detail.conference.id, SpeakerId::new(id))
        .await?
    {
        return Err(ApiError::NotFound(format!("There is no speaker {id}.")));
    }
    audit_record(state, detail, account, "deleted a speaker", id.to_string()).await
}

// ---- the draft ---------------------------------------------------------------------------

/// Saves of the draft that lost to another editor's are redone this many times.
const DRAFT_ATTEMPTS: u32 = 30;

/// The draft to edit: the stored one, else the released program.
pub(super) async fn working_draft(
    state: &AppState,
    detail: &ConferenceDetail,
) -> Result<(Draft, i64), ApiError> {
    if let Some(found) = state.store.draft(detail.conference.id).await? {
        return Ok(found);
    }
    let program = released(state, detail).await?;
    Ok((Draft::of(&program), 0))
}

/// The released program of `detail`.
pub(super) async fn released(
    state: &AppState,
    detail: &ConferenceDetail,
) -> Result<StoredProgram, ApiError> {
    state
        .store
        .stored_program(&detail.conference.info.slug)
        .await?
        .ok_or_else(|| ApiError::NotFound("the conference is gone".into()))
}

/// A session in the draft, as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftSessionDto {
    /// Its id in the draft (the public id once released).
    pub id: i64,
    /// Its guid.
    pub guid: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: String,
    /// The conference's name for the kind; empty: the kind's.
    pub label: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Room.
    pub room_id: i64,
    /// Track.
    pub track_id: Option<i64>,
    /// Speakers.
    pub speaker_ids: Vec<i64>,
    /// Own capacity (null: the room's).
    pub capacity: Option<u32>,
    /// Abstract.
    #[serde(rename = "abstract")]
    pub abstract_text: String,
}

impl From<&DraftSession> for DraftSessionDto {
    fn from(s: &DraftSession) -> Self {
        Self {
            id: s.id,
            guid: s.guid.to_string(),
            title: s.title.clone(),
            kind: s.kind.as_str().to_owned(),
            label: s.label.clone(),
            starts_at: s.span.start(),
            ends_at: s.span.end(),
            room_id: s.room.get(),
            track_id: s.track.map(TrackId::get),
            speaker_ids: s.speakers.iter().map(|p| p.get()).collect(),
            capacity: s.capacity.map(Capacity::get),
            abstract_text: s.abstract_text.clone(),
        }
    }
}

/// The draft of the next release.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftDto {
    /// Bumped by every saved change.
    pub revision: i64,
    /// Its sessions, by start.
    pub sessions: Vec<DraftSessionDto>,
    /// Sessions added, changed and removed against the released program.
    pub pending: PendingDto,
}

/// What a release would change.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct PendingDto {
    /// Sessions added.
    pub added: usize,
    /// Changed.
    pub changed: usize,
    /// Removed.
    pub removed: usize,
}

pub(super) fn pending(draft: &Draft, program: &StoredProgram) -> PendingDto {
    match draft.to_program(program, program.conference.info.clone()) {
        Ok(p) => {
            let d = hallway_domain::changes::diff(program, &p);
            PendingDto {
                added: d.added.len(),
                changed: d.changed().count(),
                removed: d.removed.len(),
            }
        }
        Err(_) => PendingDto::default(),
    }
}

/// The draft of the next release (organizers).
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/draft",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = DraftDto), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn get_draft(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<DraftDto>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    let (draft, revision) = working_draft(&state, &detail).await?;
    let program = released(&state, &detail).await?;
    Ok(Json(DraftDto {
        revision,
        pending: pending(&draft, &program),
        sessions: draft
            .sorted()
            .into_iter()
            .map(DraftSessionDto::from)
            .collect(),
    }))
}

/// A session to put in the draft (POST: all of it; PATCH: what changes).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SessionBody {
    /// Title.
    pub title: Option<String>,
    /// Start (RFC 3339).
    pub starts_at: Option<DateTime<Utc>>,
    /// End (RFC 3339).
    pub ends_at: Option<DateTime<Utc>>,
    /// Room.
    pub room_id: Option<i64>,
    /// talk, keynote, workshop, lab, theater or break.
    pub kind: Option<String>,
    /// The conference's own name for the kind ("Lightning talk"); empty: the kind's.
    pub label: Option<String>,
    /// Own capacity below the room's; null: the room's.
    #[serde(default, deserialize_with = "double_option")]
    pub capacity: Option<Option<i64>>,
    /// Track; null: none.
    #[serde(default, deserialize_with = "double_option")]
    pub track_id: Option<Option<i64>>,
    /// Speakers, in billing order.
    pub speaker_ids: Option<Vec<i64>>,
    /// Abstract.
    #[serde(rename = "abstract")]
    pub abstract_text: Option<String>,
}

fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// What saving a session in the draft answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedSession {
    /// The session as saved.
    pub session: DraftSessionDto,
    /// What the editor warns about (a speaker in two places, fewer seats than reserved).
    pub warnings: Vec<String>,
}

/// Why the editor would not save.
pub(super) enum EditRefusal {
    /// A rule was broken: answer 409 with these problems.
    Problems(Vec<EditProblem>, String),
    /// Only warnings, and the caller asked to see them before saving: nothing saved.
    Unconfirmed(Vec<String>),
    /// Anything else.
    Api(ApiError),
}

impl From<ApiError> for EditRefusal {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<StoreError> for EditRefusal {
    fn from(e: StoreError) -> Self {
        Self::Api(ApiError::Store(e))
    }
}

impl IntoResponse for EditRefusal {
    fn into_response(self) -> Response {
        match self {
            Self::Api(e) => e.into_response(),
            Self::Unconfirmed(warnings) => {
                let mut extra = serde_json::Map::new();
                extra.insert("warnings".into(), json!(warnings));
                problem_with(
                    StatusCode::CONFLICT,
                    "unconfirmed",
                    "Confirm the warnings",
                    warnings.join(" "),
                    None,
                    extra,
                )
            }
            Self::Problems(problems, message) => {
                let room = problems
                    .iter()
                    .any(|p| matches!(p, EditProblem::RoomTaken { .. }));
                let mut extra = serde_json::Map::new();
                extra.insert("problems".into(), json!(problems));
                let conflicts: Vec<_> = problems
                    .iter()
                    .filter_map(|p| match p {
                        EditProblem::RoomTaken { session, title } => {
                            Some(json!({"id": session, "title": title}))
                        }
                        _ => None,
                    })
                    .collect();
                extra.insert("conflicts".into(), json!(conflicts));
                let (slug, title) = if room {
                    ("room-conflict", "Room taken")
                } else {
                    ("outside-days", "Outside the conference days")
                };
                problem_with(StatusCode::CONFLICT, slug, title, message, None, extra)
            }
        }
    }
}

pub(super) fn speaker_names(program: &StoredProgram) -> impl Fn(SpeakerId) -> String + '_ {
    move |id| {
        program
            .speaker(id)
            .map_or_else(|| format!("speaker {id}"), |p| p.info.name.clone())
    }
}

/// Applies `body` to a new session (`id: None`) or the draft session `id`, checks the
/// editor's rules and saves the draft. Answers the session and the warnings; with
/// `warn_first`, warnings stop the save ([`EditRefusal::Unconfirmed`]) so the organizer sees
/// them before saving (the pages do that; the API saves and reports them).
pub(super) async fn save_session(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: Option<i64>,
    body: &SessionBody,
    warn_first: bool,
) -> Result<(DraftSession, Vec<String>), EditRefusal> {
    let program = released(state, detail).await?;
    for _ in 0..DRAFT_ATTEMPTS {
        let (mut draft, revision) = working_draft(state, detail).await?;
        let base = match id {
            Some(id) => Some(draft.session(id).cloned().ok_or_else(|| {
                ApiError::NotFound(format!("There is no session {id} in the draft."))
            })?),
            None => None,
        };
        let title = match (&body.title, &base) {
            (Some(t), _) => {
                hallway_domain::text::required(t, 300).map_err(|e| invalid("title", e))?
            }
            (None, Some(b)) => b.title.clone(),
            (None, None) => return Err(invalid("title", "a session needs a title").into()),
        };
        let kind = match (&body.kind, &base) {
            (Some(k), _) => SessionKind::parse(k.trim()).map_err(|e| invalid("kind", e))?,
            (None, Some(b)) => b.kind,
            (None, None) => SessionKind::Talk,
        };
        let start = body
            .starts_at
            .or(base.as_ref().map(|b| b.span.start()))
            .ok_or_else(|| invalid("starts_at", "a session needs a start"))?;
        let end = body
            .ends_at
            .or(base.as_ref().map(|b| b.span.end()))
            .ok_or_else(|| invalid("ends_at", "a session needs an end"))?;
        let span = TimeSpan::new(start, end).map_err(|e| invalid("ends_at", e))?;
        let room = match (body.room_id, &base) {
            (Some(r), _) => RoomId::new(r),
            (None, Some(b)) => b.room,
            (None, None) => return Err(invalid("room_id", "a session needs a room").into()),
        };
        let Some(room_row) = program.rooms.iter().find(|r| r.id == room) else {
            return Err(invalid("room_id", format!("there is no room {room}")).into());
        };
        let track = match (&body.track_id, &base) {
            (Some(t), _) => t.map(TrackId::new),
            (None, Some(b)) => b.track,
            (None, None) => None,
        };
        if let Some(t) = track
            && program.track(t).is_none()
        {
            return Err(invalid("track_id", format!("there is no track {t}")).into());
        }
        let speakers: Vec<SpeakerId> = match (&body.speaker_ids, &base) {
            (Some(list), _) => list.iter().map(|p| SpeakerId::new(*p)).collect(),
            (None, Some(b)) => b.speakers.clone(),
            (None, None) => Vec::new(),
        };
        if let Some(p) = speakers.iter().find(|p| program.speaker(**p).is_none()) {
            return Err(invalid("speaker_ids", format!("there is no speaker {p}")).into());
        }
        let own_capacity = match (&body.capacity, &base) {
            (Some(c), _) => capacity(*c, "capacity")?,
            (None, Some(b)) => b.capacity,
            (None, None) => None,
        };
        let reserved = id
            .and_then(|id| program.sessions.iter().find(|s| s.id.get() == id))
            .map_or(0, |s| s.seats.reserved());
        let effective = if kind.is_reservable() {
            own_capacity.or(room_row.capacity)
        } else {
            None
        };
        let problems = editor::check(
            &draft,
            &detail.conference.info,
            &Candidate {
                id,
                room,
                span,
                speakers: &speakers,
                capacity: effective,
                reserved,
            },
        );
        let names = speaker_names(&program);
        if problems.iter().any(EditProblem::blocks) {
            let message = problems
                .iter()
                .filter(|p| p.blocks())
                .map(|p| p.describe(&names))
                .collect::<Vec<_>>()
                .join(" ");
            return Err(EditRefusal::Problems(problems, message));
        }
        let warnings: Vec<String> = problems.iter().map(|p| p.describe(&names)).collect();
        if warn_first && !warnings.is_empty() {
            return Err(EditRefusal::Unconfirmed(warnings));
        }
        let session = DraftSession {
            id: id.unwrap_or(draft.next_id),
            guid: base.as_ref().map_or_else(
                || {
                    Guid::derived(&format!(
                        "{}/draft/{}/{}",
                        detail.conference.info.slug,
                        draft.next_id,
                        state.clock.now().timestamp_nanos_opt().unwrap_or(0)
                    ))
                },
                |b| b.guid,
            ),
            title,
            kind,
            label: match (&body.label, &base) {
                (Some(l), _) => {
                    hallway_domain::text::optional(l, 60).map_err(|e| invalid("label", e))?
                }
                (None, Some(b)) => b.label.clone(),
                (None, None) => String::new(),
            },
            span,
            room,
            track,
            speakers,
            capacity: own_capacity,
            abstract_text: body.abstract_text.as_ref().map_or_else(
                || {
                    base.as_ref()
                        .map(|b| b.abstract_text.clone())
                        .unwrap_or_default()
                },
                |a| a.trim().to_owned(),
            ),
            subtitle: base
                .as_ref()
                .map(|b| b.subtitle.clone())
                .unwrap_or_default(),
            description: base
                .as_ref()
                .map(|b| b.description.clone())
                .unwrap_or_default(),
            language: base
                .as_ref()
                .map(|b| b.language.clone())
                .unwrap_or_default(),
            url: base.as_ref().map(|b| b.url.clone()).unwrap_or_default(),
            links: base.as_ref().map(|b| b.links.clone()).unwrap_or_default(),
        };
        match id {
            Some(id) => {
                if let Some(slot) = draft.sessions.iter_mut().find(|s| s.id == id) {
                    *slot = session.clone();
                }
            }
            None => {
                draft.sessions.push(session.clone());
                draft.next_id += 1;
            }
        }
        if state
            .store
            .save_draft(detail.conference.id, &draft, revision, state.clock.now())
            .await?
        {
            let action = if id.is_some() {
                "changed a session in the draft"
            } else {
                "added a session to the draft"
            };
            let tz = detail.conference.info.time_zone.tz();
            audit_record(
                state,
                detail,
                account,
                action,
                format!(
                    "{} · {} · {}",
                    session.title,
                    session
                        .span
                        .start()
                        .with_timezone(&tz)
                        .format("%a %-d %b %H:%M"),
                    room_row.name
                ),
            )
            .await?;
            return Ok((session, warnings));
        }
    }
    Err(ApiError::Conflict(
        "the draft is being changed by someone else right now; try again".into(),
    )
    .into())
}

/// Adds a session to the draft (organizers). Refused with 409 `room-conflict` when its room
/// is taken at that time (the `conflicts` name the sessions), or `outside-days`; a speaker
/// in two places at once and a capacity below the seats reserved come back as warnings.
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/sessions",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = SessionBody,
    responses(
        (status = 201, body = SavedSession),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json", description = "room-conflict or outside-days")
    )
)]
async fn add_session(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    Json(body): Json<SessionBody>,
) -> Result<(StatusCode, Json<SavedSession>), EditRefusal> {
    let detail = organized(&state, &user.account, &slug).await?;
    let (session, warnings) =
        save_session(&state, &user.account, &detail, None, &body, false).await?;
    Ok((
        StatusCode::CREATED,
        Json(SavedSession {
            session: DraftSessionDto::from(&session),
            warnings,
        }),
    ))
}

/// Changes a session in the draft: move it (time, room), retitle it, change its speakers or
/// seats (organizers). Same refusals and warnings as adding one.
#[utoipa::path(
    patch,
    path = "/api/v1/conferences/{slug}/sessions/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The session's id in the draft")),
    request_body = SessionBody,
    responses(
        (status = 200, body = SavedSession),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn update_session(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, i64)>,
    Json(body): Json<SessionBody>,
) -> Result<Json<SavedSession>, EditRefusal> {
    let detail = organized(&state, &user.account, &slug).await?;
    let (session, warnings) =
        save_session(&state, &user.account, &detail, Some(id), &body, false).await?;
    Ok(Json(SavedSession {
        session: DraftSessionDto::from(&session),
        warnings,
    }))
}

/// Takes a session out of the draft; the release cancels it and tells its attendees.
pub(super) async fn remove_session(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
) -> Result<(), ApiError> {
    for _ in 0..DRAFT_ATTEMPTS {
        let (mut draft, revision) = working_draft(state, detail).await?;
        let Some(pos) = draft.sessions.iter().position(|s| s.id == id) else {
            return Err(ApiError::NotFound(format!(
                "There is no session {id} in the draft."
            )));
        };
        let gone = draft.sessions.remove(pos);
        if state
            .store
            .save_draft(detail.conference.id, &draft, revision, state.clock.now())
            .await?
        {
            return audit_record(
                state,
                detail,
                account,
                "cancelled a session in the draft",
                gone.title,
            )
            .await;
        }
    }
    Err(ApiError::Conflict(
        "the draft is being changed by someone else right now; try again".into(),
    ))
}

/// Cancels a session in the draft (organizers): the next release takes it off the program
/// and tells its attendees.
#[utoipa::path(
    delete,
    path = "/api/v1/conferences/{slug}/sessions/{id}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The session's id in the draft")),
    responses((status = 204), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn delete_session(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    remove_session(&state, &user.account, &detail, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a release did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseDto {
    /// The schedule version published.
    pub version: i64,
    /// Sessions added, changed, removed.
    pub added: u32,
    /// Changed.
    pub changed: u32,
    /// Removed.
    pub removed: u32,
    /// Attendees told about a change to a session they kept.
    pub notified: u32,
    /// Reservations taken out (cancelled, or moved onto another of the attendee's sessions).
    pub dropped: usize,
    /// Waiting attendees who got a seat.
    pub promoted: usize,
}

/// Publishes the draft as the next schedule version.
pub(super) async fn do_release(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
) -> Result<ReleaseDto, ApiError> {
    let (draft, _) = working_draft(state, detail).await?;
    let program = released(state, detail).await?;
    let next = draft
        .to_program(&program, detail.conference.info.clone())
        .map_err(|e| ApiError::Conflict(format!("the draft cannot be released: {e}")))?;
    let report = state
        .store
        .import_program(
            &next,
            "",
            &format!("release by {}", account.email),
            state.clock.now(),
            ImportHow {
                dry_run: false,
                states_session_capacities: true,
            },
        )
        .await
        .map_err(conflict)?;
    state.store.drop_draft(detail.conference.id).await?;
    audit_record(
        state,
        detail,
        account,
        "released a schedule version",
        format!(
            "version {}: {} added, {} changed, {} removed",
            report.version, report.added, report.changed, report.removed
        ),
    )
    .await?;
    Ok(ReleaseDto {
        version: report.version,
        added: report.added,
        changed: report.changed,
        removed: report.removed,
        notified: report.notified,
        dropped: report.dropped.len(),
        promoted: report.promotions.len(),
    })
}

/// Releases the draft as the next schedule version (organizers): the public program becomes
/// the draft; attendees whose reserved sessions moved, changed room or were cancelled are
/// told once; freed seats go to the waitlist.
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/releases",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses(
        (status = 201, body = ReleaseDto),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn release(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<(StatusCode, Json<ReleaseDto>), ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok((
        StatusCode::CREATED,
        Json(do_release(&state, &user.account, &detail).await?),
    ))
}

// ---- people --------------------------------------------------------------------------------

/// An invitation to make.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InviteBody {
    /// Who.
    pub email: String,
    /// organizer, volunteer or speaker.
    pub role: String,
}

/// An invitation made: pass the link on (no mail server is configured).
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationDto {
    /// Who.
    pub email: String,
    /// As what.
    pub role: String,
    /// The sign-in link that takes the invitation up (shown once).
    pub link: String,
}

pub(super) async fn make_invitation(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    body: &InviteBody,
) -> Result<InvitationDto, ApiError> {
    let email = Email::parse(body.email.trim()).map_err(|e| invalid("email", e))?;
    let role = Role::parse(body.role.trim()).map_err(|e| invalid("role", e))?;
    if !matches!(role, Role::Organizer | Role::Volunteer | Role::Speaker) {
        return Err(invalid("role", "invite organizers, volunteers or speakers"));
    }
    let token = crate::auth::new_token();
    state
        .store
        .create_invitation(
            detail.conference.id,
            email.as_str(),
            role,
            account.id,
            &crate::auth::digest(&token),
            state.clock.now(),
        )
        .await?;
    audit_record(
        state,
        detail,
        account,
        "invited",
        format!("{} as {}", email.as_str(), role.as_str()),
    )
    .await?;
    Ok(InvitationDto {
        email: email.as_str().to_owned(),
        role: role.as_str().to_owned(),
        link: format!("/invite/{token}"),
    })
}

/// Invites someone to the team (organizers). The answer holds the sign-in link to pass on.
#[utoipa::path(
    post,
    path = "/api/v1/conferences/{slug}/invitations",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = InviteBody,
    responses((status = 201, body = InvitationDto), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn invite(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    Json(body): Json<InviteBody>,
) -> Result<(StatusCode, Json<InvitationDto>), ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok((
        StatusCode::CREATED,
        Json(make_invitation(&state, &user.account, &detail, &body).await?),
    ))
}

/// A team member.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    /// The account's id.
    pub user_id: i64,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
}

/// The team: organizers, volunteers and speakers (organizers).
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/members",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = Vec<MemberDto>), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn members(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<Vec<MemberDto>>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok(Json(
        state
            .store
            .members(detail.conference.id)
            .await?
            .into_iter()
            .map(|m| MemberDto {
                user_id: m.user.get(),
                email: m.email,
                name: m.name,
                role: m.role.as_str().to_owned(),
            })
            .collect(),
    ))
}

pub(super) async fn drop_member(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    user: i64,
    role: &str,
) -> Result<(), ApiError> {
    let role = Role::parse(role.trim()).map_err(|e| invalid("role", e))?;
    if user == account.id.get() && role == Role::Organizer {
        return Err(ApiError::Conflict(
            "you cannot remove yourself as organizer".into(),
        ));
    }
    if !state
        .store
        .remove_member(detail.conference.id, UserId::new(user), role)
        .await?
    {
        return Err(ApiError::NotFound(format!(
            "Account {user} is not {} here.",
            role.as_str()
        )));
    }
    audit_record(
        state,
        detail,
        account,
        "removed from the team",
        format!("account {user} as {}", role.as_str()),
    )
    .await
}

/// Takes a role away from a team member (organizers; not from yourself as organizer).
#[utoipa::path(
    delete,
    path = "/api/v1/conferences/{slug}/members/{user_id}/{role}",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug"), ("user_id" = i64, Path, description = "The account"), ("role" = String, Path, description = "organizer, volunteer or speaker")),
    responses((status = 204), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn remove_member(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, member, role)): Path<(String, i64, String)>,
) -> Result<StatusCode, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    drop_member(&state, &user.account, &detail, member, &role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A line of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Details.
    pub detail: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The audit log: every organizer action, newest first (organizers).
#[utoipa::path(
    get,
    path = "/api/v1/conferences/{slug}/audit",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    responses((status = 200, body = Vec<AuditDto>), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn audit(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
) -> Result<Json<Vec<AuditDto>>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok(Json(
        state
            .store
            .audit_log(detail.conference.id, 500)
            .await?
            .into_iter()
            .map(|e| AuditDto {
                actor: e.actor,
                action: e.action,
                detail: e.detail,
                at: e.at,
            })
            .collect(),
    ))
}

// ---- the directory entry ---------------------------------------------------------------------

/// Which directory entry shows this conference's program: an existing edition (by slug), a
/// new one, or none.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DirectoryBody {
    /// Link this edition (its slug, as in `/api/v1/events`); null with no `create`: unlink.
    pub edition: Option<String>,
    /// Or create an edition (its dates are the conference's).
    pub create: Option<NewEdition>,
}

/// A new directory edition.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEdition {
    /// The series' name (a new series is made when there is none of that name).
    pub series: String,
    /// The edition's name, e.g. "Gopher Gathering 2031".
    pub name: String,
    /// Region: Europe, North America, Asia, …
    pub region: String,
    /// City.
    pub city: String,
    /// ISO country code, e.g. NL.
    pub country: String,
    /// Website.
    pub url: Option<String>,
}

/// The directory entry now.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryDto {
    /// The linked edition's slug, if any.
    pub edition: Option<String>,
}

pub(super) async fn directory_apply(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    body: &DirectoryBody,
) -> Result<DirectoryDto, ApiError> {
    let id = detail.conference.id;
    if let Some(c) = &body.create {
        let days = &detail.conference.info.days;
        let edition = hallway_domain::Edition::new(hallway_domain::directory::EditionFields {
            name: c.name.trim(),
            series: c.series.trim(),
            starts_on: Some(days.first()),
            ends_on: Some(days.last()),
            city: c.city.trim(),
            country: c.country.trim(),
            region: c.region.trim(),
            url: c.url.as_deref().map(str::trim).filter(|u| !u.is_empty()),
            attendance: None,
            tracks: None,
        })
        .map_err(|e| invalid("create", e))?;
        state
            .store
            .add_edition(&edition, id)
            .await
            .map_err(conflict)?;
        audit_record(
            state,
            detail,
            account,
            "added a directory entry",
            format!("{} ({})", edition.name, edition.series),
        )
        .await?;
        return Ok(DirectoryDto {
            edition: Some(edition.slug.to_string()),
        });
    }
    state.store.unlink_editions(id).await?;
    match body
        .edition
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        None => {
            audit_record(state, detail, account, "unlinked the directory entry", "").await?;
            Ok(DirectoryDto { edition: None })
        }
        Some(slug) => {
            let parsed = Slug::parse(slug).map_err(|e| invalid("edition", e))?;
            if !state.store.link_edition(&parsed, id).await? {
                return Err(invalid(
                    "edition",
                    format!("the directory has no edition {slug:?}"),
                ));
            }
            audit_record(
                state,
                detail,
                account,
                "linked the directory entry",
                slug.to_owned(),
            )
            .await?;
            Ok(DirectoryDto {
                edition: Some(slug.to_owned()),
            })
        }
    }
}

/// Links the conference to its directory entry, creates one, or unlinks it (organizers).
#[utoipa::path(
    put,
    path = "/api/v1/conferences/{slug}/directory",
    tag = "organizing",
    params(("slug" = String, Path, description = "The conference's slug")),
    request_body = DirectoryBody,
    responses((status = 200, body = DirectoryDto), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"))
)]
async fn set_directory(
    State(state): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    Json(body): Json<DirectoryBody>,
) -> Result<Json<DirectoryDto>, ApiError> {
    let detail = organized(&state, &user.account, &slug).await?;
    Ok(Json(
        directory_apply(&state, &user.account, &detail, &body).await?,
    ))
}
