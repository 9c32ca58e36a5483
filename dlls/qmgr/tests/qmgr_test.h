/*
 * Helpers shared by the qmgr conformance tests.
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

#ifndef __QMGR_TEST_H
#define __QMGR_TEST_H

#include <stdarg.h>
#include <stdio.h>

#define COBJMACROS
#include "windef.h"
#include "winbase.h"
#include "objbase.h"
#include "bits.h"
#include "bits1_5.h"
#include "bits2_0.h"
#include "bits2_5.h"
#include "bits3_0.h"
#include "winsvc.h"
#include "winternl.h"
#include "wincrypt.h"
#include "wine/test.h"
#include "qmgr_bits.h"

/* The proxy refuses a NULL [ref] pointer before the call reaches the
 * service, on Windows as on Wine; our own checks are then seen only by an
 * in-process caller (see get_inproc_manager). */
#define RPC_NULL_REF HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER)


static inline void wfill(WCHAR *s, WCHAR c, size_t n)
{
    while (n--) *s++ = c;
}

static inline IBackgroundCopyManager *get_manager(void)
{
    IBackgroundCopyManager *manager = NULL;
    HRESULT hr;

    hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER,
                          &IID_IBackgroundCopyManager, (void **)&manager);
    ok(hr == S_OK, "CoCreateInstance failed: %#lx\n", hr);
    return manager;
}

/* Our DLL loaded straight into the test process: what the service's own
 * argument checks answer, without a proxy in between. */
static inline IBackgroundCopyManager *get_inproc_manager(void)
{
    HRESULT (WINAPI *pDllGetClassObject)(REFCLSID, REFIID, void **);
    IBackgroundCopyManager *manager = NULL;
    IClassFactory *factory;
    WCHAR path[MAX_PATH];
    HMODULE module;
    HRESULT hr;

    GetSystemDirectoryW(path, MAX_PATH);
    wcscat(path, L"\\qmgr.dll");
    module = LoadLibraryW(path);
    ok(module != NULL, "cannot load %s: %lu\n", wine_dbgstr_w(path), GetLastError());
    if (!module) return NULL;
    pDllGetClassObject = (void *)GetProcAddress(module, "DllGetClassObject");
    ok(pDllGetClassObject != NULL, "no DllGetClassObject: %lu\n", GetLastError());
    if (!pDllGetClassObject) return NULL;
    hr = pDllGetClassObject(&CLSID_BackgroundCopyManager, &IID_IClassFactory, (void **)&factory);
    ok(hr == S_OK, "DllGetClassObject failed: %#lx\n", hr);
    if (FAILED(hr)) return NULL;
    hr = IClassFactory_CreateInstance(factory, NULL, &IID_IBackgroundCopyManager, (void **)&manager);
    ok(hr == S_OK, "CreateInstance failed: %#lx\n", hr);
    IClassFactory_Release(factory);
    return manager;
}

static inline IBackgroundCopyJob4 *create_job4(IBackgroundCopyManager *manager, const WCHAR *name,
                                               BG_JOB_TYPE type, GUID *id)
{
    IBackgroundCopyJob4 *job4 = NULL;
    IBackgroundCopyJob *job;
    GUID dummy;
    HRESULT hr;

    hr = IBackgroundCopyManager_CreateJob(manager, name, type, id ? id : &dummy, &job);
    ok(hr == S_OK, "CreateJob failed: %#lx\n", hr);
    if (FAILED(hr)) return NULL;
    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob4, (void **)&job4);
    ok(hr == S_OK, "QueryInterface(IBackgroundCopyJob4) failed: %#lx\n", hr);
    IBackgroundCopyJob_Release(job);
    return job4;
}

static inline BG_JOB_STATE job_state(IBackgroundCopyJob4 *job)
{
    BG_JOB_STATE state = -1;
    HRESULT hr = IBackgroundCopyJob4_GetState(job, &state);
    ok(hr == S_OK, "GetState failed: %#lx\n", hr);
    return state;
}

/* Waits up to timeout ms for the job to reach one of the states in mask
 * (1 << state); returns the state it ended in (-1 when GetState failed). */
static inline BG_JOB_STATE wait_for_state(IBackgroundCopyJob4 *job, DWORD mask, DWORD timeout)
{
    ULONGLONG end = GetTickCount64() + timeout;
    BG_JOB_STATE state;

    for (;;)
    {
        state = job_state(job);
        if ((unsigned int)state > BG_JOB_STATE_CANCELLED) return state;
        if (((1u << state) & mask) || GetTickCount64() > end) return state;
        Sleep(50);
    }
}

/* A fresh folder under the prefix's temp directory, as a Windows path. */
static inline void make_test_dir(WCHAR *dir, const WCHAR *name)
{
    WCHAR tmp[MAX_PATH], path[MAX_PATH];
    WIN32_FIND_DATAW data;
    HANDLE find;

    GetTempPathW(MAX_PATH, tmp);
    swprintf(dir, MAX_PATH, L"%sqmgr_%s", tmp, name);
    CreateDirectoryW(dir, NULL);
    /* Start empty: an earlier run may have been killed. */
    swprintf(path, MAX_PATH, L"%s\\*", dir);
    if ((find = FindFirstFileW(path, &data)) == INVALID_HANDLE_VALUE) return;
    do
    {
        swprintf(path, MAX_PATH, L"%s\\%s", dir, data.cFileName);
        SetFileAttributesW(path, FILE_ATTRIBUTE_NORMAL);
        DeleteFileW(path);
    } while (FindNextFileW(find, &data));
    FindClose(find);
}

/* TRUE when both files exist and have the same bytes. */
static inline BOOL same_files(const WCHAR *a, const WCHAR *b)
{
    HANDLE fa = CreateFileW(a, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE fb = CreateFileW(b, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    static BYTE ba[1 << 20], bb[1 << 20];
    DWORD ra, rb;
    BOOL same = fa != INVALID_HANDLE_VALUE && fb != INVALID_HANDLE_VALUE;

    while (same && ReadFile(fa, ba, sizeof(ba), &ra, NULL) && ReadFile(fb, bb, sizeof(bb), &rb, NULL))
    {
        if (ra != rb || memcmp(ba, bb, ra)) same = FALSE;
        if (!ra) break;
    }
    if (fa != INVALID_HANDLE_VALUE) CloseHandle(fa);
    if (fb != INVALID_HANDLE_VALUE) CloseHandle(fb);
    return same;
}

static inline BOOL file_exists(const WCHAR *path)
{
    return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

/* Starts this test program again with the given test name and arguments,
 * for wait_child_process(pi), which closes the handles. */
static inline BOOL run_child(const char *args, HANDLE token, PROCESS_INFORMATION *pi)
{
    STARTUPINFOA si = { sizeof(si) };
    char cmdline[MAX_PATH * 2], **argv;
    BOOL ret;

    winetest_get_mainargs(&argv);
    snprintf(cmdline, sizeof(cmdline), "\"%s\" %s", argv[0], args);
    if (token) ret = CreateProcessAsUserA(token, NULL, cmdline, NULL, NULL, FALSE, 0, NULL, NULL, &si, pi);
    else ret = CreateProcessA(NULL, cmdline, NULL, NULL, FALSE, 0, NULL, NULL, &si, pi);
    ok(ret, "cannot start %s: %lu\n", cmdline, GetLastError());
    return ret;
}

static inline DWORD wait_service_state(SC_HANDLE service, DWORD wanted, DWORD timeout)
{
    ULONGLONG end = GetTickCount64() + timeout;
    SERVICE_STATUS status = { 0 };

    while (QueryServiceStatus(service, &status) && status.dwCurrentState != wanted && GetTickCount64() < end)
        Sleep(100);
    return status.dwCurrentState;
}

/* A primary token made from the process's limited linked token, or NULL. */
static inline HANDLE limited_token(void)
{
    TOKEN_LINKED_TOKEN linked;
    HANDLE token, primary = NULL;
    DWORD size;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return NULL;
    if (!GetTokenInformation(token, TokenLinkedToken, &linked, sizeof(linked), &size))
    {
        CloseHandle(token);
        return NULL;
    }
    CloseHandle(token);
    DuplicateTokenEx(linked.LinkedToken, TOKEN_ALL_ACCESS, NULL, SecurityImpersonation, TokenPrimary, &primary);
    CloseHandle(linked.LinkedToken);
    return primary;
}

/* The first of the caller's jobs with that display name, or NULL. */
static inline IBackgroundCopyJob4 *find_job_by_name(IBackgroundCopyManager *manager, const WCHAR *wanted)
{
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyJob4 *found = NULL;
    IBackgroundCopyJob *job;
    LPWSTR name;

    if (FAILED(IBackgroundCopyManager_EnumJobs(manager, 0, &jobs))) return NULL;
    while (!found && IEnumBackgroundCopyJobs_Next(jobs, 1, &job, NULL) == S_OK)
    {
        name = NULL;
        if (SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &name)) && name)
        {
            if (!wcscmp(name, wanted)) IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob4, (void **)&found);
            CoTaskMemFree(name);
        }
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    return found;
}

/* Stops the BITS service through the service manager and starts it again;
 * every proxy to it is stale afterwards. */
static inline BOOL restart_service(void)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), service;
    SERVICE_STATUS status;
    BOOL ret = FALSE;

    if (!scm) return FALSE;
    if ((service = OpenServiceW(scm, L"BITS", SERVICE_START | SERVICE_STOP | SERVICE_QUERY_STATUS)))
    {
        ControlService(service, SERVICE_CONTROL_STOP, &status);
        if (wait_service_state(service, SERVICE_STOPPED, 60000) == SERVICE_STOPPED && StartServiceW(service, 0, NULL))
            ret = wait_service_state(service, SERVICE_RUNNING, 60000) == SERVICE_RUNNING;
        CloseServiceHandle(service);
    }
    CloseServiceHandle(scm);
    ok(ret, "BITS service did not restart\n");
    return ret;
}

/* Stops or starts the BITS service through the service manager. */
static inline BOOL control_service(BOOL start)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), service;
    SERVICE_STATUS status;
    BOOL ret = FALSE;

    if (!scm) return FALSE;
    if ((service = OpenServiceW(scm, L"BITS", SERVICE_START | SERVICE_STOP | SERVICE_QUERY_STATUS)))
    {
        if (start) ret = StartServiceW(service, 0, NULL) &&
                         wait_service_state(service, SERVICE_RUNNING, 60000) == SERVICE_RUNNING;
        else ret = (ControlService(service, SERVICE_CONTROL_STOP, &status) || GetLastError() == ERROR_SERVICE_NOT_ACTIVE) &&
                   wait_service_state(service, SERVICE_STOPPED, 60000) == SERVICE_STOPPED;
        CloseServiceHandle(service);
    }
    CloseServiceHandle(scm);
    ok(ret, "BITS service did not %s\n", start ? "start" : "stop");
    return ret;
}

/* The test client certificate tests/run-check puts, with its key, into
 * the prefix's LocalMachine MY store, and its SHA-1 hash. */
#define CLIENT_SUBJECT L"qmgr test client"

static inline BOOL client_cert_hash(BYTE hash[20])
{
    PCCERT_CONTEXT cert;
    HCERTSTORE store;
    DWORD size = 20;
    BOOL ret = FALSE;

    store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                          CERT_SYSTEM_STORE_LOCAL_MACHINE | CERT_STORE_READONLY_FLAG, L"MY");
    ok(store != NULL, "cannot open the LocalMachine MY store: %lu\n", GetLastError());
    if (!store) return FALSE;
    cert = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_SUBJECT_STR_W, CLIENT_SUBJECT, NULL);
    ok(cert != NULL, "%s is not in the LocalMachine MY store\n", wine_dbgstr_w(CLIENT_SUBJECT));
    if (cert)
    {
        ret = CertGetCertificateContextProperty(cert, CERT_HASH_PROP_ID, hash, &size) && size == 20;
        ok(ret, "no hash: %lu\n", GetLastError());
        CertFreeCertificateContext(cert);
    }
    CertCloseStore(store, 0);
    return ret;
}

/* --- Helpers of the units that run jobs against tests/servers.sh ---------- */

/* The states a resumed job ends in, for wait_for_state. */
#define END_STATES ((1u << BG_JOB_STATE_TRANSFERRED) | (1u << BG_JOB_STATE_ERROR) | \
                    (1u << BG_JOB_STATE_TRANSIENT_ERROR))

/* A query string (32 bytes) no other request of any run carries, to find a test's requests in the logs. */
static inline void make_key(char *key)
{
    static unsigned int counter;

    snprintf(key, 32, "k%lu-%lu-%u", GetCurrentProcessId(), GetTickCount(), ++counter);
}

/* The file name in the folder dir, as a Windows path. */
static inline void local_path(WCHAR *path, const WCHAR *dir, const WCHAR *name)
{
    swprintf(path, MAX_PATH, L"%s\\%s", dir, name);
}

/* The file name in the servers' document folder ($QMGR_WWW), as a Windows path. */
static inline void source_path(WCHAR *path, const char *name)
{
    WCHAR *p;

    swprintf(path, MAX_PATH, L"Z:%hs/%hs", getenv("QMGR_WWW") ? getenv("QMGR_WWW") : "", name);
    for (p = path; *p; p++) if (*p == '/') *p = '\\';
}

/* How many lines of the log contain every string of the NULL-ended list. */
static inline unsigned int log_count(const char *log, const char *const *what)
{
    unsigned int count = 0, i;
    char line[8192];
    FILE *f;

    if (!(f = fopen(log, "r"))) return 0;
    while (fgets(line, sizeof(line), f))
    {
        for (i = 0; what[i] && strstr(line, what[i]); i++) ;
        if (!what[i]) count++;
    }
    fclose(f);
    return count;
}

/* Whether one line of the log contains every string of the NULL-ended list. */
static inline BOOL log_has(const char *log, const char *const *what)
{
    return log_count(log, what) > 0;
}

/* A manager from a service started afresh, with no connection or cached answer of an earlier job. */
static inline IBackgroundCopyManager *fresh_manager(void)
{
    if (!restart_service()) return NULL;
    return get_manager();
}

/* A suspended download job at FOREGROUND priority, whose failed attempt is looked at, not retried meanwhile. */
static inline IBackgroundCopyJob4 *foreground_job(IBackgroundCopyManager *manager, const WCHAR *name, GUID *id)
{
    IBackgroundCopyJob4 *job = create_job4(manager, name, BG_JOB_TYPE_DOWNLOAD, id);

    if (!job) return NULL;
    IBackgroundCopyJob4_SetPriority(job, BG_JOB_PRIORITY_FOREGROUND);
    IBackgroundCopyJob4_SetMinimumRetryDelay(job, 600);
    return job;
}

/* A foreground_job with the one file remote, to local. */
static inline IBackgroundCopyJob4 *start_job(IBackgroundCopyManager *manager, const WCHAR *name,
                                             const WCHAR *remote, const WCHAR *local)
{
    IBackgroundCopyJob4 *job = foreground_job(manager, name, NULL);
    HRESULT hr;

    if (!job) return NULL;
    hr = IBackgroundCopyJob4_AddFile(job, remote, local);
    ok(hr == S_OK, "AddFile(%s): %#lx\n", wine_dbgstr_w(remote), hr);
    return job;
}

/* The job's IBackgroundCopyJobHttpOptions, or NULL. */
static inline IBackgroundCopyJobHttpOptions *http_options(IBackgroundCopyJob4 *job)
{
    IBackgroundCopyJobHttpOptions *options = NULL;
    HRESULT hr;

    hr = IBackgroundCopyJob4_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions, (void **)&options);
    ok(hr == S_OK, "QueryInterface(IBackgroundCopyJobHttpOptions): %#lx\n", hr);
    return SUCCEEDED(hr) ? options : NULL;
}

/* Sets the job's security flags, which must be taken. */
static inline void set_security_flags(IBackgroundCopyJob4 *job, ULONG flags)
{
    IBackgroundCopyJobHttpOptions *options;
    HRESULT hr;

    if (!(options = http_options(job))) return;
    hr = IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, flags);
    ok(hr == S_OK, "SetSecurityFlags(%#lx): %#lx\n", flags, hr);
    IBackgroundCopyJobHttpOptions_Release(options);
}

/* Sets the job's credentials for target and scheme, which must be taken; returns SetCredentials' answer. */
static inline HRESULT set_credentials(IBackgroundCopyJob4 *job, BG_AUTH_TARGET target, BG_AUTH_SCHEME scheme,
                                      const WCHAR *user, const WCHAR *password)
{
    BG_AUTH_CREDENTIALS cred;
    HRESULT hr;

    cred.Target = target;
    cred.Scheme = scheme;
    cred.Credentials.Basic.UserName = (WCHAR *)user;
    cred.Credentials.Basic.Password = (WCHAR *)password;
    hr = IBackgroundCopyJob4_SetCredentials(job, &cred);
    ok(hr == S_OK, "SetCredentials(%d, %d): %#lx\n", target, scheme, hr);
    return hr;
}

/* The job's error code, S_OK when it has none. */
static inline HRESULT job_error(IBackgroundCopyJob4 *job)
{
    IBackgroundCopyError *error;
    BG_ERROR_CONTEXT context;
    HRESULT code = S_OK;

    if (IBackgroundCopyJob4_GetError(job, &error) == S_OK)
    {
        IBackgroundCopyError_GetError(error, &context, &code);
        IBackgroundCopyError_Release(error);
    }
    return code;
}

/* Runs the job to TRANSFERRED and completes it, local matching source_path(source); releases the job. */
static inline BOOL run_to_completion(IBackgroundCopyJob4 *job, const WCHAR *local, const char *source)
{
    WCHAR source_file[MAX_PATH];
    BG_JOB_STATE state;
    BOOL ret = FALSE;
    HRESULT hr;

    hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = wait_for_state(job, END_STATES, 60000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d, error %#lx\n", state, job_error(job));
    if (state == BG_JOB_STATE_TRANSFERRED)
    {
        hr = IBackgroundCopyJob4_Complete(job);
        ok(hr == S_OK, "Complete: %#lx\n", hr);
        source_path(source_file, source);
        ok(same_files(local, source_file), "%s differs from %s\n", wine_dbgstr_w(local), wine_dbgstr_w(source_file));
        DeleteFileW(local);
        ret = TRUE;
    }
    else IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
    return ret;
}

/* Runs the job to a failure with the expected error, leaving no local file; cancels and releases it. */
static inline void run_to_error(IBackgroundCopyJob4 *job, const WCHAR *local, HRESULT expected)
{
    BG_JOB_STATE state;
    HRESULT hr;

    hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = wait_for_state(job, END_STATES, 60000);
    ok(state == BG_JOB_STATE_ERROR || state == BG_JOB_STATE_TRANSIENT_ERROR, "state %d\n", state);
    hr = job_error(job);
    ok(hr == expected, "error %#lx, expected %#lx\n", hr, expected);
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
    ok(!file_exists(local), "%s left\n", wine_dbgstr_w(local));
}

/* The job store's files (dlls/qmgr/store.c) hold entries
 * "qmgr-entry SEQUENCE {GUID} LENGTH CRC32\n" followed by the job's
 * record.  An entry whose record a test edited, with its header made to
 * match again (same sequence and id), malloc'ed; NULL if it has no header. */
static inline char *store_entry_fixed(const char *edited)
{
    char seq_id[80], *ret;
    const char *record = strchr(edited, '\n');
    DWORD len;

    if (!record || strncmp(edited, "qmgr-entry ", 11) || sscanf(edited, "qmgr-entry %79[^\n]", seq_id) != 1)
        return NULL;
    /* drop LENGTH and CRC32, the last two fields */
    *strrchr(seq_id, ' ') = 0;
    *strrchr(seq_id, ' ') = 0;
    record++;
    len = strlen(record);
    if ((ret = malloc(len + 128)))
        sprintf(ret, "qmgr-entry %s %lu %08lx\n%s", seq_id, len, RtlComputeCrc32(0, (const BYTE *)record, len), record);
    return ret;
}

#endif /* __QMGR_TEST_H */
