//! Meeting people and rating sessions: a badge scan or a typed code exchanges cards (both
//! sides earn points once per pair), a rating or comment on a session one attended. Points
//! reach their earners live through the outbox, written with the award.

use hallway_domain::SessionId;
use hallway_domain::networking::Rating;
use hallway_store::{ExchangeOutcome, FeedbackOutcome, FeedbackRequest, Target};

use crate::{AppError, Attendee, Context};

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
