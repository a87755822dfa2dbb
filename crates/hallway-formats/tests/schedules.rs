//! The schedule formats against real published files (copied from ../shared/fixtures) and
//! against hostile ones: counts, quirks, round trips, errors with positions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveTime, TimeZone as _, Utc};
use hallway_domain::changes::StoredProgram;
use hallway_domain::{Program, SessionKind, Slug, TimeZone};
use hallway_formats::schedule::{
    ExportOptions, Format, ImportOptions, Imported, Location, export, import,
};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn load(name: &str, format: Format) -> Imported {
    import(&fixture(name), Some(format), &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn counts(p: &Program) -> (usize, usize, usize, usize, usize) {
    (
        p.conference().days.dates().len(),
        p.rooms().len(),
        p.tracks().len(),
        p.sessions().len(),
        p.speakers().len(),
    )
}

fn options() -> ExportOptions {
    ExportOptions {
        version: "7".into(),
        public_url: "https://hallway.example.org".into(),
        generated_at: Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap(),
        sequences: Default::default(),
    }
}

// Expected numbers were counted from the files with a separate script (python's
// xml.etree / json): events, distinct rooms, tracks declared or used, persons by id.

#[test]
fn thirty_third_congress_xml_imports_whole() {
    let i = load("33c3-frab-schedule.xml", Format::Frab);
    // days, rooms (one, "dradio", holds no event), tracks, sessions, speakers
    assert_eq!(counts(&i.program), (4, 5, 8, 150, 208));
    let c = i.program.conference();
    assert_eq!(c.slug.as_str(), "33c3");
    assert_eq!(c.name, "33. Chaos Communication Congress");
    // No zone in the file: the events' +01:00 is used, and said so.
    assert_eq!(c.time_zone.name(), "Etc/GMT-1");
    assert!(
        i.warnings.iter().any(|w| w.contains("no time zone")),
        "{:?}",
        i.warnings
    );
    // Days end at 04:00 the next morning (the <day end=…> attributes).
    assert_eq!(
        c.days.day_change(),
        NaiveTime::from_hms_opt(4, 0, 0).unwrap()
    );
    assert_eq!(i.version, "BAD NETWORK/FIREWALL");
    let opening = i
        .program
        .sessions()
        .iter()
        .find(|s| s.info.title == "33C3 Opening Ceremony")
        .unwrap();
    assert_eq!(
        opening.info.guid.to_string(),
        "b8e0eb47-4832-4726-bc9b-9015bd96becf"
    );
    assert_eq!(
        opening.info.span.start(),
        Utc.with_ymd_and_hms(2016, 12, 27, 10, 0, 0).unwrap()
    );
    assert_eq!(opening.info.span.duration(), chrono::Duration::minutes(30));
    assert_eq!(opening.speakers.len(), 2);
    // frab's type is kept as the conference's name for the kind.
    assert_eq!(
        (opening.info.kind, opening.info.label.as_str()),
        (SessionKind::Talk, "lecture")
    );
}

#[test]
fn thirty_eighth_congress_xml_imports_whole_with_its_room_clashes_reported() {
    let i = load("eventfahrplan-schedule-38c3-20251206.xml", Format::Frab);
    assert_eq!(counts(&i.program), (4, 72, 7, 1007, 571));
    assert_eq!(i.program.conference().time_zone.name(), "Europe/Berlin");
    assert_eq!(
        i.program.conference().days.day_change(),
        NaiveTime::from_hms_opt(6, 0, 0).unwrap()
    );
    // Two DJ sets on the Chill Floor overlap in the published file.
    let clashes: Vec<_> = i
        .warnings
        .iter()
        .filter(|w| w.contains("at once"))
        .collect();
    assert_eq!(clashes.len(), 2, "{:?}", i.warnings);
    assert!(clashes[0].contains("Chill Floor"));
    let t = i
        .program
        .tracks()
        .iter()
        .find(|t| t.name == "Art & Beauty")
        .unwrap();
    assert_eq!(t.colour.hex(), "#f9b000");
}

#[test]
fn fosdem_xml_imports_whole_with_html_abstracts_made_text() {
    let i = load("fosdem-2026.xml", Format::Frab);
    assert_eq!(counts(&i.program), (2, 30, 70, 883, 927));
    let c = i.program.conference();
    assert_eq!(c.time_zone.name(), "Europe/Brussels");
    assert_eq!(
        c.days.first(),
        NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()
    );
    assert_eq!(c.venue, "ULB (Université Libre de Bruxelles)");
    let welcome = i
        .program
        .sessions()
        .iter()
        .find(|s| s.info.title == "Welcome to FOSDEM 2026")
        .unwrap();
    assert_eq!(
        welcome.info.abstract_text,
        "FOSDEM welcome and opening talk."
    );
    assert_eq!(welcome.info.links.len(), 3);
    assert!(
        !i.program
            .sessions()
            .iter()
            .any(|s| s.info.abstract_text.contains("<p>"))
    );
    // Biographies come from the <persons> list.
    assert!(
        i.program
            .speakers()
            .iter()
            .filter(|p| !p.bio.is_empty())
            .count()
            > 100
    );
}

#[test]
fn c3voc_json_files_import_whole() {
    let i = load("33c3-frab-schedule.json", Format::Json);
    assert_eq!(counts(&i.program), (4, 5, 8, 150, 208));
    let x = load("33c3-frab-schedule.xml", Format::Frab);
    let guids = |p: &Program| {
        p.sessions()
            .iter()
            .map(|s| (s.info.guid, s.info.span.start(), s.info.span.end()))
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        guids(&i.program),
        guids(&x.program),
        "the JSON and XML of 33C3 agree"
    );

    let i = load("35c3-frab-schedule.json", Format::Json);
    assert_eq!(counts(&i.program), (4, 5, 8, 167, 228));
    assert!(
        i.warnings.iter().any(|w| w.contains("Clarke")),
        "{:?}",
        i.warnings
    );

    let i = load("voc-examples-pretalx-democon.json", Format::Json);
    assert_eq!(counts(&i.program), (3, 2, 2, 36, 27));
    assert_eq!(i.program.conference().time_zone.name(), "UTC");
    let with_bio = i
        .program
        .speakers()
        .iter()
        .find(|p| p.name == "Brian Robinson")
        .unwrap();
    assert!(with_bio.bio.starts_with("Break through direction."));
    let s = i
        .program
        .sessions()
        .iter()
        .find(|s| s.info.title == "Focused 5thgeneration hardware")
        .unwrap();
    assert_eq!(s.info.url, "http://localhost/democon/talk/G9JGWY/");
}

#[test]
fn format_is_detected_from_the_first_bytes() {
    assert_eq!(Format::detect(&fixture("fosdem-2026.xml")), Format::Frab);
    assert_eq!(
        Format::detect(&fixture("35c3-frab-schedule.json")),
        Format::Json
    );
    assert_eq!(
        Format::detect(&fixture("33c3-frab-schedule.ics")),
        Format::Ics
    );
    assert_eq!(Format::detect(b"title,date,start\n"), Format::Csv);
    let i = import(
        &fixture("33c3-frab-schedule.json"),
        None,
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(i.format, Format::Json);
}

/// What a format can carry of a program, as comparable lines.
fn canon(p: &Program, with_capacities: bool, with_bios: bool) -> BTreeSet<String> {
    let c = p.conference();
    let mut out = BTreeSet::new();
    out.insert(format!(
        "conference {} {} {} {} {} {}",
        c.slug,
        c.name,
        c.time_zone.name(),
        c.days.first(),
        c.days.last(),
        c.days.day_change()
    ));
    for r in p.rooms() {
        out.insert(format!(
            "room {} {:?}",
            r.name,
            r.capacity.filter(|_| with_capacities)
        ));
    }
    for t in p.tracks() {
        out.insert(format!("track {} {}", t.name, t.colour.hex()));
    }
    for s in p.sessions() {
        let i = &s.info;
        let speakers: Vec<String> = s
            .speakers
            .iter()
            .map(|x| {
                let sp = &p.speakers()[*x];
                if with_bios {
                    format!("{}/{}", sp.name, sp.bio)
                } else {
                    sp.name.clone()
                }
            })
            .collect();
        out.insert(format!(
            "session {} {:?} {:?} {}/{} {} {} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            i.guid,
            i.title,
            i.subtitle,
            i.kind.as_str(),
            i.label,
            i.span.start(),
            i.span.end(),
            p.rooms()[s.room].name,
            s.track.map(|t| &p.tracks()[t].name),
            speakers,
            i.abstract_text,
            i.description,
            i.language,
            i.links,
            if i.url.contains("hallway.example.org") {
                ""
            } else {
                i.url.as_str()
            },
        ));
    }
    out
}

fn round_trip(original: &Program, format: Format) -> Program {
    let bytes = export(&StoredProgram::numbered(original), format, &options());
    let again = import(
        &bytes,
        Some(format),
        &ImportOptions {
            slug: Some(original.conference().slug.clone()),
            ..ImportOptions::default()
        },
    )
    .unwrap_or_else(|e| {
        panic!(
            "{format}: {e}\n{}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(3000)])
        )
    });
    again.program
}

#[test]
fn xml_round_trips_keep_every_session() {
    for (name, format) in [
        ("33c3-frab-schedule.xml", Format::Frab),
        ("eventfahrplan-schedule-38c3-20251206.xml", Format::Frab),
        ("fosdem-2026.xml", Format::Frab),
        ("voc-examples-pretalx-democon.json", Format::Json),
    ] {
        let original = load(name, format).program;
        let again = round_trip(&original, Format::Frab);
        let (a, b) = (canon(&original, false, false), canon(&again, false, false));
        let missing: Vec<_> = a.difference(&b).take(3).collect();
        let extra: Vec<_> = b.difference(&a).take(3).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: lost {missing:#?}\ngained {extra:#?}"
        );
    }
}

#[test]
fn json_round_trips_keep_every_session_room_capacities_and_bios() {
    for (name, format) in [
        ("voc-examples-pretalx-democon.json", Format::Json),
        ("35c3-frab-schedule.json", Format::Json),
        ("fosdem-2026.xml", Format::Frab),
    ] {
        let original = load(name, format).program;
        let again = round_trip(&original, Format::Json);
        let (a, b) = (canon(&original, true, true), canon(&again, true, true));
        let missing: Vec<_> = a.difference(&b).take(3).collect();
        let extra: Vec<_> = b.difference(&a).take(3).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: lost {missing:#?}\ngained {extra:#?}"
        );
    }
}

fn frab(events: &str, conference_extra: &str) -> String {
    format!(
        "<?xml version='1.0' encoding='utf-8'?>\r\n<schedule>\r\n<version>1</version>\r\n<conference><acronym>quirks</acronym><title>Quirks</title><start>2026-03-01</start><end>2026-03-02</end>{conference_extra}</conference>\r\n<day date='2026-03-01' index='1' start='2026-03-01T10:00:00+01:00' end='2026-03-02T05:00:00+01:00'><room name='Hall'>{events}</room></day>\r\n</schedule>\r\n"
    )
}

fn ev(id: &str, guid: &str, date: &str, duration: &str, title: &str, persons: &str) -> String {
    format!(
        "<event id='{id}' guid='{guid}'><date>{date}</date><start>00:00</start><duration>{duration}</duration><room>Hall</room><title>{title}</title><type>lecture</type><abstract></abstract><persons>{persons}</persons><unknown_element><nested/></unknown_element><links><link href='/relative/slides'>Slides</link></links></event>"
    )
}

#[test]
fn quirks_of_published_files_are_handled() {
    let events = [
        ev(
            "1",
            "not-a-uuid",
            "2026-03-01T10:00:00+01:00",
            "1:30",
            "Short hours",
            "<person id='0'>Ann</person><person id='0'>Bob</person>",
        ),
        ev(
            "1",
            "",
            "2026-03-01T12:00:00+01:00",
            "01:00:00",
            "Same id again",
            "<person id='7'>Cy</person>",
        ),
        ev(
            "3",
            "",
            "2026-03-02T01:30:00+01:00",
            "00:45",
            "After midnight",
            "<person id='7'>Cy</person>",
        ),
        ev(
            "4",
            "",
            "2026-03-01T23:30:00+01:00",
            "01:00",
            "Across midnight",
            "",
        ),
    ]
    .concat();
    let xml = frab(
        &events,
        "<base_url>https://quirks.example/2026/</base_url><time_zone_name>Europe/Vienna</time_zone_name><future_field>x</future_field>",
    );
    let i = import(xml.as_bytes(), None, &ImportOptions::default()).unwrap();
    let p = &i.program;
    assert_eq!(p.sessions().len(), 4);
    let by = |t: &str| p.sessions().iter().find(|s| s.info.title == t).unwrap();
    assert_eq!(
        by("Short hours").info.span.duration(),
        chrono::Duration::minutes(90)
    );
    assert_eq!(
        by("Same id again").info.span.duration(),
        chrono::Duration::hours(1)
    );
    // Persons with id 0 are told apart by name; id 7 is one person.
    assert_eq!(p.speakers().len(), 3);
    assert_eq!(by("Short hours").speakers.len(), 2);
    assert_eq!(by("Same id again").speakers, by("After midnight").speakers);
    // Guids: derived when missing or not a UUID, unique although the ids repeat.
    let guids: BTreeSet<_> = p.sessions().iter().map(|s| s.info.guid).collect();
    assert_eq!(guids.len(), 4);
    assert!(
        i.warnings.iter().any(|w| w.contains("repeats")),
        "{:?}",
        i.warnings
    );
    // The day changes at 05:00: 01:30 on the 2nd belongs to the 1st.
    let c = p.conference();
    assert_eq!(
        c.days.day_change(),
        NaiveTime::from_hms_opt(5, 0, 0).unwrap()
    );
    assert_eq!(
        c.days
            .day_of(by("After midnight").info.span.start(), c.time_zone),
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    );
    assert_eq!(
        by("Across midnight").info.span.end(),
        Utc.with_ymd_and_hms(2026, 3, 1, 23, 30, 0).unwrap()
    );
    // Relative links resolve against base_url.
    assert_eq!(
        by("Short hours").info.links[0].url,
        "https://quirks.example/relative/slides"
    );
    assert_eq!(c.time_zone.name(), "Europe/Vienna");
    assert_eq!(by("Short hours").info.kind, SessionKind::Talk);
}

#[test]
fn an_explicit_time_zone_wins_over_the_files() {
    let xml = frab(
        &ev("1", "", "2026-03-01T10:00:00+01:00", "1:00", "T", ""),
        "<time_zone_name>Europe/Vienna</time_zone_name>",
    );
    let options = ImportOptions {
        time_zone: Some(TimeZone::parse("Europe/Berlin").unwrap()),
        slug: Some(Slug::parse("mine").unwrap()),
    };
    let i = import(xml.as_bytes(), None, &options).unwrap();
    assert_eq!(i.program.conference().time_zone.name(), "Europe/Berlin");
    assert_eq!(i.program.conference().slug.as_str(), "mine");
    // A zone the file gets wrong is reported and the offsets are used.
    let xml = frab(
        &ev("1", "", "2026-03-01T10:00:00+01:00", "1:00", "T", ""),
        "<time_zone_name>Mars/Olympus</time_zone_name>",
    );
    let i = import(xml.as_bytes(), None, &ImportOptions::default()).unwrap();
    assert_eq!(i.program.conference().time_zone.name(), "Etc/GMT-1");
    assert!(i.warnings.iter().any(|w| w.contains("Mars/Olympus")));
}

fn xml_error(xml: &str) -> (Location, String) {
    let e = import(
        xml.as_bytes(),
        Some(Format::Frab),
        &ImportOptions::default(),
    )
    .unwrap_err();
    (e.at, e.message)
}

#[test]
fn an_entity_expansion_bomb_is_refused_at_once() {
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE schedule [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<schedule><version>&c;</version></schedule>"#;
    let (at, message) = xml_error(bomb);
    assert_eq!(at, Location::Line { line: 2, column: 1 });
    assert!(message.contains("DOCTYPE"), "{message}");
    let external = "<?xml version='1.0'?>\n<!DOCTYPE s SYSTEM 'file:///etc/passwd'>\n<schedule/>";
    assert!(xml_error(external).1.contains("DOCTYPE"));
    // An undeclared entity is refused too, with its place.
    let (at, message) = xml_error("<schedule>\n  <version>&xxe;</version>\n</schedule>");
    assert_eq!(
        at,
        Location::Line {
            line: 2,
            column: 12
        }
    );
    assert!(message.contains("&xxe;"), "{message}");
}

#[test]
fn broken_files_are_refused_with_line_and_column() {
    let (at, message) = xml_error("<schedule>\n<version>1</version>\n<conference>\n</schedule>");
    assert!(
        matches!(at, Location::Line { line: 4, .. }),
        "{at:?} {message}"
    );
    let xml = frab(
        &ev("1", "", "2026-03-01T10:00:00+01:00", "1:75", "T", ""),
        "",
    );
    let (at, message) = xml_error(&xml);
    assert!(matches!(at, Location::Line { line: 5, .. }), "{at:?}");
    assert!(
        message.contains("duration") && message.contains("1:75"),
        "{message}"
    );
    let e = import(
        &vec![b' '; hallway_formats::schedule::MAX_BYTES + 1],
        Some(Format::Frab),
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.at, Location::File);
    assert!(e.message.contains("at most"));
}

#[test]
fn json_errors_name_the_path() {
    let mut doc: serde_json::Value =
        serde_json::from_slice(&fixture("voc-examples-pretalx-democon.json")).unwrap();
    doc["schedule"]["conference"]["days"][1]["rooms"]["Gray Room"][2]["duration"] = "soon".into();
    let e = import(
        &serde_json::to_vec(&doc).unwrap(),
        Some(Format::Json),
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.at,
        Location::Path("schedule.conference.days[1].rooms.Gray Room[2].duration".into())
    );
    doc["schedule"]["conference"]["days"] = "none".into();
    let e = import(
        &serde_json::to_vec(&doc).unwrap(),
        Some(Format::Json),
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.at,
        Location::Path("schedule.conference.days".into()),
        "{e}"
    );
    let e = import(
        b"{\n  \"schedule\": {,\n}",
        Some(Format::Json),
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.at,
        Location::Line {
            line: 2,
            column: 16
        },
        "{e}"
    );
}

#[test]
fn the_invalid_c3voc_example_still_imports() {
    // The c3voc project keeps this file as an example of what fails their schema (rooms at
    // the top level, ids as strings); liberal import takes it.
    let i = load("voc-examples-invalid-example.json", Format::Json);
    assert_eq!(i.program.sessions().len(), 1);
}

/// Runs `tool args…`; `None` when the tool is not installed (CI installs it: .ci/run).
fn run(tool: &str, args: &[&std::ffi::OsStr]) -> Option<std::process::Output> {
    match std::process::Command::new(tool).args(args).output() {
        Ok(out) => Some(out),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("{tool} is not installed: schema check skipped (.ci/run installs it)");
            None
        }
        Err(e) => panic!("{tool}: {e}"),
    }
}

#[test]
fn exports_validate_against_the_c3voc_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let schemas = format!("{}/tests/schemas", env!("CARGO_MANIFEST_DIR"));
    for (name, format) in [
        ("33c3-frab-schedule.xml", Format::Frab),
        ("eventfahrplan-schedule-38c3-20251206.xml", Format::Frab),
        ("fosdem-2026.xml", Format::Frab),
        ("voc-examples-pretalx-democon.json", Format::Json),
        ("35c3-frab-schedule.json", Format::Json),
    ] {
        let program = StoredProgram::numbered(&load(name, format).program);
        let xml = dir.path().join(format!("{name}.export.xml"));
        std::fs::write(&xml, export(&program, Format::Frab, &options())).unwrap();
        let json = dir.path().join(format!("{name}.export.json"));
        std::fs::write(&json, export(&program, Format::Json, &options())).unwrap();
        let xsd = format!("{schemas}/voc-schedule.xml.xsd");
        if let Some(out) = run(
            "xmllint",
            &[
                "--noout".as_ref(),
                "--schema".as_ref(),
                xsd.as_ref(),
                xml.as_os_str(),
            ],
        ) {
            assert!(
                out.status.success(),
                "{name} as XML: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let schema = format!("{schemas}/voc-schedule-json-schema.json");
        if let Some(out) = run(
            "check-jsonschema",
            &["--schemafile".as_ref(), schema.as_ref(), json.as_os_str()],
        ) {
            assert!(
                out.status.success(),
                "{name} as JSON: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

mod day_change {
    use super::*;
    use proptest::prelude::*;

    fn doc(day_end: &str, late: &str, minutes: u32) -> String {
        format!(
            "<schedule><version>1</version><conference><acronym>night</acronym><title>Night</title><time_zone_name>Europe/Vienna</time_zone_name></conference>\
             <day date='2026-03-01' index='1' start='2026-03-01T10:00:00+01:00' end='{day_end}'><room name='Club'>\
             <event id='1' guid=''><date>2026-03-01T10:00:00+01:00</date><duration>01:00</duration><title>Morning</title></event>\
             <event id='2' guid=''><date>{late}</date><duration>{:02}:{:02}</duration><title>Late</title></event>\
             </room></day></schedule>",
            minutes / 60,
            minutes % 60
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// With no day change declared, an event listed under a day but starting after
        /// midnight (before the day's first event's hour) still belongs to that day.
        #[test]
        fn events_after_midnight_stay_on_their_listed_day(h in 0u32..10, m in 0u32..60, minutes in 1u32..600) {
            let late = format!("2026-03-02T{h:02}:{m:02}:00+01:00");
            let i = import(doc("2026-03-01T23:00:00+01:00", &late, minutes).as_bytes(), None, &ImportOptions::default()).unwrap();
            let c = i.program.conference();
            prop_assert_eq!(c.days.dates().len(), 1, "day change {}", c.days.day_change());
            for s in i.program.sessions() {
                prop_assert_eq!(c.days.day_of(s.info.span.start(), c.time_zone), NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
            }
        }

        /// With a declared day change, events before it belong to the day before, events from
        /// it on to their own date.
        #[test]
        fn a_declared_day_change_splits_the_night(change in 1u32..10, h in 0u32..12) {
            let late = format!("2026-03-02T{h:02}:30:00+01:00");
            let end = format!("2026-03-02T{change:02}:00:00+01:00");
            let i = import(doc(&end, &late, 30).as_bytes(), None, &ImportOptions::default()).unwrap();
            let c = i.program.conference();
            prop_assert_eq!(c.days.day_change(), NaiveTime::from_hms_opt(change, 0, 0).unwrap());
            let late = i.program.sessions().iter().find(|s| s.info.title == "Late").unwrap();
            let expected = if h < change { NaiveDate::from_ymd_opt(2026, 3, 1) } else { NaiveDate::from_ymd_opt(2026, 3, 2) };
            prop_assert_eq!(Some(c.days.day_of(late.info.span.start(), c.time_zone)), expected);
            prop_assert_eq!(c.days.dates().len(), if h < change { 1 } else { 2 });
        }
    }
}
