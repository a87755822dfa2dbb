//! The draft: sessions an organizer edits apart from the published program, until a
//! release ([`crate::schedule::release`]) makes them the next schedule version.
//!
//! Saving runs the editor's rules (a room in two places, days outside the conference: refused;
//! a speaker in two places, fewer seats than reserved: warned) against the draft as stored,
//! and stores the new draft with its audit line only if nobody saved in between (a revision
//! check); a save that lost is redone on the new draft.

use hallway_domain::changes::StoredProgram;
use hallway_domain::editor::{self, Candidate, Draft, DraftSession, EditProblem};
use hallway_domain::{Capacity, Guid, RoomId, SessionKind, SpeakerId, TimeSpan, TrackId};
use hallway_store::ConferenceDetail;

use crate::{AppError, Context, Organizer};

/// Saves of the draft that lost to another editor's are redone this many times.
pub const ATTEMPTS: u32 = 30;

/// The longest title, and the longest own name of a kind ("Lightning talk").
const MAX_TITLE: usize = 300;
const MAX_LABEL: usize = 60;

/// What an organizer changes in a draft session (a new one: all that is given; absent
/// fields of an existing one stay).
#[derive(Clone, Debug, Default)]
pub struct SessionEdit {
    /// Title.
    pub title: Option<String>,
    /// Start.
    pub starts_at: Option<chrono::DateTime<chrono::Utc>>,
    /// End.
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Room.
    pub room: Option<RoomId>,
    /// Kind, as typed (talk, keynote, workshop, lab, theater, break).
    pub kind: Option<String>,
    /// The conference's own name for the kind; empty: the kind's.
    pub label: Option<String>,
    /// Own capacity below the room's (`Some(None)`: the room's), as typed.
    pub capacity: Option<Option<i64>>,
    /// Track (`Some(None)`: none).
    pub track: Option<Option<TrackId>>,
    /// Speakers, in billing order.
    pub speakers: Option<Vec<SpeakerId>>,
    /// Abstract.
    pub abstract_text: Option<String>,
}

/// Why a session was not saved.
#[derive(Debug)]
pub enum DraftRefusal {
    /// A rule was broken (the problems, and how they read).
    Problems(Vec<EditProblem>, String),
    /// Only warnings, and the organizer asked to see them before saving.
    Unconfirmed(Vec<String>),
    /// Anything else.
    App(AppError),
}

impl From<AppError> for DraftRefusal {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

impl From<hallway_store::StoreError> for DraftRefusal {
    fn from(e: hallway_store::StoreError) -> Self {
        Self::App(e.into())
    }
}

/// The released program of `conference`.
pub async fn released(
    ctx: Context<'_>,
    conference: &ConferenceDetail,
) -> Result<StoredProgram, AppError> {
    ctx.store
        .stored_program(&conference.conference.info.slug)
        .await?
        .ok_or_else(|| AppError::NotFound("the conference is gone".into()))
}

/// The draft to edit and its revision: the stored one, else the released program (0).
pub async fn working(
    ctx: Context<'_>,
    conference: &ConferenceDetail,
) -> Result<(Draft, i64), AppError> {
    if let Some(found) = ctx.store.draft(conference.conference.id).await? {
        return Ok(found);
    }
    Ok((Draft::of(&released(ctx, conference).await?), 0))
}

fn invalid(field: &'static str, message: impl std::fmt::Display) -> AppError {
    AppError::Invalid {
        field,
        message: message.to_string(),
    }
}

fn ours(who: &Organizer, conference: &ConferenceDetail) -> Result<(), AppError> {
    if who.conference() == conference.conference.id {
        Ok(())
    } else {
        Err(AppError::Denied(
            "only the conference's organizers may do this".into(),
        ))
    }
}

fn busy() -> AppError {
    AppError::Conflict("the draft is being changed by someone else right now; try again".into())
}

/// How the editor names a speaker in its messages.
pub fn speaker_names(program: &StoredProgram) -> impl Fn(SpeakerId) -> String + '_ {
    move |id| {
        program
            .speaker(id)
            .map_or_else(|| format!("speaker {id}"), |p| p.info.name.clone())
    }
}

/// Applies `edit` to a new session (`id: None`) or the draft session `id`, checks the
/// editor's rules and saves the draft with its audit line. Answers the session and the
/// warnings; with `warn_first`, warnings stop the save ([`DraftRefusal::Unconfirmed`]) so
/// the organizer sees them first (the pages do that; the API saves and reports them).
#[tracing::instrument(name = "save_session", skip_all, fields(conference = %who.conference(), session = ?id))]
pub async fn save_session(
    ctx: Context<'_>,
    who: &Organizer,
    conference: &ConferenceDetail,
    id: Option<i64>,
    edit: &SessionEdit,
    warn_first: bool,
) -> Result<(DraftSession, Vec<String>), DraftRefusal> {
    ours(who, conference)?;
    let program = released(ctx, conference).await?;
    for _ in 0..ATTEMPTS {
        let (mut draft, revision) = working(ctx, conference).await?;
        let base = match id {
            Some(id) => Some(draft.session(id).cloned().ok_or_else(|| {
                AppError::NotFound(format!("There is no session {id} in the draft."))
            })?),
            None => None,
        };
        let checked = check(ctx, who, conference, &program, &draft, id, base, edit).await?;
        let Checked {
            session,
            warnings,
            room_name,
        } = checked;
        if warn_first && !warnings.is_empty() {
            return Err(DraftRefusal::Unconfirmed(warnings));
        }
        match draft.sessions.iter_mut().find(|s| s.id == session.id) {
            Some(slot) => *slot = session.clone(),
            None => draft.sessions.push(session.clone()),
        }
        let action = if id.is_some() {
            "changed a session in the draft"
        } else {
            "added a session to the draft"
        };
        let tz = conference.conference.info.time_zone.tz();
        let audit = who.audit(
            action,
            format!(
                "{} · {} · {}",
                session.title,
                session
                    .span
                    .start()
                    .with_timezone(&tz)
                    .format("%a %-d %b %H:%M"),
                room_name
            ),
        );
        if ctx
            .store
            .save_draft(who.conference(), &draft, revision, Some(&audit), ctx.now)
            .await?
        {
            return Ok((session, warnings));
        }
    }
    Err(busy().into())
}

struct Checked {
    session: DraftSession,
    warnings: Vec<String>,
    room_name: String,
}

/// The session `edit` makes of `base` (or of nothing), checked against the draft.
#[allow(clippy::too_many_arguments)]
async fn check(
    ctx: Context<'_>,
    who: &Organizer,
    conference: &ConferenceDetail,
    program: &StoredProgram,
    draft: &Draft,
    id: Option<i64>,
    base: Option<DraftSession>,
    edit: &SessionEdit,
) -> Result<Checked, DraftRefusal> {
    let title = match (&edit.title, &base) {
        (Some(t), _) => {
            hallway_domain::text::required(t, MAX_TITLE).map_err(|e| invalid("title", e))?
        }
        (None, Some(b)) => b.title.clone(),
        (None, None) => return Err(invalid("title", "a session needs a title").into()),
    };
    let kind = match (&edit.kind, &base) {
        (Some(k), _) => SessionKind::parse(k.trim()).map_err(|e| invalid("kind", e))?,
        (None, Some(b)) => b.kind,
        (None, None) => SessionKind::Talk,
    };
    let start = edit
        .starts_at
        .or(base.as_ref().map(|b| b.span.start()))
        .ok_or_else(|| invalid("starts_at", "a session needs a start"))?;
    let end = edit
        .ends_at
        .or(base.as_ref().map(|b| b.span.end()))
        .ok_or_else(|| invalid("ends_at", "a session needs an end"))?;
    let span = TimeSpan::new(start, end).map_err(|e| invalid("ends_at", e))?;
    let room = match (edit.room, &base) {
        (Some(r), _) => r,
        (None, Some(b)) => b.room,
        (None, None) => return Err(invalid("room_id", "a session needs a room").into()),
    };
    let Some(room_row) = program.rooms.iter().find(|r| r.id == room) else {
        return Err(invalid("room_id", format!("there is no room {room}")).into());
    };
    let track = match (&edit.track, &base) {
        (Some(t), _) => *t,
        (None, Some(b)) => b.track,
        (None, None) => None,
    };
    if let Some(t) = track
        && program.track(t).is_none()
    {
        return Err(invalid("track_id", format!("there is no track {t}")).into());
    }
    let speakers: Vec<SpeakerId> = match (&edit.speakers, &base) {
        (Some(list), _) => list.clone(),
        (None, Some(b)) => b.speakers.clone(),
        (None, None) => Vec::new(),
    };
    if let Some(p) = speakers.iter().find(|p| program.speaker(**p).is_none()) {
        return Err(invalid("speaker_ids", format!("there is no speaker {p}")).into());
    }
    let own_capacity = match (&edit.capacity, &base) {
        (Some(c), _) => c
            .map(|c| Capacity::new(c).map_err(|e| invalid("capacity", e)))
            .transpose()?,
        (None, Some(b)) => b.capacity,
        (None, None) => None,
    };
    let label = match (&edit.label, &base) {
        (Some(l), _) => {
            hallway_domain::text::optional(l, MAX_LABEL).map_err(|e| invalid("label", e))?
        }
        (None, Some(b)) => b.label.clone(),
        (None, None) => String::new(),
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
        draft,
        &conference.conference.info,
        &Candidate {
            id,
            room,
            span,
            speakers: &speakers,
            capacity: effective,
            reserved,
        },
    );
    let names = speaker_names(program);
    if problems.iter().any(EditProblem::blocks) {
        let message = problems
            .iter()
            .filter(|p| p.blocks())
            .map(|p| p.describe(&names))
            .collect::<Vec<_>>()
            .join(" ");
        return Err(DraftRefusal::Problems(problems, message));
    }
    let warnings = problems.iter().map(|p| p.describe(&names)).collect();
    // A new session gets its public id now, so the release keeps it.
    let session_id = match id {
        Some(id) => id,
        None => loop {
            let fresh = ctx.store.reserve_session_id(who.conference()).await?.get();
            // A draft saved before ids were reserved counted its own; skip those.
            if draft.session(fresh).is_none() {
                break fresh;
            }
        },
    };
    let guid = base.as_ref().map_or_else(
        || {
            Guid::derived(&format!(
                "{}/draft/{}/{}",
                conference.conference.info.slug,
                session_id,
                ctx.now.timestamp_nanos_opt().unwrap_or(0)
            ))
        },
        |b| b.guid,
    );
    let abstract_text = edit.abstract_text.as_ref().map_or_else(
        || {
            base.as_ref()
                .map(|b| b.abstract_text.clone())
                .unwrap_or_default()
        },
        |a| a.trim().to_owned(),
    );
    // What the editor does not edit is kept as it was.
    let kept = base.unwrap_or_else(|| DraftSession {
        id: session_id,
        guid,
        title: String::new(),
        kind,
        label: String::new(),
        span,
        room,
        track: None,
        speakers: Vec::new(),
        capacity: None,
        abstract_text: String::new(),
        subtitle: String::new(),
        description: String::new(),
        language: String::new(),
        url: String::new(),
        links: Vec::new(),
    });
    Ok(Checked {
        session: DraftSession {
            id: session_id,
            guid,
            title,
            kind,
            label,
            span,
            room,
            track,
            speakers,
            capacity: own_capacity,
            abstract_text,
            ..kept
        },
        warnings,
        room_name: room_row.name.clone(),
    })
}

/// Takes a session out of the draft; the release cancels it and tells its attendees.
#[tracing::instrument(name = "remove_session", skip_all, fields(conference = %who.conference(), session = id))]
pub async fn remove_session(
    ctx: Context<'_>,
    who: &Organizer,
    conference: &ConferenceDetail,
    id: i64,
) -> Result<(), AppError> {
    ours(who, conference)?;
    for _ in 0..ATTEMPTS {
        let (mut draft, revision) = working(ctx, conference).await?;
        let Some(pos) = draft.sessions.iter().position(|s| s.id == id) else {
            return Err(AppError::NotFound(format!(
                "There is no session {id} in the draft."
            )));
        };
        let gone = draft.sessions.remove(pos);
        let audit = who.audit("cancelled a session in the draft", gone.title);
        if ctx
            .store
            .save_draft(who.conference(), &draft, revision, Some(&audit), ctx.now)
            .await?
        {
            return Ok(());
        }
    }
    Err(busy())
}
