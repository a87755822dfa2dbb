//! Contacts out of hallway: vCard 4.0 (RFC 6350) for address books and CSV for
//! spreadsheets. Only what the other person shares reaches these files (the caller passes
//! shared fields only), plus the owner's private note.

use chrono::{DateTime, Utc};

/// One contact as exported: fields the other person does not share are empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactCard {
    /// The display name (empty when not shared).
    pub name: String,
    /// Company.
    pub company: String,
    /// Role or job title.
    pub role: String,
    /// Email address.
    pub email: String,
    /// Social handles or profile URLs.
    pub socials: Vec<String>,
    /// The note on their card.
    pub note: String,
    /// The owner's private note about them.
    pub private_note: String,
    /// When the two exchanged cards.
    pub exchanged_at: DateTime<Utc>,
    /// Which conference ("DockerCon 2026"), for the NOTE and CATEGORIES.
    pub conference: String,
}

/// Escapes a TEXT value (RFC 6350 3.4): backslash, comma, semicolon and line breaks.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded at 75 octets (RFC 6350 3.2: CRLF then one space), never inside a
/// UTF-8 character.
fn push_folded(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// Family and given name for `N` from a display name: the last word is taken as the
/// family name (a guess; `FN` always carries the name as given).
fn split_name(name: &str) -> (String, String) {
    match name.trim().rsplit_once(' ') {
        Some((given, family)) => (family.to_owned(), given.trim().to_owned()),
        None => (name.trim().to_owned(), String::new()),
    }
}

/// Renders `contacts` as one vCard 4.0 stream (CRLF lines, folded, escaped).
pub fn vcards(contacts: &[ContactCard]) -> String {
    let mut out = String::new();
    for c in contacts {
        push_folded(&mut out, "BEGIN:VCARD");
        push_folded(&mut out, "VERSION:4.0");
        let name = if c.name.is_empty() {
            "Contact (name not shared)"
        } else {
            &c.name
        };
        push_folded(&mut out, &format!("FN:{}", escape(name)));
        if !c.name.is_empty() {
            let (family, given) = split_name(&c.name);
            push_folded(
                &mut out,
                &format!("N:{};{};;;", escape(&family), escape(&given)),
            );
        }
        if !c.company.is_empty() {
            push_folded(&mut out, &format!("ORG:{}", escape(&c.company)));
        }
        if !c.role.is_empty() {
            push_folded(&mut out, &format!("TITLE:{}", escape(&c.role)));
        }
        if !c.email.is_empty() {
            push_folded(&mut out, &format!("EMAIL:{}", escape(&c.email)));
        }
        for s in &c.socials {
            let web = s.starts_with("https://") || s.starts_with("http://");
            if web && !s.chars().any(|c| c.is_whitespace() || c.is_control()) {
                // A URI value: no TEXT escaping (a comma is part of the URI).
                push_folded(&mut out, &format!("URL:{s}"));
            } else {
                push_folded(&mut out, &format!("X-SOCIALPROFILE:{}", escape(s)));
            }
        }
        let mut note = String::new();
        if !c.note.is_empty() {
            note.push_str(&c.note);
        }
        if !c.private_note.is_empty() {
            if !note.is_empty() {
                note.push_str("\n\n");
            }
            note.push_str("My note: ");
            note.push_str(&c.private_note);
        }
        if !c.conference.is_empty() {
            if !note.is_empty() {
                note.push_str("\n\n");
            }
            note.push_str("Met at ");
            note.push_str(&c.conference);
            push_folded(&mut out, &format!("CATEGORIES:{}", escape(&c.conference)));
        }
        if !note.is_empty() {
            push_folded(&mut out, &format!("NOTE:{}", escape(&note)));
        }
        push_folded(
            &mut out,
            &format!("REV:{}", c.exchanged_at.format("%Y%m%dT%H%M%SZ")),
        );
        push_folded(&mut out, "END:VCARD");
    }
    out
}

/// Renders `contacts` as CSV with a header row: name, company, role, email, socials
/// (space-separated), note, my_note, exchanged_at (RFC 3339), conference.
pub fn csv(contacts: &[ContactCard]) -> Vec<u8> {
    crate::table::csv(
        &[
            "name",
            "company",
            "role",
            "email",
            "socials",
            "note",
            "my_note",
            "exchanged_at",
            "conference",
        ],
        contacts.iter().map(|c| {
            [
                c.name.clone(),
                c.company.clone(),
                c.role.clone(),
                c.email.clone(),
                c.socials.join(" "),
                c.note.clone(),
                c.private_note.clone(),
                c.exchanged_at.to_rfc3339(),
                c.conference.clone(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn ada() -> ContactCard {
        ContactCard {
            name: "Ada Lovelace".into(),
            company: "Analytical, Engines; Ltd\\".into(),
            role: "Engineer".into(),
            email: "ada@example.org".into(),
            socials: vec!["@ada@hachyderm.io".into(), "https://ada.dev/a,b".into()],
            note: "Ask me about\nlooms".into(),
            private_note: "met at the lab".into(),
            exchanged_at: DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
            conference: "DockerCon".into(),
        }
    }

    #[test]
    fn a_vcard_has_the_rfc_6350_shape_and_escapes() {
        let v = vcards(&[ada()]);
        assert!(v.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada Lovelace\r\n"));
        assert!(v.contains("\r\nN:Lovelace;Ada;;;\r\n"));
        assert!(v.contains("\r\nORG:Analytical\\, Engines\\; Ltd\\\\\r\n"));
        assert!(v.contains("\r\nTITLE:Engineer\r\n"));
        assert!(v.contains("\r\nEMAIL:ada@example.org\r\n"));
        assert!(v.contains("\r\nX-SOCIALPROFILE:@ada@hachyderm.io\r\n"));
        assert!(v.contains("\r\nURL:https://ada.dev/a,b\r\n"));
        assert!(v.contains("NOTE:Ask me about\\nlooms\\n\\nMy note: met at the lab"));
        assert!(v.ends_with("END:VCARD\r\n"));
        assert!(!v.replace("\r\n", "").contains('\n'), "only CRLF line ends");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut c = ada();
        c.note = "é".repeat(100);
        let v = vcards(&[c]);
        for line in v.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} has {} octets", line.len());
        }
        let unfolded = v.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("NOTE:{}", "é".repeat(100))));
    }

    #[test]
    fn an_unshared_name_still_gives_a_valid_card() {
        let v = vcards(&[ContactCard::default()]);
        assert!(v.contains("FN:Contact (name not shared)\r\n"));
        assert!(!v.contains("\r\nN:"));
    }

    #[test]
    fn csv_has_a_header_quotes_and_no_formulas() {
        let mut c = ada();
        c.name = "=HYPERLINK(\"x\")".into();
        let text = String::from_utf8(csv(&[c])).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "name,company,role,email,socials,note,my_note,exchanged_at,conference"
        );
        let mut r = ::csv::Reader::from_reader(text.as_bytes());
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[0], "'=HYPERLINK(\"x\")");
        assert_eq!(&row[1], "Analytical, Engines; Ltd\\");
        assert_eq!(&row[4], "'@ada@hachyderm.io https://ada.dev/a,b");
        assert_eq!(&row[5], "Ask me about\nlooms");
        assert_eq!(&row[7], "2026-09-21T14:13:20+00:00");
    }

    proptest! {
        #[test]
        fn any_text_round_trips_through_escaping_and_folding(name in "\\PC{1,200}") {
            let c = ContactCard { name: name.clone(), ..ContactCard::default() };
            let v = vcards(&[c]);
            for line in v.split("\r\n") {
                prop_assert!(line.len() <= 75);
            }
            let unfolded = v.replace("\r\n ", "");
            let fn_line = unfolded.lines().find(|l| l.starts_with("FN:")).unwrap().trim_end_matches('\r');
            let mut back = String::new();
            let mut chars = fn_line[3..].chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    match chars.next() {
                        Some('n') => back.push('\n'),
                        Some(o) => back.push(o),
                        None => {}
                    }
                } else {
                    back.push(c);
                }
            }
            prop_assert_eq!(back, name.trim_end_matches('\r').replace('\r', ""));
        }
    }
}
