//! The draft: sessions edited apart from the published program, and its release as the
//! next schedule version.

use super::super::{audit_line, capacity, conflict, invalid};
use crate::AppState;
use crate::error::{ApiError, problem_with};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hallway_domain::changes::StoredProgram;
use hallway_domain::editor::{self, Candidate, Draft, DraftSession, EditProblem};
use hallway_domain::{Capacity, Guid, RoomId, SessionKind, SpeakerId, TimeSpan, TrackId};
use hallway_store::{Account, ConferenceDetail, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Saves of the draft that lost to another editor's are redone this many times.
pub(in crate::routes::workspace) const DRAFT_ATTEMPTS: u32 = 30;

/// The draft to edit: the stored one, else the released program.
pub(in crate::routes::workspace) async fn working_draft(
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
pub(in crate::routes::workspace) async fn released(
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

pub(in crate::routes::workspace) fn speaker_names(
    program: &StoredProgram,
) -> impl Fn(SpeakerId) -> String + '_ {
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
pub(in crate::routes::workspace) async fn save_session(
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
        // A new session gets its public id now, so the release keeps it.
        let session_id = match id {
            Some(id) => id,
            None => loop {
                let fresh = state
                    .store
                    .reserve_session_id(detail.conference.id)
                    .await?
                    .get();
                // A draft saved before ids were reserved counted its own; skip those.
                if draft.session(fresh).is_none() {
                    break fresh;
                }
            },
        };
        let session = DraftSession {
            id: session_id,
            guid: base.as_ref().map_or_else(
                || {
                    Guid::derived(&format!(
                        "{}/draft/{}/{}",
                        detail.conference.info.slug,
                        session_id,
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
            }
        }
        let action = if id.is_some() {
            "changed a session in the draft"
        } else {
            "added a session to the draft"
        };
        let tz = detail.conference.info.time_zone.tz();
        let audit = audit_line(
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
        );
        if state
            .store
            .save_draft(
                detail.conference.id,
                &draft,
                revision,
                Some(&audit),
                state.clock.now(),
            )
            .await?
        {
            return Ok((session, warnings));
        }
    }
    Err(ApiError::Conflict(
        "the draft is being changed by someone else right now; try again".into(),
    )
    .into())
}

/// Takes a session out of the draft; the release cancels it and tells its attendees.
pub(in crate::routes::workspace) async fn remove_session(
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
        let audit = audit_line(account, "cancelled a session in the draft", gone.title);
        if state
            .store
            .save_draft(
                detail.conference.id,
                &draft,
                revision,
                Some(&audit),
                state.clock.now(),
            )
            .await?
        {
            return Ok(());
        }
    }
    Err(ApiError::Conflict(
        "the draft is being changed by someone else right now; try again".into(),
    ))
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
    let who =
        hallway_app::Organizer::prove(&state.store, account.clone(), detail.conference.id).await?;
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
