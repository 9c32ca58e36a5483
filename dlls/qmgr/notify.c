/*
 * Background Intelligent Transfer Service: telling the owner
 *
 * When a job reaches TRANSFERRED or ERROR, its IBackgroundCopyCallback is
 * called (JobTransferred, JobError) as its notify flags ask; when there is
 * no callback, or it fails, the notify command line runs instead.  With
 * BG_NOTIFY_JOB_MODIFICATION, changes of state and progress are reported
 * through JobModification, a burst of changes as one call, and with
 * BG_NOTIFY_FILE_TRANSFERRED each finished file through
 * IBackgroundCopyCallback2::FileTransferred.  All of it
 * happens on threads of its own with no lock held: a client that takes its
 * time in a callback delays nobody else.
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

struct notification
{
    struct job *job;
    BG_JOB_STATE state;
    ULONG flags;
    IBackgroundCopyCallback *callback;
    IBackgroundCopyError *error;
    WCHAR *program;
    WCHAR *parameters;
};

static void run_command_line(const struct notification *n)
{
    STARTUPINFOW si = { sizeof(si) };
    PROCESS_INFORMATION pi;
    WCHAR *cmdline = n->parameters ? strdupW(n->parameters) : NULL;

    TRACE("running %s %s\n", debugstr_w(n->program), debugstr_w(n->parameters));
    if (CreateProcessW(n->program, cmdline, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    {
        CloseHandle(pi.hThread);
        CloseHandle(pi.hProcess);
    }
    else WARN("cannot run %s: %lu\n", debugstr_w(n->program), GetLastError());
    free(cmdline);
}

static DWORD WINAPI notify_main(void *arg)
{
    struct notification *n = arg;
    IBackgroundCopyJob *job = (IBackgroundCopyJob *)&n->job->IBackgroundCopyJob4_iface;
    HRESULT hr = E_FAIL;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (n->state == BG_JOB_STATE_TRANSFERRED && (n->flags & BG_NOTIFY_JOB_TRANSFERRED))
    {
        if (n->callback) hr = IBackgroundCopyCallback_JobTransferred(n->callback, job);
        if (FAILED(hr) && n->program) run_command_line(n);
    }
    else if (n->state == BG_JOB_STATE_ERROR && (n->flags & BG_NOTIFY_JOB_ERROR))
    {
        if (n->callback && n->error) hr = IBackgroundCopyCallback_JobError(n->callback, job, n->error);
        if (FAILED(hr) && n->program) run_command_line(n);
    }
    TRACE("job %p state %u notified: %#lx\n", n->job, n->state, hr);

    if (n->callback) IBackgroundCopyCallback_Release(n->callback);
    if (n->error) IBackgroundCopyError_Release(n->error);
    IBackgroundCopyJob4_Release(&n->job->IBackgroundCopyJob4_iface);
    free(n->program);
    free(n->parameters);
    free(n);
    CoUninitialize();
    return 0;
}

void job_notify(struct job *job)
{
    struct notification *n;
    HANDLE thread;

    if (!(n = calloc(1, sizeof(*n)))) return;
    EnterCriticalSection(&job->cs);
    n->state = job->state;
    n->flags = job->notify_flags;
    if ((n->flags & BG_NOTIFY_DISABLE) ||
        (n->state != BG_JOB_STATE_TRANSFERRED && n->state != BG_JOB_STATE_ERROR))
    {
        LeaveCriticalSection(&job->cs);
        free(n);
        return;
    }
    if ((n->callback = job->callback)) IBackgroundCopyCallback_AddRef(n->callback);
    if (n->state == BG_JOB_STATE_ERROR && job->has_error) error_object_create(job, &n->error);
    n->program = strdupW(job->notify_program);
    n->parameters = strdupW(job->notify_parameters);
    LeaveCriticalSection(&job->cs);

    n->job = job;
    IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
    if (!(thread = CreateThread(NULL, 0, notify_main, n, 0, NULL)))
    {
        ERR("cannot start a notification thread: %lu\n", GetLastError());
        IBackgroundCopyJob4_Release(&job->IBackgroundCopyJob4_iface);
        if (n->callback) IBackgroundCopyCallback_Release(n->callback);
        if (n->error) IBackgroundCopyError_Release(n->error);
        free(n->program);
        free(n->parameters);
        free(n);
        return;
    }
    CloseHandle(thread);
}

static DWORD WINAPI modification_main(void *arg)
{
    struct job *job = arg;
    IBackgroundCopyCallback *callback = NULL;
    ULONG flags;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    EnterCriticalSection(&job->cs);
    job->modification_pending = FALSE;
    flags = job->notify_flags;
    if ((callback = job->callback)) IBackgroundCopyCallback_AddRef(callback);
    LeaveCriticalSection(&job->cs);

    if (callback && (flags & BG_NOTIFY_JOB_MODIFICATION) && !(flags & BG_NOTIFY_DISABLE))
        IBackgroundCopyCallback_JobModification(callback, (IBackgroundCopyJob *)&job->IBackgroundCopyJob4_iface, 0);
    if (callback) IBackgroundCopyCallback_Release(callback);
    IBackgroundCopyJob4_Release(&job->IBackgroundCopyJob4_iface);
    CoUninitialize();
    return 0;
}

/* Called with the job's lock held whenever the job changes. */
void job_modified(struct job *job)
{
    if (job->modification_pending || !job->callback || !(job->notify_flags & BG_NOTIFY_JOB_MODIFICATION) ||
        (job->notify_flags & BG_NOTIFY_DISABLE))
        return;
    job->modification_pending = TRUE;
    IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
    if (!QueueUserWorkItem(modification_main, job, WT_EXECUTELONGFUNCTION))
    {
        job->modification_pending = FALSE;
        IBackgroundCopyJob4_Release(&job->IBackgroundCopyJob4_iface);
    }
}

struct file_notification
{
    struct job *job;
    struct file *file;
    IBackgroundCopyCallback *callback;
};

static DWORD WINAPI file_transferred_main(void *arg)
{
    struct file_notification *n = arg;
    IBackgroundCopyCallback2 *callback2;
    IBackgroundCopyFile2 *file;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    /* Only a client that implements IBackgroundCopyCallback2 hears of files. */
    if (SUCCEEDED(IBackgroundCopyCallback_QueryInterface(n->callback, &IID_IBackgroundCopyCallback2, (void **)&callback2)))
    {
        if (SUCCEEDED(file_object_create(n->job, n->file, &file)))
        {
            IBackgroundCopyCallback2_FileTransferred(callback2, (IBackgroundCopyJob *)&n->job->IBackgroundCopyJob4_iface,
                                                     (IBackgroundCopyFile *)file);
            IBackgroundCopyFile2_Release(file);
        }
        IBackgroundCopyCallback2_Release(callback2);
    }
    IBackgroundCopyCallback_Release(n->callback);
    IBackgroundCopyJob4_Release(&n->job->IBackgroundCopyJob4_iface);
    free(n);
    CoUninitialize();
    return 0;
}

/* BG_NOTIFY_FILE_TRANSFERRED: called with the job's lock held when one of
 * its files is complete. */
void job_file_transferred(struct job *job, struct file *file)
{
    struct file_notification *n;

    if (!job->callback || !(job->notify_flags & BG_NOTIFY_FILE_TRANSFERRED) || (job->notify_flags & BG_NOTIFY_DISABLE))
        return;
    if (!(n = malloc(sizeof(*n)))) return;
    n->job = job;
    n->file = file;
    n->callback = job->callback;
    IBackgroundCopyCallback_AddRef(n->callback);
    IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
    if (!QueueUserWorkItem(file_transferred_main, n, WT_EXECUTELONGFUNCTION))
    {
        IBackgroundCopyCallback_Release(n->callback);
        IBackgroundCopyJob4_Release(&job->IBackgroundCopyJob4_iface);
        free(n);
    }
}
