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

/* Owned by job.c (job.h), and by transfer.c and http.c. */
struct job;
struct file;
struct transfer;
struct http_session;

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
#define MAX_CUSTOM_HEADERS    16384   /* characters, the terminator included */

/* Every flag a client may set, per property. */
#define ALL_NOTIFY_FLAGS (BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR | BG_NOTIFY_DISABLE | \
                          BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_FILE_TRANSFERRED)
#define ALL_PEER_FLAGS (BG_JOB_ENABLE_PEERCACHING_CLIENT | BG_JOB_ENABLE_PEERCACHING_SERVER | \
                        BG_JOB_DISABLE_BRANCH_CACHE)
#define ALL_SECURITY_FLAGS (BG_SSL_ENABLE_CRL_CHECK | BG_SSL_IGNORE_CERT_CN_INVALID | \
                            BG_SSL_IGNORE_CERT_DATE_INVALID | BG_SSL_IGNORE_UNKNOWN_CA | \
                            BG_SSL_IGNORE_CERT_WRONG_USAGE | BG_HTTP_REDIRECT_POLICY_MASK | \
                            BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP)
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
    char  *sealed;   /* the job's: the store's protected copy (jobrecord.c), or NULL */
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
HRESULT client_certificate_check(const struct client_certificate *cert);

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
BOOL job_owned_by(struct job *job, const struct owner *owner);
BOOL job_listed_for(struct job *job, const struct owner *caller);
BG_JOB_TYPE job_type(const struct job *job);
BOOL job_is_gone(struct job *job);
HRESULT job_check_access(struct job *job, const struct owner *caller, BOOL modify);
void job_release_worker(struct job *job);

/* the job store's record of a job (jobrecord.c) */
char *job_to_record(struct job *job, size_t *len, BOOL *gone, BOOL compacting);
struct job *job_from_record(char *text);

/* notifications (notify.c), with what job.c hands them */
struct notify_target
{
    BG_JOB_STATE state;
    ULONG flags;
    IBackgroundCopyCallback *callback;
    IBackgroundCopyError *error;
    WCHAR *program;
    WCHAR *parameters;
};
BOOL job_get_notify_target(struct job *job, struct notify_target *target);
IBackgroundCopyCallback *job_take_modification(struct job *job);
void job_notify(struct job *job);
BOOL notify_modification(struct job *job);
void notify_file_transferred(struct job *job, struct file *file, IBackgroundCopyCallback *callback);

/* turns: what the scheduler asks of a job */
struct job_view
{
    BOOL errored;                /* its timers just put it in ERROR */
    BOOL running;                /* a worker holds it */
    BG_JOB_STATE state;
    BG_JOB_PRIORITY priority;
    ULONGLONG queued_at;
};
LONG job_generation(struct job *job);
void job_schedule_view(struct job *job, ULONGLONG now, ULONGLONG *next, struct job_view *view);
BOOL job_start_turn(struct job *job, ULONGLONG now, ULONGLONG *next, LONG *generation);
void job_yield_turn(struct job *job, BG_JOB_PRIORITY waiting, ULONGLONG now, ULONGLONG slice, ULONGLONG *next);
ULONG job_files_pending(struct job *job);
struct file *job_next_file(struct job *job, LONG generation);
void job_file_idle(struct job *job, struct file *file);
BOOL job_turn_ended(struct job *job, LONG generation, BOOL stopping, const struct transfer *failed);

/* what both enumerators hold (enum_items.c); the position under cs, since
 * a client's threads may call the same enumerator at once */
struct enum_items
{
    IUnknown **items;
    ULONG count;
    ULONG pos;
    CRITICAL_SECTION cs;
};
HRESULT enum_items_init(struct enum_items *e, IUnknown **items, ULONG count, ULONG pos);
void enum_items_free(struct enum_items *e);
HRESULT enum_items_next(struct enum_items *e, ULONG celt, IUnknown **out, ULONG *fetched);
HRESULT enum_items_skip(struct enum_items *e, ULONG celt);
void enum_items_reset(struct enum_items *e);
ULONG enum_items_position(struct enum_items *e);

HRESULT enum_jobs_create(struct job **jobs, ULONG count, IEnumBackgroundCopyJobs **ret);
HRESULT enum_files_create(struct job *job, IEnumBackgroundCopyFiles **ret);
HRESULT file_object_create(struct job *job, struct file *file, IBackgroundCopyFile2 **ret);
HRESULT error_object_create(struct job *job, IBackgroundCopyError **ret);

HRESULT file_check_remote_name(const WCHAR *remote, BG_JOB_TYPE type);
HRESULT file_check_local_name(const WCHAR *local);
#define TEMP_NAME_LEN 11   /* BIT<4 hex digits>.tmp */
size_t local_folder_len(const WCHAR *local);
HRESULT file_check_temp_name(const WCHAR *local, const WCHAR *temp);
BOOL is_http_url(const WCHAR *name);
UINT64 ranges_total(const BG_FILE_RANGE *ranges, DWORD count);

HRESULT error_description(HRESULT code, DWORD langid, WCHAR **text);

/* job store */
HRESULT store_start(void);
void store_stop(void);
void store_job_changed(struct job *job);
void store_commit(struct job *job);
void store_sync(void);

/* every manager class we answer for (service.c) */
extern const CLSID *const manager_clsids[];
extern const unsigned int manager_clsid_count;

/* the running instance's class object, published for the watchdog */
HRESULT instance_publish(IUnknown *object);
void instance_withdraw(void);
DWORD instance_pid(void);
HRESULT instance_class_object(DWORD pid, IClassFactory **factory);
HKEY instance_watch(HANDLE event);

/* the service that holds the class registration and restarts BITS */
#define WATCHDOG_SERVICE_NAME L"BitsWatchdog"
BOOL watchdog_start(void);

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
    /* copied under the job's lock when the file starts (jobrecord.c) */
    WCHAR *remote;
    WCHAR *local;
    WCHAR *temp;
    WCHAR *etag;                   /* validator of the bytes already in temp */
    WCHAR *last_modified;
    FILETIME remote_time;          /* the source's date, given to the finished file */
    BG_FILE_RANGE *ranges;
    DWORD range_count;
    BG_JOB_PROXY_USAGE proxy_usage;
    WCHAR *proxy_list;
    WCHAR *proxy_bypass;
    WCHAR *custom_headers;
    ULONG security_flags;
    struct credential creds[CRED_TARGETS][CRED_SCHEMES];
    struct client_certificate certificate;
    ULONG no_progress_timeout;
    DWORD acl_flags;               /* BG_COPY_FILE_*, for local and UNC sources */
    struct owner owner;            /* whose privileges the ACL flags need */
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
void transfer_free_copy(struct transfer *t);
HRESULT job_transfer_begin(struct job *job, struct file *file, struct transfer *t);
BOOL job_file_set_temp(struct job *job, struct file *file, const WCHAR *temp);
void job_file_set_validator(struct job *job, struct file *file, LONG generation, const WCHAR *etag,
                            const WCHAR *last_modified, const FILETIME *remote_time);
void job_file_progress(struct job *job, struct file *file, LONG generation, UINT64 transferred, UINT64 total);
void job_file_done(struct job *job, struct file *file, LONG generation);
void job_file_set_remote(struct job *job, struct file *file, LONG generation, const WCHAR *remote);
void http_transfer_file(struct transfer *t, struct http_session **session);
void http_session_close(struct http_session *session);
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
