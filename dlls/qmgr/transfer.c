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
    return !wcsnicmp(t->remote, L"http://", 7) || !wcsnicmp(t->remote, L"https://", 8);
}

static void copy_credentials(struct transfer *t, const struct job *job)
{
    int i, j;

    for (i = 0; i < CRED_TARGETS; i++)
        for (j = 0; j < CRED_SCHEMES; j++)
        {
            const struct credential *c = &job->creds[i][j];
            t->creds[i][j].set = c->set;
            t->creds[i][j].user = strdupW(c->user);
            t->creds[i][j].password = strdupW(c->password);
        }
}

HRESULT transfer_begin(struct transfer *t)
{
    struct job *job = t->job;
    struct file *file = t->file;
    HRESULT hr = S_OK;

    EnterCriticalSection(&job->cs);
    t->remote = strdupW(file->remote);
    t->temp = strdupW(file->temp);
    t->etag = strdupW(file->etag);
    t->last_modified = strdupW(file->last_modified);
    if (file->range_count && (t->ranges = malloc(file->range_count * sizeof(*t->ranges))))
    {
        memcpy(t->ranges, file->ranges, file->range_count * sizeof(*t->ranges));
        t->range_count = file->range_count;
    }
    t->proxy_usage = job->proxy_usage;
    t->proxy_list = strdupW(job->proxy_list);
    t->proxy_bypass = strdupW(job->proxy_bypass);
    t->custom_headers = strdupW(job->custom_headers);
    t->security_flags = job->security_flags;
    t->no_progress_timeout = job->no_progress_timeout;
    copy_credentials(t, job);
    if (!t->remote || (file->temp && !t->temp) || (file->range_count && !t->ranges)) hr = E_OUTOFMEMORY;
    LeaveCriticalSection(&job->cs);

    if (FAILED(hr)) transfer_fail(t, hr, BG_ERROR_CONTEXT_LOCAL_FILE, FALSE);
    return hr;
}

void transfer_cleanup(struct transfer *t)
{
    free(t->remote);
    free(t->temp);
    free(t->etag);
    free(t->last_modified);
    free(t->ranges);
    free(t->proxy_list);
    free(t->proxy_bypass);
    free(t->custom_headers);
    credentials_clear(t->creds);
    memset(t, 0, sizeof(*t));
}

/* Creates the hidden temporary file BIT<hex>.tmp beside the destination;
 * the name is recorded in the job so that a resume finds the bytes again. */
static HANDLE create_temp_file(struct transfer *t)
{
    static LONG counter;
    WCHAR name[MAX_PATH], *p;
    HANDLE handle = INVALID_HANDLE_VALUE;
    unsigned int i;

    EnterCriticalSection(&t->job->cs);
    wcscpy(name, t->file->local);
    LeaveCriticalSection(&t->job->cs);
    if (!(p = wcsrchr(name, '\\')) && !(p = wcsrchr(name, '/'))) p = name - 1;
    for (i = 0; i < 0x10000 && handle == INVALID_HANDLE_VALUE; i++)
    {
        swprintf(p + 1, MAX_PATH - (p + 1 - name), L"BIT%04x.tmp",
                 (GetTickCount() + InterlockedIncrement(&counter)) & 0xffff);
        handle = CreateFileW(name, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, CREATE_NEW,
                             FILE_ATTRIBUTE_HIDDEN | FILE_FLAG_SEQUENTIAL_SCAN, NULL);
        if (handle == INVALID_HANDLE_VALUE && GetLastError() != ERROR_FILE_EXISTS) break;
    }
    if (handle == INVALID_HANDLE_VALUE || !(t->temp = strdupW(name)))
    {
        transfer_fail(t, handle == INVALID_HANDLE_VALUE ? HRESULT_FROM_WIN32(GetLastError()) : E_OUTOFMEMORY,
                      BG_ERROR_CONTEXT_LOCAL_FILE, FALSE);
        if (handle != INVALID_HANDLE_VALUE)
        {
            CloseHandle(handle);
            DeleteFileW(name);
        }
        return NULL;
    }
    TRACE("temporary file %s\n", debugstr_w(name));

    EnterCriticalSection(&t->job->cs);
    free(t->file->temp);
    t->file->temp = strdupW(name);
    LeaveCriticalSection(&t->job->cs);
    return handle;
}

/* Opens the temporary file for writing at its end, or emptied when the
 * transfer restarts; *offset gets the bytes kept. */
HANDLE transfer_open_temp(struct transfer *t, BOOL restart, UINT64 *offset)
{
    LARGE_INTEGER size = {{0}};
    HANDLE handle;

    *offset = 0;
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

static BOOL transfer_current(const struct transfer *t)
{
    return t->job->generation == t->generation;
}

void transfer_set_validator(struct transfer *t, const WCHAR *etag, const WCHAR *last_modified,
                            const FILETIME *remote_time)
{
    struct file *file = t->file;

    EnterCriticalSection(&t->job->cs);
    if (transfer_current(t))
    {
        free(file->etag);
        free(file->last_modified);
        file->etag = strdupW(etag);
        file->last_modified = strdupW(last_modified);
        if (remote_time) file->remote_time = *remote_time;
        else memset(&file->remote_time, 0, sizeof(file->remote_time));
    }
    LeaveCriticalSection(&t->job->cs);
}

void transfer_progress(struct transfer *t, UINT64 transferred, UINT64 total)
{
    struct job *job = t->job;
    struct file *file = t->file;

    EnterCriticalSection(&job->cs);
    if (transfer_current(t))
    {
        if (transferred > file->progress.BytesTransferred) job->last_progress = GetTickCount64();
        file->progress.BytesTransferred = transferred;
        file->progress.BytesTotal = total;
        if (job->state == BG_JOB_STATE_CONNECTING) job_set_state(job, BG_JOB_STATE_TRANSFERRING);
        else job_touch(job);
    }
    LeaveCriticalSection(&job->cs);
}

/* The file is whole: it takes the source's date now, which the rename at
 * Complete keeps. */
void transfer_file_done(struct transfer *t, HANDLE handle)
{
    struct job *job = t->job;
    struct file *file = t->file;
    FILETIME time;

    EnterCriticalSection(&job->cs);
    time = file->remote_time;
    LeaveCriticalSection(&job->cs);
    if (time.dwLowDateTime || time.dwHighDateTime) SetFileTime(handle, NULL, NULL, &time);

    EnterCriticalSection(&job->cs);
    if (transfer_current(t))
    {
        file->progress.BytesTotal = file->progress.BytesTransferred;
        file->progress.Completed = TRUE;
        job->last_progress = GetTickCount64();
        job_touch(job);
        job_file_transferred(job, file);
    }
    LeaveCriticalSection(&job->cs);
}

/* BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT: the file's remote name becomes
 * the URL the server redirected to. */
void transfer_set_remote(struct transfer *t, const WCHAR *remote)
{
    WCHAR *copy;

    EnterCriticalSection(&t->job->cs);
    if (transfer_current(t) && (copy = strdupW(remote)))
    {
        free(t->file->remote);
        t->file->remote = copy;
        job_touch(t->job);
    }
    LeaveCriticalSection(&t->job->cs);
}

void transfer_fail(struct transfer *t, HRESULT hr, BG_ERROR_CONTEXT context, BOOL transient)
{
    TRACE("%s: %#lx context %u%s\n", debugstr_w(t->remote), hr, context, transient ? " (transient)" : "");
    t->error = hr;
    t->error_context = context;
    t->transient = transient;
}
