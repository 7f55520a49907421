//! sylk-dns: where a domain lives (XMPP or SIP) and how to reach its SIP servers.
//!
//! - [`Resolver::sip_targets`] locates SIP servers per RFC 3263 §4: NAPTR (RFC 3403) → SRV
//!   (RFC 2782) → A/AAAA, honouring an explicit port, a numeric host, the `transport=`
//!   parameter and the `sips:` scheme (§4.1), and an outbound proxy (RFC 3261 §8.1.2).
//! - [`Resolver::classify`] tells whether a domain publishes XMPP (`_xmpp-server._tcp` SRV,
//!   RFC 6120 §3.2.1) or SIP (NAPTR/SRV) services, or both.
//! - [`Resolver::xmpp_targets`] lists a domain's XMPP servers (RFC 6120 §3.2).
//!
//! The protocol logic is sans-IO and deterministic: [`Locator`] (RFC 3263 as a step machine),
//! [`order_srv`] (RFC 2782 weighting with an injected [`WeightPicker`]) and
//! [`classify::decide`]. [`Resolver`] only runs the lookups, through a caching stub
//! resolver whose policy is described in [`cache`].
//!
//! # Run-loop contract
//!
//! There is no background task of ours: build one [`Resolver`] inside a tokio runtime and
//! clone it freely (clones share the cache). Each method is one short future; drop it to
//! cancel. [`Resolver::sip_targets`] returns the whole ordered list: the caller tries each
//! [`Target`] in turn and moves to the next on a transport error, a transaction timeout or a
//! 503 response (RFC 3263 §4.3), and calls again for the next request (answers are cached
//! for their TTL, so repeated calls are cheap and see DNS changes once the TTL expires).

pub mod cache;
pub mod classify;
pub mod error;
pub mod resolver;
pub mod rfc3263;
pub mod srv;
pub mod target;

pub use classify::{DomainKind, XmppTarget};
pub use error::DnsError;
pub use resolver::{OutboundProxy, Resolver, ResolverSettings};
pub use rfc3263::{locate, Locator, Naptr, Records, SipQuery, Step};
pub use srv::{order_srv, Srv, WeightPicker};
pub use target::{Target, Transport};
