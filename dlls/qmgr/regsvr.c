/*
 * Background Intelligent Transfer Service: self-registration
 *
 * Registers the BITS service (hosted by svchost's netsvcs group), its AppID
 * with LocalService=BITS, and every manager class we implement under that
 * AppID, so that CoCreateInstance(CLSCTX_LOCAL_SERVER) starts the service;
 * and the BitsWatchdog service (svchost's BitsWatchdog group), which the
 * service starts and which holds the class registration (watchdog.c).
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

static const WCHAR service_name[] = L"BITS";
static const WCHAR display_name[] = L"Background Intelligent Transfer Service";
static const WCHAR watchdog_display_name[] = L"Background Intelligent Transfer Service watchdog";
static const WCHAR appid[] = L"{69AD4AEE-51BE-439B-A92C-86AE490E8B30}";

static LSTATUS set_string(HKEY key, const WCHAR *name, DWORD type, const WCHAR *value)
{
    return RegSetValueExW(key, name, 0, type, (const BYTE *)value, (wcslen(value) + 1) * sizeof(WCHAR));
}

/* The service NAME, hosted by svchost's GROUP. */
static HRESULT register_service(const WCHAR *name, const WCHAR *display, const WCHAR *group)
{
    WCHAR binary[MAX_PATH + 64];
    SC_HANDLE scm, service;
    DWORD err = ERROR_SUCCESS;

    GetSystemDirectoryW(binary, MAX_PATH);
    wcscat(binary, L"\\svchost.exe -k ");
    wcscat(binary, group);

    if (!(scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS)))
        return HRESULT_FROM_WIN32(GetLastError());

    if ((service = OpenServiceW(scm, name, SERVICE_ALL_ACCESS)))
    {
        if (!ChangeServiceConfigW(service, SERVICE_WIN32_SHARE_PROCESS, SERVICE_DEMAND_START,
                                  SERVICE_ERROR_NORMAL, binary, NULL, NULL, NULL, NULL, NULL, display))
            err = GetLastError();
    }
    else if (!(service = CreateServiceW(scm, name, display, SERVICE_ALL_ACCESS,
                                        SERVICE_WIN32_SHARE_PROCESS, SERVICE_DEMAND_START,
                                        SERVICE_ERROR_NORMAL, binary, NULL, NULL, NULL, NULL, NULL)))
        err = GetLastError();

    if (service) CloseServiceHandle(service);
    CloseServiceHandle(scm);
    if (err) ERR("registration of service %s failed: %lu\n", debugstr_w(name), err);
    return HRESULT_FROM_WIN32(err);
}

/* svchost loads us for NAME and calls ENTRY (ServiceMain unless given). */
static HRESULT register_service_dll(const WCHAR *name, const char *entry)
{
    WCHAR dll[MAX_PATH + 16], path[128];
    HKEY key;
    LSTATUS err;

    GetSystemDirectoryW(dll, MAX_PATH);
    wcscat(dll, L"\\qmgr.dll");
    swprintf(path, ARRAY_SIZE(path), L"System\\CurrentControlSet\\Services\\%s\\Parameters", name);
    if ((err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, path, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL)))
        return HRESULT_FROM_WIN32(err);
    err = set_string(key, L"ServiceDll", REG_EXPAND_SZ, dll);
    if (!err && entry) err = RegSetValueExA(key, "ServiceMain", 0, REG_SZ, (const BYTE *)entry, strlen(entry) + 1);
    RegCloseKey(key);
    return HRESULT_FROM_WIN32(err);
}

static const WCHAR svchost_key[] = L"Software\\Microsoft\\Windows NT\\CurrentVersion\\SvcHost";

/* Make sure NAME is in svchost's GROUP, keeping whatever else is there. */
static HRESULT register_svchost_group(const WCHAR *group, const WCHAR *name)
{
    DWORD size = 0, type, len;
    WCHAR *list, *p;
    HKEY key;
    LSTATUS err;

    if ((err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, svchost_key, 0, NULL, 0, KEY_QUERY_VALUE | KEY_SET_VALUE,
                               NULL, &key, NULL)))
        return HRESULT_FROM_WIN32(err);

    if (RegQueryValueExW(key, group, NULL, &type, NULL, &size) || type != REG_MULTI_SZ) size = 0;
    /* Room for what is there (an odd size or missing terminators
     * included), the terminator of its last string, our name and the
     * list's terminator; calloc's zeros terminate whatever was cut. */
    if (!(list = calloc(size / sizeof(WCHAR) + 1 + 1 + wcslen(name) + 1, sizeof(WCHAR))))
    {
        RegCloseKey(key);
        return E_OUTOFMEMORY;
    }
    if (size) RegQueryValueExW(key, group, NULL, NULL, (BYTE *)list, &size);

    for (p = list; *p; p += wcslen(p) + 1)
        if (!wcsicmp(p, name)) break;
    if (!*p)
    {
        wcscpy(p, name);
        p += wcslen(p) + 1;
        *p++ = 0;
        len = (p - list) * sizeof(WCHAR);
        err = RegSetValueExW(key, group, 0, REG_MULTI_SZ, (BYTE *)list, len);
    }
    free(list);
    RegCloseKey(key);
    return HRESULT_FROM_WIN32(err);
}

/* The watchdog (watchdog.c) is ours alone, in a group of its own: killing
 * the BITS process must leave it running. */
static HRESULT register_watchdog(void)
{
    HRESULT hr;

    if (FAILED(hr = register_service(WATCHDOG_SERVICE_NAME, watchdog_display_name, WATCHDOG_SERVICE_NAME)))
        return hr;
    if (FAILED(hr = register_service_dll(WATCHDOG_SERVICE_NAME, "WatchdogServiceMain"))) return hr;
    return register_svchost_group(WATCHDOG_SERVICE_NAME, WATCHDOG_SERVICE_NAME);
}

static void unregister_watchdog(void)
{
    SC_HANDLE scm, service;
    HKEY key;

    if ((scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS)))
    {
        if ((service = OpenServiceW(scm, WATCHDOG_SERVICE_NAME, DELETE)))
        {
            DeleteService(service);
            CloseServiceHandle(service);
        }
        CloseServiceHandle(scm);
    }
    if (!RegOpenKeyExW(HKEY_LOCAL_MACHINE, svchost_key, 0, KEY_SET_VALUE, &key))
    {
        RegDeleteValueW(key, WATCHDOG_SERVICE_NAME);
        RegCloseKey(key);
    }
}

static HRESULT register_appid(void)
{
    WCHAR path[64];
    HKEY key;
    LSTATUS err;

    swprintf(path, ARRAY_SIZE(path), L"AppID\\%s", appid);
    if ((err = RegCreateKeyExW(HKEY_CLASSES_ROOT, path, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL)))
        return HRESULT_FROM_WIN32(err);
    if (!(err = set_string(key, NULL, REG_SZ, display_name)))
        err = set_string(key, L"LocalService", REG_SZ, service_name);
    RegCloseKey(key);
    return HRESULT_FROM_WIN32(err);
}

static void clsid_key_path(const CLSID *clsid, WCHAR *path, size_t size)
{
    WCHAR guid[40];

    StringFromGUID2(clsid, guid, ARRAY_SIZE(guid));
    swprintf(path, size, L"CLSID\\%s", guid);
}

static HRESULT register_classes(void)
{
    WCHAR path[64];
    unsigned int i;
    LSTATUS err = 0;
    HKEY key;

    for (i = 0; !err && i < manager_clsid_count; i++)
    {
        clsid_key_path(manager_clsids[i], path, ARRAY_SIZE(path));
        if ((err = RegCreateKeyExW(HKEY_CLASSES_ROOT, path, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &key, NULL)))
            break;
        /* Only the service may serve these: never load us into a client. */
        RegDeleteTreeW(key, L"InprocServer32");
        if (!(err = set_string(key, NULL, REG_SZ, display_name)))
            err = set_string(key, L"AppID", REG_SZ, appid);
        RegCloseKey(key);
    }
    return HRESULT_FROM_WIN32(err);
}

/* The service runs in the prefix's own bitness.  Our 32-bit copy in a
 * 64-bit prefix (syswow64) must leave the service alone and only make the
 * classes and AppID known in the 32-bit registry view, where 32-bit clients
 * look them up. */
static BOOL is_wow64(void)
{
    BOOL wow64 = FALSE;

    return IsWow64Process(GetCurrentProcess(), &wow64) && wow64;
}

HRESULT WINAPI DllRegisterServer(void)
{
    HRESULT hr;

    TRACE("\n");

    if (!is_wow64())
    {
        if (FAILED(hr = register_service(service_name, display_name, L"netsvcs"))) return hr;
        if (FAILED(hr = register_service_dll(service_name, NULL))) return hr;
        if (FAILED(hr = register_svchost_group(L"netsvcs", service_name))) return hr;
        if (FAILED(hr = register_watchdog())) return hr;
    }
    if (FAILED(hr = register_appid())) return hr;
    return register_classes();
}

HRESULT WINAPI DllUnregisterServer(void)
{
    WCHAR path[64];
    unsigned int i;

    TRACE("\n");

    /* The service and its AppID belong to the prefix (wine.inf creates them);
     * the classes and the watchdog are ours to remove. */
    if (!is_wow64()) unregister_watchdog();
    for (i = 0; i < manager_clsid_count; i++)
    {
        clsid_key_path(manager_clsids[i], path, ARRAY_SIZE(path));
        RegDeleteTreeW(HKEY_CLASSES_ROOT, path);
    }
    return S_OK;
}
