//! A conference and its program: the API under `/api/v1/conferences/{slug}` and the pages
//! under `/c/{slug}`.

mod api;
mod pages;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::ApiError;
use crate::view::ProgramIndex;
use chrono::NaiveDate;
use hallway_domain::{Session, SessionKind};
use serde::Deserialize;
use utoipa::IntoParams;

pub fn router() -> OpenApiRouter<AppState> {
    api::router().merge(pages::router())
}

/// Filters of the session list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionsQuery {
    /// Only sessions of this conference day (YYYY-MM-DD).
    day: Option<String>,
    /// Only sessions of this track (its id).
    track: Option<String>,
    /// Only sessions of this kind: talk, keynote, workshop, lab, theater or break.
    kind: Option<String>,
    /// Words that must all appear in the title, abstract, speakers, room or track.
    q: Option<String>,
}

/// The parsed filters of a session list.
#[derive(Debug, Default, PartialEq)]
struct SessionFilter {
    day: Option<NaiveDate>,
    track: Option<i64>,
    kind: Option<SessionKind>,
    words: Vec<String>,
}

fn trimmed(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl SessionsQuery {
    fn filter(&self) -> Result<SessionFilter, ApiError> {
        let invalid = |field, message| ApiError::Invalid { field, message };
        Ok(SessionFilter {
            day: trimmed(&self.day)
                .map(|s| {
                    s.parse::<NaiveDate>()
                        .map_err(|_| invalid("day", format!("{s:?} is not a date: use YYYY-MM-DD")))
                })
                .transpose()?,
            track: trimmed(&self.track)
                .map(|s| {
                    s.parse::<i64>()
                        .map_err(|_| invalid("track", format!("{s:?} is not a track id")))
                })
                .transpose()?,
            kind: trimmed(&self.kind)
                .map(|s| SessionKind::parse(s).map_err(|e| invalid("kind", e.to_string())))
                .transpose()?,
            words: trimmed(&self.q)
                .map(|q| {
                    q.to_lowercase()
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

impl SessionFilter {
    fn matches(&self, ix: &ProgramIndex<'_>, s: &Session) -> bool {
        if self.day.is_some_and(|d| ix.day_of(s) != d) {
            return false;
        }
        if self
            .track
            .is_some_and(|t| s.track.map(|x| x.get()) != Some(t))
        {
            return false;
        }
        if self.kind.is_some_and(|k| s.info.kind != k) {
            return false;
        }
        if self.words.is_empty() {
            return true;
        }
        let mut hay = format!(
            "{} {} {} {}",
            s.info.title,
            s.info.abstract_text,
            ix.room_name(s.room),
            ix.track(s.track)
                .map(|t| t.name.as_str())
                .unwrap_or_default()
        );
        for p in s.speakers.iter().filter_map(|id| ix.speaker(*id)) {
            hay.push(' ');
            hay.push_str(&p.info.name);
        }
        let hay = hay.to_lowercase();
        self.words.iter().all(|w| hay.contains(w.as_str()))
    }
}
