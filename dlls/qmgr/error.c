/*
 * Background Intelligent Transfer Service: IBackgroundCopyError and error texts
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

#include "job.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

/* The texts of the classes of HTTP statuses in qmgr_msg.mc (MSG_HTTP_CLASS_1
 * to _5), for a status with no text of its own; %1 is the status.  They are
 * never the answer for their own ids. */
#define HTTP_CLASS_TEXT     0x8020ff00
#define IS_HTTP_CLASS_TEXT(code) (((DWORD)(code) & ~0xff) == HTTP_CLASS_TEXT)

/* Tries the language asked for, then its neutral form, then (for English,
 * which every message table has) the table's default.  The error of the
 * first attempt is the one worth reporting.  args: the inserts, or NULL to
 * take the text as it is. */
static BOOL format_message(DWORD flags, HMODULE module, DWORD id, DWORD langid, DWORD_PTR *args,
                           WCHAR **text, DWORD *err)
{
    DWORD langs[3] = { langid, MAKELANGID(PRIMARYLANGID(langid), SUBLANG_NEUTRAL), 0 };
    unsigned int i, count = PRIMARYLANGID(langid) == LANG_ENGLISH || !langid ? 3 : 2;

    flags |= FORMAT_MESSAGE_ALLOCATE_BUFFER;
    flags |= args ? FORMAT_MESSAGE_ARGUMENT_ARRAY : FORMAT_MESSAGE_IGNORE_INSERTS;
    for (i = 0; i < count; i++)
    {
        if (i && langs[i] == langs[i - 1]) continue;
        if (FormatMessageW(flags, module, id, langs[i], (WCHAR *)text, 0, (va_list *)args))
            return TRUE;
        if (!i && !*err) *err = GetLastError();
    }
    return FALSE;
}

/* Our own message table (qmgr_msg.mc) has a text for every code the service
 * reports: BITS' codes, HTTP statuses, the HTTP client's (wininet's and
 * WinHTTP's numbers), schannel's, certificate and file errors.  It is looked
 * up first, so the answer is the same whatever modules the service has
 * loaded; Wine 8's system table knows none of these but the file errors, and
 * wininet.dll's own table only a few of its codes.  The system's table then
 * answers other codes, and other languages of the Win32 ones. */
HRESULT error_description(HRESULT code, DWORD langid, WCHAR **ret)
{
    DWORD err = 0, id, status;
    WCHAR *text = NULL;
    DWORD_PTR args[1];
    HRESULT hr;

    /* A Win32 code passed as it is means its HRESULT. */
    if (code > 0 && code <= 0xffff) code = HRESULT_FROM_WIN32(code);

    if (!IS_HTTP_CLASS_TEXT(code) &&
        format_message(FORMAT_MESSAGE_FROM_HMODULE, qmgr_instance, code, langid, NULL, &text, &err))
        goto done;
    /* Not one of ours: a code we know in no language is simply unknown. */
    if (err != ERROR_RESOURCE_LANG_NOT_FOUND) err = 0;

    if (HRESULT_FACILITY(code) == FACILITY_HTTP && (status = HRESULT_CODE(code)) >= 100 && status <= 599)
    {
        args[0] = status;
        if (format_message(FORMAT_MESSAGE_FROM_HMODULE, qmgr_instance, HTTP_CLASS_TEXT + status / 100,
                           langid, args, &text, &err))
            goto done;
    }

    id = HRESULT_FACILITY(code) == FACILITY_WIN32 ? HRESULT_CODE(code) : code;
    if (!IS_HTTP_CLASS_TEXT(code) &&
        format_message(FORMAT_MESSAGE_FROM_SYSTEM, NULL, id, langid, NULL, &text, &err))
        goto done;
    WARN("no text for %#lx in language %#lx: %lu\n", code, langid, err);
    return HRESULT_FROM_WIN32(err ? err : ERROR_MR_MID_NOT_FOUND);

done:
    hr = co_strdup(text, ret);
    LocalFree(text);
    TRACE("%#lx -> %#lx %s\n", code, hr, debugstr_w(*ret));
    return hr;
}

struct error_object
{
    IBackgroundCopyError IBackgroundCopyError_iface;
    LONG ref;
    struct job *job;            /* keeps the file record alive */
    HRESULT code;
    BG_ERROR_CONTEXT context;
    struct file *file;
    WCHAR *protocol;
};

static inline struct error_object *impl_from_IBackgroundCopyError(IBackgroundCopyError *iface)
{
    return CONTAINING_RECORD(iface, struct error_object, IBackgroundCopyError_iface);
}

static HRESULT WINAPI error_QueryInterface(IBackgroundCopyError *iface, REFIID riid, void **obj)
{
    struct error_object *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p %s %p\n", error, debugstr_guid(riid), obj);

    if (!obj) return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyError))
    {
        *obj = iface;
        IBackgroundCopyError_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI error_AddRef(IBackgroundCopyError *iface)
{
    struct error_object *error = impl_from_IBackgroundCopyError(iface);
    ULONG ref = InterlockedIncrement(&error->ref);
    TRACE("%p ref %lu\n", error, ref);
    return ref;
}

static ULONG WINAPI error_Release(IBackgroundCopyError *iface)
{
    struct error_object *error = impl_from_IBackgroundCopyError(iface);
    ULONG ref = InterlockedDecrement(&error->ref);

    TRACE("%p ref %lu\n", error, ref);

    if (!ref)
    {
        IBackgroundCopyJob4_Release(&error->job->IBackgroundCopyJob4_iface);
        free(error->protocol);
        free(error);
    }
    return ref;
}

static HRESULT WINAPI error_GetError(IBackgroundCopyError *iface, BG_ERROR_CONTEXT *context, HRESULT *code)
{
    struct error_object *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p %p %p\n", error, context, code);

    if (!context || !code) return E_INVALIDARG;
    *context = error->context;
    *code = error->code;
    return S_OK;
}

static HRESULT WINAPI error_GetFile(IBackgroundCopyError *iface, IBackgroundCopyFile **file)
{
    struct error_object *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p %p\n", error, file);

    if (!file) return E_INVALIDARG;
    *file = NULL;
    if (!error->file) return BG_E_FILE_NOT_AVAILABLE;
    return file_object_create(error->job, error->file, (IBackgroundCopyFile2 **)file);
}

static HRESULT WINAPI error_GetErrorDescription(IBackgroundCopyError *iface, DWORD langid, LPWSTR *text)
{
    struct error_object *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p %#lx %p\n", error, langid, text);

    if (!text) return E_INVALIDARG;
    *text = NULL;
    /* The error object wants an explicit language. */
    if (!langid) return E_INVALIDARG;
    return error_description(error->code, langid, text);
}

static HRESULT context_message(BG_ERROR_CONTEXT context)
{
    switch (context)
    {
    case BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER: return BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER;
    case BG_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION: return BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION;
    case BG_ERROR_CONTEXT_LOCAL_FILE: return BG_E_ERROR_CONTEXT_LOCAL_FILE;
    case BG_ERROR_CONTEXT_REMOTE_FILE: return BG_E_ERROR_CONTEXT_REMOTE_FILE;
    case BG_ERROR_CONTEXT_GENERAL_TRANSPORT: return BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT;
    case BG_ERROR_CONTEXT_REMOTE_APPLICATION: return BG_E_ERROR_CONTEXT_REMOTE_APPLICATION;
    default: return BG_E_ERROR_CONTEXT_UNKNOWN;
    }
}

static HRESULT WINAPI error_GetErrorContextDescription(IBackgroundCopyError *iface, DWORD langid, LPWSTR *text)
{
    struct error_object *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p %#lx %p\n", error, langid, text);

    if (!text) return E_INVALIDARG;
    *text = NULL;
    if (!langid) return E_INVALIDARG;
    return error_description(context_message(error->context), langid, text);
}

static HRESULT WINAPI error_GetProtocol(IBackgroundCopyError *iface, LPWSTR *protocol)
{
    struct error_object *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p %p\n", error, protocol);

    if (!protocol) return E_INVALIDARG;
    *protocol = NULL;
    if (!error->protocol) return BG_E_PROTOCOL_NOT_AVAILABLE;
    return co_strdup(error->protocol, protocol);
}

static const IBackgroundCopyErrorVtbl error_vtbl =
{
    error_QueryInterface,
    error_AddRef,
    error_Release,
    error_GetError,
    error_GetFile,
    error_GetErrorDescription,
    error_GetErrorContextDescription,
    error_GetProtocol,
};

/* A snapshot of the job's current error; called with the job's lock held. */
HRESULT error_object_create(struct job *job, IBackgroundCopyError **ret)
{
    struct error_object *error;

    if (!(error = calloc(1, sizeof(*error)))) return E_OUTOFMEMORY;
    if (job->error.protocol && !(error->protocol = strdupW(job->error.protocol)))
    {
        free(error);
        return E_OUTOFMEMORY;
    }
    error->IBackgroundCopyError_iface.lpVtbl = &error_vtbl;
    error->ref = 1;
    error->job = job;
    error->code = job->error.code;
    error->context = job->error.context;
    error->file = job->error.file;
    IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
    *ret = &error->IBackgroundCopyError_iface;
    return S_OK;
}
