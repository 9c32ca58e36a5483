/*
 * The Wine test framework API, as Wine's conformance tests use it.
 *
 * Debian does not ship Wine's wine/test.h, so this is the project's own
 * implementation of the same interface and output format: a test written
 * for Wine's tree compiles against it unchanged.  One source file (the test
 * list) defines STANDALONE before including it and gets the runner.
 *
 * Output, as Wine prints it:
 *   file.c:123: Test failed: message
 *   file.c:123: Test succeeded inside todo block: message
 *   file.c:123: Test marked todo: message
 *   file.c:123: Tests skipped: message
 *   name: N tests executed (M marked as todo, K failures), S skipped.
 * The exit status is the number of failures (todo successes count), at most 255.
 */

#ifndef __WINE_WINE_TEST_H
#define __WINE_WINE_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windef.h>
#include <winbase.h>
#include <wine/debug.h>

#ifdef __GNUC__
#define WINETEST_PRINTF_ATTR(fmt, args) __attribute__((format(printf, fmt, args)))
#define WINETEST_NORETURN __attribute__((noreturn))
#else
#define WINETEST_PRINTF_ATTR(fmt, args)
#define WINETEST_NORETURN
#endif

/* debug level given by WINETEST_DEBUG */
extern int winetest_debug;
/* running in interactive mode (WINETEST_INTERACTIVE)? */
extern int winetest_interactive;
/* "wine" or "windows" */
extern const char *winetest_platform;
/* report successful tests (WINETEST_REPORT_SUCCESS) */
extern int winetest_report_success;

extern void winetest_set_location(const char *file, int line);
extern void winetest_subtest(const char *name);
extern void winetest_ignore_exceptions(BOOL ignore);
extern void winetest_start_todo(int is_todo);
extern int winetest_loop_todo(void);
extern void winetest_end_todo(void);
extern void winetest_start_nocount(unsigned int flags);
extern int winetest_loop_nocount(void);
extern void winetest_end_nocount(void);
extern int winetest_get_mainargs(char ***pargv);
extern LONG winetest_get_failures(void);
extern LONG winetest_get_successes(void);
extern void winetest_add_failures(LONG new_failures);
extern void winetest_wait_child_process(HANDLE process);
extern int winetest_platform_is_wine;

extern int winetest_ok(int condition, const char *msg, ...) WINETEST_PRINTF_ATTR(2, 3);
extern int winetest_vok(int condition, const char *msg, va_list args);
extern void winetest_skip(const char *msg, ...) WINETEST_PRINTF_ATTR(1, 2);
extern void winetest_win_skip(const char *msg, ...) WINETEST_PRINTF_ATTR(1, 2);
extern void winetest_trace(const char *msg, ...) WINETEST_PRINTF_ATTR(1, 2);
extern void winetest_push_context(const char *fmt, ...) WINETEST_PRINTF_ATTR(1, 2);
extern void winetest_pop_context(void);
extern int broken(int condition);

#define subtest  winetest_subtest

#define ok_(file, line)       (winetest_set_location(file, line), 0) ? (void)0 : (void)winetest_ok
#define skip_(file, line)     (winetest_set_location(file, line), 0) ? (void)0 : winetest_skip
#define win_skip_(file, line) (winetest_set_location(file, line), 0) ? (void)0 : winetest_win_skip
#define trace_(file, line)    (winetest_set_location(file, line), 0) ? (void)0 : winetest_trace
#define wait_child_process_(file, line) (winetest_set_location(file, line), 0) ? (void)0 : winetest_wait_child_process

#define ok       ok_(__FILE__, __LINE__)
#define skip     skip_(__FILE__, __LINE__)
#define win_skip win_skip_(__FILE__, __LINE__)
#define trace    trace_(__FILE__, __LINE__)
#define wait_child_process wait_child_process_(__FILE__, __LINE__)

#define todo_if(is_todo) for (winetest_start_todo(is_todo); winetest_loop_todo(); winetest_end_todo())
#define todo_wine               todo_if(!strcmp(winetest_platform, "wine"))
#define todo_wine_if(is_todo)   todo_if((is_todo) && !strcmp(winetest_platform, "wine"))
#define flaky_wine              if (0) ; else
#define flaky                   if (0) ; else
#define flaky_wine_if(x)        if (0) ; else
#define flaky_if(x)             if (0) ; else

#define ok_ret(e, r) ok((r) == (e), "got %ld, expected %ld\n", (long)(r), (long)(e))

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))
#endif

#define START_TEST(name) void func_##name(void)

struct test
{
    const char *name;
    void (*func)(void);
};

extern const struct test winetest_testlist[];

/* The implementation, compiled into the one file that defines STANDALONE. */
#ifdef STANDALONE

int winetest_debug = 1;
int winetest_interactive = 0;
const char *winetest_platform = "windows";
int winetest_platform_is_wine = 0;
int winetest_report_success = 0;

static const char *winetest_testname;
static int winetest_argc;
static char **winetest_argv;
static LONG winetest_successes, winetest_failures, winetest_todo_successes,
            winetest_todo_failures, winetest_skipped;
static DWORD winetest_tls = TLS_OUT_OF_INDEXES;

#define WINETEST_MAX_CONTEXT 8

struct winetest_thread_data
{
    const char *file;
    int line;
    int todo_level;          /* bitmask: one bit per nested todo */
    int todo_do_loop;
    int nocount_level;
    unsigned int context_count;
    char context[WINETEST_MAX_CONTEXT][128];
    char strings[2048];
    size_t strings_pos;
};

static struct winetest_thread_data *winetest_get_thread_data(void)
{
    struct winetest_thread_data *data = TlsGetValue(winetest_tls);

    if (!data)
    {
        data = calloc(1, sizeof(*data));
        data->file = "unknown";
        TlsSetValue(winetest_tls, data);
    }
    return data;
}

static const char *winetest_basename(const char *file)
{
    const char *p = strrchr(file, '/'), *q = strrchr(file, '\\');
    if (q > p) p = q;
    return p ? p + 1 : file;
}

static void winetest_print_location(struct winetest_thread_data *data)
{
    unsigned int i;

    printf("%s:%d: ", winetest_basename(data->file), data->line);
    for (i = 0; i < data->context_count; i++) printf("%s: ", data->context[i]);
}

void winetest_set_location(const char *file, int line)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    data->file = file;
    data->line = line;
}

void winetest_subtest(const char *name)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    printf("%s:%d: Subtest %s\n", winetest_basename(data->file), data->line, name);
}

void winetest_ignore_exceptions(BOOL ignore)
{
}

int broken(int condition)
{
    return !strcmp(winetest_platform, "windows") && condition;
}

int winetest_vok(int condition, const char *msg, va_list args)
{
    struct winetest_thread_data *data = winetest_get_thread_data();

    if (data->todo_level)
    {
        if (condition)
        {
            winetest_print_location(data);
            printf("Test succeeded inside todo block: ");
            vprintf(msg, args);
            InterlockedIncrement(&winetest_todo_failures);
            fflush(stdout);
            return 0;
        }
        if (winetest_debug > 0)
        {
            winetest_print_location(data);
            printf("Test marked todo: ");
            vprintf(msg, args);
            fflush(stdout);
        }
        InterlockedIncrement(&winetest_todo_successes);
        return 1;
    }
    if (!condition)
    {
        winetest_print_location(data);
        printf("Test failed: ");
        vprintf(msg, args);
        fflush(stdout);
        InterlockedIncrement(&winetest_failures);
        return 0;
    }
    if (winetest_report_success)
    {
        winetest_print_location(data);
        printf("Test succeeded\n");
    }
    if (!data->nocount_level) InterlockedIncrement(&winetest_successes);
    return 1;
}

int winetest_ok(int condition, const char *msg, ...)
{
    va_list args;
    int ret;

    va_start(args, msg);
    ret = winetest_vok(condition, msg, args);
    va_end(args);
    return ret;
}

void winetest_trace(const char *msg, ...)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    va_list args;

    if (winetest_debug <= 0) return;
    winetest_print_location(data);
    va_start(args, msg);
    vprintf(msg, args);
    va_end(args);
    fflush(stdout);
}

static void winetest_vskip(const char *msg, va_list args)
{
    struct winetest_thread_data *data = winetest_get_thread_data();

    winetest_print_location(data);
    printf("Tests skipped: ");
    vprintf(msg, args);
    fflush(stdout);
    InterlockedIncrement(&winetest_skipped);
}

void winetest_skip(const char *msg, ...)
{
    va_list args;
    va_start(args, msg);
    winetest_vskip(msg, args);
    va_end(args);
}

void winetest_win_skip(const char *msg, ...)
{
    va_list args;

    va_start(args, msg);
    /* On Wine a win_skip is a missing feature: a failure. */
    if (strcmp(winetest_platform, "windows")) winetest_vok(0, msg, args);
    else winetest_vskip(msg, args);
    va_end(args);
}

void winetest_start_todo(int is_todo)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    data->todo_level = (data->todo_level << 1) | (is_todo != 0);
    data->todo_do_loop = 1;
}

int winetest_loop_todo(void)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    int do_loop = data->todo_do_loop;
    data->todo_do_loop = 0;
    return do_loop;
}

void winetest_end_todo(void)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    data->todo_level >>= 1;
}

void winetest_start_nocount(unsigned int flags)
{
    winetest_get_thread_data()->nocount_level++;
}

int winetest_loop_nocount(void)
{
    return 1;
}

void winetest_end_nocount(void)
{
    winetest_get_thread_data()->nocount_level--;
}

void winetest_push_context(const char *fmt, ...)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    va_list args;

    if (data->context_count < WINETEST_MAX_CONTEXT)
    {
        va_start(args, fmt);
        vsnprintf(data->context[data->context_count], sizeof(data->context[0]), fmt, args);
        va_end(args);
    }
    data->context_count++;
}

void winetest_pop_context(void)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    if (data->context_count) data->context_count--;
}

int winetest_get_mainargs(char ***pargv)
{
    *pargv = winetest_argv;
    return winetest_argc;
}

LONG winetest_get_failures(void)
{
    return winetest_failures;
}

LONG winetest_get_successes(void)
{
    return winetest_successes;
}

void winetest_add_failures(LONG new_failures)
{
    while (new_failures-- > 0) InterlockedIncrement(&winetest_failures);
}

/* Waits for a child test process and adds its failures to ours. */
void winetest_wait_child_process(HANDLE process)
{
    DWORD exit_code = 1;

    if (WaitForSingleObject(process, 30000))
    {
        winetest_ok(0, "Timed out waiting for the child process\n");
        return;
    }
    GetExitCodeProcess(process, &exit_code);
    if (exit_code)
    {
        if (exit_code > 255)
            winetest_ok(0, "Child process crashed with exception %08lx\n", (unsigned long)exit_code);
        else
            winetest_ok(0, "%lu failures in child process\n", (unsigned long)exit_code);
        winetest_add_failures(exit_code > 255 ? 1 : exit_code - 1);
    }
}

static const struct test *winetest_find_test(const char *name)
{
    const struct test *test;
    const char *p;
    size_t len;

    if ((p = strrchr(name, '/'))) name = p + 1;
    if ((p = strrchr(name, '\\'))) name = p + 1;
    len = strlen(name);
    if (len > 2 && !strcmp(name + len - 2, ".c")) len -= 2;
    for (test = winetest_testlist; test->name; test++)
        if (strlen(test->name) == len && !strncmp(test->name, name, len)) return test;
    return NULL;
}

static void winetest_list_tests(void)
{
    const struct test *test;

    printf("Valid test names:\n");
    for (test = winetest_testlist; test->name; test++) printf("    %s\n", test->name);
}

static int winetest_run_test(const struct test *test)
{
    LONG failures;

    winetest_testname = test->name;
    test->func();
    failures = winetest_failures + winetest_todo_failures;
    printf("%s: %ld tests executed (%ld marked as todo, %ld %s), %ld skipped.\n", test->name,
           (long)(winetest_successes + winetest_failures + winetest_todo_successes + winetest_todo_failures),
           (long)winetest_todo_successes, (long)failures, failures == 1 ? "failure" : "failures",
           (long)winetest_skipped);
    fflush(stdout);
    return failures > 255 ? 255 : failures;
}

static void winetest_usage(const char *argv0)
{
    printf("Usage: %s test_name\n\n", argv0);
    winetest_list_tests();
}

int main(int argc, char **argv)
{
    const struct test *test;
    const char *p;
    char buffer[64];

    winetest_argc = argc;
    winetest_argv = argv;
    winetest_tls = TlsAlloc();

    if (GetEnvironmentVariableA("WINETEST_PLATFORM", buffer, sizeof(buffer)))
        winetest_platform = strdup(buffer);
    else if (GetProcAddress(GetModuleHandleA("ntdll.dll"), "wine_get_version"))
        winetest_platform = "wine";
    winetest_platform_is_wine = !strcmp(winetest_platform, "wine");
    if ((p = getenv("WINETEST_DEBUG"))) winetest_debug = atoi(p);
    if ((p = getenv("WINETEST_INTERACTIVE"))) winetest_interactive = atoi(p);
    if ((p = getenv("WINETEST_REPORT_SUCCESS"))) winetest_report_success = atoi(p);

    setvbuf(stdout, NULL, _IONBF, 0);

    if (argc < 2)
    {
        if (winetest_testlist[0].name && !winetest_testlist[1].name)
            return winetest_run_test(&winetest_testlist[0]);
        winetest_usage(argv[0]);
        return 1;
    }
    if (!strcmp(argv[1], "--list"))
    {
        winetest_list_tests();
        return 0;
    }
    if (!(test = winetest_find_test(argv[1])))
    {
        printf("Fatal: test '%s' does not exist.\n", argv[1]);
        winetest_usage(argv[0]);
        return 1;
    }
    return winetest_run_test(test);
}

#endif /* STANDALONE */

#endif /* __WINE_WINE_TEST_H */
