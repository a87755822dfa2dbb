//! The reservation engine: reserving a seat, joining a waitlist, cancelling, changing a
//! capacity and promoting waiting attendees, written once. DESIGN invariants 1-3 and 10 hold
//! here; the decisions (overlap, the grace period, kept-over seats, who is promoted) are the
//! domain's (`hallway_domain::agenda`).
//!
//! The steps run on a [`SeatTx`]: a write transaction the caller opened, with the handful of
//! statements the engine needs. There are two kinds of it ([`sql`]): one over sqlx
//! (PostgreSQL, and SQLite stores without a file) and one over rusqlite for SQLite's writer
//! thread ([`crate::writer`]), with the same SQL text. The engine's futures never wait on
//! the rusqlite kind, so the writer thread runs them to completion in one poll.
//!
//! How the invariants hold under concurrency:
//! - Seats (1): a seat is taken by one conditional statement (`reserved < capacity`), so two
//!   writers can never both take the last seat; `CHECK (reserved <= capacity)` is the backstop.
//! - Double-booking (2): the attendee is locked first (PostgreSQL: `FOR UPDATE` on the user
//!   row; SQLite: one writer at a time), so two devices cannot both pass the overlap check.
//! - Waitlist (3): the change that frees a seat promotes the earliest waiting attendee
//!   without an overlap before it commits; on PostgreSQL the session row is locked, so joins
//!   of one waitlist are serialised and a position answered is final.
//! - Events (10): seat counts and promotions are written to the outbox by the same
//!   transaction ([`SeatTx::emit`]); a refusal writes none (callers roll back refusals).

pub(crate) mod sql;

use chrono::{DateTime, Utc};
use hallway_domain::agenda::{
    AgendaState, conflicts, kept_over, open_for_changes, promotion_candidate,
};
use hallway_domain::events::{Event, Outgoing};
use hallway_domain::{ConferenceId, Seats, SessionId, TimeSpan, UserId};

use crate::agenda::{CancelOutcome, Promotion, ReserveOutcome};
use crate::{AuditLine, Result};

/// The session a change is about, as the engine reads it at the start of the change.
#[derive(Debug)]
pub(crate) struct Target {
    pub span: TimeSpan,
    /// Breaks take no reservations.
    pub reservable: bool,
    pub seats: Seats,
    /// The conference's grace period after a start, in minutes.
    pub grace: u32,
    /// The attendee's agenda row for the session and its state, if any.
    pub mine: Option<(i64, AgendaState)>,
}

/// What the engine needs of a write transaction. Row ids are the agenda table's.
pub(crate) trait SeatTx {
    /// Locks the attendee against a second change of theirs at once (PostgreSQL); nothing
    /// on SQLite, where the transaction already holds the only write lock.
    async fn lock_attendee(&mut self, user: UserId) -> Result<()>;
    /// The session, its seats, the conference's grace and `user`'s row for it; on
    /// PostgreSQL the session row stays locked until the end of the transaction.
    async fn target(
        &mut self,
        conference: ConferenceId,
        session: SessionId,
        user: UserId,
    ) -> Result<Option<Target>>;
    /// The 1-based waitlist position of agenda row `row` of `session`.
    async fn position(&mut self, session: SessionId, row: i64) -> Result<u32>;
    /// Makes `user` an attendee of the conference (keeping an agenda does).
    async fn enrol(&mut self, conference: ConferenceId, user: UserId) -> Result<()>;
    /// Adds an agenda row; answers its id.
    async fn insert_agenda(
        &mut self,
        conference: ConferenceId,
        user: UserId,
        session: SessionId,
        state: AgendaState,
        now: DateTime<Utc>,
    ) -> Result<i64>;
    /// `user`'s reserved row for `session` and the session's span, if they hold a seat.
    async fn held(
        &mut self,
        conference: ConferenceId,
        user: UserId,
        session: SessionId,
    ) -> Result<Option<(i64, TimeSpan)>>;
    async fn delete_agenda(&mut self, row: i64) -> Result<()>;
    /// Frees one seat (a seat kept over a lowered capacity goes first); answers the seats.
    async fn release_seat(&mut self, session: SessionId) -> Result<Seats>;
    /// `user`'s reserved sessions in the conference with their spans.
    async fn reserved_spans(
        &mut self,
        conference: ConferenceId,
        user: UserId,
    ) -> Result<Vec<(SessionId, TimeSpan)>>;
    /// Takes a seat if one is free; answers the seats after, or `None` when full.
    async fn take_seat(&mut self, session: SessionId) -> Result<Option<Seats>>;
    /// A session's seats and span, for promotions.
    async fn seats_and_span(&mut self, session: SessionId) -> Result<(Seats, TimeSpan)>;
    /// The waitlist of `session` in order: agenda row and attendee.
    async fn waiting(&mut self, session: SessionId) -> Result<Vec<(i64, UserId)>>;
    /// Turns waitlist row `row` into a reserved seat (the seat was taken before).
    async fn seat_waiting(&mut self, row: i64) -> Result<()>;
    /// The message an attendee reads later (shown until read).
    async fn notify_promoted(
        &mut self,
        conference: ConferenceId,
        user: UserId,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// The session's kind is a break, and its room's capacity: `None` when the conference
    /// has no such session.
    async fn capacity_basis(
        &mut self,
        conference: ConferenceId,
        session: SessionId,
    ) -> Result<Option<(bool, Option<u32>, u32)>>;
    /// Stores a session's capacity: the organizer's override, the effective capacity and
    /// the seats kept over it.
    async fn store_capacity(
        &mut self,
        session: SessionId,
        wanted: Option<u32>,
        effective: Option<u32>,
        kept_over: u32,
    ) -> Result<()>;
    /// Writes an event to the outbox, in this transaction.
    async fn emit(&mut self, event: &Outgoing, now: DateTime<Utc>) -> Result<()>;
    /// Writes a line of the conference's audit log, in this transaction.
    async fn record(
        &mut self,
        conference: ConferenceId,
        line: &AuditLine,
        now: DateTime<Utc>,
    ) -> Result<()>;
}

/// One attempt at a reservation: [`crate::agenda::Attempt::Retry`] restarts it.
pub(crate) enum Attempt<T> {
    Done(T),
    Retry,
}

/// Whether a reservation changed the database (so its transaction is to be committed;
/// anything else is rolled back, which undoes a `replace` dropped before a refusal).
pub(crate) fn changed(attempt: &Attempt<ReserveOutcome>) -> bool {
    matches!(attempt, Attempt::Done(outcome) if outcome.changed())
}

/// What a reservation asks, owned so it can travel to the writer thread.
#[derive(Clone, Debug)]
pub(crate) struct Reserve {
    pub conference: ConferenceId,
    pub user: UserId,
    pub session: SessionId,
    pub replace: Vec<SessionId>,
    pub waitlist: bool,
    pub now: DateTime<Utc>,
}

fn seats_event(conference: ConferenceId, session: SessionId, seats: &Seats) -> Outgoing {
    Outgoing::everyone(
        conference,
        Event::Seats {
            session,
            capacity: seats.capacity().map(|c| c.get()),
            reserved: seats.reserved(),
        },
    )
}

/// Puts a session in an attendee's agenda, or on its waitlist, or says why not.
pub(crate) async fn reserve<T: SeatTx>(
    tx: &mut T,
    req: &Reserve,
) -> Result<Attempt<ReserveOutcome>> {
    let (conference, user, session) = (req.conference, req.user, req.session);
    tx.lock_attendee(user).await?;
    let Some(target) = tx.target(conference, session, user).await? else {
        return Ok(Attempt::Done(ReserveOutcome::NoSuchSession));
    };
    if !target.reservable {
        return Ok(Attempt::Done(ReserveOutcome::NotReservable));
    }
    match target.mine {
        Some((_, AgendaState::Reserved)) => {
            return Ok(Attempt::Done(ReserveOutcome::Reserved {
                seats: target.seats,
                already: true,
                promoted: vec![],
            }));
        }
        Some((row, AgendaState::Waitlisted)) => {
            let position = tx.position(session, row).await?;
            return Ok(Attempt::Done(ReserveOutcome::Waitlisted {
                position,
                already: true,
            }));
        }
        None => {}
    }
    if !open_for_changes(&target.span, req.now, target.grace) {
        return Ok(Attempt::Done(ReserveOutcome::Closed(session)));
    }
    if target.seats.left() == Some(0) {
        if !req.waitlist {
            return Ok(Attempt::Done(ReserveOutcome::Full));
        }
        tx.enrol(conference, user).await?;
        let row = tx
            .insert_agenda(conference, user, session, AgendaState::Waitlisted, req.now)
            .await?;
        let position = tx.position(session, row).await?;
        return Ok(Attempt::Done(ReserveOutcome::Waitlisted {
            position,
            already: false,
        }));
    }
    // Drop the sessions to replace first (a refusal below is rolled back by the caller).
    let mut dropped = Vec::new();
    for &r in req.replace.iter().filter(|r| **r != session) {
        let Some((row, span)) = tx.held(conference, user, r).await? else {
            return Ok(Attempt::Done(ReserveOutcome::NotReserved(r)));
        };
        if !open_for_changes(&span, req.now, target.grace) {
            return Ok(Attempt::Done(ReserveOutcome::Closed(r)));
        }
        tx.delete_agenda(row).await?;
        tx.release_seat(r).await?;
        dropped.push(r);
    }
    let mine = tx.reserved_spans(conference, user).await?;
    let clashes = conflicts(&target.span, mine.iter().map(|(id, s)| (*id, s)));
    if !clashes.is_empty() {
        return Ok(Attempt::Done(ReserveOutcome::Conflict(clashes)));
    }
    let Some(seats) = tx.take_seat(session).await? else {
        // Another transaction took the last seat since we looked: start again.
        return Ok(Attempt::Retry);
    };
    tx.enrol(conference, user).await?;
    tx.insert_agenda(conference, user, session, AgendaState::Reserved, req.now)
        .await?;
    tx.emit(&seats_event(conference, session, &seats), req.now)
        .await?;
    let mut promoted = Vec::new();
    for r in dropped {
        promoted.extend(promote(tx, conference, r, req.now).await?);
    }
    Ok(Attempt::Done(ReserveOutcome::Reserved {
        seats,
        already: false,
        promoted,
    }))
}

/// Takes a session out of an attendee's agenda (or off its waitlist); a freed seat goes to
/// the waitlist in the same transaction. Only [`CancelOutcome::Cancelled`] changed anything.
pub(crate) async fn cancel<T: SeatTx>(
    tx: &mut T,
    conference: ConferenceId,
    user: UserId,
    session: SessionId,
    now: DateTime<Utc>,
) -> Result<CancelOutcome> {
    tx.lock_attendee(user).await?;
    let Some(target) = tx.target(conference, session, user).await? else {
        return Ok(CancelOutcome::NoSuchSession);
    };
    let Some((row, state)) = target.mine else {
        return Ok(CancelOutcome::NotInAgenda);
    };
    if !open_for_changes(&target.span, now, target.grace) {
        return Ok(CancelOutcome::Closed);
    }
    tx.delete_agenda(row).await?;
    let mut promoted = Vec::new();
    if state == AgendaState::Reserved {
        tx.release_seat(session).await?;
        promoted = promote(tx, conference, session, now).await?;
    }
    Ok(CancelOutcome::Cancelled(promoted))
}

/// Sets a session's capacity (`wanted: None`: back to its room's). Raising it promotes
/// waiting attendees at once; lowering it below the seats taken keeps everyone in (the
/// seats over it are kept over) and admits nobody new until the count is below it; `audit`
/// is written with it. `None` when the conference has no such session.
pub(crate) async fn set_capacity<T: SeatTx>(
    tx: &mut T,
    conference: ConferenceId,
    session: SessionId,
    wanted: Option<u32>,
    audit: Option<&AuditLine>,
    now: DateTime<Utc>,
) -> Result<Option<Vec<Promotion>>> {
    let Some((is_break, room_capacity, reserved)) = tx.capacity_basis(conference, session).await?
    else {
        return Ok(None);
    };
    let effective = if is_break {
        None
    } else {
        wanted.or(room_capacity)
    };
    tx.store_capacity(session, wanted, effective, kept_over(effective, reserved))
        .await?;
    if let Some(line) = audit {
        tx.record(conference, line, now).await?;
    }
    Ok(Some(promote(tx, conference, session, now).await?))
}

/// Applies a new effective capacity to a session whose capacity follows its room (the
/// room's capacity changed), keeping seats over it, then promotes.
pub(crate) async fn follow_capacity<T: SeatTx>(
    tx: &mut T,
    conference: ConferenceId,
    session: SessionId,
    effective: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Vec<Promotion>> {
    store_capacity(tx, session, None, effective).await?;
    promote(tx, conference, session, now).await
}

/// Stores a session's capacity (the organizer's `wanted` one and the `effective` one),
/// keeping the seats over it; promotes nobody (the caller does, once it is done).
pub(crate) async fn store_capacity<T: SeatTx>(
    tx: &mut T,
    session: SessionId,
    wanted: Option<u32>,
    effective: Option<u32>,
) -> Result<()> {
    let (seats, _) = tx.seats_and_span(session).await?;
    tx.store_capacity(
        session,
        wanted,
        effective,
        kept_over(effective, seats.reserved()),
    )
    .await
}

/// Gives free seats of `session` to waiting attendees in FIFO order, skipping those with an
/// overlap (they keep their place); notifies each, and writes their promotions and the
/// session's new seat count to the outbox. Answers the promotions made.
pub(crate) async fn promote<T: SeatTx>(
    tx: &mut T,
    conference: ConferenceId,
    session: SessionId,
    now: DateTime<Utc>,
) -> Result<Vec<Promotion>> {
    let mut promoted = Vec::new();
    let (mut seats, span) = tx.seats_and_span(session).await?;
    while seats.left() != Some(0) {
        let waiting = tx.waiting(session).await?;
        if waiting.is_empty() {
            break;
        }
        let mut chosen = None;
        for (row, user) in waiting {
            tx.lock_attendee(user).await?;
            let theirs: Vec<TimeSpan> = tx
                .reserved_spans(conference, user)
                .await?
                .into_iter()
                .map(|(_, s)| s)
                .collect();
            if promotion_candidate(&span, [theirs.as_slice()]).is_some() {
                chosen = Some((row, user));
                break;
            }
        }
        let Some((row, user)) = chosen else { break };
        let Some(after) = tx.take_seat(session).await? else {
            break;
        };
        seats = after;
        tx.seat_waiting(row).await?;
        tx.notify_promoted(conference, user, session, now).await?;
        tx.emit(
            &Outgoing::to(conference, user, Event::Promoted { session }),
            now,
        )
        .await?;
        promoted.push(Promotion { user, session });
    }
    // Everybody hears the session's count once it settled (a freed seat, a capacity).
    tx.emit(&seats_event(conference, session, &seats), now)
        .await?;
    Ok(promoted)
}
