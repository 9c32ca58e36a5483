/*
 * Background Intelligent Transfer Service: service entry points
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

HINSTANCE qmgr_instance;

/* tools/install-prefix looks for this to tell our DLL from Wine's. */
static const char qmgr_marker[] = "Background Intelligent Transfer Service for Wine";

/* Every manager class we answer for; all create the same manager (the
 * watchdog registers them, see watchdog.c). */
const CLSID *const manager_clsids[] =
{
    &CLSID_BackgroundCopyManager,
    &CLSID_BackgroundCopyManager1_5,
    &CLSID_BackgroundCopyManager2_0,
    &CLSID_BackgroundCopyManager2_5,
    &CLSID_BackgroundCopyManager3_0,
};
const unsigned int manager_clsid_count = ARRAY_SIZE(manager_clsids);

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event;

static void service_report(DWORD state, DWORD wait_hint)
{
    status.dwServiceType = SERVICE_WIN32_SHARE_PROCESS;
    status.dwCurrentState = state;
    status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
    status.dwWin32ExitCode = NO_ERROR;
    status.dwServiceSpecificExitCode = 0;
    status.dwCheckPoint = 0;
    status.dwWaitHint = wait_hint;
    SetServiceStatus(status_handle, &status);
}

static DWORD WINAPI service_handler(DWORD control, DWORD type, void *data, void *context)
{
    TRACE("control %lu\n", control);

    switch (control)
    {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        service_report(SERVICE_STOP_PENDING, 3000);
        SetEvent(stop_event);
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        SetServiceStatus(status_handle, &status);
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

/* Without the watchdog service (a prefix registered by an older build) the
 * classes are ours to register, as they were: activation then works until
 * this process dies. */
static HRESULT register_classes(DWORD *cookies, unsigned int *registered)
{
    HRESULT hr = S_OK;
    unsigned int i;

    for (i = 0; SUCCEEDED(hr) && i < manager_clsid_count; i++)
    {
        hr = CoRegisterClassObject(manager_clsids[i], (IUnknown *)&manager_factory,
                                   CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookies[i]);
        if (SUCCEEDED(hr)) (*registered)++;
    }
    return hr;
}

static DWORD WINAPI start_watchdog(void *arg)
{
    return watchdog_start();
}

void WINAPI ServiceMain(DWORD argc, LPWSTR *argv)
{
    DWORD cookies[ARRAY_SIZE(manager_clsids)];
    unsigned int i, registered = 0;
    BOOL published = FALSE;
    HANDLE watchdog;
    DWORD watching = FALSE;
    HRESULT hr;

    TRACE("argc %lu\n", argc);

    if (!(status_handle = RegisterServiceCtrlHandlerExW(L"BITS", service_handler, NULL)))
    {
        ERR("failed to register handler: %lu\n", GetLastError());
        return;
    }
    service_report(SERVICE_START_PENDING, 3000);

    stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    /* Clients reach us through the watchdog: it starts while we load the
     * store, and waits for our record. */
    watchdog = CreateThread(NULL, 0, start_watchdog, NULL, 0, NULL);
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (SUCCEEDED(hr)) hr = store_start();
    if (SUCCEEDED(hr)) hr = scheduler_start();
    if (SUCCEEDED(hr) && SUCCEEDED(hr = instance_publish((IUnknown *)&manager_factory)))
        published = TRUE;
    if (watchdog)
    {
        WaitForSingleObject(watchdog, INFINITE);
        GetExitCodeThread(watchdog, &watching);
        CloseHandle(watchdog);
    }
    if (SUCCEEDED(hr) && !watching) hr = register_classes(cookies, &registered);
    if (FAILED(hr))
    {
        ERR("failed to start: %#lx\n", hr);
        status.dwWin32ExitCode = ERROR_SERVICE_SPECIFIC_ERROR;
        status.dwServiceSpecificExitCode = hr;
    }
    else
    {
        service_report(SERVICE_RUNNING, 0);
        WaitForSingleObject(stop_event, INFINITE);
    }

    /* First of all: the watchdog must not take our exit for a crash. */
    if (published) instance_withdraw();
    for (i = 0; i < registered; i++) CoRevokeClassObject(cookies[i]);
    CoDisconnectObject((IUnknown *)&manager_factory, 0);
    scheduler_stop();
    store_stop();
    manager_disconnect_all();
    CoUninitialize();
    CloseHandle(stop_event);

    status.dwCurrentState = SERVICE_STOPPED;
    status.dwControlsAccepted = 0;
    SetServiceStatus(status_handle, &status);
    TRACE("stopped\n");
}

HRESULT WINAPI DllGetClassObject(REFCLSID clsid, REFIID riid, void **obj)
{
    unsigned int i;

    TRACE("%s %s %p\n", debugstr_guid(clsid), debugstr_guid(riid), obj);

    if (!obj) return E_INVALIDARG;
    *obj = NULL;
    for (i = 0; i < manager_clsid_count; i++)
        if (IsEqualGUID(clsid, manager_clsids[i]))
            return IClassFactory_QueryInterface(&manager_factory, riid, obj);
    return CLASS_E_CLASSNOTAVAILABLE;
}

HRESULT WINAPI DllCanUnloadNow(void)
{
    /* Loaded by svchost for the lifetime of the service. */
    return S_FALSE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, void *reserved)
{
    TRACE("%s: %p %lu %p\n", qmgr_marker, instance, reason, reserved);

    if (reason == DLL_PROCESS_ATTACH)
    {
        qmgr_instance = instance;
        DisableThreadLibraryCalls(instance);
    }
    return TRUE;
}
