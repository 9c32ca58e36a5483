/*
 * Background Intelligent Transfer Service: the scheduler
 *
 * One thread decides what runs; it sleeps on an event and a timer (the next
 * retry, the next maximum-download-time deadline, the end of a time slice),
 * never polling.  Each running job has a worker thread of its own that
 * moves its files one after the other and reports back here.
 *
 * Policy, as Microsoft describes it: FOREGROUND jobs all run at once;
 * background jobs run one at a time, the highest priority first, and jobs
 * of the same priority take turns in time slices so that one huge job does
 * not starve its peers.  A job that loses its turn goes back to QUEUED and
 * later resumes where it stopped.
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

#define TIME_SLICE_MS       (5 * 1000)
#define MAX_FOREGROUND_JOBS 16

static HANDLE wake_event;
static HANDLE idle_event;        /* set while no worker runs */
static HANDLE scheduler_thread;
static LONG workers;
static BOOL stopping;

void scheduler_wake(void)
{
    if (wake_event) SetEvent(wake_event);
}

static BOOL is_background(const struct job *job)
{
    return job->priority != BG_JOB_PRIORITY_FOREGROUND;
}

/* Stops a running job's transfer at its next read; called with the job's lock. */
static void job_preempt(struct job *job)
{
    TRACE("job %p loses its turn\n", job);
    job->generation++;
    job_set_state(job, BG_JOB_STATE_QUEUED);
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

    if ((job->state == BG_JOB_STATE_CONNECTING || job->state == BG_JOB_STATE_TRANSFERRING) && job->max_download_time)
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

static DWORD WINAPI worker_main(void *arg);

static void start_worker(struct job *job)
{
    HANDLE thread;

    job->running = TRUE;
    IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
    if (InterlockedIncrement(&workers) == 1) ResetEvent(idle_event);
    if (!(thread = CreateThread(NULL, 0, worker_main, job, 0, NULL)))
    {
        ERR("cannot start a worker: %lu\n", GetLastError());
        job->running = FALSE;
        IBackgroundCopyJob4_Release(&job->IBackgroundCopyJob4_iface);
        if (!InterlockedDecrement(&workers)) SetEvent(idle_event);
        return;
    }
    CloseHandle(thread);
}

/* One pass over the jobs: timers, preemption, new workers.  Returns how
 * long to sleep before the next timer. */
static DWORD schedule(void)
{
    struct job *job, *best = NULL, *running_bg = NULL, **jobs, **errored = NULL;
    ULONGLONG now = GetTickCount64(), next = now + INFINITE;
    ULONG foreground = 0, error_count = 0, count, i, j;
    BOOL busy = FALSE;

    if (FAILED(manager_get_jobs(NULL, NULL, &jobs, &count))) return 1000;
    if (count) errored = malloc(count * sizeof(*errored));

    for (j = 0; j < count; j++)
    {
        job = jobs[j];
        EnterCriticalSection(&job->cs);
        if (job_check_timeouts(job, now, &next) && errored)
        {
            IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
            errored[error_count++] = job;
        }
        if (job->running || job->state == BG_JOB_STATE_QUEUED || job->state == BG_JOB_STATE_TRANSIENT_ERROR)
            busy = TRUE;
        if (job->running)
        {
            if (!is_background(job)) foreground++;
            else if (job->state != BG_JOB_STATE_QUEUED) running_bg = job;
        }
        else if (job->state == BG_JOB_STATE_QUEUED)
        {
            if (!is_background(job))
            {
                if (foreground < MAX_FOREGROUND_JOBS)
                {
                    job_set_state(job, BG_JOB_STATE_CONNECTING);
                    start_worker(job);
                    job_check_timeouts(job, now, &next);
                    foreground++;
                }
            }
            else if (!best || job->priority < best->priority ||
                     (job->priority == best->priority && job->queued_at < best->queued_at))
                best = job;
        }
        LeaveCriticalSection(&job->cs);
    }

    if (best)
    {
        if (running_bg)
        {
            /* A higher priority takes over at once; the same priority waits
             * for the end of the running job's time slice. */
            EnterCriticalSection(&running_bg->cs);
            if (best->priority < running_bg->priority) job_preempt(running_bg);
            else if (best->priority == running_bg->priority)
            {
                ULONGLONG slice_end = running_bg->active_since + TIME_SLICE_MS;
                if (running_bg->active_since && now >= slice_end) job_preempt(running_bg);
                else if (running_bg->active_since) next = min(next, slice_end);
            }
            LeaveCriticalSection(&running_bg->cs);
        }
        else
        {
            EnterCriticalSection(&best->cs);
            if (best->state == BG_JOB_STATE_QUEUED && !best->running)
            {
                job_set_state(best, BG_JOB_STATE_CONNECTING);
                start_worker(best);
                job_check_timeouts(best, now, &next);
                next = min(next, now + TIME_SLICE_MS);
            }
            LeaveCriticalSection(&best->cs);
        }
    }
    manager_put_jobs(jobs, count);
    next = min(next, now + keeper_update(busy || best));

    for (i = 0; i < error_count; i++)
    {
        job_notify(errored[i]);
        IBackgroundCopyJob4_Release(&errored[i]->IBackgroundCopyJob4_iface);
    }
    free(errored);

    if (next >= now + INFINITE) return INFINITE;
    return next > now ? (DWORD)min(next - now, INFINITE - 1) : 0;
}

static DWORD WINAPI scheduler_main(void *arg)
{
    DWORD timeout;

    TRACE("started\n");
    while (!stopping)
    {
        timeout = schedule();
        WaitForSingleObject(wake_event, timeout);
    }
    keeper_end();
    TRACE("stopped\n");
    return 0;
}

BOOL transfer_cancelled(const struct transfer *t)
{
    return stopping || ReadNoFence(&t->job->generation) != t->generation;
}

/* Moves the job on after its worker is done with it. */
static void worker_finish(struct job *job, LONG generation, const struct transfer *failed)
{
    BOOL notify = FALSE;
    ULONGLONG now;

    EnterCriticalSection(&job->cs);
    if (job->generation == generation && !stopping)
    {
        now = GetTickCount64();
        if (!failed)
        {
            struct file *file;
            BOOL all = TRUE;

            LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
                if (!file->progress.Completed) all = FALSE;
            /* Files added while the worker ran wait for the next one. */
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
    LeaveCriticalSection(&job->cs);
    job_release_worker(job);
    if (notify) job_notify(job);
}

/* A running job moves several files at once, each lane on a connection of
 * its own: with many small files the round trips, not the bytes, are what
 * takes the time.  The first failure stops every lane. */
#define MAX_LANES 4

struct worker
{
    struct job *job;
    LONG generation;
    struct transfer failed;      /* the first failure, under the job's lock */
    BOOL has_failed;
};

static struct file *lane_next_file(struct worker *w)
{
    struct file *file;

    LIST_FOR_EACH_ENTRY(file, &w->job->files, struct file, entry)
        if (!file->progress.Completed && !file->busy)
        {
            file->busy = TRUE;
            return file;
        }
    return NULL;
}

static DWORD WINAPI lane_main(void *arg)
{
    struct worker *w = arg;
    struct job *job = w->job;
    void *session = NULL;
    struct transfer t;

    for (;;)
    {
        memset(&t, 0, sizeof(t));
        t.job = job;
        t.generation = w->generation;
        EnterCriticalSection(&job->cs);
        if (!w->has_failed && !transfer_cancelled(&t)) t.file = lane_next_file(w);
        LeaveCriticalSection(&job->cs);
        if (!t.file) break;

        if (job->type != BG_JOB_TYPE_DOWNLOAD)
        {
            FIXME("uploads are not implemented\n");
            transfer_fail(&t, E_NOTIMPL, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, FALSE);
        }
        else if (SUCCEEDED(transfer_begin(&t)))
        {
            if (transfer_is_http(&t)) http_transfer_file(&t, &session);
            else local_transfer_file(&t);
        }

        EnterCriticalSection(&job->cs);
        t.file->busy = FALSE;
        if (t.error && !w->has_failed)
        {
            w->has_failed = TRUE;
            w->failed = t;
            memset(&t, 0, sizeof(t));
        }
        LeaveCriticalSection(&job->cs);
        if (t.error) break;
        transfer_cleanup(&t);
    }
    transfer_cleanup(&t);
    http_session_close(session);
    return 0;
}

static DWORD WINAPI worker_main(void *arg)
{
    struct worker w = { arg };
    struct job *job = w.job;
    HANDLE lanes[MAX_LANES - 1];
    unsigned int count = 0, pending = 0, i;
    struct file *file;

    /* The turn this worker was given: Suspend, Cancel, Complete, a timeout
     * or preemption all end it. */
    EnterCriticalSection(&job->cs);
    w.generation = job->generation;
    LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
        if (!file->progress.Completed) pending++;
    LeaveCriticalSection(&job->cs);

    while (count + 1 < min(pending, MAX_LANES) && (lanes[count] = CreateThread(NULL, 0, lane_main, &w, 0, NULL)))
        count++;
    lane_main(&w);
    WaitForMultipleObjects(count, lanes, TRUE, INFINITE);
    for (i = 0; i < count; i++) CloseHandle(lanes[i]);

    worker_finish(job, w.generation, w.has_failed ? &w.failed : NULL);
    transfer_cleanup(&w.failed);

    IBackgroundCopyJob4_Release(&job->IBackgroundCopyJob4_iface);
    if (!InterlockedDecrement(&workers)) SetEvent(idle_event);
    scheduler_wake();
    return 0;
}

HRESULT scheduler_start(void)
{
    stopping = FALSE;
    if (!(wake_event = CreateEventW(NULL, FALSE, FALSE, NULL))) return HRESULT_FROM_WIN32(GetLastError());
    if (!(idle_event = CreateEventW(NULL, TRUE, TRUE, NULL))) return HRESULT_FROM_WIN32(GetLastError());
    if (!(scheduler_thread = CreateThread(NULL, 0, scheduler_main, NULL, 0, NULL)))
        return HRESULT_FROM_WIN32(GetLastError());
    return S_OK;
}

/* Stops deciding, then waits a bounded time for the workers: a transfer
 * blocked on the network notices at its next read or timeout. */
void scheduler_stop(void)
{
    if (!scheduler_thread) return;
    stopping = TRUE;
    SetEvent(wake_event);
    WaitForSingleObject(scheduler_thread, INFINITE);
    CloseHandle(scheduler_thread);
    scheduler_thread = NULL;
    if (WaitForSingleObject(idle_event, 2000)) WARN("%ld workers still busy\n", workers);
    CloseHandle(wake_event);
    wake_event = NULL;
}
