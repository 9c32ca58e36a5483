/*
 * bitsget: downloads files through the BITS service, as an update client
 * would: one job, its files, Resume, wait for JobTransferred or JobError
 * (with a slow poll as a safety net), Complete.
 *
 *   bitsget [-q] [-t] [-p foreground|high|normal|low] URL LOCAL [URL LOCAL ...]
 *   bitsget [-q] [-p ...] -f LIST          (LIST: lines of "URL LOCAL")
 *   bitsget --detach URL LOCAL ...          (resumes the job, prints its id, exits)
 *   bitsget --complete GUID                 (prints the job's state, waits, completes)
 *   bitsget --suspended N URL LOCAL         (N suspended jobs, left queued)
 *   bitsget [-t] --create N URL LOCAL       (N jobs of one file created, then cancelled)
 *   bitsget --cancel NAME                   (cancels the caller's jobs named NAME)
 *
 * -t prints how long the service took from Resume to TRANSFERRED and how
 * long Complete took, or how long the N CreateJob and AddFile pairs of
 * --create took (for bench/throughput).
 *
 * Exit status: 0 when the job was transferred and completed, 1 otherwise.
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

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define COBJMACROS
#include "windef.h"
#include "winbase.h"
#include "objbase.h"
#include "bits.h"

static const WCHAR job_name[] = L"bitsget";
static HANDLE done_event;
static BOOL quiet, timing;
static LARGE_INTEGER resumed_at;

static double seconds_since(const LARGE_INTEGER *start)
{
    LARGE_INTEGER now, freq;
    QueryPerformanceCounter(&now);
    QueryPerformanceFrequency(&freq);
    return (double)(now.QuadPart - start->QuadPart) / freq.QuadPart;
}

static HRESULT WINAPI callback_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback))
    {
        *obj = iface;
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI callback_AddRef(IBackgroundCopyCallback *iface)
{
    return 2;
}

static ULONG WINAPI callback_Release(IBackgroundCopyCallback *iface)
{
    return 1;
}

static HRESULT WINAPI callback_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    SetEvent(done_event);
    return S_OK;
}

static HRESULT WINAPI callback_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                        IBackgroundCopyError *error)
{
    SetEvent(done_event);
    return S_OK;
}

static HRESULT WINAPI callback_JobModification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job, DWORD reserved)
{
    return S_OK;
}

static const IBackgroundCopyCallbackVtbl callback_vtbl =
{
    callback_QueryInterface,
    callback_AddRef,
    callback_Release,
    callback_JobTransferred,
    callback_JobError,
    callback_JobModification,
};

static IBackgroundCopyCallback callback = { &callback_vtbl };

static void print_error(IBackgroundCopyJob *job)
{
    IBackgroundCopyError *error;
    BG_ERROR_CONTEXT context;
    LPWSTR text = NULL;
    HRESULT code;

    if (FAILED(IBackgroundCopyJob_GetError(job, &error))) return;
    IBackgroundCopyError_GetError(error, &context, &code);
    IBackgroundCopyError_GetErrorDescription(error, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), &text);
    fwprintf(stderr, L"error 0x%08lx (context %d): %ls", code, context, text ? text : L"\n");
    CoTaskMemFree(text);
    IBackgroundCopyError_Release(error);
}

static const WCHAR *state_name(BG_JOB_STATE state)
{
    static const WCHAR *names[] =
    {
        L"QUEUED", L"CONNECTING", L"TRANSFERRING", L"SUSPENDED", L"ERROR",
        L"TRANSIENT_ERROR", L"TRANSFERRED", L"ACKNOWLEDGED", L"CANCELLED",
    };
    return state < ARRAY_SIZE(names) ? names[state] : L"?";
}

static int wait_and_complete(IBackgroundCopyJob *job)
{
    BG_JOB_STATE state, last = -1;
    BG_JOB_PROGRESS progress;
    HRESULT hr;

    for (;;)
    {
        WaitForSingleObject(done_event, quiet ? 1000 : 250);
        if (FAILED(hr = IBackgroundCopyJob_GetState(job, &state)))
        {
            fwprintf(stderr, L"GetState failed: 0x%08lx\n", hr);
            return 1;
        }
        if (!quiet)
        {
            IBackgroundCopyJob_GetProgress(job, &progress);
            if (progress.BytesTotal == BG_SIZE_UNKNOWN)
                wprintf(L"%ls: %I64u bytes, %lu of %lu files\n", state_name(state),
                        progress.BytesTransferred, progress.FilesTransferred, progress.FilesTotal);
            else
                wprintf(L"%ls: %I64u of %I64u bytes (%u%%), %lu of %lu files\n", state_name(state),
                        progress.BytesTransferred, progress.BytesTotal,
                        progress.BytesTotal ? (unsigned int)(progress.BytesTransferred * 100 / progress.BytesTotal) : 100,
                        progress.FilesTransferred, progress.FilesTotal);
        }
        else if (state != last && state == BG_JOB_STATE_TRANSIENT_ERROR) print_error(job);
        last = state;

        if (state == BG_JOB_STATE_TRANSFERRED)
        {
            LARGE_INTEGER completing;

            if (timing) wprintf(L"transfer %.3f s\n", seconds_since(&resumed_at));
            QueryPerformanceCounter(&completing);
            hr = IBackgroundCopyJob_Complete(job);
            if (timing) wprintf(L"complete %.3f s\n", seconds_since(&completing));
            if (!quiet) wprintf(L"Complete: 0x%08lx\n", hr);
            return hr == S_OK ? 0 : 1;
        }
        if (state == BG_JOB_STATE_ERROR)
        {
            print_error(job);
            IBackgroundCopyJob_Cancel(job);
            return 1;
        }
    }
}

static BG_JOB_PRIORITY parse_priority(const WCHAR *name)
{
    if (!wcsicmp(name, L"foreground")) return BG_JOB_PRIORITY_FOREGROUND;
    if (!wcsicmp(name, L"high")) return BG_JOB_PRIORITY_HIGH;
    if (!wcsicmp(name, L"low")) return BG_JOB_PRIORITY_LOW;
    return BG_JOB_PRIORITY_NORMAL;
}

/* All the files of a list in one AddFileSet call: one round trip to the
 * service instead of one per file. */
static HRESULT add_list(IBackgroundCopyJob *job, const WCHAR *list)
{
    WCHAR remote[2300], local[MAX_PATH];
    BG_FILE_INFO *files = NULL, *grown;
    ULONG count = 0, size = 0, i;
    HRESULT hr = S_OK;
    FILE *f;

    if (!(f = _wfopen(list, L"r"))) return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
    while (SUCCEEDED(hr) && fwscanf(f, L"%2299ls %259ls", remote, local) == 2)
    {
        if (count == size)
        {
            size = size ? size * 2 : 64;
            if (!(grown = realloc(files, size * sizeof(*files)))) hr = E_OUTOFMEMORY;
            else files = grown;
        }
        if (SUCCEEDED(hr))
        {
            files[count].RemoteName = _wcsdup(remote);
            files[count].LocalName = _wcsdup(local);
            count++;
        }
    }
    fclose(f);
    if (SUCCEEDED(hr) && count) hr = IBackgroundCopyJob_AddFileSet(job, count, files);
    for (i = 0; i < count; i++)
    {
        free(files[i].RemoteName);
        free(files[i].LocalName);
    }
    free(files);
    return hr;
}

static int cancel_jobs(IBackgroundCopyManager *manager, const WCHAR *name)
{
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyJob *job;
    LPWSTR got;
    int count = 0;

    if (FAILED(IBackgroundCopyManager_EnumJobs(manager, 0, &jobs))) return 1;
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, NULL) == S_OK)
    {
        if (SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &got)))
        {
            if (!wcscmp(got, name) && SUCCEEDED(IBackgroundCopyJob_Cancel(job))) count++;
            CoTaskMemFree(got);
        }
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    if (!quiet) wprintf(L"cancelled %d jobs\n", count);
    return 0;
}

static HRESULT create_job(IBackgroundCopyManager *manager, int count, WCHAR **names, const WCHAR *list,
                          IBackgroundCopyJob **job)
{
    HRESULT hr;
    GUID id;
    int i;

    if (FAILED(hr = IBackgroundCopyManager_CreateJob(manager, job_name, BG_JOB_TYPE_DOWNLOAD, &id, job)))
    {
        fwprintf(stderr, L"CreateJob failed: 0x%08lx\n", hr);
        return hr;
    }
    if (list) hr = add_list(*job, list);
    for (i = 0; !list && SUCCEEDED(hr) && i + 1 < count; i += 2)
        hr = IBackgroundCopyJob_AddFile(*job, names[i], names[i + 1]);
    if (FAILED(hr))
    {
        fwprintf(stderr, L"AddFile failed: 0x%08lx\n", hr);
        IBackgroundCopyJob_Cancel(*job);
        IBackgroundCopyJob_Release(*job);
    }
    return hr;
}

/* count jobs of one file each, timed, then cancelled. */
static int create_jobs(IBackgroundCopyManager *manager, int count, WCHAR **names)
{
    IBackgroundCopyJob **jobs;
    LARGE_INTEGER start;
    int i, made = 0;

    if (!(jobs = calloc(count, sizeof(*jobs)))) return 1;
    QueryPerformanceCounter(&start);
    for (; made < count; made++)
        if (FAILED(create_job(manager, 2, names, NULL, &jobs[made]))) break;
    if (timing && made == count) wprintf(L"create %.3f s\n", seconds_since(&start));
    for (i = 0; i < made; i++)
    {
        IBackgroundCopyJob_Cancel(jobs[i]);
        IBackgroundCopyJob_Release(jobs[i]);
    }
    free(jobs);
    return made == count ? 0 : 1;
}

int __cdecl wmain(int argc, WCHAR **argv)
{
    BG_JOB_PRIORITY priority = BG_JOB_PRIORITY_NORMAL;
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob *job;
    const WCHAR *list = NULL, *complete = NULL;
    int i = 1, suspended = 0, create = 0, ret;
    BOOL detach = FALSE;
    GUID id;
    HRESULT hr;

    for (; i < argc && argv[i][0] == '-'; i++)
    {
        if (!wcscmp(argv[i], L"-q")) quiet = TRUE;
        else if (!wcscmp(argv[i], L"-t")) timing = TRUE;
        else if (!wcscmp(argv[i], L"-p") && i + 1 < argc) priority = parse_priority(argv[++i]);
        else if (!wcscmp(argv[i], L"-f") && i + 1 < argc) list = argv[++i];
        else if (!wcscmp(argv[i], L"--suspended") && i + 1 < argc) suspended = _wtoi(argv[++i]);
        else if (!wcscmp(argv[i], L"--cancel") && i + 1 < argc) list = argv[++i], suspended = -1;
        else if (!wcscmp(argv[i], L"--create") && i + 1 < argc) create = _wtoi(argv[++i]);
        else if (!wcscmp(argv[i], L"--detach")) detach = TRUE;
        else if (!wcscmp(argv[i], L"--complete") && i + 1 < argc) complete = argv[++i];
        else break;
    }

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager,
                          (void **)&manager);
    if (FAILED(hr))
    {
        fwprintf(stderr, L"cannot reach the BITS service: 0x%08lx\n", hr);
        return 1;
    }
    if (suspended < 0) return cancel_jobs(manager, list);
    if (complete)
    {
        BG_JOB_STATE state;
        GUID id;

        done_event = CreateEventW(NULL, FALSE, FALSE, NULL);
        if (FAILED(hr = CLSIDFromString(complete, &id)) ||
            FAILED(hr = IBackgroundCopyManager_GetJob(manager, &id, &job)))
        {
            fwprintf(stderr, L"no job %ls: 0x%08lx\n", complete, hr);
            return 1;
        }
        IBackgroundCopyJob_GetState(job, &state);
        wprintf(L"found in state %ls\n", state_name(state));
        return wait_and_complete(job);
    }
    if (!list && (argc - i < 2 || (argc - i) % 2))
    {
        fwprintf(stderr, L"usage: bitsget [-q] [-p priority] URL LOCAL [URL LOCAL ...] | -f LIST\n");
        return 2;
    }

    if (create > 0) return create_jobs(manager, create, argv + i);
    if (suspended > 0)
    {
        /* Jobs that wait for nothing, for measuring an idle service. */
        while (suspended--)
        {
            if (FAILED(create_job(manager, argc - i, argv + i, list, &job))) return 1;
            IBackgroundCopyJob_Release(job);
        }
        return 0;
    }
    if (FAILED(create_job(manager, argc - i, argv + i, list, &job))) return 1;

    done_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    IBackgroundCopyJob_SetPriority(job, priority);
    if (!detach) IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&callback);
    QueryPerformanceCounter(&resumed_at);
    if (FAILED(hr = IBackgroundCopyJob_Resume(job)))
    {
        fwprintf(stderr, L"Resume failed: 0x%08lx\n", hr);
        IBackgroundCopyJob_Cancel(job);
        return 1;
    }
    if (!quiet || detach)
    {
        WCHAR guid[40];
        IBackgroundCopyJob_GetId(job, &id);
        StringFromGUID2(&id, guid, ARRAY_SIZE(guid));
        if (detach) wprintf(L"%ls\n", guid);
        else wprintf(L"job %ls (%u-bit client)\n", guid, (unsigned int)sizeof(void *) * 8);
    }
    if (detach) return 0;
    ret = wait_and_complete(job);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
    return ret;
}
