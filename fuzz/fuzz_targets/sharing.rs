//! Fuzz target `sharing`: arbitrary text through what a shared file's offer and download read
//! from the network: the RFC 5547 `a=file-selector` value, the HTTP `Range` header, and the
//! sender's file name and type as they reach response headers.
//!
//! Properties: nothing panics; a partial range lies inside the file; a file selector that
//! parses encodes to a value that parses to the same selector; the names and types put in
//! headers carry no control characters and no path separators.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sylk_conference::web::{
    content_disposition, decide_range, safe_content_type, sanitize_name, RangeDecision,
};
use sylk_sip::sdp::msrp_attributes::FileSelector;
use sylk_sip::sdp::AttributeValue;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let size = u64::from(first) * 977;
    if let RangeDecision::Partial { start, end } = decide_range(Some(&text), size) {
        assert!(start <= end && end < size, "{start}-{end} of {size}");
    }
    if let Ok(selector) = FileSelector::decode(Some(&text)) {
        let encoded = selector.encode().unwrap_or_default();
        let again = FileSelector::decode(Some(&encoded)).expect("an encoded selector parses");
        assert_eq!(again, selector);
    }
    let name = sanitize_name(&text);
    assert!(!name.contains(['/', '\\']) && !name.chars().any(char::is_control), "{name:?}");
    let disposition = content_disposition(&text);
    assert!(!disposition.chars().any(char::is_control), "{disposition:?}");
    let content_type = safe_content_type(&text);
    assert!(!content_type.chars().any(char::is_control), "{content_type:?}");
});
