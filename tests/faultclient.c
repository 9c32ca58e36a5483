/*
 * The client of the fault-injection units (tests/killservice.sh,
 * tests/killprefix.sh, tests/damagestore.sh): one program, a mode per
 * argument, run as "faultclient.exe faultclient MODE ARGS..." (Wine's test
 * runner takes the first argument as the test's name).  Its checks are
 * Wine's ok(), so its exit status is its failure count, and it prints
 * "faults: ..." lines with the numbers the shell units gather.
 *
 *   churn LOG SECONDS SEED ROUND   checks what LOG says the service
 *       acknowledged (as "check" does, without failing), then creates and
 *       changes jobs, transfers running against nginx, appending each call
 *       to LOG: a "T" line before it, an "A" line once it returned success
 *       (an "N" line when it failed), written before the next call.  Stops
 *       at the first call the dead service cannot answer, or after SECONDS.
 *   check LOG [final]   every acknowledged operation of LOG is there with its
 *       value; no job listed twice; cancelled and completed jobs gone, the
 *       completed ones' files equal to their sources.  "final" then finishes
 *       every job left (resumes, waits, completes, compares) and cancels the
 *       rest, leaving no job behind.
 *   hold STOPFILE SECONDS   keeps the prefix up until STOPFILE exists.
 *   follow GUID   finds the job by its id and waits until it has moved on
 *       by itself, without Resume.
 *   finish GUID   waits until the job is transferred and completes it.
 *   populate COUNT LIST   makes COUNT jobs of several kinds (suspended,
 *       transferred, in error, with ranges), writes their ids to LIST and
 *       stops the service so that the store holds them all.
 *   survey LIST [DAMAGED]   activates the service, lists the jobs, asks every
 *       job every getter, counts the jobs of LIST (but the damaged one) listed
 *       exactly once, then stops the service again.
 *
 * Paths are Windows paths (Z:\...).
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

#include <stdlib.h>
#include <string.h>

#define STANDALONE
#include "tests/qmgr_test.h"

/* How long a client waits for the service to answer its activation: one
 * that is coming back after a crash gets a few seconds. */
#define ACTIVATION_WAIT_MS 20000
/* Jobs the churn keeps going at once. */
#define CHURN_JOBS 24
#define CHURN_FILES 3

static IBackgroundCopyManager *manager;

/* --- small helpers ---------------------------------------------------------- */

static unsigned int random_state;

static unsigned int rnd(unsigned int n)
{
    random_state = random_state * 1103515245 + 12345;
    return (random_state >> 8) % n;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) abort();
    return d;
}

/* UTF-8 of a string of the service (freed with CoTaskMemFree here). */
static char *take_string(WCHAR *s)
{
    char *ret;
    int len;

    if (!s) return xstrdup("");
    len = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL);
    if (!(ret = malloc(len ? len : 1))) abort();
    if (!len) *ret = 0;
    else WideCharToMultiByte(CP_UTF8, 0, s, -1, ret, len, NULL, NULL);
    CoTaskMemFree(s);
    return ret;
}

static WCHAR *wide(const char *s)
{
    int len = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    WCHAR *ret = malloc(len * sizeof(WCHAR));

    if (!ret) abort();
    MultiByteToWideChar(CP_UTF8, 0, s, -1, ret, len);
    return ret;
}

static void guid_text(const GUID *id, char *text)
{
    WCHAR buf[40];

    StringFromGUID2(id, buf, ARRAY_SIZE(buf));
    WideCharToMultiByte(CP_ACP, 0, buf, -1, text, 40, NULL, NULL);
}

static BOOL guid_parse(const char *text, GUID *id)
{
    WCHAR buf[40];

    if (strlen(text) != 38) return FALSE;
    MultiByteToWideChar(CP_ACP, 0, text, -1, buf, ARRAY_SIZE(buf));
    return SUCCEEDED(CLSIDFromString(buf, id));
}

/* Whether a call failed because the service is not there to answer it (it
 * died, or its objects went with it): what a kill looks like to a client. */
static BOOL service_gone(HRESULT hr)
{
    if (HRESULT_FACILITY(hr) == FACILITY_RPC) return TRUE;
    if (HRESULT_FACILITY(hr) == FACILITY_WIN32 && HRESULT_CODE(hr) >= 1700 && HRESULT_CODE(hr) < 2000)
        return TRUE;
    return hr == CO_E_OBJNOTCONNECTED || hr == CO_E_SERVER_EXEC_FAILURE || hr == CO_E_SERVER_STOPPING;
}

/* The manager of a service activated now, as a new client does: one that is
 * coming back may take a few seconds.  Prints "faults: activation ...". */
static BOOL activate(void)
{
    ULONGLONG start = GetTickCount64();
    unsigned int failures = 0;
    HRESULT hr, first = S_OK;

    for (;;)
    {
        hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER,
                              &IID_IBackgroundCopyManager, (void **)&manager);
        if (SUCCEEDED(hr)) break;
        if (!failures++) first = hr;
        if (GetTickCount64() - start > ACTIVATION_WAIT_MS) break;
        Sleep(250);
    }
    printf("faults: activation %s after %lu ms, %u failed attempts (first %#lx)\n",
           SUCCEEDED(hr) ? "ok" : "FAILED", (unsigned long)(GetTickCount64() - start), failures, first);
    ok(hr == S_OK, "no activation within %u ms: %#lx\n", ACTIVATION_WAIT_MS, hr);
    if (FAILED(hr)) manager = NULL;
    return SUCCEEDED(hr);
}

/* Stops the BITS service through the service manager (it writes its store
 * as it stops), waiting 30 s at most. */
static BOOL stop_service(void)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), service;
    SERVICE_STATUS status;
    DWORD state = 0;

    if (!scm) return FALSE;
    if ((service = OpenServiceW(scm, L"BITS", SERVICE_STOP | SERVICE_QUERY_STATUS)))
    {
        ControlService(service, SERVICE_CONTROL_STOP, &status);
        state = wait_service_state(service, SERVICE_STOPPED, 30000);
        CloseServiceHandle(service);
    }
    CloseServiceHandle(scm);
    ok(state == SERVICE_STOPPED, "the service did not stop: state %lu\n", state);
    return state == SERVICE_STOPPED;
}

/* The job's state; -1 when the call failed (with *hr_out its result). */
static BG_JOB_STATE state_of(IBackgroundCopyJob *job, HRESULT *hr_out)
{
    BG_JOB_STATE state = -1;
    HRESULT hr = IBackgroundCopyJob_GetState(job, &state);

    if (hr_out) *hr_out = hr;
    return SUCCEEDED(hr) ? state : (BG_JOB_STATE)-1;
}

/* The document file a URL of ours names ("http://host/dir/NAME?query"). */
static BOOL source_of(const char *url, WCHAR *path)
{
    const char *end = strchr(url, '?'), *slash;
    char name[MAX_PATH];

    if (!end) end = url + strlen(url);
    for (slash = end; slash > url && slash[-1] != '/'; slash--) ;
    if (end - slash <= 0 || end - slash >= MAX_PATH) return FALSE;
    memcpy(name, slash, end - slash);
    name[end - slash] = 0;
    source_path(path, name);
    return TRUE;
}

/* --- the log and what it says the service acknowledged ------------------ */

enum op { OP_CREATE, OP_ADDFILE, OP_NAME, OP_DESC, OP_PRIO, OP_SUSPEND, OP_RESUME, OP_CANCEL, OP_COMPLETE, OP_COUNT };
static const char *const op_names[OP_COUNT] =
    { "create", "addfile", "name", "desc", "prio", "suspend", "resume", "cancel", "complete" };

/* A value of a job's property, and the acknowledged call that set it. */
struct entry
{
    enum op op;
    char *value;
};

/* Every value a property was given, oldest first; "maybe" is the value of a
 * call that was cut by a kill: the service may or may not have taken it. */
struct prop
{
    struct entry *entries;
    unsigned int count, size;
    char *maybe;
};

struct mjob
{
    GUID id;
    char guid[40];
    struct prop name, desc, prio, state, files;  /* state "S" suspended, "R" resumed; files "REMOTE|LOCAL" */
    enum op end;        /* OP_CANCEL, OP_COMPLETE, or OP_CREATE while it lives */
    enum op maybe_end;  /* a cut Cancel or Complete, else OP_CREATE */
    BOOL pending;       /* a call on it was cut: the churn leaves it alone */
    BOOL tainted;       /* found unlike the log this run: left alone */
    IBackgroundCopyJob *job;
};

static struct mjob *jobs;
static unsigned int job_count, job_size;
static char **maybe_creates;     /* names of cut CreateJob calls */
static unsigned int maybe_create_count;
static unsigned int acked[OP_COUNT];
static unsigned int name_counter;  /* the highest "n" of the names and descriptions in the log */

static void prop_add(struct prop *prop, enum op op, const char *value)
{
    if (prop->count == prop->size)
    {
        prop->size = prop->size ? prop->size * 2 : 4;
        if (!(prop->entries = realloc(prop->entries, prop->size * sizeof(*prop->entries)))) abort();
    }
    prop->entries[prop->count].op = op;
    prop->entries[prop->count].value = xstrdup(value);
    prop->count++;
}

static const char *prop_value(const struct prop *prop)
{
    return prop->count ? prop->entries[prop->count - 1].value : "";
}

static struct mjob *find_mjob(const GUID *id)
{
    unsigned int i;

    for (i = job_count; i--; )
        if (IsEqualGUID(&jobs[i].id, id)) return &jobs[i];
    return NULL;
}

static struct mjob *add_mjob(const GUID *id, const char *name)
{
    struct mjob *job;

    if (job_count == job_size)
    {
        job_size = job_size ? job_size * 2 : 64;
        if (!(jobs = realloc(jobs, job_size * sizeof(*jobs)))) abort();
    }
    job = &jobs[job_count++];
    memset(job, 0, sizeof(*job));
    job->id = *id;
    guid_text(id, job->guid);
    prop_add(&job->name, OP_CREATE, name);
    prop_add(&job->desc, OP_CREATE, "");
    prop_add(&job->prio, OP_CREATE, "2");   /* BG_JOB_PRIORITY_NORMAL */
    prop_add(&job->state, OP_CREATE, "S");
    job->end = job->maybe_end = OP_CREATE;
    return job;
}

static enum op op_from_name(const char *name)
{
    unsigned int i;

    for (i = 0; i < OP_COUNT; i++) if (!strcmp(op_names[i], name)) return i;
    return OP_COUNT;
}

static void note_counter(const char *value)
{
    const char *n = strstr(value, " n");
    unsigned int k;

    if (n && (k = strtoul(n + 2, NULL, 10)) > name_counter) name_counter = k;
}

/* Applies one call to the model: acknowledged, or cut (maybe). */
static void apply(enum op op, const char *guid, const char *value, BOOL maybe)
{
    struct mjob *job = NULL;
    struct prop *prop = NULL;
    GUID id;

    if (op >= OP_COUNT) return;
    note_counter(value);
    if (op == OP_CREATE)
    {
        if (maybe)
        {
            if (!(maybe_creates = realloc(maybe_creates, (maybe_create_count + 1) * sizeof(char *)))) abort();
            maybe_creates[maybe_create_count++] = xstrdup(value);
        }
        else if (guid_parse(guid, &id))
        {
            add_mjob(&id, value);
            acked[OP_CREATE]++;
        }
        return;
    }
    if (!guid_parse(guid, &id) || !(job = find_mjob(&id))) return;
    if (maybe) job->pending = TRUE;
    else acked[op]++;
    switch (op)
    {
    case OP_ADDFILE: prop = &job->files; break;
    case OP_NAME:    prop = &job->name; break;
    case OP_DESC:    prop = &job->desc; break;
    case OP_PRIO:    prop = &job->prio; break;
    case OP_SUSPEND: prop = &job->state; if (strcmp(value, "R")) value = "S"; break;
    case OP_RESUME:  prop = &job->state; value = "R"; break;
    case OP_CANCEL:
    case OP_COMPLETE:
        if (maybe) job->maybe_end = op;
        else job->end = op;
        return;
    default:
        return;
    }
    if (maybe)
    {
        free(prop->maybe);
        prop->maybe = xstrdup(value);
    }
    else prop_add(prop, op, value);
}

/* Reads LOG: "R round", "T op guid value" before a call, "A op guid value"
 * once it succeeded ("A suspend guid R" for a Suspend that left the job
 * transferred), "N op guid hr" when it failed.  A "T" followed by no
 * "A" (the log goes on with another run) was cut by a kill, like an "N" whose
 * error says the service was gone. */
static void read_log(const char *path)
{
    char line[4096], tried[4096] = "", *op, *guid, *value, *p;
    FILE *f = fopen(path, "r");

    if (!f) return;
    for (;;)
    {
        BOOL eof = !fgets(line, sizeof(line), f);

        if (!eof && (p = strpbrk(line, "\r\n"))) *p = 0;
        /* A tried call whose answer never came. */
        if (*tried && (eof || (line[0] != 'A' && line[0] != 'N')))
        {
            op = strtok(tried, " ");
            guid = strtok(NULL, " ");
            value = strtok(NULL, "");
            if (op && guid) apply(op_from_name(op), guid, value ? value : "", TRUE);
            *tried = 0;
        }
        if (eof) break;
        if (line[0] == 'T' && line[1] == ' ') strcpy(tried, line + 2);
        else if ((line[0] == 'A' || line[0] == 'N') && line[1] == ' ')
        {
            char *save = xstrdup(tried);
            HRESULT hr;

            op = strtok(line + 2, " ");
            guid = strtok(NULL, " ");
            value = strtok(NULL, "");
            if (line[0] == 'A' && op && guid) apply(op_from_name(op), guid, value ? value : "", FALSE);
            else if (line[0] == 'N' && op && value && (hr = strtoul(value, NULL, 16), service_gone(hr)))
            {
                /* The value was on the "T" line. */
                char *top = strtok(save, " "), *tguid = strtok(NULL, " "), *tvalue = strtok(NULL, "");
                if (top && tguid) apply(op_from_name(top), tguid, tvalue ? tvalue : "", TRUE);
            }
            free(save);
            *tried = 0;
        }
    }
    fclose(f);
}

static HANDLE log_handle;

/* One line at the end of the log, in one write: it is in the file (the
 * kernel's) before the next call, and only the service is ever killed. */
static void log_line(const char *format, ...)
{
    char buf[4096];
    DWORD written;
    va_list args;
    int len;

    va_start(args, format);
    len = vsnprintf(buf, sizeof(buf) - 1, format, args);
    va_end(args);
    if (len < 0 || len > (int)sizeof(buf) - 2) len = sizeof(buf) - 2;
    buf[len++] = '\n';
    WriteFile(log_handle, buf, len, &written, NULL);
}

static BOOL open_log(const char *path)
{
    WCHAR *wpath = wide(path);

    log_handle = CreateFileW(wpath, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS,
                             FILE_ATTRIBUTE_NORMAL, NULL);
    free(wpath);
    ok(log_handle != INVALID_HANDLE_VALUE, "cannot open %s: %lu\n", path, GetLastError());
    return log_handle != INVALID_HANDLE_VALUE;
}

/* --- checking the service against the log -------------------------------- */

struct tally
{
    unsigned int lost[OP_COUNT];
    unsigned int duplicates, unknown, adopted, wrong, in_error, transient;
    unsigned int files_same, files_differ, unfinished, failed_calls;
};

static void lose_all(struct tally *t, const struct prop *prop, unsigned int from)
{
    unsigned int i;

    for (i = from; i < prop->count; i++) t->lost[prop->entries[i].op]++;
}

/* Compares what the service says with the property's history: the
 * acknowledged values after the one seen are lost; a value nobody set is
 * wrong.  Returns whether it matched the last (or the cut) value. */
static BOOL compare_prop(struct tally *t, struct mjob *job, const char *what, const struct prop *prop,
                         const char *seen)
{
    unsigned int i;

    if (!strcmp(prop_value(prop), seen) || (prop->maybe && !strcmp(prop->maybe, seen))) return TRUE;
    for (i = prop->count; i--; )
        if (!strcmp(prop->entries[i].value, seen)) break;
    if (i == ~0u)
    {
        t->wrong++;
        printf("faults: job %s: %s is \"%.100s\", never set (expected \"%.100s\")\n", job->guid, what, seen,
               prop_value(prop));
        return FALSE;
    }
    printf("faults: job %s: %s is \"%.100s\", lost %u later change(s) up to \"%.100s\"\n", job->guid, what,
           seen, prop->count - 1 - i, prop_value(prop));
    lose_all(t, prop, i + 1);
    return FALSE;
}

/* Byte for byte, the files of a completed job against their sources. */
static void compare_files(struct tally *t, struct mjob *job)
{
    WCHAR source[MAX_PATH], *local;
    unsigned int i;
    char *bar;

    for (i = 0; i < job->files.count; i++)
    {
        if (!(bar = strchr(job->files.entries[i].value, '|'))) continue;
        *bar = 0;
        local = wide(bar + 1);
        if (source_of(job->files.entries[i].value, source) && same_files(local, source)) t->files_same++;
        else
        {
            t->files_differ++;
            printf("faults: job %s: %s is missing or differs from its source\n", job->guid, bar + 1);
        }
        *bar = '|';
        free(local);
    }
}

/* The service's files of a job, as "REMOTE|LOCAL" in the prop's form. */
static HRESULT list_files(IBackgroundCopyJob *job, struct prop *seen)
{
    IEnumBackgroundCopyFiles *files;
    IBackgroundCopyFile *file;
    WCHAR *remote, *local;
    char *r, *l, *both;
    HRESULT hr;

    if (FAILED(hr = IBackgroundCopyJob_EnumFiles(job, &files))) return hr;
    while ((hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL)) == S_OK)
    {
        remote = local = NULL;
        hr = IBackgroundCopyFile_GetRemoteName(file, &remote);
        if (SUCCEEDED(hr)) hr = IBackgroundCopyFile_GetLocalName(file, &local);
        IBackgroundCopyFile_Release(file);
        r = take_string(remote);
        l = take_string(local);
        if (!(both = malloc(strlen(r) + strlen(l) + 2))) abort();
        sprintf(both, "%s|%s", r, l);
        prop_add(seen, OP_ADDFILE, both);
        free(both);
        free(r);
        free(l);
        if (FAILED(hr)) break;
    }
    IEnumBackgroundCopyFiles_Release(files);
    return FAILED(hr) ? hr : S_OK;
}

static BOOL compare_files_list(struct tally *t, struct mjob *job, const struct prop *seen)
{
    unsigned int i, expected = job->files.count;

    for (i = 0; i < seen->count && i < expected; i++)
        if (strcmp(seen->entries[i].value, job->files.entries[i].value)) break;
    if (i == expected && seen->count == expected) return TRUE;
    if (i == expected && seen->count == expected + 1 && job->files.maybe &&
        !strcmp(seen->entries[i].value, job->files.maybe))
        return TRUE;
    if (i == seen->count && i < expected)
    {
        printf("faults: job %s: %u of %u files, lost %u AddFile\n", job->guid, seen->count, expected,
               expected - i);
        lose_all(t, &job->files, i);
        return FALSE;
    }
    t->wrong++;
    printf("faults: job %s: its files differ from those added (%u listed, %u added)\n", job->guid, seen->count,
           expected);
    return FALSE;
}

/* One listed job against its model; FALSE when it differs. */
static BOOL check_job(struct tally *t, struct mjob *job, IBackgroundCopyJob *listed)
{
    struct prop seen_files = { 0 };
    BG_JOB_PRIORITY priority;
    BG_JOB_PROGRESS progress;
    BG_JOB_STATE state;
    WCHAR *name = NULL, *desc = NULL;
    char prio[16], *text;
    BOOL same = TRUE;
    HRESULT hr;
    unsigned int i;

    hr = IBackgroundCopyJob_GetDisplayName(listed, &name);
    if (SUCCEEDED(hr)) hr = IBackgroundCopyJob_GetDescription(listed, &desc);
    if (SUCCEEDED(hr)) hr = IBackgroundCopyJob_GetPriority(listed, &priority);
    if (SUCCEEDED(hr)) hr = IBackgroundCopyJob_GetProgress(listed, &progress);
    if (SUCCEEDED(hr)) hr = IBackgroundCopyJob_GetState(listed, &state);
    if (SUCCEEDED(hr)) hr = list_files(listed, &seen_files);
    if (FAILED(hr))
    {
        t->failed_calls++;
        printf("faults: job %s: a getter failed: %#lx\n", job->guid, hr);
        CoTaskMemFree(name);
        CoTaskMemFree(desc);
        return FALSE;
    }
    text = take_string(name);
    same &= compare_prop(t, job, "display name", &job->name, text);
    free(text);
    text = take_string(desc);
    same &= compare_prop(t, job, "description", &job->desc, text);
    free(text);
    sprintf(prio, "%u", priority);
    same &= compare_prop(t, job, "priority", &job->prio, prio);
    switch (state)
    {
    case BG_JOB_STATE_SUSPENDED:
        same &= compare_prop(t, job, "state", &job->state, "S");
        break;
    case BG_JOB_STATE_TRANSIENT_ERROR:
        t->transient++;
        /* fall through */
    case BG_JOB_STATE_QUEUED:
    case BG_JOB_STATE_CONNECTING:
    case BG_JOB_STATE_TRANSFERRING:
    case BG_JOB_STATE_TRANSFERRED:
        same &= compare_prop(t, job, "state", &job->state, "R");
        break;
    default:
        if (state == BG_JOB_STATE_ERROR) t->in_error++;
        else t->wrong++;
        printf("faults: job %s: in state %u\n", job->guid, state);
        same = FALSE;
        break;
    }
    same &= compare_files_list(t, job, &seen_files);
    for (i = 0; i < seen_files.count; i++) free(seen_files.entries[i].value);
    free(seen_files.entries);
    return same;
}

/* Every job of the model against the service; jobs that differ are
 * tainted.  Returns the number of operations lost. */
static unsigned int check_all(struct tally *t)
{
    IEnumBackgroundCopyJobs *list;
    IBackgroundCopyJob *job, **listed = NULL;
    unsigned int count = 0, size = 0, i, k, lost = 0, *times_listed;
    GUID id, *ids = NULL;
    struct mjob *m;
    WCHAR *name;
    char *text, guid[40];
    HRESULT hr;

    memset(t, 0, sizeof(*t));
    hr = IBackgroundCopyManager_EnumJobs(manager, 0, &list);
    ok(hr == S_OK, "EnumJobs failed: %#lx\n", hr);
    if (FAILED(hr)) return ~0u;
    while ((hr = IEnumBackgroundCopyJobs_Next(list, 1, &job, NULL)) == S_OK)
    {
        if (FAILED(hr = IBackgroundCopyJob_GetId(job, &id)))
        {
            t->failed_calls++;
            IBackgroundCopyJob_Release(job);
            continue;
        }
        if (count == size)
        {
            size = size ? size * 2 : 64;
            if (!(listed = realloc(listed, size * sizeof(*listed))) || !(ids = realloc(ids, size * sizeof(*ids))))
                abort();
        }
        listed[count] = job;
        ids[count++] = id;
    }
    IEnumBackgroundCopyJobs_Release(list);
    ok(SUCCEEDED(hr), "listing the jobs failed: %#lx\n", hr);

    if (!(times_listed = calloc(job_count + 1, sizeof(*times_listed)))) abort();
    for (i = 0; i < count; i++)
    {
        for (k = 0; k < i; k++)
            if (IsEqualGUID(&ids[k], &ids[i])) break;
        if (k < i)
        {
            t->duplicates++;
            guid_text(&ids[i], guid);
            printf("faults: job %s listed more than once\n", guid);
            continue;
        }
        if ((m = find_mjob(&ids[i])))
        {
            times_listed[m - jobs]++;
            continue;
        }
        /* A job nobody was told about: the one of a cut CreateJob? */
        name = NULL;
        IBackgroundCopyJob_GetDisplayName(listed[i], &name);
        text = take_string(name);
        for (k = 0; k < maybe_create_count; k++)
            if (!strcmp(maybe_creates[k], text)) break;
        if (k < maybe_create_count) t->adopted++;
        else if (!strncmp(text, "churn ", 6))
        {
            t->unknown++;
            guid_text(&ids[i], guid);
            printf("faults: job %s (\"%s\") was never acknowledged\n", guid, text);
        }
        free(text);
    }

    for (i = 0; i < job_count; i++)
    {
        m = &jobs[i];
        for (k = 0; k < count; k++)
            if (IsEqualGUID(&ids[k], &m->id)) break;
        if (m->end != OP_CREATE)
        {
            if (times_listed[i])
            {
                t->lost[m->end]++;
                m->tainted = TRUE;
                printf("faults: job %s came back after an acknowledged %s\n", m->guid, op_names[m->end]);
            }
            continue;
        }
        if (!times_listed[i])
        {
            if (m->maybe_end != OP_CREATE) continue;
            t->lost[OP_CREATE]++;
            lose_all(t, &m->name, 1);
            lose_all(t, &m->desc, 1);
            lose_all(t, &m->prio, 1);
            lose_all(t, &m->state, 1);
            lose_all(t, &m->files, 0);
            if (m->end == OP_CREATE && !m->tainted)
                printf("faults: job %s (\"%s\") is gone\n", m->guid, prop_value(&m->name));
            m->tainted = TRUE;
            continue;
        }
        if (!check_job(t, m, listed[k])) m->tainted = TRUE;
    }
    for (i = 0; i < count; i++) IBackgroundCopyJob_Release(listed[i]);
    free(listed);
    free(ids);
    free(times_listed);
    for (i = 0; i < OP_COUNT; i++) lost += t->lost[i];
    return lost;
}

static void print_tally(const char *what, const struct tally *t, unsigned int lost)
{
    unsigned int i, total = 0;
    char detail[512];
    int len = 0;

    for (i = 0; i < OP_COUNT; i++)
    {
        total += acked[i];
        len += snprintf(detail + len, sizeof(detail) - len, "%s%s %u/%u", i ? ", " : "", op_names[i],
                        t->lost[i], acked[i]);
    }
    printf("faults: %s: operations acknowledged and lost: %u of %u (lost/acknowledged: %s)\n", what, lost, total,
           detail);
    printf("faults: %s: duplicates %u, never acknowledged %u, cut creations found %u, wrong values %u, "
           "jobs in ERROR %u, in TRANSIENT_ERROR %u, failed getters %u, files identical %u, differing %u, "
           "unfinished %u\n", what, t->duplicates, t->unknown, t->adopted, t->wrong, t->in_error, t->transient,
           t->failed_calls, t->files_same, t->files_differ, t->unfinished);
}

/* --- the churn ----------------------------------------------------------- */

/* The job's interface for the churn's calls, found by id once. */
static IBackgroundCopyJob *churn_job(struct mjob *m, HRESULT *hr)
{
    *hr = S_OK;
    if (!m->job) *hr = IBackgroundCopyManager_GetJob(manager, &m->id, &m->job);
    return m->job;
}

/* Logs the call's result; TRUE when the service is gone. */
static BOOL logged_result(enum op op, const char *guid, const char *value, HRESULT hr, unsigned int *count)
{
    if (SUCCEEDED(hr))
    {
        log_line("A %s %s %s", op_names[op], guid, value);
        (*count)++;
        return FALSE;
    }
    log_line("N %s %s %08lx", op_names[op], guid, hr);
    return service_gone(hr);
}

static BOOL churn_usable(const struct mjob *m)
{
    return m->end == OP_CREATE && !m->pending && !m->tainted;
}

static void churn(DWORD seconds, unsigned int round)
{
    ULONGLONG end = GetTickCount64() + seconds * 1000;
    unsigned int done = 0, usable, i, pick;
    const char *port = getenv("QMGR_HTTP_PORT");
    WCHAR *wremote, *wlocal, *wvalue;
    char value[1024], remote[512], local[MAX_PATH];
    BOOL gone = FALSE;
    HRESULT hr = S_OK;
    IBackgroundCopyJob *job;
    BG_JOB_STATE state;
    struct mjob *m;
    GUID id;

    CreateDirectoryW(L"C:\\users\\Public\\qmgr_faults", NULL);
    log_line("R %u", round);
    while (!gone && GetTickCount64() < end)
    {
        for (i = usable = 0; i < job_count; i++) usable += churn_usable(&jobs[i]);
        name_counter++;
        if (usable < CHURN_JOBS && (!usable || rnd(100) < 15))
        {
            snprintf(value, sizeof(value), "churn r%u n%u", round, name_counter);
            log_line("T create - %s", value);
            wvalue = wide(value);
            hr = IBackgroundCopyManager_CreateJob(manager, wvalue, BG_JOB_TYPE_DOWNLOAD, &id, &job);
            free(wvalue);
            if (SUCCEEDED(hr))
            {
                m = add_mjob(&id, value);
                m->job = job;
                acked[OP_CREATE]++;
            }
            gone = logged_result(OP_CREATE, SUCCEEDED(hr) ? m->guid : "-", value, hr, &done);
            continue;
        }
        pick = rnd(usable);
        for (i = 0; i < job_count; i++)
            if (churn_usable(&jobs[i]) && !pick--) break;
        m = &jobs[i];
        if (!(job = churn_job(m, &hr)))
        {
            /* Listed a moment ago: only a dead service loses it now. */
            gone = service_gone(hr);
            m->tainted = TRUE;
            continue;
        }
        switch (rnd(10))
        {
        case 0: case 1: case 2:
            if (!strcmp(prop_value(&m->state), "S") && m->files.count < CHURN_FILES)
            {
                /* Some take a while (nginx's /limited/ sends 3 MiB/s), so that
                 * kills come in the middle of transfers and Suspend finds
                 * jobs still transferring. */
                snprintf(remote, sizeof(remote), "http://127.0.0.1:%s/%s?%.8s-%u", port ? port : "80",
                         rnd(5) < 3 ? "small.bin" : "limited/1m.bin", m->guid + 1, m->files.count);
                snprintf(local, sizeof(local), "C:\\users\\Public\\qmgr_faults\\%.36s-%u.bin", m->guid + 1,
                         m->files.count);
                snprintf(value, sizeof(value), "%s|%s", remote, local);
                log_line("T addfile %s %s", m->guid, value);
                wremote = wide(remote);
                wlocal = wide(local);
                hr = IBackgroundCopyJob_AddFile(job, wremote, wlocal);
                free(wremote);
                free(wlocal);
                if (SUCCEEDED(hr)) prop_add(&m->files, OP_ADDFILE, value), acked[OP_ADDFILE]++;
                gone = logged_result(OP_ADDFILE, m->guid, value, hr, &done);
                break;
            }
            /* fall through */
        case 3: case 4:
            snprintf(value, sizeof(value), "churn r%u n%u", round, name_counter);
            log_line("T name %s %s", m->guid, value);
            wvalue = wide(value);
            hr = IBackgroundCopyJob_SetDisplayName(job, wvalue);
            free(wvalue);
            if (SUCCEEDED(hr)) prop_add(&m->name, OP_NAME, value), acked[OP_NAME]++;
            gone = logged_result(OP_NAME, m->guid, value, hr, &done);
            break;
        case 5:
            snprintf(value, sizeof(value), "what round %u n%u of the churn changed, in a few words", round,
                     name_counter);
            log_line("T desc %s %s", m->guid, value);
            wvalue = wide(value);
            hr = IBackgroundCopyJob_SetDescription(job, wvalue);
            free(wvalue);
            if (SUCCEEDED(hr)) prop_add(&m->desc, OP_DESC, value), acked[OP_DESC]++;
            gone = logged_result(OP_DESC, m->guid, value, hr, &done);
            break;
        case 6:
            snprintf(value, sizeof(value), "%u", rnd(4));
            log_line("T prio %s %s", m->guid, value);
            hr = IBackgroundCopyJob_SetPriority(job, atoi(value));
            if (SUCCEEDED(hr)) prop_add(&m->prio, OP_PRIO, value), acked[OP_PRIO]++;
            gone = logged_result(OP_PRIO, m->guid, value, hr, &done);
            break;
        case 7: case 8:
            if (!strcmp(prop_value(&m->state), "S"))
            {
                if (!m->files.count) break;
                log_line("T resume %s -", m->guid);
                hr = IBackgroundCopyJob_Resume(job);
                if (SUCCEEDED(hr)) prop_add(&m->state, OP_RESUME, "R"), acked[OP_RESUME]++;
                gone = logged_result(OP_RESUME, m->guid, "-", hr, &done);
                break;
            }
            state = state_of(job, &hr);
            if (FAILED(hr))
            {
                gone = service_gone(hr);
                break;
            }
            if (state == BG_JOB_STATE_TRANSFERRED)
            {
                log_line("T complete %s -", m->guid);
                hr = IBackgroundCopyJob_Complete(job);
                if (SUCCEEDED(hr)) m->end = OP_COMPLETE, acked[OP_COMPLETE]++;
                gone = logged_result(OP_COMPLETE, m->guid, "-", hr, &done);
            }
            else if (state != BG_JOB_STATE_ERROR && rnd(2) == 0)
            {
                log_line("T suspend %s -", m->guid);
                hr = IBackgroundCopyJob_Suspend(job);
                if (FAILED(hr))
                {
                    gone = logged_result(OP_SUSPEND, m->guid, "-", hr, &done);
                    break;
                }
                /* Suspend succeeds in every state but CANCELLED and
                 * ACKNOWLEDGED: a job that finished meanwhile stays
                 * TRANSFERRED.  Its answer is logged with the state it
                 * left, asked first; if the service dies meanwhile, the
                 * call counts as cut. */
                state = state_of(job, &hr);
                if (FAILED(hr))
                {
                    gone = service_gone(hr);
                    break;
                }
                value[0] = state == BG_JOB_STATE_SUSPENDED ? 'S' : 'R';
                value[1] = 0;
                prop_add(&m->state, OP_SUSPEND, value);
                acked[OP_SUSPEND]++;
                gone = logged_result(OP_SUSPEND, m->guid, value, S_OK, &done);
            }
            break;
        case 9:
            if (rnd(3)) break;
            log_line("T cancel %s -", m->guid);
            hr = IBackgroundCopyJob_Cancel(job);
            if (SUCCEEDED(hr)) m->end = OP_CANCEL, acked[OP_CANCEL]++;
            gone = logged_result(OP_CANCEL, m->guid, "-", hr, &done);
            break;
        }
        /* Only a dead service ends the churn: a call it refused (a job that
         * changed state meanwhile) is logged as refused. */
        if (!gone && FAILED(hr) && hr != (HRESULT)BG_E_INVALID_STATE)
            printf("faults: churn: a call on job %s failed: %#lx\n", m->guid, hr);
    }
    printf("faults: churn round %u: %u operations acknowledged, ended by %s (%#lx)\n", round, done,
           gone ? "the service's death" : "the time limit", gone ? hr : 0);
}

/* --- final: every job finished, compared, and nothing left ------------- */

static void finish_all(struct tally *t)
{
    ULONGLONG end = GetTickCount64() + 120000;
    BG_JOB_STATE state;
    unsigned int i, waiting;
    struct mjob *m;
    HRESULT hr;

    for (i = 0; i < job_count; i++)
    {
        m = &jobs[i];
        if (!churn_usable(m) || !m->files.count || !churn_job(m, &hr)) continue;
        state = state_of(m->job, NULL);
        if (state == BG_JOB_STATE_SUSPENDED || state == BG_JOB_STATE_TRANSIENT_ERROR)
        {
            hr = IBackgroundCopyJob_Resume(m->job);
            ok(hr == S_OK, "Resume of %s failed: %#lx\n", m->guid, hr);
        }
    }
    do
    {
        for (i = waiting = 0; i < job_count; i++)
        {
            m = &jobs[i];
            if (!churn_usable(m) || !m->files.count || !m->job) continue;
            state = state_of(m->job, NULL);
            if (state == BG_JOB_STATE_TRANSFERRED)
            {
                hr = IBackgroundCopyJob_Complete(m->job);
                ok(hr == S_OK, "Complete of %s failed: %#lx\n", m->guid, hr);
                if (SUCCEEDED(hr))
                {
                    m->end = OP_COMPLETE;
                    compare_files(t, m);
                }
            }
            else if (state == BG_JOB_STATE_ERROR || state == (BG_JOB_STATE)-1)
            {
                printf("faults: job %s: in state %d while finishing\n", m->guid, state);
                t->in_error++;
                m->tainted = TRUE;
            }
            else waiting++;
        }
        if (waiting) Sleep(200);
    } while (waiting && GetTickCount64() < end);
    t->unfinished = waiting;
}

static void cancel_everything(void)
{
    IEnumBackgroundCopyJobs *list;
    IBackgroundCopyJob *job;
    WCHAR *name;
    char *text;

    if (FAILED(IBackgroundCopyManager_EnumJobs(manager, 0, &list))) return;
    while (IEnumBackgroundCopyJobs_Next(list, 1, &job, NULL) == S_OK)
    {
        name = NULL;
        IBackgroundCopyJob_GetDisplayName(job, &name);
        text = take_string(name);
        if (!strncmp(text, "churn ", 6)) IBackgroundCopyJob_Cancel(job);
        free(text);
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(list);
}

static void check_log(const char *log, BOOL final)
{
    struct tally t, finished = { 0 };
    unsigned int lost, i;

    read_log(log);
    if (!activate()) return;
    lost = check_all(&t);
    /* The completed jobs' files, now that they are at their final names. */
    for (i = 0; i < job_count; i++)
        if (jobs[i].end == OP_COMPLETE) compare_files(&t, &jobs[i]);
    if (final)
    {
        finish_all(&finished);
        t.files_same += finished.files_same;
        t.files_differ += finished.files_differ;
        t.unfinished = finished.unfinished;
        t.in_error += finished.in_error;
        cancel_everything();
    }
    print_tally(final ? "final" : "check", &t, lost);
    ok(!lost, "%u acknowledged operations lost\n", lost);
    ok(!t.duplicates, "%u jobs listed twice\n", t.duplicates);
    ok(!t.unknown, "%u jobs never acknowledged\n", t.unknown);
    ok(!t.wrong, "%u values nobody set\n", t.wrong);
    ok(!t.in_error, "%u jobs in ERROR\n", t.in_error);
    ok(!t.failed_calls, "%u getters failed\n", t.failed_calls);
    ok(!t.files_differ, "%u files differ from their sources\n", t.files_differ);
    ok(!t.unfinished, "%u jobs did not finish\n", t.unfinished);
}

/* --- the units' other modes --------------------------------------------- */

static void hold(const char *stop_file, DWORD seconds)
{
    ULONGLONG end = GetTickCount64() + seconds * 1000;
    WCHAR *path = wide(stop_file);

    while (!file_exists(path) && GetTickCount64() < end) Sleep(100);
    free(path);
}

static IBackgroundCopyJob *job_by_id(const char *guid)
{
    IBackgroundCopyJob *job = NULL;
    HRESULT hr;
    GUID id;

    ok(guid_parse(guid, &id), "not a job id: %s\n", guid);
    if (!activate()) return NULL;
    hr = IBackgroundCopyManager_GetJob(manager, &id, &job);
    ok(hr == S_OK, "GetJob(%s) failed: %#lx\n", guid, hr);
    return SUCCEEDED(hr) ? job : NULL;
}

/* The job goes on by itself (its state says so, its bytes grow) without a
 * Resume from anyone. */
static void follow(const char *guid)
{
    ULONGLONG end = GetTickCount64() + 60000;
    BG_JOB_PROGRESS first, now;
    IBackgroundCopyJob *job;
    BG_JOB_STATE state;
    HRESULT hr;

    if (!(job = job_by_id(guid))) return;
    state = state_of(job, &hr);
    hr = IBackgroundCopyJob_GetProgress(job, &first);
    ok(hr == S_OK, "GetProgress failed: %#lx\n", hr);
    printf("faults: found %s in state %d at %I64u of %I64u bytes\n", guid, state, first.BytesTransferred,
           first.BytesTotal);
    ok(state != BG_JOB_STATE_SUSPENDED && state != BG_JOB_STATE_ERROR, "found in state %d\n", state);
    now = first;
    while (GetTickCount64() < end)
    {
        state = state_of(job, &hr);
        if (FAILED(IBackgroundCopyJob_GetProgress(job, &now)) || FAILED(hr)) break;
        if (now.BytesTransferred > first.BytesTransferred || state == BG_JOB_STATE_TRANSFERRED) break;
        Sleep(50);
    }
    printf("faults: %s moved on by itself to %I64u bytes, state %d\n", guid, now.BytesTransferred, state);
    ok(now.BytesTransferred > first.BytesTransferred || state == BG_JOB_STATE_TRANSFERRED,
       "the job did not go on by itself within 60 s: state %d, %I64u bytes\n", state, now.BytesTransferred);
    IBackgroundCopyJob_Release(job);
}

static void finish(const char *guid)
{
    IBackgroundCopyJob *job;
    BG_JOB_PROGRESS progress;
    BG_JOB_STATE state;
    HRESULT hr;
    ULONGLONG end = GetTickCount64() + 300000;

    if (!(job = job_by_id(guid))) return;
    while ((state = state_of(job, &hr)) != BG_JOB_STATE_TRANSFERRED && SUCCEEDED(hr) &&
           state != BG_JOB_STATE_ERROR && GetTickCount64() < end)
        Sleep(100);
    IBackgroundCopyJob_GetProgress(job, &progress);
    printf("faults: %s in state %d with %I64u of %I64u bytes\n", guid, state, progress.BytesTransferred,
           progress.BytesTotal);
    ok(state == BG_JOB_STATE_TRANSFERRED, "not transferred: state %d\n", state);
    if (state == BG_JOB_STATE_TRANSFERRED)
    {
        hr = IBackgroundCopyJob_Complete(job);
        ok(hr == S_OK, "Complete failed: %#lx\n", hr);
    }
    IBackgroundCopyJob_Release(job);
}

/* COUNT jobs of five kinds, ids to LIST, then the service stopped. */
static void populate(unsigned int count, const char *list_path)
{
    const char *port = getenv("QMGR_HTTP_PORT");
    IBackgroundCopyJob3 *job3;
    IBackgroundCopyJob *job;
    BG_FILE_RANGE ranges[2] = { { 0, 1000 }, { 2000, BG_LENGTH_TO_EOF } };
    WCHAR name[64], url[256], local[MAX_PATH];
    ULONGLONG end;
    unsigned int i, f, waiting;
    BG_JOB_STATE state;
    char guid[40];
    GUID *ids;
    HRESULT hr;
    FILE *list;

    if (!activate()) return;
    CreateDirectoryW(L"C:\\users\\Public\\qmgr_faults", NULL);
    if (!(ids = calloc(count, sizeof(*ids)))) abort();
    for (i = 0; i < count; i++)
    {
        swprintf(name, ARRAY_SIZE(name), L"damage %u", i);
        hr = IBackgroundCopyManager_CreateJob(manager, name, BG_JOB_TYPE_DOWNLOAD, &ids[i], &job);
        ok(hr == S_OK, "CreateJob failed: %#lx\n", hr);
        if (FAILED(hr)) continue;
        IBackgroundCopyJob_SetDescription(job, L"a job of the store that gets damaged");
        IBackgroundCopyJob_SetPriority(job, i % 4);
        for (f = 0; f < 1 + i % 3; f++)
        {
            swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%hs/%s?damage%u-%u", port ? port : "80",
                     i % 5 == 3 ? L"missing.bin" : L"small.bin", i, f);
            swprintf(local, ARRAY_SIZE(local), L"C:\\users\\Public\\qmgr_faults\\damage%u-%u.bin", i, f);
            if (i % 5 == 2 && !f && SUCCEEDED(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob3,
                                                                              (void **)&job3)))
            {
                hr = IBackgroundCopyJob3_AddFileWithRanges(job3, url, local, ARRAY_SIZE(ranges), ranges);
                IBackgroundCopyJob3_Release(job3);
            }
            else hr = IBackgroundCopyJob_AddFile(job, url, local);
            ok(hr == S_OK, "AddFile failed: %#lx\n", hr);
        }
        /* Transferred ones and one in ERROR (404); the others stay suspended. */
        if (i % 5 == 0 || i % 5 == 3)
        {
            IBackgroundCopyJob_SetPriority(job, BG_JOB_PRIORITY_FOREGROUND);
            hr = IBackgroundCopyJob_Resume(job);
            ok(hr == S_OK, "Resume failed: %#lx\n", hr);
        }
        IBackgroundCopyJob_Release(job);
    }
    end = GetTickCount64() + 60000;
    do
    {
        for (i = waiting = 0; i < count; i++)
        {
            if ((i % 5 != 0 && i % 5 != 3) || FAILED(IBackgroundCopyManager_GetJob(manager, &ids[i], &job)))
                continue;
            state = state_of(job, NULL);
            if (state != BG_JOB_STATE_TRANSFERRED && state != BG_JOB_STATE_ERROR) waiting++;
            IBackgroundCopyJob_Release(job);
        }
        if (waiting) Sleep(100);
    } while (waiting && GetTickCount64() < end);
    ok(!waiting, "%u jobs did not end\n", waiting);

    if (!(list = fopen(list_path, "w"))) ok(0, "cannot write %s\n", list_path);
    for (i = 0; list && i < count; i++)
    {
        guid_text(&ids[i], guid);
        fprintf(list, "%s\n", guid);
    }
    if (list) fclose(list);
    free(ids);
    IBackgroundCopyManager_Release(manager);
    stop_service();
}

/* The getters of a job, the number that failed.  Every job gets those that
 * show it whole (name, state, progress, times, owner, files, error); a
 * damaged job, or one nobody made (full), gets every getter there is. */
static unsigned int ask_everything(IBackgroundCopyJob *job, const char *guid, BOOL full)
{
    IBackgroundCopyJob4 *job4;
    IEnumBackgroundCopyFiles *files;
    IBackgroundCopyFile *file, *batch[16];
    IBackgroundCopyFile2 *file2;
    IBackgroundCopyError *error;
    BG_JOB_PROXY_USAGE usage;
    BG_JOB_PROGRESS progress;
    BG_FILE_PROGRESS file_progress;
    BG_FILE_RANGE *ranges;
    BG_JOB_TIMES times;
    BG_JOB_STATE state = BG_JOB_STATE_QUEUED;
    BG_ERROR_CONTEXT context;
    BG_JOB_PRIORITY priority;
    BG_JOB_TYPE type;
    WCHAR *s1, *s2;
    DWORD range_count;
    ULONG count, value, fetched, i;
    unsigned int failed = 0;
    BOOL elevated;
    HRESULT hr, code;

#define ASK(call) do { if (FAILED(hr = (call))) { failed++; \
        printf("faults: job %s: %s failed: %#lx\n", guid, #call, hr); } } while (0)
#define ASK_STRING(call) do { s1 = NULL; ASK(call); CoTaskMemFree(s1); } while (0)

    ASK(IBackgroundCopyJob_GetType(job, &type));
    ASK(IBackgroundCopyJob_GetState(job, &state));
    ASK(IBackgroundCopyJob_GetProgress(job, &progress));
    ASK(IBackgroundCopyJob_GetTimes(job, &times));
    ASK(IBackgroundCopyJob_GetPriority(job, &priority));
    ASK(IBackgroundCopyJob_GetErrorCount(job, &count));
    ASK_STRING(IBackgroundCopyJob_GetDisplayName(job, &s1));
    ASK_STRING(IBackgroundCopyJob_GetDescription(job, &s1));
    ASK_STRING(IBackgroundCopyJob_GetOwner(job, &s1));
    if (full)
    {
        ASK(IBackgroundCopyJob_GetMinimumRetryDelay(job, &value));
        ASK(IBackgroundCopyJob_GetNoProgressTimeout(job, &value));
        ASK(IBackgroundCopyJob_GetNotifyFlags(job, &value));
        s1 = s2 = NULL;
        ASK(IBackgroundCopyJob_GetProxySettings(job, &usage, &s1, &s2));
        CoTaskMemFree(s1);
        CoTaskMemFree(s2);
        ASK(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob4, (void **)&job4));
        if (SUCCEEDED(hr))
        {
            s1 = s2 = NULL;
            ASK(IBackgroundCopyJob4_GetNotifyCmdLine(job4, &s1, &s2));
            CoTaskMemFree(s1);
            CoTaskMemFree(s2);
            ASK(IBackgroundCopyJob4_GetMaximumDownloadTime(job4, &value));
            ASK(IBackgroundCopyJob4_GetOwnerIntegrityLevel(job4, &value));
            ASK(IBackgroundCopyJob4_GetOwnerElevationState(job4, &elevated));
            ASK(IBackgroundCopyJob4_GetPeerCachingFlags(job4, &value));
            IBackgroundCopyJob4_Release(job4);
        }
    }
    ASK(IBackgroundCopyJob_EnumFiles(job, &files));
    if (SUCCEEDED(hr))
    {
        if (full) ASK(IEnumBackgroundCopyFiles_GetCount(files, &count));
        do
        {
            fetched = 0;
            hr = IEnumBackgroundCopyFiles_Next(files, ARRAY_SIZE(batch), batch, &fetched);
            if (FAILED(hr)) ASK(hr);
            for (i = 0; i < fetched; i++)
            {
                file = batch[i];
                ASK_STRING(IBackgroundCopyFile_GetRemoteName(file, &s1));
                ASK_STRING(IBackgroundCopyFile_GetLocalName(file, &s1));
                ASK(IBackgroundCopyFile_GetProgress(file, &file_progress));
                if (full)
                {
                    ASK(IBackgroundCopyFile_QueryInterface(file, &IID_IBackgroundCopyFile2, (void **)&file2));
                    if (SUCCEEDED(hr))
                    {
                        ranges = NULL;
                        ASK(IBackgroundCopyFile2_GetFileRanges(file2, &range_count, &ranges));
                        CoTaskMemFree(ranges);
                        IBackgroundCopyFile2_Release(file2);
                    }
                }
                IBackgroundCopyFile_Release(file);
            }
        } while (hr == S_OK && fetched == ARRAY_SIZE(batch));
        IEnumBackgroundCopyFiles_Release(files);
    }
    if (state == BG_JOB_STATE_ERROR || state == BG_JOB_STATE_TRANSIENT_ERROR)
    {
        ASK(IBackgroundCopyJob_GetError(job, &error));
        if (SUCCEEDED(hr))
        {
            ASK(IBackgroundCopyError_GetError(error, &context, &code));
            ASK_STRING(IBackgroundCopyError_GetErrorDescription(error, LANG_USER_DEFAULT, &s1));
            ASK_STRING(IBackgroundCopyError_GetErrorContextDescription(error, LANG_USER_DEFAULT, &s1));
            /* Documented to say there is no protocol or no file. */
            s1 = NULL;
            hr = IBackgroundCopyError_GetProtocol(error, &s1);
            if (FAILED(hr) && hr != (HRESULT)BG_E_PROTOCOL_NOT_AVAILABLE) ASK(hr);
            CoTaskMemFree(s1);
            file = NULL;
            hr = IBackgroundCopyError_GetFile(error, &file);
            if (FAILED(hr) && hr != (HRESULT)BG_E_FILE_NOT_AVAILABLE) ASK(hr);
            if (file) IBackgroundCopyFile_Release(file);
            IBackgroundCopyError_Release(error);
        }
    }
#undef ASK_STRING
#undef ASK
    return failed;
}

/* The jobs listed by the survey, and whether each gets every getter. */
static IBackgroundCopyJob *survey_jobs[1024];
static GUID survey_ids[ARRAY_SIZE(survey_jobs)];
static BOOL survey_full[ARRAY_SIZE(survey_jobs)];
static unsigned int survey_count;

/* LIST's jobs, each listed exactly once (the damaged one, if any, at most
 * once), and every listed job answering every getter. */
static void survey(const char *list_path, const char *damaged_guid)
{
    IEnumBackgroundCopyJobs *list;
    IBackgroundCopyJob *job;
    unsigned int listed = 0, intact = 0, intact_count, expected = 0, once = 0, duplicates = 0, failed, i, k;
    GUID ids[256], *listed_ids = survey_ids, damaged = GUID_NULL;
    ULONGLONG start;
    char line[128], guid[40];
    FILE *f;
    HRESULT hr;

    if ((f = fopen(list_path, "r")))
    {
        while (expected < ARRAY_SIZE(ids) && fgets(line, sizeof(line), f))
        {
            line[strcspn(line, "\r\n")] = 0;
            if (guid_parse(line, &ids[expected])) expected++;
        }
        fclose(f);
    }
    ok(expected > 0, "no job in %s\n", list_path);
    if (damaged_guid) guid_parse(damaged_guid, &damaged);
    survey_count = 0;
    if (!activate()) return;
    start = GetTickCount64();
    hr = IBackgroundCopyManager_EnumJobs(manager, 0, &list);
    ok(hr == S_OK, "EnumJobs failed: %#lx\n", hr);
    if (FAILED(hr)) return;
    while ((hr = IEnumBackgroundCopyJobs_Next(list, 1, &job, NULL)) == S_OK)
    {
        GUID id = GUID_NULL;

        IBackgroundCopyJob_GetId(job, &id);
        for (k = 0; k < listed && k < ARRAY_SIZE(survey_ids); k++)
            if (IsEqualGUID(&listed_ids[k], &id)) break;
        if (k < listed && k < ARRAY_SIZE(survey_ids))
        {
            duplicates++;
            guid_text(&id, guid);
            printf("faults: job %s listed twice\n", guid);
        }
        if (listed < ARRAY_SIZE(survey_ids))
        {
            for (i = 0; i < expected; i++)
                if (IsEqualGUID(&ids[i], &id)) break;
            survey_full[survey_count] = i == expected || IsEqualGUID(&id, &damaged);
            listed_ids[listed] = id;
            survey_jobs[survey_count++] = job;
        }
        else IBackgroundCopyJob_Release(job);
        listed++;
    }
    IEnumBackgroundCopyJobs_Release(list);
    ok(SUCCEEDED(hr), "listing the jobs failed: %#lx\n", hr);
    /* One thread: a client of Wine 8 that made calls from several threads of
     * its implicit MTA at once crashed in combase now and then. */
    for (i = 0, failed = 0; i < survey_count; i++)
    {
        guid_text(&survey_ids[i], guid);
        failed += ask_everything(survey_jobs[i], guid, survey_full[i]);
        IBackgroundCopyJob_Release(survey_jobs[i]);
    }
    printf("faults: survey: %u jobs asked in %lu ms\n", listed, (unsigned long)(GetTickCount64() - start));
    for (i = 0, intact_count = 0; i < expected; i++)
    {
        for (k = 0, once = 0; k < listed && k < ARRAY_SIZE(survey_ids); k++)
            once += IsEqualGUID(&listed_ids[k], &ids[i]);
        /* The damaged job may be set aside, or kept when it still makes sense. */
        if (IsEqualGUID(&ids[i], &damaged) && once <= 1) continue;
        intact_count++;
        if (once == 1) intact++;
        else
        {
            guid_text(&ids[i], guid);
            printf("faults: job %s listed %u times\n", guid, once);
        }
    }
    printf("faults: survey: %u jobs listed, %u of %u intact jobs listed once, %u listed twice, %u getters failed\n",
           listed, intact, intact_count, duplicates, failed);
    ok(intact == intact_count, "only %u of %u intact jobs listed once\n", intact, intact_count);
    ok(!duplicates, "%u jobs listed twice\n", duplicates);
    ok(!failed, "%u getters failed\n", failed);
    IBackgroundCopyManager_Release(manager);
    manager = NULL;
    start = GetTickCount64();
    stop_service();
    printf("faults: survey: the service stopped in %lu ms\n", (unsigned long)(GetTickCount64() - start));
}

START_TEST(faultclient)
{
    char **argv;
    int argc = winetest_get_mainargs(&argv);
    const char *mode = argc > 2 ? argv[2] : "";

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!strcmp(mode, "churn") && argc > 6)
    {
        struct tally t;
        unsigned int lost;

        random_state = strtoul(argv[5], NULL, 10);
        read_log(argv[3]);
        if (activate() && open_log(argv[3]))
        {
            lost = check_all(&t);
            print_tally("check", &t, lost);
            churn(strtoul(argv[4], NULL, 10), strtoul(argv[6], NULL, 10));
        }
    }
    else if (!strcmp(mode, "check") && argc > 3) check_log(argv[3], argc > 4 && !strcmp(argv[4], "final"));
    else if (!strcmp(mode, "hold") && argc > 4) hold(argv[3], strtoul(argv[4], NULL, 10));
    else if (!strcmp(mode, "follow") && argc > 3) follow(argv[3]);
    else if (!strcmp(mode, "finish") && argc > 3) finish(argv[3]);
    else if (!strcmp(mode, "populate") && argc > 4) populate(strtoul(argv[3], NULL, 10), argv[4]);
    else if (!strcmp(mode, "survey") && argc > 3) survey(argv[3], argc > 4 ? argv[4] : NULL);
    else ok(0, "usage: faultclient churn LOG SECONDS SEED ROUND | check LOG [final] | hold STOPFILE SECONDS | "
               "follow GUID | finish GUID | populate COUNT LIST | survey LIST [DAMAGED]\n");
    /* The service may be dead: releasing its proxies would only time out. */
    CoUninitialize();
}
