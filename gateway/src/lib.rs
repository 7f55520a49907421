//! sylk-gateway: the XMPP face of sylk.
