/*
 * Tests of the job settings that need the service's own HTTP client
 * (issue 14, findings 5 and 7), against the servers tests/servers.sh
 * starts on 127.0.0.1:
 *   - Digest authentication (RFC 7616, MD5 and SHA-256, qop=auth) to a
 *     server and to a proxy, tests/digestserver.py, whose log shows what
 *     every request carried;
 *   - client certificates: "qmgr test client", which tests/run-check puts
 *     into the prefix's LocalMachine MY store, presented to nginx's
 *     client-certificate server;
 *   - BG_SSL_ENABLE_CRL_CHECK: two certificates for localhost whose CRL
 *     distribution point is on nginx, one revoked in that CRL;
 *   - BG_JOB_PROXY_USAGE_AUTODETECT: the PAC file nginx serves, named as
 *     the prefix's AutoConfigURL.
 *
 * Every test starts with a freshly started service, so that no connection
 * or cached answer of an earlier test decides the outcome.
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
#include "wincrypt.h"
#include "bitsmsg.h"

#define INTERNET_SETTINGS L"Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings"

static WCHAR test_dir[MAX_PATH];
static int http_port, client_port, revoked_port, crl_good_port, digest_port, proxy_port;
static char nginx_log[MAX_PATH], proxy_log[MAX_PATH], digest_log[MAX_PATH];
static WCHAR pac_url[256];

/* --- Digest -------------------------------------------------------------- */

/* A job to the Digest server's path with Digest server credentials:
 * the server's log shows a right Digest answer with qop, nc and cnonce
 * in the given algorithm (NULL: whichever) for this job's request. */
static void digest_server_job(const char *route, const char *algorithm)
{
    char key[32], path[96], alg[48];
    const char *what[] = { path, "\"status\": 200", "\"verified\": true", "\"scheme\": \"digest\"",
                           "\"proxy\": false", "qop=", "nc=", "cnonce=", algorithm ? alg : NULL, NULL };
    IBackgroundCopyManager *manager;
    WCHAR url[256], local[MAX_PATH];
    IBackgroundCopyJob4 *job;

    if (!(manager = fresh_manager())) return;
    make_key(key);
    swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%d/%hs/4096?%hs", digest_port, route, key);
    local_path(local, test_dir, L"digest.bin");
    if ((job = start_job(manager, L"digest server", url, local)))
    {
        set_credentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_DIGEST, L"bits", L"secret");
        run_to_completion(job, local, "small.bin");
    }
    snprintf(path, sizeof(path), "\"path\": \"/%s/4096?%s\"", route, key);
    snprintf(alg, sizeof(alg), "\"algorithm\": \"%s\"", algorithm ? algorithm : "");
    ok(log_has(digest_log, what), "no right Digest (%s) answer for %s in %s\n", algorithm ? algorithm : "any",
       path, digest_log);
    IBackgroundCopyManager_Release(manager);
}

static void test_digest_server(void)
{
    IBackgroundCopyManager *manager;
    WCHAR url[256], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    char key[32], path[96];
    const char *stale[] = { path, "\"stale\": true", NULL };

    digest_server_job("digest-md5", "MD5");
    digest_server_job("digest-sha256", "SHA-256");
    /* Both offered, SHA-256 first. */
    digest_server_job("digest", NULL);

    /* A stale nonce is answered again with the new one, not taken for a
     * wrong password. */
    make_key(key);
    snprintf(path, sizeof(path), "\"path\": \"/digest-stale/4096?%s\"", key);
    if ((manager = fresh_manager()))
    {
        swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%d/digest-stale/4096?%hs", digest_port, key);
        local_path(local, test_dir, L"digest-stale.bin");
        if ((job = start_job(manager, L"digest stale nonce", url, local)))
        {
            set_credentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_DIGEST, L"bits", L"secret");
            run_to_completion(job, local, "small.bin");
        }
        ok(log_has(digest_log, stale), "no stale challenge for %s in %s\n", path, digest_log);
        IBackgroundCopyManager_Release(manager);
    }

    /* A wrong password: the server's 401 stands. */
    if (!(manager = fresh_manager())) return;
    make_key(key);
    swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%d/digest-md5/4096?%hs", digest_port, key);
    local_path(local, test_dir, L"digest-wrong.bin");
    if ((job = start_job(manager, L"digest wrong password", url, local)))
    {
        set_credentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_DIGEST, L"bits", L"wrong");
        run_to_error(job, local, BG_E_HTTP_ERROR_401);
    }
    IBackgroundCopyManager_Release(manager);
}

/* The Digest server as a proxy (it answers a request with an absolute
 * target itself, with 407 and Proxy-Authenticate), the job's proxy
 * credentials answering its challenge; the URL's own server (nginx, which
 * has no such path) is never asked. */
static void digest_proxy_job(const char *route, const char *algorithm, const WCHAR *password)
{
    char key[32], path[128], alg[48];
    const char *what[] = { path, "\"status\": 200", "\"verified\": true", "\"scheme\": \"digest\"",
                           "\"proxy\": true", "qop=", "nc=", "cnonce=", alg, NULL };
    IBackgroundCopyManager *manager;
    WCHAR url[256], local[MAX_PATH], proxy[64];
    IBackgroundCopyJob4 *job;
    HRESULT hr;

    if (!(manager = fresh_manager())) return;
    make_key(key);
    swprintf(proxy, ARRAY_SIZE(proxy), L"127.0.0.1:%d", digest_port);
    swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%d/%hs/4096?%hs", http_port, route, key);
    local_path(local, test_dir, L"digest-proxy.bin");
    if ((job = start_job(manager, L"digest proxy", url, local)))
    {
        hr = IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, proxy, NULL);
        ok(hr == S_OK, "SetProxySettings: %#lx\n", hr);
        set_credentials(job, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_DIGEST, L"bits", password);
        if (wcscmp(password, L"secret")) run_to_error(job, local, BG_E_HTTP_ERROR_407);
        else run_to_completion(job, local, "small.bin");
    }
    snprintf(path, sizeof(path), "\"path\": \"http://127.0.0.1:%d/%s/4096?%s\"", http_port, route, key);
    snprintf(alg, sizeof(alg), "\"algorithm\": \"%s\"", algorithm);
    if (!wcscmp(password, L"secret"))
        ok(log_has(digest_log, what), "no right Digest (%s) proxy answer for %s in %s\n", algorithm, path, digest_log);
    IBackgroundCopyManager_Release(manager);
}

static void test_digest_proxy(void)
{
    digest_proxy_job("digest-md5", "MD5", L"secret");
    digest_proxy_job("digest-sha256", "SHA-256", L"secret");
    digest_proxy_job("digest-stale", "MD5", L"secret");
    digest_proxy_job("digest-md5", "MD5", L"wrong");
}

/* --- client certificates -------------------------------------------------- */

/* A job to /client/ with the certificate the callback sets (none when
 * NULL): nginx's log shows that certificate for this job's request. */
static void client_cert_job(const WCHAR *name, HRESULT (*set)(IBackgroundCopyJobHttpOptions *, const void *),
                            const void *arg)
{
    IBackgroundCopyJobHttpOptions *options;
    IBackgroundCopyManager *manager;
    WCHAR url[256], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    char key[32], path[64];
    const char *what[] = { path, " 200 ", "client_cert=\"CN=qmgr test client\"", NULL };
    const char *any[] = { path, NULL };
    HRESULT hr;

    if (!(manager = fresh_manager())) return;
    make_key(key);
    swprintf(url, ARRAY_SIZE(url), L"https://localhost:%d/client/small.bin?%hs", client_port, key);
    local_path(local, test_dir, L"client.bin");
    snprintf(path, sizeof(path), "/client/small.bin?%s ", key);
    if ((job = start_job(manager, name, url, local)))
    {
        if (!set)
        {
            /* Microsoft: a server that asks for a certificate without
             * requiring one (ssl_verify_client optional), a job without
             * one: ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED, no request.
             * Wine 8's schannel never says the server asked (no
             * SEC_I_INCOMPLETE_CREDENTIALS): the handshake goes on without
             * a certificate and the server decides (nginx: 403). */
            BG_JOB_STATE state;

            hr = IBackgroundCopyJob4_Resume(job);
            ok(hr == S_OK, "Resume: %#lx\n", hr);
            state = wait_for_state(job, END_STATES, 60000);
            ok(state == BG_JOB_STATE_ERROR || state == BG_JOB_STATE_TRANSIENT_ERROR, "state %d\n", state);
            hr = job_error(job);
            todo_wine ok(hr == HRESULT_FROM_WIN32(ERROR_INTERNET_CLIENT_AUTH_CERT_NEEDED), "error %#lx\n", hr);
            ok(hr == HRESULT_FROM_WIN32(ERROR_INTERNET_CLIENT_AUTH_CERT_NEEDED) || hr == (HRESULT)0x80190193,
               "error %#lx\n", hr);
            IBackgroundCopyJob4_Cancel(job);
            IBackgroundCopyJob4_Release(job);
            ok(!file_exists(local), "%s left\n", wine_dbgstr_w(local));
            todo_wine ok(!log_has(nginx_log, any), "request %s sent without a certificate\n", path);
        }
        else if ((options = http_options(job)))
        {
            hr = set(options, arg);
            ok(hr == S_OK, "%s: setting the certificate: %#lx\n", wine_dbgstr_w(name), hr);
            IBackgroundCopyJobHttpOptions_Release(options);
            run_to_completion(job, local, "small.bin");
            ok(log_has(nginx_log, what), "%s: no request %s with the client certificate in %s\n",
               wine_dbgstr_w(name), path, nginx_log);
        }
        else IBackgroundCopyJob4_Release(job);
    }
    IBackgroundCopyManager_Release(manager);
}

static HRESULT set_cert_by_name(IBackgroundCopyJobHttpOptions *options, const void *subject)
{
    return IBackgroundCopyJobHttpOptions_SetClientCertificateByName(options, BG_CERT_STORE_LOCATION_LOCAL_MACHINE,
                                                                     L"MY", subject);
}

static HRESULT set_cert_by_id(IBackgroundCopyJobHttpOptions *options, const void *hash)
{
    return IBackgroundCopyJobHttpOptions_SetClientCertificateByID(options, BG_CERT_STORE_LOCATION_LOCAL_MACHINE,
                                                                   L"MY", (BYTE *)hash);
}

static void test_client_certificate(void)
{
    IBackgroundCopyJobHttpOptions *options;
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob4 *job;
    WCHAR url[256], local[MAX_PATH];
    BG_CERT_STORE_LOCATION location;
    BYTE hash[20], nohash[20];
    HRESULT hr;

    client_cert_job(L"client certificate by name", set_cert_by_name, CLIENT_SUBJECT);
    if (client_cert_hash(hash))
        client_cert_job(L"client certificate by hash", set_cert_by_id, hash);
    client_cert_job(L"no client certificate", NULL, NULL);

    /* Certificates that are not there: Microsoft documents CRYPT_E_NOT_FOUND
     * from the call, HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) for a store
     * that does not exist. */
    if (!(manager = fresh_manager())) return;
    swprintf(url, ARRAY_SIZE(url), L"https://localhost:%d/client/small.bin", client_port);
    local_path(local, test_dir, L"nocert.bin");
    if ((job = start_job(manager, L"no such client certificate", url, local)))
    {
        if ((options = http_options(job)))
        {
            hr = set_cert_by_name(options, L"qmgr no such client");
            ok(hr == CRYPT_E_NOT_FOUND, "SetClientCertificateByName(no such subject): %#lx\n", hr);
            memset(nohash, 0x5a, sizeof(nohash));
            hr = set_cert_by_id(options, nohash);
            ok(hr == CRYPT_E_NOT_FOUND, "SetClientCertificateByID(no such hash): %#lx\n", hr);
            hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByName(options,
                    BG_CERT_STORE_LOCATION_LOCAL_MACHINE, L"qmgr no such store", CLIENT_SUBJECT);
            ok(hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), "SetClientCertificateByName(no such store): %#lx\n", hr);
            /* Every location, even one whose stores Wine cannot open: a
             * certificate that was not found is never accepted (the service
             * then handed schannel a NULL certificate and crashed). */
            for (location = BG_CERT_STORE_LOCATION_CURRENT_USER;
                 location <= BG_CERT_STORE_LOCATION_LOCAL_MACHINE_ENTERPRISE; location++)
            {
                hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByID(options, location, L"MY", nohash);
                ok(hr == CRYPT_E_NOT_FOUND || hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND),
                   "SetClientCertificateByID(location %d, no such hash): %#lx\n", location, hr);
            }
            IBackgroundCopyJobHttpOptions_Release(options);
        }
        IBackgroundCopyJob4_Cancel(job);
        IBackgroundCopyJob4_Release(job);
    }
    IBackgroundCopyManager_Release(manager);
}

/* The service's own answer for a store Wine cannot open, on a thread whose
 * last error is left from something else: that error is not the call's. */
static void test_unopened_store_inproc(void)
{
    IBackgroundCopyManager *inproc = get_inproc_manager();
    IBackgroundCopyJobHttpOptions *options;
    IBackgroundCopyJob *job;
    BYTE nohash[20];
    GUID id;
    HRESULT hr;

    if (!inproc) return;
    hr = IBackgroundCopyManager_CreateJob(inproc, L"unopened store", BG_JOB_TYPE_DOWNLOAD, &id, &job);
    ok(hr == S_OK, "CreateJob: %#lx\n", hr);
    if (hr == S_OK)
    {
        hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions, (void **)&options);
        ok(hr == S_OK, "QueryInterface: %#lx\n", hr);
        if (hr == S_OK)
        {
            memset(nohash, 0x5a, sizeof(nohash));
            SetLastError(ERROR_MR_MID_NOT_FOUND);
            hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByID(options,
                    BG_CERT_STORE_LOCATION_LOCAL_MACHINE_ENTERPRISE, L"MY", nohash);
            ok(hr == CRYPT_E_NOT_FOUND || hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND),
               "SetClientCertificateByID(enterprise): %#lx\n", hr);
            IBackgroundCopyJobHttpOptions_Release(options);
        }
        IBackgroundCopyJob_Cancel(job);
        IBackgroundCopyJob_Release(job);
    }
    IBackgroundCopyManager_Release(inproc);
}

/* --- certificate revocation ------------------------------------------------ */

/* One job to the given TLS port with the given security flags, in a fresh
 * service; expected S_OK: transferred (nginx saw the request), else that
 * error (and nginx saw no request). */
static void crl_job(const WCHAR *name, int port, ULONG flags, HRESULT expected)
{
    IBackgroundCopyManager *manager;
    WCHAR url[256], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    char key[32], path[64], port_str[32];
    const char *what[] = { path, port_str, NULL };

    if (!(manager = fresh_manager())) return;
    make_key(key);
    swprintf(url, ARRAY_SIZE(url), L"https://localhost:%d/small.bin?%hs", port, key);
    local_path(local, test_dir, L"crl.bin");
    snprintf(path, sizeof(path), "/small.bin?%s ", key);
    snprintf(port_str, sizeof(port_str), "port=%d ", port);
    if ((job = start_job(manager, name, url, local)))
    {
        set_security_flags(job, flags);
        if (expected == S_OK)
        {
            run_to_completion(job, local, "small.bin");
            ok(log_has(nginx_log, what), "%s: no request %s on port %d\n", wine_dbgstr_w(name), path, port);
        }
        else
        {
            run_to_error(job, local, expected);
            ok(!log_has(nginx_log, what), "%s: request %s sent to a revoked certificate's server\n",
               wine_dbgstr_w(name), path);
        }
    }
    IBackgroundCopyManager_Release(manager);
}

static void test_crl_check(void)
{
    const HRESULT revoked = HRESULT_FROM_WIN32(ERROR_INTERNET_SEC_CERT_REVOKED);

    /* BITS checks no CRL unless asked to. */
    crl_job(L"revoked, no CRL check", revoked_port, 0, S_OK);
    crl_job(L"revoked, CRL check", revoked_port, BG_SSL_ENABLE_CRL_CHECK, revoked);
    /* Wine 8's cryptnet caches the answer of its first check of a
     * certificate on disk as "not revoked": a second job must still fail. */
    crl_job(L"revoked, CRL check again", revoked_port, BG_SSL_ENABLE_CRL_CHECK, revoked);
    crl_job(L"not revoked, CRL check", crl_good_port, BG_SSL_ENABLE_CRL_CHECK, S_OK);
}

/* --- AUTODETECT ------------------------------------------------------------ */

/* One HTTP job with the given proxy usage; through: whether the open
 * proxy's log must show it (else only nginx's, directly). */
static void proxy_usage_job(const WCHAR *name, BG_JOB_PROXY_USAGE usage, const char *marker, BOOL through)
{
    IBackgroundCopyManager *manager;
    WCHAR url[256], local[MAX_PATH];
    IBackgroundCopyJob4 *job;
    char key[64], line[160], path[96];
    const char *proxied[] = { line, NULL }, *arrived[] = { path, NULL };
    HRESULT hr;

    if (!(manager = fresh_manager())) return;
    make_key(key);
    strcat(key, marker);
    swprintf(url, ARRAY_SIZE(url), L"http://127.0.0.1:%d/small.bin?%hs", http_port, key);
    local_path(local, test_dir, L"autodetect.bin");
    if ((job = start_job(manager, name, url, local)))
    {
        hr = IBackgroundCopyJob4_SetProxySettings(job, usage, NULL, NULL);
        ok(hr == S_OK, "SetProxySettings(%d): %#lx\n", usage, hr);
        run_to_completion(job, local, "small.bin");
    }
    snprintf(line, sizeof(line), "GET http://127.0.0.1:%d/small.bin?%s ", http_port, key);
    snprintf(path, sizeof(path), "\"GET /small.bin?%s ", key);
    if (through) ok(log_has(proxy_log, proxied), "%s: %s not in the proxy's log\n", wine_dbgstr_w(name), line);
    else ok(!log_has(proxy_log, proxied), "%s: %s went through the proxy\n", wine_dbgstr_w(name), line);
    ok(log_has(nginx_log, arrived), "%s: no request %s in nginx's log\n", wine_dbgstr_w(name), path);
    IBackgroundCopyManager_Release(manager);
}

static void test_autodetect(void)
{
    WCHAR saved[512];
    DWORD size = sizeof(saved), type;
    BOOL had_value;
    HKEY key;
    LONG ret;

    ret = RegCreateKeyExW(HKEY_CURRENT_USER, INTERNET_SETTINGS, 0, NULL, 0, KEY_READ | KEY_WRITE, NULL, &key, NULL);
    ok(!ret, "cannot open Internet Settings: %ld\n", ret);
    if (ret) return;
    had_value = !RegQueryValueExW(key, L"AutoConfigURL", NULL, &type, (BYTE *)saved, &size) && type == REG_SZ;

    /* No automatic configuration: PRECONFIG goes direct. */
    RegDeleteValueW(key, L"AutoConfigURL");
    proxy_usage_job(L"preconfig, no PAC", BG_JOB_PROXY_USAGE_PRECONFIG, "-pac-proxied", FALSE);

    /* The service reads the user's AutoConfigURL when it starts (every job
     * here starts a fresh one); the PAC file names the open proxy for
     * "pac-proxied" URLs only. */
    ret = RegSetValueExW(key, L"AutoConfigURL", 0, REG_SZ, (BYTE *)pac_url, (wcslen(pac_url) + 1) * sizeof(WCHAR));
    ok(!ret, "cannot set AutoConfigURL: %ld\n", ret);
    proxy_usage_job(L"autodetect, PAC proxy", BG_JOB_PROXY_USAGE_AUTODETECT, "-pac-proxied", TRUE);
    proxy_usage_job(L"autodetect, PAC direct", BG_JOB_PROXY_USAGE_AUTODETECT, "-pac-direct", FALSE);

    if (had_value) RegSetValueExW(key, L"AutoConfigURL", 0, REG_SZ, (BYTE *)saved, size);
    else RegDeleteValueW(key, L"AutoConfigURL");
    RegCloseKey(key);
    restart_service();
}

static int port_from(const char *name)
{
    const char *value = getenv(name);
    return value ? atoi(value) : 0;
}

static void unix_log(char *path, const char *name)
{
    snprintf(path, MAX_PATH, "Z:%s", getenv(name) ? getenv(name) : "");
}

START_TEST(netoptions)
{
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    http_port = port_from("QMGR_HTTP_PORT");
    client_port = port_from("QMGR_HTTPS_CLIENT_PORT");
    revoked_port = port_from("QMGR_HTTPS_REVOKED_PORT");
    crl_good_port = port_from("QMGR_HTTPS_CRL_GOOD_PORT");
    digest_port = port_from("QMGR_DIGEST_PORT");
    proxy_port = port_from("QMGR_PROXY_PORT");
    if (!http_port || !client_port || !revoked_port || !crl_good_port || !digest_port || !proxy_port ||
        !getenv("QMGR_PAC_URL"))
    {
        skip("no local test servers (run through make check)\n");
        CoUninitialize();
        return;
    }
    unix_log(nginx_log, "QMGR_NGINX_LOG");
    unix_log(proxy_log, "QMGR_PROXY_LOG");
    unix_log(digest_log, "QMGR_DIGEST_LOG");
    swprintf(pac_url, ARRAY_SIZE(pac_url), L"%hs", getenv("QMGR_PAC_URL"));
    make_test_dir(test_dir, L"netoptions");

    test_digest_server();
    test_digest_proxy();
    test_client_certificate();
    test_unopened_store_inproc();
    test_crl_check();
    test_autodetect();

    CoUninitialize();
}
