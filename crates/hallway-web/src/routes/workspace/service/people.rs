//! The team (invitations, members, the audit log) and the directory entry.

use super::super::{conflict, invalid};
use crate::AppState;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use hallway_app::Organizer;
use hallway_app::organize::{self, DirectoryLink};
use hallway_domain::account::Role;
use hallway_domain::{Email, UserId};
use hallway_store::{Account, ConferenceDetail};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An invitation to make.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InviteBody {
    /// Who.
    pub email: String,
    /// organizer, volunteer or speaker.
    pub role: String,
}

/// An invitation made: pass the link on (no mail server is configured).
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationDto {
    /// Who.
    pub email: String,
    /// As what.
    pub role: String,
    /// The sign-in link that takes the invitation up (shown once).
    pub link: String,
}

pub(in crate::routes::workspace) async fn make_invitation(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    body: &InviteBody,
) -> Result<InvitationDto, ApiError> {
    let email = Email::parse(body.email.trim()).map_err(|e| invalid("email", e))?;
    let role = Role::parse(body.role.trim()).map_err(|e| invalid("role", e))?;
    let who = Organizer::prove(&state.store, account.clone(), detail.conference.id).await?;
    let token = crate::auth::new_token();
    hallway_app::organize::invite(
        state.context(),
        &who,
        hallway_app::organize::Invite {
            email: email.clone(),
            role,
            token_hash: crate::auth::digest(&token),
        },
    )
    .await?;
    Ok(InvitationDto {
        email: email.as_str().to_owned(),
        role: role.as_str().to_owned(),
        link: format!("/invite/{token}"),
    })
}

/// A team member.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    /// The account's id.
    pub user_id: i64,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
}

pub(in crate::routes::workspace) async fn drop_member(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    user: i64,
    role: &str,
) -> Result<(), ApiError> {
    let role = Role::parse(role.trim()).map_err(|e| invalid("role", e))?;
    let who = Organizer::prove(&state.store, account.clone(), detail.conference.id).await?;
    Ok(organize::remove_member(state.context(), &who, UserId::new(user), role).await?)
}

/// A line of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Details.
    pub detail: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Which directory entry shows this conference's program: an existing edition (by slug), a
/// new one, or none.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DirectoryBody {
    /// Link this edition (its slug, as in `/api/v1/events`); null with no `create`: unlink.
    pub edition: Option<String>,
    /// Or create an edition (its dates are the conference's).
    pub create: Option<NewEdition>,
}

/// A new directory edition.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEdition {
    /// The series' name (a new series is made when there is none of that name).
    pub series: String,
    /// The edition's name, e.g. "Gopher Gathering 2031".
    pub name: String,
    /// Region: Europe, North America, Asia, …
    pub region: String,
    /// City.
    pub city: String,
    /// ISO country code, e.g. NL.
    pub country: String,
    /// Website.
    pub url: Option<String>,
}

/// The directory entry now.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryDto {
    /// The linked edition's slug, if any.
    pub edition: Option<String>,
}

pub(in crate::routes::workspace) async fn directory_apply(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    body: &DirectoryBody,
) -> Result<DirectoryDto, ApiError> {
    let link = match (&body.create, body.edition.as_deref().map(str::trim)) {
        (Some(c), _) => DirectoryLink::New(organize::NewEdition {
            series: c.series.clone(),
            name: c.name.clone(),
            region: c.region.clone(),
            city: c.city.clone(),
            country: c.country.clone(),
            url: c.url.clone(),
        }),
        (None, None | Some("")) => DirectoryLink::Unlinked,
        (None, Some(slug)) => DirectoryLink::Edition(slug.to_owned()),
    };
    let who = Organizer::prove(&state.store, account.clone(), detail.conference.id).await?;
    let edition =
        organize::link_directory(state.context(), &who, &detail.conference.info.days, link)
            .await
            .map_err(|e| match e {
                hallway_app::AppError::Store(e) => conflict(e),
                e => e.into(),
            })?;
    Ok(DirectoryDto { edition })
}
