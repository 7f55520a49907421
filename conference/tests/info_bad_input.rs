//! conference-info: each kind of bad input gets its typed error, and nothing panics.

use sylk_conference::info::{ConferenceInfo, InfoError, Limits};

const NS: &str = "urn:ietf:params:xml:ns:conference-info";

fn parse(doc: &str) -> Result<ConferenceInfo, InfoError> {
    ConferenceInfo::parse(doc.as_bytes())
}

#[test]
fn not_xml() {
    for doc in [
        "",
        "hello",
        "{\"entity\":1}",
        "<conference-info",
        "<a><b></a>",
    ] {
        assert!(
            matches!(parse(doc), Err(InfoError::Xml(_))),
            "{doc:?}: {:?}",
            parse(doc)
        );
    }
    assert!(matches!(
        ConferenceInfo::parse(b"<conference-info entity=\"\xff\xfe\"/>"),
        Err(InfoError::Xml(_))
    ));
}

#[test]
fn wrong_root_or_namespace() {
    let doc = r#"<conference-info entity="e" version="1"/>"#;
    assert_eq!(
        parse(doc),
        Err(InfoError::WrongRoot {
            namespace: None,
            name: "conference-info".into()
        })
    );
    let doc = r#"<conference-info xmlns="urn:example:other" entity="e" version="1"/>"#;
    assert_eq!(
        parse(doc),
        Err(InfoError::WrongRoot {
            namespace: Some("urn:example:other".into()),
            name: "conference-info".into()
        })
    );
    let doc = format!(r#"<presence xmlns="{NS}" entity="e" version="1"/>"#);
    assert!(matches!(parse(&doc), Err(InfoError::WrongRoot { .. })));
}

#[test]
fn missing_or_bad_version() {
    let doc = format!(r#"<conference-info xmlns="{NS}" entity="e"/>"#);
    assert_eq!(
        parse(&doc),
        Err(InfoError::MissingAttribute {
            element: "conference-info",
            attribute: "version"
        })
    );
    for v in ["abc", "-1", "1.5", "", "4294967296"] {
        let doc = format!(r#"<conference-info xmlns="{NS}" entity="e" version="{v}"/>"#);
        assert_eq!(
            parse(&doc),
            Err(InfoError::InvalidValue {
                field: "conference-info version",
                value: v.into()
            }),
            "{v}"
        );
    }
}

#[test]
fn huge_document() {
    let mut doc = format!(r#"<conference-info xmlns="{NS}" entity="e" version="1"><users>"#);
    while doc.len() <= Limits::default().max_bytes {
        doc.push_str(r#"<user entity="sip:someone@example.com"/>"#);
    }
    doc.push_str("</users></conference-info>");
    assert_eq!(
        parse(&doc),
        Err(InfoError::TooLarge {
            size: doc.len(),
            max: Limits::default().max_bytes
        })
    );
}

#[test]
fn too_many_users() {
    let limits = Limits {
        max_users: 10,
        ..Limits::default()
    };
    let mut doc = format!(r#"<conference-info xmlns="{NS}" entity="e" version="1"><users>"#);
    for i in 0..11 {
        doc.push_str(&format!(r#"<user entity="sip:u{i}@x"/>"#));
    }
    doc.push_str("</users></conference-info>");
    assert_eq!(
        ConferenceInfo::parse_with_limits(doc.as_bytes(), &limits),
        Err(InfoError::TooMany {
            what: "users",
            max: 10
        })
    );
}

#[test]
fn deep_nesting() {
    let depth = 10_000;
    let doc = format!(
        r#"<conference-info xmlns="{NS}" entity="e" version="1">{}{}</conference-info>"#,
        "<x>".repeat(depth),
        "</x>".repeat(depth)
    );
    assert_eq!(
        parse(&doc),
        Err(InfoError::TooDeep {
            max: Limits::default().max_depth
        })
    );
}

#[test]
fn entity_expansion_is_refused() {
    // The classic exponential expansion: refused at the DOCTYPE, nothing is expanded.
    let doc = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE conference-info [
  <!ENTITY a "aaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<conference-info xmlns="{NS}" entity="e" version="1">
  <conference-description><subject>&c;</subject></conference-description>
</conference-info>"#
    );
    assert_eq!(parse(&doc), Err(InfoError::DocTypeRefused));
    // An external entity, likewise.
    let doc = format!(
        r#"<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><conference-info xmlns="{NS}" entity="&x;" version="1"/>"#
    );
    assert_eq!(parse(&doc), Err(InfoError::DocTypeRefused));
    // And an undeclared entity without any DOCTYPE.
    let doc = format!(
        r#"<conference-info xmlns="{NS}" entity="e" version="1"><conference-description><subject>&c;</subject></conference-description></conference-info>"#
    );
    assert_eq!(parse(&doc), Err(InfoError::UndefinedEntity("c".into())));
}

/// Whatever parses writes back to XML that parses to the same value (the fuzz property).
fn check(input: &[u8]) {
    if let Ok(info) = ConferenceInfo::parse(input) {
        let xml = info.to_xml();
        assert_eq!(
            ConferenceInfo::parse(xml.as_bytes()).as_ref(),
            Ok(&info),
            "{xml}"
        );
    }
}

#[test]
fn truncations_and_byte_flips_never_panic() {
    let doc = include_str!("info_xml.rs");
    let start = doc
        .find("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<conference-info")
        .unwrap();
    let end = doc[start..].find("</conference-info>").unwrap() + start + "</conference-info>".len();
    let good = doc.as_bytes()[start..end].to_vec();
    assert!(ConferenceInfo::parse(&good).is_ok());
    for cut in 0..good.len() {
        check(&good[..cut]);
    }
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    for _ in 0..2_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut bad = good.clone();
        let i = (seed % bad.len() as u64) as usize;
        bad[i] = (seed >> 32) as u8;
        check(&bad);
    }
}
