//! The team (invitations, members, the audit log) and the directory entry.

use super::super::{audit_line, conflict, invalid};
use crate::AppState;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use hallway_domain::account::Role;
use hallway_domain::{Email, Slug, UserId};
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
    let who =
        hallway_app::Organizer::prove(&state.store, account.clone(), detail.conference.id).await?;
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
    if user == account.id.get() && role == Role::Organizer {
        return Err(ApiError::Conflict(
            "you cannot remove yourself as organizer".into(),
        ));
    }
    let audit = audit_line(
        account,
        "removed from the team",
        format!("account {user} as {}", role.as_str()),
    );
    if !state
        .store
        .remove_member(
            detail.conference.id,
            UserId::new(user),
            role,
            &audit,
            state.clock.now(),
        )
        .await?
    {
        return Err(ApiError::NotFound(format!(
            "Account {user} is not {} here.",
            role.as_str()
        )));
    }
    Ok(())
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
    let id = detail.conference.id;
    if let Some(c) = &body.create {
        let days = &detail.conference.info.days;
        let edition = hallway_domain::Edition::new(hallway_domain::directory::EditionFields {
            name: c.name.trim(),
            series: c.series.trim(),
            starts_on: Some(days.first()),
            ends_on: Some(days.last()),
            city: c.city.trim(),
            country: c.country.trim(),
            region: c.region.trim(),
            url: c.url.as_deref().map(str::trim).filter(|u| !u.is_empty()),
            attendance: None,
            tracks: None,
        })
        .map_err(|e| invalid("create", e))?;
        let audit = audit_line(
            account,
            "added a directory entry",
            format!("{} ({})", edition.name, edition.series),
        );
        state
            .store
            .add_edition(&edition, id, Some(&audit), state.clock.now())
            .await
            .map_err(conflict)?;
        return Ok(DirectoryDto {
            edition: Some(edition.slug.to_string()),
        });
    }
    let now = state.clock.now();
    match body
        .edition
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        None => {
            let audit = audit_line(account, "unlinked the directory entry", "");
            state.store.relink_edition(id, None, &audit, now).await?;
            Ok(DirectoryDto { edition: None })
        }
        Some(slug) => {
            let parsed = Slug::parse(slug).map_err(|e| invalid("edition", e))?;
            let audit = audit_line(account, "linked the directory entry", slug);
            if !state
                .store
                .relink_edition(id, Some(&parsed), &audit, now)
                .await?
            {
                return Err(invalid(
                    "edition",
                    format!("the directory has no edition {slug:?}"),
                ));
            }
            Ok(DirectoryDto {
                edition: Some(slug.to_owned()),
            })
        }
    }
}
