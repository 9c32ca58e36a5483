/*
 * Tests of a job's credentials in the job store: they outlive a restart of
 * the service, are never written in clear, do not open in another job's
 * record, and are gone from the store after RemoveCredentials or
 * TakeOwnership.
 *
 * The server is nginx's /auth/ location over TLS (Basic, bits:secret),
 * whose log names the user of every authenticated request.
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

static WCHAR test_dir[MAX_PATH];
static int https_port;
static char nginx_log[MAX_PATH];

static void store_dir(WCHAR *dir)
{
    ExpandEnvironmentStringsW(L"%ProgramData%\\Microsoft\\Network\\Downloader", dir, MAX_PATH);
}

static void job_file(const GUID *id, WCHAR *path)
{
    WCHAR dir[MAX_PATH], guid[40];

    store_dir(dir);
    StringFromGUID2(id, guid, ARRAY_SIZE(guid));
    swprintf(path, MAX_PATH, L"%s\\%s.job", dir, guid);
}

/* The whole file, NUL-terminated, or NULL. */
static char *read_file(const WCHAR *path, DWORD *size)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                              OPEN_EXISTING, 0, NULL);
    DWORD len, read = 0;
    char *data = NULL;

    if (file == INVALID_HANDLE_VALUE) return NULL;
    len = GetFileSize(file, NULL);
    if (len != INVALID_FILE_SIZE && (data = malloc(len + 1)))
    {
        if (!ReadFile(file, data, len, &read, NULL)) read = 0;
        data[read] = 0;
    }
    CloseHandle(file);
    if (size) *size = read;
    return data;
}

static BOOL write_file(const WCHAR *path, const char *data)
{
    HANDLE file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD written = 0;

    if (file == INVALID_HANDLE_VALUE) return FALSE;
    WriteFile(file, data, strlen(data), &written, NULL);
    CloseHandle(file);
    return written == strlen(data);
}

/* Writes an edited entry of the store, its header fixed; frees it. */
static void write_entry(const WCHAR *path, char *edited)
{
    char *entry = store_entry_fixed(edited);

    ok(entry != NULL, "no entry header in %s\n", wine_dbgstr_w(path));
    if (entry) ok(write_file(path, entry), "cannot write %s\n", wine_dbgstr_w(path));
    free(entry);
    free(edited);
}

/* The job's "credentials" line in the store, without its newline, or NULL. */
static char *credentials_line(const GUID *id)
{
    WCHAR path[MAX_PATH];
    char *record, *line, *end, *ret = NULL;

    job_file(id, path);
    if (!(record = read_file(path, NULL))) return NULL;
    if ((line = strstr(record, "\ncredentials ")))
    {
        line++;
        if ((end = strchr(line, '\n'))) *end = 0;
        if ((end = strchr(line, '\r'))) *end = 0;
        ret = strdup(line);
    }
    free(record);
    return ret;
}

static BOOL has_credentials_line(const GUID *id)
{
    char *line = credentials_line(id);

    free(line);
    return line != NULL;
}

static BOOL contains(const char *data, DWORD size, const void *what, DWORD len)
{
    DWORD i;

    for (i = 0; i + len <= size; i++)
        if (!memcmp(data + i, what, len)) return TRUE;
    return FALSE;
}

/* A suspended job for nginx's Basic location; with bits:secret when asked. */
static IBackgroundCopyJob4 *auth_job(IBackgroundCopyManager *manager, const WCHAR *name, const char *key,
                                     BOOL credentials, GUID *id)
{
    WCHAR url[256], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    HRESULT hr;

    if (!(job = foreground_job(manager, name, id))) return NULL;
    swprintf(url, ARRAY_SIZE(url), L"https://localhost:%d/auth/small.bin?%hs", https_port, key);
    swprintf(local, MAX_PATH, L"%s\\%hs.bin", test_dir, key);
    hr = IBackgroundCopyJob4_AddFile(job, url, local);
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    if (credentials) set_credentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, L"bits", L"secret");
    return job;
}

static IBackgroundCopyJob4 *get_job(IBackgroundCopyManager *manager, const GUID *id)
{
    IBackgroundCopyJob4 *job4 = NULL;
    IBackgroundCopyJob *job;
    HRESULT hr;

    hr = IBackgroundCopyManager_GetJob(manager, id, &job);
    ok(hr == S_OK, "GetJob(%s): %#lx\n", wine_dbgstr_guid(id), hr);
    if (FAILED(hr)) return NULL;
    IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob4, (void **)&job4);
    IBackgroundCopyJob_Release(job);
    return job4;
}

/* Resumes the job: it ends in TRANSFERRED and nginx saw the user, or, when
 * it has no credentials, in ERROR with the server's 401. */
static void resume_and_check(IBackgroundCopyJob4 *job, const char *key, BOOL credentials)
{
    BG_JOB_STATE state;
    BOOL completed = FALSE;
    char path[64];
    const char *with_user[] = { path, "user=\"bits\"", NULL };
    HRESULT hr;

    hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = wait_for_state(job, END_STATES, 60000);
    snprintf(path, sizeof(path), "/auth/small.bin?%s ", key);
    if (credentials)
    {
        ok(state == BG_JOB_STATE_TRANSFERRED, "state %d, error %#lx\n", state, job_error(job));
        if (state == BG_JOB_STATE_TRANSFERRED)
        {
            hr = IBackgroundCopyJob4_Complete(job);
            ok(hr == S_OK, "Complete: %#lx\n", hr);
            completed = hr == S_OK;
        }
        ok(log_has(nginx_log, with_user), "no authenticated request for %s in %s\n", path, nginx_log);
    }
    else
    {
        ok(state == BG_JOB_STATE_ERROR, "state %d\n", state);
        hr = job_error(job);
        ok(hr == BG_E_HTTP_ERROR_401, "error %#lx\n", hr);
        ok(!log_has(nginx_log, with_user), "an authenticated request for %s in %s\n", path, nginx_log);
    }
    if (!completed) IBackgroundCopyJob4_Cancel(job);
}

/* A job with bits:secret, created in this service and read back from the
 * store by the next one: the job from the new service, with *manager, or
 * NULL. */
static IBackgroundCopyJob4 *stored_job(const WCHAR *name, char *key, GUID *id, IBackgroundCopyManager **manager)
{
    IBackgroundCopyJob4 *job;

    if (!(*manager = get_manager())) return NULL;
    make_key(key);
    job = auth_job(*manager, name, key, TRUE, id);
    IBackgroundCopyManager_Release(*manager);
    *manager = NULL;
    if (!job) return NULL;
    IBackgroundCopyJob4_Release(job);

    if (!(*manager = fresh_manager())) return NULL;
    ok(has_credentials_line(id), "no credentials in the job's record\n");
    if (!(job = get_job(*manager, id)))
    {
        IBackgroundCopyManager_Release(*manager);
        *manager = NULL;
    }
    return job;
}

/* Set before the job ever ran, the credentials are there after the
 * service was stopped and started again: the job completes. */
static void test_survive_restart(void)
{
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob4 *job;
    char key[32];
    GUID id;

    if (!(job = stored_job(L"credentials over a restart", key, &id, &manager))) return;
    resume_and_check(job, key, TRUE);
    IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(manager);
}

static void check_absent(const char *data, DWORD size, const WCHAR *secret, const WCHAR *file)
{
    char utf8[128];
    int len;

    len = WideCharToMultiByte(CP_UTF8, 0, secret, -1, utf8, sizeof(utf8), NULL, NULL) - 1;
    ok(!contains(data, size, utf8, len), "%s in clear (UTF-8) in %s\n", wine_dbgstr_w(secret), wine_dbgstr_w(file));
    ok(!contains(data, size, secret, wcslen(secret) * sizeof(WCHAR)), "%s in clear (UTF-16) in %s\n",
       wine_dbgstr_w(secret), wine_dbgstr_w(file));
}

/* What the store keeps of credentials is sealed: no user name or password
 * of this test is anywhere in the store's folder. */
static void test_no_clear_text(void)
{
    IBackgroundCopyManager *manager = get_manager();
    WCHAR dir[MAX_PATH], pattern[MAX_PATH], path[MAX_PATH], secrets[4][64];
    WIN32_FIND_DATAW data;
    IBackgroundCopyJob4 *job;
    unsigned int i, files = 0;
    HANDLE find;
    char key[32], *text;
    DWORD size;
    GUID id;

    if (!manager) return;
    make_key(key);
    swprintf(secrets[0], 64, L"user-%hs", key);
    swprintf(secrets[1], 64, L"Pa55-%hs-w\x00f6rd", key);
    swprintf(secrets[2], 64, L"proxy-%hs", key);
    swprintf(secrets[3], 64, L"proxy-pw-%hs", key);
    job = auth_job(manager, L"credentials kept sealed", key, FALSE, &id);
    IBackgroundCopyManager_Release(manager);
    if (!job) return;
    set_credentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, secrets[0], secrets[1]);
    set_credentials(job, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_NTLM, secrets[2], secrets[3]);
    IBackgroundCopyJob4_Release(job);

    /* The service writes every job when it stops. */
    if (!restart_service()) return;
    ok(has_credentials_line(&id), "no credentials in the job's record\n");
    store_dir(dir);
    swprintf(pattern, MAX_PATH, L"%s\\*", dir);
    if ((find = FindFirstFileW(pattern, &data)) != INVALID_HANDLE_VALUE)
    {
        do
        {
            if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
            swprintf(path, MAX_PATH, L"%s\\%s", dir, data.cFileName);
            if (!(text = read_file(path, &size))) continue;
            files++;
            for (i = 0; i < ARRAY_SIZE(secrets); i++) check_absent(text, size, secrets[i], path);
            free(text);
        } while (FindNextFileW(find, &data));
        FindClose(find);
    }
    ok(files > 0, "no file in %s\n", wine_dbgstr_w(dir));

    if ((manager = get_manager()))
    {
        if ((job = get_job(manager, &id)))
        {
            IBackgroundCopyJob4_Cancel(job);
            IBackgroundCopyJob4_Release(job);
        }
        IBackgroundCopyManager_Release(manager);
    }
}

/* A job's sealed credentials copied into another job's record do not open
 * there, and neither does garbage: each such job loads, without them. */
static void test_moved_blob(void)
{
    static const char garbage[] = "credentials 00 zz - -\n";
    IBackgroundCopyManager *manager = get_manager();
    IBackgroundCopyJob4 *job, *other, *broken;
    WCHAR path[MAX_PATH];
    char key[32], other_key[32], broken_key[32], *line, *record, *end, *edited;
    GUID id, other_id, broken_id;

    if (!manager) return;
    make_key(key);
    make_key(other_key);
    make_key(broken_key);
    job = auth_job(manager, L"credentials to be copied", key, TRUE, &id);
    other = auth_job(manager, L"credentials copied in", other_key, FALSE, &other_id);
    broken = auth_job(manager, L"credentials that are garbage", broken_key, FALSE, &broken_id);
    IBackgroundCopyManager_Release(manager);
    if (job) IBackgroundCopyJob4_Release(job);
    if (other) IBackgroundCopyJob4_Release(other);
    if (broken) IBackgroundCopyJob4_Release(broken);
    /* Edited while the service is stopped: nothing it writes can replace
     * the edits before it reads them. */
    if (!job || !other || !broken || !control_service(FALSE)) return;
    line = credentials_line(&id);
    ok(line != NULL, "no credentials in the job's record\n");
    if (line)
    {
        job_file(&other_id, path);
        record = read_file(path, NULL);
        ok(record && (end = strstr(record, "\nend")), "no record for the other job\n");
        if (record && (end = strstr(record, "\nend")) && (edited = malloc(strlen(record) + strlen(line) + 8)))
        {
            sprintf(edited, "%.*s\n%s%s", (int)(end - record), record, line, end);
            write_entry(path, edited);
        }
        free(record);
        job_file(&broken_id, path);
        record = read_file(path, NULL);
        if (record && (end = strstr(record, "\nend")) && (edited = malloc(strlen(record) + sizeof(garbage) + 8)))
        {
            sprintf(edited, "%.*s\n%s%s", (int)(end - record), record, garbage, end + 1);
            write_entry(path, edited);
        }
        free(record);
        free(line);
    }
    if (!control_service(TRUE) || !(manager = get_manager())) return;
    if ((other = get_job(manager, &other_id)))
    {
        resume_and_check(other, other_key, FALSE);
        IBackgroundCopyJob4_Release(other);
    }
    if ((broken = get_job(manager, &broken_id)))
    {
        resume_and_check(broken, broken_key, FALSE);
        IBackgroundCopyJob4_Release(broken);
    }
    if ((job = get_job(manager, &id)))
    {
        resume_and_check(job, key, TRUE);
        IBackgroundCopyJob4_Release(job);
    }
    IBackgroundCopyManager_Release(manager);
}

/* After a restart, the job's record has no credentials left, and the job
 * gets the server's 401. */
static void check_dropped(const GUID *id, const char *key)
{
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob4 *job;

    if (!(manager = fresh_manager())) return;
    ok(!has_credentials_line(id), "credentials still in the job's record\n");
    if ((job = get_job(manager, id)))
    {
        resume_and_check(job, key, FALSE);
        IBackgroundCopyJob4_Release(job);
    }
    IBackgroundCopyManager_Release(manager);
}

/* RemoveCredentials takes them out of the store too: after a restart the
 * job has none and gets the server's 401. */
static void test_remove_credentials(void)
{
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob4 *job;
    char key[32];
    HRESULT hr;
    GUID id;

    if (!(job = stored_job(L"credentials removed", key, &id, &manager))) return;
    hr = IBackgroundCopyJob4_RemoveCredentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC);
    ok(hr == S_OK, "RemoveCredentials: %#lx\n", hr);
    IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(manager);
    check_dropped(&id, key);
}

static BOOL is_elevated(void)
{
    TOKEN_ELEVATION elevation = { 0 };
    HANDLE token;
    DWORD size;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return FALSE;
    GetTokenInformation(token, TokenElevation, &elevation, sizeof(elevation), &size);
    CloseHandle(token);
    return elevation.TokenIsElevated;
}

/* In a child on the limited token: a job with credentials, left for the
 * parent to take over. */
static void limited_child(const char *key)
{
    IBackgroundCopyManager *manager = get_manager();
    IBackgroundCopyJob4 *job;
    WCHAR name[64];

    if (!manager) return;
    ok(!is_elevated(), "child token is elevated\n");
    swprintf(name, ARRAY_SIZE(name), L"credentials of %hs", key);
    if ((job = auth_job(manager, name, key, TRUE, NULL))) IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(manager);
}

/* TakeOwnership drops the old owner's credentials, from the store too:
 * after a restart the new owner's job gets the server's 401. */
static void test_take_ownership(void)
{
    IBackgroundCopyManager *manager;
    PROCESS_INFORMATION child;
    IBackgroundCopyJob4 *job;
    WCHAR name[64];
    char key[32], args[64];
    HANDLE token;
    HRESULT hr;
    GUID id;

    if (!is_elevated() || !(token = limited_token()))
    {
        skip("no limited linked token\n");
        return;
    }
    make_key(key);
    snprintf(args, sizeof(args), "credstore limited %s", key);
    if (run_child(args, token, &child)) wait_child_process(&child);
    CloseHandle(token);

    if (!(manager = fresh_manager())) return;
    swprintf(name, ARRAY_SIZE(name), L"credentials of %hs", key);
    job = find_job_by_name(manager, name);
    ok(job != NULL, "the child's job is not there\n");
    if (!job)
    {
        IBackgroundCopyManager_Release(manager);
        return;
    }
    IBackgroundCopyJob4_GetId(job, &id);
    ok(has_credentials_line(&id), "no credentials in the job's record\n");
    hr = IBackgroundCopyJob4_TakeOwnership(job);
    ok(hr == S_OK, "TakeOwnership: %#lx\n", hr);
    IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(manager);

    check_dropped(&id, key);
}

START_TEST(credstore)
{
    const char *value;
    char **argv;
    int argc = winetest_get_mainargs(&argv);

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!(value = getenv("QMGR_HTTPS_PORT")) || !(https_port = atoi(value)))
    {
        skip("no test servers\n");
        CoUninitialize();
        return;
    }
    snprintf(nginx_log, sizeof(nginx_log), "Z:%s", getenv("QMGR_NGINX_LOG") ? getenv("QMGR_NGINX_LOG") : "");
    make_test_dir(test_dir, L"credstore");
    if (argc > 3 && !strcmp(argv[2], "limited")) limited_child(argv[3]);
    else
    {
        test_survive_restart();
        test_no_clear_text();
        test_moved_blob();
        test_remove_credentials();
        test_take_ownership();
    }
    CoUninitialize();
}
