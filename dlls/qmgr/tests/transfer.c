/*
 * Tests of transfers through the BITS service: real HTTP on 127.0.0.1
 * (nginx, and tests/faultserver.py for resets, stalls, errors and changing
 * content), real files, the job's states as Microsoft documents them.
 *
 * tests/run-check starts the servers and passes their ports in
 * QMGR_HTTP_PORT and QMGR_FAULT_PORT, nginx's document root in QMGR_WWW and
 * the fault server's request log in QMGR_FAULT_LOG.
 *
 * Most scenarios are rows of one table, scenarios[], run by one driver,
 * run_row(): the files and their origin (nginx, a fault-server behaviour,
 * local paths), the job's settings, where the job stops first and what the
 * test does then, where it ends with which error, what the files hold and
 * what the fault server saw.  The scenarios that need a sequence of their
 * own (priorities, time slices, Suspend/Resume and a service restart in the
 * middle of a transfer, callbacks) are functions using the same helpers.
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

#include "qmgr_test.h"
#include "wininet.h"

#define ALL_END_STATES ((1u << BG_JOB_STATE_TRANSFERRED) | (1u << BG_JOB_STATE_ERROR))
#define MB (1024 * 1024)
#define URL_SIZE (MAX_PATH + 64)

static IBackgroundCopyManager *manager;
static WCHAR test_dir[MAX_PATH];
static int http_port, fault_port;
static char fault_log[MAX_PATH], nginx_log[MAX_PATH];
static DWORD run_id;
static unsigned int key_counter;

/* The content every fault-server resource has: byte i of version v. */
static BYTE content_byte(UINT64 i, unsigned int version)
{
    return (BYTE)((((i * 2654435761u) & 0xffffffff) >> 13) ^ (version * 0x5b));
}

static UINT64 filetime_seconds(const FILETIME *ft)
{
    ULARGE_INTEGER u;
    u.LowPart = ft->dwLowDateTime;
    u.HighPart = ft->dwHighDateTime;
    return u.QuadPart / 10000000;
}

static void nginx_url(WCHAR *url, const char *path)
{
    swprintf(url, URL_SIZE, L"http://127.0.0.1:%d/%hs", http_port, path);
}

/* A key no other request of this make check uses, for the fault server's
 * per-key state and log: the passes run one after the other with fresh
 * wineservers, so a process id alone may come back. */
static void new_key(char *key)
{
    snprintf(key, 32, "k%lx-%lx-%u", run_id, GetCurrentProcessId(), ++key_counter);
}

/* A fault-server path from a format: %k is the key, %z the size, %a the
 * cut-off offset (where a reset or a stall happens). */
static void expand_path(char *path, size_t len, const char *format, const char *key, UINT64 size, UINT64 cut)
{
    size_t n = 0;
    const char *f;

    for (f = format; *f && n + 1 < len; f++)
    {
        if (f[0] != '%' || !f[1]) path[n++] = *f;
        else if (*++f == 'k') n += snprintf(path + n, len - n, "%s", key);
        else if (*f == 'z') n += snprintf(path + n, len - n, "%I64u", size);
        else if (*f == 'a') n += snprintf(path + n, len - n, "%I64u", cut);
        else path[n++] = *f;
        if (n >= len) n = len - 1;
    }
    path[n] = 0;
}

static void fault_url(WCHAR *url, const char *key, const char *format, UINT64 size, UINT64 cut)
{
    char path[256];

    expand_path(path, sizeof(path), format, key, size, cut);
    swprintf(url, URL_SIZE, L"http://127.0.0.1:%d%hs", fault_port, path);
}

/* A source file for copies: size bytes of version 0. */
static void write_source(const WCHAR *path, UINT64 size)
{
    HANDLE file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    static BYTE buffer[MB];
    UINT64 pos;
    DWORD n, written, i;

    ok(file != INVALID_HANDLE_VALUE, "cannot write %s: %lu\n", wine_dbgstr_w(path), GetLastError());
    if (file == INVALID_HANDLE_VALUE) return;
    for (pos = 0; pos < size; pos += n)
    {
        n = (DWORD)min(size - pos, sizeof(buffer));
        for (i = 0; i < n; i++) buffer[i] = content_byte(pos + i, 0);
        if (!WriteFile(file, buffer, n, &written, NULL) || written != n) break;
    }
    ok(pos >= size, "cannot write %s: %lu\n", wine_dbgstr_w(path), GetLastError());
    CloseHandle(file);
}

static BOOL check_content(const WCHAR *path, UINT64 first, UINT64 size, unsigned int version)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    static BYTE buffer[MB];
    LARGE_INTEGER got;
    UINT64 pos = 0;
    DWORD read, i;
    BOOL same = TRUE;

    if (file == INVALID_HANDLE_VALUE) return FALSE;
    if (!GetFileSizeEx(file, &got) || got.QuadPart != size) same = FALSE;
    while (same && ReadFile(file, buffer, sizeof(buffer), &read, NULL) && read)
    {
        for (i = 0; i < read; i++)
            if (buffer[i] != content_byte(first + pos + i, version)) { same = FALSE; break; }
        pos += read;
    }
    CloseHandle(file);
    return same && pos == size;
}

/* Exactly the ranges of a resource of size bytes, in the order given. */
static void check_ranges_content(const WCHAR *path, const BG_FILE_RANGE *ranges, DWORD count, UINT64 size,
                                 unsigned int version)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    static BYTE buffer[MB];
    UINT64 expected = 0, offset, length;
    DWORD read = 0, i = 0, r;

    for (r = 0; r < count; r++)
        expected += ranges[r].Length == BG_LENGTH_TO_EOF ? size - ranges[r].InitialOffset : ranges[r].Length;
    ok(file != INVALID_HANDLE_VALUE, "cannot open %s: %lu\n", wine_dbgstr_w(path), GetLastError());
    if (file == INVALID_HANDLE_VALUE) return;
    if (!ReadFile(file, buffer, sizeof(buffer), &read, NULL)) read = 0;
    CloseHandle(file);
    ok(read == expected, "%lu bytes\n", read);
    for (r = 0; r < count && i < read; r++)
    {
        length = ranges[r].Length == BG_LENGTH_TO_EOF ? size - ranges[r].InitialOffset : ranges[r].Length;
        for (offset = ranges[r].InitialOffset; offset < ranges[r].InitialOffset + length && i < read; offset++, i++)
            if (buffer[i] != content_byte(offset, version)) break;
        if (offset < ranges[r].InitialOffset + length && i < read) break;
    }
    ok(i == read, "byte %lu is wrong\n", i);
}

/* The modification time of a file, in seconds; 0 if it cannot be read. */
static UINT64 file_seconds(const WCHAR *path)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    FILETIME time;
    BOOL ret;

    if (file == INVALID_HANDLE_VALUE) return 0;
    ret = GetFileTime(file, NULL, NULL, &time);
    CloseHandle(file);
    return ret ? filetime_seconds(&time) : 0;
}

/* Temporary files BITS left in the test folder. */
static int count_temp_files(void)
{
    WIN32_FIND_DATAW data;
    WCHAR pattern[MAX_PATH];
    HANDLE find;
    int count = 0;

    swprintf(pattern, MAX_PATH, L"%s\\BIT*.tmp", test_dir);
    if ((find = FindFirstFileW(pattern, &data)) == INVALID_HANDLE_VALUE) return 0;
    do count++; while (FindNextFileW(find, &data));
    FindClose(find);
    return count;
}

/* Waits up to 30 s for them to go. */
static BOOL wait_no_temp_files(void)
{
    int i;
    for (i = 0; i < 600 && count_temp_files(); i++) Sleep(50);
    return !count_temp_files();
}

/* What the fault server logged for requests whose path holds the key. */
struct request_log
{
    int count;
    UINT64 bytes;               /* body bytes sent, all requests */
    char paths[8][256];         /* of each request, the first eight */
    char ranges[8][64];         /* Range header */
    char if_ranges[8][64];
    char customs[8][64];        /* X-Qmgr-Test header */
};

static void json_field(const char *line, const char *name, char *out, size_t size)
{
    char pattern[64];
    const char *p;
    size_t n = 0;

    *out = 0;
    snprintf(pattern, sizeof(pattern), "\"%s\": ", name);
    if (!(p = strstr(line, pattern))) return;
    p += strlen(pattern);
    if (*p == '"')
    {
        for (p++; *p && *p != '"' && n + 1 < size; p++)
        {
            if (*p == '\\' && p[1]) p++;
            out[n++] = *p;
        }
    }
    else if (strncmp(p, "null", 4)) while (*p && *p != ',' && *p != '}' && n + 1 < size) out[n++] = *p++;
    out[n] = 0;
}

/* The key as a whole segment or query value of the path ("k1-2" is not in
 * ".../k1-23/..."). */
static BOOL path_has_key(const char *path, const char *key)
{
    size_t len = strlen(key);
    const char *p;

    for (p = strstr(path, key); p; p = strstr(p + 1, key))
        if (p > path && (p[-1] == '/' || p[-1] == '=') && (!p[len] || strchr("/?&", p[len]))) return TRUE;
    return FALSE;
}

static void read_request_log(const char *key, struct request_log *log)
{
    char line[2048], path[256], value[64];
    FILE *f;

    memset(log, 0, sizeof(*log));
    if (!(f = fopen(fault_log, "r"))) return;
    while (fgets(line, sizeof(line), f))
    {
        json_field(line, "path", path, sizeof(path));
        if (!path_has_key(path, key)) continue;
        json_field(line, "bytes", value, sizeof(value));
        log->bytes += _strtoui64(value, NULL, 10);
        if (log->count < ARRAY_SIZE(log->paths))
        {
            strcpy(log->paths[log->count], path);
            json_field(line, "range", log->ranges[log->count], sizeof(log->ranges[0]));
            json_field(line, "if_range", log->if_ranges[log->count], sizeof(log->if_ranges[0]));
            json_field(line, "custom", log->customs[log->count], sizeof(log->customs[0]));
        }
        log->count++;
    }
    fclose(f);
}

/* nginx logs a request when it ends: did a request for path (which has a
 * query of its own) ask for the bytes from somewhere past the start?  Waits
 * up to 30 s for it. */
static BOOL nginx_saw_resume(const char *path)
{
    char line[1024];
    BOOL ranged = FALSE;
    FILE *f;
    int i;

    for (i = 0; i < 300 && !ranged; i++)
    {
        Sleep(100);
        if (!(f = fopen(nginx_log, "r"))) continue;
        while (fgets(line, sizeof(line), f))
            if (strstr(line, path) && strstr(line, "range=\"bytes=") && !strstr(line, "bytes=0-")) ranged = TRUE;
        fclose(f);
    }
    return ranged;
}

/* A download job in the shared manager at the given priority, retried soon after a
 * transient error (unlike qmgr_test.h's start_job); remote NULL: no file yet. */
static IBackgroundCopyJob4 *priority_job(const WCHAR *name, const WCHAR *remote, const WCHAR *local,
                                         BG_JOB_PRIORITY priority)
{
    IBackgroundCopyJob4 *job = create_job4(manager, name, BG_JOB_TYPE_DOWNLOAD, NULL);
    HRESULT hr;

    if (!job) return NULL;
    if (remote)
    {
        hr = IBackgroundCopyJob4_AddFile(job, remote, local);
        ok(hr == S_OK, "AddFile(%s): %#lx\n", wine_dbgstr_w(remote), hr);
    }
    hr = IBackgroundCopyJob4_SetPriority(job, priority);
    ok(hr == S_OK, "SetPriority(%d): %#lx\n", priority, hr);
    /* Short retries for the transient errors these tests provoke. */
    hr = IBackgroundCopyJob4_SetMinimumRetryDelay(job, 5);
    ok(hr == S_OK, "SetMinimumRetryDelay: %#lx\n", hr);
    return job;
}

static void resume(IBackgroundCopyJob4 *job)
{
    HRESULT hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
}

/* Cancel, which leaves no temporary file behind. */
static void cancel(IBackgroundCopyJob4 *job)
{
    ok(IBackgroundCopyJob4_Cancel(job) == S_OK, "Cancel failed\n");
    ok(wait_no_temp_files(), "temporary file left after Cancel\n");
}

/* The bytes the job has; 0 when GetProgress fails. */
static UINT64 job_bytes(IBackgroundCopyJob4 *job)
{
    BG_JOB_PROGRESS progress;
    HRESULT hr = IBackgroundCopyJob4_GetProgress(job, &progress);

    ok(hr == S_OK, "GetProgress: %#lx\n", hr);
    return SUCCEEDED(hr) ? progress.BytesTransferred : 0;
}

/* Waits up to timeout ms for the job to have more than `above` bytes;
 * returns the bytes it has. */
static UINT64 wait_for_bytes(IBackgroundCopyJob4 *job, UINT64 above, DWORD timeout)
{
    ULONGLONG end = GetTickCount64() + timeout;
    UINT64 bytes;

    while ((bytes = job_bytes(job)) <= above && GetTickCount64() <= end) Sleep(50);
    return bytes;
}

/* Waits up to timeout ms for a counter the callbacks raise to reach a value. */
static LONG wait_for_count(LONG *counter, LONG wanted, DWORD timeout)
{
    ULONGLONG end = GetTickCount64() + timeout;

    while (ReadNoFence(counter) < wanted && GetTickCount64() <= end) Sleep(50);
    return ReadNoFence(counter);
}

/* The job's error: code (or alt_code when not 0), context, protocol, and the
 * texts and file that go with them. */
static void check_error(IBackgroundCopyJob4 *job, HRESULT code, HRESULT alt_code, BG_ERROR_CONTEXT context,
                        const WCHAR *protocol)
{
    BG_ERROR_CONTEXT got_context = -1;
    IBackgroundCopyError *error;
    IBackgroundCopyFile *file;
    HRESULT hr, got_code = 0xdeadbeef;
    LPWSTR text;

    hr = IBackgroundCopyJob4_GetError(job, &error);
    ok(hr == S_OK, "GetError: %#lx\n", hr);
    if (hr != S_OK) return;
    hr = IBackgroundCopyError_GetError(error, &got_context, &got_code);
    ok(hr == S_OK, "IBackgroundCopyError::GetError: %#lx\n", hr);
    ok(got_code == code || (alt_code && got_code == alt_code), "error %#lx, expected %#lx\n", got_code, code);
    ok(got_context == context, "context %d, expected %d\n", got_context, context);
    text = NULL;
    hr = IBackgroundCopyError_GetErrorDescription(error, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), &text);
    ok(hr == S_OK && text && *text, "GetErrorDescription(%#lx): %#lx\n", code, hr);
    CoTaskMemFree(text);
    text = NULL;
    hr = IBackgroundCopyError_GetErrorContextDescription(error, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), &text);
    ok(hr == S_OK && text && *text, "GetErrorContextDescription: %#lx\n", hr);
    CoTaskMemFree(text);
    /* The error object wants an explicit language. */
    text = NULL;
    hr = IBackgroundCopyError_GetErrorDescription(error, 0, &text);
    ok(hr == E_INVALIDARG, "GetErrorDescription(0): %#lx\n", hr);
    if (SUCCEEDED(hr)) CoTaskMemFree(text);
    if (context == BG_ERROR_CONTEXT_REMOTE_FILE || context == BG_ERROR_CONTEXT_GENERAL_TRANSPORT)
    {
        text = NULL;
        hr = IBackgroundCopyError_GetProtocol(error, &text);
        ok(hr == S_OK && text && !wcscmp(text, protocol), "GetProtocol: %#lx %s\n", hr, wine_dbgstr_w(text));
        CoTaskMemFree(text);
    }
    if (context == BG_ERROR_CONTEXT_REMOTE_FILE || context == BG_ERROR_CONTEXT_GENERAL_TRANSPORT ||
        context == BG_ERROR_CONTEXT_LOCAL_FILE)
    {
        hr = IBackgroundCopyError_GetFile(error, &file);
        ok(hr == S_OK, "GetFile: %#lx\n", hr);
        if (hr == S_OK) IBackgroundCopyFile_Release(file);
    }
    else if (context == BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER)
    {
        file = (void *)0xdeadbeef;
        hr = IBackgroundCopyError_GetFile(error, &file);
        ok(hr == BG_E_FILE_NOT_AVAILABLE && !file, "GetFile: %#lx %p\n", hr, file);
        text = NULL;
        hr = IBackgroundCopyError_GetProtocol(error, &text);
        ok(hr == BG_E_PROTOCOL_NOT_AVAILABLE, "GetProtocol: %#lx\n", hr);
        if (SUCCEEDED(hr)) CoTaskMemFree(text);
    }
    IBackgroundCopyError_Release(error);
}

/* Where a job stops: its state and, in an error state, its error; how many
 * errors it had and how far it got, where given. */
struct expect
{
    BG_JOB_STATE state;
    HRESULT code, alt_code;
    BG_ERROR_CONTEXT context;
    const WCHAR *protocol;
    ULONG errors;               /* GetErrorCount, when not 0 */
    UINT64 total;               /* BytesTotal, when not 0 ... */
    UINT64 transferred_over;    /* ... and BytesTransferred above this */
};

static void check_stop(IBackgroundCopyJob4 *job, const struct expect *expect, BG_JOB_STATE state)
{
    BG_JOB_PROGRESS progress;
    ULONG errors = 0;
    HRESULT hr;

    ok(state == expect->state, "state %d, expected %d\n", state, expect->state);
    /* An error where none was expected shows what it was. */
    if (state == BG_JOB_STATE_ERROR || state == BG_JOB_STATE_TRANSIENT_ERROR)
        check_error(job, expect->code, expect->alt_code, expect->context, expect->protocol);
    if (expect->errors)
    {
        hr = IBackgroundCopyJob4_GetErrorCount(job, &errors);
        ok(hr == S_OK, "GetErrorCount: %#lx\n", hr);
        ok(errors == expect->errors, "error count %lu\n", errors);
    }
    if (expect->total)
    {
        hr = IBackgroundCopyJob4_GetProgress(job, &progress);
        ok(hr == S_OK, "GetProgress: %#lx\n", hr);
        if (FAILED(hr)) return;
        ok(progress.BytesTotal == expect->total, "BytesTotal %s\n", wine_dbgstr_longlong(progress.BytesTotal));
        ok(progress.BytesTransferred > expect->transferred_over, "BytesTransferred %s\n",
           wine_dbgstr_longlong(progress.BytesTransferred));
    }
}

/* Where a file of a scenario comes from. */
enum origin
{
    NGINX,          /* a path under nginx's document root */
    FAULT,          /* a fault-server path, see expand_path() */
    LOCAL_PATH,     /* a file of the test folder, by its path */
    FILE_URL,       /* the same as a file:// URL */
};

/* What a file holds once the job is over. */
enum content
{
    CONTENT_FORMULA,    /* the resource's bytes (or its ranges' bytes) in its version */
    CONTENT_SOURCE,     /* nginx's file byte for byte, with its modification time */
    CONTENT_ABSENT,     /* nothing: the file failed */
};

struct file_row
{
    enum origin origin;
    const char *path;
    const WCHAR *local;         /* in the test folder */
    UINT64 size;                /* of the resource; a local source of that size is written first */
    unsigned int version;       /* of the content expected */
    enum content content;
    DWORD range_count;
    const BG_FILE_RANGE *ranges;
    BOOL later;                 /* added by THEN_ADD_FILES */
};

/* What the test does once the job stopped the first time. */
enum then
{
    THEN_NOTHING,       /* no first stop: the job runs to its end */
    THEN_RESUME,
    THEN_RETRY,         /* nothing: the service retries by itself after the retry delay */
    THEN_CREDENTIALS,   /* SetCredentials, then Resume */
    THEN_ADD_FILES,     /* Suspend and AddFile leave a transferred job as it is; Resume fetches the new files */
};

/* What the fault server saw of the scenario's key. */
struct server_log
{
    int requests;               /* how many, when not 0 */
    BOOL resumed;               /* the first without Range, the second from past resumed_past up to the cut-off */
    UINT64 resumed_past;
    const char *if_range;       /* the second request's If-Range */
    BOOL little_refetched;      /* less than 1% of the first file sent twice */
    const char *header;         /* every request carried this X-Qmgr-Test, one of them to /data/ */
};

#define RANDOM_CUT (~(UINT64)0) /* anywhere from 1 MiB to 1 MiB before the end */

struct scenario
{
    const char *name;
    struct file_row files[2];
    BG_JOB_PRIORITY priority;
    ULONG no_progress_timeout, max_download_time;   /* 0: the job's defaults */
    BOOL credentials;                               /* Basic bits:secret before Resume */
    const WCHAR *headers;
    ULONG security_flags;
    UINT64 cut;                 /* %a in the fault-server paths */
    enum then then;
    struct expect first, last;
    HRESULT complete;           /* what Complete answers when not S_OK; ERROR rows without it are cancelled */
    const char *remote_after;   /* path of the first file's origin: its remote name at the end */
    struct server_log log;
    DWORD timeout;              /* for each wait, in ms; 60 s when 0 */
};

static const BG_FILE_RANGE three_ranges[] = { { 5000, 1000 }, { 100, 50 }, { 70000, BG_LENGTH_TO_EOF } };

/* The error a reset leaves: code, alternative code, context, protocol. */
#define RESET_ERROR __HRESULT_FROM_WIN32(ERROR_INTERNET_CONNECTION_RESET), 0, BG_ERROR_CONTEXT_GENERAL_TRANSPORT, \
                    L"http"

static const struct scenario scenarios[] =
{
    /* 64 MiB from nginx, byte-identical, with the server's date; the data
     * lives in a hidden temporary file until Complete. */
    {
        "64 MiB", { { NGINX, "64m.bin", L"64m.bin", 64 * MB, 0, CONTENT_SOURCE } },
        .last = { BG_JOB_STATE_TRANSFERRED }, .timeout = 120000,
    },
    /* A reset at a random offset: the job resumes with a Range request
     * guarded by If-Range, and re-fetches less than 1% of the file. */
    {
        "reset", { { FAULT, "/reset/%k/%z?after=%a", L"reset.bin", 64 * MB } }, .cut = RANDOM_CUT,
        .then = THEN_RESUME, .first = { BG_JOB_STATE_TRANSIENT_ERROR, RESET_ERROR, .errors = 1 },
        .last = { BG_JOB_STATE_TRANSFERRED },
        .log = { .requests = 2, .resumed = TRUE, .if_range = "\"v0-67108864\"", .little_refetched = TRUE },
    },
    /* The content (and ETag) change between the reset and the resume: the
     * file starts over and ends up equal to the new version. */
    {
        "changed content", { { FAULT, "/changing/%k/%z?after=%a", L"changing.bin", 8 * MB, 2 } }, .cut = 3 * MB,
        .then = THEN_RESUME, .first = { BG_JOB_STATE_TRANSIENT_ERROR, RESET_ERROR },
        .last = { BG_JOB_STATE_TRANSFERRED },
        .log = { .requests = 2, .resumed = TRUE, .if_range = "\"v1-8388608\"" },
    },
    {
        "404", { { FAULT, "/status/404", L"404.bin" } },
        .last = { BG_JOB_STATE_ERROR, BG_E_HTTP_ERROR_404, 0, BG_ERROR_CONTEXT_REMOTE_FILE, L"http", .errors = 1 },
    },
    /* 503 is transient: TRANSIENT_ERROR, then success after the retry delay. */
    {
        "503 then retry", { { FAULT, "/status-then-ok/%k/503/1/%z", L"503.bin", 100000 } },
        .priority = BG_JOB_PRIORITY_NORMAL,
        .then = THEN_RETRY,
        .first = { BG_JOB_STATE_TRANSIENT_ERROR, BG_E_HTTP_ERROR_503, 0, BG_ERROR_CONTEXT_REMOTE_FILE, L"http" },
        .last = { BG_JOB_STATE_TRANSFERRED, .errors = 1 },
    },
    /* A server that stops sending: the job fails once its no-progress timeout passes. */
    {
        "stall", { { FAULT, "/stall-always/%z?after=%a", L"stall.bin", 4 * MB } }, .cut = MB,
        .no_progress_timeout = 3,
        .last = { BG_JOB_STATE_ERROR, __HRESULT_FROM_WIN32(ERROR_INTERNET_TIMEOUT), 0,
                  BG_ERROR_CONTEXT_GENERAL_TRANSPORT, L"http" },
    },
    /* Job4's maximum download time on a rate-limited download. */
    {
        "maximum download time", { { NGINX, "slow/64m.bin", L"slow.bin", 64 * MB } },
        .max_download_time = 2,
        .last = { BG_JOB_STATE_ERROR, BG_E_MAXDOWNLOAD_TIMEOUT, 0, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER },
    },
    /* Local paths and file:// URLs, as in Wine's own qmgr tests. */
    {
        "local path and file URL",
        { { LOCAL_PATH, "source.bin", L"copy1.bin", 5000 }, { FILE_URL, "source.bin", L"copy2.bin", 5000 } },
        .priority = BG_JOB_PRIORITY_NORMAL, .last = { BG_JOB_STATE_TRANSFERRED },
    },
    /* A missing source is a remote-file error. */
    {
        "missing local source", { { LOCAL_PATH, "missing.bin", L"copy1.bin" } }, .priority = BG_JOB_PRIORITY_NORMAL,
        .last = { BG_JOB_STATE_ERROR, __HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), 0, BG_ERROR_CONTEXT_REMOTE_FILE,
                  L"file" },
    },
    /* A destination folder that does not exist is a local-file error. */
    {
        "no destination folder", { { NGINX, "small.bin", L"no_such_folder\\file.bin", 4096 } },
        .last = { BG_JOB_STATE_ERROR, __HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND), __HRESULT_FROM_WIN32(ERROR_DIRECTORY),
                  BG_ERROR_CONTEXT_LOCAL_FILE },
    },
    /* One file transferred, one failing: Complete keeps the first. */
    {
        "partial complete",
        { { NGINX, "small.bin", L"partial1.bin", 4096 },
          { FAULT, "/status/404", L"partial2.bin", 0, 0, CONTENT_ABSENT } },
        .last = { BG_JOB_STATE_ERROR, BG_E_HTTP_ERROR_404, 0, BG_ERROR_CONTEXT_REMOTE_FILE, L"http" },
        .complete = BG_S_PARTIAL_COMPLETE,
    },
    /* Exactly the ranges asked for, in the order given. */
    {
        "ranges", { { FAULT, "/data/%z", L"ranges.bin", 71000, 0, CONTENT_FORMULA, 3, three_ranges } },
        .last = { BG_JOB_STATE_TRANSFERRED },
    },
    /* A server without range support cannot serve ranges. */
    {
        "ranges without range support",
        { { FAULT, "/norange/%z", L"ranges.bin", 71000, 0, CONTENT_FORMULA, 1, three_ranges } },
        .last = { BG_JOB_STATE_ERROR, BG_E_INSUFFICIENT_RANGE_SUPPORT, 0, BG_ERROR_CONTEXT_REMOTE_FILE, L"http" },
    },
    /* Redirects are followed; chunked answers and answers without a length
     * or without ranges work. */
    { "302 redirect", { { FAULT, "/redirect/302/data/%z", L"kinds.bin", 300000 } },
      .last = { BG_JOB_STATE_TRANSFERRED } },
    { "chunked", { { FAULT, "/chunked/%z", L"kinds.bin", 300000 } }, .last = { BG_JOB_STATE_TRANSFERRED } },
    { "no length", { { FAULT, "/nolength/%z", L"kinds.bin", 300000 } }, .last = { BG_JOB_STATE_TRANSFERRED } },
    { "no range support", { { FAULT, "/norange/%z", L"kinds.bin", 300000 } }, .last = { BG_JOB_STATE_TRANSFERRED } },
    /* Basic authentication with the job's credentials, added after a 401,
     * then Resume from ERROR; or there from the start. */
    {
        "credentials after 401", { { NGINX, "auth/small.bin", L"auth.bin", 4096 } },
        .then = THEN_CREDENTIALS,
        .first = { BG_JOB_STATE_ERROR, BG_E_HTTP_ERROR_401, 0, BG_ERROR_CONTEXT_REMOTE_FILE, L"http" },
        .last = { BG_JOB_STATE_TRANSFERRED },
    },
    {
        "credentials from the start", { { NGINX, "auth/small.bin", L"auth.bin", 4096 } }, .credentials = TRUE,
        .last = { BG_JOB_STATE_TRANSFERRED },
    },
    /* IBackgroundCopyJobHttpOptions on the wire: custom headers reach the
     * server; redirects are reported in the remote name, or refused (fatal,
     * HRESULT_FROM_WIN32 of the status, and the remote name still becomes
     * the URL the server redirected to).  The query only marks the row's
     * requests in the server's log. */
    {
        "redirect reported", { { FAULT, "/redirect/302/data/%z?key=%k", L"redirect.bin", 5000 } },
        .headers = L"X-Qmgr-Test: hello\r\n", .security_flags = BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT,
        .last = { BG_JOB_STATE_TRANSFERRED }, .remote_after = "/data/%z?key=%k", .log = { .header = "hello" },
    },
    {
        "redirect refused", { { FAULT, "/redirect/302/data/%z?key=%k", L"redirect.bin", 5000 } },
        .security_flags = BG_HTTP_REDIRECT_POLICY_DISALLOW,
        .last = { BG_JOB_STATE_ERROR, __HRESULT_FROM_WIN32(302), 0, BG_ERROR_CONTEXT_REMOTE_FILE, L"http" },
        .remote_after = "/data/%z?key=%k",
    },
    {
        "redirect refused by nginx", { { NGINX, "moved/small.bin", L"redirect.bin", 4096 } },
        .security_flags = BG_HTTP_REDIRECT_POLICY_DISALLOW,
        .last = { BG_JOB_STATE_ERROR, __HRESULT_FROM_WIN32(301), 0, BG_ERROR_CONTEXT_REMOTE_FILE, L"http" },
        .remote_after = "small.bin",
    },
    /* Files added to a transferred job: Resume fetches them too. */
    {
        "files added after the transfer",
        { { NGINX, "small.bin", L"more1.bin", 4096 }, { NGINX, "small.bin", L"more2.bin", 4096, .later = TRUE } },
        .then = THEN_ADD_FILES, .first = { BG_JOB_STATE_TRANSFERRED }, .last = { BG_JOB_STATE_TRANSFERRED },
    },
    /* Over 2 GiB, with a reset past 2 GiB: 64-bit sizes and offsets throughout. */
    {
        "over 2 GiB", { { FAULT, "/reset/%k/%z?after=%a", L"large.bin", 2300000000ull } }, .cut = 2200000000ull,
        .then = THEN_RESUME,
        .first = { BG_JOB_STATE_TRANSIENT_ERROR, RESET_ERROR, .total = 2300000000ull, .transferred_over = 1ull << 31 },
        .last = { BG_JOB_STATE_TRANSFERRED },
        .log = { .requests = 2, .resumed = TRUE, .resumed_past = 1ull << 31, .if_range = "\"v0-2300000000\"",
                 .little_refetched = TRUE },
        .timeout = 300000,
    },
};

static void file_url(WCHAR *url, const struct file_row *file, const char *key, UINT64 cut)
{
    WCHAR *p;

    switch (file->origin)
    {
    case NGINX:
        nginx_url(url, file->path);
        break;
    case FAULT:
        fault_url(url, key, file->path, file->size, cut);
        break;
    case LOCAL_PATH:
        swprintf(url, URL_SIZE, L"%s\\%hs", test_dir, file->path);
        break;
    case FILE_URL:
        swprintf(url, URL_SIZE, L"file:///%s\\%hs", test_dir, file->path);
        for (p = url + 8; *p; p++) if (*p == '\\') *p = '/';
        break;
    }
}

/* The bytes a file of a scenario brings. */
static UINT64 file_bytes(const struct file_row *file)
{
    UINT64 bytes = 0;
    DWORD i;

    if (!file->range_count) return file->size;
    for (i = 0; i < file->range_count; i++)
        bytes += file->ranges[i].Length == BG_LENGTH_TO_EOF ? file->size - file->ranges[i].InitialOffset
                                                             : file->ranges[i].Length;
    return bytes;
}

static void add_file(IBackgroundCopyJob4 *job, const struct file_row *file, const WCHAR *url, const WCHAR *local)
{
    HRESULT hr;

    if (file->range_count)
    {
        hr = IBackgroundCopyJob4_AddFileWithRanges(job, url, local, file->range_count, (BG_FILE_RANGE *)file->ranges);
        ok(hr == S_OK, "AddFileWithRanges(%s): %#lx\n", wine_dbgstr_w(url), hr);
    }
    else
    {
        hr = IBackgroundCopyJob4_AddFile(job, url, local);
        ok(hr == S_OK, "AddFile(%s): %#lx\n", wine_dbgstr_w(url), hr);
    }
}

static void set_http_options(IBackgroundCopyJob4 *job, const WCHAR *headers, ULONG flags)
{
    IBackgroundCopyJobHttpOptions *options;

    if (!(options = http_options(job))) return;
    if (headers) ok(IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, headers) == S_OK, "SetCustomHeaders\n");
    if (flags) ok(IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, flags) == S_OK, "SetSecurityFlags\n");
    IBackgroundCopyJobHttpOptions_Release(options);
}

/* The first file's remote name. */
static void check_remote_name(IBackgroundCopyJob4 *job, const WCHAR *expected)
{
    IEnumBackgroundCopyFiles *files;
    IBackgroundCopyFile *file;
    LPWSTR remote = NULL;
    HRESULT hr;

    hr = IBackgroundCopyJob4_EnumFiles(job, &files);
    ok(hr == S_OK, "EnumFiles: %#lx\n", hr);
    if (FAILED(hr)) return;
    hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL);
    ok(hr == S_OK, "Next: %#lx\n", hr);
    if (hr == S_OK)
    {
        hr = IBackgroundCopyFile_GetRemoteName(file, &remote);
        ok(hr == S_OK, "GetRemoteName: %#lx\n", hr);
        if (SUCCEEDED(hr))
        {
            ok(remote && !wcscmp(remote, expected), "remote name %s, expected %s\n", wine_dbgstr_w(remote),
               wine_dbgstr_w(expected));
            CoTaskMemFree(remote);
        }
        IBackgroundCopyFile_Release(file);
    }
    IEnumBackgroundCopyFiles_Release(files);
}

/* The first file's remote name once the job is over, when the row says. */
static void check_remote_after(IBackgroundCopyJob4 *job, const struct scenario *row, const char *key)
{
    WCHAR expected[URL_SIZE];

    if (!row->remote_after) return;
    if (row->files[0].origin == NGINX) nginx_url(expected, row->remote_after);
    else fault_url(expected, key, row->remote_after, row->files[0].size, row->cut);
    check_remote_name(job, expected);
}

/* A transferred job: every byte counted, a completion time, and the data in
 * hidden temporary files until Complete. */
static void check_transferred(IBackgroundCopyJob4 *job, const struct scenario *row, WCHAR local[][MAX_PATH],
                              ULONG count)
{
    BG_JOB_PROGRESS progress;
    BG_JOB_TIMES times;
    UINT64 bytes = 0;
    HRESULT hr;
    ULONG i;

    for (i = 0; i < count; i++) bytes += file_bytes(&row->files[i]);
    hr = IBackgroundCopyJob4_GetProgress(job, &progress);
    ok(hr == S_OK, "GetProgress: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        ok(progress.BytesTotal == bytes && progress.BytesTransferred == bytes, "bytes %s of %s\n",
           wine_dbgstr_longlong(progress.BytesTransferred), wine_dbgstr_longlong(progress.BytesTotal));
        ok(progress.FilesTransferred == count && progress.FilesTotal == count, "files %lu of %lu\n",
           progress.FilesTransferred, progress.FilesTotal);
    }
    hr = IBackgroundCopyJob4_GetTimes(job, &times);
    ok(hr == S_OK, "GetTimes: %#lx\n", hr);
    if (SUCCEEDED(hr))
        ok(times.TransferCompletionTime.dwLowDateTime || times.TransferCompletionTime.dwHighDateTime,
           "no transfer completion time\n");
    for (i = 0; i < count; i++) ok(!file_exists(local[i]), "file visible before Complete\n");
    ok(count_temp_files() == (int)count, "%d temporary files\n", count_temp_files());
}

/* A completed file holds what it should. */
static void check_result(const struct file_row *file, const WCHAR *local)
{
    WCHAR source[MAX_PATH];

    switch (file->content)
    {
    case CONTENT_FORMULA:
        if (file->range_count) check_ranges_content(local, file->ranges, file->range_count, file->size, file->version);
        else ok(check_content(local, 0, file->size, file->version), "%s is wrong\n", wine_dbgstr_w(local));
        break;
    case CONTENT_SOURCE:
        source_path(source, file->path);
        ok(same_files(local, source), "downloaded file differs from the source\n");
        /* The result carries the server's Last-Modified (nginx: the source's date). */
        ok(file_seconds(local) && file_seconds(source) == file_seconds(local), "modification time not the server's\n");
        break;
    case CONTENT_ABSENT:
        ok(!file_exists(local), "failed file exists\n");
        break;
    }
}

static void check_server_log(const struct scenario *row, const char *key, UINT64 cut)
{
    const struct server_log *expect = &row->log;
    UINT64 size = row->files[0].size, resumed_at;
    BOOL seen = FALSE, all = TRUE;
    struct request_log log;
    int i;

    read_request_log(key, &log);
    if (expect->requests) ok(log.count == expect->requests, "%d requests\n", log.count);
    if (expect->resumed)
    {
        ok(!log.ranges[0][0], "first request had a range: %s\n", log.ranges[0]);
        ok(!strncmp(log.ranges[1], "bytes=", 6), "no Range in the second request: '%s'\n", log.ranges[1]);
        resumed_at = _strtoui64(log.ranges[1] + 6, NULL, 10);
        ok(resumed_at > expect->resumed_past && resumed_at <= cut, "resumed at %I64u (reset after %I64u)\n",
           resumed_at, cut);
        trace("reset after %I64u, resumed at %I64u, %I64u bytes sent in all\n", cut, resumed_at, log.bytes);
    }
    if (expect->if_range) ok(!strcmp(log.if_ranges[1], expect->if_range), "If-Range '%s'\n", log.if_ranges[1]);
    if (expect->little_refetched)
        ok(log.bytes - size < size / 100, "re-fetched %s bytes\n", wine_dbgstr_longlong(log.bytes - size));
    if (expect->header)
    {
        for (i = 0; i < min(log.count, (int)ARRAY_SIZE(log.paths)); i++)
        {
            if (strcmp(log.customs[i], expect->header)) all = FALSE;
            else if (strstr(log.paths[i], "/data/")) seen = TRUE;
        }
        ok(seen, "custom header not received by the server\n");
        ok(all, "a request went without the custom header\n");
    }
}

/* One row: a job with the row's files and settings, Resume, the first
 * stop and what follows it, the end, Complete (or Cancel), the files, and
 * what the server saw. */
static void run_row(const struct scenario *row)
{
    WCHAR name[64], url[ARRAY_SIZE(row->files)][URL_SIZE], local[ARRAY_SIZE(row->files)][MAX_PATH], source[MAX_PATH];
    DWORD timeout = row->timeout ? row->timeout : 60000;
    IBackgroundCopyJob4 *job;
    UINT64 cut = row->cut;
    BG_JOB_STATE state;
    ULONGLONG start;
    ULONG count, i;
    char key[32];
    HRESULT hr;

    new_key(key);
    if (cut == RANDOM_CUT) cut = MB + (UINT64)GetTickCount() * 7919 % (row->files[0].size - 2 * MB);
    for (count = 0; count < ARRAY_SIZE(row->files) && row->files[count].path; count++)
    {
        const struct file_row *file = &row->files[count];

        file_url(url[count], file, key, cut);
        local_path(local[count], test_dir, file->local);
        if ((file->origin == LOCAL_PATH || file->origin == FILE_URL) && file->size)
        {
            swprintf(source, ARRAY_SIZE(source), L"%s\\%hs", test_dir, file->path);
            write_source(source, file->size);
        }
    }

    swprintf(name, ARRAY_SIZE(name), L"%hs", row->name);
    if (!(job = priority_job(name, NULL, NULL, row->priority))) return;
    for (i = 0; i < count; i++) if (!row->files[i].later) add_file(job, &row->files[i], url[i], local[i]);
    if (row->no_progress_timeout)
    {
        hr = IBackgroundCopyJob4_SetNoProgressTimeout(job, row->no_progress_timeout);
        ok(hr == S_OK, "SetNoProgressTimeout: %#lx\n", hr);
    }
    if (row->max_download_time)
    {
        hr = IBackgroundCopyJob4_SetMaximumDownloadTime(job, row->max_download_time);
        ok(hr == S_OK, "SetMaximumDownloadTime: %#lx\n", hr);
    }
    if (row->credentials) set_credentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, L"bits", L"secret");
    if (row->headers || row->security_flags) set_http_options(job, row->headers, row->security_flags);

    start = GetTickCount64();
    resume(job);
    if (row->then != THEN_NOTHING)
    {
        state = wait_for_state(job, (1u << row->first.state) | ALL_END_STATES, timeout);
        check_stop(job, &row->first, state);
        switch (row->then)
        {
        case THEN_NOTHING:
        case THEN_RETRY:
            break;
        case THEN_RESUME:
            resume(job);
            break;
        case THEN_CREDENTIALS:
            set_credentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, L"bits", L"secret");
            resume(job);
            break;
        case THEN_ADD_FILES:
            ok(IBackgroundCopyJob4_Suspend(job) == S_OK, "Suspend on a transferred job failed\n");
            state = job_state(job);
            ok(state == BG_JOB_STATE_TRANSFERRED, "Suspend changed the state to %d\n", state);
            for (i = 0; i < count; i++) if (row->files[i].later) add_file(job, &row->files[i], url[i], local[i]);
            state = job_state(job);
            ok(state == BG_JOB_STATE_TRANSFERRED, "AddFile changed the state to %d\n", state);
            resume(job);
            break;
        }
    }
    state = wait_for_state(job, ALL_END_STATES, timeout);
    trace("state %d after %I64u ms\n", state, GetTickCount64() - start);
    check_stop(job, &row->last, state);
    if (row->last.state == BG_JOB_STATE_TRANSFERRED) check_transferred(job, row, local, count);
    check_remote_after(job, row, key);

    if (row->last.state == BG_JOB_STATE_TRANSFERRED || row->complete)
    {
        hr = IBackgroundCopyJob4_Complete(job);
        ok(hr == (row->complete ? row->complete : S_OK), "Complete: %#lx\n", hr);
        for (i = 0; i < count; i++) check_result(&row->files[i], local[i]);
        ok(count_temp_files() == 0, "temporary file left\n");
    }
    else
    {
        cancel(job);
        for (i = 0; i < count; i++) ok(!file_exists(local[i]), "cancelled file exists\n");
    }
    if (row->files[0].origin == FAULT) check_server_log(row, key, cut);

    for (i = 0; i < count; i++) DeleteFileW(local[i]);
    IBackgroundCopyJob4_Release(job);
}

static void test_scenarios(void)
{
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(scenarios); i++)
    {
        trace("scenario %s\n", scenarios[i].name);
        winetest_push_context("%s", scenarios[i].name);
        run_row(&scenarios[i]);
        winetest_pop_context();
    }
}

/* A FOREGROUND job queued behind a running LOW job finishes first. */
static void test_priorities(void)
{
    WCHAR url[URL_SIZE], local_low[MAX_PATH], local_fg[MAX_PATH];
    IBackgroundCopyJob4 *low, *fg;
    BG_JOB_STATE state;

    nginx_url(url, "slow/64m.bin");
    local_path(local_low, test_dir, L"low.bin");
    if (!(low = priority_job(L"low", url, local_low, BG_JOB_PRIORITY_LOW))) return;
    resume(low);
    state = wait_for_state(low, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "low job state %d\n", state);

    nginx_url(url, "1m.bin");
    local_path(local_fg, test_dir, L"fg.bin");
    if (!(fg = priority_job(L"foreground", url, local_fg, BG_JOB_PRIORITY_FOREGROUND)))
    {
        cancel(low);
        IBackgroundCopyJob4_Release(low);
        return;
    }
    resume(fg);
    state = wait_for_state(fg, ALL_END_STATES, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "foreground job state %d\n", state);
    state = job_state(low);
    ok(state == BG_JOB_STATE_TRANSFERRING || state == BG_JOB_STATE_QUEUED, "low job state %d\n", state);
    ok(IBackgroundCopyJob4_Complete(fg) == S_OK, "Complete failed\n");
    ok(check_content(local_fg, 0, MB, 0), "foreground result is wrong\n");

    /* Cancel in the middle of a transfer leaves nothing behind. */
    cancel(low);
    ok(!file_exists(local_low), "cancelled file exists\n");
    DeleteFileW(local_fg);
    IBackgroundCopyJob4_Release(low);
    IBackgroundCopyJob4_Release(fg);
}

/* Bytes a job on nginx's /slow/ location (1 MiB/s) moves in one second:
 * evidence of which job held the turn, measured in work done rather than in
 * time, and far from the 5 MiB of a whole time slice. */
#define SLOW_SECOND MB

/* Waits up to timeout ms for `waiting` to leave QUEUED; returns how many bytes
 * `running` moved meanwhile while it was seen TRANSFERRING. */
static UINT64 bytes_moved_while_queued(IBackgroundCopyJob4 *waiting, IBackgroundCopyJob4 *running, DWORD timeout)
{
    ULONGLONG end = GetTickCount64() + timeout;
    UINT64 first = 0, last = 0;
    BOOL seen = FALSE;

    while (job_state(waiting) == BG_JOB_STATE_QUEUED && GetTickCount64() <= end)
    {
        UINT64 bytes = job_bytes(running);
        if (job_state(running) == BG_JOB_STATE_TRANSFERRING && job_state(waiting) == BG_JOB_STATE_QUEUED)
        {
            if (!seen) first = bytes;
            last = bytes;
            seen = TRUE;
        }
        Sleep(50);
    }
    return last - first;
}

/* Jobs of one priority take turns; a higher priority takes over at once. */
static void test_time_slices(void)
{
    WCHAR url[URL_SIZE], local_a[MAX_PATH], local_b[MAX_PATH], local_c[MAX_PATH];
    IBackgroundCopyJob4 *a, *b, *c;
    BG_JOB_STATE state;
    UINT64 moved;

    nginx_url(url, "slow/64m.bin");
    local_path(local_a, test_dir, L"slice_a.bin");
    local_path(local_b, test_dir, L"slice_b.bin");
    local_path(local_c, test_dir, L"slice_c.bin");
    if (!(a = priority_job(L"huge normal", url, local_a, BG_JOB_PRIORITY_NORMAL))) return;
    resume(a);
    state = wait_for_state(a, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "first job state %d\n", state);

    /* Same priority: waits for the end of the running job's time slice (the
     * running job goes on moving bytes meanwhile), then runs while the huge
     * one waits its turn. */
    nginx_url(url, "small.bin");
    if (!(b = priority_job(L"small normal", url, local_b, BG_JOB_PRIORITY_NORMAL)))
    {
        cancel(a);
        IBackgroundCopyJob4_Release(a);
        return;
    }
    resume(b);
    moved = bytes_moved_while_queued(b, a, 60000);
    trace("the first job moved %I64u bytes while the second waited\n", moved);
    ok(moved >= SLOW_SECOND, "second job did not wait: the first moved %I64u bytes meanwhile\n", moved);
    state = wait_for_state(b, ALL_END_STATES, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "second job state %d\n", state);
    state = job_state(a);
    ok(state != BG_JOB_STATE_TRANSFERRED && state != BG_JOB_STATE_ERROR, "huge job state %d\n", state);

    /* A higher priority does not wait for the slice to end: the running job
     * stops at its next read. */
    state = wait_for_state(a, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "huge job did not get its turn back: %d\n", state);
    if (!(c = priority_job(L"small high", url, local_c, BG_JOB_PRIORITY_HIGH)))
    {
        cancel(a);
        IBackgroundCopyJob4_Release(a);
        IBackgroundCopyJob4_Release(b);
        return;
    }
    resume(c);
    moved = bytes_moved_while_queued(c, a, 60000);
    trace("the normal job moved %I64u bytes while the high one waited\n", moved);
    ok(moved < 2 * SLOW_SECOND, "high job waited while the normal one moved %I64u bytes\n", moved);
    state = wait_for_state(c, ALL_END_STATES, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "high job state %d\n", state);

    ok(IBackgroundCopyJob4_Complete(b) == S_OK, "Complete failed\n");
    ok(IBackgroundCopyJob4_Complete(c) == S_OK, "Complete failed\n");
    ok(check_content(local_b, 0, 4096, 0) && check_content(local_c, 0, 4096, 0), "wrong content\n");
    cancel(a);
    DeleteFileW(local_b);
    DeleteFileW(local_c);
    IBackgroundCopyJob4_Release(a);
    IBackgroundCopyJob4_Release(b);
    IBackgroundCopyJob4_Release(c);
}


/* Suspend in the middle of a transfer, Resume: the file continues with a
 * Range request instead of starting over. */
static void test_suspend_resume(void)
{
    WCHAR url[URL_SIZE], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    UINT64 bytes, more;
    char path[64];

    /* A query of its own tells this test's requests apart in the log. */
    snprintf(path, sizeof(path), "slow/64m.bin?suspend=%lx-%lu", run_id, GetTickCount());
    nginx_url(url, path);
    local_path(local, test_dir, L"suspend.bin");
    if (!(job = priority_job(L"suspend", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    resume(job);
    state = wait_for_state(job, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "state %d\n", state);
    /* Something on disk to resume from. */
    wait_for_bytes(job, 0, 60000);
    ok(IBackgroundCopyJob4_Suspend(job) == S_OK, "Suspend failed\n");
    state = job_state(job);
    ok(state == BG_JOB_STATE_SUSPENDED, "state %d\n", state);
    bytes = job_bytes(job);
    ok(bytes > 0, "nothing transferred before Suspend\n");
    Sleep(500);
    resume(job);
    state = wait_for_state(job, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "state after Resume %d\n", state);
    /* The resumed request is under way once bytes arrive again. */
    more = wait_for_bytes(job, bytes, 60000);
    ok(more > bytes, "no progress after Resume\n");

    cancel(job);
    ok(nginx_saw_resume(path), "no Range request after Resume in %s\n", nginx_log);
    IBackgroundCopyJob4_Release(job);
}

/* The service stops in the middle of a transfer: after it starts again the
 * job is there and continues where it stopped. */
static void test_resume_after_service_stop(void)
{
    WCHAR url[URL_SIZE], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    IBackgroundCopyJob *j;
    BG_JOB_STATE state;
    UINT64 bytes, more;
    char path[64];
    GUID id;
    HRESULT hr;

    snprintf(path, sizeof(path), "slow/64m.bin?restart=%lx-%lu", run_id, GetTickCount());
    nginx_url(url, path);
    local_path(local, test_dir, L"restart.bin");
    if (!(job = priority_job(L"service stop", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    hr = IBackgroundCopyJob4_GetId(job, &id);
    ok(hr == S_OK, "GetId: %#lx\n", hr);
    if (FAILED(hr))
    {
        cancel(job);
        IBackgroundCopyJob4_Release(job);
        return;
    }
    resume(job);
    state = wait_for_state(job, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "state %d\n", state);
    /* Something on disk to resume from. */
    bytes = wait_for_bytes(job, 0, 60000);
    ok(bytes > 0, "nothing transferred before the stop\n");
    IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(manager);

    if (!(manager = fresh_manager())) return;
    hr = IBackgroundCopyManager_GetJob(manager, &id, &j);
    ok(hr == S_OK, "job lost over the restart: %#lx\n", hr);
    if (hr != S_OK) return;
    hr = IBackgroundCopyJob_QueryInterface(j, &IID_IBackgroundCopyJob4, (void **)&job);
    ok(hr == S_OK, "QueryInterface(IBackgroundCopyJob4): %#lx\n", hr);
    if (FAILED(hr))
    {
        IBackgroundCopyJob_Cancel(j);
        IBackgroundCopyJob_Release(j);
        return;
    }
    IBackgroundCopyJob_Release(j);
    state = wait_for_state(job, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "state after the restart %d\n", state);
    /* The resumed request is under way once bytes arrive again. */
    bytes = job_bytes(job);
    more = wait_for_bytes(job, bytes, 60000);
    ok(more > bytes, "no progress after the restart\n");
    cancel(job);
    ok(nginx_saw_resume(path), "no Range request after the restart\n");
    IBackgroundCopyJob4_Release(job);
}

/* IBackgroundCopyCallback: JobTransferred and JobError reach the client. */
static HANDLE transferred_event, error_event;
static HRESULT error_code;
static LONG modifications, files_transferred;

static HRESULT WINAPI callback_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback) ||
        IsEqualGUID(riid, &IID_IBackgroundCopyCallback2))
    {
        *obj = iface;
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI callback_AddRef(IBackgroundCopyCallback *iface) { return 2; }
static ULONG WINAPI callback_Release(IBackgroundCopyCallback *iface) { return 1; }

static HRESULT WINAPI callback_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    SetEvent(transferred_event);
    return S_OK;
}

static HRESULT WINAPI callback_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                        IBackgroundCopyError *error)
{
    BG_ERROR_CONTEXT context;
    HRESULT hr, code;

    /* What a failing GetError answered stands for the code, for the check to show. */
    if (FAILED(hr = IBackgroundCopyError_GetError(error, &context, &code))) code = hr;
    error_code = code;
    SetEvent(error_event);
    return S_OK;
}

static HRESULT WINAPI callback_JobModification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job, DWORD reserved)
{
    InterlockedIncrement(&modifications);
    return S_OK;
}

static HRESULT WINAPI callback_FileTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                               IBackgroundCopyFile *file)
{
    InterlockedIncrement(&files_transferred);
    return S_OK;
}

/* One object for IBackgroundCopyCallback and IBackgroundCopyCallback2. */
static const IBackgroundCopyCallback2Vtbl callback_vtbl =
{
    (void *)callback_QueryInterface, (void *)callback_AddRef, (void *)callback_Release,
    (void *)callback_JobTransferred, (void *)callback_JobError, (void *)callback_JobModification,
    callback_FileTransferred,
};
static IBackgroundCopyCallback2 callback = { &callback_vtbl };

/* A job of one small file with the callback object and the given notify flags. */
static IBackgroundCopyJob4 *start_callback_job(const WCHAR *name, const WCHAR *url, const WCHAR *local, ULONG flags)
{
    IBackgroundCopyJob4 *job = priority_job(name, url, local, BG_JOB_PRIORITY_FOREGROUND);
    HRESULT hr;

    if (!job) return NULL;
    hr = IBackgroundCopyJob4_SetNotifyInterface(job, (IUnknown *)&callback);
    ok(hr == S_OK, "SetNotifyInterface: %#lx\n", hr);
    if (flags)
    {
        hr = IBackgroundCopyJob4_SetNotifyFlags(job, flags);
        ok(hr == S_OK, "SetNotifyFlags: %#lx\n", hr);
    }
    return job;
}

static void test_callbacks(void)
{
    WCHAR url[URL_SIZE], local[MAX_PATH], local2[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    char key[32];
    ULONG flags;
    HRESULT hr;

    transferred_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    error_event = CreateEventW(NULL, FALSE, FALSE, NULL);

    /* The default flags do not ask for modifications. */
    nginx_url(url, "small.bin");
    local_path(local, test_dir, L"callback.bin");
    if (!(job = start_callback_job(L"callback ok", url, local, 0))) return;
    resume(job);
    ok(!WaitForSingleObject(transferred_event, 60000), "JobTransferred not called\n");
    ok(!modifications, "%ld JobModification calls without BG_NOTIFY_JOB_MODIFICATION\n", modifications);
    ok(IBackgroundCopyJob4_Complete(job) == S_OK, "Complete failed\n");
    IBackgroundCopyJob4_Release(job);
    DeleteFileW(local);

    flags = BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR | BG_NOTIFY_JOB_MODIFICATION;
    if (!(job = start_callback_job(L"callback modification", url, local, flags))) return;
    resume(job);
    ok(!WaitForSingleObject(transferred_event, 60000), "JobTransferred not called\n");
    ok(wait_for_count(&modifications, 1, 60000) > 0, "JobModification not called\n");
    ok(!files_transferred, "FileTransferred called without BG_NOTIFY_FILE_TRANSFERRED\n");
    ok(IBackgroundCopyJob4_Complete(job) == S_OK, "Complete failed\n");
    IBackgroundCopyJob4_Release(job);
    DeleteFileW(local);

    /* BG_NOTIFY_FILE_TRANSFERRED: IBackgroundCopyCallback2 hears of each file. */
    flags = BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_FILE_TRANSFERRED;
    if (!(job = start_callback_job(L"callback files", url, local, flags))) return;
    local_path(local2, test_dir, L"callback2.bin");
    hr = IBackgroundCopyJob4_AddFile(job, url, local2);
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    resume(job);
    ok(!WaitForSingleObject(transferred_event, 60000), "JobTransferred not called\n");
    wait_for_count(&files_transferred, 2, 60000);
    ok(files_transferred == 2, "FileTransferred called %ld times\n", files_transferred);
    ok(IBackgroundCopyJob4_Complete(job) == S_OK, "Complete failed\n");
    IBackgroundCopyJob4_Release(job);
    DeleteFileW(local);
    DeleteFileW(local2);

    new_key(key);
    fault_url(url, key, "/status/403", 0, 0);
    if (!(job = start_callback_job(L"callback error", url, local, 0))) return;
    resume(job);
    ok(!WaitForSingleObject(error_event, 60000), "JobError not called\n");
    ok(error_code == (HRESULT)0x80190193, "JobError got %#lx\n", error_code);

    /* With notifications disabled, nothing is called. */
    hr = IBackgroundCopyJob4_SetNotifyFlags(job, BG_NOTIFY_DISABLE | BG_NOTIFY_JOB_ERROR);
    ok(hr == S_OK, "SetNotifyFlags: %#lx\n", hr);
    resume(job);
    /* The call would come as the job fails again: give it two seconds more. */
    state = wait_for_state(job, 1u << BG_JOB_STATE_ERROR, 60000);
    ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
    ok(WaitForSingleObject(error_event, 2000) == WAIT_TIMEOUT, "JobError called despite BG_NOTIFY_DISABLE\n");
    cancel(job);
    IBackgroundCopyJob4_Release(job);
    CloseHandle(transferred_event);
    CloseHandle(error_event);
}

/* A destination of MAX_PATH - 1 characters whose folder leaves no room
 * for the temporary file's name (BIT<hex>.tmp) beside it: the transfer
 * fails with a local-file error rather than make a file whose name the
 * job could not keep. */
static void test_no_room_for_temp_name(void)
{
    WCHAR source[MAX_PATH], folder[MAX_PATH + 8], local[MAX_PATH + 8];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    size_t len;
    HRESULT hr;

    local_path(source, test_dir, L"short-source.bin");
    write_source(source, 1000);
    /* \\?\ makes the folder whatever the length limits of CreateDirectory. */
    swprintf(folder, ARRAY_SIZE(folder), L"\\\\?\\%s\\", test_dir);
    for (len = wcslen(folder); len < 4 + MAX_PATH - 3; len++) folder[len] = 'f';
    folder[len] = 0;
    ok(CreateDirectoryW(folder, NULL), "cannot create %s: %lu\n", wine_dbgstr_w(folder), GetLastError());
    swprintf(local, ARRAY_SIZE(local), L"%s\\a", folder + 4);
    ok(wcslen(local) == MAX_PATH - 1, "local name of %Iu characters\n", wcslen(local));

    if (!(job = priority_job(L"no room for temp", source, local, BG_JOB_PRIORITY_FOREGROUND))) goto done;
    resume(job);
    state = wait_for_state(job, (1u << BG_JOB_STATE_ERROR) | (1u << BG_JOB_STATE_TRANSFERRED), 60000);
    ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
    if (state == BG_JOB_STATE_ERROR)
        check_error(job, HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE), 0, BG_ERROR_CONTEXT_LOCAL_FILE, L"file");
    hr = IBackgroundCopyJob4_Cancel(job);
    ok(hr == S_OK, "Cancel: %#lx\n", hr);
    IBackgroundCopyJob4_Release(job);
done:
    ok(RemoveDirectoryW(folder), "folder %s not empty: %lu\n", wine_dbgstr_w(folder), GetLastError());
    DeleteFileW(source);
}

/* The scenarios that need a sequence of their own; each check names its
 * scenario in a context, and the trace tells which scenario the passing
 * checks that WINETEST_REPORT_SUCCESS=1 prints belong to. */
static void run_scenario(void (*test)(void), const char *name)
{
    trace("scenario %s\n", name);
    winetest_push_context("%s", name);
    test();
    winetest_pop_context();
}

START_TEST(transfer)
{
    const char *value;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!(value = getenv("QMGR_HTTP_PORT")) || !(http_port = atoi(value)) ||
        !(value = getenv("QMGR_FAULT_PORT")) || !(fault_port = atoi(value)))
    {
        skip("no local test servers (run through make check)\n");
        return;
    }
    snprintf(fault_log, sizeof(fault_log), "Z:%s", getenv("QMGR_FAULT_LOG") ? getenv("QMGR_FAULT_LOG") : "");
    snprintf(nginx_log, sizeof(nginx_log), "Z:%s", getenv("QMGR_NGINX_LOG") ? getenv("QMGR_NGINX_LOG") : "");
    run_id = GetTickCount();
    make_test_dir(test_dir, L"transfer");
    if (!(manager = get_manager())) return;

    test_scenarios();
    run_scenario(test_priorities, "priorities");
    run_scenario(test_time_slices, "time slices");
    run_scenario(test_suspend_resume, "suspend and resume");
    run_scenario(test_callbacks, "callbacks");
    run_scenario(test_no_room_for_temp_name, "no room for the temporary file");
    /* Last: every proxy is stale afterwards. */
    run_scenario(test_resume_after_service_stop, "service restart");

    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
}
