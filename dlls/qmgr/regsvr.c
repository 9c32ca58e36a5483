/*
 * Background Intelligent Transfer Service: self-registration
 *
 * Registers the BITS service (hosted by svchost's netsvcs group), its AppID
 * with LocalService=BITS, and every manager class we implement under that
 * AppID, so that CoCreateInstance(CLSCTX_LOCAL_SERVER) starts the service.
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

extern const CLSID *const manager_clsids[];
extern const unsigned int manager_clsid_count;

static const WCHAR service_name[] = L"BITS";
static const WCHAR display_name[] = L"Background Intelligent Transfer Service";
static const WCHAR appid[] = L"{69AD4AEE-51BE-439B-A92C-86AE490E8B30}";

static LSTATUS set_string(HKEY key, const WCHAR *name, DWORD type, const WCHAR *value)
{
    return RegSetValueExW(key, name, 0, type, (const BYTE *)value, (wcslen(value) + 1) * sizeof(WCHAR));
}

static HRESULT register_service(void)
{
    WCHAR binary[MAX_PATH + 32];
    SC_HANDLE scm, service;
    DWORD err = ERROR_SUCCESS;

    GetSystemDirectoryW(binary, MAX_PATH);
    wcscat(binary, L"\\svchost.exe -k netsvcs");

    if (!(scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS)))
        return HRESULT_FROM_WIN32(GetLastError());

    if ((service = OpenServiceW(scm, service_name, SERVICE_ALL_ACCESS)))
    {
        if (!ChangeServiceConfigW(service, SERVICE_WIN32_SHARE_PROCESS, SERVICE_DEMAND_START,
                                  SERVICE_ERROR_NORMAL, binary, NULL, NULL, NULL, NULL, NULL, display_name))
            err = GetLastError();
    }
    else if (!(service = CreateServiceW(scm, service_name, display_name, SERVICE_ALL_ACCESS,
                                        SERVICE_WIN32_SHARE_PROCESS, SERVICE_DEMAND_START,
                                        SERVICE_ERROR_NORMAL, binary, NULL, NULL, NULL, NULL, NULL)))
        err = GetLastError();

    if (service) CloseServiceHandle(service);
    CloseServiceHandle(scm);
    if (err) ERR("service registration failed: %lu\n", err);
    return HRESULT_FROM_WIN32(err);
}

static HRESULT register_service_dll(void)
{
    WCHAR dll[MAX_PATH + 16];
    HKEY key;
    LSTATUS err;

    GetSystemDirectoryW(dll, MAX_PATH);
    wcscat(dll, L"\\qmgr.dll");
    if ((err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"System\\CurrentControlSet\\Services\\BITS\\Parameters",
                               0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL)))
        return HRESULT_FROM_WIN32(err);
    err = set_string(key, L"ServiceDll", REG_EXPAND_SZ, dll);
    RegCloseKey(key);
    return HRESULT_FROM_WIN32(err);
}

/* Make sure BITS is in svchost's netsvcs group, keeping whatever else is there. */
static HRESULT register_svchost_group(void)
{
    DWORD size = 0, type, len;
    WCHAR *list, *p;
    HKEY key;
    LSTATUS err;

    if ((err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Microsoft\\Windows NT\\CurrentVersion\\SvcHost",
                               0, NULL, 0, KEY_QUERY_VALUE | KEY_SET_VALUE, NULL, &key, NULL)))
        return HRESULT_FROM_WIN32(err);

    if (RegQueryValueExW(key, L"netsvcs", NULL, &type, NULL, &size) || type != REG_MULTI_SZ) size = 0;
    /* Room for what is there (an odd size or missing terminators
     * included), the terminator of its last string, our name and the
     * list's terminator; calloc's zeros terminate whatever was cut. */
    if (!(list = calloc(size / sizeof(WCHAR) + 1 + 1 + ARRAY_SIZE(service_name) + 1, sizeof(WCHAR))))
    {
        RegCloseKey(key);
        return E_OUTOFMEMORY;
    }
    if (size) RegQueryValueExW(key, L"netsvcs", NULL, NULL, (BYTE *)list, &size);

    for (p = list; *p; p += wcslen(p) + 1)
        if (!wcsicmp(p, service_name)) break;
    if (!*p)
    {
        wcscpy(p, service_name);
        p += wcslen(p) + 1;
        *p++ = 0;
        len = (p - list) * sizeof(WCHAR);
        err = RegSetValueExW(key, L"netsvcs", 0, REG_MULTI_SZ, (BYTE *)list, len);
    }
    free(list);
    RegCloseKey(key);
    return HRESULT_FROM_WIN32(err);
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
        if (FAILED(hr = register_service())) return hr;
        if (FAILED(hr = register_service_dll())) return hr;
        if (FAILED(hr = register_svchost_group())) return hr;
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
     * only the classes are ours to remove. */
    for (i = 0; i < manager_clsid_count; i++)
    {
        clsid_key_path(manager_clsids[i], path, ARRAY_SIZE(path));
        RegDeleteTreeW(HKEY_CLASSES_ROOT, path);
    }
    return S_OK;
}
