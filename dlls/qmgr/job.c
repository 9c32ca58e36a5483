/*
 * Background Intelligent Transfer Service: IBackgroundCopyJob .. IBackgroundCopyJob4
 *
 * A job records what a transfer needs and moves between the states of
 * Microsoft's "Life Cycle of a BITS Job".  It never touches the network:
 * Resume hands it to the scheduler, whose workers report back through
 * job_set_state() and job_set_error().
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

static BOOL state_is_final(BG_JOB_STATE state)
{
    return state == BG_JOB_STATE_ACKNOWLEDGED || state == BG_JOB_STATE_CANCELLED;
}

static BOOL state_is_active(BG_JOB_STATE state)
{
    return state == BG_JOB_STATE_CONNECTING || state == BG_JOB_STATE_TRANSFERRING;
}

HRESULT co_strdup(const WCHAR *s, WCHAR **ret)
{
    size_t len;

    *ret = NULL;
    if (!s) return S_OK;
    len = (wcslen(s) + 1) * sizeof(WCHAR);
    if (!(*ret = CoTaskMemAlloc(len))) return E_OUTOFMEMORY;
    memcpy(*ret, s, len);
    return S_OK;
}

static HRESULT replace_string(WCHAR **field, const WCHAR *value)
{
    WCHAR *copy = NULL;

    if (value && !(copy = strdupW(value))) return E_OUTOFMEMORY;
    free(*field);
    *field = copy;
    return S_OK;
}

/* Wipes a secret before its memory goes back to the heap. */
static void free_secret(WCHAR *s)
{
    if (!s) return;
    SecureZeroMemory(s, wcslen(s) * sizeof(WCHAR));
    free(s);
}

/* Wipes and frees one credential, and its sealed copy. */
static void credential_clear(struct credential *cred)
{
    free_secret(cred->user);
    free_secret(cred->password);
    free(cred->sealed);
    memset(cred, 0, sizeof(*cred));
}

/* Wipes and frees a set of credentials (a job's, or a transfer's copy). */
void credentials_clear(struct credential creds[CRED_TARGETS][CRED_SCHEMES])
{
    int t, s;

    for (t = 0; t < CRED_TARGETS; t++)
        for (s = 0; s < CRED_SCHEMES; s++) credential_clear(&creds[t][s]);
}

/* A change to keep: job_leave() puts it in the store's journal before the
 * client's call returns; the store's compaction writes it otherwise. */
void job_touch(struct job *job)
{
    GetSystemTimeAsFileTime(&job->times.ModificationTime);
    job->unsaved = TRUE;
    job_modified(job);
    if (!job->store_queued) store_job_changed(job);
    job->store_queued = TRUE;
}

void job_set_state(struct job *job, BG_JOB_STATE state)
{
    ULONGLONG now = GetTickCount64();

    TRACE("job %p %u -> %u\n", job, job->state, state);

    if (state_is_active(job->state) && !state_is_active(state) && job->active_since)
    {
        job->active_ms += now - job->active_since;
        job->active_since = 0;
    }
    else if (!state_is_active(job->state) && state_is_active(state))
        job->active_since = now;

    if (state == BG_JOB_STATE_QUEUED) job->queued_at = now;
    if (state == BG_JOB_STATE_TRANSFERRED) GetSystemTimeAsFileTime(&job->times.TransferCompletionTime);
    job->state = state;
    job_touch(job);
}

static void job_clear_error(struct job *job)
{
    free(job->error.protocol);
    memset(&job->error, 0, sizeof(job->error));
    job->has_error = FALSE;
}

void job_set_error(struct job *job, HRESULT code, BG_ERROR_CONTEXT context, struct file *file,
                   const WCHAR *protocol)
{
    job_clear_error(job);
    job->error.code = code;
    job->error.context = context;
    job->error.file = file;
    job->error.protocol = strdupW(protocol);
    job->has_error = TRUE;
    job->error_count++;
}

/* The access rules of "Security considerations" and "UAC" for BITS: the
 * owner, or an elevated administrator; a job of an elevated owner needs an
 * elevated caller, and nobody modifies a job of a higher integrity level.
 * Called with the job's lock held: TakeOwnership frees the owner's SID. */
static HRESULT check_access_locked(struct job *job, const struct owner *caller, BOOL modify)
{
    if (caller->elevated && caller->admin) return S_OK;
    if (!EqualSid(job->owner.sid, caller->sid)) return E_ACCESSDENIED;
    if (job->owner.elevated && !caller->elevated) return E_ACCESSDENIED;
    if (modify && caller->integrity < job->owner.integrity) return E_ACCESSDENIED;
    return S_OK;
}

HRESULT job_check_access(struct job *job, const struct owner *caller, BOOL modify)
{
    HRESULT hr;

    EnterCriticalSection(&job->cs);
    hr = check_access_locked(job, caller, modify);
    LeaveCriticalSection(&job->cs);
    return hr;
}

/* Checks the caller's right to the job and takes the job's lock.  The
 * check is made under the lock, so that the owner it read is still the
 * owner while the caller works on the job. */
HRESULT job_enter(struct job *job, BOOL modify)
{
    struct owner caller;
    HRESULT hr;

    /* The caller's token is read before the lock is taken. */
    if (FAILED(hr = owner_from_caller(&caller))) return hr;
    EnterCriticalSection(&job->cs);
    if (FAILED(hr = check_access_locked(job, &caller, modify)))
    {
        LeaveCriticalSection(&job->cs);
        WARN("access denied to job %s\n", debugstr_guid(&job->id));
    }
    owner_free(&caller);
    return hr;
}

/* For setters: the job must still be alive. */
HRESULT job_enter_modify(struct job *job)
{
    HRESULT hr;

    if (FAILED(hr = job_enter(job, TRUE))) return hr;
    if (state_is_final(job->state))
    {
        LeaveCriticalSection(&job->cs);
        return BG_E_INVALID_STATE;
    }
    return S_OK;
}

/* Unlocks the job; what was changed is on disk when it returns. */
void job_leave(struct job *job)
{
    BOOL unsaved = job->unsaved;

    LeaveCriticalSection(&job->cs);
    if (unsaved) store_commit(job);
}

void job_addref(struct job *job)
{
    IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
}

void job_release(struct job *job)
{
    IBackgroundCopyJob4_Release(&job->IBackgroundCopyJob4_iface);
}

IBackgroundCopyJob *job_interface(struct job *job)
{
    return (IBackgroundCopyJob *)&job->IBackgroundCopyJob4_iface;
}

/* The id never changes. */
const GUID *job_id(const struct job *job)
{
    return &job->id;
}

/* The owner changes only under the job's lock (TakeOwnership frees the old
 * SID), so it is compared only under that lock.  Called under the job
 * list's lock too: that lock is always taken before a job's. */
BOOL job_owned_by(struct job *job, const struct owner *owner)
{
    BOOL ret;

    EnterCriticalSection(&job->cs);
    ret = EqualSid(job->owner.sid, owner->sid);
    LeaveCriticalSection(&job->cs);
    return ret;
}

/* Whether EnumJobs lists the job for caller: its own jobs, within the
 * access rules; one look at the owner. */
BOOL job_listed_for(struct job *job, const struct owner *caller)
{
    BOOL ret;

    EnterCriticalSection(&job->cs);
    ret = EqualSid(job->owner.sid, caller->sid) && SUCCEEDED(check_access_locked(job, caller, FALSE));
    LeaveCriticalSection(&job->cs);
    return ret;
}

BG_JOB_TYPE job_type(const struct job *job)
{
    return job->type;
}

/* The job's record for the store, or NULL when the job is gone (Complete,
 * Cancel: nothing of it is kept) or memory ran out (*gone says which).
 * compacting: the store's compaction writes it now, and job_touch() queues
 * it again at its next change. */
char *job_to_record(struct job *job, size_t *len, BOOL *gone, BOOL compacting)
{
    char *record = NULL;

    EnterCriticalSection(&job->cs);
    if (!(*gone = state_is_final(job->state))) record = job_write_record(job, len);
    if (record || *gone) job->unsaved = FALSE;
    if (compacting) job->store_queued = FALSE;
    LeaveCriticalSection(&job->cs);
    return record;
}

/* Completed or cancelled: nothing of it is kept. */
BOOL job_is_gone(struct job *job)
{
    BOOL gone;

    EnterCriticalSection(&job->cs);
    gone = state_is_final(job->state);
    LeaveCriticalSection(&job->cs);
    return gone;
}

static HRESULT WINAPI job_QueryInterface(IBackgroundCopyJob4 *iface, REFIID riid, void **obj)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);

    TRACE("%p %s %p\n", job, debugstr_guid(riid), obj);

    if (!obj) return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyJob) ||
        IsEqualGUID(riid, &IID_IBackgroundCopyJob2) || IsEqualGUID(riid, &IID_IBackgroundCopyJob3) ||
        IsEqualGUID(riid, &IID_IBackgroundCopyJob4))
    {
        *obj = &job->IBackgroundCopyJob4_iface;
        IBackgroundCopyJob4_AddRef(iface);
        return S_OK;
    }
    if (IsEqualGUID(riid, &IID_IBackgroundCopyJobHttpOptions))
    {
        *obj = &job->IBackgroundCopyJobHttpOptions_iface;
        IBackgroundCopyJob4_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI job_AddRef(IBackgroundCopyJob4 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    ULONG ref = InterlockedIncrement(&job->ref);
    TRACE("%p ref %lu\n", job, ref);
    return ref;
}

static ULONG WINAPI job_Release(IBackgroundCopyJob4 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    ULONG ref = InterlockedDecrement(&job->ref);
    struct file *file, *next;

    TRACE("%p ref %lu\n", job, ref);

    if (!ref)
    {
        LIST_FOR_EACH_ENTRY_SAFE(file, next, &job->files, struct file, entry)
        {
            list_remove(&file->entry);
            file_free(file);
        }
        if (job->callback) IBackgroundCopyCallback_Release(job->callback);
        job_clear_error(job);
        job_free_properties(job);
        job->cs.DebugInfo->Spare[0] = 0;
        DeleteCriticalSection(&job->cs);
        free(job);
    }
    return ref;
}

/* Validates a whole set before adding any of it: AddFileSet is all-or-nothing. */
static HRESULT job_check_new_files(struct job *job, ULONG count, const BG_FILE_INFO *files)
{
    ULONG i;
    HRESULT hr;

    /* 64-bit sums: a count near 2^32 must not wrap past the limits. */
    if (job->type != BG_JOB_TYPE_DOWNLOAD && (UINT64)job->file_count + count > 1) return BG_E_TOO_MANY_FILES;
    for (i = 0; i < count; i++)
    {
        if (FAILED(hr = file_check_remote_name(files[i].RemoteName, job->type))) return hr;
        if (FAILED(hr = file_check_local_name(files[i].LocalName))) return hr;
    }
    return S_OK;
}

static HRESULT job_check_file_quota(struct job *job, ULONG count)
{
    struct owner caller;
    HRESULT hr;

    if ((UINT64)job->file_count + count <= MAX_FILES_PER_JOB) return S_OK;
    /* The per-job limit is a policy that binds non-elevated callers only. */
    if (FAILED(hr = owner_from_caller(&caller))) return hr;
    hr = caller.elevated ? S_OK : BG_E_TOO_MANY_FILES_IN_JOB;
    owner_free(&caller);
    return hr;
}


static HRESULT job_add_files(struct job *job, ULONG count, const BG_FILE_INFO *infos,
                             const BG_FILE_RANGE *ranges, DWORD range_count)
{
    struct file **files;
    HRESULT hr = S_OK;
    ULONG i;

    if (FAILED(hr = job_check_new_files(job, count, infos))) return hr;
    if (FAILED(hr = job_check_file_quota(job, count))) return hr;

    if (!(files = calloc(count, sizeof(*files)))) return E_OUTOFMEMORY;
    for (i = 0; i < count && SUCCEEDED(hr); i++)
        if (!(files[i] = file_new(infos[i].RemoteName, infos[i].LocalName))) hr = E_OUTOFMEMORY;
    if (SUCCEEDED(hr) && ranges)
    {
        if (!(files[0]->ranges = malloc(range_count * sizeof(*ranges)))) hr = E_OUTOFMEMORY;
        else
        {
            memcpy(files[0]->ranges, ranges, range_count * sizeof(*ranges));
            files[0]->range_count = range_count;
            /* A file of ranges is as big as its ranges, known now unless
             * one runs to the end of the file. */
            files[0]->progress.BytesTotal = ranges_total(ranges, range_count);
        }
    }
    if (FAILED(hr))
    {
        for (i = 0; i < count; i++) if (files[i]) file_free(files[i]);
        free(files);
        return hr;
    }
    for (i = 0; i < count; i++)
    {
        list_add_tail(&job->files, &files[i]->entry);
        job->file_count++;
    }
    free(files);
    if (count) job_touch(job);
    return S_OK;
}

static HRESULT WINAPI job_AddFileSet(IBackgroundCopyJob4 *iface, ULONG count, BG_FILE_INFO *files)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %lu %p\n", job, count, files);

    if (!files && count) return E_INVALIDARG;
    if (FAILED(hr = job_enter_modify(job))) return hr;
    hr = job_add_files(job, count, files, NULL, 0);
    job_leave(job);
    return hr;
}

static HRESULT WINAPI job_AddFile(IBackgroundCopyJob4 *iface, LPCWSTR remote, LPCWSTR local)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    BG_FILE_INFO info = { (WCHAR *)remote, (WCHAR *)local };
    HRESULT hr;

    TRACE("%p %s %s\n", job, debugstr_w(remote), debugstr_w(local));

    if (!remote || !local) return E_INVALIDARG;
    if (FAILED(hr = job_enter_modify(job))) return hr;
    hr = job_add_files(job, 1, &info, NULL, 0);
    job_leave(job);
    return hr;
}

static HRESULT WINAPI job_EnumFiles(IBackgroundCopyJob4 *iface, IEnumBackgroundCopyFiles **ret)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %p\n", job, ret);

    if (!ret) return E_INVALIDARG;
    *ret = NULL;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    hr = enum_files_create(job, ret);
    job_leave(job);
    return hr;
}

/* Called with the job's lock held; job_files_pending() takes it. */
static ULONG count_pending_files(struct job *job)
{
    struct file *file;
    ULONG count = 0;

    LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
        if (!file->progress.Completed) count++;
    return count;
}

static HRESULT WINAPI job_Suspend(IBackgroundCopyJob4 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p\n", job);

    if (FAILED(hr = job_enter_modify(job))) return hr;
    /* Suspending a suspended job is a no-op (update clients rely on it), and
     * so is suspending a transferred one: Microsoft counts it as suspended
     * already, waiting for Complete, and GetState keeps saying TRANSFERRED. */
    if (job->state != BG_JOB_STATE_SUSPENDED && job->state != BG_JOB_STATE_TRANSFERRED)
    {
        job->generation++;
        job_set_state(job, BG_JOB_STATE_SUSPENDED);
    }
    job_leave(job);
    if (SUCCEEDED(hr)) scheduler_wake();
    return hr;
}

static HRESULT WINAPI job_Resume(IBackgroundCopyJob4 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p\n", job);

    if (FAILED(hr = job_enter_modify(job))) return hr;
    switch (job->state)
    {
    case BG_JOB_STATE_SUSPENDED:
    case BG_JOB_STATE_ERROR:
    case BG_JOB_STATE_TRANSIENT_ERROR:
        if (!job->file_count)
        {
            hr = BG_E_EMPTY;
            break;
        }
        job_clear_error(job);
        /* Resume restarts the clocks of the no-progress timeout and of the
         * maximum download time. */
        job->active_ms = 0;
        job->last_progress = GetTickCount64();
        job->retry_at = 0;
        job_set_state(job, BG_JOB_STATE_QUEUED);
        break;
    case BG_JOB_STATE_TRANSFERRED:
        /* Files added after the transfer: fetch them too. */
        if (count_pending_files(job)) job_set_state(job, BG_JOB_STATE_QUEUED);
        break;
    default:
        /* Already queued or running: nothing to do. */
        break;
    }
    job_leave(job);
    if (hr == S_OK) scheduler_wake();
    return hr;
}

/* Deletes the temporary files of every file not yet renamed; returns FALSE
 * if one could not be deleted. */
static BOOL job_delete_temp_files(struct job *job, BOOL only_incomplete)
{
    struct file *file;
    BOOL ret = TRUE;

    LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
    {
        if (!file->temp || file->renamed) continue;
        if (only_incomplete && file->progress.Completed) continue;
        if (!DeleteFileW(file->temp) && GetLastError() != ERROR_FILE_NOT_FOUND)
        {
            WARN("cannot delete %s: %lu\n", debugstr_w(file->temp), GetLastError());
            ret = FALSE;
        }
    }
    return ret;
}

/* Moves every completed temporary file over its final name (with the
 * source's date, set when the transfer finished). */
static HRESULT job_rename_files(struct job *job)
{
    struct file *file;
    HRESULT hr = S_OK;

    LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
    {
        if (!file->progress.Completed || file->renamed || !file->temp) continue;
        if (!MoveFileExW(file->temp, file->local, MOVEFILE_REPLACE_EXISTING | MOVEFILE_COPY_ALLOWED))
        {
            ERR("cannot rename %s to %s: %lu\n", debugstr_w(file->temp), debugstr_w(file->local), GetLastError());
            hr = HRESULT_FROM_WIN32(GetLastError());
            continue;
        }
        file->renamed = TRUE;
    }
    return hr;
}

/* Final states are reached here; a job still held by a worker is finished
 * by that worker when it lets go (see job_release_worker). */
static HRESULT job_finish(struct job *job)
{
    HRESULT hr = S_OK;

    if (job->state == BG_JOB_STATE_CANCELLED)
    {
        if (!job_delete_temp_files(job, FALSE)) hr = BG_S_UNABLE_TO_DELETE_FILES;
    }
    else
    {
        if (FAILED(job_rename_files(job))) hr = BG_S_UNABLE_TO_DELETE_FILES;
        if (!job_delete_temp_files(job, TRUE)) hr = BG_S_UNABLE_TO_DELETE_FILES;
    }
    return hr;
}

static HRESULT WINAPI job_Cancel(IBackgroundCopyJob4 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p\n", job);

    if (FAILED(hr = job_enter_modify(job))) return hr;
    job->generation++;
    job_set_state(job, BG_JOB_STATE_CANCELLED);
    if (!job->running) hr = job_finish(job);
    job_leave(job);

    manager_remove_job(job);
    scheduler_wake();
    return hr;
}

/* Ends the running turn and waits, with the lock let go meanwhile, for the
 * worker to let go of the job: its transfers stop at their next read.
 * Called with the job's lock; FALSE if the worker still holds the job
 * after timeout ms (a transfer blocked on a silent server notices only
 * when its receive times out). */
static BOOL job_stop_worker(struct job *job, DWORD timeout)
{
    ULONGLONG end = GetTickCount64() + timeout, now;

    while (job->running)
    {
        /* Again each time: the scheduler may have given it a new turn. */
        job->generation++;
        if ((now = GetTickCount64()) >= end) return FALSE;
        SleepConditionVariableCS(&job->worker_gone, &job->cs, end - now);
    }
    return TRUE;
}

/* How long Complete waits for a running transfer to stop. */
#define COMPLETE_STOP_TIMEOUT 10000

static HRESULT WINAPI job_Complete(IBackgroundCopyJob4 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    BOOL partial;
    HRESULT hr;

    TRACE("%p\n", job);

    if (FAILED(hr = job_enter_modify(job))) return hr;
    partial = job->state != BG_JOB_STATE_TRANSFERRED;
    /* An upload is complete only once the server has the whole file. */
    if (partial && job->type != BG_JOB_TYPE_DOWNLOAD)
    {
        job_leave(job);
        return BG_E_INVALID_STATE;
    }
    /* The files transferred so far are at their names and the others'
     * temporary files are gone when Complete returns: the transfer stops
     * first.  A worker that does not let go in time deletes the temporary
     * files when it does (job_release_worker); a finished file it no
     * longer writes is renamed here all the same. */
    if (job->running && !job_stop_worker(job, COMPLETE_STOP_TIMEOUT))
        WARN("job %p: transfer still running, its temporary files go when it stops\n", job);
    if (state_is_final(job->state))
    {
        /* Cancelled or completed by another call meanwhile. */
        job_leave(job);
        return BG_E_INVALID_STATE;
    }
    partial = job->state != BG_JOB_STATE_TRANSFERRED;
    if (FAILED(hr = job_rename_files(job)))
    {
        /* The files already renamed stay available; the job stays as it
         * was, its stopped transfer queued again. */
        if (state_is_active(job->state)) job_set_state(job, BG_JOB_STATE_QUEUED);
        job_leave(job);
        scheduler_wake();
        return hr;
    }
    job->generation++;
    job_set_state(job, BG_JOB_STATE_ACKNOWLEDGED);
    if (!job->running) hr = job_finish(job);
    if (hr == S_OK && partial) hr = BG_S_PARTIAL_COMPLETE;
    job_leave(job);

    manager_remove_job(job);
    scheduler_wake();
    return hr;
}

/* Called by the scheduler when a worker lets go of a job. */
void job_release_worker(struct job *job)
{
    EnterCriticalSection(&job->cs);
    job->running = FALSE;
    if (state_is_final(job->state)) job_finish(job);
    LeaveCriticalSection(&job->cs);
    WakeAllConditionVariable(&job->worker_gone);
}

static HRESULT WINAPI job_GetId(IBackgroundCopyJob4 *iface, GUID *id)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, id);
    if (!id) return E_INVALIDARG;
    *id = job->id;
    return S_OK;
}

static HRESULT WINAPI job_GetType(IBackgroundCopyJob4 *iface, BG_JOB_TYPE *type)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, type);
    if (!type) return E_INVALIDARG;
    *type = job->type;
    return S_OK;
}

static HRESULT WINAPI job_GetProgress(IBackgroundCopyJob4 *iface, BG_JOB_PROGRESS *progress)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    struct file *file;
    HRESULT hr;

    TRACE("%p %p\n", job, progress);

    if (!progress) return E_INVALIDARG;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    memset(progress, 0, sizeof(*progress));
    progress->FilesTotal = job->file_count;
    LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
    {
        if (file->progress.Completed) progress->FilesTransferred++;
        if (file->progress.BytesTotal == BG_SIZE_UNKNOWN) progress->BytesTotal = BG_SIZE_UNKNOWN;
        else if (progress->BytesTotal != BG_SIZE_UNKNOWN) progress->BytesTotal += file->progress.BytesTotal;
        progress->BytesTransferred += file->progress.BytesTransferred;
    }
    job_leave(job);
    return S_OK;
}

static HRESULT WINAPI job_GetTimes(IBackgroundCopyJob4 *iface, BG_JOB_TIMES *times)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %p\n", job, times);

    if (!times) return E_INVALIDARG;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    *times = job->times;
    job_leave(job);
    return S_OK;
}

static HRESULT WINAPI job_GetState(IBackgroundCopyJob4 *iface, BG_JOB_STATE *state)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %p\n", job, state);

    if (!state) return E_INVALIDARG;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    *state = job->state;
    job_leave(job);
    return S_OK;
}

static HRESULT WINAPI job_GetError(IBackgroundCopyJob4 *iface, IBackgroundCopyError **error)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %p\n", job, error);

    if (!error) return E_INVALIDARG;
    *error = NULL;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    if ((job->state == BG_JOB_STATE_ERROR || job->state == BG_JOB_STATE_TRANSIENT_ERROR) && job->has_error)
        hr = error_object_create(job, error);
    else
        hr = BG_E_ERROR_INFORMATION_UNAVAILABLE;
    job_leave(job);
    return hr;
}

static HRESULT WINAPI job_GetOwner(IBackgroundCopyJob4 *iface, LPWSTR *owner)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %p\n", job, owner);

    if (!owner) return E_INVALIDARG;
    *owner = NULL;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    hr = co_strdup(owner_sid_string(&job->owner), owner);
    if (SUCCEEDED(hr) && !*owner) hr = E_OUTOFMEMORY;
    job_leave(job);
    return hr;
}

static HRESULT set_job_string(struct job *job, WCHAR **field, const WCHAR *value, size_t max)
{
    HRESULT hr;

    if (!value) return E_INVALIDARG;
    if (wcslen(value) > max) return BG_E_STRING_TOO_LONG;
    if (FAILED(hr = job_enter_modify(job))) return hr;
    if (SUCCEEDED(hr = replace_string(field, value))) job_touch(job);
    job_leave(job);
    return hr;
}

static HRESULT get_job_string(struct job *job, WCHAR **field, WCHAR **ret)
{
    HRESULT hr;

    if (!ret) return E_INVALIDARG;
    *ret = NULL;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    hr = co_strdup(*field ? *field : L"", ret);
    job_leave(job);
    return hr;
}

static HRESULT WINAPI job_SetDisplayName(IBackgroundCopyJob4 *iface, LPCWSTR name)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %s\n", job, debugstr_w(name));
    return set_job_string(job, &job->name, name, MAX_DISPLAY_NAME);
}

static HRESULT WINAPI job_GetDisplayName(IBackgroundCopyJob4 *iface, LPWSTR *name)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, name);
    return get_job_string(job, &job->name, name);
}

static HRESULT WINAPI job_SetDescription(IBackgroundCopyJob4 *iface, LPCWSTR desc)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %s\n", job, debugstr_w(desc));
    return set_job_string(job, &job->description, desc, MAX_DESCRIPTION);
}

static HRESULT WINAPI job_GetDescription(IBackgroundCopyJob4 *iface, LPWSTR *desc)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, desc);
    return get_job_string(job, &job->description, desc);
}

/* Sets a DWORD-sized field of a live job. */
HRESULT set_job_value(struct job *job, DWORD *field, DWORD value)
{
    HRESULT hr;

    if (FAILED(hr = job_enter_modify(job))) return hr;
    *field = value;
    job_touch(job);
    job_leave(job);
    return S_OK;
}

HRESULT get_job_value(struct job *job, const DWORD *field, DWORD *ret)
{
    HRESULT hr;

    if (!ret) return E_INVALIDARG;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    *ret = *field;
    job_leave(job);
    return S_OK;
}

static HRESULT WINAPI job_SetPriority(IBackgroundCopyJob4 *iface, BG_JOB_PRIORITY priority)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %d\n", job, priority);

    if ((unsigned int)priority > BG_JOB_PRIORITY_LOW) return E_NOTIMPL;
    if (SUCCEEDED(hr = set_job_value(job, (DWORD *)&job->priority, priority))) scheduler_wake();
    return hr;
}

static HRESULT WINAPI job_GetPriority(IBackgroundCopyJob4 *iface, BG_JOB_PRIORITY *priority)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, priority);
    return get_job_value(job, (DWORD *)&job->priority, (DWORD *)priority);
}

static HRESULT WINAPI job_SetNotifyFlags(IBackgroundCopyJob4 *iface, ULONG flags)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);

    TRACE("%p %#lx\n", job, flags);

    if (flags & ~ALL_NOTIFY_FLAGS) return E_NOTIMPL;
    return set_job_value(job, &job->notify_flags, flags);
}

static HRESULT WINAPI job_GetNotifyFlags(IBackgroundCopyJob4 *iface, ULONG *flags)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, flags);
    return get_job_value(job, &job->notify_flags, flags);
}

static HRESULT WINAPI job_SetNotifyInterface(IBackgroundCopyJob4 *iface, IUnknown *unk)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    IBackgroundCopyCallback *callback = NULL, *old;
    HRESULT hr;

    TRACE("%p %p\n", job, unk);

    if (unk && FAILED(hr = IUnknown_QueryInterface(unk, &IID_IBackgroundCopyCallback, (void **)&callback)))
        return E_INVALIDARG;
    if (FAILED(hr = job_enter_modify(job)))
    {
        if (callback) IBackgroundCopyCallback_Release(callback);
        return hr;
    }
    old = job->callback;
    job->callback = callback;
    job_touch(job);
    job_leave(job);
    if (old) IBackgroundCopyCallback_Release(old);
    return S_OK;
}

static HRESULT WINAPI job_GetNotifyInterface(IBackgroundCopyJob4 *iface, IUnknown **unk)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %p\n", job, unk);

    if (!unk) return E_INVALIDARG;
    *unk = NULL;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    if (job->callback)
    {
        *unk = (IUnknown *)job->callback;
        IUnknown_AddRef(*unk);
    }
    job_leave(job);
    return S_OK;
}

static HRESULT WINAPI job_SetMinimumRetryDelay(IBackgroundCopyJob4 *iface, ULONG seconds)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %lu\n", job, seconds);
    return set_job_value(job, &job->retry_delay, max(seconds, MIN_RETRY_DELAY));
}

static HRESULT WINAPI job_GetMinimumRetryDelay(IBackgroundCopyJob4 *iface, ULONG *seconds)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, seconds);
    return get_job_value(job, &job->retry_delay, seconds);
}

static HRESULT WINAPI job_SetNoProgressTimeout(IBackgroundCopyJob4 *iface, ULONG seconds)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;
    TRACE("%p %lu\n", job, seconds);
    if (SUCCEEDED(hr = set_job_value(job, &job->no_progress_timeout, seconds))) scheduler_wake();
    return hr;
}

static HRESULT WINAPI job_GetNoProgressTimeout(IBackgroundCopyJob4 *iface, ULONG *seconds)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, seconds);
    return get_job_value(job, &job->no_progress_timeout, seconds);
}

static HRESULT WINAPI job_GetErrorCount(IBackgroundCopyJob4 *iface, ULONG *count)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, count);
    return get_job_value(job, &job->error_count, count);
}

static HRESULT WINAPI job_SetProxySettings(IBackgroundCopyJob4 *iface, BG_JOB_PROXY_USAGE usage,
                                           const WCHAR *list, const WCHAR *bypass)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    WCHAR *new_list = NULL, *new_bypass = NULL;
    HRESULT hr;

    TRACE("%p %d %s %s\n", job, usage, debugstr_w(list), debugstr_w(bypass));

    switch (usage)
    {
    case BG_JOB_PROXY_USAGE_PRECONFIG:
    case BG_JOB_PROXY_USAGE_NO_PROXY:
    case BG_JOB_PROXY_USAGE_AUTODETECT:
        /* Lists make sense only with OVERRIDE. */
        if (list || bypass) return E_INVALIDARG;
        break;
    case BG_JOB_PROXY_USAGE_OVERRIDE:
        if (!list || !*list) return E_INVALIDARG;
        if (wcslen(list) > MAX_PROXY_LIST) return BG_E_PROXY_LIST_TOO_LARGE;
        if (bypass && wcslen(bypass) > MAX_PROXY_LIST) return BG_E_PROXY_BYPASS_LIST_TOO_LARGE;
        if (!(new_list = strdupW(list))) return E_OUTOFMEMORY;
        if (bypass && !(new_bypass = strdupW(bypass)))
        {
            free(new_list);
            return E_OUTOFMEMORY;
        }
        break;
    default:
        return E_NOTIMPL;
    }

    if (FAILED(hr = job_enter_modify(job)))
    {
        free(new_list);
        free(new_bypass);
        return hr;
    }
    free(job->proxy_list);
    free(job->proxy_bypass);
    job->proxy_usage = usage;
    job->proxy_list = new_list;
    job->proxy_bypass = new_bypass;
    job_touch(job);
    job_leave(job);
    return S_OK;
}

static HRESULT WINAPI job_GetProxySettings(IBackgroundCopyJob4 *iface, BG_JOB_PROXY_USAGE *usage,
                                           LPWSTR *list, LPWSTR *bypass)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %p %p %p\n", job, usage, list, bypass);

    if (!usage || !list || !bypass) return E_INVALIDARG;
    *list = *bypass = NULL;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    *usage = job->proxy_usage;
    if (SUCCEEDED(hr = co_strdup(job->proxy_list, list)) && FAILED(hr = co_strdup(job->proxy_bypass, bypass)))
    {
        CoTaskMemFree(*list);
        *list = NULL;
    }
    job_leave(job);
    return hr;
}

static HRESULT WINAPI job_TakeOwnership(IBackgroundCopyJob4 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    struct owner caller;
    HRESULT hr;

    TRACE("%p\n", job);

    if (FAILED(hr = owner_from_caller(&caller))) return hr;
    if (!caller.elevated)
    {
        WARN("TakeOwnership needs an elevated caller\n");
        owner_free(&caller);
        return E_ACCESSDENIED;
    }
    EnterCriticalSection(&job->cs);
    if (state_is_final(job->state)) hr = BG_E_INVALID_STATE;
    else
    {
        /* The new owner must not inherit the old owner's secrets, headers,
         * certificate or commands. */
        owner_free(&job->owner);
        job->owner = caller;
        memset(&caller, 0, sizeof(caller));
        job_clear_for_new_owner(job);
        job_touch(job);
    }
    job_leave(job);
    owner_free(&caller);
    return hr;
}

static HRESULT WINAPI job_SetNotifyCmdLine(IBackgroundCopyJob4 *iface, LPCWSTR program, LPCWSTR parameters)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    WCHAR *new_program = NULL, *new_parameters = NULL;
    HRESULT hr;

    TRACE("%p %s %s\n", job, debugstr_w(program), debugstr_w(parameters));

    /* NULL program clears the command line; parameters alone mean nothing. */
    if (!program && parameters) return E_INVALIDARG;
    if (program && wcslen(program) >= MAX_PATH) return BG_E_STRING_TOO_LONG;
    if (parameters && wcslen(parameters) > MAX_NOTIFY_PARAMETERS) return BG_E_STRING_TOO_LONG;
    if (program && !(new_program = strdupW(program))) return E_OUTOFMEMORY;
    if (parameters && !(new_parameters = strdupW(parameters)))
    {
        free(new_program);
        return E_OUTOFMEMORY;
    }
    if (FAILED(hr = job_enter_modify(job)))
    {
        free(new_program);
        free(new_parameters);
        return hr;
    }
    free(job->notify_program);
    free(job->notify_parameters);
    job->notify_program = new_program;
    job->notify_parameters = new_parameters;
    job_touch(job);
    job_leave(job);
    return S_OK;
}

static HRESULT WINAPI job_GetNotifyCmdLine(IBackgroundCopyJob4 *iface, LPWSTR *program, LPWSTR *parameters)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %p %p\n", job, program, parameters);

    if (!program || !parameters) return E_INVALIDARG;
    *program = *parameters = NULL;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    /* Never set reads as two empty strings. */
    if (SUCCEEDED(hr = co_strdup(job->notify_program ? job->notify_program : L"", program)) &&
        FAILED(hr = co_strdup(job->notify_parameters ? job->notify_parameters : L"", parameters)))
    {
        CoTaskMemFree(*program);
        *program = NULL;
    }
    job_leave(job);
    return hr;
}

/* Reply methods exist only for upload-reply jobs. */
static HRESULT job_enter_reply(struct job *job, BOOL modify)
{
    if (job->type != BG_JOB_TYPE_UPLOAD_REPLY) return E_NOTIMPL;
    return modify ? job_enter_modify(job) : job_enter(job, FALSE);
}

static HRESULT WINAPI job_GetReplyProgress(IBackgroundCopyJob4 *iface, BG_JOB_REPLY_PROGRESS *progress)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %p\n", job, progress);

    if (!progress) return E_INVALIDARG;
    if (FAILED(hr = job_enter_reply(job, FALSE))) return hr;
    /* Uploads do not run yet, so no reply has arrived. */
    progress->BytesTotal = BG_SIZE_UNKNOWN;
    progress->BytesTransferred = 0;
    job_leave(job);
    return S_OK;
}

static HRESULT WINAPI job_GetReplyData(IBackgroundCopyJob4 *iface, byte **buffer, UINT64 *length)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %p %p\n", job, buffer, length);

    if (!buffer || !length) return E_INVALIDARG;
    *buffer = NULL;
    *length = 0;
    if (FAILED(hr = job_enter_reply(job, FALSE))) return hr;
    /* The reply is available once the job is transferred. */
    hr = job->state == BG_JOB_STATE_TRANSFERRED ? S_OK : BG_E_INVALID_STATE;
    job_leave(job);
    return hr;
}

static HRESULT WINAPI job_SetReplyFileName(IBackgroundCopyJob4 *iface, LPCWSTR name)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %s\n", job, debugstr_w(name));

    if (job->type != BG_JOB_TYPE_UPLOAD_REPLY) return E_NOTIMPL;
    if (name && FAILED(hr = file_check_local_name(name))) return hr;
    if (FAILED(hr = job_enter_modify(job))) return hr;
    if (SUCCEEDED(hr = replace_string(&job->reply_name, name))) job_touch(job);
    job_leave(job);
    return hr;
}

static HRESULT WINAPI job_GetReplyFileName(IBackgroundCopyJob4 *iface, LPWSTR *name)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %p\n", job, name);

    if (!name) return E_INVALIDARG;
    *name = NULL;
    if (FAILED(hr = job_enter_reply(job, FALSE))) return hr;
    hr = co_strdup(job->reply_name, name);
    job_leave(job);
    return hr;
}

static HRESULT check_auth(BG_AUTH_TARGET target, BG_AUTH_SCHEME scheme)
{
    if (target < BG_AUTH_TARGET_SERVER || target > BG_AUTH_TARGET_PROXY) return BG_E_INVALID_AUTH_TARGET;
    if (scheme < BG_AUTH_SCHEME_BASIC || scheme > BG_AUTH_SCHEME_PASSPORT) return BG_E_INVALID_AUTH_SCHEME;
    return S_OK;
}

static HRESULT WINAPI job_SetCredentials(IBackgroundCopyJob4 *iface, BG_AUTH_CREDENTIALS *cred)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    const WCHAR *user, *password;
    struct credential *slot;
    WCHAR *new_user = NULL, *new_password = NULL;
    char *sealed;
    HRESULT hr;

    TRACE("%p %p\n", job, cred);

    if (!cred) return E_INVALIDARG;
    if (FAILED(hr = check_auth(cred->Target, cred->Scheme))) return hr;
    user = cred->Credentials.Basic.UserName;
    password = cred->Credentials.Basic.Password;
    TRACE("target %d scheme %d user %s\n", cred->Target, cred->Scheme, debugstr_w(user));
    /* Basic and Digest need both; NTLM and Negotiate without them mean the
     * implicit credentials of the logged-on user. */
    if ((cred->Scheme == BG_AUTH_SCHEME_BASIC || cred->Scheme == BG_AUTH_SCHEME_DIGEST) && (!user || !password))
        return E_INVALIDARG;
    if (user && wcslen(user) > MAX_CREDENTIAL_NAME) return BG_E_USERNAME_TOO_LARGE;
    if (password && wcslen(password) > MAX_CREDENTIAL_SECRET) return BG_E_PASSWORD_TOO_LARGE;
    if ((user && !(new_user = strdupW(user))) || (password && !(new_password = strdupW(password))))
    {
        free(new_user);
        return E_OUTOFMEMORY;
    }
    /* The store's copy, sealed before the lock is taken (it is slow). */
    if (!(sealed = credential_seal(&job->id, cred->Target - 1, cred->Scheme - 1, new_user, new_password)))
        WARN("the credentials will not outlive the service\n");
    if (FAILED(hr = job_enter_modify(job)))
    {
        free_secret(new_user);
        free_secret(new_password);
        free(sealed);
        return hr;
    }
    slot = &job->creds[cred->Target - 1][cred->Scheme - 1];
    credential_clear(slot);
    slot->user = new_user;
    slot->password = new_password;
    slot->sealed = sealed;
    slot->set = TRUE;
    job_touch(job);
    job_leave(job);
    return S_OK;
}

static HRESULT WINAPI job_RemoveCredentials(IBackgroundCopyJob4 *iface, BG_AUTH_TARGET target,
                                            BG_AUTH_SCHEME scheme)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    struct credential *slot;
    HRESULT hr;

    TRACE("%p %d %d\n", job, target, scheme);

    if (FAILED(hr = check_auth(target, scheme))) return hr;
    if (FAILED(hr = job_enter_modify(job))) return hr;
    slot = &job->creds[target - 1][scheme - 1];
    if (!slot->set) hr = S_FALSE;
    else
    {
        /* The sealed copy too: the next write leaves it out. */
        credential_clear(slot);
        job_touch(job);
    }
    job_leave(job);
    return hr;
}

static HRESULT WINAPI job_ReplaceRemotePrefix(IBackgroundCopyJob4 *iface, LPCWSTR old_prefix, LPCWSTR new_prefix)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    size_t old_len, new_len;
    struct file *file;
    WCHAR **names;
    ULONG i, count = 0;
    HRESULT hr;

    TRACE("%p %s %s\n", job, debugstr_w(old_prefix), debugstr_w(new_prefix));

    if (!old_prefix || !new_prefix || !*old_prefix || !*new_prefix) return E_INVALIDARG;
    if (job->type != BG_JOB_TYPE_DOWNLOAD) return E_NOTIMPL;
    old_len = wcslen(old_prefix);
    new_len = wcslen(new_prefix);

    if (FAILED(hr = job_enter_modify(job))) return hr;
    if (!(names = calloc(job->file_count + 1, sizeof(*names))))
    {
        job_leave(job);
        return E_OUTOFMEMORY;
    }
    /* Build every new name first, so that one bad result changes nothing. */
    i = 0;
    LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
    {
        size_t len = wcslen(file->remote);
        WCHAR *name;

        i++;
        if (len < old_len || wcsncmp(file->remote, old_prefix, old_len)) continue;
        if (!(name = malloc((len - old_len + new_len + 1) * sizeof(WCHAR))))
        {
            hr = E_OUTOFMEMORY;
            break;
        }
        wcscpy(name, new_prefix);
        wcscat(name, file->remote + old_len);
        names[i - 1] = name;
        if (FAILED(hr = file_check_remote_name(name, job->type))) break;
        count++;
    }
    if (SUCCEEDED(hr))
    {
        i = 0;
        LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
        {
            if (!names[i++]) continue;
            free(file->remote);
            file->remote = names[i - 1];
            names[i - 1] = NULL;
        }
        if (count) job_touch(job);
        hr = count ? S_OK : S_FALSE;
    }
    for (i = 0; i < job->file_count; i++) free(names[i]);
    free(names);
    job_leave(job);
    return hr;
}

static int range_compare(const void *a, const void *b)
{
    const BG_FILE_RANGE *ra = a, *rb = b;
    return ra->InitialOffset < rb->InitialOffset ? -1 : ra->InitialOffset > rb->InitialOffset;
}

/* Sorts the ranges; fails as AddFileWithRanges does. */
HRESULT check_ranges(BG_FILE_RANGE *ranges, DWORD count)
{
    DWORD i;

    qsort(ranges, count, sizeof(*ranges), range_compare);
    for (i = 0; i < count; i++)
    {
        UINT64 end;

        if (!ranges[i].Length || ranges[i].InitialOffset == BG_LENGTH_TO_EOF) return BG_E_INVALID_RANGE;
        if (ranges[i].Length == BG_LENGTH_TO_EOF)
        {
            /* Only the last range may run to the end of the file. */
            if (i != count - 1) return BG_E_OVERLAPPING_RANGES;
            continue;
        }
        end = ranges[i].InitialOffset + ranges[i].Length;
        if (end < ranges[i].InitialOffset) return BG_E_INVALID_RANGE;
        if (i + 1 < count && ranges[i + 1].InitialOffset < end) return BG_E_OVERLAPPING_RANGES;
    }
    return S_OK;
}

static HRESULT WINAPI job_AddFileWithRanges(IBackgroundCopyJob4 *iface, LPCWSTR remote, LPCWSTR local,
                                            DWORD count, BG_FILE_RANGE *ranges)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    BG_FILE_INFO info = { (WCHAR *)remote, (WCHAR *)local };
    BG_FILE_RANGE *sorted;
    HRESULT hr;

    TRACE("%p %s %s %lu %p\n", job, debugstr_w(remote), debugstr_w(local), count, ranges);

    if (job->type != BG_JOB_TYPE_DOWNLOAD) return E_NOTIMPL;
    if (!remote || !local || !count || !ranges) return E_INVALIDARG;
    if (count > MAX_RANGES_PER_FILE) return BG_E_TOO_MANY_RANGES_IN_FILE;
    /* Ranges are fetched with HTTP range requests. */
    if (!is_http_url(remote)) return E_INVALIDARG;

    if (!(sorted = malloc(count * sizeof(*sorted)))) return E_OUTOFMEMORY;
    memcpy(sorted, ranges, count * sizeof(*sorted));
    /* Overlaps show on a sorted copy; the file keeps the order given, which
     * is the order of the ranges in the local file. */
    if (SUCCEEDED(hr = check_ranges(sorted, count)) && SUCCEEDED(hr = job_enter_modify(job)))
    {
        hr = job_add_files(job, 1, &info, ranges, count);
        job_leave(job);
    }
    free(sorted);
    return hr;
}

static HRESULT WINAPI job_SetFileACLFlags(IBackgroundCopyJob4 *iface, DWORD flags)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;

    TRACE("%p %#lx\n", job, flags);

    if (flags & ~BG_COPY_FILE_ALL) return E_INVALIDARG;
    if (FAILED(hr = job_enter_modify(job))) return hr;
    /* The flags apply when files are renamed; too late once transferred. */
    if (job->state == BG_JOB_STATE_TRANSFERRED) hr = BG_E_INVALID_STATE;
    else
    {
        job->acl_flags = flags;
        job_touch(job);
    }
    job_leave(job);
    return hr;
}

static HRESULT WINAPI job_GetFileACLFlags(IBackgroundCopyJob4 *iface, DWORD *flags)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, flags);
    return get_job_value(job, &job->acl_flags, flags);
}

static HRESULT WINAPI job_SetPeerCachingFlags(IBackgroundCopyJob4 *iface, DWORD flags)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);

    TRACE("%p %#lx\n", job, flags);

    /* Unknown bits are refused the way SetNotifyFlags refuses them. */
    if (flags & ~ALL_PEER_FLAGS) return E_NOTIMPL;
    return set_job_value(job, &job->peer_flags, flags);
}

static HRESULT WINAPI job_GetPeerCachingFlags(IBackgroundCopyJob4 *iface, DWORD *flags)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, flags);
    return get_job_value(job, &job->peer_flags, flags);
}

static HRESULT WINAPI job_GetOwnerIntegrityLevel(IBackgroundCopyJob4 *iface, ULONG *level)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, level);
    return get_job_value(job, &job->owner.integrity, level);
}

static HRESULT WINAPI job_GetOwnerElevationState(IBackgroundCopyJob4 *iface, BOOL *elevated)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, elevated);
    return get_job_value(job, (DWORD *)&job->owner.elevated, (DWORD *)elevated);
}

static HRESULT WINAPI job_SetMaximumDownloadTime(IBackgroundCopyJob4 *iface, ULONG seconds)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    HRESULT hr;
    TRACE("%p %lu\n", job, seconds);
    if (SUCCEEDED(hr = set_job_value(job, &job->max_download_time, seconds))) scheduler_wake();
    return hr;
}

static HRESULT WINAPI job_GetMaximumDownloadTime(IBackgroundCopyJob4 *iface, ULONG *seconds)
{
    struct job *job = impl_from_IBackgroundCopyJob4(iface);
    TRACE("%p %p\n", job, seconds);
    return get_job_value(job, &job->max_download_time, seconds);
}

static const IBackgroundCopyJob4Vtbl job_vtbl =
{
    job_QueryInterface,
    job_AddRef,
    job_Release,
    job_AddFileSet,
    job_AddFile,
    job_EnumFiles,
    job_Suspend,
    job_Resume,
    job_Cancel,
    job_Complete,
    job_GetId,
    job_GetType,
    job_GetProgress,
    job_GetTimes,
    job_GetState,
    job_GetError,
    job_GetOwner,
    job_SetDisplayName,
    job_GetDisplayName,
    job_SetDescription,
    job_GetDescription,
    job_SetPriority,
    job_GetPriority,
    job_SetNotifyFlags,
    job_GetNotifyFlags,
    job_SetNotifyInterface,
    job_GetNotifyInterface,
    job_SetMinimumRetryDelay,
    job_GetMinimumRetryDelay,
    job_SetNoProgressTimeout,
    job_GetNoProgressTimeout,
    job_GetErrorCount,
    job_SetProxySettings,
    job_GetProxySettings,
    job_TakeOwnership,
    job_SetNotifyCmdLine,
    job_GetNotifyCmdLine,
    job_GetReplyProgress,
    job_GetReplyData,
    job_SetReplyFileName,
    job_GetReplyFileName,
    job_SetCredentials,
    job_RemoveCredentials,
    job_ReplaceRemotePrefix,
    job_AddFileWithRanges,
    job_SetFileACLFlags,
    job_GetFileACLFlags,
    job_SetPeerCachingFlags,
    job_GetPeerCachingFlags,
    job_GetOwnerIntegrityLevel,
    job_GetOwnerElevationState,
    job_SetMaximumDownloadTime,
    job_GetMaximumDownloadTime,
};

/* A job with its defaults and no id, name or owner yet. */
struct job *job_alloc(void)
{
    struct job *job;

    if (!(job = calloc(1, sizeof(*job)))) return NULL;
    job->IBackgroundCopyJob4_iface.lpVtbl = &job_vtbl;
    job->IBackgroundCopyJobHttpOptions_iface.lpVtbl = &http_options_vtbl;
    job->ref = 1;
    InitializeCriticalSection(&job->cs);
    job->cs.DebugInfo->Spare[0] = (DWORD_PTR)(__FILE__ ": job.cs");
    InitializeConditionVariable(&job->worker_gone);
    list_init(&job->files);
    job->state = BG_JOB_STATE_SUSPENDED;
    job->priority = BG_JOB_PRIORITY_NORMAL;
    job->notify_flags = BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR;
    job->retry_delay = DEFAULT_RETRY_DELAY;
    job->no_progress_timeout = DEFAULT_NO_PROGRESS;
    job->max_download_time = DEFAULT_MAX_DOWNLOAD_TIME;
    job->proxy_usage = BG_JOB_PROXY_USAGE_PRECONFIG;
    return job;
}

HRESULT job_create(const WCHAR *name, BG_JOB_TYPE type, const struct owner *owner, struct job **ret)
{
    struct job *job;
    HRESULT hr;

    if (!(job = job_alloc())) return E_OUTOFMEMORY;
    if (FAILED(hr = CoCreateGuid(&job->id)) || FAILED(hr = owner_copy(&job->owner, owner)) ||
        !(job->name = strdupW(name)))
    {
        if (SUCCEEDED(hr)) hr = E_OUTOFMEMORY;
        job_release(job);
        return hr;
    }
    job->type = type;
    GetSystemTimeAsFileTime(&job->times.CreationTime);
    job->times.ModificationTime = job->times.CreationTime;

    *ret = job;
    return S_OK;
}

/* A file being read back from the store, appended to the job. */
struct file *job_add_loaded_file(struct job *job)
{
    struct file *file;

    if (!(file = file_alloc())) return NULL;
    list_add_tail(&job->files, &file->entry);
    job->file_count++;
    return file;
}

/* A job read back from the store: one that was running when the service
 * stopped starts again from the queue, its files continuing from the bytes
 * on disk. */
void job_loaded(struct job *job)
{
    job->last_progress = GetTickCount64();
    switch (job->state)
    {
    case BG_JOB_STATE_CONNECTING:
    case BG_JOB_STATE_TRANSFERRING:
        job->state = BG_JOB_STATE_QUEUED;
        break;
    case BG_JOB_STATE_TRANSIENT_ERROR:
        job->retry_at = job->last_progress;
        break;
    default:
        break;
    }
    if (job->state == BG_JOB_STATE_QUEUED) job->queued_at = job->last_progress;
}

/* --- notifications: what notify.c tells the client ---------------------- */

/* What a JobTransferred or JobError notification needs, taken under the
 * job's lock; FALSE when the job's state and flags ask for none. */
BOOL job_get_notify_target(struct job *job, struct notify_target *target)
{
    BOOL notify;

    memset(target, 0, sizeof(*target));
    EnterCriticalSection(&job->cs);
    target->state = job->state;
    target->flags = job->notify_flags;
    notify = !(target->flags & BG_NOTIFY_DISABLE) &&
             (target->state == BG_JOB_STATE_TRANSFERRED || target->state == BG_JOB_STATE_ERROR);
    if (notify)
    {
        if ((target->callback = job->callback)) IBackgroundCopyCallback_AddRef(target->callback);
        if (target->state == BG_JOB_STATE_ERROR && job->has_error) error_object_create(job, &target->error);
        target->program = strdupW(job->notify_program);
        target->parameters = strdupW(job->notify_parameters);
    }
    LeaveCriticalSection(&job->cs);
    return notify;
}

static BOOL wants_notification(const struct job *job, ULONG flag)
{
    return job->callback && (job->notify_flags & flag) && !(job->notify_flags & BG_NOTIFY_DISABLE);
}

/* Called with the job's lock held whenever the job changes: one
 * JobModification call at a time is on its way. */
void job_modified(struct job *job)
{
    if (job->modification_pending || !wants_notification(job, BG_NOTIFY_JOB_MODIFICATION)) return;
    job->modification_pending = notify_modification(job);
}

/* The callback for the JobModification call now being made, with a
 * reference, or NULL if the client no longer asks for it. */
IBackgroundCopyCallback *job_take_modification(struct job *job)
{
    IBackgroundCopyCallback *callback = NULL;

    EnterCriticalSection(&job->cs);
    job->modification_pending = FALSE;
    if (wants_notification(job, BG_NOTIFY_JOB_MODIFICATION))
        IBackgroundCopyCallback_AddRef(callback = job->callback);
    LeaveCriticalSection(&job->cs);
    return callback;
}

/* --- transfers: what a worker's transfer reports ------------------------ */

static BOOL turn_current(const struct job *job, LONG generation)
{
    return job->generation == generation;
}

/* Copies what a transfer of the file needs. */
HRESULT job_transfer_begin(struct job *job, struct file *file, struct transfer *t)
{
    HRESULT hr;

    EnterCriticalSection(&job->cs);
    hr = job_copy_for_transfer(job, file, t);
    LeaveCriticalSection(&job->cs);
    return hr;
}

/* The file's temporary file, so that a resume finds the bytes again and
 * Complete renames it; FALSE when memory ran out. */
BOOL job_file_set_temp(struct job *job, struct file *file, const WCHAR *temp)
{
    WCHAR *copy;

    if (!(copy = strdupW(temp))) return FALSE;
    EnterCriticalSection(&job->cs);
    free(file->temp);
    file->temp = copy;
    job->unsaved = TRUE;
    job_leave(job);
    return TRUE;
}

/* The validator of the bytes in the temporary file. */
void job_file_set_validator(struct job *job, struct file *file, LONG generation, const WCHAR *etag,
                            const WCHAR *last_modified, const FILETIME *remote_time)
{
    EnterCriticalSection(&job->cs);
    if (turn_current(job, generation))
    {
        free(file->etag);
        free(file->last_modified);
        file->etag = strdupW(etag);
        file->last_modified = strdupW(last_modified);
        file->remote_time = *remote_time;
        job->unsaved = TRUE;
    }
    job_leave(job);
}

void job_file_progress(struct job *job, struct file *file, LONG generation, UINT64 transferred, UINT64 total)
{
    EnterCriticalSection(&job->cs);
    if (turn_current(job, generation))
    {
        if (transferred > file->progress.BytesTransferred) job->last_progress = GetTickCount64();
        file->progress.BytesTransferred = transferred;
        file->progress.BytesTotal = total;
        if (job->state == BG_JOB_STATE_CONNECTING) job_set_state(job, BG_JOB_STATE_TRANSFERRING);
        else job_touch(job);
    }
    LeaveCriticalSection(&job->cs);
}

void job_file_done(struct job *job, struct file *file, LONG generation)
{
    EnterCriticalSection(&job->cs);
    if (turn_current(job, generation))
    {
        file->progress.BytesTotal = file->progress.BytesTransferred;
        file->progress.Completed = TRUE;
        job->last_progress = GetTickCount64();
        job_touch(job);
        if (wants_notification(job, BG_NOTIFY_FILE_TRANSFERRED)) notify_file_transferred(job, file, job->callback);
    }
    job_leave(job);
}

/* A redirect the client asked to hear of, or refused, changed the file's
 * remote name. */
void job_file_set_remote(struct job *job, struct file *file, LONG generation, const WCHAR *remote)
{
    WCHAR *copy;

    EnterCriticalSection(&job->cs);
    if (turn_current(job, generation) && (copy = strdupW(remote)))
    {
        free(file->remote);
        file->remote = copy;
        job_touch(job);
    }
    job_leave(job);
}

/* --- turns: what the scheduler decides for a job ------------------------ */

/* Bumped by Suspend, Cancel, Complete, timeouts and preemption: the
 * transfers of an older turn stop at their next read. */
LONG job_generation(struct job *job)
{
    return ReadNoFence(&job->generation);
}

/* Called with the job's lock; TRUE if the job went to ERROR. */
static BOOL job_check_timeouts(struct job *job, ULONGLONG now, ULONGLONG *next)
{
    ULONGLONG limit, used, deadline;

    if (job->state == BG_JOB_STATE_TRANSIENT_ERROR)
    {
        limit = (ULONGLONG)job->no_progress_timeout * 1000;
        deadline = job->last_progress + limit;
        if (now >= deadline)
        {
            TRACE("job %p: no progress for %lu s\n", job, job->no_progress_timeout);
            job_set_state(job, BG_JOB_STATE_ERROR);
            return TRUE;
        }
        if (now >= job->retry_at)
        {
            job_set_state(job, BG_JOB_STATE_QUEUED);
            return FALSE;
        }
        *next = min(*next, min(job->retry_at, deadline));
        return FALSE;
    }

    if (state_is_active(job->state) && job->max_download_time)
    {
        limit = (ULONGLONG)job->max_download_time * 1000;
        /* A job started during this pass became active after "now". */
        used = job->active_ms + (job->active_since && now > job->active_since ? now - job->active_since : 0);
        if (used >= limit)
        {
            TRACE("job %p: over its maximum download time\n", job);
            job->generation++;
            job_set_error(job, BG_E_MAXDOWNLOAD_TIMEOUT, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, NULL, NULL);
            job_set_state(job, BG_JOB_STATE_ERROR);
            return TRUE;
        }
        *next = min(*next, now + (limit - used));
    }
    return FALSE;
}

/* Applies the job's timers and describes it to the scheduler. */
void job_schedule_view(struct job *job, ULONGLONG now, ULONGLONG *next, struct job_view *view)
{
    EnterCriticalSection(&job->cs);
    view->errored = job_check_timeouts(job, now, next);
    view->running = job->running;
    view->state = job->state;
    view->priority = job->priority;
    view->queued_at = job->queued_at;
    LeaveCriticalSection(&job->cs);
}

/* Gives a queued job its turn: TRUE if the caller is to start its worker
 * for that turn (*generation).  The turn is fixed here, not when the
 * worker's thread gets to run: a Suspend or Cancel in between ends it. */
BOOL job_start_turn(struct job *job, ULONGLONG now, ULONGLONG *next, LONG *generation)
{
    BOOL start;

    EnterCriticalSection(&job->cs);
    if ((start = job->state == BG_JOB_STATE_QUEUED && !job->running))
    {
        job_set_state(job, BG_JOB_STATE_CONNECTING);
        job->running = TRUE;
        *generation = job->generation;
        job_check_timeouts(job, now, next);
    }
    LeaveCriticalSection(&job->cs);
    return start;
}

/* Stops a running job's transfer at its next read; called with the job's lock. */
static void job_preempt(struct job *job)
{
    TRACE("job %p loses its turn\n", job);
    job->generation++;
    job_set_state(job, BG_JOB_STATE_QUEUED);
}

/* A running background job while another of the given priority waits: a
 * higher priority takes over at once, the same one at the end of the
 * running job's time slice. */
void job_yield_turn(struct job *job, BG_JOB_PRIORITY waiting, ULONGLONG now, ULONGLONG slice, ULONGLONG *next)
{
    ULONGLONG slice_end;

    EnterCriticalSection(&job->cs);
    if (waiting < job->priority) job_preempt(job);
    else if (waiting == job->priority && job->active_since)
    {
        slice_end = job->active_since + slice;
        if (now >= slice_end) job_preempt(job);
        else *next = min(*next, slice_end);
    }
    LeaveCriticalSection(&job->cs);
}

/* How many files wait for the worker. */
ULONG job_files_pending(struct job *job)
{
    ULONG pending;

    EnterCriticalSection(&job->cs);
    pending = count_pending_files(job);
    LeaveCriticalSection(&job->cs);
    return pending;
}

/* The next file no lane moves yet, marked busy; NULL once the turn is over
 * or every file is done or taken. */
struct file *job_next_file(struct job *job, LONG generation)
{
    struct file *file, *found = NULL;

    EnterCriticalSection(&job->cs);
    if (turn_current(job, generation))
    {
        LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
            if (!file->progress.Completed && !file->busy)
            {
                file->busy = TRUE;
                found = file;
                break;
            }
    }
    LeaveCriticalSection(&job->cs);
    return found;
}

void job_file_idle(struct job *job, struct file *file)
{
    EnterCriticalSection(&job->cs);
    file->busy = FALSE;
    LeaveCriticalSection(&job->cs);
}

/* The worker of a turn is done: unless the turn was taken away meanwhile
 * (or the service stops), the job is transferred, queued again for files
 * added meanwhile, or in error.  TRUE if the client is to be told. */
BOOL job_turn_ended(struct job *job, LONG generation, BOOL stopping, const struct transfer *failed)
{
    BOOL notify = FALSE, all;
    ULONGLONG now;

    EnterCriticalSection(&job->cs);
    if (turn_current(job, generation) && !stopping && !state_is_final(job->state))
    {
        now = GetTickCount64();
        if (!failed)
        {
            all = !count_pending_files(job);
            job_set_state(job, all ? BG_JOB_STATE_TRANSFERRED : BG_JOB_STATE_QUEUED);
            notify = all;
        }
        else
        {
            job_set_error(job, failed->error, failed->error_context, failed->file, failed->protocol);
            if (failed->transient && job->no_progress_timeout &&
                now - job->last_progress < (ULONGLONG)job->no_progress_timeout * 1000)
            {
                job->retry_at = now + (ULONGLONG)job->retry_delay * 1000;
                job_set_state(job, BG_JOB_STATE_TRANSIENT_ERROR);
            }
            else
            {
                job_set_state(job, BG_JOB_STATE_ERROR);
                notify = TRUE;
            }
        }
    }
    job_leave(job);
    job_release_worker(job);
    return notify;
}
