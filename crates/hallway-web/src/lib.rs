//! HTTP for hallway: the JSON API under `/api/v1`, the server-rendered pages, operations
//! endpoints (`/healthz`, `/metrics`) and the static assets, all embedded in the binary.
//!
//! [`app`] builds the router; [`serve`] runs it on a listener until a shutdown future
//! resolves, so tests can bind port 0 and stop the server when they are done.

mod assets;
pub mod auth;
mod clock;
mod error;
pub mod live;
mod openapi;
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

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    store: Store,
    clock: Arc<dyn Clock>,
    featured: Option<Slug>,
    hash_cost: auth::HashCost,
    limits: Arc<auth::LoginLimits>,
    guesses: Arc<auth::CodeGuesses>,
    live: live::Bus,
    session_json: Arc<routes::SessionJson>,
}

impl AppState {
    /// State over `store`, reading the time from `clock`. `featured` names the conference
    /// whose "now and next" the home page shows (the demo conference in `hallway demo`);
    /// without it the home page picks the conference nearest to today.
    pub fn new(store: Store, clock: Arc<dyn Clock>, featured: Option<Slug>) -> Self {
        Self {
            store,
            clock,
            featured,
            hash_cost: auth::HashCost::from_env(),
            limits: Arc::new(auth::LoginLimits::from_env()),
            guesses: Arc::default(),
            live: live::Bus::default(),
            session_json: Arc::default(),
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
        .with_state(state)
        .layer(axum::middleware::from_fn(telemetry::track_requests))
        // Cross-site state-changing requests are refused (Sec-Fetch-Site / Origin checks):
        // this is the CSRF protection of every form; API clients without those headers pass.
        .layer(tower_http::csrf::CsrfLayer::new())
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(error::panic_response))
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
