//! Globally unique ids of sessions (frab's and c3voc's `guid`): kept from an imported file so
//! that re-imports and attendee apps recognise a session after it moved or was renamed.

use serde::{Deserialize, Serialize};

/// A session's UUID. Parsed from a file, or derived (UUID version 5) from a stable key when a
/// file has none, so the same input always gives the same guid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Guid(uuid::Uuid);

/// The namespace of derived guids: UUIDv5 of the DNS name `hallway.invalid`.
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_bytes([
    0x3f, 0x0b, 0x6a, 0x7e, 0x55, 0x2c, 0x5d, 0x1a, 0x9c, 0x61, 0x0e, 0x4f, 0x2b, 0x8d, 0x77, 0x10,
]);

/// Occurs when a text is not a UUID such as `8079583e-8321-506c-95af-fd2903a5f075`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a UUID such as 8079583e-8321-506c-95af-fd2903a5f075")]
pub struct GuidError(pub String);

impl Guid {
    /// Parses the hyphenated form (any case, optionally braced or `urn:uuid:`-prefixed).
    pub fn parse(raw: &str) -> Result<Self, GuidError> {
        let raw = raw.trim();
        uuid::Uuid::try_parse(raw)
            .ok()
            .filter(|u| !u.is_nil())
            .map(Self)
            .ok_or_else(|| GuidError(raw.to_owned()))
    }

    /// The guid derived from `key`: the same key always gives the same guid.
    pub fn derived(key: &str) -> Self {
        Self(uuid::Uuid::new_v5(&NAMESPACE, key.as_bytes()))
    }

    /// The lower-case hyphenated form.
    pub fn to_hyphenated(&self) -> String {
        self.0.hyphenated().to_string()
    }
}

impl std::fmt::Display for Guid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl TryFrom<String> for Guid {
    type Error = GuidError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Guid> for String {
    fn from(g: Guid) -> Self {
        g.to_hyphenated()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_and_refuses_other_text() {
        let g = Guid::parse("8079583E-8321-506C-95AF-FD2903A5F075").unwrap();
        assert_eq!(g.to_string(), "8079583e-8321-506c-95af-fd2903a5f075");
        assert!(Guid::parse("8429").is_err());
        assert!(Guid::parse("00000000-0000-0000-0000-000000000000").is_err());
        assert!(Guid::parse("").is_err());
    }

    #[test]
    fn derived_guids_are_stable_and_distinct() {
        assert_eq!(Guid::derived("33c3/8429"), Guid::derived("33c3/8429"));
        assert_ne!(Guid::derived("33c3/8429"), Guid::derived("33c3/8430"));
        assert!(Guid::parse(&Guid::derived("x").to_string()).is_ok());
    }
}
