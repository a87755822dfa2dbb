//! Any table as CSV for spreadsheets (quoted where needed as RFC 4180 says; one
//! line per row), with every cell
//! defused against formulas. The contacts export and the organizer dashboard's tables use it.

/// A spreadsheet cell that cannot run as a formula: text starting with `= + - @`, a tab
/// or a carriage return gets a leading apostrophe (OWASP's advice for CSV exports).
pub(crate) fn cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// What [`cell`] made of a value, read back: the value (a leading apostrophe before one of
/// the characters it guards against is dropped; spreadsheets hide it too).
pub(crate) fn undefused(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => value,
    }
}

/// `header` and then `rows` as CSV.
pub fn csv<R, C>(header: &[&str], rows: R) -> Vec<u8>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let mut w = ::csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(header);
    for row in rows {
        let _ = w.write_record(row.into_iter().map(|c| cell(c.as_ref())));
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tables_quote_what_needs_it_and_defuse_formulas() {
        let out = csv(
            &["id", "title"],
            [
                vec!["1".to_owned(), "Hello, \"world\"".to_owned()],
                vec!["2".to_owned(), "=HYPERLINK(\"x\")".to_owned()],
            ],
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,title\n1,\"Hello, \"\"world\"\"\"\n2,\"'=HYPERLINK(\"\"x\"\")\"\n"
        );
    }
}
