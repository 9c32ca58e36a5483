/*
 * Background Intelligent Transfer Service: the proxy a job's request goes
 * through
 *
 * Worked out anew for every request from the job's own settings and the
 * machine's: nothing of one job is kept for another.  What is kept for the
 * process is machine-wide only: the WinHTTP session that evaluates PAC
 * files and, for a few minutes, where WPAD found a PAC file (or that it
 * found none).
 *
 * Proxy lists, as SetProxySettings documents them and as Internet Settings
 * and WinHTTP write them: entries separated by spaces or semicolons (commas
 * too), each "[scheme=][http://]host[:port]".  An entry with "scheme=" is
 * for URLs of that scheme only and comes before the entries for every
 * scheme; of those that apply the first is used, with port 80 when the
 * entry names none.  Only the first is used: there is no failover to the
 * next one.  Bypass lists: entries separated the same way, each a host name
 * with '*' wildcards (a leading '.' stands for "*."), optionally with
 * "scheme://" before and ":port" after, or "<local>" for every host name
 * without a dot.  A malformed proxy list fails the request with
 * BG_E_INVALID_PROXY_INFO, as BITS documents for settings found invalid
 * at run time.  The host given back is a name or an address, an IPv6
 * address without its brackets.
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
#include "winhttp.h"
#include "net.h"

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

/* How long one WPAD discovery, successful or not, answers for every job:
 * discovery asks DHCP and DNS, which may take seconds each time. */
#define DETECT_CACHE_MS  (5 * 60 * 1000)
#define MAX_HOST_NAME    256
#define DEFAULT_PROXY_PORT 80

/* the URL a request is for */
struct target
{
    const WCHAR *scheme;            /* L"http" or L"https" */
    WCHAR host[MAX_HOST_NAME + 1];
    USHORT port;
};

struct proxy_entry
{
    const WCHAR *scheme;            /* of "scheme=": the entry is for that scheme only */
    size_t scheme_len;
    const WCHAR *host;              /* without the brackets of an IPv6 address */
    size_t host_len;
    USHORT port;
    BOOL usable;                    /* an HTTP proxy: not socks:// nor https:// */
};

/* autoproxy: the session, the WPAD cache, and one PAC evaluation at a time:
 * Wine's jsproxy.dll holds one script for the whole process, and one
 * thread's WinHttpGetProxyForUrl ends another's (4 threads asking at once
 * got 2 to 9 wrong answers in 80 without this lock). */
static CRITICAL_SECTION pac_cs;
static CRITICAL_SECTION_DEBUG pac_cs_debug =
{
    0, 0, &pac_cs,
    { &pac_cs_debug.ProcessLocksList, &pac_cs_debug.ProcessLocksList },
      0, 0, { (DWORD_PTR)(__FILE__ ": pac_cs") }
};
static CRITICAL_SECTION pac_cs = { &pac_cs_debug, -1, 0, 0, 0, 0 };
static HINTERNET pac_session;
static BOOL detected;               /* detected_url and detected_time hold a discovery */
static WCHAR *detected_url;         /* GlobalAlloc'd by WinHTTP; NULL: WPAD found none */
static ULONGLONG detected_time;

static BOOL is_separator(WCHAR c)
{
    return c == ' ' || c == ';' || c == ',' || c == '\t' || c == '\r' || c == '\n';
}

static BOOL is_alpha(WCHAR c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static BOOL is_digit(WCHAR c)
{
    return c >= '0' && c <= '9';
}

static BOOL is_host_char(WCHAR c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
}

static BOOL is_ipv6_char(WCHAR c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

static const WCHAR *find_char(const WCHAR *s, const WCHAR *end, WCHAR c)
{
    for (; s < end; s++) if (*s == c) return s;
    return NULL;
}

static const WCHAR *find_last_char(const WCHAR *s, const WCHAR *end, WCHAR c)
{
    while (end > s) if (*--end == c) return end;
    return NULL;
}

static const WCHAR *find_scheme_separator(const WCHAR *s, const WCHAR *end)
{
    for (; end - s >= 3; s++) if (s[0] == ':' && s[1] == '/' && s[2] == '/') return s;
    return NULL;
}

static BOOL same_name(const WCHAR *a, size_t len, const WCHAR *b)
{
    return wcslen(b) == len && !wcsnicmp(a, b, len);
}

/* The next entry of a list; FALSE after the last. */
static BOOL next_entry(const WCHAR **pos, const WCHAR **start, size_t *len)
{
    const WCHAR *p = *pos;

    while (*p && is_separator(*p)) p++;
    if (!*p)
    {
        *pos = p;
        return FALSE;
    }
    *start = p;
    while (*p && !is_separator(*p)) p++;
    *len = p - *start;
    *pos = p;
    return TRUE;
}

static BOOL parse_port(const WCHAR *s, const WCHAR *end, USHORT *port)
{
    ULONG value = 0;

    if (s == end || end - s > 5) return FALSE;
    for (; s < end; s++)
    {
        if (!is_digit(*s)) return FALSE;
        value = value * 10 + (*s - '0');
    }
    if (!value || value > 65535) return FALSE;
    *port = value;
    return TRUE;
}

/* "[scheme=][proxyscheme://][user[:password]@]host[:port][/]"; FALSE when
 * malformed. */
static BOOL parse_entry(const WCHAR *s, size_t len, struct proxy_entry *entry)
{
    const WCHAR *end = s + len, *p, *sep, *colon;

    memset(entry, 0, sizeof(*entry));
    entry->usable = TRUE;
    entry->port = DEFAULT_PROXY_PORT;

    if ((p = find_char(s, end, '=')))
    {
        if (p == s) return FALSE;
        for (sep = s; sep < p; sep++) if (!is_alpha(*sep)) return FALSE;
        entry->scheme = s;
        entry->scheme_len = p - s;
        s = p + 1;
    }
    if ((sep = find_scheme_separator(s, end)))
    {
        if (sep == s) return FALSE;
        for (p = s; p < sep; p++) if (!is_alpha(*p)) return FALSE;
        if (!same_name(s, sep - s, L"http"))
        {
            /* connection.c speaks plain HTTP to the proxy, nothing else */
            FIXME("proxy %s: only http:// proxies are supported, entry ignored\n",
                  debugstr_wn(s, end - s));
            entry->usable = FALSE;
        }
        s = sep + 3;
    }
    if ((p = find_last_char(s, end, '@')))
    {
        WARN("credentials in the proxy setting are ignored (SetCredentials gives a job's)\n");
        s = p + 1;
    }
    if (end > s && end[-1] == '/') end--;
    if (s == end) return FALSE;

    if (*s == '[')
    {
        if (!(p = find_char(s, end, ']')) || p == s + 1) return FALSE;
        entry->host = s + 1;
        entry->host_len = p - s - 1;
        for (sep = entry->host; sep < p; sep++) if (!is_ipv6_char(*sep)) return FALSE;
        colon = ++p;
        if (colon < end && *colon != ':') return FALSE;
        if (colon == end) colon = NULL;
    }
    else
    {
        colon = find_char(s, end, ':');
        entry->host = s;
        entry->host_len = (colon ? colon : end) - s;
        if (!entry->host_len) return FALSE;
        for (p = s; p < s + entry->host_len; p++) if (!is_host_char(*p)) return FALSE;
    }
    if (colon && !parse_port(colon + 1, end, &entry->port)) return FALSE;
    return TRUE;
}

/* The proxy a list gives for target.  Every entry is checked first: a
 * malformed list is BG_E_INVALID_PROXY_INFO, as BITS reports for proxy
 * settings found invalid at run time.  S_FALSE: no entry is for target's
 * scheme, the request goes direct. */
static HRESULT choose_proxy(const WCHAR *list, const struct target *target, char **host, USHORT *port)
{
    struct proxy_entry entry, chosen;
    BOOL have_specific = FALSE, have_generic = FALSE, any = FALSE;
    const WCHAR *pos = list, *start;
    size_t len, i;

    while (next_entry(&pos, &start, &len))
    {
        any = TRUE;
        if (!parse_entry(start, len, &entry))
        {
            WARN("malformed proxy %s in %s\n", debugstr_wn(start, len), debugstr_w(list));
            return BG_E_INVALID_PROXY_INFO;
        }
        if (!entry.usable || have_specific) continue;
        if (entry.scheme)
        {
            if (!same_name(entry.scheme, entry.scheme_len, target->scheme)) continue;
            chosen = entry;
            have_specific = TRUE;
        }
        else if (!have_generic)
        {
            chosen = entry;
            have_generic = TRUE;
        }
    }
    if (!any)
    {
        WARN("empty proxy list %s\n", debugstr_w(list));
        return BG_E_INVALID_PROXY_INFO;
    }
    if (!have_specific && !have_generic)
    {
        TRACE("no proxy of %s is for %s URLs\n", debugstr_w(list), debugstr_w(target->scheme));
        return S_FALSE;
    }
    if (!(*host = malloc(chosen.host_len + 1))) return E_OUTOFMEMORY;
    for (i = 0; i < chosen.host_len; i++) (*host)[i] = chosen.host[i];
    (*host)[i] = 0;
    *port = chosen.port;
    return S_OK;
}

/* '*' matches any run of characters; case-insensitive */
static BOOL wildcard_match(const WCHAR *pattern, size_t pattern_len, const WCHAR *str, size_t str_len)
{
    size_t p = 0, s = 0, star = ~(size_t)0, mark = 0;

    while (s < str_len)
    {
        if (p < pattern_len && pattern[p] == '*')
        {
            star = p++;
            mark = s;
        }
        else if (p < pattern_len && towlower(pattern[p]) == towlower(str[s]))
        {
            p++;
            s++;
        }
        else if (star != ~(size_t)0)
        {
            p = star + 1;
            s = ++mark;
        }
        else return FALSE;
    }
    while (p < pattern_len && pattern[p] == '*') p++;
    return p == pattern_len;
}

static BOOL bypass_entry_matches(const WCHAR *s, size_t len, const struct target *target)
{
    const WCHAR *end = s + len, *p, *colon = NULL;
    size_t host_len = wcslen(target->host);
    USHORT port;

    if (same_name(s, len, L"<local>"))
        return target->host[0] != '[' && !wcschr(target->host, '.');

    if ((p = find_scheme_separator(s, end)))
    {
        if (!same_name(s, p - s, target->scheme)) return FALSE;
        s = p + 3;
    }
    if (s < end && *s == '[')
    {
        if ((p = find_char(s, end, ']')) && p + 1 < end && p[1] == ':') colon = p + 1;
    }
    else if ((p = find_char(s, end, ':')) && p == find_last_char(s, end, ':'))
        colon = p;
    if (colon)
    {
        if (!(end - colon == 2 && colon[1] == '*'))
        {
            if (!parse_port(colon + 1, end, &port)) return FALSE;
            if (port != target->port) return FALSE;
        }
        end = colon;
    }
    if (s == end) return FALSE;
    if (*s == '.')
        return host_len > (size_t)(end - s) && !wcsnicmp(target->host + host_len - (end - s), s, end - s);
    return wildcard_match(s, end - s, target->host, host_len);
}

static BOOL bypassed(const WCHAR *list, const struct target *target)
{
    const WCHAR *pos = list, *start;
    size_t len;

    if (!list) return FALSE;
    while (next_entry(&pos, &start, &len))
    {
        if (bypass_entry_matches(start, len, target))
        {
            TRACE("%s bypasses the proxy for %s\n", debugstr_wn(start, len), debugstr_w(target->host));
            return TRUE;
        }
    }
    return FALSE;
}

/* A proxy list and its bypass list: S_OK, *host NULL when direct. */
static HRESULT from_list(const WCHAR *list, const WCHAR *bypass, const struct target *target,
                         char **host, USHORT *port)
{
    HRESULT hr;

    if (!list) return BG_E_INVALID_PROXY_INFO;
    if (FAILED(hr = choose_proxy(list, target, host, port))) return hr;
    if (hr == S_OK && bypassed(bypass, target))
    {
        free(*host);
        *host = NULL;
        *port = 0;
    }
    return S_OK;
}

/* Wine 8's WinHttpCrackUrl gives "[" as the host of "http://[::1]:81/":
 * the URL is read here.  An IPv6 host keeps its brackets. */
static HRESULT crack_target(const WCHAR *url, struct target *target)
{
    const WCHAR *p, *host, *host_end, *end, *colon = NULL;

    for (p = url; is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-' || *p == '.'; p++) ;
    if (p == url || *p != ':') return HRESULT_FROM_WIN32(ERROR_WINHTTP_UNRECOGNIZED_SCHEME);
    if (same_name(url, p - url, L"http")) target->scheme = L"http";
    else if (same_name(url, p - url, L"https")) target->scheme = L"https";
    else return HRESULT_FROM_WIN32(ERROR_WINHTTP_UNRECOGNIZED_SCHEME);
    if (p[1] != '/' || p[2] != '/') return HRESULT_FROM_WIN32(ERROR_WINHTTP_INVALID_URL);

    host = p + 3;
    end = host + wcscspn(host, L"/?#");
    if ((p = find_last_char(host, end, '@'))) host = p + 1;
    if (*host == '[')
    {
        if (!(p = find_char(host, end, ']'))) return HRESULT_FROM_WIN32(ERROR_WINHTTP_INVALID_URL);
        host_end = p + 1;
        if (host_end < end)
        {
            if (*host_end != ':') return HRESULT_FROM_WIN32(ERROR_WINHTTP_INVALID_URL);
            colon = host_end;
        }
    }
    else
    {
        colon = find_char(host, end, ':');
        host_end = colon ? colon : end;
    }
    if (host_end == host || host_end - host > MAX_HOST_NAME) return HRESULT_FROM_WIN32(ERROR_WINHTTP_INVALID_URL);
    memcpy(target->host, host, (host_end - host) * sizeof(WCHAR));
    target->host[host_end - host] = 0;

    target->port = target->scheme[4] ? INTERNET_DEFAULT_HTTPS_PORT : INTERNET_DEFAULT_HTTP_PORT;
    if (colon && colon + 1 < end && !parse_port(colon + 1, end, &target->port))
        return HRESULT_FROM_WIN32(ERROR_WINHTTP_INVALID_URL);
    TRACE("%s: %s host %s port %u\n", debugstr_w(url), debugstr_w(target->scheme), debugstr_w(target->host), target->port);
    return S_OK;
}

/* WPAD's PAC file, found by DHCP, then DNS; under pac_cs. */
static const WCHAR *detect_pac_url(void)
{
    ULONGLONG now = GetTickCount64();
    WCHAR *url;

    if (detected && now - detected_time < DETECT_CACHE_MS) return detected_url;
    if (!WinHttpDetectAutoProxyConfigUrl(WINHTTP_AUTO_DETECT_TYPE_DHCP | WINHTTP_AUTO_DETECT_TYPE_DNS_A, &url))
    {
        TRACE("WPAD found no PAC file: %lu\n", GetLastError());
        url = NULL;
    }
    else TRACE("WPAD found %s\n", debugstr_w(url));
    GlobalFree(detected_url);
    detected_url = url;
    detected_time = now;
    detected = TRUE;
    return url;
}

/* What the PAC file at pac_url answers for url; S_FALSE when it cannot be
 * had or run.  Under pac_cs. */
static HRESULT run_pac(const WCHAR *pac_url, const WCHAR *url, const struct target *target,
                       char **host, USHORT *port)
{
    WINHTTP_AUTOPROXY_OPTIONS options;
    WINHTTP_PROXY_INFO info;
    HRESULT hr = S_OK;

    memset(&options, 0, sizeof(options));
    memset(&info, 0, sizeof(info));
    options.dwFlags = WINHTTP_AUTOPROXY_CONFIG_URL;
    options.lpszAutoConfigUrl = pac_url;
    if (!WinHttpGetProxyForUrl(pac_session, url, &options, &info))
    {
        TRACE("PAC file %s gave nothing: %lu\n", debugstr_w(pac_url), GetLastError());
        return S_FALSE;
    }
    TRACE("PAC file %s: %lu %s\n", debugstr_w(pac_url), info.dwAccessType, debugstr_w(info.lpszProxy));
    /* "PROXY a:1; DIRECT" comes as "a:1"; "DIRECT" as NO_PROXY */
    if (info.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY && info.lpszProxy)
    {
        hr = choose_proxy(info.lpszProxy, target, host, port);
        if (hr == S_FALSE) hr = S_OK;
    }
    GlobalFree(info.lpszProxy);
    GlobalFree(info.lpszProxyBypass);
    return hr;
}

/* WPAD when detect, then the PAC file at config_url.  S_FALSE: neither
 * answered. */
static HRESULT autoproxy(const WCHAR *url, const struct target *target, BOOL detect,
                         const WCHAR *config_url, char **host, USHORT *port)
{
    const WCHAR *pac_url;
    HRESULT hr = S_FALSE;

    EnterCriticalSection(&pac_cs);
    if (!pac_session && !(pac_session = WinHttpOpen(L"Microsoft BITS/7.0", WINHTTP_ACCESS_TYPE_NO_PROXY,
                                                    WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0)))
        WARN("no WinHTTP session: %lu\n", GetLastError());
    if (pac_session)
    {
        if (detect && (pac_url = detect_pac_url()))
            hr = run_pac(pac_url, url, target, host, port);
        if (hr == S_FALSE && config_url)
            hr = run_pac(config_url, url, target, host, port);
    }
    LeaveCriticalSection(&pac_cs);
    return hr;
}

/* The service user's Internet Settings: what WinHTTP reads of them
 * (DefaultConnectionSettings), and the values wininet reads. */
struct user_settings
{
    BOOL auto_detect;
    WCHAR *auto_config_url;
    WCHAR *proxy;
    WCHAR *bypass;
    /* WinHTTP's own default (netsh winhttp) */
    WCHAR *default_proxy;
    WCHAR *default_bypass;
};

static WCHAR *reg_string(HKEY key, const WCHAR *name)
{
    DWORD size = 0;
    WCHAR *ret;

    if (RegGetValueW(key, NULL, name, RRF_RT_REG_SZ, NULL, NULL, &size) || size <= sizeof(WCHAR))
        return NULL;
    if (!(ret = malloc(size))) return NULL;
    if (RegGetValueW(key, NULL, name, RRF_RT_REG_SZ, NULL, ret, &size) || !*ret)
    {
        free(ret);
        return NULL;
    }
    return ret;
}

static WCHAR *global_to_heap(WCHAR *s)
{
    WCHAR *ret = (s && *s) ? strdupW(s) : NULL;
    GlobalFree(s);
    return ret;
}

static void read_user_settings(struct user_settings *settings)
{
    WINHTTP_CURRENT_USER_IE_PROXY_CONFIG ie;
    DWORD enable = 0, size = sizeof(enable);
    HKEY key;

    memset(settings, 0, sizeof(*settings));
    memset(&ie, 0, sizeof(ie));
    if (WinHttpGetIEProxyConfigForCurrentUser(&ie))
    {
        settings->auto_detect = ie.fAutoDetect;
        settings->auto_config_url = global_to_heap(ie.lpszAutoConfigUrl);
        settings->proxy = global_to_heap(ie.lpszProxy);
        settings->bypass = global_to_heap(ie.lpszProxyBypass);
    }
    else WARN("no Internet Settings from WinHTTP: %lu\n", GetLastError());

    /* Wine's WinHTTP reads only the DefaultConnectionSettings blob, which
     * Wine's wininet never writes: ProxyEnable, ProxyServer and
     * AutoConfigURL are where wininet, regedit and most setups put them. */
    if (RegOpenKeyExW(HKEY_CURRENT_USER, L"Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings",
                      0, KEY_QUERY_VALUE, &key))
        return;
    if (!settings->auto_config_url) settings->auto_config_url = reg_string(key, L"AutoConfigURL");
    if (!settings->proxy && !RegGetValueW(key, NULL, L"ProxyEnable", RRF_RT_REG_DWORD, NULL, &enable, &size)
        && enable && (settings->proxy = reg_string(key, L"ProxyServer")))
    {
        free(settings->bypass);
        settings->bypass = reg_string(key, L"ProxyOverride");
    }
    RegCloseKey(key);
}

static void read_default_settings(struct user_settings *settings)
{
    WINHTTP_PROXY_INFO info;

    memset(&info, 0, sizeof(info));
    if (!WinHttpGetDefaultProxyConfiguration(&info)) return;
    if (info.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY && info.lpszProxy)
    {
        settings->default_proxy = strdupW(info.lpszProxy);
        settings->default_bypass = strdupW(info.lpszProxyBypass);
    }
    GlobalFree(info.lpszProxy);
    GlobalFree(info.lpszProxyBypass);
}

static void free_user_settings(struct user_settings *settings)
{
    free(settings->auto_config_url);
    free(settings->proxy);
    free(settings->bypass);
    free(settings->default_proxy);
    free(settings->default_bypass);
}

/* The settings are the prefix user's and the machine's, the same for
 * every job: a snapshot of them serves every request for a second (reading
 * them costs a WinHTTP call and registry reads, 0.15 ms a request here),
 * so that a job of many small files does not pay that for each.  Its own
 * lock: a PAC evaluation under pac_cs never holds it up. */
#define SETTINGS_CACHE_MS 1000
static SRWLOCK settings_lock = SRWLOCK_INIT;
static struct user_settings cached_settings;
static ULONGLONG cached_settings_time;
static BOOL settings_cached;

static BOOL copy_string(WCHAR **dst, const WCHAR *src)
{
    return !src || (*dst = strdupW(src));
}

static void get_user_settings(struct user_settings *settings)
{
    const struct user_settings *c = &cached_settings;
    ULONGLONG now = GetTickCount64();

    AcquireSRWLockExclusive(&settings_lock);
    if (!settings_cached || now - cached_settings_time >= SETTINGS_CACHE_MS)
    {
        free_user_settings(&cached_settings);
        memset(&cached_settings, 0, sizeof(cached_settings));
        read_user_settings(&cached_settings);
        read_default_settings(&cached_settings);
        cached_settings_time = now;
        settings_cached = TRUE;
    }
    memset(settings, 0, sizeof(*settings));
    settings->auto_detect = c->auto_detect;
    if (!copy_string(&settings->auto_config_url, c->auto_config_url) || !copy_string(&settings->proxy, c->proxy) ||
        !copy_string(&settings->bypass, c->bypass) || !copy_string(&settings->default_proxy, c->default_proxy) ||
        !copy_string(&settings->default_bypass, c->default_bypass))
    {
        /* Out of memory: none of them rather than some. */
        free_user_settings(settings);
        memset(settings, 0, sizeof(*settings));
    }
    ReleaseSRWLockExclusive(&settings_lock);
}

static WCHAR *get_env(const WCHAR *name)
{
    DWORD len = GetEnvironmentVariableW(name, NULL, 0);
    WCHAR *ret;

    if (len <= 1 || !(ret = malloc(len * sizeof(WCHAR)))) return NULL;
    if (GetEnvironmentVariableW(name, ret, len) != len - 1 || !*ret)
    {
        free(ret);
        return NULL;
    }
    return ret;
}

/* PRECONFIG: the first of these that is set decides.  The service user's
 * Internet Settings: automatic detection and the PAC file (when they
 * answer), else the proxy server and its bypass list; then, as Wine's
 * wininet did for the service before, $http_proxy with $no_proxy; then
 * WinHTTP's own default (netsh winhttp). */
static HRESULT preconfig(const WCHAR *url, const struct target *target, char **host, USHORT *port)
{
    struct user_settings settings;
    WCHAR *env_proxy, *env_bypass;
    HRESULT hr = S_FALSE;

    get_user_settings(&settings);
    TRACE("Internet Settings: detect %d, PAC %s, proxy %s, bypass %s\n", settings.auto_detect,
          debugstr_w(settings.auto_config_url), debugstr_w(settings.proxy), debugstr_w(settings.bypass));
    if (settings.auto_detect || settings.auto_config_url)
        hr = autoproxy(url, target, settings.auto_detect, settings.auto_config_url, host, port);
    if (hr == S_FALSE && settings.proxy)
        hr = from_list(settings.proxy, settings.bypass, target, host, port);

    env_proxy = hr == S_FALSE ? get_env(L"http_proxy") : NULL;
    if (env_proxy)
    {
        env_bypass = get_env(L"no_proxy");
        TRACE("$http_proxy %s, $no_proxy %s\n", debugstr_w(env_proxy), debugstr_w(env_bypass));
        hr = from_list(env_proxy, env_bypass, target, host, port);
        if (hr == (HRESULT)BG_E_INVALID_PROXY_INFO)
        {
            /* wininet ignored a $http_proxy it could not parse */
            WARN("ignoring $http_proxy %s\n", debugstr_w(env_proxy));
            hr = S_OK;
        }
        free(env_proxy);
        free(env_bypass);
    }

    /* WinHTTP's default only when $http_proxy says nothing. */
    else if (hr == S_FALSE && settings.default_proxy)
    {
        TRACE("WinHTTP default: %s, bypass %s\n", debugstr_w(settings.default_proxy),
              debugstr_w(settings.default_bypass));
        hr = from_list(settings.default_proxy, settings.default_bypass, target, host, port);
    }
    free_user_settings(&settings);
    return hr;
}

HRESULT proxy_for_url(const struct transfer *t, const WCHAR *url, char **host, USHORT *port)
{
    struct user_settings settings;
    struct target target;
    HRESULT hr;

    if (!host || !port) return E_INVALIDARG;
    *host = NULL;
    *port = 0;
    if (!t || !url) return E_INVALIDARG;
    if (FAILED(hr = crack_target(url, &target))) return hr;

    switch (t->proxy_usage)
    {
    case BG_JOB_PROXY_USAGE_NO_PROXY:
        hr = S_OK;
        break;
    case BG_JOB_PROXY_USAGE_OVERRIDE:
        hr = from_list(t->proxy_list, t->proxy_bypass, &target, host, port);
        break;
    case BG_JOB_PROXY_USAGE_PRECONFIG:
        hr = preconfig(url, &target, host, port);
        break;
    case BG_JOB_PROXY_USAGE_AUTODETECT:
        get_user_settings(&settings);
        hr = autoproxy(url, &target, TRUE, settings.auto_config_url, host, port);
        free_user_settings(&settings);
        if (hr == S_FALSE) TRACE("neither WPAD nor a PAC file answered for %s: direct\n", debugstr_w(url));
        break;
    default:
        return E_INVALIDARG;
    }
    if (FAILED(hr))
    {
        free(*host);
        *host = NULL;
        *port = 0;
        return hr;
    }
    TRACE("%s: %s\n", debugstr_w(url), *host ? wine_dbg_sprintf("proxy %s:%u", *host, *port) : "direct");
    return S_OK;
}
