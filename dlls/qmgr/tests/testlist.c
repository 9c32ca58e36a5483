/* The list of test units; defines the runner (see include/wine/test.h). */

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#define STANDALONE
#include "wine/test.h"

extern void func_bitness(void);
extern void func_enum(void);
extern void func_file(void);
extern void func_framework(void);
extern void func_job(void);
extern void func_owner(void);
extern void func_qmgr(void);
extern void func_service(void);
extern void func_transfer(void);

const struct test winetest_testlist[] =
{
    { "bitness", func_bitness },
    { "enum", func_enum },
    { "file", func_file },
    { "framework", func_framework },
    { "job", func_job },
    { "owner", func_owner },
    { "qmgr", func_qmgr },
    { "service", func_service },
    { "transfer", func_transfer },
    { 0, 0 }
};
