"""Prints the table of scripts/bench-gateway from the per-run result lines it collected.

Arguments: CLK_TCK COUNT RATE COMMAND KAMAILIO_NOTE SYLK_X2S SYLK_S2X KAM_X2S KAM_S2X, each
result "delivered first_send last_receipt p50_ms p99_ms gateway_ticks prosody_ticks bad
gateway_p50_ms gateway_p99_ms server_p50_ms server_p99_ms" (bad: stanza errors for XMPP→SIP,
failed SIPp transactions for SIP→XMPP; gateway and server: the latency each one adds, from a
loopback capture, nan without one), or empty.
"""

import math
import sys


def parse(text, count, tck):
    if not text.strip():
        return None
    rcv, start, last, p50, p99, gt, pt, bad, a50, a99, s50, s99 = text.split()
    rcv, start, last = int(rcv), float(start), float(last)
    done = max(rcv, 1)
    secs = last - start if rcv and last > start else float("nan")
    return {
        "messages sent": count,
        "delivered": rcv,
        "lost": count - rcv,
        "errors / failed": int(bad),
        "msg/s": rcv / secs if not math.isnan(secs) else float("nan"),
        "p50 latency ms": float(p50),
        "p99 latency ms": float(p99),
        "gateway-added p50 ms": float(a50),
        "gateway-added p99 ms": float(a99),
        "Prosody-added p50 ms": float(s50),
        "Prosody-added p99 ms": float(s99),
        "gateway µs CPU/msg": int(gt) * 1e6 / tck / done,
        "Prosody µs CPU/msg": int(pt) * 1e6 / tck / done,
    }


def main():
    tck, count, rate, cmdline, note = (
        int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    runs = dict(zip(["sylk X→S", "sylk S→X", "kam X→S", "kam S→X"], sys.argv[6:10]))
    cols = ["sylk X→S", "kam X→S", "sylk S→X", "kam S→X"]
    rows = {c: parse(runs.get(c, ""), count, tck) for c in cols}
    keys = ["messages sent", "delivered", "lost", "errors / failed", "msg/s", "p50 latency ms",
            "p99 latency ms", "gateway-added p50 ms", "gateway-added p99 ms",
            "Prosody-added p50 ms", "Prosody-added p99 ms",
            "gateway µs CPU/msg", "Prosody µs CPU/msg"]
    print(f"\nXMPP⇄SIP gateway, {count} messages each way offered at {rate}/s, "
          f"CPU clock {tck} Hz")
    print("X→S: c2s sender → Prosody → gateway (component) → SIP MESSAGE → SIPp UAS, 200")
    print("S→X: SIPp UAC → SIP MESSAGE → gateway → component → Prosody → c2s reader")
    print("errors / failed: stanza errors back to the XMPP sender (X→S), "
          "failed SIPp transactions (S→X)")
    print("latency: end to end, send to receipt; gateway-added, Prosody-added: each one's "
          "own part, from a loopback capture\n")
    print(f"{'':22}" + "".join(f"{c:>12}" for c in cols))
    for k in keys:
        line = f"{k:22}"
        for c in cols:
            r = rows[c]
            v = "-" if r is None else r[k]
            if isinstance(v, float):
                digits = 0 if k == "msg/s" else 2 if "added" in k else 1
                v = "nan" if math.isnan(v) else f"{v:.{digits}f}"
            line += f"{str(v):>12}"
        print(line)
    if note:
        print(f"\nKamailio: {note}")
    else:
        print("\nKamailio: 5.6 xmpp module, component mode, children=1, "
              "rebuilt with the xstream.c fix")
    print(f"command: {cmdline}")


if __name__ == "__main__":
    main()
