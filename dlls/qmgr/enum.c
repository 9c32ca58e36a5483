/*
 * Background Intelligent Transfer Service: IEnumBackgroundCopyJobs and
 * IEnumBackgroundCopyFiles
 *
 * Both enumerators have the same shape, so one snapshot of interface
 * pointers serves both, with the interface id telling them apart.
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

struct enumerator
{
    IEnumBackgroundCopyJobs IEnumBackgroundCopyJobs_iface;  /* or IEnumBackgroundCopyFiles */
    LONG ref;
    const IID *iid;
    IUnknown **items;
    ULONG count;
    ULONG pos;
};

static inline struct enumerator *impl_from_iface(IEnumBackgroundCopyJobs *iface)
{
    return CONTAINING_RECORD(iface, struct enumerator, IEnumBackgroundCopyJobs_iface);
}

static HRESULT enumerator_create(const IID *iid, IUnknown **items, ULONG count, ULONG pos,
                                 struct enumerator **ret);

static HRESULT WINAPI enum_QueryInterface(IEnumBackgroundCopyJobs *iface, REFIID riid, void **obj)
{
    struct enumerator *e = impl_from_iface(iface);

    TRACE("%p %s %p\n", e, debugstr_guid(riid), obj);

    if (!obj) return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, e->iid))
    {
        *obj = iface;
        IEnumBackgroundCopyJobs_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_AddRef(IEnumBackgroundCopyJobs *iface)
{
    struct enumerator *e = impl_from_iface(iface);
    ULONG ref = InterlockedIncrement(&e->ref);
    TRACE("%p ref %lu\n", e, ref);
    return ref;
}

static ULONG WINAPI enum_Release(IEnumBackgroundCopyJobs *iface)
{
    struct enumerator *e = impl_from_iface(iface);
    ULONG ref = InterlockedDecrement(&e->ref), i;

    TRACE("%p ref %lu\n", e, ref);

    if (!ref)
    {
        for (i = 0; i < e->count; i++) IUnknown_Release(e->items[i]);
        free(e->items);
        free(e);
    }
    return ref;
}

static HRESULT WINAPI enum_Next(IEnumBackgroundCopyJobs *iface, ULONG celt, IBackgroundCopyJob **elts, ULONG *fetched)
{
    struct enumerator *e = impl_from_iface(iface);
    IUnknown **out = (IUnknown **)elts;
    ULONG n;

    TRACE("%p %lu %p %p\n", e, celt, elts, fetched);

    if (!elts) return E_INVALIDARG;
    /* Without a count to report, only one element may be asked for. */
    if (celt > 1 && !fetched) return E_INVALIDARG;

    for (n = 0; n < celt && e->pos < e->count; n++, e->pos++)
    {
        out[n] = e->items[e->pos];
        IUnknown_AddRef(out[n]);
    }
    if (fetched) *fetched = n;
    return n == celt ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_Skip(IEnumBackgroundCopyJobs *iface, ULONG celt)
{
    struct enumerator *e = impl_from_iface(iface);

    TRACE("%p %lu\n", e, celt);

    if (celt > e->count - e->pos)
    {
        e->pos = e->count;
        return S_FALSE;
    }
    e->pos += celt;
    return S_OK;
}

static HRESULT WINAPI enum_Reset(IEnumBackgroundCopyJobs *iface)
{
    struct enumerator *e = impl_from_iface(iface);

    TRACE("%p\n", e);

    e->pos = 0;
    return S_OK;
}

static HRESULT WINAPI enum_Clone(IEnumBackgroundCopyJobs *iface, IEnumBackgroundCopyJobs **ret)
{
    struct enumerator *e = impl_from_iface(iface), *clone;
    HRESULT hr;

    TRACE("%p %p\n", e, ret);

    if (!ret) return E_INVALIDARG;
    *ret = NULL;
    if (FAILED(hr = enumerator_create(e->iid, e->items, e->count, e->pos, &clone))) return hr;
    *ret = &clone->IEnumBackgroundCopyJobs_iface;
    return S_OK;
}

static HRESULT WINAPI enum_GetCount(IEnumBackgroundCopyJobs *iface, ULONG *count)
{
    struct enumerator *e = impl_from_iface(iface);

    TRACE("%p %p\n", e, count);

    if (!count) return E_INVALIDARG;
    *count = e->count;
    return S_OK;
}

static const IEnumBackgroundCopyJobsVtbl enum_vtbl =
{
    enum_QueryInterface,
    enum_AddRef,
    enum_Release,
    enum_Next,
    enum_Skip,
    enum_Reset,
    enum_Clone,
    enum_GetCount,
};

/* Takes a reference on each item. */
static HRESULT enumerator_create(const IID *iid, IUnknown **items, ULONG count, ULONG pos,
                                 struct enumerator **ret)
{
    struct enumerator *e;
    ULONG i;

    if (!(e = calloc(1, sizeof(*e)))) return E_OUTOFMEMORY;
    if (count && !(e->items = malloc(count * sizeof(*items))))
    {
        free(e);
        return E_OUTOFMEMORY;
    }
    e->IEnumBackgroundCopyJobs_iface.lpVtbl = &enum_vtbl;
    e->ref = 1;
    e->iid = iid;
    e->count = count;
    e->pos = pos;
    for (i = 0; i < count; i++)
    {
        e->items[i] = items[i];
        IUnknown_AddRef(items[i]);
    }
    *ret = e;
    return S_OK;
}

HRESULT enum_jobs_create(struct job **jobs, ULONG count, IEnumBackgroundCopyJobs **ret)
{
    struct enumerator *e;
    IUnknown **items;
    HRESULT hr;
    ULONG i;

    if (count && !(items = malloc(count * sizeof(*items)))) return E_OUTOFMEMORY;
    for (i = 0; i < count; i++) items[i] = (IUnknown *)&jobs[i]->IBackgroundCopyJob4_iface;
    hr = enumerator_create(&IID_IEnumBackgroundCopyJobs, count ? items : NULL, count, 0, &e);
    if (count) free(items);
    if (SUCCEEDED(hr)) *ret = &e->IEnumBackgroundCopyJobs_iface;
    return hr;
}

/* A snapshot of the job's files; called with the job's lock held. */
HRESULT enum_files_create(struct job *job, IEnumBackgroundCopyFiles **ret)
{
    IBackgroundCopyFile2 *obj;
    struct enumerator *e;
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
    if (SUCCEEDED(hr)) hr = enumerator_create(&IID_IEnumBackgroundCopyFiles, items, count, 0, &e);
    for (i = 0; i < count; i++) IUnknown_Release(items[i]);
    free(items);
    if (SUCCEEDED(hr)) *ret = (IEnumBackgroundCopyFiles *)&e->IEnumBackgroundCopyJobs_iface;
    return hr;
}
