//! Writing a [`ConferenceInfo`] as XML (RFC 4575 §5), in the schema's element order.
//!
//! The output is deterministic (same value, same bytes), indented by two spaces, and every
//! text and attribute value is escaped. Characters XML 1.0 cannot carry at all (C0 controls
//! other than tab, LF and CR) are replaced by U+FFFD so the document always stays well-formed.

use super::model::{
    ConfUri, ConferenceDescription, ConferenceInfo, ConferenceState, Endpoint, Execution,
    FileResource, Media, State, User,
};
use super::{AGP_NS, AGP_PREFIX, CONFERENCE_INFO_NS};

impl ConferenceInfo {
    /// Writes the document, XML declaration included.
    pub fn to_xml(&self) -> String {
        let mut w = Writer {
            out: String::with_capacity(1024),
            depth: 0,
        };
        w.out
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        w.open_tag("conference-info");
        w.attr("xmlns", CONFERENCE_INFO_NS);
        w.attr(&format!("xmlns:{AGP_PREFIX}"), AGP_NS);
        w.attr("entity", &self.entity);
        w.attr("state", self.state.as_str());
        w.attr("version", &self.version.to_string());
        w.end_open();
        if let Some(d) = &self.description {
            w.description(d);
        }
        if let Some(s) = &self.conference_state {
            w.conference_state(s);
        }
        w.users(self);
        w.close("conference-info");
        w.out
    }
}

struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    /// Starts `<name`; finish with [`Writer::end_open`] or [`Writer::end_empty`].
    fn open_tag(&mut self, name: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
    }

    fn attr(&mut self, name: &str, value: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_into(&mut self.out, value, true);
        self.out.push('"');
    }

    fn end_open(&mut self) {
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn end_empty(&mut self) {
        self.out.push_str("/>\n");
    }

    fn open(&mut self, name: &str) {
        self.open_tag(name);
        self.end_open();
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn text(&mut self, name: &str, value: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, value, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn opt_text(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.text(name, v);
        }
    }

    fn description(&mut self, d: &ConferenceDescription) {
        self.open("conference-description");
        self.opt_text("display-text", d.display_text.as_deref());
        self.opt_text("subject", d.subject.as_deref());
        self.opt_text("free-text", d.free_text.as_deref());
        self.uris("conf-uris", &d.conf_uris);
        self.uris("service-uris", &d.service_uris);
        if !d.files.is_empty() {
            let resources = format!("{AGP_PREFIX}:resources");
            let files = format!("{AGP_PREFIX}:files");
            self.open(&resources);
            self.open(&files);
            for f in &d.files {
                self.file(f);
            }
            self.close(&files);
            self.close(&resources);
        }
        self.close("conference-description");
    }

    fn uris(&mut self, name: &str, uris: &[ConfUri]) {
        if uris.is_empty() {
            return;
        }
        self.open(name);
        for u in uris {
            self.open("entry");
            self.text("uri", &u.uri);
            self.opt_text("display-text", u.display_text.as_deref());
            self.opt_text("purpose", u.purpose.as_deref());
            self.close("entry");
        }
        self.close(name);
    }

    fn file(&mut self, f: &FileResource) {
        self.open_tag(&format!("{AGP_PREFIX}:file"));
        self.attr("name", &f.name);
        self.attr("hash", &f.hash);
        self.attr("size", &f.size.to_string());
        self.attr("sender", &f.sender);
        if let Some(status) = &f.status {
            self.attr("status", status);
        }
        if let Some(url) = &f.url {
            self.attr("url", url);
        }
        self.end_empty();
    }

    fn conference_state(&mut self, s: &ConferenceState) {
        self.open("conference-state");
        if let Some(n) = s.user_count {
            self.text("user-count", &n.to_string());
        }
        if let Some(b) = s.active {
            self.text("active", bool_token(b));
        }
        if let Some(b) = s.locked {
            self.text("locked", bool_token(b));
        }
        self.close("conference-state");
    }

    fn users(&mut self, info: &ConferenceInfo) {
        // A full document always lists its users (possibly none); a partial one only when
        // it has user changes to carry or a `<users state>` to say.
        if info.users.is_empty() && info.state != State::Full && info.users_state.is_none() {
            return;
        }
        self.open_tag("users");
        if let Some(state) = info.users_state {
            self.attr("state", state.as_str());
        }
        if info.users.is_empty() {
            self.end_empty();
            return;
        }
        self.end_open();
        for u in &info.users {
            self.user(u);
        }
        self.close("users");
    }

    fn user(&mut self, u: &User) {
        self.open_tag("user");
        self.attr("entity", &u.entity);
        self.attr("state", u.state.as_str());
        let display = u.nickname.as_deref().or(u.display_text.as_deref());
        let has_children = display.is_some()
            || !u.roles.is_empty()
            || u.screen_image_url.is_some()
            || !u.endpoints.is_empty();
        if !has_children {
            self.end_empty();
            return;
        }
        self.end_open();
        self.opt_text("display-text", display);
        if !u.roles.is_empty() {
            self.open("roles");
            for r in &u.roles {
                self.text("entry", r);
            }
            self.close("roles");
        }
        for e in &u.endpoints {
            self.endpoint(e);
        }
        // Extension elements come last (the schema's `xs:any` after the RFC elements).
        if let Some(url) = &u.screen_image_url {
            self.text(&format!("{AGP_PREFIX}:screen_image_url"), url);
        }
        self.close("user");
    }

    fn endpoint(&mut self, e: &Endpoint) {
        self.open_tag("endpoint");
        self.attr("entity", &e.entity);
        self.attr("state", e.state.as_str());
        let has_children = e.display_text.is_some()
            || e.status.is_some()
            || e.joining_method.is_some()
            || e.joining_info.is_some()
            || e.disconnection_method.is_some()
            || e.disconnection_info.is_some()
            || !e.media.is_empty();
        if !has_children {
            self.end_empty();
            return;
        }
        self.end_open();
        self.opt_text("display-text", e.display_text.as_deref());
        self.opt_text("status", e.status.map(|s| s.as_str()));
        self.opt_text("joining-method", e.joining_method.map(|m| m.as_str()));
        if let Some(x) = &e.joining_info {
            self.execution("joining-info", x);
        }
        self.opt_text(
            "disconnection-method",
            e.disconnection_method.map(|m| m.as_str()),
        );
        if let Some(x) = &e.disconnection_info {
            self.execution("disconnection-info", x);
        }
        for m in &e.media {
            self.media(m);
        }
        self.close("endpoint");
    }

    fn execution(&mut self, name: &str, x: &Execution) {
        if x.when.is_none() && x.reason.is_none() && x.by.is_none() {
            self.open_tag(name);
            self.end_empty();
            return;
        }
        self.open(name);
        self.opt_text("when", x.when.as_deref());
        self.opt_text("reason", x.reason.as_deref());
        self.opt_text("by", x.by.as_deref());
        self.close(name);
    }

    fn media(&mut self, m: &Media) {
        self.open_tag("media");
        self.attr("id", &m.id);
        let has_children = m.display_text.is_some()
            || m.media_type.is_some()
            || m.label.is_some()
            || m.src_id.is_some()
            || m.status.is_some();
        if !has_children {
            self.end_empty();
            return;
        }
        self.end_open();
        self.opt_text("display-text", m.display_text.as_deref());
        self.opt_text("type", m.media_type.as_ref().map(|t| t.as_str()));
        self.opt_text("label", m.label.as_deref());
        self.opt_text("src-id", m.src_id.as_deref());
        self.opt_text("status", m.status.map(|s| s.as_str()));
        self.close("media");
    }
}

fn bool_token(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// Appends `value` escaped for element content (`attr == false`) or a double-quoted attribute
/// value (`attr == true`). CR is always written as a character reference (a parser would
/// otherwise normalise it away), and so are tab and LF inside attributes (attribute-value
/// normalisation would turn them into spaces).
pub(crate) fn escape_into(out: &mut String, value: &str, attr: bool) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// Whether `c` may appear in an XML 1.0 document (the `Char` production, §2.2).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str, attr: bool) -> String {
        let mut out = String::new();
        escape_into(&mut out, s, attr);
        out
    }

    #[test]
    fn escapes_markup_in_text_and_attributes() {
        assert_eq!(esc("a<b>&\"c'", false), "a&lt;b&gt;&amp;\"c'");
        assert_eq!(esc("a<b>&\"c'", true), "a&lt;b&gt;&amp;&quot;c'");
        assert_eq!(esc("x\r\n\ty", false), "x&#13;\n\ty");
        assert_eq!(esc("x\r\n\ty", true), "x&#13;&#10;&#9;y");
    }

    #[test]
    fn replaces_characters_xml_cannot_carry() {
        assert_eq!(
            esc("a\u{0}b\u{1b}c\u{FFFE}", false),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
        );
        assert_eq!(esc("é😀", true), "é😀");
    }

    #[test]
    fn empty_full_document_lists_no_users() {
        let info = ConferenceInfo {
            entity: "sip:r@x".into(),
            version: 3,
            ..Default::default()
        };
        let xml = info.to_xml();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<conference-info"));
        assert!(xml.contains(" entity=\"sip:r@x\" state=\"full\" version=\"3\">"));
        assert!(xml.contains("  <users/>\n"));
    }

    #[test]
    fn nickname_is_written_as_user_display_text() {
        let info = ConferenceInfo {
            entity: "sip:r@x".into(),
            users: vec![User {
                entity: "sip:a@x".into(),
                display_text: Some("Alice".into()),
                nickname: Some("ali".into()),
                ..User::default()
            }],
            ..Default::default()
        };
        let xml = info.to_xml();
        assert!(xml.contains("<display-text>ali</display-text>"));
        assert!(!xml.contains("Alice"));
    }
}
