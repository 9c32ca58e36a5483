/*
 * Background Intelligent Transfer Service: the job and its files, as job.c
 * keeps them
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

/*
 * Only the job's own files include this: job.c (the COM object, its
 * states and its lock), jobrecord.c (its properties as a table: the
 * store's record, the transfer's copy, TakeOwnership, freeing), and the
 * objects that show a job to clients: httpopts.c, file.c, error.c,
 * enum_files.c, which take the lock through job_enter().  Everything else
 * reaches a job through the functions of qmgr_private.h.
 */

#ifndef __QMGR_JOB_H
#define __QMGR_JOB_H

#include "qmgr_private.h"

struct file
{
    struct list entry;
    WCHAR *remote;
    WCHAR *local;
    WCHAR *temp;                 /* BIT<hex>.tmp beside local, while not renamed */
    BG_FILE_PROGRESS progress;
    BG_FILE_RANGE *ranges;
    DWORD range_count;
    /* validator of the bytes already in temp, so a resume never splices versions */
    WCHAR *etag;
    WCHAR *last_modified;
    FILETIME remote_time;        /* server's Last-Modified, applied to the result */
    BOOL renamed;
    BOOL busy;                   /* a lane of the job's worker is moving it */
};

struct job_error
{
    HRESULT code;
    BG_ERROR_CONTEXT context;
    struct file *file;           /* may be NULL */
    WCHAR *protocol;             /* L"http", L"file", ... or NULL */
};

struct job
{
    IBackgroundCopyJob4 IBackgroundCopyJob4_iface;
    IBackgroundCopyJobHttpOptions IBackgroundCopyJobHttpOptions_iface;
    LONG ref;
    CRITICAL_SECTION cs;

    GUID id;
    BG_JOB_TYPE type;
    WCHAR *name;
    WCHAR *description;
    BG_JOB_STATE state;
    BG_JOB_PRIORITY priority;
    ULONG notify_flags;
    IBackgroundCopyCallback *callback;
    WCHAR *notify_program;
    WCHAR *notify_parameters;
    ULONG retry_delay;
    ULONG no_progress_timeout;
    ULONG max_download_time;
    DWORD peer_flags;
    DWORD acl_flags;
    BG_JOB_PROXY_USAGE proxy_usage;
    WCHAR *proxy_list;
    WCHAR *proxy_bypass;
    struct credential creds[CRED_TARGETS][CRED_SCHEMES];
    struct owner owner;
    WCHAR *reply_name;           /* upload-reply jobs */
    WCHAR *custom_headers;       /* IBackgroundCopyJobHttpOptions */
    ULONG security_flags;
    struct client_certificate certificate;

    BG_JOB_TIMES times;
    struct list files;
    ULONG file_count;

    struct job_error error;
    BOOL has_error;
    ULONG error_count;

    /* scheduler bookkeeping, under cs */
    ULONGLONG active_ms;         /* time spent CONNECTING/TRANSFERRING since Resume */
    ULONGLONG active_since;      /* tick when the job became active, 0 if not */
    ULONGLONG last_progress;     /* tick of the last byte or of Resume */
    ULONGLONG retry_at;          /* tick at which a TRANSIENT_ERROR job is retried */
    ULONGLONG queued_at;         /* tick of the last time it entered QUEUED */
    LONG generation;             /* bumped by Suspend/Cancel/Complete: running transfers stop */
    BOOL running;                /* a worker holds it */
    CONDITION_VARIABLE worker_gone;  /* woken when a worker lets go of it */
    BOOL modification_pending;   /* a JobModification call is on its way */
    BOOL unsaved;                /* changed since its last entry in the store */
    BOOL store_queued;           /* the store will write it at its next compaction */
};

static inline struct job *impl_from_IBackgroundCopyJob4(IBackgroundCopyJob4 *iface)
{
    return CONTAINING_RECORD(iface, struct job, IBackgroundCopyJob4_iface);
}

/* job.c, for the job's own files */
struct job *job_alloc(void);
struct file *job_add_loaded_file(struct job *job);
void job_loaded(struct job *job);
void job_set_state(struct job *job, BG_JOB_STATE state);
void job_touch(struct job *job);
void job_modified(struct job *job);
void job_set_error(struct job *job, HRESULT code, BG_ERROR_CONTEXT context, struct file *file,
                   const WCHAR *protocol);
HRESULT job_enter(struct job *job, BOOL modify);
HRESULT job_enter_modify(struct job *job);
void job_leave(struct job *job);
HRESULT set_job_value(struct job *job, DWORD *field, DWORD value);
HRESULT get_job_value(struct job *job, const DWORD *field, DWORD *ret);
HRESULT check_ranges(BG_FILE_RANGE *ranges, DWORD count);

/* jobrecord.c: the property tables */
void job_free_properties(struct job *job);
void job_clear_for_new_owner(struct job *job);
HRESULT job_copy_for_transfer(struct job *job, struct file *file, struct transfer *t);
char *job_write_record(struct job *job, size_t *len);
char *credential_seal(const GUID *id, unsigned int target, unsigned int scheme, const WCHAR *user,
                      const WCHAR *password);

/* file.c */
struct file *file_alloc(void);
struct file *file_new(const WCHAR *remote, const WCHAR *local);
void file_free(struct file *file);
void file_free_properties(struct file *file);

#endif /* __QMGR_JOB_H */
