/*
 * Background Intelligent Transfer Service: IEnumBackgroundCopyFiles
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

struct enum_files
{
    IEnumBackgroundCopyFiles IEnumBackgroundCopyFiles_iface;
    LONG ref;
    struct enum_items items;
};

static inline struct enum_files *impl_from_IEnumBackgroundCopyFiles(IEnumBackgroundCopyFiles *iface)
{
    return CONTAINING_RECORD(iface, struct enum_files, IEnumBackgroundCopyFiles_iface);
}

static HRESULT enum_files_create_items(IUnknown **items, ULONG count, ULONG pos, IEnumBackgroundCopyFiles **ret);

static HRESULT WINAPI enum_files_QueryInterface(IEnumBackgroundCopyFiles *iface, REFIID riid, void **obj)
{
    struct enum_files *e = impl_from_IEnumBackgroundCopyFiles(iface);

    TRACE("%p %s %p\n", e, debugstr_guid(riid), obj);

    if (!obj) return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IEnumBackgroundCopyFiles))
    {
        *obj = iface;
        IEnumBackgroundCopyFiles_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_files_AddRef(IEnumBackgroundCopyFiles *iface)
{
    struct enum_files *e = impl_from_IEnumBackgroundCopyFiles(iface);
    ULONG ref = InterlockedIncrement(&e->ref);
    TRACE("%p ref %lu\n", e, ref);
    return ref;
}

static ULONG WINAPI enum_files_Release(IEnumBackgroundCopyFiles *iface)
{
    struct enum_files *e = impl_from_IEnumBackgroundCopyFiles(iface);
    ULONG ref = InterlockedDecrement(&e->ref);

    TRACE("%p ref %lu\n", e, ref);

    if (!ref)
    {
        enum_items_free(&e->items);
        free(e);
    }
    return ref;
}

static HRESULT WINAPI enum_files_Next(IEnumBackgroundCopyFiles *iface, ULONG celt, IBackgroundCopyFile **elts, ULONG *fetched)
{
    struct enum_files *e = impl_from_IEnumBackgroundCopyFiles(iface);
    TRACE("%p %lu %p %p\n", e, celt, elts, fetched);
    return enum_items_next(&e->items, celt, (IUnknown **)elts, fetched);
}

static HRESULT WINAPI enum_files_Skip(IEnumBackgroundCopyFiles *iface, ULONG celt)
{
    struct enum_files *e = impl_from_IEnumBackgroundCopyFiles(iface);
    TRACE("%p %lu\n", e, celt);
    return enum_items_skip(&e->items, celt);
}

static HRESULT WINAPI enum_files_Reset(IEnumBackgroundCopyFiles *iface)
{
    struct enum_files *e = impl_from_IEnumBackgroundCopyFiles(iface);
    TRACE("%p\n", e);
    enum_items_reset(&e->items);
    return S_OK;
}

static HRESULT WINAPI enum_files_Clone(IEnumBackgroundCopyFiles *iface, IEnumBackgroundCopyFiles **ret)
{
    struct enum_files *e = impl_from_IEnumBackgroundCopyFiles(iface);

    TRACE("%p %p\n", e, ret);

    if (!ret) return E_INVALIDARG;
    *ret = NULL;
    return enum_files_create_items(e->items.items, e->items.count, enum_items_position(&e->items), ret);
}

static HRESULT WINAPI enum_files_GetCount(IEnumBackgroundCopyFiles *iface, ULONG *count)
{
    struct enum_files *e = impl_from_IEnumBackgroundCopyFiles(iface);

    TRACE("%p %p\n", e, count);

    if (!count) return E_INVALIDARG;
    *count = e->items.count;
    return S_OK;
}

static const IEnumBackgroundCopyFilesVtbl enum_files_vtbl =
{
    enum_files_QueryInterface,
    enum_files_AddRef,
    enum_files_Release,
    enum_files_Next,
    enum_files_Skip,
    enum_files_Reset,
    enum_files_Clone,
    enum_files_GetCount,
};

static HRESULT enum_files_create_items(IUnknown **items, ULONG count, ULONG pos, IEnumBackgroundCopyFiles **ret)
{
    struct enum_files *e;
    HRESULT hr;

    if (!(e = calloc(1, sizeof(*e)))) return E_OUTOFMEMORY;
    if (FAILED(hr = enum_items_init(&e->items, items, count, pos)))
    {
        free(e);
        return hr;
    }
    e->IEnumBackgroundCopyFiles_iface.lpVtbl = &enum_files_vtbl;
    e->ref = 1;
    *ret = &e->IEnumBackgroundCopyFiles_iface;
    return S_OK;
}

/* A snapshot of the job's files; called with the job's lock held. */
HRESULT enum_files_create(struct job *job, IEnumBackgroundCopyFiles **ret)
{
    IBackgroundCopyFile2 *obj;
    struct file *file;
    IUnknown **items;
    ULONG count = 0, i;
    HRESULT hr = S_OK;

    if (!(items = calloc(job->file_count + 1, sizeof(*items)))) return E_OUTOFMEMORY;
    LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
    {
        if (FAILED(hr = file_object_create(job, file, &obj))) break;
        items[count++] = (IUnknown *)obj;
    }
    if (SUCCEEDED(hr)) hr = enum_files_create_items(items, count, 0, ret);
    for (i = 0; i < count; i++) IUnknown_Release(items[i]);
    free(items);
    return hr;
}
