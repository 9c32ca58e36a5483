/*
 * Tests of IBackgroundCopyManager through the BITS service
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
#include "winver.h"

static void test_create_job(void)
{
    IBackgroundCopyManager *manager = get_manager(), *inproc;
    WCHAR long_name[300];
    IBackgroundCopyJob *job;
    BG_JOB_TYPE type;
    GUID id, id2;
    HRESULT hr;

    if (!manager) return;

    /* The class object answering is ours: Wine 8's builtin answers E_NOTIMPL here. */
    {
        IBackgroundCopyJob4 *job4 = create_job4(manager, L"ours", BG_JOB_TYPE_DOWNLOAD, NULL);
        ULONG seconds = 0;
        if (job4)
        {
            hr = IBackgroundCopyJob4_GetMaximumDownloadTime(job4, &seconds);
            ok(hr == S_OK, "GetMaximumDownloadTime: %#lx\n", hr);
            ok(seconds == 7776000, "default maximum download time %lu\n", seconds);
            IBackgroundCopyJob4_Cancel(job4);
            IBackgroundCopyJob4_Release(job4);
        }
    }

    hr = IBackgroundCopyManager_CreateJob(manager, L"test", BG_JOB_TYPE_DOWNLOAD, &id, &job);
    ok(hr == S_OK, "CreateJob: %#lx\n", hr);
    if (hr == S_OK)
    {
        id2 = GUID_NULL;
        hr = IBackgroundCopyJob_GetId(job, &id2);
        ok(hr == S_OK && IsEqualGUID(&id, &id2), "GetId: %#lx %s\n", hr, wine_dbgstr_guid(&id2));
        type = -1;
        hr = IBackgroundCopyJob_GetType(job, &type);
        ok(hr == S_OK && type == BG_JOB_TYPE_DOWNLOAD, "GetType: %#lx %d\n", hr, type);
        IBackgroundCopyJob_Cancel(job);
        IBackgroundCopyJob_Release(job);
    }

    /* Upload and upload-reply jobs exist too. */
    for (type = BG_JOB_TYPE_UPLOAD; type <= BG_JOB_TYPE_UPLOAD_REPLY; type++)
    {
        BG_JOB_TYPE got = -1;
        hr = IBackgroundCopyManager_CreateJob(manager, L"upload", type, &id, &job);
        ok(hr == S_OK, "CreateJob(type %d): %#lx\n", type, hr);
        if (hr != S_OK) continue;
        hr = IBackgroundCopyJob_GetType(job, &got);
        ok(hr == S_OK && got == type, "GetType: %#lx %d\n", hr, got);
        IBackgroundCopyJob_Cancel(job);
        IBackgroundCopyJob_Release(job);
    }

    /* An invalid job type is E_INVALIDARG. */
    job = (void *)0xdeadbeef;
    hr = IBackgroundCopyManager_CreateJob(manager, L"test", 3, &id, &job);
    ok(hr == E_INVALIDARG, "CreateJob(type 3): %#lx\n", hr);
    hr = IBackgroundCopyManager_CreateJob(manager, L"test", 1000, &id, &job);
    ok(hr == E_INVALIDARG, "CreateJob(type 1000): %#lx\n", hr);

    /* CreateJob: a display name over 256 characters is E_INVALIDARG. */
    wfill(long_name, 'a', 257);
    long_name[257] = 0;
    hr = IBackgroundCopyManager_CreateJob(manager, long_name, BG_JOB_TYPE_DOWNLOAD, &id, &job);
    ok(hr == E_INVALIDARG, "CreateJob(257 chars): %#lx\n", hr);
    long_name[256] = 0;
    hr = IBackgroundCopyManager_CreateJob(manager, long_name, BG_JOB_TYPE_DOWNLOAD, &id, &job);
    ok(hr == S_OK, "CreateJob(256 chars): %#lx\n", hr);
    if (hr == S_OK)
    {
        IBackgroundCopyJob_Cancel(job);
        IBackgroundCopyJob_Release(job);
    }

    /* A NULL name reaches the service through our proxy (input strings are
     * unique pointers there); NULL out-pointers are refused by the proxy,
     * as on Windows, and answered E_INVALIDARG by the service itself. */
    hr = IBackgroundCopyManager_CreateJob(manager, NULL, BG_JOB_TYPE_DOWNLOAD, &id, &job);
    ok(hr == E_INVALIDARG, "CreateJob(NULL name): %#lx\n", hr);
    hr = IBackgroundCopyManager_CreateJob(manager, L"test", BG_JOB_TYPE_DOWNLOAD, NULL, &job);
    ok(hr == RPC_NULL_REF, "CreateJob(NULL id) through the proxy: %#lx\n", hr);

    if ((inproc = get_inproc_manager()))
    {
        hr = IBackgroundCopyManager_CreateJob(inproc, NULL, BG_JOB_TYPE_DOWNLOAD, &id, &job);
        ok(hr == E_INVALIDARG, "CreateJob(NULL name): %#lx\n", hr);
        hr = IBackgroundCopyManager_CreateJob(inproc, L"test", BG_JOB_TYPE_DOWNLOAD, NULL, &job);
        ok(hr == E_INVALIDARG, "CreateJob(NULL id): %#lx\n", hr);
        hr = IBackgroundCopyManager_CreateJob(inproc, L"test", BG_JOB_TYPE_DOWNLOAD, &id, NULL);
        ok(hr == E_INVALIDARG, "CreateJob(NULL job): %#lx\n", hr);
        hr = IBackgroundCopyManager_GetJob(inproc, &id, NULL);
        ok(hr == E_INVALIDARG, "GetJob(NULL): %#lx\n", hr);
        hr = IBackgroundCopyManager_EnumJobs(inproc, 0, NULL);
        ok(hr == E_INVALIDARG, "EnumJobs(NULL): %#lx\n", hr);
        hr = IBackgroundCopyManager_GetErrorDescription(inproc, BG_E_NOT_FOUND, 0x409, NULL);
        ok(hr == E_INVALIDARG, "GetErrorDescription(NULL): %#lx\n", hr);
        IBackgroundCopyManager_Release(inproc);
    }
    IBackgroundCopyManager_Release(manager);
}

static void test_get_job(void)
{
    IBackgroundCopyManager *manager = get_manager();
    IBackgroundCopyJob *job, *job2;
    GUID id, unknown;
    LPWSTR name;
    HRESULT hr;

    if (!manager) return;

    hr = IBackgroundCopyManager_CreateJob(manager, L"findme", BG_JOB_TYPE_DOWNLOAD, &id, &job);
    ok(hr == S_OK, "CreateJob: %#lx\n", hr);
    if (hr != S_OK)
    {
        IBackgroundCopyManager_Release(manager);
        return;
    }
    hr = IBackgroundCopyManager_GetJob(manager, &id, &job2);
    ok(hr == S_OK, "GetJob: %#lx\n", hr);
    if (hr == S_OK)
    {
        name = NULL;
        hr = IBackgroundCopyJob_GetDisplayName(job2, &name);
        ok(hr == S_OK && name && !wcscmp(name, L"findme"), "GetDisplayName: %#lx %s\n", hr, wine_dbgstr_w(name));
        CoTaskMemFree(name);
        IBackgroundCopyJob_Release(job2);
    }

    CoCreateGuid(&unknown);
    job2 = (void *)0xdeadbeef;
    hr = IBackgroundCopyManager_GetJob(manager, &unknown, &job2);
    ok(hr == BG_E_NOT_FOUND, "GetJob(unknown): %#lx\n", hr);
    ok(job2 == NULL, "job not cleared\n");

    /* A cancelled job is gone. */
    hr = IBackgroundCopyJob_Cancel(job);
    ok(hr == S_OK, "Cancel: %#lx\n", hr);
    hr = IBackgroundCopyManager_GetJob(manager, &id, &job2);
    ok(hr == BG_E_NOT_FOUND, "GetJob(cancelled): %#lx\n", hr);
    if (hr == S_OK) IBackgroundCopyJob_Release(job2);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(manager);
}

static BOOL enum_contains(IBackgroundCopyManager *manager, DWORD flags, const GUID *id)
{
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyJob *job;
    BOOL found = FALSE;
    GUID got;
    HRESULT hr;

    hr = IBackgroundCopyManager_EnumJobs(manager, flags, &jobs);
    ok(hr == S_OK, "EnumJobs: %#lx\n", hr);
    if (FAILED(hr)) return FALSE;
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, NULL) == S_OK)
    {
        hr = IBackgroundCopyJob_GetId(job, &got);
        ok(hr == S_OK, "GetId: %#lx\n", hr);
        if (SUCCEEDED(hr) && IsEqualGUID(&got, id)) found = TRUE;
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    return found;
}

/* A second process (started by this one) finds the job with GetJob and EnumJobs. */
static void test_cross_process(void)
{
    IBackgroundCopyManager *manager = get_manager();
    IBackgroundCopyJob *job;
    WCHAR guid[40];
    char args[128];
    PROCESS_INFORMATION child;
    BOOL found;
    GUID id;
    HRESULT hr;

    if (!manager) return;
    hr = IBackgroundCopyManager_CreateJob(manager, L"shared", BG_JOB_TYPE_DOWNLOAD, &id, &job);
    ok(hr == S_OK, "CreateJob: %#lx\n", hr);
    if (hr != S_OK)
    {
        IBackgroundCopyManager_Release(manager);
        return;
    }
    found = enum_contains(manager, 0, &id);
    ok(found, "job not enumerated\n");

    StringFromGUID2(&id, guid, ARRAY_SIZE(guid));
    snprintf(args, sizeof(args), "qmgr find %ls", guid);
    if (run_child(args, NULL, &child)) wait_child_process(&child);
    /* The child renamed it. */
    {
        LPWSTR name = NULL;
        hr = IBackgroundCopyJob_GetDisplayName(job, &name);
        ok(hr == S_OK && name && !wcscmp(name, L"seen by child"), "GetDisplayName: %#lx %s\n", hr, wine_dbgstr_w(name));
        CoTaskMemFree(name);
    }
    IBackgroundCopyJob_Cancel(job);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(manager);
}

static void child_find(const char *guid)
{
    IBackgroundCopyManager *manager = get_manager();
    IBackgroundCopyJob *job;
    WCHAR guidW[40];
    LPWSTR name = NULL;
    BOOL found;
    GUID id;
    HRESULT hr;

    if (!manager) return;
    MultiByteToWideChar(CP_ACP, 0, guid, -1, guidW, ARRAY_SIZE(guidW));
    hr = CLSIDFromString(guidW, &id);
    ok(hr == S_OK, "bad guid %s\n", guid);
    if (hr != S_OK)
    {
        IBackgroundCopyManager_Release(manager);
        return;
    }
    found = enum_contains(manager, 0, &id);
    ok(found, "child: job not enumerated\n");
    hr = IBackgroundCopyManager_GetJob(manager, &id, &job);
    ok(hr == S_OK, "child: GetJob: %#lx\n", hr);
    if (hr != S_OK)
    {
        IBackgroundCopyManager_Release(manager);
        return;
    }
    hr = IBackgroundCopyJob_GetDisplayName(job, &name);
    ok(hr == S_OK && name && !wcscmp(name, L"shared"), "child: GetDisplayName: %#lx %s\n", hr, wine_dbgstr_w(name));
    CoTaskMemFree(name);
    hr = IBackgroundCopyJob_SetDisplayName(job, L"seen by child");
    ok(hr == S_OK, "child: SetDisplayName: %#lx\n", hr);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(manager);
}

static void test_enum_jobs(void)
{
    IBackgroundCopyManager *manager = get_manager();
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyJob *job;
    ULONG before = 0, after = 0;
    BOOL found;
    GUID id;
    HRESULT hr;

    if (!manager) return;
    hr = IBackgroundCopyManager_EnumJobs(manager, 0, &jobs);
    ok(hr == S_OK, "EnumJobs: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        hr = IEnumBackgroundCopyJobs_GetCount(jobs, &before);
        ok(hr == S_OK, "GetCount: %#lx\n", hr);
        IEnumBackgroundCopyJobs_Release(jobs);
    }

    hr = IBackgroundCopyManager_CreateJob(manager, L"enum", BG_JOB_TYPE_DOWNLOAD, &id, &job);
    ok(hr == S_OK, "CreateJob: %#lx\n", hr);
    if (hr != S_OK)
    {
        IBackgroundCopyManager_Release(manager);
        return;
    }
    hr = IBackgroundCopyManager_EnumJobs(manager, 0, &jobs);
    ok(hr == S_OK, "EnumJobs: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        hr = IEnumBackgroundCopyJobs_GetCount(jobs, &after);
        ok(hr == S_OK && after == before + 1, "count %lu -> %lu (%#lx)\n", before, after, hr);
        IEnumBackgroundCopyJobs_Release(jobs);
    }

    /* The test process is elevated under Wine: it may list every user's jobs. */
    found = enum_contains(manager, BG_JOB_ENUM_ALL_USERS, &id);
    ok(found, "job not in all users' list\n");

    hr = IBackgroundCopyManager_EnumJobs(manager, 2, &jobs);
    ok(hr == E_INVALIDARG, "EnumJobs(2): %#lx\n", hr);
    if (SUCCEEDED(hr)) IEnumBackgroundCopyJobs_Release(jobs);

    /* Final-state jobs vanish from the enumeration. */
    hr = IBackgroundCopyJob_Cancel(job);
    ok(hr == S_OK, "Cancel: %#lx\n", hr);
    found = enum_contains(manager, 0, &id);
    ok(!found, "cancelled job still enumerated\n");
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(manager);
}

static void test_error_description(void)
{
    IBackgroundCopyManager *manager = get_manager();
    LPWSTR text = NULL;
    HRESULT hr;

    if (!manager) return;

    /* BITS' own codes come from the message table in qmgr.dll. */
    hr = IBackgroundCopyManager_GetErrorDescription(manager, BG_E_NOT_FOUND, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), &text);
    ok(hr == S_OK && text && wcsstr(text, L"not found"), "BG_E_NOT_FOUND: %#lx %s\n", hr, wine_dbgstr_w(text));
    CoTaskMemFree(text);
    text = NULL;
    hr = IBackgroundCopyManager_GetErrorDescription(manager, BG_E_HTTP_ERROR_404, 0, &text);
    ok(hr == S_OK && text && wcsstr(text, L"404"), "BG_E_HTTP_ERROR_404: %#lx %s\n", hr, wine_dbgstr_w(text));
    CoTaskMemFree(text);
    text = NULL;
    hr = IBackgroundCopyManager_GetErrorDescription(manager, BG_E_MAXDOWNLOAD_TIMEOUT, 0, &text);
    ok(hr == S_OK && text && *text, "BG_E_MAXDOWNLOAD_TIMEOUT: %#lx %s\n", hr, wine_dbgstr_w(text));
    CoTaskMemFree(text);

    /* Win32 codes have a text (ours for the file errors, else the system's). */
    text = NULL;
    hr = IBackgroundCopyManager_GetErrorDescription(manager, HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), 0, &text);
    ok(hr == S_OK && text && *text, "ERROR_FILE_NOT_FOUND: %#lx %s\n", hr, wine_dbgstr_w(text));
    CoTaskMemFree(text);

    /* Unknown codes and languages we have no text in fail cleanly. */
    text = (void *)0xdeadbeef;
    hr = IBackgroundCopyManager_GetErrorDescription(manager, 0x8020ffff, 0, &text);
    ok(FAILED(hr), "unknown code: %#lx\n", hr);
    ok(text == NULL, "text %p\n", text);
    if (SUCCEEDED(hr)) CoTaskMemFree(text);
    text = NULL;
    hr = IBackgroundCopyManager_GetErrorDescription(manager, BG_E_NOT_FOUND, MAKELANGID(LANG_JAPANESE, SUBLANG_DEFAULT), &text);
    ok(hr == HRESULT_FROM_WIN32(ERROR_RESOURCE_LANG_NOT_FOUND), "Japanese: %#lx\n", hr);
    if (SUCCEEDED(hr)) CoTaskMemFree(text);
    IBackgroundCopyManager_Release(manager);
}

/* Clients detect BITS by the manager classes and by qmgr.dll's version:
 * 7.0 is BITS 3.0, whose IBackgroundCopyJob4 we implement. */
static void test_versions(void)
{
    static const CLSID *clsids[] =
    {
        &CLSID_BackgroundCopyManager, &CLSID_BackgroundCopyManager1_5, &CLSID_BackgroundCopyManager2_0,
        &CLSID_BackgroundCopyManager2_5, &CLSID_BackgroundCopyManager3_0,
    };
    VS_FIXEDFILEINFO *info;
    WCHAR path[MAX_PATH];
    DWORD size, handle;
    unsigned int i, len;
    void *data;
    HRESULT hr;

    for (i = 0; i < ARRAY_SIZE(clsids); i++)
    {
        IBackgroundCopyManager *manager;
        hr = CoCreateInstance(clsids[i], NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager, (void **)&manager);
        ok(hr == S_OK, "%s: %#lx\n", wine_dbgstr_guid(clsids[i]), hr);
        if (hr == S_OK) IBackgroundCopyManager_Release(manager);
    }

    GetSystemDirectoryW(path, MAX_PATH);
    wcscat(path, L"\\qmgr.dll");
    size = GetFileVersionInfoSizeW(path, &handle);
    ok(size != 0, "no version resource: %lu\n", GetLastError());
    if (!size) return;
    if (!(data = malloc(size))) return;
    ok(GetFileVersionInfoW(path, 0, size, data), "GetFileVersionInfo: %lu\n", GetLastError());
    info = NULL;
    ok(VerQueryValueW(data, L"\\", (void **)&info, &len) && info, "no fixed file info\n");
    if (info)
        ok(HIWORD(info->dwFileVersionMS) == 7 && LOWORD(info->dwFileVersionMS) == 0,
           "file version %u.%u\n", HIWORD(info->dwFileVersionMS), LOWORD(info->dwFileVersionMS));
    free(data);
}

START_TEST(qmgr)
{
    char **argv;
    int argc = winetest_get_mainargs(&argv);

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (argc > 3 && !strcmp(argv[2], "find"))
        child_find(argv[3]);
    else
    {
        test_create_job();
        test_get_job();
        test_enum_jobs();
        test_cross_process();
        test_error_description();
        test_versions();
    }
    CoUninitialize();
}
