/*
 * Background Intelligent Transfer Service: the running instance's record
 *
 * The service process does not register its class object with COM itself:
 * Wine's rpcss keeps a class registration for as long as the prefix lives,
 * even after the process that made it died, and hands that dead entry to
 * every later client first.  Instead the service marshals its class object
 * (table-strong, so that it can be unmarshalled any number of times) into a
 * volatile registry key, with its process id, and the watchdog
 * (watchdog.c), which holds the COM registration, connects clients to
 * whatever instance the record names.  The key is volatile because the
 * record means nothing once the wineserver, and with it every process and
 * the registry in memory, is gone.
 *
 * The record is "ProcessId" (REG_DWORD) and "ClassObject" (REG_BINARY, the
 * marshalled IClassFactory).  The writer sets the object first and the id
 * last; a clean stop deletes the id first, so that a record with an id
 * whose process is gone means that the service died without stopping.
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
#include "shlwapi.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

static const WCHAR instance_key[] = L"System\\CurrentControlSet\\Services\\BITS\\Instance";

/* What this process published (the service only), to take back at stop. */
static IStream *published;

static LSTATUS open_record(REGSAM access, HKEY *key)
{
    return RegCreateKeyExW(HKEY_LOCAL_MACHINE, instance_key, 0, NULL, REG_OPTION_VOLATILE,
                           access, NULL, key, NULL);
}

HRESULT instance_publish(IUnknown *object)
{
    DWORD pid = GetCurrentProcessId();
    LARGE_INTEGER zero = {{0}};
    ULARGE_INTEGER size;
    IStream *stream;
    HGLOBAL memory;
    LSTATUS err;
    HRESULT hr;
    void *data;
    HKEY key;

    TRACE("%p\n", object);

    if (FAILED(hr = CreateStreamOnHGlobal(NULL, TRUE, &stream))) return hr;
    hr = CoMarshalInterface(stream, &IID_IClassFactory, object, MSHCTX_LOCAL, NULL, MSHLFLAGS_TABLESTRONG);
    if (FAILED(hr))
    {
        ERR("cannot marshal the class object: %#lx\n", hr);
        IStream_Release(stream);
        return hr;
    }
    IStream_Seek(stream, zero, STREAM_SEEK_CUR, &size);
    GetHGlobalFromStream(stream, &memory);

    if (!(err = open_record(KEY_SET_VALUE, &key)))
    {
        data = GlobalLock(memory);
        err = RegSetValueExW(key, L"ClassObject", 0, REG_BINARY, data, size.LowPart);
        GlobalUnlock(memory);
        if (!err) err = RegSetValueExW(key, L"ProcessId", 0, REG_DWORD, (BYTE *)&pid, sizeof(pid));
        RegCloseKey(key);
    }
    if (err)
    {
        ERR("cannot write the instance record: %ld\n", err);
        IStream_Seek(stream, zero, STREAM_SEEK_SET, NULL);
        CoReleaseMarshalData(stream);
        IStream_Release(stream);
        return HRESULT_FROM_WIN32(err);
    }
    published = stream;
    return S_OK;
}

/* A clean stop: the watchdog must not take the end of this process for a
 * crash, and nobody may connect to it any more. */
void instance_withdraw(void)
{
    LARGE_INTEGER zero = {{0}};
    HKEY key;

    TRACE("\n");

    if (!published) return;
    if (!open_record(KEY_SET_VALUE, &key))
    {
        RegDeleteValueW(key, L"ProcessId");
        RegDeleteValueW(key, L"ClassObject");
        RegCloseKey(key);
    }
    IStream_Seek(published, zero, STREAM_SEEK_SET, NULL);
    CoReleaseMarshalData(published);
    IStream_Release(published);
    published = NULL;
}

/* The process the record names, 0 when there is none. */
DWORD instance_pid(void)
{
    DWORD pid = 0, size = sizeof(pid), type;
    HKEY key;

    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, instance_key, 0, KEY_QUERY_VALUE, &key)) return 0;
    if (RegQueryValueExW(key, L"ProcessId", NULL, &type, (BYTE *)&pid, &size) || type != REG_DWORD)
        pid = 0;
    RegCloseKey(key);
    return pid;
}

/* The class object of the instance in process pid, when the record still
 * names that process. */
HRESULT instance_class_object(DWORD pid, IClassFactory **factory)
{
    const HRESULT gone = HRESULT_FROM_WIN32(ERROR_SERVICE_NOT_ACTIVE);
    DWORD size = 0, type;
    IStream *stream = NULL;
    BYTE *data = NULL;
    HRESULT hr = gone;
    HKEY key;

    *factory = NULL;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, instance_key, 0, KEY_QUERY_VALUE, &key)) return gone;
    if (!RegQueryValueExW(key, L"ClassObject", NULL, &type, NULL, &size) && type == REG_BINARY && size
        && (data = malloc(size)) && !RegQueryValueExW(key, L"ClassObject", NULL, NULL, data, &size))
        hr = S_OK;
    RegCloseKey(key);
    /* The object is written before the id: a record that still names pid
     * after the read held pid's object. */
    if (SUCCEEDED(hr) && instance_pid() != pid) hr = gone;
    if (SUCCEEDED(hr) && !(stream = SHCreateMemStream(data, size))) hr = E_OUTOFMEMORY;
    free(data);
    if (FAILED(hr)) return hr;
    hr = CoUnmarshalInterface(stream, &IID_IClassFactory, (void **)factory);
    IStream_Release(stream);
    if (FAILED(hr)) WARN("cannot unmarshal the class object of process %04lx: %#lx\n", pid, hr);
    return hr;
}

/* Signals event at the record's next change; the caller reads the record
 * after this, so that no change between the read and the wait is lost. */
HKEY instance_watch(HANDLE event)
{
    HKEY key;

    if (open_record(KEY_NOTIFY | KEY_QUERY_VALUE, &key)) return NULL;
    if (RegNotifyChangeKeyValue(key, FALSE, REG_NOTIFY_CHANGE_LAST_SET, event, TRUE))
    {
        RegCloseKey(key);
        return NULL;
    }
    return key;
}
