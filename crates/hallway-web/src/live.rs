//! Live events: seat counts, waitlist promotions and reminders, pushed to browsers and API
//! clients over Server-Sent Events (`GET /api/v1/conferences/{slug}/live`), and the reminder
//! scheduler that claims due reminders and publishes them.
//!
//! Within one instance a broadcast channel carries the events. (Several instances share them
//! through PostgreSQL in a later version; reminders are already claimed in the database, so
//! each is delivered once whatever the number of instances.)

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use hallway_domain::{ConferenceId, SessionId, UserId};
use hallway_store::Promotion;
use serde_json::json;
use tokio::sync::{broadcast, watch};

use crate::AppState;

/// One event for the clients of a conference: for everybody (`to: None`) or one attendee.
#[derive(Clone, Debug)]
pub struct LiveEvent {
    /// The conference it concerns.
    pub conference: ConferenceId,
    /// Only this attendee sees it, if set.
    pub to: Option<UserId>,
    /// The SSE event name: `seats`, `promoted`, `reminder`.
    pub kind: &'static str,
    /// The JSON payload.
    pub data: serde_json::Value,
}

/// The in-process event bus, and the signal that ends every stream on shutdown.
#[derive(Clone, Debug)]
pub struct Bus {
    events: broadcast::Sender<LiveEvent>,
    closing: watch::Sender<bool>,
}

impl Default for Bus {
    fn default() -> Self {
        Self {
            events: broadcast::channel(4096).0,
            closing: watch::channel(false).0,
        }
    }
}

impl Bus {
    /// Sends `event` to every subscriber (none listening is fine).
    pub fn publish(&self, event: LiveEvent) {
        let _ = self.events.send(event);
    }

    /// Ends every live stream and the scheduler, so that a graceful shutdown can finish.
    pub fn shut_down(&self) {
        let _ = self.closing.send(true);
    }

    /// A stream of the events `viewer` may see in `conference`, as SSE events, until the bus
    /// shuts down. A subscriber that falls behind is told to `resync` (reload its counts).
    pub fn stream(
        &self,
        conference: ConferenceId,
        viewer: Option<UserId>,
    ) -> impl Stream<Item = Result<Event, Infallible>> + use<> {
        let rx = self.events.subscribe();
        let closing = self.closing.subscribe();
        futures_util::stream::unfold((rx, closing), move |(mut rx, mut closing)| async move {
            loop {
                if *closing.borrow() {
                    return None;
                }
                tokio::select! {
                    _ = closing.changed() => return None,
                    got = rx.recv() => match got {
                        Ok(ev) if ev.conference == conference && (ev.to.is_none() || ev.to == viewer) => {
                            let event = Event::default().event(ev.kind).data(ev.data.to_string());
                            return Some((Ok(event), (rx, closing)));
                        }
                        Ok(_) => continue,
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            let event = Event::default().event("resync").data("{}");
                            return Some((Ok(event), (rx, closing)));
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                }
            }
        })
    }

    /// Resolves when the bus shuts down.
    pub async fn closed(&self) {
        let mut closing = self.closing.subscribe();
        while !*closing.borrow() {
            if closing.changed().await.is_err() {
                return;
            }
        }
    }
}

/// An SSE response over `stream`, with keep-alive comments so proxies keep it open.
pub fn sse<S>(stream: S) -> Sse<axum::response::sse::KeepAliveStream<S>>
where
    S: Stream<Item = Result<Event, Infallible>> + Send + 'static,
{
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
}

/// Publishes the current seat count of each of `sessions` to everybody in `conference`.
pub async fn publish_seats(state: &AppState, conference: ConferenceId, sessions: &[SessionId]) {
    for id in sessions {
        match state.store.session(conference, *id).await {
            Ok(Some(s)) => state.live.publish(LiveEvent {
                conference,
                to: None,
                kind: "seats",
                data: json!({
                    "session": id.get(),
                    "capacity": s.seats.capacity().map(|c| c.get()),
                    "seats_left": s.seats.left(),
                    "state": crate::view::seat_state(&s),
                    "text": crate::view::seats_text(&s),
                }),
            }),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = ?e, "reading seats to publish"),
        }
    }
}

/// Tells each promoted attendee, and everybody the new seat counts.
pub async fn publish_promotions(
    state: &AppState,
    conference: ConferenceId,
    promoted: &[Promotion],
) {
    for p in promoted {
        let title = state
            .store
            .session(conference, p.session)
            .await
            .ok()
            .flatten()
            .map(|s| s.info.title)
            .unwrap_or_default();
        state.live.publish(LiveEvent {
            conference,
            to: Some(p.user),
            kind: "promoted",
            data: json!({
                "session": p.session.get(),
                "message": format!("A seat freed up: you are now in \u{201c}{title}\u{201d}."),
            }),
        });
    }
}

/// Claims the reminders due now and publishes each to its attendee; answers how many.
pub async fn deliver_due_reminders(state: &AppState) -> usize {
    match state
        .store
        .claim_due_reminders(state.clock.now(), "live")
        .await
    {
        Ok(due) => {
            for r in &due {
                let minutes = ((r.starts_at - state.clock.now()).num_seconds() + 59) / 60;
                state.live.publish(LiveEvent {
                    conference: r.conference,
                    to: Some(r.user),
                    kind: "reminder",
                    data: json!({
                        "session": r.session.get(),
                        "starts_at": r.starts_at.to_rfc3339(),
                        "message": format!("\u{201c}{}\u{201d} starts in {minutes} min.", r.title),
                    }),
                });
            }
            due.len()
        }
        Err(e) => {
            tracing::warn!(error = ?e, "claiming due reminders");
            0
        }
    }
}

/// Runs the reminder scheduler every `every` until the bus shuts down.
pub async fn run_reminders(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            () = state.live.closed() => return,
            _ = tick.tick() => {
                let n = deliver_due_reminders(&state).await;
                if n > 0 {
                    tracing::info!(reminders = n, "reminders delivered");
                }
            }
        }
    }
}
