//! The organizer workspace's pages: create a conference (site admins), its settings, rooms,
//! tracks and speakers, the draft's sessions on a day × room grid with a form editor, the
//! release button, the team with invitations, and the audit log. Each form posts, then
//! redirects back with a notice (or re-renders the session form with what was wrong).

mod draft;
mod setup;
mod team;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{ApiError, PageError};
use crate::view::urlencode;
use axum::response::Redirect;
use draft::{
    cancel_session_form, create_session_form, edit_session_page, new_session_page, release_form,
    sessions_page, update_session_form,
};
use hallway_store::ConferenceDetail;
use serde::Deserialize;
use setup::{
    conference_submit, directory_submit, new_page, new_submit, overview, room_add, room_edit,
    speaker_add, speaker_edit, speaker_page, track_add, track_edit,
};
use team::{audit_page, invite_accept, invite_form, invite_page, remove_form, team_page};

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
    super::organized(state, &user.account, slug)
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

pub(super) fn router() -> axum::Router<AppState> {
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
