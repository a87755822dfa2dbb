//! A conference's rooms, tracks and speakers.

use super::super::{capacity, conflict, invalid};
use super::draft::working_draft;
use super::organizer;
use crate::AppState;
use crate::error::ApiError;
use hallway_app::{AppError, setup};
use hallway_domain::program::{Link, SpeakerInfo};
use hallway_domain::{Capacity, Colour, RoomId, SpeakerId, TrackId};
use hallway_store::{Account, ConferenceDetail};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

pub(in crate::routes::workspace) fn room_name(raw: &str) -> Result<String, ApiError> {
    hallway_domain::text::required(raw, 100).map_err(|e| invalid("name", e))
}

pub(in crate::routes::workspace) async fn room_add(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    body: &RoomBody,
) -> Result<RoomDto, ApiError> {
    let room = room_of(body)?;
    let id = setup::add_room(
        state.context(),
        &organizer(state, account, detail).await?,
        &room,
    )
    .await
    .map_err(app_conflict)?;
    Ok(RoomDto {
        id: id.get(),
        name: room.name,
        capacity: room.capacity.map(Capacity::get),
        note: room.note,
    })
}

fn room_of(body: &RoomBody) -> Result<setup::Room, ApiError> {
    Ok(setup::Room {
        name: room_name(&body.name)?,
        capacity: capacity(body.capacity, "capacity")?,
        note: body.note.trim().to_owned(),
    })
}

/// A refusal of a use case, with the store's conflicts (a name taken, a room in use) as
/// 409s that say why.
fn app_conflict(e: AppError) -> ApiError {
    match e {
        AppError::Store(e) => conflict(e),
        other => other.into(),
    }
}

pub(in crate::routes::workspace) async fn room_update(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
    body: &RoomBody,
) -> Result<RoomDto, ApiError> {
    let room = room_of(body)?;
    // Promotions the new capacity made reach their attendees through the outbox.
    let who = organizer(state, account, detail).await?;
    setup::update_room(state.context(), &who, RoomId::new(id), &room)
        .await
        .map_err(app_conflict)?;
    Ok(RoomDto {
        id,
        name: room.name,
        capacity: room.capacity.map(Capacity::get),
        note: room.note,
    })
}

pub(in crate::routes::workspace) async fn room_delete(
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
    let who = organizer(state, account, detail).await?;
    setup::delete_room(state.context(), &who, RoomId::new(id), &name)
        .await
        .map_err(app_conflict)
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

pub(in crate::routes::workspace) fn track_parts(
    body: &TrackBody,
) -> Result<(String, Colour), ApiError> {
    Ok((
        hallway_domain::text::required(&body.name, 100).map_err(|e| invalid("name", e))?,
        Colour::parse(body.colour.trim()).map_err(|e| invalid("colour", e))?,
    ))
}

pub(in crate::routes::workspace) async fn track_add(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    body: &TrackBody,
) -> Result<TrackDto, ApiError> {
    let (name, colour) = track_parts(body)?;
    let who = organizer(state, account, detail).await?;
    let id = setup::add_track(state.context(), &who, &name, colour)
        .await
        .map_err(app_conflict)?;
    Ok(TrackDto {
        id: id.get(),
        name,
        colour: colour.hex(),
        text_colour: colour.text_colour().to_owned(),
    })
}

pub(in crate::routes::workspace) async fn track_update(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
    body: &TrackBody,
) -> Result<TrackDto, ApiError> {
    let (name, colour) = track_parts(body)?;
    let who = organizer(state, account, detail).await?;
    setup::update_track(state.context(), &who, TrackId::new(id), &name, colour)
        .await
        .map_err(app_conflict)?;
    Ok(TrackDto {
        id,
        name,
        colour: colour.hex(),
        text_colour: colour.text_colour().to_owned(),
    })
}

pub(in crate::routes::workspace) async fn track_delete(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
) -> Result<(), ApiError> {
    let who = organizer(state, account, detail).await?;
    Ok(setup::delete_track(state.context(), &who, TrackId::new(id)).await?)
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

pub(in crate::routes::workspace) fn speaker_info(
    body: &SpeakerBody,
) -> Result<SpeakerInfo, ApiError> {
    let mut info = SpeakerInfo::new(body.name.trim()).map_err(|e| invalid("name", e))?;
    info.company = body.company.trim().to_owned();
    info.bio = body.bio.trim().to_owned();
    info.photo_url = hallway_app::conferences::http_url(&body.photo_url, "photo_url")?;
    info.links = body
        .links
        .iter()
        .map(|l| Link::new(l.title.trim(), l.url.trim()).map_err(|e| invalid("links", e)))
        .collect::<Result<_, _>>()?;
    Ok(info)
}

pub(in crate::routes::workspace) async fn speaker_add(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    body: &SpeakerBody,
) -> Result<SpeakerDto, ApiError> {
    let info = speaker_info(body)?;
    let who = organizer(state, account, detail).await?;
    let id = setup::add_speaker(state.context(), &who, &info).await?;
    Ok(SpeakerDto {
        id: id.get(),
        name: info.name,
    })
}

pub(in crate::routes::workspace) async fn speaker_update(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
    body: &SpeakerBody,
) -> Result<SpeakerDto, ApiError> {
    let info = speaker_info(body)?;
    let who = organizer(state, account, detail).await?;
    setup::update_speaker(state.context(), &who, SpeakerId::new(id), &info).await?;
    Ok(SpeakerDto {
        id,
        name: info.name,
    })
}

pub(in crate::routes::workspace) async fn speaker_delete(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
) -> Result<(), ApiError> {
    let who = organizer(state, account, detail).await?;
    Ok(setup::delete_speaker(state.context(), &who, SpeakerId::new(id)).await?)
}
