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

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hallway_domain::networking::{Rating, parse_comment, shown_average};
use hallway_domain::{ConferenceId, Email, Session, SessionId, SpeakerId, UserId};
use hallway_store::{Account, Feedback, FeedbackOutcome, FeedbackRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::program::{ConfHeader, load, parse_id};
use crate::AppState;
use crate::auth::{ApiUser, PageUser};
use crate::error::{ApiError, PageError, problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_feedback, put_feedback))
        .routes(routes!(put_hidden))
        .routes(routes!(link_speaker))
        .routes(routes!(unlink_speaker))
        .route(
            "/c/{slug}/sessions/{id}/feedback",
            axum::routing::get(feedback_page).post(feedback_form),
        )
        .route(
            "/c/{slug}/feedback/{id}/hidden",
            axum::routing::post(hidden_form),
        )
}

/// A rating and optional comment. `comment` absent keeps the stored one; "" removes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// 1 to 5.
    rating: i64,
    /// Up to 2000 characters. Comments of 10 characters or more earn points (once).
    #[serde(default, deserialize_with = "some")]
    comment: Option<Option<String>>,
}

/// Tells an absent field (`None`) from an explicit null (`Some(None)`).
fn some<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A piece of feedback.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackDto {
    /// Its id (organizers hide comments by it).
    id: i64,
    rating: u8,
    /// "" when none, or hidden for this reader.
    comment: String,
    /// Whether an organizer hid the comment (shown to organizers and the author).
    hidden: bool,
    /// RFC 3339.
    updated_at: String,
    /// The author's name: organizers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
}

fn feedback_dto(f: &Feedback, with_author: bool) -> FeedbackDto {
    FeedbackDto {
        id: f.id,
        rating: f.rating,
        comment: f.comment.clone(),
        hidden: f.hidden,
        updated_at: f.updated_at.to_rfc3339(),
        author: with_author.then(|| f.author.clone()),
    }
}

/// The result of rating.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedDto {
    feedback: FeedbackDto,
    /// Points this request earned (first rating, first comment that counts).
    points: u32,
}

/// A session's feedback as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionFeedbackDto {
    /// Ratings given.
    count: u64,
    /// The average; null while fewer than `min_count` ratings were given.
    average: Option<f64>,
    /// The conference's minimum count before the average shows.
    min_count: u32,
    /// The caller's own feedback.
    mine: Option<FeedbackDto>,
    /// Every rating and comment: only for the session's speakers (hidden comments left
    /// out) and organizers (with hidden ones, marked, and authors).
    #[serde(skip_serializing_if = "Option::is_none")]
    entries: Option<Vec<FeedbackDto>>,
}

/// Who reads a session's feedback: `Some(true)` organizers (everything), `Some(false)` its
/// linked speakers (visible comments), `None` others.
async fn reader(
    state: &AppState,
    c: ConferenceId,
    session: SessionId,
    account: &Account,
) -> Result<Option<bool>, ApiError> {
    if super::organize::is_organizer(state, c, account).await? {
        return Ok(Some(true));
    }
    Ok(state
        .store
        .speaks_in(c, session, account.id)
        .await?
        .then_some(false))
}

async fn session_in(
    state: &AppState,
    slug: &str,
    id: &str,
) -> Result<(ConferenceId, SessionId), ApiError> {
    let c = super::agenda::conference_id(state, slug).await?;
    let id = parse_id(id, "session")?;
    Ok((c, SessionId::new(id)))
}

/// A session's rating summary, the caller's own feedback, and for its speakers and the
/// organizers every rating and comment.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/sessions/{id}/feedback", tag = "feedback",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The session's id")),
    responses((status = 200, body = SessionFeedbackDto), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn get_feedback(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<SessionFeedbackDto>, ApiError> {
    let (c, session) = session_in(&state, &slug, &id).await?;
    if state.store.session(c, session).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "There is no session {id} in this conference."
        )));
    }
    let settings = state.store.points_settings(c).await?;
    let summary = state.store.rating_summary(c, session).await?;
    let mine = state.store.my_feedback(c, session, user.account.id).await?;
    let entries = match reader(&state, c, session, &user.account).await? {
        Some(organizer) => Some(
            state
                .store
                .session_feedback(c, session, organizer)
                .await?
                .iter()
                .map(|f| feedback_dto(f, organizer))
                .collect(),
        ),
        None => None,
    };
    Ok(Json(SessionFeedbackDto {
        count: summary.count,
        average: shown_average(summary.sum, summary.count, settings.min_ratings),
        min_count: settings.min_ratings,
        mine: mine.as_ref().map(|f| feedback_dto(f, false)),
        entries,
    }))
}

/// Rates a session (1-5) with an optional comment; once per attendee and session, editable.
/// Allowed once the session has started, to attendees who had a seat in it.
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/sessions/{id}/feedback", tag = "feedback",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The session's id")),
    request_body = FeedbackBody,
    responses(
        (status = 200, body = SavedDto),
        (status = 400, description = "`invalid` with `field` (`rating`, `comment`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not-attended`: no seat in the session", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not-started`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn put_feedback(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let (c, session) = session_in(&state, &slug, &id).await?;
    let body: FeedbackBody = super::parse_json(&body)?;
    let invalid = |e: hallway_domain::networking::NetworkingError| ApiError::Invalid {
        field: e.field(),
        message: e.message(),
    };
    let rating = Rating::new(body.rating).map_err(invalid)?;
    let comment = match body.comment {
        None => None,
        Some(None) => Some(String::new()),
        Some(Some(c)) => Some(parse_comment(&c).map_err(invalid)?),
    };
    let outcome = state
        .store
        .put_feedback(&FeedbackRequest {
            conference: c,
            session,
            user: user.account.id,
            rating,
            comment,
            now: state.clock.now(),
        })
        .await?;
    Ok(match outcome {
        FeedbackOutcome::Saved { feedback, points } => Json(SavedDto {
            feedback: feedback_dto(&feedback, false),
            points,
        })
        .into_response(),
        FeedbackOutcome::NotStarted => problem(
            StatusCode::CONFLICT,
            "not-started",
            "Session not started",
            "Sessions can be rated once they have started.".into(),
            None,
        ),
        FeedbackOutcome::NotInAgenda => problem(
            StatusCode::FORBIDDEN,
            "not-attended",
            "Not attended",
            "Only attendees who had a seat in this session can rate it.".into(),
            None,
        ),
        FeedbackOutcome::NoSuchSession => {
            ApiError::NotFound(format!("There is no session {id} in this conference."))
                .into_response()
        }
    })
}

/// Hides or shows a comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HiddenBody {
    hidden: bool,
}

/// Hides a comment from attendees and speakers, or shows it again (organizers). The rating
/// still counts.
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/feedback/{id}/hidden", tag = "feedback",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The feedback's id")),
    request_body = HiddenBody,
    responses((status = 200, body = HiddenBody), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn put_hidden(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let c = super::agenda::conference_id(&state, &slug).await?;
    if !super::organize::is_organizer(&state, c, &user.account).await? {
        return Err(ApiError::Forbidden(
            "only the conference's organizers may hide comments".into(),
        ));
    }
    let body: HiddenBody = super::parse_json(&body)?;
    let fid = parse_id(&id, "feedback")?;
    state
        .store
        .set_feedback_hidden(c, fid, body.hidden)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("There is no feedback {id}.")))?;
    state
        .store
        .record(
            c,
            user.account.id,
            &user.account.email,
            if body.hidden {
                "hid a comment"
            } else {
                "showed a comment"
            },
            &format!("feedback {fid}"),
            state.clock.now(),
        )
        .await?;
    Ok(Json(serde_json::json!({ "hidden": body.hidden })))
}

/// The account to link to a speaker.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpeakerAccountBody {
    /// The email of an existing account.
    email: String,
}

async fn organizer_of(
    state: &AppState,
    slug: &str,
    user: &ApiUser,
) -> Result<ConferenceId, ApiError> {
    let c = super::agenda::conference_id(state, slug).await?;
    if !super::organize::is_organizer(state, c, &user.account).await? {
        return Err(ApiError::Forbidden(
            "only the conference's organizers may link speakers".into(),
        ));
    }
    Ok(c)
}

/// Links a speaker of the program to an account (organizers): that person gets the speaker
/// role and reads the feedback of the speaker's sessions.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/speakers/{id}/accounts", tag = "feedback",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The speaker's id")),
    request_body = SpeakerAccountBody,
    responses((status = 201, description = "Linked"), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn link_speaker(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let c = organizer_of(&state, &slug, &user).await?;
    let body: SpeakerAccountBody = super::parse_json(&body)?;
    let email = Email::parse(&body.email).map_err(|e| ApiError::Invalid {
        field: "email",
        message: e.to_string(),
    })?;
    let (account, _) = state
        .store
        .account_for_login(&email)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("There is no account {}.", email.as_str())))?;
    let speaker = SpeakerId::new(parse_id(&id, "speaker")?);
    if !state.store.link_speaker(c, speaker, account.id).await? {
        return Err(ApiError::NotFound(format!("There is no speaker {id}.")));
    }
    state
        .store
        .record(
            c,
            user.account.id,
            &user.account.email,
            "linked a speaker to an account",
            &format!("speaker {id} = {}", email.as_str()),
            state.clock.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "speaker": speaker.get(), "user": account.id.get() })),
    )
        .into_response())
}

/// Removes a speaker-account link (organizers).
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/speakers/{id}/accounts/{user_id}", tag = "feedback",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The speaker's id"), ("user_id" = i64, Path, description = "The account's id")),
    responses((status = 204, description = "Unlinked"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
async fn unlink_speaker(
    State(state): State<AppState>,
    user: ApiUser,
    Path((slug, id, user_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let c = organizer_of(&state, &slug, &user).await?;
    let speaker = SpeakerId::new(parse_id(&id, "speaker")?);
    let account = UserId::new(parse_id(&user_id, "account")?);
    if state.store.unlink_speaker(c, speaker, account).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("There is no such link.".into()))
    }
}

// ---------------------------------------------------------------------------------------
// Pages

/// The feedback part of a session page.
#[derive(Debug, Default)]
pub(super) struct FeedbackPanel {
    /// "4.3 ★ from 12 ratings", or why no average is shown; "" before the start.
    pub(super) summary: String,
    /// Whether the visitor may rate now.
    pub(super) can_rate: bool,
    /// Why not, for a logged-in visitor ("" when they can, or the session is a break).
    pub(super) why_not: String,
    /// The visitor's current rating (0: none) and comment.
    pub(super) rating: u8,
    pub(super) comment: String,
    /// Whether the visitor reads all feedback (speaker or organizer).
    pub(super) can_read: bool,
}

/// Builds the feedback panel of `session` for `visitor` (`reserved`: holds a seat).
pub(super) async fn panel(
    state: &AppState,
    c: ConferenceId,
    session: &Session,
    visitor: Option<&Account>,
    reserved: bool,
) -> Result<FeedbackPanel, ApiError> {
    if session.info.kind == hallway_domain::SessionKind::Break {
        return Ok(FeedbackPanel::default());
    }
    let started = session.info.span.start() <= state.clock.now();
    let mut p = FeedbackPanel::default();
    if started {
        let settings = state.store.points_settings(c).await?;
        let s = state.store.rating_summary(c, session.id).await?;
        p.summary = match shown_average(s.sum, s.count, settings.min_ratings) {
            Some(avg) => format!(
                "{avg:.1} ★ from {} rating{}",
                s.count,
                if s.count == 1 { "" } else { "s" }
            ),
            None if s.count == 0 => "No ratings yet.".to_owned(),
            None => format!("The average shows from {} ratings.", settings.min_ratings),
        };
    }
    if let Some(a) = visitor {
        p.can_read = reader(state, c, session.id, a).await?.is_some();
        if !started {
            p.why_not = "You can rate this session once it has started.".into();
        } else if !reserved {
            p.why_not = "Only attendees who had a seat in this session can rate it.".into();
        } else {
            p.can_rate = true;
            if let Some(f) = state.store.my_feedback(c, session.id, a.id).await? {
                p.rating = f.rating;
                p.comment = f.comment;
            }
        }
    }
    Ok(p)
}

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
    Form(f): Form<FeedbackForm>,
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
    let outcome = state
        .store
        .put_feedback(&FeedbackRequest {
            conference: c,
            session,
            user: user.account.id,
            rating,
            comment: Some(comment),
            now: state.clock.now(),
        })
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
    Form(f): Form<HiddenForm>,
) -> Result<Redirect, PageError> {
    let c = super::agenda::conference_id(&state, &slug).await?;
    if !super::organize::is_organizer(&state, c, &user.account).await? {
        return Err(PageError::Forbidden(
            "Only the conference's organizers may hide comments.".into(),
        ));
    }
    let fid = parse_id(&id, "feedback")?;
    let hidden = f.action == "hide";
    state
        .store
        .set_feedback_hidden(c, fid, hidden)
        .await?
        .ok_or_else(|| PageError::NotFound(format!("There is no feedback {id}.")))?;
    state
        .store
        .record(
            c,
            user.account.id,
            &user.account.email,
            if hidden {
                "hid a comment"
            } else {
                "showed a comment"
            },
            &format!("feedback {fid}"),
            state.clock.now(),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/c/{slug}/sessions/{}/feedback",
        f.session
    )))
}
