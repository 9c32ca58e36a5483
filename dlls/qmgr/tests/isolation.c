/*
 * Tests that jobs are kept apart in the one shared service (issue 14,
 * findings 1-4): a job's credentials, certificate exceptions and proxy
 * settings apply to its own requests only, whatever job ran before it in
 * the same service, for the same owner and for another one.
 *
 * Each scenario is a pair of jobs run one after the other in the same
 * running service (the service is restarted before each pair only, so
 * that pairs do not depend on each other), in both orders; the second job
 * is run either by this process or by a child on the limited linked token
 * (another owner, as in the owner unit).  The servers are the ones
 * tests/servers.sh starts, keep-alive on everywhere: nginx (plain, TLS
 * with the trusted test CA, an expired certificate, a CA no prefix trusts,
 * Basic authentication under /auth/) and tinyproxy, open and with Basic
 * authentication.  Every request carries a query key no other request
 * carries, so that the servers' logs tell which request went where and
 * with which Authorization header.
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
#include "wininet.h"

enum server { PLAIN, TLS, EXPIRED, UNTRUSTED, SERVER_COUNT };

/* What the logs must show of one file's requests. */
#define SEEN_WITH_USER  0x01  /* nginx: a request with user "bits" */
#define SEEN_NO_USER    0x02  /* nginx: requests, none with a Basic user */
#define SEEN_NO_AUTH    0x04  /* nginx: no request with an Authorization header */
#define NOT_SEEN        0x08  /* nginx: no request at all */
#define PROXIED         0x10  /* through the open proxy: a GET with the URL, or a CONNECT during the job */
#define DIRECT          0x20  /* not through the open proxy; nginx saw it */

enum proxy { NO_PROXY, OPEN_PROXY, AUTH_PROXY };

struct file_spec
{
    enum server server;
    const char *path;
    unsigned int logs;
};

struct job_spec
{
    const char *name;
    struct file_spec files[3];
    BOOL credentials;
    BG_AUTH_TARGET target;
    BG_AUTH_SCHEME scheme;
    ULONG security_flags;
    enum proxy proxy;
    HRESULT expected;   /* S_OK: transferred */
};

#define ERROR_401 BG_E_HTTP_ERROR_401
#define ERROR_407 BG_E_HTTP_ERROR_407
/* HRESULT_FROM_WIN32 of ERROR_INTERNET_SEC_CERT_DATE_INVALID and of
 * ERROR_INTERNET_INVALID_CA (an inline function, not a constant). */
#define CERT_DATE ((HRESULT)(0x80070000 | ERROR_INTERNET_SEC_CERT_DATE_INVALID))
#define UNKNOWN_CA ((HRESULT)(0x80070000 | ERROR_INTERNET_INVALID_CA))

static const struct job_spec basic_server =
{
    "Basic credentials",
    { { TLS, "/auth/small.bin", SEEN_WITH_USER }, { PLAIN, "/auth/small.bin", SEEN_WITH_USER } },
    TRUE, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, 0, NO_PROXY, S_OK
};
/* Fails at its third file: nothing after it is asked for. */
static const struct job_spec anonymous =
{
    "no credentials",
    { { PLAIN, "/small.bin", SEEN_NO_USER | SEEN_NO_AUTH },
      { TLS, "/small.bin", SEEN_NO_USER | SEEN_NO_AUTH },
      { TLS, "/auth/small.bin", SEEN_NO_USER | SEEN_NO_AUTH } },
    FALSE, 0, 0, 0, NO_PROXY, ERROR_401
};
static const struct job_spec basic_plain =
{
    "Basic credentials, http", { { PLAIN, "/auth/small.bin", SEEN_WITH_USER } },
    TRUE, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, 0, NO_PROXY, S_OK
};
static const struct job_spec expired_ignored =
{
    "expired certificate ignored", { { EXPIRED, "/small.bin", 0 } },
    FALSE, 0, 0, BG_SSL_IGNORE_CERT_DATE_INVALID, NO_PROXY, S_OK
};
static const struct job_spec expired_default =
{
    "expired certificate, default flags", { { EXPIRED, "/small.bin", NOT_SEEN } },
    FALSE, 0, 0, 0, NO_PROXY, CERT_DATE
};
static const struct job_spec untrusted_ignored =
{
    "unknown CA ignored", { { UNTRUSTED, "/small.bin", 0 } },
    FALSE, 0, 0, BG_SSL_IGNORE_UNKNOWN_CA, NO_PROXY, S_OK
};
static const struct job_spec untrusted_default =
{
    "unknown CA, default flags", { { UNTRUSTED, "/small.bin", NOT_SEEN } },
    FALSE, 0, 0, 0, NO_PROXY, UNKNOWN_CA
};
static const struct job_spec direct =
{
    "direct", { { PLAIN, "/small.bin", DIRECT }, { TLS, "/small.bin", DIRECT } },
    FALSE, 0, 0, 0, NO_PROXY, S_OK
};
static const struct job_spec proxied =
{
    "through the proxy", { { PLAIN, "/small.bin", PROXIED }, { TLS, "/small.bin", PROXIED } },
    FALSE, 0, 0, 0, OPEN_PROXY, S_OK
};
static const struct job_spec ntlm_server =
{
    "NTLM server credentials", { { PLAIN, "/auth/small.bin", SEEN_NO_USER } },
    TRUE, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_NTLM, 0, NO_PROXY, ERROR_401
};
static const struct job_spec digest_server =
{
    "Digest server credentials", { { PLAIN, "/auth/small.bin", SEEN_NO_USER } },
    TRUE, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_DIGEST, 0, NO_PROXY, ERROR_401
};
static const struct job_spec basic_proxy =
{
    "Basic proxy credentials", { { PLAIN, "/small.bin", 0 } },
    TRUE, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_BASIC, 0, AUTH_PROXY, S_OK
};
/* Had the password gone out as Basic, the proxy would have let it through. */
static const struct job_spec ntlm_proxy =
{
    "NTLM proxy credentials", { { PLAIN, "/small.bin", NOT_SEEN } },
    TRUE, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_NTLM, 0, AUTH_PROXY, ERROR_407
};
static const struct job_spec digest_proxy =
{
    "Digest proxy credentials", { { PLAIN, "/small.bin", NOT_SEEN } },
    TRUE, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_DIGEST, 0, AUTH_PROXY, ERROR_407
};

struct scenario
{
    const char *name;
    const struct job_spec *jobs[2];
    BOOL own_connections;   /* nginx saw the two jobs' requests on different connections */
};

static const struct scenario scenarios[] =
{
    { "password", { &basic_server, &anonymous } },
    { "certificate date exception", { &expired_ignored, &expired_default } },
    { "unknown CA exception", { &untrusted_ignored, &untrusted_default } },
    { "route", { &direct, &proxied }, TRUE },
    { "NTLM scheme, server", { &basic_plain, &ntlm_server } },
    { "Digest scheme, server", { &basic_plain, &digest_server } },
    { "NTLM scheme, proxy", { &basic_proxy, &ntlm_proxy } },
    { "Digest scheme, proxy", { &basic_proxy, &digest_proxy } },
};

static WCHAR test_dir[MAX_PATH];
static int ports[SERVER_COUNT], proxy_port, auth_proxy_port;
static char nginx_log[MAX_PATH], proxy_log[MAX_PATH];

/* The key of a file of a job of a pair: the pair's key, the job's place
 * in the scenario (not in the run order) and the file's. */
static void file_key(char *key, size_t size, const char *pair_key, int job, int file)
{
    snprintf(key, size, "%s-%c%d", pair_key, 'a' + job, file);
}

static void file_url(WCHAR *url, size_t size, const struct file_spec *file, const char *key)
{
    swprintf(url, size, L"%hs://%hs:%d%hs?%hs", file->server == PLAIN ? "http" : "https",
             file->server == PLAIN ? "127.0.0.1" : "localhost", ports[file->server], file->path, key);
}

/* nginx's connection number for the first request with this key; 0 when
 * there is none. */
static unsigned int log_connection(const char *key)
{
    char line[4096], what[64], *p;
    unsigned int conn = 0;
    FILE *f;

    snprintf(what, sizeof(what), "?%s ", key);
    if (!(f = fopen(nginx_log, "r"))) return 0;
    while (!conn && fgets(line, sizeof(line), f))
        if (strstr(line, what) && (p = strstr(line, " conn="))) conn = strtoul(p + 6, NULL, 10);
    fclose(f);
    return conn;
}

static int connect_count(void)
{
    char what[64];
    const char *wanted[] = { what, NULL };

    snprintf(what, sizeof(what), "CONNECT localhost:%d ", ports[TLS]);
    return log_count(proxy_log, wanted);
}

/* Creates the job a spec describes, runs it to its end and checks how it
 * ended; the job is gone afterwards (completed or cancelled). */
static void run_job(IBackgroundCopyManager *manager, const struct job_spec *spec, const char *pair_key, int index)
{
    WCHAR url[256], local[ARRAY_SIZE(spec->files)][MAX_PATH], proxy[64], source[MAX_PATH];
    IBackgroundCopyJob4 *job;
    BG_JOB_STATE state;
    char key[64];
    HRESULT hr, code = S_OK;
    int i;

    winetest_push_context("%s", spec->name);
    if (!(job = foreground_job(manager, L"isolation", NULL)))
    {
        winetest_pop_context();
        return;
    }
    for (i = 0; i < ARRAY_SIZE(spec->files) && spec->files[i].path; i++)
    {
        file_key(key, sizeof(key), pair_key, index, i);
        file_url(url, ARRAY_SIZE(url), &spec->files[i], key);
        swprintf(local[i], MAX_PATH, L"%s\\%hs.bin", test_dir, key);
        hr = IBackgroundCopyJob4_AddFile(job, url, local[i]);
        ok(hr == S_OK, "AddFile(%s): %#lx\n", wine_dbgstr_w(url), hr);
    }
    if (spec->credentials) set_credentials(job, spec->target, spec->scheme, L"bits", L"secret");
    if (spec->security_flags) set_security_flags(job, spec->security_flags);
    if (spec->proxy != NO_PROXY)
    {
        swprintf(proxy, ARRAY_SIZE(proxy), L"127.0.0.1:%d", spec->proxy == OPEN_PROXY ? proxy_port : auth_proxy_port);
        hr = IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, proxy, NULL);
        ok(hr == S_OK, "SetProxySettings: %#lx\n", hr);
    }

    hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = wait_for_state(job, END_STATES, 60000);
    if (state == BG_JOB_STATE_ERROR || state == BG_JOB_STATE_TRANSIENT_ERROR) code = job_error(job);
    if (spec->expected == S_OK)
    {
        ok(state == BG_JOB_STATE_TRANSFERRED, "state %d, error %#lx\n", state, code);
        if (state == BG_JOB_STATE_TRANSFERRED)
        {
            hr = IBackgroundCopyJob4_Complete(job);
            ok(hr == S_OK, "Complete: %#lx\n", hr);
            if (hr == S_OK) state = BG_JOB_STATE_ACKNOWLEDGED;
            for (i = 0; i < ARRAY_SIZE(spec->files) && spec->files[i].path; i++)
            {
                source_path(source, strrchr(spec->files[i].path, '/') + 1);
                ok(same_files(local[i], source), "%s differs from %s\n", wine_dbgstr_w(local[i]), wine_dbgstr_w(source));
                DeleteFileW(local[i]);
            }
        }
    }
    else
    {
        ok(state == BG_JOB_STATE_ERROR || state == BG_JOB_STATE_TRANSIENT_ERROR, "state %d\n", state);
        ok(code == spec->expected, "error %#lx, expected %#lx\n", code, spec->expected);
    }
    if (state != BG_JOB_STATE_ACKNOWLEDGED) IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
    winetest_pop_context();
}

/* Runs the job of a scenario in a child on the limited linked token, the
 * same service's client as another owner. */
static void run_job_as_other_owner(HANDLE token, int scenario, int index, const char *pair_key)
{
    PROCESS_INFORMATION child;
    char args[128];

    snprintf(args, sizeof(args), "isolation child %d %d %s", scenario, index, pair_key);
    if (run_child(args, token, &child)) wait_child_process(&child);
}

/* What the logs show of one job's requests.  connects: CONNECT requests
 * the open proxy logged while the job ran. */
static void check_logs(const struct job_spec *spec, const char *pair_key, int index, int connects)
{
    char key[64], what[256];
    const char *any[] = { what, NULL }, *with_user[] = { what, "user=\"bits\"", NULL };
    const char *no_user[] = { what, "user=\"-\"", NULL }, *no_auth[] = { what, "auth=\"-\"", NULL };
    int i;

    winetest_push_context("%s", spec->name);
    for (i = 0; i < ARRAY_SIZE(spec->files) && spec->files[i].path; i++)
    {
        const struct file_spec *file = &spec->files[i];
        unsigned int seen;

        file_key(key, sizeof(key), pair_key, index, i);
        snprintf(what, sizeof(what), "?%s ", key);
        seen = log_count(nginx_log, any);
        winetest_push_context("%s", file->path);
        if (file->logs & SEEN_WITH_USER)
            ok(log_count(nginx_log, with_user), "nginx saw no request for %s with user \"bits\"\n", key);
        if (file->logs & SEEN_NO_USER)
        {
            ok(seen, "nginx saw no request for %s\n", key);
            ok(log_count(nginx_log, no_user) == seen, "a request for %s carried a Basic user\n", key);
        }
        if (file->logs & SEEN_NO_AUTH)
            ok(log_count(nginx_log, no_auth) == seen, "a request for %s carried an Authorization header\n", key);
        if (file->logs & NOT_SEEN)
            ok(!seen, "nginx saw %u requests for %s\n", seen, key);
        if (file->logs & (PROXIED | DIRECT))
            ok(seen, "nginx saw no request for %s\n", key);
        if ((file->logs & PROXIED) && file->server == PLAIN)
        {
            snprintf(what, sizeof(what), "GET http://127.0.0.1:%d%s?%s ", ports[PLAIN], file->path, key);
            ok(log_count(proxy_log, any), "%s not in the proxy's log\n", what);
        }
        if ((file->logs & PROXIED) && file->server != PLAIN)
            ok(connects > 0, "the proxy saw no CONNECT for %s\n", key);
        if ((file->logs & DIRECT) && file->server == PLAIN)
            ok(!log_count(proxy_log, any), "%s went through the proxy\n", key);
        if ((file->logs & DIRECT) && file->server != PLAIN)
            ok(!connects, "%d CONNECT requests while %s was direct\n", connects, key);
        winetest_pop_context();
    }
    winetest_pop_context();
}

/* One pair in a freshly started service: job first, then job !first, the
 * second one by this process or by a child on the limited token. */
static void run_pair(int index, int first, HANDLE other_owner)
{
    const struct scenario *scenario = &scenarios[index];
    IBackgroundCopyManager *manager;
    int connects[2], order[2] = { first, !first }, i;
    char pair_key[32], key[64];
    unsigned int conn[2];

    winetest_push_context("%s, %s first, %s owner", scenario->name, scenario->jobs[first]->name,
                          other_owner ? "other" : "same");
    make_key(pair_key);
    if (!(manager = fresh_manager()))
    {
        winetest_pop_context();
        return;
    }
    for (i = 0; i < 2; i++)
    {
        int before = connect_count();

        if (i && other_owner) run_job_as_other_owner(other_owner, index, order[i], pair_key);
        else run_job(manager, scenario->jobs[order[i]], pair_key, order[i]);
        connects[order[i]] = connect_count() - before;
    }
    IBackgroundCopyManager_Release(manager);

    for (i = 0; i < 2; i++) check_logs(scenario->jobs[i], pair_key, i, connects[i]);
    for (i = 0; scenario->own_connections && i < ARRAY_SIZE(scenario->jobs[0]->files) &&
                scenario->jobs[0]->files[i].path; i++)
    {
        file_key(key, sizeof(key), pair_key, 0, i);
        conn[0] = log_connection(key);
        file_key(key, sizeof(key), pair_key, 1, i);
        conn[1] = log_connection(key);
        ok(conn[0] && conn[1], "no connection for file %d: %u, %u\n", i, conn[0], conn[1]);
        ok(!conn[0] || conn[0] != conn[1], "file %d of both jobs came on nginx's connection %u\n", i, conn[0]);
    }
    winetest_pop_context();
}

static BOOL elevated(HANDLE token)
{
    TOKEN_ELEVATION elevation;
    DWORD size;

    return GetTokenInformation(token, TokenElevation, &elevation, sizeof(elevation), &size) &&
           elevation.TokenIsElevated;
}

static BOOL read_environment(void)
{
    static const char *names[SERVER_COUNT] =
        { "QMGR_HTTP_PORT", "QMGR_HTTPS_PORT", "QMGR_HTTPS_EXPIRED_PORT", "QMGR_HTTPS_UNTRUSTED_PORT" };
    const char *value;
    int i;

    for (i = 0; i < SERVER_COUNT; i++)
        if (!(value = getenv(names[i])) || !(ports[i] = atoi(value))) return FALSE;
    if (!(value = getenv("QMGR_PROXY_PORT")) || !(proxy_port = atoi(value))) return FALSE;
    if (!(value = getenv("QMGR_AUTH_PROXY_PORT")) || !(auth_proxy_port = atoi(value))) return FALSE;
    snprintf(nginx_log, sizeof(nginx_log), "Z:%s", getenv("QMGR_NGINX_LOG") ? getenv("QMGR_NGINX_LOG") : "");
    snprintf(proxy_log, sizeof(proxy_log), "Z:%s", getenv("QMGR_PROXY_LOG") ? getenv("QMGR_PROXY_LOG") : "");
    return TRUE;
}

START_TEST(isolation)
{
    IBackgroundCopyManager *manager;
    HANDLE other_owner, token;
    char **argv;
    int argc = winetest_get_mainargs(&argv), i, job;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!read_environment())
    {
        skip("no local test servers (run through make check)\n");
        CoUninitialize();
        return;
    }

    /* isolation child SCENARIO JOB KEY: one job, as the limited token's owner. */
    if (argc > 5 && !strcmp(argv[2], "child"))
    {
        i = atoi(argv[3]);
        job = atoi(argv[4]);
        if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        {
            ok(!elevated(token), "the child's token is elevated\n");
            CloseHandle(token);
        }
        make_test_dir(test_dir, L"isolation_child");
        if (i >= 0 && i < ARRAY_SIZE(scenarios) && (job == 0 || job == 1) && (manager = get_manager()))
        {
            winetest_push_context("%s, other owner's job", scenarios[i].name);
            run_job(manager, scenarios[i].jobs[job], argv[5], job);
            winetest_pop_context();
            IBackgroundCopyManager_Release(manager);
        }
        CoUninitialize();
        return;
    }

    make_test_dir(test_dir, L"isolation");
    other_owner = limited_token();
    if (!other_owner) skip("no limited linked token: pairs of owners not tested\n");
    for (i = 0; i < ARRAY_SIZE(scenarios); i++)
        for (job = 0; job < 2; job++)
        {
            run_pair(i, job, NULL);
            if (other_owner) run_pair(i, job, other_owner);
        }
    if (other_owner) CloseHandle(other_owner);
    CoUninitialize();
}
