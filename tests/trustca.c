/*
 * trustca: makes a Wine prefix trust (or stop trusting) a certificate
 * authority, as an administrator does on Windows with certlm.msc: the
 * certificate goes into the LocalMachine "Root" system store of the
 * prefix (HKLM\Software\Microsoft\SystemCertificates\Root in its
 * registry), never into the host's stores.
 *
 *   trustca FILE.der            adds it (replacing an equal one)
 *   trustca --remove FILE.der   removes it when it is there
 *   trustca --check FILE.der    exit status 0 when it is there
 *   trustca --pfx FILE.pfx      imports the certificates of a PKCS#12 file
 *                               (empty password) that have a private key
 *                               into the LocalMachine "MY" store, the key
 *                               in a machine key set
 *
 * FILE is a DER certificate, as a Windows path (Z:\...).  tests/run-check
 * runs it in each prefix with the test CA that tests/servers.sh made, so
 * that https://localhost:PORT/ from the test nginx verifies with default
 * security flags, and with the test client certificate, which a job can
 * then name with SetClientCertificateByName(BG_CERT_STORE_LOCATION_LOCAL_MACHINE,
 * L"MY", L"qmgr test client").
 *
 * Exit status: 0 on success, 1 on failure (with a message on stderr).
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <wincrypt.h>

static BYTE *read_file(const char *name, DWORD *size)
{
    HANDLE file = CreateFileA(name, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    BYTE *data = NULL;
    DWORD read;

    if (file == INVALID_HANDLE_VALUE) return NULL;
    *size = GetFileSize(file, NULL);
    if (*size != INVALID_FILE_SIZE && (data = malloc(*size)) &&
        (!ReadFile(file, data, *size, &read, NULL) || read != *size))
    {
        free(data);
        data = NULL;
    }
    CloseHandle(file);
    return data;
}

/* The certificates of a PKCS#12 file that come with a private key, into
 * LocalMachine MY; the count of them, or -1. */
static int import_pfx(BYTE *data, DWORD size)
{
    CRYPT_DATA_BLOB blob = { size, data };
    HCERTSTORE pfx, my;
    PCCERT_CONTEXT cert = NULL;
    DWORD prop_size;
    int count = 0;

    /* Wine 8's schannel reads a client certificate's key only from the
     * user's key containers (HKCU\Software\Wine\Crypto\RSA), never from
     * the machine's; the service and every program of a prefix share the
     * one user, so a user keyset serves the service too. */
    if (!(pfx = PFXImportCertStore(&blob, L"", CRYPT_USER_KEYSET | CRYPT_EXPORTABLE)))
    {
        fprintf(stderr, "trustca: PFXImportCertStore: %#lx\n", GetLastError());
        return -1;
    }
    if (!(my = CertOpenStore(CERT_STORE_PROV_SYSTEM_REGISTRY_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"MY")))
    {
        fprintf(stderr, "trustca: cannot open the LocalMachine MY store: %#lx\n", GetLastError());
        CertCloseStore(pfx, 0);
        return -1;
    }
    while ((cert = CertEnumCertificatesInStore(pfx, cert)))
    {
        prop_size = 0;
        if (!CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &prop_size)) continue;
        if (!CertAddCertificateContextToStore(my, cert, CERT_STORE_ADD_REPLACE_EXISTING, NULL))
        {
            fprintf(stderr, "trustca: cannot add to MY: %#lx\n", GetLastError());
            count = -1;
            CertFreeCertificateContext(cert);
            break;
        }
        count++;
    }
    CertCloseStore(my, 0);
    CertCloseStore(pfx, 0);
    return count;
}

/* The store's copy of cert, or NULL. */
static PCCERT_CONTEXT find_in_store(HCERTSTORE store, PCCERT_CONTEXT cert)
{
    return CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_EXISTING, cert, NULL);
}

int main(int argc, char **argv)
{
    enum { ADD, REMOVE, CHECK, PFX } action = ADD;
    PCCERT_CONTEXT cert, found;
    const char *name;
    HCERTSTORE store;
    BYTE *data;
    DWORD size;
    int ret = 1;

    if (argc == 3 && !strcmp(argv[1], "--remove")) action = REMOVE;
    else if (argc == 3 && !strcmp(argv[1], "--check")) action = CHECK;
    else if (argc == 3 && !strcmp(argv[1], "--pfx")) action = PFX;
    else if (argc != 2 || argv[1][0] == '-')
    {
        fprintf(stderr, "usage: trustca [--remove|--check] FILE.der\n       trustca --pfx FILE.pfx\n");
        return 1;
    }
    name = argv[argc - 1];

    if (!(data = read_file(name, &size)))
    {
        fprintf(stderr, "trustca: cannot read %s: %lu\n", name, GetLastError());
        return 1;
    }
    if (action == PFX)
    {
        int count = import_pfx(data, size);
        free(data);
        if (!count) fprintf(stderr, "trustca: no certificate with a private key in %s\n", name);
        return count > 0 ? 0 : 1;
    }
    if (!(cert = CertCreateCertificateContext(X509_ASN_ENCODING, data, size)))
    {
        fprintf(stderr, "trustca: %s is not a DER certificate: %#lx\n", name, GetLastError());
        free(data);
        return 1;
    }
    free(data);
    /* The registry store under the system store: through the collection
     * that CERT_STORE_PROV_SYSTEM opens, Wine 8's CertDeleteCertificateFromStore
     * succeeds and removes nothing. */
    if (!(store = CertOpenStore(CERT_STORE_PROV_SYSTEM_REGISTRY_W, 0, 0,
                                CERT_SYSTEM_STORE_LOCAL_MACHINE | (action == CHECK ? CERT_STORE_READONLY_FLAG : 0),
                                L"Root")))
    {
        fprintf(stderr, "trustca: cannot open the LocalMachine Root store: %#lx\n", GetLastError());
        CertFreeCertificateContext(cert);
        return 1;
    }

    found = find_in_store(store, cert);
    switch (action)
    {
    case ADD:
        if (CertAddCertificateContextToStore(store, cert, CERT_STORE_ADD_REPLACE_EXISTING, NULL)) ret = 0;
        else fprintf(stderr, "trustca: cannot add %s: %#lx\n", name, GetLastError());
        break;
    case REMOVE:
        /* CertDeleteCertificateFromStore frees the context it is given. */
        if (!found || CertDeleteCertificateFromStore(CertDuplicateCertificateContext(found))) ret = 0;
        else fprintf(stderr, "trustca: cannot remove %s: %#lx\n", name, GetLastError());
        break;
    case CHECK:
        ret = found ? 0 : 1;
        break;
    case PFX:  /* done above */
        break;
    }
    if (found) CertFreeCertificateContext(found);
    CertFreeCertificateContext(cert);
    CertCloseStore(store, 0);
    return ret;
}
