/*
 * A test file built on its own, with -DSTANDALONE
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
 * Any one of Wine's test files can be built alone this way: with STANDALONE,
 * START_TEST also defines the test list, and wine/test.h brings the runner,
 * so there is no testlist.c.  The framework unit runs the result
 * (standalone.exe) and checks its output; "standalone fail" adds two
 * failures.
 */

#include <stdarg.h>

#include "windef.h"
#include "winbase.h"
#include "wine/test.h"

START_TEST(standalone)
{
    char **argv;
    int argc = winetest_get_mainargs(&argv);

    ok(argc >= 1 && argv[0] != NULL, "no arguments: %d\n", argc);
    ok(!strcmp(wine_dbgstr_w(L"bits"), "L\"bits\""), "wine_dbgstr_w gives %s\n", wine_dbgstr_w(L"bits"));
    ok(winetest_platform_is_wine == !strcmp(winetest_platform, "wine"), "platform %s\n", winetest_platform);
    if (argc > 2 && !strcmp(argv[2], "fail"))
    {
        ok(0, "failure 1 of 2\n");
        ok(0, "failure 2 of 2\n");
    }
}
