//! The feedback panel of a session page, and who reads a session's feedback: what the
//! feedback routes and the session page share.

use hallway_domain::networking::shown_average;
use hallway_domain::{ConferenceId, Session, SessionId};
use hallway_store::Account;

use crate::AppState;
use crate::error::ApiError;
use crate::request::is_organizer;

/// The feedback part of a session page.
#[derive(Debug, Default)]
pub struct FeedbackPanel {
    /// "4.3 ★ from 12 ratings", or why no average is shown; "" before the start.
    pub summary: String,
    /// Whether the visitor may rate now.
    pub can_rate: bool,
    /// Why not, for a logged-in visitor ("" when they can, or the session is a break).
    pub why_not: String,
    /// The visitor's current rating (0: none) and comment.
    pub rating: u8,
    pub comment: String,
    /// Whether the visitor reads all feedback (speaker or organizer).
    pub can_read: bool,
}

/// Builds the feedback panel of `session` for `visitor` (`reserved`: holds a seat).
pub async fn panel(
    state: &AppState,
    c: ConferenceId,
    session: &Session,
    visitor: Option<&Account>,
    reserved: bool,
) -> Result<FeedbackPanel, ApiError> {
    if session.info.kind == hallway_domain::SessionKind::Break {
        return Ok(FeedbackPanel::default());
    }
    let started = session.info.span.start() <= state.clock.now();
    let mut p = FeedbackPanel::default();
    if started {
        let settings = state.store.points_settings(c).await?;
        let s = state.store.rating_summary(c, session.id).await?;
        p.summary = match shown_average(s.sum, s.count, settings.min_ratings) {
            Some(avg) => format!(
                "{avg:.1} ★ from {} rating{}",
                s.count,
                if s.count == 1 { "" } else { "s" }
            ),
            None if s.count == 0 => "No ratings yet.".to_owned(),
            None => format!("The average shows from {} ratings.", settings.min_ratings),
        };
    }
    if let Some(a) = visitor {
        p.can_read = reader(state, c, session.id, a).await?.is_some();
        if !started {
            p.why_not = "You can rate this session once it has started.".into();
        } else if !reserved {
            p.why_not = "Only attendees who had a seat in this session can rate it.".into();
        } else {
            p.can_rate = true;
            if let Some(f) = state.store.my_feedback(c, session.id, a.id).await? {
                p.rating = f.rating;
                p.comment = f.comment;
            }
        }
    }
    Ok(p)
}

/// Who reads a session's feedback: `Some(true)` organizers (everything), `Some(false)` its
/// linked speakers (visible comments), `None` others.
pub async fn reader(
    state: &AppState,
    c: ConferenceId,
    session: SessionId,
    account: &Account,
) -> Result<Option<bool>, ApiError> {
    if is_organizer(state, c, account).await? {
        return Ok(Some(true));
    }
    Ok(state
        .store
        .speaks_in(c, session, account.id)
        .await?
        .then_some(false))
}
