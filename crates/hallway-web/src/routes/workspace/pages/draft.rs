//! The draft's sessions on a day × room grid, the session form and the release button.

use super::super::service::{self as workspace, EditRefusal, SessionBody};
use super::setup::optional_number;
use super::{Flash, WsHeader, back, header, organized};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{ApiError, PageError};
use crate::request::PagePath;
use crate::view::urlencode;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _, Timelike, Utc};
use hallway_domain::SessionKind;
use hallway_store::ConferenceDetail;
use serde::Deserialize;

// ---- the draft's sessions ------------------------------------------------------------------

pub(super) struct DayLink {
    date: String,
    label: String,
    current: bool,
}

pub(super) struct CellSession {
    id: i64,
    time: String,
    title: String,
    kind: &'static str,
}

pub(super) struct Cell {
    room: i64,
    room_name: String,
    sessions: Vec<CellSession>,
}

pub(super) struct GridRow {
    hour: String,
    start: String,
    cells: Vec<Cell>,
}

pub(super) struct RoomOption {
    id: i64,
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "organize_sessions.html")]
pub(super) struct SessionsPage {
    ws: WsHeader,
    pending: workspace::PendingDto,
    days: Vec<DayLink>,
    day: String,
    day_label: String,
    rooms: Vec<RoomOption>,
    grid: Vec<GridRow>,
}

pub(super) async fn sessions_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<SessionsPage, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let (draft, _) = workspace::working_draft(&state, &d).await?;
    let program = workspace::released(&state, &d).await?;
    let i = &d.conference.info;
    let tz = i.time_zone.tz();
    let day = NaiveDate::parse_from_str(&flash.day, "%Y-%m-%d")
        .ok()
        .filter(|d| i.days.contains(*d))
        .unwrap_or(i.days.first());
    let todays: Vec<_> = draft
        .sorted()
        .into_iter()
        .filter(|s| i.days.day_of(s.span.start(), i.time_zone) == day)
        .collect();
    // Hours shown: 08:00 to 20:00, wider when sessions need it (after midnight counts on).
    let hour_of = |s: &hallway_domain::editor::DraftSession| {
        let local = s.span.start().with_timezone(&tz).naive_local();
        let h = i64::from(local.hour()) + (local.date() - day).num_days() * 24;
        h.max(0)
    };
    let first = todays.iter().map(|s| hour_of(s)).min().unwrap_or(8).min(8);
    let last = todays
        .iter()
        .map(|s| hour_of(s))
        .max()
        .unwrap_or(19)
        .max(19);
    let grid = (first..=last)
        .map(|h| GridRow {
            hour: format!("{:02}:00", h % 24),
            start: format!("{:02}:00", h % 24),
            cells: d
                .rooms
                .iter()
                .map(|r| Cell {
                    room: r.id.get(),
                    room_name: r.name.clone(),
                    sessions: todays
                        .iter()
                        .filter(|s| s.room == r.id && hour_of(s) == h)
                        .map(|s| CellSession {
                            id: s.id,
                            time: s
                                .span
                                .start()
                                .with_timezone(&tz)
                                .format("%H:%M")
                                .to_string(),
                            title: s.title.clone(),
                            kind: s.kind.as_str(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Ok(SessionsPage {
        ws: header(&d, &flash),
        pending: workspace::pending(&draft, &program),
        days: i
            .days
            .dates()
            .into_iter()
            .map(|x| DayLink {
                date: x.to_string(),
                label: x.format("%a %-d %b").to_string(),
                current: x == day,
            })
            .collect(),
        day: day.to_string(),
        day_label: day.format("%A %-d %B").to_string(),
        rooms: d
            .rooms
            .iter()
            .map(|r| RoomOption {
                id: r.id.get(),
                name: r.name.clone(),
            })
            .collect(),
        grid,
    })
}

#[derive(Debug, Default)]
pub struct SessionFormValues {
    title: String,
    kind: String,
    label: String,
    room: String,
    track: String,
    day: String,
    start: String,
    end: String,
    capacity: String,
    speakers: Vec<i64>,
    abstract_text: String,
    confirm: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "organize_session.html")]
pub(super) struct SessionPage {
    ws: WsHeader,
    heading: String,
    action: String,
    editing: Option<i64>,
    f: SessionFormValues,
    warnings: Vec<String>,
    kinds: Vec<(&'static str, &'static str)>,
    rooms: Vec<RoomOption>,
    tracks: Vec<RoomOption>,
    speakers: Vec<RoomOption>,
    chosen: String,
    labels: Vec<String>,
}

pub(super) async fn session_page_for(
    state: &AppState,
    d: &ConferenceDetail,
    flash: &Flash,
    editing: Option<i64>,
    f: SessionFormValues,
    warnings: Vec<String>,
) -> Result<SessionPage, PageError> {
    let program = workspace::released(state, d).await?;
    let chosen = f
        .speakers
        .iter()
        .filter_map(|id| program.speakers.iter().find(|p| p.id.get() == *id))
        .map(|p| p.info.name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let slug = d.conference.info.slug.to_string();
    Ok(SessionPage {
        ws: header(d, flash),
        heading: if editing.is_some() {
            format!("Edit \u{201c}{}\u{201d}", f.title)
        } else {
            "New session".to_owned()
        },
        action: editing.map_or_else(
            || format!("/c/{slug}/organize/sessions"),
            |id| format!("/c/{slug}/organize/sessions/{id}"),
        ),
        editing,
        f,
        warnings,
        kinds: SessionKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        rooms: d
            .rooms
            .iter()
            .map(|r| RoomOption {
                id: r.id.get(),
                name: r.name.clone(),
            })
            .collect(),
        tracks: d
            .tracks
            .iter()
            .map(|t| RoomOption {
                id: t.id.get(),
                name: t.name.clone(),
            })
            .collect(),
        chosen,
        labels: {
            let (draft, _) = workspace::working_draft(state, d).await?;
            let mut labels: Vec<String> = draft
                .sessions
                .iter()
                .map(|s| s.label.clone())
                .filter(|l| !l.is_empty())
                .collect();
            labels.sort();
            labels.dedup();
            labels
        },
        speakers: program
            .speakers
            .iter()
            .map(|p| RoomOption {
                id: p.id.get(),
                name: p.info.name.clone(),
            })
            .collect(),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct SlotQuery {
    #[serde(default)]
    room: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    start: String,
}

pub(super) async fn new_session_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Query(q): Query<SlotQuery>,
) -> Result<SessionPage, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let start = NaiveTime::parse_from_str(&q.start, "%H:%M")
        .unwrap_or(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
    let f = SessionFormValues {
        kind: "talk".into(),
        room: q.room,
        day: if q.day.is_empty() {
            d.conference.info.days.first().to_string()
        } else {
            q.day
        },
        start: start.format("%H:%M").to_string(),
        end: (start + Duration::minutes(45)).format("%H:%M").to_string(),
        ..SessionFormValues::default()
    };
    session_page_for(&state, &d, &Flash::default(), None, f, Vec::new()).await
}

pub(super) async fn edit_session_page(
    State(state): State<AppState>,
    user: PageUser,
    PagePath((slug, id)): PagePath<(String, i64)>,
    Query(flash): Query<Flash>,
) -> Result<SessionPage, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let (draft, _) = workspace::working_draft(&state, &d).await?;
    let s = draft
        .session(id)
        .ok_or_else(|| PageError::NotFound(format!("There is no session {id} in the draft.")))?;
    let i = &d.conference.info;
    let tz = i.time_zone.tz();
    let f = SessionFormValues {
        title: s.title.clone(),
        kind: s.kind.as_str().to_owned(),
        label: s.label.clone(),
        room: s.room.get().to_string(),
        track: s.track.map(|t| t.get().to_string()).unwrap_or_default(),
        day: i.days.day_of(s.span.start(), i.time_zone).to_string(),
        start: s
            .span
            .start()
            .with_timezone(&tz)
            .format("%H:%M")
            .to_string(),
        end: s.span.end().with_timezone(&tz).format("%H:%M").to_string(),
        capacity: s.capacity.map(|c| c.get().to_string()).unwrap_or_default(),
        speakers: s.speakers.iter().map(|p| p.get()).collect(),
        abstract_text: s.abstract_text.clone(),
        confirm: false,
    };
    let warnings = Vec::new();
    session_page_for(&state, &d, &flash, Some(id), f, warnings).await
}

/// Reads the session form (its speakers come as repeated fields).
pub(super) fn read_session_form(body: &[u8]) -> SessionFormValues {
    let mut f = SessionFormValues::default();
    for (k, v) in url::form_urlencoded::parse(body) {
        let v = v.into_owned();
        match k.as_ref() {
            "title" => f.title = v,
            "kind" => f.kind = v,
            "label" => f.label = v,
            "room" => f.room = v,
            "track" => f.track = v,
            "day" => f.day = v,
            "start" => f.start = v,
            "end" => f.end = v,
            "capacity" => f.capacity = v,
            "speakers" => f.speakers.extend(v.parse::<i64>().ok()),
            "abstract" => f.abstract_text = v,
            "confirm" => f.confirm = v == "1",
            _ => {}
        }
    }
    f
}

pub(super) fn session_body(
    d: &ConferenceDetail,
    f: &SessionFormValues,
) -> Result<SessionBody, ApiError> {
    let invalid = |field: &'static str, message: String| ApiError::Invalid { field, message };
    let day = NaiveDate::parse_from_str(f.day.trim(), "%Y-%m-%d")
        .map_err(|_| invalid("day", format!("{:?} is not a date", f.day)))?;
    let time = |raw: &str, field: &'static str| {
        NaiveTime::parse_from_str(raw.trim(), "%H:%M")
            .map_err(|_| invalid(field, format!("{raw:?} is not a time (HH:MM)")))
    };
    let (start, end) = (time(&f.start, "start")?, time(&f.end, "end")?);
    // A time before the day change belongs to the night after `day`.
    let dc = d.conference.info.days.day_change();
    let on = |t: NaiveTime| if t < dc { day + Duration::days(1) } else { day };
    let local_start = NaiveDateTime::new(on(start), start);
    let mut local_end = NaiveDateTime::new(on(end), end);
    if local_end < local_start {
        local_end += Duration::days(1);
    }
    let tz = d.conference.info.time_zone.tz();
    let utc = |t: NaiveDateTime, field: &'static str| {
        tz.from_local_datetime(&t)
            .earliest()
            .map(|x| x.with_timezone(&Utc))
            .ok_or_else(|| invalid(field, format!("{t} does not exist in {}", tz.name())))
    };
    Ok(SessionBody {
        title: Some(f.title.clone()),
        starts_at: Some(utc(local_start, "start")?),
        ends_at: Some(utc(local_end, "end")?),
        room_id: Some(
            f.room
                .trim()
                .parse()
                .map_err(|_| invalid("room", "pick a room".into()))?,
        ),
        kind: Some(f.kind.clone()),
        label: Some(f.label.clone()),
        capacity: Some(optional_number(&f.capacity, "capacity")?),
        track_id: Some(optional_number(&f.track, "track")?),
        speaker_ids: Some(f.speakers.clone()),
        abstract_text: Some(f.abstract_text.clone()),
    })
}

pub(super) async fn save_session_form(
    state: &AppState,
    user: &PageUser,
    slug: &str,
    id: Option<i64>,
    body: &[u8],
) -> Result<Response, PageError> {
    let d = organized(state, user, slug).await?;
    let f = read_session_form(body);
    let result = match session_body(&d, &f) {
        Ok(b) => workspace::save_session(state, &user.account, &d, id, &b, !f.confirm).await,
        Err(e) => Err(EditRefusal::Api(e)),
    };
    let refuse = |message: String| Flash {
        error: message,
        ..Flash::default()
    };
    match result {
        Ok((session, _)) => {
            let day = d
                .conference
                .info
                .days
                .day_of(session.span.start(), d.conference.info.time_zone);
            Ok(Redirect::to(&format!(
                "/c/{slug}/organize/sessions?day={day}&notice={}",
                urlencode(&format!(
                    "Saved \u{201c}{}\u{201d} to the draft.",
                    session.title
                ))
            ))
            .into_response())
        }
        Err(EditRefusal::Unconfirmed(warnings)) => {
            Ok(
                session_page_for(state, &d, &Flash::default(), id, f, warnings)
                    .await?
                    .into_response(),
            )
        }
        Err(EditRefusal::Problems(_, message)) => Ok(session_page_for(
            state,
            &d,
            &refuse(format!("Not saved: {message}")),
            id,
            f,
            Vec::new(),
        )
        .await?
        .into_response()),
        Err(EditRefusal::Api(ApiError::Invalid { field, message })) => Ok(session_page_for(
            state,
            &d,
            &refuse(format!("Not saved: {field}: {message}")),
            id,
            f,
            Vec::new(),
        )
        .await?
        .into_response()),
        Err(EditRefusal::Api(ApiError::Conflict(m))) => {
            Ok(session_page_for(state, &d, &refuse(m), id, f, Vec::new())
                .await?
                .into_response())
        }
        Err(EditRefusal::Api(e)) => Err(PageError::from(e)),
    }
}

pub(super) async fn create_session_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    save_session_form(&state, &user, &slug, None, &body).await
}

pub(super) async fn update_session_form(
    State(state): State<AppState>,
    user: PageUser,
    PagePath((slug, id)): PagePath<(String, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    save_session_form(&state, &user, &slug, Some(id), &body).await
}

pub(super) async fn cancel_session_form(
    State(state): State<AppState>,
    user: PageUser,
    PagePath((slug, id)): PagePath<(String, i64)>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let result = workspace::remove_session(&state, &user.account, &d, id).await;
    back(
        &format!("/c/{slug}/organize/sessions"),
        result,
        "Cancelled in the draft: it leaves the program at the next release.",
    )
}

pub(super) async fn release_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let result = workspace::do_release(&state, &user.account, &d).await;
    let notice = match &result {
        Ok(r) => format!(
            "Version {} released: {} added, {} changed, {} cancelled; {} attendees told, {} waiting attendees got a seat.",
            r.version, r.added, r.changed, r.removed, r.notified, r.promoted
        ),
        Err(_) => String::new(),
    };
    back(&format!("/c/{slug}/organize/sessions"), result, &notice)
}
