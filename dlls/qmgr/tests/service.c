/*
 * Tests of the BITS service itself: started on demand by COM, stopped and
 * started again through the service manager, and stale proxies failing
 * cleanly in between.
 */

#include "qmgr_test.h"
#include "winsvc.h"

static DWORD wait_service_state(SC_HANDLE service, DWORD wanted, DWORD timeout)
{
    ULONGLONG end = GetTickCount64() + timeout;
    SERVICE_STATUS status = { 0 };

    while (QueryServiceStatus(service, &status) && status.dwCurrentState != wanted && GetTickCount64() < end)
        Sleep(100);
    return status.dwCurrentState;
}

static void test_stop_start(void)
{
    IBackgroundCopyManager *manager = get_manager();
    IBackgroundCopyJob4 *job, *job2;
    SERVICE_STATUS status;
    SC_HANDLE scm, service;
    BG_JOB_STATE state;
    DWORD current;
    HRESULT hr;

    if (!manager) return;
    job = create_job4(manager, L"before stop", BG_JOB_TYPE_DOWNLOAD, NULL);

    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    ok(scm != NULL, "OpenSCManager: %lu\n", GetLastError());
    service = OpenServiceW(scm, L"BITS", SERVICE_START | SERVICE_STOP | SERVICE_QUERY_STATUS);
    ok(service != NULL, "OpenService(BITS): %lu\n", GetLastError());
    if (!service) return;

    current = wait_service_state(service, SERVICE_RUNNING, 5000);
    ok(current == SERVICE_RUNNING, "service state %lu\n", current);

    ok(ControlService(service, SERVICE_CONTROL_STOP, &status), "ControlService(STOP): %lu\n", GetLastError());
    current = wait_service_state(service, SERVICE_STOPPED, 15000);
    ok(current == SERVICE_STOPPED, "service did not stop: %lu\n", current);

    /* The old proxies fail instead of hanging. */
    hr = IBackgroundCopyJob4_GetState(job, &state);
    ok(FAILED(hr), "GetState on a stale proxy: %#lx\n", hr);
    trace("stale proxy answered %#lx\n", hr);
    hr = IBackgroundCopyManager_CreateJob(manager, L"stale", BG_JOB_TYPE_DOWNLOAD, &(GUID){0}, (IBackgroundCopyJob **)&job2);
    ok(FAILED(hr), "CreateJob on a stale manager: %#lx\n", hr);
    IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(manager);

    /* Started again through the service manager. */
    ok(StartServiceW(service, 0, NULL), "StartService: %lu\n", GetLastError());
    current = wait_service_state(service, SERVICE_RUNNING, 15000);
    ok(current == SERVICE_RUNNING, "service did not start: %lu\n", current);
    if ((manager = get_manager()))
    {
        job = create_job4(manager, L"after restart", BG_JOB_TYPE_DOWNLOAD, NULL);
        ok(job != NULL, "no job after restart\n");
        if (job)
        {
            ok(job_state(job) == BG_JOB_STATE_SUSPENDED, "state %d\n", job_state(job));
            IBackgroundCopyJob4_Cancel(job);
            IBackgroundCopyJob4_Release(job);
        }
        IBackgroundCopyManager_Release(manager);
    }

    /* And stopped once more: COM starts it on demand. */
    ControlService(service, SERVICE_CONTROL_STOP, &status);
    current = wait_service_state(service, SERVICE_STOPPED, 15000);
    ok(current == SERVICE_STOPPED, "service did not stop: %lu\n", current);
    if ((manager = get_manager()))
    {
        current = wait_service_state(service, SERVICE_RUNNING, 5000);
        ok(current == SERVICE_RUNNING, "service not started by COM: %lu\n", current);
        IBackgroundCopyManager_Release(manager);
    }

    CloseServiceHandle(service);
    CloseServiceHandle(scm);
}

START_TEST(service)
{
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    test_stop_start();
    CoUninitialize();
}
