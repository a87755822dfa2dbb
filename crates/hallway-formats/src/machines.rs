//! Lab machine pools from CSV (issue #10): a header naming the columns `name`, `address`,
//! `username`, `secret` (in any order, other columns ignored), then one machine a line.
//! The first bad cell stops the import with its line and column, so nothing is imported
//! from a file with a mistake in it.

use hallway_domain::venue::Machine;

use crate::{ParseError, ParseErrorKind};

/// The most machines one file may hold.
pub const MAX_MACHINES: usize = 5_000;

/// Reads a pool; every machine name must be unique within the file.
///
/// # Errors
/// A [`ParseError`] at the line and column (1-based) of the first cell at fault: broken
/// CSV, a missing column in the header (line 1, column 0), an empty or overlong field, a
/// name given twice, or more than [`MAX_MACHINES`] rows.
pub fn read(bytes: &[u8]) -> Result<Vec<Machine>, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        ParseError {
            line,
            column: 0,
            kind: ParseErrorKind::Syntax("not UTF-8".to_owned()),
        }
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let syntax = |e: &csv::Error| ParseError {
        line: e
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0)),
        column: 0,
        kind: ParseErrorKind::Syntax(e.to_string()),
    };
    let header = reader.headers().map_err(|e| syntax(&e))?.clone();
    let mut columns = [0usize; 4];
    for (slot, want) in columns.iter_mut().zip(Machine::FIELDS) {
        *slot = header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(want))
            .ok_or_else(|| ParseError {
                line: 1,
                column: 0,
                kind: ParseErrorKind::Invalid(format!(
                    "the header has no column {want:?} (it needs name, address, username, secret)"
                )),
            })?;
    }
    let mut out: Vec<Machine> = Vec::new();
    let mut names = std::collections::HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| syntax(&e))?;
        let line = record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| record.get(columns[i]).unwrap_or("");
        let machine = Machine::new(cell(0), cell(1), cell(2), cell(3)).map_err(|e| {
            let at = Machine::FIELDS
                .iter()
                .position(|f| *f == e.field())
                .unwrap_or(0);
            ParseError {
                line,
                column: columns[at] + 1,
                kind: ParseErrorKind::Invalid(e.to_string()),
            }
        })?;
        if !names.insert(machine.name().to_owned()) {
            return Err(ParseError {
                line,
                column: columns[0] + 1,
                kind: ParseErrorKind::Invalid(format!("name {:?} is given twice", machine.name())),
            });
        }
        if out.len() == MAX_MACHINES {
            return Err(ParseError {
                line,
                column: 0,
                kind: ParseErrorKind::Invalid(format!("more than {MAX_MACHINES} machines")),
            });
        }
        out.push(machine);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn reads_a_pool_in_any_column_order() {
        let m = read(b"address,name,username,secret,notes\n10.0.0.1,lab-1,dev,pw1,x\n\n10.0.0.2,lab-2,dev,\"p,w\"\n").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].name(), "lab-2");
        assert_eq!(m[1].secret(), "p,w");
    }

    #[test]
    fn says_where_the_mistake_is() {
        let e = read(b"name,address,username,secret\nlab-1,h,u,s\nlab-2,,u,s\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 2));
        assert!(e.to_string().contains("address is empty"), "{e}");
        let e = read(b"name,address,username,secret\nlab-1,h,u,s\nlab-1,h,u,s\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
        let e = read(b"name,address,user\n").unwrap_err();
        assert!(e.to_string().contains("\"username\""), "{e}");
    }
}
