/*
 * Background Intelligent Transfer Service: what both enumerators hold,
 * a snapshot of referenced interface pointers and a position
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

/* Takes a reference on each item. */
HRESULT enum_items_init(struct enum_items *e, IUnknown **items, ULONG count, ULONG pos)
{
    ULONG i;

    e->items = NULL;
    e->count = e->pos = 0;
    if (count && !(e->items = calloc(count, sizeof(*items)))) return E_OUTOFMEMORY;
    for (i = 0; i < count; i++)
    {
        e->items[i] = items[i];
        IUnknown_AddRef(items[i]);
    }
    e->count = count;
    e->pos = min(pos, count);
    InitializeCriticalSection(&e->cs);
    e->cs.DebugInfo->Spare[0] = (DWORD_PTR)(__FILE__ ": enum_items.cs");
    return S_OK;
}

void enum_items_free(struct enum_items *e)
{
    ULONG i;

    for (i = 0; i < e->count; i++) IUnknown_Release(e->items[i]);
    free(e->items);
    e->cs.DebugInfo->Spare[0] = 0;
    DeleteCriticalSection(&e->cs);
}

HRESULT enum_items_next(struct enum_items *e, ULONG celt, IUnknown **out, ULONG *fetched)
{
    ULONG n;

    if (!out) return E_INVALIDARG;
    /* Without a count to report, only one element may be asked for. */
    if (celt > 1 && !fetched) return E_INVALIDARG;

    EnterCriticalSection(&e->cs);
    for (n = 0; n < celt && e->pos < e->count; n++, e->pos++)
    {
        out[n] = e->items[e->pos];
        IUnknown_AddRef(out[n]);
    }
    LeaveCriticalSection(&e->cs);
    if (fetched) *fetched = n;
    return n == celt ? S_OK : S_FALSE;
}

HRESULT enum_items_skip(struct enum_items *e, ULONG celt)
{
    HRESULT hr = S_OK;

    EnterCriticalSection(&e->cs);
    if (celt > e->count - e->pos)
    {
        e->pos = e->count;
        hr = S_FALSE;
    }
    else e->pos += celt;
    LeaveCriticalSection(&e->cs);
    return hr;
}

void enum_items_reset(struct enum_items *e)
{
    EnterCriticalSection(&e->cs);
    e->pos = 0;
    LeaveCriticalSection(&e->cs);
}

/* Where the next Next starts, for Clone. */
ULONG enum_items_position(struct enum_items *e)
{
    ULONG pos;

    EnterCriticalSection(&e->cs);
    pos = e->pos;
    LeaveCriticalSection(&e->cs);
    return pos;
}
