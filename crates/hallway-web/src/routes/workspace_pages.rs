//! The organizer workspace's pages: create a conference (site admins), its settings, rooms,
//! tracks and speakers, the draft's sessions on a day × room grid with a form editor, the
//! release button, the team with invitations, and the audit log. Each form posts, then
//! redirects back with a notice (or re-renders the session form with what was wrong).

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _, Timelike, Utc};
use hallway_domain::SessionKind;
use hallway_domain::account::Role;
use hallway_store::ConferenceDetail;
use serde::Deserialize;

use super::workspace::{
    self, ConferencePatch, EditRefusal, InviteBody, NewConference, RoomBody, SessionBody,
    SpeakerBody, TrackBody,
};
use crate::AppState;
use crate::auth::{MaybeUser, PageUser};
use crate::error::{ApiError, PageError};
use crate::view::urlencode;

/// The workspace header every page shows.
pub struct WsHeader {
    pub slug: String,
    pub name: String,
    pub published: bool,
    pub time_zone: String,
    pub notice: String,
    pub error: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    #[serde(default)]
    notice: String,
    #[serde(default)]
    error: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    link: String,
}

fn header(d: &ConferenceDetail, flash: &Flash) -> WsHeader {
    let i = &d.conference.info;
    WsHeader {
        slug: i.slug.to_string(),
        name: i.name.clone(),
        published: d.published,
        time_zone: i.time_zone.name().to_owned(),
        notice: flash.notice.clone(),
        error: flash.error.clone(),
    }
}

async fn organized(
    state: &AppState,
    user: &PageUser,
    slug: &str,
) -> Result<ConferenceDetail, PageError> {
    workspace::organized(state, &user.account, slug)
        .await
        .map_err(PageError::from)
}

/// Back to `path` with a notice, or with the error when `result` failed.
fn back<T>(path: &str, result: Result<T, ApiError>, notice: &str) -> Result<Redirect, PageError> {
    let sep = if path.contains('?') { '&' } else { '?' };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "{path}{sep}notice={}",
            urlencode(notice)
        ))),
        Err(ApiError::Invalid { field, message }) => Ok(Redirect::to(&format!(
            "{path}{sep}error={}",
            urlencode(&format!("{field}: {message}"))
        ))),
        Err(ApiError::Conflict(m) | ApiError::NotFound(m)) => {
            Ok(Redirect::to(&format!("{path}{sep}error={}", urlencode(&m))))
        }
        Err(e) => Err(PageError::from(e)),
    }
}

fn zones() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|z| z.name())
        .filter(|n| n.contains('/') || *n == "UTC")
        .collect()
}

// ---- new conference ----------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    city: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "organize_new.html")]
struct NewPage {
    f: NewForm,
    error: String,
    zones: Vec<&'static str>,
}

async fn new_page(user: PageUser) -> Result<NewPage, PageError> {
    if !user.account.is_admin {
        return Err(PageError::Forbidden(
            "Only site admins may create conferences.".into(),
        ));
    }
    Ok(NewPage {
        f: NewForm::default(),
        error: String::new(),
        zones: zones(),
    })
}

async fn new_submit(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<NewForm>,
) -> Result<Response, PageError> {
    let date = |raw: &str, field: &'static str| {
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| ApiError::Invalid {
            field,
            message: format!("{raw:?} is not a date"),
        })
    };
    let result = async {
        let body = NewConference {
            slug: f.slug.trim().to_owned(),
            name: f.name.clone(),
            starts_on: date(&f.starts_on, "starts_on")?,
            ends_on: date(&f.ends_on, "ends_on")?,
            time_zone: f.time_zone.clone(),
            venue: f.venue.clone(),
            city: f.city.clone(),
            description: String::new(),
        };
        workspace::create(&state, &user.account, &body).await
    }
    .await;
    match result {
        Ok(d) => Ok(Redirect::to(&format!(
            "/c/{}/organize?notice={}",
            d.conference.info.slug,
            urlencode(
                "Created. Add rooms, tracks and speakers, then sessions; publish when ready."
            )
        ))
        .into_response()),
        Err(ApiError::Invalid { field, message }) => Ok(NewPage {
            error: format!("{field}: {message}"),
            f,
            zones: zones(),
        }
        .into_response()),
        Err(ApiError::Conflict(m)) => Ok(NewPage {
            error: m,
            f,
            zones: zones(),
        }
        .into_response()),
        Err(e) => Err(PageError::from(e)),
    }
}

// ---- settings, rooms, tracks, speakers ----------------------------------------------------

struct ConfView {
    name: String,
    starts_on: String,
    ends_on: String,
    day_change: String,
    time_zone: String,
    venue: String,
    city: String,
    description: String,
    url: String,
    logo_url: String,
    published: bool,
}

struct RoomView {
    id: i64,
    name: String,
    capacity: String,
    note: String,
}

struct TrackView {
    id: i64,
    name: String,
    colour: String,
    text_colour: String,
}

struct SpeakerView {
    id: i64,
    name: String,
    company: String,
    sessions: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "organize.html")]
struct OrganizePage {
    ws: WsHeader,
    c: ConfView,
    rooms: Vec<RoomView>,
    tracks: Vec<TrackView>,
    speakers: Vec<SpeakerView>,
    zones: Vec<&'static str>,
    editions: Vec<(String, String, bool)>,
    linked: String,
}

async fn overview(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<OrganizePage, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let program = workspace::released(&state, &d).await?;
    let (draft, _) = workspace::working_draft(&state, &d).await?;
    let i = &d.conference.info;
    let editions = state.store.editions().await?;
    Ok(OrganizePage {
        ws: header(&d, &flash),
        c: ConfView {
            name: i.name.clone(),
            starts_on: i.days.first().to_string(),
            ends_on: i.days.last().to_string(),
            day_change: i.days.day_change().format("%H:%M").to_string(),
            time_zone: i.time_zone.name().to_owned(),
            venue: i.venue.clone(),
            city: i.city.clone(),
            description: i.description.clone(),
            url: i.url.clone(),
            logo_url: d.logo_url.clone(),
            published: d.published,
        },
        rooms: d
            .rooms
            .iter()
            .map(|r| RoomView {
                id: r.id.get(),
                name: r.name.clone(),
                capacity: r.capacity.map(|c| c.get().to_string()).unwrap_or_default(),
                note: r.note.clone(),
            })
            .collect(),
        tracks: d
            .tracks
            .iter()
            .map(|t| TrackView {
                id: t.id.get(),
                name: t.name.clone(),
                colour: t.colour.hex(),
                text_colour: t.colour.text_colour().to_owned(),
            })
            .collect(),
        speakers: program
            .speakers
            .iter()
            .map(|p| SpeakerView {
                id: p.id.get(),
                name: p.info.name.clone(),
                company: p.info.company.clone(),
                sessions: draft
                    .sessions
                    .iter()
                    .filter(|s| s.speakers.contains(&p.id))
                    .count(),
            })
            .collect(),
        zones: zones(),
        linked: editions
            .iter()
            .find(|e| e.conference == Some(d.conference.id))
            .map(|e| e.name.clone())
            .unwrap_or_default(),
        editions: editions
            .iter()
            .filter(|e| e.conference.is_none() || e.conference == Some(d.conference.id))
            .map(|e| {
                (
                    e.slug.to_string(),
                    e.name.clone(),
                    e.conference == Some(d.conference.id),
                )
            })
            .collect(),
    })
}

#[derive(Debug, Deserialize)]
pub struct DirectoryForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    edition: String,
    #[serde(default)]
    series: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    url: String,
}

async fn directory_submit(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Form(f): Form<DirectoryForm>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let body = if f.action == "create" {
        workspace::DirectoryBody {
            edition: None,
            create: Some(workspace::NewEdition {
                series: f.series,
                name: f.name,
                region: f.region,
                city: f.city,
                country: f.country.to_uppercase(),
                url: Some(f.url),
            }),
        }
    } else {
        workspace::DirectoryBody {
            edition: Some(f.edition),
            create: None,
        }
    };
    let result = workspace::directory_apply(&state, &user.account, &d, &body).await;
    back(
        &format!("/c/{slug}/organize"),
        result,
        "Directory entry saved.",
    )
}

#[derive(Debug, Deserialize)]
pub struct ConferenceForm {
    name: String,
    starts_on: String,
    ends_on: String,
    day_change: String,
    time_zone: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    logo_url: String,
    published: Option<String>,
}

async fn conference_submit(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Form(f): Form<ConferenceForm>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let path = format!("/c/{slug}/organize");
    let date = |raw: &str, field: &'static str| {
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| ApiError::Invalid {
            field,
            message: format!("{raw:?} is not a date"),
        })
    };
    let result = async {
        let patch = ConferencePatch {
            name: Some(f.name),
            starts_on: Some(date(&f.starts_on, "starts_on")?),
            ends_on: Some(date(&f.ends_on, "ends_on")?),
            day_change: Some(f.day_change),
            time_zone: Some(f.time_zone),
            venue: Some(f.venue),
            city: Some(f.city),
            description: Some(f.description),
            url: Some(f.url),
            logo_url: Some(f.logo_url),
            published: Some(f.published.is_some()),
        };
        workspace::patch_conference(&state, &user.account, &d, patch).await
    }
    .await;
    back(&path, result, "Conference saved.")
}

#[derive(Debug, Deserialize)]
pub struct RoomForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    action: String,
}

fn optional_number(raw: &str, field: &'static str) -> Result<Option<i64>, ApiError> {
    match raw.trim() {
        "" => Ok(None),
        n => n.parse::<i64>().map(Some).map_err(|_| ApiError::Invalid {
            field,
            message: format!("{n:?} is not a whole number"),
        }),
    }
}

async fn room_add(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Form(f): Form<RoomForm>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let result = async {
        let body = RoomBody {
            name: f.name,
            capacity: optional_number(&f.capacity, "capacity")?,
            note: f.note,
        };
        workspace::room_add(&state, &user.account, &d, &body).await
    }
    .await;
    back(&format!("/c/{slug}/organize"), result, "Room added.")
}

async fn room_edit(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<RoomForm>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let path = format!("/c/{slug}/organize");
    if f.action == "delete" {
        return back(
            &path,
            workspace::room_delete(&state, &user.account, &d, id).await,
            "Room deleted.",
        );
    }
    let result = async {
        let body = RoomBody {
            name: f.name,
            capacity: optional_number(&f.capacity, "capacity")?,
            note: f.note,
        };
        workspace::room_update(&state, &user.account, &d, id, &body).await
    }
    .await;
    back(&path, result, "Room saved.")
}

#[derive(Debug, Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    colour: String,
    #[serde(default)]
    action: String,
}

async fn track_add(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Form(f): Form<TrackForm>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let result = workspace::track_add(
        &state,
        &user.account,
        &d,
        &TrackBody {
            name: f.name,
            colour: f.colour,
        },
    )
    .await;
    back(&format!("/c/{slug}/organize"), result, "Track added.")
}

async fn track_edit(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<TrackForm>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let path = format!("/c/{slug}/organize");
    if f.action == "delete" {
        let result = workspace::track_delete(&state, &user.account, &d, id).await;
        return back(&path, result, "Track deleted.");
    }
    let body = TrackBody {
        name: f.name,
        colour: f.colour,
    };
    let result = workspace::track_update(&state, &user.account, &d, id, &body).await;
    back(&path, result, "Track saved.")
}

#[derive(Debug, Deserialize)]
pub struct SpeakerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    photo_url: String,
    #[serde(default)]
    links: String,
    #[serde(default)]
    action: String,
}

/// Links typed one per line as `Title | https://…` (a bare address is its own title).
fn parse_links(raw: &str) -> Result<Vec<workspace::LinkBody>, ApiError> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (title, url) = l.rsplit_once('|').unwrap_or((l, l));
            if url.trim().is_empty() {
                return Err(ApiError::Invalid {
                    field: "links",
                    message: format!("{l:?} has no address"),
                });
            }
            Ok(workspace::LinkBody {
                title: title.trim().to_owned(),
                url: url.trim().to_owned(),
            })
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "organize_speaker.html")]
struct SpeakerPage {
    ws: WsHeader,
    id: i64,
    name: String,
    company: String,
    photo_url: String,
    bio: String,
    links: String,
}

async fn speaker_page(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, i64)>,
    Query(flash): Query<Flash>,
) -> Result<SpeakerPage, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let (p, _) = state
        .store
        .speaker(d.conference.id, hallway_domain::SpeakerId::new(id))
        .await?
        .ok_or_else(|| PageError::NotFound(format!("There is no speaker {id}.")))?;
    Ok(SpeakerPage {
        ws: header(&d, &flash),
        id,
        name: p.info.name,
        company: p.info.company,
        photo_url: p.info.photo_url,
        bio: p.info.bio,
        links: p
            .info
            .links
            .iter()
            .map(|l| format!("{} | {}", l.title, l.url))
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

async fn speaker_add(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Form(f): Form<SpeakerForm>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let body = SpeakerBody {
        name: f.name,
        company: f.company,
        bio: f.bio,
        photo_url: f.photo_url,
        links: Vec::new(),
    };
    let result = workspace::speaker_add(&state, &user.account, &d, &body).await;
    back(&format!("/c/{slug}/organize"), result, "Speaker added.")
}

async fn speaker_edit(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<SpeakerForm>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let path = format!("/c/{slug}/organize");
    match f.action.as_str() {
        "save" => {
            let result = match parse_links(&f.links) {
                Ok(links) => {
                    let body = SpeakerBody {
                        name: f.name,
                        company: f.company,
                        bio: f.bio,
                        photo_url: f.photo_url,
                        links,
                    };
                    workspace::speaker_update(&state, &user.account, &d, id, &body).await
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(_) => back(&path, Ok(()), "Speaker saved."),
                Err(e) => back(&format!("{path}/speakers/{id}"), Err::<(), _>(e), ""),
            }
        }
        "delete" => {
            let result = workspace::speaker_delete(&state, &user.account, &d, id).await;
            back(&path, result, "Speaker deleted.")
        }
        _ => back(
            &path,
            Err::<(), _>(ApiError::Invalid {
                field: "action",
                message: "unknown action".into(),
            }),
            "",
        ),
    }
}

// ---- the draft's sessions ------------------------------------------------------------------

struct DayLink {
    date: String,
    label: String,
    current: bool,
}

struct CellSession {
    id: i64,
    time: String,
    title: String,
    kind: &'static str,
}

struct Cell {
    room: i64,
    room_name: String,
    sessions: Vec<CellSession>,
}

struct GridRow {
    hour: String,
    start: String,
    cells: Vec<Cell>,
}

struct RoomOption {
    id: i64,
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "organize_sessions.html")]
struct SessionsPage {
    ws: WsHeader,
    pending: workspace::PendingDto,
    days: Vec<DayLink>,
    day: String,
    day_label: String,
    rooms: Vec<RoomOption>,
    grid: Vec<GridRow>,
}

async fn sessions_page(
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
struct SessionPage {
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

async fn session_page_for(
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

async fn new_session_page(
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

async fn edit_session_page(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, i64)>,
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
fn read_session_form(body: &[u8]) -> SessionFormValues {
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

fn session_body(d: &ConferenceDetail, f: &SessionFormValues) -> Result<SessionBody, ApiError> {
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

async fn save_session_form(
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

async fn create_session_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    save_session_form(&state, &user, &slug, None, &body).await
}

async fn update_session_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    save_session_form(&state, &user, &slug, Some(id), &body).await
}

async fn cancel_session_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let result = workspace::remove_session(&state, &user.account, &d, id).await;
    back(
        &format!("/c/{slug}/organize/sessions"),
        result,
        "Cancelled in the draft: it leaves the program at the next release.",
    )
}

async fn release_form(
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

// ---- team and audit --------------------------------------------------------------------------

struct MemberView {
    user: i64,
    name: String,
    email: String,
    role: &'static str,
}

struct InvitationView {
    email: String,
    role: &'static str,
    when: String,
    accepted: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "organize_team.html")]
struct TeamPage {
    ws: WsHeader,
    members: Vec<MemberView>,
    invitations: Vec<InvitationView>,
    link: String,
}

async fn team_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<TeamPage, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let tz = d.conference.info.time_zone.tz();
    Ok(TeamPage {
        ws: header(&d, &flash),
        members: state
            .store
            .members(d.conference.id)
            .await?
            .into_iter()
            .map(|m| MemberView {
                user: m.user.get(),
                name: m.name,
                email: m.email,
                role: m.role.as_str(),
            })
            .collect(),
        invitations: state
            .store
            .invitations(d.conference.id)
            .await?
            .into_iter()
            .map(|i| InvitationView {
                email: i.email,
                role: i.role.as_str(),
                when: i
                    .created_at
                    .with_timezone(&tz)
                    .format("%-d %b %H:%M")
                    .to_string(),
                accepted: i.accepted,
            })
            .collect(),
        link: flash.link.clone(),
    })
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    email: String,
    role: String,
}

async fn invite_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Form(f): Form<InviteForm>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    match workspace::make_invitation(
        &state,
        &user.account,
        &d,
        &InviteBody {
            email: f.email,
            role: f.role,
        },
    )
    .await
    {
        Ok(inv) => Ok(Redirect::to(&format!(
            "/c/{slug}/organize/team?link={}",
            urlencode(&inv.link)
        ))),
        Err(e) => back(&format!("/c/{slug}/organize/team"), Err::<(), _>(e), ""),
    }
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    user: i64,
    role: String,
}

async fn remove_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Form(f): Form<RemoveForm>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let result = workspace::drop_member(&state, &user.account, &d, f.user, &f.role).await;
    back(&format!("/c/{slug}/organize/team"), result, "Removed.")
}

struct AuditView {
    when: String,
    actor: String,
    action: String,
    detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "organize_audit.html")]
struct AuditPage {
    ws: WsHeader,
    entries: Vec<AuditView>,
}

async fn audit_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<AuditPage, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let tz = d.conference.info.time_zone.tz();
    Ok(AuditPage {
        ws: header(&d, &flash),
        entries: state
            .store
            .audit_log(d.conference.id, 500)
            .await?
            .into_iter()
            .map(|e| AuditView {
                when: e
                    .at
                    .with_timezone(&tz)
                    .format("%a %-d %b %H:%M:%S")
                    .to_string(),
                actor: e.actor,
                action: e.action,
                detail: e.detail,
            })
            .collect(),
    })
}

// ---- invitations -----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "invite.html")]
struct InvitePage {
    conference: String,
    email: String,
    role: &'static str,
    accepted: bool,
    logged_in: bool,
    mismatch: bool,
    me: String,
    here: String,
}

async fn invite_page(
    State(state): State<AppState>,
    user: MaybeUser,
    Path(token): Path<String>,
) -> Result<InvitePage, PageError> {
    let inv = state
        .store
        .invitation(&crate::auth::digest(&token))
        .await?
        .ok_or_else(|| PageError::NotFound("This invitation link is not valid.".into()))?;
    let me = user
        .0
        .as_ref()
        .map(|(a, _)| a.email.clone())
        .unwrap_or_default();
    Ok(InvitePage {
        conference: inv.conference_name,
        mismatch: !me.is_empty() && !me.eq_ignore_ascii_case(&inv.email),
        logged_in: user.0.is_some(),
        email: inv.email,
        role: inv.role.as_str(),
        accepted: inv.accepted,
        me,
        here: urlencode(&format!("/invite/{token}")),
    })
}

async fn invite_accept(
    State(state): State<AppState>,
    user: PageUser,
    Path(token): Path<String>,
) -> Result<Redirect, PageError> {
    let hash = crate::auth::digest(&token);
    let inv = state
        .store
        .invitation(&hash)
        .await?
        .ok_or_else(|| PageError::NotFound("This invitation link is not valid.".into()))?;
    if !user.account.email.eq_ignore_ascii_case(&inv.email) {
        return Err(PageError::Forbidden(format!(
            "This invitation is for {}.",
            inv.email
        )));
    }
    if !state
        .store
        .accept_invitation(&hash, user.account.id, state.clock.now())
        .await?
    {
        return Err(PageError::Invalid(
            "This invitation was taken up already.".into(),
        ));
    }
    if let Some(d) = state
        .store
        .conference(
            &hallway_domain::Slug::parse(&inv.slug)
                .map_err(|e| PageError::Internal(e.to_string()))?,
        )
        .await?
    {
        let _ = workspace::audit_record(
            &state,
            &d,
            &user.account,
            "joined the team",
            format!("as {}", inv.role.as_str()),
        )
        .await;
    }
    Ok(Redirect::to(&if inv.role == Role::Organizer {
        format!("/c/{}/organize", inv.slug)
    } else {
        format!("/c/{}", inv.slug)
    }))
}

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/organize/new", get(new_page).post(new_submit))
        .route("/c/{slug}/organize", get(overview))
        .route("/c/{slug}/organize/conference", post(conference_submit))
        .route("/c/{slug}/organize/directory", post(directory_submit))
        .route("/c/{slug}/organize/rooms", post(room_add))
        .route("/c/{slug}/organize/rooms/{id}", post(room_edit))
        .route("/c/{slug}/organize/tracks", post(track_add))
        .route("/c/{slug}/organize/tracks/{id}", post(track_edit))
        .route("/c/{slug}/organize/speakers", post(speaker_add))
        .route(
            "/c/{slug}/organize/speakers/{id}",
            get(speaker_page).post(speaker_edit),
        )
        .route(
            "/c/{slug}/organize/sessions",
            get(sessions_page).post(create_session_form),
        )
        .route("/c/{slug}/organize/sessions/new", get(new_session_page))
        .route(
            "/c/{slug}/organize/sessions/{id}",
            get(edit_session_page).post(update_session_form),
        )
        .route(
            "/c/{slug}/organize/sessions/{id}/cancel",
            post(cancel_session_form),
        )
        .route("/c/{slug}/organize/release", post(release_form))
        .route("/c/{slug}/organize/team", get(team_page))
        .route("/c/{slug}/organize/team/invite", post(invite_form))
        .route("/c/{slug}/organize/team/remove", post(remove_form))
        .route("/c/{slug}/organize/audit", get(audit_page))
        .route("/invite/{token}", get(invite_page).post(invite_accept))
}
