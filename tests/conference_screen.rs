//! End-to-end test of screen sharing in a conference room in the `sylk` binary: a chat
//! participant behind Kamailio's MSRP relay sends screen images; headless Chromium opens the
//! page conference-info links to and shows the latest one; the link is withdrawn once the
//! images stop.

mod common;

use std::path::Path;
use std::time::Duration;

use common::kamailio::{have_kamailio, KamailioRelay};
use common::room::{conference_info, http_get, join};
use common::{python, require_peer, ServerOptions, SylkServer};

const WAIT: Duration = Duration::from_secs(10);

fn screen_server(extra_conference: &str) -> SylkServer {
    SylkServer::start(&ServerOptions {
        applications: Some("default = \"conference\"\nenabled = [\"conference\"]".to_owned()),
        extra: format!("[conference]\n{extra_conference}\n"),
        ..ServerOptions::default()
    })
}

/// Whether headless Chromium is installed (Debian `chromium`).
fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

/// Runs `script` with the test venv's Python (Pillow) and `args`; panics on failure.
fn run_python(script: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Writes a 320×240 JPEG of one colour to `path`.
fn jpeg(path: &Path, rgb: (u8, u8, u8)) -> Vec<u8> {
    run_python(
        "import sys; from PIL import Image; \
         Image.new('RGB', (320, 240), tuple(int(v) for v in sys.argv[2:5])).save(sys.argv[1], 'JPEG', quality=95)",
        &[
            path.to_str().unwrap(),
            &rgb.0.to_string(),
            &rgb.1.to_string(),
            &rgb.2.to_string(),
        ],
    );
    std::fs::read(path).unwrap()
}

/// alice sends three screen images (red, green, then blue) into the room's chat: bob gets none
/// of them as chat, conference-info lists alice's screen URL, headless Chromium shows the
/// page with the blue image filling it, and once alice stops sending, the URL is withdrawn
/// from conference-info and the page is gone.
#[test]
fn shared_screen_is_shown_in_a_browser_and_withdrawn_when_idle() {
    if !(require_peer("kamailio", have_kamailio())
        && require_peer("chromium", chromium().is_some()))
    {
        return;
    }
    let relay = KamailioRelay::start();
    let server = screen_server("screen_sharing_idle_s = 4");
    let room_uri = "sip:screens@127.0.0.1";
    let mut alice = join(&server, &relay, "screens", "alice", "Alice");
    let mut bob = join(&server, &relay, "screens", "bob", "Bob");
    let _ = bob.chat.drain_cpim(Duration::from_millis(500));
    let dir = tempfile::tempdir().unwrap();
    let screen_cpim = |uri: &str, image: &[u8]| {
        let mut cpim = format!(
            "From: <{uri}>\r\nTo: <{room_uri}>\r\nDateTime: {}\r\n\r\n\
             Content-Type: application/blink-screensharing\r\nContent-Length: {}\r\n\r\n",
            common::msrp_client::rfc3339_now(),
            image.len()
        )
        .into_bytes();
        cpim.extend_from_slice(image);
        cpim
    };
    let mut blue = Vec::new();
    for (n, rgb) in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
        .into_iter()
        .enumerate()
    {
        blue = jpeg(&dir.path().join(format!("{n}.jpg")), rgb);
        let status = alice
            .chat
            .send_message("message/cpim", &screen_cpim(&alice.uri, &blue), WAIT)
            .unwrap();
        assert_eq!(status, 200);
    }
    let leaked = bob.chat.drain_cpim(Duration::from_millis(700));
    assert!(
        !leaked.iter().any(|m| m
            .content_type()
            .is_some_and(|t| t.contains("screensharing"))),
        "bob got screen images as chat: {leaked:?}"
    );

    let info = conference_info(&server, "screens");
    let url = info
        .split("screen_image_url>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no screen_image_url in {info}"));
    let (status, head, page) = http_get(&url, "");
    assert_eq!(status, 200, "{head}");
    assert!(
        String::from_utf8_lossy(&page).contains("Alice"),
        "the page's title"
    );

    // alice goes on sharing (the latest image again, once a second) while the browser loads.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sharing = {
        let stop = stop.clone();
        let body = screen_cpim(&alice.uri, &blue);
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let status = alice
                    .chat
                    .send_message("message/cpim", &body, WAIT)
                    .unwrap();
                assert_eq!(status, 200);
                std::thread::sleep(Duration::from_secs(1));
            }
            alice
        })
    };
    // The image is scaled to fit: its middle and points around it are blue. A browser slow to
    // start on a loaded machine gets three tries.
    let mut pixels = String::new();
    for attempt in 0..3 {
        let shot = dir.path().join(format!("shot{attempt}.png"));
        let out = std::process::Command::new(chromium().unwrap())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--window-size=640,480",
                "--run-all-compositor-stages-before-draw",
                "--virtual-time-budget=3000",
                &format!("--screenshot={}", shot.display()),
                &url,
            ])
            .output()
            .expect("chromium runs");
        assert!(
            shot.exists(),
            "no screenshot: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pixels = run_python(
            "import sys; from PIL import Image; im = Image.open(sys.argv[1]).convert('RGB'); \
             print(' '.join('%d,%d,%d' % im.getpixel(p) for p in [(320,240),(200,200),(440,280),(320,100)]))",
            &[shot.to_str().unwrap()],
        );
        let blue_everywhere = pixels.split_whitespace().all(|px| {
            let v: Vec<u8> = px.split(',').map(|c| c.parse().unwrap()).collect();
            v[2] > 200 && v[0] < 60 && v[1] < 60
        });
        if blue_everywhere {
            break;
        }
        pixels.insert_str(0, &format!("attempt {attempt}: "));
        eprintln!("{pixels}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _alice = sharing.join().expect("alice's sharing thread");
    assert!(
        !pixels.starts_with("attempt"),
        "the page does not show the latest (blue) image at every point: {pixels}"
    );

    // No image for 4 s: the URL is withdrawn.
    std::thread::sleep(Duration::from_secs(5));
    let info = conference_info(&server, "screens");
    assert!(!info.contains("screen_image_url"), "{info}");
    assert_eq!(http_get(&url, "").0, 404);
    let image_url = format!("{url}/image");
    assert_eq!(http_get(&image_url, "").0, 404);
}
