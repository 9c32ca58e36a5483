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
 * FileTransferred, JobTransferred and JobError of a job go through one
 * queue per job, delivered one call after the other in the order they were
 * queued: every file's FileTransferred is over before JobTransferred comes,
 * as Microsoft documents, however close together the files finish.
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

/* A call to make: FileTransferred for file, or else JobTransferred or
 * JobError (or the command line) as target says. */
struct notification
{
    struct list entry;
    struct file *file;
    struct notify_target target;
};

/* The calls on their way to one job's client, while there are any; a
 * work item of its own delivers them. */
struct notify_queue
{
    struct list entry;
    struct job *job;
    struct list calls;
};

static CRITICAL_SECTION queues_cs;
static CRITICAL_SECTION_DEBUG queues_cs_debug =
{
    0, 0, &queues_cs,
    { &queues_cs_debug.ProcessLocksList, &queues_cs_debug.ProcessLocksList },
      0, 0, { (DWORD_PTR)(__FILE__ ": queues_cs") }
};
static CRITICAL_SECTION queues_cs = { &queues_cs_debug, -1, 0, 0, 0, 0 };
static struct list queues = LIST_INIT(queues);

static void run_command_line(const struct notify_target *n)
{
    STARTUPINFOW si = { .cb = sizeof(si) };
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
    free(n->target.program);
    free(n->target.parameters);
    free(n);
}

static void deliver_file_transferred(struct job *job, struct notification *n)
{
    IBackgroundCopyCallback2 *callback2;
    IBackgroundCopyFile2 *file;

    /* Only a client that implements IBackgroundCopyCallback2 hears of files. */
    if (FAILED(IBackgroundCopyCallback_QueryInterface(n->target.callback, &IID_IBackgroundCopyCallback2,
                                                      (void **)&callback2)))
        return;
    if (SUCCEEDED(file_object_create(job, n->file, &file)))
    {
        IBackgroundCopyCallback2_FileTransferred(callback2, job_interface(job), (IBackgroundCopyFile *)file);
        IBackgroundCopyFile2_Release(file);
    }
    IBackgroundCopyCallback2_Release(callback2);
}

static void deliver_job_state(struct job *job, struct notification *n)
{
    const struct notify_target *t = &n->target;
    HRESULT hr = E_FAIL;

    if (t->state == BG_JOB_STATE_TRANSFERRED && (t->flags & BG_NOTIFY_JOB_TRANSFERRED))
    {
        if (t->callback) hr = IBackgroundCopyCallback_JobTransferred(t->callback, job_interface(job));
        if (FAILED(hr) && t->program) run_command_line(t);
    }
    else if (t->state == BG_JOB_STATE_ERROR && (t->flags & BG_NOTIFY_JOB_ERROR))
    {
        if (t->callback && t->error) hr = IBackgroundCopyCallback_JobError(t->callback, job_interface(job), t->error);
        if (FAILED(hr) && t->program) run_command_line(t);
    }
    TRACE("job %p state %u notified: %#lx\n", job, t->state, hr);
}

/* Delivers a job's calls one after the other until its queue is empty. */
static DWORD WINAPI deliver_main(void *arg)
{
    struct notify_queue *queue = arg;
    struct notification *n;
    struct list *head;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    for (;;)
    {
        EnterCriticalSection(&queues_cs);
        if (!(head = list_head(&queue->calls)))
        {
            /* Queued from now on is for a new queue and work item. */
            list_remove(&queue->entry);
            LeaveCriticalSection(&queues_cs);
            break;
        }
        list_remove(head);
        LeaveCriticalSection(&queues_cs);

        n = LIST_ENTRY(head, struct notification, entry);
        if (n->file) deliver_file_transferred(queue->job, n);
        else deliver_job_state(queue->job, n);
        notification_free(n);
    }
    job_release(queue->job);
    free(queue);
    CoUninitialize();
    return 0;
}

/* Queues a call behind those already on their way to the job's client;
 * may be called with the job's lock held. */
static void notify_queue_add(struct job *job, struct notification *n)
{
    struct notify_queue *queue;

    EnterCriticalSection(&queues_cs);
    LIST_FOR_EACH_ENTRY(queue, &queues, struct notify_queue, entry)
    {
        if (queue->job != job) continue;
        list_add_tail(&queue->calls, &n->entry);
        LeaveCriticalSection(&queues_cs);
        return;
    }
    if ((queue = malloc(sizeof(*queue))))
    {
        queue->job = job;
        list_init(&queue->calls);
        list_add_tail(&queue->calls, &n->entry);
        list_add_tail(&queues, &queue->entry);
        job_addref(job);
        if (QueueUserWorkItem(deliver_main, queue, WT_EXECUTELONGFUNCTION))
        {
            LeaveCriticalSection(&queues_cs);
            return;
        }
        ERR("cannot queue a notification: %lu\n", GetLastError());
        list_remove(&queue->entry);
        job_release(job);
        free(queue);
    }
    LeaveCriticalSection(&queues_cs);
    notification_free(n);
}

/* Tells the client that the job is transferred or in error, by its
 * callback or, failing that, its command line. */
void job_notify(struct job *job)
{
    struct notification *n;

    if (!(n = calloc(1, sizeof(*n)))) return;
    if (!job_get_notify_target(job, &n->target))
    {
        free(n);
        return;
    }
    notify_queue_add(job, n);
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

/* BG_NOTIFY_FILE_TRANSFERRED: queues a FileTransferred call to callback. */
void notify_file_transferred(struct job *job, struct file *file, IBackgroundCopyCallback *callback)
{
    struct notification *n;

    if (!(n = calloc(1, sizeof(*n)))) return;
    n->file = file;
    n->target.callback = callback;
    IBackgroundCopyCallback_AddRef(callback);
    notify_queue_add(job, n);
}
