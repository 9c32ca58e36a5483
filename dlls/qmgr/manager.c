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

struct manager manager;

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

/* Jobs counted against the per-user and per-machine quotas. */
static void count_jobs(const struct owner *owner, ULONG *user, ULONG *machine)
{
    struct job *job;

    *user = *machine = 0;
    LIST_FOR_EACH_ENTRY(job, &manager.jobs, struct job, entry)
    {
        (*machine)++;
        if (EqualSid(job->owner.sid, owner->sid)) (*user)++;
    }
}

static HRESULT WINAPI manager_CreateJob(IBackgroundCopyManager *iface, LPCWSTR name,
                                        BG_JOB_TYPE type, GUID *id, IBackgroundCopyJob **ret)
{
    struct owner caller;
    ULONG user_jobs, machine_jobs;
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

    EnterCriticalSection(&manager.cs);
    count_jobs(&caller, &user_jobs, &machine_jobs);
    /* Administrators are exempt from the quotas, as on Windows. */
    if (!caller.elevated && user_jobs >= MAX_JOBS_PER_USER) hr = BG_E_TOO_MANY_JOBS_PER_USER;
    else if (!caller.elevated && machine_jobs >= MAX_JOBS_PER_MACHINE) hr = BG_E_TOO_MANY_JOBS_PER_MACHINE;
    else
    {
        IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
        list_add_tail(&manager.jobs, &job->entry);
        job->listed = TRUE;
        manager.job_count++;
        store_job_changed(job);
    }
    LeaveCriticalSection(&manager.cs);
    owner_free(&caller);

    if (FAILED(hr))
    {
        WARN("quota reached: %#lx\n", hr);
        IBackgroundCopyJob4_Release(&job->IBackgroundCopyJob4_iface);
        return hr;
    }

    *id = job->id;
    *ret = (IBackgroundCopyJob *)&job->IBackgroundCopyJob4_iface;
    TRACE("created %s\n", debugstr_guid(id));
    return S_OK;
}

static HRESULT WINAPI manager_GetJob(IBackgroundCopyManager *iface, REFGUID id, IBackgroundCopyJob **ret)
{
    struct owner caller;
    struct job *job, *found = NULL;
    HRESULT hr;

    TRACE("%s %p\n", debugstr_guid(id), ret);

    if (!ret) return E_INVALIDARG;
    *ret = NULL;
    if (!id) return E_INVALIDARG;

    if (FAILED(hr = owner_from_caller(&caller))) return hr;

    EnterCriticalSection(&manager.cs);
    LIST_FOR_EACH_ENTRY(job, &manager.jobs, struct job, entry)
    {
        if (!IsEqualGUID(&job->id, id)) continue;
        found = job;
        IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
        break;
    }
    LeaveCriticalSection(&manager.cs);

    if (!found) hr = BG_E_NOT_FOUND;
    else if (SUCCEEDED(hr = job_check_access(found, &caller, FALSE)))
        *ret = (IBackgroundCopyJob *)&found->IBackgroundCopyJob4_iface;
    else
        IBackgroundCopyJob4_Release(&found->IBackgroundCopyJob4_iface);

    owner_free(&caller);
    return hr;
}

static HRESULT WINAPI manager_EnumJobs(IBackgroundCopyManager *iface, DWORD flags, IEnumBackgroundCopyJobs **ret)
{
    struct job **jobs = NULL, *job;
    struct owner caller;
    ULONG count = 0, i;
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

    EnterCriticalSection(&manager.cs);
    if (manager.job_count && !(jobs = malloc(manager.job_count * sizeof(*jobs)))) hr = E_OUTOFMEMORY;
    else
    {
        LIST_FOR_EACH_ENTRY(job, &manager.jobs, struct job, entry)
        {
            if (flags & BG_JOB_ENUM_ALL_USERS) ;
            else if (!EqualSid(job->owner.sid, caller.sid) || FAILED(job_check_access(job, &caller, FALSE)))
                continue;
            IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
            jobs[count++] = job;
        }
    }
    LeaveCriticalSection(&manager.cs);
    owner_free(&caller);

    if (SUCCEEDED(hr)) hr = enum_jobs_create(jobs, count, ret);
    for (i = 0; i < count; i++) IBackgroundCopyJob4_Release(&jobs[i]->IBackgroundCopyJob4_iface);
    free(jobs);
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
