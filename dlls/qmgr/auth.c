/*
 * Background Intelligent Transfer Service: answers to authentication
 * challenges from a job's own credentials
 *
 * Basic (RFC 7617) and Digest (RFC 7616: MD5, SHA-256 and their -sess
 * forms, qop=auth or the RFC 2069 form) are answered here, hashing with
 * bcrypt; NTLM and Negotiate go through SSPI.  Challenges are read as
 * RFC 7235 describes them.  Credentials answer only the scheme they were
 * set for.
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

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "bcrypt.h"
#include "sspi.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

/* How often one request may answer stale=true before giving up. */
#define MAX_STALE_RETRIES 2

/* What auth.c keeps beside the fields of struct auth_state (state->priv). */
struct auth_private
{
    CredHandle cred;                /* NTLM/Negotiate */
    CtxtHandle ctx;
    BG_AUTH_SCHEME cred_scheme;     /* the package cred was acquired for */
    BOOL have_cred;
    BOOL have_ctx;
    BOOL continuing;                /* the context waits for the server's next token */
    BOOL answered;                  /* the current request carries our answer */
    unsigned int rejected;          /* 1 << scheme: refused in the current request */
    unsigned int stale_retries;
    BOOL sess;                      /* Digest: a -sess algorithm */
    BOOL userhash;
    BOOL has_algorithm;             /* the challenge named its algorithm */
    char cnonce[33];                /* -sess: the client nonce of the session */
};

/* -- challenges (RFC 7235 section 4.1) ---------------------------------- */

struct auth_param
{
    const char *name;               /* into the challenge text */
    size_t name_len;
    char *value;                    /* unquoted */
};

struct challenge
{
    BG_AUTH_SCHEME scheme;          /* 0: one we do not know */
    BOOL bad;                       /* malformed: never answered */
    char *token;                    /* token68, or NULL */
    struct auth_param *params;
    unsigned int count;
};

struct challenge_list
{
    struct challenge *items;
    unsigned int count;
    unsigned int size;
};

static BOOL is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static BOOL is_tchar(char c)
{
    return is_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static BOOL is_token68_char(char c)
{
    return is_alnum(c) || (c && strchr("-._~+/", c));
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? c + 'a' - 'A' : c;
}

/* a (len characters) equals b, ignoring ASCII case */
static BOOL ascii_ieq(const char *a, size_t len, const char *b)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (!b[i] || lower(a[i]) != lower(b[i])) return FALSE;
    return !b[i];
}

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    return p;
}

static char *strndup_a(const char *s, size_t len)
{
    char *ret = malloc(len + 1);

    if (!ret) return NULL;
    memcpy(ret, s, len);
    ret[len] = 0;
    return ret;
}

static void free_challenges(struct challenge_list *list)
{
    unsigned int i, j;

    for (i = 0; i < list->count; i++)
    {
        for (j = 0; j < list->items[i].count; j++) free(list->items[i].params[j].value);
        free(list->items[i].params);
        free(list->items[i].token);
    }
    free(list->items);
    memset(list, 0, sizeof(*list));
}

static BG_AUTH_SCHEME scheme_from_name(const char *name, size_t len)
{
    if (ascii_ieq(name, len, "Basic")) return BG_AUTH_SCHEME_BASIC;
    if (ascii_ieq(name, len, "Digest")) return BG_AUTH_SCHEME_DIGEST;
    if (ascii_ieq(name, len, "NTLM")) return BG_AUTH_SCHEME_NTLM;
    if (ascii_ieq(name, len, "Negotiate")) return BG_AUTH_SCHEME_NEGOTIATE;
    if (ascii_ieq(name, len, "Passport1.4")) return BG_AUTH_SCHEME_PASSPORT;
    return 0;
}

static struct challenge *add_challenge(struct challenge_list *list, const char *name, size_t len)
{
    struct challenge *c;

    if (list->count == list->size)
    {
        unsigned int size = list->size ? list->size * 2 : 4;
        struct challenge *items = realloc(list->items, size * sizeof(*items));

        if (!items) return NULL;
        list->items = items;
        list->size = size;
    }
    c = &list->items[list->count++];
    memset(c, 0, sizeof(*c));
    c->scheme = scheme_from_name(name, len);
    return c;
}

static BOOL add_param(struct challenge *c, const char *name, size_t len, char *value)
{
    struct auth_param *params = realloc(c->params, (c->count + 1) * sizeof(*params));

    if (!params) return FALSE;
    c->params = params;
    params[c->count].name = name;
    params[c->count].name_len = len;
    params[c->count].value = value;
    c->count++;
    return TRUE;
}

/* The value of a parameter (the first if it is repeated), or NULL. */
static const char *get_param(const struct challenge *c, const char *name)
{
    unsigned int i;

    for (i = 0; i < c->count; i++)
        if (ascii_ieq(c->params[i].name, c->params[i].name_len, name)) return c->params[i].value;
    return NULL;
}

/* A quoted-string at *p (which is '"'), unquoted; NULL if unterminated or
 * out of memory (*oom says which). */
static char *read_quoted(const char **p, const char *end, BOOL *oom)
{
    const char *s = *p + 1;
    char *ret, *out;

    *oom = FALSE;
    if (!(ret = out = malloc(end - s + 1)))
    {
        *oom = TRUE;
        return NULL;
    }
    while (s < end && *s != '"')
    {
        if (*s == '\\' && ++s == end) break;
        *out++ = *s++;
    }
    if (s == end)
    {
        free(ret);
        return NULL;
    }
    *out = 0;
    *p = s + 1;
    return ret;
}

/* One header value, [p, end): a list of challenges.  FALSE only when out of
 * memory; a malformed challenge is marked bad and ends the value. */
static BOOL parse_value(struct challenge_list *list, const char *p, const char *end)
{
    for (;;)
    {
        const char *start, *q, *r;
        struct challenge *c;

        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) p++;
        if (p == end) return TRUE;
        for (start = p; p < end && is_tchar(*p); p++) ;
        if (p == start)
        {
            WARN("malformed challenge %s\n", debugstr_an(start, end - start));
            return TRUE;
        }
        if (!(c = add_challenge(list, start, p - start))) return FALSE;
        if (p == end || *p == ',') continue;
        if (*p != ' ' && *p != '\t')
        {
            c->bad = TRUE;
            return TRUE;
        }
        p = skip_ows(p, end);
        if (p == end || *p == ',') continue;

        /* token68: its characters, then padding, then the end of the element */
        for (q = p; q < end && is_token68_char(*q); q++) ;
        if (q > p)
        {
            for (r = q; r < end && *r == '='; r++) ;
            q = r;
            r = skip_ows(r, end);
            if (r == end || *r == ',')
            {
                if (!(c->token = strndup_a(p, q - p))) return FALSE;
                p = r;
                continue;
            }
        }

        /* auth-params, up to the next challenge's scheme */
        for (;;)
        {
            const char *name, *element;
            size_t name_len;
            char *value;

            while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) p++;
            if (p == end) return TRUE;
            element = p;
            for (name = p; p < end && is_tchar(*p); p++) ;
            if (p == name)
            {
                c->bad = TRUE;
                return TRUE;
            }
            name_len = p - name;
            p = skip_ows(p, end);
            if (p == end || *p != '=')
            {
                p = element;        /* a new challenge begins here */
                break;
            }
            p = skip_ows(p + 1, end);
            if (p < end && *p == '"')
            {
                BOOL oom;

                if (!(value = read_quoted(&p, end, &oom)))
                {
                    if (oom) return FALSE;
                    c->bad = TRUE;
                    return TRUE;
                }
            }
            else
            {
                /* a token; leniently anything up to a comma or a space */
                for (start = p; p < end && *p != ',' && *p != ' ' && *p != '\t' && *p != '"'; p++) ;
                if (p == start)
                {
                    c->bad = TRUE;
                    return TRUE;
                }
                if (!(value = strndup_a(start, p - start))) return FALSE;
            }
            if (!add_param(c, name, name_len, value))
            {
                free(value);
                return FALSE;
            }
            p = skip_ows(p, end);
            if (p == end) return TRUE;
            if (*p != ',')
            {
                c->bad = TRUE;
                return TRUE;
            }
        }
    }
}

/* Every header value in text, each ending with '\n' (a '\r' before it is
 * ignored). */
static BOOL parse_challenges(const char *text, struct challenge_list *list)
{
    const char *p = text, *end;

    while (*p)
    {
        const char *line_end;

        for (end = p; *end && *end != '\n'; end++) ;
        line_end = end;
        if (line_end > p && line_end[-1] == '\r') line_end--;
        if (!parse_value(list, p, line_end)) return FALSE;
        p = *end ? end + 1 : end;
    }
    return TRUE;
}

/* -- strings -------------------------------------------------------------- */

/* name="value", with '"' and '\' escaped; after a ", " unless first */
static void text_quoted(struct text *b, const char *name, const char *value)
{
    const char *p;

    if (b->len && b->data[b->len - 1] != ' ') text_str(b, ", ");
    text_str(b, name);
    text_str(b, "=\"");
    for (p = value; *p; p++)
    {
        if (*p == '"' || *p == '\\') text_add(b, "\\", 1);
        text_add(b, p, 1);
    }
    text_str(b, "\"");
}

static void text_token(struct text *b, const char *name, const char *value)
{
    if (b->len && b->data[b->len - 1] != ' ') text_str(b, ", ");
    text_str(b, name);
    text_str(b, "=");
    text_str(b, value);
}

void secret_free(char *s)
{
    if (!s) return;
    SecureZeroMemory(s, strlen(s));
    free(s);
}

/* A credential's user or password in UTF-8 (malloc'd), NULL as "". */
static char *utf8(const WCHAR *s)
{
    return strdupWtoA(s ? s : L"");
}

static const char base64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void text_base64(struct text *b, const BYTE *data, size_t len)
{
    char out[4];
    size_t i;

    for (i = 0; i < len; i += 3)
    {
        UINT v = data[i] << 16;

        if (i + 1 < len) v |= data[i + 1] << 8;
        if (i + 2 < len) v |= data[i + 2];
        out[0] = base64_chars[(v >> 18) & 0x3f];
        out[1] = base64_chars[(v >> 12) & 0x3f];
        out[2] = i + 1 < len ? base64_chars[(v >> 6) & 0x3f] : '=';
        out[3] = i + 2 < len ? base64_chars[v & 0x3f] : '=';
        text_add(b, out, 4);
    }
}

/* base64 text (padding optional) into malloc'd bytes; NULL if invalid. */
static BYTE *base64_decode(const char *s, ULONG *size)
{
    size_t len = strlen(s), i;
    UINT v = 0, bits = 0;
    BYTE *ret, *out;

    while (len && s[len - 1] == '=') len--;
    if (len % 4 == 1 || !(ret = out = malloc(len * 3 / 4 + 1))) return NULL;
    for (i = 0; i < len; i++)
    {
        const char *c = s[i] ? strchr(base64_chars, s[i]) : NULL;

        if (!c)
        {
            free(ret);
            return NULL;
        }
        v = (v << 6) | (c - base64_chars);
        if ((bits += 6) >= 8)
        {
            bits -= 8;
            *out++ = (v >> bits) & 0xff;
        }
    }
    *size = out - ret;
    return ret;
}

/* -- Basic (RFC 7617) ----------------------------------------------------- */

static char *basic_answer(const struct credential *cred)
{
    struct text b = {0};
    char *user = utf8(cred->user), *password = utf8(cred->password), *pair = NULL;

    if (user && password && (pair = malloc(strlen(user) + strlen(password) + 2)))
    {
        sprintf(pair, "%s:%s", user, password);
        text_str(&b, "Basic ");
        text_base64(&b, (const BYTE *)pair, strlen(pair));
    }
    else b.failed = TRUE;
    secret_free(pair);
    secret_free(user);
    secret_free(password);
    return text_detach(&b);
}

/* -- Digest (RFC 7616) ---------------------------------------------------- */

/* hex = H(part1 ":" part2 ":" ...), the NULL-terminated list of parts. */
static BOOL digest_hash(BOOL sha256, char hex[65], ...)
{
    BCRYPT_ALG_HANDLE alg;
    BCRYPT_HASH_HANDLE hash = NULL;
    ULONG len = sha256 ? 32 : 16, i;
    UCHAR digest[32];
    const char *part;
    BOOL first = TRUE;
    NTSTATUS status;
    va_list args;

    if ((status = BCryptOpenAlgorithmProvider(&alg, sha256 ? BCRYPT_SHA256_ALGORITHM : BCRYPT_MD5_ALGORITHM,
                                              NULL, 0)))
    {
        ERR("no %s hash: %#lx\n", sha256 ? "SHA-256" : "MD5", status);
        return FALSE;
    }
    status = BCryptCreateHash(alg, &hash, NULL, 0, NULL, 0, 0);
    va_start(args, hex);
    while (!status && (part = va_arg(args, const char *)))
    {
        if (!first) status = BCryptHashData(hash, (UCHAR *)":", 1, 0);
        if (!status && *part) status = BCryptHashData(hash, (UCHAR *)part, strlen(part), 0);
        first = FALSE;
    }
    va_end(args);
    if (!status) status = BCryptFinishHash(hash, digest, len, 0);
    if (hash) BCryptDestroyHash(hash);
    BCryptCloseAlgorithmProvider(alg, 0);
    if (status)
    {
        ERR("hashing failed: %#lx\n", status);
        return FALSE;
    }
    for (i = 0; i < len; i++) sprintf(hex + 2 * i, "%02x", digest[i]);
    SecureZeroMemory(digest, sizeof(digest));
    return TRUE;
}

/* Everything the response of RFC 7616 section 3.4.1 is computed from. */
struct digest_input
{
    BOOL sha256;
    BOOL sess;
    const char *user;               /* UTF-8, not hashed */
    const char *realm;
    const char *password;
    const char *nonce;
    const char *nc;                 /* 8 hex digits; with qop only */
    const char *cnonce;             /* with qop only */
    const char *qop;                /* "auth", or NULL for the RFC 2069 form */
    const char *method;
    const char *uri;
};

static BOOL digest_response(const struct digest_input *in, char response[65])
{
    char ha1[65], ha2[65], key[65];
    BOOL ret = FALSE;

    if (!digest_hash(in->sha256, key, in->user, in->realm, in->password, NULL)) goto done;
    if (in->sess)
    {
        if (!digest_hash(in->sha256, ha1, key, in->nonce, in->cnonce, NULL)) goto done;
    }
    else strcpy(ha1, key);
    if (!digest_hash(in->sha256, ha2, in->method, in->uri, NULL)) goto done;
    if (in->qop)
        ret = digest_hash(in->sha256, response, ha1, in->nonce, in->nc, in->cnonce, in->qop, ha2, NULL);
    else
        ret = digest_hash(in->sha256, response, ha1, in->nonce, ha2, NULL);
done:
    SecureZeroMemory(key, sizeof(key));
    SecureZeroMemory(ha1, sizeof(ha1));
    return ret;
}

static BOOL new_cnonce(char cnonce[33])
{
    BYTE random[16];
    unsigned int i;
    NTSTATUS status;

    if ((status = BCryptGenRandom(NULL, random, sizeof(random), BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
    {
        ERR("BCryptGenRandom failed: %#lx\n", status);
        return FALSE;
    }
    for (i = 0; i < sizeof(random); i++) sprintf(cnonce + 2 * i, "%02x", random[i]);
    return TRUE;
}

/* The Authorization value for the nonce of state, with the next nonce
 * count; cnonce NULL: a fresh one (or the session's). */
static char *digest_answer(struct auth_state *state, struct auth_private *priv, const struct credential *cred,
                           const char *method, const char *uri, const char *cnonce)
{
    static const char *algorithms[2][2] = {{"MD5", "MD5-sess"}, {"SHA-256", "SHA-256-sess"}};
    struct digest_input in;
    struct text b = {0};
    char response[65], hashed_user[65], nc[9], fresh[33];
    char *user = utf8(cred->user), *password = utf8(cred->password);
    ULONG count = state->nc + 1;

    if (!user || !password) goto fail;
    memset(&in, 0, sizeof(in));
    in.sha256 = state->sha256;
    in.sess = priv->sess;
    in.user = user;
    in.realm = state->realm;
    in.password = password;
    in.nonce = state->nonce;
    in.method = method;
    in.uri = uri;
    if (state->qop_auth)
    {
        if (!cnonce)
        {
            if (priv->sess && priv->cnonce[0]) cnonce = priv->cnonce;
            else if (!new_cnonce(fresh)) goto fail;
            else cnonce = fresh;
        }
        if (priv->sess && !priv->cnonce[0]) lstrcpynA(priv->cnonce, cnonce, sizeof(priv->cnonce));
        sprintf(nc, "%08lx", count);
        in.nc = nc;
        in.cnonce = cnonce;
        in.qop = "auth";
    }
    if (!digest_response(&in, response)) goto fail;
    if (priv->userhash && !digest_hash(state->sha256, hashed_user, user, state->realm, NULL)) goto fail;

    text_str(&b, "Digest ");
    text_quoted(&b, "username", priv->userhash ? hashed_user : user);
    text_quoted(&b, "realm", state->realm);
    text_quoted(&b, "uri", uri);
    if (priv->has_algorithm) text_token(&b, "algorithm", algorithms[!!state->sha256][!!priv->sess]);
    text_quoted(&b, "nonce", state->nonce);
    if (state->qop_auth)
    {
        text_token(&b, "nc", nc);
        text_quoted(&b, "cnonce", cnonce);
        text_token(&b, "qop", "auth");
    }
    text_quoted(&b, "response", response);
    if (state->opaque) text_quoted(&b, "opaque", state->opaque);
    if (priv->userhash) text_token(&b, "userhash", "true");
    secret_free(user);
    secret_free(password);
    if (state->qop_auth && !b.failed) state->nc = count;
    return text_detach(&b);

fail:
    secret_free(user);
    secret_free(password);
    return NULL;
}

/* What a Digest challenge asks for; FALSE when we cannot answer it. */
struct digest_challenge
{
    const char *realm;
    const char *nonce;
    const char *opaque;
    BOOL sha256;
    BOOL sess;
    BOOL qop_auth;
    BOOL stale;
    BOOL userhash;
    BOOL has_algorithm;
};

static BOOL is_true(const char *value)
{
    return value && ascii_ieq(value, strlen(value), "true");
}

static BOOL read_digest(const struct challenge *c, struct digest_challenge *d)
{
    const char *algorithm, *qop;

    memset(d, 0, sizeof(*d));
    if (c->bad || !(d->nonce = get_param(c, "nonce"))) return FALSE;
    if (!(d->realm = get_param(c, "realm"))) d->realm = "";
    d->opaque = get_param(c, "opaque");
    if ((algorithm = get_param(c, "algorithm")))
    {
        size_t len = strlen(algorithm);

        d->has_algorithm = TRUE;
        if (ascii_ieq(algorithm, len, "MD5")) ;
        else if (ascii_ieq(algorithm, len, "MD5-sess")) d->sess = TRUE;
        else if (ascii_ieq(algorithm, len, "SHA-256")) d->sha256 = TRUE;
        else if (ascii_ieq(algorithm, len, "SHA-256-sess")) d->sha256 = d->sess = TRUE;
        else
        {
            TRACE("algorithm %s not supported\n", debugstr_a(algorithm));
            return FALSE;
        }
    }
    if ((qop = get_param(c, "qop")))
    {
        const char *p = qop, *start;

        /* a comma-separated list of tokens */
        while (*p)
        {
            while (*p == ',' || *p == ' ' || *p == '\t') p++;
            for (start = p; *p && *p != ',' && *p != ' ' && *p != '\t'; p++) ;
            if (ascii_ieq(start, p - start, "auth")) d->qop_auth = TRUE;
        }
        if (!d->qop_auth)
        {
            TRACE("qop %s not supported\n", debugstr_a(qop));
            return FALSE;
        }
    }
    else if (d->sess) return FALSE;     /* no cnonce without qop */
    d->stale = is_true(get_param(c, "stale"));
    d->userhash = is_true(get_param(c, "userhash"));
    return TRUE;
}

static BOOL replace_string(char **dst, const char *src)
{
    char *copy = NULL;

    if (src && !(copy = strndup_a(src, strlen(src)))) return FALSE;
    free(*dst);
    *dst = copy;
    return TRUE;
}

/* A new nonce (and realm, algorithm...) to answer from now on. */
static BOOL take_digest(struct auth_state *state, struct auth_private *priv, const struct digest_challenge *d)
{
    if (!replace_string(&state->realm, d->realm) || !replace_string(&state->nonce, d->nonce) ||
        !replace_string(&state->opaque, d->opaque))
        return FALSE;
    state->sha256 = d->sha256;
    state->qop_auth = d->qop_auth;
    state->nc = 0;
    priv->sess = d->sess;
    priv->userhash = d->userhash;
    priv->has_algorithm = d->has_algorithm;
    memset(priv->cnonce, 0, sizeof(priv->cnonce));
    return TRUE;
}

/* -- NTLM and Negotiate (SSPI) -------------------------------------------- */

static const WCHAR *package_name(BG_AUTH_SCHEME scheme)
{
    return scheme == BG_AUTH_SCHEME_NTLM ? L"NTLM" : L"Negotiate";
}

static const char *scheme_name(BG_AUTH_SCHEME scheme)
{
    switch (scheme)
    {
    case BG_AUTH_SCHEME_BASIC: return "Basic";
    case BG_AUTH_SCHEME_DIGEST: return "Digest";
    case BG_AUTH_SCHEME_NTLM: return "NTLM";
    case BG_AUTH_SCHEME_NEGOTIATE: return "Negotiate";
    case BG_AUTH_SCHEME_PASSPORT: return "Passport1.4";
    default: return "?";
    }
}

static void sspi_reset_context(struct auth_private *priv)
{
    if (priv->have_ctx) DeleteSecurityContext(&priv->ctx);
    priv->have_ctx = FALSE;
    priv->continuing = FALSE;
}

static void sspi_free(struct auth_private *priv)
{
    sspi_reset_context(priv);
    if (priv->have_cred) FreeCredentialsHandle(&priv->cred);
    priv->have_cred = FALSE;
}

/* The credentials handle for scheme, from the job's user ("DOMAIN\user" or
 * "user") and password; none of either: the service's own logon.  S_FALSE
 * when the package cannot be used. */
static HRESULT sspi_acquire(struct auth_private *priv, BG_AUTH_SCHEME scheme, const struct credential *cred)
{
    static BOOL once[2];
    SEC_WINNT_AUTH_IDENTITY_W identity, *id = NULL;
    SECURITY_STATUS status;
    TimeStamp expiry;

    if (priv->have_cred && priv->cred_scheme == scheme) return S_OK;
    sspi_free(priv);
    if (cred->user || cred->password)
    {
        const WCHAR *user = cred->user ? cred->user : L"", *sep = wcschr(user, '\\');

        memset(&identity, 0, sizeof(identity));
        if (sep)
        {
            identity.Domain = (USHORT *)user;
            identity.DomainLength = sep - user;
            user = sep + 1;
        }
        identity.User = (USHORT *)user;
        identity.UserLength = wcslen(user);
        identity.Password = (USHORT *)(cred->password ? cred->password : L"");
        identity.PasswordLength = wcslen((const WCHAR *)identity.Password);
        identity.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
        id = &identity;
    }
    status = AcquireCredentialsHandleW(NULL, (WCHAR *)package_name(scheme), SECPKG_CRED_OUTBOUND, NULL, id,
                                       NULL, NULL, &priv->cred, &expiry);
    if (status != SEC_E_OK)
    {
        if (!once[scheme == BG_AUTH_SCHEME_NTLM]++)
            FIXME("%s authentication is unavailable: AcquireCredentialsHandle failed with %#lx "
                  "(Wine's NTLM needs winbind's ntlm_auth, its Negotiate Kerberos or NTLM)\n",
                  scheme_name(scheme), status);
        else WARN("AcquireCredentialsHandle(%s) failed with %#lx\n", scheme_name(scheme), status);
        return S_FALSE;
    }
    priv->have_cred = TRUE;
    priv->cred_scheme = scheme;
    return S_OK;
}

/* The next leg of the handshake: the first when token is NULL, else the
 * answer to the server's base64 token. */
static HRESULT sspi_answer(struct auth_private *priv, BG_AUTH_SCHEME scheme, const struct credential *cred,
                           const char *token, char **value)
{
    static BOOL once[2];
    SecBuffer in_buf, out_buf;
    SecBufferDesc in_desc, out_desc;
    SecPkgInfoW *info;
    SECURITY_STATUS status;
    struct text b = {0};
    ULONG attrs, max_token = 48000, in_size = 0;
    BYTE *in_data = NULL;
    TimeStamp expiry;
    HRESULT hr;

    if (!token) sspi_reset_context(priv);
    else if (!priv->have_ctx) return S_FALSE;
    if ((hr = sspi_acquire(priv, scheme, cred)) != S_OK) return hr;
    if (token && !(in_data = base64_decode(token, &in_size)))
    {
        WARN("%s token %s is not base64\n", scheme_name(scheme), debugstr_a(token));
        sspi_reset_context(priv);
        return S_FALSE;
    }
    if (QuerySecurityPackageInfoW((WCHAR *)package_name(scheme), &info) == SEC_E_OK)
    {
        max_token = info->cbMaxToken;
        FreeContextBuffer(info);
    }
    if (!(out_buf.pvBuffer = malloc(max_token)))
    {
        free(in_data);
        return E_OUTOFMEMORY;
    }
    out_buf.BufferType = SECBUFFER_TOKEN;
    out_buf.cbBuffer = max_token;
    out_desc.ulVersion = SECBUFFER_VERSION;
    out_desc.cBuffers = 1;
    out_desc.pBuffers = &out_buf;
    in_buf.BufferType = SECBUFFER_TOKEN;
    in_buf.cbBuffer = in_size;
    in_buf.pvBuffer = in_data;
    in_desc.ulVersion = SECBUFFER_VERSION;
    in_desc.cBuffers = 1;
    in_desc.pBuffers = &in_buf;

    /* no target name: net.h does not give the host a Kerberos name needs */
    status = InitializeSecurityContextW(&priv->cred, priv->have_ctx ? &priv->ctx : NULL, NULL,
                                        ISC_REQ_CONNECTION, 0, SECURITY_NETWORK_DREP,
                                        in_data ? &in_desc : NULL, 0, &priv->ctx, &out_desc, &attrs, &expiry);
    free(in_data);
    if (status == SEC_I_COMPLETE_NEEDED || status == SEC_I_COMPLETE_AND_CONTINUE)
    {
        SECURITY_STATUS complete = CompleteAuthToken(&priv->ctx, &out_desc);

        if (complete != SEC_E_OK) status = complete;
        else status = status == SEC_I_COMPLETE_NEEDED ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
    }
    if (status != SEC_E_OK && status != SEC_I_CONTINUE_NEEDED)
    {
        if (!token && !once[scheme == BG_AUTH_SCHEME_NTLM]++)
            FIXME("%s authentication is unavailable: InitializeSecurityContext failed with %#lx\n",
                  scheme_name(scheme), status);
        else WARN("%s: InitializeSecurityContext failed with %#lx\n", scheme_name(scheme), status);
        if (token) sspi_reset_context(priv);
        free(out_buf.pvBuffer);
        return S_FALSE;
    }
    priv->have_ctx = TRUE;
    priv->continuing = status == SEC_I_CONTINUE_NEEDED;
    if (!out_buf.cbBuffer)
    {
        WARN("%s: no token to send\n", scheme_name(scheme));
        free(out_buf.pvBuffer);
        return S_FALSE;
    }
    text_str(&b, scheme_name(scheme));
    text_str(&b, " ");
    text_base64(&b, out_buf.pvBuffer, out_buf.cbBuffer);
    free(out_buf.pvBuffer);
    if (!(*value = text_detach(&b))) return E_OUTOFMEMORY;
    return S_OK;
}

/* -- choosing and answering ----------------------------------------------- */

static struct auth_private *get_private(struct auth_state *state)
{
    if (!state->priv) state->priv = calloc(1, sizeof(struct auth_private));
    return state->priv;
}

/* How much a challenge is preferred: the strongest scheme first; 0 for
 * those never answered. */
static int challenge_rank(const struct challenge *c)
{
    struct digest_challenge d;

    if (c->bad) return 0;
    switch (c->scheme)
    {
    case BG_AUTH_SCHEME_NEGOTIATE: return 6;
    case BG_AUTH_SCHEME_NTLM: return 5;
    case BG_AUTH_SCHEME_DIGEST:
        if (!read_digest(c, &d)) return 0;
        return d.sha256 ? 4 : 3;
    case BG_AUTH_SCHEME_BASIC: return 2;
    case BG_AUTH_SCHEME_PASSPORT: return 1;
    default: return 0;
    }
}

static HRESULT answer_challenge(struct auth_state *state, struct auth_private *priv, const struct challenge *c,
                                const struct credential *cred, const char *method, const char *uri, char **value)
{
    static BOOL passport_once;
    struct digest_challenge d;

    switch (c->scheme)
    {
    case BG_AUTH_SCHEME_BASIC:
        if (!(*value = basic_answer(cred))) return E_OUTOFMEMORY;
        return S_OK;
    case BG_AUTH_SCHEME_DIGEST:
        read_digest(c, &d);
        if (!take_digest(state, priv, &d)) return E_OUTOFMEMORY;
        if (!(*value = digest_answer(state, priv, cred, method, uri, NULL))) return S_FALSE;
        return S_OK;
    case BG_AUTH_SCHEME_NTLM:
    case BG_AUTH_SCHEME_NEGOTIATE:
        return sspi_answer(priv, c->scheme, cred, NULL, value);
    case BG_AUTH_SCHEME_PASSPORT:
        if (!passport_once++) FIXME("Passport authentication is not supported\n");
        return S_FALSE;
    default:
        return S_FALSE;
    }
}

HRESULT auth_respond(struct auth_state *state, const struct credential creds[CRED_SCHEMES],
                     const char *challenges, const char *method, const char *uri, char **value)
{
    struct challenge_list list = {0};
    struct auth_private *priv;
    BOOL *tried = NULL;
    HRESULT hr = S_FALSE;
    unsigned int i;

    if (!value) return E_INVALIDARG;
    *value = NULL;
    if (!state) return E_INVALIDARG;
    TRACE("%p %s %s %s\n", state, debugstr_a(challenges), debugstr_a(method), debugstr_a(uri));
    if (!creds || !challenges || !method || !uri) return S_FALSE;
    if (!(priv = get_private(state))) return E_OUTOFMEMORY;
    if (!parse_challenges(challenges, &list) || !(tried = calloc(list.count + 1, sizeof(*tried))))
    {
        hr = E_OUTOFMEMORY;
        goto done;
    }

    /* This request carried our answer: the challenge continues a handshake,
     * tells that the nonce was stale, or refuses the credentials. */
    if (priv->answered && state->scheme)
    {
        BOOL again = FALSE;

        if ((state->scheme == BG_AUTH_SCHEME_NTLM || state->scheme == BG_AUTH_SCHEME_NEGOTIATE) && priv->continuing)
        {
            for (i = 0; i < list.count; i++)
            {
                const struct challenge *c = &list.items[i];

                if (c->scheme != state->scheme || c->bad || !c->token) continue;
                hr = sspi_answer(priv, state->scheme, &creds[state->scheme - 1], c->token, value);
                if (hr != S_FALSE) goto done;
                break;
            }
        }
        else if (state->scheme == BG_AUTH_SCHEME_DIGEST && priv->stale_retries < MAX_STALE_RETRIES)
        {
            for (i = 0; i < list.count; i++)
            {
                struct digest_challenge d;

                if (list.items[i].scheme != BG_AUTH_SCHEME_DIGEST || !read_digest(&list.items[i], &d)) continue;
                if (d.stale)
                {
                    priv->stale_retries++;
                    again = TRUE;
                    break;
                }
            }
        }
        sspi_reset_context(priv);
        if (!again)
        {
            TRACE("%s credentials refused\n", scheme_name(state->scheme));
            priv->rejected |= 1u << state->scheme;
        }
    }
    priv->answered = FALSE;

    for (;;)
    {
        int rank, best_rank = 0;
        const struct challenge *c;
        unsigned int best = 0;

        for (i = 0; i < list.count; i++)
        {
            c = &list.items[i];
            if (tried[i] || !(rank = challenge_rank(c)) || rank <= best_rank) continue;
            if (!creds[c->scheme - 1].set || (priv->rejected & (1u << c->scheme))) continue;
            best = i;
            best_rank = rank;
        }
        if (!best_rank) break;
        c = &list.items[best];
        tried[best] = TRUE;
        hr = answer_challenge(state, priv, c, &creds[c->scheme - 1], method, uri, value);
        if (hr == S_OK)
        {
            TRACE("answering %s\n", scheme_name(c->scheme));
            state->scheme = c->scheme;
            priv->answered = TRUE;
            break;
        }
        if (FAILED(hr)) break;
        if (c->scheme != BG_AUTH_SCHEME_DIGEST) priv->rejected |= 1u << c->scheme;
    }

done:
    if (hr != S_OK)
    {
        secret_free(*value);
        *value = NULL;
    }
    free(tried);
    free_challenges(&list);
    return hr;
}

char *auth_preempt(struct auth_state *state, const struct credential creds[CRED_SCHEMES],
                   const char *method, const char *uri)
{
    struct auth_private *priv;
    const struct credential *cred;
    char *value = NULL;

    if (!state || !(priv = state->priv)) return NULL;
    /* a new request */
    priv->answered = FALSE;
    priv->rejected = 0;
    priv->stale_retries = 0;
    if (!creds || !state->scheme || state->scheme > CRED_SCHEMES) return NULL;
    cred = &creds[state->scheme - 1];
    if (!cred->set) return NULL;
    switch (state->scheme)
    {
    case BG_AUTH_SCHEME_BASIC:
        value = basic_answer(cred);
        break;
    case BG_AUTH_SCHEME_DIGEST:
        if (state->nonce && method && uri) value = digest_answer(state, priv, cred, method, uri, NULL);
        break;
    default:
        /* NTLM and Negotiate authenticate the connection, not the request */
        break;
    }
    if (value) priv->answered = TRUE;
    return value;
}

void auth_state_clear(struct auth_state *state)
{
    struct auth_private *priv;

    if (!state) return;
    if ((priv = state->priv))
    {
        sspi_free(priv);
        SecureZeroMemory(priv, sizeof(*priv));
        free(priv);
    }
    free(state->realm);
    free(state->nonce);
    free(state->opaque);
    memset(state, 0, sizeof(*state));
}
