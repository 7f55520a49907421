//! The HTTP server of sylk.
