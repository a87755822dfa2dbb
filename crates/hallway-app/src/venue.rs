//! The venue's use cases: a badge scanned at a door, an announcement posted. Door counts
//! and announcements reach the live streams through the outbox, written with the change.

use hallway_domain::RoomId;
use hallway_domain::venue::{self, Audience, Direction};
use hallway_store::{Announcement, DoorOutcome, DoorScan, Target};

use crate::{AppError, Context, DoorStaff, Organizer};

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
