/*
 * Background Intelligent Transfer Service: IBackgroundCopyManager
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

/* The list of live jobs: every job a client can find.  Each entry holds a
 * reference to its job.  jobs_cs comes before a job's lock: a filter or a
 * quota count takes the lock of each job under it, and nothing that holds
 * a job's lock takes jobs_cs. */
struct listed_job
{
    struct list entry;
    struct job *job;
};

static CRITICAL_SECTION jobs_cs;
static CRITICAL_SECTION_DEBUG jobs_cs_debug =
{
    0, 0, &jobs_cs,
    { &jobs_cs_debug.ProcessLocksList, &jobs_cs_debug.ProcessLocksList },
      0, 0, { (DWORD_PTR)(__FILE__ ": jobs_cs") }
};
static CRITICAL_SECTION jobs_cs = { &jobs_cs_debug, -1, 0, 0, 0, 0 };
static struct list jobs = LIST_INIT(jobs);
static ULONG job_count;

/* Jobs counted against the per-user and per-machine quotas; under jobs_cs. */
static void count_jobs(const struct owner *owner, ULONG *user, ULONG *machine)
{
    struct listed_job *listed;

    *user = 0;
    *machine = job_count;
    LIST_FOR_EACH_ENTRY(listed, &jobs, struct listed_job, entry)
        if (job_owned_by(listed->job, owner)) (*user)++;
}

/* Lists a job; with quota_owner set, only within that owner's quotas
 * (administrators are exempt from them, as on Windows). */
HRESULT manager_add_job(struct job *job, const struct owner *quota_owner)
{
    struct listed_job *listed;
    ULONG user_jobs, machine_jobs;
    HRESULT hr = S_OK;

    if (!(listed = malloc(sizeof(*listed)))) return E_OUTOFMEMORY;
    listed->job = job;
    EnterCriticalSection(&jobs_cs);
    if (quota_owner && !quota_owner->elevated)
    {
        count_jobs(quota_owner, &user_jobs, &machine_jobs);
        if (user_jobs >= MAX_JOBS_PER_USER) hr = BG_E_TOO_MANY_JOBS_PER_USER;
        else if (machine_jobs >= MAX_JOBS_PER_MACHINE) hr = BG_E_TOO_MANY_JOBS_PER_MACHINE;
    }
    if (SUCCEEDED(hr))
    {
        job_addref(job);
        list_add_tail(&jobs, &listed->entry);
        job_count++;
    }
    LeaveCriticalSection(&jobs_cs);
    if (FAILED(hr)) free(listed);
    return hr;
}

/* Unlists a job (Cancel, Complete); FALSE if it was not listed. */
BOOL manager_remove_job(struct job *job)
{
    struct listed_job *listed, *found = NULL;

    EnterCriticalSection(&jobs_cs);
    LIST_FOR_EACH_ENTRY(listed, &jobs, struct listed_job, entry)
    {
        if (listed->job != job) continue;
        list_remove(&listed->entry);
        job_count--;
        found = listed;
        break;
    }
    LeaveCriticalSection(&jobs_cs);
    if (!found) return FALSE;
    job_release(found->job);
    free(found);
    return TRUE;
}

/* The listed job with that id, with a reference, or NULL. */
struct job *manager_find_job(const GUID *id)
{
    struct listed_job *listed;
    struct job *job = NULL;

    EnterCriticalSection(&jobs_cs);
    LIST_FOR_EACH_ENTRY(listed, &jobs, struct listed_job, entry)
    {
        if (!IsEqualGUID(job_id(listed->job), id)) continue;
        job = listed->job;
        job_addref(job);
        break;
    }
    LeaveCriticalSection(&jobs_cs);
    return job;
}

/* The listed jobs that filter accepts (all with a NULL filter), each with a
 * reference: callers work on this copy without holding the list's lock and
 * give it back with manager_put_jobs. */
HRESULT manager_get_jobs(BOOL (*filter)(struct job *job, void *context), void *context,
                         struct job ***ret, ULONG *count)
{
    struct listed_job *listed;
    struct job **array = NULL;
    HRESULT hr = S_OK;

    *count = 0;
    EnterCriticalSection(&jobs_cs);
    if (job_count && !(array = calloc(job_count, sizeof(*array)))) hr = E_OUTOFMEMORY;
    else
    {
        LIST_FOR_EACH_ENTRY(listed, &jobs, struct listed_job, entry)
        {
            if (filter && !filter(listed->job, context)) continue;
            job_addref(listed->job);
            array[(*count)++] = listed->job;
        }
    }
    LeaveCriticalSection(&jobs_cs);
    *ret = array;
    return hr;
}

void manager_put_jobs(struct job **array, ULONG count)
{
    ULONG i;

    for (i = 0; i < count; i++) job_release(array[i]);
    free(array);
}

/* Cuts every client off: proxies to our objects fail from now on instead
 * of reaching a service that is going away. */
void manager_disconnect_all(void)
{
    struct listed_job *listed, *next;

    EnterCriticalSection(&jobs_cs);
    LIST_FOR_EACH_ENTRY_SAFE(listed, next, &jobs, struct listed_job, entry)
    {
        list_remove(&listed->entry);
        CoDisconnectObject((IUnknown *)job_interface(listed->job), 0);
        job_release(listed->job);
        free(listed);
    }
    job_count = 0;
    LeaveCriticalSection(&jobs_cs);
    CoDisconnectObject((IUnknown *)&manager_object, 0);
}

static HRESULT WINAPI manager_QueryInterface(IBackgroundCopyManager *iface, REFIID riid, void **obj)
{
    TRACE("%s %p\n", debugstr_guid(riid), obj);

    if (!obj) return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyManager))
    {
        *obj = iface;
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

/* The manager is a singleton that lives as long as the service. */
static ULONG WINAPI manager_AddRef(IBackgroundCopyManager *iface)
{
    return 2;
}

static ULONG WINAPI manager_Release(IBackgroundCopyManager *iface)
{
    return 1;
}

static HRESULT WINAPI manager_CreateJob(IBackgroundCopyManager *iface, LPCWSTR name,
                                        BG_JOB_TYPE type, GUID *id, IBackgroundCopyJob **ret)
{
    struct owner caller;
    struct job *job;
    HRESULT hr;

    TRACE("%s %d %p %p\n", debugstr_w(name), type, id, ret);

    if (ret) *ret = NULL;
    if (!name || !id || !ret) return E_INVALIDARG;
    if (type != BG_JOB_TYPE_DOWNLOAD && type != BG_JOB_TYPE_UPLOAD && type != BG_JOB_TYPE_UPLOAD_REPLY)
        return E_INVALIDARG;
    if (wcslen(name) > MAX_DISPLAY_NAME) return E_INVALIDARG;

    if (FAILED(hr = owner_from_caller(&caller))) return hr;
    if (FAILED(hr = job_create(name, type, &caller, &job)))
    {
        owner_free(&caller);
        return hr;
    }

    if (SUCCEEDED(hr = manager_add_job(job, &caller))) store_commit(job);
    owner_free(&caller);

    if (FAILED(hr))
    {
        WARN("job not listed: %#lx\n", hr);
        job_release(job);
        return hr;
    }

    *id = *job_id(job);
    *ret = job_interface(job);
    TRACE("created %s\n", debugstr_guid(id));
    return S_OK;
}

static HRESULT WINAPI manager_GetJob(IBackgroundCopyManager *iface, REFGUID id, IBackgroundCopyJob **ret)
{
    struct owner caller;
    struct job *found;
    HRESULT hr;

    TRACE("%s %p\n", debugstr_guid(id), ret);

    if (!ret) return E_INVALIDARG;
    *ret = NULL;
    if (!id) return E_INVALIDARG;

    if (FAILED(hr = owner_from_caller(&caller))) return hr;

    found = manager_find_job(id);
    if (!found) hr = BG_E_NOT_FOUND;
    else if (SUCCEEDED(hr = job_check_access(found, &caller, FALSE)))
        *ret = job_interface(found);
    else
        job_release(found);

    owner_free(&caller);
    return hr;
}

static BOOL caller_sees_job(struct job *job, void *caller)
{
    return job_listed_for(job, caller);
}

static HRESULT WINAPI manager_EnumJobs(IBackgroundCopyManager *iface, DWORD flags, IEnumBackgroundCopyJobs **ret)
{
    struct job **found;
    struct owner caller;
    ULONG count;
    HRESULT hr;

    TRACE("%#lx %p\n", flags, ret);

    if (!ret) return E_INVALIDARG;
    *ret = NULL;
    if (flags & ~BG_JOB_ENUM_ALL_USERS) return E_INVALIDARG;

    if (FAILED(hr = owner_from_caller(&caller))) return hr;
    if ((flags & BG_JOB_ENUM_ALL_USERS) && !(caller.elevated && caller.admin))
    {
        WARN("all users' jobs need an elevated administrator\n");
        owner_free(&caller);
        return E_ACCESSDENIED;
    }
    hr = manager_get_jobs((flags & BG_JOB_ENUM_ALL_USERS) ? NULL : caller_sees_job, &caller, &found, &count);
    owner_free(&caller);
    if (SUCCEEDED(hr)) hr = enum_jobs_create(found, count, ret);
    manager_put_jobs(found, count);
    return hr;
}

static HRESULT WINAPI manager_GetErrorDescription(IBackgroundCopyManager *iface, HRESULT code,
                                                  DWORD langid, LPWSTR *description)
{
    TRACE("%#lx %#lx %p\n", code, langid, description);

    if (!description) return E_INVALIDARG;
    *description = NULL;
    return error_description(code, langid, description);
}

static const IBackgroundCopyManagerVtbl manager_vtbl =
{
    manager_QueryInterface,
    manager_AddRef,
    manager_Release,
    manager_CreateJob,
    manager_GetJob,
    manager_EnumJobs,
    manager_GetErrorDescription,
};

IBackgroundCopyManager manager_object = { &manager_vtbl };
