//! Reading a conference-info document (RFC 4575 §5) into a [`ConferenceInfo`].
//!
//! Tolerant of what it does not need: unknown elements, attributes and namespaces are
//! skipped, and so are RFC elements sylk does not model (`host-info`, `sidebars-*`,
//! `associated-aors`, `languages`, `call-info`...). Strict on what it needs: the root element
//! and namespace, `entity`, `version`, `state`, the `entity` of users and endpoints and the
//! `id` of media, and the values of enumerated and numeric elements. Bounded by [`Limits`].

use super::model::{
    ConfUri, ConferenceDescription, ConferenceInfo, ConferenceState, DisconnectionMethod, Endpoint,
    EndpointStatus, Execution, FileResource, JoiningMethod, Media, MediaStatus, MediaType, State,
    User,
};
use super::xml::{read_tree, Element};
use super::{AGP_NS, CONFERENCE_INFO_NS as NS};

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InfoError {
    /// The document is larger than [`Limits::max_bytes`].
    #[error("document of {size} bytes exceeds the limit of {max}")]
    TooLarge {
        /// The document size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The input is not well-formed XML (or not UTF-8).
    #[error("malformed XML: {0}")]
    Xml(String),
    /// The document has a `<!DOCTYPE>`; DTDs are refused so that no entity is ever expanded.
    #[error("DTDs are not accepted")]
    DocTypeRefused,
    /// A reference to an entity other than the five predefined ones.
    #[error("undefined entity &{0};")]
    UndefinedEntity(String),
    /// Elements are nested deeper than [`Limits::max_depth`].
    #[error("elements nested deeper than {max}")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// More items of a kind than the limits allow.
    #[error("more than {max} {what}")]
    TooMany {
        /// What was counted: "elements", "users", "endpoints", "media", "files".
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// The root element is not `<conference-info>` in the RFC 4575 namespace.
    #[error("root element {name} in namespace {namespace:?} is not conference-info")]
    WrongRoot {
        /// The root element's namespace.
        namespace: Option<String>,
        /// The root element's local name.
        name: String,
    },
    /// A required attribute is missing.
    #[error("<{element}> lacks the required {attribute} attribute")]
    MissingAttribute {
        /// The element.
        element: &'static str,
        /// The attribute.
        attribute: &'static str,
    },
    /// A required child element is missing.
    #[error("<{element}> lacks the required <{child}>")]
    MissingElement {
        /// The element.
        element: &'static str,
        /// The missing child.
        child: &'static str,
    },
    /// A value is not one the schema allows.
    #[error("invalid {field}: {value:?}")]
    InvalidValue {
        /// The element or attribute holding it.
        field: &'static str,
        /// The offending value (truncated to 64 characters).
        value: String,
    },
}

/// Bounds on what [`ConferenceInfo::parse_with_limits`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest document, in bytes.
    pub max_bytes: usize,
    /// The deepest element nesting.
    pub max_depth: usize,
    /// The most elements in the whole document.
    pub max_elements: usize,
    /// The most `<user>` elements.
    pub max_users: usize,
    /// The most `<endpoint>` elements per user.
    pub max_endpoints_per_user: usize,
    /// The most `<media>` elements per endpoint.
    pub max_media_per_endpoint: usize,
    /// The most shared files.
    pub max_files: usize,
}

impl Default for Limits {
    /// 1 MiB, depth 24, 100 000 elements, 5 000 users of up to 32 endpoints of up to 16
    /// media, 5 000 files.
    fn default() -> Self {
        Limits {
            max_bytes: 1 << 20,
            max_depth: 24,
            max_elements: 100_000,
            max_users: 5_000,
            max_endpoints_per_user: 32,
            max_media_per_endpoint: 16,
            max_files: 5_000,
        }
    }
}

impl ConferenceInfo {
    /// Reads a document with the default [`Limits`].
    pub fn parse(input: &[u8]) -> Result<ConferenceInfo, InfoError> {
        Self::parse_with_limits(input, &Limits::default())
    }

    /// Reads a document within `limits`.
    pub fn parse_with_limits(input: &[u8], limits: &Limits) -> Result<ConferenceInfo, InfoError> {
        if input.len() > limits.max_bytes {
            return Err(InfoError::TooLarge {
                size: input.len(),
                max: limits.max_bytes,
            });
        }
        let root = read_tree(input, limits.max_depth, limits.max_elements)?;
        if !root.is(NS, "conference-info") {
            return Err(InfoError::WrongRoot {
                namespace: root.ns.clone(),
                name: root.name,
            });
        }
        let entity = required_attr(&root, "conference-info", "entity")?.to_owned();
        let state = state_attr(&root, "conference-info")?.unwrap_or_default();
        let version = required_attr(&root, "conference-info", "version")?;
        let version = version
            .trim()
            .parse::<u32>()
            .map_err(|_| invalid("conference-info version", version))?;
        let description = root
            .child(NS, "conference-description")
            .map(|d| description(d, limits))
            .transpose()?;
        let conference_state = root
            .child(NS, "conference-state")
            .map(conference_state)
            .transpose()?;
        let mut users_state = None;
        let mut users = Vec::new();
        if let Some(list) = root.child(NS, "users") {
            users_state = state_attr(list, "users")?;
            for u in list.children_named(NS, "user") {
                if users.len() >= limits.max_users {
                    return Err(InfoError::TooMany {
                        what: "users",
                        max: limits.max_users,
                    });
                }
                users.push(user(u, limits)?);
            }
        }
        Ok(ConferenceInfo {
            entity,
            state,
            version,
            description,
            conference_state,
            users_state,
            users,
        })
    }
}

fn invalid(field: &'static str, value: &str) -> InfoError {
    InfoError::InvalidValue {
        field,
        value: value.chars().take(64).collect(),
    }
}

fn required_attr<'a>(
    e: &'a Element,
    element: &'static str,
    attribute: &'static str,
) -> Result<&'a str, InfoError> {
    e.attr(attribute)
        .ok_or(InfoError::MissingAttribute { element, attribute })
}

fn state_attr(e: &Element, field: &'static str) -> Result<Option<State>, InfoError> {
    match e.attr("state") {
        None => Ok(None),
        Some(s) => State::from_token(s.trim())
            .map(Some)
            .ok_or_else(|| invalid(field, s)),
    }
}

fn text(e: &Element, name: &str) -> Option<String> {
    e.child(NS, name).map(|c| c.text.clone())
}

/// An enumerated child, trimmed and checked with `parse`.
fn token<T>(
    e: &Element,
    name: &str,
    field: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, InfoError> {
    match e.child(NS, name) {
        None => Ok(None),
        Some(c) => parse(c.text.trim())
            .map(Some)
            .ok_or_else(|| invalid(field, &c.text)),
    }
}

fn boolean(s: &str) -> Option<bool> {
    match s {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn description(d: &Element, limits: &Limits) -> Result<ConferenceDescription, InfoError> {
    let mut files = Vec::new();
    for list in d
        .children_named(AGP_NS, "resources")
        .flat_map(|r| r.children_named(AGP_NS, "files"))
    {
        for f in list.children_named(AGP_NS, "file") {
            if files.len() >= limits.max_files {
                return Err(InfoError::TooMany {
                    what: "files",
                    max: limits.max_files,
                });
            }
            files.push(file(f)?);
        }
    }
    Ok(ConferenceDescription {
        display_text: text(d, "display-text"),
        subject: text(d, "subject"),
        free_text: text(d, "free-text"),
        conf_uris: uris(d, "conf-uris")?,
        service_uris: uris(d, "service-uris")?,
        files,
    })
}

fn uris(d: &Element, name: &'static str) -> Result<Vec<ConfUri>, InfoError> {
    let Some(list) = d.child(NS, name) else {
        return Ok(Vec::new());
    };
    list.children_named(NS, "entry")
        .map(|entry| {
            Ok(ConfUri {
                uri: text(entry, "uri").ok_or(InfoError::MissingElement {
                    element: "entry",
                    child: "uri",
                })?,
                display_text: text(entry, "display-text"),
                purpose: text(entry, "purpose"),
            })
        })
        .collect()
}

fn file(f: &Element) -> Result<FileResource, InfoError> {
    let size = required_attr(f, "agp-conf:file", "size")?;
    Ok(FileResource {
        name: required_attr(f, "agp-conf:file", "name")?.to_owned(),
        hash: required_attr(f, "agp-conf:file", "hash")?.to_owned(),
        size: size
            .trim()
            .parse()
            .map_err(|_| invalid("agp-conf:file size", size))?,
        sender: required_attr(f, "agp-conf:file", "sender")?.to_owned(),
        status: f.attr("status").map(str::to_owned),
        url: f.attr("url").map(str::to_owned),
    })
}

fn conference_state(s: &Element) -> Result<ConferenceState, InfoError> {
    Ok(ConferenceState {
        user_count: token(s, "user-count", "user-count", |v| v.parse().ok())?,
        active: token(s, "active", "active", boolean)?,
        locked: token(s, "locked", "locked", boolean)?,
    })
}

fn user(u: &Element, limits: &Limits) -> Result<User, InfoError> {
    let roles = u
        .child(NS, "roles")
        .map(|r| {
            r.children_named(NS, "entry")
                .map(|e| e.text.clone())
                .collect()
        })
        .unwrap_or_default();
    let mut endpoints = Vec::new();
    for e in u.children_named(NS, "endpoint") {
        if endpoints.len() >= limits.max_endpoints_per_user {
            return Err(InfoError::TooMany {
                what: "endpoints",
                max: limits.max_endpoints_per_user,
            });
        }
        endpoints.push(endpoint(e, limits)?);
    }
    Ok(User {
        entity: required_attr(u, "user", "entity")?.to_owned(),
        state: state_attr(u, "user")?.unwrap_or_default(),
        display_text: text(u, "display-text"),
        nickname: None,
        roles,
        screen_image_url: u
            .child(AGP_NS, "screen_image_url")
            .map(|c| c.text.trim().to_owned()),
        endpoints,
    })
}

fn endpoint(e: &Element, limits: &Limits) -> Result<Endpoint, InfoError> {
    let mut media = Vec::new();
    for m in e.children_named(NS, "media") {
        if media.len() >= limits.max_media_per_endpoint {
            return Err(InfoError::TooMany {
                what: "media",
                max: limits.max_media_per_endpoint,
            });
        }
        media.push(Media {
            id: required_attr(m, "media", "id")?.to_owned(),
            display_text: text(m, "display-text"),
            media_type: token(m, "type", "media type", |v| Some(MediaType::from_token(v)))?,
            label: text(m, "label"),
            src_id: text(m, "src-id"),
            status: token(m, "status", "media status", MediaStatus::from_token)?,
        });
    }
    Ok(Endpoint {
        entity: required_attr(e, "endpoint", "entity")?.to_owned(),
        state: state_attr(e, "endpoint")?.unwrap_or_default(),
        display_text: text(e, "display-text"),
        status: token(e, "status", "endpoint status", EndpointStatus::from_token)?,
        joining_method: token(
            e,
            "joining-method",
            "joining-method",
            JoiningMethod::from_token,
        )?,
        joining_info: e.child(NS, "joining-info").map(execution),
        disconnection_method: token(
            e,
            "disconnection-method",
            "disconnection-method",
            DisconnectionMethod::from_token,
        )?,
        disconnection_info: e.child(NS, "disconnection-info").map(execution),
        media,
    })
}

fn execution(x: &Element) -> Execution {
    Execution {
        when: text(x, "when").map(|s| s.trim().to_owned()),
        reason: text(x, "reason"),
        by: text(x, "by").map(|s| s.trim().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"<conference-info xmlns="urn:ietf:params:xml:ns:conference-info""#;

    #[test]
    fn minimal_document() {
        let doc = format!(r#"{HEAD} entity="sip:r@x" version="7"/>"#);
        let info = ConferenceInfo::parse(doc.as_bytes()).unwrap();
        assert_eq!(info.entity, "sip:r@x");
        assert_eq!(info.version, 7);
        assert_eq!(info.state, State::Full);
        assert!(info.users.is_empty() && info.description.is_none());
    }

    #[test]
    fn skips_unknown_elements_attributes_and_namespaces() {
        let doc = format!(
            r#"{HEAD} xmlns:z="urn:z" entity="sip:r@x" version="1" z:extra="1" other="2">
  <z:thing><users><user entity="sip:fake@x"/></users></z:thing>
  <host-info><display-text>host</display-text></host-info>
  <users>
    <user entity="sip:a@x" z:flag="y"><z:nick>n</z:nick><languages>en</languages>
      <endpoint entity="sip:a@h"><call-info><sip><call-id>c</call-id></sip></call-info>
        <media id="1"><type>audio</type><z:x/></media></endpoint></user>
  </users>
  <sidebars-by-ref/>
</conference-info>"#
        );
        let info = ConferenceInfo::parse(doc.as_bytes()).unwrap();
        assert_eq!(info.users.len(), 1);
        assert_eq!(info.users[0].entity, "sip:a@x");
        assert_eq!(
            info.users[0].endpoints[0].media[0].media_type,
            Some(MediaType::Audio)
        );
    }

    #[test]
    fn strict_on_needed_values() {
        let cases: &[(&str, InfoError)] = &[
            (
                r#" version="1"/>"#,
                InfoError::MissingAttribute {
                    element: "conference-info",
                    attribute: "entity",
                },
            ),
            (
                r#" entity="e" version="1" state="nope"/>"#,
                invalid("conference-info", "nope"),
            ),
            (
                r#" entity="e" version="1"><users><user/></users></conference-info>"#,
                InfoError::MissingAttribute {
                    element: "user",
                    attribute: "entity",
                },
            ),
            (
                r#" entity="e" version="1"><conference-state><active>yes</active></conference-state></conference-info>"#,
                invalid("active", "yes"),
            ),
            (
                r#" entity="e" version="1"><users><user entity="u"><endpoint entity="p"><status>away</status></endpoint></user></users></conference-info>"#,
                invalid("endpoint status", "away"),
            ),
            (
                r#" entity="e" version="1"><users><user entity="u"><endpoint entity="p"><media/></endpoint></user></users></conference-info>"#,
                InfoError::MissingAttribute {
                    element: "media",
                    attribute: "id",
                },
            ),
        ];
        for (tail, expected) in cases {
            let doc = format!("{HEAD}{tail}");
            assert_eq!(
                ConferenceInfo::parse(doc.as_bytes()).as_ref(),
                Err(expected),
                "{doc}"
            );
        }
    }

    #[test]
    fn limits_users_endpoints_media() {
        let limits = Limits {
            max_users: 2,
            max_endpoints_per_user: 1,
            ..Limits::default()
        };
        let users3 = format!(
            r#"{HEAD} entity="e" version="1"><users><user entity="a"/><user entity="b"/><user entity="c"/></users></conference-info>"#
        );
        assert_eq!(
            ConferenceInfo::parse_with_limits(users3.as_bytes(), &limits),
            Err(InfoError::TooMany {
                what: "users",
                max: 2
            })
        );
        let eps = format!(
            r#"{HEAD} entity="e" version="1"><users><user entity="a"><endpoint entity="1"/><endpoint entity="2"/></user></users></conference-info>"#
        );
        assert_eq!(
            ConferenceInfo::parse_with_limits(eps.as_bytes(), &limits),
            Err(InfoError::TooMany {
                what: "endpoints",
                max: 1
            })
        );
    }
}
