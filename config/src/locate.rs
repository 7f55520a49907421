//! Maps between byte offsets in a TOML text and the dotted keys found there.
//!
//! The typed settings lose the position of each key; these helpers parse the text again with
//! span information so errors can name both the key and its line.

use std::ops::Range;

use toml_edit::{ImDocument, Item, TableLike};

/// One key of the document: its dotted path and the spans of its key and value.
struct Entry {
    path: Vec<String>,
    key_span: Option<Range<usize>>,
    value_span: Option<Range<usize>>,
}

fn collect(table: &dyn TableLike, prefix: &mut Vec<String>, out: &mut Vec<Entry>) {
    for (name, item) in table.iter() {
        let key_span = table.get_key_value(name).and_then(|(k, _)| k.span());
        prefix.push(name.to_owned());
        out.push(Entry {
            path: prefix.clone(),
            key_span,
            value_span: item.span(),
        });
        match item {
            Item::ArrayOfTables(tables) => {
                for t in tables.iter() {
                    collect(t, prefix, out);
                }
            }
            _ => {
                if let Some(sub) = item.as_table_like() {
                    collect(sub, prefix, out);
                }
            }
        }
        prefix.pop();
    }
}

fn entries(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    if let Ok(doc) = ImDocument::parse(text) {
        collect(doc.as_table(), &mut Vec::new(), &mut out);
    }
    out
}

fn contains(span: &Option<Range<usize>>, offset: usize) -> bool {
    span.as_ref()
        .is_some_and(|r| r.contains(&offset) || (r.is_empty() && r.start == offset))
}

/// Renders a key path the way TOML writes it: bare segments as is, others quoted.
pub(crate) fn dotted(path: &[impl AsRef<str>]) -> String {
    path.iter()
        .map(|seg| {
            let seg = seg.as_ref();
            let bare = !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if bare {
                seg.to_owned()
            } else {
                format!("{seg:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The dotted key whose key or value covers byte `offset`, the most deeply nested one.
pub(crate) fn key_at(text: &str, offset: usize) -> Option<String> {
    entries(text)
        .into_iter()
        .filter(|e| contains(&e.key_span, offset) || contains(&e.value_span, offset))
        .max_by_key(|e| e.path.len())
        .map(|e| dotted(&e.path))
}

/// Byte offset of the key `path` (e.g. `["sip", "port"]`) in `text`, when it is written there.
pub(crate) fn key_offset(text: &str, path: &[&str]) -> Option<usize> {
    entries(text)
        .into_iter()
        .find(|e| e.path.iter().map(String::as_str).eq(path.iter().copied()))
        .and_then(|e| e.key_span.or(e.value_span))
        .map(|r| r.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[sip]\nport = 5060\n\n[applications]\nmap = { \"a.example\" = \"echo\" }\n\n[applications.echo]\nring_ms = 1\n";

    #[test]
    fn finds_key_offsets() {
        assert_eq!(key_offset(TEXT, &["sip", "port"]), Some(6));
        let off = key_offset(TEXT, &["applications", "map", "a.example"]).unwrap();
        assert!(TEXT[off..].starts_with("\"a.example\""));
        let off = key_offset(TEXT, &["applications", "echo", "ring_ms"]).unwrap();
        assert!(TEXT[off..].starts_with("ring_ms"));
        assert_eq!(key_offset(TEXT, &["sip", "tls_port"]), None);
    }

    #[test]
    fn finds_key_at_offset() {
        let value = TEXT.find("5060").unwrap();
        assert_eq!(key_at(TEXT, value).as_deref(), Some("sip.port"));
        let inner = TEXT.find("\"echo\"").unwrap();
        assert_eq!(
            key_at(TEXT, inner).as_deref(),
            Some("applications.map.\"a.example\"")
        );
    }

    #[test]
    fn unparsable_text_has_no_keys() {
        assert_eq!(key_offset("[sip", &["sip"]), None);
        assert_eq!(key_at("[sip", 1), None);
    }
}
