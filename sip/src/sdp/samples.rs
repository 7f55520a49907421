//! Realistic SDP bodies as sent by common SIP clients, with round-trip (RFC 8866 §5) and
//! robustness tests over them. Shared with the offer/answer tests.

use super::attributes::{AttributeList, AttributeValue, Crypto, Fmtp, Ptime, Rtcp, RtpMap};
use super::model::{AddressType, MediaType, Proto, SessionDescription};
use super::msrp_attributes::{
    AcceptTypes, AcceptWrappedTypes, Chatroom, ConnectionMode, FileDate, FileDisposition,
    FileRange, FileSelector, FileTransferId, MaxSize, Path, Setup,
};

/// An MSRP chat offer in the style of Blink (RFC 4975 §8, RFC 6135 setup, chatroom tokens).
pub(crate) const BLINK_CHAT: &str = "v=0\r\n\
o=- 3848915273 3848915273 IN IP4 192.168.1.20\r\n\
s=Blink 5.1.7 (MacOSX)\r\n\
c=IN IP4 192.168.1.20\r\n\
t=0 0\r\n\
m=message 2855 TCP/TLS/MSRP *\r\n\
a=path:msrps://192.168.1.20:2855/9a0f1c2b3d4e5f60718a;tcp\r\n\
a=accept-types:message/cpim text/* application/im-iscomposing+xml\r\n\
a=accept-wrapped-types:*\r\n\
a=setup:active\r\n\
a=chatroom:nickname private-messages com.ag-projects.zrtp-sas\r\n";

/// An MSRP file push offer (RFC 5547 §8): quoted name with spaces, SHA-1 hash, sendonly.
pub(crate) const FILE_PUSH: &str = "v=0\r\n\
o=- 3848915400 3848915400 IN IP4 10.0.0.7\r\n\
s=Blink 5.1.7 (Linux)\r\n\
c=IN IP4 10.0.0.7\r\n\
t=0 0\r\n\
m=message 2855 TCP/TLS/MSRP *\r\n\
a=path:msrps://10.0.0.7:2855/b7c91e2f33aa;tcp\r\n\
a=accept-types:*\r\n\
a=setup:active\r\n\
a=connection:new\r\n\
a=sendonly\r\n\
a=file-selector:name:\"Holiday photos 2024.zip\" type:application/zip size:1048576 \
hash:sha-1:72:24:5F:E8:65:3D:DA:F3:71:36:2F:86:D4:71:91:3E:E4:A2:CE:2E\r\n\
a=file-transfer-id:b2a4b1c9-7c3e-4c0e-9d5e-1f0b2a3c4d5e\r\n\
a=file-disposition:attachment\r\n\
a=file-date:modification:\"Mon, 15 May 2006 15:01:31 +0300\"\r\n\
a=file-range:1-*\r\n\
a=max-size:20971520\r\n";

/// An SRTP audio offer in the style of linphone (RTP/SAVP, RFC 4568 crypto lines, opus,
/// telephone-event at two clock rates, an unknown session attribute).
pub(crate) const LINPHONE_SAVP: &str = "v=0\r\n\
o=alice 1816 3081 IN IP4 192.168.1.10\r\n\
s=Talk\r\n\
c=IN IP4 192.168.1.10\r\n\
t=0 0\r\n\
a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n\
m=audio 7078 RTP/SAVP 96 0 8 9 101 97\r\n\
a=rtpmap:96 opus/48000/2\r\n\
a=fmtp:96 useinbandfec=1\r\n\
a=rtpmap:101 telephone-event/48000\r\n\
a=rtpmap:97 telephone-event/8000\r\n\
a=fmtp:97 0-15\r\n\
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n\
a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:4\r\n\
a=rtcp:7079\r\n\
a=rtcp-fb:* trr-int 1000\r\n\
a=rtcp-fb:* ccm tmmbr\r\n";

/// A plain RTP audio offer in the style of baresip over IPv6 (RFC 8866 §5.7 `IN IP6`).
pub(crate) const BARESIP_AVP_IP6: &str = "v=0\r\n\
o=- 1466178412 1466178412 IN IP6 2001:db8::10\r\n\
s=-\r\n\
c=IN IP6 2001:db8::10\r\n\
b=AS:128\r\n\
t=0 0\r\n\
m=audio 10466 RTP/AVP 96 9 0 8 101\r\n\
b=TIAS:128000\r\n\
a=rtpmap:96 opus/48000/2\r\n\
a=fmtp:96 stereo=1;sprop-stereo=1\r\n\
a=rtpmap:9 G722/8000\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=sendrecv\r\n\
a=label:1\r\n\
a=ssrc:1234567 cname:abc@host\r\n\
a=rtcp-mux\r\n\
a=ptime:20\r\n\
m=video 0 RTP/AVP 97\r\n";

pub(crate) const ALL: [&str; 4] = [BLINK_CHAT, FILE_PUSH, LINPHONE_SAVP, BARESIP_AVP_IP6];

pub(crate) fn parse(s: &str) -> SessionDescription {
    SessionDescription::parse(s.as_bytes()).unwrap()
}

#[test]
fn rfc8866_5_canonical_input_prints_back_byte_for_byte() {
    for s in ALL {
        let sdp = parse(s);
        assert_eq!(sdp.to_string(), s);
        assert_eq!(&sdp.to_bytes()[..], s.as_bytes());
        assert_eq!(parse(&sdp.to_string()), sdp);
        // LF-only line ends parse to the same description.
        assert_eq!(parse(&s.replace("\r\n", "\n")), sdp);
    }
}

#[test]
fn rfc4975_8_blink_chat_offer_typed_view() {
    let sdp = parse(BLINK_CHAT);
    let m = &sdp.media[0];
    assert_eq!(
        (m.media.clone(), m.port, m.proto.clone()),
        (MediaType::Message, 2855, Proto::TcpTlsMsrp)
    );
    assert_eq!(m.formats, vec!["*"]);
    let path = m.attributes.typed::<Path>().unwrap().unwrap();
    assert_eq!(
        path.0,
        vec!["msrps://192.168.1.20:2855/9a0f1c2b3d4e5f60718a;tcp"]
    );
    let types = m.attributes.typed::<AcceptTypes>().unwrap().unwrap();
    assert_eq!(types.0.len(), 3);
    assert_eq!(
        m.attributes.typed::<AcceptWrappedTypes>(),
        Some(Ok(AcceptWrappedTypes(vec!["*".into()])))
    );
    assert_eq!(m.attributes.typed::<Setup>(), Some(Ok(Setup::Active)));
    let room = m.attributes.typed::<Chatroom>().unwrap().unwrap();
    assert_eq!(room.0[..2], ["nickname", "private-messages"]);
}

#[test]
fn rfc5547_8_file_push_offer_typed_view() {
    let sdp = parse(FILE_PUSH);
    let m = &sdp.media[0];
    let fs = m.attributes.typed::<FileSelector>().unwrap().unwrap();
    assert_eq!(fs.name.as_deref(), Some("Holiday photos 2024.zip"));
    assert_eq!(fs.size, Some(1_048_576));
    assert_eq!(fs.hash.as_ref().unwrap().algorithm, "sha-1");
    assert_eq!(
        m.attributes.typed::<FileTransferId>().unwrap().unwrap().0,
        "b2a4b1c9-7c3e-4c0e-9d5e-1f0b2a3c4d5e"
    );
    assert_eq!(
        m.attributes.typed::<FileDisposition>().unwrap().unwrap().0,
        "attachment"
    );
    let date = m.attributes.typed::<FileDate>().unwrap().unwrap();
    assert_eq!(
        date.modification.as_deref(),
        Some("Mon, 15 May 2006 15:01:31 +0300")
    );
    assert_eq!(
        m.attributes.typed::<FileRange>().unwrap().unwrap().stop,
        None
    );
    assert_eq!(
        m.attributes.typed::<ConnectionMode>(),
        Some(Ok(ConnectionMode::New))
    );
    assert_eq!(
        m.attributes.typed::<MaxSize>(),
        Some(Ok(MaxSize(20_971_520)))
    );
    assert_eq!(m.effective_direction(&sdp), super::Direction::SendOnly);
    // Re-encoding the typed selector gives the original attribute value.
    assert_eq!(
        fs.encode().as_deref(),
        m.attributes.value_of("file-selector")
    );
}

#[test]
fn rfc4568_linphone_savp_offer_typed_view() {
    let sdp = parse(LINPHONE_SAVP);
    assert_eq!(sdp.attributes[0].name, "rtcp-xr");
    let m = &sdp.media[0];
    assert_eq!(m.proto, Proto::RtpSavp);
    assert_eq!(m.attributes.rtpmap("96").unwrap().channels, Some(2));
    assert_eq!(m.attributes.rtpmap("0").unwrap().encoding, "PCMU");
    assert_eq!(
        m.attributes.fmtp("96").unwrap().get("useinbandfec"),
        Some("1")
    );
    let cryptos = m.attributes.valid::<Crypto>();
    assert_eq!(cryptos.len(), 2);
    assert_eq!(cryptos[1].suite, "AES_CM_128_HMAC_SHA1_32");
    assert_eq!(cryptos[1].inline_key().unwrap().mki.as_deref(), Some("1:4"));
    assert_eq!(m.attributes.typed::<Rtcp>().unwrap().unwrap().port, 7079);
    assert_eq!(m.effective_direction(&sdp), super::Direction::SendRecv);
}

#[test]
fn rfc8866_5_7_baresip_ipv6_offer_typed_view() {
    let sdp = parse(BARESIP_AVP_IP6);
    let c = sdp.connection.as_ref().unwrap();
    assert_eq!(c.address_type, AddressType::Ip6);
    assert_eq!(sdp.bandwidths[0].kind, "AS");
    let m = &sdp.media[0];
    assert_eq!(m.bandwidths[0].value, 128_000);
    assert_eq!(m.attributes.typed::<Ptime>(), Some(Ok(Ptime(20))));
    assert!(m.attributes.has("rtcp-mux"));
    assert!(sdp.media[1].is_rejected());
    assert_eq!(sdp.media_connection(1), Some(c));
}

/// A small deterministic generator (xorshift64*), enough to mutate inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    const INTERESTING: &[u8] = b" :=/\r\n\"%*0129am-vIPc";
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let pos = rng.below(v.len() + 1);
        match rng.below(6) {
            0 if pos < v.len() => v[pos] = rng.next() as u8,
            1 if pos < v.len() => v[pos] = INTERESTING[rng.below(INTERESTING.len())],
            2 => v.insert(pos, INTERESTING[rng.below(INTERESTING.len())]),
            3 if pos < v.len() => {
                v.remove(pos);
            }
            4 => v.truncate(pos),
            _ => {
                // Duplicate a slice somewhere else.
                let a = rng.below(v.len());
                let b = (a + rng.below(40)).min(v.len());
                let chunk = v[a..b].to_vec();
                let at = rng.below(v.len() + 1);
                v.splice(at..at, chunk);
            }
        }
    }
    v
}

/// Decodes every attribute with every typed decoder; none may panic.
fn decode_all(sdp: &SessionDescription) {
    let lists = std::iter::once(&sdp.attributes).chain(sdp.media.iter().map(|m| &m.attributes));
    for attrs in lists {
        for a in attrs {
            let v = a.value.as_deref();
            let _ = RtpMap::decode(v);
            let _ = Fmtp::decode(v).map(|f| f.parameters().len());
            let _ = Crypto::decode(v).map(|c| c.inline_key());
            let _ = Rtcp::decode(v);
            let _ = Ptime::decode(v);
            let _ = FileSelector::decode(v).map(|f| f.encode());
            let _ = FileDate::decode(v);
            let _ = FileRange::decode(v);
            let _ = Setup::decode(v);
            let _ = MaxSize::decode(v);
        }
    }
}

#[test]
fn rfc8866_no_panic_on_mutated_input_and_round_trip_holds() {
    let caps = super::offer_answer::tests::local_caps();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut parsed = 0;
    for round in 0..3000 {
        let base = ALL[round % ALL.len()].as_bytes();
        let input = mutate(&mut rng, base);
        if let Ok(sdp) = SessionDescription::parse(&input) {
            parsed += 1;
            let printed = sdp.to_bytes();
            let again = SessionDescription::parse(&printed)
                .unwrap_or_else(|e| panic!("reparse failed: {e}\n{}", sdp));
            assert_eq!(again, sdp);
            decode_all(&sdp);
            let _ = super::offer_answer::negotiate(&sdp, &caps);
        }
    }
    // Most single mutations keep the description parseable: the loop exercises both paths.
    assert!(parsed > 100, "only {parsed} parsed");
    for n in 0..2000 {
        let junk: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
        let mut with_header = b"v=0\r\n".to_vec();
        with_header.extend_from_slice(&junk);
        let _ = SessionDescription::parse(if n % 2 == 0 { &junk } else { &with_header });
    }
}
