//! Accounts: email addresses, passwords and per-conference roles, checked before anything
//! is stored.

use serde::{Deserialize, Serialize};

/// The longest name a person may have, in characters: at sign-up, on their card, on the
/// leaderboard and in their badge's QR code alike.
pub const MAX_NAME: usize = 80;

/// Why an account field was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// Occurs when an email address is not of the form `name@host`.
    #[error("{0:?} is not an email address")]
    BadEmail(String),
    /// Occurs when a password is shorter than [`Password::MIN_LEN`] characters.
    #[error("a password needs at least {} characters", Password::MIN_LEN)]
    PasswordTooShort,
    /// Occurs when a password is longer than [`Password::MAX_LEN`] bytes.
    #[error("a password may have at most {} bytes", Password::MAX_LEN)]
    PasswordTooLong,
    /// Occurs when a role is not one of attendee, speaker, volunteer, organizer, admin.
    #[error("{0:?} is not a role: use attendee, speaker, volunteer, organizer or admin")]
    UnknownRole(String),
}

/// An email address, trimmed and lowercased: the account's identity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Checks the shape `local@domain.tld` (no spaces, one `@`, a dot in the domain, at most
    /// 254 characters). Delivery is not checked.
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let e = raw.trim().to_lowercase();
        let bad = || AccountError::BadEmail(raw.to_owned());
        let (local, domain) = e.split_once('@').ok_or_else(bad)?;
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && e.len() <= 254
            && !e.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok { Ok(Self(e)) } else { Err(bad()) }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = AccountError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

/// A new password. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The fewest characters accepted.
    pub const MIN_LEN: usize = 8;
    /// The most bytes accepted (hashing cost grows with length).
    pub const MAX_LEN: usize = 1024;

    /// Checks the length rules.
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        if raw.len() > Self::MAX_LEN {
            return Err(AccountError::PasswordTooLong);
        }
        if raw.chars().count() < Self::MIN_LEN {
            return Err(AccountError::PasswordTooShort);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A role: site-wide (admin) or within one conference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Keeps an agenda, rates, networks.
    Attendee,
    /// Gives sessions; sees their feedback.
    Speaker,
    /// Scans badges at doors.
    Volunteer,
    /// Runs the conference.
    Organizer,
    /// Runs the server: creates conferences.
    Admin,
}

impl Role {
    /// The role's name in the CLI, API and database.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Attendee => "attendee",
            Self::Speaker => "speaker",
            Self::Volunteer => "volunteer",
            Self::Organizer => "organizer",
            Self::Admin => "admin",
        }
    }

    /// Parses a role name.
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        [
            Self::Attendee,
            Self::Speaker,
            Self::Volunteer,
            Self::Organizer,
            Self::Admin,
        ]
        .into_iter()
        .find(|r| r.as_str() == raw.trim().to_ascii_lowercase())
        .ok_or_else(|| AccountError::UnknownRole(raw.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Ada@Example.ORG ").unwrap().as_str(),
            "ada@example.org"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.org",
            "ada@x",
            "a da@x.org",
            "ada@x.org.",
            "a@b@c.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_have_bounds_and_stay_secret() {
        assert_eq!(
            Password::parse("short"),
            Err(AccountError::PasswordTooShort)
        );
        assert!(Password::parse(&"x".repeat(1025)).is_err());
        let p = Password::parse("correct horse").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert_eq!(p.expose(), "correct horse");
    }

    #[test]
    fn roles_parse() {
        assert_eq!(Role::parse("Organizer"), Ok(Role::Organizer));
        assert!(Role::parse("king").is_err());
    }
}
