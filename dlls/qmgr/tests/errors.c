/*
 * Tests of the error texts: IBackgroundCopyManager::GetErrorDescription
 * through the BITS service for every code the service can report
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

#include <winsock2.h>
#include "qmgr_test.h"
#include "wininet.h"

/* HRESULT_FROM_WIN32 as a constant expression, for the tables. */
#define HR32(err) ((HRESULT)(((err) & 0xffff) | (FACILITY_WIN32 << 16) | 0x80000000))

#define ENGLISH MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US)
#define GERMAN  MAKELANGID(LANG_GERMAN, SUBLANG_GERMAN)

static IBackgroundCopyManager *manager;

/* Every code the service can report: BITS' own (bitsmsg.h, including the
 * codes of newer BITS versions), the redirections a job's redirect policy
 * refuses, every error of an HTTP client (wininet.h; WinHTTP's own numbers
 * by value), Windows Sockets, schannel and SSPI, certificate revocation and
 * trust, the file errors a transfer meets and generic COM errors.  HTTP
 * statuses are tested by test_http_statuses.  Codes the Wine headers lack
 * are given by value, as the Windows SDK defines them. */
#define C(code) { code, #code }
#define W(err)  { HR32(err), #err }
static const struct
{
    HRESULT code;
    const char *name;
}
codes[] =
{
    C(BG_S_ERROR_CONTEXT_NONE),
    C(BG_S_PARTIAL_COMPLETE),
    C(BG_S_UNABLE_TO_DELETE_FILES),
    { 0x0020002A, "BG_S_PROXY_CHANGED" },
    C(BG_S_OVERRIDDEN_BY_POLICY),
    C(BG_E_NOT_FOUND),
    C(BG_E_INVALID_STATE),
    C(BG_E_EMPTY),
    C(BG_E_FILE_NOT_AVAILABLE),
    C(BG_E_PROTOCOL_NOT_AVAILABLE),
    C(BG_E_ERROR_CONTEXT_UNKNOWN),
    C(BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER),
    C(BG_E_ERROR_CONTEXT_LOCAL_FILE),
    C(BG_E_ERROR_CONTEXT_REMOTE_FILE),
    C(BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT),
    C(BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION),
    C(BG_E_ERROR_CONTEXT_REMOTE_APPLICATION),
    { 0x80200076, "BG_E_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK" },
    C(BG_E_DESTINATION_LOCKED),
    C(BG_E_VOLUME_CHANGED),
    C(BG_E_ERROR_INFORMATION_UNAVAILABLE),
    C(BG_E_NETWORK_DISCONNECTED),
    C(BG_E_MISSING_FILE_SIZE),
    C(BG_E_INSUFFICIENT_HTTP_SUPPORT),
    C(BG_E_INSUFFICIENT_RANGE_SUPPORT),
    C(BG_E_REMOTE_NOT_SUPPORTED),
    C(BG_E_NEW_OWNER_DIFF_MAPPING),
    C(BG_E_NEW_OWNER_NO_FILE_ACCESS),
    C(BG_E_PROXY_LIST_TOO_LARGE),
    C(BG_E_PROXY_BYPASS_LIST_TOO_LARGE),
    { 0x8020001B, "BG_E_INVALID_SERVER_RESPONSE" },
    C(BG_E_TOO_MANY_FILES),
    C(BG_E_LOCAL_FILE_CHANGED),
    { 0x8020001F, "BG_E_SESSION_NOT_FOUND" },
    C(BG_E_TOO_LARGE),
    C(BG_E_STRING_TOO_LONG),
    C(BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH),
    C(BG_E_SERVER_EXECUTE_ENABLED),
    { 0x80200024, "BG_E_NO_PROGRESS" },
    C(BG_E_USERNAME_TOO_LARGE),
    C(BG_E_PASSWORD_TOO_LARGE),
    C(BG_E_INVALID_AUTH_TARGET),
    C(BG_E_INVALID_AUTH_SCHEME),
    { 0x80200029, "BG_E_FILE_NOT_FOUND" },
    C(BG_E_INVALID_RANGE),
    C(BG_E_OVERLAPPING_RANGES),
    { 0x8020002D, "BG_E_CONNECT_FAILURE" },
    { 0x8020002E, "BG_E_CONNECTION_CLOSED" },
    { 0x8020002F, "BG_E_KEEP_ALIVE_FAILURE" },
    { 0x80200030, "BG_E_MESSAGE_LENGTH_LIMIT_EXCEEDED" },
    { 0x80200031, "BG_E_NAME_RESOLUTION_FAILURE" },
    { 0x80200032, "BG_E_PENDING" },
    { 0x80200033, "BG_E_PIPELINE_FAILURE" },
    { 0x80200034, "BG_E_PROTOCOL_ERROR" },
    { 0x80200035, "BG_E_PROXY_NAME_RESOLUTION_FAILURE" },
    { 0x80200036, "BG_E_RECEIVE_FAILURE" },
    { 0x80200037, "BG_E_REQUEST_CANCELED" },
    { 0x80200038, "BG_E_SECURE_CHANNEL_FAILURE" },
    { 0x80200039, "BG_E_SEND_FAILURE" },
    { 0x8020003A, "BG_E_SERVER_PROTOCOL_VIOLATION" },
    { 0x8020003B, "BG_E_TIMEOUT" },
    { 0x8020003C, "BG_E_TRUST_FAILURE" },
    { 0x8020003D, "BG_E_UNKNOWN_ERROR" },
    C(BG_E_BLOCKED_BY_POLICY),
    C(BG_E_INVALID_PROXY_INFO),
    C(BG_E_INVALID_CREDENTIALS),
    { 0x80200041, "BG_E_INVALID_HASH_ALGORITHM" },
    C(BG_E_RECORD_DELETED),
    { 0x80200043, "BG_E_COMMIT_IN_PROGRESS" },
    { 0x80200044, "BG_E_DISCOVERY_IN_PROGRESS" },
    C(BG_E_UPNP_ERROR),
    { 0x80200046, "BG_E_TEST_OPTION_BLOCKED_DOWNLOAD" },
    C(BG_E_PEERCACHING_DISABLED),
    C(BG_E_BUSYCACHERECORD),
    C(BG_E_TOO_MANY_JOBS_PER_USER),
    C(BG_E_TOO_MANY_JOBS_PER_MACHINE),
    C(BG_E_TOO_MANY_FILES_IN_JOB),
    C(BG_E_TOO_MANY_RANGES_IN_FILE),
    C(BG_E_VALIDATION_FAILED),
    C(BG_E_MAXDOWNLOAD_TIMEOUT),
    { 0x80200056, "BG_E_TOKEN_REQUIRED" },
    { 0x80200057, "BG_E_UNKNOWN_PROPERTY_ID" },
    { 0x80200058, "BG_E_READ_ONLY_PROPERTY" },
    { 0x80200059, "BG_E_BLOCKED_BY_COST_TRANSFER_POLICY" },
    { 0x80200060, "BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY" },
    { 0x80200061, "BG_E_READ_ONLY_PROPERTY_AFTER_ADDFILE" },
    { 0x80200062, "BG_E_READ_ONLY_PROPERTY_AFTER_RESUME" },
    { 0x80200063, "BG_E_MAX_DOWNLOAD_SIZE_INVALID_VALUE" },
    { 0x80200064, "BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED" },
    { 0x80200065, "BG_E_STANDBY_MODE" },
    { 0x80200066, "BG_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED" },
    { 0x80200067, "BG_E_BLOCKED_BY_BATTERY_POLICY" },
    { 0x80200068, "BG_E_BLOCKED_BY_BATTERY_SAVER" },
    { 0x80200069, "BG_E_WATCHDOG_TIMEOUT" },
    { 0x8020006A, "BG_E_APP_PACKAGE_NOT_FOUND" },
    { 0x8020006B, "BG_E_APP_PACKAGE_SCENARIO_NOT_SUPPORTED" },
    { 0x8020006C, "BG_E_DATABASE_CORRUPT" },
    { 0x8020006D, "BG_E_RANDOM_ACCESS_NOT_SUPPORTED" },
    { 0x8020006E, "BG_E_BLOCKED_BY_BACKGROUND_ACCESS_POLICY" },
    { 0x8020006F, "BG_E_BLOCKED_BY_GAME_MODE" },
    { 0x80200070, "BG_E_BLOCKED_BY_SYSTEM_POLICY" },
    { 0x80200071, "BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD" },
    { 0x80200072, "BG_E_UNSUPPORTED_JOB_CONFIGURATION" },
    { 0x80200073, "BG_E_REMOTE_FILE_CHANGED" },
    { 0x80200074, "BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED" },
    { 0x80200075, "BG_E_READ_ONLY_WHEN_JOB_ACTIVE" },
    W(HTTP_STATUS_AMBIGUOUS),
    W(HTTP_STATUS_MOVED),
    W(HTTP_STATUS_REDIRECT),
    W(HTTP_STATUS_REDIRECT_METHOD),
    W(HTTP_STATUS_REDIRECT_KEEP_VERB),
    { HR32(308), "HTTP_STATUS_PERMANENT_REDIRECT" },
    W(ERROR_INTERNET_OUT_OF_HANDLES),
    W(ERROR_INTERNET_TIMEOUT),
    W(ERROR_INTERNET_EXTENDED_ERROR),
    W(ERROR_INTERNET_INTERNAL_ERROR),
    W(ERROR_INTERNET_INVALID_URL),
    W(ERROR_INTERNET_UNRECOGNIZED_SCHEME),
    W(ERROR_INTERNET_NAME_NOT_RESOLVED),
    W(ERROR_INTERNET_PROTOCOL_NOT_FOUND),
    W(ERROR_INTERNET_INVALID_OPTION),
    W(ERROR_INTERNET_BAD_OPTION_LENGTH),
    W(ERROR_INTERNET_OPTION_NOT_SETTABLE),
    W(ERROR_INTERNET_SHUTDOWN),
    W(ERROR_INTERNET_INCORRECT_USER_NAME),
    W(ERROR_INTERNET_INCORRECT_PASSWORD),
    W(ERROR_INTERNET_LOGIN_FAILURE),
    W(ERROR_INTERNET_INVALID_OPERATION),
    W(ERROR_INTERNET_OPERATION_CANCELLED),
    W(ERROR_INTERNET_INCORRECT_HANDLE_TYPE),
    W(ERROR_INTERNET_INCORRECT_HANDLE_STATE),
    W(ERROR_INTERNET_NOT_PROXY_REQUEST),
    W(ERROR_INTERNET_REGISTRY_VALUE_NOT_FOUND),
    W(ERROR_INTERNET_BAD_REGISTRY_PARAMETER),
    W(ERROR_INTERNET_NO_DIRECT_ACCESS),
    W(ERROR_INTERNET_NO_CONTEXT),
    W(ERROR_INTERNET_NO_CALLBACK),
    W(ERROR_INTERNET_REQUEST_PENDING),
    W(ERROR_INTERNET_INCORRECT_FORMAT),
    W(ERROR_INTERNET_ITEM_NOT_FOUND),
    W(ERROR_INTERNET_CANNOT_CONNECT),
    W(ERROR_INTERNET_CONNECTION_ABORTED),
    W(ERROR_INTERNET_CONNECTION_RESET),
    W(ERROR_INTERNET_FORCE_RETRY),
    W(ERROR_INTERNET_INVALID_PROXY_REQUEST),
    W(ERROR_INTERNET_NEED_UI),
    W(ERROR_INTERNET_HANDLE_EXISTS),
    W(ERROR_INTERNET_SEC_CERT_DATE_INVALID),
    W(ERROR_INTERNET_SEC_CERT_CN_INVALID),
    W(ERROR_INTERNET_HTTP_TO_HTTPS_ON_REDIR),
    W(ERROR_INTERNET_HTTPS_TO_HTTP_ON_REDIR),
    W(ERROR_INTERNET_MIXED_SECURITY),
    W(ERROR_INTERNET_CHG_POST_IS_NON_SECURE),
    W(ERROR_INTERNET_POST_IS_NON_SECURE),
    W(ERROR_INTERNET_CLIENT_AUTH_CERT_NEEDED),
    W(ERROR_INTERNET_INVALID_CA),
    W(ERROR_INTERNET_CLIENT_AUTH_NOT_SETUP),
    W(ERROR_INTERNET_ASYNC_THREAD_FAILED),
    W(ERROR_INTERNET_REDIRECT_SCHEME_CHANGE),
    W(ERROR_INTERNET_DIALOG_PENDING),
    W(ERROR_INTERNET_RETRY_DIALOG),
    { HR32(12051), "ERROR_INTERNET_NO_NEW_CONTAINERS" },
    W(ERROR_INTERNET_HTTPS_HTTP_SUBMIT_REDIR),
    W(ERROR_INTERNET_INSERT_CDROM),
    W(ERROR_INTERNET_FORTEZZA_LOGIN_NEEDED),
    W(ERROR_INTERNET_SEC_CERT_ERRORS),
    W(ERROR_INTERNET_SEC_CERT_NO_REV),
    W(ERROR_INTERNET_SEC_CERT_REV_FAILED),
    { HR32(12058), "ERROR_INTERNET_SOURCE_PORT_IN_USE" },
    { HR32(12059), "ERROR_INTERNET_INSECURE_FALLBACK_REQUIRED" },
    W(ERROR_HTTP_HSTS_REDIRECT_REQUIRED),
    { HR32(12061), "ERROR_INTERNET_PROXY_ALERT" },
    W(ERROR_INTERNET_SEC_CERT_WEAK_SIGNATURE),
    { HR32(12080), "ERROR_INTERNET_NO_CM_CONNECTION" },
    { HR32(12100), "ERROR_WINHTTP_CANNOT_CALL_BEFORE_OPEN" },
    { HR32(12101), "ERROR_WINHTTP_CANNOT_CALL_BEFORE_SEND" },
    { HR32(12102), "ERROR_WINHTTP_CANNOT_CALL_AFTER_SEND" },
    { HR32(12103), "ERROR_WINHTTP_CANNOT_CALL_AFTER_OPEN" },
    W(ERROR_FTP_TRANSFER_IN_PROGRESS),
    W(ERROR_FTP_DROPPED),
    W(ERROR_FTP_NO_PASSIVE_MODE),
    W(ERROR_GOPHER_PROTOCOL_ERROR),
    W(ERROR_GOPHER_NOT_FILE),
    W(ERROR_GOPHER_DATA_ERROR),
    W(ERROR_GOPHER_END_OF_DATA),
    W(ERROR_GOPHER_INVALID_LOCATOR),
    W(ERROR_GOPHER_INCORRECT_LOCATOR_TYPE),
    W(ERROR_GOPHER_NOT_GOPHER_PLUS),
    W(ERROR_GOPHER_ATTRIBUTE_NOT_FOUND),
    W(ERROR_GOPHER_UNKNOWN_LOCATOR),
    { HR32(12147), "ERROR_HTTP_PUSH_STATUS_CODE_NOT_SUPPORTED" },
    { HR32(12148), "ERROR_HTTP_PUSH_RETRY_NOT_SUPPORTED" },
    { HR32(12149), "ERROR_HTTP_PUSH_ENABLE_FAILED" },
    W(ERROR_HTTP_HEADER_NOT_FOUND),
    W(ERROR_HTTP_DOWNLEVEL_SERVER),
    W(ERROR_HTTP_INVALID_SERVER_RESPONSE),
    W(ERROR_HTTP_INVALID_HEADER),
    W(ERROR_HTTP_INVALID_QUERY_REQUEST),
    W(ERROR_HTTP_HEADER_ALREADY_EXISTS),
    W(ERROR_HTTP_REDIRECT_FAILED),
    W(ERROR_INTERNET_SECURITY_CHANNEL_ERROR),
    W(ERROR_INTERNET_UNABLE_TO_CACHE_FILE),
    W(ERROR_INTERNET_TCPIP_NOT_INSTALLED),
    W(ERROR_HTTP_NOT_REDIRECTED),
    W(ERROR_HTTP_COOKIE_NEEDS_CONFIRMATION),
    W(ERROR_HTTP_COOKIE_DECLINED),
    W(ERROR_INTERNET_DISCONNECTED),
    W(ERROR_INTERNET_SERVER_UNREACHABLE),
    W(ERROR_INTERNET_PROXY_SERVER_UNREACHABLE),
    W(ERROR_INTERNET_BAD_AUTO_PROXY_SCRIPT),
    W(ERROR_INTERNET_UNABLE_TO_DOWNLOAD_SCRIPT),
    W(ERROR_HTTP_REDIRECT_NEEDS_CONFIRMATION),
    W(ERROR_INTERNET_SEC_INVALID_CERT),
    W(ERROR_INTERNET_SEC_CERT_REVOKED),
    W(ERROR_INTERNET_FAILED_DUETOSECURITYCHECK),
    W(ERROR_INTERNET_NOT_INITIALIZED),
    W(ERROR_INTERNET_NEED_MSN_SSPI_PKG),
    W(ERROR_INTERNET_LOGIN_FAILURE_DISPLAY_ENTITY_BODY),
    W(ERROR_INTERNET_DECODING_FAILED),
    { HR32(12176), "ERROR_WINHTTP_UNHANDLED_SCRIPT_TYPE" },
    { HR32(12177), "ERROR_WINHTTP_SCRIPT_EXECUTION_ERROR" },
    { HR32(12178), "ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR" },
    { HR32(12179), "ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE" },
    { HR32(12180), "ERROR_WINHTTP_AUTODETECTION_FAILED" },
    { HR32(12181), "ERROR_WINHTTP_HEADER_COUNT_EXCEEDED" },
    { HR32(12182), "ERROR_WINHTTP_HEADER_SIZE_OVERFLOW" },
    { HR32(12183), "ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW" },
    { HR32(12184), "ERROR_WINHTTP_RESPONSE_DRAIN_OVERFLOW" },
    { HR32(12185), "ERROR_WINHTTP_CLIENT_CERT_NO_PRIVATE_KEY" },
    { HR32(12186), "ERROR_WINHTTP_CLIENT_CERT_NO_ACCESS_PRIVATE_KEY" },
    W(ERROR_INTERNET_CLIENT_AUTH_CERT_NEEDED_PROXY),
    W(ERROR_INTERNET_SECURE_FAILURE_PROXY),
    { HR32(12189), "ERROR_INTERNET_DISALLOW_INPRIVATE" },
    { HR32(12190), "ERROR_INTERNET_HTTP_PROTOCOL_MISMATCH" },
    { HR32(12191), "ERROR_INTERNET_GLOBAL_CALLBACK_FAILED" },
    { HR32(12192), "ERROR_INTERNET_FEATURE_DISABLED" },
    W(WSAENETDOWN),
    W(WSAENETUNREACH),
    W(WSAECONNABORTED),
    W(WSAECONNRESET),
    W(WSAETIMEDOUT),
    W(WSAECONNREFUSED),
    W(WSAEHOSTDOWN),
    W(WSAEHOSTUNREACH),
    W(WSAHOST_NOT_FOUND),
    W(WSATRY_AGAIN),
    W(WSANO_DATA),
    C(SEC_E_INSUFFICIENT_MEMORY),
    C(SEC_E_INVALID_HANDLE),
    C(SEC_E_UNSUPPORTED_FUNCTION),
    C(SEC_E_TARGET_UNKNOWN),
    C(SEC_E_INTERNAL_ERROR),
    C(SEC_E_SECPKG_NOT_FOUND),
    C(SEC_E_NOT_OWNER),
    C(SEC_E_CANNOT_INSTALL),
    C(SEC_E_INVALID_TOKEN),
    C(SEC_E_CANNOT_PACK),
    C(SEC_E_QOP_NOT_SUPPORTED),
    C(SEC_E_NO_IMPERSONATION),
    C(SEC_E_LOGON_DENIED),
    C(SEC_E_UNKNOWN_CREDENTIALS),
    C(SEC_E_NO_CREDENTIALS),
    C(SEC_E_MESSAGE_ALTERED),
    C(SEC_E_OUT_OF_SEQUENCE),
    C(SEC_E_NO_AUTHENTICATING_AUTHORITY),
    C(SEC_E_BAD_PKGID),
    C(SEC_E_CONTEXT_EXPIRED),
    C(SEC_E_INCOMPLETE_MESSAGE),
    C(SEC_E_INCOMPLETE_CREDENTIALS),
    C(SEC_E_BUFFER_TOO_SMALL),
    C(SEC_E_WRONG_PRINCIPAL),
    C(SEC_E_TIME_SKEW),
    C(SEC_E_UNTRUSTED_ROOT),
    C(SEC_E_ILLEGAL_MESSAGE),
    C(SEC_E_CERT_UNKNOWN),
    C(SEC_E_CERT_EXPIRED),
    C(SEC_E_ENCRYPT_FAILURE),
    C(SEC_E_DECRYPT_FAILURE),
    C(SEC_E_ALGORITHM_MISMATCH),
    C(SEC_E_SECURITY_QOS_FAILED),
    C(SEC_E_UNFINISHED_CONTEXT_DELETED),
    C(SEC_E_NO_TGT_REPLY),
    C(SEC_E_NO_IP_ADDRESSES),
    C(SEC_E_WRONG_CREDENTIAL_HANDLE),
    C(SEC_E_CRYPTO_SYSTEM_INVALID),
    C(SEC_E_MAX_REFERRALS_EXCEEDED),
    C(SEC_E_MUST_BE_KDC),
    C(SEC_E_STRONG_CRYPTO_NOT_SUPPORTED),
    C(SEC_E_TOO_MANY_PRINCIPALS),
    C(SEC_E_NO_PA_DATA),
    C(SEC_E_PKINIT_NAME_MISMATCH),
    C(SEC_E_SMARTCARD_LOGON_REQUIRED),
    C(SEC_E_SHUTDOWN_IN_PROGRESS),
    C(SEC_E_KDC_INVALID_REQUEST),
    C(SEC_E_KDC_UNABLE_TO_REFER),
    C(SEC_E_KDC_UNKNOWN_ETYPE),
    C(SEC_E_UNSUPPORTED_PREAUTH),
    C(SEC_E_DELEGATION_REQUIRED),
    C(SEC_E_BAD_BINDINGS),
    C(SEC_E_MULTIPLE_ACCOUNTS),
    C(SEC_E_NO_KERB_KEY),
    C(SEC_E_CERT_WRONG_USAGE),
    C(SEC_E_DOWNGRADE_DETECTED),
    C(SEC_E_INVALID_PARAMETER),
    C(SEC_E_NO_CONTEXT),
    C(SEC_E_APPLICATION_PROTOCOL_MISMATCH),
    C(CRYPT_E_REVOKED),
    C(CRYPT_E_NO_REVOCATION_DLL),
    C(CRYPT_E_NO_REVOCATION_CHECK),
    C(CRYPT_E_REVOCATION_OFFLINE),
    C(TRUST_E_SYSTEM_ERROR),
    C(TRUST_E_NO_SIGNER_CERT),
    C(TRUST_E_COUNTER_SIGNER),
    C(TRUST_E_CERT_SIGNATURE),
    C(TRUST_E_TIME_STAMP),
    C(TRUST_E_BAD_DIGEST),
    C(TRUST_E_BASIC_CONSTRAINTS),
    C(TRUST_E_FINANCIAL_CRITERIA),
    C(TRUST_E_PROVIDER_UNKNOWN),
    C(TRUST_E_ACTION_UNKNOWN),
    C(TRUST_E_SUBJECT_FORM_UNKNOWN),
    C(TRUST_E_SUBJECT_NOT_TRUSTED),
    C(TRUST_E_NOSIGNATURE),
    C(CERT_E_EXPIRED),
    C(CERT_E_VALIDITYPERIODNESTING),
    C(CERT_E_ROLE),
    C(CERT_E_PATHLENCONST),
    C(CERT_E_CRITICAL),
    C(CERT_E_PURPOSE),
    C(CERT_E_ISSUERCHAINING),
    C(CERT_E_MALFORMED),
    C(CERT_E_UNTRUSTEDROOT),
    C(CERT_E_CHAINING),
    C(TRUST_E_FAIL),
    C(CERT_E_REVOKED),
    C(CERT_E_UNTRUSTEDTESTROOT),
    C(CERT_E_REVOCATION_FAILURE),
    C(CERT_E_CN_NO_MATCH),
    C(CERT_E_WRONG_USAGE),
    C(TRUST_E_EXPLICIT_DISTRUST),
    C(CERT_E_UNTRUSTEDCA),
    C(CERT_E_INVALID_POLICY),
    C(CERT_E_INVALID_NAME),
    W(ERROR_FILE_NOT_FOUND),
    W(ERROR_PATH_NOT_FOUND),
    W(ERROR_TOO_MANY_OPEN_FILES),
    W(ERROR_ACCESS_DENIED),
    W(ERROR_NOT_ENOUGH_MEMORY),
    W(ERROR_OUTOFMEMORY),
    W(ERROR_INVALID_DRIVE),
    W(ERROR_WRITE_PROTECT),
    W(ERROR_NOT_READY),
    W(ERROR_CRC),
    W(ERROR_WRITE_FAULT),
    W(ERROR_READ_FAULT),
    W(ERROR_GEN_FAILURE),
    W(ERROR_SHARING_VIOLATION),
    W(ERROR_LOCK_VIOLATION),
    W(ERROR_HANDLE_DISK_FULL),
    W(ERROR_NOT_SUPPORTED),
    W(ERROR_REM_NOT_LIST),
    W(ERROR_BAD_NETPATH),
    W(ERROR_NETWORK_BUSY),
    W(ERROR_DEV_NOT_EXIST),
    W(ERROR_BAD_NET_RESP),
    W(ERROR_UNEXP_NET_ERR),
    W(ERROR_NETNAME_DELETED),
    W(ERROR_NETWORK_ACCESS_DENIED),
    W(ERROR_BAD_NET_NAME),
    W(ERROR_FILE_EXISTS),
    W(ERROR_CANNOT_MAKE),
    W(ERROR_INVALID_PARAMETER),
    W(ERROR_DISK_FULL),
    W(ERROR_SEM_TIMEOUT),
    W(ERROR_INVALID_NAME),
    W(ERROR_BAD_PATHNAME),
    W(ERROR_ALREADY_EXISTS),
    W(ERROR_FILENAME_EXCED_RANGE),
    W(ERROR_FILE_TOO_LARGE),
    W(ERROR_DIRECTORY),
    W(ERROR_OPERATION_ABORTED),
    W(ERROR_FILE_INVALID),
    W(ERROR_CANCELLED),
    W(ERROR_DISK_QUOTA_EXCEEDED),
    W(ERROR_LOGON_FAILURE),
    W(ERROR_FILE_CORRUPT),
    W(ERROR_TIMEOUT),
    W(ERROR_CANT_ACCESS_FILE),
    C(E_NOTIMPL),
    C(E_NOINTERFACE),
    C(E_POINTER),
    C(E_ABORT),
    C(E_FAIL),
    C(E_UNEXPECTED),
    /* Codes of the system's table. */
    W(ERROR_NOT_FOUND),
    W(RPC_S_SERVER_UNAVAILABLE),
    C(E_OUTOFMEMORY),
};
#undef C
#undef W

/* The text of code in langid: S_OK and a text, else the failure. */
static HRESULT describe(IBackgroundCopyManager *mgr, HRESULT code, DWORD langid, WCHAR **text)
{
    HRESULT hr;

    *text = (WCHAR *)0xdeadbeef;
    hr = IBackgroundCopyManager_GetErrorDescription(mgr, code, langid, text);
    if (FAILED(hr))
    {
        ok(*text == NULL, "%#lx: text %p on failure\n", code, *text);
        *text = NULL;
    }
    return hr;
}

static void test_codes(void)
{
    static const DWORD langs[] = { LANG_NEUTRAL, ENGLISH };
    unsigned int i, j;
    WCHAR *text;
    HRESULT hr;

    for (i = 0; i < ARRAY_SIZE(codes); i++)
    {
        for (j = 0; j < ARRAY_SIZE(langs); j++)
        {
            hr = describe(manager, codes[i].code, langs[j], &text);
            ok(hr == S_OK && text && *text, "%s (%#lx) in language %#lx: %#lx %s\n", codes[i].name,
               codes[i].code, langs[j], hr, wine_dbgstr_w(text));
            /* A text with an insert left in it is a template, not an answer. */
            if (text) ok(!wcschr(text, '%'), "%s: %s\n", codes[i].name, wine_dbgstr_w(text));
            CoTaskMemFree(text);
        }
    }

    /* A Win32 code passed as it is gets the text of its HRESULT. */
    hr = describe(manager, ERROR_INTERNET_INVALID_CA, ENGLISH, &text);
    ok(hr == S_OK && text && *text, "ERROR_INTERNET_INVALID_CA: %#lx\n", hr);
    CoTaskMemFree(text);
}

/* The texts of an untrusted certificate, the case of issue 14: the service
 * failed it with ERROR_MR_MID_NOT_FOUND. */
static void test_untrusted_certificate(void)
{
    static const HRESULT untrusted[] =
    {
        HR32(ERROR_INTERNET_INVALID_CA), HR32(ERROR_INTERNET_SEC_CERT_ERRORS),
        SEC_E_UNTRUSTED_ROOT, CERT_E_UNTRUSTEDROOT,
    };
    unsigned int i;
    WCHAR *text;
    HRESULT hr;

    ok(untrusted[0] == 0x80072f0d, "ERROR_INTERNET_INVALID_CA is %#lx\n", untrusted[0]);
    for (i = 0; i < ARRAY_SIZE(untrusted); i++)
    {
        hr = describe(manager, untrusted[i], ENGLISH, &text);
        ok(hr == S_OK, "%#lx: %#lx\n", untrusted[i], hr);
        ok(text && wcsstr(text, L"trust"), "%#lx: %s\n", untrusted[i], wine_dbgstr_w(text));
        CoTaskMemFree(text);
    }
}

/* Every status 100-599 as BITS reports it (0x80190000 | status) has a text
 * naming it: its own, or the one of its class. */
static void test_http_statuses(void)
{
    static const DWORD langs[] = { LANG_NEUTRAL, ENGLISH };
    unsigned int status, j;
    WCHAR number[8], *text;
    HRESULT hr;

    for (status = 100; status <= 599; status++)
    {
        swprintf(number, ARRAY_SIZE(number), L"%u", status);
        for (j = 0; j < ARRAY_SIZE(langs); j++)
        {
            hr = describe(manager, 0x80190000 | status, langs[j], &text);
            ok(hr == S_OK && text && wcsstr(text, number), "HTTP %u in language %#lx: %#lx %s\n",
               status, langs[j], hr, wine_dbgstr_w(text));
            CoTaskMemFree(text);
        }
    }
    /* Statuses that name themselves as Microsoft documents them. */
    hr = describe(manager, BG_E_HTTP_ERROR_404, ENGLISH, &text);
    ok(hr == S_OK && text && wcsstr(text, L"not found"), "404: %#lx %s\n", hr, wine_dbgstr_w(text));
    CoTaskMemFree(text);
    hr = describe(manager, 0x80190000 | 418, ENGLISH, &text);
    ok(hr == S_OK && text && wcsstr(text, L"418"), "418: %#lx %s\n", hr, wine_dbgstr_w(text));
    CoTaskMemFree(text);
}

/* The ids of the texts of error contexts are Windows': a client asking for
 * the text of BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT gets the transport's. */
static void test_context_ids(void)
{
    static const struct
    {
        HRESULT code;
        const WCHAR *word;
    }
    tests[] =
    {
        { 0x80200007, L"not known" },       /* BG_E_ERROR_CONTEXT_UNKNOWN */
        { 0x80200008, L"queue manager" },   /* BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER */
        { 0x80200009, L"local file" },      /* BG_E_ERROR_CONTEXT_LOCAL_FILE */
        { 0x8020000a, L"remote file" },     /* BG_E_ERROR_CONTEXT_REMOTE_FILE */
        { 0x8020000b, L"transport" },       /* BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT */
        { 0x8020000c, L"notified" },        /* BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION */
        { 0x8020001e, L"upload" },          /* BG_E_ERROR_CONTEXT_REMOTE_APPLICATION */
        { 0x80200024, L"progress" },        /* BG_E_NO_PROGRESS */
    };
    unsigned int i;
    WCHAR *text;
    HRESULT hr;

    ok(BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT == 0x8020000b, "BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT %#lx\n",
       (HRESULT)BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT);
    for (i = 0; i < ARRAY_SIZE(tests); i++)
    {
        hr = describe(manager, tests[i].code, ENGLISH, &text);
        ok(hr == S_OK && text && wcsstr(text, tests[i].word), "%#lx: %#lx %s\n", tests[i].code, hr,
           wine_dbgstr_w(text));
        CoTaskMemFree(text);
    }
}

/* Codes nobody knows fail as FormatMessage does, languages we have no text
 * in as Microsoft documents. */
static void test_unknown(void)
{
    static const HRESULT unknown[] =
    {
        0x8020ffff,
        0x8020ff01,                                 /* our template of HTTP 1xx */
        0x80190000 | 99, 0x80190000 | 600, 0x80190000,
        HR32(INTERNET_ERROR_BASE),    /* 12000: no such error */
        0x800c0005,                                 /* FACILITY_INTERNET is urlmon's, not Win32 */
    };
    static const HRESULT english_only[] =
    {
        BG_E_NOT_FOUND, HR32(ERROR_INTERNET_INVALID_CA), SEC_E_UNTRUSTED_ROOT,
        BG_E_HTTP_ERROR_404, 0x80190000 | 418,
    };
    unsigned int i;
    WCHAR *text;
    HRESULT hr;

    for (i = 0; i < ARRAY_SIZE(unknown); i++)
    {
        hr = describe(manager, unknown[i], ENGLISH, &text);
        ok(hr == HRESULT_FROM_WIN32(ERROR_MR_MID_NOT_FOUND), "%#lx: %#lx %s\n", unknown[i], hr,
           wine_dbgstr_w(text));
        if (SUCCEEDED(hr)) CoTaskMemFree(text);
        hr = describe(manager, unknown[i], LANG_NEUTRAL, &text);
        ok(hr == HRESULT_FROM_WIN32(ERROR_MR_MID_NOT_FOUND), "%#lx neutral: %#lx\n", unknown[i], hr);
        if (SUCCEEDED(hr)) CoTaskMemFree(text);
    }
    for (i = 0; i < ARRAY_SIZE(english_only); i++)
    {
        hr = describe(manager, english_only[i], GERMAN, &text);
        ok(hr == HRESULT_FROM_WIN32(ERROR_RESOURCE_LANG_NOT_FOUND), "%#lx in German: %#lx\n",
           english_only[i], hr);
        if (SUCCEEDED(hr)) CoTaskMemFree(text);
    }
    /* Our English text of a file error does not hide the system's German one. */
    hr = describe(manager, HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED), GERMAN, &text);
    ok(hr == S_OK && text && *text, "ERROR_ACCESS_DENIED in German: %#lx\n", hr);
    CoTaskMemFree(text);
}

/* The text does not depend on the process asking: the service (whose HTTP
 * client is its own) and our DLL in this process, which has wininet.dll
 * loaded, give the same for wininet's codes. */
static void test_same_in_every_process(void)
{
    IBackgroundCopyManager *inproc;
    WCHAR *text, *text2;
    unsigned int i;
    HRESULT hr;

    ok(LoadLibraryW(L"wininet.dll") != NULL, "no wininet: %lu\n", GetLastError());
    if (!(inproc = get_inproc_manager())) return;
    for (i = 0; i < ARRAY_SIZE(codes); i++)
    {
        if (HRESULT_FACILITY(codes[i].code) != FACILITY_WIN32 || HRESULT_CODE(codes[i].code) < INTERNET_ERROR_BASE ||
            HRESULT_CODE(codes[i].code) > INTERNET_ERROR_BASE + 200)
            continue;
        hr = describe(manager, codes[i].code, ENGLISH, &text);
        ok(hr == S_OK, "%s: %#lx\n", codes[i].name, hr);
        hr = describe(inproc, codes[i].code, ENGLISH, &text2);
        ok(hr == S_OK, "%s in process: %#lx\n", codes[i].name, hr);
        ok(text && text2 && !wcscmp(text, text2), "%s: %s in the service, %s here\n", codes[i].name,
           wine_dbgstr_w(text), wine_dbgstr_w(text2));
        CoTaskMemFree(text);
        CoTaskMemFree(text2);
    }
    IBackgroundCopyManager_Release(inproc);
}

START_TEST(errors)
{
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!(manager = get_manager())) return;
    test_codes();
    test_untrusted_certificate();
    test_http_statuses();
    test_context_ids();
    test_unknown();
    test_same_in_every_process();
    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
}
