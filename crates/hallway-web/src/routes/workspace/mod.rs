//! The organizer workspace: create a conference (site admins), change it, its rooms, tracks
//! and speakers; edit sessions in a draft and release it as the next schedule version
//! (attendees of moved or cancelled sessions are told); invite the team; read the audit
//! log. Every change is recorded in the audit log. [`service`] does the work; [`api`] and
//! [`pages`] only translate HTTP.

mod api;
mod pages;
mod service;

use crate::AppState;
use crate::error::ApiError;
use hallway_domain::Capacity;
use hallway_store::{Account, ConferenceDetail, StoreError};
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    api::router().merge(OpenApiRouter::from(pages::router()))
}

/// The conference `slug` (published or not) if `account` organizes it: 404 when there is
/// none, 403 when they do not.
pub(in crate::routes::workspace) async fn organized(
    state: &AppState,
    account: &Account,
    slug: &str,
) -> Result<ConferenceDetail, ApiError> {
    Ok(crate::request::organized(state, account, slug).await?.0)
}

pub(in crate::routes::workspace) fn invalid(
    field: &'static str,
    message: impl std::fmt::Display,
) -> ApiError {
    ApiError::Invalid {
        field,
        message: message.to_string(),
    }
}

pub(in crate::routes::workspace) fn conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(m) => ApiError::Conflict(m),
        other => ApiError::Store(other),
    }
}

pub(in crate::routes::workspace) fn capacity(
    raw: Option<i64>,
    field: &'static str,
) -> Result<Option<Capacity>, ApiError> {
    raw.map(|c| Capacity::new(c).map_err(|e| invalid(field, e)))
        .transpose()
}
