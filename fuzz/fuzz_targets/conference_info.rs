//! Fuzz target `conference_info`: arbitrary bytes through the RFC 4575 conference-info reader.
//!
//! Properties: nothing panics; a parsed document writes XML that parses back to the same
//! value, and writing that again gives the same bytes; applying the document as a
//! notification, and diffing it against an empty state, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sylk_conference::info::{ConferenceInfo, State};

fuzz_target!(|data: &[u8]| {
    let Ok(info) = ConferenceInfo::parse(data) else {
        return;
    };
    let xml = info.to_xml();
    let again = ConferenceInfo::parse(xml.as_bytes()).expect("written document parses");
    assert_eq!(again, info);
    assert_eq!(again.to_xml(), xml);

    let mut base = ConferenceInfo {
        entity: info.entity.clone(),
        version: info.version.wrapping_sub(1),
        ..ConferenceInfo::default()
    };
    let _ = base.apply(&info);
    let _ = base.apply(&info);

    let full = ConferenceInfo { state: State::Full, ..info.clone() };
    let empty = ConferenceInfo {
        entity: info.entity.clone(),
        version: info.version.wrapping_add(1),
        ..ConferenceInfo::default()
    };
    if let Some(partial) = ConferenceInfo::partial_since(&full, &empty) {
        let mut state = full.clone();
        let _ = state.apply(&partial);
    }
});
