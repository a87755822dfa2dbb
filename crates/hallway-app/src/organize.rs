//! Organizer actions that are not about seats: invitations and the team, speakers'
//! accounts, the agenda's grace period, the directory entry, and the audit line every one of
//! them leaves (in the action's transaction).

use hallway_domain::account::Role;
use hallway_domain::{Email, Slug, SpeakerId, UserId};

use hallway_store::{EditionAdded, Relinked};

use crate::{AppError, Context, Organizer};

/// Invite someone to the conference's team.
#[derive(Clone, Debug)]
pub struct Invite {
    /// Who.
    pub email: Email,
    /// As what: organizer, volunteer or speaker.
    pub role: Role,
    /// The hash of the invitation link's secret token (the web layer makes the token and
    /// shows the link once).
    pub token_hash: String,
}

/// Stores an invitation and its audit line in one transaction; only organizers,
/// volunteers and speakers are invited (attendees sign up themselves).
#[tracing::instrument(name = "invite", skip_all, fields(
    conference = %who.conference(), user = %who.account().id, role = cmd.role.as_str()))]
pub async fn invite(ctx: Context<'_>, who: &Organizer, cmd: Invite) -> Result<(), AppError> {
    if !matches!(cmd.role, Role::Organizer | Role::Volunteer | Role::Speaker) {
        return Err(AppError::Invalid {
            field: "role",
            message: "invite organizers, volunteers or speakers".into(),
        });
    }
    let audit = who.audit(
        "invited",
        format!("{} as {}", cmd.email.as_str(), cmd.role.as_str()),
    );
    ctx.store
        .create_invitation(
            who.conference(),
            cmd.email.as_str(),
            cmd.role,
            &cmd.token_hash,
            &audit,
            ctx.now,
        )
        .await?;
    Ok(())
}

/// Links a speaker of the program to an account (`email` is how the audit log names it),
/// which makes the account a speaker of the conference; `false` when there is no such
/// speaker.
#[tracing::instrument(name = "link_speaker", skip_all, fields(conference = %who.conference(), speaker = %speaker))]
pub async fn link_speaker(
    ctx: Context<'_>,
    who: &Organizer,
    speaker: SpeakerId,
    user: UserId,
    email: &str,
) -> Result<bool, AppError> {
    let audit = who.audit(
        "linked a speaker to an account",
        format!("speaker {speaker} = {email}"),
    );
    Ok(ctx
        .store
        .link_speaker(who.conference(), speaker, user, Some(&audit), ctx.now)
        .await?)
}

/// Removes a speaker-account link; `false` when there was none.
#[tracing::instrument(name = "unlink_speaker", skip_all, fields(conference = %who.conference(), speaker = %speaker))]
pub async fn unlink_speaker(
    ctx: Context<'_>,
    who: &Organizer,
    speaker: SpeakerId,
    user: UserId,
) -> Result<bool, AppError> {
    let audit = who.audit(
        "unlinked a speaker from an account",
        format!("speaker {speaker} ≠ account {user}"),
    );
    Ok(ctx
        .store
        .unlink_speaker(who.conference(), speaker, user, Some(&audit), ctx.now)
        .await?)
}

/// Sets how long after a session starts attendees may still add it (0 to 240 minutes).
#[tracing::instrument(name = "set_agenda_grace", skip_all, fields(conference = %who.conference()))]
pub async fn set_agenda_grace(
    ctx: Context<'_>,
    who: &Organizer,
    minutes: u32,
) -> Result<(), AppError> {
    if minutes > 240 {
        return Err(AppError::Invalid {
            field: "agenda_grace_minutes",
            message: "at most 240".into(),
        });
    }
    let audit = who.audit(
        "changed the agenda grace period",
        format!("{minutes} minutes"),
    );
    ctx.store
        .set_agenda_grace(who.conference(), minutes, &audit, ctx.now)
        .await?;
    Ok(())
}

/// Takes `role` in the conference away from account `user`; an organizer cannot remove
/// themselves as organizer (someone must be left to run it).
#[tracing::instrument(name = "remove_member", skip_all, fields(conference = %who.conference(), member = %user, role = role.as_str()))]
pub async fn remove_member(
    ctx: Context<'_>,
    who: &Organizer,
    user: UserId,
    role: Role,
) -> Result<(), AppError> {
    if user == who.account().id && role == Role::Organizer {
        return Err(AppError::Conflict(
            "you cannot remove yourself as organizer".into(),
        ));
    }
    let audit = who.audit(
        "removed from the team",
        format!("account {user} as {}", role.as_str()),
    );
    if ctx
        .store
        .remove_member(who.conference(), user, role, &audit, ctx.now)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound(format!(
            "Account {user} is not {} here.",
            role.as_str()
        )))
    }
}

/// Which entry of the conference directory shows this conference.
#[derive(Clone, Debug)]
pub enum DirectoryLink {
    /// None.
    Unlinked,
    /// The existing edition with this slug, as typed.
    Edition(String),
    /// A new edition (its days are the conference's).
    New(NewEdition),
}

/// A new directory edition, as typed.
#[derive(Clone, Debug)]
pub struct NewEdition {
    /// The series' name (a new series is made when there is none of that name).
    pub series: String,
    /// The edition's name.
    pub name: String,
    /// Region.
    pub region: String,
    /// City.
    pub city: String,
    /// ISO country code.
    pub country: String,
    /// Website.
    pub url: Option<String>,
}

/// Links the conference to a directory edition (an existing one, a new one) or unlinks it,
/// with the audit line, in one transaction; answers the linked edition's slug. An edition
/// that shows another conference is not taken, and a new edition joins an existing series
/// only when that series is the organizer's own (both: unless a site admin asks).
#[tracing::instrument(name = "link_directory", skip_all, fields(conference = %who.conference()))]
pub async fn link_directory(
    ctx: Context<'_>,
    who: &Organizer,
    days: &hallway_domain::ConferenceDays,
    link: DirectoryLink,
) -> Result<Option<String>, AppError> {
    let id = who.conference();
    let admin = who.account().is_admin;
    match link {
        DirectoryLink::New(c) => {
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
            .map_err(|e| AppError::Invalid {
                field: "create",
                message: e.to_string(),
            })?;
            let audit = who.audit(
                "added a directory entry",
                format!("{} ({})", edition.name, edition.series),
            );
            let by = (!admin).then_some(who.account().id);
            match ctx
                .store
                .add_edition(&edition, id, by, Some(&audit), ctx.now)
                .await?
            {
                EditionAdded::Added => Ok(Some(edition.slug.to_string())),
                EditionAdded::SeriesNotYours => Err(AppError::Denied(format!(
                    "the series {:?} belongs to the organizers who made it; pick another \
                     series name, or ask a site admin",
                    edition.series
                ))),
            }
        }
        DirectoryLink::Unlinked => {
            let audit = who.audit("unlinked the directory entry", "");
            ctx.store
                .relink_edition(id, None, admin, &audit, ctx.now)
                .await?;
            Ok(None)
        }
        DirectoryLink::Edition(slug) => {
            let slug = slug.trim();
            let parsed = Slug::parse(slug).map_err(|e| AppError::Invalid {
                field: "edition",
                message: e.to_string(),
            })?;
            let audit = who.audit("linked the directory entry", slug);
            match ctx
                .store
                .relink_edition(id, Some(&parsed), admin, &audit, ctx.now)
                .await?
            {
                Relinked::Done => Ok(Some(slug.to_owned())),
                Relinked::NoSuchEdition => Err(AppError::Invalid {
                    field: "edition",
                    message: format!("the directory has no edition {slug:?}"),
                }),
                Relinked::LinkedElsewhere => Err(AppError::Denied(format!(
                    "the directory entry {slug:?} shows another conference; only its \
                     organizers or a site admin may move it"
                ))),
            }
        }
    }
}

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 14;

/// Why an invitation was not taken up.
#[derive(Debug)]
pub enum NotJoined {
    /// There is no such invitation.
    Unknown,
    /// It is for another address.
    NotYours(String),
    /// It was taken up already.
    Taken,
    /// It is older than [`INVITATION_DAYS`].
    Expired,
    /// The store failed.
    App(AppError),
}

impl From<hallway_store::StoreError> for NotJoined {
    fn from(e: hallway_store::StoreError) -> Self {
        Self::App(e.into())
    }
}

/// Whether `invitation` has expired at `now`.
pub fn expired(invitation: &hallway_store::Invitation, now: chrono::DateTime<chrono::Utc>) -> bool {
    invitation.created_at + chrono::Duration::days(INVITATION_DAYS) <= now
}

/// Takes up the invitation whose link's token hashes to `token_hash` for `account` (it
/// must be for their address, not taken, not expired): the role and the audit line in one
/// transaction. Answers the invitation.
#[tracing::instrument(name = "accept_invitation", skip_all, fields(user = %account.id))]
pub async fn accept_invitation(
    ctx: Context<'_>,
    account: &hallway_store::Account,
    token_hash: &str,
) -> Result<hallway_store::Invitation, NotJoined> {
    let invitation = ctx
        .store
        .invitation(token_hash)
        .await?
        .ok_or(NotJoined::Unknown)?;
    if !account.email.eq_ignore_ascii_case(&invitation.email) {
        return Err(NotJoined::NotYours(invitation.email));
    }
    if invitation.accepted {
        return Err(NotJoined::Taken);
    }
    if expired(&invitation, ctx.now) {
        return Err(NotJoined::Expired);
    }
    let made_after = ctx.now - chrono::Duration::days(INVITATION_DAYS);
    if ctx
        .store
        .accept_invitation(token_hash, account.id, &account.email, made_after, ctx.now)
        .await?
    {
        Ok(invitation)
    } else {
        // Taken (or expired) between the look and the change.
        Err(NotJoined::Taken)
    }
}
