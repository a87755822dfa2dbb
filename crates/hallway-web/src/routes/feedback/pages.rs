//! The pages and forms of this feature.

use super::session_in;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::request::PageForm;
use crate::request::{load, parse_id};
use crate::view::ConfHeader;
use crate::view::feedback::reader;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use hallway_domain::SessionId;
use hallway_domain::networking::{Rating, parse_comment};
use hallway_store::FeedbackOutcome;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route(
            "/c/{slug}/sessions/{id}/feedback",
            axum::routing::get(feedback_page).post(feedback_form),
        )
        .route(
            "/c/{slug}/feedback/{id}/hidden",
            axum::routing::post(hidden_form),
        )
}

// ---------------------------------------------------------------------------------------
// Pages

#[derive(Debug, Deserialize)]
struct FeedbackForm {
    rating: String,
    #[serde(default)]
    comment: String,
}

async fn feedback_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
    PageForm(f): PageForm<FeedbackForm>,
) -> Result<Response, PageError> {
    let (c, session) = session_in(&state, &slug, &id).await?;
    let rating = f
        .rating
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|r| Rating::new(r).ok())
        .ok_or_else(|| PageError::Invalid("rating: choose from 1 to 5 stars".into()))?;
    let comment = parse_comment(&f.comment).map_err(|e| PageError::Invalid(e.to_string()))?;
    let who = hallway_app::Attendee::new(user.account.clone(), c);
    let outcome = hallway_app::networking::rate(
        state.context(),
        &who,
        hallway_app::networking::Rate {
            session,
            rating,
            comment: Some(comment),
        },
    )
    .await?;
    match outcome {
        FeedbackOutcome::Saved { .. } => {
            Ok(Redirect::to(&format!("/c/{slug}/sessions/{id}?rated=1#feedback")).into_response())
        }
        FeedbackOutcome::NotStarted => Err(PageError::Invalid(
            "This session has not started yet; rate it once it has.".into(),
        )),
        FeedbackOutcome::NotInAgenda => Err(PageError::Forbidden(
            "Only attendees who had a seat in this session can rate it.".into(),
        )),
        FeedbackOutcome::NoSuchSession => Err(PageError::NotFound("No such session.".into())),
    }
}

#[derive(Debug)]
struct EntryView {
    id: i64,
    stars: String,
    rating: u8,
    comment: String,
    hidden: bool,
    author: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    conf: ConfHeader,
    session_id: i64,
    title: String,
    organizer: bool,
    summary: String,
    entries: Vec<EntryView>,
}

async fn feedback_page(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<FeedbackPage, PageError> {
    let loaded = load(&state, &slug).await?;
    let c = loaded.detail.conference.id;
    let sid = SessionId::new(parse_id(&id, "session")?);
    let session = loaded
        .sessions
        .iter()
        .find(|s| s.id == sid)
        .ok_or_else(|| PageError::NotFound(format!("There is no session {id}.")))?;
    let Some(organizer) = reader(&state, c, sid, &user.account).await? else {
        return Err(PageError::Forbidden(
            "Only the session's speakers and the organizers read its feedback.".into(),
        ));
    };
    let entries = state.store.session_feedback(c, sid, organizer).await?;
    let s = state.store.rating_summary(c, sid).await?;
    Ok(FeedbackPage {
        conf: ConfHeader::new(&loaded.detail.conference),
        session_id: sid.get(),
        title: session.info.title.clone(),
        organizer,
        summary: if s.count == 0 {
            "No ratings yet.".into()
        } else {
            format!(
                "{:.1} ★ from {} rating{}",
                s.sum as f64 / s.count as f64,
                s.count,
                if s.count == 1 { "" } else { "s" }
            )
        },
        entries: entries
            .into_iter()
            .map(|f| EntryView {
                id: f.id,
                stars: "★".repeat(usize::from(f.rating)),
                rating: f.rating,
                comment: f.comment,
                hidden: f.hidden,
                author: if organizer { f.author } else { String::new() },
            })
            .collect(),
    })
}

#[derive(Debug, Deserialize)]
struct HiddenForm {
    /// `hide` or `show`.
    action: String,
    session: i64,
}

async fn hidden_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((slug, id)): Path<(String, String)>,
    PageForm(f): PageForm<HiddenForm>,
) -> Result<Redirect, PageError> {
    let c = crate::request::published_id(&state, &slug).await?;
    if !crate::request::is_organizer(&state, c, &user.account).await? {
        return Err(PageError::Forbidden(
            "Only the conference's organizers may hide comments.".into(),
        ));
    }
    let fid = parse_id(&id, "feedback")?;
    let hidden = f.action == "hide";
    let who = hallway_app::Organizer::prove(&state.store, user.account.clone(), c).await?;
    hallway_app::networking::hide_comment(state.context(), &who, fid, hidden)
        .await?
        .ok_or_else(|| PageError::NotFound(format!("There is no feedback {id}.")))?;
    Ok(Redirect::to(&format!(
        "/c/{slug}/sessions/{}/feedback",
        f.session
    )))
}
