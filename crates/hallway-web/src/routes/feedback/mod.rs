//! Session feedback (issue #9): attendees who had a seat rate a session once it has
//! started (`PUT /api/v1/conferences/{slug}/sessions/{id}/feedback`, and the form on the
//! session page); speakers read their sessions' ratings and comments, organizers read
//! everything and hide comments; the session page shows the average from the conference's
//! minimum count of ratings up.
//!
//! Speakers and accounts: the program's speakers are not accounts. An organizer links a
//! speaker to an account by email (`POST …/speakers/{id}/accounts`), which also gives that
//! account the speaker role; from then on that person reads the feedback of the speaker's
//! sessions.

mod api;
mod pages;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::ApiError;
use crate::request::parse_id;
use hallway_domain::{ConferenceId, SessionId};

pub fn router() -> OpenApiRouter<AppState> {
    api::router().merge(pages::router())
}

async fn session_in(
    state: &AppState,
    slug: &str,
    id: &str,
) -> Result<(ConferenceId, SessionId), ApiError> {
    let c = crate::request::published_id(state, slug).await?;
    let id = parse_id(id, "session")?;
    Ok((c, SessionId::new(id)))
}
