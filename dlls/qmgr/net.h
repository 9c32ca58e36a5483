/*
 * Background Intelligent Transfer Service: the service's own HTTP client
 *
 * Every job talks to servers over connections of its own (connection.c),
 * answers authentication challenges from its own credentials (auth.c) and
 * finds its proxy from its own settings (proxy.c); nothing in the process
 * is shared between jobs, so no job's password, certificate exception,
 * client certificate or route reaches another job's requests.  http.c
 * speaks HTTP/1.1 over these.  The wire is bytes: header names and values
 * are char strings here.
 *
 * Copyright 2026 the qmgr project authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Lesser General Public License for more details.
 *
 * You should have received a copy of the GNU Lesser General Public
 * License along with this library; if not, write to the Free Software
 * Foundation, Inc., 51 Franklin St, Fifth Floor, Boston, MA 02110-1301, USA
 */

#ifndef __QMGR_NET_H
#define __QMGR_NET_H

#include "qmgr_private.h"

/* http.c: a growing byte string, always NUL-terminated, wiped whenever it
 * moves or is freed, since requests and answers to challenges carry
 * passwords.  After a failed allocation it stays failed and adds nothing. */
struct text
{
    char *data;
    size_t len, size;
    BOOL failed;
};
void text_add(struct text *b, const char *s, size_t len);
void text_str(struct text *b, const char *s);
void text_free(struct text *b);
/* The string (the caller frees it), or NULL after a failed allocation. */
char *text_detach(struct text *b);
/* s in UTF-8, malloc'd; NULL for NULL. */
char *strdupWtoA(const WCHAR *s);

/* auth.c: answers to WWW-Authenticate (target BG_AUTH_TARGET_SERVER) and
 * Proxy-Authenticate (BG_AUTH_TARGET_PROXY) challenges.  A job's
 * credentials are used only for the scheme they were set for: Basic
 * credentials never answer a Digest challenge, NTLM credentials are never
 * sent as Basic.  One auth_state per job, target and connection: the
 * connection-based schemes (NTLM, Negotiate) keep their SSPI context in it,
 * Digest its nonce and count. */
struct auth_state
{
    BG_AUTH_SCHEME scheme;          /* answered last; 0 before any challenge */
    char *realm;
    char *nonce;
    char *opaque;
    BOOL sha256;                    /* algorithm=SHA-256, else MD5 */
    BOOL qop_auth;
    ULONG nc;                       /* nonce count of the last answer */
    void *priv;                     /* auth.c's own: SSPI context, refusals */
};

/* challenges: every value of the challenge headers of the answer, each
 * ending with '\n'.  On S_OK *value is the Authorization (or
 * Proxy-Authorization) value to send with the request again (malloc'd);
 * S_FALSE: no challenge is in a scheme the job has credentials for, the
 * answer stands. */
HRESULT auth_respond(struct auth_state *state, const struct credential creds[CRED_SCHEMES],
                     const char *challenges, const char *method, const char *uri, char **value);
/* The value to send before any challenge on a later request, once a
 * challenge was answered (Basic again; Digest with the next nonce count);
 * NULL when none. */
char *auth_preempt(struct auth_state *state, const struct credential creds[CRED_SCHEMES],
                   const char *method, const char *uri);
void auth_state_clear(struct auth_state *state);
/* Wipes and frees a string that held a secret: those values, a password. */
void secret_free(char *s);

/* proxy.c: the proxy, if any, a job's request for url goes through:
 * BG_JOB_PROXY_USAGE_NO_PROXY direct; OVERRIDE the job's list and bypass
 * list; PRECONFIG the settings of the service's user (Internet Settings,
 * WinHTTP's default); AUTODETECT WPAD, then the configured PAC file.
 * *host is NULL for a direct request, else "name" (malloc'd) and *port. */
HRESULT proxy_for_url(const struct transfer *t, const WCHAR *url, char **host, USHORT *port);

/* connection.c: a TCP connection of one job, TLS on it for https.  The
 * functions return wininet's error codes (ERROR_INTERNET_*), which is
 * what Windows' BITS reports for network failures. */
struct connection;
DWORD conn_open(struct connection **conn, const char *host, USHORT port, DWORD timeout);
/* TLS to host (the name the certificate must carry), checked by the job's
 * security flags (BG_SSL_*), presenting the job's client certificate; when
 * that certificate cannot be found, *hr says why. */
DWORD conn_start_tls(struct connection *conn, const WCHAR *host, ULONG flags,
                     const struct client_certificate *client, HRESULT *hr);
DWORD conn_send(struct connection *conn, const char *data, size_t len);
DWORD conn_recv(struct connection *conn, char *buffer, size_t size, size_t *got);
BOOL conn_unread(struct connection *conn, const char *data, size_t len);
BOOL conn_is_alive(struct connection *conn);
void conn_close(struct connection *conn);

#endif
