"""A pjsua2 user agent sends a MESSAGE to the sylk echo application and waits
for the echoed MESSAGE.

Usage: pjsua2_message.py SERVER_PORT LOCAL_PORT BODY [TIMEOUT_S]

No registration, UDP on 127.0.0.1:LOCAL_PORT, null audio device. Prints one
line and exits 0 when the echo came back with the same body:
    RESULT ok status=<final status of our MESSAGE> body=<echoed body>
otherwise exits 1 after printing
    RESULT fail <reason>
"""

import os
import sys
import time

import pjsua2 as pj


class Account(pj.Account):
    """Records the final status of our MESSAGE and every MESSAGE received."""

    def __init__(self):
        pj.Account.__init__(self)
        self.status = None
        self.received = []

    def onInstantMessage(self, prm):
        self.received.append((prm.fromUri, prm.contentType, prm.msgBody))

    def onInstantMessageStatus(self, prm):
        self.status = prm.code


def main():
    server_port = int(sys.argv[1])
    local_port = int(sys.argv[2])
    body = sys.argv[3]
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 10.0

    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.logConfig.level = 3
    cfg.logConfig.consoleLevel = 3
    cfg.medConfig.noVad = True
    ep.libInit(cfg)

    tcfg = pj.TransportConfig()
    tcfg.port = local_port
    tcfg.boundAddress = "127.0.0.1"
    tcfg.publicAddress = "127.0.0.1"
    ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
    ep.libStart()
    ep.audDevManager().setNullDev()

    acfg = pj.AccountConfig()
    acfg.idUri = "sip:alice@127.0.0.1:%d" % local_port
    acc = Account()
    acc.create(acfg)

    bcfg = pj.BuddyConfig()
    bcfg.uri = "sip:echo@127.0.0.1:%d" % server_port
    bcfg.subscribe = False
    buddy = pj.Buddy()
    buddy.create(acc, bcfg)

    prm = pj.SendInstantMessageParam()
    prm.content = body
    prm.contentType = "text/plain"
    buddy.sendInstantMessage(prm)

    result = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ep.libHandleEvents(20)
        if acc.status is not None and acc.status >= 300:
            result = "RESULT fail our MESSAGE was answered %d" % acc.status
            break
        if acc.status is not None and acc.received:
            break
    # Let our 200 to the echoed MESSAGE go out.
    for _ in range(5):
        ep.libHandleEvents(20)

    if result is None:
        echoed = [r for r in acc.received if r[2] == body]
        if acc.status is None:
            result = "RESULT fail no final response to our MESSAGE"
        elif not acc.received:
            result = "RESULT fail no echoed MESSAGE within %.0f s (status=%d)" % (
                timeout,
                acc.status,
            )
        elif not echoed:
            result = "RESULT fail echoed MESSAGE differs: %r" % (acc.received,)
        elif echoed[0][1] != "text/plain":
            result = "RESULT fail echoed Content-Type %r" % (echoed[0][1],)
        else:
            result = "RESULT ok status=%d from=%s body=%s" % (
                acc.status,
                echoed[0][0],
                echoed[0][2],
            )

    print(result, flush=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # Tearing pjsua2 down from Python can hang or crash: leave at once.
    os._exit(0 if result.startswith("RESULT ok") else 1)


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # report any pjsua2 error as a result line
        print("RESULT fail exception %r" % (exc,), flush=True)
        os._exit(1)
