//! Small conversions shared by the schedule formats: durations, HTML to text, links, kinds.

use chrono::Duration;
use hallway_domain::SessionKind;

/// Parses a duration as published files write it: `H:MM`, `HH:MM`, `HH:MM:SS`, or a bare
/// number of minutes. Answers `None` for anything else (negative, minutes ≥ 60, empty).
pub fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse::<i64>().ok().map(Duration::minutes);
    }
    let parts: Vec<&str> = raw.split(':').collect();
    let num = |s: &str, max: i64| {
        (!s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
            .filter(|n| *n < max)
    };
    let (h, m, s) = match parts.as_slice() {
        [h, m] if m.len() == 2 => (num(h, 1000)?, num(m, 60)?, 0),
        [h, m, s] if m.len() == 2 && s.len() <= 2 => (num(h, 1000)?, num(m, 60)?, num(s, 60)?),
        _ => return None,
    };
    Some(Duration::seconds(h * 3600 + m * 60 + s))
}

/// Renders a duration as `HH:MM` (hours may exceed 23), the form every consumer reads.
/// Seconds are rounded up to the minute.
pub fn render_duration(d: Duration) -> String {
    let minutes = (d.num_seconds().max(0) + 59) / 60;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Block-level tags whose start or end breaks a line.
const BLOCKS: [&str; 18] = [
    "p",
    "br",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "tr",
    "blockquote",
    "pre",
    "section",
    "table",
];

/// Turns an HTML fragment into plain text: tags dropped, block tags made into line breaks,
/// list items into "• ", entities decoded, runs of blank lines squeezed. Text without tags
/// (plain or Markdown) is only trimmed and has its line ends made `\n`.
pub fn html_to_text(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n").replace('\r', "\n");
    if !looks_like_html(&raw) {
        return raw.trim().to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw.as_str();
    while let Some(open) = rest.find('<') {
        out.push_str(&collapse_spaces(&rest[..open]));
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = &rest[open + 1..open + close];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let closing_item = name == "li" && tag.starts_with('/');
        if BLOCKS.contains(&name.as_str()) && !closing_item {
            out.push('\n');
            if name == "li" && !tag.starts_with('/') {
                out.push_str("• ");
            }
            if name == "p" || name.starts_with('h') {
                out.push('\n');
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(&collapse_spaces(rest));
    let decoded = html_escape::decode_html_entities(&out).replace('\u{a0}', " ");
    let mut lines: Vec<&str> = Vec::new();
    for line in decoded.lines().map(str::trim) {
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space && !out.is_empty() {
        out.push(' ');
    }
    out
}

fn looks_like_html(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    [
        "<p", "<br", "</", "<ul", "<li", "<div", "<a ", "<em", "<strong", "<hr", "&amp;", "&lt;",
        "&quot;", "&nbsp;",
    ]
    .iter()
    .any(|t| lower.contains(t))
}

/// Resolves `link` against `base` when it is relative; answers `None` when the result is not
/// an absolute http(s) URL.
pub fn resolve_url(base: &str, link: &str) -> Option<String> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    let resolved = match url::Url::parse(link) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            url::Url::parse(base.trim()).ok()?.join(link).ok()?
        }
        Err(_) => return None,
    };
    matches!(resolved.scheme(), "http" | "https").then(|| resolved.to_string())
}

/// The session kind a file's type label (and title) suggest: keynotes, workshops, labs,
/// breaks and theater sessions by name; everything else is a talk.
pub fn kind_from_label(label: &str, title: &str) -> SessionKind {
    let l = label.trim().to_lowercase();
    if let Ok(kind) = SessionKind::parse(&l) {
        return kind;
    }
    let has = |words: &[&str]| words.iter().any(|w| l.contains(w));
    if has(&["keynote"]) {
        SessionKind::Keynote
    } else if has(&["workshop", "hands-on", "tutorial"]) {
        SessionKind::Workshop
    } else if has(&["lab"]) {
        SessionKind::Lab
    } else if has(&["break", "pause", "lunch", "coffee"]) {
        SessionKind::Break
    } else if has(&["theater", "theatre", "lightning"]) {
        SessionKind::Theater
    } else if l.is_empty() && title.to_lowercase().starts_with("keynote") {
        SessionKind::Keynote
    } else {
        SessionKind::Talk
    }
}

/// Track colours for files that give none: distinct, and dark enough for white text.
pub const PALETTE: [&str; 12] = [
    "#1f6feb", "#b3261e", "#0f7b3f", "#8250df", "#b35900", "#006d77", "#9a1f6a", "#4d5b00",
    "#3d5a80", "#7a4419", "#005f73", "#6a4c93",
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations_in_every_published_form() {
        assert_eq!(parse_duration("0:30"), Some(Duration::minutes(30)));
        assert_eq!(parse_duration("00:30"), Some(Duration::minutes(30)));
        assert_eq!(parse_duration("01:30:00"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("1:05:30"), Some(Duration::seconds(3930)));
        assert_eq!(parse_duration("90"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("25:00"), Some(Duration::hours(25)));
        for bad in ["", "1:5", "1:60", "-1:00", "1h", "1:00:00:00", "a:bc"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn rendered_durations_parse_back(minutes in 0i64..60_000) {
            let d = Duration::minutes(minutes);
            prop_assert_eq!(parse_duration(&render_duration(d)), Some(d));
        }

        #[test]
        fn all_three_forms_agree(h in 0i64..100, m in 0i64..60) {
            let d = Duration::minutes(h * 60 + m);
            prop_assert_eq!(parse_duration(&format!("{h}:{m:02}")), Some(d));
            prop_assert_eq!(parse_duration(&format!("{h:02}:{m:02}")), Some(d));
            prop_assert_eq!(parse_duration(&format!("{h:02}:{m:02}:00")), Some(d));
        }
    }

    #[test]
    fn html_becomes_text_and_markdown_stays() {
        assert_eq!(
            html_to_text("<p>FOSDEM welcome &amp; opening.</p>\n<hr />\n<p>Second&nbsp;part</p>"),
            "FOSDEM welcome & opening.\n\nSecond part"
        );
        assert_eq!(
            html_to_text("Line<br /><br />* one<br />* two"),
            "Line\n\n* one\n* two"
        );
        assert_eq!(html_to_text("<ul><li>a</li><li>b</li></ul>"), "• a\n• b");
        assert_eq!(
            html_to_text("# Title\n\n**bold** 3 < 4"),
            "# Title\n\n**bold** 3 < 4"
        );
        assert_eq!(html_to_text("a\r\nb"), "a\nb");
    }

    #[test]
    fn relative_links_resolve_against_the_base() {
        assert_eq!(
            resolve_url("https://fosdem.org/2026/schedule/", "event/x/").as_deref(),
            Some("https://fosdem.org/2026/schedule/event/x/")
        );
        assert_eq!(
            resolve_url("https://a.example/b/", "https://c.example/d").as_deref(),
            Some("https://c.example/d")
        );
        assert_eq!(resolve_url("", "event/x"), None);
        assert_eq!(
            resolve_url("https://a.example/", "javascript:alert(1)"),
            None
        );
    }

    #[test]
    fn kinds_from_labels() {
        assert_eq!(kind_from_label("lecture", "x"), SessionKind::Talk);
        assert_eq!(kind_from_label("Workshop", "x"), SessionKind::Workshop);
        assert_eq!(kind_from_label("keynote", "x"), SessionKind::Keynote);
        assert_eq!(
            kind_from_label("", "Keynote: the future"),
            SessionKind::Keynote
        );
        assert_eq!(kind_from_label("Lunch break", "x"), SessionKind::Break);
        assert_eq!(kind_from_label("lab", "x"), SessionKind::Lab);
    }
}
