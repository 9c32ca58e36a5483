#!/usr/bin/python3
# Copyright 2026 the qmgr project authors
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Lesser General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
#
# This library is distributed in the hope that it will be useful,
# but WITHOUT ANY WARRANTY; without even the implied warranty of
# MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
# Lesser General Public License for more details.
#
# You should have received a copy of the GNU Lesser General Public
# License along with this library; if not, write to the Free Software
# Foundation, Inc., 51 Franklin St, Fifth Floor, Boston, MA 02110-1301, USA
"""Fault-injecting HTTP/1.1 test server for the qmgr (BITS) tests.

Started by tests/servers.sh (servers_start) as
    /usr/bin/python3 tests/faultserver.py --port P --log STATE/fault.log
and listens on 127.0.0.1:P only.  Python 3 standard library only.  Stops
cleanly on SIGTERM (or SIGINT).

Also used by servers.sh to write nginx's docroot files:
    faultserver.py --generate FILE:SIZE [FILE:SIZE ...] [--version V]
writes each FILE (atomically) unless it already exists with that size.

Content model
-------------
Every resource has a size S and a version v.  Byte i of it is
    ((((i * 2654435761) & 0xffffffff) >> 13) ^ (v * 0x5b)) & 0xff
(the C tests compute the same).  The byte only depends on i mod 2**21, so
one 2 MiB period per version is computed once and sliced.
    ETag:          "v<version>-<size>"        (strong), e.g. "v0-4096"
    Last-Modified: 2020-01-01 00:00:00 GMT plus <version> days
nginx's files (docroot, see servers.sh) are version 0 but have nginx's own
ETag and Last-Modified.

Sizes in paths are decimal byte counts; a k, m or g suffix (KiB, MiB, GiB)
is accepted too.  KEY is any path segment; its state (counters) lives in
memory for the server's lifetime, so each test should use keys of its own.

Paths
-----
/data/S                  normal resource, version 0.  GET and HEAD;
                         Accept-Ranges: bytes; a single "Range: bytes=a-b",
                         "bytes=a-" or "bytes=-n" gives 206 + Content-Range,
                         416 (Content-Range: bytes */S) when unsatisfiable;
                         multi-range or malformed Range headers are ignored
                         (200 full).  If-Range (ETag or HTTP date, exact
                         match) that does not match: 200 with the whole
                         current content.  If-Unmodified-Since earlier than
                         Last-Modified: 412.
/reset/KEY/S?after=N     the first GET for KEY that has a body (200/206)
                         sends the headers, N body bytes, then resets the
                         TCP connection (SO_LINGER 0 + close: RST).  Later
                         requests behave like /data/S.  HEAD never triggers
                         the fault nor uses it up.
/stall/KEY/S?after=N     like /reset but the first GET stalls forever after
                         N body bytes (until the server stops).
/stall-always/S?after=N  every GET stalls after N body bytes.
/status/CODE             always answers CODE (200..599) with a short body
                         (none for 204/304); 401 adds
                         WWW-Authenticate: Basic realm="fault".
/status-then-ok/KEY/CODE/N/S
                         the first N requests (GET or HEAD) for KEY answer
                         as /status/CODE, later ones as /data/S.
/changing/KEY/S?after=N  version 1 at first; the first GET for KEY with a
                         body sends N bytes then resets the connection and
                         from then on the version is 2 (so a resume with
                         If-Range: "v1-S" gets 200 with the full version 2
                         content; a Range without If-Range gets 206 of v2).
/nolength/S              200, no Content-Length, Connection: close, body then
                         close.  Ignores Range.
/chunked/S               200, Transfer-Encoding: chunked, 8 KiB chunks.
                         Ignores Range.
/norange/S               ignores Range/If-Range; always 200 full with
                         Content-Length, no Accept-Ranges.
/redirect/CODE/REST...   CODE (301/302/303/307/308) with Location: /REST...
                         (query string kept).
anything else            404.  POST/PUT/DELETE: 405.

Request log (--log)
-------------------
One JSON object per line, written and flushed when the request ends (for a
stall: when the stall begins), keys in this order:
    {"method": "GET", "path": "/data/4096?x=1", "range": "bytes=0-99" | null,
     "if_range": "\\"v0-4096\\"" | null, "status": 206, "bytes": 100,
     "time": 1700000000.123, "event": "ok"}
path is the request target as sent (with query string); bytes counts body
bytes actually sent; time is the Unix time at the end of the request;
event is "ok", "reset", "stall" or "aborted" (the client went away).
"""

import argparse
import email.utils
import fcntl
import http.server
import json
import os
import signal
import socket
import struct
import sys
import termios
import threading
import time
import urllib.parse

PERIOD = 1 << 21          # the content repeats every 2 MiB
CHUNK = 64 * 1024         # body write size
BASE_DATE = 1577836800    # 2020-01-01 00:00:00 GMT

_patterns = {}
_patterns_lock = threading.Lock()


def pattern(version):
    """One PERIOD of content for a version (bytes, cached)."""
    with _patterns_lock:
        p = _patterns.get(version)
        if p is None:
            base = _patterns.get(0)
            if base is None:
                base = bytes(((i * 2654435761) & 0x1fffff) >> 13
                             for i in range(PERIOD))
                _patterns[0] = base
            x = (version * 0x5b) & 0xff
            p = base.translate(bytes(b ^ x for b in range(256))) if x else base
            _patterns[version] = p
        return p


def content_chunks(version, start, length, chunk=CHUNK):
    """Yield memoryviews covering bytes [start, start+length) of a resource."""
    mv = memoryview(pattern(version))
    pos = start
    end = start + length
    while pos < end:
        off = pos % PERIOD
        n = min(chunk, PERIOD - off, end - pos)
        yield mv[off:off + n]
        pos += n


def etag(version, size):
    return '"v%d-%d"' % (version, size)


def last_modified(version):
    return BASE_DATE + version * 86400


def http_date(ts):
    return email.utils.formatdate(ts, usegmt=True)


def parse_http_date(value):
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None:
        return None
    return int(dt.timestamp())


def parse_size(text):
    text = text.strip().lower()
    mult = 1
    if text and text[-1] in 'kmg':
        mult = {'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30}[text[-1]]
        text = text[:-1]
    if not text.isdigit():
        raise ValueError(text)
    return int(text) * mult


def parse_range(value, size):
    """Returns None (ignore: serve 200), 'unsatisfiable', or (first, last)."""
    if value is None:
        return None
    value = value.strip()
    if not value.lower().startswith('bytes='):
        return None
    spec = value[6:].strip()
    if ',' in spec or '-' not in spec:
        return None
    a, b = (s.strip() for s in spec.split('-', 1))
    if a == '':
        if not b.isdigit():
            return None
        n = int(b)
        if n == 0 or size == 0:
            return 'unsatisfiable'
        return (max(0, size - n), size - 1)
    if not a.isdigit() or (b and not b.isdigit()):
        return None
    first = int(a)
    last = int(b) if b else size - 1
    if b and last < first:
        return None
    if first >= size:
        return 'unsatisfiable'
    return (first, min(last, size - 1))


class Reset(Exception):
    """Raised after the connection was reset on purpose."""


class ClientGone(Exception):
    pass


DISCONNECT_ERRORS = (BrokenPipeError, ConnectionResetError,
                     ConnectionAbortedError, socket.timeout, TimeoutError)


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.used = set()          # (kind, key) whose one-time fault fired
        self.counts = {}           # (kind, key) -> requests seen
        self.stopping = threading.Event()
        self.log_lock = threading.Lock()
        self.log = None

    def take_once(self, kind, key):
        """True the first time only for (kind, key)."""
        with self.lock:
            if (kind, key) in self.used:
                return False
            self.used.add((kind, key))
            return True

    def fired(self, kind, key):
        with self.lock:
            return (kind, key) in self.used

    def count(self, kind, key):
        """Number of earlier requests for (kind, key); counts this one."""
        with self.lock:
            n = self.counts.get((kind, key), 0)
            self.counts[(kind, key)] = n + 1
            return n

    def write_log(self, record):
        line = json.dumps(record) + '\n'
        with self.log_lock:
            if self.log is None:
                return
            self.log.write(line)
            self.log.flush()


STATE = State()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'qmgr-faultserver/1'
    sys_version = ''

    def version_string(self):
        return self.server_version
    timeout = 300   # idle keep-alive connections and blocked writes

    # -- plumbing -------------------------------------------------------

    def log_message(self, fmt, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except Reset:
            pass
        except DISCONNECT_ERRORS:
            pass

    def setup_request(self):
        self.sent = 0
        self.status = None
        self.event = 'ok'
        self.logged = False

    def log_request_done(self):
        if self.logged:
            return
        self.logged = True
        STATE.write_log({
            'method': self.command,
            'path': self.path,
            'range': self.headers.get('Range'),
            'if_range': self.headers.get('If-Range'),
            'custom': self.headers.get('X-Qmgr-Test'),
            'status': self.status,
            'bytes': self.sent,
            'time': round(time.time(), 3),
            'event': self.event,
        })

    def start(self, code, headers):
        self.status = code
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()

    def write(self, data):
        self.wfile.write(data)
        self.sent += len(data)

    def reset_connection(self):
        """Abort the connection with a TCP RST."""
        self.event = 'reset'
        self.close_connection = True
        sock = self.connection
        # With SO_LINGER 0 the kernel drops what it has not sent yet; wait
        # (30 s at most) until the peer has acknowledged every byte so
        # that a slow reader still gets all N bytes before the RST.
        deadline = time.monotonic() + 30
        try:
            while fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ,
                              struct.pack('i', 0)) != struct.pack('i', 0) \
                    and time.monotonic() < deadline \
                    and not STATE.stopping.is_set():
                time.sleep(0.01)
        except OSError:
            pass
        self.log_request_done()
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack('ii', 1, 0))
        except OSError:
            pass
        # rfile holds a reference on the socket; the fd (and so the RST)
        # only goes once every reference is closed.
        for f in (self.rfile, self.wfile):
            try:
                f.close()
            except OSError:
                pass
        try:
            sock.close()
        except OSError:
            pass
        raise Reset()

    def stall(self):
        self.event = 'stall'
        self.close_connection = True
        self.log_request_done()
        while not STATE.stopping.wait(0.5):
            pass
        raise Reset()

    def dispatch(self):
        self.setup_request()
        try:
            self.route()
        except DISCONNECT_ERRORS:
            self.event = 'aborted'
            self.close_connection = True
            self.log_request_done()
            raise
        self.log_request_done()

    do_GET = dispatch
    do_HEAD = dispatch

    def do_other(self):
        self.setup_request()
        length = self.headers.get('Content-Length')
        try:
            n = int(length) if length else 0
        except ValueError:
            n = 0
        if self.headers.get('Transfer-Encoding'):
            self.close_connection = True
        while n > 0:
            data = self.rfile.read(min(n, CHUNK))
            if not data:
                break
            n -= len(data)
        self.simple(405, extra=[('Allow', 'GET, HEAD')])
        self.log_request_done()

    do_POST = do_other
    do_PUT = do_other
    do_DELETE = do_other
    do_OPTIONS = do_other

    # -- responses ------------------------------------------------------

    def simple(self, code, text=None, extra=()):
        body = b'' if code in (204, 304) else \
            (text if text is not None else '%d\n' % code).encode()
        headers = [('Content-Type', 'text/plain')]
        if code not in (204, 304):
            headers.append(('Content-Length', str(len(body))))
        headers.extend(extra)
        self.start(code, headers)
        if self.command != 'HEAD' and body:
            self.write(body)

    def serve_resource(self, size, version, fault=None, after=0,
                       ranges=True, on_fault=None):
        """A resource with the content model.  fault is None, 'reset' or
        'stall', or a callable returning one of those (called only when a
        body is about to be sent, so it can use up a one-time fault)."""
        tag = etag(version, size)
        lm = last_modified(version)
        base = [('Content-Type', 'application/octet-stream')]
        if ranges:
            base.append(('Accept-Ranges', 'bytes'))
        base += [('ETag', tag), ('Last-Modified', http_date(lm))]

        rng = None
        if ranges:
            ius = self.headers.get('If-Unmodified-Since')
            if ius is not None:
                t = parse_http_date(ius)
                if t is not None and lm > t:
                    self.simple(412, extra=base[1:] if ranges else base)
                    return
            rng = parse_range(self.headers.get('Range'), size)
            if rng is not None:
                ir = self.headers.get('If-Range')
                if ir is not None:
                    ir = ir.strip()
                    if ir.startswith('"') or ir.startswith('W/'):
                        match = ir == tag
                    else:
                        match = parse_http_date(ir) == lm
                    if not match:
                        rng = None
            if rng == 'unsatisfiable':
                body = b'416\n'
                self.start(416, base + [
                    ('Content-Range', 'bytes */%d' % size),
                    ('Content-Length', str(len(body)))])
                if self.command != 'HEAD':
                    self.write(body)
                return

        if rng is None:
            code, first, length = 200, 0, size
            headers = base + [('Content-Length', str(size))]
        else:
            first, last = rng
            code, length = 206, last - first + 1
            headers = base + [
                ('Content-Range', 'bytes %d-%d/%d' % (first, last, size)),
                ('Content-Length', str(length))]

        if self.command == 'HEAD':
            self.start(code, headers)
            return
        if callable(fault):
            fault = fault()
        self.start(code, headers)
        if fault is None:
            for c in content_chunks(version, first, length):
                self.write(c)
            return
        todo = min(after, length)
        for c in content_chunks(version, first, todo):
            self.write(c)
        self.wfile.flush()
        if on_fault is not None:
            on_fault()
        if fault == 'reset':
            self.reset_connection()
        else:
            self.stall()

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split('/')[1:]]
        query = urllib.parse.parse_qs(url.query)

        def after():
            try:
                return parse_size(query.get('after', ['0'])[0])
            except ValueError:
                raise LookupError()

        try:
            kind = parts[0] if parts else ''
            n = len(parts)
            if kind == 'data' and n == 2:
                self.serve_resource(parse_size(parts[1]), 0)
            elif kind in ('reset', 'stall') and n == 3:
                key, size, a = parts[1], parse_size(parts[2]), after()
                self.serve_resource(
                    size, 0, after=a,
                    fault=lambda: kind if STATE.take_once(kind, key) else None)
            elif kind == 'stall-always' and n == 2:
                self.serve_resource(parse_size(parts[1]), 0,
                                    fault='stall', after=after())
            elif kind == 'status' and n == 2:
                self.send_status(int(parts[1]))
            elif kind == 'status-then-ok' and n == 5:
                key, code, times = parts[1], int(parts[2]), int(parts[3])
                size = parse_size(parts[4])
                if STATE.count(kind, key) < times:
                    self.send_status(code)
                else:
                    self.serve_resource(size, 0)
            elif kind == 'changing' and n == 3:
                key, size, a = parts[1], parse_size(parts[2]), after()
                version = 2 if STATE.fired(kind, key) else 1
                self.serve_resource(
                    size, version, after=a,
                    fault=lambda: 'reset' if STATE.take_once(kind, key)
                    else None)
            elif kind == 'nolength' and n == 2:
                self.serve_nolength(parse_size(parts[1]))
            elif kind == 'chunked' and n == 2:
                self.serve_chunked(parse_size(parts[1]))
            elif kind == 'norange' and n == 2:
                self.serve_resource(parse_size(parts[1]), 0, ranges=False)
            elif kind == 'redirect' and n >= 3 and \
                    parts[1] in ('301', '302', '303', '307', '308'):
                rest = url.path.split('/', 3)[3]
                loc = '/' + rest + ('?' + url.query if url.query else '')
                self.simple(int(parts[1]), 'redirect to %s\n' % loc,
                            extra=[('Location', loc)])
            else:
                raise LookupError()
        except (LookupError, ValueError):
            if self.status is None:
                self.simple(404)

    def send_status(self, code):
        if not 200 <= code <= 599:
            raise LookupError()
        extra = []
        if code == 401:
            extra.append(('WWW-Authenticate', 'Basic realm="fault"'))
        elif code == 407:
            extra.append(('Proxy-Authenticate', 'Basic realm="fault"'))
        self.simple(code, 'status %d\n' % code, extra=extra)

    def serve_nolength(self, size):
        self.close_connection = True
        self.start(200, [('Content-Type', 'application/octet-stream'),
                         ('Connection', 'close')])
        if self.command == 'HEAD':
            return
        for c in content_chunks(0, 0, size):
            self.write(c)

    def serve_chunked(self, size):
        self.start(200, [('Content-Type', 'application/octet-stream'),
                         ('Transfer-Encoding', 'chunked')])
        if self.command == 'HEAD':
            return
        for c in content_chunks(0, 0, size, chunk=8192):
            self.wfile.write(b'%x\r\n' % len(c))
            self.write(c)
            self.wfile.write(b'\r\n')
        self.wfile.write(b'0\r\n\r\n')


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, DISCONNECT_ERRORS + (Reset,)):
            return
        super().handle_error(request, client_address)


def serve(handler, port, stopped):
    """Answers on 127.0.0.1:port with handler until SIGTERM or SIGINT, then
    closes the server and calls stopped().  Shared with digestserver.py."""
    def on_signal(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    httpd = Server(('127.0.0.1', port), handler)
    try:
        httpd.serve_forever()
    except SystemExit:
        pass
    finally:
        httpd.server_close()
        stopped()


def generate(specs, version):
    for spec in specs:
        path, _, size = spec.rpartition(':')
        size = parse_size(size)
        try:
            if os.path.getsize(path) == size:
                continue
        except OSError:
            pass
        os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
        tmp = '%s.tmp%d' % (path, os.getpid())
        with open(tmp, 'wb') as f:
            for c in content_chunks(version, 0, size, chunk=PERIOD):
                f.write(c)
        os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port', type=int)
    ap.add_argument('--log')
    ap.add_argument('--generate', nargs='+', metavar='FILE:SIZE')
    ap.add_argument('--version', type=int, default=0)
    args = ap.parse_args()

    if args.generate:
        generate(args.generate, args.version)
        return 0
    if args.port is None:
        ap.error('--port is required')

    pattern(0)   # compute before answering, not during the first request
    if args.log:
        STATE.log = open(args.log, 'a', encoding='utf-8')

    def stopped():
        STATE.stopping.set()
        if STATE.log:
            with STATE.log_lock:
                STATE.log.close()
                STATE.log = None

    serve(Handler, args.port, stopped)
    return 0


if __name__ == '__main__':
    sys.exit(main())
