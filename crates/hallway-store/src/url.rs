//! The database URL: which backend, and a `Debug` that never shows the password.

/// A database URL, `sqlite://path` or `postgres://user:password@host/db`. Its `Debug` and
/// `Display` hide the password, so it can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    backend: Backend,
}

/// The database behind a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Why a database URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a database URL: use sqlite://FILE or postgres://USER@HOST/DB")]
pub struct UrlError(String);

impl DatabaseUrl {
    /// Checks the scheme. A bare path (`hallway.db`) is taken as a SQLite file.
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        let raw = raw.trim();
        let backend = if raw.starts_with("sqlite:") {
            Backend::Sqlite
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Backend::Postgres
        } else if !raw.is_empty() && !raw.contains("://") {
            return Ok(Self {
                raw: format!("sqlite://{raw}"),
                backend: Backend::Sqlite,
            });
        } else {
            return Err(UrlError(redact(raw)));
        };
        Ok(Self {
            raw: raw.to_owned(),
            backend,
        })
    }

    /// Which backend the URL selects.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL with its password, for the driver only.
    pub(crate) fn expose(&self) -> &str {
        &self.raw
    }

    /// For SQLite, the file path (`None` for PostgreSQL or an in-memory database).
    pub fn sqlite_path(&self) -> Option<&str> {
        let path = self
            .raw
            .strip_prefix("sqlite://")
            .or_else(|| self.raw.strip_prefix("sqlite:"))?;
        let path = path.split('?').next().unwrap_or(path);
        (!path.is_empty() && path != ":memory:").then_some(path)
    }
}

/// The URL with any password replaced by `***`.
fn redact(raw: &str) -> String {
    let Some(scheme_end) = raw.find("://") else {
        return raw.to_owned();
    };
    let rest = &raw[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &raw[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        _ => raw.to_owned(),
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&redact(&self.raw))
            .finish()
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.raw))
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = UrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let url = DatabaseUrl::parse("postgres://hallway:s3cret@db.example:5432/hallway").unwrap();
        assert_eq!(url.backend(), Backend::Postgres);
        let shown = format!("{url:?} {url}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("hallway:***@db.example:5432/hallway"),
            "{shown}"
        );
        let err = DatabaseUrl::parse("mysql://u:pw@h/db").unwrap_err();
        assert!(!err.to_string().contains("pw@"), "{err}");
    }

    #[test]
    fn schemes_select_the_backend() {
        let sqlite = DatabaseUrl::parse("sqlite://hallway.db").unwrap();
        assert_eq!(sqlite.backend(), Backend::Sqlite);
        assert_eq!(sqlite.sqlite_path(), Some("hallway.db"));
        let bare = DatabaseUrl::parse("data/h.db").unwrap();
        assert_eq!(bare.sqlite_path(), Some("data/h.db"));
        assert_eq!(
            DatabaseUrl::parse("sqlite::memory:").unwrap().sqlite_path(),
            None
        );
        assert!(DatabaseUrl::parse("postgresql://localhost/x").is_ok());
        assert!(DatabaseUrl::parse("").is_err());
        assert!(DatabaseUrl::parse("http://x").is_err());
    }
}
