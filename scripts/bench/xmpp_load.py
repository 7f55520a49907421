"""XMPP load ends for scripts/bench-gateway: a sender and a reader on one c2s stream each.

A minimal client-to-server XMPP client over plain TCP (loopback, no TLS), SASL PLAIN,
resource binding and initial presence, then a blocking loop: small enough that the client
costs little next to the servers it measures. Stanzas are parsed with expat.

  xmpp_load.py send --port P --jid user@host --password PW --to JID --count N --rate R
      sends N chat messages at R per second, bodies "gwbench n=I t=MICROSECONDS" (send time,
      wall clock); prints one JSON line: sent, first/last send time, stanza errors received.
  xmpp_load.py read --port P --jid user@host --password PW --count N --timeout S
      prints {"event": "online"} once it can receive, then counts chat messages whose body
      carries "t=SECONDS MICROSECONDS" or "t=MICROSECONDS" and prints one JSON line: received,
      earliest send time seen, first/last receipt time, p50/p99 latency in ms.
"""

import argparse
import base64
import json
import re
import socket
import sys
import threading
import time
from xml.parsers import expat

NS_STREAM = "http://etherx.jabber.org/streams"


def emit(**fields):
    print(json.dumps(fields), flush=True)


class Element:
    __slots__ = ("name", "attrs", "children", "text")

    def __init__(self, name, attrs):
        self.name = name
        self.attrs = attrs
        self.children = []
        self.text = []

    def child(self, name):
        for c in self.children:
            if c.name == name:
                return c
        return None


class Stream:
    """One c2s stream; top-level stanzas are handed to `on_stanza` as Element trees."""

    def __init__(self, host, port, domain):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.domain = domain
        self.on_stanza = None
        self.pending = []
        self.restart()

    def restart(self):
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.stack = []
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.send(
            f"<?xml version='1.0'?><stream:stream to='{self.domain}' xmlns='jabber:client' "
            f"xmlns:stream='{NS_STREAM}' version='1.0'>"
        )

    def _start(self, name, attrs):
        if not self.stack and name == "stream:stream":
            self.stack.append(None)
            return
        el = Element(name, attrs)
        if self.stack and self.stack[-1] is not None:
            self.stack[-1].children.append(el)
        self.stack.append(el)

    def _end(self, _name):
        el = self.stack.pop()
        if len(self.stack) == 1 and el is not None:
            if self.on_stanza:
                self.on_stanza(el)
            else:
                self.pending.append(el)

    def _text(self, data):
        if self.stack and self.stack[-1] is not None:
            self.stack[-1].text.append(data)

    def send(self, text):
        self.sock.sendall(text.encode())

    def pump(self):
        data = self.sock.recv(262144)
        if not data:
            raise EOFError("stream closed by the server")
        self.parser.Parse(data, False)

    def wait_for(self, name):
        while True:
            while self.pending:
                el = self.pending.pop(0)
                if el.name == name:
                    return el
                if el.name in ("failure", "stream:error"):
                    raise RuntimeError(f"server answered <{el.name}>")
            self.pump()

    def login(self, user, password, resource):
        self.wait_for("stream:features")
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        self.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>")
        self.wait_for("success")
        self.restart()
        self.wait_for("stream:features")
        self.send(
            "<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            f"<resource>{resource}</resource></bind></iq>"
        )
        self.wait_for("iq")
        self.send("<presence/>")


def connect(args, resource):
    user, domain = args.jid.split("@", 1)
    s = Stream(args.host, args.port, domain)
    s.login(user, args.password, resource)
    return s


def cmd_send(args):
    s = connect(args, "sender")
    errors = [0]
    stop = threading.Event()

    def on_stanza(el):
        if el.name == "message" and el.attrs.get("type") == "error":
            errors[0] += 1

    s.on_stanza = on_stanza
    s.pending.clear()

    def drain():
        try:
            while not stop.is_set():
                s.pump()
        except (OSError, EOFError, expat.ExpatError):
            pass

    threading.Thread(target=drain, daemon=True).start()
    emit(event="online")
    to = args.to
    interval = 1.0 / args.rate
    start = time.time()
    for i in range(1, args.count + 1):
        due = start + (i - 1) * interval
        now = time.time()
        if due > now:
            time.sleep(due - now)
        us = int(time.time() * 1e6)
        s.send(
            f"<message to='{to}' type='chat' id='b{i}'>"
            f"<body>gwbench n={i} t={us}</body></message>"
        )
    end = time.time()
    time.sleep(args.linger)
    stop.set()
    emit(event="done", sent=args.count, start=start, end=end, errors=errors[0])
    try:
        s.send("</stream:stream>")
        s.sock.close()
    except OSError:
        pass


TS = re.compile(r"t=([0-9]+)(?:\.[0-9]*)?(?: ([0-9]+)(?:\.[0-9]*)?)?")


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


def cmd_read(args):
    s = connect(args, "reader")
    lat = []
    times = []
    first_sent = [None]
    errors = [0]

    def on_stanza(el):
        if el.name != "message":
            return
        if el.attrs.get("type") == "error":
            errors[0] += 1
            return
        body = el.child("body")
        if body is None:
            return
        now = time.time()
        m = TS.search("".join(body.text))
        if not m:
            return
        if m.group(2) is not None:
            sent = int(m.group(1)) + int(m.group(2)) / 1e6
        else:
            sent = int(m.group(1)) / 1e6
        if first_sent[0] is None or sent < first_sent[0]:
            first_sent[0] = sent
        lat.append((now - sent) * 1000.0)
        times.append(now)

    s.on_stanza = on_stanza
    s.pending.clear()
    emit(event="online")
    deadline = time.time() + args.timeout
    s.sock.settimeout(0.5)
    while len(times) < args.count and time.time() < deadline:
        try:
            s.pump()
        except socket.timeout:
            continue
        except (OSError, EOFError, expat.ExpatError) as e:
            emit(event="error", error=str(e))
            break
    emit(
        event="done",
        received=len(times),
        first_sent=first_sent[0],
        first=times[0] if times else None,
        last=times[-1] if times else None,
        p50=percentile(lat, 50),
        p99=percentile(lat, 99),
        errors=errors[0],
    )


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("send", "read"):
        q = sub.add_parser(name)
        q.add_argument("--host", default="127.0.0.1")
        q.add_argument("--port", type=int, required=True)
        q.add_argument("--jid", required=True)
        q.add_argument("--password", required=True)
        q.add_argument("--count", type=int, required=True)
        if name == "send":
            q.add_argument("--to", required=True)
            q.add_argument("--rate", type=float, required=True)
            q.add_argument("--linger", type=float, default=1.0)
        else:
            q.add_argument("--timeout", type=float, default=60)
    args = p.parse_args()
    (cmd_send if args.cmd == "send" else cmd_read)(args)


if __name__ == "__main__":
    main()
    sys.exit(0)
