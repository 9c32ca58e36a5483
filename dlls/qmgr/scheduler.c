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

/* A running job moves several files at once, each lane on a connection of
 * its own: with many small files the round trips, not the bytes, are what
 * takes the time.  The first failure stops every lane. */
#define MAX_LANES 4

struct worker
{
    struct job *job;
    LONG generation;             /* the turn it was given */
    CRITICAL_SECTION cs;
    struct transfer failed;      /* the first failure, under cs */
    BOOL has_failed;
};

static DWORD WINAPI worker_main(void *arg);

static void start_worker(struct job *job, LONG generation)
{
    struct worker *w;
    HANDLE thread = NULL;

    job_addref(job);
    if (InterlockedIncrement(&workers) == 1) ResetEvent(idle_event);
    if ((w = calloc(1, sizeof(*w))))
    {
        w->job = job;
        w->generation = generation;
        InitializeCriticalSection(&w->cs);
        thread = CreateThread(NULL, 0, worker_main, w, 0, NULL);
    }
    if (!thread)
    {
        ERR("cannot start a worker: %lu\n", GetLastError());
        if (w) DeleteCriticalSection(&w->cs);
        free(w);
        job_release_worker(job);
        job_release(job);
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
    ULONG foreground = 0, error_count = 0, count, i;
    struct job_view view, best_view = { 0 };
    LONG generation;
    BOOL busy = FALSE;

    if (FAILED(manager_get_jobs(NULL, NULL, &jobs, &count))) return 1000;
    if (count) errored = calloc(count, sizeof(*errored));

    for (i = 0; i < count; i++)
    {
        job = jobs[i];
        job_schedule_view(job, now, &next, &view);
        if (view.errored && errored)
        {
            job_addref(job);
            errored[error_count++] = job;
        }
        if (view.running || view.state == BG_JOB_STATE_QUEUED || view.state == BG_JOB_STATE_TRANSIENT_ERROR)
            busy = TRUE;
        if (view.running)
        {
            if (view.priority == BG_JOB_PRIORITY_FOREGROUND) foreground++;
            else if (view.state != BG_JOB_STATE_QUEUED) running_bg = job;
        }
        else if (view.state == BG_JOB_STATE_QUEUED)
        {
            if (view.priority == BG_JOB_PRIORITY_FOREGROUND)
            {
                if (foreground < MAX_FOREGROUND_JOBS && job_start_turn(job, now, &next, &generation))
                {
                    start_worker(job, generation);
                    foreground++;
                }
            }
            else if (!best || view.priority < best_view.priority ||
                     (view.priority == best_view.priority && view.queued_at < best_view.queued_at))
            {
                best = job;
                best_view = view;
            }
        }
    }

    if (best)
    {
        if (running_bg) job_yield_turn(running_bg, best_view.priority, now, TIME_SLICE_MS, &next);
        else if (job_start_turn(best, now, &next, &generation))
        {
            start_worker(best, generation);
            next = min(next, now + TIME_SLICE_MS);
        }
    }
    manager_put_jobs(jobs, count);
    next = min(next, now + keeper_update(busy || best));

    for (i = 0; i < error_count; i++)
    {
        job_notify(errored[i]);
        job_release(errored[i]);
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
    return stopping || job_generation(t->job) != t->generation;
}

static BOOL worker_failed(struct worker *w)
{
    BOOL failed;

    EnterCriticalSection(&w->cs);
    failed = w->has_failed;
    LeaveCriticalSection(&w->cs);
    return failed;
}

static DWORD WINAPI lane_main(void *arg)
{
    struct worker *w = arg;
    struct job *job = w->job;
    struct http_session *session = NULL;
    struct transfer t;

    for (;;)
    {
        memset(&t, 0, sizeof(t));
        t.job = job;
        t.generation = w->generation;
        if (worker_failed(w) || transfer_cancelled(&t) || !(t.file = job_next_file(job, w->generation))) break;

        if (job_type(job) != BG_JOB_TYPE_DOWNLOAD)
        {
            FIXME("uploads are not implemented\n");
            transfer_fail(&t, E_NOTIMPL, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, FALSE);
        }
        else if (SUCCEEDED(transfer_begin(&t)))
        {
            if (transfer_is_http(&t)) http_transfer_file(&t, &session);
            else local_transfer_file(&t);
        }

        job_file_idle(job, t.file);
        EnterCriticalSection(&w->cs);
        if (t.error && !w->has_failed)
        {
            w->has_failed = TRUE;
            w->failed = t;
            memset(&t, 0, sizeof(t));
        }
        LeaveCriticalSection(&w->cs);
        if (t.error) break;
        transfer_cleanup(&t);
    }
    transfer_cleanup(&t);
    http_session_close(session);
    return 0;
}

static DWORD WINAPI worker_main(void *arg)
{
    struct worker *w = arg;
    struct job *job = w->job;
    HANDLE lanes[MAX_LANES - 1];
    unsigned int count = 0, i;
    ULONG pending = job_files_pending(job);

    /* Suspend, Cancel, Complete, a timeout or preemption end the turn. */
    while (count + 1 < min(pending, MAX_LANES) && (lanes[count] = CreateThread(NULL, 0, lane_main, w, 0, NULL)))
        count++;
    lane_main(w);
    WaitForMultipleObjects(count, lanes, TRUE, INFINITE);
    for (i = 0; i < count; i++) CloseHandle(lanes[i]);

    if (job_turn_ended(job, w->generation, stopping, w->has_failed ? &w->failed : NULL)) job_notify(job);
    transfer_cleanup(&w->failed);
    DeleteCriticalSection(&w->cs);
    free(w);

    job_release(job);
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
    /* A worker still busy wakes the scheduler when it ends: its event
     * stays open rather than let it signal a handle number reused since. */
    if (WaitForSingleObject(idle_event, 2000)) WARN("%ld workers still busy\n", workers);
    else
    {
        CloseHandle(wake_event);
        wake_event = NULL;
    }
}
