/*
 * Background Intelligent Transfer Service: what every transfer shares
 *
 * A transfer works on a snapshot of its job's settings taken under the
 * job's lock, writes into a hidden temporary file BIT<hex>.tmp beside the
 * destination, and reports progress, validators and its outcome back
 * through these functions.  A report from a transfer whose job has since
 * been suspended, cancelled or preempted (its generation changed) is
 * dropped.
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

BOOL transfer_is_http(const struct transfer *t)
{
    return is_http_url(t->remote);
}

HRESULT transfer_begin(struct transfer *t)
{
    HRESULT hr = job_transfer_begin(t->job, t->file, t);

    if (FAILED(hr)) transfer_fail(t, hr, BG_ERROR_CONTEXT_LOCAL_FILE, FALSE);
    return hr;
}

void transfer_cleanup(struct transfer *t)
{
    transfer_free_copy(t);
    memset(t, 0, sizeof(*t));
}

/* Creates the hidden temporary file BIT<hex>.tmp beside the destination;
 * the name is recorded in the job so that a resume finds the bytes again.
 * Its name must pass the checks of a local name as the destination's does
 * (the store reads it back through them), so a destination whose folder
 * leaves no room for it under MAX_PATH fails the transfer. */
static HANDLE create_temp_file(struct transfer *t)
{
    static LONG counter;
    size_t dir_len = local_folder_len(t->local), len = dir_len + TEMP_NAME_LEN;
    HANDLE handle = INVALID_HANDLE_VALUE;
    DWORD err = ERROR_SUCCESS;
    unsigned int i;
    WCHAR *name;

    if (len >= MAX_PATH)
    {
        WARN("no room for a temporary file beside %s\n", debugstr_w(t->local));
        transfer_fail(t, HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE), BG_ERROR_CONTEXT_LOCAL_FILE, FALSE);
        return NULL;
    }
    if (!(name = malloc((len + 1) * sizeof(WCHAR))))
    {
        transfer_fail(t, E_OUTOFMEMORY, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, TRUE);
        return NULL;
    }
    memcpy(name, t->local, dir_len * sizeof(WCHAR));
    for (i = 0; i < 0x10000 && handle == INVALID_HANDLE_VALUE; i++)
    {
        swprintf(name + dir_len, TEMP_NAME_LEN + 1, L"BIT%04x.tmp",
                 (GetTickCount() + InterlockedIncrement(&counter)) & 0xffff);
        handle = CreateFileW(name, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, CREATE_NEW,
                             FILE_ATTRIBUTE_HIDDEN | FILE_FLAG_SEQUENTIAL_SCAN, NULL);
        if (handle == INVALID_HANDLE_VALUE && (err = GetLastError()) != ERROR_FILE_EXISTS) break;
    }
    if (handle == INVALID_HANDLE_VALUE)
    {
        transfer_fail(t, HRESULT_FROM_WIN32(err), BG_ERROR_CONTEXT_LOCAL_FILE, FALSE);
        free(name);
        return NULL;
    }
    TRACE("temporary file %s\n", debugstr_w(name));
    /* A file the job does not know of could be neither resumed nor renamed. */
    if (!job_file_set_temp(t->job, t->file, name))
    {
        transfer_fail(t, E_OUTOFMEMORY, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, TRUE);
        CloseHandle(handle);
        DeleteFileW(name);
        free(name);
        return NULL;
    }
    t->temp = name;
    return handle;
}

/* Opens the temporary file for writing at its end, or emptied when the
 * transfer restarts; *offset gets the bytes kept. */
HANDLE transfer_open_temp(struct transfer *t, BOOL restart, UINT64 *offset)
{
    LARGE_INTEGER size = {{0}};
    HANDLE handle;

    *offset = 0;
    if (t->temp && FAILED(file_check_temp_name(t->local, t->temp)))
    {
        /* Never write into a file that is not ours. */
        WARN("ignoring temporary file %s of %s\n", debugstr_w(t->temp), debugstr_w(t->local));
        free(t->temp);
        t->temp = NULL;
    }
    if (!t->temp) return create_temp_file(t);
    handle = CreateFileW(t->temp, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS,
                         FILE_ATTRIBUTE_HIDDEN | FILE_FLAG_SEQUENTIAL_SCAN, NULL);
    if (handle == INVALID_HANDLE_VALUE)
    {
        transfer_fail(t, HRESULT_FROM_WIN32(GetLastError()), BG_ERROR_CONTEXT_LOCAL_FILE, FALSE);
        return NULL;
    }
    if (!restart) GetFileSizeEx(handle, &size);
    if (!SetFilePointerEx(handle, size, NULL, FILE_BEGIN) || (restart && !SetEndOfFile(handle)))
    {
        transfer_fail(t, HRESULT_FROM_WIN32(GetLastError()), BG_ERROR_CONTEXT_LOCAL_FILE, FALSE);
        CloseHandle(handle);
        return NULL;
    }
    *offset = size.QuadPart;
    return handle;
}

void transfer_set_validator(struct transfer *t, const WCHAR *etag, const WCHAR *last_modified,
                            const FILETIME *remote_time)
{
    if (remote_time) t->remote_time = *remote_time;
    else memset(&t->remote_time, 0, sizeof(t->remote_time));
    job_file_set_validator(t->job, t->file, t->generation, etag, last_modified, &t->remote_time);
}

void transfer_progress(struct transfer *t, UINT64 transferred, UINT64 total)
{
    job_file_progress(t->job, t->file, t->generation, transferred, total);
}

/* The file is whole: it takes the source's date now, which the rename at
 * Complete keeps. */
void transfer_file_done(struct transfer *t, HANDLE handle)
{
    if (t->remote_time.dwLowDateTime || t->remote_time.dwHighDateTime)
        SetFileTime(handle, NULL, NULL, &t->remote_time);
    job_file_done(t->job, t->file, t->generation);
}

/* BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT and _DISALLOW: the file's remote
 * name becomes the URL the server redirected to. */
void transfer_set_remote(struct transfer *t, const WCHAR *remote)
{
    job_file_set_remote(t->job, t->file, t->generation, remote);
}

void transfer_fail(struct transfer *t, HRESULT hr, BG_ERROR_CONTEXT context, BOOL transient)
{
    TRACE("%s: %#lx context %u%s\n", debugstr_w(t->remote), hr, context, transient ? " (transient)" : "");
    t->error = hr;
    t->error_context = context;
    t->transient = transient;
}
