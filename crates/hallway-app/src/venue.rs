//! The venue's use cases: a badge scanned at a door, an announcement posted, a lab machine
//! taken and given back. Door counts, announcements and a lab's points reach the live
//! streams through the outbox, written with the change.

use hallway_domain::venue::{self, Audience, Direction};
use hallway_domain::{RoomId, SessionId};
use hallway_store::{Announcement, DoorOutcome, DoorScan, LabOutcome, Target};

use crate::{AppError, Attendee, Context, DoorStaff, Organizer};

/// A badge at a room's door.
#[derive(Clone, Debug)]
pub struct Scan {
    /// The room.
    pub room: RoomId,
    /// The badge as read (a short code or a QR token).
    pub badge: Target,
    /// In or out.
    pub direction: Direction,
}

/// Lets someone in or out at a room's door, or refuses and says why. The room's capacity
/// is never exceeded, however many doors scan at once (the store takes the room's lock).
#[tracing::instrument(name = "scan_door", skip_all, fields(
    conference = %who.conference(), user = %who.account().id, room = %cmd.room))]
pub async fn scan_door(
    ctx: Context<'_>,
    who: &DoorStaff,
    cmd: Scan,
) -> Result<DoorOutcome, AppError> {
    ctx.store
        .door(&DoorScan {
            conference: who.conference(),
            room: cmd.room,
            badge: cmd.badge,
            direction: cmd.direction,
            now: ctx.now,
        })
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no room {}.", cmd.room)))
}

/// Post an announcement.
#[derive(Clone, Debug)]
pub struct Announce {
    /// The words, as typed.
    pub text: String,
    /// For whom, as typed: `everyone`, `room:{id}` or `session:{id}`.
    pub audience: String,
}

/// Posts an announcement; its audience hears of it live (an event per person, or one for
/// everybody, written with it) and it stays in the feed.
#[tracing::instrument(name = "announce", skip_all, fields(
    conference = %who.conference(), user = %who.account().id))]
pub async fn announce(
    ctx: Context<'_>,
    who: &Organizer,
    cmd: Announce,
) -> Result<Announcement, AppError> {
    let text = venue::parse_announcement(&cmd.text).ok_or_else(|| AppError::Invalid {
        field: "text",
        message: format!("from 1 to {} characters", venue::MAX_ANNOUNCEMENT),
    })?;
    let audience = Audience::parse(&cmd.audience).ok_or_else(|| AppError::Invalid {
        field: "audience",
        message: "everyone, room:{id} or session:{id}".into(),
    })?;
    ctx.store
        .post_announcement(who.conference(), who.account().id, &text, audience, ctx.now)
        .await?
        .ok_or_else(|| AppError::Invalid {
            field: "audience",
            message: "the conference has no such room or session".into(),
        })
}

/// Takes a machine of a hands-on lab's pool for the attendee (the same one again if they
/// hold one); refused when the pool is empty or taken, or the attendee has no seat.
#[tracing::instrument(name = "start_lab", skip_all, fields(
    conference = %who.conference(), user = %who.account().id, session = %session))]
pub async fn start_lab(
    ctx: Context<'_>,
    who: &Attendee,
    session: SessionId,
) -> Result<LabOutcome, AppError> {
    Ok(ctx
        .store
        .start_lab(who.conference(), session, who.account().id, ctx.now)
        .await?)
}

/// Gives the attendee's machine back: the lab is completed, which earns points once.
/// Answers the points granted, or `None` when they held no machine.
#[tracing::instrument(name = "finish_lab", skip_all, fields(
    conference = %who.conference(), user = %who.account().id, session = %session))]
pub async fn finish_lab(
    ctx: Context<'_>,
    who: &Attendee,
    session: SessionId,
) -> Result<Option<u32>, AppError> {
    Ok(ctx
        .store
        .finish_lab(who.conference(), session, who.account().id, ctx.now)
        .await?)
}

/// Sets the door rules (how long a reserved seat is held once a session starts, how early
/// doors open, whether rooms empty between sessions) with its audit line.
#[tracing::instrument(name = "set_door_rules", skip_all, fields(conference = %who.conference()))]
pub async fn set_door_rules(
    ctx: Context<'_>,
    who: &Organizer,
    settings: &venue::VenueSettings,
) -> Result<(), AppError> {
    let audit = who.audit(
        "changed the door rules",
        format!(
            "seats held {} min, doors open {} min before{}",
            settings.reserved_minutes,
            settings.doors_open_minutes,
            if settings.reset_between {
                ", rooms emptied between sessions"
            } else {
                ""
            }
        ),
    );
    ctx.store
        .set_venue_settings(who.conference(), settings, Some(&audit), ctx.now)
        .await?;
    Ok(())
}

/// Adds machines to a lab's pool, or updates those of the same name, with the audit line;
/// `None` when the session is not a lab of the conference.
#[tracing::instrument(name = "import_machines", skip_all, fields(conference = %who.conference(), session = %session))]
pub async fn import_machines(
    ctx: Context<'_>,
    who: &Organizer,
    session: SessionId,
    machines: &[venue::Machine],
) -> Result<Option<usize>, AppError> {
    let audit = who.audit(
        "imported lab machines",
        format!("session {session}: {} machines", machines.len()),
    );
    Ok(ctx
        .store
        .import_machines(who.conference(), session, machines, Some(&audit), ctx.now)
        .await?)
}
