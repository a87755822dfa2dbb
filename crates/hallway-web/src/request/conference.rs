//! The conference a request is about, and the one rule of who may see it: a published
//! conference exists for everybody; an unpublished one only for its organizers (and site
//! admins), who prepare it in the workspace. Attendee write paths take only published
//! conferences ([`published_id`]); organizer routes take any conference the caller
//! organizes ([`organized`], [`OrganizedApi`]) with the [`Organizer`] proven once.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use hallway_app::Organizer;
use hallway_domain::{ConferenceId, Session, Slug, Speaker};
use hallway_store::{Account, ConferenceDetail};

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, PageError};
use crate::view::ProgramIndex;

/// A conference with its whole program, loaded for one request.
pub struct Loaded {
    /// The conference, its rooms and tracks.
    pub detail: ConferenceDetail,
    /// Its sessions.
    pub sessions: Vec<Session>,
    /// Its speakers.
    pub speakers: Vec<Speaker>,
}

impl Loaded {
    /// The lookups pages and DTOs render with.
    pub fn index(&self) -> ProgramIndex<'_> {
        ProgramIndex::new(
            &self.detail.conference,
            &self.detail.rooms,
            &self.detail.tracks,
            &self.speakers,
        )
    }
}

/// Why a conference could not be loaded: it does not exist (for this caller), or the
/// store failed. Turns into the API's or the pages' error.
#[derive(Debug)]
pub enum Missing {
    /// Nothing by that name (or id); the text names it.
    NotFound(String),
    /// The store failed.
    Store(hallway_store::StoreError),
}

impl From<hallway_store::StoreError> for Missing {
    fn from(e: hallway_store::StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<Missing> for ApiError {
    fn from(m: Missing) -> Self {
        match m {
            Missing::NotFound(what) => ApiError::NotFound(what),
            Missing::Store(e) => ApiError::Store(e),
        }
    }
}

impl From<Missing> for PageError {
    fn from(m: Missing) -> Self {
        match m {
            Missing::NotFound(what) => PageError::NotFound(what),
            Missing::Store(e) => PageError::Store(e),
        }
    }
}

fn no_conference(slug: &str) -> Missing {
    Missing::NotFound(format!("There is no conference {slug:?}."))
}

/// The published conference `slug` (the public pages and API: an unpublished one does not
/// exist for them).
pub async fn detail(state: &AppState, slug: &str) -> Result<ConferenceDetail, Missing> {
    let parsed = Slug::parse(slug).map_err(|_| no_conference(slug))?;
    state
        .store
        .conference(&parsed)
        .await?
        .filter(|d| d.published)
        .ok_or_else(|| no_conference(slug))
}

/// The published conference `slug` with its sessions and speakers.
pub async fn load(state: &AppState, slug: &str) -> Result<Loaded, Missing> {
    let detail = detail(state, slug).await?;
    let (sessions, speakers) = state.store.program_of(&detail).await?;
    Ok(Loaded {
        detail,
        sessions,
        speakers,
    })
}

/// The id of the published conference `slug` (one small query, cached by the store: the
/// attendee write paths need no more of it).
pub async fn published_id(state: &AppState, slug: &str) -> Result<ConferenceId, Missing> {
    let parsed = Slug::parse(slug).map_err(|_| no_conference(slug))?;
    state
        .store
        .published_conference_id(&parsed)
        .await?
        .ok_or_else(|| no_conference(slug))
}

/// Whether `viewer` may see the conference `slug` at all — the one rule: a published
/// conference is everyone's; an unpublished one exists only for its organizers and site
/// admins (for everyone else it is missing: 404, not 403, so its slug is not confirmed).
pub async fn ensure_visible(
    state: &AppState,
    viewer: Option<&Account>,
    slug: &str,
) -> Result<(), Missing> {
    match published_id(state, slug).await {
        Ok(_) => Ok(()),
        Err(Missing::NotFound(what)) => match viewer {
            Some(account) => match organized(state, account, slug).await {
                Ok(_) => Ok(()),
                Err(ApiError::Store(e)) => Err(Missing::Store(e)),
                Err(_) => Err(Missing::NotFound(what)),
            },
            None => Err(Missing::NotFound(what)),
        },
        Err(e) => Err(e),
    }
}

/// A path id (`/sessions/{id}`): a number, or else there is no such `what`.
pub fn parse_id(raw: &str, what: &str) -> Result<i64, Missing> {
    raw.parse::<i64>()
        .map_err(|_| Missing::NotFound(format!("There is no {what} {raw:?}.")))
}

/// Whether `account` organizes `conference` (or is a site admin); for pages that show
/// organizer controls to organizers and not to others.
pub async fn is_organizer(
    state: &AppState,
    conference: ConferenceId,
    account: &Account,
) -> Result<bool, ApiError> {
    Ok(organizer_of(state, account, conference).await?.is_some())
}

/// `account` as an organizer of `conference`, if they are one.
pub async fn organizer_of(
    state: &AppState,
    account: &Account,
    conference: ConferenceId,
) -> Result<Option<Organizer>, ApiError> {
    match Organizer::prove(&state.store, account.clone(), conference).await {
        Ok(o) => Ok(Some(o)),
        Err(hallway_app::AppError::Denied(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The conference `slug`, published or not, with `account` proven its organizer: 404 when
/// there is none, 403 when they do not organize it. The one check of every organizer route.
pub async fn organized(
    state: &AppState,
    account: &Account,
    slug: &str,
) -> Result<(ConferenceDetail, Organizer), ApiError> {
    let parsed = Slug::parse(slug).map_err(|_| no_conference(slug))?;
    let detail = state
        .store
        .conference(&parsed)
        .await?
        .ok_or_else(|| no_conference(slug))?;
    let who = Organizer::prove(&state.store, account.clone(), detail.conference.id).await?;
    Ok((detail, who))
}

/// [`organized`] for routes that need only the proven organizer.
pub async fn organizer_conference(
    state: &AppState,
    slug: &str,
    account: &Account,
) -> Result<Organizer, ApiError> {
    Ok(organized(state, account, slug).await?.1)
}

/// The extractor of organizer API routes under `/api/v1/conferences/{slug}/…`: the
/// signed-in caller (token or session) proven an organizer of the path's conference.
pub struct OrganizedApi {
    /// The caller, as an organizer of the path's conference (published or not).
    pub organizer: Organizer,
}

impl FromRequestParts<AppState> for OrganizedApi {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = ApiUser::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::Internal(e.body_text()))?;
        let slug = params
            .iter()
            .find(|(k, _)| *k == "slug")
            .map(|(_, v)| v.to_owned())
            .ok_or_else(|| ApiError::Internal("an organizer route without {slug}".into()))?;
        let (_, organizer) = organized(state, &user.account, &slug).await?;
        Ok(Self { organizer })
    }
}
