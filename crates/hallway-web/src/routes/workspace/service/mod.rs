//! What the workspace does, under both its JSON API and its pages: each function checks
//! its input, makes the change and writes the audit line, and answers with the API's error
//! (the pages turn it into a notice).

mod conferences;
mod draft;
mod people;
mod setup;

use crate::AppState;
use crate::error::ApiError;
use hallway_app::Organizer;
use hallway_store::{Account, ConferenceDetail};

/// The organizer `account` of `detail`'s conference, proven (the workspace's routes have
/// checked the role already; the use cases take the proof).
async fn organizer(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
) -> Result<Organizer, ApiError> {
    Ok(Organizer::prove(&state.store, account.clone(), detail.conference.id).await?)
}

pub(in crate::routes::workspace) use conferences::{
    ConferenceDto, ConferencePatch, NewConference, create, patch_conference,
};
pub(in crate::routes::workspace) use draft::{
    DraftDto, DraftSessionDto, EditRefusal, PendingDto, ReleaseDto, SavedSession, SessionBody,
    do_release, pending, released, remove_session, save_session, working_draft,
};
pub(in crate::routes::workspace) use people::{
    AuditDto, DirectoryBody, DirectoryDto, InvitationDto, InviteBody, MemberDto, NewEdition,
    directory_apply, drop_member, make_invitation,
};
pub(in crate::routes::workspace) use setup::{
    LinkBody, RoomBody, RoomDto, SpeakerBody, SpeakerDto, TrackBody, TrackDto, room_add,
    room_delete, room_update, speaker_add, speaker_delete, speaker_update, track_add, track_delete,
    track_update,
};
