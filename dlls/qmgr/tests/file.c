/*
 * Tests of IBackgroundCopyFile and IBackgroundCopyFile2 through the BITS service
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

START_TEST(file)
{
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!(manager = get_manager())) return;
    test_file();
    test_file_ranges();
    test_upload_file();
    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
}
