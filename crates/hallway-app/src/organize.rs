//! Organizer actions that are not about seats: invitations, speakers' accounts, the agenda's
//! grace period, and the audit line every one of them leaves (in the action's transaction).

use hallway_domain::account::Role;
use hallway_domain::{Email, SpeakerId, UserId};

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
