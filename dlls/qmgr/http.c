/*
 * Background Intelligent Transfer Service: HTTP and HTTPS downloads with wininet
 *
 * One wininet session per running job, with the connection to a server
 * kept for the job's next file (keep-alive).  Bytes go straight from
 * InternetReadFile into the temporary file through a large buffer.  An
 * interrupted file resumes with a Range request guarded by If-Range (the
 * ETag, else Last-Modified): a server that answers 200 instead of 206, or a
 * changed validator, restarts the file from zero, so two versions are never
 * spliced.
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

#include "qmgr_private.h"
#include "winsock2.h"
#include "wininet.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

/* wininet's own reads are what costs under Wine: 256 MiB takes 0.63 s in
 * 64 KiB reads and 0.12 s in 1 MiB reads here.  But a read that a reset
 * interrupts loses what it had gathered, so half a MiB: resuming then
 * fetches at most that much again. */
#define READ_BUFFER_SIZE   (512 * 1024)
#define MAX_RECEIVE_TIMEOUT 60

struct http_session
{
    HINTERNET internet;
    HINTERNET connect;
    WCHAR host[INTERNET_MAX_HOST_NAME_LENGTH];
    INTERNET_PORT port;
    INTERNET_SCHEME scheme;
    BYTE *buffer;
};

void http_session_close(struct http_session *session)
{
    if (!session) return;
    if (session->connect) InternetCloseHandle(session->connect);
    if (session->internet) InternetCloseHandle(session->internet);
    free(session->buffer);
    free(session);
}

static DWORD receive_timeout(const struct transfer *t)
{
    return min(max(t->no_progress_timeout, 1), MAX_RECEIVE_TIMEOUT) * 1000;
}

/* Wine's wininet lets some socket errors through; report what Windows' does. */
static DWORD internet_error(DWORD err)
{
    switch (err)
    {
    case WSAECONNRESET: return ERROR_INTERNET_CONNECTION_RESET;
    case WSAECONNABORTED: return ERROR_INTERNET_CONNECTION_ABORTED;
    case WSAETIMEDOUT: return ERROR_INTERNET_TIMEOUT;
    case WSAECONNREFUSED: return ERROR_INTERNET_CANNOT_CONNECT;
    case WSAEHOSTUNREACH:
    case WSAENETUNREACH: return ERROR_INTERNET_CANNOT_CONNECT;
    default: return err;
    }
}

static void fail_win32(struct transfer *t, DWORD err)
{
    /* Everything on the way to the server can pass: DNS, refused
     * connections, resets, timeouts. */
    transfer_fail(t, HRESULT_FROM_WIN32(internet_error(err)), BG_ERROR_CONTEXT_GENERAL_TRANSPORT, TRUE);
}

static HINTERNET open_internet(const struct transfer *t)
{
    DWORD access = INTERNET_OPEN_TYPE_PRECONFIG;
    const WCHAR *proxy = NULL, *bypass = NULL;

    switch (t->proxy_usage)
    {
    case BG_JOB_PROXY_USAGE_NO_PROXY:
        access = INTERNET_OPEN_TYPE_DIRECT;
        break;
    case BG_JOB_PROXY_USAGE_OVERRIDE:
        access = INTERNET_OPEN_TYPE_PROXY;
        proxy = t->proxy_list;
        bypass = t->proxy_bypass;
        break;
    case BG_JOB_PROXY_USAGE_AUTODETECT:
        /* wininet finds a proxy by WPAD when the preconfigured settings say so. */
    default:
        break;
    }
    return InternetOpenW(L"Microsoft BITS/7.0", access, proxy, bypass, 0);
}

static BOOL session_prepare(struct transfer *t, struct http_session **ret, const URL_COMPONENTSW *url)
{
    struct http_session *session = *ret;
    if (session && session->connect && session->port == url->nPort && session->scheme == url->nScheme &&
        url->dwHostNameLength < ARRAY_SIZE(session->host) &&
        !wcsnicmp(session->host, url->lpszHostName, url->dwHostNameLength) && !session->host[url->dwHostNameLength])
        return TRUE;

    if (!session)
    {
        if (!(session = calloc(1, sizeof(*session))) || !(session->buffer = malloc(READ_BUFFER_SIZE)))
        {
            free(session);
            transfer_fail(t, E_OUTOFMEMORY, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, TRUE);
            return FALSE;
        }
        *ret = session;
    }
    if (!session->internet)
    {
        if (!(session->internet = open_internet(t)))
        {
            transfer_fail(t, HRESULT_FROM_WIN32(GetLastError()), BG_ERROR_CONTEXT_GENERAL_TRANSPORT, FALSE);
            return FALSE;
        }
    }
    if (session->connect) InternetCloseHandle(session->connect);
    if (url->dwHostNameLength >= ARRAY_SIZE(session->host))
    {
        session->connect = NULL;
        transfer_fail(t, E_INVALIDARG, BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
        return FALSE;
    }
    memcpy(session->host, url->lpszHostName, url->dwHostNameLength * sizeof(WCHAR));
    session->host[url->dwHostNameLength] = 0;
    session->port = url->nPort;
    session->scheme = url->nScheme;
    if (!(session->connect = InternetConnectW(session->internet, session->host, session->port, NULL, NULL,
                                              INTERNET_SERVICE_HTTP, 0, 0)))
    {
        fail_win32(t, GetLastError());
        return FALSE;
    }
    return TRUE;
}

/* Hands the job's credentials to wininet, which answers the server's or the
 * proxy's challenge with them. */
static void set_credentials(HINTERNET request, const struct transfer *t)
{
    static const DWORD options[CRED_TARGETS][2] =
    {
        { INTERNET_OPTION_USERNAME, INTERNET_OPTION_PASSWORD },
        { INTERNET_OPTION_PROXY_USERNAME, INTERNET_OPTION_PROXY_PASSWORD },
    };
    int target, scheme;

    for (target = 0; target < CRED_TARGETS; target++)
        for (scheme = 0; scheme < CRED_SCHEMES; scheme++)
        {
            const struct credential *c = &t->creds[target][scheme];
            if (!c->set || !c->user) continue;
            InternetSetOptionW(request, options[target][0], c->user, wcslen(c->user));
            if (c->password) InternetSetOptionW(request, options[target][1], c->password, wcslen(c->password));
            break;
        }
}

static ULONG redirect_policy(const struct transfer *t)
{
    return t->security_flags & BG_HTTP_REDIRECT_POLICY_MASK;
}

/* The certificate errors the job's owner chose to ignore. */
static void set_security_flags(HINTERNET request, const struct transfer *t)
{
    static const struct { ULONG bits; DWORD internet; } map[] =
    {
        { BG_SSL_IGNORE_CERT_CN_INVALID, SECURITY_FLAG_IGNORE_CERT_CN_INVALID },
        { BG_SSL_IGNORE_CERT_DATE_INVALID, SECURITY_FLAG_IGNORE_CERT_DATE_INVALID },
        { BG_SSL_IGNORE_UNKNOWN_CA, SECURITY_FLAG_IGNORE_UNKNOWN_CA },
        { BG_SSL_IGNORE_CERT_WRONG_USAGE, SECURITY_FLAG_IGNORE_WRONG_USAGE },
    };
    DWORD flags = 0, size = sizeof(flags);
    unsigned int i;
    BOOL any = FALSE;

    if (!InternetQueryOptionW(request, INTERNET_OPTION_SECURITY_FLAGS, &flags, &size)) flags = 0;
    for (i = 0; i < ARRAY_SIZE(map); i++)
        if (t->security_flags & map[i].bits)
        {
            flags |= map[i].internet;
            any = TRUE;
        }
    if (any) InternetSetOptionW(request, INTERNET_OPTION_SECURITY_FLAGS, &flags, sizeof(flags));
}

static DWORD query_status(HINTERNET request);

/* BG_HTTP_REDIRECT_POLICY_DISALLOW: a redirect is a fatal error, coded as
 * Microsoft documents (HRESULT_FROM_WIN32 of the status).  ALLOW_REPORT:
 * the file's remote name becomes the final URL. */
static BOOL apply_redirect_policy(struct transfer *t, HINTERNET request)
{
    DWORD status, size = 0;
    WCHAR *final;

    if (redirect_policy(t) == BG_HTTP_REDIRECT_POLICY_DISALLOW)
    {
        status = query_status(request);
        if (status >= 300 && status < 400 && status != 304)
        {
            transfer_fail(t, HRESULT_FROM_WIN32(status), BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
            return FALSE;
        }
    }
    else if (redirect_policy(t) == BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT)
    {
        InternetQueryOptionW(request, INTERNET_OPTION_URL, NULL, &size);
        if (size && (final = malloc(size + sizeof(WCHAR))))
        {
            if (InternetQueryOptionW(request, INTERNET_OPTION_URL, final, &size) && wcscmp(final, t->remote))
            {
                TRACE("redirected to %s\n", debugstr_w(final));
                transfer_set_remote(t, final);
            }
            free(final);
        }
    }
    return TRUE;
}

static WCHAR *query_header(HINTERNET request, DWORD level)
{
    DWORD size = 0, index = 0;
    WCHAR *value;

    HttpQueryInfoW(request, level, NULL, &size, &index);
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER || !(value = malloc(size + sizeof(WCHAR)))) return NULL;
    index = 0;
    if (HttpQueryInfoW(request, level, value, &size, &index)) return value;
    free(value);
    return NULL;
}

static DWORD query_status(HINTERNET request)
{
    DWORD status = 0, size = sizeof(status);
    HttpQueryInfoW(request, HTTP_QUERY_STATUS_CODE | HTTP_QUERY_FLAG_NUMBER, &status, &size, NULL);
    return status;
}

static UINT64 query_content_length(HINTERNET request)
{
    WCHAR *value = query_header(request, HTTP_QUERY_CONTENT_LENGTH);
    UINT64 length = BG_SIZE_UNKNOWN;

    if (value && *value >= '0' && *value <= '9') length = _wcstoui64(value, NULL, 10);
    free(value);
    return length;
}

/* "bytes first-last/total": returns FALSE if absent or malformed. */
static BOOL query_content_range(HINTERNET request, UINT64 *first, UINT64 *total)
{
    WCHAR *value = query_header(request, HTTP_QUERY_CONTENT_RANGE), *p, *end;
    BOOL ret = FALSE;

    if (!value) return FALSE;
    if (!wcsnicmp(value, L"bytes ", 6))
    {
        *first = _wcstoui64(value + 6, &end, 10);
        *total = BG_SIZE_UNKNOWN;
        if (end != value + 6 && (p = wcschr(end, '/')))
        {
            if (p[1] >= '0' && p[1] <= '9') *total = _wcstoui64(p + 1, NULL, 10);
            ret = TRUE;
        }
    }
    free(value);
    return ret;
}

static BOOL query_last_modified(HINTERNET request, FILETIME *time)
{
    SYSTEMTIME st;
    DWORD size = sizeof(st);

    if (!HttpQueryInfoW(request, HTTP_QUERY_LAST_MODIFIED | HTTP_QUERY_FLAG_SYSTEMTIME, &st, &size, NULL))
        return FALSE;
    return SystemTimeToFileTime(&st, time);
}

/* Statuses worth retrying: the server may do better later. */
static BOOL status_is_transient(DWORD status)
{
    return status >= 500 || status == 408 || status == 429;
}

struct http_range
{
    UINT64 first;
    UINT64 length;      /* BG_LENGTH_TO_EOF: to the end */
};

/* Sends one GET, with a Range when first or a limited length asks for
 * one; returns the request handle, or NULL after transfer_fail(). */
static HINTERNET send_request(struct transfer *t, struct http_session *session, const URL_COMPONENTSW *url,
                              const struct http_range *range, BOOL validate)
{
    DWORD flags = INTERNET_FLAG_RELOAD | INTERNET_FLAG_NO_CACHE_WRITE | INTERNET_FLAG_KEEP_CONNECTION |
                  INTERNET_FLAG_NO_UI | INTERNET_FLAG_NO_COOKIES;
    WCHAR headers[256], *p = headers;
    const WCHAR *validator = NULL;
    HINTERNET request;
    DWORD timeout;
    WCHAR *path;

    if (url->nScheme == INTERNET_SCHEME_HTTPS) flags |= INTERNET_FLAG_SECURE;
    if (redirect_policy(t) == BG_HTTP_REDIRECT_POLICY_DISALLOW) flags |= INTERNET_FLAG_NO_AUTO_REDIRECT;
    if (t->security_flags & BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP) flags |= INTERNET_FLAG_IGNORE_REDIRECT_TO_HTTP;
    if (!(path = malloc((url->dwUrlPathLength + url->dwExtraInfoLength + 2) * sizeof(WCHAR))))
    {
        transfer_fail(t, E_OUTOFMEMORY, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, TRUE);
        return NULL;
    }
    memcpy(path, url->lpszUrlPath, url->dwUrlPathLength * sizeof(WCHAR));
    memcpy(path + url->dwUrlPathLength, url->lpszExtraInfo, url->dwExtraInfoLength * sizeof(WCHAR));
    path[url->dwUrlPathLength + url->dwExtraInfoLength] = 0;
    if (!*path) wcscpy(path, L"/");

    request = HttpOpenRequestW(session->connect, L"GET", path, NULL, NULL, NULL, flags, 0);
    free(path);
    if (!request)
    {
        fail_win32(t, GetLastError());
        return NULL;
    }
    set_credentials(request, t);
    set_security_flags(request, t);
    if (t->custom_headers && *t->custom_headers &&
        !HttpAddRequestHeadersW(request, t->custom_headers, -1, HTTP_ADDREQ_FLAG_ADD | HTTP_ADDREQ_FLAG_REPLACE))
        WARN("cannot add the custom headers: %lu\n", GetLastError());
    /* A stalled server must not hold a job for longer than its no-progress
     * timeout allows.  (Wine 8 honours these on request handles only.) */
    timeout = receive_timeout(t);
    InternetSetOptionW(request, INTERNET_OPTION_RECEIVE_TIMEOUT, &timeout, sizeof(timeout));
    InternetSetOptionW(request, INTERNET_OPTION_CONNECT_TIMEOUT, &timeout, sizeof(timeout));

    *p = 0;
    if (range->first || range->length != BG_LENGTH_TO_EOF)
    {
        if (range->length == BG_LENGTH_TO_EOF)
            p += swprintf(p, 64, L"Range: bytes=%I64u-\r\n", range->first);
        else
            p += swprintf(p, 64, L"Range: bytes=%I64u-%I64u\r\n", range->first, range->first + range->length - 1);
        if (validate) validator = t->etag ? t->etag : t->last_modified;
    }
    if (!HttpAddRequestHeadersW(request, headers, -1, HTTP_ADDREQ_FLAG_ADD | HTTP_ADDREQ_FLAG_REPLACE) && *headers)
        WARN("cannot add headers: %lu\n", GetLastError());
    if (validator)
    {
        WCHAR *if_range = malloc((wcslen(validator) + 16) * sizeof(WCHAR));
        if (if_range)
        {
            swprintf(if_range, wcslen(validator) + 16, L"If-Range: %s\r\n", validator);
            HttpAddRequestHeadersW(request, if_range, -1, HTTP_ADDREQ_FLAG_ADD | HTTP_ADDREQ_FLAG_REPLACE);
            free(if_range);
        }
    }

    TRACE("GET %s %s\n", debugstr_w(t->remote), debugstr_w(headers));
    if (!HttpSendRequestW(request, NULL, 0, NULL, 0))
    {
        fail_win32(t, GetLastError());
        InternetCloseHandle(request);
        return NULL;
    }
    if (!apply_redirect_policy(t, request))
    {
        InternetCloseHandle(request);
        return NULL;
    }
    return request;
}

/* Copies the body into the file; FALSE after transfer_fail() or when the
 * job no longer wants it. */
static BOOL receive_body(struct transfer *t, struct http_session *session, HINTERNET request, HANDLE file,
                         UINT64 *done, UINT64 expected, UINT64 total)
{
    ULONGLONG last_data = GetTickCount64();
    UINT64 received = 0;
    DWORD read, written;

    for (;;)
    {
        if (transfer_cancelled(t)) return FALSE;
        if (!InternetReadFile(request, session->buffer, READ_BUFFER_SIZE, &read))
        {
            DWORD err = GetLastError();
            /* Silence for the whole receive timeout is a timeout, whatever
             * error the socket layer chose to report. */
            if (GetTickCount64() - last_data >= receive_timeout(t)) err = ERROR_INTERNET_TIMEOUT;
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

static void remember_validator(struct transfer *t, HINTERNET request)
{
    WCHAR *etag = query_header(request, HTTP_QUERY_ETAG);
    WCHAR *last_modified = query_header(request, HTTP_QUERY_LAST_MODIFIED);
    FILETIME time;
    BOOL has_time = query_last_modified(request, &time);

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

/* The whole file, resuming after the bytes already in the temporary file. */
static void download_whole(struct transfer *t, struct http_session *session, const URL_COMPONENTSW *url)
{
    struct http_range range = { 0, BG_LENGTH_TO_EOF };
    UINT64 offset, length, first, total;
    HINTERNET request;
    HANDLE file;
    DWORD status;
    BOOL restart = !t->etag && !t->last_modified;

    if (!(file = transfer_open_temp(t, restart, &offset))) return;
    range.first = offset;

    if (!(request = send_request(t, session, url, &range, TRUE))) goto done;
    status = query_status(request);
    TRACE("status %lu\n", status);

    if (status == 416 && offset)
    {
        /* What we have is no longer a prefix of the file: start over. */
        InternetCloseHandle(request);
        CloseHandle(file);
        if (!(file = transfer_open_temp(t, TRUE, &offset))) return;
        range.first = 0;
        if (!(request = send_request(t, session, url, &range, FALSE))) goto done;
        status = query_status(request);
    }
    if (!check_status(t, status)) goto done;

    length = query_content_length(request);
    if (status == 206 && !(offset && query_content_range(request, &first, &total) && first == offset))
    {
        /* A range we did not ask for: fetch the whole file instead. */
        WARN("unexpected partial answer, fetching the whole file\n");
        InternetCloseHandle(request);
        range.first = 0;
        if (!(request = send_request(t, session, url, &range, FALSE))) goto done;
        if (!check_status(t, (status = query_status(request)))) goto done;
        if (status != 200)
        {
            transfer_fail(t, BG_E_INSUFFICIENT_RANGE_SUPPORT, BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
            goto done;
        }
        length = query_content_length(request);
    }
    if (status == 206)
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
            TRACE("server sent the whole file (%lu): restarting\n", status);
            CloseHandle(file);
            if (!(file = transfer_open_temp(t, TRUE, &offset))) goto done;
        }
        total = length;
        remember_validator(t, request);
    }

    transfer_progress(t, offset, total);
    if (receive_body(t, session, request, file, &offset, length, total)) transfer_file_done(t, file);

done:
    if (request) InternetCloseHandle(request);
    CloseHandle(file);
}

/* Exactly the ranges asked for, concatenated in the order given. */
static void download_ranges(struct transfer *t, struct http_session *session, const URL_COMPONENTSW *url)
{
    UINT64 offset, skip, total = ranges_total(t->ranges, t->range_count), first, size, length;
    HINTERNET request = NULL;
    HANDLE file;
    DWORD i, status;

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

        if (!(request = send_request(t, session, url, &range, offset != 0))) break;
        status = query_status(request);
        if (status == 200)
        {
            transfer_fail(t, BG_E_INSUFFICIENT_RANGE_SUPPORT, BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
            break;
        }
        if (status == 416)
        {
            transfer_fail(t, BG_E_INVALID_RANGE, BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
            break;
        }
        if (!check_status(t, status)) break;
        if (!query_content_range(request, &first, &size) || first != range.first)
        {
            transfer_fail(t, BG_E_INSUFFICIENT_RANGE_SUPPORT, BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
            break;
        }
        if (!offset) remember_validator(t, request);
        length = query_content_length(request);
        if (total == BG_SIZE_UNKNOWN && i == t->range_count - 1 && length != BG_SIZE_UNKNOWN)
            total = offset + length;
        if (!receive_body(t, session, request, file, &offset, length, total)) break;
        InternetCloseHandle(request);
        request = NULL;
    }
    if (i == t->range_count && !t->error && !transfer_cancelled(t)) transfer_file_done(t, file);
    if (request) InternetCloseHandle(request);
    CloseHandle(file);
}

void http_transfer_file(struct transfer *t, struct http_session **session)
{
    URL_COMPONENTSW url;

    t->protocol = L"http";
    memset(&url, 0, sizeof(url));
    url.dwStructSize = sizeof(url);
    url.dwHostNameLength = url.dwUrlPathLength = url.dwExtraInfoLength = 1;
    if (!InternetCrackUrlW(t->remote, 0, 0, &url) || !url.dwHostNameLength)
    {
        transfer_fail(t, HRESULT_FROM_WIN32(GetLastError() ? GetLastError() : ERROR_INTERNET_INVALID_URL),
                      BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
        return;
    }
    if (!session_prepare(t, session, &url)) return;

    if (t->range_count) download_ranges(t, *session, &url);
    else download_whole(t, *session, &url);
}
