//! Operations: `/healthz` for load balancers and `/metrics` for Prometheus.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::telemetry::prometheus;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(metrics))
}

/// Health of this instance.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the database does not answer.
    status: &'static str,
    /// `ok` or `unreachable`.
    database: &'static str,
    /// The server's version.
    version: &'static str,
    /// How live events reach this instance's clients: `local` (one instance, SQLite),
    /// `shared` (PostgreSQL: events of every instance arrive), `connecting` or
    /// `reconnecting` (events of other instances are missed for now; the instance still
    /// serves, so this does not fail the check).
    live: &'static str,
}

/// Whether this instance can serve: 200 when the database answers, 503 when not.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health))
)]
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let ok = state.store.ping().await.is_ok();
    let body = Health {
        status: if ok { "ok" } else { "degraded" },
        database: if ok { "ok" } else { "unreachable" },
        version: env!("CARGO_PKG_VERSION"),
        live: state.live.sharing().as_str(),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}

/// Metrics in the Prometheus text format: request counts and latency histograms by route.
/// With `--metrics-token` set, only for `Authorization: Bearer <that token>` (401 else).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain"),
        (status = 401, description = "A metrics token is set and was not sent", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, crate::error::ApiError> {
    if !state.may_read_metrics(&headers) {
        return Err(crate::error::ApiError::Unauthorized(
            "send the metrics token: Authorization: Bearer <token>",
        ));
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        prometheus().render(),
    ))
}
