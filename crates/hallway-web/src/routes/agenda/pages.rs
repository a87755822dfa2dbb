//! The pages and forms of this feature.

use super::calendar_url;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::request::PageForm;
use crate::request::{load, parse_id};
use crate::view::ConfHeader;
use crate::view::SessionCard;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hallway_app::agenda;
use hallway_domain::SessionId;
use hallway_store::{CancelOutcome, ReserveOutcome};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/c/{slug}/agenda", axum::routing::get(agenda_page))
        .route("/c/{slug}/agenda.ics", axum::routing::get(calendar_feed))
        .route(
            "/c/{slug}/agenda/reminders",
            axum::routing::post(reminders_form),
        )
        .route(
            "/c/{slug}/agenda/calendar-key",
            axum::routing::post(calendar_key_form),
        )
        .route("/c/{slug}/agenda/{id}", axum::routing::post(agenda_form))
}

// ---------------------------------------------------------------------------------------
// Pages

#[derive(Debug)]
struct Waiting {
    card: SessionCard,
    position: u32,
}

#[derive(Debug)]
struct NoteView {
    message: String,
    when: String,
    unread: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "agenda.html")]
struct AgendaPage {
    conf: ConfHeader,
    name: String,
    calendar_url: String,
    reminder_minutes: String,
    reserved: Vec<SessionCard>,
    waiting: Vec<Waiting>,
    notes: Vec<NoteView>,
}

async fn agenda_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<AgendaPage, PageError> {
    let loaded = load(&state, &slug).await?;
    let c = loaded.detail.conference.id;
    let agenda = state.store.agenda(c, user.account.id).await?;
    let notes = state.store.notifications(c, user.account.id, 20).await?;
    hallway_app::accounts::mark_notices_read(state.context(), &user.account, c).await?;
    let ix = loaded.index();
    let now = state.clock.now();
    let tz = loaded.detail.conference.info.time_zone;
    let find = |id: SessionId| loaded.sessions.iter().find(|s| s.id == id);
    let calendar_url = calendar_url(&state, &slug, user.account.id).await?;
    let reminder_minutes = state
        .store
        .reminder_minutes(user.account.id)
        .await?
        .map(|m| m.to_string())
        .unwrap_or_default();
    Ok(AgendaPage {
        conf: ConfHeader::new(&loaded.detail.conference),
        name: user.account.name.clone(),
        calendar_url,
        reminder_minutes,
        reserved: agenda
            .reserved
            .iter()
            .filter_map(|id| find(*id))
            .map(|s| ix.card(s, now).with_day())
            .collect(),
        waiting: agenda
            .waitlisted
            .iter()
            .filter_map(|(id, p)| {
                find(*id).map(|s| Waiting {
                    card: ix.card(s, now).with_day(),
                    position: *p,
                })
            })
            .collect(),
        notes: notes
            .into_iter()
            .map(|n| NoteView {
                message: match &n.notice {
                    Some(notice) => crate::view::word_notice(notice, tz, |id| {
                        find(id).map(|s| s.info.title.clone())
                    }),
                    None => n.message,
                },
                when: crate::view::clock_time(tz, n.created_at),
                unread: !n.read,
            })
            .collect(),
    })
}

#[derive(Debug, Deserialize)]
struct AgendaForm {
    /// `add`, `waitlist`, `replace` or `remove`.
    action: String,
    /// With `replace`: the session ids to drop, comma-separated.
    #[serde(default)]
    replace: String,
    /// Where to go afterwards (a local path).
    #[serde(default)]
    next: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "agenda_result.html")]
struct ResultPage {
    conf: ConfHeader,
    card: SessionCard,
    heading: String,
    detail: String,
    /// Offer to join the waitlist.
    offer_waitlist: bool,
    /// Offer to replace these (comma-separated ids) and their cards.
    replace: String,
    conflicts: Vec<SessionCard>,
    next: String,
}

async fn agenda_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
    PageForm(f): PageForm<AgendaForm>,
) -> Result<Response, PageError> {
    let loaded = load(&state, &slug).await?;
    let id = parse_id(&id, "session")?;
    let sid = SessionId::new(id);
    let session = loaded
        .sessions
        .iter()
        .find(|s| s.id == sid)
        .ok_or_else(|| {
            PageError::NotFound(format!("There is no session {id} in this conference."))
        })?;
    let next = crate::view::local_path(Some(&f.next))
        .unwrap_or_else(|| format!("/c/{slug}/sessions/{id}"));
    let now = state.clock.now();
    let conference = loaded.detail.conference.id;
    let ix = loaded.index();
    let page = |heading: &str, detail: String, offer_waitlist: bool, conflicts: Vec<SessionId>| {
        ResultPage {
            conf: ConfHeader::new(&loaded.detail.conference),
            card: ix.card(session, now).with_day(),
            heading: heading.to_owned(),
            detail,
            offer_waitlist,
            replace: conflicts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(","),
            conflicts: conflicts
                .iter()
                .filter_map(|c| loaded.sessions.iter().find(|s| s.id == *c))
                .map(|s| ix.card(s, now).with_day())
                .collect(),
            next: next.clone(),
        }
    };
    // Every refusal answers 409 with the page explaining it.
    let refuse =
        |heading: &str, detail: String, offer_waitlist: bool, conflicts: Vec<SessionId>| {
            (
                StatusCode::CONFLICT,
                page(heading, detail, offer_waitlist, conflicts),
            )
                .into_response()
        };
    if f.action == "remove" {
        let who = hallway_app::Attendee::new(user.account.clone(), conference);
        let outcome = agenda::cancel(state.context(), &who, sid).await?;
        return Ok(match outcome {
            CancelOutcome::Cancelled(_) | CancelOutcome::NotInAgenda => {
                Redirect::to(&next).into_response()
            }
            CancelOutcome::Closed => refuse(
                "Too late to change",
                "This session has started; your agenda no longer changes for it.".into(),
                false,
                vec![],
            ),
            CancelOutcome::NoSuchSession => {
                PageError::NotFound("No such session.".into()).into_response()
            }
        });
    }
    let replace: Vec<SessionId> = if f.action == "replace" {
        f.replace
            .split(',')
            .filter_map(|s| s.trim().parse::<i64>().ok())
            .map(SessionId::new)
            .collect()
    } else {
        Vec::new()
    };
    let who = hallway_app::Attendee::new(user.account.clone(), conference);
    let cmd = agenda::Reserve {
        session: sid,
        replace,
        waitlist: f.action == "waitlist",
    };
    let outcome = agenda::reserve(state.context(), &who, cmd).await?;
    Ok(match outcome {
        ReserveOutcome::Reserved { .. } | ReserveOutcome::Waitlisted { .. } => Redirect::to(&next).into_response(),
        ReserveOutcome::Conflict(ids) => refuse("It overlaps your agenda",
                "You already have a seat in a session at the same time. Replace it with this one (both changes happen together, or neither), or keep your agenda as it is.".into(),
                false,
                ids),
        ReserveOutcome::Full => refuse("This session is full", "Every seat is taken. Join the waitlist: when a seat frees up, the first person waiting who has no overlapping session gets it, and you are told.".into(), true, vec![]),
        ReserveOutcome::Closed(_) => refuse("Too late to change", "A session involved has started; agendas no longer change for it.".into(), false, vec![]),
        ReserveOutcome::NotReservable => refuse("No reservation needed", "Breaks are open to everyone.".into(), false, vec![]),
        ReserveOutcome::NotReserved(_) => refuse("Your agenda changed", "A session to replace is no longer in your agenda; nothing was changed.".into(), false, vec![]),
        ReserveOutcome::NoSuchSession => PageError::NotFound("No such session.".into()).into_response(),
    })
}

#[derive(Debug, Deserialize)]
struct KeyQuery {
    key: Option<String>,
}

/// The personal calendar feed: reserved sessions with an alarm at the lead time. The key in
/// the URL is the only credential (calendar apps cannot log in); it can be regenerated.
async fn calendar_feed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    axum::extract::Query(q): axum::extract::Query<KeyQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let missing = || PageError::NotFound("Unknown or regenerated calendar key.".to_owned());
    let key = q.key.filter(|k| !k.is_empty()).ok_or_else(missing)?;
    let (user, minutes) = state
        .store
        .user_by_calendar_key(&key)
        .await?
        .ok_or_else(missing)?;
    let loaded = load(&state, &slug).await?;
    let agenda = state
        .store
        .agenda(loaded.detail.conference.id, user)
        .await?;
    let ix = loaded.index();
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("hallway.local")
        .to_owned();
    let entries: Vec<hallway_formats::ical::CalendarEntry> = agenda
        .reserved
        .iter()
        .filter_map(|id| loaded.sessions.iter().find(|s| s.id == *id))
        .map(|s| hallway_formats::ical::CalendarEntry {
            uid: format!(
                "session-{}@{}",
                s.id,
                host.split(':').next().unwrap_or("hallway")
            ),
            title: s.info.title.clone(),
            description: s.info.abstract_text.clone(),
            location: ix.room_name(s.room),
            url: format!("http://{host}/c/{slug}/sessions/{}", s.id),
            span: s.info.span,
        })
        .collect();
    let name = format!("{} — my agenda", loaded.detail.conference.info.name);
    let body = hallway_formats::ical::agenda_calendar(&name, &entries, minutes, state.clock.now());
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/calendar; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
struct RemindersForm {
    /// Empty: off.
    minutes: String,
}

async fn reminders_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<RemindersForm>,
) -> Result<Redirect, PageError> {
    let minutes = match f.minutes.trim() {
        "" | "off" => None,
        m => Some(
            m.parse::<u32>()
                .ok()
                .filter(|m| i64::from(*m) <= hallway_store::MAX_REMINDER_MINUTES)
                .ok_or_else(|| {
                    PageError::Invalid(format!("{m:?} is not a number of minutes from 0 to 1440"))
                })?,
        ),
    };
    hallway_app::accounts::set_reminder_minutes(state.context(), &user.account, minutes).await?;
    Ok(Redirect::to(&format!("/c/{slug}/agenda")))
}

async fn calendar_key_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
) -> Result<Redirect, PageError> {
    hallway_app::accounts::renew_calendar_key(
        state.context(),
        &user.account,
        &crate::auth::new_token(),
    )
    .await?;
    Ok(Redirect::to(&format!("/c/{slug}/agenda")))
}
