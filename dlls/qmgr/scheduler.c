/* placeholder until the transfer engine lands */
#include "qmgr_private.h"
HRESULT scheduler_start(void) { return S_OK; }
void scheduler_stop(void) {}
void scheduler_wake(void) {}
