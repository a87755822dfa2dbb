//! A conference's setup, as its organizers keep it: rooms, tracks and speakers. Each change
//! writes its audit line in its own transaction; a room's new capacity also moves its
//! sessions' seats (waiting attendees promoted, the counts in the outbox).

use hallway_domain::program::SpeakerInfo;
use hallway_domain::{Capacity, Colour, RoomId, SpeakerId, TrackId};
use hallway_store::{Promotion, RoomEdit};

use crate::{AppError, Context, Organizer};

/// How the audit log words a capacity.
pub fn seats(c: Option<Capacity>) -> String {
    c.map_or_else(
        || "no seat limit".to_owned(),
        |c| format!("{} seats", c.get()),
    )
}

/// A room as the organizer typed it (checked by the caller: a name of 1 to 100
/// characters).
#[derive(Clone, Debug)]
pub struct Room {
    /// Its name, unique in the conference regardless of case.
    pub name: String,
    /// Seats; `None` = unlimited.
    pub capacity: Option<Capacity>,
    /// Where to find it.
    pub note: String,
}

/// Adds a room; refused (a store conflict) when the name is taken.
#[tracing::instrument(name = "add_room", skip_all, fields(conference = %who.conference()))]
pub async fn add_room(ctx: Context<'_>, who: &Organizer, room: &Room) -> Result<RoomId, AppError> {
    let audit = who.audit(
        "added a room",
        format!("{}, {}", room.name, seats(room.capacity)),
    );
    Ok(ctx
        .store
        .add_room(
            who.conference(),
            &room.name,
            room.capacity,
            &room.note,
            &audit,
            ctx.now,
        )
        .await?)
}

/// Changes a room; its sessions without seats of their own follow its new capacity.
/// Answers the promotions that made.
#[tracing::instrument(name = "update_room", skip_all, fields(conference = %who.conference(), room = %id))]
pub async fn update_room(
    ctx: Context<'_>,
    who: &Organizer,
    id: RoomId,
    room: &Room,
) -> Result<Vec<Promotion>, AppError> {
    let audit = who.audit(
        "changed a room",
        format!("{}, {}", room.name, seats(room.capacity)),
    );
    ctx.store
        .update_room(
            who.conference(),
            id,
            RoomEdit {
                name: &room.name,
                capacity: room.capacity,
                note: &room.note,
            },
            &audit,
            ctx.now,
        )
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no room {id}.")))
}

/// Deletes a room no session uses; `name` is what the audit log calls it.
#[tracing::instrument(name = "delete_room", skip_all, fields(conference = %who.conference(), room = %id))]
pub async fn delete_room(
    ctx: Context<'_>,
    who: &Organizer,
    id: RoomId,
    name: &str,
) -> Result<(), AppError> {
    let audit = who.audit("deleted a room", name.to_owned());
    if ctx
        .store
        .delete_room(who.conference(), id, &audit, ctx.now)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("There is no room {id}.")))
    }
}

/// Adds a track; refused when the name is taken.
#[tracing::instrument(name = "add_track", skip_all, fields(conference = %who.conference()))]
pub async fn add_track(
    ctx: Context<'_>,
    who: &Organizer,
    name: &str,
    colour: Colour,
) -> Result<TrackId, AppError> {
    let audit = who.audit("added a track", format!("{name} {}", colour.hex()));
    Ok(ctx
        .store
        .add_track(who.conference(), name, colour, &audit, ctx.now)
        .await?)
}

/// Changes a track's name and colour.
#[tracing::instrument(name = "update_track", skip_all, fields(conference = %who.conference(), track = %id))]
pub async fn update_track(
    ctx: Context<'_>,
    who: &Organizer,
    id: TrackId,
    name: &str,
    colour: Colour,
) -> Result<(), AppError> {
    let audit = who.audit("changed a track", format!("{name} {}", colour.hex()));
    if ctx
        .store
        .update_track(who.conference(), id, name, colour, &audit, ctx.now)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("There is no track {id}.")))
    }
}

/// Deletes a track; its sessions keep going without one.
#[tracing::instrument(name = "delete_track", skip_all, fields(conference = %who.conference(), track = %id))]
pub async fn delete_track(ctx: Context<'_>, who: &Organizer, id: TrackId) -> Result<(), AppError> {
    let audit = who.audit("deleted a track", id.to_string());
    if ctx
        .store
        .delete_track(who.conference(), id, &audit, ctx.now)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("There is no track {id}.")))
    }
}

/// Adds a speaker.
#[tracing::instrument(name = "add_speaker", skip_all, fields(conference = %who.conference()))]
pub async fn add_speaker(
    ctx: Context<'_>,
    who: &Organizer,
    info: &SpeakerInfo,
) -> Result<SpeakerId, AppError> {
    let audit = who.audit("added a speaker", info.name.clone());
    Ok(ctx
        .store
        .add_speaker(who.conference(), info, &audit, ctx.now)
        .await?)
}

/// Changes a speaker.
#[tracing::instrument(name = "update_speaker", skip_all, fields(conference = %who.conference(), speaker = %id))]
pub async fn update_speaker(
    ctx: Context<'_>,
    who: &Organizer,
    id: SpeakerId,
    info: &SpeakerInfo,
) -> Result<(), AppError> {
    let audit = who.audit("changed a speaker", info.name.clone());
    if ctx
        .store
        .update_speaker(who.conference(), id, info, &audit, ctx.now)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("There is no speaker {id}.")))
    }
}

/// Deletes a speaker (taken off their sessions).
#[tracing::instrument(name = "delete_speaker", skip_all, fields(conference = %who.conference(), speaker = %id))]
pub async fn delete_speaker(
    ctx: Context<'_>,
    who: &Organizer,
    id: SpeakerId,
) -> Result<(), AppError> {
    let audit = who.audit("deleted a speaker", id.to_string());
    if ctx
        .store
        .delete_speaker(who.conference(), id, &audit, ctx.now)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("There is no speaker {id}.")))
    }
}
