/*
 * Background Intelligent Transfer Service: copies from local, UNC and file:// sources
 *
 * The source's size and modification time are its validator: a resume
 * continues after the bytes already copied only if both are unchanged.
 *
 * SetFileACLFlags: when a file is whole, the parts of the source's
 * security descriptor the job asks for are read from the source still
 * open and given to the temporary file, whose rename at Complete keeps
 * them.  Microsoft documents this moment ("when the file transfer is
 * complete", files transferred before the flags were set keep the
 * defaults) and that a missing privilege puts the job in TRANSIENT_ERROR
 * with E_ACCESSDENIED, which only a transfer can do.
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
#include "aclapi.h"
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

/* The privileges Microsoft documents for the flags, enabled on a copy of
 * the service's token for this thread; FALSE if that copy cannot be made. */
static BOOL impersonate_with_privileges(SECURITY_INFORMATION info)
{
    BYTE buffer[offsetof(TOKEN_PRIVILEGES, Privileges[2])];
    TOKEN_PRIVILEGES *privileges = (TOKEN_PRIVILEGES *)buffer;
    HANDLE token;

    if (!ImpersonateSelf(SecurityImpersonation)) return FALSE;
    if (!OpenThreadToken(GetCurrentThread(), TOKEN_ADJUST_PRIVILEGES, TRUE, &token))
    {
        RevertToSelf();
        return FALSE;
    }
    privileges->PrivilegeCount = 0;
    if ((info & (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION)) &&
        LookupPrivilegeValueW(NULL, L"SeRestorePrivilege", &privileges->Privileges[privileges->PrivilegeCount].Luid))
        privileges->Privileges[privileges->PrivilegeCount++].Attributes = SE_PRIVILEGE_ENABLED;
    if ((info & SACL_SECURITY_INFORMATION) &&
        LookupPrivilegeValueW(NULL, L"SeSecurityPrivilege", &privileges->Privileges[privileges->PrivilegeCount].Luid))
        privileges->Privileges[privileges->PrivilegeCount++].Attributes = SE_PRIVILEGE_ENABLED;
    /* A privilege the service lacks shows up as a refusal below. */
    if (privileges->PrivilegeCount && !AdjustTokenPrivileges(token, FALSE, privileges, 0, NULL, NULL))
        WARN("cannot enable privileges: %lu\n", GetLastError());
    CloseHandle(token);
    return TRUE;
}

/* The explicit ACEs of the source's list, then, unless the source's list
 * is protected (inherited == NULL), the ones the temporary file inherited
 * from its folder: what Microsoft documents for the DACL and SACL flags. */
static DWORD merge_aces(const ACL *source, const ACL *inherited, ACL **ret)
{
    const ACL *lists[2] = { source, inherited };
    DWORD size = sizeof(ACL), pass, i;
    BYTE revision = ACL_REVISION;
    ACE_HEADER *ace;

    /* pass 0 takes the explicit ACEs of the source, pass 1 the inherited
     * ones of the destination */
    for (pass = 0; pass < 2; pass++)
    {
        if (!lists[pass]) continue;
        revision = max(revision, lists[pass]->AclRevision);
        for (i = 0; i < lists[pass]->AceCount; i++)
            if (GetAce((ACL *)lists[pass], i, (void **)&ace) && !!(ace->AceFlags & INHERITED_ACE) == pass)
                size += ace->AceSize;
    }
    if (size > MAXWORD) return ERROR_INVALID_ACL;
    if (!(*ret = malloc(size))) return ERROR_OUTOFMEMORY;
    InitializeAcl(*ret, size, revision);
    for (pass = 0; pass < 2; pass++)
    {
        if (!lists[pass]) continue;
        for (i = 0; i < lists[pass]->AceCount; i++)
            if (GetAce((ACL *)lists[pass], i, (void **)&ace) && !!(ace->AceFlags & INHERITED_ACE) == pass)
                AddAce(*ret, revision, MAXDWORD, ace, ace->AceSize);
    }
    return ERROR_SUCCESS;
}

static HRESULT security_error(DWORD err)
{
    if (err == ERROR_PRIVILEGE_NOT_HELD) return E_ACCESSDENIED;
    return HRESULT_FROM_WIN32(err);
}

/* The security descriptor the temporary file gets: from the source's, the
 * parts the flags name, lists merged with the temporary file's inherited
 * ACEs (read through dest). */
static DWORD build_security(SECURITY_INFORMATION info, PSECURITY_DESCRIPTOR source_sd, HANDLE dest,
                            SECURITY_DESCRIPTOR *sd, ACL **dacl, ACL **sacl)
{
    SECURITY_DESCRIPTOR_CONTROL control = 0, set = 0;
    PSECURITY_DESCRIPTOR dest_sd = NULL;
    ACL *source_dacl = NULL, *source_sacl = NULL, *dest_dacl = NULL, *dest_sacl = NULL;
    BOOL present, defaulted;
    PSID owner, group;
    DWORD err, revision;

    *dacl = *sacl = NULL;
    InitializeSecurityDescriptor(sd, SECURITY_DESCRIPTOR_REVISION);
    GetSecurityDescriptorControl(source_sd, &control, &revision);
    if ((info & OWNER_SECURITY_INFORMATION) && GetSecurityDescriptorOwner(source_sd, &owner, &defaulted))
        SetSecurityDescriptorOwner(sd, owner, FALSE);
    if ((info & GROUP_SECURITY_INFORMATION) && GetSecurityDescriptorGroup(source_sd, &group, &defaulted))
        SetSecurityDescriptorGroup(sd, group, FALSE);
    if (!(info & (DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION))) return ERROR_SUCCESS;

    if ((err = GetSecurityInfo(dest, SE_FILE_OBJECT, info & (DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION),
                               NULL, NULL, &dest_dacl, &dest_sacl, &dest_sd)))
        return err;
    if (info & DACL_SECURITY_INFORMATION)
    {
        GetSecurityDescriptorDacl(source_sd, &present, &source_dacl, &defaulted);
        /* No DACL on the source is everyone's access: so on the copy. */
        if (present && source_dacl)
            err = merge_aces(source_dacl, (control & SE_DACL_PROTECTED) ? NULL : dest_dacl, dacl);
        SetSecurityDescriptorDacl(sd, TRUE, *dacl, FALSE);
        set |= SE_DACL_AUTO_INHERITED | SE_DACL_PROTECTED;
    }
    if (info & SACL_SECURITY_INFORMATION)
    {
        GetSecurityDescriptorSacl(source_sd, &present, &source_sacl, &defaulted);
        if (!err)
            err = merge_aces(present ? source_sacl : NULL, (control & SE_SACL_PROTECTED) ? NULL : dest_sacl, sacl);
        SetSecurityDescriptorSacl(sd, TRUE, *sacl, FALSE);
        set |= SE_SACL_AUTO_INHERITED | SE_SACL_PROTECTED;
    }
    SetSecurityDescriptorControl(sd, set, control & set);
    if (*dacl) SetSecurityDescriptorControl(sd, SE_DACL_AUTO_INHERITED, SE_DACL_AUTO_INHERITED);
    if (*sacl) SetSecurityDescriptorControl(sd, SE_SACL_AUTO_INHERITED, SE_SACL_AUTO_INHERITED);
    LocalFree(dest_sd);
    return err;
}

/* Gives the temporary file the parts of the source's security descriptor
 * that the job's ACL flags name; FALSE when the transfer failed. */
static BOOL copy_security(struct transfer *t, HANDLE source)
{
    static BOOL fixme_shown;
    SECURITY_INFORMATION info = 0;
    PSECURITY_DESCRIPTOR source_sd = NULL;
    SECURITY_DESCRIPTOR sd;
    ACL *dacl = NULL, *sacl = NULL;
    HANDLE handle = source, dest = INVALID_HANDLE_VALUE;
    DWORD err, flags, access = READ_CONTROL;
    BOOL ret = FALSE;

    if (t->acl_flags & BG_COPY_FILE_OWNER) info |= OWNER_SECURITY_INFORMATION;
    if (t->acl_flags & BG_COPY_FILE_GROUP) info |= GROUP_SECURITY_INFORMATION;
    if (t->acl_flags & BG_COPY_FILE_DACL) info |= DACL_SECURITY_INFORMATION;
    if (t->acl_flags & BG_COPY_FILE_SACL) info |= SACL_SECURITY_INFORMATION;
    if (!info) return TRUE;

    /* Owner and group need SeRestorePrivilege, the SACL SeSecurityPrivilege:
     * the job's owner has them only with an elevated token. */
    if ((info & ~DACL_SECURITY_INFORMATION) && !t->owner.elevated)
    {
        WARN("the job's owner lacks the privileges for ACL flags %#lx\n", t->acl_flags);
        transfer_fail(t, E_ACCESSDENIED, BG_ERROR_CONTEXT_LOCAL_FILE, TRUE);
        return FALSE;
    }
    if ((info & ~DACL_SECURITY_INFORMATION) && !fixme_shown)
    {
        /* Measured: Wine 8 stores no security descriptor for files; it makes
         * one from the Unix owner and permissions, so every file has the same
         * owner and group and no SACL, and setting them changes nothing. */
        FIXME("Wine keeps no owner, group or SACL on files: ACL flags %#lx copy what Wine reports\n",
              t->acl_flags);
        fixme_shown = TRUE;
    }

    if (!impersonate_with_privileges(info))
    {
        transfer_fail(t, HRESULT_FROM_WIN32(GetLastError()), BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, TRUE);
        return FALSE;
    }
    if (info & DACL_SECURITY_INFORMATION) access |= WRITE_DAC;
    if (info & (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION)) access |= WRITE_OWNER;
    if (info & SACL_SECURITY_INFORMATION) access |= ACCESS_SYSTEM_SECURITY;
    dest = CreateFileW(t->temp, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                       OPEN_EXISTING, 0, NULL);
    if (dest == INVALID_HANDLE_VALUE)
    {
        err = GetLastError();
        WARN("cannot open %s for its security: %lu\n", debugstr_w(t->temp), err);
        transfer_fail(t, security_error(err), BG_ERROR_CONTEXT_LOCAL_FILE, TRUE);
        goto done;
    }
    /* FAT keeps none of it. */
    if (GetVolumeInformationByHandleW(dest, NULL, 0, NULL, NULL, &flags, NULL, 0) &&
        !(flags & FILE_PERSISTENT_ACLS))
    {
        TRACE("%s: no ACLs on this volume\n", debugstr_w(t->temp));
        ret = TRUE;
        goto done;
    }

    /* The source's handle may read the SACL only if opened for it. */
    if ((info & SACL_SECURITY_INFORMATION) &&
        (handle = ReOpenFile(source, READ_CONTROL | ACCESS_SYSTEM_SECURITY,
                             FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, 0)) == INVALID_HANDLE_VALUE)
        err = GetLastError();
    else
        err = GetSecurityInfo(handle, SE_FILE_OBJECT, info, NULL, NULL, NULL, NULL, &source_sd);
    if (err)
    {
        WARN("cannot read the security of %s: %lu\n", debugstr_w(t->remote), err);
        transfer_fail(t, security_error(err), BG_ERROR_CONTEXT_REMOTE_FILE, TRUE);
        goto done;
    }
    if ((err = build_security(info, source_sd, dest, &sd, &dacl, &sacl)) ||
        (!SetKernelObjectSecurity(dest, info, &sd) && (err = GetLastError())))
    {
        WARN("cannot give %s the security of %s: %lu\n", debugstr_w(t->temp), debugstr_w(t->remote), err);
        transfer_fail(t, security_error(err), BG_ERROR_CONTEXT_LOCAL_FILE, TRUE);
        goto done;
    }
    TRACE("%s: security %#lx of %s\n", debugstr_w(t->temp), info, debugstr_w(t->remote));
    ret = TRUE;

done:
    RevertToSelf();
    if (dest != INVALID_HANDLE_VALUE) CloseHandle(dest);
    if (handle != source && handle != INVALID_HANDLE_VALUE) CloseHandle(handle);
    LocalFree(source_sd);
    free(dacl);
    free(sacl);
    return ret;
}

/* Copies the rest of the source; TRUE when the temporary file is whole. */
static BOOL copy_file(struct transfer *t, HANDLE source, HANDLE dest, UINT64 offset, UINT64 total, BYTE *buffer)
{
    LARGE_INTEGER pos;
    DWORD read, written;

    pos.QuadPart = offset;
    if (offset && !SetFilePointerEx(source, pos, NULL, FILE_BEGIN))
    {
        transfer_fail(t, HRESULT_FROM_WIN32(GetLastError()), BG_ERROR_CONTEXT_REMOTE_FILE, FALSE);
        return FALSE;
    }
    transfer_progress(t, offset, total);
    while (offset < total)
    {
        if (transfer_cancelled(t)) return FALSE;
        if (!ReadFile(source, buffer, COPY_BUFFER_SIZE, &read, NULL))
        {
            /* Network paths come and go. */
            transfer_fail(t, HRESULT_FROM_WIN32(GetLastError()), BG_ERROR_CONTEXT_REMOTE_FILE, TRUE);
            return FALSE;
        }
        if (!read) break;
        if (!WriteFile(dest, buffer, read, &written, NULL) || written != read)
        {
            transfer_fail(t, HRESULT_FROM_WIN32(GetLastError()), BG_ERROR_CONTEXT_LOCAL_FILE, FALSE);
            return FALSE;
        }
        offset += read;
        transfer_progress(t, offset, total);
    }
    if (offset != total)
    {
        /* The source shrank under us: try again later with the new version. */
        transfer_set_validator(t, NULL, NULL, NULL);
        transfer_fail(t, BG_E_LOCAL_FILE_CHANGED, BG_ERROR_CONTEXT_REMOTE_FILE, TRUE);
        return FALSE;
    }
    return TRUE;
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
            if (copy_file(t, source, dest, offset, total, buffer) && copy_security(t, source))
                transfer_file_done(t, dest);
            free(buffer);
        }
        else if (dest) transfer_fail(t, E_OUTOFMEMORY, BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, TRUE);
        if (dest) CloseHandle(dest);
    }
    CloseHandle(source);
}
