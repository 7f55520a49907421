//! Metrics of the component link (XEP-0114): whether it is up, and how often the driver
//! connected again after the link went down or an attempt failed.

/// Gauge: 1 while the component link is up (handshake done), else 0.
pub const CONNECTED: &str = "sylk_xmpp_component_connected";
/// Counter: connection attempts after the first one.
pub const RECONNECTS_TOTAL: &str = "sylk_xmpp_component_reconnects_total";

/// Registers the descriptions with the installed recorder and shows the link down.
pub(super) fn init() {
    metrics::describe_gauge!(
        CONNECTED,
        "1 while the XMPP component link is up (XEP-0114 handshake done), else 0"
    );
    metrics::describe_counter!(
        RECONNECTS_TOTAL,
        metrics::Unit::Count,
        "XMPP component connection attempts after the first (one per lost link or failed attempt)"
    );
    metrics::counter!(RECONNECTS_TOTAL).absolute(0);
    set_connected(false);
}

/// Records whether the link is up.
pub(super) fn set_connected(up: bool) {
    metrics::gauge!(CONNECTED).set(if up { 1.0 } else { 0.0 });
}

/// Records a connection attempt after the first.
pub(super) fn reconnecting() {
    metrics::counter!(RECONNECTS_TOTAL).increment(1);
}
