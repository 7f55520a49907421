//! A bounded, namespace-resolved element tree read with `quick-xml`.
//!
//! Only what the conference-info reader needs: elements with their resolved namespace, local
//! name, attributes and concatenated text. DTDs are refused (so no entity can ever be
//! declared, let alone expanded); references other than the five predefined entities and
//! character references are refused; nesting depth and element count are bounded.

use quick_xml::events::{BytesRef, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use super::parse::InfoError;
use super::write::is_xml_char;

/// One element of the tree.
#[derive(Debug, Default)]
pub(crate) struct Element {
    /// The resolved namespace URI, `None` when unbound.
    pub ns: Option<String>,
    /// The local name.
    pub name: String,
    /// Attributes: resolved namespace (`None` for unprefixed ones), local name, value.
    /// Namespace declarations are not included.
    pub attrs: Vec<(Option<String>, String, String)>,
    /// The concatenated character data directly inside this element.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The value of the unprefixed attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(ns, n, _)| ns.is_none() && n == name)
            .map(|(_, _, v)| v.as_str())
    }

    /// Whether this element is `name` in namespace `ns`.
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.name == name
    }

    /// The children that are `name` in namespace `ns`.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    /// The first child that is `name` in namespace `ns`.
    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }
}

/// Reads the root element of `input`, with at most `max_depth` levels of nesting and
/// `max_elements` elements in all.
pub(crate) fn read_tree(
    input: &[u8],
    max_depth: usize,
    max_elements: usize,
) -> Result<Element, InfoError> {
    let mut reader = NsReader::from_reader(input);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(xml_err)?;
        let ns = match ns {
            ResolveResult::Bound(n) => Some(String::from_utf8_lossy(n.as_ref()).into_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(p) => {
                return Err(InfoError::Xml(format!(
                    "undeclared namespace prefix {:?}",
                    String::from_utf8_lossy(&p)
                )))
            }
        };
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if root.is_some() {
                    return Err(InfoError::Xml("element after the root element".into()));
                }
                if stack.len() >= max_depth {
                    return Err(InfoError::TooDeep { max: max_depth });
                }
                count += 1;
                if count > max_elements {
                    return Err(InfoError::TooMany {
                        what: "elements",
                        max: max_elements,
                    });
                }
                let name = utf8(start.local_name().as_ref())?.to_owned();
                let mut attrs = Vec::new();
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| InfoError::Xml(e.to_string()))?;
                    let key = attr.key;
                    if key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let (ans, local) = reader.resolver().resolve_attribute(key);
                    let ans = match ans {
                        ResolveResult::Bound(n) => {
                            Some(String::from_utf8_lossy(n.as_ref()).into_owned())
                        }
                        ResolveResult::Unbound => None,
                        // An attribute with an undeclared prefix cannot be one we need.
                        ResolveResult::Unknown(_) => continue,
                    };
                    let value = attr
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(escape_err)?
                        .into_owned();
                    check_chars(&value)?;
                    attrs.push((ans, utf8(local.as_ref())?.to_owned(), value));
                }
                let element = Element {
                    ns,
                    name,
                    attrs,
                    ..Element::default()
                };
                if matches!(event, Event::Empty(_)) {
                    attach(&mut stack, &mut root, element);
                } else {
                    stack.push(element);
                }
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| InfoError::Xml("unbalanced end tag".into()))?;
                check_chars(&element.text)?;
                attach(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                if let Some(top) = stack.last_mut() {
                    let s = text
                        .xml10_content()
                        .map_err(|e| InfoError::Xml(e.to_string()))?;
                    top.text.push_str(&s);
                }
            }
            Event::CData(data) => {
                if let Some(top) = stack.last_mut() {
                    let s = data.decode().map_err(|e| InfoError::Xml(e.to_string()))?;
                    top.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                let c = resolve_reference(&r)?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c);
                }
            }
            Event::DocType(_) => return Err(InfoError::DocTypeRefused),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(InfoError::Xml("document ends inside an element".into()));
    }
    root.ok_or_else(|| InfoError::Xml("no root element".into()))
}

/// Refuses characters XML 1.0 does not allow (§2.2), which a character reference or raw
/// control bytes could otherwise smuggle in.
fn check_chars(s: &str) -> Result<(), InfoError> {
    match s.chars().find(|c| !is_xml_char(*c)) {
        Some(c) => Err(InfoError::Xml(format!(
            "character U+{:04X} is not allowed",
            u32::from(c)
        ))),
        None => Ok(()),
    }
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

/// Resolves `&name;` in character data: character references and the five predefined
/// entities; anything else would need a DTD, which is refused.
fn resolve_reference(r: &BytesRef<'_>) -> Result<String, InfoError> {
    if let Some(c) = r.resolve_char_ref().map_err(xml_err)? {
        return Ok(c.to_string());
    }
    let name = r.decode().map_err(|e| InfoError::Xml(e.to_string()))?;
    match quick_xml::escape::resolve_predefined_entity(&name) {
        Some(s) => Ok(s.to_owned()),
        None => Err(InfoError::UndefinedEntity(name.into_owned())),
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, InfoError> {
    std::str::from_utf8(bytes).map_err(|_| InfoError::Xml("name is not UTF-8".into()))
}

fn xml_err(e: quick_xml::Error) -> InfoError {
    match e {
        quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) => {
            InfoError::UndefinedEntity(name)
        }
        other => InfoError::Xml(other.to_string()),
    }
}

fn escape_err(e: quick_xml::Error) -> InfoError {
    xml_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_namespaces_and_text() {
        let doc = br#"<?xml version="1.0"?>
<a xmlns="urn:x" xmlns:p="urn:p" k="v" p:k="w"><b>1 &lt; 2 &#x41;<![CDATA[<c>]]></b><p:c/></a>"#;
        let root = read_tree(doc, 8, 100).unwrap();
        assert!(root.is("urn:x", "a"));
        assert_eq!(root.attr("k"), Some("v"));
        assert_eq!(root.attrs.len(), 2);
        assert_eq!(root.child("urn:x", "b").unwrap().text, "1 < 2 A<c>");
        assert!(root.child("urn:p", "c").is_some());
    }

    #[test]
    fn refuses_doctype_and_unknown_entities() {
        let doc = br#"<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>"#;
        assert!(matches!(
            read_tree(doc, 8, 100),
            Err(InfoError::DocTypeRefused)
        ));
        let doc = br#"<a>&e;</a>"#;
        assert!(matches!(read_tree(doc, 8, 100), Err(InfoError::UndefinedEntity(n)) if n == "e"));
        let doc = br#"<a b="&e;"/>"#;
        assert!(matches!(
            read_tree(doc, 8, 100),
            Err(InfoError::UndefinedEntity(_))
        ));
    }

    #[test]
    fn bounds_depth_and_count() {
        let doc = b"<a><a><a><a></a></a></a></a>";
        assert!(matches!(
            read_tree(doc, 3, 100),
            Err(InfoError::TooDeep { max: 3 })
        ));
        assert!(read_tree(doc, 4, 100).is_ok());
        let doc = b"<a><b/><b/><b/></a>";
        assert!(matches!(
            read_tree(doc, 4, 3),
            Err(InfoError::TooMany { .. })
        ));
    }

    #[test]
    fn rejects_malformed() {
        for doc in [
            &b"<a>"[..],
            b"<a></b>",
            b"</a>",
            b"",
            b"text",
            b"<a/><b/>",
            b"<p:a/>",
            b"<a>&#1;</a>",
            b"<a b='&#xFFFE;'/>",
            b"<a>\x07</a>",
        ] {
            assert!(
                read_tree(doc, 8, 100).is_err(),
                "{:?}",
                String::from_utf8_lossy(doc)
            );
        }
    }
}
