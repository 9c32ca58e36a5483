/*
 * rawget: the benchmark's baseline, downloading with wininet directly, the
 * way our BITS service does but without COM, jobs or a service between the
 * caller and the transfer.
 *
 *   rawget [-b KIB] URL LOCAL [URL LOCAL ...]
 *   rawget [-b KIB] -f LIST         (LIST: lines of "URL LOCAL")
 *
 * URL is http:// or https://.  One internet session for the whole run and
 * one InternetConnect handle per scheme, host and port in a row, so that
 * wininet keeps the connection alive between files.  Each file: GET with the
 * flags the service uses (INTERNET_FLAG_SECURE for https, on any port),
 * InternetReadFile into a 1 MiB buffer (-b: KIB KiB), WriteFile to LOCAL
 * (created or truncated).  Over TLS the server's certificate is verified as
 * wininet does by default: no SECURITY_FLAG_IGNORE_* flag is ever set, so
 * the issuer must be trusted by the prefix (bench/throughput puts its test
 * CA into the LocalMachine Root store) and the name must match the URL's.
 * Exit status: 0 when every file was downloaded (HTTP 200, and as many bytes
 * as Content-Length says when there is one), 1 otherwise (a certificate
 * that was not accepted is said so), 2 for bad usage.
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <wininet.h>


static HINTERNET internet, connection;
static char connected_host[INTERNET_MAX_HOST_NAME_LENGTH];
static INTERNET_PORT connected_port;
static INTERNET_SCHEME connected_scheme;
static char *buffer;
static DWORD buffer_size = 1024 * 1024;

static BOOL certificate_error(DWORD error)
{
    switch (error)
    {
    case ERROR_INTERNET_SEC_CERT_DATE_INVALID:
    case ERROR_INTERNET_SEC_CERT_CN_INVALID:
    case ERROR_INTERNET_INVALID_CA:
    case ERROR_INTERNET_SEC_CERT_ERRORS:
    case ERROR_INTERNET_SEC_CERT_NO_REV:
    case ERROR_INTERNET_SEC_CERT_REV_FAILED:
    case ERROR_INTERNET_SEC_INVALID_CERT:
    case ERROR_INTERNET_SEC_CERT_REVOKED:
    case ERROR_INTERNET_SECURITY_CHANNEL_ERROR:
        return TRUE;
    }
    return FALSE;
}

static void fail(const char *what, const char *name)
{
    DWORD error = GetLastError();

    fprintf(stderr, "rawget: %s %s: error %lu%s\n", what, name, error,
            certificate_error(error) ? " (the server's certificate was not accepted)" : "");
}

static HINTERNET connect_to(const URL_COMPONENTSA *url, const char *name)
{
    if (connection && url->nPort == connected_port && url->nScheme == connected_scheme
        && !strcmp(url->lpszHostName, connected_host))
        return connection;
    if (connection) InternetCloseHandle(connection);
    connection = InternetConnectA(internet, url->lpszHostName, url->nPort, NULL, NULL,
                                  INTERNET_SERVICE_HTTP, 0, 0);
    if (!connection)
    {
        fail("InternetConnect", name);
        return NULL;
    }
    lstrcpynA(connected_host, url->lpszHostName, sizeof(connected_host));
    connected_port = url->nPort;
    connected_scheme = url->nScheme;
    return connection;
}

static int get(const char *remote, const char *local)
{
    char host[INTERNET_MAX_HOST_NAME_LENGTH], path[INTERNET_MAX_URL_LENGTH], extra[INTERNET_MAX_URL_LENGTH];
    DWORD flags = INTERNET_FLAG_RELOAD | INTERNET_FLAG_NO_CACHE_WRITE | INTERNET_FLAG_KEEP_CONNECTION |
                  INTERNET_FLAG_NO_UI | INTERNET_FLAG_NO_COOKIES;
    DWORD status, length, size, read, written;
    ULONGLONG total = 0, expected = 0;
    URL_COMPONENTSA url;
    HINTERNET request;
    HANDLE file;
    char text[32];
    int ret = 1;

    memset(&url, 0, sizeof(url));
    url.dwStructSize = sizeof(url);
    url.lpszHostName = host;
    url.dwHostNameLength = sizeof(host);
    url.lpszUrlPath = path;
    url.dwUrlPathLength = sizeof(path);
    url.lpszExtraInfo = extra;
    url.dwExtraInfoLength = sizeof(extra);
    if (!InternetCrackUrlA(remote, 0, 0, &url) || !url.dwHostNameLength)
    {
        fail("bad URL", remote);
        return 1;
    }
    if (strlen(path) + strlen(extra) >= sizeof(path))
    {
        fprintf(stderr, "rawget: URL too long: %s\n", remote);
        return 1;
    }
    strcat(path, extra);
    if (url.nScheme == INTERNET_SCHEME_HTTPS) flags |= INTERNET_FLAG_SECURE;
    if (!connect_to(&url, remote)) return 1;

    if (!(request = HttpOpenRequestA(connection, "GET", path, NULL, NULL, NULL, flags, 0)))
    {
        fail("HttpOpenRequest", remote);
        return 1;
    }
    if (!HttpSendRequestA(request, NULL, 0, NULL, 0))
    {
        fail("HttpSendRequest", remote);
        goto done;
    }
    size = sizeof(status);
    if (!HttpQueryInfoA(request, HTTP_QUERY_STATUS_CODE | HTTP_QUERY_FLAG_NUMBER, &status, &size, NULL))
    {
        fail("HttpQueryInfo", remote);
        goto done;
    }
    if (status != 200)
    {
        fprintf(stderr, "rawget: %s: HTTP status %lu\n", remote, status);
        goto done;
    }
    length = sizeof(text);
    if (HttpQueryInfoA(request, HTTP_QUERY_CONTENT_LENGTH, text, &length, NULL))
        expected = _strtoui64(text, NULL, 10);

    file = CreateFileA(local, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE)
    {
        fail("cannot create", local);
        goto done;
    }
    for (;;)
    {
        if (!InternetReadFile(request, buffer, buffer_size, &read))
        {
            fail("InternetReadFile", remote);
            break;
        }
        if (!read)
        {
            if (expected && total != expected)
                fprintf(stderr, "rawget: %s: %I64u bytes of %I64u\n", remote, total, expected);
            else
                ret = 0;
            break;
        }
        if (!WriteFile(file, buffer, read, &written, NULL) || written != read)
        {
            fail("WriteFile", local);
            break;
        }
        total += read;
    }
    CloseHandle(file);
    if (ret) DeleteFileA(local);

done:
    InternetCloseHandle(request);
    return ret;
}

static int get_list(const char *list)
{
    char remote[INTERNET_MAX_URL_LENGTH], local[MAX_PATH];
    int count = 0, ret = 0;
    FILE *f;

    if (!(f = fopen(list, "r")))
    {
        fprintf(stderr, "rawget: cannot open %s\n", list);
        return 1;
    }
    while (fscanf(f, "%2083s %259s", remote, local) == 2)
    {
        count++;
        if (get(remote, local))
        {
            ret = 1;
            break;
        }
    }
    fclose(f);
    if (!count)
    {
        fprintf(stderr, "rawget: %s lists no files\n", list);
        ret = 1;
    }
    return ret;
}

int main(int argc, char **argv)
{
    int i, ret = 0;

    if (argc > 2 && !strcmp(argv[1], "-b"))
    {
        buffer_size = strtoul(argv[2], NULL, 10) * 1024;
        argc -= 2;
        argv += 2;
    }
    if (!buffer_size || (!(argc == 3 && !strcmp(argv[1], "-f")) && (argc < 3 || (argc - 1) % 2)))
    {
        fprintf(stderr, "usage: rawget [-b KIB] URL LOCAL [URL LOCAL ...] | rawget [-b KIB] -f LIST\n");
        return 2;
    }
    if (!(buffer = malloc(buffer_size)))
    {
        fprintf(stderr, "rawget: out of memory\n");
        return 1;
    }
    if (!(internet = InternetOpenA("rawget", INTERNET_OPEN_TYPE_PRECONFIG, NULL, NULL, 0)))
    {
        fail("InternetOpen", "");
        return 1;
    }
    if (!strcmp(argv[1], "-f"))
        ret = get_list(argv[2]);
    else
        for (i = 1; i + 1 < argc && !ret; i += 2) ret = get(argv[i], argv[i + 1]);

    if (connection) InternetCloseHandle(connection);
    InternetCloseHandle(internet);
    free(buffer);
    return ret;
}
