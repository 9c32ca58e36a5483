/*
 * Background Intelligent Transfer Service: HTTP and HTTPS downloads
 *
 * HTTP/1.1 over the job's own connections (connection.c): a connection is
 * kept for the job's next request and never given to another job, so what
 * one job's settings allowed (a relaxed certificate check, a client
 * certificate, a proxy, an authenticated connection) never carries
 * another's request.  Challenges are answered from the job's own
 * credentials (auth.c), the proxy comes from the job's own settings
 * (proxy.c).  Bytes go straight from the connection into the temporary
 * file through a large buffer.  An interrupted file resumes with a Range
 * request guarded by If-Range (the ETag, else Last-Modified): a server that
 * answers 200 instead of 206, or a changed validator, restarts the file
 * from zero, so two versions are never spliced.
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

#include "net.h"
#include "wininet.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

/* Reads of half a MiB: fewer calls per byte, and a read that a reset
 * interrupts loses at most that much. */
#define READ_BUFFER_SIZE    (512 * 1024)
#define MAX_RECEIVE_TIMEOUT 60
#define MAX_HEAD_SIZE       (64 * 1024)
#define MAX_REDIRECTS       10
#define MAX_AUTH_ROUNDS     4
#define USER_AGENT          "Microsoft BITS/7.0"

struct http_session
{
    struct connection *conn;
    /* where conn goes: the origin, and the proxy it goes through */
    char *host;
    USHORT port;
    BOOL secure;
    char *proxy;
    USHORT proxy_port;
    BOOL kept;             /* conn carried an earlier request */
    /* what the job's answers to challenges learned */
    struct auth_state auth[CRED_TARGETS];
    char *buffer;
};

/* An answer's head, and where its body stands. */
struct response
{
    DWORD status;
    char *head;            /* the header lines, each ending with '\n' */
    UINT64 length;         /* Content-Length, or BG_SIZE_UNKNOWN */
    BOOL chunked;
    BOOL keep_alive;
    UINT64 left;           /* of the body, or of the current chunk */
    BOOL done;             /* the whole body was read */
};

static void session_drop_connection(struct http_session *session)
{
    int i;

    conn_close(session->conn);
    session->conn = NULL;
    free(session->host);
    free(session->proxy);
    session->host = session->proxy = NULL;
    /* Connection-based authentication belongs to the connection. */
    for (i = 0; i < CRED_TARGETS; i++)
        if (session->auth[i].scheme == BG_AUTH_SCHEME_NTLM || session->auth[i].scheme == BG_AUTH_SCHEME_NEGOTIATE)
            auth_state_clear(&session->auth[i]);
}

void http_session_close(struct http_session *session)
{
    int i;

    if (!session) return;
    session_drop_connection(session);
    for (i = 0; i < CRED_TARGETS; i++) auth_state_clear(&session->auth[i]);
    free(session->buffer);
    free(session);
}

static void response_free(struct response *r)
{
    free(r->head);
    memset(r, 0, sizeof(*r));
}

static DWORD receive_timeout(const struct transfer *t)
{
    return min(max(t->no_progress_timeout, 1), MAX_RECEIVE_TIMEOUT) * 1000;
}

static void fail_win32(struct transfer *t, DWORD err)
{
    /* Everything on the way to the server can pass: DNS, refused
     * connections, resets, timeouts, certificates. */
    transfer_fail(t, HRESULT_FROM_WIN32(err), BG_ERROR_CONTEXT_GENERAL_TRANSPORT, TRUE);
}

static ULONG redirect_policy(const struct transfer *t)
{
    return t->security_flags & BG_HTTP_REDIRECT_POLICY_MASK;
}

char *strdupWtoA(const WCHAR *s)
{
    int len;
    char *ret;

    if (!s || (len = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL)) <= 0) return NULL;
    if ((ret = malloc(len))) WideCharToMultiByte(CP_UTF8, 0, s, -1, ret, len, NULL, NULL);
    return ret;
}

static WCHAR *strdupAtoW(const char *s)
{
    int len;
    WCHAR *ret;

    if (!s || (len = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0)) <= 0) return NULL;
    if ((ret = malloc(len * sizeof(WCHAR)))) MultiByteToWideChar(CP_UTF8, 0, s, -1, ret, len);
    return ret;
}

/* --- growing texts (net.h) ----------------------------------------------- */

void text_free(struct text *b)
{
    if (b->data) SecureZeroMemory(b->data, b->size);
    free(b->data);
    memset(b, 0, sizeof(*b));
}

void text_add(struct text *b, const char *s, size_t len)
{
    if (b->failed) return;
    if (b->len + len + 1 > b->size)
    {
        size_t size = max(b->size * 2, b->len + len + 256), used = b->len;
        char *data = malloc(size);

        if (data && used) memcpy(data, b->data, used);
        text_free(b);
        if (!data)
        {
            b->failed = TRUE;
            return;
        }
        b->data = data;
        b->size = size;
        b->len = used;
    }
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = 0;
}

void text_str(struct text *b, const char *s)
{
    text_add(b, s, strlen(s));
}

char *text_detach(struct text *b)
{
    char *ret = b->failed ? NULL : b->data;

    if (!ret) text_free(b);
    memset(b, 0, sizeof(*b));
    return ret;
}

static void text_header(struct text *b, const char *name, const char *value)
{
    if (!value) return;
    text_str(b, name);
    text_str(b, ": ");
    text_str(b, value);
    text_str(b, "\r\n");
}

/* A path as it goes on the request line: UTF-8, with what may not appear
 * there raw escaped. */
static void text_path(struct text *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char esc[3] = { '%' };

    for (; *s; s++)
    {
        unsigned char c = *s;
        if (c > ' ' && c < 0x7f)
        {
            text_add(b, s, 1);
            continue;
        }
        esc[1] = hex[c >> 4];
        esc[2] = hex[c & 15];
        text_add(b, esc, 3);
    }
}

/* --- answers ------------------------------------------------------------- */

/* The value of the first header called name, trimmed; NULL if none. */
static char *header_value(const struct response *r, const char *name)
{
    size_t len = strlen(name);
    const char *line, *end, *v;
    char *ret;

    for (line = r->head; line && *line; line = end + 1)
    {
        if (!(end = strchr(line, '\n'))) break;
        if (_strnicmp(line, name, len) || line[len] != ':') continue;
        for (v = line + len + 1; *v == ' ' || *v == '\t'; v++);
        while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) end--;
        if ((ret = malloc(end - v + 1)))
        {
            memcpy(ret, v, end - v);
            ret[end - v] = 0;
        }
        return ret;
    }
    return NULL;
}

/* Every value of the headers called name, each ending with '\n'. */
static char *header_values(const struct response *r, const char *name)
{
    size_t len = strlen(name);
    const char *line, *end, *v;
    struct text all = { 0 };

    for (line = r->head; line && *line; line = end + 1)
    {
        if (!(end = strchr(line, '\n'))) break;
        if (_strnicmp(line, name, len) || line[len] != ':') continue;
        for (v = line + len + 1; *v == ' ' || *v == '\t'; v++);
        text_add(&all, v, end - v);
        while (all.len && (all.data[all.len - 1] == '\r' || all.data[all.len - 1] == ' ')) all.len--;
        text_str(&all, "\n");
    }
    return text_detach(&all);
}

static BOOL header_has_token(const struct response *r, const char *name, const char *token)
{
    char *value = header_value(r, name), *p;
    BOOL found = FALSE;

    for (p = value; p && !found; p = strchr(p, ','))
    {
        while (*p == ',' || *p == ' ') p++;
        found = !_strnicmp(p, token, strlen(token)) &&
                (!p[strlen(token)] || p[strlen(token)] == ',' || p[strlen(token)] == ' ');
        if (!*p) break;
    }
    free(value);
    return found;
}

static UINT64 parse_number(const char *s, BOOL *ok)
{
    UINT64 n = 0;
    const char *start = s;

    while (*s >= '0' && *s <= '9')
    {
        if (n > (~(UINT64)0 - 9) / 10) break;
        n = n * 10 + (*s++ - '0');
    }
    *ok = s != start && (!*s || *s == ' ' || *s == '/' || *s == '-' || *s == ';' || *s == '\r');
    return n;
}

/* Reads an answer's head: the status line and headers up to the empty
 * line, giving back what came after it. */
static DWORD read_head(struct connection *conn, struct response *r, BOOL *nothing)
{
    struct text head = { 0 };
    char chunk[4096], *end = NULL, *line, *next;
    size_t got, scanned = 0;
    DWORD err = ERROR_SUCCESS;
    BOOL ok;
    char *value;

    memset(r, 0, sizeof(*r));
    *nothing = TRUE;
    while (!end)
    {
        if (head.len > MAX_HEAD_SIZE)
        {
            err = ERROR_HTTP_INVALID_SERVER_RESPONSE;
            break;
        }
        if ((err = conn_recv(conn, chunk, sizeof(chunk), &got))) break;
        if (!got)
        {
            err = head.len ? ERROR_HTTP_INVALID_SERVER_RESPONSE : ERROR_INTERNET_CONNECTION_RESET;
            break;
        }
        *nothing = FALSE;
        text_add(&head, chunk, got);
        if (head.failed)
        {
            err = ERROR_NOT_ENOUGH_MEMORY;
            break;
        }
        /* The head ends with an empty line (CRLF or a bare LF). */
        for (line = head.data + scanned; (next = memchr(line, '\n', head.data + head.len - line)); line = next + 1)
        {
            if (line == head.data) continue;
            if (next == line || (next == line + 1 && *line == '\r'))
            {
                end = next + 1;
                break;
            }
        }
        scanned = line - head.data;
    }
    if (err)
    {
        text_free(&head);
        return err;
    }
    if (!conn_unread(conn, end, head.data + head.len - end))
    {
        text_free(&head);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    *end = 0;

    /* "HTTP/1.x NNN reason" */
    if (strncmp(head.data, "HTTP/1.", 7) || !(line = strchr(head.data, ' ')) ||
        (r->status = parse_number(line + 1, &ok)) < 100 || r->status > 999 || !ok)
    {
        WARN("not an HTTP answer: %s\n", debugstr_an(head.data, min(head.len, 64)));
        text_free(&head);
        return ERROR_HTTP_INVALID_SERVER_RESPONSE;
    }
    r->keep_alive = head.data[7] == '1';
    next = strchr(head.data, '\n');
    r->head = head.data;
    memmove(r->head, next + 1, strlen(next + 1) + 1);

    r->length = BG_SIZE_UNKNOWN;
    if ((value = header_value(r, "Content-Length")))
    {
        UINT64 length = parse_number(value, &ok);
        if (ok) r->length = length;
        free(value);
    }
    r->chunked = header_has_token(r, "Transfer-Encoding", "chunked");
    if (header_has_token(r, "Connection", "close") || header_has_token(r, "Proxy-Connection", "close"))
        r->keep_alive = FALSE;
    else if (header_has_token(r, "Connection", "keep-alive") || header_has_token(r, "Proxy-Connection", "keep-alive"))
        r->keep_alive = TRUE;
    if (r->chunked) r->length = BG_SIZE_UNKNOWN;
    r->left = r->chunked ? 0 : r->length;
    /* Without a length or chunks the body runs to the end of the stream. */
    if (!r->chunked && r->length == BG_SIZE_UNKNOWN) r->keep_alive = FALSE;
    if (r->status == 204 || r->status == 304 || r->status < 200 || r->length == 0) r->done = TRUE;
    return ERROR_SUCCESS;
}

/* One line of a chunked body (a size, or a trailer). */
static DWORD read_line(struct connection *conn, char *line, size_t size)
{
    size_t len = 0, got;
    char chunk[256], *nl;
    DWORD err;

    for (;;)
    {
        if ((err = conn_recv(conn, chunk, sizeof(chunk), &got))) return err;
        if (!got) return ERROR_INTERNET_CONNECTION_RESET;
        if ((nl = memchr(chunk, '\n', got)))
        {
            if (!conn_unread(conn, nl + 1, chunk + got - nl - 1)) return ERROR_NOT_ENOUGH_MEMORY;
            got = nl - chunk;
        }
        if (len + got >= size) return ERROR_HTTP_INVALID_SERVER_RESPONSE;
        memcpy(line + len, chunk, got);
        len += got;
        if (nl) break;
    }
    if (len && line[len - 1] == '\r') len--;
    line[len] = 0;
    return ERROR_SUCCESS;
}

/* Some of the body: *got is 0 at its end. */
static DWORD read_body(struct connection *conn, struct response *r, char *buffer, size_t size, size_t *got)
{
    char line[256], *end;
    DWORD err;

    *got = 0;
    if (r->done) return ERROR_SUCCESS;
    if (r->chunked && !r->left)
    {
        if ((err = read_line(conn, line, sizeof(line)))) return err;
        r->left = _strtoui64(line, &end, 16);
        if (end == line) return ERROR_HTTP_INVALID_SERVER_RESPONSE;
        if (!r->left)
        {
            /* The trailer, up to its empty line. */
            do if ((err = read_line(conn, line, sizeof(line)))) return err; while (*line);
            r->done = TRUE;
            return ERROR_SUCCESS;
        }
    }
    if (r->left != BG_SIZE_UNKNOWN) size = min(size, r->left);
    if ((err = conn_recv(conn, buffer, size, got))) return err;
    if (!*got)
    {
        if (r->left != BG_SIZE_UNKNOWN) return ERROR_INTERNET_CONNECTION_RESET;
        r->done = TRUE;
        return ERROR_SUCCESS;
    }
    if (r->left != BG_SIZE_UNKNOWN) r->left -= *got;
    if (r->chunked && !r->left)
    {
        /* Each chunk ends with a line break. */
        if ((err = read_line(conn, line, sizeof(line)))) return err;
    }
    else if (!r->chunked && !r->left) r->done = TRUE;
    return ERROR_SUCCESS;
}

/* Reads what is left of a body nobody wants (a challenge, a redirect),
 * when it is small; otherwise the connection is not worth keeping. */
static void skip_body(struct http_session *session, struct response *r)
{
    size_t got, skipped = 0;

    while (!r->done && skipped < 65536)
    {
        if (read_body(session->conn, r, session->buffer, READ_BUFFER_SIZE, &got) || !got) break;
        skipped += got;
    }
    if (!r->done) r->keep_alive = FALSE;
}

/* After an answer: the connection stays for the next request if both
 * sides want it and the body was read to its end. */
static void finish_response(struct http_session *session, struct response *r)
{
    if (session->conn && (!r->done || !r->keep_alive)) session_drop_connection(session);
    response_free(r);
}

/* --- connections --------------------------------------------------------- */

struct target
{
    WCHAR *url;
    char *host;            /* as the URL has it, without brackets */
    USHORT port;
    BOOL secure;
    char *path;            /* path and query, UTF-8 */
    char *proxy;           /* NULL: direct */
    USHORT proxy_port;
};

static void target_free(struct target *to)
{
    free(to->url);
    free(to->host);
    free(to->path);
    free(to->proxy);
    memset(to, 0, sizeof(*to));
}

static HRESULT target_from_url(struct transfer *t, const WCHAR *url, struct target *to)
{
    URL_COMPONENTSW parts;
    WCHAR *host, *path;
    HRESULT hr;

    memset(to, 0, sizeof(*to));
    memset(&parts, 0, sizeof(parts));
    parts.dwStructSize = sizeof(parts);
    parts.dwHostNameLength = parts.dwUrlPathLength = parts.dwExtraInfoLength = 1;
    if (!InternetCrackUrlW(url, 0, 0, &parts) || !parts.dwHostNameLength ||
        (parts.nScheme != INTERNET_SCHEME_HTTP && parts.nScheme != INTERNET_SCHEME_HTTPS))
        return HRESULT_FROM_WIN32(ERROR_INTERNET_INVALID_URL);
    if (!(host = malloc((parts.dwHostNameLength + 1) * sizeof(WCHAR))) ||
        !(path = malloc((parts.dwUrlPathLength + parts.dwExtraInfoLength + 2) * sizeof(WCHAR))))
    {
        free(host);
        return E_OUTOFMEMORY;
    }
    memcpy(host, parts.lpszHostName, parts.dwHostNameLength * sizeof(WCHAR));
    host[parts.dwHostNameLength] = 0;
    memcpy(path, parts.lpszUrlPath, parts.dwUrlPathLength * sizeof(WCHAR));
    memcpy(path + parts.dwUrlPathLength, parts.lpszExtraInfo, parts.dwExtraInfoLength * sizeof(WCHAR));
    path[parts.dwUrlPathLength + parts.dwExtraInfoLength] = 0;
    if (*path != '/')
    {
        memmove(path + 1, path, (wcslen(path) + 1) * sizeof(WCHAR));
        *path = '/';
    }
    /* A fragment is never sent. */
    if (wcschr(path, '#')) *wcschr(path, '#') = 0;
    to->url = strdupW(url);
    to->host = strdupWtoA(host);
    to->path = strdupWtoA(path);
    to->port = parts.nPort;
    to->secure = parts.nScheme == INTERNET_SCHEME_HTTPS;
    free(host);
    free(path);
    if (!to->url || !to->host || !to->path)
    {
        target_free(to);
        return E_OUTOFMEMORY;
    }
    if (FAILED(hr = proxy_for_url(t, url, &to->proxy, &to->proxy_port))) target_free(to);
    return hr;
}

/* Where a URL's failure belongs: the proxy settings are the transport's. */
static BG_ERROR_CONTEXT target_error_context(HRESULT hr)
{
    if (hr == E_OUTOFMEMORY) return BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER;
    if (hr == (HRESULT)BG_E_INVALID_PROXY_INFO) return BG_ERROR_CONTEXT_GENERAL_TRANSPORT;
    return BG_ERROR_CONTEXT_REMOTE_FILE;
}

static void text_host(struct text *b, const char *host, USHORT port, BOOL always_port)
{
    char number[8];
    BOOL literal = !!strchr(host, ':');

    if (literal) text_str(b, "[");
    text_str(b, host);
    if (literal) text_str(b, "]");
    if (always_port || port != INTERNET_DEFAULT_HTTP_PORT)
    {
        sprintf(number, ":%u", port);
        text_str(b, number);
    }
}

static HRESULT auth_answer(struct http_session *session, struct transfer *t, int target,
                           const struct response *r, const char *method, const char *uri, char **value)
{
    char *challenges = header_values(r, target == BG_AUTH_TARGET_SERVER - 1 ? "WWW-Authenticate" : "Proxy-Authenticate");
    HRESULT hr = S_FALSE;

    *value = NULL;
    if (challenges) hr = auth_respond(&session->auth[target], t->creds[target], challenges, method, uri, value);
    free(challenges);
    return hr;
}

/* Asks the proxy for a tunnel to the server, answering its challenges.
 * Returns a wininet error, or ERROR_SUCCESS with *status the proxy's
 * final answer. */
static DWORD open_tunnel(struct http_session *session, struct transfer *t, const struct target *to, DWORD *status)
{
    const int proxy = BG_AUTH_TARGET_PROXY - 1;
    struct response r;
    struct text req;
    char *answer = NULL, *authority;
    DWORD err = ERROR_SUCCESS;
    BOOL nothing;
    int round;

    memset(&req, 0, sizeof(req));
    text_host(&req, to->host, to->port, TRUE);
    if (!(authority = text_detach(&req))) return ERROR_NOT_ENOUGH_MEMORY;

    for (round = 0; round < MAX_AUTH_ROUNDS; round++)
    {
        char *preset = answer ? answer : auth_preempt(&session->auth[proxy], t->creds[proxy], "CONNECT", authority);

        if (!session->conn && (err = conn_open(&session->conn, to->proxy, to->proxy_port, receive_timeout(t)))) break;
        memset(&req, 0, sizeof(req));
        text_str(&req, "CONNECT ");
        text_str(&req, authority);
        text_str(&req, " HTTP/1.1\r\n");
        text_header(&req, "Host", authority);
        text_header(&req, "User-Agent", USER_AGENT);
        text_header(&req, "Proxy-Authorization", preset);
        text_str(&req, "\r\n");
        secret_free(preset);
        answer = NULL;
        if (req.failed) err = ERROR_NOT_ENOUGH_MEMORY;
        else err = conn_send(session->conn, req.data, req.len);
        text_free(&req);
        if (!err) err = read_head(session->conn, &r, &nothing);
        if (err) break;
        *status = r.status;
        TRACE("CONNECT %s: %lu\n", debugstr_a(authority), r.status);
        if (r.status == 407 && auth_answer(session, t, proxy, &r, "CONNECT", authority, &answer) == S_OK)
        {
            skip_body(session, &r);
            finish_response(session, &r);
            continue;
        }
        if (r.status / 100 != 2) finish_response(session, &r);
        else response_free(&r);
        break;
    }
    secret_free(answer);
    free(authority);
    return err;
}

/* A connection to where to goes, the job's kept one if it fits.  Returns
 * FALSE after transfer_fail(). */
static BOOL connect_target(struct http_session *session, struct transfer *t, const struct target *to)
{
    DWORD err, status = 200;
    WCHAR *host;
    HRESULT hr;

    if (session->conn)
    {
        if (!strcmp(session->host, to->host) && session->port == to->port && session->secure == to->secure &&
            !session->proxy == !to->proxy && (!to->proxy || (!strcmp(session->proxy, to->proxy) &&
            session->proxy_port == to->proxy_port)) && conn_is_alive(session->conn))
        {
            session->kept = TRUE;
            return TRUE;
        }
        session_drop_connection(session);
    }
    if (to->proxy && to->secure) err = open_tunnel(session, t, to, &status);
    else err = conn_open(&session->conn, to->proxy ? to->proxy : to->host, to->proxy ? to->proxy_port : to->port,
                         receive_timeout(t));
    if (!err && status / 100 != 2)
    {
        /* The proxy refused the tunnel: its status is the job's error. */
        session_drop_connection(session);
        transfer_fail(t, 0x80190000 | status, BG_ERROR_CONTEXT_REMOTE_FILE, status >= 500 || status == 407);
        return FALSE;
    }
    if (!err && to->secure)
    {
        if (!(host = strdupAtoW(to->host))) err = ERROR_NOT_ENOUGH_MEMORY;
        else err = conn_start_tls(session->conn, host, t->security_flags, &t->certificate, &hr);
        free(host);
        if (err && FAILED(hr))
        {
            session_drop_connection(session);
            transfer_fail(t, hr, BG_ERROR_CONTEXT_GENERAL_TRANSPORT, FALSE);
            return FALSE;
        }
    }
    if (err)
    {
        session_drop_connection(session);
        fail_win32(t, err);
        return FALSE;
    }
    session->host = strdup(to->host);
    session->port = to->port;
    session->secure = to->secure;
    session->proxy = to->proxy ? strdup(to->proxy) : NULL;
    session->proxy_port = to->proxy_port;
    session->kept = FALSE;
    if (!session->host || (to->proxy && !session->proxy))
    {
        session_drop_connection(session);
        transfer_fail(t, E_OUTOFMEMORY, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, TRUE);
        return FALSE;
    }
    return TRUE;
}

/* --- requests ------------------------------------------------------------ */

struct http_range
{
    UINT64 first;
    UINT64 length;      /* BG_LENGTH_TO_EOF: to the end */
};

/* The job's custom headers, one "Name: value" per line. */
static void text_custom_headers(struct text *req, const WCHAR *headers)
{
    char *all = strdupWtoA(headers), *line, *next;

    /* Without them the request is not the one the job asked for. */
    if (!all) req->failed = TRUE;
    for (line = all; line && *line; line = next)
    {
        size_t len = strcspn(line, "\r\n");
        next = line + len;
        while (*next == '\r' || *next == '\n') next++;
        if (!len || !memchr(line, ':', len)) continue;
        text_add(req, line, len);
        text_str(req, "\r\n");
    }
    free(all);
}

static BOOL build_request(struct text *req, struct transfer *t, const struct target *to, const struct http_range *range, const WCHAR *validator,
                          const char *server_auth, const char *proxy_auth)
{
    char value[64];

    memset(req, 0, sizeof(*req));
    text_str(req, "GET ");
    if (to->proxy && !to->secure)
    {
        /* A proxy is given the whole URL. */
        text_str(req, "http://");
        text_host(req, to->host, to->port, FALSE);
    }
    text_path(req, to->path);
    text_str(req, " HTTP/1.1\r\nHost: ");
    text_host(req, to->host, to->port, to->port != (to->secure ? INTERNET_DEFAULT_HTTPS_PORT : INTERNET_DEFAULT_HTTP_PORT));
    text_str(req, "\r\n");
    text_header(req, "User-Agent", USER_AGENT);
    text_header(req, "Accept", "*/*");
    text_header(req, "Cache-Control", "no-cache");
    text_header(req, "Pragma", "no-cache");
    if (range->first || range->length != BG_LENGTH_TO_EOF)
    {
        if (range->length == BG_LENGTH_TO_EOF)
            sprintf(value, "bytes=%I64u-", range->first);
        else
            sprintf(value, "bytes=%I64u-%I64u", range->first, range->first + range->length - 1);
        text_header(req, "Range", value);
        if (validator)
        {
            char *v = strdupWtoA(validator);
            if (!v) req->failed = TRUE;
            text_header(req, "If-Range", v);
            free(v);
        }
    }
    text_header(req, "Authorization", server_auth);
    if (to->proxy && !to->secure) text_header(req, "Proxy-Authorization", proxy_auth);
    if (t->custom_headers) text_custom_headers(req, t->custom_headers);
    text_str(req, "\r\n");
    return !req->failed;
}

/* Sends one GET on the job's connection and reads the answer's head,
 * once more on a new connection if a kept one turns out closed. */
static DWORD exchange(struct http_session *session, struct transfer *t, const struct target *to,
                      const struct text *req, struct response *r)
{
    BOOL nothing;
    DWORD err;

    for (;;)
    {
        nothing = TRUE;
        if (!(err = conn_send(session->conn, req->data, req->len)) && !(err = read_head(session->conn, r, &nothing)))
            return ERROR_SUCCESS;
        if (!session->kept || !nothing) return err;
        /* The server closed the kept connection meanwhile: a new one. */
        TRACE("kept connection closed: %lu\n", err);
        session_drop_connection(session);
        if (!connect_target(session, t, to)) return 0;
    }
}

/* Sends one GET, with a Range when first or a limited length asks for
 * one, following redirects and answering challenges as the job allows;
 * FALSE after transfer_fail(). */
static BOOL send_request(struct transfer *t, struct http_session *session, const struct http_range *range,
                         BOOL validate, struct response *r)
{
    const int server = BG_AUTH_TARGET_SERVER - 1, proxy = BG_AUTH_TARGET_PROXY - 1;
    const WCHAR *validator = validate ? (t->etag ? t->etag : t->last_modified) : NULL;
    char *answer[CRED_TARGETS] = { NULL };
    int redirects = 0, rounds = 0, i;
    struct target to;
    struct text req;
    BOOL ret = FALSE;
    DWORD err;
    HRESULT hr;

    if (FAILED(hr = target_from_url(t, t->remote, &to)))
    {
        transfer_fail(t, hr, target_error_context(hr), hr == E_OUTOFMEMORY);
        return FALSE;
    }
    for (;;)
    {
        char *preset[CRED_TARGETS];

        if (!connect_target(session, t, &to)) break;
        for (i = 0; i < CRED_TARGETS; i++)
            preset[i] = answer[i] ? answer[i] : auth_preempt(&session->auth[i], t->creds[i], "GET", to.path);
        ret = build_request(&req, t, &to, range, validator, preset[server], preset[proxy]);
        for (i = 0; i < CRED_TARGETS; i++)
        {
            secret_free(preset[i]);
            answer[i] = NULL;
        }
        if (!ret)
        {
            text_free(&req);
            transfer_fail(t, E_OUTOFMEMORY, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, TRUE);
            break;
        }
        ret = FALSE;
        TRACE("GET %s\n", debugstr_w(to.url));
        err = exchange(session, t, &to, &req, r);
        text_free(&req);
        if (err)
        {
            session_drop_connection(session);
            fail_win32(t, err);
            break;
        }
        if (!session->conn) break;   /* a new connection failed */
        TRACE("status %lu\n", r->status);

        /* A challenge the job has credentials for, in their scheme. */
        if ((r->status == 401 || (r->status == 407 && to.proxy && !to.secure)) && rounds++ < MAX_AUTH_ROUNDS)
        {
            int target = r->status == 401 ? server : proxy;
            if (auth_answer(session, t, target, r, "GET", to.path, &answer[target]) == S_OK)
            {
                skip_body(session, r);
                finish_response(session, r);
                continue;
            }
        }

        if (r->status >= 300 && r->status < 400 && r->status != 304 && r->status != 305 && r->status != 306)
        {
            char *location = header_value(r, "Location");
            WCHAR *next = NULL, *wlocation;
            DWORD size = MAX_REMOTE_NAME + 1;

            if (!location)
            {
                ret = TRUE;
                break;
            }
            wlocation = strdupAtoW(location);
            free(location);
            /* A longer URL would be refused as a remote name anyway. */
            if (wlocation && (next = malloc(size * sizeof(WCHAR))) &&
                !InternetCombineUrlW(to.url, wlocation, next, &size, ICU_NO_ENCODE))
            {
                free(next);
                next = NULL;
            }
            free(wlocation);
            if (redirect_policy(t) == BG_HTTP_REDIRECT_POLICY_DISALLOW)
            {
                /* Fatal, and the remote name shows where the server sent us. */
                if (next) transfer_set_remote(t, next);
                free(next);
                transfer_fail(t, HRESULT_FROM_WIN32(r->status), BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
                finish_response(session, r);
                break;
            }
            skip_body(session, r);
            finish_response(session, r);
            if (!next || ++redirects > MAX_REDIRECTS)
            {
                free(next);
                transfer_fail(t, HRESULT_FROM_WIN32(ERROR_HTTP_REDIRECT_FAILED), BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
                break;
            }
            if (to.secure && !wcsnicmp(next, L"http:", 5) && !(t->security_flags & BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP))
            {
                free(next);
                transfer_fail(t, HRESULT_FROM_WIN32(ERROR_INTERNET_HTTPS_TO_HTTP_ON_REDIR), BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
                break;
            }
            TRACE("redirected to %s\n", debugstr_w(next));
            target_free(&to);
            hr = target_from_url(t, next, &to);
            free(next);
            if (FAILED(hr))
            {
                transfer_fail(t, hr, target_error_context(hr), hr == E_OUTOFMEMORY);
                break;
            }
            rounds = 0;
            continue;
        }
        ret = TRUE;
        break;
    }
    for (i = 0; i < CRED_TARGETS; i++) secret_free(answer[i]);
    /* ALLOW_REPORT: the file's remote name becomes the final URL. */
    if (ret && redirects && redirect_policy(t) == BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT) transfer_set_remote(t, to.url);
    target_free(&to);
    if (!ret) response_free(r);
    return ret;
}

/* "bytes first-last/total": returns FALSE if absent or malformed. */
static BOOL query_content_range(const struct response *r, UINT64 *first, UINT64 *total)
{
    char *value = header_value(r, "Content-Range"), *p;
    BOOL ret = FALSE, ok;

    if (!value) return FALSE;
    if (!_strnicmp(value, "bytes ", 6))
    {
        *first = parse_number(value + 6, &ok);
        *total = BG_SIZE_UNKNOWN;
        if (ok && (p = strchr(value + 6, '/')))
        {
            if (p[1] >= '0' && p[1] <= '9') *total = parse_number(p + 1, &ok);
            ret = TRUE;
        }
    }
    free(value);
    return ret;
}

static BOOL query_last_modified(const struct response *r, FILETIME *time)
{
    char *value = header_value(r, "Last-Modified");
    SYSTEMTIME st;
    BOOL ret = value && InternetTimeToSystemTimeA(value, &st, 0) && SystemTimeToFileTime(&st, time);

    free(value);
    return ret;
}

/* Statuses worth retrying: the server may do better later. */
static BOOL status_is_transient(DWORD status)
{
    return status >= 500 || status == 408 || status == 429;
}

/* Copies the body into the file; FALSE after transfer_fail() or when the
 * job no longer wants it. */
static BOOL receive_body(struct transfer *t, struct http_session *session, struct response *r, HANDLE file,
                         UINT64 *done, UINT64 expected, UINT64 total)
{
    ULONGLONG last_data = GetTickCount64();
    UINT64 received = 0;
    DWORD written, err;
    size_t read;

    for (;;)
    {
        if (transfer_cancelled(t)) return FALSE;
        if ((err = read_body(session->conn, r, session->buffer, READ_BUFFER_SIZE, &read)))
        {
            /* Silence for the whole receive timeout is a timeout, whatever
             * error the socket layer chose to report. */
            if (GetTickCount64() - last_data >= receive_timeout(t)) err = ERROR_INTERNET_TIMEOUT;
            session_drop_connection(session);
            fail_win32(t, err);
            return FALSE;
        }
        last_data = GetTickCount64();
        if (!read) break;
        if (!WriteFile(file, session->buffer, read, &written, NULL) || written != read)
        {
            transfer_fail(t, HRESULT_FROM_WIN32(GetLastError()), BG_ERROR_CONTEXT_LOCAL_FILE, FALSE);
            return FALSE;
        }
        received += read;
        *done += read;
        transfer_progress(t, *done, total);
    }
    if (expected != BG_SIZE_UNKNOWN && received < expected)
    {
        /* The connection closed early: resumable later. */
        fail_win32(t, ERROR_INTERNET_CONNECTION_RESET);
        return FALSE;
    }
    return TRUE;
}

static BOOL check_status(struct transfer *t, DWORD status)
{
    if (status >= 400 || status < 200)
    {
        transfer_fail(t, 0x80190000 | status, BG_ERROR_CONTEXT_REMOTE_FILE, status_is_transient(status));
        return FALSE;
    }
    return TRUE;
}

static void remember_validator(struct transfer *t, const struct response *r)
{
    char *etag_a = header_value(r, "ETag"), *last_modified_a = header_value(r, "Last-Modified");
    WCHAR *etag = strdupAtoW(etag_a), *last_modified = strdupAtoW(last_modified_a);
    FILETIME time;
    BOOL has_time = query_last_modified(r, &time);

    free(etag_a);
    free(last_modified_a);
    /* A weak ETag does not prove byte-identical content. */
    if (etag && !wcsncmp(etag, L"W/", 2))
    {
        free(etag);
        etag = NULL;
    }
    transfer_set_validator(t, etag, last_modified, has_time ? &time : NULL);
    free(t->etag);
    free(t->last_modified);
    t->etag = etag;
    t->last_modified = last_modified;
}

/* Done with an answer, its body read or not. */
static void end_response(struct http_session *session, struct response *r)
{
    if (r->head) finish_response(session, r);
}

/* The whole file, resuming after the bytes already in the temporary file. */
static void download_whole(struct transfer *t, struct http_session *session)
{
    struct http_range range = { 0, BG_LENGTH_TO_EOF };
    UINT64 offset, length, first, total;
    struct response r = { 0 };
    HANDLE file;
    BOOL restart = !t->etag && !t->last_modified;

    if (!(file = transfer_open_temp(t, restart, &offset))) return;
    range.first = offset;

    if (!send_request(t, session, &range, TRUE, &r)) goto done;

    if (r.status == 416 && offset)
    {
        /* What we have is no longer a prefix of the file: start over. */
        end_response(session, &r);
        CloseHandle(file);
        if (!(file = transfer_open_temp(t, TRUE, &offset))) return;
        range.first = 0;
        if (!send_request(t, session, &range, FALSE, &r)) goto done;
    }
    if (!check_status(t, r.status)) goto done;

    length = r.length;
    if (r.status == 206 && !(offset && query_content_range(&r, &first, &total) && first == offset))
    {
        /* A range we did not ask for: fetch the whole file instead. */
        WARN("unexpected partial answer, fetching the whole file\n");
        end_response(session, &r);
        range.first = 0;
        if (!send_request(t, session, &range, FALSE, &r)) goto done;
        if (!check_status(t, r.status)) goto done;
        if (r.status != 200)
        {
            transfer_fail(t, BG_E_INSUFFICIENT_RANGE_SUPPORT, BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
            goto done;
        }
        length = r.length;
    }
    if (r.status == 206)
    {
        TRACE("resuming at %s\n", wine_dbgstr_longlong(offset));
        if (total == BG_SIZE_UNKNOWN && length != BG_SIZE_UNKNOWN) total = offset + length;
    }
    else
    {
        /* A full answer: a changed file, or a server without ranges.  The
         * bytes we had belong to another version or are simply sent again. */
        if (offset)
        {
            TRACE("server sent the whole file (%lu): restarting\n", r.status);
            CloseHandle(file);
            if (!(file = transfer_open_temp(t, TRUE, &offset))) goto done;
        }
        total = length;
        remember_validator(t, &r);
    }

    transfer_progress(t, offset, total);
    if (receive_body(t, session, &r, file, &offset, length, total)) transfer_file_done(t, file);

done:
    end_response(session, &r);
    CloseHandle(file);
}

/* Exactly the ranges asked for, concatenated in the order given. */
static void download_ranges(struct transfer *t, struct http_session *session)
{
    UINT64 offset, skip, total = ranges_total(t->ranges, t->range_count), first, size, length;
    struct response r = { 0 };
    HANDLE file;
    DWORD i;

    if (!(file = transfer_open_temp(t, !t->etag && !t->last_modified, &offset))) return;
    skip = offset;

    for (i = 0; i < t->range_count; i++)
    {
        struct http_range range = { t->ranges[i].InitialOffset, t->ranges[i].Length };

        if (range.length != BG_LENGTH_TO_EOF)
        {
            if (skip >= range.length)
            {
                skip -= range.length;
                continue;
            }
            range.length -= skip;
        }
        range.first += skip;
        skip = 0;

        if (!send_request(t, session, &range, offset != 0, &r)) break;
        if (r.status == 200)
        {
            transfer_fail(t, BG_E_INSUFFICIENT_RANGE_SUPPORT, BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
            break;
        }
        if (r.status == 416)
        {
            transfer_fail(t, BG_E_INVALID_RANGE, BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
            break;
        }
        if (!check_status(t, r.status)) break;
        if (!query_content_range(&r, &first, &size) || first != range.first)
        {
            transfer_fail(t, BG_E_INSUFFICIENT_RANGE_SUPPORT, BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
            break;
        }
        if (!offset) remember_validator(t, &r);
        length = r.length;
        if (total == BG_SIZE_UNKNOWN && i == t->range_count - 1 && length != BG_SIZE_UNKNOWN)
            total = offset + length;
        if (!receive_body(t, session, &r, file, &offset, length, total)) break;
        end_response(session, &r);
    }
    if (i == t->range_count && !t->error && !transfer_cancelled(t)) transfer_file_done(t, file);
    end_response(session, &r);
    CloseHandle(file);
}

void http_transfer_file(struct transfer *t, struct http_session **ret)
{
    struct http_session *session = *ret;

    t->protocol = L"http";
    if (!session)
    {
        if (!(session = calloc(1, sizeof(*session))) || !(session->buffer = malloc(READ_BUFFER_SIZE)))
        {
            free(session);
            transfer_fail(t, E_OUTOFMEMORY, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, TRUE);
            return;
        }
        *ret = session;
    }
    if (t->range_count) download_ranges(t, session);
    else download_whole(t, session);
}
