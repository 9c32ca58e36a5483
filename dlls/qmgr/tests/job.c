/*
 * Tests of IBackgroundCopyJob .. IBackgroundCopyJob4 through the BITS service.
 * Each rule is from Microsoft's page for the method; where Microsoft is
 * silent the comment says which choice we made.
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
static WCHAR test_dir[MAX_PATH];

static IBackgroundCopyJob4 *new_job(BG_JOB_TYPE type)
{
    return create_job4(manager, L"job test", type, NULL);
}

static void local_name(WCHAR *path, const WCHAR *name)
{
    swprintf(path, MAX_PATH, L"%s\\%s", test_dir, name);
}

static HRESULT add_file(IBackgroundCopyJob4 *job, const WCHAR *remote, const WCHAR *name)
{
    WCHAR path[MAX_PATH];
    local_name(path, name);
    return IBackgroundCopyJob4_AddFile(job, remote, path);
}

static void test_defaults(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
    BG_JOB_PROXY_USAGE usage = -1;
    BG_JOB_PRIORITY priority = -1;
    BG_JOB_PROGRESS progress;
    BG_JOB_STATE state;
    BG_JOB_TIMES times;
    IUnknown *unk;
    LPWSTR list = NULL, bypass = NULL, str = NULL, params = NULL;
    ULONG value;
    DWORD flags;
    BOOL elevated;
    HRESULT hr;

    if (!job) return;
    state = job_state(job);
    ok(state == BG_JOB_STATE_SUSPENDED, "state %d\n", state);
    hr = IBackgroundCopyJob4_GetPriority(job, &priority);
    ok(hr == S_OK && priority == BG_JOB_PRIORITY_NORMAL, "priority %#lx %d\n", hr, priority);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetNotifyFlags(job, &value);
    ok(hr == S_OK && value == (BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR), "notify flags %#lx %#lx\n", hr, value);
    unk = (void *)0xdeadbeef;
    hr = IBackgroundCopyJob4_GetNotifyInterface(job, &unk);
    ok(hr == S_OK && !unk, "notify interface %#lx %p\n", hr, unk);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetMinimumRetryDelay(job, &value);
    ok(hr == S_OK && value == 600, "retry delay %#lx %lu\n", hr, value);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetNoProgressTimeout(job, &value);
    ok(hr == S_OK && value == 1209600, "no-progress timeout %#lx %lu\n", hr, value);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetMaximumDownloadTime(job, &value);
    ok(hr == S_OK && value == 7776000, "maximum download time %#lx %lu\n", hr, value);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetErrorCount(job, &value);
    ok(hr == S_OK && value == 0, "error count %#lx %lu\n", hr, value);
    hr = IBackgroundCopyJob4_GetProxySettings(job, &usage, &list, &bypass);
    ok(hr == S_OK && usage == BG_JOB_PROXY_USAGE_PRECONFIG && !list && !bypass, "proxy %#lx %d %p %p\n", hr, usage, list, bypass);
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);
    /* Microsoft documents no default for the peer-caching flags; 0 like Windows 7 shows. */
    flags = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetPeerCachingFlags(job, &flags);
    ok(hr == S_OK && flags == 0, "peer flags %#lx %#lx\n", hr, flags);
    flags = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetFileACLFlags(job, &flags);
    ok(hr == S_OK && flags == 0, "ACL flags %#lx %#lx\n", hr, flags);
    /* Never set reads as two empty strings. */
    hr = IBackgroundCopyJob4_GetNotifyCmdLine(job, &str, &params);
    ok(hr == S_OK && str && !*str && params && !*params, "cmdline %#lx %s %s\n", hr, wine_dbgstr_w(str), wine_dbgstr_w(params));
    CoTaskMemFree(str);
    CoTaskMemFree(params);
    str = NULL;
    hr = IBackgroundCopyJob4_GetDescription(job, &str);
    ok(hr == S_OK && str && !*str, "description %#lx %s\n", hr, wine_dbgstr_w(str));
    CoTaskMemFree(str);
    hr = IBackgroundCopyJob4_GetProgress(job, &progress);
    ok(hr == S_OK && !progress.BytesTotal && !progress.BytesTransferred && !progress.FilesTotal && !progress.FilesTransferred,
       "progress %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetTimes(job, &times);
    ok(hr == S_OK, "GetTimes %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        ok(times.CreationTime.dwLowDateTime || times.CreationTime.dwHighDateTime, "no creation time\n");
        ok(!CompareFileTime(&times.CreationTime, &times.ModificationTime), "modification != creation\n");
        ok(!times.TransferCompletionTime.dwLowDateTime && !times.TransferCompletionTime.dwHighDateTime,
           "transfer completion time set\n");
    }
    hr = IBackgroundCopyJob4_GetOwnerElevationState(job, &elevated);
    ok(hr == S_OK, "GetOwnerElevationState %#lx\n", hr);
    str = NULL;
    hr = IBackgroundCopyJob4_GetOwner(job, &str);
    ok(hr == S_OK && str && !wcsncmp(str, L"S-1-5-", 6), "GetOwner %#lx %s\n", hr, wine_dbgstr_w(str));
    CoTaskMemFree(str);

    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

static void test_times(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
    BG_JOB_TIMES before, after;
    HRESULT hr;

    if (!job) return;
    hr = IBackgroundCopyJob4_GetTimes(job, &before);
    ok(hr == S_OK, "GetTimes: %#lx\n", hr);
    Sleep(30);
    hr = IBackgroundCopyJob4_SetDescription(job, L"changed");
    ok(hr == S_OK, "SetDescription: %#lx\n", hr);
    hr = SUCCEEDED(hr) ? IBackgroundCopyJob4_GetTimes(job, &after) : hr;
    ok(hr == S_OK, "GetTimes: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        ok(CompareFileTime(&after.ModificationTime, &before.ModificationTime) > 0, "modification time not updated\n");
        ok(!CompareFileTime(&after.CreationTime, &before.CreationTime), "creation time changed\n");
    }
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

/* NULL input strings reach the service through our proxy. */
static void test_null_strings(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyFile2 *file2;
    IEnumBackgroundCopyFiles *files;
    IBackgroundCopyFile *file;
    BG_FILE_RANGE range = { 0, 10 };
    WCHAR path[MAX_PATH];
    HRESULT hr;

    if (!job) return;
    local_name(path, L"null");
    ok(IBackgroundCopyJob4_AddFile(job, NULL, path) == E_INVALIDARG, "AddFile(NULL remote)\n");
    ok(IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/x", NULL) == E_INVALIDARG, "AddFile(NULL local)\n");
    ok(IBackgroundCopyJob4_SetDisplayName(job, NULL) == E_INVALIDARG, "SetDisplayName(NULL)\n");
    ok(IBackgroundCopyJob4_SetDescription(job, NULL) == E_INVALIDARG, "SetDescription(NULL)\n");
    ok(IBackgroundCopyJob4_ReplaceRemotePrefix(job, NULL, L"http://x") == E_INVALIDARG, "ReplaceRemotePrefix(NULL)\n");
    ok(IBackgroundCopyJob4_AddFileWithRanges(job, NULL, path, 1, &range) == E_INVALIDARG, "AddFileWithRanges(NULL)\n");
    ok(IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/x", path) == S_OK, "AddFile\n");
    hr = IBackgroundCopyJob4_EnumFiles(job, &files);
    ok(hr == S_OK, "EnumFiles: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL);
        ok(hr == S_OK, "Next: %#lx\n", hr);
        if (hr == S_OK)
        {
            hr = IBackgroundCopyFile_QueryInterface(file, &IID_IBackgroundCopyFile2, (void **)&file2);
            ok(hr == S_OK, "QueryInterface(IBackgroundCopyFile2): %#lx\n", hr);
            if (SUCCEEDED(hr))
            {
                ok(IBackgroundCopyFile2_SetRemoteName(file2, NULL) == E_INVALIDARG, "SetRemoteName(NULL)\n");
                IBackgroundCopyFile2_Release(file2);
            }
            IBackgroundCopyFile_Release(file);
        }
        IEnumBackgroundCopyFiles_Release(files);
    }
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

static void test_strings(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
    WCHAR buf[1100];
    LPWSTR str;
    HRESULT hr;

    if (!job) return;
    /* SetDisplayName: at most 256 characters, BG_E_STRING_TOO_LONG beyond. */
    wfill(buf, 'n', 256);
    buf[256] = 0;
    hr = IBackgroundCopyJob4_SetDisplayName(job, buf);
    ok(hr == S_OK, "SetDisplayName(256): %#lx\n", hr);
    buf[256] = 'n';
    buf[257] = 0;
    hr = IBackgroundCopyJob4_SetDisplayName(job, buf);
    ok(hr == BG_E_STRING_TOO_LONG, "SetDisplayName(257): %#lx\n", hr);
    hr = IBackgroundCopyJob4_SetDisplayName(job, L"renamed");
    ok(hr == S_OK, "SetDisplayName: %#lx\n", hr);
    str = NULL;
    hr = IBackgroundCopyJob4_GetDisplayName(job, &str);
    ok(hr == S_OK && str && !wcscmp(str, L"renamed"), "GetDisplayName: %#lx %s\n", hr, wine_dbgstr_w(str));
    CoTaskMemFree(str);

    /* SetDescription: at most 1024 characters. */
    wfill(buf, 'd', 1024);
    buf[1024] = 0;
    hr = IBackgroundCopyJob4_SetDescription(job, buf);
    ok(hr == S_OK, "SetDescription(1024): %#lx\n", hr);
    buf[1024] = 'd';
    buf[1025] = 0;
    hr = IBackgroundCopyJob4_SetDescription(job, buf);
    ok(hr == BG_E_STRING_TOO_LONG, "SetDescription(1025): %#lx\n", hr);
    str = NULL;
    hr = IBackgroundCopyJob4_GetDescription(job, &str);
    ok(hr == S_OK && str && wcslen(str) == 1024, "GetDescription: %#lx\n", hr);
    CoTaskMemFree(str);

    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

static void test_values(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
    BG_JOB_PRIORITY priority;
    ULONG value;
    DWORD flags;
    HRESULT hr;

    if (!job) return;
    for (priority = BG_JOB_PRIORITY_FOREGROUND; priority <= BG_JOB_PRIORITY_LOW; priority++)
    {
        BG_JOB_PRIORITY got = -1;
        hr = IBackgroundCopyJob4_SetPriority(job, priority);
        ok(hr == S_OK, "SetPriority(%d): %#lx\n", priority, hr);
        hr = IBackgroundCopyJob4_GetPriority(job, &got);
        ok(hr == S_OK && got == priority, "priority %#lx %d\n", hr, got);
    }
    /* An out-of-range priority is E_NOTIMPL, not E_INVALIDARG. */
    hr = IBackgroundCopyJob4_SetPriority(job, BG_JOB_PRIORITY_LOW + 1);
    ok(hr == E_NOTIMPL, "SetPriority(4): %#lx\n", hr);
    hr = IBackgroundCopyJob4_SetPriority(job, 1000);
    ok(hr == E_NOTIMPL, "SetPriority(1000): %#lx\n", hr);

    hr = IBackgroundCopyJob4_SetNotifyFlags(job, BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_FILE_TRANSFERRED);
    ok(hr == S_OK, "SetNotifyFlags: %#lx\n", hr);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetNotifyFlags(job, &value);
    ok(hr == S_OK && value == (BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_FILE_TRANSFERRED), "flags %#lx, hr %#lx\n",
       value, hr);
    /* Unknown notify-flag bits are E_NOTIMPL. */
    hr = IBackgroundCopyJob4_SetNotifyFlags(job, 0x20);
    ok(hr == E_NOTIMPL, "SetNotifyFlags(0x20): %#lx\n", hr);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetNotifyFlags(job, &value);
    ok(hr == S_OK && value == (BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_FILE_TRANSFERRED), "flags changed %#lx, hr %#lx\n",
       value, hr);

    /* The minimum retry delay is clamped to 5 seconds. */
    hr = IBackgroundCopyJob4_SetMinimumRetryDelay(job, 0);
    ok(hr == S_OK, "SetMinimumRetryDelay(0): %#lx\n", hr);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetMinimumRetryDelay(job, &value);
    ok(hr == S_OK && value == 5, "retry delay %lu, hr %#lx\n", value, hr);
    IBackgroundCopyJob4_SetMinimumRetryDelay(job, 60);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetMinimumRetryDelay(job, &value);
    ok(hr == S_OK && value == 60, "retry delay %lu, hr %#lx\n", value, hr);

    hr = IBackgroundCopyJob4_SetNoProgressTimeout(job, 86400);
    ok(hr == S_OK, "SetNoProgressTimeout: %#lx\n", hr);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetNoProgressTimeout(job, &value);
    ok(hr == S_OK && value == 86400, "no-progress timeout %lu, hr %#lx\n", value, hr);
    IBackgroundCopyJob4_SetNoProgressTimeout(job, 0);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetNoProgressTimeout(job, &value);
    ok(hr == S_OK && value == 0, "no-progress timeout %lu, hr %#lx\n", value, hr);

    hr = IBackgroundCopyJob4_SetMaximumDownloadTime(job, 3600);
    ok(hr == S_OK, "SetMaximumDownloadTime: %#lx\n", hr);
    value = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetMaximumDownloadTime(job, &value);
    ok(hr == S_OK && value == 3600, "maximum download time %lu, hr %#lx\n", value, hr);

    /* Peer caching: only the three documented bits. */
    hr = IBackgroundCopyJob4_SetPeerCachingFlags(job, BG_JOB_ENABLE_PEERCACHING_CLIENT | BG_JOB_ENABLE_PEERCACHING_SERVER |
                                                 BG_JOB_DISABLE_BRANCH_CACHE);
    ok(hr == S_OK, "SetPeerCachingFlags: %#lx\n", hr);
    flags = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetPeerCachingFlags(job, &flags);
    ok(hr == S_OK && flags == 7, "peer flags %#lx, hr %#lx\n", flags, hr);
    hr = IBackgroundCopyJob4_SetPeerCachingFlags(job, 8);
    ok(hr == E_NOTIMPL, "SetPeerCachingFlags(8): %#lx\n", hr);
    flags = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetPeerCachingFlags(job, &flags);
    ok(hr == S_OK && flags == 7, "peer flags changed %#lx, hr %#lx\n", flags, hr);

    hr = IBackgroundCopyJob4_SetFileACLFlags(job, BG_COPY_FILE_OWNER | BG_COPY_FILE_DACL);
    ok(hr == S_OK, "SetFileACLFlags: %#lx\n", hr);
    flags = 0xdeadbeef;
    hr = IBackgroundCopyJob4_GetFileACLFlags(job, &flags);
    ok(hr == S_OK && flags == (BG_COPY_FILE_OWNER | BG_COPY_FILE_DACL), "ACL flags %#lx, hr %#lx\n", flags, hr);
    hr = IBackgroundCopyJob4_SetFileACLFlags(job, 0x10);
    ok(hr == E_INVALIDARG, "SetFileACLFlags(0x10): %#lx\n", hr);

    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

static void test_proxy_settings(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
    BG_JOB_PROXY_USAGE usage = -1;
    LPWSTR list = NULL, bypass = NULL;
    WCHAR *big;
    HRESULT hr;

    if (!job) return;
    hr = IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"proxy:8080", L"<local>");
    ok(hr == S_OK, "OVERRIDE: %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetProxySettings(job, &usage, &list, &bypass);
    ok(hr == S_OK && usage == BG_JOB_PROXY_USAGE_OVERRIDE, "GetProxySettings %#lx %d\n", hr, usage);
    ok(list && !wcscmp(list, L"proxy:8080"), "list %s\n", wine_dbgstr_w(list));
    ok(bypass && !wcscmp(bypass, L"<local>"), "bypass %s\n", wine_dbgstr_w(bypass));
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);

    /* OVERRIDE needs a list; the others take none. */
    hr = IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, NULL, NULL);
    ok(hr == E_INVALIDARG, "OVERRIDE without list: %#lx\n", hr);
    hr = IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, L"proxy:8080", NULL);
    ok(hr == E_INVALIDARG, "NO_PROXY with list: %#lx\n", hr);
    hr = IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_PRECONFIG, NULL, L"<local>");
    ok(hr == E_INVALIDARG, "PRECONFIG with bypass: %#lx\n", hr);
    /* An unknown usage is E_NOTIMPL. */
    hr = IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_AUTODETECT + 1, NULL, NULL);
    ok(hr == E_NOTIMPL, "usage 4: %#lx\n", hr);

    big = malloc(40000 * sizeof(WCHAR));
    wfill(big, 'p', 32768);
    big[32768] = 0;
    hr = IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, big, NULL);
    ok(hr == BG_E_PROXY_LIST_TOO_LARGE, "long list: %#lx\n", hr);
    hr = IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"proxy:8080", big);
    ok(hr == BG_E_PROXY_BYPASS_LIST_TOO_LARGE, "long bypass: %#lx\n", hr);
    free(big);

    hr = IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, NULL);
    ok(hr == S_OK, "NO_PROXY: %#lx\n", hr);
    usage = -1;
    list = bypass = NULL;
    hr = IBackgroundCopyJob4_GetProxySettings(job, &usage, &list, &bypass);
    ok(hr == S_OK && usage == BG_JOB_PROXY_USAGE_NO_PROXY && !list && !bypass, "after NO_PROXY %#lx %d %p %p\n",
       hr, usage, list, bypass);
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);
    hr = IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_AUTODETECT, NULL, NULL);
    ok(hr == S_OK, "AUTODETECT: %#lx\n", hr);

    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

static void test_add_file(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD), *upload;
    BG_FILE_INFO set[3];
    WCHAR path[3][MAX_PATH], *remote;
    BG_JOB_PROGRESS progress;
    unsigned int i;
    HRESULT hr;

    if (!job) return;
    /* Remote names: http, https, UNC, drive paths and file:// URLs. */
    ok(add_file(job, L"http://127.0.0.1/a", L"a") == S_OK, "http\n");
    ok(add_file(job, L"https://127.0.0.1/b", L"b") == S_OK, "https\n");
    ok(add_file(job, L"\\\\server\\share\\c", L"c") == S_OK, "UNC\n");
    ok(add_file(job, L"C:\\windows\\win.ini", L"d") == S_OK, "drive path\n");
    ok(add_file(job, L"file:///C:/windows/win.ini", L"e") == S_OK, "file URL\n");
    /* Other schemes, relative names and bad local names are refused. */
    ok(add_file(job, L"ftp://127.0.0.1/f", L"f") == E_INVALIDARG, "ftp accepted\n");
    ok(add_file(job, L"relative\\g", L"g") == E_INVALIDARG, "relative remote accepted\n");
    ok(add_file(job, L"http://", L"h") == E_INVALIDARG, "empty host accepted\n");
    hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/i", L"relative.txt");
    ok(hr == E_INVALIDARG, "relative local name: %#lx\n", hr);
    hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/i", L"C:\\dir\\");
    ok(hr == E_INVALIDARG, "directory as local name: %#lx\n", hr);
    hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/i", L"C:\\a*b");
    ok(hr == E_INVALIDARG, "wildcard local name: %#lx\n", hr);
    /* Control characters are in no file name: the download would run, and
     * Complete then fail to rename it (the random-call test found it). */
    hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/i", L"C:\\a\fb");
    ok(hr == E_INVALIDARG, "form feed in local name: %#lx\n", hr);
    hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/i", L"C:\\a\x01" L"b");
    ok(hr == E_INVALIDARG, "control character in local name: %#lx\n", hr);
    hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/i", L"C:\\a\nb");
    ok(hr == E_INVALIDARG, "line break in local name: %#lx\n", hr);
    hr = IBackgroundCopyJob4_AddFile(job, L"", L"C:\\x");
    ok(hr == E_INVALIDARG, "empty remote name: %#lx\n", hr);

    /* At most 2,200 characters of remote name. */
    remote = malloc(2300 * sizeof(WCHAR));
    wcscpy(remote, L"http://127.0.0.1/");
    for (i = wcslen(remote); i < 2200; i++) remote[i] = 'x';
    remote[2200] = 0;
    ok(add_file(job, remote, L"long") == S_OK, "2200 characters refused\n");
    remote[2200] = 'x';
    remote[2201] = 0;
    ok(add_file(job, remote, L"long2") == E_INVALIDARG, "2201 characters accepted\n");
    free(remote);

    /* Local names of up to MAX_PATH characters with the terminator; a
     * 5,000-character one in either place is refused, not cut. */
    remote = malloc(5001 * sizeof(WCHAR));
    wcscpy(remote, L"C:\\");
    wfill(remote + 3, 'l', MAX_PATH - 1 - 3);
    remote[MAX_PATH - 1] = 0;
    hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/l", remote);
    ok(hr == S_OK, "local name of MAX_PATH - 1 characters: %#lx\n", hr);
    remote[MAX_PATH - 1] = 'l';
    remote[MAX_PATH] = 0;
    hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/l", remote);
    ok(hr == E_INVALIDARG, "local name of MAX_PATH characters: %#lx\n", hr);
    wfill(remote + 3, 'l', 5000 - 3);
    remote[5000] = 0;
    hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/l", remote);
    ok(hr == E_INVALIDARG, "local name of 5,000 characters: %#lx\n", hr);
    wcscpy(remote, L"http://127.0.0.1/");
    wfill(remote + wcslen(remote), 'r', 5000 - wcslen(remote));
    hr = add_file(job, remote, L"long3");
    ok(hr == E_INVALIDARG, "remote name of 5,000 characters: %#lx\n", hr);
    free(remote);

    hr = IBackgroundCopyJob4_GetProgress(job, &progress);
    ok(hr == S_OK, "GetProgress: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        ok(progress.FilesTotal == 7, "FilesTotal %lu\n", progress.FilesTotal);
        ok(progress.BytesTotal == BG_SIZE_UNKNOWN, "BytesTotal %s\n", wine_dbgstr_longlong(progress.BytesTotal));
    }

    /* AddFileSet is all or nothing. */
    for (i = 0; i < 3; i++)
    {
        swprintf(path[i], MAX_PATH, L"%s\\set%u", test_dir, i);
        set[i].RemoteName = (WCHAR *)L"http://127.0.0.1/set";
        set[i].LocalName = path[i];
    }
    set[2].RemoteName = (WCHAR *)L"gopher://127.0.0.1/set";
    hr = IBackgroundCopyJob4_AddFileSet(job, 3, set);
    ok(hr == E_INVALIDARG, "AddFileSet with a bad file: %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetProgress(job, &progress);
    ok(hr == S_OK && progress.FilesTotal == 7, "AddFileSet added files: %#lx %lu\n", hr, progress.FilesTotal);
    set[2].RemoteName = (WCHAR *)L"http://127.0.0.1/set";
    hr = IBackgroundCopyJob4_AddFileSet(job, 3, set);
    ok(hr == S_OK, "AddFileSet: %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetProgress(job, &progress);
    ok(hr == S_OK && progress.FilesTotal == 10, "FilesTotal %#lx %lu\n", hr, progress.FilesTotal);
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);

    /* Upload jobs take one file, over http or https only. */
    if (!(upload = new_job(BG_JOB_TYPE_UPLOAD))) return;
    ok(add_file(upload, L"C:\\windows\\win.ini", L"up") == E_INVALIDARG, "upload from a path accepted\n");
    ok(add_file(upload, L"http://127.0.0.1/up", L"up") == S_OK, "upload refused\n");
    ok(add_file(upload, L"http://127.0.0.1/up2", L"up2") == BG_E_TOO_MANY_FILES, "second upload file\n");
    hr = IBackgroundCopyJob4_AddFileSet(upload, 1, set);
    ok(hr == BG_E_TOO_MANY_FILES, "AddFileSet on upload: %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetProgress(upload, &progress);
    ok(hr == S_OK && progress.FilesTotal == 1, "upload FilesTotal %#lx %lu\n", hr, progress.FilesTotal);
    IBackgroundCopyJob4_Cancel(upload);
    IBackgroundCopyJob4_Release(upload);
}

static void test_file_limit(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
    BG_FILE_INFO *set = calloc(201, sizeof(*set));
    WCHAR (*paths)[MAX_PATH] = calloc(201, sizeof(*paths));
    BG_JOB_PROGRESS progress;
    BOOL elevated = FALSE;
    HANDLE token;
    TOKEN_ELEVATION te;
    DWORD size;
    HRESULT hr;
    int i;

    if (!job || !set || !paths)
    {
        if (job) IBackgroundCopyJob4_Release(job);
        free(set);
        free(paths);
        return;
    }
    for (i = 0; i < 201; i++)
    {
        swprintf(paths[i], MAX_PATH, L"%s\\many%d", test_dir, i);
        set[i].RemoteName = (WCHAR *)L"http://127.0.0.1/many";
        set[i].LocalName = paths[i];
    }
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
    {
        if (GetTokenInformation(token, TokenElevation, &te, sizeof(te), &size)) elevated = te.TokenIsElevated;
        CloseHandle(token);
    }

    hr = IBackgroundCopyJob4_AddFileSet(job, 200, set);
    ok(hr == S_OK, "200 files: %#lx\n", hr);
    /* The limit of 200 files binds non-elevated callers only (see the owner test). */
    hr = IBackgroundCopyJob4_AddFileSet(job, 1, set + 200);
    ok(hr == (elevated ? S_OK : BG_E_TOO_MANY_FILES_IN_JOB), "201st file: %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetProgress(job, &progress);
    ok(hr == S_OK && progress.FilesTotal == (elevated ? 201 : 200), "FilesTotal %#lx %lu\n", hr, progress.FilesTotal);
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
    free(set);
    free(paths);
}

static void test_state_transitions(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyError *error;
    BG_JOB_STATE state;
    HRESULT hr;

    if (!job) return;
    /* Resume with no files: BG_E_EMPTY and the job stays suspended. */
    hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == BG_E_EMPTY, "Resume without files: %#lx\n", hr);
    state = job_state(job);
    ok(state == BG_JOB_STATE_SUSPENDED, "state %d\n", state);

    /* Suspend on a suspended job is a no-op. */
    hr = IBackgroundCopyJob4_Suspend(job);
    ok(hr == S_OK, "Suspend: %#lx\n", hr);
    hr = IBackgroundCopyJob4_Suspend(job);
    ok(hr == S_OK, "second Suspend: %#lx\n", hr);

    /* No error information outside the error states. */
    error = (void *)0xdeadbeef;
    hr = IBackgroundCopyJob4_GetError(job, &error);
    ok(hr == BG_E_ERROR_INFORMATION_UNAVAILABLE, "GetError: %#lx\n", hr);
    ok(error == NULL, "error %p\n", error);

    /* A file on a port nothing listens on: the job leaves SUSPENDED. */
    ok(add_file(job, L"http://127.0.0.1:9/never", L"never") == S_OK, "AddFile\n");
    hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = job_state(job);
    ok(state != BG_JOB_STATE_SUSPENDED, "still suspended\n");
    hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == S_OK, "second Resume: %#lx\n", hr);
    hr = IBackgroundCopyJob4_Suspend(job);
    ok(hr == S_OK, "Suspend: %#lx\n", hr);
    state = job_state(job);
    ok(state == BG_JOB_STATE_SUSPENDED, "state %d\n", state);

    /* Cancel ends the job; everything after it is BG_E_INVALID_STATE. */
    hr = IBackgroundCopyJob4_Cancel(job);
    ok(hr == S_OK, "Cancel: %#lx\n", hr);
    state = job_state(job);
    ok(state == BG_JOB_STATE_CANCELLED, "state %d\n", state);
    hr = IBackgroundCopyJob4_Cancel(job);
    ok(hr == BG_E_INVALID_STATE, "second Cancel: %#lx\n", hr);
    hr = IBackgroundCopyJob4_Complete(job);
    ok(hr == BG_E_INVALID_STATE, "Complete after Cancel: %#lx\n", hr);
    hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == BG_E_INVALID_STATE, "Resume after Cancel: %#lx\n", hr);
    hr = IBackgroundCopyJob4_Suspend(job);
    ok(hr == BG_E_INVALID_STATE, "Suspend after Cancel: %#lx\n", hr);
    IBackgroundCopyJob4_Release(job);

    /* Complete of a job that transferred nothing: acknowledged, partially. */
    if (!(job = new_job(BG_JOB_TYPE_DOWNLOAD))) return;
    ok(add_file(job, L"http://127.0.0.1:9/never", L"never2") == S_OK, "AddFile\n");
    hr = IBackgroundCopyJob4_Complete(job);
    ok(hr == BG_S_PARTIAL_COMPLETE, "Complete: %#lx\n", hr);
    state = job_state(job);
    ok(state == BG_JOB_STATE_ACKNOWLEDGED, "state %d\n", state);
    hr = IBackgroundCopyJob4_Complete(job);
    ok(hr == BG_E_INVALID_STATE, "second Complete: %#lx\n", hr);
    hr = IBackgroundCopyJob4_Cancel(job);
    ok(hr == BG_E_INVALID_STATE, "Cancel after Complete: %#lx\n", hr);
    IBackgroundCopyJob4_Release(job);
}

/* Every setter and AddFile is refused in ACKNOWLEDGED and CANCELLED. */
static void test_final_state_setters(void)
{
    BG_AUTH_CREDENTIALS cred = { BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, {{ (WCHAR *)L"u", (WCHAR *)L"p" }} };
    BG_FILE_RANGE range = { 0, 10 };
    int final;

    for (final = 0; final < 2; final++)
    {
        IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
        BG_JOB_STATE state;
        HRESULT hr;

        if (!job) return;
        winetest_push_context(final ? "acknowledged" : "cancelled");
        ok(add_file(job, L"http://127.0.0.1:9/x", L"final") == S_OK, "AddFile\n");
        hr = final ? IBackgroundCopyJob4_Complete(job) : IBackgroundCopyJob4_Cancel(job);
        ok(SUCCEEDED(hr), "end: %#lx\n", hr);

        ok(add_file(job, L"http://127.0.0.1/x", L"final2") == BG_E_INVALID_STATE, "AddFile\n");
        ok(IBackgroundCopyJob4_SetDisplayName(job, L"x") == BG_E_INVALID_STATE, "SetDisplayName\n");
        ok(IBackgroundCopyJob4_SetDescription(job, L"x") == BG_E_INVALID_STATE, "SetDescription\n");
        ok(IBackgroundCopyJob4_SetPriority(job, BG_JOB_PRIORITY_HIGH) == BG_E_INVALID_STATE, "SetPriority\n");
        ok(IBackgroundCopyJob4_SetNotifyFlags(job, 1) == BG_E_INVALID_STATE, "SetNotifyFlags\n");
        ok(IBackgroundCopyJob4_SetMinimumRetryDelay(job, 60) == BG_E_INVALID_STATE, "SetMinimumRetryDelay\n");
        ok(IBackgroundCopyJob4_SetNoProgressTimeout(job, 60) == BG_E_INVALID_STATE, "SetNoProgressTimeout\n");
        ok(IBackgroundCopyJob4_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, NULL) == BG_E_INVALID_STATE,
           "SetProxySettings\n");
        ok(IBackgroundCopyJob4_SetNotifyCmdLine(job, L"C:\\windows\\notepad.exe", NULL) == BG_E_INVALID_STATE,
           "SetNotifyCmdLine\n");
        ok(IBackgroundCopyJob4_SetCredentials(job, &cred) == BG_E_INVALID_STATE, "SetCredentials\n");
        ok(IBackgroundCopyJob4_RemoveCredentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC) == BG_E_INVALID_STATE,
           "RemoveCredentials\n");
        ok(IBackgroundCopyJob4_ReplaceRemotePrefix(job, L"http://127.0.0.1:9", L"http://127.0.0.1") == BG_E_INVALID_STATE,
           "ReplaceRemotePrefix\n");
        ok(IBackgroundCopyJob4_SetFileACLFlags(job, 0) == BG_E_INVALID_STATE, "SetFileACLFlags\n");
        /* Microsoft is silent on Job4's setters in final states: refused like their neighbours. */
        ok(IBackgroundCopyJob4_SetPeerCachingFlags(job, 0) == BG_E_INVALID_STATE, "SetPeerCachingFlags\n");
        ok(IBackgroundCopyJob4_SetMaximumDownloadTime(job, 0) == BG_E_INVALID_STATE, "SetMaximumDownloadTime\n");
        hr = IBackgroundCopyJob4_AddFileWithRanges(job, L"http://127.0.0.1/x", L"C:\\x", 1, &range);
        ok(hr == BG_E_INVALID_STATE, "AddFileWithRanges: %#lx\n", hr);
        ok(IBackgroundCopyJob4_TakeOwnership(job) == BG_E_INVALID_STATE, "TakeOwnership\n");
        /* Getters still answer. */
        state = job_state(job);
        ok(state == (final ? BG_JOB_STATE_ACKNOWLEDGED : BG_JOB_STATE_CANCELLED), "state %d\n", state);
        winetest_pop_context();
        IBackgroundCopyJob4_Release(job);
    }
}

static void test_cmdline(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
    WCHAR long_program[MAX_PATH + 10];
    LPWSTR program = NULL, params = NULL;
    HRESULT hr;

    if (!job) return;
    hr = IBackgroundCopyJob4_SetNotifyCmdLine(job, L"C:\\windows\\system32\\cmd.exe", L"cmd.exe /c exit");
    ok(hr == S_OK, "SetNotifyCmdLine: %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetNotifyCmdLine(job, &program, &params);
    ok(hr == S_OK && program && !wcscmp(program, L"C:\\windows\\system32\\cmd.exe") && params &&
       !wcscmp(params, L"cmd.exe /c exit"),
       "GetNotifyCmdLine: %#lx %s %s\n", hr, wine_dbgstr_w(program), wine_dbgstr_w(params));
    CoTaskMemFree(program);
    CoTaskMemFree(params);

    /* Parameters without a program mean nothing. */
    hr = IBackgroundCopyJob4_SetNotifyCmdLine(job, NULL, L"x");
    ok(hr == E_INVALIDARG, "parameters alone: %#lx\n", hr);
    wfill(long_program, 'p', MAX_PATH + 5);
    long_program[MAX_PATH + 5] = 0;
    hr = IBackgroundCopyJob4_SetNotifyCmdLine(job, long_program, NULL);
    ok(hr == BG_E_STRING_TOO_LONG, "long program: %#lx\n", hr);

    /* NULL clears it. */
    hr = IBackgroundCopyJob4_SetNotifyCmdLine(job, NULL, NULL);
    ok(hr == S_OK, "clear: %#lx\n", hr);
    program = params = NULL;
    hr = IBackgroundCopyJob4_GetNotifyCmdLine(job, &program, &params);
    ok(hr == S_OK && program && !*program && params && !*params, "after clear %#lx %s %s\n", hr,
       wine_dbgstr_w(program), wine_dbgstr_w(params));
    CoTaskMemFree(program);
    CoTaskMemFree(params);
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

static void test_credentials(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
    BG_AUTH_CREDENTIALS cred;
    WCHAR *big;
    int target, scheme;
    HRESULT hr;

    if (!job) return;
    for (target = BG_AUTH_TARGET_SERVER; target <= BG_AUTH_TARGET_PROXY; target++)
        for (scheme = BG_AUTH_SCHEME_BASIC; scheme <= BG_AUTH_SCHEME_PASSPORT; scheme++)
        {
            cred.Target = target;
            cred.Scheme = scheme;
            cred.Credentials.Basic.UserName = (WCHAR *)L"user";
            cred.Credentials.Basic.Password = (WCHAR *)L"secret";
            hr = IBackgroundCopyJob4_SetCredentials(job, &cred);
            ok(hr == S_OK, "SetCredentials(%d, %d): %#lx\n", target, scheme, hr);
        }
    /* NULL user and password: the implicit credentials of the proxy. */
    cred.Target = BG_AUTH_TARGET_PROXY;
    cred.Scheme = BG_AUTH_SCHEME_NEGOTIATE;
    cred.Credentials.Basic.UserName = NULL;
    cred.Credentials.Basic.Password = NULL;
    hr = IBackgroundCopyJob4_SetCredentials(job, &cred);
    ok(hr == S_OK, "implicit credentials: %#lx\n", hr);

    /* Basic and Digest need a user name and a password. */
    cred.Target = BG_AUTH_TARGET_SERVER;
    cred.Scheme = BG_AUTH_SCHEME_BASIC;
    hr = IBackgroundCopyJob4_SetCredentials(job, &cred);
    ok(hr == E_INVALIDARG, "Basic without user: %#lx\n", hr);

    cred.Target = 3;
    ok(IBackgroundCopyJob4_SetCredentials(job, &cred) == BG_E_INVALID_AUTH_TARGET, "target 3\n");
    cred.Target = 0;
    ok(IBackgroundCopyJob4_SetCredentials(job, &cred) == BG_E_INVALID_AUTH_TARGET, "target 0\n");
    cred.Target = BG_AUTH_TARGET_SERVER;
    cred.Scheme = 6;
    ok(IBackgroundCopyJob4_SetCredentials(job, &cred) == BG_E_INVALID_AUTH_SCHEME, "scheme 6\n");

    big = malloc(70000 * sizeof(WCHAR));
    wfill(big, 'u', 301);
    big[301] = 0;
    cred.Scheme = BG_AUTH_SCHEME_BASIC;
    cred.Credentials.Basic.UserName = big;
    cred.Credentials.Basic.Password = (WCHAR *)L"secret";
    ok(IBackgroundCopyJob4_SetCredentials(job, &cred) == BG_E_USERNAME_TOO_LARGE, "long user name\n");
    wfill(big, 'p', 65537);
    big[65537] = 0;
    cred.Credentials.Basic.UserName = (WCHAR *)L"user";
    cred.Credentials.Basic.Password = big;
    ok(IBackgroundCopyJob4_SetCredentials(job, &cred) == BG_E_PASSWORD_TOO_LARGE, "long password\n");
    free(big);

    hr = IBackgroundCopyJob4_RemoveCredentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_DIGEST);
    ok(hr == S_OK, "RemoveCredentials: %#lx\n", hr);
    hr = IBackgroundCopyJob4_RemoveCredentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_DIGEST);
    ok(hr == S_FALSE, "RemoveCredentials again: %#lx\n", hr);
    ok(IBackgroundCopyJob4_RemoveCredentials(job, 3, BG_AUTH_SCHEME_BASIC) == BG_E_INVALID_AUTH_TARGET, "bad target\n");
    ok(IBackgroundCopyJob4_RemoveCredentials(job, BG_AUTH_TARGET_SERVER, 0) == BG_E_INVALID_AUTH_SCHEME, "bad scheme\n");
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

static void test_reply(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD), *reply;
    BG_JOB_REPLY_PROGRESS progress;
    WCHAR path[MAX_PATH];
    LPWSTR name;
    UINT64 length = 0;
    byte *data;
    HRESULT hr;

    if (!job) return;
    /* Reply methods exist only for upload-reply jobs. */
    ok(IBackgroundCopyJob4_GetReplyProgress(job, &progress) == E_NOTIMPL, "GetReplyProgress\n");
    ok(IBackgroundCopyJob4_GetReplyData(job, &data, &length) == E_NOTIMPL, "GetReplyData\n");
    ok(IBackgroundCopyJob4_SetReplyFileName(job, L"C:\\reply") == E_NOTIMPL, "SetReplyFileName\n");
    ok(IBackgroundCopyJob4_GetReplyFileName(job, &name) == E_NOTIMPL, "GetReplyFileName\n");
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);

    if (!(reply = new_job(BG_JOB_TYPE_UPLOAD_REPLY))) return;
    name = (void *)0xdeadbeef;
    hr = IBackgroundCopyJob4_GetReplyFileName(reply, &name);
    ok(hr == S_OK && !name, "GetReplyFileName: %#lx %p\n", hr, name);
    local_name(path, L"reply.bin");
    hr = IBackgroundCopyJob4_SetReplyFileName(reply, path);
    ok(hr == S_OK, "SetReplyFileName: %#lx\n", hr);
    name = NULL;
    hr = IBackgroundCopyJob4_GetReplyFileName(reply, &name);
    ok(hr == S_OK && name && !wcscmp(name, path), "GetReplyFileName: %#lx %s\n", hr, wine_dbgstr_w(name));
    CoTaskMemFree(name);
    hr = IBackgroundCopyJob4_SetReplyFileName(reply, L"relative");
    ok(hr == E_INVALIDARG, "relative reply name: %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetReplyProgress(reply, &progress);
    ok(hr == S_OK && progress.BytesTransferred == 0, "GetReplyProgress: %#lx\n", hr);
    /* No reply before the job is transferred. */
    hr = IBackgroundCopyJob4_GetReplyData(reply, &data, &length);
    ok(hr == BG_E_INVALID_STATE, "GetReplyData: %#lx\n", hr);
    IBackgroundCopyJob4_Cancel(reply);
    IBackgroundCopyJob4_Release(reply);
}

static void test_replace_prefix(void)
{
    static const WCHAR *expected[] = { L"https://new.example/a", L"http://other.example/b" };
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD), *upload;
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *file;
    unsigned int i;
    LPWSTR name;
    HRESULT hr;

    if (!job) return;
    add_file(job, L"http://old.example/a", L"p1");
    add_file(job, L"http://other.example/b", L"p2");
    hr = IBackgroundCopyJob4_ReplaceRemotePrefix(job, L"http://old.example", L"https://new.example");
    ok(hr == S_OK, "ReplaceRemotePrefix: %#lx\n", hr);
    hr = IBackgroundCopyJob4_ReplaceRemotePrefix(job, L"http://none.example", L"http://x.example");
    ok(hr == S_FALSE, "nothing matched: %#lx\n", hr);
    hr = IBackgroundCopyJob4_ReplaceRemotePrefix(job, L"http://other.example", L"gopher://x");
    ok(hr == E_INVALIDARG, "bad result: %#lx\n", hr);
    hr = IBackgroundCopyJob4_ReplaceRemotePrefix(job, L"", L"http://x");
    ok(hr == E_INVALIDARG, "empty prefix: %#lx\n", hr);

    /* The first file renamed, the second as it was. */
    hr = IBackgroundCopyJob4_EnumFiles(job, &files);
    ok(hr == S_OK, "EnumFiles: %#lx\n", hr);
    for (i = 0; SUCCEEDED(hr) && i < ARRAY_SIZE(expected); i++)
    {
        hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL);
        ok(hr == S_OK, "Next: %#lx\n", hr);
        if (hr != S_OK) break;
        name = NULL;
        hr = IBackgroundCopyFile_GetRemoteName(file, &name);
        ok(hr == S_OK && name && !wcscmp(name, expected[i]), "file %u: %#lx %s\n", i, hr, wine_dbgstr_w(name));
        CoTaskMemFree(name);
        IBackgroundCopyFile_Release(file);
    }
    if (files) IEnumBackgroundCopyFiles_Release(files);
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);

    /* Range and prefix methods are not for upload jobs. */
    if (!(upload = new_job(BG_JOB_TYPE_UPLOAD))) return;
    hr = IBackgroundCopyJob4_ReplaceRemotePrefix(upload, L"http://a", L"http://b");
    ok(hr == E_NOTIMPL, "upload ReplaceRemotePrefix: %#lx\n", hr);
    IBackgroundCopyJob4_Cancel(upload);
    IBackgroundCopyJob4_Release(upload);
}

static void test_ranges(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD), *upload;
    BG_FILE_RANGE ranges[501];
    WCHAR path[MAX_PATH];
    HRESULT hr;
    int i;

    if (!job) return;
    local_name(path, L"ranges");
    ranges[0].InitialOffset = 100; ranges[0].Length = 10;
    ranges[1].InitialOffset = 0; ranges[1].Length = 10;
    ranges[2].InitialOffset = 200; ranges[2].Length = BG_LENGTH_TO_EOF;
    hr = IBackgroundCopyJob4_AddFileWithRanges(job, L"http://127.0.0.1/r", path, 3, ranges);
    ok(hr == S_OK, "AddFileWithRanges: %#lx\n", hr);

    /* No ranges at all is E_INVALIDARG. */
    hr = IBackgroundCopyJob4_AddFileWithRanges(job, L"http://127.0.0.1/r", path, 0, ranges);
    ok(hr == E_INVALIDARG, "no ranges: %#lx\n", hr);
    ranges[0].InitialOffset = 0; ranges[0].Length = 0;
    hr = IBackgroundCopyJob4_AddFileWithRanges(job, L"http://127.0.0.1/r", path, 1, ranges);
    ok(hr == BG_E_INVALID_RANGE, "empty range: %#lx\n", hr);
    ranges[0].InitialOffset = ~(UINT64)0 - 5; ranges[0].Length = 10;
    hr = IBackgroundCopyJob4_AddFileWithRanges(job, L"http://127.0.0.1/r", path, 1, ranges);
    ok(hr == BG_E_INVALID_RANGE, "wrapping range: %#lx\n", hr);
    ranges[0].InitialOffset = 0; ranges[0].Length = 20;
    ranges[1].InitialOffset = 10; ranges[1].Length = 20;
    hr = IBackgroundCopyJob4_AddFileWithRanges(job, L"http://127.0.0.1/r", path, 2, ranges);
    ok(hr == BG_E_OVERLAPPING_RANGES, "overlapping: %#lx\n", hr);
    for (i = 0; i < 501; i++)
    {
        ranges[i].InitialOffset = i * 10;
        ranges[i].Length = 5;
    }
    hr = IBackgroundCopyJob4_AddFileWithRanges(job, L"http://127.0.0.1/r", path, 501, ranges);
    ok(hr == BG_E_TOO_MANY_RANGES_IN_FILE, "501 ranges: %#lx\n", hr);
    hr = IBackgroundCopyJob4_AddFileWithRanges(job, L"http://127.0.0.1/r", path, 500, ranges);
    ok(hr == S_OK, "500 ranges: %#lx\n", hr);
    /* Ranges need HTTP. */
    hr = IBackgroundCopyJob4_AddFileWithRanges(job, L"C:\\windows\\win.ini", path, 1, ranges);
    ok(hr == E_INVALIDARG, "ranges of a local file: %#lx\n", hr);
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);

    if (!(upload = new_job(BG_JOB_TYPE_UPLOAD))) return;
    hr = IBackgroundCopyJob4_AddFileWithRanges(upload, L"http://127.0.0.1/r", path, 1, ranges);
    ok(hr == E_NOTIMPL, "upload AddFileWithRanges: %#lx\n", hr);
    IBackgroundCopyJob4_Cancel(upload);
    IBackgroundCopyJob4_Release(upload);
}

static void test_notify_interface(void)
{
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
    IUnknown *unk = (void *)0xdeadbeef;
    HRESULT hr;

    if (!job) return;
    /* An object that is no IBackgroundCopyCallback is refused. */
    hr = IBackgroundCopyJob4_SetNotifyInterface(job, (IUnknown *)manager);
    ok(hr == E_INVALIDARG || hr == E_NOINTERFACE, "SetNotifyInterface(manager): %#lx\n", hr);
    hr = IBackgroundCopyJob4_SetNotifyInterface(job, NULL);
    ok(hr == S_OK, "SetNotifyInterface(NULL): %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetNotifyInterface(job, &unk);
    ok(hr == S_OK && !unk, "GetNotifyInterface: %#lx %p\n", hr, unk);
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

/* IBackgroundCopyJobHttpOptions (BITS 2.5): custom headers, security flags
 * and the client certificate. */
static void test_http_options(void)
{
    BYTE hash[20];
    IBackgroundCopyJob4 *job = new_job(BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJobHttpOptions *options;
    BG_CERT_STORE_LOCATION location = -1;
    LPWSTR headers, store, subject;
    WCHAR *big;
    BYTE *got_hash;
    ULONG flags;
    HRESULT hr;

    if (!job) return;
    hr = IBackgroundCopyJob4_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions, (void **)&options);
    ok(hr == S_OK, "QueryInterface(IBackgroundCopyJobHttpOptions): %#lx\n", hr);
    if (hr != S_OK)
    {
        IBackgroundCopyJob4_Cancel(job);
        IBackgroundCopyJob4_Release(job);
        return;
    }

    /* Defaults: no headers (S_FALSE, NULL), flags 0, no certificate. */
    headers = (void *)0xdeadbeef;
    hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(options, &headers);
    ok(hr == S_FALSE && !headers, "GetCustomHeaders: %#lx %p\n", hr, headers);
    flags = 0xdeadbeef;
    hr = IBackgroundCopyJobHttpOptions_GetSecurityFlags(options, &flags);
    ok(hr == S_OK && !flags, "GetSecurityFlags: %#lx %#lx\n", hr, flags);
    store = subject = NULL;
    got_hash = NULL;
    hr = IBackgroundCopyJobHttpOptions_GetClientCertificate(options, &location, &store, &got_hash, &subject);
    ok(hr == HRESULT_FROM_WIN32(RPC_X_BAD_STUB_DATA), "GetClientCertificate without one: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        CoTaskMemFree(store);
        CoTaskMemFree(got_hash);
        CoTaskMemFree(subject);
    }
    hr = IBackgroundCopyJobHttpOptions_RemoveClientCertificate(options);
    ok(hr == S_FALSE, "RemoveClientCertificate without one: %#lx\n", hr);

    /* Custom headers: at most 16,384 characters with the terminator; NULL removes them. */
    hr = IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"X-One: 1\r\nX-Two: 2\r\n");
    ok(hr == S_OK, "SetCustomHeaders: %#lx\n", hr);
    headers = NULL;
    hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(options, &headers);
    ok(hr == S_OK && headers && !wcscmp(headers, L"X-One: 1\r\nX-Two: 2\r\n"), "GetCustomHeaders: %#lx %s\n",
       hr, wine_dbgstr_w(headers));
    CoTaskMemFree(headers);
    big = malloc(16385 * sizeof(WCHAR));
    wfill(big, 'h', 16384);
    big[16384] = 0;
    hr = IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, big);
    ok(hr == BG_E_STRING_TOO_LONG, "16,384 characters: %#lx\n", hr);
    big[16383] = 0;
    hr = IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, big);
    ok(hr == S_OK, "16,383 characters: %#lx\n", hr);
    free(big);
    hr = IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, NULL);
    ok(hr == S_OK, "SetCustomHeaders(NULL): %#lx\n", hr);
    headers = (void *)0xdeadbeef;
    hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(options, &headers);
    ok(hr == S_FALSE && !headers, "headers not removed: %#lx %p\n", hr, headers);
    if (hr == S_OK) CoTaskMemFree(headers);

    /* Security flags: documented bits and redirect policies only (E_NOTIMPL otherwise). */
    hr = IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, BG_SSL_IGNORE_UNKNOWN_CA | BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT);
    ok(hr == S_OK, "SetSecurityFlags: %#lx\n", hr);
    flags = 0xdeadbeef;
    hr = IBackgroundCopyJobHttpOptions_GetSecurityFlags(options, &flags);
    ok(hr == S_OK && flags == (BG_SSL_IGNORE_UNKNOWN_CA | BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT), "flags %#lx %#lx\n",
       hr, flags);
    hr = IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, 0x1000);
    ok(hr == E_NOTIMPL, "unknown flag: %#lx\n", hr);
    hr = IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, 0x300);
    ok(hr == E_NOTIMPL, "unknown redirect policy: %#lx\n", hr);

    /* The client certificate, by hash and by subject: one that is there. */
    if (!client_cert_hash(hash)) memset(hash, 0, sizeof(hash));
    hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByID(options, BG_CERT_STORE_LOCATION_LOCAL_MACHINE, L"MY",
                                                                (BYTE *)hash);
    ok(hr == S_OK, "SetClientCertificateByID: %#lx\n", hr);
    store = subject = NULL;
    got_hash = NULL;
    hr = IBackgroundCopyJobHttpOptions_GetClientCertificate(options, &location, &store, &got_hash, &subject);
    ok(hr == S_OK && location == BG_CERT_STORE_LOCATION_LOCAL_MACHINE && store && !wcscmp(store, L"MY") &&
       got_hash && !memcmp(got_hash, hash, 20) && !subject, "GetClientCertificate: %#lx\n", hr);
    CoTaskMemFree(store);
    CoTaskMemFree(got_hash);
    CoTaskMemFree(subject);
    hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByName(options, 99, L"MY", CLIENT_SUBJECT);
    ok(hr == E_INVALIDARG, "bad store location: %#lx\n", hr);
    hr = IBackgroundCopyJobHttpOptions_SetClientCertificateByName(options, BG_CERT_STORE_LOCATION_LOCAL_MACHINE, L"MY",
                                                                  CLIENT_SUBJECT);
    ok(hr == S_OK, "SetClientCertificateByName: %#lx\n", hr);
    location = -1;
    store = subject = NULL;
    got_hash = NULL;
    hr = IBackgroundCopyJobHttpOptions_GetClientCertificate(options, &location, &store, &got_hash, &subject);
    ok(hr == S_OK && location == BG_CERT_STORE_LOCATION_LOCAL_MACHINE && !got_hash && subject &&
       !wcscmp(subject, CLIENT_SUBJECT),
       "GetClientCertificate: %#lx\n", hr);
    CoTaskMemFree(store);
    CoTaskMemFree(got_hash);
    CoTaskMemFree(subject);

    /* TakeOwnership drops the headers and the certificate. */
    IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"X-Secret: 1\r\n");
    hr = IBackgroundCopyJob4_TakeOwnership(job);
    ok(hr == S_OK, "TakeOwnership: %#lx\n", hr);
    headers = NULL;
    hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(options, &headers);
    ok(hr == S_FALSE, "headers kept over TakeOwnership: %#lx\n", hr);
    CoTaskMemFree(headers);
    hr = IBackgroundCopyJobHttpOptions_RemoveClientCertificate(options);
    ok(hr == S_FALSE, "certificate kept over TakeOwnership: %#lx\n", hr);

    /* Refused once the job is over. */
    IBackgroundCopyJob4_Cancel(job);
    ok(IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, NULL) == BG_E_INVALID_STATE, "SetCustomHeaders\n");
    ok(IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, 0) == BG_E_INVALID_STATE, "SetSecurityFlags\n");
    ok(IBackgroundCopyJobHttpOptions_RemoveClientCertificate(options) == BG_E_INVALID_STATE, "RemoveClientCertificate\n");
    IBackgroundCopyJobHttpOptions_Release(options);
    IBackgroundCopyJob4_Release(job);
}

static void test_null_arguments(void)
{
    IBackgroundCopyManager *inproc = get_inproc_manager();
    IBackgroundCopyJob4 *job;
    HRESULT hr;

    if (!inproc) return;
    if (!(job = create_job4(inproc, L"in-process", BG_JOB_TYPE_DOWNLOAD, NULL)))
    {
        IBackgroundCopyManager_Release(inproc);
        return;
    }

    /* What the service itself answers to NULL pointers (the proxy refuses
     * [ref] NULLs before they reach it). */
    ok(IBackgroundCopyJob4_AddFile(job, NULL, L"C:\\x") == E_INVALIDARG, "AddFile(NULL)\n");
    ok(IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/", NULL) == E_INVALIDARG, "AddFile(, NULL)\n");
    ok(IBackgroundCopyJob4_AddFileSet(job, 1, NULL) == E_INVALIDARG, "AddFileSet(NULL)\n");
    ok(IBackgroundCopyJob4_EnumFiles(job, NULL) == E_INVALIDARG, "EnumFiles\n");
    ok(IBackgroundCopyJob4_GetId(job, NULL) == E_INVALIDARG, "GetId\n");
    ok(IBackgroundCopyJob4_GetType(job, NULL) == E_INVALIDARG, "GetType\n");
    ok(IBackgroundCopyJob4_GetProgress(job, NULL) == E_INVALIDARG, "GetProgress\n");
    ok(IBackgroundCopyJob4_GetTimes(job, NULL) == E_INVALIDARG, "GetTimes\n");
    ok(IBackgroundCopyJob4_GetState(job, NULL) == E_INVALIDARG, "GetState\n");
    ok(IBackgroundCopyJob4_GetError(job, NULL) == E_INVALIDARG, "GetError\n");
    ok(IBackgroundCopyJob4_GetOwner(job, NULL) == E_INVALIDARG, "GetOwner\n");
    ok(IBackgroundCopyJob4_SetDisplayName(job, NULL) == E_INVALIDARG, "SetDisplayName\n");
    ok(IBackgroundCopyJob4_GetDisplayName(job, NULL) == E_INVALIDARG, "GetDisplayName\n");
    ok(IBackgroundCopyJob4_SetDescription(job, NULL) == E_INVALIDARG, "SetDescription\n");
    ok(IBackgroundCopyJob4_GetDescription(job, NULL) == E_INVALIDARG, "GetDescription\n");
    ok(IBackgroundCopyJob4_GetPriority(job, NULL) == E_INVALIDARG, "GetPriority\n");
    ok(IBackgroundCopyJob4_GetNotifyFlags(job, NULL) == E_INVALIDARG, "GetNotifyFlags\n");
    ok(IBackgroundCopyJob4_GetNotifyInterface(job, NULL) == E_INVALIDARG, "GetNotifyInterface\n");
    ok(IBackgroundCopyJob4_GetMinimumRetryDelay(job, NULL) == E_INVALIDARG, "GetMinimumRetryDelay\n");
    ok(IBackgroundCopyJob4_GetNoProgressTimeout(job, NULL) == E_INVALIDARG, "GetNoProgressTimeout\n");
    ok(IBackgroundCopyJob4_GetErrorCount(job, NULL) == E_INVALIDARG, "GetErrorCount\n");
    ok(IBackgroundCopyJob4_GetProxySettings(job, NULL, NULL, NULL) == E_INVALIDARG, "GetProxySettings\n");
    ok(IBackgroundCopyJob4_GetNotifyCmdLine(job, NULL, NULL) == E_INVALIDARG, "GetNotifyCmdLine\n");
    ok(IBackgroundCopyJob4_SetCredentials(job, NULL) == E_INVALIDARG, "SetCredentials\n");
    ok(IBackgroundCopyJob4_ReplaceRemotePrefix(job, NULL, L"http://x") == E_INVALIDARG, "ReplaceRemotePrefix\n");
    ok(IBackgroundCopyJob4_AddFileWithRanges(job, L"http://127.0.0.1/", L"C:\\x", 1, NULL) == E_INVALIDARG,
       "AddFileWithRanges\n");
    ok(IBackgroundCopyJob4_GetFileACLFlags(job, NULL) == E_INVALIDARG, "GetFileACLFlags\n");
    ok(IBackgroundCopyJob4_GetPeerCachingFlags(job, NULL) == E_INVALIDARG, "GetPeerCachingFlags\n");
    ok(IBackgroundCopyJob4_GetOwnerIntegrityLevel(job, NULL) == E_INVALIDARG, "GetOwnerIntegrityLevel\n");
    ok(IBackgroundCopyJob4_GetOwnerElevationState(job, NULL) == E_INVALIDARG, "GetOwnerElevationState\n");
    ok(IBackgroundCopyJob4_GetMaximumDownloadTime(job, NULL) == E_INVALIDARG, "GetMaximumDownloadTime\n");

    hr = IBackgroundCopyJob4_Cancel(job);
    ok(hr == S_OK, "Cancel: %#lx\n", hr);
    IBackgroundCopyJob4_Release(job);
    IBackgroundCopyManager_Release(inproc);
}

START_TEST(job)
{
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    make_test_dir(test_dir, L"job");
    if (!(manager = get_manager())) return;

    test_defaults();
    test_times();
    test_strings();
    test_null_strings();
    test_values();
    test_proxy_settings();
    test_add_file();
    test_file_limit();
    test_state_transitions();
    test_final_state_setters();
    test_cmdline();
    test_credentials();
    test_reply();
    test_replace_prefix();
    test_ranges();
    test_notify_interface();
    test_http_options();
    test_null_arguments();

    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
}
