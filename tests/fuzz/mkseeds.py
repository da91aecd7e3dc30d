#!/usr/bin/env python3
"""mkseeds.py - regenerate the seed corpora of tests/fuzz (committed; run
this by hand after changing it, never from the build):

    python3 tests/fuzz/mkseeds.py [DIR]     # DIR defaults to tests/fuzz

Writes DIR/<name>/seeds/<seed> for the targets http_hs, wsf, inflate and
json, removing seeds it no longer makes. Input formats are described at
the top of each fuzz_<name>.c: http_hs, wsf and inflate inputs open with
two control bytes, json inputs are plain JSON texts."""

import os
import sys
import zlib

# ---------------------------------------------------------------- helpers

KEY = b"\x37\xfa\x21\x3d"

FIN, RSV1, RSV2, RSV3 = 0x80, 0x40, 0x20, 0x10
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def frame(op, payload=b"", fin=True, bits=0, key=KEY, masked=True, form=None):
    """A client frame; form forces the 7-bit, 16-bit or 64-bit length."""
    b0 = (FIN if fin else 0) | bits | op
    n = len(payload)
    if form is None:
        form = 7 if n < 126 else 16 if n <= 0xFFFF else 64
    m = 0x80 if masked else 0
    if form == 7:
        hdr = bytes([b0, m | n])
    elif form == 16:
        hdr = bytes([b0, m | 126]) + n.to_bytes(2, "big")
    else:
        hdr = bytes([b0, m | 127]) + n.to_bytes(8, "big")
    if not masked:
        return hdr + payload
    return hdr + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def deflate_msg(data, wbits=15, level=6):
    """A permessage-deflate payload: raw deflate, sync flush, tail off."""
    z = zlib.compressobj(level, zlib.DEFLATED, -wbits)
    out = z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


class Ctx:
    """Compressor keeping its context across messages (no
    client_no_context_takeover)."""

    def __init__(self, wbits=15):
        self.z = zlib.compressobj(6, zlib.DEFLATED, -wbits)

    def msg(self, data):
        out = self.z.compress(data) + self.z.flush(zlib.Z_SYNC_FLUSH)
        return out[:-4]


def close_payload(code, reason=b""):
    return code.to_bytes(2, "big") + reason


KEY_B64 = "dGhlIHNhbXBsZSBub25jZQ=="


def hs(path="/echo", ext=None, extra=(), proto=None, origin=None,
       host="localhost:8080", method="GET", version="HTTP/1.1",
       key=KEY_B64, wsver="13", upgrade="websocket", connection="Upgrade"):
    lines = [f"{method} {path} {version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    if upgrade is not None:
        lines.append(f"Upgrade: {upgrade}")
    if connection is not None:
        lines.append(f"Connection: {connection}")
    if key is not None:
        lines.append(f"Sec-WebSocket-Key: {key}")
    if wsver is not None:
        lines.append(f"Sec-WebSocket-Version: {wsver}")
    if origin is not None:
        lines.append(f"Origin: {origin}")
    if proto is not None:
        lines.append(f"Sec-WebSocket-Protocol: {proto}")
    if isinstance(ext, str):
        lines.append(f"Sec-WebSocket-Extensions: {ext}")
    elif ext:
        lines += [f"Sec-WebSocket-Extensions: {e}" for e in ext]
    lines += list(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# ------------------------------------------------------------ http_hs
# [split][config] + request bytes; config bit 0 origins list, bit 1
# client_no_context, bits 2-4 client_max_window_bits 9 + v % 7, bit 5
# draining, bit 6 no /echo, bit 7 tiny limits.

def cmw(bits):
    return ((bits - 9) & 7) << 2


def http_hs():
    s = {}
    s["valid-rfc6455"] = (0, 0, hs())
    s["valid-bytewise"] = (1, 0, hs())
    s["valid-pieces7"] = (7, 0, hs(proto="chat, wsfan.v1"))
    s["pmd-basic"] = (0, cmw(15), hs(ext="permessage-deflate"))
    s["pmd-client-bits"] = (
        3, cmw(10) | 2,
        hs(ext="permessage-deflate; client_max_window_bits"))
    s["pmd-all-params"] = (0, cmw(12), hs(
        ext="permessage-deflate; server_no_context_takeover; "
            "client_no_context_takeover; server_max_window_bits=10; "
            "client_max_window_bits=9"))
    s["pmd-fallbacks"] = (5, cmw(15), hs(
        ext="x-webkit-deflate-frame, permessage-deflate; "
            "server_max_window_bits=8, permessage-deflate; foo=1, "
            "permessage-deflate; client_max_window_bits=\"12\""))
    s["pmd-repeated-header"] = (0, cmw(11), hs(
        ext=["permessage-deflate; server_max_window_bits=16",
             "permessage-deflate;client_max_window_bits=15 ;"
             "server_max_window_bits = 9"]))
    s["pmd-bad-syntax"] = (2, 0, hs(
        ext="permessage-deflate; client_max_window_bits=\"1\\2\", ,"
            "permessage-deflate; server_no_context_takeover; "
            "server_no_context_takeover, permessage-deflate; "
            "client_max_window_bits=08"))
    s["origin-same"] = (0, 0, hs(origin="http://localhost:8080"))
    s["origin-other"] = (0, 0, hs(origin="https://evil.example"))
    s["origin-list-wildcard"] = (0, 1, hs(origin="https://a.b.example.org"))
    s["origin-list-miss"] = (0, 1, hs(origin="https://example.org"))
    s["token-lists"] = (4, 0, hs(upgrade="h2c, WebSocket",
                                 connection="keep-alive, upgrade"))
    s["case-insensitive"] = (0, 0, hs().replace(b"Sec-WebSocket-", b"sec-websocket-")
                             .replace(b"Upgrade:", b"UPGRADE:"))
    s["no-key"] = (0, 0, hs(key=None))
    s["bad-key"] = (0, 0, hs(key="dGhlIHNhbXBsZSBub25jZQ="))
    s["bad-key-chars"] = (0, 0, hs(key="dGhlIHNhbXBsZSBub25jZ*=="))
    s["version-8"] = (0, 0, hs(wsver="8"))
    s["no-upgrade"] = (0, 0, hs(upgrade=None))
    s["no-connection-upgrade"] = (0, 0, hs(connection="keep-alive"))
    s["no-host"] = (0, 0, hs(host=None))
    s["post-echo"] = (0, 0, hs(method="POST"))
    s["http10"] = (0, 0, hs(version="HTTP/1.0"))
    s["http20"] = (0, 0, hs(version="HTTP/2.0"))
    s["not-echo"] = (0, 0x40, hs())
    s["draining-healthz"] = (0, 0x20, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    s["draining-echo"] = (0, 0x20, hs())
    s["pipelined"] = (9, 0, b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
                      b"HEAD /healthz?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"
                      b"GET /nope HTTP/1.1\r\nHost: a\r\n\r\n"
                      b"DELETE /healthz HTTP/1.1\r\nHost: a\r\n"
                      b"Content-Length: 0\r\n\r\n"
                      + hs(ext="permessage-deflate")
                      + frame(TEXT, b"hello"))
    s["body-then-close"] = (3, 0, b"POST /healthz HTTP/1.1\r\nHost: a\r\n"
                            b"Content-Length: 5\r\n\r\nhello"
                            b"GET /healthz HTTP/1.0\r\n\r\n"
                            b"GET /healthz HTTP/1.1\r\n\r\n")
    s["chunked"] = (2, 0, b"POST /x HTTP/1.1\r\nHost: a\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n"
                    b"5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: t\r\n\r\n"
                    b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
    s["body-too-large"] = (0, 0, b"POST /x HTTP/1.1\r\nHost: a\r\n"
                           b"Content-Length: 100000\r\n\r\n")
    s["tiny-limits-431"] = (0, 0x80, hs(ext="permessage-deflate"))
    s["tiny-limits-414"] = (1, 0x80, b"GET /" + b"a" * 300 + b" HTTP/1.1\r\n\r\n")
    s["tiny-limits-body"] = (0, 0x80, b"POST /x HTTP/1.1\r\n"
                             b"Content-Length: 20\r\n\r\n" + b"b" * 20)
    s["leading-crlf"] = (0, 0, b"\r\n\r\n" + hs())
    s["garbage"] = (0, 0, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    s["bad-header-char"] = (0, 0, b"GET /echo HTTP/1.1\r\nHo st: a\r\n\r\n")
    s["obs-fold"] = (0, 0, b"GET /echo HTTP/1.1\r\nHost: a\r\n"
                     b"Upgrade: websocket\r\n folded\r\n\r\n")
    s["ws-endpoint"] = (0, cmw(15), hs(path="/ws?ch=prices&ch=room:42",
                                      ext="permessage-deflate",
                                      proto="wsfan.v1"))
    s["ws-endpoint-no-echo"] = (6, 0x40, hs(path="/ws") + frame(PING, b"x"))
    s["api-publish"] = (0, 0, b"GET /api/publish HTTP/1.1\r\nHost: a\r\n\r\n"
                        b"HEAD /api/publish HTTP/1.1\r\nHost: a\r\n\r\n"
                        b"POST /api/publish HTTP/1.1\r\nHost: a\r\n"
                        b"Content-Type: application/json\r\n"
                        b"Content-Length: 28\r\n\r\n"
                        b'{"ch":"news","data":{"a":1}}')
    s["query-upgrade"] = (0, 2, hs(path="/echo?ch=prices&ch=news",
                                   ext="permessage-deflate"))
    s["upgrade-not-echo-keepalive"] = (0, 0, hs(path="/healthz",
                                               connection="keep-alive, Upgrade")
                                       + b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
    return {k: bytes([sp, cf]) + v for k, (sp, cf, v) in s.items()}


# ---------------------------------------------------------------- wsf
# [split][config] + frames; config bit 0 no deflate, bits 1-2 max
# (64 KiB, 125, 1000, none), bit 3 client_no_context_takeover,
# bits 4-6 client window 8 + v.

def wcfg(deflate=True, maxix=0, nct=False, cbits=15):
    return ((0 if deflate else 1) | maxix << 1 | (8 if nct else 0)
            | (cbits - 8) << 4)


def wsf():
    s = {}
    hello = bytes.fromhex("818537fa213d7f9f4d5158")  # RFC 6455 5.7
    s["rfc-masked-hello"] = (0, wcfg(), hello)
    s["rfc-fragmented"] = (1, wcfg(), frame(TEXT, b"Hel", fin=False)
                           + frame(PING, b"Hello")
                           + frame(CONT, b"lo"))
    s["binary-16bit-len"] = (7, wcfg(), frame(BINARY, bytes(range(256))))
    s["binary-64bit-len"] = (13, wcfg(), frame(BINARY, b"x" * 200, form=64))
    s["nonminimal-len"] = (0, wcfg(), frame(TEXT, b"short", form=16))
    s["ping-pong-close"] = (0, wcfg(), frame(PING, b"are you there?")
                            + frame(PONG, b"")
                            + frame(CLOSE, close_payload(1000, b"bye"))
                            + b"ignored after close")
    s["close-empty"] = (0, wcfg(), frame(CLOSE))
    s["close-one-byte"] = (0, wcfg(), frame(CLOSE, b"\x03"))
    s["close-1005"] = (0, wcfg(), frame(CLOSE, close_payload(1005)))
    s["close-4000-utf8"] = (2, wcfg(), frame(
        CLOSE, close_payload(4000, "κόσμε".encode())))
    s["close-bad-utf8"] = (0, wcfg(), frame(CLOSE, close_payload(1001, b"\xc0\xaf")))
    s["ctl-split-across-reads"] = (1, wcfg(), frame(PING, b"p" * 125)
                                   + frame(CLOSE, close_payload(3000, b"r" * 100)))
    s["ctl-too-long"] = (0, wcfg(), frame(PING, b"p" * 126))
    s["ctl-fragmented"] = (0, wcfg(), frame(PING, b"x", fin=False))
    s["ctl-rsv1"] = (0, wcfg(), frame(PING, b"x", bits=RSV1))
    s["reserved-opcode-3"] = (0, wcfg(), frame(0x3, b"x"))
    s["reserved-opcode-b"] = (0, wcfg(), frame(0xB, b"x"))
    s["rsv2"] = (0, wcfg(), frame(TEXT, b"x", bits=RSV2))
    s["rsv3"] = (0, wcfg(), frame(TEXT, b"x", bits=RSV3))
    s["unmasked"] = (0, wcfg(), frame(TEXT, b"hello", masked=False))
    s["cont-without-start"] = (0, wcfg(), frame(CONT, b"x"))
    s["new-msg-inside-fragmented"] = (0, wcfg(), frame(TEXT, b"a", fin=False)
                                      + frame(BINARY, b"b"))
    s["len64-top-bit"] = (0, wcfg(), bytes([0x82, 0xFF, 0x80]) + bytes(7) + KEY)
    s["utf8-split-valid"] = (3, wcfg(), frame(TEXT, "κό".encode()[:3], fin=False)
                             + frame(CONT, "κό".encode()[3:] + "σμε 😀".encode()[:5],
                                     fin=False)
                             + frame(CONT, "σμε 😀".encode()[5:]))
    s["utf8-invalid-midway"] = (0, wcfg(), frame(TEXT, b"ok \xed\xa0\x80 surrogate"))
    s["utf8-ends-inside"] = (0, wcfg(), frame(TEXT, b"abc\xe2\x82", fin=False)
                             + frame(CONT, b""))
    s["empty-frames"] = (0, wcfg(), frame(TEXT, b"") + frame(BINARY, b"", fin=False)
                         + frame(CONT, b"", fin=False) + frame(CONT, b""))
    s["too-big-125"] = (0, wcfg(False, 1), frame(BINARY, b"z" * 126))
    s["too-big-fragments-1000"] = (5, wcfg(False, 2),
                                   frame(TEXT, b"a" * 600, fin=False)
                                   + frame(CONT, b"b" * 600))
    s["too-big-fragments-125"] = (0, wcfg(False, 1),
                                  frame(BINARY, b"a" * 100, fin=False)
                                  + frame(CONT, b"b" * 100))
    # Uncompressed fragments past max-message-size with deflate
    # negotiated: the parser has no limit then (see fuzz_wsf.c).
    s["pmd-session-uncompressed-over-limit"] = (
        0, wcfg(True, 1), frame(TEXT, b"a" * 100, fin=False)
        + frame(CONT, b"b" * 100))
    s["no-limit"] = (0, wcfg(False, 3), frame(BINARY, b"q" * 3000))
    s["rsv1-no-deflate"] = (0, wcfg(False), frame(TEXT, deflate_msg(b"Hello"),
                                                  bits=RSV1))
    s["pmd-rfc7692-hello"] = (0, wcfg(), frame(
        TEXT, bytes.fromhex("f248cdc9c90700"), bits=RSV1))
    s["pmd-rfc7692-fragmented"] = (1, wcfg(), frame(
        TEXT, bytes.fromhex("f248cd"), bits=RSV1, fin=False)
        + frame(PING, b"mid") + frame(CONT, bytes.fromhex("c9c90700")))
    s["pmd-stored-block"] = (0, wcfg(), frame(
        TEXT, bytes.fromhex("000500faff48656c6c6f00"), bits=RSV1))
    s["pmd-bfinal-trailing"] = (0, wcfg(), frame(
        TEXT, bytes.fromhex("f348cdc9c90700") + b"junk", bits=RSV1))
    ctx = Ctx()
    s["pmd-context-takeover"] = (0, wcfg(nct=False), frame(
        TEXT, ctx.msg(b"Hello, Hello, Hello"), bits=RSV1) + frame(
        TEXT, ctx.msg(b"Hello, Hello, Hello"), bits=RSV1) + frame(
        BINARY, ctx.msg(bytes(range(64)) * 4), bits=RSV1))
    s["pmd-no-context"] = (6, wcfg(nct=True), frame(
        TEXT, deflate_msg(b"{\"op\":\"ping\",\"id\":4}"), bits=RSV1) + frame(
        TEXT, deflate_msg(b"{\"op\":\"ping\",\"id\":5}"), bits=RSV1))
    s["pmd-window-9"] = (0, wcfg(cbits=9), frame(
        BINARY, deflate_msg(bytes(range(256)) * 3 + b"end" * 40, wbits=9),
        bits=RSV1))
    s["pmd-window-8-too-far"] = (0, wcfg(cbits=8), frame(
        BINARY, deflate_msg(bytes(range(200)) * 2 + bytes(range(200)), wbits=9),
        bits=RSV1))
    s["pmd-bomb-125"] = (0, wcfg(True, 1), frame(
        BINARY, deflate_msg(bytes(100000)), bits=RSV1))
    s["pmd-bomb-fragmented"] = (11, wcfg(True, 2), frame(
        BINARY, deflate_msg(bytes(50000))[:20], bits=RSV1, fin=False)
        + frame(CONT, deflate_msg(bytes(50000))[20:]))
    s["pmd-invalid-data"] = (0, wcfg(), frame(TEXT, b"\xff\xff\xff\xff", bits=RSV1))
    s["pmd-truncated"] = (0, wcfg(), frame(
        TEXT, deflate_msg(b"truncated message " * 5)[:-3], bits=RSV1))
    s["pmd-bad-utf8-inside"] = (0, wcfg(), frame(
        TEXT, deflate_msg(b"bad \xc3\x28 utf8"), bits=RSV1))
    s["pmd-empty-message"] = (0, wcfg(), frame(TEXT, b"", bits=RSV1)
                              + frame(TEXT, b"\x00", bits=RSV1))
    s["pmd-rsv1-continuation"] = (0, wcfg(), frame(
        TEXT, b"\xf2\x48", bits=RSV1, fin=False) + frame(CONT, b"\xcd", bits=RSV1))
    s["pmd-uncompressed-too"] = (4, wcfg(True, 1), frame(TEXT, b"plain text")
                                 + frame(BINARY, deflate_msg(b"A" * 500), bits=RSV1))
    return {k: bytes([sp, cf]) + v for k, (sp, cf, v) in s.items()}


# ------------------------------------------------------------ inflate
# [config][split] + offer "\n" + stream; config bits 0-1 cap (1, 125,
# 1000, 4096), bits 2-3 level (-1, 0, 1, 9), bit 4 client_no_context,
# bits 5-7 client_max_window_bits 9 + v % 7; split bits 0-6 pieces,
# bit 7 several messages, each [length byte][payload].

def icfg(cap=3, level=0, nct=False, cmax=15):
    return cap | level << 2 | (0x10 if nct else 0) | ((cmax - 9) % 7) << 5


def msgs(*payloads):
    out = b""
    for p in payloads:
        assert len(p) < 256
        out += bytes([len(p)]) + p
    return out


def inflate():
    s = {}
    text = (b"WebSocket messages published on a channel go to every "
            b"subscribed client. " * 6)
    s["rfc7692-hello"] = (icfg(), 0, b"permessage-deflate",
                          bytes.fromhex("f248cdc9c90700"))
    s["rfc7692-bfinal"] = (icfg(), 0, b"permessage-deflate",
                           bytes.fromhex("f348cdc9c90700"))
    s["rfc7692-stored"] = (icfg(), 0, b"permessage-deflate",
                           bytes.fromhex("000500faff48656c6c6f00"))
    s["rfc7692-two-messages"] = (icfg(), 0x80, b"permessage-deflate",
                                 msgs(bytes.fromhex("f248cdc9c90700"),
                                      bytes.fromhex("f200110000")))
    s["rfc7692-bfinal-then-context"] = (
        icfg(), 0x83, b"permessage-deflate",
        msgs(bytes.fromhex("f348cdc9c90700"), bytes.fromhex("f200110000")))
    s["dynamic-huffman"] = (icfg(level=3), 0, b"permessage-deflate",
                            deflate_msg(text, level=9))
    s["pieces-bytewise"] = (icfg(), 1, b"permessage-deflate; client_max_window_bits",
                            deflate_msg(text))
    s["pieces-random"] = (icfg(cap=2), 13, b"permessage-deflate",
                          deflate_msg(text * 3, level=1))
    ctx = Ctx(12)
    s["context-takeover-12"] = (
        icfg(cmax=15), 0x85,
        b"permessage-deflate; client_max_window_bits=12",
        msgs(ctx.msg(text), ctx.msg(text), ctx.msg(b"tail")))
    s["no-context-messages"] = (
        icfg(nct=True), 0x82, b"permessage-deflate; client_no_context_takeover",
        msgs(deflate_msg(b'{"op":"ping","id":4}'), b"",
             deflate_msg(b'{"op":"ping","id":5}'), b"\x00"))
    s["no-context-all-params"] = (
        icfg(nct=True, level=2), 9,
        b"permessage-deflate; server_no_context_takeover; "
        b"client_no_context_takeover; server_max_window_bits=10; "
        b"client_max_window_bits=9",
        deflate_msg(text, wbits=9))
    s["quoted-values"] = (icfg(cmax=11), 0,
                          b"permessage-deflate; client_max_window_bits=\"10\"; "
                          b"server_max_window_bits=\"1\\1\"",
                          deflate_msg(b"quoted", wbits=10))
    s["offers-fallback"] = (icfg(), 3,
                            b"x-webkit-deflate-frame, permessage-deflate; "
                            b"server_max_window_bits=8, PERMESSAGE-DEFLATE ; "
                            b"Client_Max_Window_Bits = 13",
                            deflate_msg(b"fallback " * 30, wbits=13))
    s["offers-invalid"] = (icfg(), 0,
                           b"permessage-deflate; client_max_window_bits=16, "
                           b"permessage-deflate; server_max_window_bits, "
                           b"permessage-deflate; x=y, permessage-deflate;;, "
                           b"permessage-deflate; server_no_context_takeover=1",
                           deflate_msg(b"default params"))
    block = bytes((i * 167 + 13) % 251 for i in range(300))
    s["window-8-too-far"] = (icfg(), 5,
                             b"permessage-deflate; client_max_window_bits=8",
                             deflate_msg(block * 2, wbits=9))
    s["window-9-too-far"] = (icfg(), 0,
                             b"permessage-deflate; client_max_window_bits=9",
                             deflate_msg(block * 3, wbits=10))
    s["bomb-cap-125"] = (icfg(cap=1), 0, b"permessage-deflate",
                         deflate_msg(bytes(1 << 20)))
    s["bomb-cap-1"] = (icfg(cap=0), 2, b"permessage-deflate",
                       deflate_msg(b"ab" * 5000))
    s["exact-cap-1000"] = (icfg(cap=2), 0, b"permessage-deflate",
                           deflate_msg(bytes(range(250)) * 4))
    s["invalid-block-type"] = (icfg(), 0, b"permessage-deflate", b"\xff\xff\xff")
    s["truncated"] = (icfg(), 0, b"permessage-deflate",
                      deflate_msg(text, level=9)[:-7])
    s["bfinal-then-garbage"] = (icfg(), 4, b"permessage-deflate",
                                bytes.fromhex("f348cdc9c90700") + b"\x8f\xff\x00garbage")
    s["distance-before-start"] = (icfg(), 0, b"permessage-deflate",
                                  bytes.fromhex("f200110000"))
    s["empty-stream"] = (icfg(), 0, b"permessage-deflate", b"")
    s["no-offer"] = (icfg(level=1), 0, None, deflate_msg(b"no offer line"))
    s["level0-stored-round-trip"] = (icfg(level=1), 6, b"permessage-deflate",
                                     bytes(range(256)) * 8)
    return {k: bytes([cf, sp]) + ((o + b"\n") if o is not None else b"") + v
            for k, (cf, sp, o, v) in s.items()}


# --------------------------------------------------------------- json

def json():
    s = {
        "sub": '{"op":"sub","ch":"room:42","id":1}',
        "sub-since": '{"op":"sub","ch":"prices","id":2,"since":"1700000000000-0"}',
        "unsub": '{"op":"unsub","ch":"room:42","id":2}',
        "pub": '{"op":"pub","ch":"room:42","data":{"text":"hi","n":[1,2.5,'
               '-3e10,1E+2,true,false,null],"o":{}},"id":3}',
        "ping": '{"op":"ping","id":4}',
        "welcome": '{"op":"welcome","conn":"c-1","user":null,"ping":25}',
        "reply-ok": '{"id":1,"ok":true,"recovered":false}',
        "reply-error": '{"id":1,"error":{"code":"forbidden","message":"no"}}',
        "message": '{"ch":"room:42","data":{"x":1},"off":"1700000000000-3"}',
        "whitespace": ' \t\r\n{ "op" : "ping" , "id" : 4 }\r\n ',
        "escaped-key": '{"\\u006fp":"sub","c\\u0068":"a\\/b","id":7}',
        "dup-key": '{"op":"sub","op":"pub"}',
        "dup-other-key": '{"x":1,"x":2,"op":"ping"}',
        "nested-key-not-top": '{"data":{"op":1,"op":2},"op":"pub"}',
        "unicode": '{"op":"pub","ch":"ch","data":"κόσμε 😀 \\ud83d\\ude00 '
                   '\\ud800 \\u0000 \\" \\\\ \\b\\f\\n\\r\\t"}',
        "key-with-nul": '{"op\\u0000":"x","op":"sub"}',
        "deep-9": '{"data":' + "[" * 8 + "]" * 8 + '}',
        "deep-4097": "[" * 4097 + "]" * 4097,
        "numbers": '[0,-0,0.5,-1.25e-3,1e308,9223372036854775807,'
                   '-9223372036854775808,9223372036854775808,123456789012345678901]',
        "int-max": '{"id":9223372036854775807}',
        "int-min": '{"id":-9223372036854775808}',
        "int-over": '{"id":-9223372036854775809}',
        "id-negzero": '{"id":-0}',
        "id-float": '{"id":1.0}',
        "scalar-string": '"just a string"',
        "scalar-number": '42',
        "scalar-true": 'true',
        "scalar-null": 'null',
        "empty-array": '[]',
        "empty-object": '{}',
        "bad-trailing-comma": '{"op":"sub",}',
        "bad-leading-zero": '{"id":01}',
        "bad-unterminated": '{"op":"sub',
        "bad-control-char": '{"op":"a\tb"}',
        "bad-escape": '{"op":"\\x41"}',
        "bad-u-escape": '{"op":"\\u12g4"}',
        "bad-trailing": '{"op":"ping"} x',
        "bad-single-quote": "{'op':'ping'}",
        "bad-missing-colon": '{"op" "ping"}',
        "bad-literal": '{"ok":tru}',
        "bad-empty": '',
    }
    out = {k: v.encode() for k, v in s.items()}
    out["bad-overlong-utf8"] = b'{"op":"\xc0\x80"}'
    out["bad-surrogate-utf8"] = b'{"op":"\xed\xa0\x80"}'
    out["bad-above-max-utf8"] = b'{"op":"\xf4\x90\x80\x80"}'
    out["bad-truncated-utf8"] = b'{"op":"\xe2\x82"}'
    out["bad-bom"] = b'\xef\xbb\xbf{"op":"ping"}'
    out["raw-bytes"] = bytes(range(256))
    return out


# --------------------------------------------------------------- main

def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    for name, make in (("http_hs", http_hs), ("wsf", wsf),
                       ("inflate", inflate), ("json", json)):
        d = os.path.join(top, name, "seeds")
        os.makedirs(d, exist_ok=True)
        seeds = make()
        for old in os.listdir(d):
            if old not in seeds:
                os.unlink(os.path.join(d, old))
        for k, v in sorted(seeds.items()):
            with open(os.path.join(d, k), "wb") as f:
                f.write(v)
        print(f"{d}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
