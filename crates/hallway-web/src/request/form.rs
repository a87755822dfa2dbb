//! The form of a page's POST. A form whose field is not UTF-8 once decoded is refused with
//! a 400 page naming the field (the standard form reader would store U+FFFD in its place);
//! one that does not fit the route's fields is refused the same way.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use percent_encoding::percent_decode;
use serde::de::DeserializeOwned;

use crate::error::PageError;

/// A form body (`application/x-www-form-urlencoded`) of type `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageForm<T>(pub T);

/// The first field of `body` whose name or value is not UTF-8 once decoded.
fn not_utf8(body: &[u8]) -> Option<String> {
    body.split(|b| *b == b'&').find_map(|pair| {
        let mut halves = pair.splitn(2, |b| *b == b'=');
        let decode = |raw: &[u8]| {
            let spaced: Vec<u8> = raw
                .iter()
                .map(|b| if *b == b'+' { b' ' } else { *b })
                .collect();
            percent_decode(&spaced).collect::<Vec<u8>>()
        };
        let name = decode(halves.next().unwrap_or_default());
        let value = decode(halves.next().unwrap_or_default());
        let name_ok = std::str::from_utf8(&name).is_ok();
        (!name_ok || std::str::from_utf8(&value).is_err()).then(|| {
            if name_ok {
                String::from_utf8_lossy(&name).into_owned()
            } else {
                "a field name".to_owned()
            }
        })
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let typed = super::media_type(req.headers());
        if typed.as_deref() != Some("application/x-www-form-urlencoded") {
            return Err(PageError::Invalid(
                "the form must be sent as application/x-www-form-urlencoded".to_owned(),
            ));
        }
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| PageError::Invalid(e.body_text()))?;
        if let Some(field) = not_utf8(&body) {
            return Err(PageError::Invalid(format!(
                "{field}: is not valid text (UTF-8)"
            )));
        }
        serde_urlencoded::from_bytes(&body)
            .map(Self)
            .map_err(|e| PageError::Invalid(format!("the form: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::not_utf8;

    #[test]
    fn a_field_that_is_not_utf8_is_named() {
        assert_eq!(not_utf8(b"name=Ada+Lovelace&note=caf%C3%A9"), None);
        assert_eq!(not_utf8(b"name=Ada&note=caf%E9"), Some("note".to_owned()));
        assert_eq!(not_utf8(b"%FF=x"), Some("a field name".to_owned()));
        assert_eq!(not_utf8(b""), None);
        assert_eq!(not_utf8(b"flag"), None);
    }
}
