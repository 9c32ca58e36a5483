/*
 * Tests of the order in which a client sees what happens to its job, as
 * Microsoft documents it (issue 15):
 *   - IBackgroundCopyCallback2::FileTransferred for every file of a job is
 *     over before JobTransferred for the job comes, even when many files
 *     finish close together and the client takes its time with each;
 *   - IBackgroundCopyJob::Complete on a job whose other file is still
 *     transferring returns BG_S_PARTIAL_COMPLETE only once the finished
 *     file is at its final name and the other's temporary file is gone,
 *     whether that transfer stops at its next read (a slow server) or
 *     only when its receive times out (a server that went silent).
 *
 * Against nginx and tests/faultserver.py, which tests/run-check starts on
 * 127.0.0.1 (QMGR_HTTP_PORT, QMGR_FAULT_PORT, QMGR_WWW).
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

#define ORDER_FILES  40     /* of many/, 4 KiB each */
#define ORDER_ROUNDS 5

static IBackgroundCopyManager *manager;
static WCHAR test_dir[MAX_PATH];
static int http_port, fault_port;

/* --- FileTransferred before JobTransferred ------------------------------- */

/* What the callback saw of the current round's job. */
struct callback_log
{
    LONG files_done;                    /* FileTransferred calls over */
    LONG files_seen[ORDER_FILES];       /* per file, how often */
    LONG files_at_job;                  /* files_done when JobTransferred came */
    LONG late_files;                    /* FileTransferred after JobTransferred */
    LONG job_transferred;
};
static struct callback_log seen;
static HANDLE job_event;                /* JobTransferred or JobError came */

static HRESULT WINAPI callback_QueryInterface(IBackgroundCopyCallback2 *iface, REFIID riid, void **obj)
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

static ULONG WINAPI callback_AddRef(IBackgroundCopyCallback2 *iface) { return 2; }
static ULONG WINAPI callback_Release(IBackgroundCopyCallback2 *iface) { return 1; }

static HRESULT WINAPI callback_JobTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job)
{
    seen.files_at_job = ReadNoFence(&seen.files_done);
    InterlockedIncrement(&seen.job_transferred);
    SetEvent(job_event);
    return S_OK;
}

static HRESULT WINAPI callback_JobError(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                        IBackgroundCopyError *error)
{
    SetEvent(job_event);
    return S_OK;
}

static HRESULT WINAPI callback_JobModification(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                               DWORD reserved)
{
    return S_OK;
}

/* Takes its time, as a client that checks each file does: a JobTransferred
 * that does not wait for it comes while it is still at work. */
static HRESULT WINAPI callback_FileTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                               IBackgroundCopyFile *file)
{
    LPWSTR local = NULL;
    const WCHAR *p;
    unsigned int index;

    if (SUCCEEDED(IBackgroundCopyFile_GetLocalName(file, &local)) && local &&
        (p = wcsrchr(local, '\\')) && swscanf(p + 1, L"order_f%u.bin", &index) == 1 && index < ORDER_FILES)
        InterlockedIncrement(&seen.files_seen[index]);
    CoTaskMemFree(local);
    Sleep(20);
    if (ReadNoFence(&seen.job_transferred)) InterlockedIncrement(&seen.late_files);
    InterlockedIncrement(&seen.files_done);
    return S_OK;
}

static const IBackgroundCopyCallback2Vtbl callback_vtbl =
{
    callback_QueryInterface, callback_AddRef, callback_Release, callback_JobTransferred,
    callback_JobError, callback_JobModification, callback_FileTransferred,
};
static IBackgroundCopyCallback2 callback = { &callback_vtbl };

/* One job of ORDER_FILES small files; TRUE if every FileTransferred was
 * over, each file's once, when JobTransferred came. */
static BOOL run_order_round(unsigned int round)
{
    WCHAR url[128], local[ORDER_FILES][MAX_PATH], name[32];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    BOOL in_order = TRUE;
    unsigned int i;
    HRESULT hr;

    memset(&seen, 0, sizeof(seen));
    seen.files_at_job = -1;
    ResetEvent(job_event);

    swprintf(name, ARRAY_SIZE(name), L"order %u", round);
    if (!(job = foreground_job(manager, name, NULL))) return FALSE;
    for (i = 0; i < ORDER_FILES; i++)
    {
        swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%d/many/f%03u.bin", http_port, i);
        swprintf(name, ARRAY_SIZE(name), L"order_f%u.bin", i);
        local_path(local[i], test_dir, name);
        hr = IBackgroundCopyJob4_AddFile(job, url, local[i]);
        ok(hr == S_OK, "AddFile(%s): %#lx\n", wine_dbgstr_w(url), hr);
    }
    hr = IBackgroundCopyJob4_SetNotifyInterface(job, (IUnknown *)&callback);
    ok(hr == S_OK, "SetNotifyInterface: %#lx\n", hr);
    hr = IBackgroundCopyJob4_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR |
                                                 BG_NOTIFY_FILE_TRANSFERRED);
    ok(hr == S_OK, "SetNotifyFlags: %#lx\n", hr);
    hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);

    ok(!WaitForSingleObject(job_event, 60000), "neither JobTransferred nor JobError came\n");
    state = job_state(job);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    ok(seen.job_transferred == 1, "JobTransferred came %ld times\n", seen.job_transferred);
    if (seen.files_at_job != ORDER_FILES || seen.late_files)
    {
        in_order = FALSE;
        trace("round %u: %ld of %u FileTransferred calls over at JobTransferred, %ld after it\n", round,
              seen.files_at_job, ORDER_FILES, seen.late_files);
    }
    /* Every file is heard of once, in the end. */
    for (i = 0; i < ORDER_FILES && ReadNoFence(&seen.files_done) < ORDER_FILES; i++) Sleep(500);
    ok(seen.files_done == ORDER_FILES, "%ld FileTransferred calls\n", seen.files_done);
    for (i = 0; i < ORDER_FILES; i++) ok(seen.files_seen[i] == 1, "file %u: %ld calls\n", i, seen.files_seen[i]);

    hr = IBackgroundCopyJob4_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    IBackgroundCopyJob4_Release(job);
    for (i = 0; i < ORDER_FILES; i++) DeleteFileW(local[i]);
    return in_order;
}

static void test_file_transferred_first(void)
{
    unsigned int round, in_order = 0;

    job_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    for (round = 0; round < ORDER_ROUNDS; round++) in_order += run_order_round(round);
    ok(in_order == ORDER_ROUNDS, "JobTransferred came before a FileTransferred was over in %u of %u rounds\n",
       ORDER_ROUNDS - in_order, ORDER_ROUNDS);
    CloseHandle(job_event);
}

/* --- Complete while another file transfers -------------------------------- */

/* BIT*.tmp files left in the test folder. */
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

/* The job's first file's progress; FALSE if it cannot be read. */
static BOOL first_file_progress(IBackgroundCopyJob4 *job, BG_FILE_PROGRESS *progress)
{
    IEnumBackgroundCopyFiles *files;
    IBackgroundCopyFile *file;
    HRESULT hr;

    if (FAILED(hr = IBackgroundCopyJob4_EnumFiles(job, &files))) return FALSE;
    hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL);
    IEnumBackgroundCopyFiles_Release(files);
    if (hr != S_OK) return FALSE;
    hr = IBackgroundCopyFile_GetProgress(file, progress);
    IBackgroundCopyFile_Release(file);
    return SUCCEEDED(hr);
}

/* Waits up to timeout ms for the first file to be transferred while the
 * job goes on with the second. */
static BOOL wait_first_file_done(IBackgroundCopyJob4 *job, DWORD timeout)
{
    ULONGLONG end = GetTickCount64() + timeout;
    BG_FILE_PROGRESS progress;

    while (GetTickCount64() <= end)
    {
        if (first_file_progress(job, &progress) && progress.Completed) return TRUE;
        Sleep(50);
    }
    return FALSE;
}

/* Waits up to 60 s for the temporary files to go. */
static BOOL wait_no_temp_files(void)
{
    int i;

    for (i = 0; i < 1200 && count_temp_files(); i++) Sleep(50);
    return !count_temp_files();
}

/* small.bin and a second file from the given URL, which is still
 * transferring when Complete comes: the first is at its name, whole, when
 * Complete returns, and nothing of the second is left then or, when its
 * transfer cannot stop in time, soon after. */
static void complete_while_transferring(unsigned int test, const WCHAR *second_url, ULONG no_progress_timeout,
                                        BOOL stops_in_time)
{
    WCHAR url[128], local[MAX_PATH], local2[MAX_PATH], source[MAX_PATH], name[32];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    HRESULT hr;

    /* Names of its own: what an earlier test left behind is no answer. */
    swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%d/small.bin", http_port);
    swprintf(name, ARRAY_SIZE(name), L"complete%u_1.bin", test);
    local_path(local, test_dir, name);
    swprintf(name, ARRAY_SIZE(name), L"complete%u_2.bin", test);
    local_path(local2, test_dir, name);
    source_path(source, "small.bin");
    if (!(job = start_job(manager, L"complete while transferring", url, local))) return;
    hr = IBackgroundCopyJob4_AddFile(job, second_url, local2);
    ok(hr == S_OK, "AddFile(%s): %#lx\n", wine_dbgstr_w(second_url), hr);
    if (no_progress_timeout)
    {
        hr = IBackgroundCopyJob4_SetNoProgressTimeout(job, no_progress_timeout);
        ok(hr == S_OK, "SetNoProgressTimeout: %#lx\n", hr);
    }
    hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);

    ok(wait_first_file_done(job, 60000), "the first file was not transferred\n");
    state = job_state(job);
    ok(state == BG_JOB_STATE_TRANSFERRING, "state %d\n", state);

    hr = IBackgroundCopyJob4_Complete(job);
    ok(hr == BG_S_PARTIAL_COMPLETE, "Complete: %#lx\n", hr);
    ok(same_files(local, source), "the transferred file is not at its name when Complete returns\n");
    ok(!file_exists(local2), "the unfinished file exists\n");
    if (stops_in_time)
        ok(!count_temp_files(), "%d temporary files left when Complete returns\n", count_temp_files());
    else
        ok(wait_no_temp_files(), "%d temporary files left\n", count_temp_files());

    hr = IBackgroundCopyJob4_GetState(job, &state);
    ok(hr == BG_E_INVALID_STATE || (hr == S_OK && state == BG_JOB_STATE_ACKNOWLEDGED), "GetState: %#lx %d\n",
       hr, state);
    IBackgroundCopyJob4_Release(job);
    DeleteFileW(local);
    DeleteFileW(local2);
}

static void test_complete_renames(void)
{
    WCHAR url[128];
    char key[32];

    /* A slow server: the second transfer stops at its next read. */
    swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%d/slow/64m.bin", http_port);
    winetest_push_context("slow server");
    complete_while_transferring(0, url, 0, TRUE);
    winetest_pop_context();

    /* A server gone silent: the second transfer stops only when its
     * receive times out, which the no-progress timeout shortens; Complete
     * waits that long ... */
    make_key(key);
    swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%d/stall/%hs/64m?after=1m", fault_port, key);
    winetest_push_context("silent server");
    complete_while_transferring(1, url, 5, TRUE);
    winetest_pop_context();

    /* ... but not for ever: the finished file is renamed all the same, and
     * the other's temporary file goes once its transfer has stopped. */
    make_key(key);
    swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%d/stall/%hs/64m?after=1m", fault_port, key);
    winetest_push_context("server silent for long");
    complete_while_transferring(2, url, 20, FALSE);
    winetest_pop_context();
}

START_TEST(order)
{
    const char *value;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!(value = getenv("QMGR_HTTP_PORT")) || !(http_port = atoi(value)) ||
        !(value = getenv("QMGR_FAULT_PORT")) || !(fault_port = atoi(value)))
    {
        skip("no local test servers (run through make check)\n");
        CoUninitialize();
        return;
    }
    make_test_dir(test_dir, L"order");
    if (!(manager = get_manager()))
    {
        CoUninitialize();
        return;
    }

    test_file_transferred_first();
    test_complete_renames();

    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
}
