//! The team with its invitations, and the audit log.

use super::super::service::{self as workspace, InviteBody};
use super::{Flash, WsHeader, back, header, organized};
use crate::AppState;
use crate::auth::{MaybeUser, PageUser};
use crate::error::PageError;
use crate::request::PageForm;
use crate::view::urlencode;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use hallway_domain::account::Role;
use serde::Deserialize;

// ---- team and audit --------------------------------------------------------------------------

pub(super) struct MemberView {
    user: i64,
    name: String,
    email: String,
    role: &'static str,
}

pub(super) struct InvitationView {
    email: String,
    role: &'static str,
    when: String,
    accepted: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "organize_team.html")]
pub(super) struct TeamPage {
    ws: WsHeader,
    members: Vec<MemberView>,
    invitations: Vec<InvitationView>,
    link: String,
}

pub(super) async fn team_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<TeamPage, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let tz = d.conference.info.time_zone.tz();
    Ok(TeamPage {
        ws: header(&d, &flash),
        members: state
            .store
            .members(d.conference.id)
            .await?
            .into_iter()
            .map(|m| MemberView {
                user: m.user.get(),
                name: m.name,
                email: m.email,
                role: m.role.as_str(),
            })
            .collect(),
        invitations: state
            .store
            .invitations(d.conference.id)
            .await?
            .into_iter()
            .map(|i| InvitationView {
                email: i.email,
                role: i.role.as_str(),
                when: i
                    .created_at
                    .with_timezone(&tz)
                    .format("%-d %b %H:%M")
                    .to_string(),
                accepted: i.accepted,
            })
            .collect(),
        link: flash.link.clone(),
    })
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    email: String,
    role: String,
}

pub(super) async fn invite_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<InviteForm>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    match workspace::make_invitation(
        &state,
        &user.account,
        &d,
        &InviteBody {
            email: f.email,
            role: f.role,
        },
    )
    .await
    {
        Ok(inv) => Ok(Redirect::to(&format!(
            "/c/{slug}/organize/team?link={}",
            urlencode(&inv.link)
        ))),
        Err(e) => back(&format!("/c/{slug}/organize/team"), Err::<(), _>(e), ""),
    }
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    user: i64,
    role: String,
}

pub(super) async fn remove_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<RemoveForm>,
) -> Result<Redirect, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let result = workspace::drop_member(&state, &user.account, &d, f.user, &f.role).await;
    back(&format!("/c/{slug}/organize/team"), result, "Removed.")
}

pub(super) struct AuditView {
    when: String,
    actor: String,
    action: String,
    detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "organize_audit.html")]
pub(super) struct AuditPage {
    ws: WsHeader,
    entries: Vec<AuditView>,
}

pub(super) async fn audit_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(slug): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<AuditPage, PageError> {
    let d = organized(&state, &user, &slug).await?;
    let tz = d.conference.info.time_zone.tz();
    Ok(AuditPage {
        ws: header(&d, &flash),
        entries: state
            .store
            .audit_log(d.conference.id, 500)
            .await?
            .into_iter()
            .map(|e| AuditView {
                when: e
                    .at
                    .with_timezone(&tz)
                    .format("%a %-d %b %H:%M:%S")
                    .to_string(),
                actor: e.actor,
                action: e.action,
                detail: e.detail,
            })
            .collect(),
    })
}

// ---- invitations -----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "invite.html")]
pub(super) struct InvitePage {
    conference: String,
    email: String,
    role: &'static str,
    accepted: bool,
    logged_in: bool,
    expired: bool,
    mismatch: bool,
    me: String,
    here: String,
}

pub(super) async fn invite_page(
    State(state): State<AppState>,
    user: MaybeUser,
    Path(token): Path<String>,
) -> Result<InvitePage, PageError> {
    let inv = state
        .store
        .invitation(&crate::auth::digest(&token))
        .await?
        .ok_or_else(|| PageError::NotFound("This invitation link is not valid.".into()))?;
    let me = user
        .0
        .as_ref()
        .map(|(a, _)| a.email.clone())
        .unwrap_or_default();
    let expired = hallway_app::organize::expired(&inv, state.clock.now());
    Ok(InvitePage {
        conference: inv.conference_name,
        mismatch: !me.is_empty() && !me.eq_ignore_ascii_case(&inv.email),
        logged_in: user.0.is_some(),
        email: inv.email,
        role: inv.role.as_str(),
        accepted: inv.accepted,
        expired,
        me,
        here: urlencode(&format!("/invite/{token}")),
    })
}

pub(super) async fn invite_accept(
    State(state): State<AppState>,
    user: PageUser,
    Path(token): Path<String>,
) -> Result<Redirect, PageError> {
    use hallway_app::organize::{NotJoined, accept_invitation};
    let hash = crate::auth::digest(&token);
    let inv = match accept_invitation(state.context(), &user.account, &hash).await {
        Ok(inv) => inv,
        Err(NotJoined::Unknown) => {
            return Err(PageError::NotFound(
                "This invitation link is not valid.".into(),
            ));
        }
        Err(NotJoined::NotYours(email)) => {
            return Err(PageError::Forbidden(format!(
                "This invitation is for {email}."
            )));
        }
        Err(NotJoined::Taken) => {
            return Err(PageError::Invalid(
                "This invitation was taken up already.".into(),
            ));
        }
        Err(NotJoined::Expired) => {
            return Err(PageError::Invalid(format!(
                "This invitation has expired (links work for {} days); ask the organizers \
                 for a new one.",
                hallway_app::organize::INVITATION_DAYS
            )));
        }
        Err(NotJoined::App(e)) => return Err(e.into()),
    };
    Ok(Redirect::to(&if inv.role == Role::Organizer {
        format!("/c/{}/organize", inv.slug)
    } else {
        format!("/c/{}", inv.slug)
    }))
}
