/*
 * Background Intelligent Transfer Service: the job store
 *
 * Jobs outlive the service process.  Each job has a file {GUID}.job in
 * C:\ProgramData\Microsoft\Network\Downloader, and every change a client
 * is told succeeded is first appended, before the call returns, to the
 * journal in the same folder.  That is a write into the kernel's cache,
 * which survives kill -9 of the service and the end of the prefix (not a
 * crash of the machine until the next compaction, about a second later,
 * has flushed the jobs' files).  Job files and the journal hold entries of
 * one form:
 *
 *     qmgr-entry SEQUENCE {GUID} LENGTH CRC32\n   then LENGTH bytes
 *
 * the job's whole record (jobrecord.c), or nothing for a job that is gone.
 * Every entry written gets the next sequence number, so at load the entry
 * of a job with the highest number wins, wherever it is.
 *
 * Compaction, by the store's thread a second after changes and when the
 * service stops: the journal is renamed journal.old and a new one begun,
 * the jobs changed since the last compaction are written to their own
 * files (a new entry to a temporary name, flushed, renamed over the old
 * file), then journal.old is deleted.  A crash at any point leaves every
 * entry in a job's file or in a journal.  A transfer's progress alone is
 * kept by compaction only: the bytes are in the temporary file, whose size
 * is what a resume trusts; its temporary name, validator and finished
 * files go through the journal.
 *
 * Whatever is found damaged is skipped and logged: a journal entry whose
 * header or CRC does not check (the next one is looked for), a job file
 * that does not parse or is not named after its job (set aside as .bad),
 * a record that jobrecord.c refuses (the job's previous entry is tried).
 *
 * Not kept, as on Windows: the notify interface (it belongs to a running
 * client).  Credentials are kept sealed in the job's record (jobrecord.c).
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
#include "winternl.h"
#include "shlobj.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

#define COMPACT_DELAY_MS 1000
#define ENTRY_MAGIC      "qmgr-entry "
#define MAX_HEADER       128
#define MAX_STORE_FILE   (64 * 1024 * 1024)

static WCHAR store_dir[MAX_PATH], journal_path[MAX_PATH], old_journal_path[MAX_PATH];

/* Taken before any job's lock: numbers entries, and owns the journal. */
static CRITICAL_SECTION write_cs;
static CRITICAL_SECTION_DEBUG write_cs_debug =
{
    0, 0, &write_cs,
    { &write_cs_debug.ProcessLocksList, &write_cs_debug.ProcessLocksList },
      0, 0, { (DWORD_PTR)(__FILE__ ": write_cs") }
};
static CRITICAL_SECTION write_cs = { &write_cs_debug, -1, 0, 0, 0, 0 };
static HANDLE journal = INVALID_HANDLE_VALUE;
static UINT64 journal_size, next_sequence = 1;

/* Taken with a job's lock held, and inside write_cs: the jobs to write at
 * the next compaction. */
static CRITICAL_SECTION dirty_cs;
static CRITICAL_SECTION_DEBUG dirty_cs_debug =
{
    0, 0, &dirty_cs,
    { &dirty_cs_debug.ProcessLocksList, &dirty_cs_debug.ProcessLocksList },
      0, 0, { (DWORD_PTR)(__FILE__ ": dirty_cs") }
};
static CRITICAL_SECTION dirty_cs = { &dirty_cs_debug, -1, 0, 0, 0, 0 };
static struct list dirty_jobs = LIST_INIT(dirty_jobs);

static HANDLE store_event, store_stop_event, store_thread;

/* A job to write, with a reference; its entry once taken. */
struct dirty_job
{
    struct list entry;
    struct job *job;
    char *data;
    size_t size;
    BOOL gone;
};

/* Queues the job for the next compaction.  A job may be queued more than
 * once (job_touch() queues it once per compaction, every commit queues
 * it): compaction writes it once. */
static void mark_dirty(struct job *job)
{
    struct dirty_job *dirty;

    if (!(dirty = calloc(1, sizeof(*dirty))))
    {
        ERR("cannot queue job %s\n", debugstr_guid(job_id(job)));
        return;
    }
    dirty->job = job;
    job_addref(job);
    EnterCriticalSection(&dirty_cs);
    list_add_tail(&dirty_jobs, &dirty->entry);
    LeaveCriticalSection(&dirty_cs);
    if (store_event) SetEvent(store_event);
}

/* A change that only the next compaction needs to keep (a transfer's
 * progress); called with any lock held, the job's included. */
void store_job_changed(struct job *job)
{
    /* Loaded in-process by a client (tests do), not as the service: the
     * store was never started, and nothing is kept. */
    if (!*store_dir) return;
    mark_dirty(job);
}

static void id_to_text(const GUID *id, char text[39])
{
    WCHAR guid[39];

    StringFromGUID2(id, guid, ARRAY_SIZE(guid));
    WideCharToMultiByte(CP_ACP, 0, guid, -1, text, 39, NULL, NULL);
}

/* The job as it is now, as one numbered entry; NULL when memory ran out.
 * Called with write_cs held, so that numbers follow the order of the
 * snapshots they number. */
static char *make_entry(struct job *job, size_t *size, BOOL *gone, BOOL compacting)
{
    char header[MAX_HEADER], id[39], *record, *data;
    size_t len = 0;
    int header_len;

    record = job_to_record(job, &len, gone, compacting);
    if (*gone) len = 0;
    else if (!record) return NULL;
    id_to_text(job_id(job), id);
    header_len = snprintf(header, sizeof(header), ENTRY_MAGIC "%I64u %s %lu %08lx\n", next_sequence, id,
                          (unsigned long)len, RtlComputeCrc32(0, (const BYTE *)record, len));
    if ((data = malloc(header_len + len)))
    {
        next_sequence++;
        memcpy(data, header, header_len);
        if (len) memcpy(data + header_len, record, len);
        *size = header_len + len;
    }
    free(record);
    return data;
}

static HANDLE open_journal(void)
{
    return CreateFileW(journal_path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, CREATE_ALWAYS,
                       FILE_ATTRIBUTE_NORMAL, NULL);
}

/* A change a client is about to be told succeeded: in the journal before
 * the call returns.  Called with no lock held. */
void store_commit(struct job *job)
{
    LARGE_INTEGER end;
    DWORD written;
    size_t size;
    char *data;
    BOOL gone;

    if (!*store_dir) return;
    EnterCriticalSection(&write_cs);
    if (journal == INVALID_HANDLE_VALUE) ERR("no journal: job %s is kept later\n", debugstr_guid(job_id(job)));
    else if (!(data = make_entry(job, &size, &gone, FALSE))) ERR("out of memory for job %s\n", debugstr_guid(job_id(job)));
    else
    {
        if (WriteFile(journal, data, size, &written, NULL) && written == size) journal_size += size;
        else
        {
            /* A part of an entry would hide the entries after it. */
            ERR("cannot write the journal: %lu\n", GetLastError());
            end.QuadPart = journal_size;
            SetFilePointerEx(journal, end, NULL, FILE_BEGIN);
            SetEndOfFile(journal);
        }
        free(data);
    }
    /* Still inside write_cs: a compaction that takes the journal also
     * takes the job. */
    mark_dirty(job);
    LeaveCriticalSection(&write_cs);
}

static void job_file_path(const GUID *id, const WCHAR *ext, WCHAR *path)
{
    WCHAR guid[39];

    StringFromGUID2(id, guid, ARRAY_SIZE(guid));
    swprintf(path, MAX_PATH, L"%s\\%s%s", store_dir, guid, ext);
}

static BOOL write_whole_file(const WCHAR *path, const char *data, size_t len)
{
    HANDLE handle;
    DWORD written;
    BOOL ret;

    handle = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (handle == INVALID_HANDLE_VALUE) return FALSE;
    ret = WriteFile(handle, data, len, &written, NULL) && written == len && FlushFileBuffers(handle);
    CloseHandle(handle);
    return ret;
}

/* A job's own file: its entry, whole or not at all; removed when the job
 * is gone. */
static BOOL save_job_file(const GUID *id, const char *data, size_t size, BOOL gone)
{
    WCHAR path[MAX_PATH], temp[MAX_PATH];

    job_file_path(id, L".job", path);
    if (gone) return DeleteFileW(path) || GetLastError() == ERROR_FILE_NOT_FOUND;
    job_file_path(id, L".new", temp);
    if (write_whole_file(temp, data, size) &&
        MoveFileExW(temp, path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        return TRUE;
    ERR("cannot save job %s: %lu\n", debugstr_guid(id), GetLastError());
    DeleteFileW(temp);
    return FALSE;
}

static int compare_dirty(const void *a, const void *b)
{
    const struct dirty_job *x = *(const struct dirty_job *const *)a, *y = *(const struct dirty_job *const *)b;

    return x->job < y->job ? -1 : x->job > y->job;
}

/* The queued jobs, each once, in an array (NULL when memory ran out); the
 * list is emptied. */
static size_t take_unique(struct list *taken, struct dirty_job ***ret)
{
    struct dirty_job *dirty, *next, **jobs;
    size_t i = 0, count = list_count(taken), unique = 0;

    if (!(jobs = malloc(count * sizeof(*jobs))))
    {
        /* Queued again for the next compaction. */
        ERR("out of memory\n");
        EnterCriticalSection(&dirty_cs);
        list_move_tail(&dirty_jobs, taken);
        LeaveCriticalSection(&dirty_cs);
        *ret = NULL;
        return 0;
    }
    LIST_FOR_EACH_ENTRY_SAFE(dirty, next, taken, struct dirty_job, entry)
    {
        list_remove(&dirty->entry);
        jobs[i++] = dirty;
    }
    qsort(jobs, count, sizeof(*jobs), compare_dirty);
    for (i = 0; i < count; i++)
    {
        if (unique && jobs[unique - 1]->job == jobs[i]->job)
        {
            job_release(jobs[i]->job);
            free(jobs[i]);
        }
        else jobs[unique++] = jobs[i];
    }
    *ret = jobs;
    return unique;
}

/* Writes the changed jobs to their files and empties the journal; FALSE
 * when there was nothing to do. */
static BOOL compact(void)
{
    struct dirty_job *dirty, **jobs;
    struct list taken = LIST_INIT(taken);
    BOOL rotated = FALSE, saved = TRUE;
    size_t i, count;

    EnterCriticalSection(&write_cs);
    EnterCriticalSection(&dirty_cs);
    list_move_tail(&taken, &dirty_jobs);
    LeaveCriticalSection(&dirty_cs);
    if (list_empty(&taken))
    {
        LeaveCriticalSection(&write_cs);
        return FALSE;
    }
    /* Everything in the journal belongs to a job taken now.  An old
     * journal still there means a compaction failed: it stays until one
     * succeeds, and the journal keeps growing meanwhile. */
    if (journal_size && GetFileAttributesW(old_journal_path) == INVALID_FILE_ATTRIBUTES)
    {
        CloseHandle(journal);
        rotated = MoveFileExW(journal_path, old_journal_path, 0);
        if (!rotated) ERR("cannot set the journal aside: %lu\n", GetLastError());
        if ((journal = rotated ? open_journal() : CreateFileW(journal_path, GENERIC_WRITE,
             FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL))
            == INVALID_HANDLE_VALUE)
            ERR("cannot open the journal: %lu\n", GetLastError());
        else if (rotated) journal_size = 0;
        else SetFilePointer(journal, 0, NULL, FILE_END);
    }
    if (!(count = take_unique(&taken, &jobs)))
    {
        /* No memory: the old journal stays, the jobs are queued again. */
        LeaveCriticalSection(&write_cs);
        return FALSE;
    }
    for (i = 0; i < count; i++)
        jobs[i]->data = make_entry(jobs[i]->job, &jobs[i]->size, &jobs[i]->gone, TRUE);
    LeaveCriticalSection(&write_cs);

    for (i = 0; i < count; i++)
    {
        dirty = jobs[i];
        TRACE("saving %s%s\n", debugstr_guid(job_id(dirty->job)), dirty->gone ? " (gone)" : "");
        if ((!dirty->data && !dirty->gone) ||
            !save_job_file(job_id(dirty->job), dirty->data, dirty->size, dirty->gone))
        {
            saved = FALSE;
            mark_dirty(dirty->job);
        }
        job_release(dirty->job);
        free(dirty->data);
        free(dirty);
    }
    free(jobs);
    if (saved && !DeleteFileW(old_journal_path) && GetLastError() != ERROR_FILE_NOT_FOUND)
        ERR("cannot delete the old journal: %lu\n", GetLastError());
    return TRUE;
}

/* Writes every change now, before something that may end the process. */
void store_sync(void)
{
    compact();
}

static DWORD WINAPI store_main(void *arg)
{
    HANDLE handles[2] = { store_stop_event, store_event };

    while (WaitForMultipleObjects(2, handles, FALSE, INFINITE) == WAIT_OBJECT_0 + 1)
    {
        /* Let a burst of changes settle into one compaction. */
        if (!WaitForSingleObject(store_stop_event, COMPACT_DELAY_MS)) break;
        compact();
    }
    return 0;
}

/* --- loading --------------------------------------------------------------- */

/* One entry found on disk. */
struct stored_entry
{
    GUID id;
    UINT64 sequence;
    const char *raw;             /* header and record, as written */
    size_t raw_size;
    const char *record;
    size_t record_size;
    unsigned int source;         /* index in the loaded files */
};

struct stored_file
{
    WCHAR *path;
    char *data;
    BOOL is_job_file;
    BOOL set_aside;
};

struct loaded_store
{
    struct stored_file *files;
    unsigned int file_count, file_size;
    struct stored_entry *entries;
    size_t entry_count, entry_size;
};

static char *read_whole_file(const WCHAR *path, size_t *len)
{
    LARGE_INTEGER size;
    HANDLE handle;
    char *data = NULL;
    DWORD read;

    handle = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
    if (handle == INVALID_HANDLE_VALUE) return NULL;
    if (GetFileSizeEx(handle, &size) && size.QuadPart <= MAX_STORE_FILE && (data = malloc(size.QuadPart + 1)))
    {
        if (ReadFile(handle, data, size.LowPart, &read, NULL) && read == size.LowPart)
        {
            data[read] = 0;
            *len = read;
        }
        else
        {
            free(data);
            data = NULL;
        }
    }
    else if (!data) WARN("%s is too big (%I64u bytes)\n", debugstr_w(path), size.QuadPart);
    CloseHandle(handle);
    return data;
}

static BOOL parse_number(const char **pos, const char *end, UINT64 *value)
{
    const char *p = *pos;

    *value = 0;
    if (p == end || *p < '0' || *p > '9') return FALSE;
    for (; p < end && *p >= '0' && *p <= '9'; p++)
    {
        if (*value > (~(UINT64)0 - (*p - '0')) / 10) return FALSE;
        *value = *value * 10 + (*p - '0');
    }
    *pos = p;
    return TRUE;
}

static BOOL parse_hex(const char **pos, const char *end, UINT64 *value)
{
    const char *p = *pos;
    int digits = 0;

    *value = 0;
    for (; p < end && isxdigit((unsigned char)*p); p++)
    {
        if (++digits > 16) return FALSE;
        *value = *value * 16 + (*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
    }
    *pos = p;
    return digits > 0;
}

static BOOL parse_id(const char **pos, const char *end, GUID *id)
{
    WCHAR text[39];
    int i;

    if (end - *pos < 38) return FALSE;
    for (i = 0; i < 38; i++) text[i] = (unsigned char)(*pos)[i];
    text[38] = 0;
    *pos += 38;
    return SUCCEEDED(CLSIDFromString(text, id));
}

/* Reads the entry at data[*pos]; FALSE if there is none whole and intact
 * there.  *pos moves past it. */
static BOOL parse_entry(const char *data, size_t size, size_t *pos, struct stored_entry *entry)
{
    const char *p = data + *pos, *end = data + size, *line_end;
    UINT64 len, crc;

    if ((size_t)(end - p) < sizeof(ENTRY_MAGIC) - 1 || memcmp(p, ENTRY_MAGIC, sizeof(ENTRY_MAGIC) - 1)) return FALSE;
    if (!(line_end = memchr(p, '\n', min((size_t)(end - p), MAX_HEADER)))) return FALSE;
    p += sizeof(ENTRY_MAGIC) - 1;
    if (!parse_number(&p, line_end, &entry->sequence) || *p++ != ' ' || !parse_id(&p, line_end, &entry->id) ||
        *p++ != ' ' || !parse_number(&p, line_end, &len) || *p++ != ' ' || !parse_hex(&p, line_end, &crc) ||
        p != line_end || len > (UINT64)(end - line_end - 1))
        return FALSE;
    entry->record = line_end + 1;
    entry->record_size = len;
    if (RtlComputeCrc32(0, (const BYTE *)entry->record, len) != crc) return FALSE;
    entry->raw = data + *pos;
    entry->raw_size = entry->record + len - entry->raw;
    *pos = entry->raw_size + *pos;
    return TRUE;
}

static BOOL add_entry(struct loaded_store *store, const struct stored_entry *entry)
{
    struct stored_entry *entries;
    size_t count;

    if (store->entry_count == store->entry_size)
    {
        count = max(store->entry_size * 2, 64);
        if (!(entries = realloc(store->entries, count * sizeof(*entries)))) return FALSE;
        store->entries = entries;
        store->entry_size = count;
    }
    store->entries[store->entry_count++] = *entry;
    return TRUE;
}

/* Keeps a file's text for its entries; its index, or -1. */
static int add_file(struct loaded_store *store, const WCHAR *path, char *data, BOOL is_job_file)
{
    struct stored_file *files;
    unsigned int count;

    if (store->file_count == store->file_size)
    {
        count = max(store->file_size * 2, 64);
        if (!(files = realloc(store->files, count * sizeof(*files)))) return -1;
        store->files = files;
        store->file_size = count;
    }
    if (!(store->files[store->file_count].path = strdupW(path))) return -1;
    store->files[store->file_count].data = data;
    store->files[store->file_count].is_job_file = is_job_file;
    store->files[store->file_count].set_aside = FALSE;
    return store->file_count++;
}

static void set_aside(struct stored_file *file)
{
    WCHAR bad[MAX_PATH + 8];

    if (file->set_aside) return;
    file->set_aside = TRUE;
    WARN("setting aside %s\n", debugstr_w(file->path));
    swprintf(bad, ARRAY_SIZE(bad), L"%s.bad", file->path);
    if (!MoveFileExW(file->path, bad, MOVEFILE_REPLACE_EXISTING)) ERR("cannot set aside %s\n", debugstr_w(file->path));
}

/* A job's file holds one entry, for the job it is named after.  Files of
 * the first version hold the record alone: they come before any entry. */
static void load_job_file(struct loaded_store *store, const WCHAR *path, const WCHAR *name)
{
    struct stored_entry entry = { 0 };
    size_t size = 0, pos = 0;
    WCHAR id_text[39];
    char *data;
    GUID id;
    int index;

    lstrcpynW(id_text, name, ARRAY_SIZE(id_text));
    if (wcslen(name) != 42 || FAILED(CLSIDFromString(id_text, &id)))
    {
        WARN("%s is not named after a job\n", debugstr_w(name));
        return;
    }
    if (!(data = read_whole_file(path, &size)))
    {
        ERR("cannot read %s: %lu\n", debugstr_w(path), GetLastError());
        return;
    }
    if ((index = add_file(store, path, data, TRUE)) < 0)
    {
        free(data);
        return;
    }
    if (!strncmp(data, "qmgr-job ", 9))
    {
        entry.id = id;
        entry.raw = entry.record = data;
        entry.raw_size = entry.record_size = size;
    }
    else if (!parse_entry(data, size, &pos, &entry) || pos != size || !IsEqualGUID(&entry.id, &id))
    {
        set_aside(&store->files[index]);
        return;
    }
    entry.source = index;
    if (!add_entry(store, &entry)) ERR("out of memory\n");
}

/* Where the next entry may start after a damaged one: the next line that
 * begins like an entry. */
static size_t next_entry(const char *data, size_t size, size_t pos)
{
    const char *p = data + pos, *end = data + size;

    while (p < end && (p = memchr(p, '\n', end - p)))
    {
        p++;
        if ((size_t)(end - p) >= sizeof(ENTRY_MAGIC) - 1 && !memcmp(p, ENTRY_MAGIC, sizeof(ENTRY_MAGIC) - 1))
            return p - data;
    }
    return size;
}

/* Every intact entry of a journal; a damaged one is skipped up to the
 * next entry's start. */
static void load_journal(struct loaded_store *store, const WCHAR *path)
{
    struct stored_entry entry;
    size_t size = 0, pos = 0, skipped = 0;
    char *data;
    int index;

    if (GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES) return;
    if (!(data = read_whole_file(path, &size)) || (index = add_file(store, path, data, FALSE)) < 0)
    {
        ERR("cannot read %s: %lu\n", debugstr_w(path), GetLastError());
        free(data);
        return;
    }
    while (pos < size)
    {
        memset(&entry, 0, sizeof(entry));
        if (parse_entry(data, size, &pos, &entry))
        {
            entry.source = index;
            if (!add_entry(store, &entry)) ERR("out of memory\n");
            continue;
        }
        skipped++;
        pos = next_entry(data, size, pos + 1);
    }
    if (skipped) WARN("%s: %Iu damaged entries skipped\n", debugstr_w(path), skipped);
}

static int compare_entries(const void *a, const void *b)
{
    const struct stored_entry *x = a, *y = b;
    int ret = memcmp(&x->id, &y->id, sizeof(x->id));

    if (ret) return ret;
    return x->sequence < y->sequence ? -1 : x->sequence > y->sequence;
}

/* The newest entry of the job's group that loads, or NULL for a job that
 * is gone or has none that loads. */
static struct job *load_group(struct loaded_store *store, struct stored_entry *first, struct stored_entry *last,
                              struct stored_entry **used)
{
    struct stored_entry *entry;
    struct job *job;
    char *text;

    for (entry = last; entry >= first; entry--)
    {
        *used = entry;
        if (!entry->record_size) return NULL;
        if (!(text = malloc(entry->record_size + 1))) return NULL;
        memcpy(text, entry->record, entry->record_size);
        text[entry->record_size] = 0;
        job = job_from_record(text);
        free(text);
        if (job && IsEqualGUID(job_id(job), &entry->id) && !job_is_gone(job)) return job;
        if (job) job_release(job);
        WARN("job %s: entry %I64u does not load\n", debugstr_guid(&entry->id), entry->sequence);
        if (store->files[entry->source].is_job_file) set_aside(&store->files[entry->source]);
    }
    *used = NULL;
    return NULL;
}

/* Reads the job files and the journals, lists the newest version of each
 * job, writes to the jobs' files what only the journals held, and starts
 * an empty journal. */
static void store_load(void)
{
    struct loaded_store store = { 0 };
    struct stored_entry *first, *last, *used;
    WCHAR pattern[MAX_PATH], path[MAX_PATH];
    WIN32_FIND_DATAW data;
    unsigned int i, loaded = 0;
    BOOL saved = TRUE;
    struct job *job;
    HANDLE find;

    swprintf(pattern, MAX_PATH, L"%s\\*.job", store_dir);
    if ((find = FindFirstFileW(pattern, &data)) != INVALID_HANDLE_VALUE)
    {
        do
        {
            swprintf(path, MAX_PATH, L"%s\\%s", store_dir, data.cFileName);
            load_job_file(&store, path, data.cFileName);
        } while (FindNextFileW(find, &data));
        FindClose(find);
    }
    load_journal(&store, old_journal_path);
    load_journal(&store, journal_path);

    qsort(store.entries, store.entry_count, sizeof(*store.entries), compare_entries);
    for (first = store.entries; first < store.entries + store.entry_count; first = last + 1)
    {
        for (last = first; last + 1 < store.entries + store.entry_count && IsEqualGUID(&last[1].id, &first->id); last++)
            ;
        next_sequence = max(next_sequence, last->sequence + 1);
        job = load_group(&store, first, last, &used);
        if (job && FAILED(manager_add_job(job, NULL))) ERR("cannot list job %s\n", debugstr_guid(job_id(job)));
        else if (job) loaded++;
        /* What only a journal held goes to the job's own file now; if it
         * cannot, the journals stay and the next compaction tries again. */
        if (used && !store.files[used->source].is_job_file &&
            !save_job_file(&used->id, used->raw, used->raw_size, !used->record_size))
        {
            saved = FALSE;
            if (job) mark_dirty(job);
        }
        if (job) job_release(job);
    }
    TRACE("%u jobs from %u files, %Iu entries\n", loaded, store.file_count, store.entry_count);

    for (i = 0; i < store.file_count; i++)
    {
        free(store.files[i].path);
        free(store.files[i].data);
    }
    free(store.files);
    free(store.entries);

    /* Emptied only once every job the journals held is in its own file. */
    if (saved)
    {
        DeleteFileW(old_journal_path);
        journal = open_journal();
    }
    else
    {
        ERR("the journals are kept until the jobs' files can be written\n");
        journal = CreateFileW(journal_path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS,
                              FILE_ATTRIBUTE_NORMAL, NULL);
        if (journal != INVALID_HANDLE_VALUE)
        {
            LARGE_INTEGER size;
            GetFileSizeEx(journal, &size);
            journal_size = size.QuadPart;
            SetFilePointer(journal, 0, NULL, FILE_END);
        }
    }
    if (journal == INVALID_HANDLE_VALUE) ERR("no journal: changes are kept only by compaction\n");
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
    swprintf(journal_path, MAX_PATH, L"%s\\journal", store_dir);
    swprintf(old_journal_path, MAX_PATH, L"%s\\journal.old", store_dir);
    return GetFileAttributesW(store_dir) != INVALID_FILE_ATTRIBUTES;
}

HRESULT store_start(void)
{
    if (!make_store_dir())
    {
        ERR("no place for the job store\n");
        *store_dir = 0;
        return HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND);
    }
    TRACE("job store in %s\n", debugstr_w(store_dir));
    store_load();
    if (!(store_event = CreateEventW(NULL, FALSE, FALSE, NULL)) ||
        !(store_stop_event = CreateEventW(NULL, TRUE, FALSE, NULL)) ||
        !(store_thread = CreateThread(NULL, 0, store_main, NULL, 0, NULL)))
        return HRESULT_FROM_WIN32(GetLastError());
    /* Jobs whose files could not be written at load. */
    if (!list_empty(&dirty_jobs)) SetEvent(store_event);
    return S_OK;
}

/* Writes every change to the jobs' files; the jobs stay on disk for the
 * next start. */
void store_stop(void)
{
    if (store_thread)
    {
        SetEvent(store_stop_event);
        WaitForSingleObject(store_thread, INFINITE);
        CloseHandle(store_thread);
        store_thread = NULL;
    }
    while (compact()) ;
    EnterCriticalSection(&write_cs);
    if (journal != INVALID_HANDLE_VALUE) CloseHandle(journal);
    journal = INVALID_HANDLE_VALUE;
    LeaveCriticalSection(&write_cs);
    if (store_event) CloseHandle(store_event);
    if (store_stop_event) CloseHandle(store_stop_event);
    store_event = store_stop_event = NULL;
}
