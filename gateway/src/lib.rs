//! sylk-gateway: the XMPP face of sylk — the XEP-0114 component link to Prosody or ejabberd
//! ([`component`]) with its service replies ([`service`]), SIP URI ⇄ JID mapping
//! ([`address`]), SIP status ⇄ stanza error mapping ([`errors`]), and one-to-one message
//! translation ([`im`]). The wiring of these into the SIP endpoint comes with the gateway
//! application.

pub mod address;
pub mod app;
pub mod component;
pub mod errors;
pub mod im;
pub mod service;
pub mod setup;
