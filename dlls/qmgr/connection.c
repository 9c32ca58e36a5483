/*
 * Background Intelligent Transfer Service: a job's connections
 *
 * A TCP connection, with TLS through schannel on it when the server is
 * https, owned by one job and never handed to another: the certificate
 * checks a job relaxed, the client certificate it presents, the proxy it
 * goes through and the connection-based authentication it did stay with
 * it.  The server's certificate is checked here, against the job's own
 * security flags, rather than by schannel.
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

#include "net.h"
#include "winsock2.h"
#include "ws2tcpip.h"
#include "wininet.h"
#define SECURITY_WIN32
#include "security.h"
#include "schannel.h"
#include "wincrypt.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

#ifndef SEC_I_INCOMPLETE_CREDENTIALS
#define SEC_I_INCOMPLETE_CREDENTIALS ((SECURITY_STATUS)0x00090320)
#endif

#define TLS_BUFFER_SIZE (256 * 1024)   /* ciphertext read ahead */

struct connection
{
    SOCKET socket;
    DWORD timeout;               /* ms, for connecting, sending and receiving */
    /* bytes received and not yet read: a head's overshoot, or decrypted */
    char *pending;
    size_t pending_pos, pending_len;
    /* TLS */
    BOOL tls;
    CredHandle cred;
    CtxtHandle ctx;
    SecPkgContext_StreamSizes sizes;
    char *in;                    /* ciphertext received, not yet decrypted */
    size_t in_len;
};

static DWORD socket_error(int err)
{
    switch (err)
    {
    case WSAECONNRESET: return ERROR_INTERNET_CONNECTION_RESET;
    case WSAECONNABORTED:
    case WSAESHUTDOWN: return ERROR_INTERNET_CONNECTION_ABORTED;
    case WSAETIMEDOUT: return ERROR_INTERNET_TIMEOUT;
    case WSAECONNREFUSED:
    case WSAEHOSTUNREACH:
    case WSAENETUNREACH:
    case WSAEADDRNOTAVAIL: return ERROR_INTERNET_CANNOT_CONNECT;
    default: return ERROR_INTERNET_CONNECTION_ABORTED;
    }
}

static BOOL winsock_started(void)
{
    static LONG started;
    WSADATA data;

    if (ReadAcquire(&started)) return TRUE;
    if (WSAStartup(MAKEWORD(2, 2), &data)) return FALSE;
    if (InterlockedExchange(&started, 1)) WSACleanup();
    return TRUE;
}

/* Connects to one address within the timeout. */
static DWORD connect_address(SOCKET s, const struct sockaddr *addr, int len, DWORD timeout)
{
    u_long nonblocking = 1;
    struct timeval tv;
    fd_set writable, failed;
    int err = 0, size = sizeof(err);

    ioctlsocket(s, FIONBIO, &nonblocking);
    if (connect(s, addr, len) && WSAGetLastError() != WSAEWOULDBLOCK) return socket_error(WSAGetLastError());
    FD_ZERO(&writable);
    FD_SET(s, &writable);
    FD_ZERO(&failed);
    FD_SET(s, &failed);
    tv.tv_sec = timeout / 1000;
    tv.tv_usec = (timeout % 1000) * 1000;
    switch (select(0, NULL, &writable, &failed, &tv))
    {
    case 0: return ERROR_INTERNET_TIMEOUT;
    case SOCKET_ERROR: return socket_error(WSAGetLastError());
    }
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&err, &size) || err) return socket_error(err ? err : WSAECONNREFUSED);
    nonblocking = 0;
    ioctlsocket(s, FIONBIO, &nonblocking);
    return ERROR_SUCCESS;
}

DWORD conn_open(struct connection **ret, const char *host, USHORT port, DWORD timeout)
{
    struct addrinfo hints = { 0 }, *addrs, *a;
    struct connection *conn;
    char service[8];
    DWORD err = ERROR_INTERNET_CANNOT_CONNECT;
    int one = 1;

    *ret = NULL;
    if (!winsock_started()) return ERROR_INTERNET_CANNOT_CONNECT;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    sprintf(service, "%u", port);
    if (getaddrinfo(host, service, &hints, &addrs))
    {
        TRACE("cannot resolve %s: %d\n", debugstr_a(host), WSAGetLastError());
        return ERROR_INTERNET_NAME_NOT_RESOLVED;
    }
    if (!(conn = calloc(1, sizeof(*conn))))
    {
        freeaddrinfo(addrs);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    conn->socket = INVALID_SOCKET;
    conn->timeout = timeout;
    for (a = addrs; a; a = a->ai_next)
    {
        if ((conn->socket = socket(a->ai_family, a->ai_socktype, a->ai_protocol)) == INVALID_SOCKET) continue;
        if (!(err = connect_address(conn->socket, a->ai_addr, a->ai_addrlen, timeout))) break;
        closesocket(conn->socket);
        conn->socket = INVALID_SOCKET;
    }
    freeaddrinfo(addrs);
    if (conn->socket == INVALID_SOCKET)
    {
        TRACE("cannot connect to %s:%u: %lu\n", debugstr_a(host), port, err);
        free(conn);
        return err;
    }
    setsockopt(conn->socket, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout, sizeof(timeout));
    setsockopt(conn->socket, SOL_SOCKET, SO_SNDTIMEO, (const char *)&timeout, sizeof(timeout));
    setsockopt(conn->socket, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof(one));
    *ret = conn;
    return ERROR_SUCCESS;
}

void conn_close(struct connection *conn)
{
    if (!conn) return;
    if (conn->tls)
    {
        DeleteSecurityContext(&conn->ctx);
        FreeCredentialsHandle(&conn->cred);
    }
    if (conn->socket != INVALID_SOCKET) closesocket(conn->socket);
    free(conn->pending);
    free(conn->in);
    free(conn);
}

static DWORD send_all(struct connection *conn, const char *data, size_t len)
{
    int sent;

    while (len)
    {
        if ((sent = send(conn->socket, data, min(len, 0x40000000), 0)) <= 0)
            return socket_error(sent ? WSAGetLastError() : WSAECONNRESET);
        data += sent;
        len -= sent;
    }
    return ERROR_SUCCESS;
}

/* Some bytes from the socket; *got is 0 at the end of the stream. */
static DWORD recv_some(struct connection *conn, char *buffer, size_t size, size_t *got)
{
    int n = recv(conn->socket, buffer, min(size, 0x40000000), 0);

    if (n < 0)
    {
        int err = WSAGetLastError();
        return err == WSAEWOULDBLOCK ? ERROR_INTERNET_TIMEOUT : socket_error(err);
    }
    *got = n;
    return ERROR_SUCCESS;
}

/* --- TLS ------------------------------------------------------------------ */

static DWORD tls_send_token(struct connection *conn, SecBuffer *out)
{
    DWORD err = ERROR_SUCCESS;

    if (out->pvBuffer)
    {
        if (out->cbBuffer) err = send_all(conn, out->pvBuffer, out->cbBuffer);
        FreeContextBuffer(out->pvBuffer);
        out->pvBuffer = NULL;
    }
    return err;
}

static DWORD tls_error(SECURITY_STATUS status)
{
    switch (status)
    {
    case SEC_E_UNTRUSTED_ROOT:
    case SEC_E_CERT_UNKNOWN: return ERROR_INTERNET_INVALID_CA;
    case SEC_E_CERT_EXPIRED: return ERROR_INTERNET_SEC_CERT_DATE_INVALID;
    case SEC_E_WRONG_PRINCIPAL: return ERROR_INTERNET_SEC_CERT_CN_INVALID;
    case SEC_E_DECRYPT_FAILURE:
    case SEC_E_MESSAGE_ALTERED: return ERROR_INTERNET_DECODING_FAILED;
    default: return ERROR_INTERNET_SECURITY_CHANNEL_ERROR;
    }
}

static const DWORD cert_locations[] =
{
    [BG_CERT_STORE_LOCATION_CURRENT_USER] = CERT_SYSTEM_STORE_CURRENT_USER,
    [BG_CERT_STORE_LOCATION_LOCAL_MACHINE] = CERT_SYSTEM_STORE_LOCAL_MACHINE,
    [BG_CERT_STORE_LOCATION_CURRENT_SERVICE] = CERT_SYSTEM_STORE_CURRENT_SERVICE,
    [BG_CERT_STORE_LOCATION_SERVICES] = CERT_SYSTEM_STORE_SERVICES,
    [BG_CERT_STORE_LOCATION_USERS] = CERT_SYSTEM_STORE_USERS,
    [BG_CERT_STORE_LOCATION_CURRENT_USER_GROUP_POLICY] = CERT_SYSTEM_STORE_CURRENT_USER_GROUP_POLICY,
    [BG_CERT_STORE_LOCATION_LOCAL_MACHINE_GROUP_POLICY] = CERT_SYSTEM_STORE_LOCAL_MACHINE_GROUP_POLICY,
    [BG_CERT_STORE_LOCATION_LOCAL_MACHINE_ENTERPRISE] = CERT_SYSTEM_STORE_LOCAL_MACHINE_ENTERPRISE,
};

/* The job's client certificate, from the store it named. */
static HRESULT find_client_certificate(const struct client_certificate *c, const CERT_CONTEXT **ret)
{
    CRYPT_HASH_BLOB hash = { sizeof(c->hash), (BYTE *)c->hash };
    HCERTSTORE store;

    *ret = NULL;
    if ((unsigned int)c->location >= ARRAY_SIZE(cert_locations)) return E_INVALIDARG;
    /* Wine 8 opens no store of some locations (services, users,
     * enterprise) and sets no error: a stale one would be reported, and
     * without one S_OK would accept a certificate that is not there and
     * hand schannel a NULL one. */
    SetLastError(ERROR_SUCCESS);
    if (!(store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, cert_locations[c->location] |
                                CERT_STORE_OPEN_EXISTING_FLAG | CERT_STORE_READONLY_FLAG, c->store)))
    {
        DWORD err = GetLastError();

        WARN("cannot open store %s at %d: %lu\n", debugstr_w(c->store), c->location, err);
        return HRESULT_FROM_WIN32(err ? err : ERROR_FILE_NOT_FOUND);
    }
    if (c->has_hash)
        *ret = CertFindCertificateInStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
                                          CERT_FIND_SHA1_HASH, &hash, NULL);
    else
        *ret = CertFindCertificateInStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
                                          CERT_FIND_SUBJECT_STR_W, c->subject, NULL);
    CertCloseStore(store, 0);
    return *ret ? S_OK : CRYPT_E_NOT_FOUND;
}

/* Whether the certificate a job names is there (SetClientCertificateBy*). */
HRESULT client_certificate_check(const struct client_certificate *c)
{
    const CERT_CONTEXT *cert;
    HRESULT hr = find_client_certificate(c, &cert);

    if (cert) CertFreeCertificateContext(cert);
    return hr;
}

/* The certificate errors the job's owner chose to ignore, as the SSL
 * chain policy takes them; revocation is checked only when asked for. */
static DWORD ignored_checks(ULONG flags)
{
    DWORD checks = 0;

    if (flags & BG_SSL_IGNORE_CERT_CN_INVALID) checks |= SECURITY_FLAG_IGNORE_CERT_CN_INVALID;
    if (flags & BG_SSL_IGNORE_CERT_DATE_INVALID) checks |= SECURITY_FLAG_IGNORE_CERT_DATE_INVALID;
    if (flags & BG_SSL_IGNORE_UNKNOWN_CA) checks |= SECURITY_FLAG_IGNORE_UNKNOWN_CA;
    if (flags & BG_SSL_IGNORE_CERT_WRONG_USAGE) checks |= SECURITY_FLAG_IGNORE_WRONG_USAGE;
    return checks;
}

static DWORD chain_error(DWORD status)
{
    switch (status)
    {
    case CERT_E_UNTRUSTEDROOT:
    case CERT_E_UNTRUSTEDTESTROOT:
    case CERT_E_CHAINING:
    case TRUST_E_CERT_SIGNATURE: return ERROR_INTERNET_INVALID_CA;
    case CERT_E_EXPIRED:
    case CERT_E_VALIDITYPERIODNESTING: return ERROR_INTERNET_SEC_CERT_DATE_INVALID;
    case CERT_E_CN_NO_MATCH: return ERROR_INTERNET_SEC_CERT_CN_INVALID;
    case CERT_E_REVOKED:
    case CRYPT_E_REVOKED: return ERROR_INTERNET_SEC_CERT_REVOKED;
    case CERT_E_REVOCATION_FAILURE:
    case CRYPT_E_NO_REVOCATION_CHECK:
    case CRYPT_E_REVOCATION_OFFLINE: return ERROR_INTERNET_SEC_CERT_REV_FAILED;
    case CERT_E_WRONG_USAGE: return ERROR_INTERNET_SEC_INVALID_CERT;
    default: return ERROR_INTERNET_SEC_CERT_ERRORS;
    }
}

/* Whether a CRL from one of the certificate's distribution points lists
 * it.  The service fetches the CRLs itself, from the wire every time:
 * Wine 8's cryptnet keeps its first revocation answer for a CRL in its URL
 * cache as "not revoked", so crypt32's own check is right only once. */
static DWORD check_revocation(const CERT_CONTEXT *cert, const CERT_CONTEXT *issuer, DWORD timeout)
{
    const CERT_EXTENSION *ext;
    CRL_DIST_POINTS_INFO *points;
    DWORD size, i, j, err = ERROR_INTERNET_SEC_CERT_REV_FAILED;

    if (!(ext = CertFindExtension(szOID_CRL_DIST_POINTS, cert->pCertInfo->cExtension, cert->pCertInfo->rgExtension)) ||
        !CryptDecodeObjectEx(X509_ASN_ENCODING, X509_CRL_DIST_POINTS, ext->Value.pbData, ext->Value.cbData,
                             CRYPT_DECODE_ALLOC_FLAG, NULL, &points, &size))
        return ERROR_INTERNET_SEC_CERT_REV_FAILED;
    for (i = 0; i < points->cDistPoint && err == ERROR_INTERNET_SEC_CERT_REV_FAILED; i++)
    {
        const CRL_DIST_POINT_NAME *name = &points->rgDistPoint[i].DistPointName;

        if (name->dwDistPointNameChoice != CRL_DIST_POINT_FULL_NAME) continue;
        for (j = 0; j < name->FullName.cAltEntry && err == ERROR_INTERNET_SEC_CERT_REV_FAILED; j++)
        {
            const CERT_ALT_NAME_ENTRY *entry = &name->FullName.rgAltEntry[j];
            const CRL_CONTEXT *crl = NULL;
            CRL_ENTRY *listed = NULL;

            if (entry->dwAltNameChoice != CERT_ALT_NAME_URL) continue;
            if (!CryptRetrieveObjectByUrlW(entry->pwszURL, CONTEXT_OID_CRL,
                                           CRYPT_WIRE_ONLY_RETRIEVAL | CRYPT_DONT_CACHE_RESULT, timeout,
                                           (void **)&crl, NULL, NULL, NULL, NULL))
            {
                TRACE("CRL %s: %lu\n", debugstr_w(entry->pwszURL), GetLastError());
                continue;
            }
            /* Only a CRL the issuer signed counts. */
            if (CryptVerifyCertificateSignatureEx(0, X509_ASN_ENCODING, CRYPT_VERIFY_CERT_SIGN_SUBJECT_CRL,
                                                  (void *)crl, CRYPT_VERIFY_CERT_SIGN_ISSUER_CERT, (void *)issuer,
                                                  0, NULL) &&
                CertFindCertificateInCRL(cert, crl, 0, NULL, &listed))
                err = listed ? ERROR_INTERNET_SEC_CERT_REVOKED : ERROR_SUCCESS;
            CertFreeCRLContext(crl);
        }
    }
    LocalFree(points);
    return err;
}

/* Whether the server's certificate is good for host, by the job's flags. */
static DWORD check_server_certificate(struct connection *conn, const WCHAR *host, ULONG flags)
{
    static const char *server_auth[] = { (char *)szOID_PKIX_KP_SERVER_AUTH };
    SSL_EXTRA_CERT_CHAIN_POLICY_PARA ssl = { .cbSize = sizeof(ssl) };
    CERT_CHAIN_POLICY_PARA policy = { .cbSize = sizeof(policy) };
    CERT_CHAIN_POLICY_STATUS status = { .cbSize = sizeof(status) };
    CERT_CHAIN_PARA para = { .cbSize = sizeof(para) };
    const CERT_CHAIN_CONTEXT *chain;
    const CERT_CONTEXT *cert;
    SECURITY_STATUS ss;
    DWORD err = ERROR_SUCCESS, i;

    if ((ss = QueryContextAttributesW(&conn->ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, &cert)))
    {
        WARN("no server certificate: %#lx\n", ss);
        return ERROR_INTERNET_SEC_INVALID_CERT;
    }
    para.RequestedUsage.dwType = USAGE_MATCH_TYPE_OR;
    para.RequestedUsage.Usage.cUsageIdentifier = 1;
    para.RequestedUsage.Usage.rgpszUsageIdentifier = (char **)server_auth;
    if (!CertGetCertificateChain(NULL, cert, NULL, cert->hCertStore, &para, 0, NULL, &chain))
    {
        err = ERROR_INTERNET_SEC_CERT_ERRORS;
        goto done;
    }
    ssl.dwAuthType = AUTHTYPE_SERVER;
    ssl.fdwChecks = ignored_checks(flags);
    ssl.pwszServerName = (WCHAR *)host;
    policy.pvExtraPolicyPara = &ssl;
    if (!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain, &policy, &status))
        err = ERROR_INTERNET_SEC_CERT_ERRORS;
    else if (status.dwError)
    {
        TRACE("certificate of %s: %#lx\n", debugstr_w(host), status.dwError);
        err = chain_error(status.dwError);
    }
    else if (flags & BG_SSL_ENABLE_CRL_CHECK)
    {
        /* Every certificate of the chain but its root. */
        const CERT_SIMPLE_CHAIN *simple = chain->rgpChain[0];
        for (i = 0; !err && i + 1 < simple->cElement; i++)
            err = check_revocation(simple->rgpElement[i]->pCertContext, simple->rgpElement[i + 1]->pCertContext,
                                   conn->timeout);
    }
    CertFreeCertificateChain(chain);
done:
    CertFreeCertificateContext(cert);
    return err;
}

/* Makes conn a TLS connection to host (its name as the certificate must
 * carry it); on failure *hr says why when it is not a wininet error. */
DWORD conn_start_tls(struct connection *conn, const WCHAR *host, ULONG flags,
                     const struct client_certificate *client, HRESULT *hr)
{
    SCHANNEL_CRED cred = { .dwVersion = SCHANNEL_CRED_VERSION };
    SecBuffer in[2], out = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc in_desc = { SECBUFFER_VERSION, 2, in }, out_desc = { SECBUFFER_VERSION, 1, &out };
    const CERT_CONTEXT *cert = NULL;
    ULONG attrs, req = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY |
                       ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM | ISC_REQ_EXTENDED_ERROR | ISC_REQ_USE_SUPPLIED_CREDS;
    SECURITY_STATUS status;
    BOOL first = TRUE;
    DWORD err;
    size_t got;

    *hr = S_OK;
    if (client && client->set)
    {
        if (FAILED(*hr = find_client_certificate(client, &cert)))
        {
            WARN("client certificate %s %s: %#lx\n", debugstr_w(client->store), debugstr_w(client->subject), *hr);
            return ERROR_INTERNET_CLIENT_AUTH_CERT_NEEDED;
        }
        cred.cCreds = 1;
        cred.paCred = &cert;
    }
    /* The certificate is checked below, by the job's own flags. */
    cred.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS;
    status = AcquireCredentialsHandleW(NULL, (WCHAR *)UNISP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, &cred,
                                       NULL, NULL, &conn->cred, NULL);
    if (cert) CertFreeCertificateContext(cert);
    if (status != SEC_E_OK)
    {
        WARN("AcquireCredentialsHandle: %#lx\n", status);
        return ERROR_INTERNET_SECURITY_CHANNEL_ERROR;
    }
    if (!(conn->in = malloc(TLS_BUFFER_SIZE)))
    {
        FreeCredentialsHandle(&conn->cred);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    conn->in_len = 0;

    for (;;)
    {
        in[0].BufferType = SECBUFFER_TOKEN;
        in[0].pvBuffer = conn->in;
        in[0].cbBuffer = conn->in_len;
        in[1].BufferType = SECBUFFER_EMPTY;
        in[1].pvBuffer = NULL;
        in[1].cbBuffer = 0;
        out.pvBuffer = NULL;
        out.cbBuffer = 0;
        out.BufferType = SECBUFFER_TOKEN;
        status = InitializeSecurityContextW(&conn->cred, first ? NULL : &conn->ctx, (WCHAR *)host, req, 0, 0,
                                            first ? NULL : &in_desc, 0, &conn->ctx, &out_desc, &attrs, NULL);
        if (first && FAILED(status))
        {
            FreeCredentialsHandle(&conn->cred);
            WARN("InitializeSecurityContext: %#lx\n", status);
            return tls_error(status);
        }
        first = FALSE;
        conn->tls = TRUE;
        if ((err = tls_send_token(conn, &out))) return err;

        if (status == SEC_I_CONTINUE_NEEDED)
        {
            /* What the call did not consume stays for the next. */
            if (in[1].BufferType == SECBUFFER_EXTRA && in[1].cbBuffer)
            {
                memmove(conn->in, conn->in + conn->in_len - in[1].cbBuffer, in[1].cbBuffer);
                conn->in_len = in[1].cbBuffer;
                continue;
            }
            conn->in_len = 0;
        }
        if (status == SEC_I_CONTINUE_NEEDED || status == SEC_E_INCOMPLETE_MESSAGE)
        {
            if (conn->in_len == TLS_BUFFER_SIZE) return ERROR_INTERNET_SECURITY_CHANNEL_ERROR;
            if ((err = recv_some(conn, conn->in + conn->in_len, TLS_BUFFER_SIZE - conn->in_len, &got))) return err;
            if (!got) return ERROR_INTERNET_CONNECTION_ABORTED;
            conn->in_len += got;
            continue;
        }
        if (status == SEC_I_INCOMPLETE_CREDENTIALS)
        {
            /* The server asks for a certificate the job has not named: as
             * Microsoft documents, no request goes out without one.  (Wine
             * 8's schannel never says so: it goes on without one and the
             * server decides.) */
            WARN("%s asks for a client certificate\n", debugstr_w(host));
            return ERROR_INTERNET_CLIENT_AUTH_CERT_NEEDED;
        }
        if (status != SEC_E_OK)
        {
            WARN("handshake with %s: %#lx\n", debugstr_w(host), status);
            return tls_error(status);
        }
        if (in[1].BufferType == SECBUFFER_EXTRA && in[1].cbBuffer)
        {
            memmove(conn->in, conn->in + conn->in_len - in[1].cbBuffer, in[1].cbBuffer);
            conn->in_len = in[1].cbBuffer;
        }
        else conn->in_len = 0;
        break;
    }
    if ((status = QueryContextAttributesW(&conn->ctx, SECPKG_ATTR_STREAM_SIZES, &conn->sizes)))
        return tls_error(status);
    return check_server_certificate(conn, host, flags);
}

static DWORD tls_send(struct connection *conn, const char *data, size_t len)
{
    SecBuffer bufs[4];
    SecBufferDesc desc = { SECBUFFER_VERSION, 4, bufs };
    size_t size = conn->sizes.cbHeader + conn->sizes.cbMaximumMessage + conn->sizes.cbTrailer;
    SECURITY_STATUS status;
    DWORD err = ERROR_SUCCESS;
    char *message;

    if (!(message = malloc(size))) return ERROR_NOT_ENOUGH_MEMORY;
    while (len && !err)
    {
        size_t chunk = min(len, conn->sizes.cbMaximumMessage);

        memcpy(message + conn->sizes.cbHeader, data, chunk);
        bufs[0].BufferType = SECBUFFER_STREAM_HEADER;
        bufs[0].pvBuffer = message;
        bufs[0].cbBuffer = conn->sizes.cbHeader;
        bufs[1].BufferType = SECBUFFER_DATA;
        bufs[1].pvBuffer = message + conn->sizes.cbHeader;
        bufs[1].cbBuffer = chunk;
        bufs[2].BufferType = SECBUFFER_STREAM_TRAILER;
        bufs[2].pvBuffer = message + conn->sizes.cbHeader + chunk;
        bufs[2].cbBuffer = conn->sizes.cbTrailer;
        bufs[3].BufferType = SECBUFFER_EMPTY;
        bufs[3].pvBuffer = NULL;
        bufs[3].cbBuffer = 0;
        if ((status = EncryptMessage(&conn->ctx, 0, &desc, 0)))
            err = tls_error(status);
        else
            err = send_all(conn, message, bufs[0].cbBuffer + bufs[1].cbBuffer + bufs[2].cbBuffer);
        data += chunk;
        len -= chunk;
    }
    free(message);
    return err;
}

/* Decrypts what has arrived into buffer, reading from the socket only
 * when nothing has been decrypted yet. */
static DWORD tls_recv(struct connection *conn, char *buffer, size_t size, size_t *got)
{
    SECURITY_STATUS status;
    SecBuffer bufs[4];
    SecBufferDesc desc = { SECBUFFER_VERSION, 4, bufs };
    size_t n;
    DWORD err;
    int i;

    *got = 0;
    while (*got < size)
    {
        SecBuffer *data = NULL, *extra = NULL;

        if (conn->in_len)
        {
            bufs[0].BufferType = SECBUFFER_DATA;
            bufs[0].pvBuffer = conn->in;
            bufs[0].cbBuffer = conn->in_len;
            for (i = 1; i < 4; i++)
            {
                bufs[i].BufferType = SECBUFFER_EMPTY;
                bufs[i].pvBuffer = NULL;
                bufs[i].cbBuffer = 0;
            }
            status = DecryptMessage(&conn->ctx, &desc, 0, NULL);
        }
        else status = SEC_E_INCOMPLETE_MESSAGE;

        if (status == SEC_E_INCOMPLETE_MESSAGE)
        {
            if (*got) return ERROR_SUCCESS;
            if (conn->in_len == TLS_BUFFER_SIZE) return ERROR_INTERNET_DECODING_FAILED;
            if ((err = recv_some(conn, conn->in + conn->in_len, TLS_BUFFER_SIZE - conn->in_len, &n))) return err;
            if (!n) return conn->in_len ? ERROR_INTERNET_CONNECTION_ABORTED : ERROR_SUCCESS;
            conn->in_len += n;
            continue;
        }
        if (status == SEC_I_CONTEXT_EXPIRED) return ERROR_SUCCESS;   /* close_notify: the end */
        if (status != SEC_E_OK && status != SEC_I_RENEGOTIATE)
        {
            WARN("DecryptMessage: %#lx\n", status);
            return tls_error(status);
        }
        for (i = 0; i < 4; i++)
        {
            if (bufs[i].BufferType == SECBUFFER_DATA && !data) data = &bufs[i];
            if (bufs[i].BufferType == SECBUFFER_EXTRA && !extra) extra = &bufs[i];
        }
        if (data && data->cbBuffer)
        {
            n = min(data->cbBuffer, size - *got);
            memcpy(buffer + *got, data->pvBuffer, n);
            *got += n;
            if (n < data->cbBuffer)
            {
                /* The rest waits in the pending bytes. */
                char *rest = (char *)data->pvBuffer + n, *pending;
                size_t rest_len = data->cbBuffer - n;
                if (!(pending = realloc(conn->pending, rest_len))) return ERROR_NOT_ENOUGH_MEMORY;
                conn->pending = pending;
                memcpy(conn->pending, rest, rest_len);
                conn->pending_pos = 0;
                conn->pending_len = rest_len;
            }
        }
        if (extra && extra->cbBuffer)
        {
            memmove(conn->in, conn->in + conn->in_len - extra->cbBuffer, extra->cbBuffer);
            conn->in_len = extra->cbBuffer;
        }
        else conn->in_len = 0;
        if (conn->pending_len) return ERROR_SUCCESS;
        /* TLS 1.3 session tickets and the like carry no data: go on. */
    }
    return ERROR_SUCCESS;
}

/* --- what http.c uses --------------------------------------------------- */

DWORD conn_send(struct connection *conn, const char *data, size_t len)
{
    return conn->tls ? tls_send(conn, data, len) : send_all(conn, data, len);
}

/* Up to size bytes; *got is 0 only at the end of the stream. */
DWORD conn_recv(struct connection *conn, char *buffer, size_t size, size_t *got)
{
    if (conn->pending_len)
    {
        *got = min(size, conn->pending_len);
        memcpy(buffer, conn->pending + conn->pending_pos, *got);
        conn->pending_pos += *got;
        conn->pending_len -= *got;
        return ERROR_SUCCESS;
    }
    return conn->tls ? tls_recv(conn, buffer, size, got) : recv_some(conn, buffer, size, got);
}

/* Gives back bytes read past what the caller wanted; the next read
 * returns them first. */
BOOL conn_unread(struct connection *conn, const char *data, size_t len)
{
    char *p;

    if (!len) return TRUE;
    if (!(p = malloc(len + conn->pending_len))) return FALSE;
    memcpy(p, data, len);
    memcpy(p + len, conn->pending + conn->pending_pos, conn->pending_len);
    free(conn->pending);
    conn->pending = p;
    conn->pending_pos = 0;
    conn->pending_len += len;
    return TRUE;
}

/* Whether a kept connection can carry another request: nothing has
 * arrived on it unasked, and the server has not closed it. */
BOOL conn_is_alive(struct connection *conn)
{
    struct timeval tv = { 0, 0 };
    fd_set readable;

    if (conn->pending_len || conn->in_len) return FALSE;
    FD_ZERO(&readable);
    FD_SET(conn->socket, &readable);
    /* Readable means closed, or bytes nobody asked for: either way not
     * fit for a request. */
    return select(0, &readable, NULL, NULL, &tv) == 0;
}
