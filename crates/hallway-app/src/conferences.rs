//! Conferences as their organizers set them up: a site admin creates one (unpublished,
//! empty, its creator its organizer); its organizers change its fields and publish or hide
//! it. Each is one transaction with its audit lines.

use chrono::{NaiveDate, NaiveTime};
use hallway_domain::program::ConferenceInfo;
use hallway_domain::{ConferenceDays, Slug, TimeZone};
use hallway_store::ConferenceDetail;

use crate::{AppError, Context, Organizer, SiteAdmin};

/// A conference to create, as typed.
#[derive(Clone, Debug)]
pub struct NewConference {
    /// The URL segment.
    pub slug: String,
    /// The name.
    pub name: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// IANA time zone of the venue.
    pub time_zone: String,
    /// Venue.
    pub venue: String,
    /// City.
    pub city: String,
    /// What it is about.
    pub description: String,
}

/// Changes to a conference, as typed; absent fields stay.
#[derive(Clone, Debug, Default)]
pub struct ConferenceChange {
    /// Name.
    pub name: Option<String>,
    /// First day.
    pub starts_on: Option<NaiveDate>,
    /// Last day.
    pub ends_on: Option<NaiveDate>,
    /// When a day turns into the next (HH:MM).
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

fn invalid(field: &'static str, message: impl std::fmt::Display) -> AppError {
    AppError::Invalid {
        field,
        message: message.to_string(),
    }
}

/// An http(s) address, or empty.
pub fn http_url(raw: &str, field: &'static str) -> Result<String, AppError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.starts_with("https://") || raw.starts_with("http://") {
        Ok(raw.to_owned())
    } else {
        Err(invalid(field, format!("{raw:?} is not an http(s) address")))
    }
}

fn info(
    slug: Slug,
    name: &str,
    days: (NaiveDate, NaiveDate, NaiveTime),
    time_zone: &str,
) -> Result<ConferenceInfo, AppError> {
    let zone = TimeZone::parse(time_zone.trim()).map_err(|e| invalid("time_zone", e))?;
    let days = ConferenceDays::new(days.0, days.1, days.2).map_err(|e| invalid("ends_on", e))?;
    ConferenceInfo::new(slug, name.trim(), zone, days).map_err(|e| invalid("name", e))
}

/// Creates a conference: unpublished and empty, its creator its organizer, with the audit
/// line, in one transaction. A slug that is taken is a store conflict.
#[tracing::instrument(name = "create_conference", skip_all, fields(user = %who.account().id))]
pub async fn create(
    ctx: Context<'_>,
    who: &SiteAdmin,
    new: &NewConference,
) -> Result<ConferenceDetail, AppError> {
    let slug = Slug::parse(new.slug.trim()).map_err(|e| invalid("slug", e))?;
    let mut info = info(
        slug.clone(),
        &new.name,
        (new.starts_on, new.ends_on, NaiveTime::MIN),
        &new.time_zone,
    )?;
    info.venue = new.venue.trim().to_owned();
    info.city = new.city.trim().to_owned();
    info.description = new.description.trim().to_owned();
    let audit = who.audit("created the conference", info.name.clone());
    ctx.store.create_conference(&info, &audit, ctx.now).await?;
    ctx.store
        .conference(&slug)
        .await?
        .ok_or_else(|| AppError::NotFound("the new conference is gone".into()))
}

/// Changes `conference`'s fields and publication, with an audit line for each, in one
/// transaction; answers the conference as it is now.
#[tracing::instrument(name = "update_conference", skip_all, fields(conference = %who.conference()))]
pub async fn update(
    ctx: Context<'_>,
    who: &Organizer,
    conference: &ConferenceDetail,
    change: ConferenceChange,
) -> Result<ConferenceDetail, AppError> {
    if who.conference() != conference.conference.id {
        return Err(AppError::Denied(
            "only the conference's organizers may do this".into(),
        ));
    }
    let old = &conference.conference.info;
    let day_change = match change.day_change.as_deref().map(str::trim) {
        None => old.days.day_change(),
        Some(t) => NaiveTime::parse_from_str(t, "%H:%M")
            .map_err(|_| invalid("day_change", format!("{t:?} is not HH:MM")))?,
    };
    let mut info = info(
        old.slug.clone(),
        change.name.as_deref().unwrap_or(&old.name),
        (
            change.starts_on.unwrap_or(old.days.first()),
            change.ends_on.unwrap_or(old.days.last()),
            day_change,
        ),
        change.time_zone.as_deref().unwrap_or(old.time_zone.name()),
    )?;
    let kept = |new: Option<String>, old: &str| {
        new.map_or_else(|| old.to_owned(), |v| v.trim().to_owned())
    };
    info.venue = kept(change.venue, &old.venue);
    info.city = kept(change.city, &old.city);
    info.description = kept(change.description, &old.description);
    info.url = match change.url {
        Some(u) => http_url(&u, "url")?,
        None => old.url.clone(),
    };
    let logo = match change.logo_url {
        Some(u) => http_url(&u, "logo_url")?,
        None => conference.logo_url.clone(),
    };
    let published = change.published.filter(|p| *p != conference.published);
    let mut audit = Vec::new();
    if let Some(published) = published {
        let action = if published {
            "published the conference"
        } else {
            "unpublished the conference"
        };
        audit.push(who.audit(action, ""));
    }
    audit.push(who.audit(
        "changed the conference",
        format!(
            "{} · {} to {} · {}",
            info.name,
            info.days.first(),
            info.days.last(),
            info.time_zone.name()
        ),
    ));
    ctx.store
        .update_conference(who.conference(), &info, &logo, published, &audit, ctx.now)
        .await?;
    ctx.store
        .conference(&old.slug)
        .await?
        .ok_or_else(|| AppError::NotFound("the conference is gone".into()))
}
