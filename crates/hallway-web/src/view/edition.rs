//! An edition of the directory as its page and the home page show it.

use chrono::NaiveDate;
use hallway_domain::{Edition, EditionStatus};

use super::{date_range, thousands};

/// An edition as the directory page shows it.
#[derive(Debug)]
pub struct EditionCard {
    pub name: String,
    pub series: String,
    pub when: String,
    pub place: String,
    pub url: Option<String>,
    pub program_url: Option<String>,
    pub tags: Vec<String>,
    pub attendance: Option<String>,
    pub status: &'static str,
}

impl EditionCard {
    pub fn new(
        e: &Edition,
        today: NaiveDate,
        slugs: &std::collections::HashMap<i64, String>,
    ) -> Self {
        Self {
            name: e.name.clone(),
            series: e.series.clone(),
            when: e
                .dates
                .map(|(a, b)| date_range(a, b))
                .unwrap_or_else(|| "Dates to be announced".to_owned()),
            place: format!("{}, {}", e.city, e.country),
            url: e.url.clone(),
            program_url: e
                .conference
                .and_then(|id| slugs.get(&id.get()))
                .map(|s| format!("/c/{s}")),
            tags: e.tags.clone(),
            attendance: e.attendance.map(|n| format!("{} attendees", thousands(n))),
            status: match e.status(today) {
                EditionStatus::Announced => "announced",
                EditionStatus::Upcoming => "upcoming",
                EditionStatus::Past => "past",
            },
        }
    }
}
