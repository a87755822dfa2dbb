//! HTTP for hallway: the JSON API under `/api/v1`, the server-rendered pages, operations
//! endpoints (`/healthz`, `/metrics`) and the static assets, all embedded in the binary.
//!
//! [`app`] builds the router; [`serve`] runs it on a listener until a shutdown future
//! resolves, so tests can bind port 0 and stop the server when they are done.

mod assets;
pub mod auth;
mod clock;
mod dto;
mod error;
mod headers;
pub mod live;
mod openapi;
mod passwords;
mod request;
mod routes;
mod telemetry;
mod view;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use hallway_domain::Slug;
use hallway_store::Store;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;

pub use clock::{Clock, FixedClock, SystemClock};

/// How the web layer is tuned, read once by the binary (flags and their environment
/// variables) and passed down; nothing below reads the environment.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The cost of hashing passwords.
    pub hash_cost: auth::HashCost,
    /// Log-in attempts allowed per client address and minute.
    pub login_per_ip_per_minute: u32,
    /// Sign-ups allowed per client address and minute.
    pub signups_per_ip_per_minute: u32,
    /// This server's public address for links in exports and badge QR codes
    /// (`https://hallway.example`); `None`: the request's `Host`.
    pub public_url: Option<String>,
    /// The bearer token `/metrics` asks for; `None`: it is open (bind the server to a
    /// private address, or set one).
    pub metrics_token: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (nginx in front: its
    /// address); empty: the socket's peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            hash_cost: auth::HashCost::default(),
            login_per_ip_per_minute: 6000,
            signups_per_ip_per_minute: 600,
            public_url: None,
            metrics_token: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    store: Store,
    clock: Arc<dyn Clock>,
    featured: Option<Slug>,
    public_url: Option<Arc<str>>,
    /// The digest of the token `/metrics` asks for, if one is set.
    metrics_token: Option<Arc<str>>,
    /// Proxies whose `X-Forwarded-For` is believed.
    trusted_proxies: Arc<[std::net::IpAddr]>,
    hash_cost: auth::HashCost,
    limits: Arc<auth::LoginLimits>,
    guesses: Arc<auth::CodeGuesses>,
    live: live::Bus,
    session_json: Arc<dto::SessionJson>,
}

impl AppState {
    /// State over `store`, reading the time from `clock`. `featured` names the conference
    /// whose "now and next" the home page shows (the demo conference in `hallway demo`);
    /// without it the home page picks the conference nearest to today.
    pub fn new(store: Store, clock: Arc<dyn Clock>, featured: Option<Slug>) -> Self {
        Self::with_config(store, clock, featured, WebConfig::default())
    }

    /// [`AppState::new`] tuned by `config`.
    pub fn with_config(
        store: Store,
        clock: Arc<dyn Clock>,
        featured: Option<Slug>,
        config: WebConfig,
    ) -> Self {
        let public_url = config
            .public_url
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/'))
            .filter(|u| !u.is_empty())
            .map(Arc::from);
        let metrics_token = config
            .metrics_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| Arc::from(auth::digest(t)));
        Self {
            store,
            clock,
            featured,
            public_url,
            metrics_token,
            trusted_proxies: Arc::from(config.trusted_proxies),
            hash_cost: config.hash_cost,
            limits: Arc::new(auth::LoginLimits::new(
                config.login_per_ip_per_minute,
                config.signups_per_ip_per_minute,
            )),
            guesses: Arc::default(),
            live: live::Bus::default(),
            session_json: Arc::default(),
        }
    }

    /// This server's address for links in exports and badge QR codes: the configured
    /// public URL, else the request's `Host` (with `X-Forwarded-Proto` behind a proxy).
    pub(crate) fn public_url(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.to_string();
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
            })
            .unwrap_or("localhost");
        let scheme = headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            .filter(|p| *p == "https")
            .unwrap_or("http");
        format!("{scheme}://{host}")
    }

    /// Proxies whose `X-Forwarded-For` names the client.
    pub(crate) fn trusted_proxies(&self) -> &[std::net::IpAddr] {
        &self.trusted_proxies
    }

    /// Whether `headers` carry the token `/metrics` asks for (always, when none is set).
    pub(crate) fn may_read_metrics(&self, headers: &axum::http::HeaderMap) -> bool {
        let Some(wanted) = &self.metrics_token else {
            return true;
        };
        headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            // Digests compared, so the comparison says nothing about the token's prefix.
            .is_some_and(|t| auth::digest(t.trim()) == **wanted)
    }

    /// What a use case runs with: the store and the time now.
    pub(crate) fn context(&self) -> hallway_app::Context<'_> {
        hallway_app::Context {
            store: &self.store,
            now: self.clock.now(),
        }
    }

    /// The live-event bus (to shut streams down, or to run the reminder scheduler).
    pub fn live(&self) -> &live::Bus {
        &self.live
    }
}

/// The whole application: API, pages, assets and operations routes with their middleware.
pub fn app(state: AppState) -> Router {
    // Install the metrics recorder before the first request, so that one is counted too.
    telemetry::prometheus();
    let (routes, openapi) = routes::router().split_for_parts();
    Router::new()
        .merge(routes)
        .merge(openapi::router(Arc::new(openapi)))
        .merge(assets::router())
        .fallback(routes::fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            live::remember_position,
        ))
        .with_state(state.clone())
        .layer(axum::middleware::from_fn(telemetry::track_requests))
        // Cross-site state-changing requests are refused (Sec-Fetch-Site / Origin checks):
        // this is the CSRF protection of every form; API clients without those headers pass.
        .layer(tower_http::csrf::CsrfLayer::new())
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(error::panic_response))
        // What axum refuses by itself under /api/ is a problem document too.
        .layer(axum::middleware::from_fn(request::api_problems))
        // Outermost, so every answer has them, refusals and panics too.
        .layer(axum::middleware::from_fn_with_state(state, headers::secure))
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
