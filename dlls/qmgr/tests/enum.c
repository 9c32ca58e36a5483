/*
 * Tests of IEnumBackgroundCopyJobs and IEnumBackgroundCopyFiles through the
 * BITS service
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

static IBackgroundCopyManager *manager;

/* A file's local name, "" when it has none; releases the file. */
static void take_local_name(IBackgroundCopyFile *file, WCHAR *local, size_t size)
{
    LPWSTR name = NULL;
    HRESULT hr;

    *local = 0;
    hr = IBackgroundCopyFile_GetLocalName(file, &name);
    ok(hr == S_OK && name, "GetLocalName: %#lx\n", hr);
    if (hr == S_OK && name) lstrcpynW(local, name, size);
    CoTaskMemFree(name);
    IBackgroundCopyFile_Release(file);
}

static void test_enum_files(void)
{
    IBackgroundCopyJob4 *job = create_job4(manager, L"enum files", BG_JOB_TYPE_DOWNLOAD, NULL);
    IEnumBackgroundCopyFiles *files, *clone;
    IBackgroundCopyFile *got[4];
    WCHAR local[MAX_PATH], name[MAX_PATH];
    ULONG count, fetched;
    HRESULT hr;
    int i;

    if (!job) return;
    for (i = 0; i < 3; i++)
    {
        swprintf(local, MAX_PATH, L"C:\\qmgr\\enum%d", i);
        hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/enum", local);
        ok(hr == S_OK, "AddFile: %#lx\n", hr);
    }
    hr = IBackgroundCopyJob4_EnumFiles(job, &files);
    ok(hr == S_OK, "EnumFiles: %#lx\n", hr);
    if (FAILED(hr))
    {
        IBackgroundCopyJob4_Cancel(job);
        IBackgroundCopyJob4_Release(job);
        return;
    }
    count = 0xdeadbeef;
    hr = IEnumBackgroundCopyFiles_GetCount(files, &count);
    ok(hr == S_OK && count == 3, "GetCount: %#lx %lu\n", hr, count);

    /* The enumerator is a snapshot: a file added later is not in it. */
    hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/enum", L"C:\\qmgr\\enum3");
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    count = 0xdeadbeef;
    hr = IEnumBackgroundCopyFiles_GetCount(files, &count);
    ok(hr == S_OK && count == 3, "count after AddFile %#lx %lu\n", hr, count);

    /* celt > 1 needs a count to report into. */
    hr = IEnumBackgroundCopyFiles_Next(files, 2, got, NULL);
    ok(hr == E_INVALIDARG || hr == RPC_NULL_REF, "Next(2, NULL): %#lx\n", hr);
    if (hr == S_OK || hr == S_FALSE) for (i = 0; i < 2; i++) IBackgroundCopyFile_Release(got[i]);

    fetched = 0;
    hr = IEnumBackgroundCopyFiles_Next(files, 1, got, &fetched);
    ok(hr == S_OK && fetched == 1, "Next(1): %#lx %lu\n", hr, fetched);
    if (hr == S_OK)
    {
        take_local_name(got[0], name, ARRAY_SIZE(name));
        ok(!wcscmp(name, L"C:\\qmgr\\enum0"), "first file %s\n", wine_dbgstr_w(name));
    }

    /* Clone keeps the position. */
    hr = IEnumBackgroundCopyFiles_Clone(files, &clone);
    ok(hr == S_OK, "Clone: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        hr = IEnumBackgroundCopyFiles_Next(clone, 1, got, NULL);
        ok(hr == S_OK, "clone Next: %#lx\n", hr);
        if (hr == S_OK)
        {
            take_local_name(got[0], name, ARRAY_SIZE(name));
            ok(!wcscmp(name, L"C:\\qmgr\\enum1"), "clone's next file %s\n", wine_dbgstr_w(name));
        }
        ok(IEnumBackgroundCopyFiles_Release(clone) == 0, "clone not freed\n");
    }

    /* Asking for more than is left: S_FALSE with the rest. */
    fetched = 0;
    hr = IEnumBackgroundCopyFiles_Next(files, 4, got, &fetched);
    ok(hr == S_FALSE && fetched == 2, "Next(4): %#lx %lu\n", hr, fetched);
    if (SUCCEEDED(hr)) for (i = 0; i < min(fetched, ARRAY_SIZE(got)); i++) IBackgroundCopyFile_Release(got[i]);
    fetched = 0xdeadbeef;
    hr = IEnumBackgroundCopyFiles_Next(files, 1, got, &fetched);
    ok(hr == S_FALSE && fetched == 0, "Next at the end: %#lx %lu\n", hr, fetched);
    if (hr == S_OK) IBackgroundCopyFile_Release(got[0]);

    /* Skip past the end is S_FALSE; Reset starts over. */
    hr = IEnumBackgroundCopyFiles_Reset(files);
    ok(hr == S_OK, "Reset: %#lx\n", hr);
    hr = IEnumBackgroundCopyFiles_Skip(files, 2);
    ok(hr == S_OK, "Skip(2): %#lx\n", hr);
    hr = IEnumBackgroundCopyFiles_Skip(files, 2);
    ok(hr == S_FALSE, "Skip past the end: %#lx\n", hr);
    fetched = 0xdeadbeef;
    hr = IEnumBackgroundCopyFiles_Next(files, 1, got, &fetched);
    ok(hr == S_FALSE && !fetched, "Next after Skip: %#lx %lu\n", hr, fetched);
    if (hr == S_OK) IBackgroundCopyFile_Release(got[0]);

    ok(IEnumBackgroundCopyFiles_Release(files) == 0, "enumerator not freed\n");
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

static void test_enum_jobs(void)
{
    IEnumBackgroundCopyJobs *jobs, *clone;
    IBackgroundCopyJob4 *mine[3];
    IBackgroundCopyJob *got[8];
    ULONG count, fetched, clone_count;
    HRESULT hr;
    int i;

    for (i = 0; i < 3; i++) mine[i] = create_job4(manager, L"enum jobs", BG_JOB_TYPE_DOWNLOAD, NULL);
    hr = IBackgroundCopyManager_EnumJobs(manager, 0, &jobs);
    ok(hr == S_OK, "EnumJobs: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        count = 0;
        hr = IEnumBackgroundCopyJobs_GetCount(jobs, &count);
        ok(hr == S_OK && count >= 3, "GetCount: %#lx %lu\n", hr, count);

        hr = IEnumBackgroundCopyJobs_Next(jobs, 2, got, NULL);
        ok(hr == E_INVALIDARG || hr == RPC_NULL_REF, "Next(2, NULL): %#lx\n", hr);
        if (hr == S_OK || hr == S_FALSE) for (i = 0; i < 2; i++) IBackgroundCopyJob_Release(got[i]);
        fetched = 0;
        hr = IEnumBackgroundCopyJobs_Next(jobs, 2, got, &fetched);
        ok(hr == S_OK && fetched == 2, "Next(2): %#lx %lu\n", hr, fetched);
        if (SUCCEEDED(hr)) for (i = 0; i < min(fetched, 2); i++) IBackgroundCopyJob_Release(got[i]);

        hr = IEnumBackgroundCopyJobs_Clone(jobs, &clone);
        ok(hr == S_OK, "Clone: %#lx\n", hr);
        if (SUCCEEDED(hr))
        {
            clone_count = 0xdeadbeef;
            hr = IEnumBackgroundCopyJobs_GetCount(clone, &clone_count);
            ok(hr == S_OK && clone_count == count, "clone count %#lx %lu\n", hr, clone_count);
            /* The clone is at the same position: count - 2 left. */
            hr = IEnumBackgroundCopyJobs_Skip(clone, count - 2);
            ok(hr == S_OK, "Skip rest: %#lx\n", hr);
            hr = IEnumBackgroundCopyJobs_Skip(clone, 1);
            ok(hr == S_FALSE, "Skip past the end: %#lx\n", hr);
            ok(IEnumBackgroundCopyJobs_Release(clone) == 0, "clone not freed\n");
        }

        hr = IEnumBackgroundCopyJobs_Skip(jobs, 1000);
        ok(hr == S_FALSE, "Skip(1000): %#lx\n", hr);
        ok(IEnumBackgroundCopyJobs_Release(jobs) == 0, "enumerator not freed\n");
    }

    for (i = 0; i < 3; i++)
    {
        if (!mine[i]) continue;
        IBackgroundCopyJob4_Cancel(mine[i]);
        IBackgroundCopyJob4_Release(mine[i]);
    }
}

static void test_inproc_next(void)
{
    IBackgroundCopyManager *inproc = get_inproc_manager();
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyJob *got[2];
    HRESULT hr;

    if (!inproc) return;
    hr = IBackgroundCopyManager_EnumJobs(inproc, 0, &jobs);
    ok(hr == S_OK, "EnumJobs: %#lx\n", hr);
    if (FAILED(hr))
    {
        IBackgroundCopyManager_Release(inproc);
        return;
    }
    /* The service's own answer to celt > 1 without a fetched count. */
    hr = IEnumBackgroundCopyJobs_Next(jobs, 2, got, NULL);
    ok(hr == E_INVALIDARG, "Next(2, NULL): %#lx\n", hr);
    hr = IEnumBackgroundCopyJobs_GetCount(jobs, NULL);
    ok(hr == E_INVALIDARG, "GetCount(NULL): %#lx\n", hr);
    hr = IEnumBackgroundCopyJobs_Clone(jobs, NULL);
    ok(hr == E_INVALIDARG, "Clone(NULL): %#lx\n", hr);
    IEnumBackgroundCopyJobs_Release(jobs);
    IBackgroundCopyManager_Release(inproc);
}

/* Two threads of one client may call Next on the same enumerator at once:
 * together they get every job once.  In-process, so that the calls meet
 * often. */
#define NEXT_RACE_JOBS   50
#define NEXT_RACE_ROUNDS 200

struct next_race
{
    IEnumBackgroundCopyJobs *jobs;
    LONG ready;                  /* threads at the start line */
    LONG fetched;
};

static DWORD WINAPI next_loop(void *arg)
{
    struct next_race *race = arg;
    IBackgroundCopyJob *job;

    /* Both start at the same moment: a thread takes longer to start than
     * a whole enumeration does. */
    InterlockedIncrement(&race->ready);
    while (ReadAcquire(&race->ready) < 2) YieldProcessor();
    while (IEnumBackgroundCopyJobs_Next(race->jobs, 1, &job, NULL) == S_OK)
    {
        InterlockedIncrement(&race->fetched);
        IBackgroundCopyJob_Release(job);
    }
    return 0;
}

static void test_inproc_next_race(void)
{
    IBackgroundCopyManager *inproc = get_inproc_manager();
    IBackgroundCopyJob4 *mine[NEXT_RACE_JOBS] = { NULL };
    unsigned int i, round, wrong = 0;
    struct next_race race;
    HANDLE threads[2];
    ULONG count = 0;
    LONG last = 0;
    HRESULT hr;

    if (!inproc) return;
    for (i = 0; i < NEXT_RACE_JOBS; i++)
        if (!(mine[i] = create_job4(inproc, L"next race", BG_JOB_TYPE_DOWNLOAD, NULL))) goto done;
    for (round = 0; round < NEXT_RACE_ROUNDS; round++)
    {
        hr = IBackgroundCopyManager_EnumJobs(inproc, 0, &race.jobs);
        ok(hr == S_OK, "EnumJobs: %#lx\n", hr);
        if (FAILED(hr)) break;
        IEnumBackgroundCopyJobs_GetCount(race.jobs, &count);
        race.fetched = race.ready = 0;
        for (i = 0; i < ARRAY_SIZE(threads); i++) threads[i] = CreateThread(NULL, 0, next_loop, &race, 0, NULL);
        for (i = 0; i < ARRAY_SIZE(threads); i++)
        {
            if (!threads[i]) continue;
            WaitForSingleObject(threads[i], INFINITE);
            CloseHandle(threads[i]);
        }
        IEnumBackgroundCopyJobs_Release(race.jobs);
        if (race.fetched != count)
        {
            wrong++;
            last = race.fetched;
        }
    }
    ok(!wrong, "%u of %u rounds fetched the wrong number of jobs (%ld of %lu)\n", wrong, round, last, count);
done:
    for (i = 0; i < NEXT_RACE_JOBS && mine[i]; i++)
    {
        IBackgroundCopyJob4_Cancel(mine[i]);
        IBackgroundCopyJob4_Release(mine[i]);
    }
    IBackgroundCopyManager_Release(inproc);
}

START_TEST(enum)
{
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!(manager = get_manager())) return;
    test_enum_files();
    test_enum_jobs();
    test_inproc_next();
    test_inproc_next_race();
    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
}
