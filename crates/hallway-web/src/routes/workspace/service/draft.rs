//! The draft: sessions edited apart from the published program, and its release as the
//! next schedule version.

use super::super::conflict;
use super::organizer;
use crate::AppState;
use crate::error::{ApiError, problem_with};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hallway_app::draft::{self, DraftRefusal};
use hallway_domain::changes::StoredProgram;
use hallway_domain::editor::{Draft, DraftSession, EditProblem};
use hallway_domain::{Capacity, RoomId, SpeakerId, TrackId};
use hallway_store::{Account, ConferenceDetail};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// The draft to edit: the stored one, else the released program.
pub(in crate::routes::workspace) async fn working_draft(
    state: &AppState,
    detail: &ConferenceDetail,
) -> Result<(Draft, i64), ApiError> {
    Ok(draft::working(state.context(), detail).await?)
}

/// The released program of `detail`.
pub(in crate::routes::workspace) async fn released(
    state: &AppState,
    detail: &ConferenceDetail,
) -> Result<StoredProgram, ApiError> {
    Ok(draft::released(state.context(), detail).await?)
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

pub(in crate::routes::workspace) fn pending(draft: &Draft, program: &StoredProgram) -> PendingDto {
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

pub(in crate::routes::workspace) fn double_option<'de, D, T>(
    d: D,
) -> Result<Option<Option<T>>, D::Error>
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
pub(in crate::routes::workspace) enum EditRefusal {
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

impl From<DraftRefusal> for EditRefusal {
    fn from(e: DraftRefusal) -> Self {
        match e {
            DraftRefusal::Problems(p, message) => Self::Problems(p, message),
            DraftRefusal::Unconfirmed(warnings) => Self::Unconfirmed(warnings),
            DraftRefusal::App(e) => Self::Api(e.into()),
        }
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

/// Applies `body` to a new session (`id: None`) or the draft session `id` and saves the
/// draft (see [`draft::save_session`]); with `warn_first`, warnings stop the save so the
/// organizer sees them first (the pages do that; the API saves and reports them).
pub(in crate::routes::workspace) async fn save_session(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: Option<i64>,
    body: &SessionBody,
    warn_first: bool,
) -> Result<(DraftSession, Vec<String>), EditRefusal> {
    let who = organizer(state, account, detail).await?;
    let edit = draft::SessionEdit {
        title: body.title.clone(),
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        room: body.room_id.map(RoomId::new),
        kind: body.kind.clone(),
        label: body.label.clone(),
        capacity: body.capacity,
        track: body.track_id.map(|t| t.map(TrackId::new)),
        speakers: body
            .speaker_ids
            .as_ref()
            .map(|l| l.iter().copied().map(SpeakerId::new).collect()),
        abstract_text: body.abstract_text.clone(),
    };
    Ok(draft::save_session(state.context(), &who, detail, id, &edit, warn_first).await?)
}

/// Takes a session out of the draft; the release cancels it and tells its attendees.
pub(in crate::routes::workspace) async fn remove_session(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    id: i64,
) -> Result<(), ApiError> {
    let who = organizer(state, account, detail).await?;
    Ok(draft::remove_session(state.context(), &who, detail, id).await?)
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
pub(in crate::routes::workspace) async fn do_release(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
) -> Result<ReleaseDto, ApiError> {
    let (draft, _) = working_draft(state, detail).await?;
    let program = released(state, detail).await?;
    let next = draft
        .to_program(&program, detail.conference.info.clone())
        .map_err(|e| ApiError::Conflict(format!("the draft cannot be released: {e}")))?;
    let who = organizer(state, account, detail).await?;
    // One transaction: the new version, the attendees told, the draft dropped, the audit
    // line and the events.
    let report = hallway_app::schedule::release(state.context(), &who, &draft, &next)
        .await
        .map_err(|e| match e {
            hallway_app::AppError::Store(e) => conflict(e),
            other => other.into(),
        })?;
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
