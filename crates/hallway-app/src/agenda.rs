//! The personal agenda and session capacities: reserve (or wait), cancel, change a
//! session's capacity. The rules and their concurrency argument are the store's reservation
//! engine's; seat counts and promotions reach everybody through the outbox.

use hallway_domain::{Capacity, SessionId};
use hallway_store::{CancelOutcome, Promotion, ReserveOutcome, ReserveRequest};

use crate::{AppError, Attendee, Context, Organizer};

/// Put a session in one's agenda.
#[derive(Clone, Debug)]
pub struct Reserve {
    /// The session wanted.
    pub session: SessionId,
    /// Reserved sessions to give up in the same transaction (to resolve a clash).
    pub replace: Vec<SessionId>,
    /// Whether to join the waitlist when the session is full.
    pub waitlist: bool,
}

/// Reserves a seat, or a place on the waitlist, or says why not (see [`ReserveOutcome`];
/// only `Reserved` and `Waitlisted` changed anything).
#[tracing::instrument(name = "reserve", skip_all, fields(
    conference = %who.conference(), user = %who.account().id, session = %cmd.session))]
pub async fn reserve(
    ctx: Context<'_>,
    who: &Attendee,
    cmd: Reserve,
) -> Result<ReserveOutcome, AppError> {
    Ok(ctx
        .store
        .reserve(&ReserveRequest {
            conference: who.conference(),
            user: who.account().id,
            session: cmd.session,
            replace: &cmd.replace,
            waitlist: cmd.waitlist,
            now: ctx.now,
        })
        .await?)
}

/// Takes a session out of one's agenda (or off its waitlist); a freed seat goes to the
/// first waiting attendee without a clash, in the same transaction.
#[tracing::instrument(name = "cancel", skip_all, fields(
    conference = %who.conference(), user = %who.account().id, session = %session))]
pub async fn cancel(
    ctx: Context<'_>,
    who: &Attendee,
    session: SessionId,
) -> Result<CancelOutcome, AppError> {
    Ok(ctx
        .store
        .cancel(who.conference(), who.account().id, session, ctx.now)
        .await?)
}

/// Change a session's capacity.
#[derive(Clone, Copy, Debug)]
pub struct SetCapacity {
    /// The session.
    pub session: SessionId,
    /// Its seats, or `None` for its room's capacity again.
    pub capacity: Option<Capacity>,
}

/// Sets a session's capacity and writes the audit line in the same transaction. Raising
/// it promotes waiting attendees at once; lowering it below the seats taken keeps everyone
/// in and admits nobody new until the count is below it. Answers the promotions.
#[tracing::instrument(name = "set_capacity", skip_all, fields(
    conference = %who.conference(), user = %who.account().id, session = %cmd.session))]
pub async fn set_capacity(
    ctx: Context<'_>,
    who: &Organizer,
    cmd: SetCapacity,
) -> Result<Vec<Promotion>, AppError> {
    let missing = || AppError::NotFound(format!("There is no session {}.", cmd.session));
    let title = ctx
        .store
        .session(who.conference(), cmd.session)
        .await?
        .ok_or_else(missing)?
        .info
        .title;
    let seats = cmd
        .capacity
        .map_or_else(|| "the room's".to_owned(), |c| c.get().to_string());
    let audit = who.audit("changed a session's seats", format!("{title}: {seats}"));
    ctx.store
        .set_session_capacity_recorded(
            who.conference(),
            cmd.session,
            cmd.capacity,
            Some(audit),
            ctx.now,
        )
        .await?
        .ok_or_else(missing)
}
