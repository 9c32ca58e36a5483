/*
 * The list of test units; defines the runner (see include/wine/test.h).
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

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#define STANDALONE
#include "wine/test.h"

extern void func_auth(void);
extern void func_bitness(void);
extern void func_credstore(void);
extern void func_enum(void);
extern void func_errors(void);
extern void func_file(void);
extern void func_framework(void);
extern void func_fuzz(void);
extern void func_https(void);
extern void func_isolation(void);
extern void func_job(void);
extern void func_netoptions(void);
extern void func_order(void);
extern void func_owner(void);
extern void func_qmgr(void);
extern void func_recovery(void);
extern void func_service(void);
extern void func_transfer(void);

const struct test winetest_testlist[] =
{
    { "auth", func_auth },
    { "bitness", func_bitness },
    { "credstore", func_credstore },
    { "enum", func_enum },
    { "errors", func_errors },
    { "file", func_file },
    { "framework", func_framework },
    { "fuzz", func_fuzz },
    { "https", func_https },
    { "isolation", func_isolation },
    { "job", func_job },
    { "netoptions", func_netoptions },
    { "order", func_order },
    { "owner", func_owner },
    { "qmgr", func_qmgr },
    { "recovery", func_recovery },
    { "service", func_service },
    { "transfer", func_transfer },
    { 0, 0 }
};
