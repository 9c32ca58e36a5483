/*
 * Tests of the test framework itself (include/wine/test.h): a failing ok()
 * is counted as a failure, a passing todo_wine is reported and counted, and
 * the exit status is the number of failures.
 */

#include "qmgr_test.h"

static void run_child_checks(void)
{
    ok(1, "a passing check\n");
    ok(0, "a failing check\n");
    todo_wine ok(1, "a passing check inside todo_wine\n");
    todo_wine ok(0, "a failing check inside todo_wine\n");
    todo_wine_if(0) ok(1, "todo_wine_if(0) is no todo\n");
    winetest_push_context("context %d", 7);
    ok(0, "a failing check with context\n");
    winetest_pop_context();
    skip("a skipped check\n");
    ok(broken(1) || 1, "broken() is FALSE on Wine\n");
}

static char *read_child_output(const char *args, DWORD *exit_code)
{
    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    STARTUPINFOA si = { sizeof(si) };
    PROCESS_INFORMATION pi;
    char cmdline[MAX_PATH * 2], **argv, *out;
    HANDLE read_pipe, write_pipe;
    DWORD size = 0, got;

    winetest_get_mainargs(&argv);
    snprintf(cmdline, sizeof(cmdline), "\"%s\" %s", argv[0], args);
    CreatePipe(&read_pipe, &write_pipe, &sa, 0);
    SetHandleInformation(read_pipe, HANDLE_FLAG_INHERIT, 0);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdOutput = write_pipe;
    si.hStdError = write_pipe;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    if (!CreateProcessA(NULL, cmdline, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
    {
        ok(0, "cannot start child: %lu\n", GetLastError());
        return NULL;
    }
    CloseHandle(write_pipe);
    out = malloc(65536);
    while (size < 65535 && ReadFile(read_pipe, out + size, 65535 - size, &got, NULL) && got) size += got;
    out[size] = 0;
    /* Text-mode stdout writes \r\n into the pipe. */
    {
        char *src, *dst;
        for (src = dst = out; *src; src++) if (*src != '\r') *dst++ = *src;
        *dst = 0;
    }
    WaitForSingleObject(pi.hProcess, 30000);
    GetExitCodeProcess(pi.hProcess, exit_code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    CloseHandle(read_pipe);
    return out;
}

START_TEST(framework)
{
    char **argv, *out;
    DWORD exit_code = 0;
    int argc = winetest_get_mainargs(&argv);

    if (argc > 2 && !strcmp(argv[2], "child"))
    {
        run_child_checks();
        return;
    }

    ok(!strcmp(winetest_platform, "wine"), "platform is %s\n", winetest_platform);
    out = read_child_output("framework child", &exit_code);
    if (!out) return;

    ok(strstr(out, "framework.c:") && strstr(out, ": Test failed: a failing check\n") != NULL,
       "failing check not reported:\n%s", out);
    ok(strstr(out, ": Test succeeded inside todo block: a passing check inside todo_wine\n") != NULL,
       "passing todo_wine not reported:\n%s", out);
    ok(strstr(out, ": Test marked todo: a failing check inside todo_wine\n") != NULL,
       "failing todo_wine not reported as todo:\n%s", out);
    ok(strstr(out, ": Test failed: context 7: a failing check with context\n") != NULL,
       "context not printed:\n%s", out);
    ok(strstr(out, ": Tests skipped: a skipped check\n") != NULL, "skip not reported:\n%s", out);
    /* 7 checks ran: 3 passed, 2 failed, 1 todo succeeded (a failure), 1 todo. */
    ok(strstr(out, ":framework: 7 tests executed (1 marked as todo, 0 as flaky, 3 failures), 1 skipped.\n") != NULL,
       "wrong summary:\n%s", out);
    ok(exit_code == 3, "exit code %lu, expected 3 failures\n", exit_code);
    free(out);

    out = read_child_output("no_such_test", &exit_code);
    ok(out && strstr(out, "does not exist"), "unknown test not refused:\n%s", out);
    ok(exit_code != 0, "unknown test exit code %lu\n", exit_code);
    free(out);
}
