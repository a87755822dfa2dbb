//! The pages and forms of this feature.

use super::{
    DoorDto, MachineDto, badge_of, door_dto, import_pool, may_staff_doors, post, scan_door,
};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{ApiError, PageError};
use crate::request::PageForm;
use crate::request::organizer_conference as organizer;
use crate::request::{detail, parse_id};
use crate::view::ConfHeader;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use hallway_app::DoorStaff;
use hallway_domain::venue::{Audience, Direction};
use hallway_domain::{ConferenceId, RoomId, SessionId, SessionKind};
use hallway_store::LabOutcome;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route(
            "/c/{slug}/rooms/{id}/door",
            axum::routing::get(door_page).post(door_form),
        )
        .route(
            "/c/{slug}/sessions/{id}/lab",
            axum::routing::get(lab_page).post(lab_form),
        )
        .route(
            "/c/{slug}/sessions/{id}/machines",
            axum::routing::get(pool_page).post(pool_form),
        )
        .route(
            "/c/{slug}/announcements",
            axum::routing::get(announcements_page).post(announcement_form),
        )
}

// ---------------------------------------------------------------------------------------
// Pages

#[derive(Template, WebTemplate)]
#[template(path = "door.html")]
struct DoorPage {
    conf: ConfHeader,
    room_id: i64,
    room: String,
    occupancy: u32,
    capacity: String,
    answer: Option<DoorDto>,
    error: String,
}

async fn door_page_of(
    state: &AppState,
    user: &PageUser,
    slug: &str,
    id: &str,
) -> Result<(DoorPage, ConferenceId, RoomId), PageError> {
    let d = detail(state, slug).await?;
    let c = d.conference.id;
    if !may_staff_doors(state, c, &user.account).await? {
        return Err(PageError::Forbidden(
            "Only the conference's organizers and volunteers staff its doors.".into(),
        ));
    }
    let id = parse_id(id, "room")?;
    let room = d
        .rooms
        .iter()
        .find(|r| r.id.get() == id)
        .ok_or_else(|| PageError::NotFound(format!("There is no room {id}.")))?;
    let occupancy = state
        .store
        .occupancy(c, state.clock.now())
        .await?
        .into_iter()
        .find(|r| r.room == room.id)
        .map_or(0, |r| r.occupancy);
    Ok((
        DoorPage {
            conf: ConfHeader::new(&d.conference),
            room_id: id,
            room: room.name.clone(),
            occupancy,
            capacity: room
                .capacity
                .map_or_else(|| "∞".to_owned(), |c| c.get().to_string()),
            answer: None,
            error: String::new(),
        },
        c,
        room.id,
    ))
}

async fn door_page(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<DoorPage, PageError> {
    Ok(door_page_of(&state, &user, &slug, &id).await?.0)
}

#[derive(Debug, Deserialize)]
struct DoorForm {
    code: String,
    direction: String,
}

/// The door without JavaScript: the form posts here and the page shows the answer.
async fn door_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
    PageForm(f): PageForm<DoorForm>,
) -> Result<DoorPage, PageError> {
    let (mut page, c, room) = door_page_of(&state, &user, &slug, &id).await?;
    let direction = if f.direction == "out" {
        Direction::Out
    } else {
        Direction::In
    };
    match badge_of(&f.code) {
        Ok(badge) => {
            let who = DoorStaff::prove(&state.store, user.account.clone(), c).await?;
            let outcome = scan_door(&state, &who, room, badge, direction).await?;
            page.occupancy = outcome.occupancy;
            page.answer = Some(door_dto(&outcome));
        }
        Err(e) => page.error = e.to_string(),
    }
    Ok(page)
}

#[derive(Template, WebTemplate)]
#[template(path = "lab.html")]
struct LabPage {
    conf: ConfHeader,
    session_id: i64,
    title: String,
    machine: Option<MachineDto>,
    error: String,
    organizer: bool,
}

async fn lab_page_of(
    state: &AppState,
    user: &PageUser,
    slug: &str,
    id: &str,
) -> Result<(LabPage, ConferenceId, SessionId), PageError> {
    let d = detail(state, slug).await?;
    let c = d.conference.id;
    let id = SessionId::new(parse_id(id, "session")?);
    let session = state
        .store
        .session(c, id)
        .await?
        .filter(|s| s.info.kind == SessionKind::Lab)
        .ok_or_else(|| PageError::NotFound(format!("There is no lab {id}.")))?;
    let machine = state
        .store
        .lab_machine(c, id, user.account.id, state.clock.now())
        .await?;
    Ok((
        LabPage {
            conf: ConfHeader::new(&d.conference),
            session_id: id.get(),
            title: session.info.title.clone(),
            machine: machine.as_ref().map(MachineDto::from),
            error: String::new(),
            organizer: crate::request::is_organizer(state, c, &user.account).await?,
        },
        c,
        id,
    ))
}

async fn lab_page(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<LabPage, PageError> {
    Ok(lab_page_of(&state, &user, &slug, &id).await?.0)
}

#[derive(Debug, Deserialize)]
struct LabForm {
    /// `start` or `finish`.
    action: String,
}

async fn lab_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
    PageForm(f): PageForm<LabForm>,
) -> Result<Response, PageError> {
    let (mut page, c, session) = lab_page_of(&state, &user, &slug, &id).await?;
    let who = hallway_app::Attendee::new(user.account.clone(), c);
    if f.action == "finish" {
        hallway_app::venue::finish_lab(state.context(), &who, session).await?;
    } else {
        let outcome = hallway_app::venue::start_lab(state.context(), &who, session).await?;
        if let LabOutcome::Started { .. } = outcome {
        } else {
            page.error = match outcome {
                LabOutcome::NoneFree => "Every machine of this lab is in use; ask the lab's staff.",
                LabOutcome::NotOpen => "The lab has not opened yet.",
                LabOutcome::Over => "The lab is over.",
                LabOutcome::NotAttending => {
                    "Reserve a seat in the lab or check in at its door first."
                }
                _ => "This is not a lab.",
            }
            .to_owned();
            return Ok(page.into_response());
        }
    }
    Ok(Redirect::to(&format!("/c/{slug}/sessions/{}/lab", session.get())).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "machines.html")]
struct PoolPage {
    conf: ConfHeader,
    session_id: i64,
    title: String,
    machines: Vec<PoolRow>,
    in_use: usize,
    error: String,
    imported: Option<usize>,
}

struct PoolRow {
    name: String,
    address: String,
    username: String,
    holder: String,
}

async fn pool_page_of(
    state: &AppState,
    user: &PageUser,
    slug: &str,
    id: &str,
) -> Result<(PoolPage, ConferenceId, SessionId), PageError> {
    let d = detail(state, slug).await?;
    let c = organizer(state, slug, &user.account).await?.conference();
    let id = SessionId::new(parse_id(id, "session")?);
    let session = state
        .store
        .session(c, id)
        .await?
        .filter(|s| s.info.kind == SessionKind::Lab)
        .ok_or_else(|| PageError::NotFound(format!("There is no lab {id}.")))?;
    let pool = state.store.lab_pool(c, id, state.clock.now()).await?;
    let in_use = pool.iter().filter(|m| m.holder.is_some()).count();
    Ok((
        PoolPage {
            conf: ConfHeader::new(&d.conference),
            session_id: id.get(),
            title: session.info.title,
            machines: pool
                .into_iter()
                .map(|m| PoolRow {
                    name: m.machine.name().to_owned(),
                    address: m.machine.address().to_owned(),
                    username: m.machine.username().to_owned(),
                    holder: m.holder.map(|h| h.1).unwrap_or_default(),
                })
                .collect(),
            in_use,
            error: String::new(),
            imported: None,
        },
        c,
        id,
    ))
}

async fn pool_page(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<PoolPage, PageError> {
    Ok(pool_page_of(&state, &user, &slug, &id).await?.0)
}

/// The CSV upload: a file or pasted text.
async fn pool_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
    mut form: Multipart,
) -> Result<PoolPage, PageError> {
    let (_, c, session) = pool_page_of(&state, &user, &slug, &id).await?;
    let mut bytes = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| PageError::Invalid(format!("The upload broke off: {e}")))?
    {
        if matches!(field.name(), Some("file" | "csv")) {
            let got = field
                .bytes()
                .await
                .map_err(|e| PageError::Invalid(format!("The upload broke off: {e}")))?;
            if !got.iter().all(u8::is_ascii_whitespace) {
                bytes = got.to_vec();
            }
        }
    }
    let result = import_pool(&state, &user.account, c, session, &bytes).await;
    let (mut page, _, _) = pool_page_of(&state, &user, &slug, &id).await?;
    match result {
        Ok(n) => page.imported = Some(n),
        Err(ApiError::Invalid { message, .. }) => page.error = message,
        Err(e) => return Err(e.into()),
    }
    Ok(page)
}

#[derive(Template, WebTemplate)]
#[template(path = "announcements.html")]
struct AnnouncementsPage {
    conf: ConfHeader,
    items: Vec<AnnouncementView>,
    organizer: bool,
    rooms: Vec<(i64, String)>,
    /// Sessions running or starting within two hours, for a session's audience.
    sessions: Vec<(i64, String)>,
    error: String,
}

struct AnnouncementView {
    text: String,
    audience: String,
    when: String,
}

async fn announcements_page_of(
    state: &AppState,
    user: &PageUser,
    slug: &str,
) -> Result<AnnouncementsPage, PageError> {
    let d = detail(state, slug).await?;
    let c = d.conference.id;
    let tz = d.conference.info.time_zone;
    let list = state.store.announcements(c, 100).await?;
    let room_name = |r: RoomId| {
        d.rooms
            .iter()
            .find(|x| x.id == r)
            .map_or_else(|| format!("room {r}"), |x| x.name.clone())
    };
    let mut items = Vec::with_capacity(list.len());
    for a in list {
        let audience = match a.audience {
            Audience::Everyone => "Everyone".to_owned(),
            Audience::Room(r) => format!("In {}", room_name(r)),
            Audience::Session(s) => state.store.session(c, s).await?.map_or_else(
                || format!("Session {s}"),
                |s| format!("Attendees of {}", s.info.title),
            ),
        };
        items.push(AnnouncementView {
            text: a.text,
            audience,
            when: a.at.with_timezone(&tz.tz()).format("%a %H:%M").to_string(),
        });
    }
    let organizer = crate::request::is_organizer(state, c, &user.account).await?;
    let mut sessions = Vec::new();
    if organizer {
        let now = state.clock.now();
        let (all, _) = state.store.program_of(&d).await?;
        let soon = now + chrono::Duration::hours(2);
        for s in all.iter() {
            if s.info.span.end() > now
                && s.info.span.start() < soon
                && s.info.kind != SessionKind::Break
            {
                let start = s.info.span.start().with_timezone(&tz.tz()).format("%H:%M");
                sessions.push((
                    s.id.get(),
                    format!("{start} {} ({})", s.info.title, room_name(s.room)),
                ));
            }
        }
    }
    Ok(AnnouncementsPage {
        conf: ConfHeader::new(&d.conference),
        items,
        sessions,
        organizer,
        rooms: d
            .rooms
            .iter()
            .map(|r| (r.id.get(), r.name.clone()))
            .collect(),
        error: String::new(),
    })
}

async fn announcements_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<AnnouncementsPage, PageError> {
    announcements_page_of(&state, &user, &slug).await
}

#[derive(Debug, Deserialize)]
struct AnnouncementForm {
    text: String,
    audience: String,
}

async fn announcement_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<AnnouncementForm>,
) -> Result<Response, PageError> {
    let who = organizer(&state, &slug, &user.account).await?;
    match post(&state, &who, &f.text, &f.audience).await {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/announcements")).into_response()),
        Err(ApiError::Invalid { field, message }) => {
            let mut page = announcements_page_of(&state, &user, &slug).await?;
            page.error = format!("{field}: {message}");
            Ok(page.into_response())
        }
        Err(e) => Err(e.into()),
    }
}
