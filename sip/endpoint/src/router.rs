//! Which application gets an out-of-dialog request: the source must be a trusted peer (403),
//! then the `X-Sylk-App` header names the application, else the application map is matched by
//! `user@host`, then `host`, then `user` of the Request-URI, else the default application.
//! An application name that is not loaded gets 404.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;
use sylk_sip::message::{HeaderName, Request};
use sylk_sip::uri::Uri;

/// Why a request was not routed: the final status to answer with and its reason phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The SIP status code.
    pub status: u16,
    /// The reason phrase.
    pub reason: &'static str,
}

/// The routing rules, built from the `[applications]` and `[sip] trusted_peers` settings.
#[derive(Debug, Clone)]
pub struct Router {
    trusted: Vec<IpNet>,
    map: HashMap<String, String>,
    default: String,
}

impl Router {
    /// A router with the trusted networks, the application map (keys `user@host`, `host` or
    /// `user`, matched case-insensitively) and the default application name.
    pub fn new(
        trusted: Vec<IpNet>,
        map: impl IntoIterator<Item = (String, String)>,
        default: String,
    ) -> Self {
        let map = map
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        Router {
            trusted,
            map,
            default,
        }
    }

    /// Whether requests from `ip` are accepted. An IPv4-mapped IPv6 source is checked as IPv4.
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The application for `req` from `source`, given which applications are loaded.
    pub fn route<'a>(
        &'a self,
        req: &'a Request,
        source: IpAddr,
        loaded: impl Fn(&str) -> bool,
    ) -> Result<&'a str, Rejection> {
        if !self.is_trusted(source) {
            return Err(Rejection {
                status: 403,
                reason: "Untrusted Peer",
            });
        }
        let name = match req.headers.get_str(&HeaderName::XSylkApp) {
            Some(h) => h.trim(),
            None => self.lookup(&req.uri).unwrap_or(&self.default),
        };
        if loaded(name) {
            Ok(name)
        } else {
            Err(Rejection {
                status: 404,
                reason: "Application Not Found",
            })
        }
    }

    fn lookup(&self, uri: &Uri) -> Option<&str> {
        let Uri::Sip(sip) = uri else { return None };
        let host = sip.host.to_string().to_ascii_lowercase();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let user = sip.user.as_deref().map(str::to_ascii_lowercase);
        if let Some(user) = &user {
            if let Some(app) = self.map.get(&format!("{user}@{host}")) {
                return Some(app);
            }
        }
        if let Some(app) = self.map.get(host) {
            return Some(app);
        }
        user.as_ref()
            .and_then(|u| self.map.get(u))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sylk_sip::message::Method;

    fn req(uri: &str, app: Option<&str>) -> Request {
        let mut r = Request::new(Method::Message, uri.parse().unwrap());
        if let Some(a) = app {
            r.headers.push(HeaderName::XSylkApp, a.to_owned());
        }
        r
    }

    fn router() -> Router {
        Router::new(
            vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
            [
                ("echo@conf.example.com".to_owned(), "echo".to_owned()),
                ("conf.example.com".to_owned(), "conference".to_owned()),
                ("gw".to_owned(), "gateway".to_owned()),
            ],
            "conference".to_owned(),
        )
    }

    const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn order_header_user_at_host_host_user_default() {
        let r = router();
        let loaded = |n: &str| ["echo", "conference", "gateway"].contains(&n);
        assert_eq!(
            r.route(
                &req("sip:room@conf.example.com", Some("gateway")),
                LOCAL,
                loaded
            ),
            Ok("gateway")
        );
        assert_eq!(
            r.route(&req("sip:Echo@CONF.example.com", None), LOCAL, loaded),
            Ok("echo")
        );
        assert_eq!(
            r.route(&req("sip:room@conf.example.com", None), LOCAL, loaded),
            Ok("conference")
        );
        assert_eq!(
            r.route(&req("sip:gw@other.example.org", None), LOCAL, loaded),
            Ok("gateway")
        );
        assert_eq!(
            r.route(&req("sip:x@other.example.org", None), LOCAL, loaded),
            Ok("conference")
        );
        assert_eq!(
            r.route(&req("tel:+15551234", None), LOCAL, loaded),
            Ok("conference")
        );
    }

    #[test]
    fn untrusted_and_unknown() {
        let r = router();
        let loaded = |n: &str| n == "echo";
        let outside: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            r.route(&req("sip:echo@conf.example.com", None), outside, loaded)
                .unwrap_err()
                .status,
            403
        );
        assert_eq!(
            r.route(&req("sip:x@y", Some("nope")), LOCAL, loaded)
                .unwrap_err()
                .status,
            404
        );
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert!(r.is_trusted(mapped));
    }
}
