# Wine's widl reads "[out, ref] LPWSTR *p" as a reference pointer to a
# reference pointer, so the proxy refuses the string the stub sends back
# (RPC_X_NULL_REF_POINTER).  Only the outer pointer is [ref], as MIDL
# reads it; the string itself is an ordinary unique pointer.
#
# Copyright 2026 the qmgr project authors
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Lesser General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
#
# This library is distributed in the hope that it will be useful,
# but WITHOUT ANY WARRANTY; without even the implied warranty of
# MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
# Lesser General Public License for more details.
#
# You should have received a copy of the GNU Lesser General Public
# License along with this library; if not, write to the Free Software
# Foundation, Inc., 51 Franklin St, Fifth Floor, Boston, MA 02110-1301, USA
s/\[out, *ref\] *LPWSTR/[out] LPWSTR/
s/\[out, *size_is(, *20), *ref\] *BYTE/[out, size_is(, 20)] BYTE/
# Input strings travel as unique pointers, so that a NULL reaches the
# service and gets the documented E_INVALIDARG instead of the proxy's
# RPC_X_NULL_REF_POINTER.  Our proxy is the one registered in the prefix,
# so both ends agree on this.
s/\[in\] LPCWSTR/[in, unique] LPCWSTR/
s/^\( *\)LPCWSTR Val);/\1[in, unique] LPCWSTR Val);/
