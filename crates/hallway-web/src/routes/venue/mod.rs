//! The venue (issue #10): room doors for volunteers' phones, hands-on lab machines, the
//! machine pools organizers import, and announcements. The rules and the invariants live in
//! hallway-domain and hallway-store (`venue`); this module authenticates, authorizes, parses
//! and answers; what changed reaches the live streams through the outbox (door counts,
//! announcements).

mod api;
mod pages;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::ApiError;
use hallway_app::{DoorStaff, Organizer};
use hallway_domain::account::Role;
use hallway_domain::networking::ShortCode;
use hallway_domain::venue::{Direction, Machine};
use hallway_domain::{ConferenceId, RoomId, SessionId};
use hallway_store::{Account, DoorOutcome, Target};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> OpenApiRouter<AppState> {
    api::router().merge(pages::router())
}

/// Organizers, volunteers and site admins staff the doors.
async fn may_staff_doors(
    state: &AppState,
    conference: ConferenceId,
    account: &Account,
) -> Result<bool, ApiError> {
    Ok(account.is_admin
        || roles(state, conference, account)
            .await?
            .iter()
            .any(|r| matches!(r, Role::Organizer | Role::Volunteer)))
}

/// A badge as a door reads it: the typed short code, or what the QR code holds (the URL
/// `…/c/{slug}/x/{token}` or the bare token).
fn badge_of(raw: &str) -> Result<Target, ApiError> {
    let raw = raw.trim();
    if let Some(i) = raw.rfind("/x/") {
        let token = raw[i + 3..].trim_end_matches('/');
        if !token.is_empty() && !token.contains('/') {
            return Ok(Target::Token(token.to_owned()));
        }
    }
    if let Ok(code) = ShortCode::parse(raw) {
        return Ok(Target::Code(code));
    }
    if raw.len() >= 20
        && raw.len() <= 200
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Ok(Target::Token(raw.to_owned()));
    }
    Err(ApiError::Invalid {
        field: "code",
        message: "not a badge code (ABCD-2345) or a badge QR code".into(),
    })
}

/// The door's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct DoorDto {
    /// Whether the person may pass.
    admitted: bool,
    /// Why: `reserved`, `walk_in`, `already_inside`, `checked_out` (passing), `full`,
    /// `held_for_reservations`, `unknown_badge`, `not_inside` (not passing, or nothing to do).
    reason: String,
    /// The reason in words, for the volunteer.
    message: String,
    /// People in the room after the scan.
    occupancy: u32,
    /// The room's capacity (null = unlimited).
    capacity: Option<u32>,
    /// The session the doors count for (null between sessions).
    session: Option<i64>,
    /// The badge holder's name on their card ("" when unknown).
    name: String,
}

fn door_dto(o: &DoorOutcome) -> DoorDto {
    DoorDto {
        admitted: o.reason.admitted(),
        reason: o.reason.as_str().to_owned(),
        message: o.reason.message().to_owned(),
        occupancy: o.occupancy,
        capacity: o.capacity,
        session: o.session.map(SessionId::get),
        name: o.name.clone(),
    }
}

async fn scan_door(
    state: &AppState,
    who: &DoorStaff,
    room: RoomId,
    badge: Target,
    direction: Direction,
) -> Result<DoorOutcome, ApiError> {
    // Every door of the room (on any instance) shows the same count: the scan writes it
    // to the outbox.
    let cmd = hallway_app::venue::Scan {
        room,
        badge,
        direction,
    };
    Ok(hallway_app::venue::scan_door(state.context(), who, cmd).await?)
}

/// A lab machine and how to reach it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MachineDto {
    name: String,
    address: String,
    username: String,
    secret: String,
}

impl From<&Machine> for MachineDto {
    fn from(m: &Machine) -> Self {
        Self {
            name: m.name().to_owned(),
            address: m.address().to_owned(),
            username: m.username().to_owned(),
            secret: m.secret().to_owned(),
        }
    }
}

async fn import_pool(
    state: &AppState,
    account: &hallway_store::Account,
    c: ConferenceId,
    session: SessionId,
    bytes: &[u8],
) -> Result<usize, ApiError> {
    let machines = hallway_formats::machines::read(bytes).map_err(|e| ApiError::Invalid {
        field: "body",
        message: e.to_string(),
    })?;
    let who = hallway_app::Organizer::prove(&state.store, account.clone(), c).await?;
    hallway_app::venue::import_machines(state.context(), &who, session, &machines)
        .await?
        .ok_or_else(|| ApiError::NotFound("There is no such lab session.".into()))
}

async fn post(
    state: &AppState,
    who: &Organizer,
    text: &str,
    audience: &str,
) -> Result<hallway_store::Announcement, ApiError> {
    let cmd = hallway_app::venue::Announce {
        text: text.to_owned(),
        audience: audience.to_owned(),
    };
    // Its audience hears of it through the outbox, written with it.
    Ok(hallway_app::venue::announce(state.context(), who, cmd).await?)
}

async fn roles(
    state: &AppState,
    conference: ConferenceId,
    account: &Account,
) -> Result<Vec<Role>, ApiError> {
    Ok(state.store.roles(conference, account.id).await?)
}
