//! Pages to create a conference and to change its settings, rooms, tracks and speakers.

use super::super::service::{
    self as workspace, ConferencePatch, NewConference, RoomBody, SpeakerBody, TrackBody,
};
use super::{Flash, WsHeader, back, header, organized, zones};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{ApiError, PageError};
use crate::request::PageForm;
use crate::request::PagePath;
use crate::view::urlencode;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

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
pub(super) struct NewPage {
    f: NewForm,
    error: String,
    zones: Vec<&'static str>,
}

pub(super) async fn new_page(user: PageUser) -> Result<NewPage, PageError> {
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

pub(super) async fn new_submit(
    State(state): State<AppState>,
    user: PageUser,
    PageForm(f): PageForm<NewForm>,
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

pub(super) struct ConfView {
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

pub(super) struct RoomView {
    id: i64,
    name: String,
    capacity: String,
    note: String,
}

pub(super) struct TrackView {
    id: i64,
    name: String,
    colour: String,
    text_colour: String,
}

pub(super) struct SpeakerView {
    id: i64,
    name: String,
    company: String,
    sessions: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "organize.html")]
pub(super) struct OrganizePage {
    ws: WsHeader,
    c: ConfView,
    rooms: Vec<RoomView>,
    tracks: Vec<TrackView>,
    speakers: Vec<SpeakerView>,
    zones: Vec<&'static str>,
    editions: Vec<(String, String, bool)>,
    linked: String,
}

pub(super) async fn overview(
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

pub(super) async fn directory_submit(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<DirectoryForm>,
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

pub(super) async fn conference_submit(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<ConferenceForm>,
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

pub(super) fn optional_number(raw: &str, field: &'static str) -> Result<Option<i64>, ApiError> {
    match raw.trim() {
        "" => Ok(None),
        n => n.parse::<i64>().map(Some).map_err(|_| ApiError::Invalid {
            field,
            message: format!("{n:?} is not a whole number"),
        }),
    }
}

pub(super) async fn room_add(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<RoomForm>,
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

pub(super) async fn room_edit(
    State(state): State<AppState>,
    user: PageUser,
    PagePath((slug, id)): PagePath<(String, i64)>,
    PageForm(f): PageForm<RoomForm>,
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

pub(super) async fn track_add(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<TrackForm>,
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

pub(super) async fn track_edit(
    State(state): State<AppState>,
    user: PageUser,
    PagePath((slug, id)): PagePath<(String, i64)>,
    PageForm(f): PageForm<TrackForm>,
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
pub(super) fn parse_links(raw: &str) -> Result<Vec<workspace::LinkBody>, ApiError> {
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
pub(super) struct SpeakerPage {
    ws: WsHeader,
    id: i64,
    name: String,
    company: String,
    photo_url: String,
    bio: String,
    links: String,
}

pub(super) async fn speaker_page(
    State(state): State<AppState>,
    user: PageUser,
    PagePath((slug, id)): PagePath<(String, i64)>,
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

pub(super) async fn speaker_add(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<SpeakerForm>,
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

pub(super) async fn speaker_edit(
    State(state): State<AppState>,
    user: PageUser,
    PagePath((slug, id)): PagePath<(String, i64)>,
    PageForm(f): PageForm<SpeakerForm>,
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
