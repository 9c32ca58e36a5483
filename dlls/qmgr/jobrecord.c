/*
 * Background Intelligent Transfer Service: a job's properties as one table
 *
 * Each persistent property of a job, and of a file, is one row: its key in
 * the job store's record, its type, where it lives, whether a transfer
 * needs a copy of it, whether TakeOwnership clears it.  Writing and reading
 * the record, the transfer's copy, TakeOwnership and freeing walk the
 * tables; a new property is one row here plus its getter and setter.
 *
 * The record is text, one line per key: "key value value ...", strings as
 * "..." with %xx escapes (so every value stays on one line) or - for none,
 * lines in table order, "end" last.
 *
 * Credentials are never written in clear: each one set is a CryptProtectData
 * blob, in hex, sealed once when the client sets it.  The blob's entropy is
 * the job's id with the target and the scheme, so a blob moved to another
 * job's record, or to another place in the same record, does not open; one
 * that does not open is dropped with a warning and the job loads without it.
 * Wine 8's CryptProtectData is obfuscation rather than protection: it
 * ignores its flags and derives its 3DES key from SHA-1 of the user name,
 * a constant of crypt32, the blob's own salt and the entropy, so whoever
 * reads the record and knows the user name can open it.  Nothing better is
 * to be had in the prefix: Wine 8 keeps no security descriptor on files
 * (a DACL only sets Unix mode bits), and every process of the prefix runs
 * as the same Unix user.
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

#include <ctype.h>
#include <stddef.h>
#include "job.h"
#include "sddl.h"
#include "wincrypt.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

#define RECORD_VERSION 1

enum property_type
{
    PROP_GUID,
    PROP_ULONG,       /* ULONG, DWORD and the BG_* enums */
    PROP_BOOL,
    PROP_UINT64,
    PROP_FILETIME,
    PROP_STRING,      /* WCHAR *, malloc'ed */
    PROP_OWNER,       /* struct owner: SID, integrity, elevated, admin */
    PROP_CERTIFICATE, /* struct client_certificate; no line when not set */
    PROP_CREDENTIALS, /* struct credential[][]: stored sealed; no line when none is */
};

#define NO_FIELD ((size_t)-1)

/* Flags of a row. */
#define TAKE_OWNERSHIP_CLEARS 0x1   /* the new owner must not inherit it */
#define LIMIT_IS_MASK         0x2   /* numbers: limit holds every bit allowed */

/* Longest validator a server's response may leave, and error protocol. */
#define MAX_VALIDATOR 4096
#define MAX_PROTOCOL  16

struct property
{
    const char *key;                  /* record line; NULL: not stored */
    enum property_type type;
    size_t offset;                    /* in struct job or struct file */
    size_t transfer_offset;           /* in struct transfer, or NO_FIELD */
    UINT64 limit;                     /* numbers: highest value (or mask); strings: longest length; 0: none */
    HRESULT (*check)(const WCHAR *);  /* strings: the check a client's value passes */
    unsigned int flags;
};

#define JOB(f)      offsetof(struct job, f)
#define FILE_(f)    offsetof(struct file, f)
#define TRANSFER(f) offsetof(struct transfer, f)

static HRESULT check_local_name(const WCHAR *name)
{
    return file_check_local_name(name);
}

/* Downloads allow every form of remote name that any job type allows. */
static HRESULT check_remote_name(const WCHAR *name)
{
    return file_check_remote_name(name, BG_JOB_TYPE_DOWNLOAD);
}

static const struct property job_properties[] =
{
    { "id",          PROP_GUID,        JOB(id),                  NO_FIELD },
    { "type",        PROP_ULONG,       JOB(type),                NO_FIELD, BG_JOB_TYPE_UPLOAD_REPLY },
    { "state",       PROP_ULONG,       JOB(state),               NO_FIELD, BG_JOB_STATE_CANCELLED },
    { "priority",    PROP_ULONG,       JOB(priority),            NO_FIELD, BG_JOB_PRIORITY_LOW },
    { "name",        PROP_STRING,      JOB(name),                NO_FIELD, MAX_DISPLAY_NAME },
    { "owner",       PROP_OWNER,       JOB(owner),               TRANSFER(owner) },
    { "description", PROP_STRING,      JOB(description),         NO_FIELD, MAX_DESCRIPTION },
    { "notify",      PROP_ULONG,       JOB(notify_flags),        NO_FIELD, ALL_NOTIFY_FLAGS, NULL, LIMIT_IS_MASK },
    { "notify",      PROP_STRING,      JOB(notify_program),      NO_FIELD, MAX_PATH - 1, NULL, TAKE_OWNERSHIP_CLEARS },
    { "notify",      PROP_STRING,      JOB(notify_parameters),   NO_FIELD, MAX_NOTIFY_PARAMETERS, NULL, TAKE_OWNERSHIP_CLEARS },
    { "timeouts",    PROP_ULONG,       JOB(retry_delay),         NO_FIELD },
    { "timeouts",    PROP_ULONG,       JOB(no_progress_timeout), TRANSFER(no_progress_timeout) },
    { "timeouts",    PROP_ULONG,       JOB(max_download_time),   NO_FIELD },
    { "flags",       PROP_ULONG,       JOB(peer_flags),          NO_FIELD, ALL_PEER_FLAGS, NULL, LIMIT_IS_MASK },
    { "flags",       PROP_ULONG,       JOB(acl_flags),           TRANSFER(acl_flags), BG_COPY_FILE_ALL, NULL, LIMIT_IS_MASK },
    { "proxy",       PROP_ULONG,       JOB(proxy_usage),         TRANSFER(proxy_usage), BG_JOB_PROXY_USAGE_AUTODETECT },
    { "proxy",       PROP_STRING,      JOB(proxy_list),          TRANSFER(proxy_list), MAX_PROXY_LIST },
    { "proxy",       PROP_STRING,      JOB(proxy_bypass),        TRANSFER(proxy_bypass), MAX_PROXY_LIST },
    { "reply",       PROP_STRING,      JOB(reply_name),          NO_FIELD, 0, check_local_name },
    { "http",        PROP_ULONG,       JOB(security_flags),      TRANSFER(security_flags), ALL_SECURITY_FLAGS, NULL, LIMIT_IS_MASK },
    { "http",        PROP_STRING,      JOB(custom_headers),      TRANSFER(custom_headers), MAX_CUSTOM_HEADERS - 1, NULL, TAKE_OWNERSHIP_CLEARS },
    { "certificate", PROP_CERTIFICATE, JOB(certificate),         TRANSFER(certificate), 0, NULL, TAKE_OWNERSHIP_CLEARS },
    { "times",       PROP_FILETIME,    JOB(times.CreationTime),  NO_FIELD },
    { "times",       PROP_FILETIME,    JOB(times.ModificationTime), NO_FIELD },
    { "times",       PROP_FILETIME,    JOB(times.TransferCompletionTime), NO_FIELD },
    { "errors",      PROP_ULONG,       JOB(error_count),         NO_FIELD },
    { "credentials", PROP_CREDENTIALS, JOB(creds),               TRANSFER(creds), 0, NULL, TAKE_OWNERSHIP_CLEARS },
};

/* All on the one "file" line of each file, in this order; its ranges
 * follow on "range" lines. */
static const struct property file_properties[] =
{
    { "file", PROP_STRING,   FILE_(remote),                    TRANSFER(remote), MAX_REMOTE_NAME, check_remote_name },
    { "file", PROP_STRING,   FILE_(local),                     TRANSFER(local), 0, check_local_name },
    { "file", PROP_STRING,   FILE_(temp),                      TRANSFER(temp), 0, check_local_name },
    { "file", PROP_STRING,   FILE_(etag),                      TRANSFER(etag), MAX_VALIDATOR },
    { "file", PROP_STRING,   FILE_(last_modified),             TRANSFER(last_modified), MAX_VALIDATOR },
    { "file", PROP_FILETIME, FILE_(remote_time),               TRANSFER(remote_time) },
    { "file", PROP_BOOL,     FILE_(progress.Completed),        NO_FIELD },
    { "file", PROP_BOOL,     FILE_(renamed),                   NO_FIELD },
    { "file", PROP_UINT64,   FILE_(progress.BytesTotal),       NO_FIELD },
    { "file", PROP_UINT64,   FILE_(progress.BytesTransferred), NO_FIELD },
};

#define FIELD(base, offset, type) ((type *)((char *)(base) + (offset)))

/* Frees what a row's field holds and leaves it empty. */
static void property_clear(const struct property *prop, void *base, size_t offset)
{
    switch (prop->type)
    {
    case PROP_STRING:
        free(*FIELD(base, offset, WCHAR *));
        *FIELD(base, offset, WCHAR *) = NULL;
        break;
    case PROP_OWNER:
        owner_free(FIELD(base, offset, struct owner));
        break;
    case PROP_CERTIFICATE:
        client_certificate_clear(FIELD(base, offset, struct client_certificate));
        break;
    case PROP_CREDENTIALS:
        credentials_clear((struct credential (*)[CRED_SCHEMES])((char *)base + offset));
        break;
    default:
        break;
    }
}

void job_free_properties(struct job *job)
{
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(job_properties); i++)
        property_clear(&job_properties[i], job, job_properties[i].offset);
}

void file_free_properties(struct file *file)
{
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(file_properties); i++)
        property_clear(&file_properties[i], file, file_properties[i].offset);
    free(file->ranges);
    file->ranges = NULL;
    file->range_count = 0;
}

/* TakeOwnership: called with the job's lock held. */
void job_clear_for_new_owner(struct job *job)
{
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(job_properties); i++)
        if (job_properties[i].flags & TAKE_OWNERSHIP_CLEARS)
            property_clear(&job_properties[i], job, job_properties[i].offset);
}

/* --- the transfer's copy ------------------------------------------------ */

static BOOL copy_to_transfer(const struct property *prop, const void *base, struct transfer *t)
{
    const void *src = (const char *)base + prop->offset;
    void *dst = (char *)t + prop->transfer_offset;
    int i, j;

    switch (prop->type)
    {
    case PROP_STRING:
        if (!*(WCHAR *const *)src) return TRUE;
        return !!(*(WCHAR **)dst = strdupW(*(WCHAR *const *)src));
    case PROP_ULONG:
    case PROP_BOOL:
        *(ULONG *)dst = *(const ULONG *)src;
        return TRUE;
    case PROP_UINT64:
        *(UINT64 *)dst = *(const UINT64 *)src;
        return TRUE;
    case PROP_FILETIME:
        *(FILETIME *)dst = *(const FILETIME *)src;
        return TRUE;
    case PROP_OWNER:
        return SUCCEEDED(owner_copy(dst, src));
    case PROP_CREDENTIALS:
        for (i = 0; i < CRED_TARGETS; i++)
            for (j = 0; j < CRED_SCHEMES; j++)
            {
                const struct credential *from = &((const struct credential (*)[CRED_SCHEMES])src)[i][j];
                struct credential *to = &((struct credential (*)[CRED_SCHEMES])dst)[i][j];

                to->set = from->set;
                if ((from->user && !(to->user = strdupW(from->user))) ||
                    (from->password && !(to->password = strdupW(from->password))))
                    return FALSE;
            }
        return TRUE;
    case PROP_CERTIFICATE:
    {
        const struct client_certificate *from = src;
        struct client_certificate *to = dst;

        *to = *from;
        to->store = to->subject = NULL;
        return (!from->store || (to->store = strdupW(from->store))) &&
               (!from->subject || (to->subject = strdupW(from->subject)));
    }
    default:
        ERR("type %u cannot be copied\n", prop->type);
        return FALSE;
    }
}

static BOOL copy_table(const struct property *props, unsigned int count, const void *base, struct transfer *t)
{
    unsigned int i;

    for (i = 0; i < count; i++)
        if (props[i].transfer_offset != NO_FIELD && !copy_to_transfer(&props[i], base, t)) return FALSE;
    return TRUE;
}

/* Copies what a transfer of the file needs; called with the job's lock held. */
HRESULT job_copy_for_transfer(struct job *job, struct file *file, struct transfer *t)
{
    if (!copy_table(job_properties, ARRAY_SIZE(job_properties), job, t) ||
        !copy_table(file_properties, ARRAY_SIZE(file_properties), file, t))
        return E_OUTOFMEMORY;
    if (file->range_count)
    {
        if (!(t->ranges = malloc(file->range_count * sizeof(*t->ranges)))) return E_OUTOFMEMORY;
        memcpy(t->ranges, file->ranges, file->range_count * sizeof(*t->ranges));
        t->range_count = file->range_count;
    }
    return S_OK;
}

static void free_table_copy(const struct property *props, unsigned int count, struct transfer *t)
{
    unsigned int i;

    for (i = 0; i < count; i++)
        if (props[i].transfer_offset != NO_FIELD) property_clear(&props[i], t, props[i].transfer_offset);
}

void transfer_free_copy(struct transfer *t)
{
    free_table_copy(job_properties, ARRAY_SIZE(job_properties), t);
    free_table_copy(file_properties, ARRAY_SIZE(file_properties), t);
    free(t->ranges);
    t->ranges = NULL;
    t->range_count = 0;
}

/* --- credentials, sealed -------------------------------------------------- */

/* The service's own key (not CRYPTPROTECT_LOCAL_MACHINE, which would let
 * any local user open them): only the service reads them back.  Wine 8
 * ignores the flags and derives the key from the Unix user's name. */
#define SEAL_FLAGS CRYPTPROTECT_UI_FORBIDDEN
#define NO_STRING  0xffffffff

/* The job's id, then the target and the scheme (0-based). */
static void seal_entropy(const GUID *id, unsigned int target, unsigned int scheme, BYTE entropy[18])
{
    memcpy(entropy, id, sizeof(*id));
    entropy[16] = target;
    entropy[17] = scheme;
}

static DWORD secret_length(const WCHAR *s)
{
    return s ? wcslen(s) : NO_STRING;
}

/* The sealed text: the user's and the password's lengths in characters
 * (NO_STRING for none), then their characters, without terminators. */
static BYTE *credential_plain(const WCHAR *user, const WCHAR *password, DWORD *size)
{
    DWORD lengths[2] = { secret_length(user), secret_length(password) };
    DWORD user_bytes = user ? lengths[0] * sizeof(WCHAR) : 0;
    DWORD password_bytes = password ? lengths[1] * sizeof(WCHAR) : 0;
    BYTE *plain;

    *size = sizeof(lengths) + user_bytes + password_bytes;
    if (!(plain = malloc(*size))) return NULL;
    memcpy(plain, lengths, sizeof(lengths));
    if (user) memcpy(plain + sizeof(lengths), user, user_bytes);
    if (password) memcpy(plain + sizeof(lengths) + user_bytes, password, password_bytes);
    return plain;
}

/* The store's copy of one credential: a CryptProtectData blob in hex, or
 * NULL when it cannot be made (the credential then lives in memory only).
 * Takes no lock: the id never changes. */
char *credential_seal(const GUID *id, unsigned int target, unsigned int scheme, const WCHAR *user,
                      const WCHAR *password)
{
    static const char hex[] = "0123456789abcdef";
    BYTE entropy_bytes[18];
    DATA_BLOB in, entropy = { sizeof(entropy_bytes), entropy_bytes }, out;
    char *text = NULL;
    DWORD i;

    if (!(in.pbData = credential_plain(user, password, &in.cbData))) return NULL;
    seal_entropy(id, target, scheme, entropy_bytes);
    if (!CryptProtectData(&in, L"BITS job credentials", &entropy, NULL, NULL, SEAL_FLAGS, &out))
        WARN("CryptProtectData failed: %lu\n", GetLastError());
    else
    {
        if ((text = malloc(out.cbData * 2 + 1)))
        {
            for (i = 0; i < out.cbData; i++)
            {
                text[2 * i] = hex[out.pbData[i] >> 4];
                text[2 * i + 1] = hex[out.pbData[i] & 0xf];
            }
            text[2 * i] = 0;
        }
        LocalFree(out.pbData);
    }
    SecureZeroMemory(in.pbData, in.cbData);
    free(in.pbData);
    return text;
}

/* --- writing the record -------------------------------------------------- */

struct record_out
{
    char *data;
    size_t len, size;
    BOOL failed;
};

/* Room for more bytes after the text; FALSE, with the text freed and the
 * record failed, when there is no memory. */
static BOOL reserve(struct record_out *b, size_t more)
{
    size_t size;
    char *data;

    if (b->len + more <= b->size) return TRUE;
    size = max(b->size * 2, b->len + more + 1024);
    if (!(data = realloc(b->data, size)))
    {
        free(b->data);
        b->data = NULL;
        b->failed = TRUE;
        b->len = b->size = 0;
        return FALSE;
    }
    b->data = data;
    b->size = size;
    return TRUE;
}

static void put(struct record_out *b, const char *format, ...)
{
    va_list args;
    int len;

    if (b->failed) return;
    for (;;)
    {
        va_start(args, format);
        len = vsnprintf(b->data + b->len, b->size - b->len, format, args);
        va_end(args);
        if (len >= 0 && b->len + len < b->size) break;
        if (len < 0 || !reserve(b, len + 1)) return;
    }
    b->len += len;
}

/* Appends len bytes as they are. */
static void put_bytes(struct record_out *b, const char *bytes, size_t len)
{
    if (b->failed || !reserve(b, len + 1)) return;
    memcpy(b->data + b->len, bytes, len);
    b->len += len;
    b->data[b->len] = 0;
}

static void put_string(struct record_out *b, const WCHAR *s)
{
    char buffer[4096], *text, *p, *start;
    int len;

    if (!s)
    {
        put(b, " -");
        return;
    }
    put(b, " \"");
    len = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL);
    if (!(text = (size_t)len > sizeof(buffer) ? malloc(len) : buffer))
    {
        b->failed = TRUE;
        return;
    }
    WideCharToMultiByte(CP_UTF8, 0, s, -1, text, len, NULL, NULL);
    /* Escaped: what would end the token or the line, and the escape. */
    for (start = p = text; *p; p++)
    {
        unsigned char c = *p;
        if (c > ' ' && c != '%' && c != '"' && c != 0x7f) continue;
        put_bytes(b, start, p - start);
        put(b, "%%%02x", c);
        start = p + 1;
    }
    put_bytes(b, start, p - start);
    if (text != buffer) free(text);
    put(b, "\"");
}

static UINT64 filetime_value(const FILETIME *ft)
{
    return ((UINT64)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
}

static void put_value(struct record_out *b, const struct property *prop, const void *base)
{
    const void *field = (const char *)base + prop->offset;
    WCHAR guid[40];
    DWORD i;

    switch (prop->type)
    {
    case PROP_GUID:
        StringFromGUID2(field, guid, ARRAY_SIZE(guid));
        put_string(b, guid);
        break;
    case PROP_ULONG:
    case PROP_BOOL:
        put(b, " %lu", *(const ULONG *)field);
        break;
    case PROP_UINT64:
        put(b, " %I64u", *(const UINT64 *)field);
        break;
    case PROP_FILETIME:
        put(b, " %I64u", filetime_value(field));
        break;
    case PROP_STRING:
        put_string(b, *(WCHAR *const *)field);
        break;
    case PROP_OWNER:
    {
        const struct owner *owner = field;
        put_string(b, owner_sid_string((struct owner *)owner));
        put(b, " %lu %d %d", owner->integrity, owner->elevated, owner->admin);
        break;
    }
    case PROP_CERTIFICATE:
    {
        const struct client_certificate *cert = field;
        put(b, " %u", cert->location);
        put_string(b, cert->store);
        put_string(b, cert->subject);
        put(b, " ");
        if (!cert->has_hash) put(b, "-");
        else for (i = 0; i < sizeof(cert->hash); i++) put(b, "%02x", cert->hash[i]);
        break;
    }
    case PROP_CREDENTIALS:
    {
        const struct credential (*creds)[CRED_SCHEMES] = field;
        int t, s;

        for (t = 0; t < CRED_TARGETS; t++)
            for (s = 0; s < CRED_SCHEMES; s++)
                put(b, " %s", creds[t][s].set && creds[t][s].sealed ? creds[t][s].sealed : "-");
        break;
    }
    }
}

/* Whether any credential has a sealed copy to keep. */
static BOOL credentials_present(const struct credential creds[CRED_TARGETS][CRED_SCHEMES])
{
    int t, s;

    for (t = 0; t < CRED_TARGETS; t++)
        for (s = 0; s < CRED_SCHEMES; s++)
            if (creds[t][s].set && creds[t][s].sealed) return TRUE;
    return FALSE;
}

static BOOL property_present(const struct property *prop, const void *base)
{
    if (!prop->key) return FALSE;
    if (prop->type == PROP_CERTIFICATE) return FIELD(base, prop->offset, struct client_certificate)->set;
    if (prop->type == PROP_CREDENTIALS)
        return credentials_present((const struct credential (*)[CRED_SCHEMES])((const char *)base + prop->offset));
    return TRUE;
}

/* One line per key: rows with the same key share it. */
static void put_table(struct record_out *b, const struct property *props, unsigned int count, const void *base)
{
    unsigned int i;

    for (i = 0; i < count; i++)
    {
        if (!property_present(&props[i], base)) continue;
        if (!i || !props[i - 1].key || strcmp(props[i - 1].key, props[i].key)) put(b, "%s", props[i].key);
        put_value(b, &props[i], base);
        if (i + 1 == count || !props[i + 1].key || strcmp(props[i + 1].key, props[i].key)) put(b, "\n");
    }
}

/* The job as the store keeps it, or NULL when memory ran out; called with
 * the job's lock held. */
char *job_write_record(struct job *job, size_t *len)
{
    struct record_out b = { NULL, 0, 0, FALSE };
    struct file *file;
    ULONG index = 0, error_file = 0;
    DWORD i;

    put(&b, "qmgr-job %u\n", RECORD_VERSION);
    put_table(&b, job_properties, ARRAY_SIZE(job_properties), job);
    LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
    {
        index++;
        if (job->has_error && job->error.file == file) error_file = index;
        put_table(&b, file_properties, ARRAY_SIZE(file_properties), file);
        for (i = 0; i < file->range_count; i++)
            put(&b, "range %I64u %I64u\n", file->ranges[i].InitialOffset, file->ranges[i].Length);
    }
    if (job->has_error)
    {
        put(&b, "error %lu %u %lu", job->error.code, job->error.context, error_file);
        put_string(&b, job->error.protocol);
        put(&b, "\n");
    }
    put(&b, "end\n");
    if (b.failed)
    {
        free(b.data);
        return NULL;
    }
    *len = b.len;
    return b.data;
}

/* --- reading it back ----------------------------------------------------- */

/* One line, split at spaces. */
struct parser
{
    char *pos;
    BOOL failed;
};

static char *next_token(struct parser *p)
{
    char *start;

    while (*p->pos == ' ') p->pos++;
    if (!*p->pos)
    {
        p->failed = TRUE;
        return NULL;
    }
    start = p->pos;
    while (*p->pos && *p->pos != ' ') p->pos++;
    if (*p->pos) *p->pos++ = 0;
    return start;
}

/* Decimal digits only, and no more than a UINT64 holds. */
static UINT64 get_number(struct parser *p)
{
    char *token = next_token(p);
    UINT64 value = 0;

    if (!token) return 0;
    if (!*token) p->failed = TRUE;
    for (; *token; token++)
    {
        if (*token < '0' || *token > '9' || value > (~(UINT64)0 - (*token - '0')) / 10)
        {
            p->failed = TRUE;
            return 0;
        }
        value = value * 10 + (*token - '0');
    }
    return value;
}

static WCHAR *get_string(struct parser *p)
{
    char *token = next_token(p), *src, *dst;
    WCHAR *ret;
    int len;

    if (!token || !strcmp(token, "-")) return NULL;
    len = strlen(token);
    if (len < 2 || token[0] != '"' || token[len - 1] != '"')
    {
        p->failed = TRUE;
        return NULL;
    }
    token[len - 1] = 0;
    for (src = dst = token + 1; *src; src++)
    {
        if (*src == '%' && isxdigit((unsigned char)src[1]) && isxdigit((unsigned char)src[2]))
        {
            char hex[3] = { src[1], src[2], 0 };
            *dst++ = (char)strtoul(hex, NULL, 16);
            src += 2;
        }
        else *dst++ = *src;
    }
    *dst = 0;
    len = MultiByteToWideChar(CP_UTF8, 0, token + 1, -1, NULL, 0);
    if (!(ret = malloc(len * sizeof(WCHAR))))
    {
        p->failed = TRUE;
        return NULL;
    }
    MultiByteToWideChar(CP_UTF8, 0, token + 1, -1, ret, len);
    return ret;
}

static void set_filetime(FILETIME *ft, UINT64 value)
{
    ft->dwLowDateTime = (DWORD)value;
    ft->dwHighDateTime = (DWORD)(value >> 32);
}

static BOOL get_owner(struct parser *p, struct owner *owner)
{
    WCHAR *sid_string = get_string(p);
    PSID sid;
    BOOL ret = FALSE;

    owner_free(owner);
    if (sid_string && ConvertStringSidToSidW(sid_string, &sid))
    {
        DWORD len = GetLengthSid(sid);
        if ((owner->sid = malloc(len)))
        {
            CopySid(len, owner->sid, sid);
            ret = TRUE;
        }
        LocalFree(sid);
    }
    free(sid_string);
    owner->integrity = get_number(p);
    owner->elevated = get_number(p);
    owner->admin = get_number(p);
    return ret;
}

/* count bytes from the first 2 * count hex digits of text; FALSE when it
 * has fewer. */
static BOOL hex_to_bytes(const char *text, BYTE *bytes, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++)
    {
        char byte[3] = { text[2 * i], 0, 0 };

        if (!isxdigit((unsigned char)byte[0]) || !isxdigit((unsigned char)(byte[1] = text[2 * i + 1])))
            return FALSE;
        bytes[i] = strtoul(byte, NULL, 16);
    }
    return TRUE;
}

static BOOL get_certificate(struct parser *p, struct client_certificate *cert)
{
    char *hash;

    client_certificate_clear(cert);
    cert->set = TRUE;
    cert->location = get_number(p);
    cert->store = get_string(p);
    cert->subject = get_string(p);
    if (!(hash = next_token(p)) || !strcmp(hash, "-")) return TRUE;
    cert->has_hash = hex_to_bytes(hash, cert->hash, sizeof(cert->hash));
    return cert->has_hash;
}

/* --- credentials, opened again ------------------------------------------- */

static WCHAR *plain_string(const BYTE *data, DWORD length)
{
    WCHAR *s;

    if (length == NO_STRING) return NULL;
    if (!(s = malloc((length + 1) * sizeof(WCHAR)))) return NULL;
    memcpy(s, data, length * sizeof(WCHAR));
    s[length] = 0;
    return s;
}

/* Opens a sealed credential into cred; FALSE, leaving it untouched, if the
 * blob is not hex, does not open with this job's entropy, or holds what
 * SetCredentials would have refused. */
static BOOL credential_unseal(const GUID *id, unsigned int target, unsigned int scheme, const char *text,
                              struct credential *cred)
{
    DATA_BLOB in, entropy, out = { 0, NULL };
    BYTE entropy_bytes[18];
    DWORD lengths[2], user_bytes, password_bytes;
    WCHAR *user = NULL, *password = NULL;
    size_t len = strlen(text);
    BOOL ok = FALSE;
    char *copy;

    if (!len || len % 2) return FALSE;
    in.cbData = len / 2;
    if (!(in.pbData = malloc(in.cbData))) return FALSE;
    if (!hex_to_bytes(text, in.pbData, in.cbData) || !(copy = strdup(text)))
    {
        free(in.pbData);
        return FALSE;
    }
    seal_entropy(id, target, scheme, entropy_bytes);
    entropy.cbData = sizeof(entropy_bytes);
    entropy.pbData = entropy_bytes;
    if (CryptUnprotectData(&in, NULL, &entropy, NULL, NULL, SEAL_FLAGS, &out) && out.cbData >= sizeof(lengths))
    {
        memcpy(lengths, out.pbData, sizeof(lengths));
        user_bytes = lengths[0] == NO_STRING ? 0 : lengths[0] * sizeof(WCHAR);
        password_bytes = lengths[1] == NO_STRING ? 0 : lengths[1] * sizeof(WCHAR);
        ok = (lengths[0] == NO_STRING || lengths[0] <= MAX_CREDENTIAL_NAME) &&
             (lengths[1] == NO_STRING || lengths[1] <= MAX_CREDENTIAL_SECRET) &&
             out.cbData == sizeof(lengths) + user_bytes + password_bytes &&
             /* Basic and Digest need both. */
             (scheme + 1 > BG_AUTH_SCHEME_DIGEST || (lengths[0] != NO_STRING && lengths[1] != NO_STRING));
        if (ok)
        {
            user = plain_string(out.pbData + sizeof(lengths), lengths[0]);
            password = plain_string(out.pbData + sizeof(lengths) + user_bytes, lengths[1]);
            ok = (user || lengths[0] == NO_STRING) && (password || lengths[1] == NO_STRING);
        }
    }
    if (out.pbData)
    {
        SecureZeroMemory(out.pbData, out.cbData);
        LocalFree(out.pbData);
    }
    free(in.pbData);
    if (!ok)
    {
        if (user) SecureZeroMemory(user, wcslen(user) * sizeof(WCHAR));
        if (password) SecureZeroMemory(password, wcslen(password) * sizeof(WCHAR));
        free(user);
        free(password);
        free(copy);
        return FALSE;
    }
    cred->user = user;
    cred->password = password;
    cred->set = TRUE;
    cred->sealed = copy;
    return TRUE;
}

/* The "credentials" line: one token per target and scheme, the sealed blob
 * or - .  Never fails: what does not open is left out, and the job loads
 * without it. */
static void get_credentials(struct parser *p, const GUID *id, struct credential creds[CRED_TARGETS][CRED_SCHEMES])
{
    unsigned int t, s;
    char *token;

    credentials_clear(creds);
    for (t = 0; t < CRED_TARGETS; t++)
        for (s = 0; s < CRED_SCHEMES; s++)
        {
            while (*p->pos == ' ') p->pos++;
            if (!*p->pos)
            {
                WARN("job %s: credentials line cut short\n", debugstr_guid(id));
                return;
            }
            token = next_token(p);
            if (!strcmp(token, "-")) continue;
            if (!credential_unseal(id, t, s, token, &creds[t][s]))
                WARN("job %s: the credentials for target %u, scheme %u do not open; left out\n",
                     debugstr_guid(id), t + 1, s + 1);
        }
}

/* Reads one row's value; FALSE if it is malformed or out of its limits. */
static BOOL get_value(struct parser *p, const struct property *prop, void *base)
{
    void *field = (char *)base + prop->offset;
    WCHAR *string;
    UINT64 number;
    BOOL ok = TRUE;

    switch (prop->type)
    {
    case PROP_GUID:
        string = get_string(p);
        ok = string && SUCCEEDED(CLSIDFromString(string, field));
        free(string);
        break;
    case PROP_ULONG:
    case PROP_BOOL:
        number = get_number(p);
        if (prop->type == PROP_BOOL) ok = number <= 1;
        else if (prop->flags & LIMIT_IS_MASK) ok = !(number & ~prop->limit);
        else ok = number <= (prop->limit ? prop->limit : ULONG_MAX);
        *(ULONG *)field = number;
        break;
    case PROP_UINT64:
        *(UINT64 *)field = get_number(p);
        break;
    case PROP_FILETIME:
        set_filetime(field, get_number(p));
        break;
    case PROP_STRING:
        string = get_string(p);
        if (string && prop->limit && wcslen(string) > prop->limit) ok = FALSE;
        if (string && prop->check && FAILED(prop->check(string))) ok = FALSE;
        free(*(WCHAR **)field);
        *(WCHAR **)field = string;
        break;
    case PROP_OWNER:
        ok = get_owner(p, field);
        break;
    case PROP_CERTIFICATE:
        ok = get_certificate(p, field);
        break;
    case PROP_CREDENTIALS:
        /* A job's row only; its id, read from the "id" line above, is the entropy. */
        get_credentials(p, &((struct job *)base)->id, field);
        break;
    }
    return ok && !p->failed;
}

/* Reads the values of a line whose key is key into the rows with that key. */
static BOOL get_table(struct parser *p, const char *key, const struct property *props, unsigned int count,
                      void *base)
{
    unsigned int i;

    for (i = 0; i < count; i++)
    {
        if (!props[i].key || strcmp(props[i].key, key)) continue;
        if (!get_value(p, &props[i], base)) return FALSE;
    }
    return TRUE;
}

static BOOL get_range(struct parser *p, struct file *file)
{
    BG_FILE_RANGE *ranges;

    if (!file || file->range_count >= MAX_RANGES_PER_FILE ||
        !(ranges = realloc(file->ranges, (file->range_count + 1) * sizeof(*ranges))))
        return FALSE;
    file->ranges = ranges;
    ranges[file->range_count].InitialOffset = get_number(p);
    ranges[file->range_count].Length = get_number(p);
    file->range_count++;
    return !p->failed;
}

static BOOL get_error(struct parser *p, struct job *job, ULONG *error_file)
{
    job->error.code = get_number(p);
    job->error.context = get_number(p);
    *error_file = get_number(p);
    free(job->error.protocol);
    job->error.protocol = get_string(p);
    job->has_error = TRUE;
    return !p->failed;
}

/* What the values of a record must agree on, as a client's calls would
 * have left them. */
static BOOL record_consistent(struct job *job, ULONG error_file)
{
    struct file *file;

    if (job->file_count > (job->type == BG_JOB_TYPE_DOWNLOAD ? MAX_FILES_PER_JOB : 1)) return FALSE;
    /* The file an error names must be one of the job's. */
    if (job->has_error && (error_file > job->file_count || job->error.context > BG_ERROR_CONTEXT_REMOTE_APPLICATION ||
                           (job->error.protocol && wcslen(job->error.protocol) > MAX_PROTOCOL)))
        return FALSE;
    LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
    {
        if (file->progress.BytesTotal != BG_SIZE_UNKNOWN &&
            file->progress.BytesTransferred > file->progress.BytesTotal)
            return FALSE;
        if (file->renamed && !file->progress.Completed) return FALSE;
        /* Cancel deletes it, Complete moves it: only a name BITS gives. */
        if (file->temp && FAILED(file_check_temp_name(file->local, file->temp))) return FALSE;
        if (file->range_count && FAILED(check_ranges(file->ranges, file->range_count))) return FALSE;
    }
    return TRUE;
}

/* Rebuilds a job from its record; NULL unless the record is whole and every
 * value passes the checks a client's value would. */
struct job *job_from_record(char *text)
{
    struct file *file = NULL;
    struct job *job;
    ULONG error_file = 0, index;
    BOOL ended = FALSE, ok = TRUE, versioned = FALSE;
    char *line, *next, *key;
    UINT64 version;
    struct parser p;

    if (!(job = job_alloc())) return NULL;
    for (line = text; line && *line && !ended && ok; line = next)
    {
        if ((next = strchr(line, '\n'))) *next++ = 0;
        p.pos = line;
        p.failed = FALSE;
        if (!(key = next_token(&p))) ok = FALSE;
        else if (!versioned && strcmp(key, "qmgr-job")) ok = FALSE;
        else if (!versioned && (version = get_number(&p)) != RECORD_VERSION)
        {
            ERR("record of version %I64u: this service reads version %u\n", version, RECORD_VERSION);
            ok = FALSE;
        }
        else if (!versioned) versioned = TRUE;
        else if (!strcmp(key, "end")) ended = TRUE;
        else if (!strcmp(key, "range")) ok = get_range(&p, file);
        else if (!strcmp(key, "error")) ok = get_error(&p, job, &error_file);
        else if (!strcmp(key, file_properties[0].key))
        {
            if (!(file = job_add_loaded_file(job))) ok = FALSE;
            else ok = get_table(&p, key, file_properties, ARRAY_SIZE(file_properties), file) &&
                      file->remote && file->local;
        }
        /* Unknown keys come from newer versions: skipped. */
        else ok = get_table(&p, key, job_properties, ARRAY_SIZE(job_properties), job);
    }
    if (!ok || !ended || IsEqualGUID(&job->id, &GUID_NULL) || !job->name || !job->owner.sid ||
        !record_consistent(job, error_file))
    {
        WARN("record of job %s refused\n", debugstr_guid(&job->id));
        job_release(job);
        return NULL;
    }
    if (job->has_error && error_file)
    {
        index = 0;
        LIST_FOR_EACH_ENTRY(file, &job->files, struct file, entry)
            if (++index == error_file) job->error.file = file;
    }
    job_loaded(job);
    return job;
}
