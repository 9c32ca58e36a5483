/*
 * Background Intelligent Transfer Service: IBackgroundCopyJobHttpOptions (BITS 2.5)
 *
 * Custom headers, security flags (certificate errors to ignore, CRL
 * checking, the redirect policy) and the client certificate of a job, all
 * applied by the job's own connections (http.c, connection.c).
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

#include "job.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

#define CERT_HASH_SIZE     20

static inline struct job *impl_from_IBackgroundCopyJobHttpOptions(IBackgroundCopyJobHttpOptions *iface)
{
    return CONTAINING_RECORD(iface, struct job, IBackgroundCopyJobHttpOptions_iface);
}

static HRESULT WINAPI http_options_QueryInterface(IBackgroundCopyJobHttpOptions *iface, REFIID riid, void **obj)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    return IBackgroundCopyJob4_QueryInterface(&job->IBackgroundCopyJob4_iface, riid, obj);
}

static ULONG WINAPI http_options_AddRef(IBackgroundCopyJobHttpOptions *iface)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    return IBackgroundCopyJob4_AddRef(&job->IBackgroundCopyJob4_iface);
}

static ULONG WINAPI http_options_Release(IBackgroundCopyJobHttpOptions *iface)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    return IBackgroundCopyJob4_Release(&job->IBackgroundCopyJob4_iface);
}

void client_certificate_clear(struct client_certificate *cert)
{
    free(cert->store);
    free(cert->subject);
    memset(cert, 0, sizeof(*cert));
}

static HRESULT set_certificate(struct job *job, BG_CERT_STORE_LOCATION location, const WCHAR *store,
                               const BYTE *hash, const WCHAR *subject)
{
    struct client_certificate cert = { .set = TRUE, .location = location };
    HRESULT hr;

    if ((unsigned int)location > BG_CERT_STORE_LOCATION_LOCAL_MACHINE_ENTERPRISE || !store || !*store)
        return E_INVALIDARG;
    if (!(cert.store = strdupW(store)) || (subject && !(cert.subject = strdupW(subject))))
    {
        client_certificate_clear(&cert);
        return E_OUTOFMEMORY;
    }
    if (hash)
    {
        memcpy(cert.hash, hash, CERT_HASH_SIZE);
        cert.has_hash = TRUE;
    }
    /* Microsoft documents the lookup's failures as the call's: no such
     * certificate, no such store. */
    if (FAILED(hr = client_certificate_check(&cert)) || FAILED(hr = job_enter_modify(job)))
    {
        client_certificate_clear(&cert);
        return hr;
    }
    client_certificate_clear(&job->certificate);
    job->certificate = cert;
    job_touch(job);
    job_leave(job);
    return S_OK;
}

static HRESULT WINAPI http_options_SetClientCertificateByID(IBackgroundCopyJobHttpOptions *iface,
        BG_CERT_STORE_LOCATION location, LPCWSTR store, BYTE *hash)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);

    TRACE("%p %d %s %p\n", job, location, debugstr_w(store), hash);

    if (!hash) return E_INVALIDARG;
    return set_certificate(job, location, store, hash, NULL);
}

static HRESULT WINAPI http_options_SetClientCertificateByName(IBackgroundCopyJobHttpOptions *iface,
        BG_CERT_STORE_LOCATION location, LPCWSTR store, LPCWSTR subject)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);

    TRACE("%p %d %s %s\n", job, location, debugstr_w(store), debugstr_w(subject));

    if (!subject || !*subject) return E_INVALIDARG;
    return set_certificate(job, location, store, NULL, subject);
}

static HRESULT WINAPI http_options_RemoveClientCertificate(IBackgroundCopyJobHttpOptions *iface)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    HRESULT hr;

    TRACE("%p\n", job);

    if (FAILED(hr = job_enter_modify(job))) return hr;
    /* Nothing to remove is not an error: S_FALSE, like RemoveCredentials. */
    if (!job->certificate.set) hr = S_FALSE;
    else
    {
        client_certificate_clear(&job->certificate);
        job_touch(job);
    }
    job_leave(job);
    return hr;
}

static HRESULT WINAPI http_options_GetClientCertificate(IBackgroundCopyJobHttpOptions *iface,
        BG_CERT_STORE_LOCATION *location, LPWSTR *store, BYTE **hash, LPWSTR *subject)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    HRESULT hr;

    TRACE("%p %p %p %p %p\n", job, location, store, hash, subject);

    if (!location || !store || !hash || !subject) return HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER);
    *store = *subject = NULL;
    *hash = NULL;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    /* What Microsoft documents for a job without a certificate. */
    if (!job->certificate.set) hr = HRESULT_FROM_WIN32(RPC_X_BAD_STUB_DATA);
    else
    {
        *location = job->certificate.location;
        if (SUCCEEDED(hr = co_strdup(job->certificate.store, store)) &&
            SUCCEEDED(hr = co_strdup(job->certificate.subject, subject)) && job->certificate.has_hash)
        {
            if ((*hash = CoTaskMemAlloc(CERT_HASH_SIZE))) memcpy(*hash, job->certificate.hash, CERT_HASH_SIZE);
            else hr = E_OUTOFMEMORY;
        }
        if (FAILED(hr))
        {
            CoTaskMemFree(*store);
            CoTaskMemFree(*subject);
            *store = *subject = NULL;
        }
    }
    job_leave(job);
    return hr;
}

static HRESULT WINAPI http_options_SetCustomHeaders(IBackgroundCopyJobHttpOptions *iface, LPCWSTR headers)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    WCHAR *copy = NULL;
    HRESULT hr;

    TRACE("%p %s\n", job, debugstr_w(headers));

    /* NULL removes them. */
    if (headers && wcslen(headers) + 1 > MAX_CUSTOM_HEADERS) return BG_E_STRING_TOO_LONG;
    if (headers && !(copy = strdupW(headers))) return E_OUTOFMEMORY;
    if (FAILED(hr = job_enter_modify(job)))
    {
        free(copy);
        return hr;
    }
    free(job->custom_headers);
    job->custom_headers = copy;
    job_touch(job);
    job_leave(job);
    return S_OK;
}

static HRESULT WINAPI http_options_GetCustomHeaders(IBackgroundCopyJobHttpOptions *iface, LPWSTR *headers)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    HRESULT hr;

    TRACE("%p %p\n", job, headers);

    if (!headers) return E_INVALIDARG;
    *headers = NULL;
    if (FAILED(hr = job_enter(job, FALSE))) return hr;
    /* No headers: S_FALSE and NULL. */
    if (!job->custom_headers) hr = S_FALSE;
    else hr = co_strdup(job->custom_headers, headers);
    job_leave(job);
    return hr;
}

static HRESULT WINAPI http_options_SetSecurityFlags(IBackgroundCopyJobHttpOptions *iface, ULONG flags)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);
    ULONG policy = flags & BG_HTTP_REDIRECT_POLICY_MASK;

    TRACE("%p %#lx\n", job, flags);

    if ((flags & ~ALL_SECURITY_FLAGS) ||
        (policy != BG_HTTP_REDIRECT_POLICY_ALLOW_SILENT && policy != BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT &&
         policy != BG_HTTP_REDIRECT_POLICY_DISALLOW))
        return E_NOTIMPL;
    return set_job_value(job, &job->security_flags, flags);
}

static HRESULT WINAPI http_options_GetSecurityFlags(IBackgroundCopyJobHttpOptions *iface, ULONG *flags)
{
    struct job *job = impl_from_IBackgroundCopyJobHttpOptions(iface);

    TRACE("%p %p\n", job, flags);

    return get_job_value(job, &job->security_flags, flags);
}

const IBackgroundCopyJobHttpOptionsVtbl http_options_vtbl =
{
    http_options_QueryInterface,
    http_options_AddRef,
    http_options_Release,
    http_options_SetClientCertificateByID,
    http_options_SetClientCertificateByName,
    http_options_RemoveClientCertificate,
    http_options_GetClientCertificate,
    http_options_SetCustomHeaders,
    http_options_GetCustomHeaders,
    http_options_SetSecurityFlags,
    http_options_GetSecurityFlags,
};
