/*
 * Background Intelligent Transfer Service: the job store
 *
 * Jobs outlive the service process: each job is a small text file
 * {GUID}.job in C:\ProgramData\Microsoft\Network\Downloader, written whole
 * to a temporary name and renamed over the old one, so a crash leaves
 * either the old or the new version, never half of one.  Changes are
 * queued and written by a thread of the store within about a second (and
 * all at once when the service stops); the writer holds no lock while it
 * touches the disk.  A file that does not parse is set aside as .bad and
 * the service goes on with the others.
 *
 * Not kept, as on Windows: the notify interface (it belongs to a running
 * client).  Not kept, unlike Windows: credentials, which we would have to
 * store in clear.
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

#include <ctype.h>
#include "qmgr_private.h"
#include "shlobj.h"
#include "sddl.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

#define STORE_VERSION 1
#define STORE_DELAY_MS 500

static WCHAR store_dir[MAX_PATH];
static CRITICAL_SECTION store_cs;
static CRITICAL_SECTION_DEBUG store_cs_debug =
{
    0, 0, &store_cs,
    { &store_cs_debug.ProcessLocksList, &store_cs_debug.ProcessLocksList },
      0, 0, { (DWORD_PTR)(__FILE__ ": store_cs") }
};
static CRITICAL_SECTION store_cs = { &store_cs_debug, -1, 0, 0, 0, 0 };
static struct list store_queue = LIST_INIT(store_queue);
/* One writer at a time: the store's thread, or a caller of store_sync(). */
static CRITICAL_SECTION store_write_cs;
static CRITICAL_SECTION_DEBUG store_write_cs_debug =
{
    0, 0, &store_write_cs,
    { &store_write_cs_debug.ProcessLocksList, &store_write_cs_debug.ProcessLocksList },
      0, 0, { (DWORD_PTR)(__FILE__ ": store_write_cs") }
};
static CRITICAL_SECTION store_write_cs = { &store_write_cs_debug, -1, 0, 0, 0, 0 };
static HANDLE store_event, store_stop_event, store_thread;

/* Called with any lock held, the job's included. */
void store_job_changed(struct job *job)
{
    BOOL queued;

    EnterCriticalSection(&store_cs);
    if ((queued = !job->store_queued))
    {
        job->store_queued = TRUE;
        IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
        list_add_tail(&store_queue, &job->store_entry);
    }
    LeaveCriticalSection(&store_cs);
    /* A job already queued will be written anyway. */
    if (queued && store_event) SetEvent(store_event);
}

/* Text output with strings escaped so that every value stays on one line. */
struct buffer
{
    char *data;
    size_t len, size;
    BOOL failed;
};

static void put(struct buffer *b, const char *format, ...)
{
    va_list args;
    int len;

    for (;;)
    {
        va_start(args, format);
        len = vsnprintf(b->data + b->len, b->size - b->len, format, args);
        va_end(args);
        if (len >= 0 && b->len + len < b->size) break;
        b->size = max(b->size * 2, b->len + len + 1024);
        if (!(b->data = realloc(b->data, b->size)))
        {
            b->failed = TRUE;
            b->len = b->size = 0;
            return;
        }
    }
    b->len += len;
}

static void put_string(struct buffer *b, const WCHAR *s)
{
    char utf8[4096], *p;
    int len;

    if (!s)
    {
        put(b, " -");
        return;
    }
    put(b, " \"");
    len = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL);
    p = len > sizeof(utf8) ? malloc(len) : utf8;
    if (!p)
    {
        b->failed = TRUE;
        return;
    }
    WideCharToMultiByte(CP_UTF8, 0, s, -1, p, len, NULL, NULL);
    for (len = 0; p[len]; len++)
    {
        unsigned char c = p[len];
        if (c <= ' ' || c == '%' || c == '"' || c == 0x7f) put(b, "%%%02x", c);
        else put(b, "%c", c);
    }
    if (p != utf8) free(p);
    put(b, "\"");
}

static UINT64 filetime_value(const FILETIME *ft)
{
    return ((UINT64)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
}

/* Called with the job's lock held. */
static void serialize_job(struct job *job, struct buffer *b)
{
    WCHAR guid[40];
    struct file *file;
    ULONG index = 0, error_file = 0;
    DWORD i;

    StringFromGUID2(&job->id, guid, ARRAY_SIZE(guid));
    put(b, "qmgr-job %u\n", STORE_VERSION);
    put(b, "id");
    put_string(b, guid);
    put(b, "\ntype %u\nstate %u\npriority %u\n", job->type, job->state, job->priority);
    put(b, "name");
    put_string(b, job->name);
    put(b, "\nowner");
    put_string(b, owner_sid_string(&job->owner));
    put(b, " %lu %d %d\n", job->owner.integrity, job->owner.elevated, job->owner.admin);
    put(b, "description");
    put_string(b, job->description);
    put(b, "\nnotify %lu", job->notify_flags);
    put_string(b, job->notify_program);
    put_string(b, job->notify_parameters);
    put(b, "\ntimeouts %lu %lu %lu\n", job->retry_delay, job->no_progress_timeout, job->max_download_time);
    put(b, "flags %lu %lu\n", job->peer_flags, job->acl_flags);
    put(b, "proxy %u", job->proxy_usage);
    put_string(b, job->proxy_list);
    put_string(b, job->proxy_bypass);
    put(b, "\nreply");
    put_string(b, job->reply_name);
    put(b, "\nhttp %lu", job->security_flags);
    put_string(b, job->custom_headers);
    if (job->certificate.set)
    {
        put(b, "\ncertificate %u", job->certificate.location);
        put_string(b, job->certificate.store);
        put_string(b, job->certificate.subject);
        put(b, " ");
        if (!job->certificate.has_hash) put(b, "-");
        else for (i = 0; i < sizeof(job->certificate.hash); i++) put(b, "%02x", job->certificate.hash[i]);
    }
    put(b, "\ntimes %I64u %I64u %I64u\n", filetime_value(&job->times.CreationTime),
        filetime_value(&job->times.ModificationTime), filetime_value(&job->times.TransferCompletionTime));
    put(b, "errors %lu\n", job->error_count);

    LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
    {
        index++;
        if (job->has_error && job->error.file == file) error_file = index;
        put(b, "file");
        put_string(b, file->remote);
        put_string(b, file->local);
        put_string(b, file->temp);
        put_string(b, file->etag);
        put_string(b, file->last_modified);
        put(b, " %I64u %d %d %I64u %I64u\n", filetime_value(&file->remote_time), file->progress.Completed,
            file->renamed, file->progress.BytesTotal, file->progress.BytesTransferred);
        for (i = 0; i < file->range_count; i++)
            put(b, "range %I64u %I64u\n", file->ranges[i].InitialOffset, file->ranges[i].Length);
    }
    if (job->has_error)
    {
        put(b, "error %lu %u %lu", job->error.code, job->error.context, error_file);
        put_string(b, job->error.protocol);
        put(b, "\n");
    }
    put(b, "end\n");
}

static void job_path(const GUID *id, WCHAR *path, const WCHAR *ext)
{
    WCHAR guid[40];

    StringFromGUID2(id, guid, ARRAY_SIZE(guid));
    swprintf(path, MAX_PATH, L"%s\\%s%s", store_dir, guid, ext);
}

static BOOL write_file(const WCHAR *path, const struct buffer *b)
{
    HANDLE handle;
    DWORD written;
    BOOL ret;

    handle = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (handle == INVALID_HANDLE_VALUE) return FALSE;
    ret = WriteFile(handle, b->data, b->len, &written, NULL) && written == b->len && FlushFileBuffers(handle);
    CloseHandle(handle);
    return ret;
}

static void store_save(struct job *job)
{
    WCHAR path[MAX_PATH], temp[MAX_PATH];
    struct buffer b = { NULL, 0, 0, FALSE };
    BOOL gone;

    EnterCriticalSection(&job->cs);
    gone = job->state == BG_JOB_STATE_ACKNOWLEDGED || job->state == BG_JOB_STATE_CANCELLED;
    if (!gone) serialize_job(job, &b);
    LeaveCriticalSection(&job->cs);

    job_path(&job->id, path, L".job");
    TRACE("saving %s%s\n", debugstr_w(path), gone ? " (gone)" : "");
    if (gone)
    {
        DeleteFileW(path);
        return;
    }
    job_path(&job->id, temp, L".new");
    if (b.failed || !write_file(temp, &b) ||
        !MoveFileExW(temp, path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        ERR("cannot save job %s: %lu\n", debugstr_guid(&job->id), GetLastError());
    free(b.data);
}

/* Writes the jobs queued so far (not those queued again meanwhile: a
 * running transfer changes its job all the time); returns FALSE if there
 * was none. */
static BOOL store_flush(void)
{
    unsigned int count;
    struct job *job;

    EnterCriticalSection(&store_write_cs);
    EnterCriticalSection(&store_cs);
    count = list_count(&store_queue);
    LeaveCriticalSection(&store_cs);
    if (!count)
    {
        LeaveCriticalSection(&store_write_cs);
        return FALSE;
    }

    while (count--)
    {
        EnterCriticalSection(&store_cs);
        job = LIST_ENTRY(list_head(&store_queue), struct job, store_entry);
        list_remove(&job->store_entry);
        job->store_queued = FALSE;
        LeaveCriticalSection(&store_cs);

        store_save(job);
        IBackgroundCopyJob4_Release(&job->IBackgroundCopyJob4_iface);
    }
    LeaveCriticalSection(&store_write_cs);
    return TRUE;
}

/* Writes what is queued now, before something that may end the process:
 * the prefix stops (and kills the service) as soon as nothing keeps it up. */
void store_sync(void)
{
    store_flush();
}

static DWORD WINAPI store_main(void *arg)
{
    HANDLE handles[2] = { store_stop_event, store_event };

    while (WaitForMultipleObjects(2, handles, FALSE, INFINITE) == WAIT_OBJECT_0 + 1)
    {
        /* Let a burst of changes settle into one write. */
        if (!WaitForSingleObject(store_stop_event, STORE_DELAY_MS)) break;
        store_flush();
    }
    return 0;
}

/* Input: one line, split at spaces; strings are "..." with %xx escapes or -. */
struct parser
{
    char *line;
    char *pos;
    BOOL failed;
};

static char *next_token(struct parser *p)
{
    char *start;

    while (*p->pos == ' ') p->pos++;
    if (!*p->pos)
    {
        p->failed = TRUE;
        return NULL;
    }
    start = p->pos;
    while (*p->pos && *p->pos != ' ') p->pos++;
    if (*p->pos) *p->pos++ = 0;
    return start;
}

static UINT64 get_number(struct parser *p)
{
    char *token = next_token(p), *end;
    UINT64 value;

    if (!token) return 0;
    value = _strtoui64(token, &end, 10);
    if (*end) p->failed = TRUE;
    return value;
}

static WCHAR *get_string(struct parser *p)
{
    char *token = next_token(p), *src, *dst;
    WCHAR *ret;
    int len;

    if (!token || !strcmp(token, "-")) return NULL;
    len = strlen(token);
    if (len < 2 || token[0] != '"' || token[len - 1] != '"')
    {
        p->failed = TRUE;
        return NULL;
    }
    token[len - 1] = 0;
    for (src = dst = token + 1; *src; src++)
    {
        if (*src == '%' && isxdigit((unsigned char)src[1]) && isxdigit((unsigned char)src[2]))
        {
            char hex[3] = { src[1], src[2], 0 };
            *dst++ = (char)strtoul(hex, NULL, 16);
            src += 2;
        }
        else *dst++ = *src;
    }
    *dst = 0;
    len = MultiByteToWideChar(CP_UTF8, 0, token + 1, -1, NULL, 0);
    if (!(ret = malloc(len * sizeof(WCHAR))))
    {
        p->failed = TRUE;
        return NULL;
    }
    MultiByteToWideChar(CP_UTF8, 0, token + 1, -1, ret, len);
    return ret;
}

static void set_filetime(FILETIME *ft, UINT64 value)
{
    ft->dwLowDateTime = (DWORD)value;
    ft->dwHighDateTime = (DWORD)(value >> 32);
}

static BOOL parse_owner(struct parser *p, struct owner *owner)
{
    WCHAR *sid_string = get_string(p);
    PSID sid;
    BOOL ret = FALSE;

    if (sid_string && ConvertStringSidToSidW(sid_string, &sid))
    {
        DWORD len = GetLengthSid(sid);
        if ((owner->sid = malloc(len)))
        {
            CopySid(len, owner->sid, sid);
            ret = TRUE;
        }
        LocalFree(sid);
    }
    free(sid_string);
    owner->integrity = get_number(p);
    owner->elevated = get_number(p);
    owner->admin = get_number(p);
    return ret && !p->failed;
}

static BOOL valid_value(UINT64 value, UINT64 limit)
{
    return value <= limit;
}

/* Rebuilds a job from its file; NULL if the file is not a whole, valid job. */
static struct job *parse_job(char *text)
{
    struct owner owner = { 0 };
    struct job *job = NULL;
    struct file *file = NULL;
    ULONG error_file = 0, index;
    BOOL ended = FALSE, failed = FALSE;
    WCHAR *name = NULL;
    GUID id;
    char *line, *next, *key;
    struct parser p;
    UINT64 type = 0, state = 0, priority = 0;

    for (line = text; line && *line && !ended && !failed; line = next)
    {
        if ((next = strchr(line, '\n'))) *next++ = 0;
        p.line = p.pos = line;
        p.failed = FALSE;
        if (!(key = next_token(&p))) { failed = TRUE; break; }

        if (!job)
        {
            /* The header, then id, type, state, priority, name and owner
             * come first: they make the job. */
            if (!strcmp(key, "qmgr-job")) failed = get_number(&p) != STORE_VERSION;
            else if (!strcmp(key, "id"))
            {
                WCHAR *guid = get_string(&p);
                failed = !guid || FAILED(CLSIDFromString(guid, &id));
                free(guid);
            }
            else if (!strcmp(key, "type")) type = get_number(&p);
            else if (!strcmp(key, "state")) state = get_number(&p);
            else if (!strcmp(key, "priority")) priority = get_number(&p);
            else if (!strcmp(key, "name")) name = get_string(&p);
            else if (!strcmp(key, "owner"))
            {
                if (!name || !valid_value(type, BG_JOB_TYPE_UPLOAD_REPLY) || !valid_value(state, BG_JOB_STATE_CANCELLED) ||
                    !valid_value(priority, BG_JOB_PRIORITY_LOW) || !parse_owner(&p, &owner) ||
                    FAILED(job_create(name, type, &owner, &job)))
                    failed = TRUE;
                else
                {
                    job->id = id;
                    job->state = state;
                    job->priority = priority;
                }
                owner_free(&owner);
            }
            else failed = TRUE;
        }
        else if (!strcmp(key, "description")) job->description = get_string(&p);
        else if (!strcmp(key, "notify"))
        {
            job->notify_flags = get_number(&p);
            job->notify_program = get_string(&p);
            job->notify_parameters = get_string(&p);
        }
        else if (!strcmp(key, "timeouts"))
        {
            job->retry_delay = get_number(&p);
            job->no_progress_timeout = get_number(&p);
            job->max_download_time = get_number(&p);
        }
        else if (!strcmp(key, "flags"))
        {
            job->peer_flags = get_number(&p);
            job->acl_flags = get_number(&p);
        }
        else if (!strcmp(key, "proxy"))
        {
            job->proxy_usage = get_number(&p);
            job->proxy_list = get_string(&p);
            job->proxy_bypass = get_string(&p);
            if (!valid_value(job->proxy_usage, BG_JOB_PROXY_USAGE_AUTODETECT)) failed = TRUE;
        }
        else if (!strcmp(key, "reply")) job->reply_name = get_string(&p);
        else if (!strcmp(key, "http"))
        {
            job->security_flags = get_number(&p);
            job->custom_headers = get_string(&p);
        }
        else if (!strcmp(key, "certificate"))
        {
            struct client_certificate *cert = &job->certificate;
            char *hash;

            cert->set = TRUE;
            cert->location = get_number(&p);
            cert->store = get_string(&p);
            cert->subject = get_string(&p);
            if ((hash = next_token(&p)) && strcmp(hash, "-"))
            {
                DWORD i;
                for (i = 0; i < sizeof(cert->hash) && isxdigit((unsigned char)hash[2 * i]) &&
                            isxdigit((unsigned char)hash[2 * i + 1]); i++)
                {
                    char byte[3] = { hash[2 * i], hash[2 * i + 1], 0 };
                    cert->hash[i] = strtoul(byte, NULL, 16);
                }
                cert->has_hash = i == sizeof(cert->hash);
                if (!cert->has_hash) failed = TRUE;
            }
        }
        else if (!strcmp(key, "times"))
        {
            set_filetime(&job->times.CreationTime, get_number(&p));
            set_filetime(&job->times.ModificationTime, get_number(&p));
            set_filetime(&job->times.TransferCompletionTime, get_number(&p));
        }
        else if (!strcmp(key, "errors")) job->error_count = get_number(&p);
        else if (!strcmp(key, "file"))
        {
            WCHAR *remote = get_string(&p), *local = get_string(&p);

            if (!remote || !local || !(file = file_new(remote, local))) failed = TRUE;
            free(remote);
            free(local);
            if (failed) break;
            list_add_tail(&job->files, &file->entry);
            job->file_count++;
            file->temp = get_string(&p);
            file->etag = get_string(&p);
            file->last_modified = get_string(&p);
            set_filetime(&file->remote_time, get_number(&p));
            file->progress.Completed = !!get_number(&p);
            file->renamed = !!get_number(&p);
            file->progress.BytesTotal = get_number(&p);
            file->progress.BytesTransferred = get_number(&p);
        }
        else if (!strcmp(key, "range"))
        {
            BG_FILE_RANGE *ranges;
            if (!file || file->range_count >= MAX_RANGES_PER_FILE ||
                !(ranges = realloc(file->ranges, (file->range_count + 1) * sizeof(*ranges))))
                failed = TRUE;
            else
            {
                file->ranges = ranges;
                ranges[file->range_count].InitialOffset = get_number(&p);
                ranges[file->range_count].Length = get_number(&p);
                file->range_count++;
            }
        }
        else if (!strcmp(key, "error"))
        {
            HRESULT code = get_number(&p);
            BG_ERROR_CONTEXT context = get_number(&p);
            WCHAR *protocol;
            error_file = get_number(&p);
            protocol = get_string(&p);
            job_set_error(job, code, context, NULL, protocol);
            job->error_count--;   /* job_set_error counted it again */
            free(protocol);
        }
        else if (!strcmp(key, "end")) ended = TRUE;
        /* Unknown keys come from newer versions: skipped. */
        if (p.failed) failed = TRUE;
    }
    free(name);

    if (!job) return NULL;
    if (failed || !ended)
    {
        IBackgroundCopyJob4_Release(&job->IBackgroundCopyJob4_iface);
        return NULL;
    }
    if (job->has_error && error_file)
    {
        index = 0;
        LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
            if (++index == error_file) job->error.file = file;
    }
    return job;
}

static char *read_whole_file(const WCHAR *path)
{
    LARGE_INTEGER size;
    HANDLE handle;
    char *data = NULL;
    DWORD read;

    handle = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (handle == INVALID_HANDLE_VALUE) return NULL;
    if (GetFileSizeEx(handle, &size) && size.QuadPart < 64 * 1024 * 1024 && (data = malloc(size.QuadPart + 1)))
    {
        if (ReadFile(handle, data, size.LowPart, &read, NULL) && read == size.LowPart) data[read] = 0;
        else
        {
            free(data);
            data = NULL;
        }
    }
    CloseHandle(handle);
    return data;
}

/* Jobs that were running when the service stopped start again from the
 * queue; their files continue from the bytes on disk. */
static void job_loaded(struct job *job)
{
    job->last_progress = GetTickCount64();
    switch (job->state)
    {
    case BG_JOB_STATE_CONNECTING:
    case BG_JOB_STATE_TRANSFERRING:
        job->state = BG_JOB_STATE_QUEUED;
        break;
    case BG_JOB_STATE_TRANSIENT_ERROR:
        job->retry_at = job->last_progress;
        break;
    default:
        break;
    }
    if (job->state == BG_JOB_STATE_QUEUED) job->queued_at = job->last_progress;
}

static void store_load(void)
{
    WCHAR pattern[MAX_PATH], path[MAX_PATH], bad[MAX_PATH];
    WIN32_FIND_DATAW data;
    struct job *job;
    HANDLE find;
    char *text;

    swprintf(pattern, MAX_PATH, L"%s\\*.job", store_dir);
    if ((find = FindFirstFileW(pattern, &data)) == INVALID_HANDLE_VALUE) return;
    do
    {
        swprintf(path, MAX_PATH, L"%s\\%s", store_dir, data.cFileName);
        job = (text = read_whole_file(path)) ? parse_job(text) : NULL;
        free(text);
        if (!job || job->state == BG_JOB_STATE_ACKNOWLEDGED || job->state == BG_JOB_STATE_CANCELLED)
        {
            WARN("setting aside %s\n", debugstr_w(path));
            swprintf(bad, MAX_PATH, L"%s.bad", path);
            MoveFileExW(path, bad, MOVEFILE_REPLACE_EXISTING);
            if (job) IBackgroundCopyJob4_Release(&job->IBackgroundCopyJob4_iface);
            continue;
        }
        job_loaded(job);
        if (FAILED(manager_add_job(job, NULL))) ERR("cannot list job %s\n", debugstr_guid(&job->id));
        else TRACE("loaded job %s\n", debugstr_guid(&job->id));
        job_release(job);
    } while (FindNextFileW(find, &data));
    FindClose(find);
}

static BOOL make_store_dir(void)
{
    static const WCHAR *const parts[] = { L"\\Microsoft", L"\\Network", L"\\Downloader" };
    unsigned int i;

    if (FAILED(SHGetFolderPathW(NULL, CSIDL_COMMON_APPDATA, NULL, SHGFP_TYPE_CURRENT, store_dir)))
        return FALSE;
    for (i = 0; i < ARRAY_SIZE(parts); i++)
    {
        wcscat(store_dir, parts[i]);
        CreateDirectoryW(store_dir, NULL);
    }
    return GetFileAttributesW(store_dir) != INVALID_FILE_ATTRIBUTES;
}

HRESULT store_start(void)
{
    if (!make_store_dir())
    {
        ERR("no place for the job store\n");
        return HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND);
    }
    TRACE("job store in %s\n", debugstr_w(store_dir));
    store_load();
    if (!(store_event = CreateEventW(NULL, FALSE, FALSE, NULL)) ||
        !(store_stop_event = CreateEventW(NULL, TRUE, FALSE, NULL)) ||
        !(store_thread = CreateThread(NULL, 0, store_main, NULL, 0, NULL)))
        return HRESULT_FROM_WIN32(GetLastError());
    return S_OK;
}

/* Writes what is still queued; the jobs stay on disk for the next start. */
void store_stop(void)
{
    if (store_thread)
    {
        SetEvent(store_stop_event);
        WaitForSingleObject(store_thread, INFINITE);
        CloseHandle(store_thread);
        store_thread = NULL;
    }
    while (store_flush()) ;
    if (store_event) CloseHandle(store_event);
    if (store_stop_event) CloseHandle(store_stop_event);
    store_event = store_stop_event = NULL;
}
