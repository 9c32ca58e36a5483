/*
 * Background Intelligent Transfer Service: the watchdog
 *
 * Windows' service control manager restarts BITS when its process dies
 * (its recovery actions), and the next client's activation finds the new
 * instance.  Wine 8 does neither: services.exe ignores
 * SERVICE_CONFIG_FAILURE_ACTIONS and keeps reporting a killed service as
 * RUNNING, and rpcss keeps the dead process's class registration for as
 * long as the prefix lives, handing it to every client before any newer
 * one, so that activation fails with RPC_S_SERVER_UNAVAILABLE until
 * wineserver -k, even once the service runs again.
 *
 * So the class registration belongs to this small service of its own
 * (svchost -k BitsWatchdog), which never runs client code and outlives the
 * BITS process.  Its class object hands each activation on to the class
 * object of the BITS instance named by the instance record (instance.c),
 * starting BITS first when no instance runs; the client gets a proxy to the
 * BITS manager itself and talks to that process directly from then on.
 * The watchdog also waits on the BITS process: when it ends without having
 * reported itself stopped (a kill, a crash), the service is started again
 * at once, so that its jobs go on; crashes in a row are spaced out, up to a
 * minute apart, so that a service that dies while starting does not spin.
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
#include "winsvc.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

/* How long an activation waits for BITS to start: combase itself gives a
 * starting server 30 s. */
#define ACTIVATION_TIMEOUT_MS 30000
/* A start refused now (Wine starting its own services holds the service
 * database) is tried again this soon. */
#define START_RETRY_MS 250
/* Crashes less than this apart count as a row... */
#define CRASH_ROW_MS 60000
/* ...and the restarts of a row wait 1, 2, 4 ... s, at most this long. */
#define RESTART_DELAY_MAX_MS 60000

static CRITICAL_SECTION instance_cs;
static CRITICAL_SECTION_DEBUG instance_cs_debug =
{
    0, 0, &instance_cs,
    { &instance_cs_debug.ProcessLocksList, &instance_cs_debug.ProcessLocksList },
      0, 0, { (DWORD_PTR)(__FILE__ ": instance_cs") }
};
static CRITICAL_SECTION instance_cs = { &instance_cs_debug, -1, 0, 0, 0, 0 };
/* A proxy to the class object of the running BITS instance, and its
 * process; under instance_cs. */
static IClassFactory *instance_factory;
static DWORD instance_factory_pid;

static SERVICE_STATUS_HANDLE watchdog_status_handle;
static HANDLE watchdog_stop_event;
/* Set whenever we start BITS: the monitor then watches the new process
 * even before it publishes its record (it may die before it does). */
static HANDLE bits_started_event;

static BOOL process_alive(DWORD pid)
{
    HANDLE process;
    BOOL alive;

    if (!pid || !(process = OpenProcess(SYNCHRONIZE, FALSE, pid))) return FALSE;
    alive = WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
    CloseHandle(process);
    return alive;
}

/* Wine 8 starts a service whose process died although it still reports it
 * RUNNING: only a live one answers ERROR_SERVICE_ALREADY_RUNNING. */
static DWORD start_bits(void)
{
    SC_HANDLE scm, service;
    DWORD err = ERROR_SUCCESS;

    if (!(scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT))) return GetLastError();
    if (!(service = OpenServiceW(scm, L"BITS", SERVICE_START))) err = GetLastError();
    else
    {
        if (!StartServiceW(service, 0, NULL)) err = GetLastError();
        CloseServiceHandle(service);
    }
    CloseServiceHandle(scm);
    if (err == ERROR_SERVICE_ALREADY_RUNNING) err = ERROR_SUCCESS;
    if (err) WARN("cannot start BITS: %lu\n", err);
    else
    {
        TRACE("BITS started\n");
        SetEvent(bits_started_event);
    }
    return err;
}

/* The BITS process as the service manager knows it, 0 when stopped; and
 * whether its end was a crash: anything but a stop that was asked for or
 * that the service reported itself.  Wine 8.0 still reports a killed
 * service RUNNING; Wine's later services.exe reports it STOPPED with
 * ERROR_PROCESS_ABORTED. */
static DWORD bits_process(BOOL *crashed)
{
    SERVICE_STATUS_PROCESS status = { 0 };
    SC_HANDLE scm, service;
    DWORD size;

    *crashed = FALSE;
    if (!(scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT))) return 0;
    if ((service = OpenServiceW(scm, L"BITS", SERVICE_QUERY_STATUS)))
    {
        if (!QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO, (BYTE *)&status, sizeof(status), &size))
            memset(&status, 0, sizeof(status));
        CloseServiceHandle(service);
    }
    CloseServiceHandle(scm);
    if (!status.dwCurrentState) return 0;
    if (status.dwCurrentState == SERVICE_STOPPED) *crashed = status.dwWin32ExitCode == ERROR_PROCESS_ABORTED;
    else *crashed = status.dwCurrentState != SERVICE_STOP_PENDING;
    return status.dwCurrentState == SERVICE_STOPPED ? 0 : status.dwProcessId;
}

/* Drops the proxy to the instance in process pid, which is gone. */
static void forget_instance(DWORD pid)
{
    IClassFactory *gone = NULL;

    EnterCriticalSection(&instance_cs);
    if (instance_factory && instance_factory_pid == pid)
    {
        gone = instance_factory;
        instance_factory = NULL;
        instance_factory_pid = 0;
    }
    LeaveCriticalSection(&instance_cs);
    if (gone) IClassFactory_Release(gone);
}

/* The cached proxy, when its process still runs. */
static BOOL cached_instance(IClassFactory **factory, DWORD *pid)
{
    EnterCriticalSection(&instance_cs);
    if ((*factory = instance_factory))
    {
        IClassFactory_AddRef(*factory);
        *pid = instance_factory_pid;
    }
    LeaveCriticalSection(&instance_cs);
    if (*factory && !process_alive(*pid))
    {
        IClassFactory_Release(*factory);
        *factory = NULL;
        forget_instance(*pid);
    }
    return *factory != NULL;
}

/* Keeps the proxy to pid's class object, unless another thread got there
 * first; returns the one kept, referenced. */
static IClassFactory *adopt_instance(DWORD pid, IClassFactory *found)
{
    IClassFactory *older = NULL, *kept;

    EnterCriticalSection(&instance_cs);
    if (instance_factory && instance_factory_pid != pid)
    {
        older = instance_factory;
        instance_factory = NULL;
    }
    if (!instance_factory)
    {
        instance_factory = found;
        instance_factory_pid = pid;
        found = NULL;
    }
    kept = instance_factory;
    IClassFactory_AddRef(kept);
    LeaveCriticalSection(&instance_cs);
    if (older) IClassFactory_Release(older);
    if (found) IClassFactory_Release(found);
    return kept;
}

/* The class object of the running instance, starting BITS when none runs
 * and waiting for it to publish its record. */
static HRESULT get_instance(IClassFactory **factory, DWORD *pid)
{
    ULONGLONG now = GetTickCount64(), deadline = now + ACTIVATION_TIMEOUT_MS, start_at = now;
    IClassFactory *found;
    HANDLE changed;
    DWORD err = ERROR_SUCCESS;
    HKEY watch;

    if (cached_instance(factory, pid)) return S_OK;
    if (!(changed = CreateEventW(NULL, FALSE, FALSE, NULL))) return HRESULT_FROM_WIN32(GetLastError());
    while (!*factory && now < deadline)
    {
        /* Armed before the record is read: a change in between still wakes us. */
        watch = instance_watch(changed);
        *pid = instance_pid();
        if (process_alive(*pid) && SUCCEEDED(instance_class_object(*pid, &found)))
            *factory = adopt_instance(*pid, found);
        else if (now >= start_at)
        {
            /* Refused for now while Wine starts its own services; any other
             * refusal will not change within the wait. */
            err = start_bits();
            if (err == ERROR_SERVICE_DATABASE_LOCKED) start_at = now + START_RETRY_MS;
            else if (!err) start_at = deadline;
            else
            {
                if (watch) RegCloseKey(watch);
                break;
            }
        }
        /* The record's change ends the wait; the bound only serves retries. */
        if (!*factory) WaitForSingleObject(changed, min(deadline, start_at) - now);
        if (watch) RegCloseKey(watch);
        now = GetTickCount64();
    }
    CloseHandle(changed);
    if (*factory) return S_OK;
    if (err && err != ERROR_SERVICE_DATABASE_LOCKED) return HRESULT_FROM_WIN32(err);
    ERR("BITS did not start within %u s\n", ACTIVATION_TIMEOUT_MS / 1000);
    return CO_E_SERVER_EXEC_FAILURE;
}

/* What a proxy answers once the process behind it has ended. */
static BOOL is_gone(HRESULT hr)
{
    return hr == RPC_E_DISCONNECTED || hr == RPC_E_SERVER_DIED || hr == RPC_E_SERVER_DIED_DNE
        || hr == CO_E_OBJNOTCONNECTED || hr == HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE)
        || hr == HRESULT_FROM_WIN32(RPC_S_CALL_FAILED) || hr == HRESULT_FROM_WIN32(RPC_S_CALL_FAILED_DNE);
}

static HRESULT WINAPI watchdog_factory_QueryInterface(IClassFactory *iface, REFIID riid, void **obj)
{
    TRACE("%s %p\n", debugstr_guid(riid), obj);

    if (!obj) return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IClassFactory))
    {
        *obj = iface;
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

/* Static: lives as long as the watchdog. */
static ULONG WINAPI watchdog_factory_AddRef(IClassFactory *iface)
{
    return 2;
}

static ULONG WINAPI watchdog_factory_Release(IClassFactory *iface)
{
    return 1;
}

static HRESULT WINAPI watchdog_factory_CreateInstance(IClassFactory *iface, IUnknown *outer, REFIID riid, void **obj)
{
    IClassFactory *factory;
    unsigned int attempt;
    HRESULT hr;
    DWORD pid;

    TRACE("%p %s %p\n", outer, debugstr_guid(riid), obj);

    if (!obj) return E_POINTER;
    *obj = NULL;
    if (outer) return CLASS_E_NOAGGREGATION;

    /* A second try for an instance that died between the lookup and the call. */
    for (attempt = 0; attempt < 2; attempt++)
    {
        if (FAILED(hr = get_instance(&factory, &pid))) break;
        hr = IClassFactory_CreateInstance(factory, NULL, riid, obj);
        IClassFactory_Release(factory);
        if (!is_gone(hr)) break;
        WARN("the BITS instance in process %04lx is gone: %#lx\n", pid, hr);
        forget_instance(pid);
    }
    return hr;
}

static HRESULT WINAPI watchdog_factory_LockServer(IClassFactory *iface, BOOL lock)
{
    TRACE("%d\n", lock);
    return S_OK;
}

static const IClassFactoryVtbl watchdog_factory_vtbl =
{
    watchdog_factory_QueryInterface,
    watchdog_factory_AddRef,
    watchdog_factory_Release,
    watchdog_factory_CreateInstance,
    watchdog_factory_LockServer,
};

static IClassFactory watchdog_factory = { &watchdog_factory_vtbl };

/* How long to wait before restarting an instance that died now. */
static DWORD restart_delay(ULONGLONG now)
{
    static ULONGLONG last_crash;
    static unsigned int in_row;
    DWORD delay;

    in_row = last_crash && now - last_crash < CRASH_ROW_MS ? in_row + 1 : 0;
    last_crash = now;
    delay = in_row ? 1000u << min(in_row - 1, 6) : 0;
    return min(delay, RESTART_DELAY_MAX_MS);
}

/* Waits on each BITS process in turn and restarts the ones that die. */
static void watch_instances(void)
{
    HANDLE changed, process = NULL, handles[4];
    ULONGLONG now, restart_at = 0;
    DWORD watched = 0, pid, count, ret, timeout, delay;
    BOOL crashed;
    HKEY watch;

    if (!(changed = CreateEventW(NULL, FALSE, FALSE, NULL))) return;
    for (;;)
    {
        /* A new instance shows itself by its record or by our own start. */
        watch = instance_watch(changed);
        if ((pid = bits_process(&crashed)) && pid != watched)
        {
            if (process) CloseHandle(process);
            watched = pid;
            /* A process already gone counts as its end: the wait returns at once. */
            if (!(process = OpenProcess(SYNCHRONIZE, FALSE, pid))) process = CreateEventW(NULL, TRUE, TRUE, NULL);
            TRACE("watching BITS process %04lx\n", pid);
        }
        count = 0;
        handles[count++] = watchdog_stop_event;
        handles[count++] = changed;
        handles[count++] = bits_started_event;
        if (process) handles[count++] = process;
        now = GetTickCount64();
        timeout = !restart_at ? INFINITE : restart_at > now ? restart_at - now : 0;
        ret = WaitForMultipleObjects(count, handles, FALSE, timeout);
        if (watch) RegCloseKey(watch);
        if (ret == WAIT_OBJECT_0 || ret == WAIT_FAILED) break;
        now = GetTickCount64();

        if (ret == WAIT_OBJECT_0 + 3)
        {
            CloseHandle(process);
            process = NULL;
            /* Our lookup goes no more to a process that ended, clean or not. */
            forget_instance(watched);
            bits_process(&crashed);
            if (crashed)
            {
                delay = restart_delay(now);
                ERR("the BITS service (process %04lx) ended without stopping; restarting it in %lu ms\n",
                    watched, delay);
                restart_at = now + delay;
            }
        }
        if (restart_at && now >= restart_at)
        {
            /* A client's activation may have started a new instance already. */
            if ((pid = bits_process(&crashed)) && pid != watched) restart_at = 0;
            else switch (start_bits())
            {
            case ERROR_SUCCESS: restart_at = 0; break;
            case ERROR_SERVICE_DATABASE_LOCKED: restart_at = now + START_RETRY_MS; break;
            default: restart_at = now + restart_delay(now); break;
            }
        }
    }
    if (process) CloseHandle(process);
    CloseHandle(changed);
}

static void watchdog_report(DWORD state)
{
    SERVICE_STATUS status = { 0 };

    status.dwServiceType = SERVICE_WIN32_SHARE_PROCESS;
    status.dwCurrentState = state;
    /* Never stopped by hand: without it no client reaches BITS. */
    if (state == SERVICE_RUNNING) status.dwControlsAccepted = SERVICE_ACCEPT_SHUTDOWN;
    SetServiceStatus(watchdog_status_handle, &status);
}

static DWORD WINAPI watchdog_handler(DWORD control, DWORD type, void *data, void *context)
{
    TRACE("control %lu\n", control);

    switch (control)
    {
    case SERVICE_CONTROL_SHUTDOWN:
        watchdog_report(SERVICE_STOP_PENDING);
        SetEvent(watchdog_stop_event);
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

void WINAPI WatchdogServiceMain(DWORD argc, LPWSTR *argv)
{
    DWORD cookies[16];
    unsigned int i, registered = 0;
    HRESULT hr;

    TRACE("argc %lu\n", argc);

    if (!(watchdog_status_handle = RegisterServiceCtrlHandlerExW(WATCHDOG_SERVICE_NAME, watchdog_handler, NULL)))
    {
        ERR("failed to register handler: %lu\n", GetLastError());
        return;
    }
    watchdog_report(SERVICE_START_PENDING);
    watchdog_stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    bits_started_event = CreateEventW(NULL, FALSE, FALSE, NULL);

    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    for (i = 0; SUCCEEDED(hr) && i < manager_clsid_count && i < ARRAY_SIZE(cookies); i++)
    {
        hr = CoRegisterClassObject(manager_clsids[i], (IUnknown *)&watchdog_factory,
                                   CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookies[i]);
        if (SUCCEEDED(hr)) registered++;
    }
    if (FAILED(hr)) ERR("failed to register the manager classes: %#lx\n", hr);
    else
    {
        watchdog_report(SERVICE_RUNNING);
        watch_instances();
    }

    for (i = 0; i < registered; i++) CoRevokeClassObject(cookies[i]);
    forget_instance(instance_factory_pid);
    CoUninitialize();
    CloseHandle(watchdog_stop_event);
    CloseHandle(bits_started_event);
    watchdog_report(SERVICE_STOPPED);
    TRACE("stopped\n");
}

/* Called by the BITS service once it has published its record. */
BOOL watchdog_start(void)
{
    ULONGLONG deadline = GetTickCount64() + ACTIVATION_TIMEOUT_MS;
    SC_HANDLE scm, service;
    DWORD err;

    if (!(scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT))) return FALSE;
    if (!(service = OpenServiceW(scm, WATCHDOG_SERVICE_NAME, SERVICE_START)))
    {
        err = GetLastError();
        CloseServiceHandle(scm);
        ERR("no watchdog service (%lu): a crash of this process will leave BITS unreachable "
            "until the prefix restarts\n", err);
        return FALSE;
    }
    for (;;)
    {
        err = StartServiceW(service, 0, NULL) ? ERROR_SUCCESS : GetLastError();
        if (err != ERROR_SERVICE_DATABASE_LOCKED || GetTickCount64() >= deadline) break;
        Sleep(START_RETRY_MS);
    }
    CloseServiceHandle(service);
    CloseServiceHandle(scm);
    if (err == ERROR_SERVICE_ALREADY_RUNNING) err = ERROR_SUCCESS;
    if (err) ERR("cannot start the watchdog: %lu\n", err);
    return !err;
}
