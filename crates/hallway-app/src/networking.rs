//! Meeting people and rating sessions: a badge scan or a typed code exchanges cards (both
//! sides earn points once per pair), a rating or comment on a session one attended; for
//! organizers, hiding comments and the points settings. Points
//! reach their earners live through the outbox, written with the award.

use hallway_domain::networking::Rating;
use hallway_domain::points::PointsSettings;
use hallway_domain::{SessionId, UserId};
use hallway_store::{
    Card, CardSecrets, CardUpdate, ExchangeOutcome, FeedbackOutcome, FeedbackRequest, Target,
};

use crate::{AppError, Attendee, Context, Organizer};

/// Exchanges cards with the person whose badge (or short code) `target` is; refused when
/// either side does not exchange now or one blocked the other (see [`ExchangeOutcome`]).
#[tracing::instrument(name = "exchange", skip_all, fields(
    conference = %who.conference(), user = %who.account().id))]
pub async fn exchange(
    ctx: Context<'_>,
    who: &Attendee,
    target: &Target,
) -> Result<ExchangeOutcome, AppError> {
    Ok(ctx
        .store
        .exchange(who.conference(), who.account().id, target, ctx.now)
        .await?)
}

/// Rate a session.
#[derive(Clone, Debug)]
pub struct Rate {
    /// The session.
    pub session: SessionId,
    /// Stars.
    pub rating: Rating,
    /// The new comment (checked; "" removes it); `None` keeps the stored one.
    pub comment: Option<String>,
}

/// Rates a session the attendee had a seat in, once it has started (again: the rating is
/// replaced, the points are not earned twice).
#[tracing::instrument(name = "rate", skip_all, fields(
    conference = %who.conference(), user = %who.account().id, session = %cmd.session))]
pub async fn rate(
    ctx: Context<'_>,
    who: &Attendee,
    cmd: Rate,
) -> Result<FeedbackOutcome, AppError> {
    Ok(ctx
        .store
        .put_feedback(&FeedbackRequest {
            conference: who.conference(),
            session: cmd.session,
            user: who.account().id,
            rating: cmd.rating,
            comment: cmd.comment,
            now: ctx.now,
        })
        .await?)
}

/// Hides a comment from everyone but organizers, or shows it again (organizers); the
/// audit line goes with it. Answers the session it was about, `None` when there is no
/// such feedback.
#[tracing::instrument(name = "hide_comment", skip_all, fields(conference = %who.conference(), feedback = id))]
pub async fn hide_comment(
    ctx: Context<'_>,
    who: &Organizer,
    id: i64,
    hidden: bool,
) -> Result<Option<SessionId>, AppError> {
    let audit = who.audit(
        if hidden {
            "hid a comment"
        } else {
            "showed a comment"
        },
        format!("feedback {id}"),
    );
    Ok(ctx
        .store
        .set_feedback_hidden(who.conference(), id, hidden, Some(&audit), ctx.now)
        .await?)
}

/// Sets what each action is worth, the hourly cap, the ratings a session needs before
/// its summary shows, and the levels (checked by [`PointsSettings::validate`]).
#[tracing::instrument(name = "set_points_settings", skip_all, fields(conference = %who.conference()))]
pub async fn set_points_settings(
    ctx: Context<'_>,
    who: &Organizer,
    settings: &PointsSettings,
) -> Result<(), AppError> {
    let audit = who.audit("changed the points and feedback settings", String::new());
    ctx.store
        .set_points_settings(who.conference(), settings, Some(&audit), ctx.now)
        .await?;
    Ok(())
}

/// Changes what the attendee's card shares and whether they exchange cards now; `None`
/// when they have no card yet.
#[tracing::instrument(name = "update_card", skip_all, fields(conference = %who.conference(), user = %who.account().id))]
pub async fn update_card(
    ctx: Context<'_>,
    who: &Attendee,
    update: &CardUpdate,
) -> Result<Option<Card>, AppError> {
    Ok(ctx
        .store
        .update_card(who.conference(), who.account().id, update, ctx.now)
        .await?)
}

/// Gives the attendee's card a new badge token and code (the old ones stop working).
#[tracing::instrument(name = "rotate_card", skip_all, fields(conference = %who.conference(), user = %who.account().id))]
pub async fn rotate_card(
    ctx: Context<'_>,
    who: &Attendee,
    secrets: &CardSecrets,
) -> Result<Option<Card>, AppError> {
    Ok(ctx
        .store
        .rotate_card(who.conference(), who.account().id, secrets, ctx.now)
        .await?)
}

/// Keeps a private note on a contact; `false` when `other` is not one.
#[tracing::instrument(name = "set_contact_note", skip_all, fields(conference = %who.conference(), user = %who.account().id))]
pub async fn set_contact_note(
    ctx: Context<'_>,
    who: &Attendee,
    other: UserId,
    note: &str,
) -> Result<bool, AppError> {
    Ok(ctx
        .store
        .set_contact_note(who.conference(), who.account().id, other, note)
        .await?)
}

/// Deletes a contact on the attendee's side (the other keeps theirs).
#[tracing::instrument(name = "delete_contact", skip_all, fields(conference = %who.conference(), user = %who.account().id))]
pub async fn delete_contact(
    ctx: Context<'_>,
    who: &Attendee,
    other: UserId,
) -> Result<bool, AppError> {
    Ok(ctx
        .store
        .delete_contact(who.conference(), who.account().id, other)
        .await?)
}

/// Blocks `other`: no exchange between them from now on, and their contact goes.
/// Refused as not found when there is no such person.
#[tracing::instrument(name = "block", skip_all, fields(conference = %who.conference(), user = %who.account().id))]
pub async fn block(ctx: Context<'_>, who: &Attendee, other: UserId) -> Result<(), AppError> {
    if ctx
        .store
        .block(who.conference(), who.account().id, other, ctx.now)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("There is no person {other}.")))
    }
}

/// Lifts a block; `false` when there was none.
#[tracing::instrument(name = "unblock", skip_all, fields(conference = %who.conference(), user = %who.account().id))]
pub async fn unblock(ctx: Context<'_>, who: &Attendee, other: UserId) -> Result<bool, AppError> {
    Ok(ctx
        .store
        .unblock(who.conference(), who.account().id, other)
        .await?)
}
