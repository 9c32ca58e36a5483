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
    struct notify_target target;
};

static void run_command_line(const struct notify_target *n)
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

static void notification_free(struct notification *n)
{
    if (n->target.callback) IBackgroundCopyCallback_Release(n->target.callback);
    if (n->target.error) IBackgroundCopyError_Release(n->target.error);
    job_release(n->job);
    free(n->target.program);
    free(n->target.parameters);
    free(n);
}

static DWORD WINAPI notify_main(void *arg)
{
    struct notification *n = arg;
    const struct notify_target *t = &n->target;
    IBackgroundCopyJob *job = job_interface(n->job);
    HRESULT hr = E_FAIL;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (t->state == BG_JOB_STATE_TRANSFERRED && (t->flags & BG_NOTIFY_JOB_TRANSFERRED))
    {
        if (t->callback) hr = IBackgroundCopyCallback_JobTransferred(t->callback, job);
        if (FAILED(hr) && t->program) run_command_line(t);
    }
    else if (t->state == BG_JOB_STATE_ERROR && (t->flags & BG_NOTIFY_JOB_ERROR))
    {
        if (t->callback && t->error) hr = IBackgroundCopyCallback_JobError(t->callback, job, t->error);
        if (FAILED(hr) && t->program) run_command_line(t);
    }
    TRACE("job %p state %u notified: %#lx\n", n->job, t->state, hr);
    notification_free(n);
    CoUninitialize();
    return 0;
}

/* Tells the client that the job is transferred or in error, by its
 * callback or, failing that, its command line. */
void job_notify(struct job *job)
{
    struct notification *n;
    HANDLE thread;

    if (!(n = calloc(1, sizeof(*n)))) return;
    if (!job_get_notify_target(job, &n->target))
    {
        free(n);
        return;
    }
    n->job = job;
    job_addref(job);
    if (!(thread = CreateThread(NULL, 0, notify_main, n, 0, NULL)))
    {
        ERR("cannot start a notification thread: %lu\n", GetLastError());
        notification_free(n);
        return;
    }
    CloseHandle(thread);
}

static DWORD WINAPI modification_main(void *arg)
{
    struct job *job = arg;
    IBackgroundCopyCallback *callback;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if ((callback = job_take_modification(job)))
    {
        IBackgroundCopyCallback_JobModification(callback, job_interface(job), 0);
        IBackgroundCopyCallback_Release(callback);
    }
    job_release(job);
    CoUninitialize();
    return 0;
}

/* Queues a JobModification call; FALSE if it could not be queued. */
BOOL notify_modification(struct job *job)
{
    job_addref(job);
    if (QueueUserWorkItem(modification_main, job, WT_EXECUTELONGFUNCTION)) return TRUE;
    job_release(job);
    return FALSE;
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
            IBackgroundCopyCallback2_FileTransferred(callback2, job_interface(n->job), (IBackgroundCopyFile *)file);
            IBackgroundCopyFile2_Release(file);
        }
        IBackgroundCopyCallback2_Release(callback2);
    }
    IBackgroundCopyCallback_Release(n->callback);
    job_release(n->job);
    free(n);
    CoUninitialize();
    return 0;
}

/* BG_NOTIFY_FILE_TRANSFERRED: queues a FileTransferred call to callback. */
void notify_file_transferred(struct job *job, struct file *file, IBackgroundCopyCallback *callback)
{
    struct file_notification *n;

    if (!(n = malloc(sizeof(*n)))) return;
    n->job = job;
    n->file = file;
    n->callback = callback;
    IBackgroundCopyCallback_AddRef(callback);
    job_addref(job);
    if (!QueueUserWorkItem(file_transferred_main, n, WT_EXECUTELONGFUNCTION))
    {
        IBackgroundCopyCallback_Release(callback);
        job_release(job);
        free(n);
    }
}
