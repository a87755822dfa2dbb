//! The JSON body of an API request. A body that is not JSON, or not the JSON the route
//! takes, is refused with a problem+json `invalid` document that names the field at fault
//! (its path, as `speakers[2].name`) and the line and column where reading stopped.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body of type `T`; its rejection is [`ApiError::Malformed`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let typed = super::media_type(req.headers());
        if let Some(t) = typed
            && !(t == "application/json" || t.ends_with("+json"))
        {
            return Err(ApiError::Malformed {
                field: "body".into(),
                line: 0,
                column: 0,
                message: format!("the body must be JSON (Content-Type application/json), not {t}"),
            });
        }
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::Malformed {
                field: "body".into(),
                line: 0,
                column: 0,
                message: e.body_text(),
            })?;
        parse_json(&body).map(Self)
    }
}

/// Reads `body` as a `T`, naming the field, line and column of what is wrong.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        malformed(if path == "." { String::new() } else { path }, &inner)
    })?;
    de.end().map_err(|e| malformed(String::new(), &e))?;
    Ok(value)
}

fn malformed(path: String, e: &serde_json::Error) -> ApiError {
    ApiError::Malformed {
        field: if path.is_empty() { "body".into() } else { path },
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}
