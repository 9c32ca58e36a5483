/*
 * Tests of the test framework itself (include/wine/test.h)
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
 * Every check whose outcome is the point (failures, todos, flaky checks,
 * crashes) runs in a child, "qmgr_test.exe framework MODE", whose output and
 * exit status this unit reads and compares with Wine's; the unit itself
 * only passes or fails.  Children that wait for children of their own
 * ("waiter") show how wait_child_process() hands on their failures.
 */

#include "qmgr_test.h"

/* The checks of Wine's framework a test file uses most, with their counts:
 * 9 passed, 4 failed (2 added by winetest_add_failures), 1 todo passed
 * (a failure), 3 todo, 1 skip: 17 executed, 5 failures. */
static void child_checks(void)
{
    int formatted = 0;
    LONG failures;

    ok(1, "a passing check\n");
    ok(0, "a failing check\n");
    todo_wine ok(1, "a passing check inside todo_wine\n");
    todo_wine ok(0, "a failing check inside todo_wine\n");
    todo_wine_if(0) ok(1, "todo_wine_if(0) is no todo\n");
    todo_wine_if(1) ok(0, "a failing check inside todo_wine_if(1)\n");
    todo_if(0) ok(1, "todo_if(0) is no todo\n");
    todo_if(1) ok(0, "a failing check inside todo_if(1)\n");
    winetest_push_context("context %d", 7);
    ok_("some/dir/located.c", 1234)(0, "a failing check with context\n");
    winetest_push_context("inner");
    trace("a trace with two contexts\n");
    winetest_pop_context();
    winetest_pop_context();
    trace("a trace without context\n");
    skip("a skipped check\n");
    ok(!broken(1), "broken(1) is TRUE on Wine\n");
    ok(broken(0) == 0, "broken(0) is TRUE\n");
    subtest("framework_sub");
    ignore_exceptions(TRUE);
    ignore_exceptions(FALSE);

    /* The message of a passing check is not even formatted. */
    ok(1, "never printed %d\n", ++formatted);
    ok(!formatted, "a passing check's message arguments were evaluated\n");

    /* Setting the location does not clobber the last error ok() reports. */
    SetLastError(0xdeadbeef);
    ok(GetLastError() == 0xdeadbeef, "last error %lu\n", GetLastError());

    failures = winetest_get_failures();
    ok(failures == 2, "winetest_get_failures() %ld\n", failures);
    winetest_add_failures(2);
}

/* 2 passed, 5 flaky (one of them a todo that passed), 1 todo: 8 executed. */
static void child_flaky(void)
{
    flaky ok(0, "a failing check inside flaky\n");
    flaky_wine ok(0, "a failing check inside flaky_wine\n");
    flaky_if(TRUE) ok(0, "a failing check inside flaky_if(TRUE)\n");
    flaky_wine_if(TRUE) ok(0, "a failing check inside flaky_wine_if(TRUE)\n");
    flaky_if(FALSE) ok(1, "a passing check inside flaky_if(FALSE)\n");
    flaky ok(1, "a passing check inside flaky\n");
    flaky todo_wine ok(1, "a passing check inside flaky todo_wine\n");
    flaky todo_wine ok(0, "a failing check inside flaky todo_wine\n");
}

/* Each line below prints twice, says it is silenced, then is counted
 * silently, with WINETEST_MUTE_THRESHOLD=2. */
static void child_mute(void)
{
    int i;

    for (i = 0; i < 4; i++)
    {
        trace("a repeated trace\n");
        skip("a repeated skip\n");
        todo_wine ok(0, "a repeated todo\n");
    }
}

static void child_platform(void)
{
    trace("platform %s, is_wine %d, broken(1) %d\n", winetest_platform, winetest_platform_is_wine, broken(1));
    win_skip("something older Windows lacks\n");
}

/* Run with WINETEST_PLATFORM=windows, so that the framework's own exception
 * filter reports the crash (on Wine, Wine would start its debugger). */
static void child_crash(void)
{
    ok(1, "the last check before the crash\n");
    RaiseException(0xe0000123, EXCEPTION_NONCONTINUABLE, 0, NULL);
}

static void child_failing(void)
{
    ok(0, "first failure in the grandchild\n");
    ok(0, "second failure in the grandchild\n");
}

static BOOL start_grandchild(const char *mode, PROCESS_INFORMATION *pi)
{
    STARTUPINFOA si = { sizeof(si) };
    char cmdline[MAX_PATH * 2], **argv;
    BOOL ret;

    winetest_get_mainargs(&argv);
    snprintf(cmdline, sizeof(cmdline), "\"%s\" framework %s", argv[0], mode);
    /* Its output goes with ours, to the reader of our output. */
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    ret = CreateProcessA(NULL, cmdline, NULL, NULL, TRUE, 0, NULL, NULL, &si, pi);
    ok(ret, "cannot start %s: %lu\n", cmdline, GetLastError());
    return ret;
}

static void check_closed(const PROCESS_INFORMATION *pi)
{
    DWORD flags;

    ok(!GetHandleInformation(pi->hProcess, &flags), "process handle left open\n");
    ok(!GetHandleInformation(pi->hThread, &flags), "thread handle left open\n");
}

/* Waits for grandchildren as Wine's tests wait for their children: 3 + 3 + 6
 * checks passed (wait_child_process() checks the handle), and 2 + 1 + 1
 * failures (a failing child, a crash, a PROCESS_INFORMATION with no process). */
static void child_waiter(void)
{
    PROCESS_INFORMATION pi, none = { 0 };
    BOOL ret;

    if (start_grandchild("failing", &pi))
    {
        wait_child_process_("waiter.c", 77)(&pi);
        check_closed(&pi);
    }
    SetEnvironmentVariableA("WINETEST_PLATFORM", "windows");
    ret = start_grandchild("crash", &pi);
    SetEnvironmentVariableA("WINETEST_PLATFORM", NULL);
    if (ret)
    {
        trace("crashing child %04lx\n", pi.dwProcessId);
        winetest_wait_child_process(&pi);
        check_closed(&pi);
    }
    if (start_grandchild("passing", &pi))
    {
        wait_child_process(&pi);
        check_closed(&pi);
    }
    wait_child_process(&none);
}

/* What a child printed (carriage returns dropped), its exit status and process id. */
struct output
{
    char *text;
    DWORD exit_code;
    DWORD pid;
};

static BOOL run_program(const char *exe, const char *args, struct output *out)
{
    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    STARTUPINFOA si = { sizeof(si) };
    char cmdline[MAX_PATH * 2], *src, *dst;
    PROCESS_INFORMATION pi;
    HANDLE read_pipe, write_pipe;
    DWORD size = 0, got;

    memset(out, 0, sizeof(*out));
    snprintf(cmdline, sizeof(cmdline), "\"%s\"%s%s", exe, *args ? " " : "", args);
    CreatePipe(&read_pipe, &write_pipe, &sa, 0);
    SetHandleInformation(read_pipe, HANDLE_FLAG_INHERIT, 0);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdOutput = write_pipe;
    si.hStdError = write_pipe;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    if (!CreateProcessA(NULL, cmdline, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
    {
        ok(0, "cannot start %s: %lu\n", cmdline, GetLastError());
        CloseHandle(read_pipe);
        CloseHandle(write_pipe);
        return FALSE;
    }
    CloseHandle(write_pipe);
    out->text = malloc(65536);
    while (size < 65535 && ReadFile(read_pipe, out->text + size, 65535 - size, &got, NULL) && got) size += got;
    out->text[size] = 0;
    for (src = dst = out->text; *src; src++) if (*src != '\r') *dst++ = *src;
    *dst = 0;
    ok(!WaitForSingleObject(pi.hProcess, 60000), "%s did not exit\n", cmdline);
    GetExitCodeProcess(pi.hProcess, &out->exit_code);
    out->pid = pi.dwProcessId;
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    CloseHandle(read_pipe);
    return TRUE;
}

/* This program again, as "framework MODE", with one environment variable set. */
static BOOL run_mode(const char *mode, const char *env, struct output *out)
{
    char **argv, args[64], name[64];
    const char *value = NULL;
    BOOL ret;

    winetest_get_mainargs(&argv);
    snprintf(args, sizeof(args), "framework %s", mode);
    if (env)
    {
        snprintf(name, sizeof(name), "%s", env);
        value = strchr(name, '=');
        name[value - name] = 0;
        SetEnvironmentVariableA(name, ++value);
    }
    ret = run_program(argv[0], args, out);
    if (env) SetEnvironmentVariableA(name, NULL);
    return ret;
}

/* Whether a line of the output starts with this text: the whole line when
 * given with its "\n". */
static BOOL has_line(const char *text, const char *line)
{
    const char *p = text;
    size_t len = strlen(line);

    while ((p = strstr(p, line)))
    {
        if (p == text || p[-1] == '\n') return TRUE;
        p += len;
    }
    return FALSE;
}

/* The line number N of the first output line "FILE:N: REST" (REST given
 * with its "\n"), or 0. */
static int find_located(const char *text, const char *file, const char *rest)
{
    size_t file_len = strlen(file), rest_len = strlen(rest);
    const char *p = text;
    char *end;
    long line;

    for (;;)
    {
        if (!strncmp(p, file, file_len) && p[file_len] == ':')
        {
            line = strtol(p + file_len + 1, &end, 10);
            if (end > p + file_len + 1 && !strncmp(end, ": ", 2) && !strncmp(end + 2, rest, rest_len))
                return line;
        }
        if (!(p = strchr(p, '\n'))) return 0;
        p++;
    }
}

/* Whether some line ends with this text (given with its "\n"). */
static BOOL has_end(const char *text, const char *end)
{
    return strstr(text, end) != NULL;
}

static void check_summary(const struct output *out, const char *name, const char *counts)
{
    char line[256];

    snprintf(line, sizeof(line), "%04lx:%s: %s\n", out->pid, name, counts);
    ok(has_line(out->text, line), "summary \"%.*s\" not found:\n%s", (int)strlen(line) - 1, line, out->text);
}

static void test_checks(void)
{
    struct output out;

    if (!run_mode("checks", NULL, &out)) return;
    ok(find_located(out.text, "framework.c", "Test failed: a failing check\n"), "failure:\n%s", out.text);
    ok(find_located(out.text, "framework.c", "Test succeeded inside todo block: a passing check inside todo_wine\n"),
       "passing todo_wine:\n%s", out.text);
    ok(find_located(out.text, "framework.c", "Test marked todo: a failing check inside todo_wine\n"),
       "failing todo_wine:\n%s", out.text);
    ok(!has_end(out.text, "todo_wine_if(0) is no todo\n"), "todo_wine_if(0):\n%s", out.text);
    ok(has_end(out.text, ": Test marked todo: a failing check inside todo_wine_if(1)\n"),
       "todo_wine_if(1):\n%s", out.text);
    ok(!has_end(out.text, "todo_if(0) is no todo\n"), "todo_if(0):\n%s", out.text);
    ok(has_end(out.text, ": Test marked todo: a failing check inside todo_if(1)\n"), "todo_if(1):\n%s", out.text);
    ok(has_line(out.text, "located.c:1234: Test failed: context 7: a failing check with context\n"),
       "ok_() location and context:\n%s", out.text);
    ok(find_located(out.text, "framework.c", "context 7: inner: a trace with two contexts\n"),
       "trace with contexts:\n%s", out.text);
    ok(find_located(out.text, "framework.c", "a trace without context\n"), "trace:\n%s", out.text);
    ok(find_located(out.text, "framework.c", "Tests skipped: a skipped check\n"), "skip:\n%s", out.text);
    ok(find_located(out.text, "framework.c", "Subtest framework_sub\n"), "subtest:\n%s", out.text);
    ok(find_located(out.text, "framework.c", "IgnoreExceptions=1\n"), "ignore_exceptions(TRUE):\n%s", out.text);
    ok(find_located(out.text, "framework.c", "IgnoreExceptions=0\n"), "ignore_exceptions(FALSE):\n%s", out.text);
    ok(!strstr(out.text, "never printed"), "passing check printed:\n%s", out.text);
    check_summary(&out, "framework", "17 tests executed (3 marked as todo, 0 as flaky, 5 failures), 1 skipped.");
    ok(out.exit_code == 5, "exit code %lu, expected 5 failures\n", out.exit_code);
    free(out.text);

    /* WINETEST_DEBUG=0: failures and skips only, no todos, traces or summary. */
    if (!run_mode("checks", "WINETEST_DEBUG=0", &out)) return;
    ok(has_end(out.text, ": Test failed: a failing check\n"), "failure:\n%s", out.text);
    ok(has_end(out.text, ": Tests skipped: a skipped check\n"), "skip:\n%s", out.text);
    ok(!strstr(out.text, "Test marked todo") && !strstr(out.text, "a trace") && !strstr(out.text, "tests executed"),
       "WINETEST_DEBUG=0 output:\n%s", out.text);
    ok(out.exit_code == 5, "exit code %lu, expected 5 failures\n", out.exit_code);
    free(out.text);

    /* WINETEST_REPORT_SUCCESS=1: every passing check has a line. */
    if (!run_mode("checks", "WINETEST_REPORT_SUCCESS=1", &out)) return;
    ok(find_located(out.text, "framework.c", "Test succeeded\n"), "passing check not reported:\n%s", out.text);
    ok(out.exit_code == 5, "exit code %lu, expected 5 failures\n", out.exit_code);
    free(out.text);
}

static void test_flaky(void)
{
    struct output out;

    if (!run_mode("flaky", NULL, &out)) return;
    ok(find_located(out.text, "framework.c", "Test marked flaky: a failing check inside flaky\n"), "flaky:\n%s", out.text);
    ok(has_end(out.text, ": Test marked flaky: a failing check inside flaky_wine\n"), "flaky_wine:\n%s", out.text);
    ok(has_end(out.text, ": Test marked flaky: a failing check inside flaky_if(TRUE)\n"), "flaky_if:\n%s", out.text);
    ok(has_end(out.text, ": Test marked flaky: a failing check inside flaky_wine_if(TRUE)\n"),
       "flaky_wine_if:\n%s", out.text);
    ok(has_end(out.text, ": Test succeeded inside flaky todo block: a passing check inside flaky todo_wine\n"),
       "flaky todo_wine:\n%s", out.text);
    ok(has_end(out.text, ": Test marked todo: a failing check inside flaky todo_wine\n"), "flaky todo:\n%s", out.text);
    ok(!strstr(out.text, "Test failed"), "flaky check reported as a failure:\n%s", out.text);
    check_summary(&out, "framework", "8 tests executed (1 marked as todo, 5 as flaky, 0 failures), 0 skipped.");
    ok(out.exit_code == 0, "flaky failures in the exit code: %lu\n", out.exit_code);
    free(out.text);

    if (!run_mode("flaky", "WINETEST_REPORT_FLAKY=1", &out)) return;
    check_summary(&out, "framework", "8 tests executed (1 marked as todo, 5 as flaky, 0 failures), 0 skipped.");
    ok(out.exit_code == 5, "WINETEST_REPORT_FLAKY=1: exit code %lu, expected 5\n", out.exit_code);
    free(out.text);
}

static void test_mute(void)
{
    static const char *repeated[] =
    {
        "a repeated trace\n", "Tests skipped: a repeated skip\n", "Test marked todo: a repeated todo\n"
    };
    char silenced[128];
    struct output out;
    const char *p;
    unsigned int i;
    int count, line;

    if (!run_mode("mute", "WINETEST_MUTE_THRESHOLD=2", &out)) return;
    for (i = 0; i < ARRAY_SIZE(repeated); i++)
    {
        for (count = 0, p = out.text; (p = strstr(p, repeated[i])); p++) count++;
        ok(count == 2, "\"%s\" printed %d times:\n%s", repeated[i], count, out.text);
        line = find_located(out.text, "framework.c", repeated[i]);
        snprintf(silenced, sizeof(silenced), "framework.c:%d: Line has been silenced after 2 occurrences\n", line);
        ok(line && has_line(out.text, silenced), "line of \"%s\" not silenced:\n%s", repeated[i], out.text);
    }
    check_summary(&out, "framework", "Silenced 2 todos, 2 skips and 2 traces.");
    check_summary(&out, "framework", "2 tests executed (2 marked as todo, 0 as flaky, 0 failures), 2 skipped.");
    ok(out.exit_code == 0, "exit code %lu\n", out.exit_code);
    free(out.text);
}

static void test_platform(void)
{
    struct output out;

    /* On Wine a win_skip() is something Wine lacks: a failure. */
    if (!run_mode("platform", NULL, &out)) return;
    ok(has_end(out.text, ": platform wine, is_wine 1, broken(1) 0\n"), "platform:\n%s", out.text);
    ok(find_located(out.text, "framework.c", "Test failed: something older Windows lacks\n"), "win_skip:\n%s", out.text);
    check_summary(&out, "framework", "1 tests executed (0 marked as todo, 0 as flaky, 1 failure), 0 skipped.");
    ok(out.exit_code == 1, "exit code %lu\n", out.exit_code);
    free(out.text);

    if (!run_mode("platform", "WINETEST_PLATFORM=windows", &out)) return;
    ok(has_end(out.text, ": platform windows, is_wine 0, broken(1) 1\n"), "platform:\n%s", out.text);
    ok(find_located(out.text, "framework.c", "Tests skipped: something older Windows lacks\n"), "win_skip:\n%s", out.text);
    check_summary(&out, "framework", "0 tests executed (0 marked as todo, 0 as flaky, 0 failures), 1 skipped.");
    ok(out.exit_code == 0, "exit code %lu\n", out.exit_code);
    free(out.text);
}

static void test_wait_child_process(void)
{
    char expected[128];
    struct output out;
    int trace_line, none_line;
    const char *p;
    DWORD crash_pid = 0;

    if (!run_mode("waiter", NULL, &out)) return;
    ok(find_located(out.text, "framework.c", "Test failed: first failure in the grandchild\n"),
       "grandchild's failure:\n%s", out.text);
    ok(has_line(out.text, "waiter.c:77: 2 failures in child process\n"), "failing child:\n%s", out.text);

    /* winetest_wait_child_process() itself reports at the last location set: the trace's. */
    if ((p = strstr(out.text, ": crashing child "))) crash_pid = strtoul(p + 17, NULL, 16);
    ok(crash_pid != 0, "crashing child's pid not traced:\n%s", out.text);
    snprintf(expected, sizeof(expected), "crashing child %04lx\n", crash_pid);
    trace_line = find_located(out.text, "framework.c", expected);
    snprintf(expected, sizeof(expected), "unhandled exception e0000123 in child process %04lx\n", crash_pid);
    ok(trace_line && find_located(out.text, "framework.c", expected) == trace_line,
       "\"%.*s\" not at line %d:\n%s", (int)strlen(expected) - 1, expected, trace_line, out.text);

    /* The crashing child's own report, from the filter the framework sets on Windows. */
    ok(find_located(out.text, "framework.c", "this is the last test seen before the exception\n"),
       "no last check before the exception:\n%s", out.text);
    snprintf(expected, sizeof(expected), "%04lx:framework: unhandled exception e0000123 at ", crash_pid);
    ok(has_line(out.text, expected), "%s not found:\n%s", expected, out.text);

    none_line = find_located(out.text, "framework.c", "Test failed: no child process handle: did CreateProcess fail?\n");
    ok(none_line > trace_line, "empty PROCESS_INFORMATION not reported after line %d:\n%s", trace_line, out.text);
    ok(!strstr(out.text, "handle left open"), "handles not closed:\n%s", out.text);
    check_summary(&out, "framework", "16 tests executed (0 marked as todo, 0 as flaky, 4 failures), 0 skipped.");
    ok(out.exit_code == 4, "exit code %lu, expected 4\n", out.exit_code);
    free(out.text);
}

/* dlls/qmgr/tests/standalone/standalone.c, built on its own with -DSTANDALONE
 * into standalone.exe beside this program. */
static void test_standalone(void)
{
    char exe[MAX_PATH], **argv, *p;
    struct output out;

    winetest_get_mainargs(&argv);
    snprintf(exe, sizeof(exe), "%s", argv[0]);
    if ((p = strrchr(exe, '\\')) || (p = strrchr(exe, '/'))) p++;
    else p = exe;
    snprintf(p, sizeof(exe) - (p - exe), "standalone.exe");
    ok(GetFileAttributesA(exe) != INVALID_FILE_ATTRIBUTES, "%s not built\n", exe);

    /* Its one test runs with no name given. */
    if (!run_program(exe, "", &out)) return;
    check_summary(&out, "standalone", "3 tests executed (0 marked as todo, 0 as flaky, 0 failures), 0 skipped.");
    ok(out.exit_code == 0, "exit code %lu\n", out.exit_code);
    free(out.text);

    if (!run_program(exe, "standalone fail", &out)) return;
    ok(has_end(out.text, ": Test failed: failure 2 of 2\n"), "failure:\n%s", out.text);
    check_summary(&out, "standalone", "5 tests executed (0 marked as todo, 0 as flaky, 2 failures), 0 skipped.");
    ok(out.exit_code == 2, "exit code %lu\n", out.exit_code);
    free(out.text);

    if (!run_program(exe, "--list", &out)) return;
    ok(!strcmp(out.text, "Valid test names:\n    standalone\n"), "--list:\n%s", out.text);
    ok(out.exit_code == 0, "exit code %lu\n", out.exit_code);
    free(out.text);

    if (!run_program(exe, "no_such_test", &out)) return;
    ok(!strcmp(out.text, "Fatal: test 'no_such_test' does not exist.\n"), "unknown test:\n%s", out.text);
    ok(out.exit_code == 1, "exit code %lu\n", out.exit_code);
    free(out.text);
}

static void test_runner(void)
{
    char **argv;
    struct output out;

    winetest_get_mainargs(&argv);
    if (!run_program(argv[0], "no_such_test", &out)) return;
    ok(!strcmp(out.text, "Fatal: test 'no_such_test' does not exist.\n"), "unknown test:\n%s", out.text);
    ok(out.exit_code == 1, "unknown test exit code %lu\n", out.exit_code);
    free(out.text);

    if (!run_program(argv[0], "--list", &out)) return;
    ok(!strncmp(out.text, "Valid test names:\n", 18) && has_line(out.text, "    framework\n"), "--list:\n%s", out.text);
    ok(out.exit_code == 0, "--list exit code %lu\n", out.exit_code);
    free(out.text);

    /* A test program of several tests wants a name. */
    if (!run_program(argv[0], "", &out)) return;
    ok(!strncmp(out.text, "Usage: ", 7) && strstr(out.text, " test_name\n\nValid test names:\n"), "usage:\n%s", out.text);
    ok(out.exit_code == 1, "usage exit code %lu\n", out.exit_code);
    free(out.text);
}

START_TEST(framework)
{
    static const struct { const char *name; void (*func)(void); } modes[] =
    {
        { "checks", child_checks },
        { "flaky", child_flaky },
        { "mute", child_mute },
        { "platform", child_platform },
        { "waiter", child_waiter },
        { "failing", child_failing },
        { "crash", child_crash },
        { "passing", NULL },
    };
    char **argv;
    int argc = winetest_get_mainargs(&argv);
    unsigned int i;

    if (argc > 2)
    {
        for (i = 0; i < ARRAY_SIZE(modes); i++)
            if (!strcmp(argv[2], modes[i].name))
            {
                if (modes[i].func) modes[i].func();
                else ok(1, "a passing check\n");
                return;
            }
        ok(0, "unknown mode %s\n", argv[2]);
        return;
    }

    ok(winetest_platform_is_wine && !strcmp(winetest_platform, "wine"), "platform is %s\n", winetest_platform);
    test_checks();
    test_flaky();
    test_mute();
    test_platform();
    test_wait_child_process();
    test_standalone();
    test_runner();
}
