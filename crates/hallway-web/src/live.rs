//! Live events: seat counts, waitlist promotions, reminders, door counts and announcements,
//! pushed to browsers and API clients over Server-Sent Events
//! (`GET /api/v1/conferences/{slug}/live`), and the minute tick that claims due reminders.
//!
//! Nothing is published from a request. Every change writes its events to the outbox in
//! its own transaction (`hallway_store::outbox`); the [`Dispatcher`] of each instance reads
//! what was committed, in order, words it once (here, where the words belong) and hands it to
//! this instance's streams. It wakes when this process commits events and, on PostgreSQL,
//! when any instance does (LISTEN/NOTIFY), and looks again every half second regardless, so
//! a lost wake-up delays an event and never drops it.
//!
//! Every SSE event carries its outbox position as `id:`. A client that reconnects sends it
//! back as `Last-Event-ID` (browsers do so by themselves; `?after=` does the same for a first
//! connection) and first gets what it missed from the table. A stream that falls behind
//! the in-process channel reads the table too; only a gap longer than what the outbox keeps
//! is answered `resync` (reload what you show).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use hallway_domain::events::{Cursor, Event as Change, SessionChange};
use hallway_domain::{ConferenceId, UserId};
use hallway_store::StoredEvent;
use hallway_store::events::{EventFeed, FeedItem};
use serde_json::json;
use tokio::sync::{broadcast, watch};

use crate::AppState;

/// An event as this instance's streams send it: worded once, for everybody in `conference`
/// (`to: None`) or one person.
#[derive(Clone, Debug)]
pub struct LiveEvent {
    /// Its outbox position, the SSE `id:`.
    pub cursor: Cursor,
    /// The conference it concerns.
    pub conference: ConferenceId,
    /// Only this attendee sees it, if set.
    pub to: Option<UserId>,
    /// The SSE event name (the event's kind).
    pub name: &'static str,
    /// The JSON payload.
    pub data: String,
}

/// What goes through the in-process channel.
#[derive(Clone, Debug)]
enum Delivery {
    Event(Arc<LiveEvent>),
}

/// How this instance hears of other instances' events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Sharing {
    /// One instance (SQLite, or the dispatcher is not running): events of this process.
    Local,
    /// Connecting to the database to listen.
    Connecting,
    /// Listening: other instances' commits wake this one at once.
    Shared,
    /// The listening connection was lost; other instances' events still arrive, within
    /// the half-second look, until it is back.
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

/// Events read from the outbox in one statement, at most.
const BATCH: u32 = 512;

/// Events a reconnecting stream gets from the table, at most; a longer gap is a `resync`.
const REPLAY: u32 = 2_000;

tokio::task_local! {
    /// The stream position when the request being handled came in (see [`remember_position`]).
    static REQUEST_POSITION: Cursor;
}

/// Middleware: remembers the position of the newest event this instance had handed out
/// when a request came in, before the handler reads anything, so that a page can tell its
/// live stream to start there ([`position_at_request`]): whatever happens while the page
/// is made and until its stream connects reaches it, and nothing before is replayed.
pub async fn remember_position(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    REQUEST_POSITION
        .scope(state.live.position(), next.run(request))
        .await
}

/// The position [`remember_position`] kept for this request, as the stream's `after`
/// parameter spells it; empty outside a request or before the dispatcher started (the
/// stream then starts at its own position).
pub fn position_at_request() -> String {
    REQUEST_POSITION
        .try_with(|c| *c)
        .ok()
        .filter(|c| *c != Cursor::START)
        .map(|c| c.to_string())
        .unwrap_or_default()
}

/// How often the dispatcher looks at the outbox without being woken.
const LOOK_EVERY: Duration = Duration::from_millis(500);

/// How long the outbox keeps events (a stream that reconnects later than that resyncs).
pub const KEEP_EVENTS: chrono::TimeDelta = chrono::TimeDelta::hours(6);

/// The event bus of this instance, and the signal that ends every stream on shutdown.
#[derive(Clone, Debug)]
pub struct Bus {
    events: broadcast::Sender<Delivery>,
    closing: watch::Sender<bool>,
    sharing: Arc<AtomicU8>,
    /// The position of the last event the dispatcher handed out.
    position: watch::Sender<Cursor>,
}

impl Default for Bus {
    fn default() -> Self {
        Self {
            events: broadcast::channel(4096).0,
            closing: watch::channel(false).0,
            sharing: Arc::new(AtomicU8::new(0)),
            position: watch::channel(Cursor::START).0,
        }
    }
}

impl Bus {
    /// How this instance hears of other instances' events now.
    pub fn sharing(&self) -> Sharing {
        Sharing::from_u8(self.sharing.load(Ordering::Relaxed))
    }

    fn set_sharing(&self, sharing: Sharing) {
        self.sharing.store(sharing as u8, Ordering::Relaxed);
        let listening = if sharing == Sharing::Shared { 1.0 } else { 0.0 };
        metrics::gauge!("hallway_live_relay_listening").set(listening);
    }

    /// The position of the newest event this instance's streams have been given.
    pub fn position(&self) -> Cursor {
        *self.position.borrow()
    }

    /// Ends every live stream and the scheduler, so that a graceful shutdown can finish.
    pub fn shut_down(&self) {
        let _ = self.closing.send(true);
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

/// Words an outbox event for the people who see it. Titles come from the program in memory;
/// a session that is gone since keeps an empty title rather than failing the stream.
pub async fn word(state: &AppState, stored: &StoredEvent) -> LiveEvent {
    let conference = stored.event.conference;
    let title = |session| async move {
        state
            .store
            .session(conference, session)
            .await
            .ok()
            .flatten()
            .map(|s| s.info.title)
            .unwrap_or_default()
    };
    let data = match &stored.event.event {
        Change::Seats {
            session,
            capacity,
            reserved,
        } => {
            let seats = hallway_domain::Seats::new(
                capacity.and_then(|c| hallway_domain::Capacity::new(i64::from(c)).ok()),
                *reserved,
            );
            json!({
                "session": session.get(),
                "capacity": capacity,
                "seats_left": seats.left(),
                "state": crate::view::seat_state_of(&seats),
                "text": crate::view::seats_text_of(&seats),
            })
        }
        Change::Promoted { session } => json!({
            "session": session.get(),
            "message": format!(
                "A seat freed up: you are now in \u{201c}{}\u{201d}.",
                title(*session).await
            ),
        }),
        Change::Reminder { session, starts_at } => {
            let minutes = ((*starts_at - state.clock.now()).num_seconds() + 59) / 60;
            json!({
                "session": session.get(),
                "starts_at": starts_at.to_rfc3339(),
                "message": format!(
                    "\u{201c}{}\u{201d} starts in {} min.",
                    title(*session).await,
                    minutes.max(0)
                ),
            })
        }
        Change::Occupancy {
            room,
            occupancy,
            capacity,
        } => json!({ "room": room.get(), "occupancy": occupancy, "capacity": capacity }),
        Change::Announcement { id, text, audience } => {
            json!({ "id": id, "text": text, "audience": audience })
        }
        Change::Released {
            version,
            added,
            changed,
            removed,
        } => json!({
            "version": version,
            "added": added,
            "changed": changed,
            "removed": removed,
            "message": format!(
                "The program was updated (version {version}: {added} added, {changed} changed, {removed} removed)."
            ),
        }),
        Change::SessionChanged {
            session,
            title,
            change,
        } => {
            let message = match change {
                SessionChange::Removed => format!(
                    "\u{201c}{title}\u{201d} was taken off the program; it is no longer in your agenda."
                ),
                SessionChange::Changed => format!(
                    "\u{201c}{title}\u{201d} changed: its new time and room are in your agenda."
                ),
                SessionChange::Dropped => format!(
                    "\u{201c}{title}\u{201d} moved onto another session of your agenda, so we took it out. Add it again if you prefer it."
                ),
            };
            json!({ "session": session.get(), "change": change, "message": message })
        }
        Change::Points {
            action,
            points,
            total,
        } => {
            let level = match state.store.points_settings(conference).await {
                Ok(settings) => settings.level_of(*total).level,
                Err(_) => String::new(),
            };
            let message = if *points == 0 {
                format!(
                    "{}: no points this time, the hourly limit is reached. You have {total}.",
                    action.label()
                )
            } else if level.is_empty() {
                format!("+{points} points ({}). You have {total}.", action.label())
            } else {
                format!(
                    "+{points} points ({}). You have {total}: {level}.",
                    action.label()
                )
            };
            json!({
                "action": action,
                "points": points,
                "total": total,
                "level": level,
                "message": message,
            })
        }
    };
    LiveEvent {
        cursor: stored.cursor,
        conference,
        to: stored.event.to,
        name: stored.event.event.kind(),
        data: data.to_string(),
    }
}

/// Reads the outbox and hands each committed event, worded, to this instance's streams.
/// Made with [`Dispatcher::start`] before the server takes requests, so that nothing
/// committed after that point is missed; run it once per process with [`Dispatcher::run`].
#[derive(Debug)]
pub struct Dispatcher {
    state: AppState,
    cursor: Cursor,
}

impl Dispatcher {
    /// Starts after the newest event committed now (older ones were for earlier streams).
    pub async fn start(state: AppState) -> Self {
        let cursor = loop {
            match state.store.latest_event().await {
                Ok(cursor) => break cursor,
                Err(e) => {
                    tracing::warn!(error = ?e, "live events: cannot read the outbox yet; retrying in 1 s");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        state.live.position.send_replace(cursor);
        Self { state, cursor }
    }

    /// Delivers until the bus shuts down.
    pub async fn run(mut self) {
        let bus = self.state.live.clone();
        let mut feed = Feed::new(&self.state).await;
        loop {
            self.deliver().await;
            tokio::select! {
                () = bus.closed() => return,
                () = self.state.store.events_committed() => {}
                () = feed.woken(&self.state) => {}
                () = tokio::time::sleep(LOOK_EVERY) => {}
            }
        }
    }

    /// Hands out everything committed after the cursor.
    async fn deliver(&mut self) {
        loop {
            let batch = match self.state.store.events_after(self.cursor, BATCH).await {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::warn!(error = ?e, "live events: reading the outbox");
                    return;
                }
            };
            for stored in &batch {
                let event = word(&self.state, stored).await;
                metrics::counter!("hallway_live_events_total", "kind" => event.name).increment(1);
                let _ = self
                    .state
                    .live
                    .events
                    .send(Delivery::Event(Arc::new(event)));
                self.cursor = stored.cursor;
            }
            self.state.live.position.send_replace(self.cursor);
            if batch.len() < BATCH as usize {
                return;
            }
        }
    }
}

/// The wake-up from other instances (PostgreSQL); never resolves on SQLite.
struct Feed {
    feed: Option<EventFeed>,
    shared: bool,
}

impl Feed {
    async fn new(state: &AppState) -> Self {
        let shared = state.store.shares_events();
        let mut me = Self { feed: None, shared };
        if shared {
            state.live.set_sharing(Sharing::Connecting);
            me.connect(state).await;
        }
        me
    }

    async fn connect(&mut self, state: &AppState) {
        match state.store.listen().await {
            Ok(feed) => {
                self.feed = feed;
                state.live.set_sharing(Sharing::Shared);
                tracing::info!("live events: listening; every instance's commits wake this one");
            }
            Err(e) => {
                if state.live.sharing() != Sharing::Reconnecting {
                    tracing::warn!(error = ?e, "live events: cannot listen; looking every 0.5 s meanwhile");
                }
                state.live.set_sharing(Sharing::Reconnecting);
            }
        }
    }

    /// Resolves when another instance committed events (or the connection came back).
    async fn woken(&mut self, state: &AppState) {
        if !self.shared {
            return std::future::pending().await;
        }
        let Some(feed) = &mut self.feed else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            return self.connect(state).await;
        };
        match feed.next().await {
            Ok(FeedItem::Message(_)) => {}
            Ok(FeedItem::Reconnected) => {
                tracing::warn!("live events: the listening connection was lost and is back");
                metrics::counter!("hallway_live_relay_reconnects_total").increment(1);
            }
            Err(e) => {
                tracing::warn!(error = ?e, "live events: the listening connection failed");
                self.feed = None;
                state.live.set_sharing(Sharing::Reconnecting);
            }
        }
    }
}

/// A stream of the events `viewer` may see in `conference`, as SSE events, until the bus
/// shuts down: first what came after `after` (a reconnecting client's `Last-Event-ID`),
/// from the outbox, then each event as the dispatcher hands it out.
pub fn stream(
    state: &AppState,
    conference: ConferenceId,
    viewer: Option<UserId>,
    after: Option<Cursor>,
) -> impl Stream<Item = Result<Event, Infallible>> + use<> {
    let rx = state.live.events.subscribe();
    let closing = state.live.closing.subscribe();
    let open = OpenStream::new();
    let state = state.clone();
    let mine =
        move |ev: &LiveEvent| ev.conference == conference && (ev.to.is_none() || ev.to == viewer);
    let start = StreamState {
        rx,
        closing,
        _open: open,
        last: after,
        pending: std::collections::VecDeque::new(),
        replay: after.is_some(),
    };
    futures_util::stream::unfold(start, move |mut st| {
        let state = state.clone();
        async move {
            loop {
                if *st.closing.borrow() {
                    return None;
                }
                if st.replay {
                    st.replay = false;
                    st.catch_up(&state, conference, viewer).await;
                }
                if let Some(event) = st.pending.pop_front() {
                    return Some((Ok(event), st));
                }
                tokio::select! {
                    _ = st.closing.changed() => return None,
                    got = st.rx.recv() => match got {
                        Ok(Delivery::Event(ev)) if mine(&ev) && st.last.is_none_or(|l| ev.cursor > l) => {
                            st.last = Some(ev.cursor);
                            return Some((Ok(sse_event(&ev)), st));
                        }
                        Ok(Delivery::Event(_)) => continue,
                        // Fell behind the channel: read what was missed from the outbox.
                        Err(broadcast::error::RecvError::Lagged(_)) => st.replay = true,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                }
            }
        }
    })
}

struct StreamState {
    rx: broadcast::Receiver<Delivery>,
    closing: watch::Receiver<bool>,
    _open: OpenStream,
    /// The position of the last event sent (`None`: none yet, and no `Last-Event-ID`).
    last: Option<Cursor>,
    pending: std::collections::VecDeque<Event>,
    replay: bool,
}

impl StreamState {
    /// Queues what came after `last` from the outbox, or a `resync` when that is more than
    /// the outbox keeps (or `last` is unknown).
    async fn catch_up(
        &mut self,
        state: &AppState,
        conference: ConferenceId,
        viewer: Option<UserId>,
    ) {
        let resync = || Event::default().event("resync").data("{}");
        let Some(after) = self.last else {
            self.last = Some(state.live.position());
            self.pending.push_back(resync());
            return;
        };
        // A position from the future (a made-up header) would hide every event to come.
        let after = match state.store.latest_event().await {
            Ok(latest) => after.min(latest),
            Err(_) => after.min(state.live.position()),
        };
        self.last = Some(after);
        // Events after `after` may be gone when the outbox no longer holds `after` itself.
        let pruned = match state.store.oldest_event().await {
            Ok(oldest) => oldest.is_some_and(|o| o > after),
            Err(_) => true,
        };
        let missed = match state
            .store
            .events_for(conference, viewer, after, REPLAY)
            .await
        {
            Ok(missed) if !pruned && missed.len() < REPLAY as usize => missed,
            Ok(_) | Err(_) => {
                self.last = Some(state.live.position());
                self.pending.push_back(resync());
                return;
            }
        };
        metrics::counter!("hallway_live_replayed_total").increment(missed.len() as u64);
        for stored in &missed {
            let event = word(state, stored).await;
            self.pending.push_back(sse_event(&event));
            self.last = Some(stored.cursor);
        }
    }
}

fn sse_event(ev: &LiveEvent) -> Event {
    Event::default()
        .id(ev.cursor.to_string())
        .event(ev.name)
        .data(&ev.data)
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

/// An SSE response over `stream`, with keep-alive comments so proxies keep it open.
pub fn sse<S>(stream: S) -> Sse<axum::response::sse::KeepAliveStream<S>>
where
    S: Stream<Item = Result<Event, Infallible>> + Send + 'static,
{
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
}

/// Claims the reminders due now (each writes its event to the outbox, which the dispatcher
/// delivers); answers how many.
pub async fn deliver_due_reminders(state: &AppState) -> usize {
    match hallway_app::upkeep::send_due_reminders(state.context(), "live").await {
        Ok(due) => {
            metrics::counter!("hallway_reminders_delivered_total").increment(due as u64);
            due
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
                match hallway_app::upkeep::return_ended_labs(state.context()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(machines = n, "lab machines returned"),
                    Err(e) => tracing::warn!(error = ?e, "returning lab machines"),
                }
                if let Err(e) = hallway_app::upkeep::record_token_uses(state.context()).await {
                    tracing::warn!(error = ?e, "recording token uses");
                }
                // The outbox keeps what a reconnecting stream may ask for, no more.
                match hallway_app::upkeep::prune_events(state.context(), KEEP_EVENTS).await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(events = n, "old events pruned"),
                    Err(e) => tracing::warn!(error = ?e, "pruning events"),
                }
            }
        }
    }
}
