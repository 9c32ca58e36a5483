/* TEMPORARY, not committed */
#include "net.h"
#include "wincrypt.h"
WINE_DEFAULT_DEBUG_CHANNEL(qmgr);
static char *basic(const struct credential *c)
{
    char raw[512], *out; DWORD len = 0;
    snprintf(raw, sizeof(raw), "%ls:%ls", c->user ? c->user : L"", c->password ? c->password : L"");
    CryptBinaryToStringA((BYTE*)raw, strlen(raw), CRYPT_STRING_BASE64|CRYPT_STRING_NOCRLF, NULL, &len);
    out = malloc(len + 8); strcpy(out, "Basic ");
    CryptBinaryToStringA((BYTE*)raw, strlen(raw), CRYPT_STRING_BASE64|CRYPT_STRING_NOCRLF, out + 6, &len);
    return out;
}
HRESULT auth_respond(struct auth_state *state, const struct credential creds[CRED_SCHEMES],
                     const char *challenges, const char *method, const char *uri, char **value)
{
    const struct credential *c = &creds[BG_AUTH_SCHEME_BASIC - 1];
    if (_strnicmp(challenges, "Basic", 5) || !c->set || state->scheme) return S_FALSE;
    state->scheme = BG_AUTH_SCHEME_BASIC;
    *value = basic(c);
    return S_OK;
}
char *auth_preempt(struct auth_state *state, const struct credential creds[CRED_SCHEMES], const char *method, const char *uri)
{
    if (state->scheme != BG_AUTH_SCHEME_BASIC) return NULL;
    return basic(&creds[BG_AUTH_SCHEME_BASIC - 1]);
}
void auth_state_clear(struct auth_state *state) { memset(state, 0, sizeof(*state)); }
