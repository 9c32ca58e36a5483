/*
 * Background Intelligent Transfer Service: copies from local, UNC and file:// sources
 *
 * The source's size and modification time are its validator: a resume
 * continues after the bytes already copied only if both are unchanged.
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

#include "qmgr_private.h"
#include "shlwapi.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

#define COPY_BUFFER_SIZE (1024 * 1024)

static WCHAR *source_path(const WCHAR *remote)
{
    WCHAR *path;
    DWORD len = wcslen(remote) + 1;

    if (wcsnicmp(remote, L"file:", 5)) return strdupW(remote);
    if (!(path = malloc(len * sizeof(WCHAR)))) return NULL;
    if (FAILED(PathCreateFromUrlW(remote, path, &len, 0)))
    {
        free(path);
        return NULL;
    }
    return path;
}

static void copy_file(struct transfer *t, HANDLE source, HANDLE dest, UINT64 offset, UINT64 total, BYTE *buffer)
{
    LARGE_INTEGER pos;
    DWORD read, written;

    pos.QuadPart = offset;
    if (offset && !SetFilePointerEx(source, pos, NULL, FILE_BEGIN))
    {
        transfer_fail(t, HRESULT_FROM_WIN32(GetLastError()), BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
        return;
    }
    transfer_progress(t, offset, total);
    while (offset < total)
    {
        if (transfer_cancelled(t)) return;
        if (!ReadFile(source, buffer, COPY_BUFFER_SIZE, &read, NULL))
        {
            /* Network paths come and go. */
            transfer_fail(t, HRESULT_FROM_WIN32(GetLastError()), BG_ERROR_CONTEXT_REMOTE_FILE, TRUE);
            return;
        }
        if (!read) break;
        if (!WriteFile(dest, buffer, read, &written, NULL) || written != read)
        {
            transfer_fail(t, HRESULT_FROM_WIN32(GetLastError()), BG_ERROR_CONTEXT_LOCAL_FILE, FALSE);
            return;
        }
        offset += read;
        transfer_progress(t, offset, total);
    }
    if (offset != total)
    {
        /* The source shrank under us: try again later with the new version. */
        transfer_set_validator(t, NULL, NULL, NULL);
        transfer_fail(t, BG_E_LOCAL_FILE_CHANGED, BG_ERROR_CONTEXT_REMOTE_FILE, TRUE);
        return;
    }
    transfer_file_done(t, dest);
}

void local_transfer_file(struct transfer *t)
{
    BY_HANDLE_FILE_INFORMATION info;
    HANDLE source, dest;
    WCHAR validator[64], *path;
    UINT64 total, offset;
    BYTE *buffer;
    BOOL same;

    t->protocol = L"file";
    if (!(path = source_path(t->remote)))
    {
        transfer_fail(t, E_INVALIDARG, BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
        return;
    }
    source = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                         OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, NULL);
    free(path);
    if (source == INVALID_HANDLE_VALUE)
    {
        DWORD err = GetLastError();
        /* A missing share or server may come back; a missing file will not. */
        transfer_fail(t, HRESULT_FROM_WIN32(err), BG_ERROR_CONTEXT_REMOTE_FILE,
                      err == ERROR_BAD_NETPATH || err == ERROR_NETWORK_UNREACHABLE || err == ERROR_BAD_NET_NAME);
        return;
    }
    if (!GetFileInformationByHandle(source, &info) || (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
    {
        transfer_fail(t, HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED), BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
        CloseHandle(source);
        return;
    }
    total = ((UINT64)info.nFileSizeHigh << 32) | info.nFileSizeLow;
    swprintf(validator, ARRAY_SIZE(validator), L"%I64u-%08lx%08lx", total,
             info.ftLastWriteTime.dwHighDateTime, info.ftLastWriteTime.dwLowDateTime);
    same = t->etag && !wcscmp(t->etag, validator);
    if (!same) transfer_set_validator(t, validator, NULL, &info.ftLastWriteTime);

    if ((dest = transfer_open_temp(t, !same, &offset)))
    {
        if (offset > total)
        {
            CloseHandle(dest);
            dest = transfer_open_temp(t, TRUE, &offset);
        }
        if (dest && (buffer = malloc(COPY_BUFFER_SIZE)))
        {
            copy_file(t, source, dest, offset, total, buffer);
            free(buffer);
        }
        else if (dest) transfer_fail(t, E_OUTOFMEMORY, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, TRUE);
        if (dest) CloseHandle(dest);
    }
    CloseHandle(source);
}
