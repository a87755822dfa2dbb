//! Creating a conference and changing its settings.

use super::super::{audit_line, conflict, http_url, invalid};
use crate::AppState;
use crate::error::ApiError;
use chrono::{NaiveDate, NaiveTime};
use hallway_domain::program::ConferenceInfo;
use hallway_domain::{ConferenceDays, Slug, TimeZone};
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

/// Checks the parts of a conference's details.
pub(in crate::routes::workspace) fn conference_info(
    slug: Slug,
    name: &str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    day_change: NaiveTime,
    time_zone: &str,
) -> Result<ConferenceInfo, ApiError> {
    let zone = TimeZone::parse(time_zone.trim()).map_err(|e| invalid("time_zone", e))?;
    let days =
        ConferenceDays::new(starts_on, ends_on, day_change).map_err(|e| invalid("ends_on", e))?;
    ConferenceInfo::new(slug, name.trim(), zone, days).map_err(|e| invalid("name", e))
}

/// Creates a conference (site admins). It starts unpublished and empty; the creator becomes
/// its organizer.
pub(in crate::routes::workspace) async fn create(
    state: &AppState,
    account: &Account,
    body: &NewConference,
) -> Result<ConferenceDetail, ApiError> {
    if !account.is_admin {
        return Err(ApiError::Forbidden(
            "only site admins may create conferences".to_owned(),
        ));
    }
    let slug = Slug::parse(body.slug.trim()).map_err(|e| invalid("slug", e))?;
    let mut info = conference_info(
        slug.clone(),
        &body.name,
        body.starts_on,
        body.ends_on,
        NaiveTime::MIN,
        &body.time_zone,
    )?;
    info.venue = body.venue.trim().to_owned();
    info.city = body.city.trim().to_owned();
    info.description = body.description.trim().to_owned();
    // One transaction: the conference (unpublished), its creator as organizer, the audit
    // line.
    let audit = audit_line(account, "created the conference", info.name.clone());
    state
        .store
        .create_conference(&info, &audit, state.clock.now())
        .await
        .map_err(conflict)?;
    state
        .store
        .conference(&slug)
        .await?
        .ok_or_else(|| ApiError::Internal("the new conference is gone".into()))
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
    let old = &detail.conference.info;
    let day_change = match p.day_change.as_deref().map(str::trim) {
        None => old.days.day_change(),
        Some(t) => NaiveTime::parse_from_str(t, "%H:%M")
            .map_err(|_| invalid("day_change", format!("{t:?} is not HH:MM")))?,
    };
    let mut info = conference_info(
        old.slug.clone(),
        p.name.as_deref().unwrap_or(&old.name),
        p.starts_on.unwrap_or(old.days.first()),
        p.ends_on.unwrap_or(old.days.last()),
        day_change,
        p.time_zone.as_deref().unwrap_or(old.time_zone.name()),
    )?;
    info.venue = p
        .venue
        .map_or_else(|| old.venue.clone(), |v| v.trim().to_owned());
    info.city = p
        .city
        .map_or_else(|| old.city.clone(), |v| v.trim().to_owned());
    info.description = p
        .description
        .map_or_else(|| old.description.clone(), |v| v.trim().to_owned());
    info.url = match p.url {
        Some(u) => http_url(&u, "url")?,
        None => old.url.clone(),
    };
    let logo = match p.logo_url {
        Some(u) => http_url(&u, "logo_url")?,
        None => detail.logo_url.clone(),
    };
    let id = detail.conference.id;
    let published = p.published.filter(|p| *p != detail.published);
    let mut audit = Vec::new();
    if let Some(published) = published {
        let action = if published {
            "published the conference"
        } else {
            "unpublished the conference"
        };
        audit.push(audit_line(account, action, ""));
    }
    audit.push(audit_line(
        account,
        "changed the conference",
        format!(
            "{} · {} to {} · {}",
            info.name,
            info.days.first(),
            info.days.last(),
            info.time_zone.name()
        ),
    ));
    // One transaction: the fields, the publication and the audit lines.
    state
        .store
        .update_conference(id, &info, &logo, published, &audit, state.clock.now())
        .await?;
    state
        .store
        .conference(&old.slug)
        .await?
        .ok_or_else(|| ApiError::Internal("the conference is gone".into()))
}
