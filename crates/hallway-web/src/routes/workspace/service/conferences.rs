//! Creating a conference and changing its settings.

use super::super::conflict;
use crate::AppState;
use crate::error::ApiError;
use chrono::NaiveDate;
use hallway_app::{AppError, Organizer, SiteAdmin, conferences};
use hallway_store::{Account, ConferenceDetail};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new conference.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewConference {
    /// The URL segment: lowercase letters, digits and hyphens.
    pub slug: String,
    /// The name.
    pub name: String,
    /// First day (YYYY-MM-DD).
    pub starts_on: NaiveDate,
    /// Last day (YYYY-MM-DD).
    pub ends_on: NaiveDate,
    /// IANA time zone of the venue.
    pub time_zone: String,
    /// Venue.
    #[serde(default)]
    pub venue: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// What it is about.
    #[serde(default)]
    pub description: String,
}

/// A conference in the workspace.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConferenceDto {
    /// Its id.
    pub id: i64,
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// When a conference day turns into the next (HH:MM).
    pub day_change: String,
    /// IANA zone.
    pub time_zone: String,
    /// Venue.
    pub venue: String,
    /// City.
    pub city: String,
    /// Description.
    pub description: String,
    /// Website.
    pub url: String,
    /// Logo.
    pub logo_url: String,
    /// Whether the public sees it.
    pub published: bool,
}

impl From<&ConferenceDetail> for ConferenceDto {
    fn from(d: &ConferenceDetail) -> Self {
        let i = &d.conference.info;
        Self {
            id: d.conference.id.get(),
            slug: i.slug.to_string(),
            name: i.name.clone(),
            starts_on: i.days.first(),
            ends_on: i.days.last(),
            day_change: i.days.day_change().format("%H:%M").to_string(),
            time_zone: i.time_zone.name().to_owned(),
            venue: i.venue.clone(),
            city: i.city.clone(),
            description: i.description.clone(),
            url: i.url.clone(),
            logo_url: d.logo_url.clone(),
            published: d.published,
        }
    }
}

/// Creates a conference (site admins). It starts unpublished and empty; the creator becomes
/// its organizer.
pub(in crate::routes::workspace) async fn create(
    state: &AppState,
    account: &Account,
    body: &NewConference,
) -> Result<ConferenceDetail, ApiError> {
    let who = SiteAdmin::prove(account.clone())?;
    let new = conferences::NewConference {
        slug: body.slug.clone(),
        name: body.name.clone(),
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        time_zone: body.time_zone.clone(),
        venue: body.venue.clone(),
        city: body.city.clone(),
        description: body.description.clone(),
    };
    // One transaction: the conference (unpublished), its creator as organizer, the audit
    // line.
    conferences::create(state.context(), &who, &new)
        .await
        .map_err(|e| match e {
            AppError::Store(e) => conflict(e),
            e => e.into(),
        })
}

/// Changes to a conference; absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConferencePatch {
    /// Name.
    pub name: Option<String>,
    /// First day.
    pub starts_on: Option<NaiveDate>,
    /// Last day.
    pub ends_on: Option<NaiveDate>,
    /// When a day turns into the next (HH:MM), for sessions after midnight.
    pub day_change: Option<String>,
    /// IANA zone.
    pub time_zone: Option<String>,
    /// Venue.
    pub venue: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Website (http(s)).
    pub url: Option<String>,
    /// Logo (http(s)).
    pub logo_url: Option<String>,
    /// Show it to the public, or hide it.
    pub published: Option<bool>,
}

pub(in crate::routes::workspace) async fn patch_conference(
    state: &AppState,
    account: &Account,
    detail: &ConferenceDetail,
    p: ConferencePatch,
) -> Result<ConferenceDetail, ApiError> {
    let who = Organizer::prove(&state.store, account.clone(), detail.conference.id).await?;
    let change = conferences::ConferenceChange {
        name: p.name,
        starts_on: p.starts_on,
        ends_on: p.ends_on,
        day_change: p.day_change,
        time_zone: p.time_zone,
        venue: p.venue,
        city: p.city,
        description: p.description,
        url: p.url,
        logo_url: p.logo_url,
        published: p.published,
    };
    // One transaction: the fields, the publication and the audit lines.
    Ok(conferences::update(state.context(), &who, detail, change).await?)
}
