/*
 * Background Intelligent Transfer Service: who is calling
 *
 * Under Wine 8, CoImpersonateClient() fails inside a call to a local service
 * (RPC_E_CALL_COMPLETE) and RpcImpersonateClient() hands back the service's
 * own token.  What does identify the caller is the process id of the local
 * RPC connection, whose process token we then read.  Everything else in the
 * service only sees struct owner, so a Wine whose impersonation works can
 * switch caller_token() over without touching the rest.
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
#include "rpc.h"
#include "rpcdcep.h"
#include "sddl.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

static HANDLE caller_token(void)
{
    HANDLE process, token = NULL;
    ULONG pid;
    RPC_STATUS status;

    status = I_RpcBindingInqLocalClientPID(NULL, &pid);
    if (status != RPC_S_OK)
    {
        /* Not inside a call (or an in-process one): the caller is us. */
        TRACE("no RPC call (%ld), using our own token\n", status);
        pid = GetCurrentProcessId();
    }
    if (!(process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid)))
    {
        ERR("cannot open caller process %lu: %lu\n", pid, GetLastError());
        return NULL;
    }
    if (!OpenProcessToken(process, TOKEN_QUERY, &token))
        ERR("cannot open token of process %lu: %lu\n", pid, GetLastError());
    CloseHandle(process);
    return token;
}

static void *token_info(HANDLE token, TOKEN_INFORMATION_CLASS class)
{
    DWORD size = 0;
    void *info;

    GetTokenInformation(token, class, NULL, 0, &size);
    if (!size || !(info = malloc(size))) return NULL;
    if (GetTokenInformation(token, class, info, size, &size)) return info;
    free(info);
    return NULL;
}

static BOOL token_is_admin(HANDLE token)
{
    SID_IDENTIFIER_AUTHORITY nt = {SECURITY_NT_AUTHORITY};
    TOKEN_GROUPS *groups;
    PSID admins;
    BOOL ret = FALSE;
    DWORD i;

    if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS,
                                  0, 0, 0, 0, 0, 0, &admins))
        return FALSE;
    if ((groups = token_info(token, TokenGroups)))
    {
        for (i = 0; i < groups->GroupCount; i++)
        {
            if (!EqualSid(groups->Groups[i].Sid, admins)) continue;
            ret = (groups->Groups[i].Attributes & SE_GROUP_ENABLED) &&
                  !(groups->Groups[i].Attributes & SE_GROUP_USE_FOR_DENY_ONLY);
            break;
        }
        free(groups);
    }
    FreeSid(admins);
    return ret;
}

static HRESULT owner_from_token(HANDLE token, struct owner *owner)
{
    TOKEN_MANDATORY_LABEL *label;
    TOKEN_ELEVATION elevation;
    TOKEN_USER *user;
    DWORD size, len;

    memset(owner, 0, sizeof(*owner));
    if (!(user = token_info(token, TokenUser))) return HRESULT_FROM_WIN32(GetLastError());

    len = GetLengthSid(user->User.Sid);
    if ((owner->sid = malloc(len))) CopySid(len, owner->sid, user->User.Sid);
    free(user);
    if (!owner->sid) return E_OUTOFMEMORY;

    owner->integrity = SECURITY_MANDATORY_MEDIUM_RID;
    if ((label = token_info(token, TokenIntegrityLevel)))
    {
        PSID sid = label->Label.Sid;
        if (*GetSidSubAuthorityCount(sid))
            owner->integrity = *GetSidSubAuthority(sid, *GetSidSubAuthorityCount(sid) - 1);
        free(label);
    }

    if (GetTokenInformation(token, TokenElevation, &elevation, sizeof(elevation), &size))
        owner->elevated = !!elevation.TokenIsElevated;
    owner->admin = token_is_admin(token);

    TRACE("integrity %#lx elevated %d admin %d\n", owner->integrity, owner->elevated, owner->admin);
    return S_OK;
}

HRESULT owner_from_caller(struct owner *owner)
{
    HANDLE token;
    HRESULT hr;

    if (!(token = caller_token())) return E_ACCESSDENIED;
    hr = owner_from_token(token, owner);
    CloseHandle(token);
    return hr;
}

HRESULT owner_copy(struct owner *dst, const struct owner *src)
{
    DWORD len = GetLengthSid(src->sid);

    *dst = *src;
    dst->sid_string = NULL;
    if (!(dst->sid = malloc(len))) return E_OUTOFMEMORY;
    CopySid(len, dst->sid, src->sid);
    return S_OK;
}

/* The string form, made once and kept, for GetOwner. */
const WCHAR *owner_sid_string(struct owner *owner)
{
    WCHAR *str;

    if (!owner->sid_string && ConvertSidToStringSidW(owner->sid, &str))
    {
        owner->sid_string = strdupW(str);
        LocalFree(str);
    }
    return owner->sid_string;
}

void owner_free(struct owner *owner)
{
    free(owner->sid);
    free(owner->sid_string);
    memset(owner, 0, sizeof(*owner));
}
