"""The latency a gateway itself adds, read from a loopback capture of one bench-gateway phase.

    python3 pcap_latency.py CAPTURE.pcap x2s|s2x     prints "p50_ms p99_ms matched"

Every benchmark message carries "gwbench n=I" in its body, so each crossing of the loopback
interface can be told apart in the capture (several stanzas sharing one TCP segment included):

- x2s: ... TCP (server → gateway's component socket), then UDP (gateway → SIP UAS). Added
  latency: the UDP MESSAGE's time minus that of the last TCP segment carrying it before.
- s2x: UDP (SIP UAC → gateway), then TCP (gateway → server), then TCP (server → reader). Added
  latency: the first TCP segment carrying it after the UDP MESSAGE, minus the UDP's time.

Times are the kernel's capture stamps, so the figure holds the gateway's own work, its queues
and its system calls, and none of the XMPP server's, the load generators' or the reader's.
"""

import re
import struct
import sys

BODY = re.compile(rb"gwbench n=(\d+)")


def packets(path):
    """Yields (time, 'udp'|'tcp', payload) for the IPv4 packets of a pcap file."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = struct.unpack("<I", head[:4])[0]
        scale = 1e9 if magic == 0xA1B23C4D else 1e6
        link = struct.unpack("<I", head[20:24])[0]
        skip = {1: 14, 113: 16, 0: 4}.get(link, 14)
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, _ = struct.unpack("<IIII", rec)
            data = f.read(incl)
            ip = data[skip:]
            if len(ip) < 20 or ip[0] >> 4 != 4:
                continue
            l4 = ip[(ip[0] & 15) * 4:]
            if ip[9] == 17:
                yield sec + frac / scale, "udp", l4[8:]
            elif ip[9] == 6 and len(l4) >= 20:
                yield sec + frac / scale, "tcp", l4[(l4[12] >> 4) * 4:]


def added(path, direction):
    seen = {}
    for t, kind, payload in packets(path):
        for m in BODY.finditer(payload):
            seen.setdefault(int(m.group(1)), []).append((t, kind))
    out = []
    for events in seen.values():
        events.sort()
        if direction == "x2s":
            udp = next((i for i, e in enumerate(events) if e[1] == "udp"), None)
            tcp = [e for e in events[:udp or 0] if e[1] == "tcp"]
            if udp is not None and tcp:
                out.append((events[udp][0] - tcp[-1][0]) * 1000)
        else:
            udp = next((i for i, e in enumerate(events) if e[1] == "udp"), None)
            tcp = [e for e in events[(udp or 0) + 1:] if e[1] == "tcp"] if udp is not None else []
            if tcp:
                out.append((tcp[0][0] - events[udp][0]) * 1000)
    return sorted(out)


def main():
    lat = added(sys.argv[1], sys.argv[2])
    if not lat:
        print("nan nan 0")
        return
    pct = lambda p: lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))]
    print(f"{pct(50):.3f} {pct(99):.3f} {len(lat)}")


if __name__ == "__main__":
    main()
