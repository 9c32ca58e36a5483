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
#   - picks two free ports on 127.0.0.1 and starts
#       nginx ($NGINX, default nginx) with tests/nginx.conf.in (locations /,
#         /slow/ at 1 MiB/s, /auth/ with Basic bits:secret), in the
#         background ("daemon off", so this shell reaps it) with its pid
#         file, logs and temp dirs in the state dir;
#       tests/faultserver.py ($QMGR_PYTHON, default /usr/bin/python3) in the
#         background; its stderr goes to STATE/fault.stderr;
#   - waits (10 s at most) until both accept connections and exports
#       QMGR_HTTP_PORT   nginx's port
#       QMGR_FAULT_PORT  the fault server's port
#       QMGR_WWW         unix path of the docroot
#       QMGR_FAULT_LOG   unix path of the fault server's JSON-lines request log
#       QMGR_NGINX_LOG   unix path of nginx's access log (format in
#                        tests/nginx.conf.in)
#   Returns non-zero with a message on stderr when something fails (after
#   stopping whatever it started).
# servers_stop
#   stops both servers through their pid files (TERM, then KILL after 5 s),
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
    return 0
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

    _qs_try=1
    while :; do
        _qs_ports=$("$_qs_py" -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
') || return 1
        _qs_hport=${_qs_ports% *}
        _qs_fport=${_qs_ports#* }

        # nginx
        _qs_sedroot=$(_qs_sed_escape "$_qs_www")
        _qs_sedstate=$(_qs_sed_escape "$_qs_state")
        if [ "$(id -u)" = 0 ]; then _qs_user=; else _qs_user='/^user /d;'; fi
        sed -e "${_qs_user}s|@PORT@|$_qs_hport|g;s|@ROOT@|$_qs_sedroot|g;s|@STATE@|$_qs_sedstate|g" \
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

        # Both must accept connections within 10 s.
        _qs_ready=0
        if "$_qs_py" - "$_qs_hport" "$_qs_fport" \
                "$(cat "$_qs_state/nginx.pid")" "$(cat "$_qs_state/fault.pid")" <<'EOF'
import socket, sys, time

hport, fport, nginx_pid, fault_pid = sys.argv[1:5]

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
    if not alive(fault_pid) or not alive(nginx_pid):
        sys.exit(1)
    if answers(hport) and answers(fport):
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
            for _qs_f in nginx.stderr error.log fault.stderr; do
                [ -s "$_qs_state/$_qs_f" ] || continue
                echo "--- $_qs_state/$_qs_f" >&2
                tail -n 20 "$_qs_state/$_qs_f" >&2
            done
            return 1
        fi
        _qs_try=$((_qs_try + 1))   # maybe a port was taken meanwhile
    done

    QMGR_HTTP_PORT=$_qs_hport
    QMGR_FAULT_PORT=$_qs_fport
    QMGR_WWW=$_qs_www
    QMGR_FAULT_LOG=$_qs_state/fault.log
    QMGR_NGINX_LOG=$_qs_state/access.log
    export QMGR_HTTP_PORT QMGR_FAULT_PORT QMGR_WWW QMGR_FAULT_LOG QMGR_NGINX_LOG
    return 0
}
