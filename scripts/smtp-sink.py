#!/usr/bin/env python3
"""A real SMTP server on loopback for the tests (aiosmtpd): every message it accepts is written
whole, as received, to a file in MAILDIR (`<n>.eml`, renamed into place when complete) with the
envelope's recipients in an `X-Envelope-To` line first. Recipients whose local part starts with
`refuse` are refused for good (550), `busy` for now (451), and `slow` are answered after 3 s,
before the message itself is sent (a sender killed in that wait has delivered nothing).

Usage: smtp-sink.py MAILDIR PORTFILE   (writes the port it listens on to PORTFILE)
"""
import asyncio
import itertools
import os
import signal
import socket
import sys

from aiosmtpd.controller import Controller

maildir, portfile = sys.argv[1], sys.argv[2]
counter = itertools.count(1)


class Sink:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("refuse"):
            return "550 5.1.1 mailbox unavailable: no such user here"
        if local.startswith("busy"):
            return "451 4.3.0 mailbox busy, try again later"
        if local.startswith("slow"):
            await asyncio.sleep(3)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(counter)
        tmp = os.path.join(maildir, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(maildir, f"{os.getpid()}-{n}.eml"))
        return "250 2.0.0 queued as %d" % n


def main():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    with open(portfile + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(portfile + ".tmp", portfile)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


main()
