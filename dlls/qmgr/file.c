/*
 * Background Intelligent Transfer Service: files and IBackgroundCopyFile2
 *
 * A job owns its struct file records.  The COM object handed to clients is
 * a small view that keeps the job alive and reads the record under the
 * job's lock.
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
#include "shlwapi.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

struct file *file_alloc(void)
{
    struct file *file;

    if (!(file = calloc(1, sizeof(*file)))) return NULL;
    file->progress.BytesTotal = BG_SIZE_UNKNOWN;
    return file;
}

struct file *file_new(const WCHAR *remote, const WCHAR *local)
{
    struct file *file;

    if (!(file = file_alloc())) return NULL;
    if (!(file->remote = strdupW(remote)) || !(file->local = strdupW(local)))
    {
        file_free(file);
        return NULL;
    }
    return file;
}

void file_free(struct file *file)
{
    file_free_properties(file);
    free(file);
}

/* The size of a file of ranges; unknown when one runs to the end. */
UINT64 ranges_total(const BG_FILE_RANGE *ranges, DWORD count)
{
    UINT64 total = 0;
    DWORD i;

    for (i = 0; i < count && total != BG_SIZE_UNKNOWN; i++)
        total = ranges[i].Length == BG_LENGTH_TO_EOF ? BG_SIZE_UNKNOWN : total + ranges[i].Length;
    return total;
}

BOOL is_http_url(const WCHAR *name)
{
    return !wcsnicmp(name, L"http://", 7) || !wcsnicmp(name, L"https://", 8);
}

static BOOL is_drive_path(const WCHAR *name)
{
    return iswalpha(name[0]) && name[1] == ':' && (name[2] == '\\' || name[2] == '/');
}

static BOOL is_unc_path(const WCHAR *name)
{
    return name[0] == '\\' && name[1] == '\\' && name[2] && name[2] != '\\' && name[2] != '?' && name[2] != '.';
}

static BOOL is_file_url(const WCHAR *name)
{
    return !wcsnicmp(name, L"file://", 7);
}

/* Remote names: http, https, UNC, drive paths and file:// URLs (uploads
 * only over http and https), at most 2,200 characters. */
HRESULT file_check_remote_name(const WCHAR *remote, BG_JOB_TYPE type)
{
    if (!remote || !*remote) return E_INVALIDARG;
    if (wcslen(remote) > MAX_REMOTE_NAME) return E_INVALIDARG;
    if (is_http_url(remote))
    {
        const WCHAR *host = remote + (remote[4] == ':' ? 7 : 8);
        if (!*host || *host == '/') return E_INVALIDARG;
        return S_OK;
    }
    if (type != BG_JOB_TYPE_DOWNLOAD) return E_INVALIDARG;
    if (is_file_url(remote)) return remote[7] ? S_OK : E_INVALIDARG;
    if (is_drive_path(remote) || is_unc_path(remote)) return S_OK;
    WARN("unsupported remote name %s\n", debugstr_w(remote));
    return E_INVALIDARG;
}

/* Local names must be full paths of a file (no wildcards, no directory). */
HRESULT file_check_local_name(const WCHAR *local)
{
    size_t len, i;

    if (!local || !*local) return E_INVALIDARG;
    len = wcslen(local);
    if (len >= MAX_PATH) return E_INVALIDARG;
    if (!is_drive_path(local) && !is_unc_path(local)) return E_INVALIDARG;
    if (wcspbrk(local + 2, L"*?<>|\"")) return E_INVALIDARG;
    /* Control characters are in no file name either: the transfer would run
     * and only the rename at Complete would fail. */
    for (i = 0; i < len; i++) if (local[i] < 0x20) return E_INVALIDARG;
    if (local[len - 1] == '\\' || local[len - 1] == '/') return E_INVALIDARG;
    return S_OK;
}

/* The length of the folder part of a path, its last separator included. */
size_t local_folder_len(const WCHAR *local)
{
    size_t len = 0;
    const WCHAR *p;

    for (p = local; *p; p++) if (*p == '\\' || *p == '/') len = p + 1 - local;
    return len;
}

/* A temporary file's name is BIT<4 hex digits>.tmp in the destination's
 * folder (transfer.c makes no other): one read back from the store that is
 * not could make Cancel delete, or a restart truncate, some other file. */
HRESULT file_check_temp_name(const WCHAR *local, const WCHAR *temp)
{
    size_t dir_len;
    unsigned int i;

    if (!local || !temp || FAILED(file_check_local_name(temp))) return E_INVALIDARG;
    dir_len = local_folder_len(local);
    if (wcslen(temp) != dir_len + TEMP_NAME_LEN || wcsnicmp(temp, local, dir_len)) return E_INVALIDARG;
    temp += dir_len;
    if (wcsnicmp(temp, L"BIT", 3) || wcsicmp(temp + 7, L".tmp")) return E_INVALIDARG;
    for (i = 3; i < 7; i++) if (!iswxdigit(temp[i])) return E_INVALIDARG;
    return S_OK;
}

struct file_object
{
    IBackgroundCopyFile2 IBackgroundCopyFile2_iface;
    LONG ref;
    struct job *job;
    struct file *file;
};

static inline struct file_object *impl_from_IBackgroundCopyFile2(IBackgroundCopyFile2 *iface)
{
    return CONTAINING_RECORD(iface, struct file_object, IBackgroundCopyFile2_iface);
}

static HRESULT WINAPI file_QueryInterface(IBackgroundCopyFile2 *iface, REFIID riid, void **obj)
{
    struct file_object *file = impl_from_IBackgroundCopyFile2(iface);

    TRACE("%p %s %p\n", file, debugstr_guid(riid), obj);

    if (!obj) return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyFile) ||
        IsEqualGUID(riid, &IID_IBackgroundCopyFile2))
    {
        *obj = iface;
        IBackgroundCopyFile2_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI file_AddRef(IBackgroundCopyFile2 *iface)
{
    struct file_object *file = impl_from_IBackgroundCopyFile2(iface);
    ULONG ref = InterlockedIncrement(&file->ref);
    TRACE("%p ref %lu\n", file, ref);
    return ref;
}

static ULONG WINAPI file_Release(IBackgroundCopyFile2 *iface)
{
    struct file_object *file = impl_from_IBackgroundCopyFile2(iface);
    ULONG ref = InterlockedDecrement(&file->ref);

    TRACE("%p ref %lu\n", file, ref);

    if (!ref)
    {
        IBackgroundCopyJob4_Release(&file->job->IBackgroundCopyJob4_iface);
        free(file);
    }
    return ref;
}

static HRESULT get_file_string(struct file_object *file, WCHAR *const *field, LPWSTR *ret)
{
    HRESULT hr;

    if (!ret) return E_INVALIDARG;
    *ret = NULL;
    if (FAILED(hr = job_enter(file->job, FALSE))) return hr;
    hr = co_strdup(*field, ret);
    job_leave(file->job);
    return hr;
}

static HRESULT WINAPI file_GetRemoteName(IBackgroundCopyFile2 *iface, LPWSTR *name)
{
    struct file_object *file = impl_from_IBackgroundCopyFile2(iface);
    TRACE("%p %p\n", file, name);
    return get_file_string(file, &file->file->remote, name);
}

static HRESULT WINAPI file_GetLocalName(IBackgroundCopyFile2 *iface, LPWSTR *name)
{
    struct file_object *file = impl_from_IBackgroundCopyFile2(iface);
    TRACE("%p %p\n", file, name);
    return get_file_string(file, &file->file->local, name);
}

static HRESULT WINAPI file_GetProgress(IBackgroundCopyFile2 *iface, BG_FILE_PROGRESS *progress)
{
    struct file_object *file = impl_from_IBackgroundCopyFile2(iface);
    HRESULT hr;

    TRACE("%p %p\n", file, progress);

    if (!progress) return E_INVALIDARG;
    if (FAILED(hr = job_enter(file->job, FALSE))) return hr;
    *progress = file->file->progress;
    job_leave(file->job);
    return S_OK;
}

static HRESULT WINAPI file_GetFileRanges(IBackgroundCopyFile2 *iface, DWORD *count, BG_FILE_RANGE **ranges)
{
    struct file_object *file = impl_from_IBackgroundCopyFile2(iface);
    HRESULT hr;

    TRACE("%p %p %p\n", file, count, ranges);

    if (!count || !ranges) return E_INVALIDARG;
    *count = 0;
    *ranges = NULL;
    if (FAILED(hr = job_enter(file->job, FALSE))) return hr;
    /* A file without ranges answers S_FALSE. */
    if (!file->file->range_count) hr = S_FALSE;
    else
    {
        size_t size = file->file->range_count * sizeof(BG_FILE_RANGE);
        if (!(*ranges = CoTaskMemAlloc(size))) hr = E_OUTOFMEMORY;
        else
        {
            memcpy(*ranges, file->file->ranges, size);
            *count = file->file->range_count;
        }
    }
    job_leave(file->job);
    return hr;
}

static HRESULT WINAPI file_SetRemoteName(IBackgroundCopyFile2 *iface, LPCWSTR name)
{
    struct file_object *file = impl_from_IBackgroundCopyFile2(iface);
    struct job *job = file->job;
    WCHAR *copy;
    HRESULT hr;

    TRACE("%p %s\n", file, debugstr_w(name));

    if (job->type != BG_JOB_TYPE_DOWNLOAD) return E_NOTIMPL;
    if (FAILED(hr = file_check_remote_name(name, job->type))) return hr;
    if (FAILED(hr = job_enter_modify(job))) return hr;

    /* Changing protocol is allowed; the transfer compares size and date
     * before it reuses bytes already fetched. */
    if (!(copy = strdupW(name))) hr = E_OUTOFMEMORY;
    else
    {
        free(file->file->remote);
        file->file->remote = copy;
        job_touch(job);
    }
    job_leave(job);
    return hr;
}

static const IBackgroundCopyFile2Vtbl file_vtbl =
{
    file_QueryInterface,
    file_AddRef,
    file_Release,
    file_GetRemoteName,
    file_GetLocalName,
    file_GetProgress,
    file_GetFileRanges,
    file_SetRemoteName,
};

HRESULT file_object_create(struct job *job, struct file *record, IBackgroundCopyFile2 **ret)
{
    struct file_object *file;

    if (!(file = malloc(sizeof(*file)))) return E_OUTOFMEMORY;
    file->IBackgroundCopyFile2_iface.lpVtbl = &file_vtbl;
    file->ref = 1;
    file->job = job;
    file->file = record;
    IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
    *ret = &file->IBackgroundCopyFile2_iface;
    return S_OK;
}
