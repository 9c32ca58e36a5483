/*
 * Tests of transfers through the BITS service: real HTTP on 127.0.0.1
 * (nginx, and tests/faultserver.py for resets, stalls, errors and changing
 * content), real files, the job's states as Microsoft documents them.
 *
 * tests/run-check starts the servers and passes their ports in
 * QMGR_HTTP_PORT and QMGR_FAULT_PORT, nginx's document root in QMGR_WWW and
 * the fault server's request log in QMGR_FAULT_LOG.
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

static IBackgroundCopyManager *manager;
static WCHAR test_dir[MAX_PATH];
static int http_port, fault_port;
static char www[MAX_PATH], fault_log[MAX_PATH], nginx_log[MAX_PATH];
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

static void unix_to_dos(const char *unix_path, WCHAR *dos)
{
    WCHAR *p;

    swprintf(dos, MAX_PATH, L"Z:%hs", unix_path);
    for (p = dos; *p; p++) if (*p == '/') *p = '\\';
}

static void nginx_url(WCHAR *url, const char *path)
{
    swprintf(url, 256, L"http://127.0.0.1:%d/%hs", http_port, path);
}

/* A fault-server URL; %k in the format is a key no other test uses. */
static void fault_url(WCHAR *url, char *key, const char *format, ...)
{
    char path[200], *p;
    const char *f;
    va_list args;

    snprintf(key, 32, "k%lu-%u", GetCurrentProcessId(), ++key_counter);
    for (f = format, p = path; *f; f++)
    {
        if (f[0] == '%' && f[1] == 'k') { p += sprintf(p, "%s", key); f++; }
        else *p++ = *f;
    }
    *p = 0;
    va_start(args, format);
    {
        char expanded[256];
        vsnprintf(expanded, sizeof(expanded), path, args);
        swprintf(url, 300, L"http://127.0.0.1:%d%hs", fault_port, expanded);
    }
    va_end(args);
}

static void local_path(WCHAR *path, const WCHAR *name)
{
    swprintf(path, MAX_PATH, L"%s\\%s", test_dir, name);
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
    GetFileSizeEx(file, &got);
    if (got.QuadPart != size) same = FALSE;
    while (same && ReadFile(file, buffer, sizeof(buffer), &read, NULL) && read)
    {
        for (i = 0; i < read; i++)
            if (buffer[i] != content_byte(first + pos + i, version)) { same = FALSE; break; }
        pos += read;
    }
    CloseHandle(file);
    return same && pos == size;
}

static BOOL same_files(const WCHAR *a, const WCHAR *b)
{
    HANDLE fa = CreateFileW(a, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE fb = CreateFileW(b, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    static BYTE ba[MB], bb[MB];
    DWORD ra, rb;
    BOOL same = fa != INVALID_HANDLE_VALUE && fb != INVALID_HANDLE_VALUE;

    while (same && ReadFile(fa, ba, sizeof(ba), &ra, NULL) && ReadFile(fb, bb, sizeof(bb), &rb, NULL))
    {
        if (ra != rb || memcmp(ba, bb, ra)) same = FALSE;
        if (!ra) break;
    }
    if (fa != INVALID_HANDLE_VALUE) CloseHandle(fa);
    if (fb != INVALID_HANDLE_VALUE) CloseHandle(fb);
    return same;
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

/* What the fault server logged for requests whose path contains key. */
struct request_log
{
    int count;
    UINT64 bytes;               /* body bytes sent, all requests */
    char ranges[8][64];         /* Range header of each request */
    char if_ranges[8][64];
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

static void read_request_log(const char *key, struct request_log *log)
{
    char line[2048], value[256], key_slash[40];
    FILE *f;

    snprintf(key_slash, sizeof(key_slash), "/%s/", key);
    memset(log, 0, sizeof(*log));
    if (!(f = fopen(fault_log, "r"))) return;
    while (fgets(line, sizeof(line), f))
    {
        json_field(line, "path", value, sizeof(value));
        strcat(value, "/");
        if (!strstr(value, key_slash)) continue;
        json_field(line, "bytes", value, sizeof(value));
        log->bytes += _strtoui64(value, NULL, 10);
        if (log->count < 8)
        {
            json_field(line, "range", log->ranges[log->count], sizeof(log->ranges[0]));
            json_field(line, "if_range", log->if_ranges[log->count], sizeof(log->if_ranges[0]));
        }
        log->count++;
    }
    fclose(f);
}

static IBackgroundCopyJob4 *start_job(const WCHAR *name, const WCHAR *remote, const WCHAR *local,
                                      BG_JOB_PRIORITY priority)
{
    IBackgroundCopyJob4 *job = create_job4(manager, name, BG_JOB_TYPE_DOWNLOAD, NULL);
    HRESULT hr;

    if (!job) return NULL;
    hr = IBackgroundCopyJob4_AddFile(job, remote, local);
    ok(hr == S_OK, "AddFile(%s): %#lx\n", wine_dbgstr_w(remote), hr);
    IBackgroundCopyJob4_SetPriority(job, priority);
    /* Short retries for the transient errors these tests provoke. */
    IBackgroundCopyJob4_SetMinimumRetryDelay(job, 5);
    return job;
}

static void resume(IBackgroundCopyJob4 *job)
{
    HRESULT hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
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

static void check_error(IBackgroundCopyJob4 *job, HRESULT code, BG_ERROR_CONTEXT context, const WCHAR *protocol)
{
    IBackgroundCopyError *error;
    IBackgroundCopyFile *file;
    BG_ERROR_CONTEXT got_context;
    HRESULT hr, got_code;
    LPWSTR text;

    hr = IBackgroundCopyJob4_GetError(job, &error);
    ok(hr == S_OK, "GetError: %#lx\n", hr);
    if (hr != S_OK) return;
    hr = IBackgroundCopyError_GetError(error, &got_context, &got_code);
    ok(hr == S_OK, "IBackgroundCopyError::GetError: %#lx\n", hr);
    ok(got_code == code, "error %#lx, expected %#lx\n", got_code, code);
    ok(got_context == context, "context %d, expected %d\n", got_context, context);
    hr = IBackgroundCopyError_GetErrorDescription(error, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), &text);
    ok(hr == S_OK && text && *text, "GetErrorDescription(%#lx): %#lx\n", code, hr);
    CoTaskMemFree(text);
    hr = IBackgroundCopyError_GetErrorContextDescription(error, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), &text);
    ok(hr == S_OK && text && *text, "GetErrorContextDescription: %#lx\n", hr);
    CoTaskMemFree(text);
    /* The error object wants an explicit language. */
    hr = IBackgroundCopyError_GetErrorDescription(error, 0, &text);
    ok(hr == E_INVALIDARG, "GetErrorDescription(0): %#lx\n", hr);
    if (context == BG_ERROR_CONTEXT_REMOTE_FILE || context == BG_ERROR_CONTEXT_GENERAL_TRANSPORT)
    {
        hr = IBackgroundCopyError_GetProtocol(error, &text);
        ok(hr == S_OK && !wcscmp(text, protocol), "GetProtocol: %#lx %s\n", hr, wine_dbgstr_w(text));
        CoTaskMemFree(text);
        hr = IBackgroundCopyError_GetFile(error, &file);
        ok(hr == S_OK, "GetFile: %#lx\n", hr);
        if (hr == S_OK) IBackgroundCopyFile_Release(file);
    }
    else if (context == BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER)
    {
        file = (void *)0xdeadbeef;
        hr = IBackgroundCopyError_GetFile(error, &file);
        ok(hr == BG_E_FILE_NOT_AVAILABLE && !file, "GetFile: %#lx %p\n", hr, file);
        hr = IBackgroundCopyError_GetProtocol(error, &text);
        ok(hr == BG_E_PROTOCOL_NOT_AVAILABLE, "GetProtocol: %#lx\n", hr);
    }
    IBackgroundCopyError_Release(error);
}

static void finish(IBackgroundCopyJob4 *job)
{
    BG_JOB_STATE state = job_state(job);
    if (state != BG_JOB_STATE_ACKNOWLEDGED && state != BG_JOB_STATE_CANCELLED) IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

/* 64 MiB from nginx, byte-identical, with the server's date, and no
 * temporary file left after Complete. */
static void test_download(void)
{
    WCHAR url[256], local[MAX_PATH], source[MAX_PATH];
    FILETIME local_time, source_time;
    BG_JOB_PROGRESS progress;
    BG_JOB_TIMES times;
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    HANDLE file;
    char unix_source[MAX_PATH];
    HRESULT hr;

    nginx_url(url, "64m.bin");
    local_path(local, L"64m.bin");
    snprintf(unix_source, sizeof(unix_source), "%s/64m.bin", www);
    unix_to_dos(unix_source, source);

    if (!(job = start_job(L"64 MiB", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 120000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    if (state == BG_JOB_STATE_ERROR) check_error(job, 0, 0, NULL);

    hr = IBackgroundCopyJob4_GetProgress(job, &progress);
    ok(hr == S_OK, "GetProgress: %#lx\n", hr);
    ok(progress.BytesTotal == 64 * MB && progress.BytesTransferred == 64 * MB, "bytes %s of %s\n",
       wine_dbgstr_longlong(progress.BytesTransferred), wine_dbgstr_longlong(progress.BytesTotal));
    ok(progress.FilesTransferred == 1 && progress.FilesTotal == 1, "files %lu of %lu\n",
       progress.FilesTransferred, progress.FilesTotal);
    IBackgroundCopyJob4_GetTimes(job, &times);
    ok(times.TransferCompletionTime.dwLowDateTime || times.TransferCompletionTime.dwHighDateTime,
       "no transfer completion time\n");

    /* The data lives in a hidden temporary file until Complete. */
    ok(!file_exists(local), "file visible before Complete\n");
    ok(count_temp_files() == 1, "%d temporary files\n", count_temp_files());
    hr = IBackgroundCopyJob4_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    ok(same_files(local, source), "downloaded file differs from the source\n");
    ok(count_temp_files() == 0, "temporary file left\n");

    /* The result carries the server's Last-Modified (nginx: the source's date). */
    file = CreateFileW(local, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    GetFileTime(file, NULL, NULL, &local_time);
    CloseHandle(file);
    file = CreateFileW(source, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    GetFileTime(file, NULL, NULL, &source_time);
    CloseHandle(file);
    ok(filetime_seconds(&source_time) == filetime_seconds(&local_time), "modification time not the server's\n");
    DeleteFileW(local);
    IBackgroundCopyJob4_Release(job);
}

/* A reset at a random offset: the job resumes with a Range request guarded
 * by If-Range, and re-fetches less than 1% of the file. */
static void test_resume_after_reset(void)
{
    const UINT64 size = 64 * MB;
    WCHAR url[300], local[MAX_PATH];
    struct request_log log;
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    UINT64 after, resumed_at;
    ULONG errors;
    char key[32];

    after = 1 * MB + (UINT64)GetTickCount() * 7919 % (size - 2 * MB);
    fault_url(url, key, "/reset/%k/%I64u?after=%I64u", size, after);
    local_path(local, L"reset.bin");
    if (!(job = start_job(L"reset", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    resume(job);

    state = wait_for_state(job, (1u << BG_JOB_STATE_TRANSIENT_ERROR) | ALL_END_STATES, 60000);
    ok(state == BG_JOB_STATE_TRANSIENT_ERROR, "state after the reset %d\n", state);
    if (state == BG_JOB_STATE_TRANSIENT_ERROR)
        check_error(job, HRESULT_FROM_WIN32(ERROR_INTERNET_CONNECTION_RESET), BG_ERROR_CONTEXT_GENERAL_TRANSPORT, L"http");
    IBackgroundCopyJob4_GetErrorCount(job, &errors);
    ok(errors == 1, "error count %lu\n", errors);

    /* Resume retries at once. */
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    ok(IBackgroundCopyJob4_Complete(job) == S_OK, "Complete failed\n");
    ok(check_content(local, 0, size, 0), "resumed file is wrong\n");

    read_request_log(key, &log);
    ok(log.count == 2, "%d requests\n", log.count);
    ok(!log.ranges[0][0], "first request had a range: %s\n", log.ranges[0]);
    ok(!strncmp(log.ranges[1], "bytes=", 6), "no Range in the second request: '%s'\n", log.ranges[1]);
    resumed_at = _strtoui64(log.ranges[1] + 6, NULL, 10);
    ok(resumed_at > 0 && resumed_at <= after, "resumed at %s (reset after %s)\n",
       wine_dbgstr_longlong(resumed_at), wine_dbgstr_longlong(after));
    ok(!strcmp(log.if_ranges[1], "\"v0-67108864\""), "If-Range '%s'\n", log.if_ranges[1]);
    ok(log.bytes - size < size / 100, "re-fetched %s bytes\n", wine_dbgstr_longlong(log.bytes - size));
    trace("reset after %s, resumed at %s, %s bytes sent in all\n", wine_dbgstr_longlong(after),
          wine_dbgstr_longlong(resumed_at), wine_dbgstr_longlong(log.bytes));
    DeleteFileW(local);
    IBackgroundCopyJob4_Release(job);
}

/* The content (and ETag) change between the reset and the resume: the file
 * starts over and ends up equal to the new version. */
static void test_changed_content(void)
{
    const UINT64 size = 8 * MB;
    WCHAR url[300], local[MAX_PATH];
    struct request_log log;
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    char key[32];

    fault_url(url, key, "/changing/%k/%I64u?after=%u", size, 3 * MB);
    local_path(local, L"changing.bin");
    if (!(job = start_job(L"changing", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    resume(job);
    state = wait_for_state(job, (1u << BG_JOB_STATE_TRANSIENT_ERROR) | ALL_END_STATES, 60000);
    ok(state == BG_JOB_STATE_TRANSIENT_ERROR, "state %d\n", state);
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    IBackgroundCopyJob4_Complete(job);
    ok(check_content(local, 0, size, 2), "result is not the new version\n");

    read_request_log(key, &log);
    ok(log.count == 2, "%d requests\n", log.count);
    ok(!strcmp(log.if_ranges[1], "\"v1-8388608\""), "If-Range '%s'\n", log.if_ranges[1]);
    DeleteFileW(local);
    IBackgroundCopyJob4_Release(job);
}

static void test_http_404(void)
{
    WCHAR url[300], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    ULONG errors;
    char key[32];

    fault_url(url, key, "/status/404");
    local_path(local, L"404.bin");
    if (!(job = start_job(L"404", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
    check_error(job, BG_E_HTTP_ERROR_404, BG_ERROR_CONTEXT_REMOTE_FILE, L"http");
    IBackgroundCopyJob4_GetErrorCount(job, &errors);
    ok(errors == 1, "error count %lu\n", errors);

    /* Cancel leaves no temporary file behind. */
    ok(IBackgroundCopyJob4_Cancel(job) == S_OK, "Cancel failed\n");
    ok(wait_no_temp_files(), "temporary file left after Cancel\n");
    IBackgroundCopyJob4_Release(job);
}

/* 503 is transient: TRANSIENT_ERROR, then success after the retry delay. */
static void test_http_503_retry(void)
{
    WCHAR url[300], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    ULONG errors;
    char key[32];

    fault_url(url, key, "/status-then-ok/%k/503/1/%u", 100000);
    local_path(local, L"503.bin");
    if (!(job = start_job(L"503", url, local, BG_JOB_PRIORITY_NORMAL))) return;
    resume(job);
    state = wait_for_state(job, (1u << BG_JOB_STATE_TRANSIENT_ERROR) | ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_TRANSIENT_ERROR, "state %d\n", state);
    if (state == BG_JOB_STATE_TRANSIENT_ERROR) check_error(job, BG_E_HTTP_ERROR_503, BG_ERROR_CONTEXT_REMOTE_FILE, L"http");
    /* No Resume: the service retries by itself after 5 s. */
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    IBackgroundCopyJob4_GetErrorCount(job, &errors);
    ok(errors == 1, "error count %lu\n", errors);
    ok(IBackgroundCopyJob4_Complete(job) == S_OK, "Complete failed\n");
    ok(check_content(local, 0, 100000, 0), "wrong content\n");
    DeleteFileW(local);
    IBackgroundCopyJob4_Release(job);
}

/* A server that stops sending: the job fails once its no-progress timeout passes. */
static void test_stall(void)
{
    WCHAR url[300], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    char key[32];

    fault_url(url, key, "/stall-always/%u?after=%u", 4 * MB, MB);
    local_path(local, L"stall.bin");
    if (!(job = start_job(L"stall", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    IBackgroundCopyJob4_SetNoProgressTimeout(job, 3);
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 60000);
    ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
    if (state == BG_JOB_STATE_ERROR)
        check_error(job, HRESULT_FROM_WIN32(ERROR_INTERNET_TIMEOUT), BG_ERROR_CONTEXT_GENERAL_TRANSPORT, L"http");
    finish(job);
}

/* Job4's maximum download time on a rate-limited download. */
static void test_max_download_time(void)
{
    WCHAR url[256], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    ULONGLONG start;

    nginx_url(url, "slow/64m.bin");
    local_path(local, L"slow.bin");
    if (!(job = start_job(L"max time", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    IBackgroundCopyJob4_SetMaximumDownloadTime(job, 2);
    start = GetTickCount64();
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
    check_error(job, BG_E_MAXDOWNLOAD_TIMEOUT, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, NULL);
    trace("maximum download time hit after %I64u ms\n", GetTickCount64() - start);
    finish(job);
    ok(wait_no_temp_files(), "temporary file left after Cancel\n");
}

/* Local paths and file:// URLs, as in Wine's own qmgr tests. */
static void test_local_files(void)
{
    WCHAR source[MAX_PATH], url[MAX_PATH + 16], local1[MAX_PATH], local2[MAX_PATH], *p;
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    HANDLE file;
    DWORD written;
    char data[5000];
    int i;

    for (i = 0; i < sizeof(data); i++) data[i] = content_byte(i, 0);
    local_path(source, L"source.bin");
    file = CreateFileW(source, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    WriteFile(file, data, sizeof(data), &written, NULL);
    CloseHandle(file);
    swprintf(url, ARRAY_SIZE(url), L"file:///%s", source);
    for (p = url + 8; *p; p++) if (*p == '\\') *p = '/';
    local_path(local1, L"copy1.bin");
    local_path(local2, L"copy2.bin");

    if (!(job = start_job(L"local", source, local1, BG_JOB_PRIORITY_NORMAL))) return;
    ok(IBackgroundCopyJob4_AddFile(job, url, local2) == S_OK, "AddFile(file URL) failed\n");
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    ok(IBackgroundCopyJob4_Complete(job) == S_OK, "Complete failed\n");
    ok(check_content(local1, 0, sizeof(data), 0), "local path copy is wrong\n");
    ok(check_content(local2, 0, sizeof(data), 0), "file URL copy is wrong\n");
    IBackgroundCopyJob4_Release(job);

    /* A missing source is a remote-file error. */
    local_path(source, L"missing.bin");
    if (!(job = start_job(L"missing", source, local1, BG_JOB_PRIORITY_NORMAL))) return;
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
    check_error(job, HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), BG_ERROR_CONTEXT_REMOTE_FILE, L"file");
    finish(job);
}

/* A FOREGROUND job queued behind a running LOW job finishes first. */
static void test_priorities(void)
{
    WCHAR url[256], local_low[MAX_PATH], local_fg[MAX_PATH];
    IBackgroundCopyJob4 *low, *fg;
    BG_JOB_STATE state;

    nginx_url(url, "slow/64m.bin");
    local_path(local_low, L"low.bin");
    if (!(low = start_job(L"low", url, local_low, BG_JOB_PRIORITY_LOW))) return;
    resume(low);
    state = wait_for_state(low, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "low job state %d\n", state);

    nginx_url(url, "1m.bin");
    local_path(local_fg, L"fg.bin");
    if (!(fg = start_job(L"foreground", url, local_fg, BG_JOB_PRIORITY_FOREGROUND))) return;
    resume(fg);
    state = wait_for_state(fg, ALL_END_STATES, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "foreground job state %d\n", state);
    state = job_state(low);
    ok(state == BG_JOB_STATE_TRANSFERRING || state == BG_JOB_STATE_QUEUED, "low job state %d\n", state);
    ok(IBackgroundCopyJob4_Complete(fg) == S_OK, "Complete failed\n");
    ok(check_content(local_fg, 0, MB, 0), "foreground result is wrong\n");

    /* Cancel in the middle of a transfer leaves nothing behind. */
    ok(IBackgroundCopyJob4_Cancel(low) == S_OK, "Cancel failed\n");
    ok(wait_no_temp_files(), "temporary file left after Cancel\n");
    ok(!file_exists(local_low), "cancelled file exists\n");
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
    WCHAR url[256], local_a[MAX_PATH], local_b[MAX_PATH], local_c[MAX_PATH];
    IBackgroundCopyJob4 *a, *b, *c;
    BG_JOB_STATE state;
    UINT64 moved;

    nginx_url(url, "slow/64m.bin");
    local_path(local_a, L"slice_a.bin");
    local_path(local_b, L"slice_b.bin");
    local_path(local_c, L"slice_c.bin");
    if (!(a = start_job(L"huge normal", url, local_a, BG_JOB_PRIORITY_NORMAL))) return;
    resume(a);
    state = wait_for_state(a, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "first job state %d\n", state);

    /* Same priority: waits for the end of the running job's time slice (the
     * running job goes on moving bytes meanwhile), then runs while the huge
     * one waits its turn. */
    nginx_url(url, "small.bin");
    if (!(b = start_job(L"small normal", url, local_b, BG_JOB_PRIORITY_NORMAL))) return;
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
    if (!(c = start_job(L"small high", url, local_c, BG_JOB_PRIORITY_HIGH))) return;
    resume(c);
    moved = bytes_moved_while_queued(c, a, 60000);
    trace("the normal job moved %I64u bytes while the high one waited\n", moved);
    ok(moved < 2 * SLOW_SECOND, "high job waited while the normal one moved %I64u bytes\n", moved);
    state = wait_for_state(c, ALL_END_STATES, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "high job state %d\n", state);

    ok(IBackgroundCopyJob4_Complete(b) == S_OK, "Complete failed\n");
    ok(IBackgroundCopyJob4_Complete(c) == S_OK, "Complete failed\n");
    ok(check_content(local_b, 0, 4096, 0) && check_content(local_c, 0, 4096, 0), "wrong content\n");
    IBackgroundCopyJob4_Cancel(a);
    ok(wait_no_temp_files(), "temporary file left after Cancel\n");
    IBackgroundCopyJob4_Release(a);
    IBackgroundCopyJob4_Release(b);
    IBackgroundCopyJob4_Release(c);
}

/* Over 2 GiB, with a reset past 2 GiB: 64-bit sizes and offsets throughout. */
static void test_large_file(void)
{
    const UINT64 size = 2300000000ull, after = 2200000000ull;
    WCHAR url[300], local[MAX_PATH];
    struct request_log log;
    BG_JOB_PROGRESS progress;
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    char key[32];

    fault_url(url, key, "/reset/%k/%I64u?after=%I64u", size, after);
    local_path(local, L"large.bin");
    if (!(job = start_job(L"large", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    resume(job);
    state = wait_for_state(job, (1u << BG_JOB_STATE_TRANSIENT_ERROR) | ALL_END_STATES, 300000);
    ok(state == BG_JOB_STATE_TRANSIENT_ERROR, "state after the reset %d\n", state);
    IBackgroundCopyJob4_GetProgress(job, &progress);
    ok(progress.BytesTotal == size, "BytesTotal %s\n", wine_dbgstr_longlong(progress.BytesTotal));
    ok(progress.BytesTransferred > (1ull << 31), "BytesTransferred %s\n", wine_dbgstr_longlong(progress.BytesTransferred));
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 300000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    ok(IBackgroundCopyJob4_Complete(job) == S_OK, "Complete failed\n");
    ok(check_content(local, 0, size, 0), "large file is wrong\n");
    read_request_log(key, &log);
    ok(log.count == 2 && _strtoui64(log.ranges[1] + 6, NULL, 10) > (1ull << 31), "resumed with '%s'\n", log.ranges[1]);
    DeleteFileW(local);
    IBackgroundCopyJob4_Release(job);
}

/* nginx logs a request when it ends: did a request for path (which has a
 * query of its own) ask for the bytes from somewhere past the start? */
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

/* The service stops in the middle of a transfer: after it starts again the
 * job is there and continues where it stopped. */
static void test_resume_after_service_stop(void)
{
    WCHAR url[256], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    IBackgroundCopyJob *j;
    BG_JOB_STATE state;
    char path[64];
    UINT64 bytes;
    GUID id;
    HRESULT hr;

    snprintf(path, sizeof(path), "slow/64m.bin?restart=%lu", GetTickCount());
    nginx_url(url, path);
    local_path(local, L"restart.bin");
    if (!(job = start_job(L"service stop", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    IBackgroundCopyJob4_GetId(job, &id);
    resume(job);
    state = wait_for_state(job, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "state %d\n", state);
    /* Something on disk to resume from. */
    bytes = wait_for_bytes(job, 0, 60000);
    ok(bytes > 0, "nothing transferred before the stop\n");
    IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(manager);

    if (!restart_service() || !(manager = get_manager())) return;
    hr = IBackgroundCopyManager_GetJob(manager, &id, &j);
    ok(hr == S_OK, "job lost over the restart: %#lx\n", hr);
    if (hr != S_OK) return;
    IBackgroundCopyJob_QueryInterface(j, &IID_IBackgroundCopyJob4, (void **)&job);
    IBackgroundCopyJob_Release(j);
    state = wait_for_state(job, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "state after the restart %d\n", state);
    /* The resumed request is under way once bytes arrive again. */
    bytes = job_bytes(job);
    ok(wait_for_bytes(job, bytes, 60000) > bytes, "no progress after the restart\n");
    ok(IBackgroundCopyJob4_Cancel(job) == S_OK, "Cancel failed\n");
    ok(wait_no_temp_files(), "temporary file left after Cancel\n");
    ok(nginx_saw_resume(path), "no Range request after the restart\n");
    IBackgroundCopyJob4_Release(job);
}

/* Suspend in the middle of a transfer, Resume: the file continues with a
 * Range request instead of starting over. */
static void test_suspend_resume(void)
{
    WCHAR url[256], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    char path[64];
    UINT64 bytes;

    /* A query of its own tells this test's requests apart in the log. */
    snprintf(path, sizeof(path), "slow/64m.bin?suspend=%lu", GetTickCount());
    nginx_url(url, path);
    local_path(local, L"suspend.bin");
    if (!(job = start_job(L"suspend", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    resume(job);
    state = wait_for_state(job, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "state %d\n", state);
    /* Something on disk to resume from. */
    wait_for_bytes(job, 0, 60000);
    ok(IBackgroundCopyJob4_Suspend(job) == S_OK, "Suspend failed\n");
    ok(job_state(job) == BG_JOB_STATE_SUSPENDED, "state %d\n", job_state(job));
    bytes = job_bytes(job);
    ok(bytes > 0, "nothing transferred before Suspend\n");
    Sleep(500);
    resume(job);
    state = wait_for_state(job, 1u << BG_JOB_STATE_TRANSFERRING, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRING, "state after Resume %d\n", state);
    /* The resumed request is under way once bytes arrive again. */
    ok(wait_for_bytes(job, bytes, 60000) > bytes, "no progress after Resume\n");

    ok(IBackgroundCopyJob4_Cancel(job) == S_OK, "Cancel failed\n");
    ok(wait_no_temp_files(), "temporary file left after Cancel\n");

    ok(nginx_saw_resume(path), "no Range request after Resume in %s\n", nginx_log);
    IBackgroundCopyJob4_Release(job);
}

/* A destination folder that does not exist is a local-file error. */
static void test_local_error(void)
{
    WCHAR url[256], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    IBackgroundCopyError *error;
    BG_ERROR_CONTEXT context;
    BG_JOB_STATE state;
    HRESULT code;

    nginx_url(url, "small.bin");
    local_path(local, L"no_such_folder\\file.bin");
    if (!(job = start_job(L"local error", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
    if (IBackgroundCopyJob4_GetError(job, &error) == S_OK)
    {
        IBackgroundCopyError_GetError(error, &context, &code);
        ok(context == BG_ERROR_CONTEXT_LOCAL_FILE, "context %d\n", context);
        ok(code == HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND) || code == HRESULT_FROM_WIN32(ERROR_DIRECTORY),
           "code %#lx\n", code);
        IBackgroundCopyError_Release(error);
    }
    finish(job);
}

/* One file transferred, one failing: Complete keeps the first. */
static void test_partial_complete(void)
{
    WCHAR url[300], local1[MAX_PATH], local2[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    HRESULT hr;
    char key[32];

    nginx_url(url, "small.bin");
    local_path(local1, L"partial1.bin");
    local_path(local2, L"partial2.bin");
    if (!(job = start_job(L"partial", url, local1, BG_JOB_PRIORITY_FOREGROUND))) return;
    fault_url(url, key, "/status/404");
    IBackgroundCopyJob4_AddFile(job, url, local2);
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
    hr = IBackgroundCopyJob4_Complete(job);
    ok(hr == BG_S_PARTIAL_COMPLETE, "Complete: %#lx\n", hr);
    ok(check_content(local1, 0, 4096, 0), "transferred file missing or wrong\n");
    ok(!file_exists(local2), "failed file exists\n");
    ok(wait_no_temp_files(), "temporary file left\n");
    IBackgroundCopyJob4_Release(job);
}

/* Exactly the ranges asked for, in the order given. */
static void test_ranges(void)
{
    BG_FILE_RANGE ranges[3] = { { 5000, 1000 }, { 100, 50 }, { 70000, BG_LENGTH_TO_EOF } };
    WCHAR url[300], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    BYTE buffer[4096];
    HANDLE file;
    DWORD read, i;
    char key[32];
    HRESULT hr;

    fault_url(url, key, "/data/%u", 71000);
    local_path(local, L"ranges.bin");
    job = create_job4(manager, L"ranges", BG_JOB_TYPE_DOWNLOAD, NULL);
    hr = IBackgroundCopyJob4_AddFileWithRanges(job, url, local, 3, ranges);
    ok(hr == S_OK, "AddFileWithRanges: %#lx\n", hr);
    IBackgroundCopyJob4_SetPriority(job, BG_JOB_PRIORITY_FOREGROUND);
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    IBackgroundCopyJob4_Complete(job);
    file = CreateFileW(local, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    ReadFile(file, buffer, sizeof(buffer), &read, NULL);
    CloseHandle(file);
    ok(read == 2050, "%lu bytes\n", read);
    for (i = 0; i < read; i++)
    {
        UINT64 offset = i < 1000 ? 5000 + i : i < 1050 ? 100 + i - 1000 : 70000 + i - 1050;
        if (buffer[i] != content_byte(offset, 0)) break;
    }
    ok(i == read, "byte %lu is wrong\n", i);
    IBackgroundCopyJob4_Release(job);

    /* A server without range support cannot serve ranges. */
    fault_url(url, key, "/norange/%u", 71000);
    job = create_job4(manager, L"no ranges", BG_JOB_TYPE_DOWNLOAD, NULL);
    IBackgroundCopyJob4_AddFileWithRanges(job, url, local, 1, ranges);
    IBackgroundCopyJob4_SetPriority(job, BG_JOB_PRIORITY_FOREGROUND);
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
    check_error(job, BG_E_INSUFFICIENT_RANGE_SUPPORT, BG_ERROR_CONTEXT_REMOTE_FILE, L"http");
    finish(job);
    DeleteFileW(local);
}

/* Redirects are followed; chunked answers and answers without a length work. */
static void test_server_kinds(void)
{
    static const char *paths[] = { "/redirect/302/data/%u", "/chunked/%u", "/nolength/%u", "/norange/%u" };
    WCHAR url[300], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    char key[32];
    int i;

    for (i = 0; i < ARRAY_SIZE(paths); i++)
    {
        winetest_push_context("%s", paths[i]);
        fault_url(url, key, paths[i], 300000);
        local_path(local, L"kinds.bin");
        if (!(job = start_job(L"kinds", url, local, BG_JOB_PRIORITY_FOREGROUND))) break;
        resume(job);
        state = wait_for_state(job, ALL_END_STATES, 30000);
        ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
        IBackgroundCopyJob4_Complete(job);
        ok(check_content(local, 0, 300000, 0), "wrong content\n");
        DeleteFileW(local);
        IBackgroundCopyJob4_Release(job);
        winetest_pop_context();
    }
}

/* IBackgroundCopyJobHttpOptions on the wire: custom headers reach the
 * server; redirects are reported in the remote name, or refused. */
static void test_http_options(void)
{
    IBackgroundCopyJobHttpOptions *options;
    IEnumBackgroundCopyFiles *files;
    IBackgroundCopyFile *file;
    WCHAR url[300], local[MAX_PATH], expected[300];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    LPWSTR remote;
    char key[32];
    char line[2048];
    BOOL seen = FALSE;
    FILE *f;

    /* The query only marks this test's requests in the server's log. */
    fault_url(url, key, "/redirect/302/data/%u?key=%k", 5000);
    local_path(local, L"redirect.bin");
    if (!(job = start_job(L"http options", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    IBackgroundCopyJob4_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions, (void **)&options);
    ok(IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"X-Qmgr-Test: hello\r\n") == S_OK, "SetCustomHeaders\n");
    ok(IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT) == S_OK,
       "SetSecurityFlags\n");
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);

    /* ALLOW_REPORT: the remote name is now where the server sent us. */
    IBackgroundCopyJob4_EnumFiles(job, &files);
    IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL);
    IBackgroundCopyFile_GetRemoteName(file, &remote);
    swprintf(expected, ARRAY_SIZE(expected), L"http://127.0.0.1:%d/data/5000?key=%hs", fault_port, key);
    ok(!wcscmp(remote, expected), "remote name %s, expected %s\n", wine_dbgstr_w(remote), wine_dbgstr_w(expected));
    CoTaskMemFree(remote);
    IBackgroundCopyFile_Release(file);
    IEnumBackgroundCopyFiles_Release(files);
    IBackgroundCopyJob4_Complete(job);
    ok(check_content(local, 0, 5000, 0), "wrong content\n");

    /* The custom header went with both requests. */
    if ((f = fopen(fault_log, "r")))
    {
        while (fgets(line, sizeof(line), f))
            if (strstr(line, key) && strstr(line, "/data/") && strstr(line, "\"custom\": \"hello\"")) seen = TRUE;
        fclose(f);
    }
    ok(seen, "custom header not received by the server\n");
    IBackgroundCopyJobHttpOptions_Release(options);
    IBackgroundCopyJob4_Release(job);
    DeleteFileW(local);

    /* DISALLOW: a redirect is fatal, HRESULT_FROM_WIN32 of its status. */
    fault_url(url, key, "/redirect/302/data/%u?key=%k", 5000);
    if (!(job = start_job(L"no redirects", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    IBackgroundCopyJob4_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions, (void **)&options);
    IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, BG_HTTP_REDIRECT_POLICY_DISALLOW);
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
    check_error(job, HRESULT_FROM_WIN32(302), BG_ERROR_CONTEXT_REMOTE_FILE, L"http");
    IBackgroundCopyJobHttpOptions_Release(options);
    finish(job);
}

/* Basic authentication with the job's credentials. */
static void test_credentials(void)
{
    BG_AUTH_CREDENTIALS cred;
    WCHAR url[256], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;

    nginx_url(url, "auth/small.bin");
    local_path(local, L"auth.bin");
    if (!(job = start_job(L"no credentials", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
    check_error(job, BG_E_HTTP_ERROR_401, BG_ERROR_CONTEXT_REMOTE_FILE, L"http");

    /* Credentials added later, then Resume from ERROR: it works. */
    cred.Target = BG_AUTH_TARGET_SERVER;
    cred.Scheme = BG_AUTH_SCHEME_BASIC;
    cred.Credentials.Basic.UserName = (WCHAR *)L"bits";
    cred.Credentials.Basic.Password = (WCHAR *)L"secret";
    ok(IBackgroundCopyJob4_SetCredentials(job, &cred) == S_OK, "SetCredentials failed\n");
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state with credentials %d\n", state);
    IBackgroundCopyJob4_Complete(job);
    ok(check_content(local, 0, 4096, 0), "wrong content\n");
    DeleteFileW(local);
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
    IBackgroundCopyError_GetError(error, &context, &error_code);
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

static void test_callbacks(void)
{
    WCHAR url[300], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    char key[32];

    transferred_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    error_event = CreateEventW(NULL, FALSE, FALSE, NULL);

    nginx_url(url, "small.bin");
    local_path(local, L"callback.bin");
    if (!(job = start_job(L"callback ok", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    ok(IBackgroundCopyJob4_SetNotifyInterface(job, (IUnknown *)&callback) == S_OK, "SetNotifyInterface failed\n");
    /* The default flags do not ask for modifications. */
    resume(job);
    ok(!WaitForSingleObject(transferred_event, 30000), "JobTransferred not called\n");
    ok(!modifications, "%ld JobModification calls without BG_NOTIFY_JOB_MODIFICATION\n", modifications);
    IBackgroundCopyJob4_Complete(job);
    IBackgroundCopyJob4_Release(job);

    if (!(job = start_job(L"callback modification", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    IBackgroundCopyJob4_SetNotifyInterface(job, (IUnknown *)&callback);
    IBackgroundCopyJob4_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR | BG_NOTIFY_JOB_MODIFICATION);
    resume(job);
    ok(!WaitForSingleObject(transferred_event, 30000), "JobTransferred not called\n");
    ok(wait_for_count(&modifications, 1, 30000) > 0, "JobModification not called\n");
    ok(!files_transferred, "FileTransferred called without BG_NOTIFY_FILE_TRANSFERRED\n");
    IBackgroundCopyJob4_Complete(job);
    IBackgroundCopyJob4_Release(job);

    /* BG_NOTIFY_FILE_TRANSFERRED: IBackgroundCopyCallback2 hears of each file. */
    if (!(job = start_job(L"callback files", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    local_path(local, L"callback2.bin");
    IBackgroundCopyJob4_AddFile(job, url, local);
    IBackgroundCopyJob4_SetNotifyInterface(job, (IUnknown *)&callback);
    IBackgroundCopyJob4_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_FILE_TRANSFERRED);
    resume(job);
    ok(!WaitForSingleObject(transferred_event, 30000), "JobTransferred not called\n");
    wait_for_count(&files_transferred, 2, 30000);
    ok(files_transferred == 2, "FileTransferred called %ld times\n", files_transferred);
    IBackgroundCopyJob4_Complete(job);
    DeleteFileW(local);
    IBackgroundCopyJob4_Release(job);

    fault_url(url, key, "/status/403");
    if (!(job = start_job(L"callback error", url, local, BG_JOB_PRIORITY_FOREGROUND))) return;
    IBackgroundCopyJob4_SetNotifyInterface(job, (IUnknown *)&callback);
    resume(job);
    ok(!WaitForSingleObject(error_event, 30000), "JobError not called\n");
    ok(error_code == (HRESULT)0x80190193, "JobError got %#lx\n", error_code);

    /* With notifications disabled, nothing is called. */
    IBackgroundCopyJob4_SetNotifyFlags(job, BG_NOTIFY_DISABLE | BG_NOTIFY_JOB_ERROR);
    resume(job);
    /* The call would come as the job fails again: give it two seconds more. */
    state = wait_for_state(job, 1u << BG_JOB_STATE_ERROR, 60000);
    ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
    ok(WaitForSingleObject(error_event, 2000) == WAIT_TIMEOUT, "JobError called despite BG_NOTIFY_DISABLE\n");
    finish(job);
}

/* Files added to a transferred job: Resume fetches them too. */
static void test_add_after_transfer(void)
{
    WCHAR url[256], local1[MAX_PATH], local2[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;

    nginx_url(url, "small.bin");
    local_path(local1, L"more1.bin");
    local_path(local2, L"more2.bin");
    if (!(job = start_job(L"more files", url, local1, BG_JOB_PRIORITY_FOREGROUND))) return;
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    /* Suspend leaves a transferred job as it is. */
    ok(IBackgroundCopyJob4_Suspend(job) == S_OK, "Suspend on a transferred job failed\n");
    ok(job_state(job) == BG_JOB_STATE_TRANSFERRED, "Suspend changed the state\n");
    ok(IBackgroundCopyJob4_AddFile(job, url, local2) == S_OK, "AddFile on a transferred job failed\n");
    ok(job_state(job) == BG_JOB_STATE_TRANSFERRED, "AddFile changed the state\n");
    resume(job);
    state = wait_for_state(job, ALL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    ok(IBackgroundCopyJob4_Complete(job) == S_OK, "Complete failed\n");
    ok(check_content(local1, 0, 4096, 0) && check_content(local2, 0, 4096, 0), "files missing\n");
    DeleteFileW(local1);
    DeleteFileW(local2);
    IBackgroundCopyJob4_Release(job);
}

/* A failure names its scenario; the trace tells which scenario the passing
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
    snprintf(www, sizeof(www), "%s", getenv("QMGR_WWW") ? getenv("QMGR_WWW") : "");
    snprintf(fault_log, sizeof(fault_log), "Z:%s", getenv("QMGR_FAULT_LOG") ? getenv("QMGR_FAULT_LOG") : "");
    snprintf(nginx_log, sizeof(nginx_log), "Z:%s", getenv("QMGR_NGINX_LOG") ? getenv("QMGR_NGINX_LOG") : "");
    make_test_dir(test_dir, L"transfer");
    if (!(manager = get_manager())) return;

    run_scenario(test_download, "test_download");
    run_scenario(test_resume_after_reset, "test_resume_after_reset");
    run_scenario(test_changed_content, "test_changed_content");
    run_scenario(test_http_404, "test_http_404");
    run_scenario(test_http_503_retry, "test_http_503_retry");
    run_scenario(test_stall, "test_stall");
    run_scenario(test_max_download_time, "test_max_download_time");
    run_scenario(test_local_files, "test_local_files");
    run_scenario(test_priorities, "test_priorities");
    run_scenario(test_time_slices, "test_time_slices");
    run_scenario(test_suspend_resume, "test_suspend_resume");
    run_scenario(test_local_error, "test_local_error");
    run_scenario(test_partial_complete, "test_partial_complete");
    run_scenario(test_ranges, "test_ranges");
    run_scenario(test_server_kinds, "test_server_kinds");
    run_scenario(test_credentials, "test_credentials");
    run_scenario(test_http_options, "test_http_options");
    run_scenario(test_callbacks, "test_callbacks");
    run_scenario(test_add_after_transfer, "test_add_after_transfer");
    run_scenario(test_large_file, "test_large_file");
    run_scenario(test_resume_after_service_stop, "test_resume_after_service_stop");

    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
}
