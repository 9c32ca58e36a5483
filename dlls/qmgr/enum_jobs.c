/*
 * Background Intelligent Transfer Service: IEnumBackgroundCopyJobs
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

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

struct enum_jobs
{
    IEnumBackgroundCopyJobs IEnumBackgroundCopyJobs_iface;
    LONG ref;
    struct enum_items items;
};

static inline struct enum_jobs *impl_from_IEnumBackgroundCopyJobs(IEnumBackgroundCopyJobs *iface)
{
    return CONTAINING_RECORD(iface, struct enum_jobs, IEnumBackgroundCopyJobs_iface);
}

static HRESULT enum_jobs_create_items(IUnknown **items, ULONG count, ULONG pos, IEnumBackgroundCopyJobs **ret);

static HRESULT WINAPI enum_jobs_QueryInterface(IEnumBackgroundCopyJobs *iface, REFIID riid, void **obj)
{
    struct enum_jobs *e = impl_from_IEnumBackgroundCopyJobs(iface);

    TRACE("%p %s %p\n", e, debugstr_guid(riid), obj);

    if (!obj) return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IEnumBackgroundCopyJobs))
    {
        *obj = iface;
        IEnumBackgroundCopyJobs_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_jobs_AddRef(IEnumBackgroundCopyJobs *iface)
{
    struct enum_jobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    ULONG ref = InterlockedIncrement(&e->ref);
    TRACE("%p ref %lu\n", e, ref);
    return ref;
}

static ULONG WINAPI enum_jobs_Release(IEnumBackgroundCopyJobs *iface)
{
    struct enum_jobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    ULONG ref = InterlockedDecrement(&e->ref);

    TRACE("%p ref %lu\n", e, ref);

    if (!ref)
    {
        enum_items_free(&e->items);
        free(e);
    }
    return ref;
}

static HRESULT WINAPI enum_jobs_Next(IEnumBackgroundCopyJobs *iface, ULONG celt, IBackgroundCopyJob **elts, ULONG *fetched)
{
    struct enum_jobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    TRACE("%p %lu %p %p\n", e, celt, elts, fetched);
    return enum_items_next(&e->items, celt, (IUnknown **)elts, fetched);
}

static HRESULT WINAPI enum_jobs_Skip(IEnumBackgroundCopyJobs *iface, ULONG celt)
{
    struct enum_jobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    TRACE("%p %lu\n", e, celt);
    return enum_items_skip(&e->items, celt);
}

static HRESULT WINAPI enum_jobs_Reset(IEnumBackgroundCopyJobs *iface)
{
    struct enum_jobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    TRACE("%p\n", e);
    enum_items_reset(&e->items);
    return S_OK;
}

static HRESULT WINAPI enum_jobs_Clone(IEnumBackgroundCopyJobs *iface, IEnumBackgroundCopyJobs **ret)
{
    struct enum_jobs *e = impl_from_IEnumBackgroundCopyJobs(iface);

    TRACE("%p %p\n", e, ret);

    if (!ret) return E_INVALIDARG;
    *ret = NULL;
    return enum_jobs_create_items(e->items.items, e->items.count, enum_items_position(&e->items), ret);
}

static HRESULT WINAPI enum_jobs_GetCount(IEnumBackgroundCopyJobs *iface, ULONG *count)
{
    struct enum_jobs *e = impl_from_IEnumBackgroundCopyJobs(iface);

    TRACE("%p %p\n", e, count);

    if (!count) return E_INVALIDARG;
    *count = e->items.count;
    return S_OK;
}

static const IEnumBackgroundCopyJobsVtbl enum_jobs_vtbl =
{
    enum_jobs_QueryInterface,
    enum_jobs_AddRef,
    enum_jobs_Release,
    enum_jobs_Next,
    enum_jobs_Skip,
    enum_jobs_Reset,
    enum_jobs_Clone,
    enum_jobs_GetCount,
};

static HRESULT enum_jobs_create_items(IUnknown **items, ULONG count, ULONG pos, IEnumBackgroundCopyJobs **ret)
{
    struct enum_jobs *e;
    HRESULT hr;

    if (!(e = calloc(1, sizeof(*e)))) return E_OUTOFMEMORY;
    if (FAILED(hr = enum_items_init(&e->items, items, count, pos)))
    {
        free(e);
        return hr;
    }
    e->IEnumBackgroundCopyJobs_iface.lpVtbl = &enum_jobs_vtbl;
    e->ref = 1;
    *ret = &e->IEnumBackgroundCopyJobs_iface;
    return S_OK;
}

HRESULT enum_jobs_create(struct job **jobs, ULONG count, IEnumBackgroundCopyJobs **ret)
{
    IUnknown **items = NULL;
    HRESULT hr;
    ULONG i;

    if (count && !(items = calloc(count, sizeof(*items)))) return E_OUTOFMEMORY;
    for (i = 0; i < count; i++) items[i] = (IUnknown *)job_interface(jobs[i]);
    hr = enum_jobs_create_items(items, count, 0, ret);
    free(items);
    return hr;
}
