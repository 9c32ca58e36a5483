/*
 * Background Intelligent Transfer Service: the job store
 *
 * Jobs outlive the service process: each job is a small text file
 * {GUID}.job in C:\ProgramData\Microsoft\Network\Downloader, written whole
 * to a temporary name and renamed over the old one, so a crash leaves
 * either the old or the new version, never half of one.  Changes are
 * queued and written by a thread of the store within about a second (and
 * all at once when the service stops); the writer holds no lock while it
 * touches the disk.  The text of a job is jobrecord.c's; a file that does
 * not parse, or is not named after its job's id, is set aside as .bad and
 * the service goes on with the others.
 *
 * Not kept, as on Windows: the notify interface (it belongs to a running
 * client).  Credentials are kept, sealed with CryptProtectData, in the
 * job's own record (jobrecord.c): Wine 8 keeps no security descriptor on
 * files and runs every process of the prefix as the same Unix user, so a
 * separate file "readable only by the service" would protect nothing more.
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
#include "shlobj.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

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

/* A job waiting to be written, with a reference. */
struct queued_job
{
    struct list entry;
    struct job *job;
};

/* Called with any lock held, the job's included. */
void store_job_changed(struct job *job)
{
    struct queued_job *queued;
    BOOL added = TRUE;

    /* Loaded in-process by a client (tests do), not as the service: the
     * store was never started, and nothing is kept. */
    if (!*store_dir) return;

    EnterCriticalSection(&store_cs);
    /* A job already queued will be written anyway. */
    LIST_FOR_EACH_ENTRY(queued, &store_queue, struct queued_job, entry)
        if (queued->job == job) added = FALSE;
    if (added && (queued = malloc(sizeof(*queued))))
    {
        queued->job = job;
        job_addref(job);
        list_add_tail(&store_queue, &queued->entry);
    }
    else if (added) ERR("cannot queue job %s\n", debugstr_guid(job_id(job)));
    LeaveCriticalSection(&store_cs);
    if (added && store_event) SetEvent(store_event);
}

static void job_path(const GUID *id, WCHAR *path, const WCHAR *ext)
{
    WCHAR guid[40];

    StringFromGUID2(id, guid, ARRAY_SIZE(guid));
    swprintf(path, MAX_PATH, L"%s\\%s%s", store_dir, guid, ext);
}

static BOOL write_file(const WCHAR *path, const char *data, size_t len)
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

static void store_save(struct job *job)
{
    WCHAR path[MAX_PATH], temp[MAX_PATH];
    size_t len = 0;
    BOOL gone;
    char *record = job_to_record(job, &len, &gone);

    job_path(job_id(job), path, L".job");
    TRACE("saving %s%s\n", debugstr_w(path), gone ? " (gone)" : "");
    if (gone)
    {
        DeleteFileW(path);
        return;
    }
    job_path(job_id(job), temp, L".new");
    if (!record || !write_file(temp, record, len) ||
        !MoveFileExW(temp, path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        ERR("cannot save job %s: %lu\n", debugstr_guid(job_id(job)), GetLastError());
    free(record);
}

/* Writes the jobs queued so far (not those queued again meanwhile: a
 * running transfer changes its job all the time); returns FALSE if there
 * was none. */
static BOOL store_flush(void)
{
    struct queued_job *queued;
    unsigned int count;

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
        queued = LIST_ENTRY(list_head(&store_queue), struct queued_job, entry);
        list_remove(&queued->entry);
        LeaveCriticalSection(&store_cs);

        store_save(queued->job);
        job_release(queued->job);
        free(queued);
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
        job = (text = read_whole_file(path)) ? job_from_record(text) : NULL;
        free(text);
        /* A job's file is named after its id: a copy under another name is
         * not a second job. */
        if (job) job_path(job_id(job), bad, L".job");
        if (!job || job_is_gone(job) || wcsicmp(bad, path))
        {
            WARN("setting aside %s\n", debugstr_w(path));
            swprintf(bad, MAX_PATH, L"%s.bad", path);
            MoveFileExW(path, bad, MOVEFILE_REPLACE_EXISTING);
            if (job) job_release(job);
            continue;
        }
        if (FAILED(manager_add_job(job, NULL))) ERR("cannot list job %s\n", debugstr_guid(job_id(job)));
        else TRACE("loaded job %s\n", debugstr_guid(job_id(job)));
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
