//! The OpenAPI 3.1 document generated from the handlers (`/api/openapi.json`), a readable
//! reference rendered from it (`/api/docs`), and the problem types it names (`/problems`).

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use utoipa::openapi::OpenApi;

use crate::AppState;

/// Routes for the document, its reference page and the problem types.
pub fn router(doc: Arc<OpenApi>) -> Router<AppState> {
    let json = Arc::new(doc.to_pretty_json().unwrap_or_else(|_| "{}".to_owned()));
    let page = Arc::new(reference(&doc));
    Router::new()
        .route(
            "/api/openapi.json",
            get(move || {
                let json = Arc::clone(&json);
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        (*json).clone(),
                    )
                }
            }),
        )
        .route(
            "/api/docs",
            get(move |State(_): State<AppState>| {
                let page = Arc::clone(&page);
                async move { page.render_page() }
            }),
        )
        .route("/problems/{slug}", get(problems))
        .route("/problems", get(problems))
}

#[derive(Debug, Clone)]
struct Param {
    name: String,
    location: String,
    required: bool,
    description: String,
}

#[derive(Debug, Clone)]
struct ResponseDoc {
    status: String,
    description: String,
    schema: String,
}

#[derive(Debug, Clone)]
struct Operation {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: String,
    tag: String,
    params: Vec<Param>,
    responses: Vec<ResponseDoc>,
}

#[derive(Debug, Clone)]
struct SchemaDoc {
    name: String,
    fields: Vec<Param>,
}

#[derive(Template, WebTemplate, Debug, Clone)]
#[template(path = "api_docs.html")]
struct ReferencePage {
    title: String,
    version: String,
    description: String,
    operations: Vec<Operation>,
    schemas: Vec<SchemaDoc>,
}

impl ReferencePage {
    fn render_page(&self) -> Response {
        self.clone().into_response()
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A short human name for a schema: `SessionDto`, `[SessionDto]`, `string`.
fn schema_name(s: &Value) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    match s.get("type") {
        Some(Value::String(t)) if t == "array" => {
            format!("[{}]", s.get("items").map(schema_name).unwrap_or_default())
        }
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => s
            .get("oneOf")
            .and_then(Value::as_array)
            .map(|v| v.iter().map(schema_name).collect::<Vec<_>>().join(" | "))
            .unwrap_or_default(),
    }
}

/// Builds the reference page from the document's JSON form.
fn reference(doc: &OpenApi) -> ReferencePage {
    let v = serde_json::to_value(doc).unwrap_or(Value::Null);
    let mut operations = Vec::new();
    if let Some(paths) = v.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in ["get", "put", "post", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let params = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .map(|ps| {
                        ps.iter()
                            .map(|p| Param {
                                name: text(p, "name"),
                                location: text(p, "in"),
                                required: p
                                    .get("required")
                                    .and_then(Value::as_bool)
                                    .unwrap_or(false),
                                description: text(p, "description"),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let responses = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|rs| {
                        rs.iter()
                            .map(|(status, r)| ResponseDoc {
                                status: status.clone(),
                                description: text(r, "description"),
                                schema: r
                                    .get("content")
                                    .and_then(Value::as_object)
                                    .and_then(|c| c.values().next())
                                    .and_then(|c| c.get("schema"))
                                    .map(schema_name)
                                    .unwrap_or_default(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                operations.push(Operation {
                    anchor: format!("{method}-{}", path.replace(['/', '{', '}'], "-")),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary: text(op, "summary"),
                    description: text(op, "description"),
                    tag: op
                        .get("tags")
                        .and_then(Value::as_array)
                        .and_then(|t| t.first())
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    params,
                    responses,
                });
            }
        }
    }
    operations.sort_by(|a, b| (&a.tag, &a.path, &a.method).cmp(&(&b.tag, &b.path, &b.method)));
    let schemas = v
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| {
            s.iter()
                .map(|(name, schema)| {
                    let required: Vec<&str> = schema
                        .get("required")
                        .and_then(Value::as_array)
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    SchemaDoc {
                        name: name.clone(),
                        fields: schema
                            .get("properties")
                            .and_then(Value::as_object)
                            .map(|props| {
                                props
                                    .iter()
                                    .map(|(field, p)| Param {
                                        name: field.clone(),
                                        location: schema_name(p),
                                        required: required.contains(&field.as_str()),
                                        description: text(p, "description"),
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    ReferencePage {
        title: text(&v["info"], "title"),
        version: text(&v["info"], "version"),
        description: text(&v["info"], "description"),
        operations,
        schemas,
    }
}

#[derive(Debug)]
struct ProblemType {
    slug: &'static str,
    status: u16,
    meaning: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "problems.html")]
struct ProblemsPage {
    problems: Vec<ProblemType>,
}

/// Every problem type the API answers with, so that a `type` URI leads somewhere useful.
async fn problems() -> ProblemsPage {
    ProblemsPage {
        problems: vec![
            ProblemType {
                slug: "not-found",
                status: 404,
                meaning: "The conference, session, speaker or route does not exist.",
            },
            ProblemType {
                slug: "invalid",
                status: 400,
                meaning: "A parameter or field is malformed; `field` names it and `detail` says why.",
            },
            ProblemType {
                slug: "unauthorized",
                status: 401,
                meaning: "No valid credentials: send `Authorization: Bearer <token>` (or log in), or the email or password is wrong.",
            },
            ProblemType {
                slug: "forbidden",
                status: 403,
                meaning: "The caller lacks the role this needs in this conference (organizer, volunteer), or a site admin's.",
            },
            ProblemType {
                slug: "closed",
                status: 409,
                meaning: "The session has started (past the grace period): its agenda entry can no longer change.",
            },
            ProblemType {
                slug: "not-reservable",
                status: 409,
                meaning: "The session takes no reservations (a break, or open seating).",
            },
            ProblemType {
                slug: "room-conflict",
                status: 409,
                meaning: "The draft editor refused: the room holds another session then; `conflicts` names it.",
            },
            ProblemType {
                slug: "outside-days",
                status: 409,
                meaning: "The draft editor refused: the session is not on a day of the conference.",
            },
            ProblemType {
                slug: "unconfirmed",
                status: 409,
                meaning: "The change has warnings (`warnings`) to confirm before it is saved.",
            },
            ProblemType {
                slug: "method-not-allowed",
                status: 405,
                meaning: "The route exists but not with this method; `Allow` lists the methods it has.",
            },
            ProblemType {
                slug: "too-large",
                status: 413,
                meaning: "The body is over the route's limit (32 MiB for a schedule upload).",
            },
            ProblemType {
                slug: "unsupported-media-type",
                status: 415,
                meaning: "The body's Content-Type is not one the route reads.",
            },
            ProblemType {
                slug: "rate-limited",
                status: 429,
                meaning: "Too many attempts (log-ins, sign-ups) from here; `Retry-After` says how many seconds to wait.",
            },
            ProblemType {
                slug: "busy",
                status: 503,
                meaning: "The server is checking as many passwords as it can at once; `Retry-After` says when to try again.",
            },
            ProblemType {
                slug: "conflict",
                status: 409,
                meaning: "The request clashes with what is stored (a taken slug, an overlapping session).",
            },
            ProblemType {
                slug: "full",
                status: 409,
                meaning: "The session has no seats left; join its waitlist instead.",
            },
            ProblemType {
                slug: "internal",
                status: 500,
                meaning: "The server failed; the cause is logged, not shown.",
            },
        ],
    }
}
