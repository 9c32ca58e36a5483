/*
 * Tests of IBackgroundCopyFile and IBackgroundCopyFile2 through the BITS
 * service, and of what IBackgroundCopyJob3::SetFileACLFlags gives the files
 * of local sources
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
#include "sddl.h"

static IBackgroundCopyManager *manager;

static IBackgroundCopyFile2 *first_file(IBackgroundCopyJob4 *job)
{
    IEnumBackgroundCopyFiles *files;
    IBackgroundCopyFile2 *file2 = NULL;
    IBackgroundCopyFile *file;
    HRESULT hr;

    hr = IBackgroundCopyJob4_EnumFiles(job, &files);
    ok(hr == S_OK, "EnumFiles: %#lx\n", hr);
    if (FAILED(hr)) return NULL;
    hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL);
    ok(hr == S_OK, "Next: %#lx\n", hr);
    IEnumBackgroundCopyFiles_Release(files);
    if (hr != S_OK) return NULL;
    hr = IBackgroundCopyFile_QueryInterface(file, &IID_IBackgroundCopyFile2, (void **)&file2);
    ok(hr == S_OK, "QueryInterface(IBackgroundCopyFile2): %#lx\n", hr);
    IBackgroundCopyFile_Release(file);
    return SUCCEEDED(hr) ? file2 : NULL;
}

static void test_file(void)
{
    IBackgroundCopyJob4 *job = create_job4(manager, L"file test", BG_JOB_TYPE_DOWNLOAD, NULL);
    IBackgroundCopyFile2 *file;
    BG_FILE_PROGRESS progress;
    BG_FILE_RANGE *ranges;
    DWORD count;
    LPWSTR name;
    HRESULT hr;

    if (!job) return;
    hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/remote.bin", L"C:\\qmgr\\local.bin");
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    if (!(file = first_file(job)))
    {
        IBackgroundCopyJob4_Cancel(job);
        IBackgroundCopyJob4_Release(job);
        return;
    }

    name = NULL;
    hr = IBackgroundCopyFile2_GetRemoteName(file, &name);
    ok(hr == S_OK && name && !wcscmp(name, L"http://127.0.0.1/remote.bin"), "GetRemoteName: %#lx %s\n", hr,
       wine_dbgstr_w(name));
    CoTaskMemFree(name);
    name = NULL;
    hr = IBackgroundCopyFile2_GetLocalName(file, &name);
    ok(hr == S_OK && name && !wcscmp(name, L"C:\\qmgr\\local.bin"), "GetLocalName: %#lx %s\n", hr, wine_dbgstr_w(name));
    CoTaskMemFree(name);

    /* A new file's size is unknown. */
    hr = IBackgroundCopyFile2_GetProgress(file, &progress);
    ok(hr == S_OK, "GetProgress: %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        ok(progress.BytesTotal == BG_SIZE_UNKNOWN, "BytesTotal %s\n", wine_dbgstr_longlong(progress.BytesTotal));
        ok(progress.BytesTransferred == 0, "BytesTransferred %s\n", wine_dbgstr_longlong(progress.BytesTransferred));
        ok(!progress.Completed, "Completed\n");
    }

    /* No ranges: S_FALSE, nothing returned. */
    ranges = (void *)0xdeadbeef;
    count = 5;
    hr = IBackgroundCopyFile2_GetFileRanges(file, &count, &ranges);
    ok(hr == S_FALSE && !count && !ranges, "GetFileRanges: %#lx %lu %p\n", hr, count, ranges);
    if (hr == S_OK) CoTaskMemFree(ranges);

    /* SetRemoteName: valid names, protocol changes included. */
    hr = IBackgroundCopyFile2_SetRemoteName(file, L"https://127.0.0.1/other.bin");
    ok(hr == S_OK, "SetRemoteName: %#lx\n", hr);
    name = NULL;
    hr = IBackgroundCopyFile2_GetRemoteName(file, &name);
    ok(hr == S_OK && name && !wcscmp(name, L"https://127.0.0.1/other.bin"), "after SetRemoteName %#lx %s\n", hr,
       wine_dbgstr_w(name));
    CoTaskMemFree(name);
    hr = IBackgroundCopyFile2_SetRemoteName(file, L"\\\\server\\share\\file.bin");
    ok(hr == S_OK, "SetRemoteName(UNC): %#lx\n", hr);
    hr = IBackgroundCopyFile2_SetRemoteName(file, L"mailto:someone");
    ok(hr == E_INVALIDARG, "SetRemoteName(mailto): %#lx\n", hr);
    hr = IBackgroundCopyFile2_SetRemoteName(file, L"");
    ok(hr == E_INVALIDARG, "SetRemoteName(\"\"): %#lx\n", hr);

    /* Refused once the job is over. */
    IBackgroundCopyJob4_Cancel(job);
    hr = IBackgroundCopyFile2_SetRemoteName(file, L"http://127.0.0.1/late.bin");
    ok(hr == BG_E_INVALID_STATE, "SetRemoteName after Cancel: %#lx\n", hr);
    /* Getters keep working on a file of a cancelled job. */
    name = NULL;
    hr = IBackgroundCopyFile2_GetLocalName(file, &name);
    ok(hr == S_OK, "GetLocalName after Cancel: %#lx\n", hr);
    CoTaskMemFree(name);

    IBackgroundCopyFile2_Release(file);
    IBackgroundCopyJob4_Release(job);
}

static void test_file_ranges(void)
{
    IBackgroundCopyJob4 *job = create_job4(manager, L"ranges", BG_JOB_TYPE_DOWNLOAD, NULL);
    BG_FILE_RANGE given[3] = { { 1000, 10 }, { 0, 100 }, { 5000, BG_LENGTH_TO_EOF } }, *ranges;
    BG_FILE_PROGRESS progress;
    BG_JOB_PROGRESS job_progress;
    IBackgroundCopyFile2 *file;
    DWORD count = 0;
    HRESULT hr;

    if (!job) return;
    hr = IBackgroundCopyJob4_AddFileWithRanges(job, L"http://127.0.0.1/r.bin", L"C:\\qmgr\\r.bin", 3, given);
    ok(hr == S_OK, "AddFileWithRanges: %#lx\n", hr);
    if (!(file = first_file(job)))
    {
        IBackgroundCopyJob4_Cancel(job);
        IBackgroundCopyJob4_Release(job);
        return;
    }
    ranges = NULL;
    hr = IBackgroundCopyFile2_GetFileRanges(file, &count, &ranges);
    ok(hr == S_OK && count == 3, "GetFileRanges: %#lx %lu\n", hr, count);
    /* The order given is the order of the ranges in the local file. */
    if (hr == S_OK && count == 3 && ranges)
    {
        ok(ranges[0].InitialOffset == 1000 && ranges[0].Length == 10, "range 0\n");
        ok(ranges[1].InitialOffset == 0 && ranges[1].Length == 100, "range 1\n");
        ok(ranges[2].InitialOffset == 5000 && ranges[2].Length == BG_LENGTH_TO_EOF, "range 2\n");
    }
    CoTaskMemFree(ranges);
    /* A range to the end of the file leaves the size unknown. */
    hr = IBackgroundCopyFile2_GetProgress(file, &progress);
    ok(hr == S_OK && progress.BytesTotal == BG_SIZE_UNKNOWN, "BytesTotal %#lx %s\n", hr,
       wine_dbgstr_longlong(progress.BytesTotal));
    IBackgroundCopyFile2_Release(file);
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);

    /* Otherwise a file of ranges is as big as its ranges. */
    if (!(job = create_job4(manager, L"finite ranges", BG_JOB_TYPE_DOWNLOAD, NULL))) return;
    hr = IBackgroundCopyJob4_AddFileWithRanges(job, L"http://127.0.0.1/r.bin", L"C:\\qmgr\\r2.bin", 2, given);
    ok(hr == S_OK, "AddFileWithRanges: %#lx\n", hr);
    hr = IBackgroundCopyJob4_GetProgress(job, &job_progress);
    ok(hr == S_OK && job_progress.BytesTotal == 110, "BytesTotal %#lx %s\n", hr,
       wine_dbgstr_longlong(job_progress.BytesTotal));
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

static void test_upload_file(void)
{
    IBackgroundCopyJob4 *job = create_job4(manager, L"upload", BG_JOB_TYPE_UPLOAD, NULL);
    IBackgroundCopyFile2 *file;
    HRESULT hr;

    if (!job) return;
    hr = IBackgroundCopyJob4_AddFile(job, L"http://127.0.0.1/up", L"C:\\qmgr\\up.bin");
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    if (!(file = first_file(job)))
    {
        IBackgroundCopyJob4_Cancel(job);
        IBackgroundCopyJob4_Release(job);
        return;
    }
    /* SetRemoteName is for download jobs. */
    hr = IBackgroundCopyFile2_SetRemoteName(file, L"http://127.0.0.1/up2");
    ok(hr == E_NOTIMPL, "upload SetRemoteName: %#lx\n", hr);
    IBackgroundCopyFile2_Release(file);
    IBackgroundCopyJob4_Cancel(job);
    IBackgroundCopyJob4_Release(job);
}

/* --- SetFileACLFlags ------------------------------------------------------ */

static WCHAR acl_dir[MAX_PATH];
static WCHAR *user_sid;

static void get_user_sid(void)
{
    BYTE buffer[SECURITY_MAX_SID_SIZE + sizeof(TOKEN_USER)];
    TOKEN_USER *user = (TOKEN_USER *)buffer;
    HANDLE token;
    DWORD size;

    OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token);
    if (GetTokenInformation(token, TokenUser, buffer, sizeof(buffer), &size))
        ConvertSidToStringSidW(user->User.Sid, &user_sid);
    CloseHandle(token);
    ok(user_sid != NULL, "no user SID\n");
}

static BOOL token_elevated(void)
{
    TOKEN_ELEVATION elevation = { 0 };
    HANDLE token;
    DWORD size;

    OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token);
    GetTokenInformation(token, TokenElevation, &elevation, sizeof(elevation), &size);
    CloseHandle(token);
    return elevation.TokenIsElevated;
}

/* The explicit ACEs of a file's DACL as SDDL (the inherited ones come from
 * its folder), or its owner; "" when it cannot be read. */
static void file_security(const WCHAR *path, SECURITY_INFORMATION info, WCHAR *out, DWORD size)
{
    BYTE buffer[8192], copy[8192];
    PSECURITY_DESCRIPTOR sd = buffer;
    SECURITY_DESCRIPTOR *explicit_sd = (SECURITY_DESCRIPTOR *)copy;
    ACL *dacl, *explicit_dacl = (ACL *)(copy + sizeof(SECURITY_DESCRIPTOR));
    BOOL present, defaulted;
    ACE_HEADER *ace;
    WCHAR *sddl;
    DWORD needed, i;

    *out = 0;
    if (!GetFileSecurityW(path, info, sd, sizeof(buffer), &needed))
    {
        ok(0, "GetFileSecurity(%s): %lu\n", wine_dbgstr_w(path), GetLastError());
        return;
    }
    if (info == DACL_SECURITY_INFORMATION)
    {
        InitializeSecurityDescriptor(explicit_sd, SECURITY_DESCRIPTOR_REVISION);
        InitializeAcl(explicit_dacl, sizeof(copy) - sizeof(SECURITY_DESCRIPTOR), ACL_REVISION);
        if (GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) && present && dacl)
        {
            for (i = 0; i < dacl->AceCount; i++)
                if (GetAce(dacl, i, (void **)&ace) && !(ace->AceFlags & INHERITED_ACE))
                    AddAce(explicit_dacl, ACL_REVISION, MAXDWORD, ace, ace->AceSize);
            SetSecurityDescriptorDacl(explicit_sd, TRUE, explicit_dacl, FALSE);
        }
        else SetSecurityDescriptorDacl(explicit_sd, TRUE, NULL, FALSE);
        sd = explicit_sd;
    }
    if (ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, info, &sddl, NULL))
    {
        lstrcpynW(out, sddl, size);
        LocalFree(sddl);
    }
}

/* A new source file at path whose DACL is sddl_format, %s standing for our SID. */
static void make_source(const WCHAR *path, const WCHAR *sddl_format)
{
    PSECURITY_DESCRIPTOR sd;
    WCHAR sddl[256];
    DWORD written;
    HANDLE file;
    BOOL ret;

    SetFileAttributesW(path, FILE_ATTRIBUTE_NORMAL);
    DeleteFileW(path);
    file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    ok(file != INVALID_HANDLE_VALUE, "cannot create %s: %lu\n", wine_dbgstr_w(path), GetLastError());
    WriteFile(file, "some bytes to copy", 18, &written, NULL);
    CloseHandle(file);
    swprintf(sddl, ARRAY_SIZE(sddl), sddl_format, user_sid);
    ret = ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, NULL);
    ok(ret, "bad SDDL %s\n", wine_dbgstr_w(sddl));
    if (!ret) return;
    ret = SetFileSecurityW(path, DACL_SECURITY_INFORMATION, sd);
    ok(ret, "SetFileSecurity(%s): %lu\n", wine_dbgstr_w(path), GetLastError());
    LocalFree(sd);
}

static IBackgroundCopyJob4 *start_acl_job(const WCHAR *source, const WCHAR *dest, DWORD flags)
{
    IBackgroundCopyJob4 *job = create_job4(manager, L"ACL flags", BG_JOB_TYPE_DOWNLOAD, NULL);
    HRESULT hr;

    if (!job) return NULL;
    hr = IBackgroundCopyJob4_SetFileACLFlags(job, flags);
    ok(hr == S_OK, "SetFileACLFlags(%#lx): %#lx\n", flags, hr);
    hr = IBackgroundCopyJob4_SetMinimumRetryDelay(job, 5);
    ok(hr == S_OK, "SetMinimumRetryDelay: %#lx\n", hr);
    hr = IBackgroundCopyJob4_AddFile(job, source, dest);
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    hr = IBackgroundCopyJob4_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    return job;
}

#define ACL_END_STATES ((1u << BG_JOB_STATE_TRANSFERRED) | (1u << BG_JOB_STATE_ERROR) | \
                        (1u << BG_JOB_STATE_TRANSIENT_ERROR))

/* Transfers source to dest with the flags and completes the job. */
static BOOL transfer_with_flags(const WCHAR *source, const WCHAR *dest, DWORD flags)
{
    IBackgroundCopyJob4 *job = start_acl_job(source, dest, flags);
    BG_JOB_STATE state;
    HRESULT hr;

    if (!job) return FALSE;
    state = wait_for_state(job, ACL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "flags %#lx: state %d\n", flags, state);
    if (state != BG_JOB_STATE_TRANSFERRED)
    {
        IBackgroundCopyJob4_Cancel(job);
        IBackgroundCopyJob4_Release(job);
        return FALSE;
    }
    hr = IBackgroundCopyJob4_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    IBackgroundCopyJob4_Release(job);
    return hr == S_OK;
}

/* Two DACLs Wine can keep (as Unix permissions) that differ from a new
 * file's: ours alone, and everyone's. */
static const WCHAR *const source_dacls[] = { L"D:(A;;FA;;;%s)", L"D:(A;;FA;;;WD)" };

static void test_acl_flags_dacl(void)
{
    WCHAR source[MAX_PATH], dest[MAX_PATH], fresh[MAX_PATH];
    WCHAR want[1024], got[1024], plain[1024];
    unsigned int i;
    HANDLE file;

    swprintf(source, MAX_PATH, L"%s\\source.bin", acl_dir);
    swprintf(fresh, MAX_PATH, L"%s\\fresh.bin", acl_dir);
    file = CreateFileW(fresh, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    CloseHandle(file);
    /* What a file made in the folder gets, without any flag. */
    file_security(fresh, DACL_SECURITY_INFORMATION, plain, ARRAY_SIZE(plain));

    for (i = 0; i < ARRAY_SIZE(source_dacls); i++)
    {
        winetest_push_context("%s", wine_dbgstr_w(source_dacls[i]));
        make_source(source, source_dacls[i]);
        file_security(source, DACL_SECURITY_INFORMATION, want, ARRAY_SIZE(want));
        ok(wcscmp(want, plain), "source DACL %s is a new file's\n", wine_dbgstr_w(want));

        /* BG_COPY_FILE_DACL: the source's explicit ACEs. */
        swprintf(dest, MAX_PATH, L"%s\\dacl%u.bin", acl_dir, i);
        if (transfer_with_flags(source, dest, BG_COPY_FILE_DACL))
        {
            ok(same_files(source, dest), "content differs\n");
            file_security(dest, DACL_SECURITY_INFORMATION, got, ARRAY_SIZE(got));
            ok(!wcscmp(got, want), "DACL %s, source's %s\n", wine_dbgstr_w(got), wine_dbgstr_w(want));
        }

        /* No flag: what the folder gives. */
        swprintf(dest, MAX_PATH, L"%s\\plain%u.bin", acl_dir, i);
        if (transfer_with_flags(source, dest, 0))
        {
            file_security(dest, DACL_SECURITY_INFORMATION, got, ARRAY_SIZE(got));
            ok(!wcscmp(got, plain), "DACL %s, a new file's %s\n", wine_dbgstr_w(got), wine_dbgstr_w(plain));
        }
        winetest_pop_context();
    }
}

/* The descriptor is read when the file is transferred: a change of the
 * source between then and Complete is not seen. */
static void test_acl_flags_when(void)
{
    WCHAR source[MAX_PATH], dest[MAX_PATH], want[1024], got[1024];
    IBackgroundCopyJob4 *job;
    PSECURITY_DESCRIPTOR sd;
    BG_JOB_STATE state;
    HRESULT hr;

    swprintf(source, MAX_PATH, L"%s\\when.bin", acl_dir);
    swprintf(dest, MAX_PATH, L"%s\\when-dest.bin", acl_dir);
    make_source(source, source_dacls[0]);
    file_security(source, DACL_SECURITY_INFORMATION, want, ARRAY_SIZE(want));
    if (!(job = start_acl_job(source, dest, BG_COPY_FILE_DACL))) return;
    state = wait_for_state(job, ACL_END_STATES, 30000);
    ok(state == BG_JOB_STATE_TRANSFERRED, "state %d\n", state);
    /* Too late to change the flags. */
    hr = IBackgroundCopyJob4_SetFileACLFlags(job, 0);
    ok(hr == BG_E_INVALID_STATE, "SetFileACLFlags once transferred: %#lx\n", hr);

    ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:(A;;FA;;;WD)", SDDL_REVISION_1, &sd, NULL);
    ok(SetFileSecurityW(source, DACL_SECURITY_INFORMATION, sd), "SetFileSecurity: %lu\n", GetLastError());
    LocalFree(sd);
    hr = IBackgroundCopyJob4_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    IBackgroundCopyJob4_Release(job);
    file_security(dest, DACL_SECURITY_INFORMATION, got, ARRAY_SIZE(got));
    ok(!wcscmp(got, want), "DACL %s, the source's at transfer %s\n", wine_dbgstr_w(got), wine_dbgstr_w(want));
}

/* An elevated owner may copy every part; Wine 8 keeps no owner, group or
 * SACL on files (it makes them up from the Unix file), so only the owner
 * the system reports can be compared. */
static void test_acl_flags_all(void)
{
    WCHAR source[MAX_PATH], dest[MAX_PATH], want[1024], got[1024];

    if (!token_elevated())
    {
        skip("not elevated\n");
        return;
    }
    swprintf(source, MAX_PATH, L"%s\\all.bin", acl_dir);
    swprintf(dest, MAX_PATH, L"%s\\all-dest.bin", acl_dir);
    make_source(source, source_dacls[0]);
    if (!transfer_with_flags(source, dest, BG_COPY_FILE_ALL)) return;
    file_security(source, DACL_SECURITY_INFORMATION, want, ARRAY_SIZE(want));
    file_security(dest, DACL_SECURITY_INFORMATION, got, ARRAY_SIZE(got));
    ok(!wcscmp(got, want), "DACL %s, source's %s\n", wine_dbgstr_w(got), wine_dbgstr_w(want));
    file_security(source, OWNER_SECURITY_INFORMATION, want, ARRAY_SIZE(want));
    file_security(dest, OWNER_SECURITY_INFORMATION, got, ARRAY_SIZE(got));
    ok(!wcscmp(got, want), "owner %s, source's %s\n", wine_dbgstr_w(got), wine_dbgstr_w(want));
}

/* Runs in a child on the limited linked token: owner, group and SACL need
 * privileges a limited token lacks; the DACL does not. */
static void acl_flags_limited_child(void)
{
    WCHAR source[MAX_PATH], dest[MAX_PATH], want[1024], got[1024];
    static const DWORD privileged[] = { BG_COPY_FILE_OWNER, BG_COPY_FILE_GROUP, BG_COPY_FILE_SACL };
    IBackgroundCopyError *error;
    IBackgroundCopyJob4 *job;
    BG_ERROR_CONTEXT context;
    BG_JOB_STATE state;
    unsigned int i;
    HRESULT hr, code;

    ok(!token_elevated(), "child token is elevated\n");
    get_user_sid();
    make_test_dir(acl_dir, L"aclflags_limited");
    swprintf(source, MAX_PATH, L"%s\\source.bin", acl_dir);
    make_source(source, source_dacls[0]);
    file_security(source, DACL_SECURITY_INFORMATION, want, ARRAY_SIZE(want));

    for (i = 0; i < ARRAY_SIZE(privileged); i++)
    {
        winetest_push_context("flags %#lx", privileged[i]);
        swprintf(dest, MAX_PATH, L"%s\\dest%u.bin", acl_dir, i);
        if (!(job = start_acl_job(source, dest, privileged[i] | BG_COPY_FILE_DACL)))
        {
            winetest_pop_context();
            continue;
        }
        state = wait_for_state(job, ACL_END_STATES, 30000);
        ok(state == BG_JOB_STATE_TRANSIENT_ERROR, "state %d\n", state);
        hr = IBackgroundCopyJob4_GetError(job, &error);
        ok(hr == S_OK, "GetError: %#lx\n", hr);
        if (hr == S_OK)
        {
            hr = IBackgroundCopyError_GetError(error, &context, &code);
            ok(hr == S_OK && code == E_ACCESSDENIED, "error %#lx (%#lx), context %d\n", code, hr, context);
            IBackgroundCopyError_Release(error);
        }
        ok(!file_exists(dest), "destination made\n");

        /* Without the privileged part it goes through. */
        hr = IBackgroundCopyJob4_SetFileACLFlags(job, BG_COPY_FILE_DACL);
        ok(hr == S_OK, "SetFileACLFlags: %#lx\n", hr);
        hr = IBackgroundCopyJob4_Resume(job);
        ok(hr == S_OK, "Resume: %#lx\n", hr);
        state = wait_for_state(job, (1u << BG_JOB_STATE_TRANSFERRED) | (1u << BG_JOB_STATE_ERROR), 30000);
        ok(state == BG_JOB_STATE_TRANSFERRED, "state after dropping the flag %d\n", state);
        hr = IBackgroundCopyJob4_Complete(job);
        ok(hr == S_OK, "Complete: %#lx\n", hr);
        if (hr == S_OK)
        {
            file_security(dest, DACL_SECURITY_INFORMATION, got, ARRAY_SIZE(got));
            ok(!wcscmp(got, want), "DACL %s, source's %s\n", wine_dbgstr_w(got), wine_dbgstr_w(want));
        }
        else IBackgroundCopyJob4_Cancel(job);
        IBackgroundCopyJob4_Release(job);
        winetest_pop_context();
    }
}

static void test_acl_flags_limited(void)
{
    TOKEN_LINKED_TOKEN linked;
    PROCESS_INFORMATION child;
    HANDLE token, primary = NULL;
    DWORD size;

    if (!token_elevated())
    {
        skip("not elevated: no limited linked token\n");
        return;
    }
    OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token);
    if (GetTokenInformation(token, TokenLinkedToken, &linked, sizeof(linked), &size))
    {
        DuplicateTokenEx(linked.LinkedToken, TOKEN_ALL_ACCESS, NULL, SecurityImpersonation, TokenPrimary, &primary);
        CloseHandle(linked.LinkedToken);
    }
    CloseHandle(token);
    if (!primary)
    {
        skip("no limited linked token\n");
        return;
    }
    if (run_child("file acl_limited", primary, &child)) wait_child_process(&child);
    CloseHandle(primary);
}

static void test_acl_flags(void)
{
    get_user_sid();
    if (!user_sid) return;
    make_test_dir(acl_dir, L"aclflags");
    winetest_push_context("DACL");
    test_acl_flags_dacl();
    winetest_pop_context();
    winetest_push_context("when");
    test_acl_flags_when();
    winetest_pop_context();
    winetest_push_context("all");
    test_acl_flags_all();
    winetest_pop_context();
    test_acl_flags_limited();
    LocalFree(user_sid);
}

START_TEST(file)
{
    char **argv;
    int argc = winetest_get_mainargs(&argv);

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!(manager = get_manager())) return;
    if (argc > 2 && !strcmp(argv[2], "acl_limited"))
    {
        acl_flags_limited_child();
        IBackgroundCopyManager_Release(manager);
        CoUninitialize();
        return;
    }
    test_file();
    test_file_ranges();
    test_upload_file();
    test_acl_flags();
    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
}
