//! Tests of the CSV reader and writer.
use super::*;
use crate::schedule::ics::tests::program;
use crate::schedule::{ImportOptions, import};
use chrono::{TimeZone as _, Utc};
use hallway_domain::{ConferenceDays, Slug, TimeZone};

fn options() -> ExportOptions {
    ExportOptions {
        version: "1".into(),
        public_url: "https://hallway.example.org".into(),
        generated_at: Utc::now(),
        sequences: HashMap::new(),
    }
}

fn import_options() -> ImportOptions {
    ImportOptions {
        slug: Some(Slug::parse("democon").unwrap()),
        time_zone: Some(TimeZone::parse("Europe/Berlin").unwrap()),
    }
}

fn import_csv(text: &str) -> Result<crate::schedule::Imported, ImportError> {
    import(text.as_bytes(), Some(Format::Csv), &import_options())
}

#[test]
fn our_export_imports_back_unchanged() {
    let original = program();
    let stored = StoredProgram::numbered(&original);
    let bytes = write(&stored, &options());
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.starts_with(&format!("{}\r\n", COLUMNS.join(","))),
        "{text}"
    );
    // The session at 01:30 belongs to the 22nd (the day changes at 04:00).
    assert!(
        text.contains("Night owls,2026-11-22,2026-11-23T01:30:00+01:00,02:30,01:00,"),
        "{text}"
    );
    let imported = import(&bytes, Some(Format::Csv), &import_options()).unwrap();
    let got = &imported.program;

    // A spreadsheet has no room for the conference's own details (name, venue, city, web
    // site, description), the day change (implied from the sessions after midnight: the
    // next full hour after the latest, 02:00 here), or session links: compare the rest.
    let days = got.conference().days;
    assert_eq!(days.first(), original.conference().days.first());
    assert_eq!(days.last(), original.conference().days.last());
    assert_eq!(days.day_change(), NaiveTime::from_hms_opt(2, 0, 0).unwrap());
    assert_eq!(got.conference().time_zone, original.conference().time_zone);
    assert_eq!(got.conference().slug, original.conference().slug);
    assert_eq!(got.rooms(), original.rooms());
    assert_eq!(got.tracks(), original.tracks());
    assert_eq!(got.speakers(), original.speakers());
    let mut expected = original.sessions().to_vec();
    for s in &mut expected {
        s.info.links.clear();
    }
    assert_eq!(
        got.sessions(),
        expected.as_slice(),
        "{:?}",
        imported.warnings
    );
}

#[test]
fn cells_a_spreadsheet_would_run_are_defused_and_read_back_as_they_were() {
    let original = program();
    let mut sessions = original.sessions().to_vec();
    sessions[0].info.title = "=HYPERLINK(\"http://evil.example\",\"x\")".to_owned();
    sessions[0].info.abstract_text = "@SUM(1+1)".to_owned();
    let changed = hallway_domain::Program::new(
        original.conference().clone(),
        original.rooms().to_vec(),
        original.tracks().to_vec(),
        original.speakers().to_vec(),
        sessions.clone(),
    )
    .unwrap();
    let bytes = write(&StoredProgram::numbered(&changed), &options());
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""),
        "{text}"
    );
    assert!(text.contains(",'@SUM(1+1),"), "{text}");
    assert!(
        !text.lines().any(|l| l.starts_with('=') || l.contains(",=")),
        "{text}"
    );
    let back = import(&bytes, Some(Format::Csv), &import_options()).unwrap();
    let titles: Vec<_> = back
        .program
        .sessions()
        .iter()
        .map(|s| &s.info.title)
        .collect();
    assert!(titles.contains(&&sessions[0].info.title), "{titles:?}");
    let abstracts: Vec<_> = back
        .program
        .sessions()
        .iter()
        .map(|s| s.info.abstract_text.as_str())
        .collect();
    assert!(abstracts.contains(&"@SUM(1+1)"), "{abstracts:?}");
}

#[test]
fn a_plain_sheet_with_aliases_bom_crlf_and_blank_lines() {
    let text = "\u{feff}Title;Date,Start Time,Length,Location,Speaker,Abstract,Notes for us\r\n\
                \r\n\
                Opening,2026-11-22,09:00,30,Hall,Ada; Grace,\"Hello,\r\nworld\",ignored\r\n\
                Late one,2026-11-22,23:30,01:00,Hall,,,\r\n";
    // "Title;Date" is one header here (the delimiter is the comma) and names no column;
    // the title column is missing.
    let err = import_csv(text).unwrap_err();
    assert_eq!(
        err.at,
        Location::Cell {
            row: 1,
            column: "title".into()
        }
    );

    let text = text.replacen("Title;Date", "TITLE,date", 1);
    let raw = read(text.as_bytes()).unwrap();
    assert_eq!(raw.events.len(), 2);
    let e = &raw.events[0];
    assert_eq!(e.title, "Opening");
    assert_eq!(e.abstract_text, "Hello,\r\nworld");
    assert_eq!(e.persons.len(), 2);
    assert_eq!(e.duration, Some(Duration::minutes(30)));
    let imported = import_csv(&text).unwrap();
    let p = &imported.program;
    assert_eq!(p.sessions().len(), 2);
    assert_eq!(p.speakers().len(), 2);
    assert_eq!(
        p.sessions()[0].info.span.start(),
        Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap()
    );
    assert_eq!(p.sessions()[0].info.abstract_text, "Hello,\nworld");
}

#[test]
fn an_end_before_the_start_is_on_the_next_day() {
    let text = "title,date,start,end,room\nParty,2026-11-22,23:00,02:00,Club\n";
    let raw = read(text.as_bytes()).unwrap();
    let e = &raw.events[0];
    let at = |d, h| {
        When::Local(
            NaiveDate::from_ymd_opt(2026, 11, d)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap(),
        )
    };
    assert_eq!(e.start, Some(at(22, 23)));
    assert_eq!(e.end, Some(at(23, 2)));
    let p = import_csv(text).unwrap().program;
    assert_eq!(p.sessions()[0].info.span.duration(), Duration::hours(3));
    assert_eq!(
        p.conference().days,
        ConferenceDays::new(
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            NaiveTime::MIN
        )
        .unwrap()
    );
}

#[test]
fn errors_name_the_row_and_the_column() {
    let head = "title,date,start,end,room,capacity\n";
    let ok = "Fine,2026-11-22,10:00,11:00,Hall,\n";
    let cases = [
        (
            "Bad,2026-11-22,25:61,11:00,Hall,\n",
            7,
            "start",
            "\"25:61\" is not a time (use HH:MM)",
        ),
        (
            "Bad,22.11.2026,10:00,11:00,Hall,\n",
            7,
            "date",
            "\"22.11.2026\" is not a date (use YYYY-MM-DD)",
        ),
        (
            "Bad,11/22/2026,10:00,11:00,Hall,\n",
            7,
            "date",
            "\"11/22/2026\" is not a date (use YYYY-MM-DD)",
        ),
        (
            "Bad,2026-11-22,10:00,11:00,Hall,0\n",
            7,
            "capacity",
            "\"0\" is not a positive whole number",
        ),
        (
            "Bad,2026-11-22,10:00,,Hall,\n",
            7,
            "end",
            "the row has neither an end nor a duration",
        ),
        (
            "Bad,,10:00,11:00,Hall,\n",
            7,
            "date",
            "the date is empty (the start \"10:00\" needs one, as YYYY-MM-DD)",
        ),
    ];
    for (bad, row, column, message) in cases {
        // Header, four good rows, a blank line (a row in a spreadsheet), the bad one.
        let text = format!("{head}{ok}{ok}{ok}{ok}\n{bad}");
        let err = read(text.as_bytes()).unwrap_err();
        assert_eq!(
            err.at,
            Location::Cell {
                row,
                column: column.into()
            },
            "{bad}"
        );
        assert_eq!(err.message, message);
        assert_eq!(err.format, Format::Csv);
    }
    // The header's own spelling names the column.
    let err = read(b"Title,Date,Start Time,End,Room\nX,2026-11-22,9:7,10:00,Hall\n").unwrap_err();
    assert_eq!(
        err.at,
        Location::Cell {
            row: 2,
            column: "Start Time".into()
        }
    );
    // A title cell is required by the builder, which points at the row.
    let err = import_csv("title,date,start,end,room\n,2026-11-22,10:00,11:00,Hall\n").unwrap_err();
    assert_eq!(
        err.at,
        Location::Cell {
            row: 2,
            column: "title".into()
        }
    );
}

#[test]
fn unknown_columns_are_ignored() {
    let with = "title,notes,date,start,duration,room,colour of the sky\nTalk,whatever,2026-11-22,10:00,45,Hall,blue\n";
    let without = "title,date,start,duration,room\nTalk,2026-11-22,10:00,45,Hall\n";
    let a = import_csv(with).unwrap().program;
    let b = import_csv(without).unwrap().program;
    assert_eq!(a, b);
}

#[test]
fn full_date_times_need_no_date() {
    let text = "title,date,start,end,room\nTalk,,2026-11-22T10:00:00+01:00,11:30,Hall\n";
    let raw = read(text.as_bytes()).unwrap();
    let start = FixedOffset::east_opt(3600)
        .unwrap()
        .with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .unwrap();
    assert_eq!(raw.events[0].start, Some(When::Absolute(start)));
    assert_eq!(
        raw.events[0].end,
        Some(When::Absolute(start + Duration::minutes(90)))
    );
}
