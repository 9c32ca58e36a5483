/*
 * Background Intelligent Transfer Service: keeping the prefix up
 *
 * A Wine prefix lives only while some ordinary process runs in it: about
 * two seconds after the last one exits, services are shut down.  Every
 * service is a "system" process, so our transfers alone would not keep it
 * up, and a download would stop when the program that started it exits.
 * While any job has work to do, the service therefore keeps one ordinary
 * child running (rundll32 on our KeepPrefixAlive entry), which waits for
 * the service to go away, and after a crash for its next instance.  It is ended a few seconds after the last job
 * ran out of work: starting a process costs the wineserver about as much
 * as two hundred small downloads, so a burst of short jobs shares one.
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

WINE_DEFAULT_DEBUG_CHANNEL(qmgr);

#define KEEPER_LINGER_MS 5000
/* How long a keeper whose service died waits for the next instance. */
#define KEEPER_REPLACEMENT_WAIT_MS 120000

static HANDLE keeper;
static ULONGLONG idle_since;

/* Called by the scheduler after every pass; only it starts or ends the
 * keeper.  Returns how soon (ms) it wants to be called again. */
DWORD keeper_update(BOOL needed)
{
    ULONGLONG now = GetTickCount64();

    WCHAR rundll32[MAX_PATH], cmdline[MAX_PATH + 64];
    STARTUPINFOW si = { .cb = sizeof(si) };
    PROCESS_INFORMATION pi;

    if (keeper && WaitForSingleObject(keeper, 0) == WAIT_OBJECT_0)
    {
        CloseHandle(keeper);
        keeper = NULL;
    }
    if (needed) idle_since = 0;
    else if (keeper && !idle_since) idle_since = now;

    if (needed && !keeper)
    {
        GetSystemDirectoryW(rundll32, MAX_PATH);
        wcscat(rundll32, L"\\rundll32.exe");
        swprintf(cmdline, ARRAY_SIZE(cmdline), L"rundll32.exe qmgr.dll,KeepPrefixAlive %lu", GetCurrentProcessId());
        if (CreateProcessW(rundll32, cmdline, NULL, NULL, FALSE, CREATE_NO_WINDOW | DETACHED_PROCESS,
                           NULL, NULL, &si, &pi))
        {
            TRACE("keeper %04lx started\n", pi.dwProcessId);
            CloseHandle(pi.hThread);
            keeper = pi.hProcess;
        }
        else WARN("cannot start the keeper: %lu\n", GetLastError());
    }
    else if (!needed && keeper)
    {
        if (now - idle_since < KEEPER_LINGER_MS) return KEEPER_LINGER_MS - (now - idle_since);
        /* The prefix may stop at once: what the jobs became goes to disk first. */
        store_sync();
        TRACE("keeper ended\n");
        TerminateProcess(keeper, 0);
        CloseHandle(keeper);
        keeper = NULL;
    }
    return INFINITE;
}

/* The service is stopping: no linger. */
void keeper_end(void)
{
    idle_since = 1;
    keeper_update(FALSE);
}

/* Has a BITS instance other than the one in process gone published its
 * record, and does it run? */
static BOOL replaced(DWORD gone)
{
    DWORD pid = instance_pid();
    HANDLE process;
    BOOL alive;

    if (!pid || pid == gone || !(process = OpenProcess(SYNCHRONIZE, FALSE, pid))) return FALSE;
    alive = WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
    CloseHandle(process);
    return alive;
}

/* rundll32 entry point, in the keeper process: waits for the service. */
void WINAPI KeepPrefixAlive(HWND hwnd, HINSTANCE instance, char *cmdline, int show)
{
    ULONGLONG deadline;
    HANDLE service, changed;
    DWORD pid = strtoul(cmdline, NULL, 10);
    HKEY watch;

    TRACE("%s\n", debugstr_a(cmdline));
    if (!(service = OpenProcess(SYNCHRONIZE, FALSE, pid))) return;
    WaitForSingleObject(service, INFINITE);
    CloseHandle(service);

    /* The service ends us itself when its jobs run out of work or it stops:
     * here it died without doing so (a kill, a crash) with jobs still to
     * run.  The watchdog starts it again at once; without us the prefix
     * could stop before the new instance starts a keeper of its own.  So we
     * stay until it runs, and a linger longer, within a bound. */
    if (!(changed = CreateEventW(NULL, FALSE, FALSE, NULL))) return;
    deadline = GetTickCount64() + KEEPER_REPLACEMENT_WAIT_MS;
    for (;;)
    {
        watch = instance_watch(changed);
        if (replaced(pid) || GetTickCount64() >= deadline)
        {
            if (watch) RegCloseKey(watch);
            break;
        }
        WaitForSingleObject(changed, min(deadline - GetTickCount64(), 1000));
        if (watch) RegCloseKey(watch);
    }
    CloseHandle(changed);
    TRACE("service %04lx replaced by %04lx\n", pid, instance_pid());
    Sleep(KEEPER_LINGER_MS);
}
