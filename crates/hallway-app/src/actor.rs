//! Who acts, proven by type. Each actor is made only by the check of its role, and carries
//! the conference it was proven for, so a use case cannot act for another conference.

use hallway_domain::ConferenceId;
use hallway_domain::account::Role;
use hallway_store::{Account, AuditLine, Store};

use crate::AppError;

/// A signed-in person acting in one conference as an attendee. Any account may keep an
/// agenda in a published conference; the web layer makes the account only from a valid
/// session or token, and the conference only from a published one.
#[derive(Clone, Debug)]
pub struct Attendee {
    account: Account,
    conference: ConferenceId,
}

impl Attendee {
    /// The attendee `account` in `conference`.
    pub fn new(account: Account, conference: ConferenceId) -> Self {
        Self {
            account,
            conference,
        }
    }

    /// Their account.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The conference they act in.
    pub fn conference(&self) -> ConferenceId {
        self.conference
    }
}

/// An organizer of one conference (or a site admin acting as one).
#[derive(Clone, Debug)]
pub struct Organizer {
    account: Account,
    conference: ConferenceId,
}

impl Organizer {
    /// Proves that `account` organizes `conference` (or is a site admin).
    pub async fn prove(
        store: &Store,
        account: Account,
        conference: ConferenceId,
    ) -> Result<Self, AppError> {
        if account.is_admin || has_role(store, &account, conference, &[Role::Organizer]).await? {
            return Ok(Self {
                account,
                conference,
            });
        }
        Err(AppError::Denied(
            "only the conference's organizers may do this".into(),
        ))
    }

    /// Their account.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The conference they organize.
    pub fn conference(&self) -> ConferenceId {
        self.conference
    }

    /// The audit line of something they did (`action`, to `detail`), for the store to write
    /// in the action's transaction.
    pub fn audit(&self, action: &str, detail: impl Into<String>) -> AuditLine {
        audit_line(&self.account, action, detail.into())
    }
}

/// A site admin: may create conferences and act as any conference's organizer.
#[derive(Clone, Debug)]
pub struct SiteAdmin {
    account: Account,
}

impl SiteAdmin {
    /// Proves that `account` is a site admin.
    pub fn prove(account: Account) -> Result<Self, AppError> {
        if account.is_admin {
            Ok(Self { account })
        } else {
            Err(AppError::Denied(
                "only site admins may create conferences".into(),
            ))
        }
    }

    /// Their account.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The audit line of something they did.
    pub fn audit(&self, action: &str, detail: impl Into<String>) -> AuditLine {
        audit_line(&self.account, action, detail.into())
    }
}

/// Someone who staffs the doors of one conference: a volunteer or an organizer (or a site
/// admin).
#[derive(Clone, Debug)]
pub struct DoorStaff {
    account: Account,
    conference: ConferenceId,
}

impl DoorStaff {
    /// Proves that `account` may staff the doors of `conference`.
    pub async fn prove(
        store: &Store,
        account: Account,
        conference: ConferenceId,
    ) -> Result<Self, AppError> {
        let roles = [Role::Organizer, Role::Volunteer];
        if account.is_admin || has_role(store, &account, conference, &roles).await? {
            return Ok(Self {
                account,
                conference,
            });
        }
        Err(AppError::Denied(
            "only the conference's organizers and volunteers staff its doors".into(),
        ))
    }

    /// Their account.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The conference whose doors they staff.
    pub fn conference(&self) -> ConferenceId {
        self.conference
    }
}

/// The audit line of something `account` did.
fn audit_line(account: &Account, action: &str, detail: String) -> AuditLine {
    AuditLine {
        user: account.id,
        actor: account.email.clone(),
        action: action.to_owned(),
        detail,
    }
}

async fn has_role(
    store: &Store,
    account: &Account,
    conference: ConferenceId,
    wanted: &[Role],
) -> Result<bool, AppError> {
    Ok(store
        .roles(conference, account.id)
        .await?
        .iter()
        .any(|r| wanted.contains(r)))
}
