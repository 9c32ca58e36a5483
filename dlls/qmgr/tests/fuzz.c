/*
 * A bounded random-call test of the BITS service: tens of thousands of
 * type-correct calls with random arguments on every interface the service
 * serves, through the proxy as a client makes them.  The service must
 * answer every call (a watchdog fails the test on a call without an answer
 * for WATCHDOG_MS), never die, answer each method with S_OK or one of the
 * codes documented for it, and keep its memory: after the calls (and the
 * cancelling of every job they made) the service's private bytes are
 * within MEMORY_MARGIN of what they were after a warm-up.  The calls are
 * made by child processes, whose connections and their threads in the
 * service are gone when the parent reads its memory.
 *
 * QMGR_FUZZ_SEED=N with QMGR_FUZZ_THREADS=T replays the calls of a run
 * (each thread's calls exactly; how the threads and transfers interleave
 * differs, so a replay comes close, and QMGR_FUZZ_THREADS=1 closest);
 * QMGR_FUZZ_CALLS=N and QMGR_FUZZ_WARMUP=N change how many calls are made,
 * and QMGR_FUZZ_OPS=MASK makes only the operations of the ops[] table
 * whose bits are set, to narrow a finding down.
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

#include "qmgr_test.h"
#include <time.h>
#include "psapi.h"
#include "tlhelp32.h"

/* 20,000 calls take 50 s on this project's 2-core machines when quiet,
 * twice that when loaded: most of a call's time is the wineserver round
 * trips of Wine's RPC and of the service's owner check. */
#define DEFAULT_CALLS  20000
#define WARMUP_CALLS   2000
#define WATCHDOG_MS    20000
/* What the service may keep after the calls: Wine's heap keeps the pages
 * of freed blocks, so its high-water mark of the calls in flight at once
 * (strings of 200 KB each) stays (measured after 20,000 calls from 4
 * threads: 1.5-2.5 MiB more heap, 50-110 KiB of it in use; 10 MiB with 8
 * threads and 40,000 calls), and a thread pool may keep a thread more, a
 * megabyte of stack.  A leak of 400 bytes a call shows above it. */
#define MEMORY_MARGIN  (8u << 20)
#define LONG_STRING    100000
#define LIVE_JOBS      8
#define DEAD_JOBS      4
#define POOL_SIZE      8
#define LOCAL_NAMES    32
#define MAX_THREADS    8
#define DEFAULT_THREADS 4

#define HR32(x) HRESULT_FROM_WIN32(x)
/* Ends the lists of allowed results. */
#define END_OF_LIST ((HRESULT)0x7fffffff)

static IBackgroundCopyManager *manager;
static WCHAR fuzz_dir[MAX_PATH], www_small[MAX_PATH];
static int http_port, https_port, fault_port, proxy_port;
static BYTE client_hash[20];
static BOOL have_client_hash;

struct fuzz_job
{
    IBackgroundCopyJob4 *job;
    IBackgroundCopyJobHttpOptions *http;
    GUID id;
    BG_JOB_TYPE type;
};

/* One thread's calls and what they hold.  The threads call at once, so
 * that the service also sees its methods race, and because a call mostly
 * waits for other processes, several make more calls in the same time. */
struct fuzzer
{
    UINT64 rng_state;
    char call_text[600];            /* the call being made, for the watchdog */
    LONG in_call, call_number;
    unsigned int calls_made, calls_failed, calls_to_make;
    unsigned int states_seen[BG_JOB_STATE_CANCELLED + 1];    /* by GetState, to show transfers ran */
    /* Jobs of ours that are alive, and some we cancelled or completed. */
    struct fuzz_job live[LIVE_JOBS], dead[DEAD_JOBS];
    unsigned int live_count, dead_count;
    IBackgroundCopyFile *files[POOL_SIZE];
    IEnumBackgroundCopyJobs *job_enums[POOL_SIZE];
    IEnumBackgroundCopyFiles *file_enums[POOL_SIZE];
    IBackgroundCopyError *errors[POOL_SIZE];
    IBackgroundCopyJob *foreign[POOL_SIZE];    /* from enumerators and GetJob: only read */
    IUnknown *next_items[1000];
    WCHAR string_buffers[12][LONG_STRING + 64];
    unsigned int next_buffer;
};

static struct fuzzer *fuzzers[MAX_THREADS];
static UINT64 op_mask = ~(UINT64)0;
static unsigned int thread_count;

/* --- the seeded generator (splitmix64) ----------------------------------- */

static UINT64 seed;
static char seed_text[32];

static UINT64 rand64(struct fuzzer *f)
{
    UINT64 z = (f->rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static ULONG rand_below(struct fuzzer *f, ULONG n)
{
    return n ? rand64(f) % n : 0;
}

static BOOL chance(struct fuzzer *f, ULONG percent)
{
    return rand_below(f, 100) < percent;
}

static ULONG rand_dword(struct fuzzer *f)
{
    static const ULONG special[] = { 0, 1, 2, 4, 5, 59, 60, 61, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };
    switch (rand_below(f, 3))
    {
    case 0: return special[rand_below(f, ARRAY_SIZE(special))];
    case 1: return rand_below(f, 100000);
    default: return (ULONG)rand64(f);
    }
}

static void rand_guid(struct fuzzer *f, GUID *guid)
{
    UINT64 a = rand64(f), b = rand64(f);
    memcpy(guid, &a, 8);
    memcpy((BYTE *)guid + 8, &b, 8);
}

/* --- the call being made, and the watchdog ------------------------------- */

static BOOL service_died;
static HANDLE watchdog_stop;

/* Fails the test, naming the call, when one thread's call gets no answer
 * in WATCHDOG_MS: the process ends there, as the call may never return. */
static DWORD WINAPI watchdog_main(void *arg)
{
    LONG seen[MAX_THREADS];
    ULONGLONG since[MAX_THREADS], now;
    unsigned int i;

    for (i = 0; i < thread_count; i++)
    {
        seen[i] = -1;
        since[i] = 0;
    }
    while (WaitForSingleObject(watchdog_stop, 500) == WAIT_TIMEOUT)
    {
        now = GetTickCount64();
        for (i = 0; i < thread_count; i++)
        {
            struct fuzzer *f = fuzzers[i];
            LONG number = ReadAcquire(&f->call_number);

            if (!ReadAcquire(&f->in_call) || number != seen[i])
            {
                seen[i] = number;
                since[i] = now;
                continue;
            }
            if (now - since[i] < WATCHDOG_MS) continue;
            ok(0, "thread %u call %ld, %s, got no answer in %u s (seed %s)\n", i, number, f->call_text,
               WATCHDOG_MS / 1000, seed_text);
            fflush(stdout);
            ExitProcess(1);
        }
    }
    return 0;
}

static void begin_call(struct fuzzer *f, const char *fmt, ...) __WINE_PRINTF_ATTR(2, 3);
static void begin_call(struct fuzzer *f, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vsnprintf(f->call_text, sizeof(f->call_text), fmt, args);
    va_end(args);
    InterlockedIncrement(&f->call_number);
    InterlockedExchange(&f->in_call, 1);
}

/* RPC's words for a server process that is gone. */
static BOOL service_gone(HRESULT hr)
{
    return hr == HR32(RPC_S_SERVER_UNAVAILABLE) || hr == HR32(RPC_S_CALL_FAILED) ||
           hr == HR32(RPC_S_CALL_FAILED_DNE) || hr == RPC_E_DISCONNECTED || hr == CO_E_OBJNOTCONNECTED ||
           hr == RPC_E_SERVER_DIED || hr == RPC_E_SERVER_DIED_DNE;
}

/* TRUE if hr is one of the results the method may give. */
static BOOL end_call_(struct fuzzer *f, HRESULT hr, const HRESULT *allowed)
{
    InterlockedExchange(&f->in_call, 0);
    f->calls_made++;
    if (service_gone(hr))
    {
        ok(0, "%s: %#lx, the service is gone (seed %s, call %ld of its thread)\n", f->call_text, hr, seed_text,
           f->call_number);
        service_died = TRUE;
        return FALSE;
    }
    for (; *allowed != END_OF_LIST; allowed++) if (hr == *allowed) return TRUE;
    f->calls_failed++;
    ok(0, "%s: unexpected %#lx (seed %s, call %ld of its thread)\n", f->call_text, hr, seed_text, f->call_number);
    return FALSE;
}

/* The proxy refuses to send an enum beyond 16 bits, as NDR has it: that
 * result for such a value (S_OK, allowed anyway, otherwise). */
static HRESULT ndr_enum(ULONG value)
{
    return value > 0x7fff ? HR32(RPC_X_ENUM_VALUE_OUT_OF_RANGE) : S_OK;
}

#define end_call(f, hr, ...) end_call_(f, hr, (const HRESULT[]){ __VA_ARGS__, END_OF_LIST })

/* A string for call_text: its length and its start. */
static const char *show(const WCHAR *s)
{
    size_t len;

    if (!s) return "NULL";
    len = wcslen(s);
    if (len <= 40) return wine_dbgstr_w(s);
    return wine_dbg_sprintf("[%Iu chars] %s...", len, wine_dbgstr_wn(s, 40));
}

/* --- arguments ---------------------------------------------------------- */

static WCHAR *new_buffer(struct fuzzer *f)
{
    return f->string_buffers[f->next_buffer++ % ARRAY_SIZE(f->string_buffers)];
}

/* Text with what clients get wrong: separators, escapes, line breaks,
 * quotes, percent signs, characters beyond ASCII and a lone surrogate. */
static void rand_text(struct fuzzer *f, WCHAR *s, size_t len)
{
    static const WCHAR odd[] = L" \\/:;=%\"'<>|*?&#\r\n\t,.-_~!@$^()[]{}\x00e9\x4e2d\xd800\xfffd\x0627";
    size_t i;

    for (i = 0; i < len; i++)
    {
        switch (rand_below(f, 4))
        {
        case 0: s[i] = odd[rand_below(f, ARRAY_SIZE(odd) - 1)]; break;
        case 1: s[i] = '0' + rand_below(f, 10); break;
        default: s[i] = 'a' + rand_below(f, 26); break;
        }
    }
    s[len] = 0;
}

/* Characters no host name has: a proxy or a host made of them is never
 * looked up in the DNS, so the test stays on this machine. */
static void rand_junk(struct fuzzer *f, WCHAR *s, size_t len)
{
    static const WCHAR junk[] = L"!;=: ,*<>|%";
    size_t i;

    for (i = 0; i < len; i++) s[i] = junk[rand_below(f, ARRAY_SIZE(junk) - 1)];
    s[len] = 0;
}

static size_t rand_length(struct fuzzer *f)
{
    static const size_t edges[] =
    {
        255, 256, 257, 259, 260, 261, 299, 300, 301, 1023, 1024, 1025, 2199, 2200, 2201, 3999, 4000, 4001,
        16382, 16383, 16384, 32766, 32767, 32768, 65535, 65536, 65537,
    };
    switch (rand_below(f, 10))
    {
    case 0: return 0;
    case 1: case 2: case 3: case 4: return 1 + rand_below(f, 16);
    case 5: case 6: return 17 + rand_below(f, 300);
    case 7: case 8: return edges[rand_below(f, ARRAY_SIZE(edges))];
    default: return LONG_STRING;
    }
}

/* NULL, empty, short, at a limit, or 100,000 characters long. */
static const WCHAR *rand_string(struct fuzzer *f)
{
    WCHAR *s;

    if (chance(f, 5)) return NULL;
    s = new_buffer(f);
    rand_text(f, s, rand_length(f));
    return s;
}

/* A long name starting with prefix, len characters in all. */
static const WCHAR *long_name(struct fuzzer *f, const WCHAR *prefix, size_t len)
{
    WCHAR *s = new_buffer(f);
    size_t n = wcslen(prefix);

    wcscpy(s, prefix);
    if (len > n) wfill(s + n, 'a', len - n);
    s[max(len, n)] = 0;
    return s;
}

/* Remote names of the servers of the test run, of closed ports, of local
 * files, and names no service may accept. */
static const WCHAR *rand_remote(struct fuzzer *f)
{
    static const WCHAR *const bad[] =
    {
        L"", L"http://", L"https:///x", L"http:///", L"ftp://127.0.0.1/x", L"http://!!!/x", L"http//127.0.0.1/x",
        L"small.bin", L"..\\small.bin", L"\\\\", L"\\\\?\\C:\\x", L"\\\\.\\pipe\\x", L"file://", L"C:", L"C:x",
        L"mailto:x", L"http://[::1]:1/x", L"HTTP://127.0.0.1:1/upper",
    };
    WCHAR *s;

    if (chance(f, 3)) return NULL;
    s = new_buffer(f);
    switch (rand_below(f, 16))
    {
    case 0: case 1: case 2:
        swprintf(s, MAX_PATH, L"http://127.0.0.1:%d/many/f%03u.bin", http_port, rand_below(f, 200));
        break;
    case 3:
        swprintf(s, MAX_PATH, L"http://127.0.0.1:%d/%s", http_port, chance(f, 50) ? L"small.bin" : L"1m.bin");
        break;
    case 4:
        swprintf(s, MAX_PATH, L"http://127.0.0.1:%d/missing/%u", http_port, rand_below(f, 1000));
        break;
    case 5:
        swprintf(s, MAX_PATH, L"https://localhost:%d/small.bin", https_port);
        break;
    case 6:
        swprintf(s, MAX_PATH, L"http://127.0.0.1:%d/data/%u", fault_port, rand_below(f, 3) * 4096 + rand_below(f, 2));
        break;
    case 7:
        swprintf(s, MAX_PATH, L"http://127.0.0.1:%d/reset/fuzz%hs-%u/65536?after=%u", fault_port,
                 seed_text, rand_below(f, 1u << 30), rand_below(f, 65536));
        break;
    case 8:
        swprintf(s, MAX_PATH, L"http://127.0.0.1:1/closed%u", rand_below(f, 100));
        break;
    case 9:
        wcscpy(s, www_small);
        break;
    case 10:
        swprintf(s, MAX_PATH, L"file:///%s", www_small);
        break;
    case 11:
        swprintf(s, MAX_PATH, L"\\\\127.0.0.1\\fuzz\\f%u", rand_below(f, 10));
        break;
    case 12:
        swprintf(s, 64, L"http://127.0.0.1:%d/", http_port);
        rand_text(f, s + wcslen(s), min(rand_length(f), LONG_STRING - 64));
        break;
    case 13:
        return bad[rand_below(f, ARRAY_SIZE(bad))];
    case 14:
        return long_name(f, chance(f, 50) ? L"http://127.0.0.1:1/" : L"\\\\127.0.0.1\\fuzz\\", rand_length(f));
    default:
        rand_text(f, s, rand_length(f));
        break;
    }
    return s;
}

/* Local names in the test's folder (never in the servers' documents, which
 * a completed download would replace), in missing folders, and names no
 * service may accept. */
static const WCHAR *rand_local(struct fuzzer *f, BG_JOB_TYPE type)
{
    static const WCHAR *const bad[] =
    {
        L"", L"f1", L"..\\f1", L"C:", L"C:f1", L"\\f1", L"\\\\", L"\\\\?\\C:\\f1", L"CON", L"C:\\qmgr_fuzz_missing\\",
    };
    size_t n;
    WCHAR *s;

    if (chance(f, 3)) return NULL;
    s = new_buffer(f);
    switch (rand_below(f, 13))
    {
    case 0: case 1: case 2: case 3: case 4: case 5:
        /* An upload reads its file: the servers' are there to read (not
         * for an upload-reply, whose reply may be written beside it). */
        if (type == BG_JOB_TYPE_UPLOAD && chance(f, 50)) wcscpy(s, www_small);
        else swprintf(s, MAX_PATH, L"%s\\f%u.bin", fuzz_dir, rand_below(f, LOCAL_NAMES));
        break;
    case 6:
        swprintf(s, MAX_PATH, L"C:\\qmgr_fuzz_missing\\f%u", rand_below(f, 10));
        break;
    case 7:
        swprintf(s, MAX_PATH, L"%s\\%s", fuzz_dir, chance(f, 50) ? L"*.bin" : L"f<1>");
        break;
    case 8:
        return bad[rand_below(f, ARRAY_SIZE(bad))];
    case 9:
        swprintf(s, MAX_PATH, L"%s\\", fuzz_dir);
        return long_name(f, s, rand_length(f));
    case 10:
        swprintf(s, MAX_PATH, L"\\\\127.0.0.1\\fuzz\\f%u", rand_below(f, 10));
        break;
    case 11:
        /* Odd characters in a name of the test's folder, never a separator:
         * what the service accepts must also be a name it can rename to. */
        swprintf(s, MAX_PATH, L"%s\\", fuzz_dir);
        n = wcslen(s);
        rand_text(f, s + n, 1 + rand_below(f, 20));
        for (; s[n]; n++) if (s[n] == '\\' || s[n] == '/') s[n] = '_';
        break;
    default:
        rand_text(f, s, rand_length(f));
        /* Never a drive's own folders, however unlikely: Z: is the root. */
        if (s[0] && s[1] == ':') s[1] = '_';
        break;
    }
    return s;
}

/* --- the callback the service calls back --------------------------------- */

static LONG callback_calls;

static HRESULT WINAPI callback_QueryInterface(IBackgroundCopyCallback2 *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback) ||
        IsEqualGUID(riid, &IID_IBackgroundCopyCallback2))
    {
        *obj = iface;
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

/* Static objects: the service may hold them as long as it likes. */
static ULONG WINAPI callback_AddRef(IBackgroundCopyCallback2 *iface)
{
    return 2;
}

static ULONG WINAPI callback_Release(IBackgroundCopyCallback2 *iface)
{
    return 1;
}

/* Every third call fails, so that the service also takes its paths for a
 * client that refuses a notification. */
static HRESULT callback_answer(void)
{
    return InterlockedIncrement(&callback_calls) % 3 ? S_OK : E_FAIL;
}

static HRESULT WINAPI callback_JobTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job)
{
    return callback_answer();
}

static HRESULT WINAPI callback_JobError(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                        IBackgroundCopyError *error)
{
    return callback_answer();
}

static HRESULT WINAPI callback_JobModification(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                               DWORD reserved)
{
    return callback_answer();
}

static HRESULT WINAPI callback_FileTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                               IBackgroundCopyFile *file)
{
    return callback_answer();
}

static const IBackgroundCopyCallback2Vtbl callback_vtbl =
{
    callback_QueryInterface,
    callback_AddRef,
    callback_Release,
    callback_JobTransferred,
    callback_JobError,
    callback_JobModification,
    callback_FileTransferred,
};

static IBackgroundCopyCallback2 callback = { &callback_vtbl };

/* An object that is no callback: SetNotifyInterface refuses it. */
static HRESULT WINAPI plain_QueryInterface(IUnknown *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown))
    {
        *obj = iface;
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI plain_AddRef(IUnknown *iface)
{
    return 2;
}

static ULONG WINAPI plain_Release(IUnknown *iface)
{
    return 1;
}

static const IUnknownVtbl plain_vtbl = { plain_QueryInterface, plain_AddRef, plain_Release };
static IUnknown plain = { &plain_vtbl };

/* --- what the fuzzer holds ---------------------------------------------- */

/* Keeps obj in a pool of interfaces, releasing a random one if it is full. */
static void pool_put(struct fuzzer *f, IUnknown **pool, IUnknown *obj)
{
    unsigned int i, slot = rand_below(f, POOL_SIZE);

    for (i = 0; i < POOL_SIZE; i++) if (!pool[i]) slot = i;
    if (pool[slot]) IUnknown_Release(pool[slot]);
    pool[slot] = obj;
}

static IUnknown *pool_pick(struct fuzzer *f, IUnknown **pool)
{
    return pool[rand_below(f, POOL_SIZE)];
}

static void pool_clear(struct fuzzer *f, IUnknown **pool)
{
    unsigned int i;

    for (i = 0; i < POOL_SIZE; i++)
    {
        if (pool[i]) IUnknown_Release(pool[i]);
        pool[i] = NULL;
    }
}

#define POOL_PUT(pool, obj) pool_put(f, (IUnknown **)(pool), (IUnknown *)(obj))
#define POOL_PICK(pool) ((void *)pool_pick(f, (IUnknown **)(pool)))
#define POOL_CLEAR(pool) pool_clear(f, (IUnknown **)(pool))

static void fuzz_job_release(struct fuzz_job *j)
{
    if (j->http) IBackgroundCopyJobHttpOptions_Release(j->http);
    IBackgroundCopyJob4_Release(j->job);
    memset(j, 0, sizeof(*j));
}

/* A live job became final (Cancel, Complete): it stays a while to be called. */
static void bury(struct fuzzer *f, unsigned int index)
{
    unsigned int slot = f->dead_count < DEAD_JOBS ? f->dead_count++ : rand_below(f, DEAD_JOBS);

    if (f->dead[slot].job) fuzz_job_release(&f->dead[slot]);
    f->dead[slot] = f->live[index];
    f->live[index] = f->live[--f->live_count];
    memset(&f->live[f->live_count], 0, sizeof(f->live[f->live_count]));
}

static const char *job_name(struct fuzzer *f, const struct fuzz_job *j)
{
    return wine_dbg_sprintf("%s job %s", j >= f->live && j < f->live + LIVE_JOBS ? "live" : "dead",
                            wine_dbgstr_guid(&j->id));
}

static void cancel_live(struct fuzzer *f, unsigned int index)
{
    struct fuzz_job *j = &f->live[index];
    HRESULT hr;

    begin_call(f, "%s Cancel", job_name(f, j));
    hr = IBackgroundCopyJob4_Cancel(j->job);
    end_call(f, hr, S_OK, BG_S_UNABLE_TO_DELETE_FILES);
    bury(f, index);
}

/* --- IBackgroundCopyManager --------------------------------------------- */

static void op_create_job(struct fuzzer *f)
{
    static const BG_JOB_TYPE types[] = { BG_JOB_TYPE_DOWNLOAD, BG_JOB_TYPE_DOWNLOAD, BG_JOB_TYPE_DOWNLOAD,
                                         BG_JOB_TYPE_UPLOAD, BG_JOB_TYPE_UPLOAD_REPLY, 3, -1 };
    BG_JOB_TYPE type = types[rand_below(f, ARRAY_SIZE(types))];
    const WCHAR *name = rand_string(f);
    IBackgroundCopyJob *job = NULL;
    struct fuzz_job *j;
    GUID id;
    HRESULT hr;

    if (f->live_count == LIVE_JOBS) cancel_live(f, rand_below(f, LIVE_JOBS));
    if (service_died) return;
    begin_call(f, "CreateJob(%s, %d)", show(name), type);
    hr = IBackgroundCopyManager_CreateJob(manager, name, type, &id, &job);
    if (!end_call(f, hr, S_OK, E_INVALIDARG, ndr_enum(type)) || hr != S_OK)
    {
        ok(!job, "%s: job %p on failure\n", f->call_text, job);
        return;
    }
    ok(type <= BG_JOB_TYPE_UPLOAD_REPLY && name && wcslen(name) <= 256, "%s succeeded\n", f->call_text);
    j = &f->live[f->live_count++];
    j->id = id;
    j->type = type;
    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob4, (void **)&j->job);
    ok(hr == S_OK, "QueryInterface(IBackgroundCopyJob4): %#lx\n", hr);
    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions, (void **)&j->http);
    ok(hr == S_OK, "QueryInterface(IBackgroundCopyJobHttpOptions): %#lx\n", hr);
    IBackgroundCopyJob_Release(job);
    if (!j->job || !j->http)
    {
        if (j->job) IBackgroundCopyJob4_Release(j->job);
        if (j->http) IBackgroundCopyJobHttpOptions_Release(j->http);
        f->live_count--;
    }
}

static void op_get_job(struct fuzzer *f)
{
    IBackgroundCopyJob *job = (void *)0xdeadbeef;
    BOOL alive = FALSE;
    GUID id, got;
    HRESULT hr;

    switch (rand_below(f, 3))
    {
    case 0:
        if (!f->live_count) return;
        id = f->live[rand_below(f, f->live_count)].id;
        alive = TRUE;
        break;
    case 1:
        if (!f->dead_count) return;
        id = f->dead[rand_below(f, f->dead_count)].id;
        break;
    default:
        rand_guid(f, &id);
        if (chance(f, 10)) memset(&id, 0, sizeof(id));
        break;
    }
    begin_call(f, "GetJob(%s)", wine_dbgstr_guid(&id));
    hr = IBackgroundCopyManager_GetJob(manager, &id, &job);
    if (!end_call(f, hr, S_OK, BG_E_NOT_FOUND)) return;
    ok(hr == (alive ? S_OK : BG_E_NOT_FOUND), "%s: %#lx for a job %s\n", f->call_text, hr, alive ? "alive" : "gone");
    if (hr != S_OK) return;
    begin_call(f, "GetJob(%s) then GetId", wine_dbgstr_guid(&id));
    hr = IBackgroundCopyJob_GetId(job, &got);
    if (end_call(f, hr, S_OK)) ok(IsEqualGUID(&got, &id), "GetId %s\n", wine_dbgstr_guid(&got));
    POOL_PUT(f->foreign, job);
}

static void op_enum_jobs(struct fuzzer *f)
{
    static const DWORD flags[] = { 0, 0, 0, BG_JOB_ENUM_ALL_USERS, 2, 0x80000000, 0xffffffff };
    DWORD flag = flags[rand_below(f, ARRAY_SIZE(flags))];
    IEnumBackgroundCopyJobs *e = NULL;
    HRESULT hr;

    begin_call(f, "EnumJobs(%#lx)", flag);
    hr = IBackgroundCopyManager_EnumJobs(manager, flag, &e);
    if (!end_call(f, hr, S_OK, E_INVALIDARG, E_ACCESSDENIED)) return;
    ok((hr == S_OK) == !(flag & ~BG_JOB_ENUM_ALL_USERS), "%s: %#lx\n", f->call_text, hr);
    if (hr == S_OK) POOL_PUT(f->job_enums, e);
}

static void op_error_description(struct fuzzer *f)
{
    static const DWORD langs[] = { 0, 0x409, 0x809, 0x407, 0x40c, 0x411, 0x400, 0x800, 0xffff, 0x10409 };
    static const HRESULT codes[] =
    {
        S_OK, S_FALSE, E_FAIL, E_INVALIDARG, BG_E_NOT_FOUND, BG_E_INVALID_STATE, BG_E_HTTP_ERROR_404,
        BG_E_ERROR_CONTEXT_REMOTE_FILE, 0x80190000, 0x80190064, 0x801902ff, 0x8019ffff, 0x8020ff01, 0x8020ff05,
        0x8020ffff, 0x80070000, 0x8007ffff, ERROR_FILE_NOT_FOUND, 0xffff, 0x10000, 0x80000000, 0xffffffff,
    };
    HRESULT code = chance(f, 50) ? codes[rand_below(f, ARRAY_SIZE(codes))] : (HRESULT)rand64(f);
    DWORD lang = chance(f, 80) ? langs[rand_below(f, ARRAY_SIZE(langs))] : rand_dword(f);
    WCHAR *text = (WCHAR *)0xdeadbeef;
    HRESULT hr;

    begin_call(f, "GetErrorDescription(%#lx, %#lx)", code, lang);
    hr = IBackgroundCopyManager_GetErrorDescription(manager, code, lang, &text);
    if (!end_call(f, hr, S_OK, HR32(ERROR_MR_MID_NOT_FOUND), HR32(ERROR_RESOURCE_LANG_NOT_FOUND),
                  HR32(ERROR_RESOURCE_TYPE_NOT_FOUND), HR32(ERROR_INVALID_PARAMETER)))
        return;
    if (hr == S_OK) ok(text && *text, "%s: text %p\n", f->call_text, text);
    else ok(!text, "%s: text %p on failure\n", f->call_text, text);
    if (hr == S_OK) CoTaskMemFree(text);
}

/* --- IBackgroundCopyJob .. IBackgroundCopyJob4 -------------------------- */

/* A job of ours, alive mostly, sometimes one that is gone; NULL if none. */
static struct fuzz_job *pick_job(struct fuzzer *f)
{
    if (f->dead_count && (!f->live_count || chance(f, 10))) return &f->dead[rand_below(f, f->dead_count)];
    if (!f->live_count) return NULL;
    return &f->live[rand_below(f, f->live_count)];
}

static BOOL is_dead(struct fuzzer *f, const struct fuzz_job *j)
{
    return j >= f->dead && j < f->dead + DEAD_JOBS;
}

/* The common refusals of a setter: arguments, or a job that is gone. */
#define SET_ERRORS E_INVALIDARG, BG_E_INVALID_STATE

static void check_state_refusal(struct fuzzer *f, const struct fuzz_job *j, HRESULT hr)
{
    if (is_dead(f, j)) ok(hr != S_OK, "%s succeeded on a job that is gone\n", f->call_text);
}

static void op_add_file(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    const WCHAR *remote, *local;
    HRESULT hr;

    if (!j) return;
    if (chance(f, 40))
    {
        /* A file that transfers, so that jobs run too. */
        WCHAR *s = new_buffer(f), *l = new_buffer(f);
        swprintf(s, MAX_PATH, L"http://127.0.0.1:%d/many/f%03u.bin", http_port, rand_below(f, 200));
        swprintf(l, MAX_PATH, L"%s\\f%u.bin", fuzz_dir, rand_below(f, LOCAL_NAMES));
        remote = s;
        local = j->type == BG_JOB_TYPE_DOWNLOAD ? l : www_small;
    }
    else
    {
        remote = rand_remote(f);
        local = rand_local(f, j->type);
    }
    begin_call(f, "%s AddFile(%s, %s)", job_name(f, j), show(remote), show(local));
    hr = IBackgroundCopyJob4_AddFile(j->job, remote, local);
    end_call(f, hr, S_OK, SET_ERRORS, BG_E_TOO_MANY_FILES, BG_E_TOO_MANY_FILES_IN_JOB);
    check_state_refusal(f, j, hr);
}

static void op_add_file_set(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    BG_FILE_INFO infos[5];
    ULONG count = rand_below(f, ARRAY_SIZE(infos) + 1), i;
    HRESULT hr;

    if (!j) return;
    for (i = 0; i < count; i++)
    {
        infos[i].RemoteName = (WCHAR *)rand_remote(f);
        infos[i].LocalName = (WCHAR *)rand_local(f, j->type);
    }
    begin_call(f, "%s AddFileSet(%lu, %s -> %s ...)", job_name(f, j), count, count ? show(infos[0].RemoteName) : "",
               count ? show(infos[0].LocalName) : "");
    hr = IBackgroundCopyJob4_AddFileSet(j->job, count, infos);
    end_call(f, hr, S_OK, SET_ERRORS, BG_E_TOO_MANY_FILES, BG_E_TOO_MANY_FILES_IN_JOB);
}

static void rand_ranges(struct fuzzer *f, BG_FILE_RANGE *ranges, DWORD count)
{
    static const UINT64 edges[] = { 0, 1, 4095, 4096, 65535, 0x7fffffffffffffffull, 0xfffffffffffffffeull,
                                    BG_LENGTH_TO_EOF };
    DWORD i;

    for (i = 0; i < count; i++)
    {
        ranges[i].InitialOffset = chance(f, 20) ? edges[rand_below(f, ARRAY_SIZE(edges))] : rand_below(f, 8192);
        ranges[i].Length = chance(f, 20) ? edges[rand_below(f, ARRAY_SIZE(edges))] : 1 + rand_below(f, 1024);
        /* Overlapping on purpose, now and then. */
        if (i && chance(f, 10)) ranges[i].InitialOffset = ranges[i - 1].InitialOffset;
    }
}

static void op_add_file_with_ranges(struct fuzzer *f)
{
    BG_FILE_RANGE ranges[502];
    static const DWORD counts[] = { 0, 1, 2, 3, 5, 500, 501, 502 };
    struct fuzz_job *j = pick_job(f);
    DWORD count = chance(f, 90) ? 1 + rand_below(f, 5) : counts[rand_below(f, ARRAY_SIZE(counts))];
    const WCHAR *remote, *local;
    WCHAR *url;
    HRESULT hr;

    if (!j) return;
    if (chance(f, 70))
    {
        url = new_buffer(f);
        swprintf(url, MAX_PATH, L"http://127.0.0.1:%d/%s", chance(f, 50) ? http_port : fault_port,
                 chance(f, 50) ? L"small.bin" : L"data/65536");
        remote = url;
    }
    else remote = rand_remote(f);
    local = rand_local(f, j->type);
    rand_ranges(f, ranges, count);
    begin_call(f, "%s AddFileWithRanges(%s, %s, %lu, {%s+%s...})", job_name(f, j), show(remote), show(local), count,
               wine_dbgstr_longlong(ranges[0].InitialOffset), wine_dbgstr_longlong(ranges[0].Length));
    hr = IBackgroundCopyJob3_AddFileWithRanges((IBackgroundCopyJob3 *)j->job, remote, local, count, ranges);
    end_call(f, hr, S_OK, SET_ERRORS, E_NOTIMPL, BG_E_INVALID_RANGE, BG_E_OVERLAPPING_RANGES,
             BG_E_TOO_MANY_RANGES_IN_FILE, BG_E_TOO_MANY_FILES, BG_E_TOO_MANY_FILES_IN_JOB);
    if (hr == S_OK) ok(j->type == BG_JOB_TYPE_DOWNLOAD, "%s succeeded on an upload\n", f->call_text);
}

static void op_enum_files(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    IEnumBackgroundCopyFiles *e = NULL;
    HRESULT hr;

    if (!j) return;
    begin_call(f, "%s EnumFiles", job_name(f, j));
    hr = IBackgroundCopyJob4_EnumFiles(j->job, &e);
    if (end_call(f, hr, S_OK) && e) POOL_PUT(f->file_enums, e);
}

static void op_suspend(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    HRESULT hr;

    if (!j) return;
    begin_call(f, "%s Suspend", job_name(f, j));
    hr = IBackgroundCopyJob4_Suspend(j->job);
    end_call(f, hr, S_OK, BG_E_INVALID_STATE);
    check_state_refusal(f, j, hr);
}

static void op_resume(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    HRESULT hr;

    if (!j) return;
    begin_call(f, "%s Resume", job_name(f, j));
    hr = IBackgroundCopyJob4_Resume(j->job);
    end_call(f, hr, S_OK, BG_E_INVALID_STATE, BG_E_EMPTY);
    check_state_refusal(f, j, hr);
}

static void op_cancel(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    HRESULT hr;

    if (!j) return;
    if (!is_dead(f, j))
    {
        cancel_live(f, j - f->live);
        return;
    }
    begin_call(f, "%s Cancel", job_name(f, j));
    hr = IBackgroundCopyJob4_Cancel(j->job);
    end_call(f, hr, BG_E_INVALID_STATE);
}

static void op_complete(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    HRESULT hr;

    if (!j) return;
    begin_call(f, "%s Complete", job_name(f, j));
    hr = IBackgroundCopyJob4_Complete(j->job);
    /* A file that cannot be moved to its name fails the call, as the rename does. */
    end_call(f, hr, S_OK, BG_S_PARTIAL_COMPLETE, BG_S_UNABLE_TO_DELETE_FILES, BG_E_INVALID_STATE,
             HR32(ERROR_PATH_NOT_FOUND), HR32(ERROR_FILE_NOT_FOUND), HR32(ERROR_ACCESS_DENIED),
             HR32(ERROR_SHARING_VIOLATION), HR32(ERROR_BAD_NETPATH));
    check_state_refusal(f, j, hr);
    if (SUCCEEDED(hr) && !is_dead(f, j)) bury(f, j - f->live);
}

static void op_job_getters(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    BG_JOB_PROGRESS progress;
    BG_JOB_TIMES times;
    BG_JOB_STATE state;
    BG_JOB_TYPE type;
    IBackgroundCopyError *error;
    ULONG value;
    BOOL elevated;
    WCHAR *text;
    GUID id;
    HRESULT hr;

    if (!j) return;
    switch (rand_below(f, 9))
    {
    case 0:
        begin_call(f, "%s GetId", job_name(f, j));
        hr = IBackgroundCopyJob4_GetId(j->job, &id);
        if (end_call(f, hr, S_OK)) ok(IsEqualGUID(&id, &j->id), "%s: %s\n", f->call_text, wine_dbgstr_guid(&id));
        break;
    case 1:
        begin_call(f, "%s GetType", job_name(f, j));
        hr = IBackgroundCopyJob4_GetType(j->job, &type);
        if (end_call(f, hr, S_OK)) ok(type == j->type, "%s: %d\n", f->call_text, type);
        break;
    case 2:
        begin_call(f, "%s GetProgress", job_name(f, j));
        hr = IBackgroundCopyJob4_GetProgress(j->job, &progress);
        if (end_call(f, hr, S_OK))
            ok(progress.FilesTransferred <= progress.FilesTotal, "%s: %lu of %lu files\n", f->call_text,
               progress.FilesTransferred, progress.FilesTotal);
        break;
    case 3:
        begin_call(f, "%s GetTimes", job_name(f, j));
        hr = IBackgroundCopyJob4_GetTimes(j->job, &times);
        end_call(f, hr, S_OK);
        break;
    case 4:
        begin_call(f, "%s GetState", job_name(f, j));
        hr = IBackgroundCopyJob4_GetState(j->job, &state);
        if (end_call(f, hr, S_OK))
        {
            ok(is_dead(f, j) ? state == BG_JOB_STATE_CANCELLED || state == BG_JOB_STATE_ACKNOWLEDGED
                          : state < BG_JOB_STATE_ACKNOWLEDGED, "%s: state %d\n", f->call_text, state);
            if ((unsigned int)state <= BG_JOB_STATE_CANCELLED) f->states_seen[state]++;
        }
        break;
    case 5:
        error = NULL;
        begin_call(f, "%s GetError", job_name(f, j));
        hr = IBackgroundCopyJob4_GetError(j->job, &error);
        if (end_call(f, hr, S_OK, BG_E_ERROR_INFORMATION_UNAVAILABLE) && hr == S_OK) POOL_PUT(f->errors, error);
        break;
    case 6:
        text = NULL;
        begin_call(f, "%s GetOwner", job_name(f, j));
        hr = IBackgroundCopyJob4_GetOwner(j->job, &text);
        if (end_call(f, hr, S_OK)) ok(text && !wcsncmp(text, L"S-1-", 4), "%s: %s\n", f->call_text, wine_dbgstr_w(text));
        CoTaskMemFree(text);
        break;
    case 7:
        begin_call(f, "%s GetErrorCount", job_name(f, j));
        hr = IBackgroundCopyJob4_GetErrorCount(j->job, &value);
        end_call(f, hr, S_OK);
        break;
    default:
        begin_call(f, "%s GetOwnerIntegrityLevel/ElevationState", job_name(f, j));
        hr = IBackgroundCopyJob4_GetOwnerIntegrityLevel(j->job, &value);
        if (end_call(f, hr, S_OK)) ok(value && value <= SECURITY_MANDATORY_SYSTEM_RID, "%s: %#lx\n", f->call_text, value);
        begin_call(f, "%s GetOwnerElevationState", job_name(f, j));
        hr = IBackgroundCopyJob4_GetOwnerElevationState(j->job, &elevated);
        end_call(f, hr, S_OK);
        break;
    }
}

/* SetDisplayName or SetDescription, read back when accepted. */
static void op_job_strings(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    BOOL name = chance(f, 50);
    const WCHAR *value = rand_string(f);
    size_t max = name ? 256 : 1024;
    WCHAR *got = NULL;
    HRESULT hr;

    if (!j) return;
    begin_call(f, "%s Set%s(%s)", job_name(f, j), name ? "DisplayName" : "Description", show(value));
    hr = name ? IBackgroundCopyJob4_SetDisplayName(j->job, value) : IBackgroundCopyJob4_SetDescription(j->job, value);
    if (!end_call(f, hr, S_OK, SET_ERRORS, BG_E_STRING_TOO_LONG)) return;
    check_state_refusal(f, j, hr);
    if (hr == S_OK) ok(value && wcslen(value) <= max, "%s succeeded\n", f->call_text);
    else if (!is_dead(f, j) && value) ok(wcslen(value) > max, "%s: %#lx\n", f->call_text, hr);
    if (!chance(f, 40)) return;
    begin_call(f, "%s Get%s", job_name(f, j), name ? "DisplayName" : "Description");
    hr = name ? IBackgroundCopyJob4_GetDisplayName(j->job, &got) : IBackgroundCopyJob4_GetDescription(j->job, &got);
    if (end_call(f, hr, S_OK))
    {
        ok(got != NULL, "%s: NULL\n", f->call_text);
        if (got && value && wcslen(value) <= max && !is_dead(f, j))
            ok(!wcscmp(got, value), "%s: %s after setting %s\n", f->call_text, show(got), show(value));
    }
    CoTaskMemFree(got);
}

enum value_kind { PRIORITY, NOTIFY_FLAGS, RETRY_DELAY, NO_PROGRESS, MAX_TIME, ACL_FLAGS, PEER_FLAGS, SECURITY };

/* The DWORD setters, read back when accepted. */
static void op_job_values(struct fuzzer *f)
{
    static const char *const names[] =
    {
        "Priority", "NotifyFlags", "MinimumRetryDelay", "NoProgressTimeout", "MaximumDownloadTime",
        "FileACLFlags", "PeerCachingFlags", "SecurityFlags",
    };
    struct fuzz_job *j = pick_job(f);
    enum value_kind kind = rand_below(f, ARRAY_SIZE(names));
    ULONG value, got = 0xdeadbeef;
    HRESULT hr, set;

    if (!j) return;
    switch (kind)
    {
    case PRIORITY: value = chance(f, 80) ? rand_below(f, 5) : rand_dword(f); break;
    case NOTIFY_FLAGS: value = chance(f, 80) ? rand_below(f, 0x20) : rand_dword(f); break;
    case ACL_FLAGS: value = chance(f, 80) ? rand_below(f, 0x11) : rand_dword(f); break;
    case PEER_FLAGS: value = chance(f, 80) ? rand_below(f, 9) : rand_dword(f); break;
    case SECURITY: value = chance(f, 80) ? rand_below(f, 0x20) | (rand_below(f, 4) << 8) | (rand_below(f, 2) << 11)
                                      : rand_dword(f); break;
    default: value = rand_dword(f); break;
    }
    begin_call(f, "%s Set%s(%#lx)", job_name(f, j), names[kind], value);
    switch (kind)
    {
    case PRIORITY: hr = IBackgroundCopyJob4_SetPriority(j->job, value); break;
    case NOTIFY_FLAGS: hr = IBackgroundCopyJob4_SetNotifyFlags(j->job, value); break;
    case RETRY_DELAY: hr = IBackgroundCopyJob4_SetMinimumRetryDelay(j->job, value); break;
    case NO_PROGRESS: hr = IBackgroundCopyJob4_SetNoProgressTimeout(j->job, value); break;
    case MAX_TIME: hr = IBackgroundCopyJob4_SetMaximumDownloadTime(j->job, value); break;
    case ACL_FLAGS: hr = IBackgroundCopyJob4_SetFileACLFlags(j->job, value); break;
    case PEER_FLAGS: hr = IBackgroundCopyJob4_SetPeerCachingFlags(j->job, value); break;
    default: hr = IBackgroundCopyJobHttpOptions_SetSecurityFlags(j->http, value); break;
    }
    if (!end_call(f, hr, S_OK, SET_ERRORS, E_NOTIMPL, kind == PRIORITY ? ndr_enum(value) : S_OK)) return;
    check_state_refusal(f, j, hr);
    set = hr;

    begin_call(f, "%s Get%s", job_name(f, j), names[kind]);
    switch (kind)
    {
    case PRIORITY: hr = IBackgroundCopyJob4_GetPriority(j->job, (BG_JOB_PRIORITY *)&got); break;
    case NOTIFY_FLAGS: hr = IBackgroundCopyJob4_GetNotifyFlags(j->job, &got); break;
    case RETRY_DELAY: hr = IBackgroundCopyJob4_GetMinimumRetryDelay(j->job, &got); break;
    case NO_PROGRESS: hr = IBackgroundCopyJob4_GetNoProgressTimeout(j->job, &got); break;
    case MAX_TIME: hr = IBackgroundCopyJob4_GetMaximumDownloadTime(j->job, &got); break;
    case ACL_FLAGS: hr = IBackgroundCopyJob4_GetFileACLFlags(j->job, &got); break;
    case PEER_FLAGS: hr = IBackgroundCopyJob4_GetPeerCachingFlags(j->job, &got); break;
    default: hr = IBackgroundCopyJobHttpOptions_GetSecurityFlags(j->http, &got); break;
    }
    if (!end_call(f, hr, S_OK)) return;
    /* The retry delay has a floor; the others read back as set. */
    if (kind != RETRY_DELAY && set == S_OK) ok(got == value, "%s: %#lx after setting %#lx\n", f->call_text, got, value);
}

static void op_notify_interface(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    IUnknown *unk, *got = NULL;
    HRESULT hr;

    if (!j) return;
    switch (rand_below(f, 3))
    {
    case 0: unk = NULL; break;
    case 1: unk = (IUnknown *)&callback; break;
    default: unk = &plain; break;
    }
    begin_call(f, "%s SetNotifyInterface(%s)", job_name(f, j), !unk ? "NULL" : unk == &plain ? "no callback" : "callback");
    hr = IBackgroundCopyJob4_SetNotifyInterface(j->job, unk);
    if (!end_call(f, hr, S_OK, SET_ERRORS)) return;
    if (unk == &plain) ok(hr == E_INVALIDARG, "%s: %#lx\n", f->call_text, hr);
    check_state_refusal(f, j, hr);
    if (!chance(f, 30)) return;
    begin_call(f, "%s GetNotifyInterface", job_name(f, j));
    hr = IBackgroundCopyJob4_GetNotifyInterface(j->job, &got);
    end_call(f, hr, S_OK);
    if (got) IUnknown_Release(got);
}

static void op_proxy(struct fuzzer *f)
{
    static const WCHAR *const lists[] =
    {
        L"", L"127.0.0.1:1", L"http=127.0.0.1:1;https=127.0.0.1:1", L"127.0.0.1:1 127.0.0.1:2", L";;;", L"=",
        L"http://127.0.0.1:1", L"<local>",
    };
    struct fuzz_job *j = pick_job(f);
    BG_JOB_PROXY_USAGE usage = chance(f, 90) ? rand_below(f, 5) : rand_dword(f);
    const WCHAR *list, *bypass;
    WCHAR *s, *got_list = NULL, *got_bypass = NULL;
    HRESULT hr;

    if (!j) return;
    switch (rand_below(f, 5))
    {
    case 0: list = NULL; break;
    case 1: list = lists[rand_below(f, ARRAY_SIZE(lists))]; break;
    case 2:
        s = new_buffer(f);
        swprintf(s, MAX_PATH, L"127.0.0.1:%d", proxy_port);
        list = s;
        break;
    default:
        s = new_buffer(f);
        rand_junk(f, s, rand_length(f));
        list = s;
        break;
    }
    bypass = chance(f, 30) ? NULL : rand_string(f);
    begin_call(f, "%s SetProxySettings(%d, %s, %s)", job_name(f, j), usage, show(list), show(bypass));
    hr = IBackgroundCopyJob4_SetProxySettings(j->job, usage, list, bypass);
    if (!end_call(f, hr, S_OK, SET_ERRORS, E_NOTIMPL, BG_E_PROXY_LIST_TOO_LARGE, BG_E_PROXY_BYPASS_LIST_TOO_LARGE,
                  ndr_enum(usage)))
        return;
    check_state_refusal(f, j, hr);
    if (hr == S_OK) ok(usage <= BG_JOB_PROXY_USAGE_AUTODETECT, "%s succeeded\n", f->call_text);
    if (!chance(f, 30)) return;
    begin_call(f, "%s GetProxySettings", job_name(f, j));
    hr = IBackgroundCopyJob4_GetProxySettings(j->job, &usage, &got_list, &got_bypass);
    end_call(f, hr, S_OK);
    CoTaskMemFree(got_list);
    CoTaskMemFree(got_bypass);
}

static void op_take_ownership(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    HRESULT hr;

    if (!j) return;
    begin_call(f, "%s TakeOwnership", job_name(f, j));
    hr = IBackgroundCopyJob4_TakeOwnership(j->job);
    end_call(f, hr, S_OK, BG_E_INVALID_STATE, E_ACCESSDENIED);
    check_state_refusal(f, j, hr);
}

static void op_notify_cmdline(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    const WCHAR *program, *parameters;
    WCHAR *got_program = NULL, *got_parameters = NULL, *s;
    HRESULT hr;

    if (!j) return;
    /* Never a program that exists: the service would start it. */
    switch (rand_below(f, 4))
    {
    case 0: program = NULL; break;
    case 1: program = L"C:\\qmgr_fuzz_missing\\notify.exe"; break;
    case 2:
        s = new_buffer(f);
        wcscpy(s, L"C:\\qmgr_fuzz_missing\\");
        rand_text(f, s + wcslen(s), rand_length(f));
        program = s;
        break;
    default: program = long_name(f, L"C:\\qmgr_fuzz_missing\\", rand_length(f)); break;
    }
    parameters = rand_string(f);
    begin_call(f, "%s SetNotifyCmdLine(%s, %s)", job_name(f, j), show(program), show(parameters));
    hr = IBackgroundCopyJob2_SetNotifyCmdLine((IBackgroundCopyJob2 *)j->job, program, parameters);
    if (!end_call(f, hr, S_OK, SET_ERRORS, BG_E_STRING_TOO_LONG)) return;
    check_state_refusal(f, j, hr);
    if (!chance(f, 30)) return;
    begin_call(f, "%s GetNotifyCmdLine", job_name(f, j));
    hr = IBackgroundCopyJob2_GetNotifyCmdLine((IBackgroundCopyJob2 *)j->job, &got_program, &got_parameters);
    if (end_call(f, hr, S_OK)) ok(got_program && got_parameters, "%s: %p %p\n", f->call_text, got_program, got_parameters);
    CoTaskMemFree(got_program);
    CoTaskMemFree(got_parameters);
}

static void op_reply(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    IBackgroundCopyJob2 *job2;
    BG_JOB_REPLY_PROGRESS progress;
    const WCHAR *name;
    WCHAR *got = NULL;
    byte *data = NULL;
    UINT64 length = 0;
    HRESULT hr;

    if (!j) return;
    job2 = (IBackgroundCopyJob2 *)j->job;
    switch (rand_below(f, 4))
    {
    case 0:
        begin_call(f, "%s GetReplyProgress", job_name(f, j));
        hr = IBackgroundCopyJob2_GetReplyProgress(job2, &progress);
        end_call(f, hr, S_OK, E_NOTIMPL, BG_E_INVALID_STATE);
        break;
    case 1:
        begin_call(f, "%s GetReplyData", job_name(f, j));
        hr = IBackgroundCopyJob2_GetReplyData(job2, &data, &length);
        end_call(f, hr, S_OK, E_NOTIMPL, BG_E_INVALID_STATE);
        CoTaskMemFree(data);
        break;
    case 2:
        name = rand_local(f, BG_JOB_TYPE_DOWNLOAD);
        begin_call(f, "%s SetReplyFileName(%s)", job_name(f, j), show(name));
        hr = IBackgroundCopyJob2_SetReplyFileName(job2, name);
        end_call(f, hr, S_OK, SET_ERRORS, E_NOTIMPL);
        if (hr == S_OK) ok(j->type == BG_JOB_TYPE_UPLOAD_REPLY, "%s succeeded\n", f->call_text);
        break;
    default:
        begin_call(f, "%s GetReplyFileName", job_name(f, j));
        hr = IBackgroundCopyJob2_GetReplyFileName(job2, &got);
        end_call(f, hr, S_OK, E_NOTIMPL);
        CoTaskMemFree(got);
        break;
    }
}

static void op_credentials(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    BG_AUTH_CREDENTIALS cred;
    HRESULT hr;

    if (!j) return;
    cred.Target = chance(f, 90) ? rand_below(f, 4) : rand_dword(f);
    cred.Scheme = chance(f, 90) ? rand_below(f, 7) : rand_dword(f);
    if (chance(f, 25))
    {
        begin_call(f, "%s RemoveCredentials(%d, %d)", job_name(f, j), cred.Target, cred.Scheme);
        hr = IBackgroundCopyJob2_RemoveCredentials((IBackgroundCopyJob2 *)j->job, cred.Target, cred.Scheme);
        end_call(f, hr, S_OK, S_FALSE, BG_E_INVALID_STATE, BG_E_INVALID_AUTH_TARGET, BG_E_INVALID_AUTH_SCHEME,
                 ndr_enum(cred.Target), ndr_enum(cred.Scheme));
        check_state_refusal(f, j, hr);
        return;
    }
    cred.Credentials.Basic.UserName = (WCHAR *)rand_string(f);
    cred.Credentials.Basic.Password = (WCHAR *)rand_string(f);
    begin_call(f, "%s SetCredentials(%d, %d, %s, %s)", job_name(f, j), cred.Target, cred.Scheme,
               show(cred.Credentials.Basic.UserName), show(cred.Credentials.Basic.Password));
    hr = IBackgroundCopyJob2_SetCredentials((IBackgroundCopyJob2 *)j->job, &cred);
    end_call(f, hr, S_OK, SET_ERRORS, BG_E_INVALID_AUTH_TARGET, BG_E_INVALID_AUTH_SCHEME, BG_E_USERNAME_TOO_LARGE,
             BG_E_PASSWORD_TOO_LARGE, ndr_enum(cred.Target), ndr_enum(cred.Scheme));
    check_state_refusal(f, j, hr);
}

static void op_replace_prefix(struct fuzzer *f)
{
    static const WCHAR *const prefixes[] =
    {
        L"http://127.0.0.1:1", L"http://", L"h", L"\\\\127.0.0.1\\fuzz", L"C:\\qmgr_fuzz_missing", L"",
    };
    struct fuzz_job *j = pick_job(f);
    const WCHAR *from, *to;
    WCHAR *s;
    HRESULT hr;

    if (!j) return;
    if (chance(f, 50))
    {
        s = new_buffer(f);
        swprintf(s, MAX_PATH, L"http://127.0.0.1:%d", http_port);
        from = s;
    }
    else from = chance(f, 50) ? prefixes[rand_below(f, ARRAY_SIZE(prefixes))] : rand_string(f);
    switch (rand_below(f, 4))
    {
    case 0:
        s = new_buffer(f);
        swprintf(s, MAX_PATH, L"http://localhost:%d", http_port);
        to = s;
        break;
    case 1: to = prefixes[rand_below(f, ARRAY_SIZE(prefixes))]; break;
    case 2: to = long_name(f, L"http://127.0.0.1:1/", rand_length(f)); break;
    default: to = rand_string(f); break;
    }
    begin_call(f, "%s ReplaceRemotePrefix(%s, %s)", job_name(f, j), show(from), show(to));
    hr = IBackgroundCopyJob3_ReplaceRemotePrefix((IBackgroundCopyJob3 *)j->job, from, to);
    end_call(f, hr, S_OK, S_FALSE, SET_ERRORS, E_NOTIMPL);
    check_state_refusal(f, j, hr);
}

static void op_job_qi(struct fuzzer *f)
{
    static const IID *const iids[] =
    {
        &IID_IUnknown, &IID_IBackgroundCopyJob, &IID_IBackgroundCopyJob2, &IID_IBackgroundCopyJob3,
        &IID_IBackgroundCopyJob4, &IID_IBackgroundCopyJobHttpOptions, &IID_IBackgroundCopyFile,
        &IID_IBackgroundCopyManager, &IID_IBackgroundCopyCallback, &IID_IMarshal,
    };
    struct fuzz_job *j = pick_job(f);
    IUnknown *obj = NULL;
    IID iid;
    HRESULT hr;

    if (!j) return;
    if (chance(f, 70)) iid = *iids[rand_below(f, ARRAY_SIZE(iids))];
    else rand_guid(f, &iid);
    begin_call(f, "%s QueryInterface(%s)", job_name(f, j), wine_dbgstr_guid(&iid));
    hr = IBackgroundCopyJob4_QueryInterface(j->job, &iid, (void **)&obj);
    end_call(f, hr, S_OK, E_NOINTERFACE);
    if (obj) IUnknown_Release(obj);
}

/* --- IBackgroundCopyJobHttpOptions -------------------------------------- */

static const WCHAR *rand_store(struct fuzzer *f)
{
    static const WCHAR *const stores[] = { L"MY", L"My", L"Root", L"CA", L"Trust", L"", L"missing store" };

    if (chance(f, 60)) return stores[rand_below(f, ARRAY_SIZE(stores))];
    return rand_string(f);
}

static void op_certificate(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    BG_CERT_STORE_LOCATION location = chance(f, 90) ? rand_below(f, 9) : rand_dword(f);
    const WCHAR *store = rand_store(f), *subject;
    WCHAR *got_store = NULL, *got_subject = NULL;
    BYTE hash[20], *got_hash = NULL;
    BOOL made_up = FALSE;
    HRESULT hr;
    UINT64 a;
    int i;

    if (!j) return;
    switch (rand_below(f, 4))
    {
    case 0:
        if (have_client_hash && chance(f, 50)) memcpy(hash, client_hash, sizeof(hash));
        else
        {
            for (i = 0; i < 20; i += 4) a = rand64(f), memcpy(hash + i, &a, 4);
            made_up = TRUE;
        }
        begin_call(f, "%s SetClientCertificateByID(%d, %s, %02x%02x...)", job_name(f, j), location, show(store),
                   hash[0], hash[1]);
        hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByID(j->http, location, store, hash);
        break;
    case 1:
        subject = chance(f, 50) ? CLIENT_SUBJECT : rand_string(f);
        begin_call(f, "%s SetClientCertificateByName(%d, %s, %s)", job_name(f, j), location, show(store), show(subject));
        hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByName(j->http, location, store, subject);
        break;
    case 2:
        begin_call(f, "%s RemoveClientCertificate", job_name(f, j));
        hr = IBackgroundCopyJobHttpOptions_RemoveClientCertificate(j->http);
        end_call(f, hr, S_OK, S_FALSE, BG_E_INVALID_STATE);
        check_state_refusal(f, j, hr);
        return;
    default:
        begin_call(f, "%s GetClientCertificate", job_name(f, j));
        hr = IBackgroundCopyJobHttpOptions_GetClientCertificate(j->http, &location, &got_store, &got_hash,
                                                                &got_subject);
        /* Microsoft's answer for a job without a certificate. */
        if (end_call(f, hr, S_OK, HR32(RPC_X_BAD_STUB_DATA)) && hr == S_OK)
            ok(got_store != NULL, "%s: no store\n", f->call_text);
        CoTaskMemFree(got_store);
        CoTaskMemFree(got_subject);
        CoTaskMemFree(got_hash);
        return;
    }
    /* The lookup's failures are the call's: no such store, no such certificate. */
    end_call(f, hr, S_OK, SET_ERRORS, CRYPT_E_NOT_FOUND, HR32(ERROR_FILE_NOT_FOUND), HR32(ERROR_PATH_NOT_FOUND),
             HR32(ERROR_INVALID_PARAMETER), HR32(ERROR_INVALID_NAME), HR32(ERROR_CALL_NOT_IMPLEMENTED),
             HR32(ERROR_ACCESS_DENIED), ndr_enum(location));
    check_state_refusal(f, j, hr);
    /* A transfer would hand schannel a certificate that is not there. */
    if (made_up) ok(hr != S_OK, "%s: accepted a made-up hash\n", f->call_text);
}

static void op_headers(struct fuzzer *f)
{
    struct fuzz_job *j = pick_job(f);
    const WCHAR *headers;
    WCHAR *got = NULL;
    HRESULT hr;

    if (!j) return;
    headers = chance(f, 30) ? (chance(f, 50) ? L"X-Fuzz: 1\r\nX-Other: 2\r\n" : L"") : rand_string(f);
    begin_call(f, "%s SetCustomHeaders(%s)", job_name(f, j), show(headers));
    hr = IBackgroundCopyJobHttpOptions_SetCustomHeaders(j->http, headers);
    if (!end_call(f, hr, S_OK, SET_ERRORS, BG_E_STRING_TOO_LONG)) return;
    check_state_refusal(f, j, hr);
    if (!chance(f, 40)) return;
    begin_call(f, "%s GetCustomHeaders", job_name(f, j));
    hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(j->http, &got);
    if (end_call(f, hr, S_OK, S_FALSE)) ok((hr == S_OK) == (got != NULL), "%s: %#lx %p\n", f->call_text, hr, got);
    CoTaskMemFree(got);
}

/* --- files, enumerators, errors, and jobs found by others ------------- */

static void op_file(struct fuzzer *f)
{
    IBackgroundCopyFile *file = POOL_PICK(f->files);
    IBackgroundCopyFile2 *file2;
    BG_FILE_PROGRESS progress;
    BG_FILE_RANGE *ranges = NULL;
    const WCHAR *name;
    WCHAR *got = NULL;
    DWORD count = 0;
    HRESULT hr;

    if (!file) return;
    switch (rand_below(f, 5))
    {
    case 0:
        begin_call(f, "file %p GetRemoteName", file);
        hr = IBackgroundCopyFile_GetRemoteName(file, &got);
        if (end_call(f, hr, S_OK)) ok(got != NULL, "%s: NULL\n", f->call_text);
        CoTaskMemFree(got);
        break;
    case 1:
        begin_call(f, "file %p GetLocalName", file);
        hr = IBackgroundCopyFile_GetLocalName(file, &got);
        if (end_call(f, hr, S_OK)) ok(got != NULL, "%s: NULL\n", f->call_text);
        CoTaskMemFree(got);
        break;
    case 2:
        begin_call(f, "file %p GetProgress", file);
        hr = IBackgroundCopyFile_GetProgress(file, &progress);
        end_call(f, hr, S_OK);
        break;
    case 3:
        begin_call(f, "file %p QueryInterface(IBackgroundCopyFile2)", file);
        hr = IBackgroundCopyFile_QueryInterface(file, &IID_IBackgroundCopyFile2, (void **)&file2);
        if (!end_call(f, hr, S_OK)) break;
        begin_call(f, "file %p GetFileRanges", file);
        hr = IBackgroundCopyFile2_GetFileRanges(file2, &count, &ranges);
        if (end_call(f, hr, S_OK, S_FALSE))
            ok((hr == S_OK) == (count && ranges), "%s: %#lx %lu %p\n", f->call_text, hr, count, ranges);
        CoTaskMemFree(ranges);
        IBackgroundCopyFile2_Release(file2);
        break;
    default:
        hr = IBackgroundCopyFile_QueryInterface(file, &IID_IBackgroundCopyFile2, (void **)&file2);
        if (FAILED(hr)) break;
        name = rand_remote(f);
        begin_call(f, "file %p SetRemoteName(%s)", file, show(name));
        hr = IBackgroundCopyFile2_SetRemoteName(file2, name);
        end_call(f, hr, S_OK, SET_ERRORS, E_NOTIMPL);
        IBackgroundCopyFile2_Release(file2);
        break;
    }
}

/* Next's count: none, a few, more than there are, or a NULL count. */
static ULONG rand_count(struct fuzzer *f, BOOL *with_fetched)
{
    static const ULONG counts[] = { 0, 1, 1, 2, 3, 7, 64, 1000 };

    *with_fetched = chance(f, 85);
    return counts[rand_below(f, ARRAY_SIZE(counts))];
}

static ULONG rand_skip(struct fuzzer *f)
{
    static const ULONG skips[] = { 0, 1, 2, 5, 100, 0x7fffffff, 0xffffffff };
    return skips[rand_below(f, ARRAY_SIZE(skips))];
}

static void op_job_enum(struct fuzzer *f)
{
    IEnumBackgroundCopyJobs *e = POOL_PICK(f->job_enums), *clone = NULL;
    ULONG celt, fetched, i, skipped;
    BOOL with_fetched;
    HRESULT hr;

    if (!e) return;
    switch (rand_below(f, 5))
    {
    case 0: case 1:
        celt = rand_count(f, &with_fetched);
        memset(f->next_items, 0, celt * sizeof(*f->next_items));
        fetched = 0xdeadbeef;
        begin_call(f, "job enumerator %p Next(%lu, %s)", e, celt, with_fetched ? "&fetched" : "NULL");
        hr = IEnumBackgroundCopyJobs_Next(e, celt, (IBackgroundCopyJob **)f->next_items, with_fetched ? &fetched : NULL);
        if (end_call(f, hr, S_OK, S_FALSE, E_INVALIDARG, HR32(RPC_X_NULL_REF_POINTER)) && with_fetched && SUCCEEDED(hr))
            ok(fetched <= celt && (hr == S_OK) == (fetched == celt), "%s: %#lx, %lu\n", f->call_text, hr, fetched);
        for (i = 0; i < celt; i++)
        {
            if (!f->next_items[i]) continue;
            if (chance(f, 20)) POOL_PUT(f->foreign, f->next_items[i]);
            else IUnknown_Release(f->next_items[i]);
        }
        break;
    case 2:
        skipped = rand_skip(f);
        begin_call(f, "job enumerator %p Skip(%lu)", e, skipped);
        hr = IEnumBackgroundCopyJobs_Skip(e, skipped);
        end_call(f, hr, S_OK, S_FALSE);
        break;
    case 3:
        begin_call(f, "job enumerator %p Reset", e);
        hr = IEnumBackgroundCopyJobs_Reset(e);
        end_call(f, hr, S_OK);
        begin_call(f, "job enumerator %p GetCount", e);
        hr = IEnumBackgroundCopyJobs_GetCount(e, &fetched);
        end_call(f, hr, S_OK);
        break;
    default:
        begin_call(f, "job enumerator %p Clone", e);
        hr = IEnumBackgroundCopyJobs_Clone(e, &clone);
        if (end_call(f, hr, S_OK) && clone) POOL_PUT(f->job_enums, clone);
        break;
    }
}

static void op_file_enum(struct fuzzer *f)
{
    IEnumBackgroundCopyFiles *e = POOL_PICK(f->file_enums), *clone = NULL;
    ULONG celt, fetched, i, skipped;
    BOOL with_fetched;
    HRESULT hr;

    if (!e) return;
    switch (rand_below(f, 5))
    {
    case 0: case 1:
        celt = rand_count(f, &with_fetched);
        memset(f->next_items, 0, celt * sizeof(*f->next_items));
        fetched = 0xdeadbeef;
        begin_call(f, "file enumerator %p Next(%lu, %s)", e, celt, with_fetched ? "&fetched" : "NULL");
        hr = IEnumBackgroundCopyFiles_Next(e, celt, (IBackgroundCopyFile **)f->next_items, with_fetched ? &fetched : NULL);
        if (end_call(f, hr, S_OK, S_FALSE, E_INVALIDARG, HR32(RPC_X_NULL_REF_POINTER)) && with_fetched && SUCCEEDED(hr))
            ok(fetched <= celt && (hr == S_OK) == (fetched == celt), "%s: %#lx, %lu\n", f->call_text, hr, fetched);
        for (i = 0; i < celt; i++)
        {
            if (!f->next_items[i]) continue;
            if (chance(f, 30)) POOL_PUT(f->files, f->next_items[i]);
            else IUnknown_Release(f->next_items[i]);
        }
        break;
    case 2:
        skipped = rand_skip(f);
        begin_call(f, "file enumerator %p Skip(%lu)", e, skipped);
        hr = IEnumBackgroundCopyFiles_Skip(e, skipped);
        end_call(f, hr, S_OK, S_FALSE);
        break;
    case 3:
        begin_call(f, "file enumerator %p Reset", e);
        hr = IEnumBackgroundCopyFiles_Reset(e);
        end_call(f, hr, S_OK);
        begin_call(f, "file enumerator %p GetCount", e);
        hr = IEnumBackgroundCopyFiles_GetCount(e, &fetched);
        end_call(f, hr, S_OK);
        break;
    default:
        begin_call(f, "file enumerator %p Clone", e);
        hr = IEnumBackgroundCopyFiles_Clone(e, &clone);
        if (end_call(f, hr, S_OK) && clone) POOL_PUT(f->file_enums, clone);
        break;
    }
}

static void op_error(struct fuzzer *f)
{
    static const DWORD langs[] = { 0, 0x409, 0x407, 0x400, 0xffff };
    IBackgroundCopyError *error = POOL_PICK(f->errors);
    IBackgroundCopyFile *file = NULL;
    BG_ERROR_CONTEXT context;
    WCHAR *text = NULL;
    HRESULT hr, code;
    DWORD lang;

    if (!error) return;
    lang = chance(f, 80) ? langs[rand_below(f, ARRAY_SIZE(langs))] : rand_dword(f);
    switch (rand_below(f, 5))
    {
    case 0:
        begin_call(f, "error %p GetError", error);
        hr = IBackgroundCopyError_GetError(error, &context, &code);
        if (end_call(f, hr, S_OK)) ok(FAILED(code), "%s: code %#lx\n", f->call_text, code);
        break;
    case 1:
        begin_call(f, "error %p GetFile", error);
        hr = IBackgroundCopyError_GetFile(error, &file);
        if (end_call(f, hr, S_OK, BG_E_FILE_NOT_AVAILABLE) && file) POOL_PUT(f->files, file);
        break;
    case 2:
        begin_call(f, "error %p GetErrorDescription(%#lx)", error, lang);
        hr = IBackgroundCopyError_GetErrorDescription(error, lang, &text);
        end_call(f, hr, S_OK, E_INVALIDARG, HR32(ERROR_MR_MID_NOT_FOUND), HR32(ERROR_RESOURCE_LANG_NOT_FOUND),
                 HR32(ERROR_RESOURCE_TYPE_NOT_FOUND), HR32(ERROR_INVALID_PARAMETER));
        CoTaskMemFree(text);
        break;
    case 3:
        begin_call(f, "error %p GetErrorContextDescription(%#lx)", error, lang);
        hr = IBackgroundCopyError_GetErrorContextDescription(error, lang, &text);
        end_call(f, hr, S_OK, E_INVALIDARG, HR32(ERROR_MR_MID_NOT_FOUND), HR32(ERROR_RESOURCE_LANG_NOT_FOUND),
                 HR32(ERROR_RESOURCE_TYPE_NOT_FOUND), HR32(ERROR_INVALID_PARAMETER));
        CoTaskMemFree(text);
        break;
    default:
        begin_call(f, "error %p GetProtocol", error);
        hr = IBackgroundCopyError_GetProtocol(error, &text);
        if (end_call(f, hr, S_OK, BG_E_PROTOCOL_NOT_AVAILABLE) && hr == S_OK) ok(text != NULL, "%s: NULL\n", f->call_text);
        CoTaskMemFree(text);
        break;
    }
}

/* Jobs from enumerators and GetJob are only read: some are other units'. */
static void op_foreign(struct fuzzer *f)
{
    IBackgroundCopyJob *job = POOL_PICK(f->foreign);
    BG_JOB_STATE state;
    WCHAR *name = NULL;
    GUID id;
    HRESULT hr;

    if (!job) return;
    switch (rand_below(f, 3))
    {
    case 0:
        begin_call(f, "found job %p GetId", job);
        hr = IBackgroundCopyJob_GetId(job, &id);
        end_call(f, hr, S_OK);
        break;
    case 1:
        begin_call(f, "found job %p GetState", job);
        hr = IBackgroundCopyJob_GetState(job, &state);
        end_call(f, hr, S_OK);
        break;
    default:
        begin_call(f, "found job %p GetDisplayName", job);
        hr = IBackgroundCopyJob_GetDisplayName(job, &name);
        end_call(f, hr, S_OK);
        CoTaskMemFree(name);
        break;
    }
}

/* --- the driver ---------------------------------------------------------- */

static const struct
{
    void (*op)(struct fuzzer *f);
    unsigned int weight;
}
ops[] =
{
    { op_create_job, 3 },
    { op_get_job, 3 },
    { op_enum_jobs, 2 },
    { op_error_description, 3 },
    { op_add_file, 10 },
    { op_add_file_set, 4 },
    { op_add_file_with_ranges, 4 },
    { op_enum_files, 3 },
    { op_suspend, 3 },
    { op_resume, 8 },
    { op_cancel, 2 },
    { op_complete, 2 },
    { op_job_getters, 8 },
    { op_job_strings, 5 },
    { op_job_values, 8 },
    { op_notify_interface, 3 },
    { op_proxy, 3 },
    { op_take_ownership, 2 },
    { op_notify_cmdline, 3 },
    { op_reply, 3 },
    { op_credentials, 4 },
    { op_replace_prefix, 2 },
    { op_job_qi, 2 },
    { op_certificate, 4 },
    { op_headers, 3 },
    { op_file, 6 },
    { op_job_enum, 4 },
    { op_file_enum, 4 },
    { op_error, 4 },
    { op_foreign, 2 },
};

static void run_calls(struct fuzzer *f, unsigned int count)
{
    unsigned int total = 0, i, pick, start = f->calls_made;

    for (i = 0; i < ARRAY_SIZE(ops); i++) if (op_mask >> i & 1) total += ops[i].weight;
    while (f->calls_made - start < count && !service_died)
    {
        pick = rand_below(f, total);
        for (i = 0; !(op_mask >> i & 1) || pick >= ops[i].weight; i++) if (op_mask >> i & 1) pick -= ops[i].weight;
        ops[i].op(f);
    }
}

/* Cancels every job of ours and lets go of everything the service gave. */
static void release_all(struct fuzzer *f)
{
    unsigned int i;

    while (f->live_count && !service_died) cancel_live(f, f->live_count - 1);
    for (i = 0; i < DEAD_JOBS; i++) if (f->dead[i].job) fuzz_job_release(&f->dead[i]);
    f->dead_count = 0;
    POOL_CLEAR(f->files);
    POOL_CLEAR(f->job_enums);
    POOL_CLEAR(f->file_enums);
    POOL_CLEAR(f->errors);
    POOL_CLEAR(f->foreign);
}

static DWORD WINAPI fuzzer_main(void *arg)
{
    struct fuzzer *f = arg;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    run_calls(f, f->calls_to_make);
    release_all(f);
    CoUninitialize();
    return 0;
}

/* Every thread makes its share of count calls, then cancels its jobs. */
static void run_threads(unsigned int count)
{
    HANDLE threads[MAX_THREADS];
    unsigned int i;

    for (i = 0; i < thread_count; i++)
    {
        fuzzers[i]->calls_to_make = count / thread_count + (i < count % thread_count);
        threads[i] = CreateThread(NULL, 0, fuzzer_main, fuzzers[i], 0, NULL);
        ok(threads[i] != NULL, "CreateThread: %lu\n", GetLastError());
    }
    for (i = 0; i < thread_count; i++)
    {
        if (!threads[i]) continue;
        WaitForSingleObject(threads[i], INFINITE);
        CloseHandle(threads[i]);
    }
}

static unsigned int total_calls(unsigned int *failed, unsigned int states[BG_JOB_STATE_CANCELLED + 1])
{
    unsigned int i, s, made = 0;

    *failed = 0;
    memset(states, 0, (BG_JOB_STATE_CANCELLED + 1) * sizeof(*states));
    for (i = 0; i < thread_count; i++)
    {
        made += fuzzers[i]->calls_made;
        *failed += fuzzers[i]->calls_failed;
        for (s = 0; s <= BG_JOB_STATE_CANCELLED; s++) states[s] += fuzzers[i]->states_seen[s];
    }
    return made;
}

/* The BITS service's process, from the service manager. */
static HANDLE open_service_process(DWORD *pid)
{
    SERVICE_STATUS_PROCESS status;
    SC_HANDLE scm, service;
    HANDLE process = NULL;
    DWORD size;

    if (!(scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT))) return NULL;
    if ((service = OpenServiceW(scm, L"BITS", SERVICE_QUERY_STATUS)))
    {
        if (QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO, (BYTE *)&status, sizeof(status), &size) &&
            (*pid = status.dwProcessId))
            process = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, *pid);
        CloseServiceHandle(service);
    }
    CloseServiceHandle(scm);
    return process;
}

static DWORD count_threads(DWORD pid)
{
    THREADENTRY32 entry = { sizeof(entry) };
    HANDLE snapshot;
    DWORD count = 0;

    if ((snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0)) == INVALID_HANDLE_VALUE) return 0;
    if (Thread32First(snapshot, &entry))
        do if (entry.th32OwnerProcessID == pid) count++; while (Thread32Next(snapshot, &entry));
    CloseHandle(snapshot);
    return count;
}

/* The service's private bytes (Wine counts its anonymous pages there) once
 * it is idle: the threads that still finish transfers of cancelled jobs or
 * notifications, and idle ones of thread pools, end within seconds, and
 * each holds up to a megabyte of stack.  Idle is two readings a second
 * apart with nearly the same memory and the same threads, no more than
 * max_threads when given; waited for 30 s at most. */
static SIZE_T service_memory(HANDLE process, DWORD pid, SIZE_T *working_set, DWORD *threads, DWORD max_threads)
{
    PROCESS_MEMORY_COUNTERS counters;
    SIZE_T last = 0;
    DWORD last_threads = 0;
    unsigned int i;

    for (i = 0; i < 30; i++)
    {
        Sleep(1000);
        memset(&counters, 0, sizeof(counters));
        counters.cb = sizeof(counters);
        if (!K32GetProcessMemoryInfo(process, &counters, sizeof(counters))) return 0;
        *threads = count_threads(pid);
        if (*threads == last_threads && (!max_threads || *threads <= max_threads) &&
            counters.PagefileUsage < last + (256 << 10) &&
            last < counters.PagefileUsage + (256 << 10))
            break;
        last = counters.PagefileUsage;
        last_threads = *threads;
    }
    *working_set = counters.WorkingSetSize;
    return counters.PagefileUsage;
}

/* Whether the service still serves a new client, from the same process. */
static void check_service_alive(DWORD pid)
{
    IBackgroundCopyManager *fresh = NULL;
    IEnumBackgroundCopyJobs *e = NULL;
    HANDLE process;
    DWORD now = 0;
    HRESULT hr;

    hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager,
                          (void **)&fresh);
    ok(hr == S_OK, "CoCreateInstance after the calls: %#lx\n", hr);
    if (FAILED(hr)) return;
    hr = IBackgroundCopyManager_EnumJobs(fresh, 0, &e);
    ok(hr == S_OK, "EnumJobs after the calls: %#lx\n", hr);
    if (SUCCEEDED(hr)) IEnumBackgroundCopyJobs_Release(e);
    IBackgroundCopyManager_Release(fresh);
    if ((process = open_service_process(&now))) CloseHandle(process);
    /* A service that died and was started again answers too. */
    ok(now == pid, "the service's process changed from %04lx to %04lx: it died (seed %s)\n", pid, now, seed_text);
}

/* One job of the warm-up: set up by setup, run to its end (transferred
 * or in error), then completed or cancelled. */
static void warm_up_job(const WCHAR *name, const WCHAR *remote, void (*setup)(IBackgroundCopyJob4 *job))
{
    IBackgroundCopyError *error = NULL;
    IBackgroundCopyJob4 *job;
    WCHAR local[MAX_PATH], *text;
    BG_JOB_STATE state;

    swprintf(local, MAX_PATH, L"%s\\%s.bin", fuzz_dir, name);
    if (!(job = start_job(manager, name, remote, local))) return;
    if (setup) setup(job);
    IBackgroundCopyJob4_Resume(job);
    state = wait_for_state(job, END_STATES, 60000);
    if (state == BG_JOB_STATE_TRANSFERRED) IBackgroundCopyJob4_Complete(job);
    else
    {
        if (IBackgroundCopyJob4_GetError(job, &error) == S_OK)
        {
            if (IBackgroundCopyError_GetErrorDescription(error, 0x409, &text) == S_OK) CoTaskMemFree(text);
            if (IBackgroundCopyError_GetErrorContextDescription(error, 0x409, &text) == S_OK) CoTaskMemFree(text);
            IBackgroundCopyError_Release(error);
        }
        IBackgroundCopyJob4_Cancel(job);
    }
    IBackgroundCopyJob4_Release(job);
}

static void set_proxy(IBackgroundCopyJob4 *job)
{
    WCHAR list[64];

    swprintf(list, ARRAY_SIZE(list), L"127.0.0.1:%d", proxy_port);
    IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, list, NULL);
}

static void set_everything(IBackgroundCopyJob4 *job)
{
    BG_AUTH_CREDENTIALS cred = { BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, { { (WCHAR *)L"user", (WCHAR *)L"pass" } } };
    IBackgroundCopyJobHttpOptions *options;

    IBackgroundCopyJob4_SetCredentials(job, &cred);
    IBackgroundCopyJob4_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR |
                                       BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_FILE_TRANSFERRED);
    IBackgroundCopyJob4_SetNotifyInterface(job, (IUnknown *)&callback);
    if (!(options = http_options(job))) return;
    IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"X-Fuzz: warm-up\r\n");
    IBackgroundCopyJobHttpOptions_SetClientCertificateByName(options, BG_CERT_STORE_LOCATION_LOCAL_MACHINE, L"MY",
                                                             CLIENT_SUBJECT);
    IBackgroundCopyJobHttpOptions_Release(options);
}

/* What the service sets up once, on first use, whatever the calls: TLS and
 * the root store, the proxy, sealed credentials, the certificate stores,
 * callbacks, error texts.  Random calls reach each only by chance. */
static void warm_up_service(void)
{
    static const DWORD langs[] = { 0, 0x409, 0x407 };
    WCHAR url[MAX_PATH], *text;
    unsigned int i;

    swprintf(url, MAX_PATH, L"https://localhost:%d/small.bin", https_port);
    warm_up_job(L"warm_https", url, set_everything);
    swprintf(url, MAX_PATH, L"http://127.0.0.1:%d/small.bin", http_port);
    warm_up_job(L"warm_proxy", url, set_proxy);
    warm_up_job(L"warm_http", url, set_everything);
    warm_up_job(L"warm_closed", L"http://127.0.0.1:1/closed", NULL);
    swprintf(url, MAX_PATH, L"http://127.0.0.1:%d/missing/warm", http_port);
    warm_up_job(L"warm_missing", url, set_everything);
    warm_up_job(L"warm_local", www_small, NULL);
    for (i = 0; i < ARRAY_SIZE(langs); i++)
        if (IBackgroundCopyManager_GetErrorDescription(manager, BG_E_HTTP_ERROR_404, langs[i], &text) == S_OK)
            CoTaskMemFree(text);
}

static int port_from(const char *name)
{
    const char *value = getenv(name);
    return value ? atoi(value) : 0;
}

/* The calls, in a child process ("fuzz calls SEED COUNT THREADS"). */
static void fuzz_child(unsigned int calls)
{
    unsigned int made, failed, i, states[BG_JOB_STATE_CANCELLED + 1];
    ULONGLONG start;
    HANDLE watchdog;

    for (i = 0; i < thread_count; i++)
    {
        fuzzers[i] = calloc(1, sizeof(*fuzzers[i]));
        /* splitmix64 streams started a generous distance apart. */
        fuzzers[i]->rng_state = seed + i * 0x5851f42d4c957f2dull;
    }
    if (!(manager = get_manager())) return;
    watchdog_stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    watchdog = CreateThread(NULL, 0, watchdog_main, NULL, 0, NULL);

    start = GetTickCount64();
    run_threads(calls);
    made = total_calls(&failed, states);
    trace("%u calls in %I64u ms, %u with an unexpected result, %ld callbacks\n", made, GetTickCount64() - start,
          failed, ReadAcquire(&callback_calls));
    trace("states seen: queued %u, connecting %u, transferring %u, suspended %u, error %u, transient error %u, "
          "transferred %u, acknowledged %u, cancelled %u\n", states[0], states[1], states[2], states[3], states[4],
          states[5], states[6], states[7], states[8]);
    ok(service_died || made >= calls, "only %u calls made\n", made);

    SetEvent(watchdog_stop);
    WaitForSingleObject(watchdog, INFINITE);
    CloseHandle(watchdog);
    CloseHandle(watchdog_stop);
    for (i = 0; i < thread_count; i++) free(fuzzers[i]);
    IBackgroundCopyManager_Release(manager);
}

/* Runs a child that makes count calls with the seed; every call of it is
 * bounded by its watchdog, the whole by timeout. */
static void run_fuzz_child(UINT64 child_seed, unsigned int count, DWORD timeout)
{
    PROCESS_INFORMATION pi;
    char args[96];

    snprintf(args, sizeof(args), "fuzz calls %#I64x %u %u", child_seed, count, thread_count);
    if (!run_child(args, NULL, &pi)) return;
    if (WaitForSingleObject(pi.hProcess, timeout))
    {
        ok(0, "%s did not end in %lu s\n", args, timeout / 1000);
        TerminateProcess(pi.hProcess, 1);
    }
    wait_child_process(&pi);
}

START_TEST(fuzz)
{
    SIZE_T before = 0, after, set_before = 0, set_after = 0;
    DWORD pid = 0, threads_before = 0, threads_after = 0;
    unsigned int calls = DEFAULT_CALLS, warmup = WARMUP_CALLS;
    HANDLE process;
    const char *value;
    char **argv;
    int argc = winetest_get_mainargs(&argv);

    http_port = port_from("QMGR_HTTP_PORT");
    https_port = port_from("QMGR_HTTPS_PORT");
    fault_port = port_from("QMGR_FAULT_PORT");
    proxy_port = port_from("QMGR_PROXY_PORT");
    if (!http_port || !https_port || !fault_port || !proxy_port || !getenv("QMGR_WWW"))
    {
        skip("the test servers are not running (tests/servers.sh)\n");
        return;
    }
    if ((value = getenv("QMGR_FUZZ_OPS"))) op_mask = _strtoui64(value, NULL, 0) | 1;
    thread_count = DEFAULT_THREADS;
    if ((value = getenv("QMGR_FUZZ_THREADS"))) thread_count = atoi(value);

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    make_test_dir(fuzz_dir, L"fuzz");
    source_path(www_small, "small.bin");
    have_client_hash = client_cert_hash(client_hash);

    if (argc > 5 && !strcmp(argv[2], "calls"))
    {
        seed = _strtoui64(argv[3], NULL, 0);
        snprintf(seed_text, sizeof(seed_text), "%#I64x", seed);
        thread_count = atoi(argv[5]);
        thread_count = max(1, min(MAX_THREADS, thread_count));
        fuzz_child(strtoul(argv[4], NULL, 0));
        CoUninitialize();
        return;
    }
    thread_count = max(1, min(MAX_THREADS, thread_count));

    if ((value = getenv("QMGR_FUZZ_SEED"))) seed = _strtoui64(value, NULL, 0);
    else seed = ((UINT64)GetCurrentProcessId() << 32) ^ GetTickCount64() ^ ((UINT64)time(NULL) << 16);
    if ((value = getenv("QMGR_FUZZ_CALLS"))) calls = strtoul(value, NULL, 0);
    if ((value = getenv("QMGR_FUZZ_WARMUP"))) warmup = strtoul(value, NULL, 0);
    snprintf(seed_text, sizeof(seed_text), "%#I64x", seed);
    trace("seed %s, %u calls in %u threads (QMGR_FUZZ_SEED=%s QMGR_FUZZ_THREADS=%u replays them)\n",
          seed_text, calls, thread_count, seed_text, thread_count);

    if (!(manager = get_manager())) return;
    process = open_service_process(&pid);
    ok(process != NULL, "cannot open the service's process: %lu\n", GetLastError());

    /* The warm-up fills what the service keeps for its lifetime; each run
     * of calls is a client of its own, so that what the service holds for
     * a connected client is gone when its memory is read. */
    warm_up_service();
    run_fuzz_child(seed ^ 0x77a4c0ffee15d00dull, warmup, 120000);
    if (process) before = service_memory(process, pid, &set_before, &threads_before, 0);
    run_fuzz_child(seed, calls, 240000);
    check_service_alive(pid);

    if (process)
    {
        after = service_memory(process, pid, &set_after, &threads_after, threads_before);
        trace("service memory: private %Iu KiB -> %Iu KiB, working set %Iu KiB -> %Iu KiB, threads %lu -> %lu\n",
              before >> 10, after >> 10, set_before >> 10, set_after >> 10, threads_before, threads_after);
        ok(before && after, "no memory counters: %Iu %Iu\n", before, after);
        ok(after <= before + MEMORY_MARGIN, "the service grew by %Iu KiB over the calls (seed %s)\n",
           (after - before) >> 10, seed_text);
        CloseHandle(process);
    }

    make_test_dir(fuzz_dir, L"fuzz");
    RemoveDirectoryW(fuzz_dir);
    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
}
