/*
 * Tests of the BITS service itself: started on demand by COM, stopped and
 * started again through the service manager, and stale proxies failing
 * cleanly in between.
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

#include <ctype.h>
#include "qmgr_test.h"

static void test_stop_start(void)
{
    IBackgroundCopyManager *manager = get_manager();
    IBackgroundCopyJob4 *job, *job2;
    SERVICE_STATUS status;
    SC_HANDLE scm, service;
    BG_JOB_STATE state;
    DWORD current;
    GUID id;
    HRESULT hr;

    if (!manager) return;
    if (!(job = create_job4(manager, L"before stop", BG_JOB_TYPE_DOWNLOAD, &id)))
    {
        IBackgroundCopyManager_Release(manager);
        return;
    }

    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    ok(scm != NULL, "OpenSCManager: %lu\n", GetLastError());
    service = scm ? OpenServiceW(scm, L"BITS", SERVICE_START | SERVICE_STOP | SERVICE_QUERY_STATUS) : NULL;
    ok(service != NULL, "OpenService(BITS): %lu\n", GetLastError());
    if (!service)
    {
        IBackgroundCopyJob4_Cancel(job);
        IBackgroundCopyJob4_Release(job);
        IBackgroundCopyManager_Release(manager);
        if (scm) CloseServiceHandle(scm);
        return;
    }

    current = wait_service_state(service, SERVICE_RUNNING, 60000);
    ok(current == SERVICE_RUNNING, "service state %lu\n", current);

    ok(ControlService(service, SERVICE_CONTROL_STOP, &status), "ControlService(STOP): %lu\n", GetLastError());
    current = wait_service_state(service, SERVICE_STOPPED, 60000);
    ok(current == SERVICE_STOPPED, "service did not stop: %lu\n", current);

    /* The old proxies fail instead of hanging. */
    hr = IBackgroundCopyJob4_GetState(job, &state);
    ok(FAILED(hr), "GetState on a stale proxy: %#lx\n", hr);
    trace("stale proxy answered %#lx\n", hr);
    hr = IBackgroundCopyManager_CreateJob(manager, L"stale", BG_JOB_TYPE_DOWNLOAD, &(GUID){0}, (IBackgroundCopyJob **)&job2);
    ok(FAILED(hr), "CreateJob on a stale manager: %#lx\n", hr);
    if (SUCCEEDED(hr)) IBackgroundCopyJob4_Release(job2);
    IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(manager);

    /* Started again through the service manager. */
    ok(StartServiceW(service, 0, NULL), "StartService: %lu\n", GetLastError());
    current = wait_service_state(service, SERVICE_RUNNING, 60000);
    ok(current == SERVICE_RUNNING, "service did not start: %lu\n", current);
    if ((manager = get_manager()))
    {
        IBackgroundCopyJob *before;
        /* The job from before the stop is back (see test_persistence). */
        hr = IBackgroundCopyManager_GetJob(manager, &id, &before);
        ok(hr == S_OK, "GetJob after restart: %#lx\n", hr);
        if (hr == S_OK)
        {
            IBackgroundCopyJob_Cancel(before);
            IBackgroundCopyJob_Release(before);
        }
        job = create_job4(manager, L"after restart", BG_JOB_TYPE_DOWNLOAD, NULL);
        ok(job != NULL, "no job after restart\n");
        if (job)
        {
            state = job_state(job);
            ok(state == BG_JOB_STATE_SUSPENDED, "state %d\n", state);
            IBackgroundCopyJob4_Cancel(job);
            IBackgroundCopyJob4_Release(job);
        }
        IBackgroundCopyManager_Release(manager);
    }

    /* And stopped once more: COM starts it on demand. */
    ControlService(service, SERVICE_CONTROL_STOP, &status);
    current = wait_service_state(service, SERVICE_STOPPED, 60000);
    ok(current == SERVICE_STOPPED, "service did not stop: %lu\n", current);
    if ((manager = get_manager()))
    {
        current = wait_service_state(service, SERVICE_RUNNING, 60000);
        ok(current == SERVICE_RUNNING, "service not started by COM: %lu\n", current);
        IBackgroundCopyManager_Release(manager);
    }

    CloseServiceHandle(service);
    CloseServiceHandle(scm);
}

static void store_dir(WCHAR *dir)
{
    ExpandEnvironmentStringsW(L"%ProgramData%\\Microsoft\\Network\\Downloader", dir, MAX_PATH);
}

static void check_string(HRESULT (WINAPI *get)(IBackgroundCopyJob4 *, LPWSTR *), IBackgroundCopyJob4 *job,
                         const WCHAR *expected, const char *what)
{
    LPWSTR value = NULL;
    HRESULT hr = get(job, &value);
    ok(hr == S_OK && value && !wcscmp(value, expected), "%s: %#lx %s\n", what, hr, wine_dbgstr_w(value));
    CoTaskMemFree(value);
}

/* Jobs outlive the service process: every property, file and range is
 * there again after a stop and a start; final jobs are gone for good. */
static void test_persistence(void)
{
    static const WCHAR name[] = L"persistent \"job\" %20 \x00e9\x4e2d";
    BG_FILE_RANGE ranges[2] = { { 100, 10 }, { 200, BG_LENGTH_TO_EOF } }, *got_ranges;
    IBackgroundCopyManager *manager = get_manager();
    IBackgroundCopyJob4 *job, *gone;
    IEnumBackgroundCopyFiles *files;
    IBackgroundCopyFile2 *file2;
    IBackgroundCopyFile *file;
    IBackgroundCopyJobHttpOptions *options;
    BG_JOB_TIMES times, times2;
    BG_JOB_PROXY_USAGE usage;
    BG_JOB_PRIORITY priority;
    BG_JOB_STATE state;
    IBackgroundCopyJob *j;
    LPWSTR list, bypass, program, params;
    ULONG value, count;
    DWORD flags;
    BOOL elevated = FALSE, got, cancelled = FALSE;
    GUID id, gone_id;
    HRESULT hr;

    if (!manager) return;
    if (!(job = create_job4(manager, name, BG_JOB_TYPE_DOWNLOAD, &id)))
    {
        IBackgroundCopyManager_Release(manager);
        return;
    }
    IBackgroundCopyJob4_SetDescription(job, L"line one\nline two");
    IBackgroundCopyJob4_SetPriority(job, BG_JOB_PRIORITY_HIGH);
    IBackgroundCopyJob4_SetNotifyFlags(job, BG_NOTIFY_JOB_ERROR | BG_NOTIFY_JOB_MODIFICATION);
    IBackgroundCopyJob4_SetNotifyCmdLine(job, L"C:\\windows\\system32\\cmd.exe", L"cmd /c echo done");
    IBackgroundCopyJob4_SetMinimumRetryDelay(job, 77);
    IBackgroundCopyJob4_SetNoProgressTimeout(job, 7777);
    IBackgroundCopyJob4_SetMaximumDownloadTime(job, 777);
    IBackgroundCopyJob4_SetPeerCachingFlags(job, BG_JOB_DISABLE_BRANCH_CACHE);
    IBackgroundCopyJob4_SetFileACLFlags(job, BG_COPY_FILE_DACL);
    IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"proxy:3128", L"<local>");
    ok(IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/one", L"C:\\qmgr\\one") == S_OK, "AddFile\n");
    ok(IBackgroundCopyJob4_AddFileWithRanges(job, L"http://127.0.0.1/two", L"C:\\qmgr\\two", 2, ranges) == S_OK,
       "AddFileWithRanges\n");
    hr = IBackgroundCopyJob4_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions, (void **)&options);
    ok(hr == S_OK, "QueryInterface(IBackgroundCopyJobHttpOptions): %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"X-Kept: yes\r\n");
        IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, 0x108);
        IBackgroundCopyJobHttpOptions_SetClientCertificateByName(options, BG_CERT_STORE_LOCATION_LOCAL_MACHINE, L"MY",
                                                                 CLIENT_SUBJECT);
        IBackgroundCopyJobHttpOptions_Release(options);
    }
    hr = IBackgroundCopyJob4_GetTimes(job, &times);
    ok(hr == S_OK, "GetTimes: %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetOwnerElevationState(job, &elevated);
    ok(hr == S_OK, "GetOwnerElevationState: %#lx\n", hr);
    IBackgroundCopyJob4_Release(job);

    if ((gone = create_job4(manager, L"cancelled before the restart", BG_JOB_TYPE_DOWNLOAD, &gone_id)))
    {
        hr = IBackgroundCopyJob4_Cancel(gone);
        ok(hr == S_OK, "Cancel: %#lx\n", hr);
        IBackgroundCopyJob4_Release(gone);
        cancelled = TRUE;
    }
    IBackgroundCopyManager_Release(manager);

    if (!restart_service() || !(manager = get_manager())) return;
    if (cancelled)
    {
        hr = IBackgroundCopyManager_GetJob(manager, &gone_id, &j);
        ok(hr == BG_E_NOT_FOUND, "cancelled job came back: %#lx\n", hr);
        if (hr == S_OK) IBackgroundCopyJob_Release(j);
    }
    hr = IBackgroundCopyManager_GetJob(manager, &id, &j);
    ok(hr == S_OK, "job lost over a restart: %#lx\n", hr);
    if (hr != S_OK)
    {
        IBackgroundCopyManager_Release(manager);
        return;
    }
    hr = IBackgroundCopyJob_QueryInterface(j, &IID_IBackgroundCopyJob4, (void **)&job);
    ok(hr == S_OK, "QueryInterface(IBackgroundCopyJob4): %#lx\n", hr);
    if (FAILED(hr))
    {
        IBackgroundCopyJob_Cancel(j);
        IBackgroundCopyJob_Release(j);
        IBackgroundCopyManager_Release(manager);
        return;
    }
    IBackgroundCopyJob_Release(j);

    check_string(job->lpVtbl->GetDisplayName, job, name, "display name");
    check_string(job->lpVtbl->GetDescription, job, L"line one\nline two", "description");
    state = job_state(job);
    ok(state == BG_JOB_STATE_SUSPENDED, "state %d\n", state);
    priority = -1;
    hr = IBackgroundCopyJob4_GetPriority(job, &priority);
    ok(hr == S_OK && priority == BG_JOB_PRIORITY_HIGH, "priority %#lx %d\n", hr, priority);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetNotifyFlags(job, &value);
    ok(hr == S_OK && value == (BG_NOTIFY_JOB_ERROR | BG_NOTIFY_JOB_MODIFICATION), "notify flags %#lx %#lx\n", hr, value);
    program = params = NULL;
    hr = IBackgroundCopyJob4_GetNotifyCmdLine(job, &program, &params);
    ok(hr == S_OK && program && !wcscmp(program, L"C:\\windows\\system32\\cmd.exe") && params &&
       !wcscmp(params, L"cmd /c echo done"), "command line %#lx %s %s\n", hr, wine_dbgstr_w(program),
       wine_dbgstr_w(params));
    CoTaskMemFree(program);
    CoTaskMemFree(params);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetMinimumRetryDelay(job, &value);
    ok(hr == S_OK && value == 77, "retry delay %#lx %lu\n", hr, value);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetNoProgressTimeout(job, &value);
    ok(hr == S_OK && value == 7777, "no-progress timeout %#lx %lu\n", hr, value);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetMaximumDownloadTime(job, &value);
    ok(hr == S_OK && value == 777, "maximum download time %#lx %lu\n", hr, value);
    flags = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetPeerCachingFlags(job, &flags);
    ok(hr == S_OK && flags == BG_JOB_DISABLE_BRANCH_CACHE, "peer flags %#lx %#lx\n", hr, flags);
    flags = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetFileACLFlags(job, &flags);
    ok(hr == S_OK && flags == BG_COPY_FILE_DACL, "ACL flags %#lx %#lx\n", hr, flags);
    usage = -1;
    list = bypass = NULL;
    hr = IBackgroundCopyJob4_GetProxySettings(job, &usage, &list, &bypass);
    ok(hr == S_OK && usage == BG_JOB_PROXY_USAGE_OVERRIDE && list && !wcscmp(list, L"proxy:3128") && bypass &&
       !wcscmp(bypass, L"<local>"), "proxy %#lx %d %s %s\n", hr, usage, wine_dbgstr_w(list), wine_dbgstr_w(bypass));
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);
    got = -1;
    hr = IBackgroundCopyJob4_GetOwnerElevationState(job, &got);
    ok(hr == S_OK && got == elevated, "elevation %#lx %d\n", hr, got);
    hr = IBackgroundCopyJob4_GetTimes(job, &times2);
    ok(hr == S_OK && !CompareFileTime(&times.CreationTime, &times2.CreationTime), "creation time changed: %#lx\n", hr);
    hr = IBackgroundCopyJob4_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions, (void **)&options);
    ok(hr == S_OK, "QueryInterface(IBackgroundCopyJobHttpOptions): %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        BG_CERT_STORE_LOCATION location;
        LPWSTR headers = NULL, store = NULL, subject = NULL;
        BYTE *hash = NULL;

        hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(options, &headers);
        ok(hr == S_OK && headers && !wcscmp(headers, L"X-Kept: yes\r\n"), "custom headers %#lx %s\n", hr,
           wine_dbgstr_w(headers));
        value = 0xdeadbeef;
        hr = IBackgroundCopyJobHttpOptions_GetSecurityFlags(options, &value);
        ok(hr == S_OK && value == 0x108, "security flags %#lx %#lx\n", hr, value);
        hr = IBackgroundCopyJobHttpOptions_GetClientCertificate(options, &location, &store, &hash, &subject);
        ok(hr == S_OK && subject && !wcscmp(subject, CLIENT_SUBJECT), "certificate %#lx %s\n", hr, wine_dbgstr_w(subject));
        CoTaskMemFree(headers);
        CoTaskMemFree(store);
        CoTaskMemFree(subject);
        CoTaskMemFree(hash);
        IBackgroundCopyJobHttpOptions_Release(options);
    }

    hr = IBackgroundCopyJob4_EnumFiles(job, &files);
    ok(hr == S_OK, "EnumFiles: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        count = 0;
        hr = IEnumBackgroundCopyFiles_GetCount(files, &count);
        ok(hr == S_OK && count == 2, "%lu files, %#lx\n", count, hr);
        IEnumBackgroundCopyFiles_Skip(files, 1);
        if (IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL) == S_OK)
        {
            LPWSTR local = NULL;

            hr = IBackgroundCopyFile_GetLocalName(file, &local);
            ok(hr == S_OK && local && !wcscmp(local, L"C:\\qmgr\\two"), "local name %#lx %s\n", hr, wine_dbgstr_w(local));
            CoTaskMemFree(local);
            hr = IBackgroundCopyFile_QueryInterface(file, &IID_IBackgroundCopyFile2, (void **)&file2);
            ok(hr == S_OK, "QueryInterface(IBackgroundCopyFile2): %#lx\n", hr);
            if (SUCCEEDED(hr))
            {
                count = 0;
                got_ranges = NULL;
                hr = IBackgroundCopyFile2_GetFileRanges(file2, &count, &got_ranges);
                ok(hr == S_OK && count == 2 && got_ranges && got_ranges[0].InitialOffset == 100 &&
                   got_ranges[1].Length == BG_LENGTH_TO_EOF, "ranges %#lx %lu\n", hr, count);
                CoTaskMemFree(got_ranges);
                IBackgroundCopyFile2_Release(file2);
            }
            IBackgroundCopyFile_Release(file);
        }
        IEnumBackgroundCopyFiles_Release(files);
    }

    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(manager);
}

#define JOB_START "qmgr-job 1\nid \"ID\"\ntype 0\nstate 3\npriority 2\nowner \"S-1-5-21-0-0-0-1000\" 8192 1 1\n"

static void store_file_id(unsigned int i, char *guid, size_t size)
{
    snprintf(guid, size, "{%08x-0000-0000-0000-000000000000}", i);
}

/* Writes a job file named after the id it holds: "ID" in the record is
 * {0000000i-0000-...}. */
static void write_store_file(const WCHAR *dir, unsigned int i, const char *record)
{
    char guid[40], *text, *p;
    WCHAR path[MAX_PATH];
    DWORD written;
    HANDLE file;

    store_file_id(i, guid, sizeof(guid));
    if (!(text = malloc(strlen(record) + sizeof(guid)))) return;
    if ((p = strstr(record, "\"ID\"")))
        sprintf(text, "%.*s\"%s\"%s", (int)(p - record), record, guid, p + 4);
    else strcpy(text, record);
    swprintf(path, MAX_PATH, L"%s\\%hs.job", dir, guid);
    file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    ok(file != INVALID_HANDLE_VALUE, "cannot write %s\n", wine_dbgstr_w(path));
    WriteFile(file, text, strlen(text), &written, NULL);
    CloseHandle(file);
    free(text);
}

/* A store file that does not parse, or holds a value no client could have
 * set, is set aside; the service and the other jobs, one of them written
 * by hand, carry on. */
static void test_corrupt_store(void)
{
    static char long_local[5200], long_name[400];
    const char *garbage[] =
    {
        "not a job at all\n",
        "qmgr-job 1\nid \"ID\"\ntype 0\nstate 3\n",   /* cut short */
        "qmgr-job 1\nid \"ID\"\ntype 99\nstate 3\npriority 2\nname \"x\"\nowner \"S-1-5-21-0-0-0-1000\" 8192 1 1\nend\n",
        /* names that AddFile and SetDisplayName refuse */
        long_local,
        long_name,
        JOB_START "name \"x\"\nfile \"http://h/f\" \"relative\" - - - 0 0 0 0 0\nend\n",
        JOB_START "name \"x\"\nfile \"gopher://h/f\" \"C:%5cf\" - - - 0 0 0 0 0\nend\n",
        /* no owner */
        "qmgr-job 1\nid \"ID\"\ntype 0\nstate 3\npriority 2\nname \"x\"\nend\n",
        /* a version this service does not read */
        "qmgr-job 2\nid \"ID\"\ntype 0\nstate 3\npriority 2\nname \"x\"\nowner \"S-1-5-21-0-0-0-1000\" 8192 1 1\nend\n",
        /* an error naming a file the job does not have */
        JOB_START "name \"x\"\nfile \"http://h/f\" \"C:%5cf\" - - - 0 0 0 0 0\nerror 2147942402 4 2 -\nend\n",
        /* a number past 2^64, flags no client could set, a boolean of 2 */
        JOB_START "name \"x\"\ntimeouts 18446744073709551616 0 0\nend\n",
        JOB_START "name \"x\"\nnotify 4096 - -\nend\n",
        JOB_START "name \"x\"\nfile \"http://h/f\" \"C:%5cf\" - - - 0 2 0 0 0\nend\n",
        /* more bytes than the file has, a range at 2^64 */
        JOB_START "name \"x\"\nfile \"http://h/f\" \"C:%5cf\" - - - 0 0 0 10 20\nend\n",
        JOB_START "name \"x\"\nfile \"http://h/f\" \"C:%5cf\" - - - 0 0 0 0 0\nrange 18446744073709551615 1\nend\n",
    };
    static const char fine[] = JOB_START "name \"fine\"\nfile \"http://h/f\" \"C:%5cf\" - - - 0 0 0 0 0\nend\n";
    IBackgroundCopyManager *manager = get_manager();
    IBackgroundCopyJob4 *job;
    IBackgroundCopyJob *j;
    WCHAR dir[MAX_PATH], path[MAX_PATH], guidW[40];
    char guid[40];
    unsigned int i;
    GUID id, fine_id;
    HRESULT hr;

    if (!manager) return;
    strcpy(long_local, JOB_START "name \"x\"\nfile \"http://h/f\" \"C:%5c");
    memset(long_local + strlen(long_local), 'a', 5000);
    strcpy(long_local + strlen(long_local), "\" - - - 0 0 0 0 0\nend\n");
    snprintf(long_name, sizeof(long_name), JOB_START "name \"%0300d\"\nend\n", 0);
    job = create_job4(manager, L"survivor", BG_JOB_TYPE_DOWNLOAD, &id);
    IBackgroundCopyManager_Release(manager);
    if (!job) return;
    IBackgroundCopyJob4_Release(job);

    store_dir(dir);
    for (i = 0; i < ARRAY_SIZE(garbage); i++) write_store_file(dir, i, garbage[i]);
    write_store_file(dir, ARRAY_SIZE(garbage), fine);

    if (!restart_service() || !(manager = get_manager())) return;
    hr = IBackgroundCopyManager_GetJob(manager, &id, &j);
    ok(hr == S_OK, "good job lost: %#lx\n", hr);
    if (hr == S_OK)
    {
        IBackgroundCopyJob_Cancel(j);
        IBackgroundCopyJob_Release(j);
    }
    store_file_id(ARRAY_SIZE(garbage), guid, sizeof(guid));
    MultiByteToWideChar(CP_ACP, 0, guid, -1, guidW, ARRAY_SIZE(guidW));
    CLSIDFromString(guidW, &fine_id);
    hr = IBackgroundCopyManager_GetJob(manager, &fine_id, &j);
    ok(hr == S_OK, "a valid job file was not loaded: %#lx\n", hr);
    if (hr == S_OK)
    {
        IBackgroundCopyJob_Cancel(j);
        IBackgroundCopyJob_Release(j);
    }
    for (i = 0; i < ARRAY_SIZE(garbage); i++)
    {
        winetest_push_context("record %u", i);
        store_file_id(i, guid, sizeof(guid));
        swprintf(path, MAX_PATH, L"%s\\%hs.job", dir, guid);
        ok(!file_exists(path), "%s still in the store\n", wine_dbgstr_w(path));
        wcscat(path, L".bad");
        ok(file_exists(path), "%s not set aside\n", wine_dbgstr_w(path));
        DeleteFileW(path);
        winetest_pop_context();
    }
    IBackgroundCopyManager_Release(manager);
}

/* An entry of the store (dlls/qmgr/store.c), or with a wrong CRC. */
static void append_entry(HANDLE file, unsigned int sequence, unsigned int i, const char *record, BOOL damaged)
{
    char guid[40], header[128], *text = NULL, *p;
    DWORD written, len = 0;

    store_file_id(i, guid, sizeof(guid));
    if (record && (text = malloc(strlen(record) + sizeof(guid))))
    {
        if ((p = strstr(record, "\"ID\""))) sprintf(text, "%.*s\"%s\"%s", (int)(p - record), record, guid, p + 4);
        else strcpy(text, record);
        len = strlen(text);
    }
    sprintf(header, "qmgr-entry %u %s %lu %08lx\n", sequence, guid, len,
            RtlComputeCrc32(0, (const BYTE *)text, len) ^ (damaged ? 1 : 0));
    WriteFile(file, header, strlen(header), &written, NULL);
    if (len) WriteFile(file, text, len, &written, NULL);
    free(text);
}

static HANDLE create_store_file(const WCHAR *dir, const WCHAR *name, unsigned int i)
{
    WCHAR path[MAX_PATH];
    char guid[40];
    HANDLE file;

    store_file_id(i, guid, sizeof(guid));
    if (name) swprintf(path, MAX_PATH, L"%s\\%s", dir, name);
    else swprintf(path, MAX_PATH, L"%s\\%hs.job", dir, guid);
    file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    ok(file != INVALID_HANDLE_VALUE, "cannot write %s\n", wine_dbgstr_w(path));
    return file;
}

/* The display name of stored job i, or NULL when the service does not list it. */
static WCHAR *stored_name(IBackgroundCopyManager *manager, unsigned int i, BOOL cancel)
{
    IBackgroundCopyJob *job;
    WCHAR guidW[40], *name = NULL;
    char guid[40];
    GUID id;

    store_file_id(i, guid, sizeof(guid));
    MultiByteToWideChar(CP_ACP, 0, guid, -1, guidW, ARRAY_SIZE(guidW));
    CLSIDFromString(guidW, &id);
    if (IBackgroundCopyManager_GetJob(manager, &id, &job) != S_OK) return NULL;
    if (FAILED(IBackgroundCopyJob_GetDisplayName(job, &name))) name = NULL;
    if (cancel) IBackgroundCopyJob_Cancel(job);
    IBackgroundCopyJob_Release(job);
    return name;
}

/* Changes reach the journal first, job files at compaction: at load the
 * entry with the highest sequence number wins wherever it is, a gone entry
 * removes the job, a damaged entry is skipped and the next one read, and
 * what only a journal held is written to the job's file. */
static void test_journal(void)
{
    static const char *const expected[] = { "journal-only", "newer-in-the-journal", NULL, NULL, "after-the-damage",
                                            "newer-in-the-file", "old-journal" };
    IBackgroundCopyManager *manager;
    WCHAR dir[MAX_PATH], path[MAX_PATH], want[64], *name;
    char guid[40];
    unsigned int i;
    HANDLE file;

    if (!control_service(FALSE)) return;
    store_dir(dir);
    /* 1: only in the journal; 2: older in its file; 3: gone in the journal */
    file = create_store_file(dir, NULL, 2 + 0x100);
    append_entry(file, 3, 2 + 0x100, JOB_START "name \"older-in-the-file\"\nend\n", FALSE);
    CloseHandle(file);
    file = create_store_file(dir, NULL, 3 + 0x100);
    append_entry(file, 4, 3 + 0x100, JOB_START "name \"cancelled-later\"\nend\n", FALSE);
    CloseHandle(file);
    /* 6: newer in its file than in the journal */
    file = create_store_file(dir, NULL, 6 + 0x100);
    append_entry(file, 12, 6 + 0x100, JOB_START "name \"newer-in-the-file\"\nend\n", FALSE);
    CloseHandle(file);
    file = create_store_file(dir, L"journal.old", 0);
    append_entry(file, 2, 7 + 0x100, JOB_START "name \"old-journal\"\nend\n", FALSE);
    CloseHandle(file);
    file = create_store_file(dir, L"journal", 0);
    append_entry(file, 5, 1 + 0x100, JOB_START "name \"journal-only\"\nend\n", FALSE);
    append_entry(file, 7, 2 + 0x100, JOB_START "name \"newer-in-the-journal\"\nend\n", FALSE);
    append_entry(file, 8, 3 + 0x100, NULL, FALSE);
    append_entry(file, 9, 4 + 0x100, JOB_START "name \"damaged\"\nend\n", TRUE);
    append_entry(file, 10, 5 + 0x100, JOB_START "name \"after-the-damage\"\nend\n", FALSE);
    append_entry(file, 11, 6 + 0x100, JOB_START "name \"older-in-the-journal\"\nend\n", FALSE);
    CloseHandle(file);

    if (!control_service(TRUE) || !(manager = get_manager())) return;
    /* what only the journals held is in the jobs' files, and they are emptied */
    store_file_id(1 + 0x100, guid, sizeof(guid));
    swprintf(path, MAX_PATH, L"%s\\%hs.job", dir, guid);
    ok(file_exists(path), "the job only the journal held has no file\n");
    store_file_id(3 + 0x100, guid, sizeof(guid));
    swprintf(path, MAX_PATH, L"%s\\%hs.job", dir, guid);
    ok(!file_exists(path), "the file of a job gone in the journal is left\n");
    swprintf(path, MAX_PATH, L"%s\\journal.old", dir);
    ok(!file_exists(path), "the old-journal is left\n");
    for (i = 1; i <= ARRAY_SIZE(expected); i++)
    {
        winetest_push_context("job %u", i);
        name = stored_name(manager, i + 0x100, TRUE);
        if (!expected[i - 1]) ok(!name, "listed as %s\n", wine_dbgstr_w(name));
        else
        {
            MultiByteToWideChar(CP_ACP, 0, expected[i - 1], -1, want, ARRAY_SIZE(want));
            ok(name && !wcscmp(name, want), "got %s\n", wine_dbgstr_w(name));
        }
        CoTaskMemFree(name);
        winetest_pop_context();
    }
    IBackgroundCopyManager_Release(manager);
}

static ULONG count_jobs_with_id(IBackgroundCopyManager *manager, const GUID *id)
{
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyJob *job;
    ULONG count = 0;
    GUID got;

    if (FAILED(IBackgroundCopyManager_EnumJobs(manager, 0, &jobs))) return 0;
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, NULL) == S_OK)
    {
        if (SUCCEEDED(IBackgroundCopyJob_GetId(job, &got)) && IsEqualGUID(&got, id)) count++;
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    return count;
}

/* A job's file copied under a second name is loaded once, not twice. */
static void test_store_twin(void)
{
    IBackgroundCopyManager *manager = get_manager();
    WCHAR dir[MAX_PATH], guid[40], path[MAX_PATH], twin[MAX_PATH];
    IBackgroundCopyJob4 *job;
    IBackgroundCopyJob *j;
    unsigned int i;
    GUID id;

    if (!manager) return;
    job = create_job4(manager, L"twin", BG_JOB_TYPE_DOWNLOAD, &id);
    if (job) IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(manager);
    /* The service writes the job at the latest when it stops. */
    if (!job || !restart_service()) return;

    store_dir(dir);
    StringFromGUID2(&id, guid, ARRAY_SIZE(guid));
    swprintf(path, MAX_PATH, L"%s\\%s.job", dir, guid);
    swprintf(twin, MAX_PATH, L"%s\\{00000009-0000-0000-0000-000000000000}.job", dir);
    ok(CopyFileW(path, twin, FALSE), "cannot copy %s: %lu\n", wine_dbgstr_w(path), GetLastError());

    if (!restart_service() || !(manager = get_manager())) return;
    ok(count_jobs_with_id(manager, &id) == 1, "the job is listed %lu times\n", count_jobs_with_id(manager, &id));
    if (IBackgroundCopyManager_GetJob(manager, &id, &j) == S_OK)
    {
        IBackgroundCopyJob_Cancel(j);
        IBackgroundCopyJob_Release(j);
    }
    /* The journal has the cancellation at once; the job's file goes at
     * the store's next compaction. */
    for (i = 0; i < 100 && (file_exists(path) || file_exists(twin)); i++) Sleep(100);
    ok(!file_exists(path) && !file_exists(twin), "a file of the cancelled job is left in the store\n");
    wcscat(twin, L".bad");
    ok(file_exists(twin), "the copy was not set aside\n");
    DeleteFileW(twin);
    IBackgroundCopyManager_Release(manager);
}

/* A job cancelled while its worker is being started stays cancelled, in
 * the service and in the store: the worker's turn ended with the Cancel. */
static void test_cancel_while_starting(void)
{
    IBackgroundCopyManager *manager = get_manager();
    IBackgroundCopyJob4 *job;
    IBackgroundCopyJob *found;
    GUID ids[40];
    unsigned int i, back = 0;
    HRESULT hr;

    if (!manager) return;
    for (i = 0; i < ARRAY_SIZE(ids); i++)
    {
        if (!(job = create_job4(manager, L"cancelled at once", BG_JOB_TYPE_DOWNLOAD, &ids[i]))) break;
        IBackgroundCopyJob4_SetPriority(job, BG_JOB_PRIORITY_FOREGROUND);
        IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1:9/never", L"C:\\users\\Public\\never");
        IBackgroundCopyJob4_Resume(job);
        hr = IBackgroundCopyJob4_Cancel(job);
        ok(hr == S_OK, "Cancel: %#lx\n", hr);
        IBackgroundCopyJob4_Release(job);
    }
    /* Let every worker end its turn, then read the store back. */
    Sleep(1000);
    IBackgroundCopyManager_Release(manager);
    if (!restart_service() || !(manager = get_manager())) return;
    for (i = 0; i < ARRAY_SIZE(ids); i++)
    {
        if (IBackgroundCopyManager_GetJob(manager, &ids[i], &found) != S_OK) continue;
        back++;
        IBackgroundCopyJob_Cancel(found);
        IBackgroundCopyJob_Release(found);
    }
    ok(!back, "%u of %u cancelled jobs came back\n", back, (unsigned int)ARRAY_SIZE(ids));
    IBackgroundCopyManager_Release(manager);
}

/* A path as a string of the store's records: every byte but letters and
 * digits as %xx. */
static void record_string(char *out, size_t size, const WCHAR *path)
{
    char utf8[MAX_PATH * 3];
    size_t len = 0;
    const char *p;

    WideCharToMultiByte(CP_UTF8, 0, path, -1, utf8, sizeof(utf8), NULL, NULL);
    for (p = utf8; *p && len + 4 < size; p++)
    {
        if (isalnum((unsigned char)*p)) out[len++] = *p;
        else len += sprintf(out + len, "%%%02x", (unsigned char)*p);
    }
    out[len] = 0;
}

/* A job file whose temporary file is not BIT<hex>.tmp beside the
 * destination (damaged, or written by hand) names someone else's file:
 * the transfer neither truncates nor fills it. */
static void test_foreign_temp_name(void)
{
    static const char precious[] = "not the job's";
    WCHAR test_dir[MAX_PATH], dir[MAX_PATH], source[MAX_PATH], local[MAX_PATH], victim[MAX_PATH], guidW[40];
    char record[4096], source_a[MAX_PATH * 3], local_a[MAX_PATH * 3], victim_a[MAX_PATH * 3], guid[40];
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob4 *job;
    IBackgroundCopyJob *j;
    BG_JOB_STATE state;
    HANDLE file;
    DWORD size;
    char *data;
    GUID id;
    HRESULT hr;

    make_test_dir(test_dir, L"service");
    swprintf(source, MAX_PATH, L"%s\\source.txt", test_dir);
    swprintf(local, MAX_PATH, L"%s\\local.txt", test_dir);
    swprintf(victim, MAX_PATH, L"%s\\victim.txt", test_dir);
    file = CreateFileW(source, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    WriteFile(file, "the source's bytes", 18, &size, NULL);
    CloseHandle(file);
    file = CreateFileW(victim, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    WriteFile(file, precious, sizeof(precious) - 1, &size, NULL);
    CloseHandle(file);

    record_string(source_a, sizeof(source_a), source);
    record_string(local_a, sizeof(local_a), local);
    record_string(victim_a, sizeof(victim_a), victim);
    snprintf(record, sizeof(record), "qmgr-job 1\nid \"ID\"\ntype 0\nstate 0\npriority 0\nname \"foreign%%20temp\"\n"
             "owner \"S-1-5-21-0-0-0-1000\" 8192 1 1\nfile \"%s\" \"%s\" \"%s\" - - 0 0 0 0 0\nend\n",
             source_a, local_a, victim_a);
    store_dir(dir);
    write_store_file(dir, 7, record);
    store_file_id(7, guid, sizeof(guid));
    MultiByteToWideChar(CP_ACP, 0, guid, -1, guidW, ARRAY_SIZE(guidW));
    CLSIDFromString(guidW, &id);

    if (!restart_service() || !(manager = get_manager())) return;
    hr = IBackgroundCopyManager_GetJob(manager, &id, &j);
    /* Refusing the whole job is as good. */
    if (hr == S_OK)
    {
        hr = IBackgroundCopyJob_QueryInterface(j, &IID_IBackgroundCopyJob4, (void **)&job);
        ok(hr == S_OK, "QueryInterface(IBackgroundCopyJob4): %#lx\n", hr);
        IBackgroundCopyJob_Release(j);
        if (hr == S_OK)
        {
            state = wait_for_state(job, (1u << BG_JOB_STATE_TRANSFERRED) | (1u << BG_JOB_STATE_ERROR), 60000);
            ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
            hr = IBackgroundCopyJob4_Complete(job);
            ok(hr == S_OK, "Complete: %#lx\n", hr);
            ok(same_files(source, local), "%s is not the source\n", wine_dbgstr_w(local));
            IBackgroundCopyJob4_Release(job);
        }
    }
    else ok(hr == BG_E_NOT_FOUND, "GetJob: %#lx\n", hr);
    data = NULL;
    file = CreateFileW(victim, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    ok(file != INVALID_HANDLE_VALUE, "%s is gone\n", wine_dbgstr_w(victim));
    if (file != INVALID_HANDLE_VALUE && (data = calloc(1, 256)))
    {
        ReadFile(file, data, 255, &size, NULL);
        ok(!strcmp(data, precious), "%s now holds %s\n", wine_dbgstr_w(victim), wine_dbgstr_a(data));
    }
    free(data);
    if (file != INVALID_HANDLE_VALUE) CloseHandle(file);
    DeleteFileW(source);
    DeleteFileW(local);
    DeleteFileW(victim);
    IBackgroundCopyManager_Release(manager);
}

START_TEST(service)
{
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    test_stop_start();
    test_persistence();
    test_corrupt_store();
    test_store_twin();
    test_journal();
    test_cancel_while_starting();
    test_foreign_temp_name();
    CoUninitialize();
}
