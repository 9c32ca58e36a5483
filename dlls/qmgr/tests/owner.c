/*
 * Tests of job owners: integrity level and elevation from the caller's
 * token as Wine emulates it, UAC access rules, TakeOwnership and the
 * quotas that bind non-elevated callers.
 *
 * Under Wine 8 a normal process has an elevated (full) token whose linked
 * token is limited; both report the same integrity RID, so elevation is
 * what tells them apart.  Expected values always come from the token the
 * process itself holds, never from constants.
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

/* The integrity level's RID of a token; 0 when it cannot be read. */
static ULONG token_integrity(HANDLE token)
{
    TOKEN_MANDATORY_LABEL *label;
    char buffer[256];
    DWORD size;
    BOOL ret;

    ret = GetTokenInformation(token, TokenIntegrityLevel, buffer, sizeof(buffer), &size);
    ok(ret, "TokenIntegrityLevel: %lu\n", GetLastError());
    if (!ret) return 0;
    label = (TOKEN_MANDATORY_LABEL *)buffer;
    return *GetSidSubAuthority(label->Label.Sid, *GetSidSubAuthorityCount(label->Label.Sid) - 1);
}

static void own_token_facts(ULONG *integrity, BOOL *elevated)
{
    TOKEN_ELEVATION te;
    HANDLE token;
    DWORD size;
    BOOL ret;

    *integrity = 0;
    *elevated = FALSE;
    ret = OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token);
    ok(ret, "OpenProcessToken: %lu\n", GetLastError());
    if (!ret) return;
    *integrity = token_integrity(token);
    ret = GetTokenInformation(token, TokenElevation, &te, sizeof(te), &size);
    ok(ret, "TokenElevation\n");
    if (ret) *elevated = te.TokenIsElevated;
    CloseHandle(token);
}

static void check_owner(IBackgroundCopyJob4 *job, ULONG integrity, BOOL elevated)
{
    ULONG level = 0xdeadbeef;
    BOOL state = 0xdeadbeef;
    HRESULT hr;

    hr = IBackgroundCopyJob4_GetOwnerIntegrityLevel(job, &level);
    ok(hr == S_OK, "GetOwnerIntegrityLevel: %#lx\n", hr);
    ok(level == integrity, "integrity %#lx, expected %#lx\n", level, integrity);
    hr = IBackgroundCopyJob4_GetOwnerElevationState(job, &state);
    ok(hr == S_OK, "GetOwnerElevationState: %#lx\n", hr);
    ok(state == elevated, "elevated %d, expected %d\n", state, elevated);
}

/* Runs in a child started on the limited linked token. */
static void limited_child(const char *parent_guid)
{
    IBackgroundCopyJob4 *job, *quota[70];
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyJob *parent_job;
    BG_FILE_INFO *set;
    WCHAR guidW[40], (*paths)[MAX_PATH];
    ULONG integrity, count;
    BOOL elevated;
    GUID parent;
    HRESULT hr;
    int i, created;

    own_token_facts(&integrity, &elevated);
    ok(!elevated, "child token is elevated\n");

    job = create_job4(manager, L"limited child job", BG_JOB_TYPE_DOWNLOAD, NULL);
    if (!job) return;
    check_owner(job, integrity, FALSE);

    /* Everyone's jobs are for elevated administrators only. */
    jobs = (void *)0xdeadbeef;
    hr = IBackgroundCopyManager_EnumJobs(manager, BG_JOB_ENUM_ALL_USERS, &jobs);
    ok(hr == E_ACCESSDENIED, "EnumJobs(ALL_USERS): %#lx\n", hr);

    /* The elevated parent's job can be neither seen nor touched. */
    MultiByteToWideChar(CP_ACP, 0, parent_guid, -1, guidW, ARRAY_SIZE(guidW));
    hr = CLSIDFromString(guidW, &parent);
    ok(hr == S_OK, "bad job id %s\n", parent_guid);
    hr = IBackgroundCopyManager_GetJob(manager, &parent, &parent_job);
    ok(hr == E_ACCESSDENIED, "GetJob(parent's job): %#lx\n", hr);
    if (hr == S_OK) IBackgroundCopyJob_Release(parent_job);
    hr = IBackgroundCopyManager_EnumJobs(manager, 0, &jobs);
    ok(hr == S_OK, "EnumJobs: %#lx\n", hr);
    while (SUCCEEDED(hr) && IEnumBackgroundCopyJobs_Next(jobs, 1, &parent_job, NULL) == S_OK)
    {
        BOOL owner_elevated = FALSE;
        IBackgroundCopyJob4 *j4;
        HRESULT hr2;

        hr2 = IBackgroundCopyJob_QueryInterface(parent_job, &IID_IBackgroundCopyJob4, (void **)&j4);
        ok(hr2 == S_OK, "QueryInterface(IBackgroundCopyJob4): %#lx\n", hr2);
        if (SUCCEEDED(hr2))
        {
            hr2 = IBackgroundCopyJob4_GetOwnerElevationState(j4, &owner_elevated);
            ok(hr2 == S_OK && !owner_elevated, "an elevated owner's job is enumerated: %#lx %d\n", hr2, owner_elevated);
            IBackgroundCopyJob4_Release(j4);
        }
        IBackgroundCopyJob_Release(parent_job);
    }
    if (SUCCEEDED(hr)) IEnumBackgroundCopyJobs_Release(jobs);

    /* TakeOwnership needs an elevated caller. */
    hr = IBackgroundCopyJob4_TakeOwnership(job);
    ok(hr == E_ACCESSDENIED, "TakeOwnership: %#lx\n", hr);

    /* 200 files per job bind a non-elevated caller. */
    set = calloc(201, sizeof(*set));
    paths = calloc(201, sizeof(*paths));
    for (i = 0; i < 201; i++)
    {
        swprintf(paths[i], MAX_PATH, L"C:\\qmgr\\quota%d", i);
        set[i].RemoteName = (WCHAR *)L"http://127.0.0.1/quota";
        set[i].LocalName = paths[i];
    }
    hr = IBackgroundCopyJob4_AddFileSet(job, 201, set);
    ok(hr == BG_E_TOO_MANY_FILES_IN_JOB, "201 files: %#lx\n", hr);
    hr = IBackgroundCopyJob4_AddFileSet(job, 200, set);
    ok(hr == S_OK, "200 files: %#lx\n", hr);
    hr = IBackgroundCopyJob4_AddFile(job, set[200].RemoteName, set[200].LocalName);
    ok(hr == BG_E_TOO_MANY_FILES_IN_JOB, "201st file: %#lx\n", hr);
    free(set);
    free(paths);

    /* 60 jobs per user bind a non-elevated caller. */
    count = 0;
    hr = IBackgroundCopyManager_EnumJobs(manager, 0, &jobs);
    ok(hr == S_OK, "EnumJobs: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        hr = IEnumBackgroundCopyJobs_GetCount(jobs, &count);
        ok(hr == S_OK, "GetCount: %#lx\n", hr);
        IEnumBackgroundCopyJobs_Release(jobs);
    }
    for (created = 0; created < 70; created++)
    {
        IBackgroundCopyJob *j;
        GUID id;
        HRESULT hr2;

        hr = IBackgroundCopyManager_CreateJob(manager, L"quota", BG_JOB_TYPE_DOWNLOAD, &id, &j);
        if (hr != S_OK) break;
        hr2 = IBackgroundCopyJob_QueryInterface(j, &IID_IBackgroundCopyJob4, (void **)&quota[created]);
        ok(hr2 == S_OK, "QueryInterface(IBackgroundCopyJob4): %#lx\n", hr2);
        if (FAILED(hr2))
        {
            IBackgroundCopyJob_Cancel(j);
            quota[created] = NULL;
        }
        IBackgroundCopyJob_Release(j);
    }
    ok(hr == BG_E_TOO_MANY_JOBS_PER_USER, "job %d: %#lx\n", created, hr);
    ok(created < 60, "created %d jobs beside %lu\n", created, count);
    for (i = 0; i < created; i++)
    {
        if (!quota[i]) continue;
        IBackgroundCopyJob4_Cancel(quota[i]);
        IBackgroundCopyJob4_Release(quota[i]);
    }

    /* Left for the parent to take over. */
    IBackgroundCopyJob4_Release(job);
}

static void test_owner(void)
{
    IBackgroundCopyJob4 *job, *child_job;
    ULONG integrity, child_integrity;
    BOOL elevated;
    PROCESS_INFORMATION child;
    HANDLE token;
    WCHAR guid[40];
    char args[128];
    GUID id;
    HRESULT hr;

    own_token_facts(&integrity, &elevated);
    trace("test token: integrity %#lx, elevated %d\n", integrity, elevated);

    job = create_job4(manager, L"elevated parent job", BG_JOB_TYPE_DOWNLOAD, &id);
    if (!job) return;
    check_owner(job, integrity, elevated);

    if (!elevated || !(token = limited_token()))
    {
        skip("no limited linked token\n");
        IBackgroundCopyJob4_Cancel(job);
        IBackgroundCopyJob4_Release(job);
        return;
    }

    /* The limited token's own integrity, as the child will see it. */
    child_integrity = token_integrity(token);

    StringFromGUID2(&id, guid, ARRAY_SIZE(guid));
    snprintf(args, sizeof(args), "owner limited %ls", guid);
    if (run_child(args, token, &child)) wait_child_process(&child);
    CloseHandle(token);

    child_job = find_job_by_name(manager, L"limited child job");
    ok(child_job != NULL, "child's job not found\n");
    if (child_job)
    {
        check_owner(child_job, child_integrity, FALSE);
        /* An elevated administrator may change it and take it over. */
        hr = IBackgroundCopyJob4_SetDescription(child_job, L"changed by the parent");
        ok(hr == S_OK, "SetDescription: %#lx\n", hr);
        hr = IBackgroundCopyJob4_SetNotifyCmdLine(child_job, L"C:\\windows\\system32\\cmd.exe", NULL);
        ok(hr == S_OK, "SetNotifyCmdLine: %#lx\n", hr);
        hr = IBackgroundCopyJob4_TakeOwnership(child_job);
        ok(hr == S_OK, "TakeOwnership: %#lx\n", hr);
        check_owner(child_job, integrity, elevated);
        /* TakeOwnership drops the notify command line. */
        {
            LPWSTR program = NULL, params = NULL;
            hr = IBackgroundCopyJob4_GetNotifyCmdLine(child_job, &program, &params);
            ok(hr == S_OK && program && !*program, "command line kept: %#lx %s\n", hr, wine_dbgstr_w(program));
            CoTaskMemFree(program);
            CoTaskMemFree(params);
        }
        IBackgroundCopyJob4_Cancel(child_job);
        IBackgroundCopyJob4_Release(child_job);
    }
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

/* TakeOwnership replaces the owner while other calls compare owners: an
 * enumeration running beside a stream of TakeOwnership calls must always
 * list every job of its owner, and the two must not deadlock (the job
 * list's lock is taken before the jobs').  In-process (the DLL loaded
 * here), so that the calls themselves, not the round trips to the service,
 * take the time and the two meet often.  Comparing a freed SID did not show
 * here without the job's lock (0 jobs missing in 20,000 enumerations of 40
 * jobs): under Wine every caller has the same SID, and the freed block
 * still holds it or is reused for the caller's own copy. */
#define RACE_JOBS  40
#define RACE_TAKES 5000

struct ownership_race
{
    IBackgroundCopyJob4 *jobs[RACE_JOBS];
    LONG done;
    LONG failures;
    HRESULT failure;
};

static DWORD WINAPI take_ownership_loop(void *arg)
{
    struct ownership_race *race = arg;
    ULONGLONG end = GetTickCount64() + 120000;
    HRESULT hr;
    int i;

    for (i = 0; i < RACE_TAKES && GetTickCount64() < end; i++)
    {
        if ((hr = IBackgroundCopyJob4_TakeOwnership(race->jobs[i % RACE_JOBS])) == S_OK) continue;
        race->failure = hr;
        InterlockedIncrement(&race->failures);
    }
    InterlockedExchange(&race->done, 1);
    return 0;
}

/* How many jobs EnumJobs(0) lists; -1 when it fails. */
static LONG count_own_jobs(IBackgroundCopyManager *inproc, HRESULT *hr)
{
    IEnumBackgroundCopyJobs *jobs;
    ULONG count = 0;

    if (FAILED(*hr = IBackgroundCopyManager_EnumJobs(inproc, 0, &jobs))) return -1;
    *hr = IEnumBackgroundCopyJobs_GetCount(jobs, &count);
    IEnumBackgroundCopyJobs_Release(jobs);
    return FAILED(*hr) ? -1 : count;
}

static void test_take_ownership_race(void)
{
    struct ownership_race race = { { NULL } };
    ULONG integrity, rounds = 0, missing = 0, failed = 0;
    IBackgroundCopyManager *inproc;
    LONG expected, count, least;
    BOOL elevated;
    HANDLE thread;
    HRESULT hr;
    int i;

    own_token_facts(&integrity, &elevated);
    if (!elevated)
    {
        skip("TakeOwnership needs an elevated caller\n");
        return;
    }
    if (!(inproc = get_inproc_manager())) return;
    for (i = 0; i < RACE_JOBS; i++)
        if (!(race.jobs[i] = create_job4(inproc, L"ownership race", BG_JOB_TYPE_DOWNLOAD, NULL))) goto done;
    expected = least = count_own_jobs(inproc, &hr);
    ok(expected >= RACE_JOBS, "EnumJobs: %ld jobs, %#lx\n", expected, hr);

    thread = CreateThread(NULL, 0, take_ownership_loop, &race, 0, NULL);
    ok(thread != NULL, "CreateThread: %lu\n", GetLastError());
    if (!thread) goto done;
    while (!ReadAcquire(&race.done))
    {
        count = count_own_jobs(inproc, &hr);
        if (hr != S_OK)
        {
            failed++;
            continue;
        }
        rounds++;
        if (count < expected)
        {
            missing += expected - count;
            least = min(least, count);
        }
    }
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
    ok(!race.failures, "%ld TakeOwnership calls failed, the last with %#lx\n", race.failures, race.failure);
    ok(!failed, "%lu enumerations failed, the last with %#lx\n", failed, hr);
    ok(!missing, "%lu jobs missing from %lu enumerations (as few as %ld of %ld listed)\n",
       missing, rounds, least, expected);
    trace("%lu enumerations beside %d TakeOwnership calls\n", rounds, RACE_TAKES);

done:
    for (i = 0; i < RACE_JOBS && race.jobs[i]; i++)
    {
        IBackgroundCopyJob4_Cancel(race.jobs[i]);
        IBackgroundCopyJob4_Release(race.jobs[i]);
    }
    IBackgroundCopyManager_Release(inproc);
}

START_TEST(owner)
{
    char **argv;
    int argc = winetest_get_mainargs(&argv);

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!(manager = get_manager())) return;
    if (argc > 3 && !strcmp(argv[2], "limited")) limited_child(argv[3]);
    else
    {
        test_owner();
        test_take_ownership_race();
    }
    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
}
