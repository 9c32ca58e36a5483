# Local test servers for make check, on 127.0.0.1 only.  Sourced (not run)
# by tests/run-check, with $top set to the project root:
#     . "$top/tests/servers.sh"; servers_start || fail; ...; servers_stop
# POSIX sh; defines only servers_start, servers_stop and _qs_* helpers and
# _qs_* variables; works under set -e and set -u (tests/demo uses both).
#
# servers_start
#   - stops servers left by an earlier run, then wipes and recreates the
#     state dir $top/tests/run/servers (config, pid files, logs, temp dirs);
#   - makes the docroot $top/tests/run/www, writing only files that are
#     missing or of the wrong size: small.bin (4096 bytes), 1m.bin (1 MiB),
#     64m.bin (64 MiB), many/f000.bin .. many/f199.bin (4096 bytes each),
#     all content version 0 of the formula in tests/faultserver.py
#         byte i = ((((i * 2654435761) & 0xffffffff) >> 13) ^ (v * 0x5b)) & 0xff
#   - makes the test CA and its certificates with openssl ($OPENSSL,
#     default openssl) once, in $top/tests/run/tls (kept across runs, so
#     that a prefix trusts one CA; delete the folder to make new ones):
#       ca.pem, ca.der     the CA "qmgr test CA" (PEM, and DER for Windows)
#       server.pem/.key    CN and DNS name "localhost" (Wine 8 matches DNS
#                          names only), valid 2019-2046
#       expired.pem        the same name and key, valid 2020-01-01 to
#                          2021-01-01 only
#       client.pem/.key    "qmgr test client", for client authentication;
#       client.pfx         the same with the CA, PKCS#12, empty password
#                          (SHA1-3DES, which Windows and Wine import)
#     and in $top/tests/run/tls/untrusted a second CA, "qmgr untrusted CA",
#     that no prefix ever trusts, with its own server.pem/.key for
#     localhost and chain.pem (server.pem and the CA, which nginx sends, so
#     that a client finds an untrusted root rather than a partial chain)
#   - picks free ports on 127.0.0.1 and starts, in the background:
#       nginx ($NGINX, default nginx) with tests/nginx.conf.in: plain HTTP
#         (locations /, /slow/ at 1 MiB/s, /limited/ at 3 MiB/s (plain HTTP
#         only), /auth/ with Basic bits:secret);
#         TLS with the good certificate (the same locations), with the
#         expired one, with the untrusted CA's one, and asking for a
#         client certificate (/client/ needs one); "daemon off", so this shell reaps it; pid file, logs and
#         temp dirs in the state dir;
#       tests/faultserver.py ($QMGR_PYTHON, default /usr/bin/python3); its
#         stderr goes to STATE/fault.stderr;
#       tests/digestserver.py: Digest (RFC 7616, MD5 and SHA-256) and Basic
#         authentication, as a server and as a proxy (see there);
#       two tinyproxy instances ($TINYPROXY, default tinyproxy, Debian's
#         package), in the foreground (-d): an open proxy, and one that
#         wants Basic proxy authentication bits:secret; no ConnectPort
#         line, so CONNECT goes to any port; tinyproxy closes every client
#         connection after one request (it has no keep-alive);
#   - waits (10 s at most) until all accept connections and exports
#       QMGR_HTTP_PORT   nginx's plain HTTP port
#       QMGR_HTTPS_PORT  nginx's TLS port, certificate for localhost signed
#                        by the test CA (use https://localhost:PORT/)
#       QMGR_HTTPS_EXPIRED_PORT  nginx's TLS port with the expired
#                        certificate
#       QMGR_HTTPS_CLIENT_PORT   nginx's TLS port asking for a client
#                        certificate; /client/ answers 403 without one
#       QMGR_HTTPS_REVOKED_PORT  nginx's TLS port with a certificate for
#                        localhost that the test CA's CRL revokes
#       QMGR_HTTPS_CRL_GOOD_PORT nginx's TLS port with one the CRL does not
#                        list; both name http://127.0.0.1:QMGR_HTTP_PORT/
#                        crl/ca.crl as CRL distribution point (made each run
#                        in STATE/crl by _qs_make_crl, as the port changes)
#       QMGR_PAC_URL     a PAC file on nginx's plain port: the open tinyproxy
#                        for URLs containing "pac-proxied", else DIRECT
#       QMGR_HTTPS_UNTRUSTED_PORT nginx's TLS port with a certificate for
#                        localhost from the untrusted CA (/, /auth/)
#       QMGR_FAULT_PORT  the fault server's port
#       QMGR_DIGEST_PORT the Digest server's port
#       QMGR_PROXY_PORT  the open tinyproxy's port
#       QMGR_AUTH_PROXY_PORT     the tinyproxy that wants bits:secret
#       QMGR_WWW         unix path of the docroot
#       QMGR_FAULT_LOG   unix path of the fault server's JSON-lines request log
#       QMGR_DIGEST_LOG  unix path of the Digest server's JSON-lines log
#                        (every request's Authorization headers)
#       QMGR_NGINX_LOG   unix path of nginx's access log, every server's
#                        (format in tests/nginx.conf.in)
#       QMGR_PROXY_LOG, QMGR_AUTH_PROXY_LOG  unix paths of the proxies'
#                        logs: a "Request (file descriptor N): GET
#                        http://... HTTP/1.1" (or CONNECT host:port) line
#                        for each request that went through
#       QMGR_TLS_DIR     unix path of the folder above
#       QMGR_CA_CERT     unix path of ca.pem (QMGR_TLS_DIR/ca.der in DER)
#   Returns non-zero with a message on stderr when something fails (after
#   stopping whatever it started).
#   Nothing here touches any certificate store: tests/run-check makes each
#   prefix trust the CA (build/ARCH/trustca.exe), never the host.
# servers_stop
#   stops every server through its pid file (TERM, then KILL after 5 s),
#   waits for them to be gone; quiet, and safe to call any number of times.
#
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

_qs_alive() {
    # true while process $1 exists and is not a zombie
    [ -n "$1" ] || return 1
    if [ -r "/proc/$1/stat" ]; then
        _qs_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
        case $_qs_st in
        Z*|X*|'') return 1 ;;
        esac
        return 0
    fi
    kill -0 "$1" 2>/dev/null
}

_qs_is() {
    # true when process $1 runs a command line containing $2 (so that a
    # stale pid file never makes us kill an unrelated process)
    [ -r "/proc/$1/cmdline" ] || return 0
    tr '\000' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q -- "$2"
}

_qs_kill() {
    # _qs_kill PIDFILE NAME: TERM, wait up to 5 s, then KILL
    [ -f "$1" ] || return 0
    _qs_pid=$(cat "$1" 2>/dev/null)
    case $_qs_pid in
    ''|*[!0-9]*) rm -f "$1"; return 0 ;;
    esac
    if _qs_alive "$_qs_pid" && _qs_is "$_qs_pid" "$2"; then
        _qs_children=$(ps -o pid= --ppid "$_qs_pid" 2>/dev/null) || :
        kill -TERM "$_qs_pid" 2>/dev/null || :
        _qs_n=0
        while _qs_alive "$_qs_pid" && [ $_qs_n -lt 50 ]; do
            sleep 0.1
            _qs_n=$((_qs_n + 1))
        done
        if _qs_alive "$_qs_pid"; then
            # shellcheck disable=SC2086 # a list of pids
            kill -KILL "$_qs_pid" $_qs_children 2>/dev/null || :
            sleep 0.1
        fi
    fi
    # reap it when it was started by this shell
    wait "$_qs_pid" 2>/dev/null || :
    rm -f "$1"
    return 0
}

servers_stop() {
    _qs_state=${top:-.}/tests/run/servers
    _qs_kill "$_qs_state/nginx.pid" nginx
    _qs_kill "$_qs_state/fault.pid" faultserver.py
    _qs_kill "$_qs_state/digest.pid" digestserver.py
    _qs_kill "$_qs_state/proxy.pid" tinyproxy
    _qs_kill "$_qs_state/auth-proxy.pid" tinyproxy
    return 0
}

# _qs_make_tls DIR: the test CA and its certificates (see the top), made
# once; an incomplete folder is made again.
_qs_make_tls() {
    _qs_dir=$1
    _qs_complete=1
    for _qs_f in ca.pem ca.der ca.key server.pem server.key server.csr expired.pem client.pem client.key client.pfx; do
        [ -s "$_qs_dir/$_qs_f" ] || _qs_complete=0
    done
    [ $_qs_complete = 1 ] && return 0
    _qs_tmp=$_qs_dir.new
    rm -rf "$_qs_tmp" && mkdir -p "$_qs_tmp" || return 1
    printf '%s\n' \
        '[ req ]' 'distinguished_name = req_dn' 'prompt = no' '[ req_dn ]' 'CN = unused' \
        '[ ca ]' 'default_ca = test_ca' \
        '[ test_ca ]' 'database = ./index.txt' 'serial = ./serial' 'new_certs_dir = .' \
        'certificate = ./ca.pem' 'private_key = ./ca.key' 'default_md = sha256' \
        'policy = any_name' 'unique_subject = no' 'email_in_dn = no' \
        '[ any_name ]' 'commonName = supplied' \
        '[ ca_ext ]' 'basicConstraints = critical, CA:TRUE' \
        'keyUsage = critical, keyCertSign, cRLSign' 'subjectKeyIdentifier = hash' \
        '[ server_ext ]' 'basicConstraints = critical, CA:FALSE' \
        'keyUsage = critical, digitalSignature, keyEncipherment' \
        'extendedKeyUsage = serverAuth' 'subjectAltName = DNS:localhost' \
        'subjectKeyIdentifier = hash' 'authorityKeyIdentifier = keyid' \
        '[ client_ext ]' 'basicConstraints = critical, CA:FALSE' \
        'keyUsage = critical, digitalSignature' 'extendedKeyUsage = clientAuth' \
        'subjectKeyIdentifier = hash' 'authorityKeyIdentifier = keyid' >"$_qs_tmp/ca.cnf"
    # "openssl ca" because openssl 3.0's x509 and req cannot set a start
    # date in the past; the CA's own validity starts before the expired
    # certificate's, so that only the leaf is out of date.
    (
        cd "$_qs_tmp" || exit 1
        : >index.txt && echo 01 >serial || exit 1
        sign() {  # sign NAME EXTENSIONS START END [more options]
            name=$1 ext=$2 start=$3 end=$4; shift 4
            "$_qs_openssl" ca -batch -config ca.cnf -notext -extensions "$ext" \
                -startdate "$start" -enddate "$end" -in "$name.csr" -out "$name.pem" "$@"
        }
        request() {  # request NAME SUBJECT
            "$_qs_openssl" req -new -config ca.cnf -newkey rsa:2048 -nodes \
                -keyout "$1.key" -subj "$2" -out "$1.csr"
        }
        request ca "/CN=qmgr test CA" &&
        sign ca ca_ext 20190101000000Z 20460101000000Z -selfsign -keyfile ca.key &&
        request server "/CN=localhost" &&
        sign server server_ext 20190101000000Z 20460101000000Z &&
        cp server.csr expired.csr &&
        sign expired server_ext 20200101000000Z 20210101000000Z &&
        request client "/CN=qmgr test client" &&
        sign client client_ext 20190101000000Z 20460101000000Z &&
        "$_qs_openssl" x509 -in ca.pem -outform DER -out ca.der &&
        "$_qs_openssl" pkcs12 -export -in client.pem -inkey client.key -certfile ca.pem \
            -name "qmgr test client" -passout pass: -certpbe PBE-SHA1-3DES \
            -keypbe PBE-SHA1-3DES -macalg sha1 -out client.pfx
    ) >"$_qs_tmp/openssl.log" 2>&1 || {
        echo "servers_start: openssl failed, see $_qs_tmp/openssl.log" >&2
        return 1; }
    rm -rf "$_qs_dir" && mv "$_qs_tmp" "$_qs_dir"
}

# _qs_make_crl DIR TLSDIR HTTP_PORT: two certificates for localhost (the key
# and request of server.pem) whose CRL distribution point is nginx's
# http://127.0.0.1:HTTP_PORT/crl/ca.crl: revoked.pem, which that CRL
# (DIR/ca.crl, DER) lists as revoked, and crlgood.pem, which it does not.
_qs_make_crl() {
    rm -rf "$1" && mkdir -p "$1" || return 1
    printf '%s\n' '[ ca ]' 'default_ca = crl_ca' '[ crl_ca ]' 'database = ./index.txt' \
        'serial = ./serial' 'new_certs_dir = .' "certificate = $2/ca.pem" \
        "private_key = $2/ca.key" 'default_md = sha256' 'policy = any_name' \
        'unique_subject = no' 'email_in_dn = no' 'default_crl_days = 3650' \
        'crl_extensions = crl_ext' '[ crl_ext ]' 'authorityKeyIdentifier = keyid:always' \
        '[ any_name ]' 'commonName = supplied' '[ cdp_ext ]' \
        'basicConstraints = critical, CA:FALSE' 'keyUsage = critical, digitalSignature, keyEncipherment' \
        'extendedKeyUsage = serverAuth' 'subjectAltName = DNS:localhost' \
        'subjectKeyIdentifier = hash' 'authorityKeyIdentifier = keyid' \
        "crlDistributionPoints = URI:http://127.0.0.1:$3/crl/ca.crl" >"$1/crl.cnf"
    (
        cd "$1" && : >index.txt && echo 1001 >serial || exit 1
        for name in revoked crlgood; do
            "$_qs_openssl" ca -batch -config crl.cnf -notext -extensions cdp_ext \
                -startdate 20190101000000Z -enddate 20460101000000Z \
                -in "$2/server.csr" -out "$name.pem" || exit 1
        done
        "$_qs_openssl" ca -config crl.cnf -revoke revoked.pem -crl_reason keyCompromise &&
        "$_qs_openssl" ca -config crl.cnf -gencrl -out ca.crl.pem &&
        "$_qs_openssl" crl -in ca.crl.pem -outform DER -out ca.crl
    ) >"$1/openssl.log" 2>&1
}

# _qs_make_untrusted DIR: a CA no prefix trusts and a localhost certificate
# from it, made once like the test CA's.
_qs_make_untrusted() {
    [ -s "$1/chain.pem" ] && [ -s "$1/server.key" ] && return 0
    rm -rf "$1.new" && mkdir -p "$1.new" || return 1
    (
        cd "$1.new" || exit 1
        printf '%s\n' 'basicConstraints = critical, CA:FALSE' 'extendedKeyUsage = serverAuth' \
            'subjectAltName = DNS:localhost' >server.ext &&
        "$_qs_openssl" req -x509 -newkey rsa:2048 -nodes -keyout ca.key -subj "/CN=qmgr untrusted CA" \
            -addext 'basicConstraints = critical, CA:TRUE' -days 9000 -out ca.pem &&
        "$_qs_openssl" req -new -newkey rsa:2048 -nodes -keyout server.key -subj /CN=localhost -out server.csr &&
        "$_qs_openssl" x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -extfile server.ext -days 9000 -sha256 -out server.pem &&
        cat server.pem ca.pem >chain.pem
    ) >"$1.new/openssl.log" 2>&1 || {
        echo "servers_start: openssl failed, see $1.new/openssl.log" >&2
        return 1; }
    rm -rf "$1" && mv "$1.new" "$1"
}

# _qs_tinyproxy_conf PORT LOG [BasicAuth line]: a tinyproxy configuration.
_qs_tinyproxy_conf() {
    printf '%s\n' "Port $1" "Listen 127.0.0.1" "Allow 127.0.0.1" "Timeout 600" \
        "MaxClients 100" "LogFile \"$2\"" "LogLevel Info" ${3:+"$3"}
}

_qs_sed_escape() {
    printf '%s\n' "$1" | sed 's/[\\&|]/\\&/g'
}

_qs_fail() {
    echo "servers_start: $*" >&2
    servers_stop
    return 1
}

servers_start() {
    if [ -z "${top:-}" ]; then
        echo "servers_start: \$top (project root) is not set" >&2
        return 1
    fi
    _qs_state=$top/tests/run/servers
    _qs_www=$top/tests/run/www
    _qs_py=${QMGR_PYTHON:-/usr/bin/python3}
    _qs_nginx=${NGINX:-nginx}
    _qs_openssl=${OPENSSL:-openssl}
    _qs_tinyproxy=${TINYPROXY:-tinyproxy}
    if ! command -v "$_qs_openssl" >/dev/null 2>&1; then
        echo "servers_start: openssl not found ($_qs_openssl; Debian package openssl)" >&2
        return 1
    fi
    if ! command -v "$_qs_tinyproxy" >/dev/null 2>&1; then
        if [ "$_qs_tinyproxy" = tinyproxy ] && [ -x /usr/bin/tinyproxy ]; then
            _qs_tinyproxy=/usr/bin/tinyproxy
        else
            echo "servers_start: tinyproxy not found ($_qs_tinyproxy; Debian package tinyproxy)" >&2
            return 1
        fi
    fi
    if ! command -v "$_qs_nginx" >/dev/null 2>&1; then
        if [ "$_qs_nginx" = nginx ] && [ -x /usr/sbin/nginx ]; then
            _qs_nginx=/usr/sbin/nginx
        else
            echo "servers_start: nginx not found ($_qs_nginx)" >&2
            return 1
        fi
    fi
    if ! [ -x "$_qs_py" ]; then
        echo "servers_start: python not found ($_qs_py)" >&2
        return 1
    fi

    servers_stop
    rm -rf "$_qs_state"
    mkdir -p "$_qs_state" "$_qs_www/many" || {
        echo "servers_start: cannot create $_qs_state or $_qs_www" >&2
        return 1; }

    # Docroot: only missing or wrongly sized files are written.
    set -- "$_qs_www/small.bin:4096" "$_qs_www/1m.bin:1048576" \
        "$_qs_www/64m.bin:67108864"
    _qs_i=0
    while [ $_qs_i -lt 200 ]; do
        _qs_n=$((1000 + _qs_i))
        set -- "$@" "$_qs_www/many/f${_qs_n#1}.bin:4096"
        _qs_i=$((_qs_i + 1))
    done
    "$_qs_py" "$top/tests/faultserver.py" --generate "$@" ||
        { echo "servers_start: cannot write the docroot $_qs_www" >&2
          return 1; }

    printf 'bits:{PLAIN}secret\n' >"$_qs_state/htpasswd"
    _qs_tls=$top/tests/run/tls
    _qs_make_tls "$_qs_tls" || return 1
    _qs_make_untrusted "$_qs_tls/untrusted" || return 1

    _qs_try=1
    while :; do
        _qs_ports=$("$_qs_py" -c '
import socket
socks = [socket.socket() for _ in range(11)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
') || return 1
        # shellcheck disable=SC2086 # eleven numbers
        set -- $_qs_ports
        _qs_hport=$1 _qs_fport=$2 _qs_sport=$3 _qs_eport=$4 _qs_cport=$5
        _qs_dport=$6 _qs_pport=$7 _qs_aport=$8
        _qs_rport=$9 _qs_gport=${10} _qs_uport=${11}

        # the CRL and its certificates (their URL has the port), the PAC file
        _qs_make_crl "$_qs_state/crl" "$_qs_tls" "$_qs_hport" ||
            { _qs_fail "openssl failed, see $_qs_state/crl/openssl.log"; return 1; }
        printf '%s\n' 'function FindProxyForURL(url, host) {' \
            "    if (url.indexOf(\"pac-proxied\") >= 0) return \"PROXY 127.0.0.1:$_qs_pport\";" \
            '    return "DIRECT";' '}' >"$_qs_state/proxy.pac"

        # nginx
        _qs_sedroot=$(_qs_sed_escape "$_qs_www")
        _qs_sedstate=$(_qs_sed_escape "$_qs_state")
        _qs_sedtls=$(_qs_sed_escape "$_qs_tls")
        if [ "$(id -u)" = 0 ]; then _qs_user=; else _qs_user='/^user /d;'; fi
        sed -e "${_qs_user}s|@PORT@|$_qs_hport|g;s|@HTTPS_PORT@|$_qs_sport|g" \
            -e "s|@HTTPS_EXPIRED_PORT@|$_qs_eport|g;s|@HTTPS_CLIENT_PORT@|$_qs_cport|g" \
            -e "s|@HTTPS_REVOKED_PORT@|$_qs_rport|g;s|@HTTPS_CRL_GOOD_PORT@|$_qs_gport|g" \
            -e "s|@HTTPS_UNTRUSTED_PORT@|$_qs_uport|g" \
            -e "s|@ROOT@|$_qs_sedroot|g;s|@STATE@|$_qs_sedstate|g;s|@TLS@|$_qs_sedtls|g" \
            "$top/tests/nginx.conf.in" >"$_qs_state/nginx.conf" ||
            { _qs_fail "cannot write $_qs_state/nginx.conf"; return 1; }
        # "daemon off": a child of this shell, so that it is reaped here.
        # nginx writes the same pid to nginx.pid itself.
        "$_qs_nginx" -p "$_qs_state/" -c "$_qs_state/nginx.conf" \
            </dev/null >>"$_qs_state/nginx.stderr" 2>&1 &
        echo $! >"$_qs_state/nginx.pid"

        # fault server
        "$_qs_py" "$top/tests/faultserver.py" --port "$_qs_fport" \
            --log "$_qs_state/fault.log" \
            </dev/null >>"$_qs_state/fault.stderr" 2>&1 &
        echo $! >"$_qs_state/fault.pid"

        # Digest server
        "$_qs_py" "$top/tests/digestserver.py" --port "$_qs_dport" \
            --log "$_qs_state/digest.log" \
            </dev/null >>"$_qs_state/digest.stderr" 2>&1 &
        echo $! >"$_qs_state/digest.pid"

        # tinyproxy, open and with Basic authentication; -d: in the
        # foreground, so that this shell reaps it.
        _qs_tinyproxy_conf "$_qs_pport" "$_qs_state/proxy.log" >"$_qs_state/proxy.conf"
        _qs_tinyproxy_conf "$_qs_aport" "$_qs_state/auth-proxy.log" "BasicAuth bits secret" \
            >"$_qs_state/auth-proxy.conf"
        for _qs_p in proxy auth-proxy; do
            "$_qs_tinyproxy" -d -c "$_qs_state/$_qs_p.conf" \
                </dev/null >>"$_qs_state/$_qs_p.stderr" 2>&1 &
            echo $! >"$_qs_state/$_qs_p.pid"
        done

        # All must accept connections within 10 s.
        _qs_ready=0
        if "$_qs_py" - "$_qs_hport $_qs_sport $_qs_eport $_qs_cport $_qs_rport $_qs_gport $_qs_uport" "$(cat "$_qs_state/nginx.pid")" \
                "$_qs_fport" "$(cat "$_qs_state/fault.pid")" \
                "$_qs_dport" "$(cat "$_qs_state/digest.pid")" \
                "$_qs_pport" "$(cat "$_qs_state/proxy.pid")" \
                "$_qs_aport" "$(cat "$_qs_state/auth-proxy.pid")" <<'EOF'
import socket, sys, time

# pairs: "PORT [PORT...]", then the pid of the server listening there
servers = [(sys.argv[i].split(), sys.argv[i + 1]) for i in range(1, len(sys.argv), 2)]

def alive(pid):
    try:
        with open('/proc/%s/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] not in 'ZX'
    except (OSError, IndexError):
        return False

def answers(port):
    try:
        socket.create_connection(('127.0.0.1', int(port)), 0.5).close()
        return True
    except OSError:
        return False

deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    if not all(alive(pid) for _, pid in servers):
        sys.exit(1)
    if all(answers(port) for ports, _ in servers for port in ports):
        sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
EOF
        then
            _qs_ready=1
        fi
        [ $_qs_ready = 1 ] && break

        servers_stop
        if [ $_qs_try -ge 3 ]; then
            echo "servers_start: the test servers did not start" >&2
            for _qs_f in nginx.stderr error.log fault.stderr digest.stderr \
                    proxy.stderr proxy.log auth-proxy.stderr auth-proxy.log; do
                [ -s "$_qs_state/$_qs_f" ] || continue
                echo "--- $_qs_state/$_qs_f" >&2
                tail -n 20 "$_qs_state/$_qs_f" >&2
            done
            return 1
        fi
        _qs_try=$((_qs_try + 1))   # maybe a port was taken meanwhile
    done

    QMGR_HTTP_PORT=$_qs_hport
    QMGR_HTTPS_PORT=$_qs_sport
    QMGR_HTTPS_EXPIRED_PORT=$_qs_eport
    QMGR_HTTPS_CLIENT_PORT=$_qs_cport
    QMGR_HTTPS_REVOKED_PORT=$_qs_rport
    QMGR_HTTPS_CRL_GOOD_PORT=$_qs_gport
    QMGR_PAC_URL=http://127.0.0.1:$_qs_hport/proxy.pac
    QMGR_HTTPS_UNTRUSTED_PORT=$_qs_uport
    QMGR_FAULT_PORT=$_qs_fport
    QMGR_DIGEST_PORT=$_qs_dport
    QMGR_PROXY_PORT=$_qs_pport
    QMGR_AUTH_PROXY_PORT=$_qs_aport
    QMGR_WWW=$_qs_www
    QMGR_FAULT_LOG=$_qs_state/fault.log
    QMGR_DIGEST_LOG=$_qs_state/digest.log
    QMGR_NGINX_LOG=$_qs_state/access.log
    QMGR_PROXY_LOG=$_qs_state/proxy.log
    QMGR_AUTH_PROXY_LOG=$_qs_state/auth-proxy.log
    QMGR_TLS_DIR=$_qs_tls
    QMGR_CA_CERT=$_qs_tls/ca.pem
    export QMGR_HTTP_PORT QMGR_HTTPS_PORT QMGR_HTTPS_EXPIRED_PORT QMGR_HTTPS_CLIENT_PORT \
        QMGR_HTTPS_UNTRUSTED_PORT \
        QMGR_FAULT_PORT QMGR_DIGEST_PORT QMGR_PROXY_PORT QMGR_AUTH_PROXY_PORT QMGR_WWW \
        QMGR_FAULT_LOG QMGR_DIGEST_LOG QMGR_NGINX_LOG QMGR_PROXY_LOG QMGR_AUTH_PROXY_LOG \
        QMGR_TLS_DIR QMGR_CA_CERT
    export QMGR_HTTPS_REVOKED_PORT QMGR_HTTPS_CRL_GOOD_PORT QMGR_PAC_URL
    return 0
}
