//! Organizer actions that are not about seats: invitations, and the audit line every one of
//! them leaves.

use hallway_domain::Email;
use hallway_domain::account::Role;
use hallway_store::AuditLine;

use crate::{AppError, Context, Organizer};

/// Writes an organizer action to the conference's audit log on its own (a change that has
/// a transaction of its own writes its audit line in it instead).
pub async fn record(
    ctx: Context<'_>,
    who: &Organizer,
    action: &str,
    what: &str,
) -> Result<(), AppError> {
    let a = who.account();
    ctx.store
        .record(who.conference(), a.id, &a.email, action, what, ctx.now)
        .await?;
    Ok(())
}

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
    let a = who.account();
    let audit = AuditLine {
        user: a.id,
        actor: a.email.clone(),
        action: "invited".into(),
        detail: format!("{} as {}", cmd.email.as_str(), cmd.role.as_str()),
    };
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
