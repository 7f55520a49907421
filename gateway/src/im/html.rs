//! Rich text: `text/html` bodies (RFC 2854) ⇄ XHTML-IM payloads (XEP-0071), with the XEP-0071
//! §7 profile enforced both ways (unknown elements unwrapped to their content, scripts and
//! styles dropped, `javascript:` links removed), and HTML → plain text for the `<body/>` that
//! XEP-0071 §8 requires beside the payload.

use minidom::{Element, Node};
use xmpp_parsers::ns;

/// Elements kept, with their allowed attributes (XEP-0071 §7, the recommended profile).
const ALLOWED: &[(&str, &[&str])] = &[
    ("a", &["href", "style", "type"]),
    ("blockquote", &["style"]),
    ("br", &[]),
    ("cite", &["style"]),
    ("em", &[]),
    ("img", &["alt", "height", "src", "style", "width"]),
    ("li", &["style"]),
    ("ol", &["style"]),
    ("p", &["style"]),
    ("span", &["style"]),
    ("strong", &[]),
    ("ul", &["style"]),
];

/// Elements dropped with their content (XEP-0071 §9: no scripts, objects or style sheets).
const DROPPED: &[&str] = &[
    "script", "style", "head", "title", "object", "embed", "iframe", "applet",
];

/// Deepest nesting kept; deeper content is flattened to its text.
const MAX_DEPTH: usize = 32;

fn safe_attr(name: &str, value: &str) -> bool {
    let v = value.trim_start().to_ascii_lowercase();
    match name {
        "href" | "src" => {
            !(v.starts_with("javascript:") || v.starts_with("vbscript:") || v.starts_with("data:"))
        }
        "style" => !(v.contains("expression") || v.contains("url(")),
        _ => true,
    }
}

fn sanitize_nodes(nodes: Vec<Node>, depth: usize) -> Vec<Node> {
    let mut out = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node {
            Node::Text(t) => out.push(Node::Text(t)),
            Node::Element(mut e) => {
                let name = e.name().to_ascii_lowercase();
                if DROPPED.contains(&name.as_str()) {
                    continue;
                }
                if depth >= MAX_DEPTH {
                    out.push(Node::Text(e.text()));
                    continue;
                }
                let children = sanitize_nodes(e.take_nodes(), depth + 1);
                match ALLOWED.iter().find(|(n, _)| *n == name) {
                    Some((_, attrs)) if e.ns() == ns::XHTML => {
                        e.attrs_mut().retain(|ns, n, v| {
                            ns.is_none() && attrs.iter().any(|a| n == *a) && safe_attr(n, v)
                        });
                        for c in children {
                            e.append_node(c);
                        }
                        out.push(Node::Element(e));
                    }
                    _ => out.extend(children),
                }
            }
        }
    }
    out
}

/// A clean XHTML `<body>` with `nodes` as content.
fn clean_body(nodes: Vec<Node>) -> Element {
    let mut body = Element::bare("body", ns::XHTML);
    for n in sanitize_nodes(nodes, 0) {
        body.append_node(n);
    }
    body
}

/// The HTML between `<body ...>` and `</body>`, or all of it when there is no body tag.
fn inner_body(html: &str) -> &str {
    let lower = html.to_ascii_lowercase();
    let Some(open) = lower.find("<body") else {
        return html;
    };
    let Some(gt) = lower[open..].find('>') else {
        return html;
    };
    let start = open + gt + 1;
    let end = lower
        .rfind("</body")
        .filter(|e| *e >= start)
        .unwrap_or(html.len());
    &html[start..end]
}

/// The XHTML-IM payload (`<html xmlns='http://jabber.org/protocol/xhtml-im'>`) for a
/// `text/html` body, if the body is well-formed XHTML with markup; `None` otherwise (the plain
/// text of [`html_to_text`] is then all that is sent).
pub fn html_to_xhtml_im(html: &str) -> Option<Element> {
    let wrapped = format!("<body xmlns='{}'>{}</body>", ns::XHTML, inner_body(html));
    let mut parsed: Element = wrapped.parse().ok()?;
    let body = clean_body(parsed.take_nodes());
    // Markup-free text needs no rich payload.
    body.children().next()?;
    Some(Element::builder("html", ns::XHTML_IM).append(body).build())
}

/// The `text/html` document for an XHTML-IM payload: its body without `xml:lang` (or the first
/// one), profile-cleaned. `None` if the payload has no body.
pub fn xhtml_im_to_html(payload: &Element) -> Option<String> {
    let bodies: Vec<&Element> = payload
        .children()
        .filter(|c| c.is("body", ns::XHTML))
        .collect();
    let chosen = bodies
        .iter()
        .find(|b| b.attrs().iter().all(|((_, n), _)| *n != "lang"))
        .or(bodies.first())?;
    let body = clean_body(chosen.nodes().cloned().collect());
    let html = Element::builder("html", ns::XHTML).append(body).build();
    Some(String::from(&html))
}

/// Decodes one character reference or entity (`amp`, `#233`, `#xE9`...).
fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => {
            let num = name.strip_prefix('#')?;
            let n = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(n)?
        }
    })
}

/// The text of an HTML document for a plain `<body/>` (XEP-0071 §8): tags removed, entities
/// decoded, line breaks for `<br>` and block ends, scripts and styles dropped.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = inner_body(html);
    let mut skip_until: Option<String> = None;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let Some(gt) = rest.find('>') else {
                out.push_str(rest);
                break;
            };
            let tag = &rest[1..gt];
            rest = &rest[gt + 1..];
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if let Some(until) = &skip_until {
                if closing && &name == until {
                    skip_until = None;
                }
                continue;
            }
            if !closing && !tag.ends_with('/') && DROPPED.contains(&name.as_str()) {
                skip_until = Some(name);
                continue;
            }
            let breaks = match name.as_str() {
                "br" => true,
                "p" | "div" | "li" | "tr" | "blockquote" | "h1" | "h2" | "h3" | "h4" | "h5"
                | "h6" | "ul" | "ol" => closing,
                _ => false,
            };
            if breaks {
                while out.ends_with(' ') {
                    out.pop();
                }
                out.push('\n');
            }
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if skip_until.is_some() {
            continue;
        }
        if c.is_ascii_whitespace() {
            if !out.is_empty() && !out.ends_with([' ', '\n']) {
                out.push(' ');
            }
            continue;
        }
        if c == '&' {
            if let Some(semi) = rest.get(..rest.len().min(12)).and_then(|r| r.find(';')) {
                if let Some(ch) = entity(&rest[..semi]) {
                    out.push(ch);
                    rest = &rest[semi + 1..];
                    continue;
                }
            }
        }
        out.push(c);
    }
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    let mut text = String::with_capacity(out.len());
    let mut blank = 0;
    for line in lines {
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !text.is_empty() {
            text.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        text.push_str(line);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2854_html_to_text() {
        assert_eq!(
            html_to_text(
                "<html><head><title>t</title><style>p{}</style></head><body>\n\
                 <p>Hello <strong>big</strong>&nbsp;world &amp; caf&#233; &#x1F600;</p>\
                 <script>alert(1)</script><p>line<br/>two</p></body></html>"
            ),
            "Hello big\u{a0}world & café 😀\nline\ntwo"
        );
        assert_eq!(html_to_text("a < b &bogus; c"), "a < b &bogus; c");
        assert_eq!(html_to_text("x<"), "x<");
    }

    #[test]
    fn xep0071_s7_profile_enforced_from_html() {
        let x = html_to_xhtml_im(
            "<html><body><p style='color:red' onclick='evil()'>Hi \
             <a href='javascript:alert(1)'>x</a> <a href='https://sylk.example/'>y</a>\
             <font>z</font><script>bad()</script></p></body></html>",
        )
        .unwrap();
        assert!(x.is("html", ns::XHTML_IM));
        let s = String::from(&x);
        assert!(s.contains("style='color:red'"), "{s}");
        assert!(!s.contains("onclick") && !s.contains("javascript") && !s.contains("bad()"));
        assert!(s.contains("href='https://sylk.example/'") && !s.contains("<font"));
        assert!(s.contains(">z<"), "unknown elements keep their text: {s}");
    }

    #[test]
    fn xep0071_not_xml_or_no_markup_gives_no_payload() {
        assert_eq!(html_to_xhtml_im("<p>unclosed"), None);
        assert_eq!(html_to_xhtml_im("just text"), None);
    }

    #[test]
    fn xep0071_s4_payload_to_html_and_back() {
        let payload: Element = "<html xmlns='http://jabber.org/protocol/xhtml-im'>\
             <body xmlns='http://www.w3.org/1999/xhtml'><p>Hello <em>you</em> 👋</p></body>\
             </html>"
            .parse()
            .unwrap();
        let html = xhtml_im_to_html(&payload).unwrap();
        assert!(html.contains("<p>Hello <em>you</em> 👋</p>"), "{html}");
        assert_eq!(html_to_xhtml_im(&html), Some(payload));
        assert_eq!(html_to_text(&html), "Hello you 👋");
    }
}
