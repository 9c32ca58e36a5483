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
"""HTTP authentication test server for the qmgr (BITS) tests: Digest
(RFC 7616, MD5 and SHA-256, qop=auth) and Basic, as a server and as a
proxy, logging the credentials every request carried.

Started by tests/servers.sh (servers_start) as
    /usr/bin/python3 tests/digestserver.py --port P --log STATE/digest.log
and listens on 127.0.0.1:P only.  Python 3 standard library only; HTTP/1.1
with keep-alive (401 and 407 answers keep the connection).  Stops cleanly
on SIGTERM (or SIGINT).  The one account is user "bits", password "secret"
(--user USER:PASSWORD to change it); realm "qmgr".

Content is that of tests/faultserver.py's /data/S (version 0, same ETag
and Last-Modified), with the same Range support (single ranges, 206).

Paths (S is a size as in faultserver.py: bytes, or a k, m or g suffix)
-----
/data/S            no authentication (its log line still shows whatever
                   Authorization header came with it: a leaked one).
/digest/S          Digest: 401 with two challenges, SHA-256 first, then MD5
                   (RFC 7616: the server lists the one it prefers first).
/digest-md5/S      Digest, one MD5 challenge.
/digest-sha256/S   Digest, one SHA-256 challenge.
/digest-stale/S    Digest, one MD5 challenge whose nonce goes stale when
                   it is first answered: that right answer gets a new
                   challenge with stale=true, and only the answer to the
                   new nonce passes (a client must answer it, not give up).
/basic/S           Basic (realm "qmgr").
/any/S             both: Basic and Digest (SHA-256, MD5) challenges; either
                   answer is accepted.
Each challenge: realm="qmgr", qop="auth", a fresh nonce, an opaque value,
charset=UTF-8, userhash=false.  A request is accepted when its response
is right for the method, the request target (uri= must equal it; to a
proxy, its origin form is accepted too, as curl sends that), the nonce
(one this server issued), nc (greater than any earlier nc with that nonce:
a replay is refused), cnonce and qop=auth.  An unknown nonce gets a
new challenge with stale=true.  Requests without qop (RFC 2069) and the
-sess algorithms are refused.

Proxy mode: a request whose target is absolute ("GET http://host:port/PATH
HTTP/1.1", what a client sends to a proxy) is answered as a proxy would,
from this server's own content for PATH (nothing is forwarded): the same
paths, with 407, Proxy-Authenticate and Proxy-Authorization instead of
401, WWW-Authenticate and Authorization.  CONNECT is refused (405).

Request log (--log)
-------------------
One JSON object per line, written and flushed when the request ends:
    {"method": "GET", "path": "/digest/4096?key=x", "proxy": false,
     "authorization": "Digest username=\\"bits\\", ..." | null,
     "proxy_authorization": null, "scheme": "digest" | "basic" | null,
     "user": "bits" | null, "algorithm": "SHA-256" | "MD5" | null,
     "verified": true, "stale": false, "status": 200, "bytes": 4096,
     "conn": 51234, "time": 1700000000.123}
path is the request target as sent; authorization and
proxy_authorization are the raw headers; scheme, user and algorithm are
read from the header this path checks (Authorization, or
Proxy-Authorization in proxy mode), verified says whether it was right,
stale whether the answer was a new challenge with stale=true;
conn is the client's port, the same for every request of one connection.
"""

import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultserver  # noqa: E402  (content, dates, sizes and ranges)

REALM = 'qmgr'
ALGORITHMS = {'MD5': hashlib.md5, 'SHA-256': hashlib.sha256}
ROUTES = {
    'data': (),
    'digest': ('SHA-256', 'MD5'),
    'digest-md5': ('MD5',),
    'digest-sha256': ('SHA-256',),
    'digest-stale': ('MD5',),
    'basic': ('Basic',),
    'any': ('Basic', 'SHA-256', 'MD5'),
}
DISCONNECT_ERRORS = (BrokenPipeError, ConnectionResetError,
                     ConnectionAbortedError, TimeoutError)

# key=value or key="quoted \" value" pairs of an auth header
AUTH_PARAM = re.compile(r'\s*([A-Za-z0-9_*-]+)\s*=\s*'
                        r'("(?:[^"\\]|\\.)*"|[^,\s]*)\s*(?:,|$)')


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.nonces = {}           # nonce -> highest nc seen (0: none)
        self.once = set()          # nonces that go stale when answered
        self.user = 'bits'
        self.password = 'secret'
        self.log = None

    def new_nonce(self, once=False):
        nonce = secrets.token_hex(16)
        with self.lock:
            self.nonces[nonce] = 0
            if once:
                self.once.add(nonce)
        return nonce

    def use_nonce(self, nonce, nc):
        """'ok', 'stale' (not ours, or gone stale now) or 'replay' (nc
        not increasing)."""
        with self.lock:
            last = self.nonces.get(nonce)
            if last is None:
                return 'stale'
            if nonce in self.once:
                self.once.discard(nonce)
                del self.nonces[nonce]
                return 'stale'
            if nc <= last:
                return 'replay'
            self.nonces[nonce] = nc
            return 'ok'

    def write_log(self, record):
        line = json.dumps(record) + '\n'
        with self.lock:
            if self.log is not None:
                self.log.write(line)
                self.log.flush()


STATE = State()


def parse_auth(value):
    """(scheme in lower case, {param: value} or the token68 string)."""
    if not value:
        return None, None
    scheme, _, rest = value.strip().partition(' ')
    scheme = scheme.lower()
    if scheme != 'digest':
        return scheme, rest.strip()
    params = {}
    for m in AUTH_PARAM.finditer(rest):
        v = m.group(2)
        if v.startswith('"'):
            v = re.sub(r'\\(.)', r'\1', v[1:-1])
        params[m.group(1).lower()] = v
    return scheme, params


def digest_hash(algorithm, text):
    return ALGORITHMS[algorithm](text.encode('utf-8')).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'qmgr-digestserver/1'
    sys_version = ''
    timeout = 300

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except DISCONNECT_ERRORS:
            pass

    def do_GET(self):
        self.serve(body=True)

    def do_HEAD(self):
        self.serve(body=False)

    def do_CONNECT(self):
        self.proxy = True
        self.finish_simple(405, 'CONNECT not supported\n', [])

    do_POST = do_PUT = do_DELETE = do_CONNECT

    # -- one request ------------------------------------------------------

    def serve(self, body):
        self.proxy = not self.path.startswith('/')
        self.checked = {'scheme': None, 'user': None, 'algorithm': None,
                        'verified': False, 'stale': False}
        # the query string (a test's key, say) does not choose the route
        target = urllib.parse.urlsplit(self.path).path
        parts = [p for p in target.split('/') if p]
        try:
            kind, size = parts[0], faultserver.parse_size(parts[1])
            schemes = ROUTES[kind]
            if len(parts) != 2:
                raise KeyError(kind)
        except (IndexError, KeyError, ValueError):
            self.finish_simple(404, 'not found\n', [])
            return
        if schemes:
            self.once = kind == 'digest-stale'
            answer = self.authenticate(schemes)
            if answer is not None:
                status, headers = answer
                self.finish_simple(status, 'authentication required\n',
                                   headers)
                return
        self.send_content(size, body)

    def authenticate(self, schemes):
        """None when the request may pass, else (status, headers)."""
        header = 'Proxy-Authorization' if self.proxy else 'Authorization'
        scheme, params = parse_auth(self.headers.get(header))
        self.checked['scheme'] = scheme
        stale = False
        if scheme == 'basic' and 'Basic' in schemes:
            try:
                user, _, password = base64.b64decode(
                    params, validate=True).decode('utf-8').partition(':')
            except (ValueError, UnicodeDecodeError):
                user, password = None, None
            self.checked['user'] = user
            if user == STATE.user and password == STATE.password:
                self.checked['verified'] = True
                return None
        elif scheme == 'digest':
            self.checked['user'] = params.get('username')
            self.checked['algorithm'] = params.get('algorithm', 'MD5')
            verdict = self.check_digest(params, schemes)
            if verdict == 'ok':
                self.checked['verified'] = True
                return None
            stale = verdict == 'stale'
        return self.challenge(schemes, stale)

    def check_digest(self, p, schemes):
        algorithm = p.get('algorithm', 'MD5')
        if algorithm not in schemes or algorithm not in ALGORITHMS:
            return 'refused'
        if p.get('qop') != 'auth' or p.get('realm') != REALM:
            return 'refused'
        if p.get('username') != STATE.user or p.get('uri') not in self.uris():
            return 'refused'
        try:
            nc = int(p.get('nc', ''), 16)
        except ValueError:
            return 'refused'
        nonce, cnonce = p.get('nonce', ''), p.get('cnonce')
        if not cnonce:
            return 'refused'
        ha1 = digest_hash(algorithm, '%s:%s:%s' % (STATE.user, REALM,
                                                   STATE.password))
        ha2 = digest_hash(algorithm, '%s:%s' % (self.command, p['uri']))
        expected = digest_hash(algorithm, ':'.join(
            (ha1, nonce, p['nc'], cnonce, 'auth', ha2)))
        if not secrets.compare_digest(expected, p.get('response', '')):
            # a wrong answer to a nonce we no longer know is only stale
            with STATE.lock:
                return 'refused' if nonce in STATE.nonces else 'stale'
        return STATE.use_nonce(nonce, nc)

    def uris(self):
        """What uri= may say: the request target; to a proxy, also its
        origin form (curl and others send that)."""
        if not self.proxy:
            return (self.path,)
        parts = urllib.parse.urlsplit(self.path)
        return (self.path, parts.path + ('?' + parts.query if parts.query
                                         else ''))

    def challenge(self, schemes, stale):
        name = 'Proxy-Authenticate' if self.proxy else 'WWW-Authenticate'
        self.checked['stale'] = stale
        headers = []
        for scheme in schemes:
            if scheme == 'Basic':
                headers.append((name, 'Basic realm="%s", charset="UTF-8"'
                                % REALM))
                continue
            headers.append((name, 'Digest realm="%s", qop="auth", '
                            'algorithm=%s, nonce="%s", opaque="%s", '
                            'charset=UTF-8, userhash=false%s'
                            % (REALM, scheme,
                               STATE.new_nonce(self.once and not stale),
                               secrets.token_hex(8),
                               ', stale=true' if stale else '')))
        return (407 if self.proxy else 401), headers

    # -- answers ------------------------------------------------------------

    def finish_simple(self, status, text, headers):
        data = text.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        sent = 0
        if self.command != 'HEAD':
            self.wfile.write(data)
            sent = len(data)
        self.write_log_line(status, sent)

    def send_content(self, size, body):
        rng = faultserver.parse_range(self.headers.get('Range'), size)
        if rng == 'unsatisfiable':
            self.finish_simple(416, 'range not satisfiable\n',
                               [('Content-Range', 'bytes */%d' % size)])
            return
        first, last = rng if rng else (0, size - 1)
        length = last - first + 1 if size else 0
        status = 206 if rng else 200
        self.send_response(status)
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Content-Length', str(length))
        self.send_header('Accept-Ranges', 'bytes')
        self.send_header('ETag', faultserver.etag(0, size))
        self.send_header('Last-Modified', faultserver.http_date(
            faultserver.last_modified(0)))
        if rng:
            self.send_header('Content-Range',
                             'bytes %d-%d/%d' % (first, last, size))
        self.end_headers()
        sent = 0
        if body:
            for chunk in faultserver.content_chunks(0, first, length):
                self.wfile.write(chunk)
                sent += len(chunk)
        self.write_log_line(status, sent)

    def write_log_line(self, status, sent):
        checked = getattr(self, 'checked', {})
        STATE.write_log({
            'method': self.command,
            'path': self.path,
            'proxy': self.proxy,
            'authorization': self.headers.get('Authorization'),
            'proxy_authorization': self.headers.get('Proxy-Authorization'),
            'scheme': checked.get('scheme'),
            'user': checked.get('user'),
            'algorithm': checked.get('algorithm'),
            'verified': checked.get('verified', False),
            'stale': checked.get('stale', False),
            'status': status,
            'bytes': sent,
            'conn': self.client_address[1],
            'time': round(time.time(), 3),
        })


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--log')
    ap.add_argument('--user', default='bits:secret', metavar='USER:PASSWORD')
    args = ap.parse_args()
    STATE.user, _, STATE.password = args.user.partition(':')

    faultserver.pattern(0)
    if args.log:
        STATE.log = open(args.log, 'a', encoding='utf-8')

    def stopped():
        with STATE.lock:
            if STATE.log:
                STATE.log.close()
                STATE.log = None

    faultserver.serve(Handler, args.port, stopped)
    return 0


if __name__ == '__main__':
    sys.exit(main())
