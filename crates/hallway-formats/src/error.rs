//! The one error type of every parser: what went wrong and where in the input.

/// A parse failure at a place in the input. `line` and `column` are 1-based; 0 means the
/// position is not known (the input as a whole is at fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct ParseError {
    /// The line of the input, 1-based.
    pub line: usize,
    /// The column of the input, 1-based.
    pub column: usize,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

/// What a parser found wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// Occurs when the input is not well-formed in its format (broken JSON, say).
    #[error("syntax: {0}")]
    Syntax(String),
    /// Occurs when the input is well-formed but a field is missing, has the wrong type, or
    /// fails a domain check; the message names the field.
    #[error("{0}")]
    Invalid(String),
}

impl ParseError {
    pub(crate) fn from_json(e: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        // serde_json appends " at line L column C"; we carry those as fields instead.
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_owned(),
            None => full,
        };
        let kind = match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => ParseErrorKind::Syntax(message),
            Category::Data => ParseErrorKind::Invalid(message),
        };
        Self {
            line: e.line(),
            column: e.column(),
            kind,
        }
    }
}
