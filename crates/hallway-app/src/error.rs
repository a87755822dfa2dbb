//! What a use case refuses with, reduced to what its callers translate (an HTTP status, a
//! form message, an exit code).

use hallway_store::StoreError;

/// Why a use case did nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// Occurs when the actor may not do this (the role is missing).
    #[error("{0}")]
    Denied(String),
    /// Occurs when what was asked for does not exist in the conference.
    #[error("{0}")]
    NotFound(String),
    /// Occurs when a field of the command is not acceptable; `field` names it.
    #[error("{field}: {message}")]
    Invalid {
        /// The field, as the API names it.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Occurs when the change cannot be made as things stand (the caller may try again or
    /// change something first); the text says why.
    #[error("{0}")]
    Conflict(String),
    /// Occurs when the credentials are wrong (the same for an unknown address and a wrong
    /// password).
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// Occurs when too many attempts were made; holds the seconds to wait.
    #[error("too many attempts; try again in {0} s")]
    Throttled(u64),
    /// Occurs when the server is too busy to do this now (passwords are being checked at
    /// its limit); holds the seconds to wait.
    #[error("too busy right now; try again in {0} s")]
    Busy(u64),
    /// Occurs when something outside the store fails (hashing a password).
    #[error("internal: {0}")]
    Internal(String),
    /// Occurs when the store fails or refuses (see [`StoreError`]).
    #[error(transparent)]
    Store(#[from] StoreError),
}
