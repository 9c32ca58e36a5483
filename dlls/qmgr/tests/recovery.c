/*
 * Tests of the service's recovery: after its process is killed, the next
 * client's activation works while the prefix stays up, the service is
 * started again without one, and its jobs are still there; a service
 * stopped on purpose stays stopped.
 *
 * With arguments, the client side of tests/recovery.sh and tests/starts.sh
 * (which kill the service with kill -9 and start the prefix again and
 * again from outside Wine):
 *   qmgr_test recovery create          a suspended job; prints "job {GUID}"
 *   qmgr_test recovery probe [GUID...] CoCreateInstance, timed, then GetJob
 *                                      of each job; prints the times and states
 *   qmgr_test recovery cancel GUID...  cancels those jobs
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

static const WCHAR queued_name[] = L"recovery: queued";
static const WCHAR queued_description[] = L"created before the service was killed";

/* The BITS service's state, and its process when it has one. */
static DWORD bits_status(DWORD *pid)
{
    SERVICE_STATUS_PROCESS status = { 0 };
    SC_HANDLE scm, service;
    DWORD size;

    *pid = 0;
    if (!(scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT))) return 0;
    if ((service = OpenServiceW(scm, L"BITS", SERVICE_QUERY_STATUS)))
    {
        if (QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO, (BYTE *)&status, sizeof(status), &size))
            *pid = status.dwProcessId;
        CloseServiceHandle(service);
    }
    CloseServiceHandle(scm);
    return status.dwCurrentState;
}

static BOOL process_alive(DWORD pid)
{
    HANDLE process = pid ? OpenProcess(SYNCHRONIZE, FALSE, pid) : NULL;
    BOOL alive;

    if (!process) return FALSE;
    alive = WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
    CloseHandle(process);
    return alive;
}

/* Ends the service's process at once, as kill -9 does: no control, no
 * chance to write anything. */
static BOOL kill_bits(DWORD pid)
{
    HANDLE process = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, pid);
    BOOL ret;

    ok(process != NULL, "cannot open the service's process %04lx: %lu\n", pid, GetLastError());
    if (!process) return FALSE;
    ret = TerminateProcess(process, 1);
    ok(ret, "TerminateProcess: %lu\n", GetLastError());
    ok(WaitForSingleObject(process, 30000) == WAIT_OBJECT_0, "the service's process did not end\n");
    CloseHandle(process);
    return ret;
}

/* The job's file in the store: what a later instance loads. */
static BOOL wait_on_disk(const GUID *id, DWORD timeout)
{
    ULONGLONG end = GetTickCount64() + timeout;
    WCHAR path[MAX_PATH], guid[40];

    StringFromGUID2(id, guid, ARRAY_SIZE(guid));
    ExpandEnvironmentStringsW(L"%ProgramData%\\Microsoft\\Network\\Downloader\\", path, MAX_PATH);
    wcscat(path, guid);
    wcscat(path, L".job");
    while (!file_exists(path) && GetTickCount64() < end) Sleep(50);
    return file_exists(path);
}

static IBackgroundCopyManager *timed_manager(HRESULT *hr, DWORD *ms)
{
    IBackgroundCopyManager *manager = NULL;
    ULONGLONG start = GetTickCount64();

    *hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER,
                           &IID_IBackgroundCopyManager, (void **)&manager);
    *ms = GetTickCount64() - start;
    return manager;
}

static IBackgroundCopyJob4 *create_queued(IBackgroundCopyManager *manager, GUID *id)
{
    IBackgroundCopyJob4 *job = create_job4(manager, queued_name, BG_JOB_TYPE_DOWNLOAD, id);
    HRESULT hr;

    if (!job) return NULL;
    hr = IBackgroundCopyJob4_SetDescription(job, queued_description);
    ok(hr == S_OK, "SetDescription: %#lx\n", hr);
    /* The lead's journal makes acknowledged changes durable at once; until
     * then the store writes within a second. */
    ok(wait_on_disk(id, 30000), "the job %s never reached the store\n", wine_dbgstr_guid(id));
    return job;
}

static void check_queued(IBackgroundCopyManager *manager, const GUID *id)
{
    IBackgroundCopyJob *job;
    LPWSTR text = NULL;
    HRESULT hr;

    hr = IBackgroundCopyManager_GetJob(manager, id, &job);
    ok(hr == S_OK, "GetJob(%s) after the kill: %#lx\n", wine_dbgstr_guid(id), hr);
    if (FAILED(hr)) return;
    hr = IBackgroundCopyJob_GetDescription(job, &text);
    ok(hr == S_OK && text && !wcscmp(text, queued_description), "description %#lx %s\n", hr, wine_dbgstr_w(text));
    CoTaskMemFree(text);
    IBackgroundCopyJob_Release(job);
}

/* Stopped through the service manager, the service is not the watchdog's
 * to start again; the next activation starts it. */
static void test_clean_stop(void)
{
    IBackgroundCopyManager *manager = get_manager();
    SC_HANDLE scm, service;
    SERVICE_STATUS status;
    DWORD state;

    if (!manager) return;
    IBackgroundCopyManager_Release(manager);

    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    service = scm ? OpenServiceW(scm, L"BITS", SERVICE_STOP | SERVICE_QUERY_STATUS) : NULL;
    ok(service != NULL, "OpenService(BITS): %lu\n", GetLastError());
    if (!service)
    {
        if (scm) CloseServiceHandle(scm);
        return;
    }
    ok(ControlService(service, SERVICE_CONTROL_STOP, &status), "ControlService(STOP): %lu\n", GetLastError());
    state = wait_service_state(service, SERVICE_STOPPED, 60000);
    ok(state == SERVICE_STOPPED, "service did not stop: %lu\n", state);
    /* A restart would come at once (the first death of a row waits for nothing). */
    state = wait_service_state(service, SERVICE_RUNNING, 3000);
    ok(state == SERVICE_STOPPED, "a service stopped on purpose was started again: %lu\n", state);

    if ((manager = get_manager()))
    {
        state = wait_service_state(service, SERVICE_RUNNING, 60000);
        ok(state == SERVICE_RUNNING, "service not started by activation: %lu\n", state);
        IBackgroundCopyManager_Release(manager);
    }
    CloseServiceHandle(service);
    CloseServiceHandle(scm);
}

/* Killed with no client around, the service runs again by itself: its jobs
 * go on without waiting for a program to ask. */
static void test_restart_unprompted(void)
{
    IBackgroundCopyManager *manager = get_manager();
    ULONGLONG end;
    DWORD pid, new_pid = 0, state = 0;

    if (!manager) return;
    IBackgroundCopyManager_Release(manager);
    state = bits_status(&pid);
    ok(state == SERVICE_RUNNING && pid, "service state %lu, process %04lx\n", state, pid);
    if (!pid || !kill_bits(pid)) return;

    /* A crash right after another one waits a little longer (a minute at
     * most), so that a service dying at start does not spin. */
    end = GetTickCount64() + 90000;
    while (GetTickCount64() < end)
    {
        state = bits_status(&new_pid);
        if (state == SERVICE_RUNNING && new_pid && new_pid != pid && process_alive(new_pid)) break;
        Sleep(100);
    }
    ok(state == SERVICE_RUNNING && new_pid != pid && process_alive(new_pid),
       "service not started again: state %lu, process %04lx (killed %04lx)\n", state, new_pid, pid);
}

/* Killed again and again, with a client's proxies in hand: the proxies
 * fail, the next activation works and finds the job made before. */
static void test_kill_then_activate(void)
{
    IBackgroundCopyManager *manager = get_manager();
    IBackgroundCopyJob4 *job;
    unsigned int round;
    BG_JOB_STATE state;
    DWORD pid, new_pid, ms;
    HRESULT hr;
    GUID id;

    if (!manager) return;
    if (!(job = create_queued(manager, &id)))
    {
        IBackgroundCopyManager_Release(manager);
        return;
    }
    for (round = 0; round < 3 && manager; round++)
    {
        winetest_push_context("round %u", round);
        ok(bits_status(&pid) == SERVICE_RUNNING && pid, "service not running (process %04lx)\n", pid);
        if (!pid || !kill_bits(pid))
        {
            winetest_pop_context();
            break;
        }
        /* The client's old proxies fail instead of hanging. */
        hr = IBackgroundCopyJob4_GetState(job, &state);
        ok(FAILED(hr), "GetState through a proxy to the dead process: %#lx\n", hr);
        IBackgroundCopyJob4_Release(job);
        job = NULL;
        IBackgroundCopyManager_Release(manager);

        manager = timed_manager(&hr, &ms);
        ok(hr == S_OK, "CoCreateInstance after the kill: %#lx\n", hr);
        trace("activation after the kill took %lu ms\n", ms);
        if (manager)
        {
            check_queued(manager, &id);
            ok(bits_status(&new_pid) == SERVICE_RUNNING && new_pid != pid,
               "served by process %04lx (killed %04lx)\n", new_pid, pid);
            hr = IBackgroundCopyManager_GetJob(manager, &id, (IBackgroundCopyJob **)&job);
            if (SUCCEEDED(hr))
            {
                IBackgroundCopyJob *plain = (IBackgroundCopyJob *)job;
                hr = IBackgroundCopyJob_QueryInterface(plain, &IID_IBackgroundCopyJob4, (void **)&job);
                IBackgroundCopyJob_Release(plain);
            }
            if (FAILED(hr)) job = NULL;
        }
        winetest_pop_context();
        if (!job) break;
    }
    if (job)
    {
        IBackgroundCopyJob4_Cancel(job);
        IBackgroundCopyJob4_Release(job);
    }
    if (manager) IBackgroundCopyManager_Release(manager);
}

static BOOL parse_guid(const char *text, GUID *id)
{
    WCHAR guid[40];

    MultiByteToWideChar(CP_ACP, 0, text, -1, guid, ARRAY_SIZE(guid));
    guid[ARRAY_SIZE(guid) - 1] = 0;
    return CLSIDFromString(guid, id) == S_OK;
}

static void probe_create(void)
{
    IBackgroundCopyManager *manager = get_manager();
    IBackgroundCopyJob4 *job;
    WCHAR guid[40];
    GUID id;

    if (!manager) return;
    if ((job = create_queued(manager, &id)))
    {
        StringFromGUID2(&id, guid, ARRAY_SIZE(guid));
        printf("job %ls\n", guid);
        IBackgroundCopyJob4_Release(job);
    }
    IBackgroundCopyManager_Release(manager);
}

static void probe_jobs(int argc, char **argv, BOOL cancel)
{
    static const char *const names[] = { "QUEUED", "CONNECTING", "TRANSFERRING", "SUSPENDED", "ERROR",
                                         "TRANSIENT_ERROR", "TRANSFERRED", "ACKNOWLEDGED", "CANCELLED" };
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob *job;
    BG_JOB_STATE state;
    DWORD ms, pid;
    HRESULT hr;
    GUID id;
    int i;

    manager = timed_manager(&hr, &ms);
    printf("activation %#lx after %lu ms\n", hr, ms);
    ok(hr == S_OK, "CoCreateInstance: %#lx after %lu ms\n", hr, ms);
    if (!manager) return;
    bits_status(&pid);
    printf("service process %04lx\n", pid);
    for (i = 0; i < argc; i++)
    {
        if (!parse_guid(argv[i], &id))
        {
            ok(0, "not a job id: %s\n", argv[i]);
            continue;
        }
        hr = IBackgroundCopyManager_GetJob(manager, &id, &job);
        ok(hr == S_OK, "GetJob(%s): %#lx\n", argv[i], hr);
        if (FAILED(hr)) continue;
        if (cancel)
        {
            hr = IBackgroundCopyJob_Cancel(job);
            ok(hr == S_OK, "Cancel(%s): %#lx\n", argv[i], hr);
        }
        else
        {
            hr = IBackgroundCopyJob_GetState(job, &state);
            ok(hr == S_OK, "GetState(%s): %#lx\n", argv[i], hr);
            printf("%s %s\n", argv[i], hr == S_OK && state <= BG_JOB_STATE_CANCELLED ? names[state] : "?");
        }
        IBackgroundCopyJob_Release(job);
    }
    IBackgroundCopyManager_Release(manager);
}

START_TEST(recovery)
{
    char **argv;
    int argc = winetest_get_mainargs(&argv);

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (argc > 2 && !strcmp(argv[2], "create")) probe_create();
    else if (argc > 2 && !strcmp(argv[2], "probe")) probe_jobs(argc - 3, argv + 3, FALSE);
    else if (argc > 2 && !strcmp(argv[2], "cancel")) probe_jobs(argc - 3, argv + 3, TRUE);
    else
    {
        /* First: the watchdog has seen no crash yet, so a wrong restart
         * would come at once. */
        test_clean_stop();
        test_restart_unprompted();
        test_kill_then_activate();
    }
    fflush(stdout);
    CoUninitialize();
}
