//! Live events: seat counts, waitlist promotions and reminders, pushed to browsers and API
//! clients over Server-Sent Events (`GET /api/v1/conferences/{slug}/live`), and the reminder
//! scheduler that claims due reminders and publishes them.
//!
//! Within one instance a broadcast channel carries the events. When the database is
//! PostgreSQL several instances may serve one deployment, so [`run_relay`] also sends every
//! event through the database (LISTEN/NOTIFY, `hallway_store::events`) and hands what the
//! other instances published to this instance's clients: an attendee connected to any
//! instance sees every seat count, promotion and reminder once. Reminders are claimed in the
//! database, so each is published by exactly one instance.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use hallway_domain::{ConferenceId, SessionId, UserId};
use hallway_store::Promotion;
use hallway_store::events::FeedItem;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::{broadcast, mpsc, watch};

use crate::AppState;

/// One event for the clients of a conference: for everybody (`to: None`) or one attendee.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LiveEvent {
    /// The conference it concerns.
    pub conference: ConferenceId,
    /// Only this attendee sees it, if set.
    pub to: Option<UserId>,
    /// What happened; the SSE event name.
    pub kind: LiveKind,
    /// The JSON payload.
    pub data: serde_json::Value,
}

/// The kinds of live events, named as the SSE `event:` field names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LiveKind {
    /// A session's seat count changed (for everybody).
    Seats,
    /// The attendee got a seat off the waitlist.
    Promoted,
    /// A reserved session starts soon.
    Reminder,
    /// A room's door count changed (for everybody; door pages and the dashboard show it).
    Occupancy,
    /// An organizer's announcement (for everybody, or each person of its audience).
    Announcement,
}

impl LiveKind {
    /// The SSE event name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seats => "seats",
            Self::Promoted => "promoted",
            Self::Reminder => "reminder",
            Self::Occupancy => "occupancy",
            Self::Announcement => "announcement",
        }
    }
}

/// What goes through the in-process channel.
#[derive(Clone, Debug)]
enum Delivery {
    Event(Arc<LiveEvent>),
    /// Events may have been lost (the database connection of the relay dropped): every
    /// client reloads what it shows.
    Resync,
}

/// How this instance shares live events with others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Sharing {
    /// One instance (SQLite, or the relay is not running): events stay in this process.
    Local,
    /// Connecting to the database to listen.
    Connecting,
    /// Listening: events of every instance reach this one's clients.
    Shared,
    /// The listening connection was lost; events of other instances are missed until it
    /// is back (clients are told to reload then).
    Reconnecting,
}

impl Sharing {
    /// The word `/healthz` shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Connecting => "connecting",
            Self::Shared => "shared",
            Self::Reconnecting => "reconnecting",
        }
    }

    fn from_u8(n: u8) -> Self {
        [
            Self::Local,
            Self::Connecting,
            Self::Shared,
            Self::Reconnecting,
        ]
        .into_iter()
        .find(|s| *s as u8 == n)
        .unwrap_or(Self::Local)
    }
}

/// How many events may wait to be sent to the other instances; past that they are dropped
/// (counted in `hallway_live_relay_dropped_total`) rather than holding memory while the
/// database is away.
const OUTBOUND_QUEUE: usize = 16_384;

/// Events sent to the database in one statement, at most.
const OUTBOUND_BATCH: usize = 256;

#[derive(Debug)]
struct Shared {
    /// Tells this instance's own messages apart when they come back from the database.
    instance: u64,
    outbound: OnceLock<mpsc::Sender<Arc<LiveEvent>>>,
    sharing: AtomicU8,
}

/// What travels through the database: the event and the instance that published it.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    #[serde(rename = "o")]
    origin: u64,
    #[serde(rename = "e")]
    event: LiveEvent,
}

/// The event bus of this instance, and the signal that ends every stream on shutdown.
#[derive(Clone, Debug)]
pub struct Bus {
    events: broadcast::Sender<Delivery>,
    closing: watch::Sender<bool>,
    shared: Arc<Shared>,
}

impl Default for Bus {
    fn default() -> Self {
        let mut instance = [0u8; 8];
        // Without an OS random source, the process id keeps instances apart well enough.
        if getrandom::fill(&mut instance).is_err() {
            instance[..4].copy_from_slice(&std::process::id().to_le_bytes());
        }
        Self {
            events: broadcast::channel(4096).0,
            closing: watch::channel(false).0,
            shared: Arc::new(Shared {
                instance: u64::from_le_bytes(instance),
                outbound: OnceLock::new(),
                sharing: AtomicU8::new(0),
            }),
        }
    }
}

impl Bus {
    /// Sends `event` to every subscriber of this instance (none listening is fine) and, when
    /// the relay runs, to the other instances.
    pub fn publish(&self, event: LiveEvent) {
        let event = Arc::new(event);
        metrics::counter!("hallway_live_events_total", "kind" => event.kind.as_str()).increment(1);
        if let Some(out) = self.shared.outbound.get()
            && out.try_send(event.clone()).is_err()
        {
            metrics::counter!("hallway_live_relay_dropped_total").increment(1);
        }
        let _ = self.events.send(Delivery::Event(event));
    }

    /// How this instance shares events with others now.
    pub fn sharing(&self) -> Sharing {
        Sharing::from_u8(self.shared.sharing.load(Ordering::Relaxed))
    }

    fn set_sharing(&self, sharing: Sharing) {
        self.shared.sharing.store(sharing as u8, Ordering::Relaxed);
        let listening = if sharing == Sharing::Shared { 1.0 } else { 0.0 };
        metrics::gauge!("hallway_live_relay_listening").set(listening);
    }

    /// Ends every live stream and the scheduler, so that a graceful shutdown can finish.
    pub fn shut_down(&self) {
        let _ = self.closing.send(true);
    }

    /// A stream of the events `viewer` may see in `conference`, as SSE events, until the bus
    /// shuts down. A subscriber that falls behind, or that may have missed events of other
    /// instances, is told to `resync` (reload its counts).
    pub fn stream(
        &self,
        conference: ConferenceId,
        viewer: Option<UserId>,
    ) -> impl Stream<Item = Result<Event, Infallible>> + use<> {
        let rx = self.events.subscribe();
        let closing = self.closing.subscribe();
        let open = OpenStream::new();
        futures_util::stream::unfold(
            (rx, closing, open),
            move |(mut rx, mut closing, open)| async move {
                loop {
                    if *closing.borrow() {
                        return None;
                    }
                    tokio::select! {
                        _ = closing.changed() => return None,
                        got = rx.recv() => match got {
                            Ok(Delivery::Event(ev)) if ev.conference == conference && (ev.to.is_none() || ev.to == viewer) => {
                                let event = Event::default().event(ev.kind.as_str()).data(ev.data.to_string());
                                return Some((Ok(event), (rx, closing, open)));
                            }
                            Ok(Delivery::Event(_)) => continue,
                            Ok(Delivery::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => {
                                let event = Event::default().event("resync").data("{}");
                                return Some((Ok(event), (rx, closing, open)));
                            }
                            Err(broadcast::error::RecvError::Closed) => return None,
                        },
                    }
                }
            },
        )
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

/// Counts open live streams in `hallway_live_streams` for as long as it lives.
struct OpenStream;

impl OpenStream {
    fn new() -> Self {
        metrics::gauge!("hallway_live_streams").increment(1.0);
        Self
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!("hallway_live_streams").decrement(1.0);
    }
}

/// Shares live events with the other instances on the same PostgreSQL database until the
/// bus shuts down; returns at once on SQLite. Run it once per process, next to the server.
///
/// Outbound, events published here are sent in batches (one `pg_notify` statement each) by
/// one task, so a request never waits for the relay. Inbound, messages of other instances
/// go to this instance's subscribers; this instance's own come back too and are skipped
/// (its clients had them at once). After a lost connection every client is told to resync.
pub async fn run_relay(state: AppState) {
    let store = state.store.clone();
    if !store.shares_events() {
        return;
    }
    let bus = state.live.clone();
    bus.set_sharing(Sharing::Connecting);
    let mut feed = loop {
        tokio::select! {
            () = bus.closed() => return,
            got = store.listen() => match got {
                Ok(Some(feed)) => break feed,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = ?e, "live relay: cannot listen yet; retrying in 1 s");
                    tokio::select! {
                        () = bus.closed() => return,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            },
        }
    };
    let (tx, rx) = mpsc::channel(OUTBOUND_QUEUE);
    let _ = bus.shared.outbound.set(tx);
    let sender = tokio::spawn(send_outbound(state.clone(), rx));
    bus.set_sharing(Sharing::Shared);
    tracing::info!("live relay: listening; events are shared with every instance");
    loop {
        tokio::select! {
            () = bus.closed() => break,
            got = feed.next() => match got {
                Ok(FeedItem::Message(payload)) => {
                    if bus.sharing() == Sharing::Reconnecting {
                        bus.set_sharing(Sharing::Shared);
                        let _ = bus.events.send(Delivery::Resync);
                    }
                    match serde_json::from_str::<Envelope>(&payload) {
                        Ok(envelope) if envelope.origin == bus.shared.instance => {}
                        Ok(envelope) => {
                            metrics::counter!("hallway_live_relay_received_total").increment(1);
                            let _ = bus.events.send(Delivery::Event(Arc::new(envelope.event)));
                        }
                        Err(e) => tracing::warn!(error = %e, "live relay: a message that is not an event"),
                    }
                }
                Ok(FeedItem::Reconnected) => {
                    tracing::warn!("live relay: the connection was lost and is back; clients resync");
                    metrics::counter!("hallway_live_relay_reconnects_total").increment(1);
                    bus.set_sharing(Sharing::Shared);
                    let _ = bus.events.send(Delivery::Resync);
                }
                Err(e) => {
                    if bus.sharing() != Sharing::Reconnecting {
                        tracing::warn!(error = ?e, "live relay: the database does not answer; reconnecting");
                    }
                    bus.set_sharing(Sharing::Reconnecting);
                    tokio::select! {
                        () = bus.closed() => break,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            },
        }
    }
    let _ = sender.await;
}

/// Sends what this instance publishes to the others, a batch per statement, until the bus
/// shuts down (what is queued then is still sent).
async fn send_outbound(state: AppState, mut rx: mpsc::Receiver<Arc<LiveEvent>>) {
    let bus = state.live.clone();
    let mut batch = Vec::with_capacity(OUTBOUND_BATCH);
    loop {
        let n = tokio::select! {
            () = bus.closed() => {
                rx.close();
                rx.recv_many(&mut batch, OUTBOUND_BATCH).await
            }
            n = rx.recv_many(&mut batch, OUTBOUND_BATCH) => n,
        };
        if n == 0 {
            return;
        }
        let origin = bus.shared.instance;
        let payloads: Vec<String> = batch
            .drain(..)
            .filter_map(|event| serde_json::to_string(&json!({ "o": origin, "e": &*event })).ok())
            .collect();
        match state.store.notify(&payloads).await {
            Ok(()) => {
                metrics::counter!("hallway_live_relay_sent_total").increment(payloads.len() as u64)
            }
            Err(e) => {
                metrics::counter!("hallway_live_relay_dropped_total")
                    .increment(payloads.len() as u64);
                tracing::warn!(error = ?e, events = payloads.len(), "live relay: events not shared");
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

/// Publishes the current seat count of each of `sessions` to everybody in `conference`
/// (one read for all of them).
pub async fn publish_seats(state: &AppState, conference: ConferenceId, sessions: &[SessionId]) {
    match state.store.seats_of(conference, sessions).await {
        Ok(all) => {
            for (id, seats) in all {
                publish_seat_count(state, conference, id, &seats);
            }
        }
        Err(e) => tracing::warn!(error = ?e, "reading seats to publish"),
    }
}

/// Tells everybody the seats of one session, as the change that set them answered them.
pub fn publish_seat_count(
    state: &AppState,
    conference: ConferenceId,
    session: SessionId,
    seats: &hallway_domain::Seats,
) {
    state.live.publish(LiveEvent {
        conference,
        to: None,
        kind: LiveKind::Seats,
        data: json!({
            "session": session.get(),
            "capacity": seats.capacity().map(|c| c.get()),
            "seats_left": seats.left(),
            "state": crate::view::seat_state_of(seats),
            "text": crate::view::seats_text_of(seats),
        }),
    });
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
            kind: LiveKind::Promoted,
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
                    kind: LiveKind::Reminder,
                    data: json!({
                        "session": r.session.get(),
                        "starts_at": r.starts_at.to_rfc3339(),
                        "message": format!("\u{201c}{}\u{201d} starts in {minutes} min.", r.title),
                    }),
                });
            }
            metrics::counter!("hallway_reminders_delivered_total").increment(due.len() as u64);
            due.len()
        }
        Err(e) => {
            tracing::warn!(error = ?e, "claiming due reminders");
            0
        }
    }
}

/// Runs the reminder scheduler (and returns the machines of labs that ended) every `every`
/// until the bus shuts down.
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
                // Invariant 6: machines come back when their lab ends, even if nobody looks.
                match state.store.return_all_ended_labs(state.clock.now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(machines = n, "lab machines returned"),
                    Err(e) => tracing::warn!(error = ?e, "returning lab machines"),
                }
            }
        }
    }
}
