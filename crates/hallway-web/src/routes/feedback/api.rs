//! The JSON API of this feature (documented in the OpenAPI document).

use super::session_in;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, problem};
use crate::request::OrganizedApi;
use crate::request::parse_id;
use crate::view::feedback::reader;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hallway_domain::networking::{Rating, parse_comment, shown_average};
use hallway_domain::{Email, SpeakerId, UserId};
use hallway_store::{Feedback, FeedbackOutcome};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_feedback, put_feedback))
        .routes(routes!(put_hidden))
        .routes(routes!(link_speaker))
        .routes(routes!(unlink_speaker))
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
    let body: FeedbackBody = crate::request::parse_json(&body)?;
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
    let who = hallway_app::Attendee::new(user.account.clone(), c);
    let outcome = hallway_app::networking::rate(
        state.context(),
        &who,
        hallway_app::networking::Rate {
            session,
            rating,
            comment,
        },
    )
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
    let c = crate::request::published_id(&state, &slug).await?;
    if !crate::request::is_organizer(&state, c, &user.account).await? {
        return Err(ApiError::Forbidden(
            "only the conference's organizers may hide comments".into(),
        ));
    }
    let body: HiddenBody = crate::request::parse_json(&body)?;
    let fid = parse_id(&id, "feedback")?;
    let who = hallway_app::Organizer::prove(&state.store, user.account.clone(), c).await?;
    hallway_app::networking::hide_comment(state.context(), &who, fid, body.hidden)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("There is no feedback {id}.")))?;
    Ok(Json(serde_json::json!({ "hidden": body.hidden })))
}

/// The account to link to a speaker.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpeakerAccountBody {
    /// The email of an existing account.
    email: String,
}

/// Links a speaker of the program to an account (organizers): that person gets the speaker
/// role and reads the feedback of the speaker's sessions.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/speakers/{id}/accounts", tag = "feedback",
    params(("slug" = String, Path, description = "The conference's slug"), ("id" = i64, Path, description = "The speaker's id")),
    request_body = SpeakerAccountBody,
    responses((status = 201, description = "Linked"), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]

async fn link_speaker(
    State(state): State<AppState>,
    org: OrganizedApi,
    Path((_slug, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: SpeakerAccountBody = crate::request::parse_json(&body)?;
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
    if !hallway_app::organize::link_speaker(
        state.context(),
        &org.organizer,
        speaker,
        account.id,
        email.as_str(),
    )
    .await?
    {
        return Err(ApiError::NotFound(format!("There is no speaker {id}.")));
    }
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
    org: OrganizedApi,
    Path((_slug, id, user_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let speaker = SpeakerId::new(parse_id(&id, "speaker")?);
    let account = UserId::new(parse_id(&user_id, "account")?);
    if hallway_app::organize::unlink_speaker(state.context(), &org.organizer, speaker, account)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("There is no such link.".into()))
    }
}
