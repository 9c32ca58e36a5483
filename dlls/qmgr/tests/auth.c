/*
 * Tests of answers to authentication challenges through the BITS service,
 * against tests/digestserver.py (Digest MD5 and SHA-256 with qop=auth, and
 * Basic, as a server and as a proxy; its log says which credentials every
 * request carried and whether they were right).  A job's credentials
 * answer only the scheme they were set for, Digest works although Wine has
 * no Digest package, and wrong credentials end with the 401 after one
 * answer.
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
static int digest_port;
static char digest_log[MAX_PATH];

/* How many lines of the digest server's log carry every one of the strings. */
#define logged(...) log_count(digest_log, (const char *[]){ __VA_ARGS__, NULL })

/* A job for the digest server's paths (path with "%s" for the key), one
 * file each. */
static IBackgroundCopyJob4 *make_job(IBackgroundCopyManager *manager, const char *key, const char **paths,
                                     unsigned int count)
{
    IBackgroundCopyJob4 *job = foreground_job(manager, L"auth test", NULL);
    WCHAR url[256], local[MAX_PATH];
    unsigned int i;
    HRESULT hr;

    if (!job) return NULL;
    for (i = 0; i < count; i++)
    {
        swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%d%hs?%hs", digest_port, paths[i], key);
        swprintf(local, MAX_PATH, L"%s\\%hs-%u.bin", test_dir, key, i);
        hr = IBackgroundCopyJob4_AddFile(job, url, local);
        ok(hr == S_OK, "AddFile(%s): %#lx\n", wine_dbgstr_w(url), hr);
    }
    return job;
}

/* Resumes the job, waits for its end; returns the state, *code the error. */
static BG_JOB_STATE run_job(IBackgroundCopyJob4 *job, HRESULT *code)
{
    BG_JOB_STATE state;
    HRESULT hr;

    hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = wait_for_state(job, END_STATES, 60000);
    *code = state == BG_JOB_STATE_TRANSFERRED ? S_OK : job_error(job);
    if (state == BG_JOB_STATE_TRANSFERRED)
    {
        hr = IBackgroundCopyJob4_Complete(job);
        ok(hr == S_OK, "Complete: %#lx\n", hr);
    }
    else IBackgroundCopyJob4_Cancel(job);
    return state;
}

/* Digest server credentials, for both algorithms, two files. */
static void test_digest_server(IBackgroundCopyManager *manager, const char *route, const char *algorithm)
{
    char key[32], first[64], second[64], path[128];
    const char *paths[2] = { first, second };
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    HRESULT code;

    make_key(key);
    snprintf(first, sizeof(first), "/%s/4096", route);
    snprintf(second, sizeof(second), "/%s/5000", route);
    if (!(job = make_job(manager, key, paths, 2))) return;
    set_credentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_DIGEST, L"bits", L"secret");
    state = run_job(job, &code);
    ok(state == BG_JOB_STATE_TRANSFERRED, "%s: state %d, error %#lx\n", route, state, code);
    IBackgroundCopyJob4_Release(job);

    snprintf(path, sizeof(path), "\"path\": \"%s?%s\"", first, key);
    ok(logged(key, path, "\"status\": 200", "\"scheme\": \"digest\"", "\"verified\": true", algorithm) >= 1,
       "%s: no request answered with Digest %s in %s\n", route, algorithm, digest_log);
    snprintf(path, sizeof(path), "\"path\": \"%s?%s\"", second, key);
    ok(logged(key, path, "\"status\": 200", "\"verified\": true") >= 1,
       "%s: the second file was not sent with Digest\n", route);
    ok(!logged(key, "\"scheme\": \"basic\""), "%s: Basic sent\n", route);
}

/* Digest proxy credentials: the server's own paths, through it as a proxy. */
static void test_digest_proxy(IBackgroundCopyManager *manager)
{
    const char *paths[1] = { "/digest/4096" };
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    WCHAR proxy[64];
    char key[32];
    HRESULT hr, code;

    make_key(key);
    if (!(job = make_job(manager, key, paths, 1))) return;
    swprintf(proxy, ARRAY_SIZE(proxy), L"127.0.0.1:%d", digest_port);
    hr = IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, proxy, NULL);
    ok(hr == S_OK, "SetProxySettings: %#lx\n", hr);
    set_credentials(job, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_DIGEST, L"bits", L"secret");
    state = run_job(job, &code);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d, error %#lx\n", state, code);
    IBackgroundCopyJob4_Release(job);
    ok(logged(key, "\"proxy\": true", "\"status\": 200", "\"scheme\": \"digest\"", "\"verified\": true") >= 1,
       "no proxy request answered with Digest in %s\n", digest_log);
    ok(!logged(key, "\"authorization\": \""), "server credentials sent to the proxy\n");
}

/* Credentials of one scheme never answer another: the challenge stands and
 * no request carries them. */
static void test_wrong_scheme(IBackgroundCopyManager *manager, const char *route, BG_AUTH_SCHEME scheme,
                              const WCHAR *user, HRESULT expect)
{
    const char *paths[1] = { route };
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    HRESULT code;
    char key[32];

    make_key(key);
    if (!(job = make_job(manager, key, paths, 1))) return;
    set_credentials(job, BG_AUTH_TARGET_SERVER, scheme, user, user ? L"secret" : NULL);
    state = run_job(job, &code);
    ok(state == BG_JOB_STATE_ERROR, "%s, scheme %d: state %d\n", route, scheme, state);
    ok(code == expect, "%s, scheme %d: error %#lx\n", route, scheme, code);
    IBackgroundCopyJob4_Release(job);
    ok(logged(key) >= 1, "%s: no request in %s\n", route, digest_log);
    ok(!logged(key, "\"authorization\": \""), "%s: credentials of scheme %d sent\n", route, scheme);
}

/* A wrong password is answered once; the next challenge stands. */
static void test_wrong_password(IBackgroundCopyManager *manager, const char *route, BG_AUTH_SCHEME scheme)
{
    const char *paths[1] = { route };
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    HRESULT code;
    char key[32];

    make_key(key);
    if (!(job = make_job(manager, key, paths, 1))) return;
    set_credentials(job, BG_AUTH_TARGET_SERVER, scheme, L"bits", L"wrong");
    state = run_job(job, &code);
    ok(state == BG_JOB_STATE_ERROR, "%s: state %d\n", route, state);
    ok(code == BG_E_HTTP_ERROR_401, "%s: error %#lx\n", route, code);
    IBackgroundCopyJob4_Release(job);
    ok(logged(key, "\"authorization\": \"") == 1, "%s: %u answers with a wrong password\n", route,
       logged(key, "\"authorization\": \""));
    ok(!logged(key, "\"verified\": true"), "%s: verified\n", route);
}

/* Offered Basic and Digest, with credentials for both: Digest. */
static void test_strongest(IBackgroundCopyManager *manager)
{
    const char *paths[1] = { "/any/4096" };
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    HRESULT code;
    char key[32];

    make_key(key);
    if (!(job = make_job(manager, key, paths, 1))) return;
    set_credentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, L"bits", L"secret");
    set_credentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_DIGEST, L"bits", L"secret");
    state = run_job(job, &code);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d, error %#lx\n", state, code);
    IBackgroundCopyJob4_Release(job);
    ok(logged(key, "\"status\": 200", "\"scheme\": \"digest\"", "\"verified\": true") >= 1,
       "not answered with Digest\n");
    ok(!logged(key, "\"scheme\": \"basic\""), "Basic sent although Digest was offered\n");
}

START_TEST(auth)
{
    IBackgroundCopyManager *manager;
    const char *value;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!(value = getenv("QMGR_DIGEST_PORT")) || !(digest_port = atoi(value)) || !getenv("QMGR_DIGEST_LOG"))
    {
        skip("no local test servers (run through make check)\n");
        CoUninitialize();
        return;
    }
    snprintf(digest_log, sizeof(digest_log), "Z:%s", getenv("QMGR_DIGEST_LOG"));
    make_test_dir(test_dir, L"auth");

    if ((manager = get_manager()))
    {
        test_digest_server(manager, "digest", "\"algorithm\": \"SHA-256\"");
        test_digest_server(manager, "digest-md5", "\"algorithm\": \"MD5\"");
        test_digest_proxy(manager);
        test_wrong_scheme(manager, "/digest/4096", BG_AUTH_SCHEME_BASIC, L"bits", BG_E_HTTP_ERROR_401);
        test_wrong_scheme(manager, "/basic/4096", BG_AUTH_SCHEME_DIGEST, L"bits", BG_E_HTTP_ERROR_401);
        test_wrong_scheme(manager, "/basic/4096", BG_AUTH_SCHEME_NTLM, L"bits", BG_E_HTTP_ERROR_401);
        test_wrong_scheme(manager, "/basic/4096", BG_AUTH_SCHEME_NEGOTIATE, NULL, BG_E_HTTP_ERROR_401);
        test_wrong_password(manager, "/digest/4096", BG_AUTH_SCHEME_DIGEST);
        test_wrong_password(manager, "/basic/4096", BG_AUTH_SCHEME_BASIC);
        test_strongest(manager);
        IBackgroundCopyManager_Release(manager);
    }
    CoUninitialize();
}
