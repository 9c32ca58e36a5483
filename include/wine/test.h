/*
 * The Wine test framework API, as Wine's conformance tests use it
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

/*
 * Debian ships no wine/test.h, so this is the project's own implementation
 * of the interface of Wine's current include/wine/test.h, with Wine's output
 * and exit status: a test file written for Wine's tree compiles and runs
 * against it unchanged.
 *
 * The runner (main, the counters, the test lookup) is compiled into the one
 * file that defines STANDALONE: either a test list such as
 * dlls/qmgr/tests/testlist.c, or a single test file built with -DSTANDALONE,
 * whose START_TEST then also defines the list with that one test.
 *
 * Output:
 *   file.c:123: Test failed: [context: ...]message
 *   file.c:123: Test succeeded inside todo block: message
 *   file.c:123: Test succeeded inside flaky todo block: message
 *   file.c:123: Test marked todo: message
 *   file.c:123: Test marked flaky: message
 *   file.c:123: Tests skipped: message
 *   file.c:123: 2 failures in child process
 *   file.c:123: unhandled exception c0000005 in child process 0104
 *   0020:name: N tests executed (T marked as todo, F as flaky, X failures), S skipped.
 * The exit status counts failures and todo successes (and flaky failures
 * with WINETEST_REPORT_FLAKY=1), at most 255.
 *
 * Environment: WINETEST_DEBUG, WINETEST_INTERACTIVE, WINETEST_PLATFORM,
 * WINETEST_REPORT_SUCCESS, WINETEST_REPORT_FLAKY, WINETEST_MUTE_THRESHOLD,
 * WINETEST_TIME, WINETEST_COLOR.
 */

#ifndef __WINE_WINE_TEST_H
#define __WINE_WINE_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <io.h>
#include <windef.h>
#include <winbase.h>
#include <wine/debug.h>

#ifndef INVALID_FILE_ATTRIBUTES
#define INVALID_FILE_ATTRIBUTES  (~0u)
#endif
#ifndef INVALID_SET_FILE_POINTER
#define INVALID_SET_FILE_POINTER (~0u)
#endif

/* Settings, read from the environment by main(). */
extern int winetest_debug;            /* WINETEST_DEBUG, 1 by default */
extern int winetest_time;             /* WINETEST_TIME: print elapsed seconds */
extern int winetest_start_time, winetest_last_time;
extern int winetest_interactive;      /* WINETEST_INTERACTIVE */
extern int winetest_report_flaky;     /* WINETEST_REPORT_FLAKY: flaky failures fail */
extern int winetest_report_success;   /* WINETEST_REPORT_SUCCESS */
extern int winetest_mute_threshold;   /* WINETEST_MUTE_THRESHOLD, 42 by default */
extern const char *winetest_platform; /* WINETEST_PLATFORM: "wine" or "windows" */
extern int winetest_platform_is_wine;
extern int winetest_color;            /* WINETEST_COLOR: ANSI colours */

/* Counters, shared by every file of the test program. */
extern LONG winetest_successes;
extern LONG winetest_failures;
extern LONG winetest_flaky_failures;       /* failures inside flaky blocks */
extern LONG winetest_skipped;
extern LONG winetest_todo_successes;       /* todo checks that failed, as expected */
extern LONG winetest_todo_failures;        /* todo checks that passed: failures */
extern LONG winetest_muted_traces;         /* what the mute threshold silenced */
extern LONG winetest_muted_skipped;
extern LONG winetest_muted_todo_successes;

struct winetest_thread_data
{
    const char *current_file;    /* location of the check being made */
    int current_line;
    unsigned int flaky_level;    /* one bit per nested flaky_if(), innermost lowest */
    int flaky_do_loop;
    unsigned int todo_level;     /* one bit per nested todo_if(), innermost lowest */
    int todo_do_loop;
    char context[8][128];        /* winetest_push_context() prefixes */
    unsigned int context_count;  /* may exceed the array: deeper ones are not printed */
    int condition;               /* the condition of the ok() being reported */
};

extern struct winetest_thread_data *winetest_get_thread_data(void);
extern void winetest_print_lock(void);
extern void winetest_print_unlock(void);
extern int winetest_vprintf(const char *msg, va_list args);
extern int winetest_get_time(void);
extern int winetest_get_mainargs(char ***pargv);
extern void winetest_wait_child_process(const PROCESS_INFORMATION *info);

#ifdef STANDALONE
#define START_TEST(name) \
    static void func_##name(void); \
    const struct test winetest_testlist[] = { { #name, func_##name }, { 0, 0 } }; \
    static void func_##name(void)
#else
#define START_TEST(name) void func_##name(void)
#endif

/* The location-setting macros: ok(cond, fmt, ...) records __FILE__ and
 * __LINE__, then calls winetest_ok(cond, fmt, ...); the _() forms take the
 * location from the caller, for helpers. */
#ifdef WINETEST_NO_LINE_NUMBERS
#define winetest_line_(line) 0
#else
#define winetest_line_(line) (line)
#endif
#define winetest_at_(file, line, func) \
    (winetest_set_location(file, winetest_line_(line)), 0) ? (void)0 : func

#define subtest_(file, line)            winetest_at_(file, line, winetest_subtest)
#define ignore_exceptions_(file, line)  winetest_at_(file, line, winetest_ignore_exceptions)
#define ok_(file, line)                 winetest_at_(file, line, winetest_ok)
#define skip_(file, line)               winetest_at_(file, line, winetest_skip)
#define win_skip_(file, line)           winetest_at_(file, line, winetest_win_skip)
#define trace_(file, line)              winetest_at_(file, line, winetest_trace)
#define wait_child_process_(file, line) winetest_at_(file, line, winetest_wait_child_process)

#define subtest            subtest_(__FILE__, __LINE__)
#define ignore_exceptions  ignore_exceptions_(__FILE__, __LINE__)
#define ok                 ok_(__FILE__, __LINE__)
#define skip               skip_(__FILE__, __LINE__)
#define win_skip           win_skip_(__FILE__, __LINE__)
#define trace              trace_(__FILE__, __LINE__)
#define wait_child_process wait_child_process_(__FILE__, __LINE__)

/* Blocks: each runs its statement once, with a bit pushed for its duration. */
#define flaky_if(is_flaky) \
    for (winetest_start_flaky(is_flaky); winetest_loop_flaky(); winetest_end_flaky())
#define flaky                   flaky_if(TRUE)
#define flaky_wine              flaky_if(winetest_platform_is_wine)
#define flaky_wine_if(is_flaky) flaky_if((is_flaky) && winetest_platform_is_wine)

#define todo_if(is_todo) \
    for (winetest_start_todo(is_todo); winetest_loop_todo(); winetest_end_todo())
#define todo_wine               todo_if(winetest_platform_is_wine)
#define todo_wine_if(is_todo)   todo_if((is_todo) && winetest_platform_is_wine)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))
#endif

static inline void winetest_set_location(const char *file, int line)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    const char *slash = strrchr(file, '/'), *backslash = strrchr(file, '\\');

    /* Messages name the file alone, whatever path the compiler was given. */
    if (backslash > slash) slash = backslash;
    data->current_file = slash ? slash + 1 : file;
    data->current_line = line;
}

/* ANSI colours of each kind of message, with WINETEST_COLOR. */
#define WINETEST_COLOR_RESET         "\x1b[0m"
#define WINETEST_COLOR_FAILED        "\x1b[1;91m"
#define WINETEST_COLOR_TODO_PASSED   "\x1b[31m"
#define WINETEST_COLOR_FLAKY         "\x1b[1;95m"
#define WINETEST_COLOR_FLAKY_PASSED  "\x1b[35m"
#define WINETEST_COLOR_TODO          "\x1b[33m"
#define WINETEST_COLOR_SUCCEEDED     "\x1b[32m"
#define WINETEST_COLOR_SKIPPED       "\x1b[34m"

static int winetest_printf(const char *msg, ...) __WINE_PRINTF_ATTR(1, 2);
static inline int winetest_printf(const char *msg, ...)
{
    va_list args;
    int len;

    va_start(args, msg);
    len = winetest_vprintf(msg, args);
    va_end(args);
    return len;
}

static inline void winetest_set_color(const char *color)
{
    if (winetest_color) winetest_printf("%s", color);
}

/* "" unless WINETEST_TIME is set, then the seconds since the start. */
static inline const char *winetest_elapsed(char *buffer)
{
    int now;

    if (!winetest_time) return "";
    now = winetest_last_time = winetest_get_time();
    sprintf(buffer, "%.3f", (now - winetest_start_time) / 1000.0);
    return buffer;
}

static void winetest_print_location(const char *msg, ...) __WINE_PRINTF_ATTR(1, 2);
static inline void winetest_print_location(const char *msg, ...)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    char elapsed[32];
    va_list args;

    winetest_printf("%s:%d:%s ", data->current_file, data->current_line, winetest_elapsed(elapsed));
    va_start(args, msg);
    winetest_vprintf(msg, args);
    va_end(args);
}

/* The location, the kind of message, then the contexts, innermost last. */
static inline void winetest_print_context(const char *kind)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    unsigned int i, count = data->context_count;

    if (count > ARRAY_SIZE(data->context)) count = ARRAY_SIZE(data->context);
    winetest_print_location("%s", kind);
    for (i = 0; i < count; i++) winetest_printf("%s: ", data->context[i]);
}

static inline void winetest_subtest(const char *name)
{
    winetest_print_lock();
    winetest_print_location("Subtest %s\n", name);
    winetest_print_unlock();
}

static inline void winetest_ignore_exceptions(BOOL ignore)
{
    winetest_print_lock();
    winetest_print_location("IgnoreExceptions=%d\n", !!ignore);
    winetest_print_unlock();
}

/* A result only some Windows versions give: accepted on Windows, never on Wine. */
static inline int broken(int condition)
{
    return condition && !winetest_platform_is_wine;
}

/* Counts the messages printed from this line (per source file: the table is
 * static to each file); returns how many there were before this one, and
 * says once when the line reaches the mute threshold.  WINETEST_DEBUG > 1
 * mutes nothing. */
static inline LONG winetest_add_line(void)
{
    static LONG printed_by_line[16384];
    struct winetest_thread_data *data;
    LONG before;

    if (winetest_debug > 1) return 0;
    data = winetest_get_thread_data();
    before = InterlockedIncrement(&printed_by_line[data->current_line % ARRAY_SIZE(printed_by_line)]) - 1;
    if (before == winetest_mute_threshold)
    {
        winetest_print_lock();
        winetest_print_location("Line has been silenced after %d occurrences\n", winetest_mute_threshold);
        winetest_print_unlock();
    }
    return before;
}

static inline void winetest_report(const char *color, const char *kind, LONG *counter,
                                   const char *msg, va_list args)
{
    winetest_print_lock();
    winetest_set_color(color);
    winetest_print_context(kind);
    winetest_vprintf(msg, args);
    winetest_set_color(WINETEST_COLOR_RESET);
    winetest_print_unlock();
    InterlockedIncrement(counter);
}

/* Records one check.  Inside a todo block the expected result is a failure;
 * inside a flaky block a wrong result is counted as flaky, not as a failure.
 * Returns whether the result was the expected one. */
static inline int winetest_vok(int condition, const char *msg, va_list args)
{
    struct winetest_thread_data *data = winetest_get_thread_data();

    if (data->todo_level && condition)
    {
        if (data->flaky_level)
            winetest_report(WINETEST_COLOR_FLAKY_PASSED, "Test succeeded inside flaky todo block: ",
                            &winetest_flaky_failures, msg, args);
        else
            winetest_report(WINETEST_COLOR_TODO_PASSED, "Test succeeded inside todo block: ",
                            &winetest_todo_failures, msg, args);
        return 0;
    }
    if (data->todo_level)
    {
        if (winetest_debug && winetest_add_line() >= winetest_mute_threshold)
            InterlockedIncrement(&winetest_muted_todo_successes);
        else if (winetest_debug > 0)
            winetest_report(WINETEST_COLOR_TODO, "Test marked todo: ", &winetest_todo_successes, msg, args);
        else
            InterlockedIncrement(&winetest_todo_successes);
        return 1;
    }
    if (!condition)
    {
        if (data->flaky_level)
            winetest_report(WINETEST_COLOR_FLAKY, "Test marked flaky: ", &winetest_flaky_failures, msg, args);
        else
            winetest_report(WINETEST_COLOR_FAILED, "Test failed: ", &winetest_failures, msg, args);
        return 0;
    }
    /* With WINETEST_TIME, a long run of passing checks still shows progress. */
    if (winetest_report_success || (winetest_time && winetest_get_time() >= winetest_last_time + 1000))
    {
        winetest_print_lock();
        winetest_set_color(WINETEST_COLOR_SUCCEEDED);
        winetest_print_location("Test succeeded\n");
        winetest_set_color(WINETEST_COLOR_RESET);
        winetest_print_unlock();
    }
    InterlockedIncrement(&winetest_successes);
    return 1;
}

/* winetest_ok(condition, fmt, ...): the message's arguments are evaluated
 * only when the message will be printed, that is when the check fails or is
 * inside a todo block, so a passing check costs nothing more. */
static inline int winetest_needs_message(int condition)
{
    struct winetest_thread_data *data = winetest_get_thread_data();

    data->condition = condition;
    return !condition || data->todo_level;
}

static void winetest_ok_message(const char *msg, ...) __WINE_PRINTF_ATTR(1, 2);
static inline void winetest_ok_message(const char *msg, ...)
{
    va_list args;

    va_start(args, msg);
    winetest_vok(winetest_get_thread_data()->condition, msg, args);
    va_end(args);
}

#define winetest_ok(condition, ...) \
    (winetest_needs_message(condition) ? winetest_ok_message(__VA_ARGS__) : winetest_ok_message(NULL))

static void winetest_trace(const char *msg, ...) __WINE_PRINTF_ATTR(1, 2);
static inline void winetest_trace(const char *msg, ...)
{
    va_list args;

    if (!winetest_debug) return;
    if (winetest_add_line() >= winetest_mute_threshold)
    {
        InterlockedIncrement(&winetest_muted_traces);
        return;
    }
    winetest_print_lock();
    winetest_print_context("");
    va_start(args, msg);
    winetest_vprintf(msg, args);
    va_end(args);
    winetest_print_unlock();
}

static inline void winetest_vskip(const char *msg, va_list args)
{
    if (winetest_add_line() >= winetest_mute_threshold)
        InterlockedIncrement(&winetest_muted_skipped);
    else
        winetest_report(WINETEST_COLOR_SKIPPED, "Tests skipped: ", &winetest_skipped, msg, args);
}

static void winetest_skip(const char *msg, ...) __WINE_PRINTF_ATTR(1, 2);
static inline void winetest_skip(const char *msg, ...)
{
    va_list args;

    va_start(args, msg);
    winetest_vskip(msg, args);
    va_end(args);
}

/* Something missing from some Windows versions: a skip there, but a failure
 * on Wine, which should have it. */
static void winetest_win_skip(const char *msg, ...) __WINE_PRINTF_ATTR(1, 2);
static inline void winetest_win_skip(const char *msg, ...)
{
    va_list args;

    va_start(args, msg);
    if (winetest_platform_is_wine) winetest_vok(0, msg, args);
    else winetest_vskip(msg, args);
    va_end(args);
}

/* flaky_if(): failures of checks that an outside race can make fail now and
 * then are counted as flaky (they fail the run only with WINETEST_REPORT_FLAKY).
 * Not for hiding races in the test itself. */
static inline void winetest_start_flaky(int is_flaky)
{
    struct winetest_thread_data *data = winetest_get_thread_data();

    data->flaky_level = (data->flaky_level << 1) | !!is_flaky;
    data->flaky_do_loop = 1;
}

static inline int winetest_loop_flaky(void)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    int first = data->flaky_do_loop;

    data->flaky_do_loop = 0;
    return first;
}

static inline void winetest_end_flaky(void)
{
    winetest_get_thread_data()->flaky_level >>= 1;
}

/* todo_if(): checks expected to fail on this platform (use todo_wine_if, so
 * that nothing is todo on Windows). */
static inline void winetest_start_todo(int is_todo)
{
    struct winetest_thread_data *data = winetest_get_thread_data();

    data->todo_level = (data->todo_level << 1) | !!is_todo;
    data->todo_do_loop = 1;
}

static inline int winetest_loop_todo(void)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    int first = data->todo_do_loop;

    data->todo_do_loop = 0;
    return first;
}

static inline void winetest_end_todo(void)
{
    winetest_get_thread_data()->todo_level >>= 1;
}

/* A prefix printed before the messages of the checks that follow, until the
 * matching winetest_pop_context(): what a loop is testing, for instance. */
static void winetest_push_context(const char *fmt, ...) __WINE_PRINTF_ATTR(1, 2);
static inline void winetest_push_context(const char *fmt, ...)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    va_list args;

    if (data->context_count < ARRAY_SIZE(data->context))
    {
        va_start(args, fmt);
        vsnprintf(data->context[data->context_count], sizeof(data->context[0]), fmt, args);
        va_end(args);
        data->context[data->context_count][sizeof(data->context[0]) - 1] = 0;
    }
    data->context_count++;
}

static inline void winetest_pop_context(void)
{
    struct winetest_thread_data *data = winetest_get_thread_data();

    if (data->context_count) data->context_count--;
}

static inline LONG winetest_get_failures(void)
{
    return winetest_failures;
}

static inline void winetest_add_failures(LONG new_failures)
{
    for (; new_failures > 0; new_failures--) InterlockedIncrement(&winetest_failures);
}


/* The runner: compiled into the one file that defines STANDALONE. */
#ifdef STANDALONE

#include <wincon.h>

#ifndef ENABLE_VIRTUAL_TERMINAL_PROCESSING
#define ENABLE_VIRTUAL_TERMINAL_PROCESSING 0x0004
#endif

struct test
{
    const char *name;
    void (*func)(void);
};

extern const struct test winetest_testlist[];

int winetest_debug = 1;
int winetest_time = 0;
int winetest_start_time, winetest_last_time;
int winetest_interactive = 0;
int winetest_report_flaky = 0;
int winetest_report_success = 0;
int winetest_mute_threshold = 42;
const char *winetest_platform = "windows";
int winetest_platform_is_wine = 0;
int winetest_color = 0;

LONG winetest_successes = 0;
LONG winetest_failures = 0;
LONG winetest_flaky_failures = 0;
LONG winetest_skipped = 0;
LONG winetest_todo_successes = 0;
LONG winetest_todo_failures = 0;
LONG winetest_muted_traces = 0;
LONG winetest_muted_skipped = 0;
LONG winetest_muted_todo_successes = 0;

static int winetest_argc;
static char **winetest_argv;
static const struct test *winetest_current_test;
static DWORD winetest_tls_index = TLS_OUT_OF_INDEXES;
/* Named, so that a test and the children it waits for print whole lines. */
static HANDLE winetest_print_mutex;

struct winetest_thread_data *winetest_get_thread_data(void)
{
    struct winetest_thread_data *data;
    DWORD error = GetLastError();   /* ok(..., GetLastError()) reads it after us */

    if (!(data = TlsGetValue(winetest_tls_index)))
    {
        data = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*data));
        data->current_file = "";
        TlsSetValue(winetest_tls_index, data);
    }
    SetLastError(error);
    return data;
}

void winetest_print_lock(void)
{
    DWORD ret;

    if (!winetest_print_mutex) return;
    ret = WaitForSingleObject(winetest_print_mutex, 30000);
    if (ret != WAIT_OBJECT_0 && ret != WAIT_ABANDONED)
    {
        winetest_print_location("cannot take the print mutex (%lu), printing without it\n", ret);
        winetest_print_mutex = NULL;
    }
}

void winetest_print_unlock(void)
{
    if (winetest_print_mutex) ReleaseMutex(winetest_print_mutex);
}

int winetest_vprintf(const char *msg, va_list args)
{
    return vprintf(msg, args);
}

int winetest_get_time(void)
{
    return GetTickCount();
}

int winetest_get_mainargs(char ***pargv)
{
    *pargv = winetest_argv;
    return winetest_argc;
}

/* Waits (30 s at most) for a child started by the test, which runs as a test
 * itself: its exit status is its failure count, or an exception code when it
 * crashed.  Its failures become ours; its handles are closed. */
void winetest_wait_child_process(const PROCESS_INFORMATION *info)
{
    DWORD ret, exit_code;

    winetest_ok(info->hProcess != NULL, "no child process handle: did CreateProcess fail?\n");
    if (!info->hProcess) return;

    ret = WaitForSingleObject(info->hProcess, 30000);
    if (ret == WAIT_TIMEOUT)
    {
        winetest_ok(0, "Timed out waiting for the child process\n");
        return;
    }
    if (ret != WAIT_OBJECT_0)
    {
        winetest_ok(0, "cannot wait for the child process: %lu, error %lu\n", ret, GetLastError());
        return;
    }

    if (!GetExitCodeProcess(info->hProcess, &exit_code)) exit_code = 1;
    if (exit_code > 255)
    {
        winetest_print_lock();
        winetest_set_color(WINETEST_COLOR_FAILED);
        winetest_print_location("unhandled exception %08lx in child process %04lx\n", exit_code, info->dwProcessId);
        winetest_set_color(WINETEST_COLOR_RESET);
        winetest_print_unlock();
        winetest_add_failures(1);
    }
    else if (exit_code)
    {
        winetest_print_lock();
        winetest_print_location("%lu failures in child process\n", exit_code);
        winetest_print_unlock();
        winetest_add_failures(exit_code);
    }

    if (!CloseHandle(info->hProcess))
        winetest_ok(0, "cannot close the child process handle: error %lu\n", GetLastError());
    CloseHandle(info->hThread);
}

/* A test named as given, or as a path to its source file ("dir/job.c"). */
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
        if (!strncmp(test->name, name, len) && !test->name[len]) return test;
    return NULL;
}

static void winetest_list_tests(void)
{
    const struct test *test;

    printf("Valid test names:\n");
    for (test = winetest_testlist; test->name; test++) printf("    %s\n", test->name);
}

static void winetest_exit(int status)
{
    fflush(stdout);
    ExitProcess(status);
}

static int winetest_run_test(const char *name)
{
    const struct test *test;
    LONG failures, status;
    char elapsed[32];

    if (!(test = winetest_find_test(name)))
    {
        printf("Fatal: test '%s' does not exist.\n", name);
        winetest_exit(1);
    }
    winetest_current_test = test;
    test->func();

    failures = winetest_failures + winetest_todo_failures;
    if (winetest_debug)
    {
        winetest_print_lock();
        if (winetest_muted_todo_successes || winetest_muted_skipped || winetest_muted_traces)
            printf("%04lx:%s:%s Silenced %ld todos, %ld skips and %ld traces.\n",
                   GetCurrentProcessId(), test->name, winetest_elapsed(elapsed),
                   winetest_muted_todo_successes, winetest_muted_skipped, winetest_muted_traces);
        printf("%04lx:%s:%s %ld tests executed (%ld marked as todo, %ld as flaky, %ld %s), %ld skipped.\n",
               GetCurrentProcessId(), test->name, winetest_elapsed(elapsed),
               winetest_successes + winetest_failures + winetest_flaky_failures
                   + winetest_todo_successes + winetest_todo_failures,
               winetest_todo_successes, winetest_flaky_failures, failures,
               failures == 1 ? "failure" : "failures", winetest_skipped);
        winetest_print_unlock();
    }
    status = failures;
    if (winetest_report_flaky) status += winetest_flaky_failures;
    return status > 255 ? 255 : status;
}

static void winetest_usage(const char *argv0)
{
    printf("Usage: %s test_name\n\n", argv0);
    winetest_list_tests();
    winetest_exit(1);
}

/* On Windows, where nothing else reports it, a crash names the last check. */
static LONG CALLBACK winetest_exception_filter(EXCEPTION_POINTERS *ptrs)
{
    struct winetest_thread_data *data = winetest_get_thread_data();
    char elapsed[32];

    winetest_print_lock();
    if (data->current_file[0])
        printf("%s:%d: this is the last test seen before the exception\n",
               data->current_file, data->current_line);
    if (winetest_color) printf("%s", WINETEST_COLOR_FAILED);
    printf("%04lx:%s:%s unhandled exception %08lx at %p\n", GetCurrentProcessId(),
           winetest_current_test ? winetest_current_test->name : "", winetest_elapsed(elapsed),
           ptrs->ExceptionRecord->ExceptionCode, ptrs->ExceptionRecord->ExceptionAddress);
    if (winetest_color) printf("%s", WINETEST_COLOR_RESET);
    fflush(stdout);
    winetest_print_unlock();
    return EXCEPTION_EXECUTE_HANDLER;
}

static BOOL winetest_running_under_wine(void)
{
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");

    return ntdll && GetProcAddress(ntdll, "wine_get_version");
}

static int winetest_env_int(const char *name, int value)
{
    char buffer[32];

    if (GetEnvironmentVariableA(name, buffer, sizeof(buffer))) value = atoi(buffer);
    return value;
}

static void winetest_setup_color(void)
{
    char buffer[32];
    HANDLE console;
    DWORD mode;
    BOOL automatic;

    if (!GetEnvironmentVariableA("WINETEST_COLOR", buffer, sizeof(buffer))) return;
    automatic = !strcmp(buffer, "auto");
    winetest_color = automatic ? isatty(fileno(stdout)) : atoi(buffer);
    if (!winetest_color) return;
    /* A Windows console needs to be told to read escape sequences. */
    console = (HANDLE)_get_osfhandle(fileno(stdout));
    if (GetConsoleMode(console, &mode)
            && !SetConsoleMode(console, mode | ENABLE_PROCESSED_OUTPUT | ENABLE_VIRTUAL_TERMINAL_PROCESSING)
            && automatic)
        winetest_color = 0;
}

#ifdef __GNUC__
/* MinGW's startup code would reset the FPU to its own precision: keep
 * what Windows set, as tests of floating point expect. */
void _fpreset(void) {}
#endif

int main(int argc, char **argv)
{
    char platform[32];

    setvbuf(stdout, NULL, _IONBF, 0);
    winetest_print_mutex = CreateMutexA(NULL, FALSE, "winetest_print_mutex");
    winetest_tls_index = TlsAlloc();
    winetest_argc = argc;
    winetest_argv = argv;

    if (GetEnvironmentVariableA("WINETEST_PLATFORM", platform, sizeof(platform)))
        winetest_platform = strdup(platform);
    else if (winetest_running_under_wine())
        winetest_platform = "wine";
    winetest_platform_is_wine = !strcmp(winetest_platform, "wine");

    winetest_setup_color();
    winetest_debug = winetest_env_int("WINETEST_DEBUG", winetest_debug);
    winetest_interactive = winetest_env_int("WINETEST_INTERACTIVE", winetest_interactive);
    winetest_mute_threshold = winetest_env_int("WINETEST_MUTE_THRESHOLD", winetest_mute_threshold);
    winetest_report_flaky = winetest_env_int("WINETEST_REPORT_FLAKY", winetest_report_flaky);
    winetest_report_success = winetest_env_int("WINETEST_REPORT_SUCCESS", winetest_report_success);
    winetest_time = winetest_env_int("WINETEST_TIME", winetest_time);
    winetest_start_time = winetest_last_time = winetest_get_time();

    if (!strcmp(winetest_platform, "windows"))
        SetUnhandledExceptionFilter(winetest_exception_filter);
    if (!winetest_interactive) SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);

    if (argc < 2)
    {
        /* A program of one test runs it when given no name. */
        if (winetest_testlist[0].name && !winetest_testlist[1].name)
            return winetest_run_test(winetest_testlist[0].name);
        winetest_usage(argv[0]);
    }
    if (!strcmp(argv[1], "--list"))
    {
        winetest_list_tests();
        return 0;
    }
    return winetest_run_test(argv[1]);
}

#endif /* STANDALONE */

#endif /* __WINE_WINE_TEST_H */
