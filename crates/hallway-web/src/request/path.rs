//! Path parameters: ids in the path are numbers, and a path that does not parse is refused
//! as the rest of the API refuses (a problem+json `invalid` naming the parameter) or, on a
//! page, with the HTML 404 page — never axum's plain-text rejection.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, RawPathParams};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, PageError};

/// The path parameters of an API route, as `T`.
#[derive(Debug, Clone, Copy)]
pub struct ApiPath<T>(pub T);

/// The path parameters of a page, as `T`.
#[derive(Debug, Clone, Copy)]
pub struct PagePath<T>(pub T);

/// The parameter at fault (by its name in the route) and what is wrong with it.
async fn fault<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    rejection: &PathRejection,
) -> (String, String) {
    let names: Vec<String> = RawPathParams::from_request_parts(parts, state)
        .await
        .map(|p| p.iter().map(|(k, _)| k.to_owned()).collect())
        .unwrap_or_default();
    use axum::extract::path::ErrorKind;
    match rejection {
        PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
            ErrorKind::ParseErrorAtKey {
                key,
                value,
                expected_type,
            } => (
                key.clone(),
                format!("{value:?} is not {}", article(expected_type)),
            ),
            ErrorKind::ParseErrorAtIndex {
                index,
                value,
                expected_type,
            } => (
                names
                    .get(*index)
                    .cloned()
                    .unwrap_or_else(|| format!("path[{index}]")),
                format!("{value:?} is not {}", article(expected_type)),
            ),
            ErrorKind::ParseError {
                value,
                expected_type,
            } => (
                names.first().cloned().unwrap_or_else(|| "path".to_owned()),
                format!("{value:?} is not {}", article(expected_type)),
            ),
            ErrorKind::InvalidUtf8InPathParam { key } => {
                (key.clone(), "is not valid UTF-8".to_owned())
            }
            other => ("path".to_owned(), other.to_string()),
        },
        other => ("path".to_owned(), other.body_text()),
    }
}

fn article(expected: &str) -> &'static str {
    if expected.starts_with('i') || expected.starts_with('u') {
        "a whole number"
    } else {
        "valid here"
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(t)) => Ok(Self(t)),
            Err(e) => {
                let (field, message) = fault(parts, state, &e).await;
                Err(ApiError::Malformed {
                    field,
                    line: 0,
                    column: 0,
                    message,
                })
            }
        }
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(t)) => Ok(Self(t)),
            Err(e) => {
                let (field, message) = fault(parts, state, &e).await;
                Err(PageError::NotFound(format!(
                    "There is no such page ({field}: {message})."
                )))
            }
        }
    }
}
