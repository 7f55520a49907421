"""Where a bench-gateway message spends its time, read from a loopback capture of one phase.

    python3 pcap_latency.py CAPTURE.pcap x2s|s2x
        prints "gateway_p50_ms gateway_p99_ms server_p50_ms server_p99_ms matched"

Every benchmark message carries "gwbench n=I" in its body, so each crossing of the loopback
interface can be told apart in the capture (several stanzas sharing one TCP segment included):

- x2s: TCP (sender → XMPP server), TCP (server → gateway's component socket), then UDP
  (gateway → SIP UAS). Gateway: the UDP MESSAGE's time minus that of the last TCP segment
  carrying the message before it; server: that segment minus the one before it.
- s2x: UDP (SIP UAC → gateway), TCP (gateway → server), TCP (server → reader). Gateway: the
  first TCP segment carrying the message after the UDP MESSAGE, minus the UDP's time; server:
  the next TCP segment minus that one.

Times are the kernel's capture stamps, so the gateway's figure holds its own work, its queues
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


def split(path, direction):
    """The gateway's and the server's time per message, in ms, each list sorted."""
    seen = {}
    for t, kind, payload in packets(path):
        for m in BODY.finditer(payload):
            seen.setdefault(int(m.group(1)), []).append((t, kind))
    gateway, server = [], []
    for events in seen.values():
        events.sort()
        udp = next((i for i, e in enumerate(events) if e[1] == "udp"), None)
        if udp is None:
            continue
        if direction == "x2s":
            tcp = [t for t, kind in events[:udp] if kind == "tcp"]
            if tcp:
                gateway.append((events[udp][0] - tcp[-1]) * 1000)
            if len(tcp) >= 2:
                server.append((tcp[-1] - tcp[-2]) * 1000)
        else:
            tcp = [t for t, kind in events[udp + 1:] if kind == "tcp"]
            if tcp:
                gateway.append((tcp[0] - events[udp][0]) * 1000)
            if len(tcp) >= 2:
                server.append((tcp[1] - tcp[0]) * 1000)
    return sorted(gateway), sorted(server)


def pct(values, p):
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    gateway, server = split(sys.argv[1], sys.argv[2])
    print(f"{pct(gateway, 50):.3f} {pct(gateway, 99):.3f} "
          f"{pct(server, 50):.3f} {pct(server, 99):.3f} {len(gateway)}")


if __name__ == "__main__":
    main()
