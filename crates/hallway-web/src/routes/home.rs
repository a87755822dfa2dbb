//! The home page: what is on now and next at the featured conference, and a taste of the
//! directory.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use hallway_domain::{Conference, EditionStatus};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::PageError;
use crate::view::EditionCard;
use crate::view::{ConfHeader, now_and_next};
use crate::view::{ProgramIndex, SessionCard, clock_time};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().route("/", axum::routing::get(home))
}

#[derive(Debug)]
struct Featured {
    conf: ConfHeader,
    local_time: String,
    now: Vec<SessionCard>,
    next: Vec<SessionCard>,
    next_at: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    featured: Option<Featured>,
    others: Vec<ConfHeader>,
    teaser: Vec<EditionCard>,
    edition_count: usize,
    region_count: usize,
}

/// The conference the home page features: the configured one, else one running today, else
/// the next to start, else the latest.
fn pick<'a>(conferences: &'a [Conference], state: &AppState) -> Option<&'a Conference> {
    if let Some(slug) = &state.featured
        && let Some(c) = conferences.iter().find(|c| &c.info.slug == slug)
    {
        return Some(c);
    }
    let now = state.clock.now();
    let today = |c: &Conference| c.info.days.day_of(now, c.info.time_zone);
    conferences
        .iter()
        .find(|c| c.info.days.contains(today(c)))
        .or_else(|| conferences.iter().find(|c| c.info.days.first() > today(c)))
        .or_else(|| conferences.last())
}

async fn home(State(state): State<AppState>) -> Result<HomePage, PageError> {
    let now = state.clock.now();
    let conferences = state.store.conferences().await?;
    let featured = match pick(&conferences, &state) {
        None => None,
        Some(c) => {
            let detail = state.store.conference(&c.info.slug).await?;
            match detail {
                None => None,
                Some(detail) => {
                    let (sessions, speakers) =
                        tokio::try_join!(state.store.sessions(c.id), state.store.speakers(c.id))?;
                    let ix = ProgramIndex::new(
                        &detail.conference,
                        &detail.rooms,
                        &detail.tracks,
                        &speakers,
                    );
                    let (running, next) = now_and_next(&sessions, now);
                    Some(Featured {
                        conf: ConfHeader::new(c),
                        local_time: clock_time(c.info.time_zone, now),
                        next_at: next
                            .first()
                            .map(|s| clock_time(c.info.time_zone, s.info.span.start())),
                        now: running.iter().map(|s| ix.card(s, now)).collect(),
                        next: next.iter().map(|s| ix.card(s, now)).collect(),
                    })
                }
            }
        }
    };
    let featured_slug = featured.as_ref().map(|f| f.conf.slug.clone());
    let editions = state.store.editions().await?;
    let today = now.date_naive();
    let slugs = conferences
        .iter()
        .map(|c| (c.id.get(), c.info.slug.to_string()))
        .collect();
    // Upcoming editions first (soonest first), then the most recent past ones.
    let mut upcoming: Vec<_> = editions
        .iter()
        .filter(|e| e.status(today) == EditionStatus::Upcoming)
        .collect();
    upcoming.sort_by_key(|e| e.starts_on());
    let mut past: Vec<_> = editions
        .iter()
        .filter(|e| e.status(today) == EditionStatus::Past)
        .collect();
    past.sort_by_key(|e| std::cmp::Reverse(e.starts_on()));
    let teaser = upcoming
        .into_iter()
        .chain(past)
        .take(6)
        .map(|e| EditionCard::new(e, today, &slugs))
        .collect();
    let mut regions: Vec<&str> = editions.iter().map(|e| e.region.as_str()).collect();
    regions.sort_unstable();
    regions.dedup();
    Ok(HomePage {
        featured,
        others: conferences
            .iter()
            .filter(|c| Some(c.info.slug.to_string()) != featured_slug)
            .map(ConfHeader::new)
            .collect(),
        teaser,
        edition_count: editions.len(),
        region_count: regions.len(),
    })
}
