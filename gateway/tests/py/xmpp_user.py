"""A scripted XMPP user for the gateway's integration tests.

Connects with plain authentication (no TLS, loopback only), prints one JSON object per line on
stdout for everything it observes, and exits after it received --expect messages or after
--timeout seconds.

Events printed:
  {"event": "online"}                                   available (after each reconnect)
  {"event": "message", "from": ..., "body": ..., "id": ..., "origin_id": ...}
  {"event": "iq", "query": ..., "type": ..., "xml": ...}  answer to an --iq query
  {"event": "error", "from": ..., "id": ..., "condition": ..., "type": ...}  a message of type error
  {"event": "sent", "to": ..., "id": ..., "size": N}      a message this user sent
  {"event": "chatstate", "from": ..., "state": ...}     a chat state (XEP-0085), with or without body
  {"event": "receipt", "from": ..., "id": ...}          a delivery receipt (XEP-0184 <received/>)
  {"event": "done", "received": N}
"""

import logging, os
if os.environ.get("SLIX_DEBUG"): logging.basicConfig(level=logging.DEBUG)
import argparse
import asyncio
import json
import sys

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream import ET
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

SID = "urn:xmpp:sid:0"
CHATSTATES = "http://jabber.org/protocol/chatstates"
RECEIPTS = "urn:xmpp:receipts"


def emit(**fields):
    print(json.dumps(fields), flush=True)


class User(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.password)
        self.args = args
        self.received = 0
        self.finished = asyncio.Event()
        self.stopping = False
        self.started_once = False
        self.enable_starttls = False
        self.enable_direct_tls = False
        self.enable_plaintext = True
        self.register_plugin("feature_mechanisms")
        self.plugin["feature_mechanisms"].unencrypted_plain = True
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0199")
        self.register_plugin("xep_0092")
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("message", self.on_message)
        # The "message" event only covers messages with a body; chat states and receipts
        # usually come without one.
        self.register_handler(Callback("any message", MatchXPath("{jabber:client}message"),
                                       self.on_any_message))
        self.add_event_handler("message_error", self.on_message_error)
        self.add_event_handler("disconnected", self.on_disconnected)

    async def on_start(self, _event):
        self.send_presence()
        # The server handles a stream in order: once a ping sent after the presence is
        # answered, the presence was processed and messages to the bare JID reach this session.
        try:
            await self.plugin["xep_0199"].ping(timeout=5)
        except (IqError, IqTimeout):
            pass
        emit(event="online")
        if self.started_once:
            return
        self.started_once = True
        for to in self.args.composing or []:
            msg = self.make_message(mto=to, mtype="chat")
            msg.append(ET.Element("{%s}composing" % CHATSTATES))
            msg["id"] = self.new_id()
            msg.send()
            emit(event="sent", to=to, id=msg["id"], size=0)
        for xml in self.args.send_raw or []:
            self.send_raw(xml)
        for to, body in self.args.send or []:
            self.send_text(to, body)
        for to, size in self.args.send_big or []:
            pattern = "0123456789abcdef"
            self.send_text(to, (pattern * (int(size) // len(pattern) + 1))[: int(size)])
        for to in self.args.iq or []:
            await self.query(to)
        if self.args.expect == 0 and not self.args.expect_error:
            self.finished.set()

    def send_text(self, to, body):
        msg = self.make_message(mto=to, mbody=body, mtype="chat")
        msg["id"] = self.new_id()
        if self.args.request_receipts:
            msg.append(ET.Element("{%s}request" % RECEIPTS))
        msg.send()
        emit(event="sent", to=to, id=msg["id"], size=len(body))

    async def query(self, to):
        queries = {
            "disco_info": ("http://jabber.org/protocol/disco#info", "query"),
            "disco_items": ("http://jabber.org/protocol/disco#items", "query"),
            "ping": ("urn:xmpp:ping", "ping"),
            "version": ("jabber:iq:version", "query"),
            "last": ("jabber:iq:last", "query"),
        }
        for name, (ns, tag) in queries.items():
            iq = self.Iq()
            iq["type"] = "get"
            iq["to"] = to
            iq.append(ET.Element("{%s}%s" % (ns, tag)))
            try:
                result = await iq.send(timeout=5)
                emit(event="iq", query=name, to=to, type=result["type"], xml=str(result))
            except IqError as e:
                emit(event="iq", query=name, to=to, type="error",
                     condition=e.iq["error"]["condition"], xml=str(e.iq))
            except IqTimeout:
                emit(event="iq", query=name, to=to, type="timeout", xml="")

    def on_message_error(self, msg):
        emit(event="error", **{"from": str(msg["from"])}, id=msg["id"],
             condition=msg["error"]["condition"], type=msg["error"]["type"])
        if self.args.expect_error:
            self.finished.set()

    def on_any_message(self, msg):
        if msg["type"] not in ("chat", "normal"):
            return
        for child in msg.xml:
            if child.tag.startswith("{%s}" % CHATSTATES):
                emit(event="chatstate", **{"from": str(msg["from"])},
                     state=child.tag.split("}", 1)[1])
        received = msg.xml.find("{%s}received" % RECEIPTS)
        if received is not None:
            emit(event="receipt", **{"from": str(msg["from"])}, id=received.get("id"))
        request = msg.xml.find("{%s}request" % RECEIPTS)
        if request is not None and self.args.answer_receipts and msg["id"]:
            answer = self.make_message(mto=msg["from"], mtype="chat")
            answer["id"] = self.new_id()
            node = ET.Element("{%s}received" % RECEIPTS)
            node.set("id", msg["id"])
            answer.append(node)
            answer.send()
            emit(event="sent", to=str(msg["from"]), id=answer["id"], size=0,
                 receipt_for=msg["id"])

    def on_message(self, msg):
        if msg["type"] not in ("chat", "normal"):
            return
        request = msg.xml.find("{%s}request" % RECEIPTS)
        if not msg["body"]:
            return
        origin = msg.xml.find("{%s}origin-id" % SID)
        emit(event="message", **{"from": str(msg["from"])}, body=msg["body"], id=msg["id"],
             origin_id=origin.get("id") if origin is not None else None,
             receipt_requested=request is not None)
        self.received += 1
        if self.args.expect and self.received >= self.args.expect:
            self.finished.set()

    def on_disconnected(self, _reason):
        if self.args.reconnect and not self.stopping:
            asyncio.get_event_loop().call_later(0.2, self.reconnect_now)

    def reconnect_now(self):
        if not self.stopping:
            self.connect(self.args.host, self.args.port)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jid", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--send", nargs=2, action="append", metavar=("TO", "BODY"))
    parser.add_argument("--send-raw", action="append", metavar="XML",
                        help="write this XML on the stream as is (before --send)")
    parser.add_argument("--send-big", nargs=2, action="append", metavar=("TO", "SIZE"),
                        help="send a body of SIZE characters")
    parser.add_argument("--composing", action="append", metavar="TO",
                        help="send a bodiless <composing/> chat state")
    parser.add_argument("--request-receipts", action="store_true",
                        help="ask for a receipt (XEP-0184 <request/>) with each message sent")
    parser.add_argument("--answer-receipts", action="store_true",
                        help="answer receipt requests with <received/>")
    parser.add_argument("--iq", action="append", metavar="TO")
    parser.add_argument("--expect", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--reconnect", action="store_true")
    parser.add_argument("--expect-error", action="store_true")
    args = parser.parse_args()
    user = User(args)
    user.connect(args.host, args.port)
    try:
        await asyncio.wait_for(user.finished.wait(), args.timeout)
    except asyncio.TimeoutError:
        pass
    user.stopping = True
    emit(event="done", received=user.received)
    user.disconnect()
    try:
        await asyncio.wait_for(user.disconnected, 2)
    except (asyncio.TimeoutError, Exception):
        pass


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
