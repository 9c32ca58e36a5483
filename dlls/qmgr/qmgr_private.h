/*
 * Background Intelligent Transfer Service: shared declarations
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

#ifndef __QMGR_PRIVATE_H
#define __QMGR_PRIVATE_H

#include <stdarg.h>

#define COBJMACROS
#include "windef.h"
#include "winbase.h"
#include "winreg.h"
#include "objbase.h"
#include "bits.h"
#include "bits1_5.h"
#include "bits2_0.h"
#include "bits2_5.h"
#include "bits3_0.h"
#include "wine/list.h"
#include "qmgr_bits.h"
#include "wine/debug.h"

/* Limits Microsoft documents for BITS. */
#define MAX_DISPLAY_NAME      256
#define MAX_DESCRIPTION       1024
#define MAX_REMOTE_NAME       2200
#define MAX_FILES_PER_JOB     200
#define MAX_JOBS_PER_USER     60
#define MAX_JOBS_PER_MACHINE  300
#define MAX_RANGES_PER_FILE   500
#define MAX_CREDENTIAL_NAME   300
#define MAX_CREDENTIAL_SECRET 65536
#define MAX_NOTIFY_PARAMETERS 4000
#define MAX_PROXY_LIST        32767
#define MIN_RETRY_DELAY       5

#define DEFAULT_RETRY_DELAY        600
#define DEFAULT_NO_PROGRESS        1209600      /* 14 days */
#define DEFAULT_MAX_DOWNLOAD_TIME  7776000      /* 90 days */

#define CRED_TARGETS 2   /* BG_AUTH_TARGET_SERVER, BG_AUTH_TARGET_PROXY */
#define CRED_SCHEMES 5   /* BG_AUTH_SCHEME_BASIC .. BG_AUTH_SCHEME_PASSPORT */

/* What we know about the process that owns a job or makes a call. */
struct owner
{
    PSID  sid;
    WCHAR *sid_string;
    ULONG integrity;     /* mandatory label RID */
    BOOL  elevated;
    BOOL  admin;         /* member of the enabled Administrators group */
};

HRESULT owner_from_caller(struct owner *owner);
void owner_free(struct owner *owner);
const WCHAR *owner_sid_string(struct owner *owner);
HRESULT owner_copy(struct owner *dst, const struct owner *src);

struct credential
{
    WCHAR *user;
    WCHAR *password;
    BOOL   set;
};

void credentials_clear(struct credential creds[CRED_TARGETS][CRED_SCHEMES]);

struct client_certificate
{
    BOOL set;
    BG_CERT_STORE_LOCATION location;
    WCHAR *store;
    WCHAR *subject;
    BYTE hash[20];
    BOOL has_hash;
};

void client_certificate_clear(struct client_certificate *cert);

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
    BOOL modification_pending;   /* a JobModification call is on its way */
    struct list store_entry;     /* in the store's queue, under its lock */
    BOOL store_queued;
};

static inline struct job *impl_from_IBackgroundCopyJob4(IBackgroundCopyJob4 *iface)
{
    return CONTAINING_RECORD(iface, struct job, IBackgroundCopyJob4_iface);
}

/* the list of live jobs (manager.c) */
HRESULT manager_add_job(struct job *job, const struct owner *quota_owner);
BOOL manager_remove_job(struct job *job);
struct job *manager_find_job(const GUID *id);
HRESULT manager_get_jobs(BOOL (*filter)(struct job *job, void *context), void *context,
                         struct job ***jobs, ULONG *count);
void manager_put_jobs(struct job **jobs, ULONG count);
void manager_disconnect_all(void);

extern HINSTANCE qmgr_instance;

extern IBackgroundCopyManager manager_object;
extern const IBackgroundCopyJobHttpOptionsVtbl http_options_vtbl;
extern IClassFactory manager_factory;

HRESULT job_create(const WCHAR *name, BG_JOB_TYPE type, const struct owner *owner, struct job **job);
void job_addref(struct job *job);
void job_release(struct job *job);
IBackgroundCopyJob *job_interface(struct job *job);
const GUID *job_id(const struct job *job);
BOOL job_owned_by(const struct job *job, const struct owner *owner);
HRESULT job_check_access(struct job *job, const struct owner *caller, BOOL modify);
void job_set_state(struct job *job, BG_JOB_STATE state);
void job_touch(struct job *job);
void job_set_error(struct job *job, HRESULT code, BG_ERROR_CONTEXT context, struct file *file,
                   const WCHAR *protocol);
void job_notify(struct job *job);
void job_modified(struct job *job);
void job_file_transferred(struct job *job, struct file *file);
void job_release_worker(struct job *job);
HRESULT job_enter(struct job *job, BOOL modify);
HRESULT job_enter_modify(struct job *job);
void job_leave(struct job *job);
HRESULT set_job_value(struct job *job, DWORD *field, DWORD value);
HRESULT get_job_value(struct job *job, const DWORD *field, DWORD *ret);

/* what both enumerators hold (enum_items.c) */
struct enum_items
{
    IUnknown **items;
    ULONG count;
    ULONG pos;
};
HRESULT enum_items_init(struct enum_items *e, IUnknown **items, ULONG count, ULONG pos);
void enum_items_free(struct enum_items *e);
HRESULT enum_items_next(struct enum_items *e, ULONG celt, IUnknown **out, ULONG *fetched);
HRESULT enum_items_skip(struct enum_items *e, ULONG celt);

HRESULT enum_jobs_create(struct job **jobs, ULONG count, IEnumBackgroundCopyJobs **ret);
HRESULT enum_files_create(struct job *job, IEnumBackgroundCopyFiles **ret);
HRESULT file_object_create(struct job *job, struct file *file, IBackgroundCopyFile2 **ret);
HRESULT error_object_create(struct job *job, IBackgroundCopyError **ret);

struct file *file_new(const WCHAR *remote, const WCHAR *local);
void file_free(struct file *file);
HRESULT file_check_remote_name(const WCHAR *remote, BG_JOB_TYPE type);
HRESULT file_check_local_name(const WCHAR *local);

HRESULT error_description(HRESULT code, DWORD langid, WCHAR **text);

/* job store */
HRESULT store_start(void);
void store_stop(void);
void store_job_changed(struct job *job);
void store_sync(void);

/* the ordinary child that keeps the prefix up while jobs have work */
DWORD keeper_update(BOOL needed);
void keeper_end(void);

/* scheduler */
HRESULT scheduler_start(void);
void scheduler_stop(void);
void scheduler_wake(void);

/* transfers: run on worker threads with no job lock held */
struct transfer
{
    struct job *job;
    struct file *file;
    LONG generation;
    /* copied under the job's lock when the file starts */
    WCHAR *remote;
    WCHAR *temp;
    WCHAR *etag;                   /* validator of the bytes already in temp */
    WCHAR *last_modified;
    BG_FILE_RANGE *ranges;
    DWORD range_count;
    BG_JOB_PROXY_USAGE proxy_usage;
    WCHAR *proxy_list;
    WCHAR *proxy_bypass;
    WCHAR *custom_headers;
    ULONG security_flags;
    struct credential creds[CRED_TARGETS][CRED_SCHEMES];
    ULONG no_progress_timeout;
    /* outcome */
    HRESULT error;
    BG_ERROR_CONTEXT error_context;
    const WCHAR *protocol;
    BOOL transient;
};
BOOL transfer_cancelled(const struct transfer *t);
BOOL transfer_is_http(const struct transfer *t);
HRESULT transfer_begin(struct transfer *t);
void transfer_cleanup(struct transfer *t);
HANDLE transfer_open_temp(struct transfer *t, BOOL restart, UINT64 *offset);
void transfer_set_validator(struct transfer *t, const WCHAR *etag, const WCHAR *last_modified,
                            const FILETIME *remote_time);
void transfer_progress(struct transfer *t, UINT64 transferred, UINT64 total);
void transfer_file_done(struct transfer *t, HANDLE file);
void transfer_fail(struct transfer *t, HRESULT hr, BG_ERROR_CONTEXT context, BOOL transient);
void transfer_set_remote(struct transfer *t, const WCHAR *remote);
void http_transfer_file(struct transfer *t, void **session);
void http_session_close(void *session);
void local_transfer_file(struct transfer *t);

/* strings */
static inline WCHAR *strdupW(const WCHAR *s)
{
    WCHAR *ret;
    size_t len;
    if (!s) return NULL;
    len = (wcslen(s) + 1) * sizeof(WCHAR);
    if ((ret = malloc(len))) memcpy(ret, s, len);
    return ret;
}

HRESULT co_strdup(const WCHAR *s, WCHAR **ret);

#endif /* __QMGR_PRIVATE_H */
