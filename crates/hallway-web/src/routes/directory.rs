//! The conference directory: `GET /api/v1/events` and the `/events` page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Query, State};
use chrono::{Datelike, NaiveDate};
use hallway_domain::directory::group_by_region_and_month;
use hallway_domain::{Edition, EditionFilter, EditionStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::view::EditionCard;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .route("/events", axum::routing::get(events_page))
}

/// The filters of the directory, as given in the query string.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Region, e.g. `Europe` or `North America` (case-insensitive).
    region: Option<String>,
    /// Only editions running on or after this date (YYYY-MM-DD).
    from: Option<String>,
    /// Only editions starting on or before this date (YYYY-MM-DD).
    to: Option<String>,
    /// Only editions starting in this year.
    year: Option<String>,
    /// Only editions whose series carries this tag (case-insensitive).
    tag: Option<String>,
    /// Words that must all appear in the name, series, city, country, region or tags.
    q: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl EventsQuery {
    /// The domain filter, or the first parameter that does not parse.
    fn filter(&self) -> Result<EditionFilter, ApiError> {
        let date = |field: &'static str, v: &Option<String>| {
            non_empty(v)
                .map(|s| {
                    s.parse::<NaiveDate>().map_err(|_| ApiError::Invalid {
                        field,
                        message: format!("{s:?} is not a date: use YYYY-MM-DD"),
                    })
                })
                .transpose()
        };
        let year = non_empty(&self.year)
            .map(|s| {
                s.parse::<i32>()
                    .ok()
                    .filter(|y| (1900..=9999).contains(y))
                    .ok_or_else(|| ApiError::Invalid {
                        field: "year",
                        message: format!("{s:?} is not a year"),
                    })
            })
            .transpose()?;
        Ok(EditionFilter {
            region: non_empty(&self.region),
            from: date("from", &self.from)?,
            to: date("to", &self.to)?,
            year,
            tag: non_empty(&self.tag),
            text: non_empty(&self.q),
        })
    }
}

/// One edition in the directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    /// URL segment of the edition.
    slug: String,
    /// "DockerCon Europe 2017".
    name: String,
    /// The series' name.
    series: String,
    /// First day, local at the venue; null for an edition announced without dates.
    starts_on: Option<NaiveDate>,
    /// Last day; null when undated.
    ends_on: Option<NaiveDate>,
    city: String,
    /// ISO 3166-1 alpha-2.
    country: String,
    region: String,
    /// The edition's web site.
    url: Option<String>,
    /// Whether this server holds the conference's program.
    has_program: bool,
    /// The slug of the conference holding the program, when `has_program`.
    conference: Option<String>,
    /// `upcoming`, `past` or `announced` (no dates yet), relative to the server's today.
    #[schema(value_type = String)]
    status: EditionStatus,
    /// The series' tags.
    tags: Vec<String>,
    /// Attendance as stated by the organizer.
    attendance: Option<u32>,
}

/// The directory of conferences, filtered. Dated editions come in date order, undated
/// (announced) ones last.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "directory",
    params(EventsQuery),
    responses(
        (status = 200, description = "Matching editions", body = [EventDto]),
        (status = 400, description = "A filter does not parse", body = crate::error::Problem,
         content_type = "application/problem+json")
    )
)]
async fn list_events(
    State(state): State<AppState>,
    Query(query): Query<EventsQuery>,
) -> Result<Json<Vec<EventDto>>, ApiError> {
    let filter = query.filter()?;
    let today = state.clock.now().date_naive();
    let editions = state.store.editions().await?;
    let mut slugs = conference_slugs(&state).await?;
    Ok(Json(
        editions
            .into_iter()
            .filter(|e| filter.matches(e))
            .map(|e| {
                let conference = e.conference.and_then(|id| slugs.remove(&id.get()));
                EventDto {
                    slug: e.slug.to_string(),
                    status: e.status(today),
                    starts_on: e.starts_on(),
                    ends_on: e.ends_on(),
                    has_program: conference.is_some(),
                    conference,
                    name: e.name,
                    series: e.series,
                    city: e.city,
                    country: e.country,
                    region: e.region,
                    url: e.url,
                    tags: e.tags,
                    attendance: e.attendance,
                }
            })
            .collect(),
    ))
}

async fn conference_slugs(
    state: &AppState,
) -> Result<std::collections::HashMap<i64, String>, hallway_store::StoreError> {
    Ok(state
        .store
        .conferences()
        .await?
        .into_iter()
        .map(|c| (c.id.get(), c.info.slug.to_string()))
        .collect())
}

#[derive(Debug)]
struct MonthView {
    label: String,
    editions: Vec<EditionCard>,
}

#[derive(Debug)]
struct RegionView {
    name: String,
    months: Vec<MonthView>,
}

#[derive(Debug)]
struct Section {
    id: &'static str,
    title: &'static str,
    empty: &'static str,
    count: usize,
    regions: Vec<RegionView>,
}

#[derive(Debug)]
struct Choice {
    value: String,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "events.html")]
struct EventsPage {
    sections: Vec<Section>,
    total: usize,
    shown: usize,
    error: Option<String>,
    regions: Vec<Choice>,
    years: Vec<Choice>,
    tags: Vec<Choice>,
    q: String,
    filtered: bool,
}

fn choices(mut values: Vec<String>, selected: &Option<String>) -> Vec<Choice> {
    values.sort();
    values.dedup();
    values
        .into_iter()
        .map(|value| Choice {
            selected: selected
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(&value)),
            value,
        })
        .collect()
}

async fn events_page(
    State(state): State<AppState>,
    Query(query): Query<EventsQuery>,
) -> Result<EventsPage, PageError> {
    let today = state.clock.now().date_naive();
    let all = state.store.editions().await?;
    let slugs = conference_slugs(&state).await?;
    let (filter, error) = match query.filter() {
        Ok(f) => (f, None),
        Err(e) => (
            EditionFilter::default(),
            Some(format!("Filter ignored: {e}")),
        ),
    };
    let shown: Vec<Edition> = all.iter().filter(|e| filter.matches(e)).cloned().collect();
    let section = |id, title, empty, status: EditionStatus, newest_first: bool| {
        let mine: Vec<Edition> = shown
            .iter()
            .filter(|e| e.status(today) == status)
            .cloned()
            .collect();
        let regions = group_by_region_and_month(&mine)
            .into_iter()
            .map(|(name, months)| {
                let mut months: Vec<MonthView> = months
                    .into_iter()
                    .map(|g| MonthView {
                        label: g
                            .month
                            .and_then(|(y, m)| NaiveDate::from_ymd_opt(y, m, 1))
                            .map(|d| d.format("%B %Y").to_string())
                            .unwrap_or_else(|| "Dates to be announced".to_owned()),
                        editions: g
                            .editions
                            .iter()
                            .map(|e| EditionCard::new(e, today, &slugs))
                            .collect(),
                    })
                    .collect();
                if newest_first {
                    months.reverse();
                }
                RegionView { name, months }
            })
            .collect();
        Section {
            id,
            title,
            empty,
            count: mine.len(),
            regions,
        }
    };
    let sections = vec![
        section(
            "upcoming",
            "Upcoming",
            "No upcoming editions match.",
            EditionStatus::Upcoming,
            false,
        ),
        section(
            "announced",
            "Announced, dates to come",
            "No announced editions match.",
            EditionStatus::Announced,
            false,
        ),
        section(
            "past",
            "Past editions",
            "No past editions match.",
            EditionStatus::Past,
            true,
        ),
    ];
    let years = all
        .iter()
        .filter_map(|e| e.starts_on().map(|d| d.year().to_string()))
        .collect();
    Ok(EventsPage {
        total: all.len(),
        shown: shown.len(),
        sections,
        error,
        regions: choices(
            all.iter().map(|e| e.region.clone()).collect(),
            &query.region,
        ),
        years: choices(years, &query.year),
        tags: choices(
            all.iter().flat_map(|e| e.tags.clone()).collect(),
            &query.tag,
        ),
        q: non_empty(&query.q).unwrap_or_default(),
        filtered: filter != EditionFilter::default(),
    })
}
