/*
 * Tests of 32-bit and 64-bit clients sharing the one BITS service: a job
 * created by this program is found, resumed and completed by the test
 * program of the other bitness, and this program's callback hears of it.
 *
 * tests/run-check passes the other program's Windows path in
 * QMGR_TEST_PEER, and the local nginx's port in QMGR_HTTP_PORT.
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

static HANDLE transferred_event;

static HRESULT WINAPI callback_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback))
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
    ok(0, "unexpected JobError\n");
    return S_OK;
}

static HRESULT WINAPI callback_JobModification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                               DWORD reserved)
{
    return S_OK;
}

static const IBackgroundCopyCallbackVtbl callback_vtbl =
{
    callback_QueryInterface, callback_AddRef, callback_Release,
    callback_JobTransferred, callback_JobError, callback_JobModification,
};
static IBackgroundCopyCallback callback = { &callback_vtbl };

static void display_name_for(WCHAR *name, size_t size, unsigned int bits)
{
    swprintf(name, size, L"made by a %u-bit client", bits);
}

/* Runs the peer program: "bitness STEP GUID BITS", BITS being ours. */
static void run_peer(const char *peer, const char *step, const WCHAR *guid)
{
    STARTUPINFOA si = { sizeof(si) };
    PROCESS_INFORMATION pi;
    char cmdline[MAX_PATH * 2];

    snprintf(cmdline, sizeof(cmdline), "\"%s\" bitness %s %ls %u", peer, step, guid,
             (unsigned int)sizeof(void *) * 8);
    if (!CreateProcessA(NULL, cmdline, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    {
        ok(0, "cannot start %s: %lu\n", cmdline, GetLastError());
        return;
    }
    wait_child_process(&pi);
}

static IBackgroundCopyJob4 *peer_find_job(IBackgroundCopyManager *manager, const char *guid)
{
    IBackgroundCopyJob4 *job4 = NULL;
    IBackgroundCopyJob *job;
    WCHAR guidW[40];
    GUID id;
    HRESULT hr;

    MultiByteToWideChar(CP_ACP, 0, guid, -1, guidW, ARRAY_SIZE(guidW));
    ok(CLSIDFromString(guidW, &id) == S_OK, "bad job id %s\n", guid);
    hr = IBackgroundCopyManager_GetJob(manager, &id, &job);
    ok(hr == S_OK, "GetJob(%s) from the other bitness: %#lx\n", guid, hr);
    if (FAILED(hr)) return NULL;
    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob4, (void **)&job4);
    ok(hr == S_OK, "QueryInterface(IBackgroundCopyJob4): %#lx\n", hr);
    IBackgroundCopyJob_Release(job);
    return job4;
}

/* The peer's side: finds the job by id, checks what its creator set, and
 * resumes it (step "resume") or completes it (step "complete"). */
static void peer(const char *step, const char *guid, unsigned int creator_bits)
{
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob4 *job;
    IEnumBackgroundCopyFiles *files;
    WCHAR expected[64];
    BG_JOB_STATE state;
    LPWSTR name = NULL;
    ULONG count = 0;
    HRESULT hr;

    ok(creator_bits != sizeof(void *) * 8, "the peer has the creator's bitness (%u)\n", creator_bits);
    if (!(manager = get_manager())) return;
    if (!(job = peer_find_job(manager, guid)))
    {
        IBackgroundCopyManager_Release(manager);
        return;
    }

    hr = IBackgroundCopyJob4_GetDisplayName(job, &name);
    display_name_for(expected, ARRAY_SIZE(expected), creator_bits);
    ok(hr == S_OK && name && !wcscmp(name, expected), "GetDisplayName: %#lx %s\n", hr, wine_dbgstr_w(name));
    CoTaskMemFree(name);
    hr = IBackgroundCopyJob4_EnumFiles(job, &files);
    ok(hr == S_OK, "EnumFiles: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        hr = IEnumBackgroundCopyFiles_GetCount(files, &count);
        ok(hr == S_OK, "GetCount: %#lx\n", hr);
        IEnumBackgroundCopyFiles_Release(files);
    }
    ok(count == 1, "%lu files\n", count);

    if (!strcmp(step, "resume"))
    {
        hr = IBackgroundCopyJob4_Resume(job);
        ok(hr == S_OK, "Resume: %#lx\n", hr);
        state = wait_for_state(job, (1u << BG_JOB_STATE_TRANSFERRED) | (1u << BG_JOB_STATE_ERROR), 60000);
        ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    }
    else
    {
        hr = IBackgroundCopyJob4_Complete(job);
        ok(hr == S_OK, "Complete: %#lx\n", hr);
        state = job_state(job);
        ok(state == BG_JOB_STATE_ACKNOWLEDGED, "state %d after Complete\n", state);
    }
    IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(manager);
}

static BOOL file_has_size(const WCHAR *path, DWORD size)
{
    WIN32_FILE_ATTRIBUTE_DATA data;

    return GetFileAttributesExW(path, GetFileExInfoStandard, &data) && !data.nFileSizeHigh &&
           data.nFileSizeLow == size;
}

static void test_shared_job(const char *peer_exe, int http_port)
{
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob4 *job;
    WCHAR dir[MAX_PATH], local[MAX_PATH], url[128], name[64], guid[40];
    BG_JOB_STATE state;
    GUID id;
    HRESULT hr;

    if (!(manager = get_manager())) return;
    make_test_dir(dir, L"bitness");
    swprintf(local, ARRAY_SIZE(local), L"%s\\small-%u.bin", dir, (unsigned int)sizeof(void *) * 8);
    swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%d/small.bin", http_port);
    display_name_for(name, ARRAY_SIZE(name), sizeof(void *) * 8);

    if (!(job = create_job4(manager, name, BG_JOB_TYPE_DOWNLOAD, &id)))
    {
        IBackgroundCopyManager_Release(manager);
        return;
    }
    StringFromGUID2(&id, guid, ARRAY_SIZE(guid));
    ok(IBackgroundCopyJob4_AddFile(job, url, local) == S_OK, "AddFile failed\n");
    hr = IBackgroundCopyJob4_SetNotifyInterface(job, (IUnknown *)&callback);
    ok(hr == S_OK, "SetNotifyInterface: %#lx\n", hr);
    hr = IBackgroundCopyJob4_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
    ok(hr == S_OK, "SetNotifyFlags: %#lx\n", hr);

    /* The other bitness resumes our job; our callback hears it finish. */
    run_peer(peer_exe, "resume", guid);
    ok(!WaitForSingleObject(transferred_event, 60000), "JobTransferred did not reach this client\n");
    state = job_state(job);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    ok(!file_exists(local), "the file is visible before Complete\n");

    /* ... and completes it; we see the result. */
    run_peer(peer_exe, "complete", guid);
    state = job_state(job);
    ok(state == BG_JOB_STATE_ACKNOWLEDGED, "state %d after the peer's Complete\n", state);
    ok(file_has_size(local, 4096), "the completed file is missing or has the wrong size\n");
    DeleteFileW(local);
    IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(manager);
}

START_TEST(bitness)
{
    char **argv, peer_exe[MAX_PATH];
    const char *value;
    int argc = winetest_get_mainargs(&argv), http_port;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (argc > 4)
    {
        peer(argv[2], argv[3], atoi(argv[4]));
        CoUninitialize();
        return;
    }
    if (!GetEnvironmentVariableA("QMGR_TEST_PEER", peer_exe, sizeof(peer_exe)) ||
        !(value = getenv("QMGR_HTTP_PORT")) || !(http_port = atoi(value)))
    {
        skip("no test program of the other bitness or no local server (run through make check)\n");
        CoUninitialize();
        return;
    }
    transferred_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    test_shared_job(peer_exe, http_port);
    CloseHandle(transferred_event);
    CoUninitialize();
}
