/*
 * BITS constants that Wine 8's headers lack, written from Microsoft's
 * documentation; shared by the DLL and its tests.
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

#ifndef __QMGR_BITS_H
#define __QMGR_BITS_H

/* Message ids of the error context descriptions (Windows' bitsmsg.h). */
#ifndef BG_E_ERROR_CONTEXT_UNKNOWN
#define BG_S_ERROR_CONTEXT_NONE                        0x00200006
#define BG_E_ERROR_CONTEXT_UNKNOWN                     0x80200007
#define BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER       0x80200008
#define BG_E_ERROR_CONTEXT_LOCAL_FILE                  0x80200009
#define BG_E_ERROR_CONTEXT_REMOTE_FILE                 0x8020000A
#define BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT           0x8020000B
#define BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION  0x8020000C
#define BG_E_ERROR_CONTEXT_REMOTE_APPLICATION          0x8020001E
#endif

/* IBackgroundCopyJobHttpOptions' security flags (Windows' bits2_5.h). */
#ifndef BG_SSL_ENABLE_CRL_CHECK
#define BG_SSL_ENABLE_CRL_CHECK                     0x0001
#define BG_SSL_IGNORE_CERT_CN_INVALID               0x0002
#define BG_SSL_IGNORE_CERT_DATE_INVALID             0x0004
#define BG_SSL_IGNORE_UNKNOWN_CA                    0x0008
#define BG_SSL_IGNORE_CERT_WRONG_USAGE              0x0010
#define BG_HTTP_REDIRECT_POLICY_MASK                0x0700
#define BG_HTTP_REDIRECT_POLICY_ALLOW_SILENT        0x0000
#define BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT        0x0100
#define BG_HTTP_REDIRECT_POLICY_DISALLOW            0x0200
#define BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP 0x0800
#endif

#endif /* __QMGR_BITS_H */
